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
from .counts import CountCandidate, CountExtractor
from .numbers import parser_for
from .percentages import PercentCandidate, PercentExtractor
from ..text.periods import Period, find_periods
from .provinces import Gazetteer, Mention
from ..text.cues import find_cues
from .targets import Section, decide_period, decide_target, own_period, update_section

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


def _extractors(rules: Rules) -> Extractors:
    p = parser_for(rules)
    words = sorted(p.digits_words.keys() | p.ten, key=len, reverse=True)
    has_number = regex.compile(r"\d|%|(?<![\p{L}])(?:" + "|".join(map(regex.escape, words)) + r")(?![\p{L}])", regex.IGNORECASE)
    return Extractors(rules, Gazetteer(rules), CountExtractor(rules), PercentExtractor(rules), has_number)


def extractors_for(rules: Rules) -> Extractors:
    """Compiled extractors for a rules directory, built once per process."""
    return rules.cached("extractors", _extractors)


def extract_sentences(sentences: list[Sentence], mentions: list[Mention], rules: Rules,
                      primary: str | None, published_year: int | None = None, text: str = "") -> Extracted:
    """Counts and percentages of the body sentences (offsets into the cleaned text).
    ``published_year`` lets 'đến năm 2023' in a 2024 article read as 'as of'; ``text`` (the
    whole cleaned text) shows what stands just outside a sentence."""
    ex = extractors_for(rules)
    parser = parser_for(rules)
    out = Extracted()
    section = Section()
    excl_rules = rules.compiled["exclusions"]
    list_period: Period | None = None        # the year of a list's heading ('Năm 2024:'), for its items
    list_line = -1
    for s in sentences:
        cues = find_cues(s.text, rules, s.start, published_year)
        own = find_periods(s.text, rules, s.start)
        periods = own
        item = _LIST_ITEM.match(text, s.start) is not None if s.paragraph_start else s.line_index == list_line
        if s.paragraph_start:
            list_line = s.line_index if item else -1
        if not item:
            list_period = None
        elif list_period is not None:
            periods = [Period(list_period.start, list_period.end, (s.start, s.start), list_period.kind,
                              "strong", "period.list_heading"), *own]
        if ex.has_number.search(s.text):
            numbers = parser.find(s.text)
            if numbers:
                ctx = SentenceContext(s, numbers, cues, periods,
                                      [m for m in mentions if s.start <= m.start < s.end], section,
                                      article_text=text)
                low = s.text.lower()
                for rule, pat in excl_rules:
                    if rule.needles and not any(n in low for n in rule.needles):
                        continue      # the rule cannot match here (a cheap test before the regex)
                    for m in pat.finditer(s.text):
                        ctx.excluded.append((m.start(), m.end(), rule.name))
                for p in periods:
                    ctx.excluded.append((p.span[0] - s.start, p.span[1] - s.start, p.rule))
                _facts(ctx, ex, out, primary, published_year)
        update_section(section, cues, own, s.text, s.start)
        heading = [p for p in own if p.kind != "baseline"]
        if s.text.rstrip().endswith(":") and heading:
            list_period = heading[0]
    return out


_LIST_ITEM = regex.compile(r"\s*(?:[-–•+*▪●◦]|\d{1,2}[.)]|[a-zđ][.)])\s")


def _facts(ctx: SentenceContext, ex: Extractors, out: Extracted, primary: str | None,
           published_year: int | None) -> None:
    text = ctx.article_text
    # a period after a number belongs to it only up to the next fact-like number
    starts = [n.start for n in ctx.numbers
              if n.percent or (n.kind == "cardinal" and ex.counts.unit_at(ctx.text, n.number_end) is not None)]
    for num in ctx.numbers:
        a, b = ctx.base + num.start, ctx.base + num.end
        if "\ufffd" in text[max(0, a - 2):a] or "\ufffd" in text[b:b + 2]:
            out.dropped.append((a, b, "number.broken_bytes"))   # '1\ufffd.500': the sentence split hid the damage
            continue
        if num.kind == "year":
            out.dropped.append((a, b, "number.year"))
            continue
        why = ctx.exclusion_for(num.start, num.number_end)
        if why:
            out.dropped.append((a, b, why))
            continue
        nxt = next((ctx.base + st for st in starts if st > num.start), None)
        mine = own_period(a, ctx.periods, ctx.cues, ctx.base + ctx.clause(num.start, num.end)[1], nxt)
        is_target, target_rule = decide_target(a, b, ctx.cues, ctx.section, ctx.text, ctx.base, mine, published_year)
        period = decide_period(mine, is_target, ctx.section, ctx.text, ctx.base)
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
