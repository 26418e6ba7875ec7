"""Periods: which years a fact is for (``giai đoạn 2021 - 2025`` -> [2021, 2025]).

Patterns live in ``rules/periods.json``. A sentence can hold several periods; a
baseline (``so với năm 2020``) is found too, so that it is never taken for the
fact's period. Which period a fact gets is decided in :mod:`.targets`, because it
depends on whether the fact is a goal inside a plan section.

>>> from ctxh_extract.rules import load_rules
>>> [(p.start, p.end, p.kind) for p in find_periods("Mục tiêu cụ thể từ năm 2021 đến năm 2025, tăng 20% so với năm 2020", load_rules())]
[(2021, 2025, 'range'), (2020, 2020, 'baseline')]
>>> [(p.start, p.end) for p in find_periods("Từ 2016 2020, thành phố phấn đấu", load_rules())]
[(2016, 2020)]
>>> [(p.start, p.end) for p in find_periods("đặt ra mục tiêu từ nay đến năm 2015 sẽ xây dựng", load_rules())]
[(None, 2015)]
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from ..rules import Rules

_FOUR_DIGITS = regex.compile(r"(?<!\d)\d{4}(?!\d)")


@dataclass(frozen=True)
class Period:
    start: int | None
    end: int | None
    span: tuple[int, int]      # offsets (relative to what was searched, plus base)
    kind: str                  # range | until | since | single | baseline
    strength: str              # strong | weak
    rule: str

    @property
    def years(self) -> tuple[int | None, int | None]:
        return (self.start, self.end)


def find_periods(text: str, rules: Rules, base: int = 0) -> list[Period]:
    """All periods in ``text``, in text order; each span claimed by one rule only."""
    found: list[Period] = []
    if not _FOUR_DIGITS.search(text):       # every period names a year
        return found
    taken: list[tuple[int, int]] = []
    for rule, pat in rules.compiled["periods"]:
        for m in pat.finditer(text):
            a, b = m.span()
            if any(a < y and x < b for x, y in taken):
                continue
            gd = m.groupdict()
            start = int(gd["start"]) if gd.get("start") else None
            end = int(gd["end"]) if gd.get("end") else None
            if rule.kind in ("single", "baseline"):
                end = start
            if start is not None and end is not None and start > end:
                continue
            taken.append((a, b))
            found.append(Period(start, end, (base + a, base + b), rule.kind, rule.strength, rule.name))
    found.sort(key=lambda p: p.span)
    return found
