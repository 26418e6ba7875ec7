"""`ctxh query` is read-only and prints what DuckDB says; `ctxh export` writes every table and view."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest

from ctxh_extract.store.store import TABLES, VIEWS

from helpers import run_ctxh


@pytest.mark.parametrize("sql,kind", [
    ("DROP TABLE counts", "DROP"),
    ("INSERT INTO counts SELECT * FROM counts", "INSERT"),
    ("ATTACH '/tmp/other.duckdb' AS other", "ATTACH"),
    ("COPY counts TO '/tmp/counts.csv'", "COPY"),
    ("SELECT 1; DELETE FROM counts", "DELETE"),
    ("INSTALL httpfs", "LOAD"),
])
def test_writes_are_refused(seed_db, sql, kind):
    before = duckdb.connect(seed_db, read_only=True).execute("SELECT count(*) FROM counts").fetchone()[0]
    r = run_ctxh("query", sql, "--db", seed_db)
    assert r.returncode == 1
    assert r.stderr.strip().startswith("error: refused:") and kind in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert duckdb.connect(seed_db, read_only=True).execute("SELECT count(*) FROM counts").fetchone()[0] == before


def test_sql_error_is_duckdbs_one_line(seed_db):
    r = run_ctxh("query", "SELECT no_such_column FROM counts", "--db", seed_db)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Binder Error" in r.stderr


def test_reading_other_files_is_off(seed_db):
    r = run_ctxh("query", "SELECT * FROM read_csv('/etc/hostname')", "--db", seed_db)
    assert r.returncode == 1 and "disabled" in r.stderr


def test_formats(seed_db):
    sql = "SELECT article_id, primary_province FROM articles ORDER BY article_id"
    table = run_ctxh("query", sql, "--db", seed_db)
    assert table.returncode == 0 and "Hà Tĩnh" in table.stdout and "5 row(s)" in table.stdout
    rows = list(csv.reader(io.StringIO(run_ctxh("query", sql, "--db", seed_db, "--format", "csv").stdout)))
    assert rows[0] == ["article_id", "primary_province"] and len(rows) == 6
    data = json.loads(run_ctxh("query", sql, "--db", seed_db, "--format", "json").stdout)
    assert data[4] == {"article_id": "004_7c3b9518e021458d", "primary_province": "Hà Tĩnh"}


def test_missing_database_is_a_clear_error(tmp_path):
    r = run_ctxh("query", "SELECT 1", "--db", str(tmp_path / "nope.duckdb"))
    assert r.returncode == 1 and "database not found" in r.stderr and "nope.duckdb" in r.stderr


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_every_table_and_view(seed_db, tmp_path, fmt):
    out = tmp_path / fmt
    r = run_ctxh("export", "--out", str(out), "--format", fmt, "--db", seed_db)
    assert r.returncode == 0, r.stderr
    names = [t for t in TABLES if t != "meta"] + list(VIEWS)
    con = duckdb.connect()
    src = duckdb.connect(seed_db, read_only=True)
    for name in names:
        f = out / f"{name}.{fmt}"
        assert f.exists(), name
        reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
        n = con.execute(f"SELECT count(*) FROM {reader}('{f}')").fetchone()[0]
        assert n == src.execute(f"SELECT count(*) FROM {name}").fetchone()[0], name
