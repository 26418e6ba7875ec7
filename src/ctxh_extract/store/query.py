"""Read-only SQL for journalists, and its output as a table, CSV or JSON.

``ctxh query`` opens the database read-only, refuses anything but reading
(``DROP``, ``INSERT``, ``ATTACH``, ``COPY``, ``INSTALL`` ...) before running it,
and turns off DuckDB's file-system access, so a query can neither change the
database nor reach other files. It runs one statement: given several, it says so
rather than print the last result alone. DuckDB's messages are shown whole (the
candidate column names and the caret under the error are what a journalist needs).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import duckdb

from ..errors import CtxhError
from .store import Store

ALLOWED = {"SELECT", "EXPLAIN"}


class QueryError(CtxhError):
    """SQL that is refused or that DuckDB rejects: the message is DuckDB's, every line of it."""


def _message(exc: duckdb.Error) -> str:
    """DuckDB's whole message ('Binder Error: ...', 'Candidate bindings: ...', 'LINE 1: ...', the caret)."""
    return "\n".join(ln.rstrip() for ln in str(exc).strip("\n").splitlines())


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(_message(exc)) from None
    if not statements:
        raise QueryError("no SQL statement given")
    for st in statements:
        kind = str(st.type).split(".")[-1]
        if kind not in ALLOWED:
            raise QueryError(f"refused: {kind} statements are not allowed; ctxh query is read-only "
                             f"(SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN)")
    if len(statements) > 1:
        raise QueryError(f"refused: {len(statements)} SQL statements given; ctxh query runs one statement "
                         f"and prints its result (run each with its own ctxh query, or combine them in one "
                         f"SELECT with WITH or UNION ALL)")


def run_query(db: str, sql: str) -> tuple[list[str], list[tuple]]:
    con = Store(db, read_only=True, external_access=False).con   # Store: clear messages for bad files
    try:
        check_read_only(con, sql)
        try:
            cur = con.execute(sql)
            rows = cur.fetchall()
            cols = [d[0] for d in cur.description] if cur.description else []
        except duckdb.Error as exc:
            raise QueryError(_message(exc)) from None
        return cols, rows
    finally:
        con.close()


def _plain(v):
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


def to_csv(cols: list[str], rows: list[tuple]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if v is None else _plain(v) for v in r])
    return buf.getvalue()


def to_json(cols: list[str], rows: list[tuple]) -> str:
    return json.dumps([{c: _plain(v) for c, v in zip(cols, r)} for r in rows], ensure_ascii=False, default=str)
