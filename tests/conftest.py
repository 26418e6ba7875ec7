"""Shared fixtures. Add new fixtures below; keep names specific to what they build.
Plain helpers (paths, the CLI runner) live in helpers.py."""

from __future__ import annotations

import pytest

from helpers import GOLD, ROOT, SEEDS, run_ctxh  # noqa: F401  (re-exported for fixtures below)


@pytest.fixture(scope="session")
def rules():
    from ctxh_extract.rules import load_rules

    return load_rules(ROOT / "rules")


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory) -> str:
    """A database with the five seed articles (built once per test session; do not write to it)."""
    from ctxh_extract.run.pipeline import run_extract

    db = str(tmp_path_factory.mktemp("seed_db") / "seeds.duckdb")
    summary = run_extract([str(SEEDS)], db=db, workers=1)
    assert summary.ok and summary.loaded == 5, summary.rejected
    return db


@pytest.fixture
def ctxh():
    """The CLI runner as a fixture: ``ctxh("extract", "seeds", "--db", db)``."""
    return run_ctxh


# --------------------------------------------------------------------------- bad input, faults, interruptions
DB_TABLES = ("articles", "article_texts", "province_mentions", "counts", "percentages", "segments")


def _db_snapshot(db: str) -> dict:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        snap: dict = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in DB_TABLES}
        per: dict = {aid: [sha] for aid, sha in con.execute("SELECT article_id, sha256 FROM articles").fetchall()}
        for t in DB_TABLES[1:]:
            n = dict(con.execute(f"SELECT article_id, count(*) FROM {t} GROUP BY 1").fetchall())
            for aid, row in per.items():
                row.append(n.get(aid, 0))
        snap["per_article"] = {aid: tuple(row) for aid, row in per.items()}
        return snap
    finally:
        con.close()


@pytest.fixture(scope="session")
def db_snapshot():
    """``db_snapshot(db)``: row counts per table, and per article (sha256, rows in every table),
    to show that a failing run changed nothing or that two databases agree article by article."""
    return _db_snapshot


@pytest.fixture
def seed_db_copy(seed_db, tmp_path) -> str:
    """A private copy of ``seed_db`` (the 5 seed articles) that a test may run ``ctxh extract`` against."""
    import os
    import shutil

    dst = tmp_path / "seeded.duckdb"
    shutil.copyfile(seed_db, dst)
    if os.path.exists(seed_db + ".wal"):
        shutil.copyfile(seed_db + ".wal", str(dst) + ".wal")
    return str(dst)


def _ctxh_lines(stderr: str, prefix: str, path) -> list[str]:
    head = f"{prefix} {path}:"
    return [ln for ln in stderr.splitlines() if ln.startswith(head)]


@pytest.fixture
def ctxh_lines():
    """``ctxh_lines(stderr, "rejected:", path)``: the CLI's one-line messages of one kind about one path."""
    return _ctxh_lines
