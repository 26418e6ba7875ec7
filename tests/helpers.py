"""Paths and the CLI runner shared by tests (import with ``from helpers import ...``)."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
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


def cp1258_bytes(text: str) -> bytes:
    """Encode as Windows-1258: precomposed where the code page has it, tone marks combining."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        nfd = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in nfd[1:] if m in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in tones))
        out += base.encode("cp1258") + tones.encode("cp1258")
    return out
