"""The README stands alone: the annotation guide and the contract it points to are in docs/, the same
bytes as ../shared/ (the project's shared specs) wherever that folder exists. CI runs on a fresh
clone elsewhere, where there is no ../shared: then only their presence is checked."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from helpers import ROOT

DOCS = ("ANNOTATION.md", "CONTRACT.md")
SHARED = Path(os.environ.get("CTXH_SHARED", ROOT.parent / "shared"))


@pytest.mark.parametrize("name", DOCS)
def test_docs_are_in_the_repository(name):
    assert (ROOT / "docs" / name).stat().st_size > 1000


@pytest.mark.parametrize("name", DOCS)
def test_docs_equal_the_shared_copies(name):
    if not (SHARED / name).is_file():
        pytest.skip(f"no {SHARED / name} here (a fresh clone); run `make docs` where it exists")
    assert (ROOT / "docs" / name).read_bytes() == (SHARED / name).read_bytes(), \
        f"docs/{name} differs from {SHARED / name}: run `make docs`"


def test_the_readme_points_at_docs_not_outside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme.replace("copies of `../shared/`", "")
    for name in DOCS:
        assert f"docs/{name}" in readme
    for link in re.findall(r"\]\(([^)#]+)\)", readme):
        if not link.startswith(("http://", "https://")):
            assert (ROOT / link).exists(), f"README links to {link}, which is not in the repository"


def test_make_run_says_how_to_run_ctxh():
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = make.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "source $(VENV)/bin/activate" in run and "$(BIN)/ctxh" in run
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in readme and ".venv/bin/ctxh" in readme
