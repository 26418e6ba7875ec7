"""The README's SQL questions run against the seed database, so the docs cannot rot."""

from __future__ import annotations

import re

import pytest

from helpers import ROOT, run_ctxh

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Questions you can ask", 1)[1].split("\n## ", 1)[0]
BLOCKS = re.findall(r"```sql\n(.*?)```", SECTION, flags=re.S)


def test_there_are_at_least_five_questions():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("sql", BLOCKS, ids=[f"q{i + 1}" for i in range(len(BLOCKS))])
def test_readme_sql_runs(seed_db, sql):
    r = run_ctxh("query", sql, "--db", seed_db, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith("[")


def test_readme_questions_answer_something(seed_db):
    """The seed data is rich enough that most questions return rows."""
    answered = 0
    for sql in BLOCKS:
        r = run_ctxh("query", sql, "--db", seed_db, "--format", "csv")
        answered += len(r.stdout.strip().splitlines()) > 1
    assert answered >= len(BLOCKS) - 1
