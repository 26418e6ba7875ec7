"""Paths and the CLI runner shared by tests (import with ``from helpers import ...``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOLD = ROOT / "data" / "gold"


def run_ctxh(*args: str, cwd: str | os.PathLike | None = None, timeout: float = 300,
             env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the CLI the way a user does, in a subprocess."""
    full_env = dict(os.environ)
    full_env.setdefault("CTXH_RULES", str(ROOT / "rules"))
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "ctxh_extract.cli", *args], cwd=cwd or ROOT, capture_output=True,
                          text=True, timeout=timeout, env=full_env)
