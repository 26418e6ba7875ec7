"""The database: locked, not a database, from an older or newer version, failing mid-write.

Whatever happens, ``ctxh extract`` prints one ``error: <db>: <reason>`` line (no traceback),
and what the database held before is still there, unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager

import duckdb
import pytest

from helpers import SEEDS, run_ctxh

from ctxh_extract.store.store import SCHEMA_VERSION

SEED_IDS = sorted(f.stem for f in SEEDS.glob("*.txt"))
ONE = sorted(SEEDS.glob("*.txt"))[0]


def extract(*args, db: str, **kw) -> subprocess.CompletedProcess:
    return run_ctxh("extract", *map(str, args), "--db", str(db), "--workers", "1", "--quiet", **kw)


def error_line(r: subprocess.CompletedProcess, db, *reason: str) -> str:
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {db}: "), r.stderr
    for part in reason:
        assert part in lines[0], (part, lines[0])
    return lines[0]


# --------------------------------------------------------------------------- locked
@contextmanager
def held_by_another_process(db: str):
    """A child process holding a DuckDB write connection on ``db`` until the block ends."""
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys\n"
                               f"con = duckdb.connect({db!r})\n"
                               "print('ready', flush=True)\n"
                               "sys.stdin.read()\n"],                 # holds the lock until stdin closes
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield holder.pid
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_locked_database_names_the_holder_and_changes_nothing(seed_db_copy, db_snapshot):
    before = db_snapshot(seed_db_copy)
    with held_by_another_process(seed_db_copy) as pid:
        r = extract(SEEDS, "--force", db=seed_db_copy)
        assert r.returncode == 1
        error_line(r, seed_db_copy, "locked by another process", f"PID {pid}",
                   "wait for it to finish or use another --db")
    assert db_snapshot(seed_db_copy) == before
    r = extract(SEEDS, db=seed_db_copy)                           # free again: works, nothing to redo
    assert r.returncode == 0, r.stderr
    assert db_snapshot(seed_db_copy) == before


# --------------------------------------------------------------------------- not a database
NOT_DATABASES = {
    "text": (b"These are my notes, not a database.\n", "not a DuckDB database file"),
    "random": (bytes((i * 7919 + 13) % 256 for i in range(8192)), "not a DuckDB database file"),
    "sqlite": (None, "an SQLite database, not a DuckDB one"),
}


@pytest.mark.parametrize("kind", sorted(NOT_DATABASES))
def test_not_a_duckdb_file_is_refused_and_left_alone(kind, tmp_path):
    content, reason = NOT_DATABASES[kind]
    db = tmp_path / f"{kind}.duckdb"
    if content is None:
        import sqlite3

        con = sqlite3.connect(db)
        con.execute("CREATE TABLE t (a)")
        con.execute("INSERT INTO t VALUES (1)")
        con.commit()
        con.close()
    else:
        db.write_bytes(content)
    original = db.read_bytes()
    r = extract(ONE, db=db)
    assert r.returncode == 1
    line = error_line(r, db, reason, "choose another --db path")
    assert "extension" not in line                                 # never tries to download a reader for it
    assert db.read_bytes() == original
    assert not os.path.exists(f"{db}.wal")


def test_db_path_that_is_a_folder_a_fifo_or_under_a_file(tmp_path):
    folder = tmp_path / "folder.duckdb"
    folder.mkdir()
    error_line(extract(ONE, db=folder), folder, "is a directory")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.duckdb"
        os.mkfifo(fifo)
        r = extract(ONE, db=fifo, timeout=60)                     # must not wait for a writer
        assert r.returncode == 1
        error_line(r, fifo, "not a regular file")
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    under = afile / "ctxh.duckdb"
    r = extract(ONE, db=under)
    assert r.returncode == 1
    error_line(r, under, "cannot create its folder", "is a file")


def test_empty_file_as_db_is_a_new_database(tmp_path):
    db = tmp_path / "touched.duckdb"
    db.write_bytes(b"")                                            # `touch`, or a run killed as it created it
    r = extract(SEEDS, db=db)
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    finally:
        con.close()


# --------------------------------------------------------------------------- other versions
def _old_db(path) -> None:
    """A database as an early ctxh wrote it: fewer columns, no meta table, one article."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE articles (article_id VARCHAR PRIMARY KEY, source_path VARCHAR, sha256 VARCHAR, "
                "title VARCHAR, published_date DATE, primary_province VARCHAR, n_chars INTEGER)")
    con.execute("INSERT INTO articles VALUES ('old1', 'old/old1.txt', 'abc', 'Tin cũ', DATE '2019-05-01', "
                "'Hà Tĩnh', 120)")
    con.execute("CREATE TABLE counts (article_id VARCHAR, category VARCHAR, value BIGINT, evidence VARCHAR)")
    con.execute("INSERT INTO counts VALUES ('old1', 'trainees', 42, 'tập huấn cho 42 cán bộ')")
    con.close()


def test_query_on_old_database_says_what_to_do(tmp_path):
    db = tmp_path / "old.duckdb"
    _old_db(db)
    r = run_ctxh("query", "SELECT count(*) FROM articles", "--db", str(db))
    assert r.returncode == 1
    error_line(r, db, "older ctxh", "ctxh extract")


def test_old_schema_is_migrated_and_old_rows_kept(tmp_path):
    db = tmp_path / "old.duckdb"
    _old_db(db)
    r = extract(SEEDS, db=db)
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles'").fetchall()}
        assert {"primary_province_2025", "outlet", "rules_version", "n_counts"} <= cols
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        old = con.execute("SELECT source_path, sha256, title, published_date, primary_province, n_chars, outlet "
                          "FROM articles WHERE article_id = 'old1'").fetchone()
        assert old[:3] == ("old/old1.txt", "abc", "Tin cũ") and old[4:] == ("Hà Tĩnh", 120, None)
        assert str(old[3]) == "2019-05-01"
        assert con.execute("SELECT category, value, evidence, qualifier FROM counts WHERE article_id = 'old1'"
                           ).fetchall() == [("trainees", 42, "tập huấn cho 42 cán bộ", None)]
        assert sorted(r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()) == sorted(["old1", *SEED_IDS])
    finally:
        con.close()
    r = run_ctxh("query", "SELECT count(*) AS n FROM facts", "--db", str(db), "--format", "csv")
    assert r.returncode == 0, r.stderr


def test_newer_schema_is_refused_and_left_alone(seed_db_copy, db_snapshot):
    con = duckdb.connect(seed_db_copy)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    before = db_snapshot(seed_db_copy)
    r = extract(SEEDS, "--force", db=seed_db_copy)
    assert r.returncode == 1
    error_line(r, seed_db_copy, "newer ctxh", "upgrade ctxh-extract")
    assert db_snapshot(seed_db_copy) == before


def test_failed_write_stores_nothing_of_the_batch(tmp_path, db_snapshot):
    """A write that fails inside its transaction (here: a column too small for the values, as a
    damaged or hand-edited database could have) leaves no part of the batch behind."""
    db = tmp_path / "narrow.duckdb"
    assert extract(ONE, db=db).returncode == 0
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE counts ALTER COLUMN value SET DATA TYPE TINYINT USING least(value, 127)")
    con.close()                                                       # values over 127 now fail to insert
    before = db_snapshot(str(db))
    r = extract(SEEDS, "--force", db=db)
    assert r.returncode == 1
    error_line(r, db, "could not store 5 articles", "none of them was written", "stored before are kept")
    assert db_snapshot(str(db)) == before


# --------------------------------------------------------------------------- memory setting
def test_bad_memory_setting_is_named_and_changes_nothing(seed_db_copy, db_snapshot):
    before = db_snapshot(seed_db_copy)
    r = extract(SEEDS, "--force", db=seed_db_copy, env={"CTXH_DUCKDB_MEMORY": "lots"})
    assert r.returncode == 1
    error_line(r, seed_db_copy, "CTXH_DUCKDB_MEMORY='lots'", "64MB")
    assert db_snapshot(seed_db_copy) == before


def test_small_memory_setting_still_loads_a_large_article(tmp_path):
    """The buffer pool is raised for a batch whose longest row needs more than the setting."""
    big = tmp_path / "big.txt"
    body = ONE.read_text(encoding="utf-8")
    big.write_text(body + "\n" + "Đoạn văn thêm về công tác xã hội ở cơ sở. " * 60_000, encoding="utf-8")  # ~2.5 M chars
    db = tmp_path / "x.duckdb"
    r = extract(big, db=db, env={"CTXH_DUCKDB_MEMORY": "8MB"})
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT length(text) FROM article_texts").fetchone()[0] >= 2_500_000
