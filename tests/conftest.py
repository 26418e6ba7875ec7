"""Shared fixtures. Add new fixtures below; keep names specific to what they build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOLD = ROOT / "data" / "gold"


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


def run_ctxh(*args: str, cwd: str | os.PathLike | None = None, timeout: float = 300,
             env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the CLI the way a user does, in a subprocess."""
    full_env = dict(os.environ)
    full_env.setdefault("CTXH_RULES", str(ROOT / "rules"))
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "ctxh_extract.cli", *args], cwd=cwd or ROOT, capture_output=True,
                          text=True, timeout=timeout, env=full_env)


@pytest.fixture
def ctxh():
    """The CLI runner as a fixture: ``ctxh("extract", "seeds", "--db", db)``."""
    return run_ctxh
