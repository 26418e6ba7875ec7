"""End to end: files in, database out (issue 'the pipeline end to end')."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import duckdb
import pytest

from ctxh_extract.run.pipeline import run_extract
from ctxh_extract.store.store import Store

from helpers import GOLD, ROOT, SEEDS, cp1258_bytes, run_ctxh

DATA = Path(__file__).parent / "data"
FACT_TABLES = ("counts", "percentages", "province_mentions", "segments")


def _rows(db: str, table: str) -> list[tuple]:
    con = duckdb.connect(db, read_only=True)
    try:
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table]).fetchall()]
        keep = [c for c in cols if c not in ("extracted_at",)]
        return con.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()


def _offsets_ok(db: str) -> None:
    con = duckdb.connect(db, read_only=True)
    try:
        texts = dict(con.execute("SELECT article_id, text FROM article_texts").fetchall())
        for aid, s, e, surface in con.execute("SELECT article_id, start_char, end_char, surface FROM province_mentions").fetchall():
            assert texts[aid][s:e] == surface
        for table in ("counts", "percentages"):
            for aid, s, e, ev in con.execute(f"SELECT article_id, start_char, end_char, evidence FROM {table}").fetchall():
                span = texts[aid][s:e]
                assert span and any(ch.isdigit() for ch in span) or span.split()[0].isalpha()
                assert ev in texts[aid] and span in ev
    finally:
        con.close()


def test_extract_twice_keeps_five_articles_and_no_duplicates(tmp_path):
    db = str(tmp_path / "x.duckdb")
    r1 = run_ctxh("extract", str(SEEDS), "--db", db)
    assert r1.returncode == 0, r1.stderr
    assert "loaded" in r1.stdout
    first = {t: _rows(db, t) for t in FACT_TABLES}
    r2 = run_ctxh("extract", str(SEEDS), "--db", db, "--force")
    assert r2.returncode == 0, r2.stderr
    with Store(db, read_only=True) as s:
        assert s.count("articles") == 5
        for t in ("articles", "article_texts"):
            assert s.con.execute(f"SELECT count(*) - count(DISTINCT article_id) FROM {t}").fetchone()[0] == 0
        for t in FACT_TABLES:
            assert s.con.execute(f"SELECT count(*) FROM (SELECT DISTINCT * FROM {t})").fetchone()[0] == s.count(t), t
    assert {t: _rows(db, t) for t in FACT_TABLES} == first


def test_provinces_and_primary_match_seed_gold(seed_db):
    con = duckdb.connect(seed_db, read_only=True)
    try:
        for f in sorted(GOLD.glob("0*.json")):
            gold = json.loads(f.read_text(encoding="utf-8"))
            aid = gold["article_id"]
            got = {r[0] for r in con.execute(
                "SELECT province FROM province_mentions WHERE article_id = ? AND in_body", [aid]).fetchall()}
            assert got == set(gold["provinces"]), aid
            prim, prim25 = con.execute(
                "SELECT primary_province, primary_province_2025 FROM articles WHERE article_id = ?", [aid]).fetchone()
            assert prim == gold["primary_province"], aid
            assert prim25 is not None
    finally:
        con.close()


def test_boilerplate_provinces_are_mentions_but_not_body(seed_db):
    """Related lists in 000 and 002 and the banner in 001 name provinces: kept, flagged in_body = false."""
    con = duckdb.connect(seed_db, read_only=True)
    try:
        rows = con.execute("SELECT article_id, province, in_body FROM province_mentions WHERE NOT in_body").fetchall()
        by = {}
        for aid, p, _ in rows:
            by.setdefault(aid[:3], set()).add(p)
        assert "Hà Nội" in by["000"]                      # related list
        assert {"Hà Nội", "Ninh Thuận"} <= by["002"]     # related list
        assert "Hà Nội" in by["001"]                      # banner 'ĐẢNG BỘ THÀNH PHỐ HÀ NỘI'
        labels = {r[0] for r in con.execute("SELECT DISTINCT label FROM segments WHERE NOT in_body").fetchall()}
        assert {"related_list", "banner"} <= labels
    finally:
        con.close()


def test_metadata_of_seeds(seed_db):
    con = duckdb.connect(seed_db, read_only=True)
    try:
        rows = {r[0][:3]: r[1:] for r in con.execute(
            "SELECT article_id, title, published_date::VARCHAR, author, outlet FROM articles").fetchall()}
    finally:
        con.close()
    # the outlet is the outlet's name: the source tags 'Kinhtedothi -', '(ĐCSVN)', '(LĐXH)' as rules/metadata.json names them
    assert rows["001"] == ("Hà Nội phát triển nghề công tác xã hội giai đoạn 2018-2020", "2017-12-15", "Như Hương",
                           "Báo Kinh tế & Đô thị")
    assert rows["004"][1:] == ("2014-09-25", None, "Báo điện tử Đảng Cộng sản Việt Nam")
    assert rows["002"][2:] == ("Thu Hương", "Báo Lao động và Xã hội")
    assert rows["000"][2] == "Trần Huyền"


def test_html_end_to_end(tmp_path):
    db = str(tmp_path / "h.duckdb")
    s = run_extract([str(DATA / "html_article.html")], db=db, workers=1)
    assert s.ok and s.loaded == 1
    _offsets_ok(db)
    con = duckdb.connect(db, read_only=True)
    try:
        title, date_, author, prim = con.execute(
            "SELECT title, published_date::VARCHAR, author, primary_province FROM articles").fetchone()
        assert (title, date_, author, prim) == ("Quảng Ngãi: Đào tạo 320 cộng tác viên công tác xã hội", "2022-08-16",
                                                "Minh Châu", "Quảng Ngãi")
        provs = {r[0] for r in con.execute("SELECT DISTINCT province FROM province_mentions").fetchall()}
        assert provs == {"Quảng Ngãi"}        # nav, banner and related list are not the article
        facts = set(con.execute("SELECT category, value, is_target FROM counts").fetchall())
        assert {("trainees", 320, False), ("budget", 1200000000, False), ("collaborators", 1, True),
                ("trainees", 150, True)} <= facts
        assert not any(v == 500 for _, v, _ in facts)   # the related list's '500 hộ nghèo'
    finally:
        con.close()


def test_jsonl_end_to_end(tmp_path):
    lines = [
        {"id": "j1", "text": "Năm 2021, tỉnh Nghệ An đã tập huấn cho 410 cộng tác viên công tác xã hội.",
         "title": "Nghệ An tập huấn cộng tác viên", "url": "https://example.invalid/j1", "published": "2021-12-02"},
        {"id": "j2", "text": "Phấn đấu đến năm 2025, 100% xã của tỉnh Gia Lai có cộng tác viên công tác xã hội.",
         "published": "2022-01-05"},
    ]
    f = tmp_path / "batch.jsonl"
    f.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    db = str(tmp_path / "j.duckdb")
    s = run_extract([str(f)], db=db, workers=1)
    assert s.ok and s.loaded == 2
    _offsets_ok(db)
    con = duckdb.connect(db, read_only=True)
    try:
        arts = con.execute("SELECT article_id, source_path, title, published_date::VARCHAR, primary_province "
                           "FROM articles ORDER BY 1").fetchall()
        assert arts[0] == ("j1", f"{f}:1", "Nghệ An tập huấn cộng tác viên", "2021-12-02", "Nghệ An")
        assert arts[1][0] == "j2" and arts[1][4] == "Gia Lai"
        assert con.execute("SELECT value, is_target, period_end FROM percentages").fetchall() == [(100.0, True, 2025)]
    finally:
        con.close()


TEXT_VI = ("Bình Định: Hỗ trợ người yếu thế\n"
           "Năm 2020, tỉnh Bình Định đã tập huấn cho 1.250 lượt cán bộ, nhân viên; hiện có 3 trung tâm "
           "công tác xã hội. Mục tiêu đến năm 2025 có 80% xã có cộng tác viên.\n")


_cp1258 = cp1258_bytes


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-nobom", "cp1258", "utf-8-sig"])
def test_other_encodings_end_to_end(tmp_path, encoding):
    f = tmp_path / f"enc_{encoding.replace('-', '_')}.txt"
    if encoding == "cp1258":
        f.write_bytes(_cp1258(TEXT_VI))
    elif encoding == "utf-16-le-nobom":
        f.write_bytes(TEXT_VI.encode("utf-16-le"))
    else:
        f.write_bytes(TEXT_VI.encode(encoding))
    db = str(tmp_path / "e.duckdb")
    r = run_ctxh("extract", str(f), "--db", db)
    assert r.returncode == 0, r.stderr
    if encoding != "utf-8-sig":
        assert "note:" in r.stderr and f.name in r.stderr          # the conversion is reported
    _offsets_ok(db)
    con = duckdb.connect(db, read_only=True)
    try:
        assert con.execute("SELECT primary_province FROM articles").fetchone()[0] == "Bình Định"
        got = set(con.execute("SELECT category, value, qualifier FROM counts").fetchall())
        assert got == {("trainees", 1250, "exact"), ("centres", 3, "exact")}
        assert con.execute("SELECT value, is_target FROM percentages").fetchall() == [(80.0, True)]
        text = con.execute("SELECT text FROM article_texts").fetchone()[0]
        surface = con.execute("SELECT surface FROM province_mentions LIMIT 1").fetchone()[0]
        assert unicodedata.normalize("NFC", surface) == "Bình Định"
        assert surface in text                                     # offsets are into the text as decoded
    finally:
        con.close()


def test_workers_give_identical_databases(tmp_path):
    inputs = [str(SEEDS), str(DATA)]
    one, two = str(tmp_path / "w1.duckdb"), str(tmp_path / "w2.duckdb")
    assert run_extract(inputs, db=one, workers=1).ok
    assert run_extract(inputs, db=two, workers=2).ok
    for t in ("articles", "article_texts", *FACT_TABLES):
        assert _rows(one, t) == _rows(two, t), t


def test_incremental_skip_and_force(tmp_path):
    db = str(tmp_path / "i.duckdb")
    first = run_extract([str(SEEDS)], db=db, workers=1)
    assert (first.loaded, first.skipped) == (5, 0)
    again = run_extract([str(SEEDS)], db=db, workers=1)
    assert (again.loaded, again.skipped) == (0, 5)
    changed = tmp_path / "seeds"
    changed.mkdir()
    for f in SEEDS.iterdir():
        (changed / f.name).write_bytes(f.read_bytes())
    (changed / "004_7c3b9518e021458d.txt").write_text(
        (SEEDS / "004_7c3b9518e021458d.txt").read_text(encoding="utf-8") + "\nThêm 7 cộng tác viên.\n", encoding="utf-8")
    third = run_extract([str(changed)], db=db, workers=1)
    assert (third.loaded, third.skipped) == (1, 4)
    forced = run_extract([str(changed)], db=db, workers=1, force=True)
    assert (forced.loaded, forced.skipped) == (5, 0)


def test_library_api_without_a_database():
    from ctxh_extract import extract_file, extract_text

    r = extract_file(SEEDS / "004_7c3b9518e021458d.txt")
    assert r.article.primary_province == "Hà Tĩnh" and len(r.counts) > 10
    r = extract_text("Tỉnh Cà Mau hiện có 2 trung tâm công tác xã hội.")
    assert [(c.category, c.value) for c in r.counts] == [("centres", 2)]


def test_every_command_is_documented():
    """Like sqlite-utils: a command missing from the README fails the build."""
    from ctxh_extract.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert names
    for name in names:
        assert f"ctxh {name}" in readme, f"`ctxh {name}` is not documented in README.md"
    r = run_ctxh("--help")
    for name in names:
        assert name in r.stdout
