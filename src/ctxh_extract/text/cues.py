"""Target and achieved cues in text (``rules/targets.json``), and clause bounds.

A cue is a word or phrase that says whether a figure is a goal (``phấn đấu``,
``mục tiêu``, ``sẽ``) or something done or that is (``đã``, ``hiện có``, ``đến nay``).
Cues are found once per sentence here; which cue decides a figure is up to
:mod:`ctxh_extract.extract.targets`, and the document outline attaches the cues of
headings and list heads to the goals below them.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from ..rules import Rules

CLAUSE_BREAKS = ";:"            # a sentence lies within one (joined) body line, so a newline inside it is a wrap
_YEAR = regex.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    polarity: str      # target | achieved
    rule: str
    opens: bool
    closes: bool
    weak: bool = False
    now: bool = False
    in_names: bool = False
    present: bool = False              # an existence statement ('toàn tỉnh có'): yields to a target cue before it


def find_cues(text: str, rules: Rules, base: int = 0, published_year: int | None = None) -> list[Cue]:
    cues = []
    low = text.lower()
    for rule, pat, needle in rules.compiled["cues"]:
        if needle is not None and needle not in low:
            continue
        for m in pat.finditer(text):
            if rule.past_is_achieved and published_year and _year_in(m.group(0)) < published_year:
                # 'đến hết năm 2023' in a 2024 article: as of then, not a goal
                cues.append(Cue(base + m.start(), base + m.end(), "achieved", rule.name + ".past", False, True))
                continue
            cues.append(Cue(base + m.start(), base + m.end(), rule.polarity, rule.name,
                            rule.opens_section, rule.closes_section, rule.weak, rule.now, rule.in_names,
                            rule.present))
    cues.sort(key=lambda c: (c.start, -c.end))
    # a shorter cue inside a longer one (đạt in đạt được) yields to it
    out: list[Cue] = []
    for c in cues:
        if out and c.start < out[-1].end:
            if c.end - c.start > out[-1].end - out[-1].start:
                out[-1] = c
            continue
        out.append(c)
    return out


def _year_in(s: str) -> int:
    years = [int(y) for y in _YEAR.findall(s)]
    return years[-1] if years else 10**6


def clause_bounds(text: str, pos: int, end: int | None = None) -> tuple[int, int]:
    """(start, end) in ``text`` of the clause around ``pos``..``end`` (breaks: ; :)."""
    end = pos if end is None else end
    a = max(text.rfind(ch, 0, pos) for ch in CLAUSE_BREAKS) + 1
    ends = [e for e in (text.find(ch, end) for ch in CLAUSE_BREAKS) if e >= 0]
    return a, min(ends) if ends else len(text)
