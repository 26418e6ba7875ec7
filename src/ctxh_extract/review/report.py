"""``ctxh report``: one standalone HTML page for reviewing what was extracted.

A reviewer checks a fact by seeing it where it was found, so every count,
percentage and province mention is highlighted in place in its article text
(from the stored offsets), with its attributes on hover and in a table beside
the text. The page loads nothing: CSS and SVG are inline, there is no script,
and a Content-Security-Policy forbids scripts and network loads, so nothing an
article contains can run or call out even if escaping were ever wrong.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import duckdb

from ..errors import CtxhError, DatabaseError
from ..store.store import Store

FACT_TABLES = ("counts", "percentages", "province_mentions")
TYPE_OF_TABLE = {"counts": "count", "percentages": "percentage", "province_mentions": "province"}
ID_LETTER = {"counts": "c", "percentages": "p", "province_mentions": "m"}
SUMMARY_METRICS = ("articles", "trainees", "collaborators", "centres", "target_percentages")


# --------------------------------------------------------------------------- spans
def untangle(spans: list[tuple[int, int, object]]) -> list[tuple[int, int, object, bool]]:
    """Order spans for one pass over the text and make them nest.

    Spans are sorted by start (longer first, then input order, so the first of
    two equal spans is the outer one). A span that starts inside an open span
    and ends after it is clipped to that span's end, so HTML tags never cross.
    Each span is kept, with a flag saying whether it was clipped.

    >>> untangle([(0, 5, "a"), (3, 8, "b"), (3, 4, "c"), (3, 4, "d"), (9, 9, "e")])
    [(0, 5, 'a', False), (3, 5, 'b', True), (3, 4, 'c', False), (3, 4, 'd', False), (9, 9, 'e', False)]
    """
    ordered = sorted(enumerate(spans), key=lambda it: (it[1][0], -it[1][1], it[0]))
    result: list[tuple[int, int, object, bool]] = []
    open_ends: list[int] = []
    for _, (start, end, item) in ordered:
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        clipped = bool(open_ends) and end > open_ends[-1]
        if clipped:
            end = open_ends[-1]
        result.append((start, end, item, clipped))
        open_ends.append(end)
    return result


def render_text(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """Escape ``text`` and wrap each span in its (open, close) tags, in one pass.

    ``spans`` must come from :func:`untangle` (sorted and nesting).

    >>> render_text("a <b> c", [(2, 5, "[", "]"), (2, 5, "(", ")"), (6, 6, "{", "}")])
    'a [(&lt;b&gt;)] {}c'
    """
    out: list[str] = []
    closing: list[tuple[int, str]] = []
    pos = 0

    def close_until(limit: int) -> None:
        nonlocal pos
        while closing and closing[-1][0] <= limit:
            end, tag = closing.pop()
            out.append(escape(text[pos:end]))
            out.append(tag)
            pos = end

    for start, end, open_tag, close_tag in spans:
        close_until(start)
        out.append(escape(text[pos:start]))
        out.append(open_tag)
        pos = start
        closing.append((end, close_tag))
    close_until(len(text))
    out.append(escape(text[pos:]))
    return "".join(out)


def _clip_to_region(start: int, end: int, boundaries: list[int]) -> int:
    """The end of a span cut at the first boilerplate boundary inside it.

    Boilerplate is greyed with its own element; a fact must not cross its
    edge, or the boilerplate element would be the one cut.
    """
    for b in boundaries:
        if start < b < end:
            return b
    return end


# --------------------------------------------------------------------------- data
@dataclass
class Fact:
    """One row of counts, percentages or province_mentions, ready to show."""

    fact_id: str                  # unique in the page, e.g. "a3-c5"
    fact_type: str                # count, percentage, province
    start: int
    end: int
    what: str                     # category, kind or province
    value: str = ""
    qualifier: str = ""
    target: str = ""
    period: str = ""
    unit: str = ""
    province: str = ""
    rule: str = ""
    extra: list[tuple[str, str]] = field(default_factory=list)
    province_short: str = ""      # the table's province column
    in_boilerplate: bool = False
    clipped: bool = False         # set while laying out the text
    empty: bool = False

    def tooltip(self) -> str:
        """Every attribute, one per line, for the title attribute."""
        lines = [f"{self.fact_type}: {self.what}"]
        for name in ("value", "qualifier", "target", "period", "unit", "province", "rule"):
            if getattr(self, name):
                lines.append(f"{name}: {getattr(self, name)}")
        lines += [f"{k}: {v}" for k, v in self.extra if v]
        lines.append(f"offsets: {self.start}-{self.end}")
        if self.clipped:
            lines.append("(highlight shortened: it overlaps another highlight or a boilerplate edge)")
        if self.empty:
            lines.append("(no text: the offsets are empty or outside the article)")
        return "\n".join(lines)


def _num(x) -> str:
    """1500 -> '1,500'; 12.5 -> '12.5'; None -> ''."""
    if x is None:
        return ""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return f"{x:,}" if isinstance(x, int) else f"{x:,.2f}".rstrip("0").rstrip(".")


def _value(row: dict, suffix: str = "") -> str:
    lo, hi = _num(row.get("value")), _num(row.get("value_max"))
    return f"{lo}–{hi}{suffix}" if hi else f"{lo}{suffix}"


def _period(row: dict) -> str:
    start, end = row.get("period_start"), row.get("period_end")
    if start is None and end is None:
        return ""
    if start is None:
        return f"by {end}"
    if end is None or end == start:
        return f"{start}" if end else f"from {start}"
    return f"{start}–{end}"


def _target(row: dict) -> str:
    return {True: "yes", False: "no"}.get(row.get("is_target"), "")


def _with_2025(old: str | None, new: str | None) -> str:
    if not old:
        return ""
    return f"{old} → {new} (2025)" if new and new != old else old


def _fact(fact_id: str, table: str, row: dict) -> Fact:
    """Turn a database row into what the page shows about it."""
    start, end = row.get("start_char") or 0, row.get("end_char") or 0
    common = dict(fact_id=fact_id, fact_type=TYPE_OF_TABLE[table], start=start, end=end, rule=row.get("rule") or "",
                  province_short=row.get("province") or "")
    if table == "province_mentions":
        new = row.get("province_2025")
        common["province_short"] = f"→ {new} (2025)" if new and new != row.get("province") else ""
        return Fact(**common, what=row.get("province") or "?", province=_with_2025(row.get("province"), row.get("province_2025")),
                    unit=f"code {row['province_code']}" if row.get("province_code") else "",
                    in_boilerplate=row.get("in_body") is False,
                    extra=[("surface", row.get("surface") or ""), ("2025 unit", row.get("province_2025") or ""),
                           ("in body", "no (boilerplate)" if row.get("in_body") is False else "yes")])
    rules = [(k.replace("_", " "), row.get(k) or "") for k in ("target_rule", "qualifier_rule", "period_rule")]
    place = _with_2025(row.get("province"), row.get("province_2025"))
    if table == "counts":
        unit = row.get("unit") or ""
        if row.get("per_unit"):
            unit = f"{unit} per {row['per_unit']}"
        return Fact(**common, what=row.get("category") or "?", value=_value(row), qualifier=row.get("qualifier") or "",
                    target=_target(row), period=_period(row), unit=unit, province=place, extra=rules)
    return Fact(**common, what=f"{row.get('kind') or '?'} %", value=_value(row, "%"),
                qualifier=row.get("qualifier") or "", target=_target(row), period=_period(row),
                unit=f"of: {row['subject']}" if row.get("subject") else "", province=place, extra=rules)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _load(db: str) -> tuple[list[dict], dict[str, dict[str, list[dict]]], list[dict], list[dict]]:
    """Read everything the page shows; the database is opened read-only."""
    store = Store(db, read_only=True)
    try:
        con = store.con
        articles = _rows(con, """
            SELECT a.*, t.text FROM articles a LEFT JOIN article_texts t USING (article_id)
            ORDER BY a.article_id""")
        facts: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
        for table in FACT_TABLES:
            for row in _rows(con, f"SELECT * FROM {table} ORDER BY article_id, start_char, end_char"):
                facts[row["article_id"]][table].append(row)
        segments = _rows(con, "SELECT * FROM segments WHERE NOT in_body ORDER BY article_id, start_char, end_char")
        summary = _rows(con, "SELECT * FROM province_summary ORDER BY province")
    except duckdb.Error as exc:
        raise DatabaseError(db, f"cannot read the database: {str(exc).splitlines()[0]}") from None
    finally:
        store.close()
    known = {a["article_id"] for a in articles}
    # facts whose article row is missing still get shown, so that none is lost
    for aid in sorted(set(facts) - known):
        articles.append({"article_id": aid, "title": None, "text": "", "notes": "article row missing"})
    return articles, facts, segments, summary


# --------------------------------------------------------------------------- page parts
def _highlighted_text(text: str, facts: list[Fact], boilerplate: list[dict]) -> str:
    """The article text with one <mark> per fact and boilerplate greyed, built in one pass."""
    n = len(text)
    segments = []
    for s in boilerplate:
        start = min(max(s.get("start_char") or 0, 0), n)
        segments.append((start, min(max(s.get("end_char") or 0, start), n), s))
    boundaries = sorted({b for start, end, _ in segments for b in (start, end)})
    spans: list[tuple[int, int, object]] = list(segments)
    for f in facts:
        start = min(max(f.start, 0), n)          # offsets outside the text give an empty mark, never none
        end = min(max(f.end, start), n)
        spans.append((start, _clip_to_region(start, end, boundaries), f))

    tagged = []
    for start, end, item, clipped in untangle(spans):
        if isinstance(item, Fact):
            item.clipped = clipped or end != min(max(item.end, start), n)
            item.empty = start == end
            classes = " ".join(["f", item.fact_type] + ["bpf"] * item.in_boilerplate + ["empty"] * item.empty)
            tagged.append((start, end, f'<mark id="f-{item.fact_id}" class="{classes}" data-fact-id="{item.fact_id}" '
                                       f'title="{escape(item.tooltip())}">', "</mark>"))
        else:
            label = f"boilerplate: {item.get('label')}" + (f" ({item['rule']})" if item.get("rule") else "")
            tagged.append((start, end, f'<span class="bp" title="{escape(label)}">', "</span>"))
    return render_text(text, tagged)


def _fact_table(text: str, facts: list[Fact]) -> str:
    """The compact table beside the text: one row per fact, in text order, each linking to its mark."""
    if not facts:
        return '<p class="none">No facts extracted.</p>'
    rows = []
    for f in sorted(facts, key=lambda f: (f.start, f.end, f.fact_id)):
        span = "⚠ no text" if f.empty else text[f.start:f.end]
        target = '<td class="tgt">target</td>' if f.target == "yes" else "<td></td>"
        greyed = ' class="bpf"' if f.in_boilerplate else ""
        rows.append(
            f'<tr{greyed} data-row-for="{f.fact_id}" title="{escape(f.tooltip())}">'
            f'<td class="span"><a href="#f-{f.fact_id}" class="sw {f.fact_type}">{escape(span)}</a></td>'
            f'<td>{escape(f.what)}</td><td class="nw">{escape(f.value)}</td><td>{escape(f.qualifier)}</td>{target}'
            f'<td class="nw">{escape(f.period)}</td><td class="unit">{escape(f.unit)}</td>'
            f'<td>{escape(f.province_short)}</td><td class="rule">{_breakable(f.rule)}</td></tr>')
    heads = "".join(f"<th>{h}</th>" for h in
                    ("text", "fact", "value", "qualifier", "target", "period", "unit / of", "province", "rule"))
    return f'<table class="facts"><thead><tr>{heads}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _article_html(index: int, art: dict, rows: dict[str, list[dict]], boilerplate: list[dict]) -> tuple[str, int]:
    """One article: header, highlighted text, fact table. Returns (html, facts shown)."""
    text = art.get("text") or ""
    facts = [_fact(f"a{index}-{ID_LETTER[table]}{j}", table, r)
             for table in FACT_TABLES for j, r in enumerate(rows.get(table, []))]
    body = _highlighted_text(text, facts, boilerplate)      # sets clipped/empty, which the table shows
    n = {t: len(rows.get(t, [])) for t in FACT_TABLES}
    meta = [("date", str(art["published_date"]) if art.get("published_date") else "unknown"),
            ("outlet", art.get("outlet_name") or art.get("outlet") or "unknown"),
            ("primary province", _with_2025(art.get("primary_province"), art.get("primary_province_2025")) or "none"),
            ("source", art.get("source_path") or ""),
            ("facts", f"{n['counts']} counts · {n['percentages']} percentages · {n['province_mentions']} province mentions")]
    if art.get("notes"):
        meta.append(("notes", art["notes"]))
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in meta)
    html = (f'<article class="art" id="art-{index}"><h2><span class="aid">{escape(art["article_id"])}</span> '
            f'{escape(art.get("title") or "(no title)")}</h2><dl class="meta">{dl}</dl><div class="cols">'
            f'<div class="text">{body}</div><div class="side">{_fact_table(text, facts)}</div></div></article>')
    return html, len(facts)


def _breakable(rule: str) -> str:
    """Escape a rule name and let it wrap after its dots and plus signs, not inside words.

    >>> _breakable("unit.staff+<x>")
    'unit.<wbr>staff+<wbr>&lt;x&gt;'
    """
    return escape(rule).replace(".", ".<wbr>").replace("+", "+<wbr>")


def _bar(value: float, top: float, metric: str) -> str:
    """A small inline SVG bar, scaled to the largest value of its column."""
    width = 0 if top <= 0 else max(0, round(70 * value / top, 1))
    return (f'<svg class="bar" width="72" height="10" viewBox="0 0 72 10" aria-hidden="true">'
            f'<rect class="{metric}" x="0" y="1" width="{max(width, 1 if value else 0)}" height="8" rx="2"/></svg>')


def _summary_table(caption: str, key: str, rows: list[dict]) -> str:
    tops = {m: max((r[m] for r in rows), default=0) for m in SUMMARY_METRICS}
    heads = "".join(f"<th>{escape(h)}</th>" for h in key.split("|"))
    heads += "".join(f'<th class="num">{m.replace("_", " ")}</th>' for m in SUMMARY_METRICS)
    body = []
    for r in rows:
        cells = "".join(f"<td>{escape(str(v))}</td>" for v in r["labels"])
        cells += "".join(f'<td class="num"><span>{_num(r[m])}</span>{_bar(r[m], tops[m], m)}</td>'
                         for m in SUMMARY_METRICS)
        body.append(f"<tr>{cells}</tr>")
    return (f'<table class="summary"><caption>{escape(caption)}</caption><thead><tr>{heads}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _summaries(summary: list[dict]) -> str:
    """Province summary by old unit and by 2025 unit, from the province_summary view."""
    by_old: dict[str, dict] = {}
    for r in summary:
        # the view can list an old unit twice (with and without its 2025 unit); the sums are the same
        if r["province"] and (r["province"] not in by_old or not by_old[r["province"]].get("province_2025")):
            by_old[r["province"]] = r
    if not by_old:
        return '<p class="none">No province facts.</p>'
    old_rows = [{"labels": (old, r.get("province_2025") or "?"), **{m: r[m] or 0 for m in SUMMARY_METRICS}}
                for old, r in by_old.items()]
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in old_rows:
        grouped[row["labels"][1]].append(row)
    new_rows = [{"labels": (unit, ", ".join(r["labels"][0] for r in rows)),
                 **{m: sum(r[m] for r in rows) for m in SUMMARY_METRICS}} for unit, rows in sorted(grouped.items())]
    return (_summary_table("By province (before the 2025 merger)", "province|2025 unit", old_rows)
            + _summary_table("By 2025 unit", "2025 unit|old units", new_rows))


CSS = """
:root{--count:#ffd966;--percentage:#9fd3ff;--province:#b5e7b0;--ink:#1d2430;--muted:#6b7380;--line:#dde1e7}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI","Noto Sans",Roboto,sans-serif;color:var(--ink);background:#f6f7f9}
main{max-width:1360px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 8px;line-height:1.35}
.sub{color:var(--muted);margin:0 0 14px}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:0 0 18px;font-size:13px;color:var(--muted)}
.legend span{display:inline-flex;align-items:center;gap:6px}
.legend i{display:inline-block;width:14px;height:14px;border-radius:3px}
section,.art{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 22px}
nav ol{margin:6px 0 0;padding-left:22px;columns:2;font-size:14px}
nav a,.aid{color:#3056a0}
.aid{font:12px ui-monospace,Menlo,Consolas,monospace;background:#eef2fa;border-radius:4px;padding:1px 5px;vertical-align:2px}
table{border-collapse:collapse;font-size:12.5px;width:100%}
th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{color:var(--muted);font-weight:600;background:#fafbfc;position:sticky;top:0}
caption{text-align:left;font-weight:600;padding:4px 0 6px;font-size:14px}
.summary{width:auto;min-width:60%;margin:0 0 16px}
.summary td.num{text-align:right;white-space:nowrap}.summary th.num{text-align:right}
.summary td.num span{display:inline-block;min-width:44px;margin-right:6px}
.bar{vertical-align:-1px}.bar rect{fill:#8aa4cf}
.bar rect.trainees{fill:#e0a800}.bar rect.collaborators{fill:#5aa864}.bar rect.centres{fill:#b07cc6}
.bar rect.target_percentages{fill:#3c8dd6}.bar rect.articles{fill:#9aa3af}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 12px;font-size:13.5px}
.meta dt{color:var(--muted)}.meta dd{margin:0;overflow-wrap:anywhere}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.45fr);gap:20px;align-items:start}
@media (max-width:1000px){.cols{grid-template-columns:1fr}}
.text{white-space:pre-wrap;overflow-wrap:anywhere;font-size:14.5px;line-height:1.7;
  padding:10px 12px;border:1px solid var(--line);border-radius:8px;background:#fcfcfd}
.side{position:sticky;top:8px;max-height:calc(100vh - 16px);overflow:auto}
td.tgt{color:#b3261e;font-weight:600}
mark.f{color:inherit;border-radius:3px;padding:1px 0}
mark.count{background:var(--count)}mark.percentage{background:var(--percentage)}
mark.province{background:var(--province)}
mark.f mark.f{box-shadow:inset 0 0 0 1px #0006}
mark.f:hover{outline:2px solid #333}mark.f:target{outline:3px solid #d62f2f}
mark.empty::before{content:"\\2205";color:#d62f2f}
.bp{color:#9aa0a8;background:#f1f2f4}
.bp mark.f,mark.bpf{opacity:.55}
.sw{display:inline-block;padding:0 4px;border-radius:3px;color:var(--ink);text-decoration:none}
.sw.count{background:var(--count)}.sw.percentage{background:var(--percentage)}.sw.province{background:var(--province)}
td.span{font-weight:600;white-space:nowrap}td.rule{font:11px/1.35 ui-monospace,Menlo,Consolas,monospace;color:var(--muted);min-width:8.5em}
.facts th,.facts td{padding:3px 5px}
td.nw{white-space:nowrap}td.unit{min-width:7em}
tr.bpf td{color:#9aa0a8}tr.bpf .sw{opacity:.55}
tbody tr:hover td{background:#f3f6fb}
.none{color:var(--muted)}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _page(db: str, articles: list[dict], facts, segments: list[dict], summary: list[dict]) -> tuple[str, int]:
    """The whole document. Returns (html, highlighted facts)."""
    boilerplate: dict[str, list[dict]] = defaultdict(list)
    for s in segments:
        boilerplate[s["article_id"]].append(s)
    parts, total = [], 0
    for i, art in enumerate(articles):
        html, n = _article_html(i, art, facts.get(art["article_id"], {}), boilerplate.get(art["article_id"], []))
        parts.append(html)
        total += n
    totals = {t: sum(len(f.get(t, [])) for f in facts.values()) for t in FACT_TABLES}
    toc = "".join(f'<li><a href="#art-{i}">{escape(a["article_id"])}</a> {escape(a.get("title") or "")}</li>'
                  for i, a in enumerate(articles))
    legend = "".join(f'<span><i style="background:var(--{t})"></i>{t}</span>' for t in ("count", "percentage", "province"))
    legend += '<span><i style="background:#f1f2f4;border:1px solid #ccc"></i>boilerplate (not body text)</span>'
    legend += "<span>hover a highlight or a table row for every attribute; click a table row's text to find it in the article</span>"
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>ctxh report: {len(articles)} articles</title><style>{CSS}</style></head><body><main>"
        f"<h1>ctxh extraction report</h1>"
        f'<p class="sub">{escape(db)} · {len(articles)} articles · {totals["counts"]} counts · '
        f'{totals["percentages"]} percentages · {totals["province_mentions"]} province mentions</p>'
        f'<div class="legend">{legend}</div>'
        f"<section><h2>Provinces</h2>{_summaries(summary)}</section>"
        f"<nav><section><h2>Articles</h2><ol>{toc}</ol></section></nav>"
        f'{"".join(parts)}</main></body></html>\n'), total


# --------------------------------------------------------------------------- entry point
def _write_atomic(out_file: str, content: str) -> None:
    """Write to a temporary file beside the target, then rename: a reader never sees half a page."""
    target = Path(out_file)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise CtxhError(f"{out_file}: cannot write the report: {exc.strerror or exc}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)        # mkstemp makes it private; a report is an ordinary file
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CtxhError(f"{out_file}: cannot write the report: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(db: str, out_file: str) -> tuple[int, int]:
    """Write the review page for database ``db`` to ``out_file``; return (articles, highlighted facts)."""
    articles, facts, segments, summary = _load(db)
    html, n_facts = _page(db, articles, facts, segments, summary)
    _write_atomic(out_file, html)
    return len(articles), n_facts
