"""Target or achieved, and the plan section a fact stands in.

Cues are in ``rules/targets.json``. A number takes the polarity of the nearest
cue before it in its sentence (``phấn đấu`` -> target, ``đã`` -> achieved), else of
the nearest cue after it in its clause. With no cue at all it takes the state of
the section it is in: plan texts list goals under a heading (``Mục tiêu cụ thể
từ năm 2021 đến năm 2025:``) whose period carries to every goal below it, until a
sentence closes the section (``đến nay``, ``kết quả``, ``đã tổ chức``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rules import Rules
from .periods import Period

CLAUSE_BREAKS = ";:\n"


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    polarity: str      # target | achieved
    rule: str
    opens: bool
    closes: bool
    weak: bool = False


@dataclass
class Section:
    """Running state while reading an article's sentences in order."""

    is_target: bool = False
    period: Period | None = None
    rule: str | None = None


def find_cues(text: str, rules: Rules, base: int = 0) -> list[Cue]:
    cues = []
    for rule, pat in rules.compiled["cues"]:
        for m in pat.finditer(text):
            cues.append(Cue(base + m.start(), base + m.end(), rule.polarity, rule.name,
                            rule.opens_section, rule.closes_section, rule.weak))
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


def decide_target(pos: int, end: int, cues: list[Cue], section: Section, sentence_text: str,
                  sentence_start: int) -> tuple[bool, str]:
    """(is_target, rule) for a number at ``pos``..``end``."""
    before = [c for c in cues if c.end <= pos]
    strong = [c for c in before if not c.weak]
    if strong:
        c = strong[-1]
        return c.polarity == "target", c.rule
    if before:  # only weak cues: the open section decides first
        if section.is_target:
            return True, f"section:{section.rule}"
        c = before[-1]
        return c.polarity == "target", c.rule
    clause_end = _clause_end(sentence_text, end - sentence_start) + sentence_start
    after = [c for c in cues if c.start >= end and c.end <= clause_end]
    if after:
        c = after[0]
        return c.polarity == "target", c.rule
    if section.is_target:
        return True, f"section:{section.rule}"
    return False, "default.achieved"


def decide_period(pos: int, is_target: bool, periods: list[Period], section: Section,
                  sentence_start: int, clause_end: int | None = None) -> Period | None:
    """The period a fact is for (see module docstring and rules/periods.json).
    A period after the number counts only inside its clause."""
    own = [p for p in periods if p.kind != "baseline"]
    before = [p for p in own if p.span[1] <= pos]
    after = [p for p in own if p.span[0] >= pos and (clause_end is None or p.span[1] <= clause_end)]
    mine = before[-1] if before else (after[0] if after else None)
    if not is_target:
        return mine
    if mine is not None and (mine.strength == "strong" or _leading(mine, sentence_start)):
        return mine
    if section.is_target and section.period is not None:
        return section.period
    return mine


def _leading(p: Period, sentence_start: int) -> bool:
    return p.span[0] - sentence_start <= 3


def update_section(section: Section, cues: list[Cue], periods: list[Period], sentence_start: int) -> None:
    """After a sentence: open, close or keep the plan section."""
    own = [p for p in periods if p.kind != "baseline"]
    for c in cues:
        if c.polarity == "target" and c.opens:
            section.is_target = True
            section.rule = c.rule
            if own:
                section.period = own[0]
        elif c.closes:
            section.is_target = False
            section.period = None
            section.rule = None
    if section.is_target and own and _leading(own[0], sentence_start):
        section.period = own[0]


def _clause_end(text: str, pos: int) -> int:
    ends = [text.find(ch, pos) for ch in CLAUSE_BREAKS]
    ends = [e for e in ends if e >= 0]
    return min(ends) if ends else len(text)
