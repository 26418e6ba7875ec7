"""One article through every stage: clean -> layout -> metadata -> segment -> outline -> extract -> models.

Extractors see the cleaned text; here their offsets are mapped back to the text
as decoded from the file, evidence is cut from that text, and everything is
validated as pydantic models. The result is what the store writes in one
transaction.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from ..text.clean import CleanText, clean
from ..extract import extract_sentences, extractors_for
from ..extract.parts import Count, blocks_of, find_wholes
from ..text.layout import BODY_LABELS, classify
from ..text.metadata import find_metadata, outlet_and_author
from ..models import Article, ArticleResult, CountFact, PercentFact, ProvinceMention, Segment
from ..ingest.read import RawArticle
from ..rules import Rules
from ..text.outline import Outline, build_outline
from ..text.segment import split_sentences
from ..extract.provinces import REFORM_DATE

STAGES = ("clean", "segment", "outline", "extract", "models")


@dataclass
class Trace:
    """What ``ctxh explain`` shows besides the facts: the cleaned text and its map back to the
    original, the outline, and every number that was dropped with the rule that dropped it."""

    clean: CleanText | None = None
    outline: Outline | None = None
    dropped: list[tuple[int, int, str]] = field(default_factory=list)   # original offsets, rule
    dropped_mentions: list[tuple[int, int, str, str]] = field(default_factory=list)  # + surface


def process(raw: RawArticle, rules: Rules, timings: dict[str, float] | None = None,
            trace: Trace | None = None) -> ArticleResult:
    """Extract every fact of ``raw``; raises pydantic's ValidationError on a bad fact.
    ``trace``, when given, is filled with what explains the result (see :class:`Trace`)."""
    tm = timings if timings is not None else defaultdict(float)
    t0 = time.perf_counter()
    ct = clean(raw.text)
    text = ct.text
    lines = classify(text, rules)
    meta = find_metadata(lines, rules, known_title=raw.title if raw.kind != "txt" else None)
    t1 = time.perf_counter()
    tm["clean"] += t1 - t0

    sentences = split_sentences(text, lines)
    t2 = time.perf_counter()
    tm["segment"] += t2 - t1

    ex = extractors_for(rules)
    published = raw.published or meta.published
    title_line = next((i for i, ln in enumerate(lines) if meta.title_span and ln.start == meta.title_span[0]), None)
    outline = build_outline(text, lines, sentences, rules, published.year if published else None, title_line)
    t2b = time.perf_counter()
    tm["outline"] += t2b - t2
    t2 = t2b
    blocked: list | None = [] if trace is not None else None
    mentions = ex.gazetteer.find(text, published, cleaned=True, dropped=blocked)
    line_starts = [ln.start for ln in lines]
    for m in mentions:
        m.in_body = lines[bisect_right(line_starts, m.start) - 1].is_body
    lead = next((ln for ln in lines if ln.label == "body" and not ln.blank), None)
    body_text = "\n".join(text[ln.start:ln.end] for ln in lines if ln.is_body)
    title_span = meta.title_span
    title_mentions = ex.gazetteer.find(raw.title, published) if raw.title and raw.kind != "txt" else []
    merged = (published is not None and published >= REFORM_DATE) or ex.gazetteer.marks_merger(text, mentions)
    primary = ex.gazetteer.primary(mentions, title_span, (lead.start, lead.end) if lead else None, body_text,
                                   title_mentions, merged, text)
    found = extract_sentences(sentences, mentions, rules, primary, published.year if published else None, text,
                              outline)
    t3 = time.perf_counter()
    tm["extract"] += t3 - t2
    if trace is not None:
        trace.clean, trace.outline = ct, outline
        trace.dropped = [(*ct.span(a, b), why) for a, b, why in found.dropped]
        trace.dropped_mentions = [(*ct.span(a, b), surface, why) for a, b, surface, why in blocked]

    aid = raw.article_id
    span = ct.span
    orig = raw.text
    p2025 = None
    if primary:
        unit = ex.gazetteer.units.get(primary)
        p2025 = unit.name_2025 if unit else primary

    pm = []
    for m in mentions:
        a, b = span(m.start, m.end)
        pm.append(ProvinceMention(article_id=aid, province=m.province, province_code=m.code,
                                  province_2025=m.province_2025, surface=orig[a:b], start_char=a,
                                  end_char=b, in_body=m.in_body, rule=m.rule))
    def common(c, is_target, trule, period, province) -> dict:
        a, b = span(c.start, c.end)
        ea, eb = span(*c.evidence)
        return dict(article_id=aid, value_max=c.value_max, qualifier=c.qualifier, is_target=is_target,
                    period_start=period.start if period else None, period_end=period.end if period else None,
                    province=province, evidence=orig[ea:eb], start_char=a, end_char=b, rule=c.rule,
                    target_rule=trule, qualifier_rule=c.qualifier_rule, period_rule=period.rule if period else None)

    counts = [CountFact(**common(c, *rest), category=c.category, value=c.value, unit=c.unit, per_unit=c.per_unit)
              for c, *rest in found.counts]
    pcts = [PercentFact(**common(p, *rest), value=p.value, kind=p.kind, subject=p.subject)
            for p, *rest in found.percentages]
    _fact_ids(aid, counts, "c")
    _fact_ids(aid, pcts, "p")
    # parts are found on the cleaned text, where the counts' own offsets are
    wholes = find_wholes(text, blocks_of(sentences, text),
                        [Count(c.start, c.end, c.category, c.value, c.value_max, is_target, c.per_unit)
                         for c, is_target, *_ in found.counts], rules)
    for fact, whole in zip(counts, wholes):
        if whole is not None:
            fact.part_of = counts[whole[0]].fact_id
            fact.part_rule = whole[1]
            fact.is_part = True
    segs = []
    for ln in lines:
        if ln.blank:
            continue
        a, b = span(ln.start, ln.end)
        if segs and segs[-1].label == ln.label and segs[-1].rule == ln.rule and ln.label != "body":
            segs[-1].end_char = b
            continue
        segs.append(Segment(article_id=aid, label=ln.label, in_body=ln.label in BODY_LABELS,
                            rule=ln.rule, start_char=a, end_char=b))
    outlet, author = outlet_and_author(raw.outlet, raw.author or meta.author, meta, rules)
    article = Article(
        article_id=aid, source_path=raw.source_path, sha256=raw.sha256,
        title=meta.title, author=author, outlet=outlet, outlet_name=outlet,
        published_date=published, primary_province=primary, primary_province_2025=p2025,
        n_chars=len(orig), encoding=raw.encoding, source_kind=raw.kind,
        notes="; ".join(raw.notes) or None, rules_version=rules.version, url=raw.url, text=orig,
        relevance=raw.relevance.score if raw.relevance else None,
        relevance_cues=list(raw.relevance.cues) if raw.relevance else [],
    )
    result = ArticleResult(article=article, mentions=pm, counts=counts, percentages=pcts, segments=segs)
    tm["models"] += time.perf_counter() - t3
    return result


def _fact_ids(article_id: str, facts: list, letter: str) -> None:
    """``<article_id>:<letter><start>-<end>``, with ``~2``, ``~3`` ... for a second fact on the same span.

    Derived from the offsets, so an id stays the same while the article and its rules do."""
    seen: dict[str, int] = {}
    for f in facts:
        base = f"{article_id}:{letter}{f.start_char}-{f.end_char}"
        n = seen.get(base, 0) + 1
        seen[base] = n
        f.fact_id = base if n == 1 else f"{base}~{n}"
