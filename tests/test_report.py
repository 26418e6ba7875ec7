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
from ctxh_extract.review.report import write_report

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
    urls = [(t, k, v) for t, a in page.attrs for k, v in a.items() if k in URL_ATTRS]
    assert all(v.startswith("#") for _, _, v in urls), urls
    styles = page.style + "".join(a.get("style", "") for _, a in page.attrs)
    assert "url(" not in styles and "@import" not in styles and "//" not in styles
    assert not re.search(r"""\b(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
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
