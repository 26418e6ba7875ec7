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
    from ctxh_extract.pipeline import run_extract

    db = str(tmp_path_factory.mktemp("seed_db") / "seeds.duckdb")
    summary = run_extract([str(SEEDS)], db=db, workers=1)
    assert summary.ok and summary.loaded == 5, summary.rejected
    return db


@pytest.fixture
def ctxh():
    """The CLI runner as a fixture: ``ctxh("extract", "seeds", "--db", db)``."""
    return run_ctxh
