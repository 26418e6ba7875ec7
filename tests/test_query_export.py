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


def test_sql_error_is_duckdbs_whole_message(seed_db):
    """What DuckDB says, every line: the candidate columns and the caret under the mistake."""
    r = run_ctxh("query", "SELECT no_such_column FROM counts", "--db", seed_db)
    assert r.returncode == 1 and "Traceback" not in r.stderr and not r.stdout
    try:
        duckdb.connect(seed_db, read_only=True).execute("SELECT no_such_column FROM counts")
    except duckdb.BinderException as exc:
        want = str(exc).strip()
    lines = r.stderr.rstrip().splitlines()
    assert lines[0] == "error: " + want.splitlines()[0] and lines[0].startswith("error: Binder Error:")
    assert [ln.rstrip() for ln in lines[1:]] == [ln.rstrip() for ln in want.splitlines()[1:]]
    assert any(ln.startswith("Candidate bindings:") and ln.count('"') >= 2 for ln in lines)
    caret = lines.index("LINE 1: SELECT no_such_column FROM counts")
    assert lines[caret + 1].index("^") == lines[caret].index("no_such_column")


@pytest.mark.parametrize("sql", ["SELECT 1 FROM facts WHERE", "SELECT * FROM fact"])
def test_parser_and_catalog_errors_are_whole(seed_db, sql):
    r = run_ctxh("query", sql, "--db", seed_db)
    assert r.returncode == 1
    lines = r.stderr.rstrip().splitlines()
    assert lines[0].startswith(("error: Parser Error:", "error: Catalog Error:")) and len(lines) >= 3
    assert any(ln.startswith("LINE 1: ") for ln in lines) and "^" in lines[-1]
    if "fact" in sql and "facts" not in sql:
        assert 'Did you mean "facts"' in r.stderr


@pytest.mark.parametrize("sql", ["SELECT 1; SELECT 2", "SELECT count(*) FROM counts;\nSELECT count(*) FROM facts;"])
def test_several_statements_are_refused(seed_db, sql):
    r = run_ctxh("query", sql, "--db", seed_db, "--format", "json")
    assert r.returncode == 1 and not r.stdout
    assert r.stderr.strip() == ("error: refused: 2 SQL statements given; ctxh query runs one statement and prints "
                                "its result (run each with its own ctxh query, or combine them in one SELECT with "
                                "WITH or UNION ALL)")


@pytest.mark.parametrize("sql", ["SELECT 7 AS n;", "SELECT 7 AS n; -- the answer", "SELECT 7 AS n;;"])
def test_one_statement_with_a_trailing_semicolon_runs(seed_db, sql):
    r = run_ctxh("query", sql, "--db", seed_db, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [{"n": 7}]


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


# --------------------------------------------------------------------------- Excel and CSV for Excel
def test_export_xlsx_one_sheet_per_table_and_view(seed_db, tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="installed by `make test` (the dev extra)")
    from datetime import datetime

    r = run_ctxh("export", "--out", str(tmp_path), "--format", "xlsx", "--db", seed_db)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ctxh.xlsx"]        # no temporary file left
    wb = openpyxl.load_workbook(tmp_path / "ctxh.xlsx", read_only=True)
    names = [t for t in TABLES if t != "meta"] + list(VIEWS)
    assert sorted(wb.sheetnames) == sorted(names)
    assert wb.sheetnames[0] == "province_summary"
    src = duckdb.connect(seed_db, read_only=True)
    for name in names:
        sheet = list(wb[name].iter_rows(values_only=True))
        cur = src.execute(f"SELECT * FROM {name}")
        assert list(sheet[0]) == [d[0] for d in cur.description], name
        assert len(sheet) - 1 == len(cur.fetchall()), name
    # counts as integers, dates as dates, Vietnamese intact, evidence as text
    rows = list(wb["counts"].iter_rows(values_only=True))
    head = rows[0]
    got = {(r[head.index("article_id")], r[head.index("start_char")]): r for r in rows[1:]}
    for aid, start, value, evidence in src.execute("SELECT article_id, start_char, value, evidence FROM counts").fetchall():
        row = got[(aid, start)]
        assert row[head.index("value")] == value and type(row[head.index("value")]) is int
        assert row[head.index("evidence")] == evidence
    arts = list(wb["articles"].iter_rows(values_only=True))
    dates = [r[arts[0].index("published_date")] for r in arts[1:]]
    assert dates and all(isinstance(d, datetime) for d in dates if d is not None) and any(dates)
    summary = list(wb["province_summary"].iter_rows(values_only=True))
    assert "Hà Tĩnh" in [r[0] for r in summary] and all(isinstance(r[3], int) for r in summary[1:])
    # list columns become one line per item
    fig = list(wb["figures"].iter_rows(values_only=True))
    ev = fig[0].index("evidence")
    assert all(isinstance(r[ev], str) and r[ev] for r in fig[1:])


def test_export_xlsx_keeps_formulas_as_text_and_cuts_long_cells(tmp_path, seed_db_copy):
    openpyxl = pytest.importorskip("openpyxl", reason="installed by `make test` (the dev extra)")

    db = seed_db_copy
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM articles WHERE article_id <> '004_7c3b9518e021458d'")
        con.execute("DELETE FROM article_texts WHERE article_id <> '004_7c3b9518e021458d'")
        con.execute("UPDATE articles SET title = '=HYPERLINK(\"https://evil.example\",\"x\")'")
        con.execute("UPDATE article_texts SET text = repeat('Hà Tĩnh ', 5000)")      # 40,000 characters
    r = run_ctxh("export", "--out", str(tmp_path / "out"), "--format", "xlsx", "--db", str(db))
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(tmp_path / "out" / "ctxh.xlsx")
    title = wb["articles"].cell(row=2, column=4)
    assert title.value.startswith("=HYPERLINK") and title.data_type == "s"
    text = wb["article_texts"].cell(row=2, column=2).value
    assert len(text) <= 32_767 and text.startswith("Hà Tĩnh Hà Tĩnh") and "40,000 characters" in text


def test_export_xlsx_without_xlsxwriter_says_what_to_install(seed_db, tmp_path):
    code = ("import sys; sys.modules['xlsxwriter'] = None\n"
            "from ctxh_extract.cli import app\n"
            f"sys.argv = ['ctxh', 'export', '--out', {str(tmp_path / 'out')!r}, '--format', 'xlsx', '--db', {seed_db!r}]\n"
            "app()")
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "pip install 'ctxh-extract[xlsx]'" in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_export_csv_is_plain_utf8_and_bom_is_optional(seed_db, tmp_path):
    plain, bommed = tmp_path / "plain", tmp_path / "bom"
    assert run_ctxh("export", "--out", str(plain), "--format", "csv", "--db", seed_db).returncode == 0
    r = run_ctxh("export", "--out", str(bommed), "--format", "csv", "--bom", "--db", seed_db)
    assert r.returncode == 0, r.stderr
    for name in [t for t in TABLES if t != "meta"] + list(VIEWS):
        a, b = (plain / f"{name}.csv").read_bytes(), (bommed / f"{name}.csv").read_bytes()
        assert not a.startswith(b"\xef\xbb\xbf") and b.startswith(b"\xef\xbb\xbf"), name
        assert sorted(b[3:].split(b"\n")) == sorted(a.split(b"\n")), name     # views need not keep row order
    assert sorted(p.name for p in bommed.iterdir()) == sorted(p.name for p in plain.iterdir())   # no .tmp left
    text = (bommed / "province_summary.csv").read_text(encoding="utf-8-sig")
    assert text.startswith("province,province_2025,articles,trainees") and "Hà Tĩnh" in text
    r = run_ctxh("export", "--out", str(tmp_path / "p"), "--format", "parquet", "--bom", "--db", seed_db)
    assert r.returncode == 1 and "--bom is for --format csv" in r.stderr
