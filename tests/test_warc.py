"""Web archives: .warc.gz / .warc pages go through the HTML path, for --db and --out runs alike.

The WARC file is written by the test (helpers.write_warc): two pages about social work, one
off-topic page (a real traffic item), a 404, an image and a request record. Only HTTP 200
HTML responses are articles; the relevance filter is on by default for web archives.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from helpers import GOLD, ROOT, SEEDS, assert_same_rows, html_page, run_ctxh, warc_record, write_warc

OFFTOPIC = Path(__file__).parent / "data" / "offtopic"
pytest.importorskip("fastwarc")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("warc")
    seed = sorted(SEEDS.glob("*.txt"))[0].read_text(encoding="utf-8")
    traffic = (OFFTOPIC / "traffic_duong_ho_chi_minh.txt").read_text(encoding="utf-8")
    gold_html = (GOLD / "articles" / "103_1b8905c88adc8693.html").read_bytes()
    records = [
        warc_record("https://bao.example.vn/request", b"GET / HTTP/1.1\r\nHost: bao.example.vn\r\n\r\n",
                    warc_type="request"),
        warc_record("https://bao.example.vn/ctxh-1.html", gold_html),
        warc_record("https://bao.example.vn/giao-thong.html", html_page(traffic.splitlines()[0], traffic)),
        warc_record("https://bao.example.vn/missing.html", b"<html>not found</html>", status=404),
        warc_record("https://bao.example.vn/logo.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png"),
        # no charset in the page: the HTTP header's says UTF-8
        warc_record("https://bao.example.vn/ctxh-2.html",
                    html_page(seed.splitlines()[0], seed).replace(b'<meta charset="utf-8">', b"")),
    ]
    gz = d / "CC-TEST-00001.warc.gz"
    offsets = write_warc(gz, records)
    plain = d / "plain" / "CC-TEST-00002.warc"
    plain.parent.mkdir()
    plain_offsets = write_warc(plain, records, gzip_members=False)
    return {"gz": str(gz), "offsets": offsets, "plain": str(plain), "plain_offsets": plain_offsets, "seed": seed,
            "dir": d}


def _rows(db: str, sql: str) -> list[tuple]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_warc_pages_become_articles_with_url_and_offset_ids(archive, tmp_path):
    db = str(tmp_path / "w.duckdb")
    r = run_ctxh("extract", archive["gz"], "--db", db, "--quiet")
    assert r.returncode == 0, r.stderr
    gz, off = archive["gz"], archive["offsets"]
    assert f"note: {gz}: 2 of 5 responses are not HTTP 200 HTML pages (skipped)" in r.stderr
    arts = _rows(db, "SELECT article_id, source_path, url, source_kind, title FROM articles ORDER BY url")
    assert [a[:4] for a in arts] == [
        (f"CC-TEST-00001@{off[1]}", f"{gz}@{off[1]}", "https://bao.example.vn/ctxh-1.html", "warc"),
        (f"CC-TEST-00001@{off[5]}", f"{gz}@{off[5]}", "https://bao.example.vn/ctxh-2.html", "warc"),
    ]
    # the id's offset is where the record's gzip member starts (what Common Crawl's index gives)
    with open(gz, "rb") as fh:
        fh.seek(off[5])
        assert gzip.GzipFile(fileobj=fh).read(9) == b"WARC/1.0\r"
    # the page without a charset was read as UTF-8, not Latin-1
    text = _rows(db, f"SELECT text FROM article_texts WHERE article_id = 'CC-TEST-00001@{off[5]}'")[0][0]
    assert archive["seed"].splitlines()[2][:40] in text
    assert _rows(db, "SELECT count(*) FROM counts")[0][0] > 0
    # the off-topic page is filtered (on by default for web archives), with its url and reason
    assert _rows(db, "SELECT article_id, url, starts_with(reason, 'off-topic') FROM filtered") == [
        (f"CC-TEST-00001@{off[2]}", "https://bao.example.vn/giao-thong.html", True)]


def test_no_prefilter_extracts_the_offtopic_page_too(archive, tmp_path):
    db = str(tmp_path / "w.duckdb")
    r = run_ctxh("extract", archive["plain"], "--db", db, "--quiet", "--no-prefilter")
    assert r.returncode == 0, r.stderr
    off = archive["plain_offsets"]
    assert sorted(x[0] for x in _rows(db, "SELECT article_id FROM articles")) == sorted(
        f"CC-TEST-00002@{off[i]}" for i in (1, 2, 5))
    assert _rows(db, "SELECT count(*) FROM filtered") == [(0,)]


def test_warc_in_a_run_folder_equals_the_db_run(archive, tmp_path):
    base = str(tmp_path / "base.duckdb")
    assert run_ctxh("extract", archive["gz"], archive["plain"], "--db", base, "--quiet").returncode == 0
    run_dir = str(tmp_path / "run")
    r = run_ctxh("extract", archive["gz"], archive["plain"], "--out", run_dir, "--quiet", "--workers", "2")
    assert r.returncode == 0, r.stderr
    loaded = str(tmp_path / "loaded.duckdb")
    assert run_ctxh("load", run_dir, "--db", loaded, "--quiet").returncode == 0
    assert_same_rows(base, loaded)


def test_a_broken_warc_file_is_rejected_by_name(tmp_path):
    bad = tmp_path / "broken.warc"
    bad.write_bytes(b"this is not a web archive\n" * 20)
    r = run_ctxh("extract", str(bad), str(SEEDS), "--db", str(tmp_path / "x.duckdb"), "--quiet")
    assert r.returncode == 1
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"rejected: {bad}: not a readable WARC file"), r.stderr
    assert _rows(str(tmp_path / "x.duckdb"), "SELECT count(*) FROM articles") == [(5,)]


def test_without_the_warc_extra_the_file_says_what_to_install(archive, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        class NoFastwarc:
            def find_spec(self, name, path=None, target=None):
                if name == "fastwarc" or name.startswith("fastwarc."):
                    raise ImportError("blocked by the test")
        sys.meta_path.insert(0, NoFastwarc())
        from ctxh_extract.cli import app
        sys.argv = ["ctxh", "extract", {archive['gz']!r}, {str(SEEDS)!r}, "--db", {str(tmp_path / 'x.duckdb')!r}, "--quiet"]
        app()
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env=dict(os.environ, CTXH_RULES=str(ROOT / "rules")))
    assert r.returncode == 1
    assert r.stderr.strip() == (f"rejected: {archive['gz']}: reading web archives needs FastWARC: "
                                f"pip install 'ctxh-extract[warc]'")
