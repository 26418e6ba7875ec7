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


def warc_record(uri: str, body: bytes, status: int = 200, content_type: str = "text/html; charset=utf-8",
                warc_type: str = "response") -> bytes:
    """One WARC/1.0 record holding an HTTP response (written by hand, so tests do not depend on
    the reader library to make their input)."""
    import uuid

    if warc_type == "response":
        reason = {200: "OK", 404: "Not Found", 301: "Moved Permanently"}.get(status, "OK")
        block = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        ctype = "application/http; msgtype=response"
    else:
        block, ctype = body, "application/http; msgtype=request"
    head = (f"WARC/1.0\r\nWARC-Type: {warc_type}\r\nWARC-Record-ID: <urn:uuid:{uuid.UUID(int=len(block) + status)}>\r\n"
            f"WARC-Date: 2024-05-01T08:00:00Z\r\nWARC-Target-URI: {uri}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(block)}\r\n\r\n").encode()
    return head + block + b"\r\n\r\n"


def write_warc(path, records: list[bytes], gzip_members: bool = True) -> list[int]:
    """Write records (one gzip member each for .warc.gz, as Common Crawl does); returns each
    record's byte offset in the file."""
    import gzip

    offsets = []
    with open(path, "wb") as fh:
        for rec in records:
            offsets.append(fh.tell())
            fh.write(gzip.compress(rec, mtime=0) if gzip_members else rec)
    return offsets


def html_page(title: str, text: str) -> bytes:
    """A news page around ``text`` (paragraphs separated by blank lines)."""
    import html as _html

    paras = "".join(f"<p>{_html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{_html.escape(title)}</title></head>"
            f"<body><nav><a href=\"/\">Trang chủ</a> <a href=\"/xa-hoi\">Xã hội</a></nav>"
            f"<article><h1>{_html.escape(title)}</h1>{paras}</article><footer>Bản quyền</footer></body></html>").encode()


ROW_TABLES = ("articles", "article_texts", "province_mentions", "counts", "percentages", "segments", "filtered")
RUN_TIME_COLUMNS = {"extracted_at", "filtered_at"}


def table_differences(db_a: str, db_b: str, tables=ROW_TABLES) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows in a, rows of a not in b, rows of b not in a), by DuckDB EXCEPT ALL both
    ways over every column but the run timestamps (what a second run cannot repeat)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{db_a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{db_b}' AS b (READ_ONLY)")
        out = {}
        for t in tables:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'a' AND table_name = ? "
                "ORDER BY ordinal_position", [t]).fetchall() if r[0] not in RUN_TIME_COLUMNS]
            c = ", ".join(cols)
            n = con.execute(f"SELECT count(*) FROM a.{t}").fetchone()[0]
            x = con.execute(f"SELECT count(*) FROM (SELECT {c} FROM a.{t} EXCEPT ALL SELECT {c} FROM b.{t})").fetchone()[0]
            y = con.execute(f"SELECT count(*) FROM (SELECT {c} FROM b.{t} EXCEPT ALL SELECT {c} FROM a.{t})").fetchone()[0]
            out[t] = (n, x, y)
        return out
    finally:
        con.close()


def assert_same_rows(db_a: str, db_b: str) -> None:
    diff = table_differences(db_a, db_b)
    assert all(x == 0 and y == 0 for _, x, y in diff.values()), diff
    assert diff["articles"][0] > 0, diff
