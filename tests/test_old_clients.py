"""Issue 15: the database and the Parquet exports open in the DuckDB clients people have (1.x).

The 1.x clients live in a virtual environment of their own (tests/old_clients.py, made once
from PyPI): the DuckDB command-line client 1.5 of `pip install duckdb-cli`, and duckdb 1.1.3,
the oldest Python client our files promise to open in. They run every question of the
README against the seed database made by `ctxh extract seeds`, and read every table and view.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

import old_clients
from helpers import SEEDS, run_ctxh
from test_readme import BLOCKS
from ctxh_extract.store.store import DEFAULT_STORAGE_VERSION, STORAGE_VERSION_ENV, TABLES, VIEWS, Store

NAMES = [t for t in TABLES if t != "meta"] + list(VIEWS)


@pytest.fixture(scope="session")
def old_env():
    return old_clients.ensure()


def _header_version(path) -> int:
    """The storage number in a DuckDB file's main header (64: v1.0.0 to v1.1; 999: 2.0's own)."""
    with open(path, "rb") as fh:
        head = fh.read(20)
    assert head[8:12] == b"DUCK", head
    return int.from_bytes(head[12:20], "little")


def _tag(path) -> str:
    with Store(path, read_only=True) as s:
        return s.storage_format()


def _plain(v):
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


_OLD_PY = r"""
import duckdb, json, sys
from datetime import date, datetime
from decimal import Decimal
job = json.load(sys.stdin)
con = duckdb.connect(job["db"], read_only=job["db"] != ":memory:")
def plain(v):
    if isinstance(v, (date, datetime)): return v.isoformat()
    if isinstance(v, Decimal): return float(v)
    return v
out = {"version": duckdb.__version__, "results": []}
for sql in job["sql"]:
    cur = con.execute(sql)
    out["results"].append({"cols": [d[0] for d in cur.description],
                           "rows": [[plain(v) for v in r] for r in cur.fetchall()]})
print(json.dumps(out, default=str))
"""


def _old_python(env, db, sqls: list[str]) -> dict:
    r = subprocess.run([old_clients.python(env), "-c", _OLD_PY], input=json.dumps({"db": str(db), "sql": sqls}),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _new_python(db, sqls: list[str]) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = []
        for sql in sqls:
            cur = con.execute(sql)
            out.append({"cols": [d[0] for d in cur.description],
                        "rows": [[_plain(v) for v in r] for r in cur.fetchall()]})
        return out
    finally:
        con.close()


def _cli(env, db, sql: str, *opts: str) -> subprocess.CompletedProcess:
    """The DuckDB CLI as a journalist runs it: `duckdb -readonly FILE -c SQL` (db None: in memory)."""
    args = ["-readonly", *opts, str(db)] if db else list(opts)
    return subprocess.run([old_clients.cli(env), *args, "-c", sql], capture_output=True, text=True, timeout=300)


def _same(a: list, b: list) -> bool:
    """The same rows, in any order (ties of an ORDER BY may come either way); floats to 1e-9
    (sums may be added in another order)."""
    if len(a) != len(b):
        return False
    key = lambda r: json.dumps([round(v, 6) if isinstance(v, float) else v for v in r], default=str)  # noqa: E731
    for ra, rb in zip(sorted(a, key=key), sorted(b, key=key)):
        for x, y in zip(ra, rb):
            if isinstance(x, float) or isinstance(y, float):
                if x is None or y is None or abs(x - y) > 1e-9 * max(1.0, abs(x)):
                    return False
            elif x != y:
                return False
    return True


# --------------------------------------------------------------------------- the database file
def test_new_database_is_in_the_1x_storage_format(seed_db):
    assert DEFAULT_STORAGE_VERSION == "v1.0.0"
    assert _header_version(seed_db) == 64
    assert _tag(seed_db) == "v1.0.0+"


def test_old_clients_are_1x(old_env):
    v = subprocess.run([old_clients.cli(old_env), "--version"], capture_output=True, text=True, timeout=60)
    assert v.returncode == 0 and v.stdout.startswith("v1."), v.stdout + v.stderr
    r = _old_python(old_env, ":memory:", ["SELECT 1"])
    assert r["version"] == old_clients.PYTHON_CLIENT


def test_readme_questions_in_the_duckdb_1x_cli(old_env, seed_db):
    """Every README question, in the command-line client from `pip install duckdb-cli`: the same rows."""
    expected = _new_python(seed_db, BLOCKS)
    answered = 0
    for sql, want in zip(BLOCKS, expected):
        r = _cli(old_env, seed_db, sql, "-csv")
        assert r.returncode == 0 and not r.stderr.strip(), f"{sql}\n{r.stderr}"
        rows = list(csv.reader(io.StringIO(r.stdout)))
        assert rows[0] == want["cols"], sql
        assert len(rows) - 1 == len(want["rows"]), sql
        # the first column (a province, an article id, ...) holds the same values
        assert sorted(x[0] for x in rows[1:]) == sorted("" if w[0] is None else str(w[0]) for w in want["rows"]), sql
        answered += bool(want["rows"])
    assert answered >= len(BLOCKS) - 1


def test_readme_questions_in_the_oldest_1x_python_client(old_env, seed_db):
    """The same questions in duckdb 1.1.3 from Python: every row and value equal to DuckDB 2.0's."""
    got = _old_python(old_env, seed_db, BLOCKS)
    for sql, g, want in zip(BLOCKS, got["results"], _new_python(seed_db, BLOCKS)):
        assert g["cols"] == want["cols"], sql
        assert _same(g["rows"], want["rows"]), sql


def test_every_table_and_view_reads_in_1x(old_env, seed_db):
    sqls = [f"SELECT * FROM {n} ORDER BY ALL" for n in NAMES]
    got = _old_python(old_env, seed_db, sqls)["results"]
    for name, g, want in zip(NAMES, got, _new_python(seed_db, sqls)):
        assert g["cols"] == want["cols"], name
        assert _same(g["rows"], want["rows"]), name
    r = _cli(old_env, seed_db, "SELECT count(*) FROM facts; SELECT count(*) FROM province_summary;", "-list",
             "-noheader")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(len(got[NAMES.index("facts")]["rows"])),
                                str(len(got[NAMES.index("province_summary")]["rows"]))]


def test_adding_to_a_database_keeps_it_readable_by_1x(old_env, seed_db_copy, tmp_path):
    """A second run (re-extracting every article, adding a new one) leaves a file 1.x still opens."""
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "new_article.txt").write_text(
        "Năm 2024, tỉnh Nghệ An đã đào tạo 350 cộng tác viên công tác xã hội.\n", encoding="utf-8")
    r = run_ctxh("extract", str(SEEDS), str(extra), "--db", seed_db_copy, "--force", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "storage format" not in r.stderr            # nothing to say: it is, and stays, v1.0.0
    assert _header_version(seed_db_copy) == 64 and _tag(seed_db_copy) == "v1.0.0+"
    got = _old_python(old_env, seed_db_copy, ["SELECT count(*) FROM articles",
                                             "SELECT value FROM counts WHERE article_id = 'new_article'"])
    assert got["results"][0]["rows"] == [[6]]
    assert got["results"][1]["rows"] == [[350]]
    assert _cli(old_env, seed_db_copy, "SELECT count(*) FROM facts").returncode == 0


# --------------------------------------------------------------------------- choosing another format
def test_storage_version_option_and_environment_variable(old_env, tmp_path):
    one = SEEDS / sorted(os.listdir(SEEDS))[0]
    db = tmp_path / "v15.duckdb"
    r = run_ctxh("extract", str(one), "--db", str(db), "--storage-version", "v1.5.0", "--quiet")
    assert r.returncode == 0, r.stderr
    assert _tag(db) == "v1.5.0+" and _header_version(db) == 68
    assert _cli(old_env, db, "SELECT count(*) FROM facts").returncode == 0       # the 1.5 CLI opens it
    old = subprocess.run([old_clients.python(old_env), "-c", "import duckdb, sys; duckdb.connect(sys.argv[1], "
                          "read_only=True)", str(db)], capture_output=True, text=True, timeout=120)
    assert old.returncode != 0 and "newer version of DuckDB" in old.stderr    # 1.1 does not: as chosen

    db2 = tmp_path / "env.duckdb"
    r = run_ctxh("extract", str(one), "--db", str(db2), "--quiet", env={STORAGE_VERSION_ENV: "1.2.0"})
    assert r.returncode == 0, r.stderr
    assert _tag(db2) == "v1.2.0+"

    db3 = tmp_path / "latest.duckdb"
    r = run_ctxh("extract", str(one), "--db", str(db3), "--storage-version", "latest", "--quiet",
                 env={STORAGE_VERSION_ENV: "v1.2.0"})                         # the option wins over the variable
    assert r.returncode == 0, r.stderr
    assert _tag(db3) == "v2.0.0+" and _header_version(db3) != 64


@pytest.mark.parametrize("bad, where", [("v9.0.0", "--storage-version"), ("newest", "--storage-version"),
                                        ("1.0", STORAGE_VERSION_ENV)])
def test_a_storage_version_that_cannot_be_written_is_a_usage_error(tmp_path, bad, where):
    db = tmp_path / "x.duckdb"
    args = ["extract", str(SEEDS), "--db", str(db), "--quiet"]
    env = None
    if where == STORAGE_VERSION_ENV:
        env = {STORAGE_VERSION_ENV: bad}
    else:
        args += ["--storage-version", bad]
    r = run_ctxh(*args, env=env)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {where}: {bad!r}") and "v1.0.0" in lines[0]
    assert not db.exists()


def test_an_existing_database_keeps_its_own_format(tmp_path):
    one = SEEDS / sorted(os.listdir(SEEDS))[0]
    new = tmp_path / "made_by_2.duckdb"
    # a database made by an earlier ctxh, in DuckDB 2.0's own format
    assert run_ctxh("extract", str(one), "--db", str(new), "--storage-version", "latest", "-q").returncode == 0
    r = run_ctxh("extract", str(SEEDS), "--db", str(new), "--quiet")
    assert r.returncode == 0, r.stderr
    assert _tag(new) == "v2.0.0+"
    note = [ln for ln in r.stderr.splitlines() if "storage format" in ln]
    assert len(note) == 1 and note[0].startswith(f"note: {new}: keeps its storage format v2.0.0+")
    assert "1.x clients cannot open it" in note[0] and "new --db" in note[0]

    old = tmp_path / "v1.duckdb"
    assert run_ctxh("extract", str(one), "--db", str(old), "-q").returncode == 0
    r = run_ctxh("extract", str(SEEDS), "--db", str(old), "--storage-version", "latest", "--quiet")
    assert r.returncode == 0, r.stderr
    assert _tag(old) == "v1.0.0+" and _header_version(old) == 64
    assert f"note: {old}: keeps its storage format v1.0.0+ (DuckDB 1.1 and later open it)" in r.stderr
    # asking for the format it has is nothing to note
    r = run_ctxh("extract", str(SEEDS), "--db", str(old), "--storage-version", "v1.1.0", "--quiet")
    assert r.returncode == 0 and "storage format" not in r.stderr, r.stderr


def test_the_store_applies_the_choice_to_every_new_file(tmp_path, monkeypatch):
    """Store is what every writer opens (extract, and load): the choice needs no code of its own."""
    monkeypatch.delenv(STORAGE_VERSION_ENV, raising=False)
    with Store(tmp_path / "a.duckdb") as s:
        assert s.storage_format() == "v1.0.0+"
    monkeypatch.setenv(STORAGE_VERSION_ENV, "v1.4.0")
    with Store(tmp_path / "b.duckdb") as s:
        assert s.storage_format() == "v1.4.0+"
    with Store(tmp_path / "a.duckdb") as s:                 # an existing file keeps its own
        assert s.storage_format() == "v1.0.0+"


# --------------------------------------------------------------------------- Parquet exports
@pytest.fixture(scope="module")
def parquet_dir(seed_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet")
    r = run_ctxh("export", "--out", str(out), "--format", "parquet", "--db", seed_db)
    assert r.returncode == 0, r.stderr
    return out


def _expected(seed_db) -> dict[str, tuple[list[str], int]]:
    con = duckdb.connect(seed_db, read_only=True)
    try:
        out = {}
        for n in NAMES:
            cur = con.execute(f"SELECT * FROM {n}")
            out[n] = ([d[0] for d in cur.description], len(cur.fetchall()))
        return out
    finally:
        con.close()


def test_parquet_exports_read_in_duckdb_1x(old_env, seed_db, parquet_dir):
    want = _expected(seed_db)
    sqls = [f"SELECT * FROM read_parquet('{parquet_dir / (n + '.parquet')}')" for n in NAMES]
    got = _old_python(old_env, ":memory:", sqls)["results"]
    for n, g in zip(NAMES, got):
        assert (g["cols"], len(g["rows"])) == want[n], n
    r = _cli(old_env, None, f"SELECT count(*) FROM read_parquet('{parquet_dir / 'facts.parquet'}')",
             "-list", "-noheader")
    assert r.returncode == 0 and r.stdout.strip() == str(want["facts"][1]), r.stderr


def test_parquet_exports_read_in_pyarrow_pandas_and_polars(seed_db, parquet_dir):
    import pandas as pd
    import polars as pl
    import pyarrow.parquet as pq

    want = _expected(seed_db)
    for n in NAMES:
        f = parquet_dir / f"{n}.parquet"
        t = pq.read_table(f)
        assert (t.column_names, t.num_rows) == want[n], n
        assert pq.ParquetFile(f).metadata.format_version == "1.0", n
        df = pd.read_parquet(f)
        assert (list(df.columns), len(df)) == want[n], n
        pf = pl.read_parquet(f)
        assert (pf.columns, pf.height) == want[n], n
    facts = pl.read_parquet(parquet_dir / "facts.parquet")
    src = duckdb.connect(seed_db, read_only=True)
    try:
        total = src.execute("SELECT sum(value) FROM facts WHERE fact_type = 'count'").fetchone()[0]
    finally:
        src.close()
    assert facts.filter(pl.col("fact_type") == "count")["value"].sum() == pytest.approx(total)
