"""What a run tells you: the summary after `ctxh extract` (what was found, where the database is,
what was skipped and why, what to run next), and the same bytes under two names loaded once."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from helpers import SEEDS, run_ctxh

SEED_FILES = sorted(SEEDS.glob("*.txt"))


def _folder(tmp_path):
    """The seeds, a copy of one seed under another name in a subfolder, and three other files."""
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "sub").mkdir()
    shutil.copyfile(SEED_FILES[0], folder / "sub" / "copy.txt")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4 not an article")
    (folder / "sub" / "notes.docx").write_bytes(b"PK\x03\x04")
    (folder / "README").write_text("not an article", encoding="utf-8")
    (folder / ".hidden.pdf").write_bytes(b"x")                  # hidden files are not counted
    return folder


def _db_facts(db: str) -> dict:
    con = duckdb.connect(db, read_only=True)
    try:
        return {
            "articles": con.execute("SELECT count(*) FROM articles").fetchone()[0],
            "mentions": con.execute("SELECT count(*) FROM province_mentions").fetchone()[0],
            "counts": con.execute("SELECT count(*) FROM counts").fetchone()[0],
            "percentages": con.execute("SELECT count(*) FROM percentages").fetchone()[0],
            "dates": con.execute("SELECT min(published_date), max(published_date), count(*) FILTER "
                                 "(WHERE published_date IS NULL) FROM articles").fetchone(),
            "categories": dict(con.execute("SELECT category, count(*) FROM counts GROUP BY 1").fetchall()),
            "primary": dict(con.execute("SELECT primary_province, count(*) FROM articles "
                                        "WHERE primary_province IS NOT NULL GROUP BY 1").fetchall()),
            "ids": [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()],
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("summary")
    folder = _folder(tmp)
    db = str(tmp / "out" / "s.duckdb")
    r = run_ctxh("extract", str(folder), "--db", db, "--workers", "1")
    return folder, db, r


def test_summary_says_what_was_found_from_the_database(first_run):
    folder, db, r = first_run
    assert r.returncode == 0, r.stderr
    f = _db_facts(db)
    out = r.stdout
    assert f"{len(SEED_FILES) + 1} articles" in out.splitlines()[0]          # the seeds and the copy were read
    assert f"{len(SEED_FILES)} loaded" in out and "1 skipped" in out and "0 rejected" in out
    assert (f"{f['mentions']} province mentions, {f['counts']} counts, {f['percentages']} percentages") in out
    counts_line = re.sub(r"\s+", " ", out.split("counts ", 1)[1].split("provinces", 1)[0])
    for cat, n in f["categories"].items():
        assert f"{cat} {n}" in counts_line
    for prov, n in f["primary"].items():
        assert f"{prov} {n}" in re.sub(r"\s+", " ", out)
    first, last, undated = f["dates"]
    assert f"published {first.isoformat()} to {last.isoformat()}" in out
    assert f"{undated} articles without a date" in out


def test_summary_says_where_the_database_is_and_what_to_run_next(first_run):
    folder, db, r = first_run
    f = _db_facts(db)
    assert f"database    {db} holds {f['articles']} articles" in r.stdout
    assert f"ctxh report --db {db}" in r.stdout
    assert re.search(rf'ctxh query "SELECT [^"]+" --db {re.escape(db)}', r.stdout)


def test_summary_counts_other_file_types_and_verbose_names_them(first_run, tmp_path):
    folder, db, r = first_run
    text = re.sub(r"\s+", " ", r.stdout)
    assert "3 files of other types in folders (.docx 1, .pdf 1, no extension 1; --verbose names them)" in text
    assert "scan.pdf" not in r.stdout + r.stderr                  # counted, not named
    v = run_ctxh("extract", str(folder), "--db", str(tmp_path / "v.duckdb"), "--workers", "1", "--verbose")
    assert v.returncode == 0, v.stderr
    named = sorted(ln for ln in v.stderr.splitlines() if ln.startswith("skipped: "))
    assert named == sorted(f"skipped: {folder / p}: not an article file ({ext}); ctxh reads .txt, .html, .htm, "
                           f".jsonl and .warc files" for p, ext in (("README", "no extension"), ("scan.pdf", ".pdf"),
                                                          ("sub/notes.docx", ".docx")))
    assert ".hidden" not in v.stderr


def test_same_bytes_under_two_names_are_loaded_once_with_a_note_naming_both(first_run):
    folder, db, r = first_run
    assert _db_facts(db)["ids"] == sorted(p.stem for p in SEED_FILES)          # 'copy' is not an article
    notes = [ln for ln in r.stderr.splitlines() if ln.startswith("note:")]
    assert notes == [f"note: {folder / 'sub' / 'copy.txt'}: same bytes as {folder / SEED_FILES[0].name}; "
                     f"loaded once, as article {SEED_FILES[0].stem!r}"]
    assert "1 file with the same bytes as another, loaded once" in re.sub(r"\s+", " ", r.stdout)


def test_a_copy_of_a_stored_article_is_not_loaded_again(first_run, tmp_path):
    folder, db, _ = first_run
    work_db = str(tmp_path / "w.duckdb")
    shutil.copyfile(db, work_db)
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copyfile(SEED_FILES[1], other / "again.txt")
    r = run_ctxh("extract", str(other), "--db", work_db, "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == (f"note: {other / 'again.txt'}: same bytes as {folder / SEED_FILES[1].name} "
                                f"(article {SEED_FILES[1].stem!r}, already in the database); not loaded again")
    assert "again" not in _db_facts(work_db)["ids"]
    assert "0 loaded, 1 skipped" in r.stdout


def test_a_copy_whose_original_changes_in_the_same_run_is_loaded_next_time(tmp_path):
    """'0copy.txt' is read before 'orig.txt'; orig was stored with the same bytes, then edited: the
    copy is reported and loaded by the next run, never lost."""
    folder = tmp_path / "in"
    folder.mkdir()
    db = str(tmp_path / "x.duckdb")
    (folder / "orig.txt").write_bytes(SEED_FILES[2].read_bytes())
    assert run_ctxh("extract", str(folder), "--db", db, "--quiet").returncode == 0
    (folder / "0copy.txt").write_bytes(SEED_FILES[2].read_bytes())
    (folder / "orig.txt").write_bytes(SEED_FILES[2].read_bytes() + "\nBổ sung.\n".encode())
    r = run_ctxh("extract", str(folder), "--db", db, "--quiet", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert f"note: {folder / '0copy.txt'}: was taken for a copy of {folder / 'orig.txt'}, which changed in this run; " \
           f"run the same command again to load it" in r.stderr
    r = run_ctxh("extract", str(folder), "--db", db, "--quiet", "--workers", "1")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert _db_facts(db)["ids"] == ["0copy", "orig"]


def test_quiet_prints_no_summary(tmp_path):
    r = run_ctxh("extract", str(SEED_FILES[0]), "--db", str(tmp_path / "q.duckdb"), "--quiet")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""


def test_the_library_summary_carries_the_same_facts(tmp_path):
    from ctxh_extract import run_extract

    folder = _folder(tmp_path)
    s = run_extract([str(folder)], db=str(tmp_path / "lib.duckdb"), workers=1)
    f = _db_facts(str(tmp_path / "lib.duckdb"))
    assert s.loaded == len(SEED_FILES) and s.ok
    assert dict(s.categories) == f["categories"] and dict(s.provinces) == f["primary"]
    assert (s.first_date, s.last_date, s.undated) == (f["dates"][0].isoformat(), f["dates"][1].isoformat(), f["dates"][2])
    assert sorted(ext for _, ext in s.ignored) == [".docx", ".pdf", "no extension"]
    assert s.duplicates == [(str(folder / "sub" / "copy.txt"), str(folder / SEED_FILES[0].name))]
    assert s.db_totals["counts"] == f["counts"]


def test_a_run_folder_loads_copies_once_as_a_db_run_does(tmp_path):
    """`ctxh extract --out` keeps every file; `ctxh load` then loads the same bytes once, with the note
    a --db run gives, so the database is the same either way."""
    folder = _folder(tmp_path)
    run_dir, db = tmp_path / "run", str(tmp_path / "loaded.duckdb")
    r = run_ctxh("extract", str(folder), "--out", str(run_dir), "--quiet", "--workers", "1")
    assert r.returncode == 0, r.stderr
    r = run_ctxh("load", str(run_dir), "--db", db, "--quiet")
    assert r.returncode == 0, r.stderr
    assert f"note: {folder / 'sub' / 'copy.txt'}: same bytes as {folder / SEED_FILES[0].name}; " \
           f"loaded once, as article {SEED_FILES[0].stem!r}" in r.stderr
    assert _db_facts(db)["ids"] == sorted(p.stem for p in SEED_FILES)
