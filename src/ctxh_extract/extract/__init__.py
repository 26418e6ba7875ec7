"""The extract stage: provinces, numbers, counts and percentages of one article.

:func:`extract_sentences` walks the body sentences in order (the plan-section
state of :mod:`.targets` depends on order) and hands each number to the count
or the percentage extractor. Each fact type has its own module; this driver
only decides which numbers are candidates at all (exclusions, years, periods).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from ..rules import Rules
from ..text.segment import Sentence
from .context import SentenceContext
from .counts import CountCandidate, CountExtractor, proper_fraction_of_count
from .numbers import parser_for
from .percentages import PercentCandidate, PercentExtractor
from ..text.periods import Period, find_periods
from .provinces import Gazetteer, Mention
from .tables import table_facts
from ..text.cues import find_cues
from ..text.outline import Outline
from .targets import (Section, achieved_period, decide_period, decide_target, head_in_sentence, own_period,
                      scope_chain, trailing_period, update_section)

@dataclass
class Extracted:
    counts: list[tuple[CountCandidate, bool, str, Period | None, str | None]] = field(default_factory=list)
    percentages: list[tuple[PercentCandidate, bool, str, Period | None, str | None]] = field(default_factory=list)
    dropped: list[tuple[int, int, str]] = field(default_factory=list)   # absolute span, why


@dataclass
class Extractors:
    rules: Rules
    gazetteer: Gazetteer
    counts: CountExtractor
    percentages: PercentExtractor
    has_number: regex.Pattern
    unless_unit_after: frozenset = frozenset()      # exclusions that do not hold before a count's unit


_FRACTION_TAIL = regex.compile(r"\s*/\s*\d+")
_FRACTION_HEAD = regex.compile(r"(\d+)\s*/\s*$")


def _unit_after_fraction(ctx, ex: "Extractors", num) -> bool:
    """'2/25 viên chức': a unit right after a proper fraction (checked from either number)."""
    t = ctx.text
    end = num.number_end
    m = _FRACTION_TAIL.match(t, end)
    if m:
        if not proper_fraction_of_count(t, end, num.value):
            return False
        end = m.end()
    else:
        before = _FRACTION_HEAD.search(t, 0, num.start)
        if before is None or not (int(before.group(1)) < num.value and num.value >= 5):
            return False
    return ex.counts.unit_at(t, end) is not None


def _extractors(rules: Rules) -> Extractors:
    p = parser_for(rules)
    words = sorted(p.digits_words.keys() | p.ten, key=len, reverse=True)
    has_number = regex.compile(r"\d|%|(?<![\p{L}])(?:" + "|".join(map(regex.escape, words)) + r")(?![\p{L}])", regex.IGNORECASE)
    unless = frozenset(r.name for r in rules.exclusions.rules if r.unless_unit_after)
    return Extractors(rules, Gazetteer(rules), CountExtractor(rules), PercentExtractor(rules), has_number, unless)


def extractors_for(rules: Rules) -> Extractors:
    """Compiled extractors for a rules directory, built once per process."""
    return rules.cached("extractors", _extractors)


def extract_sentences(sentences: list[Sentence], mentions: list[Mention], rules: Rules,
                      primary: str | None, published_year: int | None = None, text: str = "",
                      outline: Outline | None = None) -> Extracted:
    """Counts and percentages of the body sentences (offsets into the cleaned text).
    ``published_year`` lets 'đến năm 2023' in a 2024 article read as 'as of'; ``text`` (the
    whole cleaned text) shows what stands just outside a sentence; ``outline`` gives each
    sentence the heads above it (list head, headings, plan header)."""
    ex = extractors_for(rules)
    parser = parser_for(rules)
    out = Extracted()
    section = Section()
    section_heading = None
    excl_rules = rules.compiled["exclusions"]
    prev_text = ""
    after_sentence = rules.compiled.get("cue_after_sentence", {})
    for s in sentences:
        heading = outline.heading_of(s) if outline is not None else None
        if heading is not section_heading:          # a new heading: the plan section of the last one ends
            section, section_heading = Section(), heading
        if outline is not None and s.start in outline.cues:      # found once, by the outline
            cues, own = outline.cues[s.start], outline.periods[s.start]
        else:
            cues = find_cues(s.text, rules, s.start, published_year)
            own = find_periods(s.text, rules, s.start)
        if after_sentence and any(c.rule in after_sentence for c in cues):
            # 'Theo đó, ...' is a cue only right after a sentence that names a plan or a decision
            cues = [c for c in cues if c.rule not in after_sentence or after_sentence[c.rule].search(prev_text)]
        prev_text = s.text
        if outline is not None and s.start in outline.phase_refs:
            own = sorted(own + outline.phase_refs[s.start], key=lambda p: p.span)
        if ex.has_number.search(s.text):
            numbers = parser.find(s.text)
            if numbers:
                ctx = SentenceContext(s, numbers, cues, own,
                                      [m for m in mentions if s.start <= m.start < s.end], section,
                                      article_text=text)
                low = s.text.lower()
                for rule, pat in excl_rules:
                    if rule.needles and not any(n in low for n in rule.needles):
                        continue      # the rule cannot match here (a cheap test before the regex)
                    for m in pat.finditer(s.text):
                        ctx.excluded.append((m.start(), m.end(), rule.name))
                for p in own:
                    ctx.excluded.append((p.span[0] - s.start, p.span[1] - s.start, p.rule))
                chain = scope_chain(outline, s, section)
                _facts(ctx, ex, out, primary, published_year, chain, outline)
        update_section(section, cues, own, s.text, s.start, s.line_index)
    if outline is not None and outline.tables:
        tc, tp = table_facts(outline.tables, text, sentences, outline, ex, primary)
        cells = [span for t in outline.tables for span in t.value_spans()]
        out.dropped = [d for d in out.dropped if not any(a <= d[0] < b for a, b in cells)]
        out.counts += tc
        out.percentages += tp
    return out


def _facts(ctx: SentenceContext, ex: Extractors, out: Extracted, primary: str | None,
           published_year: int | None, chain, outline: Outline | None = None) -> None:
    text = ctx.article_text
    # the numbers that can be facts: a period next to one belongs to it (targets.own_period)
    fact_spans = [(ctx.base + n.start, ctx.base + n.end) for n in ctx.numbers
                  if n.kind != "year" and (not ctx.exclusion_for(n.start, n.number_end)
                                           or ctx.exclusion_for(n.start, n.number_end) in ex.unless_unit_after)
                  and (n.percent or (n.kind == "cardinal" and ex.counts.unit_at(ctx.text, n.number_end) is not None))]
    s_lo = ctx.base

    def between(span: tuple[int, int]) -> str:
        return ctx.text[span[0] - ctx.base:span[1] - ctx.base]
    for num in ctx.numbers:
        a, b = ctx.base + num.start, ctx.base + num.end
        if "\ufffd" in text[max(0, a - 2):a] or "\ufffd" in text[b:b + 2]:
            out.dropped.append((a, b, "number.broken_bytes"))   # '1\ufffd.500': the sentence split hid the damage
            continue
        if num.kind == "year":
            out.dropped.append((a, b, "number.year"))
            continue
        why = ctx.exclusion_for(num.start, num.number_end)
        if why in ex.unless_unit_after and _unit_after_fraction(ctx, ex, num):
            why = None
        if why:
            out.dropped.append((a, b, why))
            continue
        ca, cb = ctx.clause(num.start, num.end)
        spans = fact_spans if any(x == a for x, _ in fact_spans) else sorted(fact_spans + [(a, b)])
        mine = own_period(a, ctx.periods, ctx.cues, ctx.base + ca, ctx.base + cb, spans, text_between=between)
        is_target, target_rule = decide_target(a, b, ctx.cues, chain, ctx.text, ctx.base, mine, published_year)
        if is_target:
            head = None if mine is not None else head_in_sentence(a, ctx.periods, ctx.cues, ctx.text, ctx.base)
            tail = None if mine is not None or head is not None else trailing_period(a, ctx.periods, ctx.text, ctx.base)
            programme = outline.programme_refs.get(ctx.base) if outline is not None else None
            period = decide_period(mine, chain, ctx.text, ctx.base, head, tail, programme)
        else:
            period = achieved_period(own_period(a, ctx.periods, ctx.cues, ctx.base + ca, ctx.base + cb, spans, s_lo, False,
                                                text_between=between),
                                     chain)
        province = ctx.province_near(a, primary)
        if num.percent:
            pc = ex.percentages.extract(ctx, num, is_target)
            if pc is not None:
                out.percentages.append((pc, is_target, target_rule, period, province))
            continue
        cc = ex.counts.extract(ctx, num, is_target)
        if cc is not None:
            out.counts.append((cc, is_target, target_rule, period, province))
        else:
            out.dropped.append((a, b, "count.no_unit"))
