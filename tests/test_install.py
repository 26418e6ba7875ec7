"""The package stands alone: built as a user would build it, installed into a fresh venv and
run from an empty folder with no checkout in sight, it carries its rules and gazetteer.

One test does the whole journey (building and installing take most of its ~30 s). Dependencies
come from PyPI through pip's cache, which `make install` has filled, so nothing is fetched twice.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from helpers import ROOT, SEEDS

IGNORE = shutil.ignore_patterns(".git", ".venv", ".cache", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                ".hypothesis", "*.duckdb", "*.duckdb.wal", "out", "report.html", "report.png")


def _env() -> dict:
    """The environment of a user who never saw the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CTXH_RULES", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("PYTEST")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(*cmd, cwd, timeout=900) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=_env())
    assert r.returncode == 0, f"{cmd} exited {r.returncode}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    return r


def _rule_files() -> set[str]:
    rules = ROOT / "rules"
    return {p.relative_to(rules).as_posix() for p in rules.rglob("*")
            if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(rules).parts)}


def _library_example() -> str:
    """The README's library example, its ``# (expected)`` comments turned into assertions."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"The same functions are a library.*?```python\n(.*?)```", readme, re.S)
    assert block, "README has no library example"
    lines = []
    for line in block.group(1).splitlines():
        code, sep, comment = line.partition("#")
        if sep and comment.strip().startswith(("(", "[", "'", '"')) and code.strip():
            lines.append(f"assert ({code.strip()}) == {comment.strip()}, repr({code.strip()})")
        else:
            lines.append(line)
    return "\n".join(lines) + "\nprint('library example OK')\n"


@pytest.mark.slow
def test_wheel_installs_and_runs_without_a_checkout(tmp_path):
    # 1. build as a user would: `python -m build` makes the sdist, then the wheel from the sdist
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "build", "--outdir", dist, src, cwd=tmp_path)
    wheel = next(dist.glob("*.whl"))
    sdist = next(dist.glob("*.tar.gz"))

    # both carry every file of rules/ (the wheel inside the package, the sdist as rules/)
    expected = _rule_files()
    assert "gazetteer/provinces.json" in expected and "categories.json" in expected
    with zipfile.ZipFile(wheel) as z:
        in_wheel = {n.removeprefix("ctxh_extract/_rules/") for n in z.namelist() if n.startswith("ctxh_extract/_rules/")}
        metadata = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    assert in_wheel == expected
    assert "License-Expression: MIT" in metadata
    with tarfile.open(sdist) as t:
        in_sdist = {n.split("/rules/", 1)[1] for n in t.getnames() if "/rules/" in n and t.getmember(n).isfile()}
    assert expected <= in_sdist

    # 2. a fresh venv; dependencies from PyPI through pip's cache
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    bin_ = venv / "bin"
    _run(bin_ / "python", "-m", "pip", "install", "--quiet", "--no-compile", wheel, cwd=tmp_path)

    # 3. an empty folder, no checkout: every command a new user tries first
    work = tmp_path / "empty"
    work.mkdir()
    shutil.copytree(SEEDS, work / "seeds")
    where = _run(bin_ / "python", "-c", "import ctxh_extract; print(ctxh_extract.__file__)", cwd=work).stdout
    assert Path(where.strip()).is_relative_to(venv)
    rules = _run(bin_ / "ctxh", "check-rules", cwd=work).stdout
    assert str(venv) in rules and "_rules" in rules

    ext = _run(bin_ / "ctxh", "extract", "seeds", cwd=work)
    assert (work / "data" / "ctxh.duckdb").is_file()
    assert "5 articles" in ext.stdout and "ctxh report" in ext.stdout

    _run(bin_ / "ctxh", "report", cwd=work)
    assert "<html" in (work / "data" / "report.html").read_text(encoding="utf-8").lower()

    q = _run(bin_ / "ctxh", "query", "SELECT count(*) AS n FROM counts", "--format", "json", cwd=work)
    assert json.loads(q.stdout)[0]["n"] > 0

    helps = _run(bin_ / "ctxh", "extract", "--help", cwd=work).stdout
    assert "Usage: ctxh extract [OPTIONS] PATH..." in helps and "list[str]" not in helps

    (work / "example.py").write_text(_library_example(), encoding="utf-8")
    assert "library example OK" in _run(bin_ / "python", "example.py", cwd=work).stdout
