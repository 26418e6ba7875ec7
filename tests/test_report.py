"""`ctxh report`: every fact highlighted once, nothing from an article runs, nothing is loaded.

The unit tests read the written HTML with the standard library's parser; the
browser test loads it in Debian's headless Chromium and reads the DOM it built.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from helpers import SEEDS, run_ctxh

from ctxh_extract.errors import CtxhError, DatabaseError
from ctxh_extract.review.report import ReportOptionError, write_report

from figure_corpus import CORPUS, TARGETS, write_corpus

# An article whose markup would be visible in the DOM if it ever ran or rendered:
# the script retitles the page and adds #pwned, the image's onerror marks <body>,
# the style hides the page, the link loads a stylesheet from the network.
HOSTILE_ARTICLE = """\
Hà Tĩnh đào tạo công tác xã hội <script>document.title="PWNED";document.body.insertAdjacentHTML("beforeend","<div id=pwned>pwned</div>")</script>

Năm 2023, tỉnh Hà Tĩnh đã tổ chức đào tạo cho 120 cán bộ làm công tác xã hội. <img src=x onerror="document.body.setAttribute('data-pwned','1')"> Phấn đấu đến năm 2025 có 90% xã có cộng tác viên.
Chú thích: <mark data-fact-id="fake">chín</mark> <style>body{display:none}</style> <link rel="stylesheet" href="https://evil.example/x.css"> Nguồn: https://evil.example/x.js
"""
FACT_TABLES = ("counts", "percentages", "province_mentions")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LOADING_TAGS = {"script", "link", "iframe", "frame", "img", "object", "embed", "audio", "video", "source", "base",
                "form", "image", "use", "picture", "track"}
URL_ATTRS = {"src", "href", "srcset", "action", "formaction", "poster", "data", "xlink:href", "background", "ping"}
CHROMIUM = "/usr/bin/chromium"


class Page(HTMLParser):
    """What a test needs from a page: tags, highlights with their text, article texts, style text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, dict]] = []
        self.marks: list[dict] = []          # {"id", "title", "class", "text"} per data-fact-id element
        self.article_texts: list[str] = []   # text content of each div.text
        self.style = ""
        self.errors: list[str] = []
        self.title = ""
        self._stack: list[tuple[str, dict | None]] = []
        self._text_depth: int | None = None
        self._text: list[str] = []
        self.feed(html)
        self.close()
        if self._stack:
            self.errors.append(f"unclosed: {[t for t, _ in self._stack]}")

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags[tag] += 1
        self.attrs.append((tag, a))
        mark = None
        if "data-fact-id" in a:
            mark = {"id": a["data-fact-id"], "title": a.get("title", ""), "class": a.get("class", ""), "text": []}
            self.marks.append(mark)
        if tag in VOID:
            return
        self._stack.append((tag, mark))
        if tag == "div" and "text" in a.get("class", "").split():
            self._text_depth, self._text = len(self._stack), []

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self._stack or self._stack[-1][0] != tag:
            self.errors.append(f"</{tag}> does not close {self._stack[-1][0] if self._stack else 'anything'}")
            return
        self._stack.pop()
        if self._text_depth is not None and len(self._stack) < self._text_depth:
            self.article_texts.append("".join(self._text))
            self._text_depth = None

    def handle_data(self, data):
        for tag, mark in self._stack:
            if mark is not None:
                mark["text"].append(data)
        if self._text_depth is not None:
            self._text.append(data)
        if self._stack and self._stack[-1][0] == "style":
            self.style += data
        if self._stack and self._stack[-1][0] == "title":
            self.title += data

    def mark_text(self, mark: dict) -> str:
        return "".join(mark["text"])


def db_rows(db: str) -> dict[str, int]:
    with duckdb.connect(db, read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in FACT_TABLES}


def db_spans(db: str) -> Counter:
    with duckdb.connect(db, read_only=True) as con:
        return Counter(r for t in FACT_TABLES for r in con.execute(f"SELECT start_char, end_char FROM {t}").fetchall())


def db_texts(db: str) -> list[str]:
    with duckdb.connect(db, read_only=True) as con:
        return [r[0] for r in con.execute(
            "SELECT t.text FROM articles a JOIN article_texts t USING (article_id) ORDER BY a.article_id").fetchall()]


def offsets(mark: dict) -> tuple[int, int]:
    m = re.search(r"offsets: (\d+)-(\d+)", mark["title"])
    assert m, mark["title"]
    return int(m.group(1)), int(m.group(2))


def extract_into(db: Path, *paths: Path) -> str:
    from ctxh_extract.run.pipeline import run_extract

    summary = run_extract([str(p) for p in paths], db=str(db), workers=1)
    assert summary.ok, summary.rejected
    return str(db)


@pytest.fixture(scope="session")
def report_hostile_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report_hostile")
    (folder / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def report_hostile_db(tmp_path_factory, report_hostile_dir) -> str:
    """A database with the one hostile article (do not write to it)."""
    db = extract_into(tmp_path_factory.mktemp("report_hostile_db") / "hostile.duckdb", report_hostile_dir)
    rows = db_rows(db)
    assert rows["counts"] >= 1 and rows["percentages"] >= 1 and rows["province_mentions"] >= 1, rows
    return db


@pytest.fixture
def report_overlap_db(tmp_path, report_hostile_db) -> str:
    """The hostile article plus hand-made facts whose spans coincide, nest, cross, are empty or out of range,
    and cross the edges of a boilerplate segment."""
    db = str(tmp_path / "overlap.duckdb")
    shutil.copy(report_hostile_db, db)
    with duckdb.connect(db) as con:
        text = con.execute("SELECT text FROM article_texts").fetchone()[0]
        s = text.index("120 cán bộ")
        tail = text.index("Chú thích")
        count = ("INSERT INTO counts (article_id, category, value, qualifier, is_target, evidence, start_char, end_char, "
                 "rule) VALUES ('hostile', 'trainees', 120, 'exact', false, 'x', ?, ?, 'test')")
        for span in [(s, s + 3),                 # the same span as the extracted count
                     (10, 10),                   # empty
                     (10_000, 10_005),           # beyond the text
                     (tail + 5, tail + 15),      # crosses the start of the boilerplate below
                     (tail + 25, tail + 40)]:    # crosses its end
            con.execute(count, list(span))
        con.execute("INSERT INTO percentages (article_id, value, qualifier, kind, is_target, evidence, start_char, "
                    "end_char, rule) VALUES ('hostile', 5, 'exact', 'share', false, 'x', ?, ?, 'test')", [s + 1, s + 8])
        con.execute("INSERT INTO province_mentions (article_id, province, province_code, province_2025, surface, "
                    "start_char, end_char, in_body, rule) VALUES ('hostile', 'Hà Tĩnh', '42', 'Hà Tĩnh', 'x', ?, ?, "
                    "true, 'test')", [s - 2, s + 10])
        con.execute("INSERT INTO segments VALUES ('hostile', 'banner', false, 'test', ?, ?)", [tail + 10, tail + 30])
    return db


@pytest.fixture(scope="session")
def report_seed_page(tmp_path_factory, seed_db) -> tuple[str, Page, tuple[int, int]]:
    out = tmp_path_factory.mktemp("report_seed") / "report.html"
    result = write_report(seed_db, str(out))
    return out.read_text(encoding="utf-8"), Page(out.read_text(encoding="utf-8")), result


# --------------------------------------------------------------------------- highlights
def test_every_seed_fact_is_highlighted_once(seed_db, report_seed_page):
    html, page, (n_articles, n_facts) = report_seed_page
    rows = db_rows(seed_db)
    assert not page.errors
    assert n_articles == 5
    assert len(page.marks) == n_facts == sum(rows.values())
    assert len({m["id"] for m in page.marks}) == len(page.marks)
    assert Counter(m["class"].split()[1] for m in page.marks) == {
        "count": rows["counts"], "percentage": rows["percentages"], "province": rows["province_mentions"]}
    assert Counter(offsets(m) for m in page.marks) == db_spans(seed_db)


def test_seed_highlights_cover_their_spans_and_keep_the_text(seed_db, report_seed_page):
    _, page, _ = report_seed_page
    texts = db_texts(seed_db)
    assert page.article_texts == texts                    # highlighting adds and drops no character
    by_offsets = "\n".join(texts)
    for m in page.marks:
        start, end = offsets(m)
        if "shortened" not in m["title"]:
            assert page.mark_text(m) in by_offsets and len(page.mark_text(m)) == end - start


def test_hover_and_table_show_the_attributes(report_seed_page):
    html, page, _ = report_seed_page
    counts = [m for m in page.marks if "count" in m["class"].split()]
    assert counts and all(re.search(r"^rule: \S", m["title"], re.M) for m in counts)
    titles = "\n".join(m["title"] for m in counts)
    for attribute in ("value: ", "qualifier: ", "target: yes", "target: no", "period: ", "unit: "):
        assert attribute in titles
    percentages = "\n".join(m["title"] for m in page.marks if "percentage" in m["class"].split())
    assert re.search(r"^value: [\d.,–]+%$", percentages, re.M) and "qualifier: " in percentages
    rows = [a for t, a in page.attrs if t == "tr" and "data-row-for" in a]
    assert sorted(a["data-row-for"] for a in rows) == sorted(m["id"] for m in page.marks)
    assert {"bp"} <= {c for _, a in page.attrs for c in a.get("class", "").split()}   # boilerplate greyed


def test_overlapping_and_broken_spans_keep_one_highlight_each(tmp_path, report_overlap_db):
    out = tmp_path / "report.html"
    n_articles, n_facts = write_report(report_overlap_db, str(out))
    page = Page(out.read_text(encoding="utf-8"))
    rows = db_rows(report_overlap_db)
    assert not page.errors, page.errors                   # tags nest; no crossing markup
    assert (n_articles, n_facts) == (1, sum(rows.values()))
    assert len(page.marks) == len({m["id"] for m in page.marks}) == sum(rows.values())
    assert page.article_texts == db_texts(report_overlap_db)
    text = page.article_texts[0]
    s = text.index("120 cán bộ")
    by_span = Counter(offsets(m) for m in page.marks)
    assert by_span[(s, s + 3)] == 2
    for m in page.marks:
        start, end = offsets(m)
        if start > len(text) or start == end:
            assert page.mark_text(m) == "" and "empty" in m["class"]
        elif (start, end) in {(s + 1, s + 8)} or "shortened" in m["title"]:
            assert "shortened" in m["title"] and text[start:end].startswith(page.mark_text(m)) and page.mark_text(m)
        else:
            assert page.mark_text(m) == text[start:end]
    assert sum("shortened" in m["title"] for m in page.marks) == 3   # crossing fact + both boilerplate edges


# --------------------------------------------------------------------------- nothing runs, nothing loads
def test_article_markup_is_shown_as_text(tmp_path, report_hostile_db):
    out = tmp_path / "report.html"
    write_report(report_hostile_db, str(out))
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    assert not page.errors
    for tag in ("script", "img", "link", "iframe"):
        assert page.tags[tag] == 0, tag
    assert page.tags["style"] == 1 and "display:none" not in page.style
    assert not [(t, k) for t, a in page.attrs for k in a if k.startswith("on")]
    assert all(m["id"] != "fake" for m in page.marks)
    assert page.title and "PWNED" not in page.title
    text = page.article_texts[0]
    assert '<script>document.title="PWNED"' in text and "<img src=x onerror=" in text
    assert "&lt;script&gt;" in html and "<script" not in html.lower()


@pytest.mark.parametrize("fixture", ["report_hostile_db", "seed_db"])
def test_the_page_loads_nothing(tmp_path, fixture, request):
    out = tmp_path / "report.html"
    write_report(request.getfixturevalue(fixture), str(out))
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    assert not (set(page.tags) & LOADING_TAGS)
    assert_loads_nothing(html, page)


def assert_loads_nothing(html: str, page: "Page") -> None:
    """No element loads anything; the only addresses are in-page anchors, sibling report pages and,
    on <a class="src" rel="noreferrer"> links a reader may click, the articles' http(s) sources."""
    assert not (set(page.tags) & LOADING_TAGS)
    for tag, a in page.attrs:
        for k, v in a.items():
            if k not in URL_ATTRS:
                continue
            assert k == "href" and tag == "a", (tag, k, v)
            if v.startswith(("http://", "https://")):
                assert "src" in a.get("class", "").split() and "noreferrer" in a.get("rel", "").split(), a
            else:
                assert re.fullmatch(r"(?:[\w.-]+-p\d+\.html)?#[\w-]+|[\w.-]+\.html", v), v
    styles = page.style + "".join(a.get("style", "") for _, a in page.attrs)
    assert "url(" not in styles and "@import" not in styles and "//" not in styles
    assert not re.search(r"""\b(?:src|action|srcset|data|poster)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", html, re.I)
    csp = [a["content"] for t, a in page.attrs if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0] and "script-src" not in csp[0]


# --------------------------------------------------------------------------- database and file handling
def test_reads_the_database_without_changing_it(tmp_path, seed_db):
    db = tmp_path / "copy.duckdb"
    shutil.copy(seed_db, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    reader = subprocess.Popen(                             # a journalist querying meanwhile does not stop the report
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
                               "print('ready', flush=True); time.sleep(60)", str(db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        write_report(str(db), str(tmp_path / "r.html"))
    finally:
        reader.kill()
        reader.wait(timeout=30)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.duckdb", "r.html"]


@pytest.mark.parametrize("kind, message", [("missing", "database not found"), ("folder", "is a directory"),
                                           ("text", "not a DuckDB database file"), ("foreign", "not a ctxh database")])
def test_unusable_databases_give_one_line_errors(tmp_path, kind, message):
    db = tmp_path / "x.duckdb"
    if kind == "folder":
        db.mkdir()
    elif kind == "text":
        db.write_text("hello\n" * 100)
    elif kind == "foreign":
        with duckdb.connect(str(db)) as con:
            con.execute("CREATE TABLE t (x INT)")
    out = tmp_path / "r.html"
    out.write_text("old report")
    with pytest.raises(DatabaseError, match=message) as info:
        write_report(str(db), str(out))
    assert "\n" not in str(info.value)
    assert out.read_text() == "old report"                # a failed run leaves the old page alone


def test_writes_atomically_and_names_an_unwritable_target(tmp_path, report_hostile_db):
    out = tmp_path / "sub" / "report.html"
    write_report(report_hostile_db, str(out))
    first = out.read_text(encoding="utf-8")
    write_report(report_hostile_db, str(out))
    assert out.read_text(encoding="utf-8") == first       # same database, same page
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]   # no temporary file left behind
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~_umask()   # an ordinary file, not a private temp file
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CtxhError, match="cannot write the report") as info:
        write_report(report_hostile_db, str(blocker / "report.html"))
    assert "\n" not in str(info.value)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_cli_report(tmp_path, seed_db):
    out = tmp_path / "r.html"
    r = run_ctxh("report", "--db", seed_db, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert f"5 articles, {sum(db_rows(seed_db).values())} highlighted facts" in r.stdout
    assert out.exists()


def test_cli_report_on_a_locked_database(tmp_path, seed_db):
    db = tmp_path / "locked.duckdb"
    shutil.copy(seed_db, db)
    with duckdb.connect(str(db)):                          # this process writes; the CLI must say so
        r = run_ctxh("report", "--db", str(db), "--out", str(tmp_path / "r.html"))
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "locked" in r.stderr, r.stderr
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------- in a real browser
def chromium() -> str:
    """Debian's Chromium; a missing browser fails the test (CI installs it), it never skips or downloads."""
    path = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if not path:
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make browser-deps` (installs Debian's chromium)")
    return path


def dump_dom(page: Path) -> str:
    """Load a file in headless Chromium and return the DOM after load (and after any timers would have run)."""
    with tempfile.TemporaryDirectory(prefix="ctxh-chromium-") as profile:
        r = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=3000", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "<html" in r.stdout, r.stderr[-2000:]
    return r.stdout


@pytest.fixture(scope="session")
def report_browser_db(tmp_path_factory, report_hostile_dir) -> str:
    """The seeds and the hostile article in one database."""
    return extract_into(tmp_path_factory.mktemp("report_browser") / "all.duckdb", SEEDS, report_hostile_dir)


@pytest.mark.browser
def test_in_chromium_every_fact_is_highlighted_and_no_article_code_runs(tmp_path, report_browser_db):
    # control: the same markup as a raw page does run, so the checks below would notice if ours did
    raw = tmp_path / "raw.html"
    raw.write_text(f"<!DOCTYPE html><html><head><title>raw</title></head><body><div>{HOSTILE_ARTICLE}</div></body></html>",
                   encoding="utf-8")
    control = dump_dom(raw)
    assert 'id="pwned"' in control and 'data-pwned="1"' in control and "<title>PWNED</title>" in control

    out = tmp_path / "report.html"
    n_articles, n_facts = write_report(report_browser_db, str(out))
    dom = dump_dom(out)
    page = Page(dom)
    rows = db_rows(report_browser_db)
    assert n_articles == 6
    assert len(page.marks) == n_facts == sum(rows.values())
    assert len({m["id"] for m in page.marks}) == len(page.marks)
    assert 'id="pwned"' not in dom and not re.search(r"<body[^>]*data-pwned", dom)
    assert "PWNED" not in page.title and page.title.startswith("ctxh report")
    assert page.tags["script"] == 0 and page.tags["img"] == 0 and page.tags["link"] == 0
    assert any('<script>document.title="PWNED"' in t for t in page.article_texts)   # shown as text
    assert page.article_texts == db_texts(report_browser_db)


# --------------------------------------------------------------------------- filters, pages, charts, sources
LINKS = [("web1", "2024-02-02", "Hà Tĩnh tập huấn công tác xã hội",
          "Năm 2024, tỉnh Hà Tĩnh đã tập huấn cho 60 cán bộ làm công tác xã hội.", "https://baoht.vn/ctxh-60.html"),
         ("web2", "2024-02-03", "Hà Tĩnh tập huấn công tác xã hội",
          "Năm 2024, tỉnh Hà Tĩnh đã tập huấn cho 61 cán bộ làm công tác xã hội.", "javascript:alert(1)")]


@pytest.fixture(scope="module")
def report_figures_db(tmp_path_factory) -> str:
    """The figures corpus (tests/figure_corpus.py: hand-computed totals), its targets, and two
    articles with a web address and a hostile one."""
    import json

    folder = tmp_path_factory.mktemp("report_figures")
    corpus = write_corpus(folder / "in", CORPUS + TARGETS)
    with (folder / "in" / "links.jsonl").open("w", encoding="utf-8") as fh:
        for aid, d, title, text, url in LINKS:
            fh.write(json.dumps({"id": aid, "published": d, "title": title, "text": text, "url": url},
                                ensure_ascii=False) + "\n")
    return extract_into(folder / "f.duckdb", corpus, folder / "in" / "links.jsonl")


def chart(html: str, name: str) -> str:
    m = re.search(rf'<figure class="chartbox" data-chart="{name}">(.*?)</figure>', html, re.S)
    assert m, name
    return m.group(1)


def bars(html: str, metric: str) -> list[tuple[str, str]]:
    """(label, value) of each bar of one chart, top to bottom."""
    from html import unescape

    return [(unescape(a), unescape(b)) for a, b in re.findall(
        r'<g><title>[^<]*</title><text[^>]*>([^<]*)</text><rect[^>]*>(?:</rect>)?<text class="v"[^>]*>([^<]*)</text></g>',
        chart(html, metric))]


def article_ids(page: Page) -> list[str]:
    return [a["id"] for t, a in page.attrs if t == "article"]


def test_charts_draw_the_summary(tmp_path, report_figures_db):
    out = tmp_path / "r.html"
    write_report(report_figures_db, str(out))
    html = out.read_text(encoding="utf-8")
    # the same totals as the province_summary test (tests/test_figures.py), largest first
    assert bars(html, "trainees") == [("Nghệ An", "1,000"), ("Hà Giang", "500"), ("Lai Châu", "350"),
                                      ("Hà Tĩnh", "121"), ("Đắk Lắk", "90"), ("Yên Bái", "70")]
    assert bars(html, "collaborators") == [("Hà Giang", "1,200"), ("Lai Châu", "410")]
    assert bars(html, "centres") == [("Thừa Thiên Huế", "32")]
    assert "National (no province): 3,000." in chart(html, "trainees")
    assert "National (no province): 8,000." in chart(html, "collaborators")
    assert "latest figure: lc2024, 2024-04-01" in chart(html, "collaborators")
    targets = chart(html, "targets")
    circles = re.findall(r"<circle [^>]*><title>([^<]*)</title></circle>", targets)
    assert len(circles) == 2                               # 100% and 80% by 2025: two figures, two bubbles
    assert any(c.startswith("100% by 2025: 1 target figure\n· Kon Tum:") and "3 statements" in c for c in circles)
    assert re.search(r">2025</text><text class=\"v\"[^>]*>2</text>", targets)   # two figures end in 2025
    # the summary table links a stock to the article that reported it
    assert 'href="#art-' in html and "latest: lc2024, 2024-04-01" in html


@pytest.mark.parametrize("options, expected", [
    ({"province": "Lai Châu"}, ["lc2022", "lc2024"]),
    ({"province": "lai chau"}, ["lc2022", "lc2024"]),            # written without diacritics
    ({"province": "Huế"}, ["hue2025", "tth2023"]),                # one unit, two names
    ({"province": "Lào Cai"}, ["yb2023"]),                        # Yên Bái is in the 2025 unit Lào Cai
    ({"since": "2024"}, ["hue2025", "lc2024", "na2025", "vn2024", "web1", "web2"]),
    ({"since": "2023", "until": "2023-06"}, ["hg2023", "tth2023"]),
    ({"until": "2022-03-01"}, ["kh2021", "kh2022", "lc2022"]),
    ({"limit": 3}, ["dl2023", "hg2023", "hue2025"]),
    ({"province": "Lai Châu", "since": "2023", "limit": 5}, ["lc2024"]),
])
def test_filters_choose_the_articles_and_the_summary_follows(tmp_path, report_figures_db, options, expected):
    out = tmp_path / "r.html"
    n, _ = write_report(report_figures_db, str(out), **options)
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    assert n == len(expected) and not page.errors
    with duckdb.connect(report_figures_db, read_only=True) as con:
        ids = {aid: i for i, aid in enumerate(expected)}
        texts = dict(con.execute("SELECT article_id, text FROM article_texts").fetchall())
    assert page.article_texts == [texts[a] for a in expected]
    assert "Showing: " in html


def test_a_filtered_summary_counts_only_the_shown_articles(tmp_path, report_figures_db):
    out = tmp_path / "r.html"
    write_report(report_figures_db, str(out), since="2024")
    html = out.read_text(encoding="utf-8")
    # lc2024 reports 2022's 200 and 2024's 150; na2025 the 1,000 of 2021-2025 (its 200 of 2023 inside it)
    assert bars(html, "trainees") == [("Nghệ An", "1,000"), ("Lai Châu", "350"), ("Hà Tĩnh", "121")]
    assert bars(html, "collaborators") == [("Lai Châu", "410")]
    assert bars(html, "centres") == [("Thừa Thiên Huế", "32")]
    assert "No target percentages with an end year." in chart(html, "targets")


def test_bad_filters_are_usage_errors(tmp_path, report_figures_db):
    with pytest.raises(ReportOptionError, match=r"unknown province 'Lai Chou'; did you mean Lai Châu"):
        write_report(report_figures_db, str(tmp_path / "r.html"), province="Lai Chou")
    with pytest.raises(ReportOptionError, match="is after --until"):
        write_report(report_figures_db, str(tmp_path / "r.html"), since="2024", until="2023")
    r = run_ctxh("report", "--db", report_figures_db, "--out", str(tmp_path / "r.html"), "--since", "May 2024")
    assert r.returncode == 2 and r.stderr.strip() == "error: 'May 2024' is not a date (write 2024-05-03, 2024-05 or 2024)"
    assert not (tmp_path / "r.html").exists()


def test_many_articles_are_split_into_pages(tmp_path, report_figures_db):
    out = tmp_path / "r.html"
    result = write_report(report_figures_db, str(out), per_page=4)
    n_articles, n_facts = result
    names = [Path(f).name for f in result.files]
    assert names == ["r.html", "r-p1.html", "r-p2.html", "r-p3.html", "r-p4.html"] and n_articles == 13
    pages = {name: Page((tmp_path / name).read_text(encoding="utf-8")) for name in names}
    assert not any(p.errors for p in pages.values())
    assert not pages["r.html"].marks and not pages["r.html"].article_texts    # the index: summary, charts, list
    marks = [m for name in names[1:] for m in pages[name].marks]
    assert len(marks) == n_facts == sum(db_rows(report_figures_db).values())
    assert len({m["id"] for m in marks}) == len(marks)
    assert [len(pages[n].article_texts) for n in names[1:]] == [4, 4, 4, 1]
    # every link of the index and of the pagers lands on an article or a page that exists
    anchors = {name: set(article_ids(p)) | {f"f-{m['id']}" for m in p.marks} for name, p in pages.items()}
    for name, page in pages.items():
        for tag, a in page.attrs:
            href = a.get("href", "")
            if tag != "a" or href.startswith("http"):
                continue
            target, _, anchor = href.partition("#")
            target = target or name
            assert target in pages, href
            assert not anchor or anchor in anchors[target], (name, href)
        assert_loads_nothing((tmp_path / name).read_text(encoding="utf-8"), page)
    index = (tmp_path / "r.html").read_text(encoding="utf-8")
    toc = re.findall(r'<li><a href="([^"]+)"', index.split('<ol class="toc">', 1)[1].split("</ol>", 1)[0])
    assert toc == [f"r-p{i // 4 + 1}.html#art-{i}" for i in range(n_articles)]
    # a shorter report later removes the pages it no longer has
    again = write_report(report_figures_db, str(out), per_page=6)
    assert [Path(f).name for f in again.files] == ["r.html", "r-p1.html", "r-p2.html", "r-p3.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r-p1.html", "r-p2.html", "r-p3.html", "r.html"]
    write_report(report_figures_db, str(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_each_article_links_to_its_source(tmp_path, report_figures_db):
    out = tmp_path / "r.html"
    write_report(report_figures_db, str(out), province="Hà Tĩnh")
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    links = [a for t, a in page.attrs if t == "a" and "src" in a.get("class", "").split()]
    assert [a["href"] for a in links] == ["https://baoht.vn/ctxh-60.html"]
    assert links[0]["rel"].split() == ["noopener", "noreferrer", "external"]
    assert "javascript:alert(1) (not a web address, so not linked)" in html
    assert 'href="javascript' not in html
    assert_loads_nothing(html, page)
    out2 = tmp_path / "all.html"
    write_report(report_figures_db, str(out2))
    srcs = [a["href"] for t, a in Page(out2.read_text(encoding="utf-8")).attrs if t == "a" and "src" in a.get("class", "")]
    assert sorted(srcs) == sorted([f"https://baotest.vn/{aid}.html" for aid, *_ in CORPUS + TARGETS]
                                  + ["https://baoht.vn/ctxh-60.html"])


def test_cli_report_filters_and_pages(tmp_path, report_figures_db):
    out = tmp_path / "r.html"
    r = run_ctxh("report", "--db", report_figures_db, "--out", str(out), "--province", "Lai Châu", "--since", "2022",
                 "--until", "2024-12-31", "--limit", "10", "--per-page", "1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"wrote {out}: 2 articles, 12 highlighted facts on 2 pages")
    r = run_ctxh("report", "--db", report_figures_db, "--out", str(out), "--province", "Atlantis")
    assert r.returncode == 2 and r.stderr.startswith("error: unknown province 'Atlantis'") and r.stderr.count("\n") == 1


@pytest.mark.browser
def test_in_chromium_a_filtered_report_in_pages_with_its_charts(tmp_path, report_figures_db, report_hostile_dir):
    import shutil

    db = tmp_path / "both.duckdb"
    shutil.copy(report_figures_db, db)
    extract_into(db, report_hostile_dir)                 # the hostile article is about Hà Tĩnh too
    out = tmp_path / "r.html"
    result = write_report(str(db), str(out), province="Hà Tĩnh", per_page=2)
    assert [Path(f).name for f in result.files] == ["r.html", "r-p1.html", "r-p2.html"]
    index = dump_dom(out)
    dom = Page(index)
    assert dom.tags["script"] == 0 and dom.title.startswith("ctxh report")
    # the charts were parsed as SVG and drawn: three bar charts and the targets chart
    assert dom.tags["svg"] >= 4 and len(re.findall(r'<figure class="chartbox"', index)) == 4
    assert bars(index, "trainees") == [("Hà Tĩnh", "241")]          # 60 + 61 (2024) + the hostile article's 120 (2023)
    texts = []
    for name in ("r-p1.html", "r-p2.html"):
        page_dom = dump_dom(tmp_path / name)
        page = Page(page_dom)
        assert 'id="pwned"' not in page_dom and not re.search(r"<body[^>]*data-pwned", page_dom)
        assert "PWNED" not in page.title and page.tags["script"] == 0
        texts += page.article_texts
    with duckdb.connect(str(db), read_only=True) as con:
        want = [r[0] for r in con.execute("SELECT text FROM article_texts WHERE article_id IN ('hostile', 'web1', 'web2') "
                                          "ORDER BY article_id").fetchall()]
    assert texts == want
