"""Target or achieved, and the period a fact is for (ANNOTATION.md, "Periods in detail").

A figure's own words decide first: the nearest cue before it in its clause
(``phấn đấu`` -> target, ``đã`` -> achieved), else a cue just after it, else a cue
earlier in its sentence. With no cue of its own it walks up the document outline
(:mod:`ctxh_extract.text.outline`): its list head, the plan section a sentence
opened (``Mục tiêu đến năm 2025 ...``) until a sentence closes it (``đến nay``,
``kết quả``), the headings above it (``I. MỤC TIÊU``, ``I. KẾT QUẢ``), and in a
plan text the plan itself. A goal's period is found the same way: its own clause,
then an earlier clause of its sentence that heads it (``Phấn đấu đến năm 2025, ...;
...``), then its list head, the section, the headings, the plan's horizon.
Achieved figures take a period only from their own sentence, or from the colon
line their list item continues.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import regex

from ..text.cues import Cue, clause_bounds
from ..text.outline import HEADING, PLAN_HEADER, Outline, real_periods
from ..text.periods import Period
from ..text.segment import Sentence


@dataclass
class Section:
    """A plan section opened by a sentence (``phấn đấu``, ``mục tiêu``): running state while
    reading the sentences of one heading in order."""

    is_target: bool = False
    period: Period | None = None
    rule: str | None = None
    closed_by: str | None = None      # the achieved cue that closed it ('hiện nay', 'đến nay') ...
    closed_line: int | None = None    # ... in this line: the rest of that paragraph reports what is, too


@dataclass(frozen=True)
class Scope:
    """What one node above a figure says: the period it introduces and its polarity."""

    kind: str                     # list_head | section | heading | plan_header
    period: Period | None
    polarity: str | None          # target | achieved | None
    rule: str
    continues: bool = False       # a colon line whose items continue its sentence (achieved facts use it too)


def scope_chain(outline: Outline | None, sentence: Sentence, section: Section) -> list[Scope]:
    """Nearest first: the list head the sentence's line belongs to, the open plan section,
    the headings above, the plan header."""
    chain: list[Scope] = []
    nodes = outline.scopes(sentence) if outline is not None else []
    node = outline.node_of(sentence) if outline is not None else None
    section_done = False

    def add_section() -> None:
        if section.is_target:
            chain.append(Scope("section", section.period, "target", f"section:{section.rule}"))
        elif section.closed_by is not None and section.closed_line == sentence.line_index:
            chain.append(Scope("section", None, "achieved", f"section:{section.closed_by}"))

    for n in nodes:
        if n.kind != PLAN_HEADER and n.kind != HEADING and n.list_head:
            direct = node is not None and n is node.parent
            chain.append(Scope("list_head", n.intro, n.polarity, n.polarity_rule or "list_head",
                               continues=direct))
            continue
        if not section_done:
            add_section()
            section_done = True
        if n.kind == PLAN_HEADER:
            chain.append(Scope("plan_header", n.intro, "target", "outline.plan_horizon"))
        else:
            direct = node is not None and n is node.parent and n.list_head
            chain.append(Scope("heading", n.intro, n.polarity, n.polarity_rule or "heading", continues=direct))
    if not section_done:
        add_section()
    if node is not None and node.line_head is not None:
        chain.insert(0, Scope("line_head", node.line_head, None, "outline.line_head"))
    if outline is not None and outline.title_horizon is not None:
        chain.append(Scope("title_plan", outline.title_horizon, None, "outline.title_plan"))
    # a head's 'until' period is widened by a range with the same end stated in that head ('gồm hai
    # giai đoạn 2021-2025 và 2026-2030; mục tiêu cụ thể đến năm 2025 gồm:' introduces 2021-2025)
    by_period = {id(n.intro): n for n in nodes if n.intro is not None}
    chain = [Scope(s.kind, refine(s.period, by_period[id(s.period)].periods), s.polarity, s.rule, s.continues)
             if s.period is not None and id(s.period) in by_period else s for s in chain]
    # a period taken from a head says so in its rule name ('period.stage_range@heading')
    return [Scope(s.kind, via(s.period, s.kind), s.polarity, s.rule, s.continues) for s in chain]


def via(p: Period | None, where: str) -> Period | None:
    """``p`` with the place it was taken from in its rule name (so a stored fact's period_rule
    says where its period came from)."""
    return None if p is None or "@" in p.rule else replace(p, rule=f"{p.rule}@{where}")


def refine(p: Period | None, pool: list[Period]) -> Period | None:
    """'đến năm 2025' under 'Giai đoạn 2021 - 2025' (or in a head that names that phase): the
    range says more, so it is the period."""
    if p is None or p.kind != "until" or p.end is None:
        return p
    for q in pool:
        if q is not p and q.kind == "range" and q.end == p.end and q.start is not None:
            return Period(q.start, q.end, p.span, "range", "strong", p.rule + "+range")
    return p


# a document's name running up to a cue: 'Đề án Phát triển nghề CTXH đến năm 2020 của Thủ tướng ...'
_DOC_BEFORE = regex.compile(r"(?:Đề án|Chương trình|Kế hoạch|Chiến lược|Quy hoạch|Quyết định|Nghị quyết)"
                            r"(?:\s+(?:số\s+)?[\d/A-ZĐ\-]+)?(?:\s+\p{Lu}\p{Ll}*(?:\s+\p{Ll}+){0,3}){1,6}\s*,?\s*$")
AFTER_WINDOW_WORDS = 8     # a cue after the number reaches back this far ('100 cán bộ sẽ được ...')
_AFTER_WINDOW = regex.compile(r"(?:\s*\S+){0,%d}" % AFTER_WINDOW_WORDS)


def decide_target(pos: int, end: int, cues: list[Cue], chain: list[Scope], sentence_text: str,
                  sentence_start: int, own: Period | None = None,
                  published_year: int | None = None) -> tuple[bool, str]:
    """(is_target, rule) for a number at ``pos``..``end`` whose own period is ``own``.

    Nearest first: a cue before the number in its clause, then one just after it in its clause
    ('40 viên chức ... sẽ được cử'), then a cue in an earlier clause of the sentence, then the
    scopes above it (list head, open section, headings, plan); a weak cue ('đạt') only when
    nothing stronger speaks."""
    rel_start, clause_end = clause_bounds(sentence_text, pos - sentence_start, end - sentence_start)
    clause_start = sentence_start + rel_start
    before = [c for c in cues if c.end <= pos]
    strong = [c for c in before if not c.weak and not c.present]
    in_clause = [c for c in strong if c.start >= clause_start]
    if in_clause:
        c = in_clause[-1]
        return c.polarity == "target", c.rule
    present = [c for c in before if c.present and c.start >= clause_start]
    goal_list = any(sc.kind == "list_head" and sc.continues and sc.polarity == "target" for sc in chain)
    if present and not goal_list and not any(c.polarity == "target" for c in before):
        return False, present[-1].rule   # 'Cả nước có gần 60 trường': the state of things, whatever section
    comma = sentence_text.find(",", end - sentence_start)
    window_end = sentence_start + min(clause_end, _AFTER_WINDOW.match(sentence_text, end - sentence_start).end(),
                                      comma if comma >= 0 else len(sentence_text))
    after = [c for c in cues if c.start >= end and c.end <= window_end and not c.weak]
    if after:
        c = after[0]
        return c.polarity == "target", c.rule
    if strong:
        c = strong[-1]
        return c.polarity == "target", c.rule
    past = own is not None and own.end is not None and published_year is not None and own.end < published_year
    for sc in chain:
        if sc.polarity is not None:
            if sc.polarity == "target" and past:
                return False, "achieved.past_period"
            return sc.polarity == "target", sc.rule
    if past:
        return False, "achieved.past_period"
    if before:
        c = before[-1]
        return c.polarity == "target", c.rule
    return False, "default.achieved"


def own_period(pos: int, periods: list[Period], cues: list[Cue], lo: int, hi: int,
               numbers: list[tuple[int, int]], before_lo: int | None = None, shared_after: bool = True,
               text_between=None) -> Period | None:
    """The period written next to the number at ``pos`` in its clause ``lo``..``hi``; a period
    before it may also come from ``before_lo`` on (the sentence's start, for an achieved fact).

    Numbers are read left to right and each period belongs to one of them: a period standing
    between the previous number and this one is this one's ('Đến năm 2025 đạt 60%, đến năm
    2030 đạt 90%'); else one right after it in its clause, before the next number ('dưới 6% vào
    năm 2026 và 5% vào năm 2029'), which it then claims; else a period before it that no number
    claimed ('Năm 2025: 60% ..., 70% ...'), unless a 'now' cue cuts it off ('thành lập năm 2017,
    hiện có 9 viên chức'); else, with ``shared_after`` (goals), the first period after it in its
    clause ('80% số xã và 90% số phường vào năm 2030'). An achieved figure does not share a later
    figure's year ('đã có 14 bệnh viện ..., hỗ trợ 27.000 lượt ... trong năm 2022')."""
    before_lo = lo if before_lo is None else before_lo
    own = [p for p in real_periods(periods) if before_lo <= p.span[0] and p.span[1] <= hi]

    def attached(b: int, p: Period) -> bool:
        """A period after a number is its own only with no comma and no cue in between
        ('... hai buổi ..., đồng thời phấn đấu trong năm 2024 kết nạp 20 đội viên': 2024 is not
        the two sessions' year)."""
        gap = (b, p.span[0])
        return "," not in (text_between(gap) if text_between else "") and \
            not any(gap[0] <= c.start and c.end <= gap[1] for c in cues)

    if not own:
        return None
    nums = sorted(n for n in numbers if before_lo <= n[0] < hi)
    claimed: set[int] = set()
    taken: Period | None = None
    for k, (a, b) in enumerate(nums):
        prev_end = nums[k - 1][1] if k else before_lo
        nxt = nums[k + 1][0] if k + 1 < len(nums) else hi
        between = [p for p in own if prev_end <= p.span[0] and p.span[1] <= a and id(p) not in claimed]
        right = [p for p in own if p.span[0] >= b and p.span[1] <= min(nxt, hi) and (a >= lo or p.span[1] <= lo)
                 and attached(b, p)]
        if right and right[0].kind == "single" and attached(b, right[0]):
            # 'b) 75% ... vào năm 2025 và đạt 85% vào năm 2030': a 'vào năm X' right after a value is its
            # own, even when another period stands before it (the one that closes the previous goal)
            taken = right[0]
            claimed.add(id(taken))
            if a == pos:
                return replace(taken, strength="strong")
        elif between:
            taken = between[-1]
        elif right:
            taken = right[0]
            claimed.add(id(taken))
            if a == pos and taken.strength == "weak":
                # 'đạt 95% năm 2025', 'giảm ... 6% vào năm 2026': a year written right after the value is its own
                return replace(taken, strength="strong")
        else:
            free = [p for p in own if p.span[1] <= a and id(p) not in claimed]
            later = [p for p in own if p.span[0] >= b and lo <= a] if shared_after else []
            taken = free[-1] if free else (later[0] if later else None)
        if a == pos:
            break
    else:
        taken = None
    if taken is not None and taken.span[1] <= pos:
        if any(c.now and taken.span[1] <= c.start and c.end <= pos for c in cues):
            return None
    return taken


def head_in_sentence(pos: int, periods: list[Period], cues: list[Cue], sentence_text: str,
                     sentence_start: int) -> Period | None:
    """A period in an earlier clause of the sentence that heads the goals after it ('Phấn đấu
    đến năm 2025, ... 100% xã ...; 80% ...'): the nearest one, unless its clause reports
    something done. A bare year in mid-clause ('Phấn đấu năm 2023 nâng cấp ...; thành lập 01
    ...') is weak: it loses to a head above (see :func:`decide_period`)."""
    clause_start = sentence_start + clause_bounds(sentence_text, pos - sentence_start)[0]
    earlier = [p for p in real_periods(periods) if p.span[1] <= clause_start]
    if not earlier:
        return None
    # the nearest strong one heads ('Phấn đấu đến năm 2025, ...; ... năm 2025 tăng 20% ...; bảo đảm 80%
    # ...': not the bare year of the clause before), else the nearest
    strong_ones = [q for q in earlier if q.strength == "strong" or _leading(q, sentence_text, sentence_start)]
    p = strong_ones[-1] if strong_ones else earlier[-1]
    ca, cb = clause_bounds(sentence_text, p.span[0] - sentence_start)
    strong = [c for c in cues if not c.weak and sentence_start + ca <= c.start < sentence_start + cb]
    if strong and strong[-1].polarity == "achieved":
        return None
    return via(refine(p, real_periods(periods)), "sentence_head")


def decide_period(mine: Period | None, chain: list[Scope], sentence_text: str, sentence_start: int,
                  head: Period | None = None, tail: Period | None = None,
                  programme: Period | None = None) -> Period | None:
    """The period of a goal: its own (a range or end year, or a year that opens its clause), else
    the nearest head above it; a bare year in mid-sentence loses to a head that names one."""
    strong_head = head is not None and (head.strength == "strong" or _leading(head, sentence_text, sentence_start))
    # nearest first: the heads above, the plan's own horizon, a programme the sentence names, the
    # plan a news title names
    near = [s.period for s in chain if s.kind not in ("plan_header", "title_plan")]
    plan = [s.period for s in chain if s.kind == "plan_header"]
    title = [s.period for s in chain if s.kind == "title_plan"]
    pool = [p for p in [head if strong_head else None, *near, *plan, programme, *title, head] if p is not None]
    if mine is not None and (mine.strength == "strong" or _leading(mine, sentence_text, sentence_start)):
        return mine        # own clause first: 'Đến năm 2025, ...' under 'Giai đoạn 2021-2025' is [null, 2025]
    if pool:
        # a bare year in mid-clause ('tỷ lệ ... năm 2025 tăng 20% so với năm 2020') loses to a head
        # that names a period (the list it stands in, as the seed gold has it) but not to the plan's
        # horizon alone
        near_head = any(sc.period is not None and sc.kind in ("list_head", "line_head", "section", "heading")
                        for sc in chain) or strong_head
        if mine is not None and not near_head:
            return mine          # nothing closer than the plan's horizon: the goal's own year says more
        return pool[0]
    return mine if mine is not None else tail


def trailing_period(pos: int, periods: list[Period], sentence_text: str, sentence_start: int) -> Period | None:
    """A year that closes a sentence of ';'-separated goals ('hướng tới 100% ...; 90% ...; 50% ...
    vào năm 2030') is the year of every goal in it that names none: the only period in the sentence,
    after the number, at its end."""
    own = real_periods(periods)
    if len(own) != 1 or own[0].span[0] < pos:
        return None
    rest = sentence_text[own[0].span[1] - sentence_start:]
    return via(own[0], "sentence_end") if len(rest.strip(" .;,)")) == 0 and ";" in sentence_text else None


def achieved_period(mine: Period | None, chain: list[Scope]) -> Period | None:
    """An achieved figure's period: its own sentence's, else that of the colon line its list item
    continues ('Năm 2024, ... kết quả nổi bật:' then '- ...')."""
    if mine is not None:
        return mine
    for sc in chain:
        if sc.kind == "section":
            continue
        return sc.period if sc.continues else None
    return None


def _leading(p: Period, sentence_text: str, sentence_start: int) -> bool:
    """A period that opens its sentence or a clause ('..., năm 2023 tỉnh dự kiến ...')."""
    rel = p.span[0] - sentence_start
    if rel <= 3:
        return True
    before = sentence_text[:rel].rstrip()
    return before.endswith((",", ";", ":"))


def update_section(section: Section, cues: list[Cue], periods: list[Period], sentence_text: str,
                   sentence_start: int, line_index: int | None = None) -> None:
    """After a sentence: open, close or keep the plan section. A sentence that closes it with an
    achieved cue ('Hiện nay, toàn tỉnh có ...') makes the rest of its paragraph achieved too
    ('Trong đó, 80 người ...'), whatever the heading above says."""
    own = real_periods(periods)
    achieved_seen = False
    achieved_clause = None          # (start, end) of the clause of the last achieved cue
    for c in cues:
        if c.polarity == "achieved" and not c.weak:
            achieved_seen = True
            a, b = clause_bounds(sentence_text, c.start - sentence_start)
            achieved_clause = (sentence_start + a, sentence_start + b)
        in_achieved_clause = achieved_clause is not None and achieved_clause[0] <= c.start < achieved_clause[1]
        in_name = c.in_names and (in_achieved_clause or _DOC_BEFORE.search(
            sentence_text, max(0, c.start - sentence_start - 120), c.start - sentence_start))
        if c.polarity == "target" and c.opens and not (c.weak and achieved_seen) and not in_name:
            section.is_target = True
            section.rule = c.rule
            section.closed_by = section.closed_line = None
            if own:
                section.period = own[0]
        elif c.closes and not (c.present and any(t.polarity == "target" for t in cues if t.start < c.start)):
            section.is_target = False
            section.period = None
            section.rule = None
            if c.polarity == "achieved":
                section.closed_by, section.closed_line = c.rule, line_index
    if section.is_target and own and own[0].span[0] - sentence_start <= 3:
        section.period = own[0]
