"""``ctxh report``: standalone HTML pages for reviewing what was extracted, and for checking a figure at its source.

A reviewer checks a fact by seeing it where it was found, so every count,
percentage and province mention is highlighted in place in its article text
(from the stored offsets), with its attributes on hover and in a table beside
the text, and each article links to where it was published. The index page
has the province summary (the same SQL as the ``province_summary`` view, run on
the articles the page shows) and the charts people look for: figures per
province and target percentages by end year, as inline SVG.

The pages load nothing: CSS and SVG are inline, there is no script, and a
Content-Security-Policy forbids scripts and network loads, so nothing an
article contains can run or call out even if escaping were ever wrong. The
pages come from Jinja2 templates (``templates/``) with autoescaping on; the
one piece of markup made in Python, the highlighted text, is built with
markupsafe, which escapes every value it is given.

More articles than ``per_page`` are split: ``report.html`` is the index
(summary, charts, list of articles) and ``report-p1.html``, ``report-p2.html``,
... hold the articles, so that each file opens in a browser in a few seconds
(``bench/report_bench.py`` measures it).
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
from markupsafe import Markup, escape

from ..errors import CtxhError, DatabaseError
from ..store.reference import REFORM_DATE
from ..store.store import Store
from ..store.views import figures_sql, statements_sql, summary_sql
from . import charts

FACT_TABLES = ("counts", "percentages", "province_mentions")
TYPE_OF_TABLE = {"counts": "count", "percentages": "percentage", "province_mentions": "province"}
ID_LETTER = {"counts": "c", "percentages": "p", "province_mentions": "m"}
SUMMARY_METRICS = ("articles", "trainees", "collaborators", "centres", "target_percentages")
CHART_METRICS = (("trainees", "Trainees (flow: distinct figures added)"),
                 ("collaborators", "Collaborators (stock: latest figure)"),
                 ("centres", "Centres (stock: latest figure)"))
PER_PAGE = 50
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_TEMPLATES = Path(__file__).with_name("templates")


class ReportOptionError(CtxhError):
    """A filter the database cannot answer (an unknown province, dates in the wrong order)."""

    exit_code = 2


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


def render_text(text: str, spans: list[tuple[int, int, Markup, Markup]]) -> Markup:
    """Escape ``text`` and wrap each span in its (open, close) tags, in one pass.

    ``spans`` must come from :func:`untangle` (sorted and nesting); the tags are Markup.

    >>> str(render_text("a <b> c", [(2, 5, Markup("["), Markup("]")), (2, 5, Markup("("), Markup(")")),
    ...                             (6, 6, Markup("{"), Markup("}"))]))
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
    return Markup("".join(out))


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
    db_id: str = ""               # counts.fact_id / percentages.fact_id
    part_of: str = ""             # the page id of the whole this count is a part of
    span_text: str = ""           # set while laying out the text

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

    @property
    def classes(self) -> str:
        return " ".join(["f", self.fact_type] + ["bpf"] * self.in_boilerplate + ["empty"] * self.empty)


def _period(row: dict) -> str:
    start, end = row.get("period_start"), row.get("period_end")
    if start is None and end is None:
        return ""
    if start is None:
        return f"by {end}"
    if end is None or end == start:
        return f"{start}" if end else f"from {start}"
    return f"{start}–{end}"


def _value(row: dict, suffix: str = "") -> str:
    lo, hi = charts.fmt_num(row.get("value")), charts.fmt_num(row.get("value_max"))
    return f"{lo}–{hi}{suffix}" if hi else f"{lo}{suffix}"


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
                  province_short=row.get("province") or "", db_id=row.get("fact_id") or "")
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
                    target=_target(row), period=_period(row), unit=unit, province=place,
                    extra=rules + [("part of", row.get("part_of") or ""), ("part rule", row.get("part_rule") or "")])
    return Fact(**common, what=f"{row.get('kind') or '?'} %", value=_value(row, "%"),
                qualifier=row.get("qualifier") or "", target=_target(row), period=_period(row),
                unit=f"of: {row['subject']}" if row.get("subject") else "", province=place, extra=rules)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


# --------------------------------------------------------------------------- filters
@dataclass
class Filters:
    """What ``ctxh report`` shows: articles about a province, published in a date range, at most N."""

    province: str | None = None
    since: date | None = None
    until: date | None = None
    limit: int | None = None

    def describe(self) -> str:
        parts = []
        if self.province:
            parts.append(f"province {self.province} (unit of the time or 2025 unit)")
        if self.since or self.until:
            parts.append(f"published {self.since or '…'} to {self.until or '…'}")
        if self.limit:
            parts.append(f"first {self.limit:,} articles")
        return "; ".join(parts)


def parse_day(text: str | None, end: bool = False) -> date | None:
    """'2024-05-03', '2024-05' or '2024'; a month or year means its first day (``end``: its last).

    >>> parse_day("2024"), parse_day("2024-02", end=True), parse_day("2024-05-03")
    (datetime.date(2024, 1, 1), datetime.date(2024, 2, 29), datetime.date(2024, 5, 3))
    """
    if text is None:
        return None
    s = text.strip()
    try:
        if re.fullmatch(r"\d{4}", s):
            return date(int(s), 12, 31) if end else date(int(s), 1, 1)
        if re.fullmatch(r"\d{4}-\d{1,2}", s):
            y, m = map(int, s.split("-"))
            if end:
                nxt = date(y + (m == 12), m % 12 + 1, 1)
                return date.fromordinal(nxt.toordinal() - 1)
            return date(y, m, 1)
        return date.fromisoformat(s)
    except ValueError:
        raise ReportOptionError(f"{text!r} is not a date (write 2024-05-03, 2024-05 or 2024)") from None


def _fold(s: str) -> str:
    """Compare names without case, tone placement or spacing ('khánh hoà' = 'Khánh Hòa')."""
    from ..text.clean import normalize_tones

    return " ".join(normalize_tones(unicodedata.normalize("NFC", s)).casefold().split())


def _plain(s: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
                   if not unicodedata.combining(ch)).lower()


def resolve_province(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The canonical name of a unit written as a user might (any case, old or 2025 name, an alias
    of rules/provinces.json such as 'TP.HCM'), or an error naming the closest units."""
    known = {r[0] for r in con.execute(
        "SELECT name FROM units UNION SELECT province FROM units UNION SELECT province_2025 FROM units").fetchall()}
    aliases = {}
    try:
        from ..rules import load_rules

        for a in load_rules().provinces.aliases:
            for s in a.spellings:
                aliases[_fold(s)] = a.province
    except CtxhError:
        pass                          # without rules, canonical names still work
    want = _fold(name)
    for prefix in ("tỉnh ", "thành phố ", "tp. ", "tp "):
        if want.startswith(prefix) and len(want) > len(prefix) + 1:
            want = want[len(prefix):]
    for k in known:
        if _fold(k) == want:
            return k
    if want in aliases and aliases[want] in known:
        return aliases[want]
    bare = [k for k in known if _plain(k) == _plain(want)]
    if len(set(bare)) == 1:                  # written without diacritics, and only one unit reads so
        return bare[0]
    close = difflib.get_close_matches(_plain(name), {_plain(k): k for k in known}, n=3, cutoff=0.6)
    names = {_plain(k): k for k in known}
    hint = f"; did you mean {', '.join(names[c] for c in close)}?" if close else " (see the units table)"
    raise ReportOptionError(f"unknown province {name!r}{hint}")


_UNIT_MATCH = f"""
    JOIN units u ON u.name = {{col}} AND u.after_reform = coalesce(a.published_date >= DATE '{REFORM_DATE}', false)
    WHERE u.province = $p OR u.province_2025 = $p"""


def select_articles(con: duckdb.DuckDBPyConnection, f: Filters) -> None:
    """Make the temporary table ``report_articles``: the articles the page shows, in article_id order."""
    where, params = ["true"], {}
    if f.since:
        where.append("a.published_date >= $since")
        params["since"] = f.since
    if f.until:
        where.append("a.published_date <= $until")
        params["until"] = f.until
    if f.province:
        params["p"] = f.province
        where.append(f"""a.article_id IN (
            SELECT a.article_id FROM articles a {_UNIT_MATCH.format(col='a.primary_province')}
            UNION SELECT m.article_id FROM province_mentions m JOIN articles a USING (article_id)
                  {_UNIT_MATCH.format(col='m.province')} AND m.in_body
            UNION SELECT article_id FROM articles WHERE primary_province = $p
            UNION SELECT article_id FROM province_mentions WHERE in_body AND province = $p)""")
    limit = f" LIMIT {int(f.limit)}" if f.limit else ""
    con.execute(f"CREATE OR REPLACE TEMP TABLE report_articles AS SELECT a.* FROM articles a "
                f"WHERE {' AND '.join(where)} ORDER BY a.article_id{limit}", params)


# --------------------------------------------------------------------------- pages
@dataclass
class PageFile:
    number: int                   # 0: the index; 1.. article pages
    path: Path
    first: int                    # index of its first article in the report
    count: int


@dataclass
class Report:
    """Everything the templates need, loaded from one read-only connection."""

    db: str
    filters: Filters
    articles: list[dict]          # every shown article (no text): id, title, date, outlet, url, counts
    summary: list[dict]
    figures: list[dict]
    totals: dict[str, int]
    pages: list[PageFile]
    page_of: dict[str, tuple[int, int]] = field(default_factory=dict)   # article_id -> (page, index)

    def href(self, article_id: str, current: int) -> str:
        """A link to an article from page ``current`` ('' when it is not in this report)."""
        if article_id not in self.page_of:
            return ""
        page, index = self.page_of[article_id]
        target = self.pages[page].path.name if page != current else ""
        return f"{target}#art-{index}"


def _page_files(out: Path, n_articles: int, per_page: int) -> list[PageFile]:
    if n_articles <= per_page:
        return [PageFile(0, out, 0, n_articles)]
    pages = [PageFile(0, out, 0, 0)]
    for i, start in enumerate(range(0, n_articles, per_page), 1):
        pages.append(PageFile(i, out.with_name(f"{out.stem}-p{i}{out.suffix}"), start, min(per_page, n_articles - start)))
    return pages


def _web_link(url: str | None) -> str:
    """A source address the page may link to: http(s) only (never javascript:, data:, file:)."""
    return url if url and re.match(r"https?://[^\s\"'<>]+$", url, re.I) else ""


def _load(con: duckdb.DuckDBPyConnection, db: str, filters: Filters, out: Path, per_page: int) -> Report:
    select_articles(con, filters)
    articles = _rows(con, """
        SELECT a.article_id, a.title, a.published_date, a.outlet, a.outlet_name, a.primary_province,
               a.primary_province_2025, a.url, a.source_path, a.notes,
               (SELECT count(*) FROM counts c WHERE c.article_id = a.article_id) AS n_counts,
               (SELECT count(*) FROM percentages p WHERE p.article_id = a.article_id) AS n_percentages,
               (SELECT count(*) FROM province_mentions m WHERE m.article_id = a.article_id) AS n_mentions
        FROM report_articles a ORDER BY a.article_id""")
    orphans = _rows(con, f"""
        SELECT DISTINCT article_id FROM ({" UNION ALL ".join(f"SELECT article_id FROM {t}" for t in FACT_TABLES)})
        WHERE article_id NOT IN (SELECT article_id FROM articles) ORDER BY article_id""") \
        if not (filters.province or filters.since or filters.until or filters.limit) else []
    for o in orphans:       # facts whose article row is missing still get shown, so that none is lost
        articles.append({"article_id": o["article_id"], "title": None, "notes": "article row missing",
                         "n_counts": None, "n_percentages": None, "n_mentions": None})
    shown = f"({statements_sql('report_articles')})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE report_figures AS {figures_sql(shown)}")
    summary = _rows(con, summary_sql("report_figures", "report_articles"))
    figures = _rows(con, "SELECT fact_type, is_target, kind, value, period_end, province, subject, n_statements, "
                         "articles FROM report_figures WHERE fact_type = 'percentage' AND is_target")
    totals = dict(zip(FACT_TABLES, con.execute(
        "SELECT " + ", ".join(f"(SELECT count(*) FROM {t} WHERE article_id IN (SELECT article_id FROM report_articles))"
                              for t in FACT_TABLES)).fetchone()))
    totals["figures"] = con.execute("SELECT count(*) FROM report_figures").fetchone()[0]
    pages = _page_files(out, len(articles), per_page)
    rep = Report(db, filters, articles, summary, figures, totals, pages)
    for p in pages:
        for i in range(p.first, p.first + p.count):
            rep.page_of[articles[i]["article_id"]] = (p.number, i)
    return rep


def _article_rows(con: duckdb.DuckDBPyConnection, ids: list[str]) -> tuple[dict, dict, dict]:
    """Texts, facts and boilerplate segments of these articles only (one page's worth)."""
    texts = dict(con.execute("SELECT article_id, text FROM article_texts WHERE article_id IN (SELECT unnest($ids))",
                             {"ids": ids}).fetchall())
    facts: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for table in FACT_TABLES:
        for row in _rows(con, f"SELECT * FROM {table} WHERE article_id IN (SELECT unnest($ids)) "
                              f"ORDER BY article_id, start_char, end_char", {"ids": ids}):
            facts[row["article_id"]][table].append(row)
    segments: dict[str, list[dict]] = defaultdict(list)
    for s in _rows(con, "SELECT * FROM segments WHERE NOT in_body AND article_id IN (SELECT unnest($ids)) "
                        "ORDER BY article_id, start_char, end_char", {"ids": ids}):
        segments[s["article_id"]].append(s)
    return texts, facts, segments


def _highlighted_text(text: str, facts: list[Fact], boilerplate: list[dict]) -> Markup:
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
    close_mark, close_span = Markup("</mark>"), Markup("</span>")
    for start, end, item, clipped in untangle(spans):
        if isinstance(item, Fact):
            item.clipped = clipped or end != min(max(item.end, start), n)
            item.empty = start == end
            item.span_text = text[item.start:item.end] if not item.empty else ""
            tagged.append((start, end, Markup('<mark id="f-{0}" class="{1}" data-fact-id="{0}" title="{2}">').format(
                item.fact_id, item.classes, item.tooltip()), close_mark))
        else:
            label = f"boilerplate: {item.get('label')}" + (f" ({item['rule']})" if item.get("rule") else "")
            tagged.append((start, end, Markup('<span class="bp" title="{}">').format(label), close_span))
    return render_text(text, tagged)


@dataclass
class ArticleView:
    index: int
    article_id: str
    title: str
    meta: list[tuple[str, str]]
    source_url: str               # a web address to link to, else ''
    url_text: str                 # the stored url as written (shown unlinked when it is not http(s))
    body: Markup
    facts: list[Fact]


def _article_view(index: int, art: dict, text: str, rows: dict[str, list[dict]], boilerplate: list[dict]) -> ArticleView:
    facts = [_fact(f"a{index}-{ID_LETTER[table]}{j}", table, r)
             for table in FACT_TABLES for j, r in enumerate(rows.get(table, []))]
    body = _highlighted_text(text, facts, boilerplate)       # sets clipped/empty, which the table shows
    by_db = {f.db_id: f.fact_id for f in facts if f.db_id}
    for f in facts:
        whole = dict(f.extra).get("part of")
        if whole:
            f.part_of = by_db.get(whole, "")
    n = {t: len(rows.get(t, [])) for t in FACT_TABLES}
    meta = [("date", str(art["published_date"]) if art.get("published_date") else "unknown"),
            ("outlet", art.get("outlet_name") or art.get("outlet") or "unknown"),
            ("primary province", _with_2025(art.get("primary_province"), art.get("primary_province_2025")) or "none"),
            ("file", art.get("source_path") or ""),
            ("facts", f"{n['counts']} counts · {n['percentages']} percentages · {n['province_mentions']} province mentions")]
    if art.get("notes"):
        meta.append(("notes", art["notes"]))
    facts.sort(key=lambda f: (f.start, f.end, f.fact_id))
    return ArticleView(index, art["article_id"], art.get("title") or "(no title)", meta,
                       _web_link(art.get("url")), art.get("url") or "", body, facts)


def _summary_rows(rep: Report, current: int) -> list[dict]:
    rows = []
    tops = {m: max((r[m] or 0 for r in rep.summary), default=0) for m in SUMMARY_METRICS}
    for r in rep.summary:
        if not any(r[m] for m in SUMMARY_METRICS):
            continue                  # a unit named only in targets or per-place counts: nothing to show
        cells = []
        for m in SUMMARY_METRICS:
            v = r[m] or 0
            note, link = "", ""
            if m in ("collaborators", "centres") and r.get(f"{m}_article"):
                when = r.get(f"{m}_as_of")
                note = f"latest: {r[m + '_article']}" + (f", {when}" if when else "")
                link = rep.href(r[m + "_article"], current)
            cells.append({"metric": m, "value": charts.fmt_num(v), "width": round(70 * v / tops[m], 1) if tops[m] else 0,
                          "note": note, "link": link})
        rows.append({"label": charts.unit_label(r) if r.get("scope") != "national" else "national (no province)",
                     "unit_2025": r.get("province_2025") or "", "code": r.get("province_code") or "", "cells": cells,
                     "national": r.get("scope") == "national"})
    return rows


def _breakable(rule: str) -> Markup:
    """Escape a rule name and let it wrap after its dots and plus signs, not inside words.

    >>> str(_breakable("unit.staff+<x>"))
    'unit.<wbr>staff+<wbr>&lt;x&gt;'
    """
    return Markup(str(escape(rule)).replace(".", ".<wbr>").replace("+", "+<wbr>"))


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = charts.fmt_num
    env.filters["breakable"] = _breakable
    return env


def _render(env, rep: Report, page: PageFile, articles: list[ArticleView], charts_: dict) -> str:
    summary = _summary_rows(rep, page.number) if page.number == 0 else []
    ctx = dict(rep=rep, page=page, pages=rep.pages, articles=articles, csp=CSP,
               single=len(rep.pages) == 1, summary=summary, empty_units=len(rep.summary) - len(summary),
               metrics=SUMMARY_METRICS, charts=charts_, filters=rep.filters.describe())
    return env.get_template("index.html.j2" if page.number == 0 else "page.html.j2").render(**ctx)


# --------------------------------------------------------------------------- entry point
def _write_atomic(out_file: str | os.PathLike, content: str) -> None:
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


class ReportResult(tuple):
    """(articles, highlighted facts), with ``.files``: the pages written, index first."""

    files: list[str]

    def __new__(cls, articles: int, facts: int, files: list[str]):
        obj = super().__new__(cls, (articles, facts))
        obj.files = files
        return obj


def write_report(db: str, out_file: str, province: str | None = None, since: str | date | None = None,
                 until: str | date | None = None, limit: int | None = None,
                 per_page: int = PER_PAGE) -> ReportResult:
    """Write the review page(s) for database ``db`` to ``out_file``; return (articles, highlighted facts).

    ``province`` (old or 2025 unit, any spelling the rules know), ``since``/``until``
    (publication dates, inclusive; articles with no date are left out when either is given)
    and ``limit`` (the first N articles by article_id) choose the articles; the summary and
    charts are computed on the same articles."""
    if limit is not None and limit < 1:
        raise ReportOptionError("--limit must be at least 1")
    if per_page < 1:
        raise ReportOptionError("--per-page must be at least 1")
    f = Filters(None, since if isinstance(since, date) or since is None else parse_day(since),
                until if isinstance(until, date) or until is None else parse_day(until, end=True), limit)
    if f.since and f.until and f.since > f.until:
        raise ReportOptionError(f"--since {f.since} is after --until {f.until}")
    out = Path(out_file)
    env = _environment()
    store = Store(db, read_only=True)
    written = []
    try:
        con = store.con
        try:
            if province:
                f.province = resolve_province(con, province)
            rep = _load(con, db, f, out, per_page)
            chart_data = {"bars": [charts.bar_chart(m, t, rep.summary, _stock_notes(rep.summary, m))
                                   for m, t in CHART_METRICS],
                          "dots": charts.dot_chart(rep.figures)}
            n_facts = 0
            pages_html = []
            for page in rep.pages:
                arts = rep.articles[page.first:page.first + page.count]
                texts, facts, segments = _article_rows(con, [a["article_id"] for a in arts])
                views = [_article_view(page.first + i, a, texts.get(a["article_id"]) or "",
                                       facts.get(a["article_id"], {}), segments.get(a["article_id"], []))
                         for i, a in enumerate(arts)]
                n_facts += sum(len(v.facts) for v in views)
                pages_html.append((page, _render(env, rep, page, views, chart_data)))
        except duckdb.Error as exc:
            raise DatabaseError(db, f"cannot read the database: {str(exc).splitlines()[0]}") from None
    finally:
        store.close()
    # article pages first, the index last: the index never links to a page not yet written
    for page, html in pages_html[1:] + pages_html[:1]:
        _write_atomic(page.path, html)
        written.append(str(page.path))
    _remove_stale_pages(out, {p.path.name for p in rep.pages})
    return ReportResult(len(rep.articles), n_facts, written[-1:] + written[:-1])


def _stock_notes(summary: list[dict], metric: str) -> dict[str, str]:
    if metric not in ("collaborators", "centres"):
        return {}
    notes = {}
    for r in summary:
        if r.get(f"{metric}_article"):
            when = r.get(f"{metric}_as_of")
            notes[charts.unit_label(r)] = f"latest figure: {r[metric + '_article']}" + (f", {when}" if when else "")
    return notes


def _remove_stale_pages(out: Path, keep: set[str]) -> None:
    """Article pages of an earlier, longer report (report-p7.html) would be stale: removed."""
    pat = re.compile(rf"{re.escape(out.stem)}-p\d+{re.escape(out.suffix)}")
    try:
        for p in out.parent.iterdir():
            if pat.fullmatch(p.name) and p.name not in keep and p.is_file():
                p.unlink()
    except OSError:
        pass
