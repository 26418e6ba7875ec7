"""Export of every table and view of the database, one file each (Parquet: see PARQUET_OPTIONS)."""

from __future__ import annotations

import os

import duckdb

from ..errors import CtxhError
from .store import PARQUET_OPTIONS, TABLES, VIEWS, Store


def export(db: str, out_dir: str, fmt: str = "parquet") -> list[tuple[str, str, int]]:
    """Write every table and view; returns (name, path, rows) per file."""
    if fmt not in ("parquet", "csv"):
        raise CtxhError(f"unknown export format {fmt!r} (parquet or csv)")
    os.makedirs(out_dir, exist_ok=True)
    con = Store(db, read_only=True).con
    written = []
    try:
        names = [t for t in TABLES if t != "meta"] + list(VIEWS)
        for name in names:
            path = os.path.join(out_dir, f"{name}.{fmt}")
            opts = f"({PARQUET_OPTIONS})" if fmt == "parquet" else "(FORMAT csv, HEADER true)"
            con.execute(f"COPY (SELECT * FROM {name}) TO '{path.replace(chr(39), chr(39) * 2)}' {opts}")
            n = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            written.append((name, path, n))
    except duckdb.Error as exc:
        raise CtxhError(f"{out_dir}: export failed: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    return written
