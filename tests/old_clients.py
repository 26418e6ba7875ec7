"""DuckDB 1.x clients, in a virtual environment of their own, for the compatibility tests.

Journalists open the database with the clients they already have: the DuckDB command-line
client (`pip install duckdb-cli`, the newest 1.x), duckdb 1.x in Python, DBeaver's bundled
1.x driver. The environment holds the command-line client and the oldest Python client
our files promise to open in (see store.DEFAULT_STORAGE_VERSION). It is made once from
PyPI and kept in .cache/old-duckdb (or $CTXH_OLD_DUCKDB_DIR); `make test` makes it before
the tests (`make old-clients`), and the tests make it themselves when it is missing.

    python tests/old_clients.py      # make it (or check it), print where it is
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the oldest Python client that opens our databases, and the command-line client people install today
SPECS = ("duckdb==1.1.3", "duckdb-cli>=1.5,<2")
PYTHON_CLIENT = "1.1.3"


def home() -> Path:
    return Path(os.environ.get("CTXH_OLD_DUCKDB_DIR") or ROOT / ".cache" / "old-duckdb")


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def ensure() -> Path:
    """The environment's folder, made if missing or made for other SPECS."""
    env = home()
    stamp = env / "ctxh-specs.json"
    if stamp.exists() and json.loads(stamp.read_text()) == list(SPECS) and _bin(env, "duckdb").exists():
        return env
    # made in place (a venv's scripts name its folder); the stamp is written last, so a broken or
    # interrupted install is made again from scratch next time
    shutil.rmtree(env, ignore_errors=True)
    env.parent.mkdir(parents=True, exist_ok=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    r = subprocess.run([str(_bin(env, "python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        *SPECS], capture_output=True, text=True, timeout=1200)
    if r.returncode != 0:
        tail = "\n".join(ln for ln in r.stderr.splitlines() if "is ignored" not in ln)[-2000:]
        raise RuntimeError(f"could not install {' '.join(SPECS)} from PyPI into {env}:\n{tail}")
    stamp.write_text(json.dumps(list(SPECS)))
    return env


def python(env: Path) -> str:
    """The environment's Python, with duckdb PYTHON_CLIENT."""
    return str(_bin(env, "python"))


def cli(env: Path) -> str:
    """The DuckDB command-line client of the duckdb-cli package."""
    return str(_bin(env, "duckdb"))


if __name__ == "__main__":
    e = ensure()
    v = subprocess.run([cli(e), "--version"], capture_output=True, text=True).stdout.strip()
    p = subprocess.run([python(e), "-c", "import duckdb; print(duckdb.__version__)"], capture_output=True,
                       text=True).stdout.strip()
    print(f"DuckDB 1.x clients in {e}: CLI {v}, Python duckdb {p}")
