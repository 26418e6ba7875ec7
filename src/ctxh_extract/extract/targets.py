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

import regex

from ..text.cues import Cue, clause_bounds
from ..text.periods import Period



@dataclass
class Section:
    """Running state while reading an article's sentences in order."""

    is_target: bool = False
    period: Period | None = None
    rule: str | None = None


AFTER_WINDOW_WORDS = 8     # a cue after the number reaches back this far ('100 cán bộ sẽ được ...')
_AFTER_WINDOW = regex.compile(r"(?:\s*\S+){0,%d}" % AFTER_WINDOW_WORDS)


def decide_target(pos: int, end: int, cues: list[Cue], section: Section, sentence_text: str,
                  sentence_start: int, own: Period | None = None,
                  published_year: int | None = None) -> tuple[bool, str]:
    """(is_target, rule) for a number at ``pos``..``end`` whose own period is ``own``.

    Nearest first: a cue before the number in its clause, then one just after it in its clause
    ('40 viên chức ... sẽ được cử'), then a cue in an earlier clause of the sentence, then the
    plan section; a weak cue ('đạt') only when nothing stronger speaks."""
    rel_start, clause_end = clause_bounds(sentence_text, pos - sentence_start, end - sentence_start)
    clause_start = sentence_start + rel_start
    before = [c for c in cues if c.end <= pos]
    strong = [c for c in before if not c.weak]
    in_clause = [c for c in strong if c.start >= clause_start]
    if in_clause:
        c = in_clause[-1]
        return c.polarity == "target", c.rule
    window_end = sentence_start + min(clause_end, _AFTER_WINDOW.match(sentence_text, end - sentence_start).end())
    after = [c for c in cues if c.start >= end and c.end <= window_end and not c.weak]
    if after:
        c = after[0]
        return c.polarity == "target", c.rule
    if strong:
        c = strong[-1]
        return c.polarity == "target", c.rule
    past = own is not None and own.end is not None and published_year is not None and own.end < published_year
    if before:  # only weak cues: the open section decides first, then the calendar
        if section.is_target and not past:
            return True, f"section:{section.rule}"
        if past:
            return False, "achieved.past_period"
        c = before[-1]
        return c.polarity == "target", c.rule
    if section.is_target and not past:
        return True, f"section:{section.rule}"
    return False, "default.achieved"


def own_period(pos: int, periods: list[Period], cues: list[Cue], clause_end: int | None = None,
               next_number: int | None = None) -> Period | None:
    """The period written in the fact's own sentence: the nearest before the number (unless a
    'now' cue stands between: 'thành lập năm 2017, hiện có 9 viên chức'), else the first after it
    in its clause and before the next number (which it then belongs to)."""
    own = [p for p in periods if p.kind != "baseline"]
    before = [p for p in own if p.span[1] <= pos]
    if before:
        p = before[-1]
        if not any(c.now and p.span[1] <= c.start and c.end <= pos for c in cues):
            return p
        return None
    after = [p for p in own if p.span[0] >= pos and (clause_end is None or p.span[1] <= clause_end)
             and (next_number is None or p.span[0] < next_number)]
    return after[0] if after else None


def decide_period(mine: Period | None, is_target: bool, section: Section, sentence_text: str,
                  sentence_start: int) -> Period | None:
    """The period a fact is for (see module docstring and rules/periods.json)."""
    if not is_target:
        return mine
    sec = section.period if section.is_target else None
    if mine is not None and mine.kind == "until" and sec is not None and sec.end == mine.end and sec.start:
        return sec          # 'đến năm 2025' under 'Giai đoạn 2021 - 2025': the heading says more
    if mine is not None and (mine.strength == "strong" or _leading(mine, sentence_text, sentence_start)):
        return mine
    if sec is not None:
        return sec
    return mine


def _leading(p: Period, sentence_text: str, sentence_start: int) -> bool:
    """A period that opens its sentence or a clause ('..., năm 2023 tỉnh dự kiến ...')."""
    rel = p.span[0] - sentence_start
    if rel <= 3:
        return True
    before = sentence_text[:rel].rstrip()
    return before.endswith((",", ";", ":"))


def update_section(section: Section, cues: list[Cue], periods: list[Period], sentence_text: str,
                   sentence_start: int) -> None:
    """After a sentence: open, close or keep the plan section."""
    own = [p for p in periods if p.kind != "baseline"]
    achieved_seen = False
    for c in cues:
        if c.polarity == "achieved" and not c.weak:
            achieved_seen = True
        if c.polarity == "target" and c.opens and not (c.weak and achieved_seen):
            section.is_target = True
            section.rule = c.rule
            if own:
                section.period = own[0]
        elif c.closes:
            section.is_target = False
            section.period = None
            section.rule = None
    if section.is_target and own and own[0].span[0] - sentence_start <= 3:
        section.period = own[0]
