"""Why was this (not) extracted? The outline of one article, then every number in its body
with what became of it: the fact it became and the rules that made it, or the rule that
dropped it (a year, a document number, no unit, ...). ``ctxh explain`` prints this.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..ingest.read import DEFAULT_MAX_BYTES, RawArticle, Source, _file_sources, decode
from ..errors import InputError
from ..models import ArticleResult
from ..rules import load_rules
from ..run.process import Trace, process

WHY = {
    "number.year": "a year",
    "number.broken_bytes": "touches a byte that could not be decoded",
    "count.no_unit": "no unit of a category after it",
}


@dataclass
class Explanation:
    result: ArticleResult
    trace: Trace

    def numbers(self) -> list[tuple[int, int, str]]:
        """(start, end, what became of it) for every number, in text order (original offsets)."""
        text = self.result.article.text
        rows = []
        for c in self.result.counts:
            rows.append((c.start_char, c.end_char, _fact_line(c, text, "count", f"{c.category} {_val(c)}")))
        for p in self.result.percentages:
            rows.append((p.start_char, p.end_char, _fact_line(p, text, "percentage", f"{_val(p)}% {p.kind}")))
        for a, b, why in self.trace.dropped:
            rows.append((a, b, f"{text[a:b]!r}  dropped: {why}" + (f" ({WHY[why]})" if why in WHY else "")))
        return sorted(rows)

    def render(self, width: int = 100) -> str:
        art = self.result.article
        out = [f"article {art.article_id}: {art.title or '(no title)'}",
               f"published {art.published_date or 'unknown'}; primary province {art.primary_province or '-'}"
               + (f" (2025 unit {art.primary_province_2025})" if art.primary_province_2025 else ""), "",
               "outline", self.trace.outline.render(width) if self.trace.outline else "(none)", "", "provinces"]
        for m in self.result.mentions:
            where = "body" if m.in_body else "not body"
            out.append(f"  [{m.start_char}:{m.end_char}] {m.surface!r} -> {m.province} (code {m.province_code}, "
                       f"2025 unit {m.province_2025}; {where}; rule {m.rule})")
        if self.trace.dropped_mentions:
            for a, b, surface, why in self.trace.dropped_mentions:
                out.append(f"  [{a}:{b}] {surface!r}  not a mention: {why}")
        out += ["", "numbers"]
        out += [f"  [{a}:{b}] {line}" for a, b, line in self.numbers()] or ["  (none)"]
        return "\n".join(out)


def _val(f) -> str:
    v = f"{f.value:g}" if isinstance(f.value, float) else str(f.value)
    if f.value_max is not None:
        v += "-" + (f"{f.value_max:g}" if isinstance(f.value_max, float) else str(f.value_max))
    return v


def _fact_line(f, text: str, kind: str, what: str) -> str:
    period = "-" if f.period_start is None and f.period_end is None else \
        f"{f.period_start or ''}-{f.period_end or ''}"
    bits = [f"{text[f.start_char:f.end_char]!r}  -> {kind} {what}", f"qualifier {f.qualifier}"]
    if getattr(f, "per_unit", None):
        bits.append(f"per {f.per_unit}")
    bits.append(f"{'target' if f.is_target else 'achieved'} ({f.target_rule})")
    bits.append(f"period {period}" + (f" ({f.period_rule})" if f.period_rule else ""))
    bits.append(f"rule {f.rule}")
    return "; ".join(bits) + f"\n      evidence: {f.evidence!r}"


def explain_text(text: str, article_id: str = "text", rules_dir: str | None = None, **kw) -> Explanation:
    """Explain one article given as a string."""
    rules = load_rules(rules_dir)
    raw = RawArticle(article_id=article_id, source_path="<text>", sha256=hashlib.sha256(text.encode()).hexdigest(),
                     text=text, kind="text", **kw)
    trace = Trace()
    return Explanation(process(raw, rules, trace=trace), trace)


def explain_file(path: str, rules_dir: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Explanation:
    """Explain one .txt or .html file."""
    rules = load_rules(rules_dir)
    srcs = list(_file_sources(str(path), max_bytes, explicit=True))
    if len(srcs) != 1 or not isinstance(srcs[0], Source) or srcs[0].kind == "jsonl":
        reason = getattr(srcs[0], "reason", None) if srcs else None
        raise InputError(str(path), reason or "explain takes one .txt or .html file (for JSONL, use --text)")
    src = srcs[0]
    src.load(max_bytes)
    trace = Trace()
    return Explanation(process(decode(src), rules, trace=trace), trace)
