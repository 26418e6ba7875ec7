"""The DuckDB store: tables of docs/CONTRACT.md, views for journalists, migrations.

Writes are idempotent and atomic per article: a batch of articles is written in
one transaction that first deletes every row of those already stored, then inserts
the new rows. A run killed at any point leaves each article fully old or fully
new. Rows go in by batch through newline-delimited JSON (DuckDB's bulk path is
two orders of magnitude faster than ``executemany``).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ..errors import DatabaseError, UsageError
from .reference import REFERENCE_TABLES, reference_rows
from .views import VIEWS

if TYPE_CHECKING:                      # not imported at run time: `ctxh query` starts without pydantic
    from ..models import ArticleResult

if TYPE_CHECKING:
    from ..rules import Rules

# 2: fact ids, parts, articles.url; the units and category_kinds tables; the figures views
SCHEMA_VERSION = 2
# DuckDB's buffer pool while extracting. bench/store_only.py: with 64 MB the loader's RSS stays
# flat from 4,000 to 20,000 articles; with 256 MB it grows to its cap, and loads 16% faster (9.5 vs 11.3 s).
# Reading (query, report, export) keeps DuckDB's default (80% of RAM) unless the variable is set:
# the figures views sort and group every statement, which 64 MB does not hold past ~10,000 of them.
MEMORY_LIMIT = os.environ.get("CTXH_DUCKDB_MEMORY", "64MB")
READ_MEMORY_LIMIT = os.environ.get("CTXH_DUCKDB_MEMORY")

# The storage format of a NEW database file. DuckDB 2.0 writes its own (v2.0.0) by default, which no
# 1.x client opens ("created with a newer version of DuckDB"): the CLI most people have, duckdb 1.x in
# Python, DBeaver's bundled driver. v1.0.0 (storage number 64) is the oldest format 2.0 writes; DuckDB
# 1.1.0 and later open our files in it (1.0.0 itself cannot read the primary-key indexes that DuckDB
# 1.5 and later write, even in that format: tests/test_old_clients.py). A file that exists keeps the
# format it was made in, whatever is asked (DuckDB never rewrites it). Its price is disk: v1.0.0 keeps
# article texts uncompressed (2,000 bench articles: 30 MB; v1.3.0..latest 17 MB; v1.2.0, ZSTD, 11 MB).
STORAGE_VERSION_ENV = "CTXH_STORAGE_VERSION"
DEFAULT_STORAGE_VERSION = "v1.0.0"
_VERSION_RE = re.compile(r"v?(\d+\.\d+\.\d+)|latest", re.I)
# COPY options of every Parquet file ctxh writes: the format version and codec that every reader
# (DuckDB 1.0 on, pyarrow, pandas, Polars, Spark) knows, pinned so that a newer duckdb's defaults
# cannot change what the files need.
PARQUET_OPTIONS = "FORMAT parquet, PARQUET_VERSION V1, COMPRESSION snappy"


def _bytes(size: str) -> int:
    """'64MB' / '1GiB' / '500000B' -> bytes (DuckDB's memory_limit syntax, the common cases).

    >>> _bytes("64MB"), _bytes("1 GiB"), _bytes("1000B")
    (64000000, 1073741824, 1000)
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B)?\s*", size, re.I)
    if not m:
        raise ValueError(f"not a memory size: {size!r}")
    unit = (m.group(2) or "B").upper()
    base = 1024 if "I" in unit else 1000
    return int(float(m.group(1)) * base ** "BKMGT".index(unit[0]))


def choose_storage_version(choice: str | None = None) -> str:
    """The storage format new database files are written in: ``choice`` (``--storage-version``),
    else $CTXH_STORAGE_VERSION, else DEFAULT_STORAGE_VERSION, checked against what this duckdb can
    write. Every writer opens through :class:`Store`, which applies it.

    >>> choose_storage_version(), choose_storage_version("1.2.0"), choose_storage_version("latest")
    ('v1.0.0', 'v1.2.0', 'latest')
    """
    where = "--storage-version" if choice else STORAGE_VERSION_ENV
    raw = (choice or os.environ.get(STORAGE_VERSION_ENV) or DEFAULT_STORAGE_VERSION).strip()
    m = _VERSION_RE.fullmatch(raw)
    version = ("v" + m.group(1)) if m and m.group(1) else raw.lower()
    hint = (f"write a DuckDB version such as {DEFAULT_STORAGE_VERSION} (readable by DuckDB 1.1 and later), "
            f"v1.5.0, or latest (this duckdb's own, {duckdb.__version__})")
    if not m:
        raise UsageError(f"{where}: {raw!r} is not a DuckDB version; {hint}")
    try:
        duckdb.connect(":memory:", config={"storage_compatibility_version": version}).close()
    except duckdb.Error:
        raise UsageError(f"{where}: {raw!r} is not a DuckDB version that duckdb {duckdb.__version__} "
                         f"can write; {hint}") from None
    return version


def _version_tuple(tag: str) -> tuple[int, ...]:
    """'v1.0.0+' -> (1, 0, 0)"""
    return tuple(int(x) for x in re.findall(r"\d+", tag)[:3])


def _readers(tag: str) -> str:
    """'v1.5.0+' -> 'DuckDB 1.5 and later open it'; 'v1.0.0+' -> 1.1 (see DEFAULT_STORAGE_VERSION)."""
    v = max(_version_tuple(tag), (1, 1))
    return f"DuckDB {v[0]}.{v[1]} and later open it"


def _format_tag(version: str) -> str | None:
    """The format DuckDB writes for a storage version, as it tags a file ('v1.1.0' -> 'v1.0.0+'):
    found by making an empty database with it (a few milliseconds; only to compare with a file's)."""
    with tempfile.TemporaryDirectory(prefix="ctxh-format-") as td:
        con = duckdb.connect(os.path.join(td, "probe.duckdb"), config={"storage_compatibility_version": version})
        try:
            row = con.execute("SELECT tags['storage_version'] FROM duckdb_databases() "
                              "WHERE database_name = current_database()").fetchone()
        finally:
            con.close()
    return row[0] if row else None


# table -> [(column, type)], in CONTRACT order, then additions
TABLES: dict[str, list[tuple[str, str]]] = {
    "articles": [
        ("article_id", "VARCHAR PRIMARY KEY"), ("source_path", "VARCHAR"), ("sha256", "VARCHAR"),
        ("title", "VARCHAR"), ("author", "VARCHAR"), ("outlet", "VARCHAR"), ("published_date", "DATE"),
        ("primary_province", "VARCHAR"), ("primary_province_2025", "VARCHAR"), ("n_chars", "INTEGER"),
        ("outlet_name", "VARCHAR"), ("encoding", "VARCHAR"), ("source_kind", "VARCHAR"), ("notes", "VARCHAR"),
        ("n_counts", "INTEGER"), ("n_percentages", "INTEGER"), ("rules_version", "VARCHAR"),
        ("extracted_at", "TIMESTAMP"), ("url", "VARCHAR"), ("relevance", "DOUBLE"), ("relevance_cues", "VARCHAR[]"),
    ],
    "article_texts": [("article_id", "VARCHAR PRIMARY KEY"), ("text", "VARCHAR")],
    "province_mentions": [
        ("article_id", "VARCHAR"), ("province", "VARCHAR"), ("province_code", "VARCHAR"),
        ("province_2025", "VARCHAR"), ("surface", "VARCHAR"), ("start_char", "INTEGER"),
        ("end_char", "INTEGER"), ("in_body", "BOOLEAN"), ("rule", "VARCHAR"),
    ],
    "counts": [
        ("article_id", "VARCHAR"), ("category", "VARCHAR"), ("value", "BIGINT"), ("value_max", "BIGINT"),
        ("qualifier", "VARCHAR"), ("unit", "VARCHAR"), ("per_unit", "VARCHAR"), ("is_target", "BOOLEAN"),
        ("period_start", "INTEGER"), ("period_end", "INTEGER"), ("province", "VARCHAR"),
        ("evidence", "VARCHAR"), ("start_char", "INTEGER"), ("end_char", "INTEGER"),
        ("province_2025", "VARCHAR"), ("rule", "VARCHAR"), ("target_rule", "VARCHAR"),
        ("qualifier_rule", "VARCHAR"), ("period_rule", "VARCHAR"),
        ("fact_id", "VARCHAR"), ("part_of", "VARCHAR"), ("is_part", "BOOLEAN"), ("part_rule", "VARCHAR"),
    ],
    "percentages": [
        ("article_id", "VARCHAR"), ("value", "DOUBLE"), ("value_max", "DOUBLE"), ("qualifier", "VARCHAR"),
        ("kind", "VARCHAR"), ("is_target", "BOOLEAN"), ("period_start", "INTEGER"), ("period_end", "INTEGER"),
        ("subject", "VARCHAR"), ("province", "VARCHAR"), ("evidence", "VARCHAR"), ("start_char", "INTEGER"),
        ("end_char", "INTEGER"), ("province_2025", "VARCHAR"), ("rule", "VARCHAR"), ("target_rule", "VARCHAR"),
        ("qualifier_rule", "VARCHAR"), ("period_rule", "VARCHAR"), ("fact_id", "VARCHAR"),
    ],
    "segments": [
        ("article_id", "VARCHAR"), ("label", "VARCHAR"), ("in_body", "BOOLEAN"), ("rule", "VARCHAR"),
        ("start_char", "INTEGER"), ("end_char", "INTEGER"),
    ],
    "runs": [
        ("run_id", "VARCHAR PRIMARY KEY"), ("started_at", "TIMESTAMP"), ("finished_at", "TIMESTAMP"),
        ("command", "VARCHAR"), ("rules_version", "VARCHAR"), ("n_loaded", "INTEGER"),
        ("n_skipped", "INTEGER"), ("n_rejected", "INTEGER"),
    ],
    "problems": [
        ("run_id", "VARCHAR"), ("source_path", "VARCHAR"), ("article_id", "VARCHAR"), ("message", "VARCHAR"),
    ],
    # articles the relevance filter dropped (text/relevance.py): not in `articles`, kept here with the reason
    "filtered": [
        ("article_id", "VARCHAR PRIMARY KEY"), ("source_path", "VARCHAR"), ("sha256", "VARCHAR"), ("url", "VARCHAR"),
        ("title", "VARCHAR"), ("relevance", "DOUBLE"), ("relevance_cues", "VARCHAR[]"), ("reason", "VARCHAR"),
        ("rules_version", "VARCHAR"), ("filtered_at", "TIMESTAMP"),
    ],
    # shards of run folders (`ctxh load`) already in this database: loading again skips them
    "loaded_shards": [
        ("run_id", "VARCHAR"), ("shard", "INTEGER"), ("digest", "VARCHAR"), ("loaded_at", "TIMESTAMP"),
    ],
    "meta": [("key", "VARCHAR PRIMARY KEY"), ("value", "VARCHAR")],
    **REFERENCE_TABLES,
}
ARTICLE_TABLES = ("province_mentions", "counts", "percentages", "segments", "article_texts", "articles")
# the tables one article's rows may be in: an article is in `articles` (and the fact tables) or in `filtered`
ROW_TABLES = ARTICLE_TABLES + ("filtered",)

_LOCK_RE = re.compile(r"PID (\d+)")


@dataclass
class Encoded:
    """One article's rows as newline-delimited JSON, table by table: what a worker hands back."""

    article_id: str
    tables: dict[str, str]
    n_chars: int
    n_mentions: int
    n_counts: int
    n_percentages: int
    filtered: bool = False
    # what the run summary says about it (facts per category, provinces, dates, duplicates)
    sha256: str = ""
    primary_province: str | None = None
    published: str | None = None
    categories: dict[str, int] = field(default_factory=dict)
    provinces: tuple[str, ...] = ()


def _now() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


def rows_of(r: ArticleResult) -> dict[str, list[dict]]:
    """The rows of one article, table by table (JSON-ready values: dates as ISO strings)."""
    a = r.article
    rows: dict[str, list[dict]] = {t: [] for t in ARTICLE_TABLES}
    rows["articles"].append({
        "article_id": a.article_id, "source_path": a.source_path, "sha256": a.sha256, "title": a.title,
        "author": a.author, "outlet": a.outlet,
        "published_date": a.published_date.isoformat() if a.published_date else None,
        "primary_province": a.primary_province, "primary_province_2025": a.primary_province_2025,
        "n_chars": a.n_chars, "outlet_name": a.outlet_name, "encoding": a.encoding,
        "source_kind": a.source_kind, "notes": a.notes, "n_counts": len(r.counts),
        "n_percentages": len(r.percentages), "rules_version": a.rules_version, "extracted_at": _now(),
        "url": a.url, "relevance": a.relevance, "relevance_cues": list(a.relevance_cues)})
    rows["article_texts"].append({"article_id": a.article_id, "text": a.text})
    p2025 = {m.province: m.province_2025 for m in r.mentions}
    if a.primary_province:
        p2025.setdefault(a.primary_province, a.primary_province_2025)
    rows["province_mentions"] = [m.model_dump() for m in r.mentions]
    for c in r.counts:
        d = c.model_dump()
        d["province_2025"] = p2025.get(c.province)
        rows["counts"].append(d)
    for p in r.percentages:
        d = p.model_dump()
        d["province_2025"] = p2025.get(p.province)
        rows["percentages"].append(d)
    rows["segments"] = [s.model_dump() for s in r.segments]
    return rows


def filtered_row(article_id: str, source_path: str, sha256: str, url: str | None, title: str | None,
                 score: float, cues: list[str], reason: str, rules_version: str) -> dict:
    """The row of an article the relevance filter dropped (table ``filtered``)."""
    return {"article_id": article_id, "source_path": source_path, "sha256": sha256, "url": url, "title": title,
            "relevance": score, "relevance_cues": list(cues), "reason": reason, "rules_version": rules_version,
            "filtered_at": _now()}


def _jsonl(table: str, items: list[dict]) -> str:
    cols = [c for c, _ in TABLES[table]]
    return "".join(json.dumps({c: it.get(c) for c in cols}, ensure_ascii=False) + "\n" for it in items)


def encode(r: ArticleResult) -> Encoded:
    """The rows of one article in the column order of TABLES, as JSON lines."""
    a = r.article
    tables = {table: _jsonl(table, items) for table, items in rows_of(r).items() if items}
    return Encoded(a.article_id, tables, a.n_chars, len(r.mentions), len(r.counts), len(r.percentages),
                   sha256=a.sha256, primary_province=a.primary_province,
                   published=a.published_date.isoformat() if a.published_date else None,
                   categories=dict(Counter(c.category for c in r.counts)),
                   provinces=tuple(sorted({m.province for m in r.mentions if m.in_body})))


def encode_filtered(row: dict) -> Encoded:
    """A filtered-out article: one row of ``filtered``; storing it removes the article's old rows."""
    return Encoded(row["article_id"], {"filtered": _jsonl("filtered", [row])}, 0, 0, 0, 0, filtered=True)


def column_type(table: str, column: str) -> str:
    return dict(TABLES[table])[column].replace(" PRIMARY KEY", "")


def _ddl(table: str) -> str:
    cols = ", ".join(f"{c} {t}" for c, t in TABLES[table])
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"


def _open(path: str, read_only: bool, external_access: bool = True,
          storage: str | None = None) -> duckdb.DuckDBPyConnection:
    if read_only and not os.path.exists(path):
        raise DatabaseError(path, "database not found (run `ctxh extract` first, or pass --db)")
    if os.path.isdir(path):
        raise DatabaseError(path, "is a directory, not a database file")
    if os.path.exists(path) and not os.path.isfile(path):
        # DuckDB would wait forever on a named pipe
        raise DatabaseError(path, "not a regular file, so not a database (choose another --db path)")
    if os.path.isfile(path):
        try:
            with open(path, "rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise DatabaseError(path, f"cannot read database: {exc.strerror or exc}") from None
        if head.startswith(b"SQLite format 3"):
            raise DatabaseError(path, "an SQLite database, not a DuckDB one (choose another --db path)")
        if not head and not read_only and not os.path.exists(path + ".wal"):
            try:                        # an empty file holds nothing (a run killed as it created it): start afresh
                os.remove(path)
            except OSError:
                pass                    # then DuckDB says what is wrong with it
    try:
        # no extension is ever downloaded or loaded behind the user's back (DuckDB would for some files)
        config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                  "enable_external_access": external_access}
        if storage:                     # used only if the file is new: an existing one keeps its own
            config["storage_compatibility_version"] = storage
        return duckdb.connect(path, read_only=read_only, config=config)
    except duckdb.IOException as exc:
        msg = str(exc)
        low = msg.lower()
        if "could not set lock" in low or "conflicting lock" in low:
            pid = _LOCK_RE.search(msg)
            who = f" (PID {pid.group(1)})" if pid else ""
            raise DatabaseError(path, f"database is locked by another process{who}; wait for it to finish or use another --db") from None
        if "not a valid duckdb database" in low:
            raise DatabaseError(path, "not a DuckDB database file (choose another --db path)") from None
        raise DatabaseError(path, f"cannot open database: {msg.splitlines()[0]}") from None
    except duckdb.Error as exc:
        raise DatabaseError(path, f"cannot open database: {str(exc).splitlines()[0]}") from None


class Store:
    """A DuckDB database file holding the extracted facts."""

    def __init__(self, path: str | os.PathLike, read_only: bool = False, external_access: bool = True,
                 storage_version: str | None = None, rules: "Rules | None" = None):
        """``external_access`` False: SQL on this connection cannot read or write other files.
        ``storage_version``: the format if the file is created (see :func:`choose_storage_version`).
        ``rules``: what the reference tables are written from when the database is opened for
        writing (default: the default rules directory)."""
        self._rules = rules
        self.path = str(path)
        if not read_only:
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise DatabaseError(self.path, f"cannot create its folder: {Path(self.path).parent} "
                                               f"(or a folder above it) is a file") from None
            except OSError as exc:
                raise DatabaseError(self.path, f"cannot create its folder: {exc.strerror or exc}") from None
        self.read_only = read_only
        # resolved before the file is touched, so a bad choice leaves no file behind
        self.requested_storage = None if read_only else choose_storage_version(storage_version)
        self.storage_explicit = bool(storage_version or os.environ.get(STORAGE_VERSION_ENV))
        self.existed = os.path.isfile(self.path) and os.path.getsize(self.path) > 0
        self.con = _open(self.path, read_only, external_access, self.requested_storage)
        # DuckDB's buffer pool defaults to 80% of RAM and keeps every block it wrote: without a
        # limit the main process grows with the database (measured +4.4 MB per 1,000 articles)
        try:
            self._limit_bytes = _bytes(MEMORY_LIMIT)
            if not read_only or READ_MEMORY_LIMIT:
                self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        except (ValueError, duckdb.Error):
            raise DatabaseError(self.path, f"CTXH_DUCKDB_MEMORY={MEMORY_LIMIT!r} is not a memory size "
                                           f"(write e.g. 64MB or 1GB)") from None
        if not read_only:
            # one thread: the loader shares the cores with the extraction workers (measured faster)
            self.con.execute("SET threads = 1")
        self._limit_raised = False
        self._stored: set[str] | None = None
        self._filtered: set[str] | None = None
        if read_only:
            self._check_readable()
        else:
            self._migrate()

    # ------------------------------------------------------------------ schema
    def _tables(self) -> set[str]:
        return {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'").fetchall()}

    def schema_version(self) -> int | None:
        if "meta" not in self._tables():
            return None
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else None

    def _check_readable(self) -> None:
        v = self.schema_version()
        if v is None and "articles" in self._tables():
            raise DatabaseError(self.path, "made by an older ctxh; run `ctxh extract` into it once to upgrade it")
        if v is None or "articles" not in self._tables():
            raise DatabaseError(self.path, "not a ctxh database (no articles table); run `ctxh extract` into it first")
        if v > SCHEMA_VERSION:
            raise DatabaseError(self.path, f"made by a newer ctxh (schema {v} > {SCHEMA_VERSION}); upgrade ctxh-extract")
        if v < SCHEMA_VERSION:
            raise DatabaseError(self.path, f"made by an older ctxh (schema {v} < {SCHEMA_VERSION}); "
                                           f"run `ctxh extract` into it once to upgrade it")

    def _migrate(self) -> None:
        """Create what is missing; add columns that older versions lacked."""
        tables = self._tables()
        v = self.schema_version()
        if v is not None and v > SCHEMA_VERSION:
            raise DatabaseError(self.path, f"made by a newer ctxh (schema {v} > {SCHEMA_VERSION}); upgrade ctxh-extract")
        foreign = tables - set(TABLES)
        if tables and "articles" not in tables and foreign:
            raise DatabaseError(self.path, "holds other tables and no ctxh articles; choose another --db path")
        try:
            self.con.execute("BEGIN")
            migrated = False
            for table in TABLES:
                if table not in tables:
                    self.con.execute(_ddl(table))
                    continue
                have = {r[0] for r in self.con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
                for col, typ in TABLES[table]:
                    if col not in have:
                        self.con.execute(f"ALTER TABLE {table} ADD COLUMN {col} {typ.replace(' PRIMARY KEY', '')}")
                        migrated = True
            if migrated or (v is not None and v < SCHEMA_VERSION) or (v is None and "articles" in tables):
                # articles extracted by an older version are re-extracted on the next run
                self.con.execute("UPDATE articles SET rules_version = NULL")
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            self._write_reference()
            for name, sql in VIEWS.items():
                self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self.con.execute("ROLLBACK")
            raise DatabaseError(self.path, f"cannot prepare the schema: {str(exc).splitlines()[0]}") from None

    def _write_reference(self) -> None:
        """Rewrite the reference tables (units, category_kinds) from the rules, inside _migrate's transaction."""
        rules = self._rules
        if rules is None:
            from ..rules import load_rules

            rules = load_rules()
        for table, rows in reference_rows(rules).items():
            cols = [c for c, _ in TABLES[table]]
            self.con.execute(f"DELETE FROM {table}")
            if rows:
                self.con.execute(
                    f"INSERT INTO {table} SELECT * FROM (SELECT " + ", ".join(f"unnest(?) AS {c}" for c in cols) + ")",
                    [[r[c] for r in rows] for c in cols])

    # ------------------------------------------------------------------ reads
    def known(self) -> dict[str, tuple[str, str | None, str | None]]:
        """article_id -> (sha256, rules_version, source_path): what an incremental run may skip."""
        known = {r[0]: (r[1], r[2], r[3]) for r in self.con.execute(
            "SELECT article_id, sha256, rules_version, source_path FROM articles").fetchall()}
        self._stored = set(known)
        return known

    def known_filtered(self) -> dict[str, tuple[str, str | None]]:
        """article_id -> (sha256, rules_version) of articles the relevance filter dropped."""
        known = {r[0]: (r[1], r[2]) for r in self.con.execute(
            "SELECT article_id, sha256, rules_version FROM filtered").fetchall()}
        self._filtered = set(known)
        return known

    def _filtered_ids(self) -> set[str]:
        if self._filtered is None:
            self._filtered = {r[0] for r in self.con.execute("SELECT article_id FROM filtered").fetchall()}
        return self._filtered

    def _stored_ids(self) -> set[str]:
        """The article_ids in the database; read once, then kept up to date by write_encoded
        (the database is locked to this connection while it is open)."""
        if self._stored is None:
            self._stored = {r[0] for r in self.con.execute("SELECT article_id FROM articles").fetchall()}
        return self._stored

    def storage_format(self) -> str | None:
        """The file's storage format as DuckDB tags it ('v1.0.0+', 'v2.0.0+'), None if it cannot say."""
        try:
            row = self.con.execute("SELECT tags['storage_version'] FROM duckdb_databases() "
                                   "WHERE database_name = current_database()").fetchone()
        except duckdb.Error:
            return None
        return row[0] if row and row[0] else None

    def storage_note(self) -> str | None:
        """What to tell the user when an existing file kept a format other than the one asked for
        (asked with --storage-version / $CTXH_STORAGE_VERSION), or when it is one no 1.x client opens."""
        have = self.storage_format()
        if self.read_only or not self.existed or not have:
            return None
        explicit = self.storage_explicit
        if explicit and have != _format_tag(self.requested_storage):
            return (f"keeps its storage format {have} ({_readers(have)}); the storage version asked for "
                    f"({self.requested_storage}) applies only when a database file is created")
        if not explicit and _version_tuple(have) >= (2,):
            return (f"keeps its storage format {have} ({_readers(have)}), so DuckDB 1.x clients cannot open it; "
                    f"extract into a new --db file (or delete this one and run again) to get {DEFAULT_STORAGE_VERSION}")
        return None

    def count(self, table: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    # ------------------------------------------------------------------ writes
    def write(self, results: list[ArticleResult], tmpdir: str | None = None) -> None:
        """Replace the rows of these articles in one transaction."""
        self.write_encoded([encode(r) for r in results], tmpdir)

    def write_encoded(self, articles: list["Encoded"], tmpdir: str | None = None) -> None:
        """Replace the rows of these already-encoded articles in one transaction.

        Workers encode (the costly part); the main process only concatenates and loads."""
        if not articles:
            return
        ids = [e.article_id for e in articles]
        # one JSON line is one row; the longest is an article's text (≤ 4 bytes a character, escaped)
        max_object = 4 * max(e.n_chars for e in articles) + (1 << 20)
        need = 3 * max_object + (32 << 20)   # read_json needs a buffer of twice the largest row
        if need > self._limit_bytes:
            self.con.execute(f"SET memory_limit = '{need}B'")
            self._limit_raised = True
        elif self._limit_raised:
            self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
            self._limit_raised = False
        with tempfile.TemporaryDirectory(dir=tmpdir, prefix="ctxh-load-") as td:
            files = {}
            for table in ROW_TABLES:
                chunks = [e.tables[table] for e in articles if e.tables.get(table)]
                if not chunks:
                    continue
                fn = os.path.join(td, f"{table}.jsonl")
                with open(fn, "w", encoding="utf-8") as fh:
                    fh.writelines(chunks)
                files[table] = fn
            con = self.con
            con.execute("BEGIN")
            try:
                # replace: delete the old rows of articles stored before (each DELETE scans a whole
                # table, so a batch of new articles, the common case, skips them)
                stored, filtered = self._stored_ids(), self._filtered_ids()
                replaced = [a for a in ids if a in stored]
                unfiltered = [a for a in ids if a in filtered]
                if replaced:
                    con.execute("CREATE OR REPLACE TEMP TABLE _ids (article_id VARCHAR)")
                    con.execute("INSERT INTO _ids SELECT unnest(?::VARCHAR[])", [replaced])
                    for table in ARTICLE_TABLES:
                        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _ids)")
                if unfiltered:
                    con.execute("DELETE FROM filtered WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [unfiltered])
                for table in ("filtered",) + tuple(reversed(ARTICLE_TABLES)):
                    fn = files.get(table)
                    if fn is None:
                        continue
                    spec = ", ".join(f"'{c}': '{t.replace(' PRIMARY KEY', '')}'" for c, t in TABLES[table])
                    cols = ", ".join(c for c, _ in TABLES[table])
                    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM read_json(?, columns={{{spec}}}, "
                                f"format='newline_delimited', maximum_object_size={max_object})", [fn])
                con.execute("COMMIT")
                for e in articles:
                    (filtered if e.filtered else stored).add(e.article_id)
                    (stored if e.filtered else filtered).discard(e.article_id)
            except BaseException as exc:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                if isinstance(exc, duckdb.Error):    # disk full, file gone, ...: one line, nothing half-written
                    raise DatabaseError(self.path, f"could not store {len(ids)} articles "
                                        f"({str(exc).splitlines()[0]}); none of them was written, "
                                        f"articles stored before are kept") from None
                raise

    def load_parquet(self, run_id: str, shard: int, digest: str, files: dict[str, str],
                     skip: list[str]) -> dict[str, int]:
        """Load one shard of a run folder (its part file per table) in one transaction: the rows of
        its articles replace those already stored (from an earlier load or a ``--db`` run), so
        loading twice changes nothing; ``skip``: article_ids not to load (duplicates of an earlier
        shard). Returns rows inserted per table."""
        con = self.con
        con.execute("BEGIN")
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _skip (article_id VARCHAR)")
            if skip:
                con.execute("INSERT INTO _skip SELECT unnest(?::VARCHAR[])", [skip])
            con.execute("CREATE OR REPLACE TEMP TABLE _ids AS SELECT article_id FROM ("
                        "SELECT article_id FROM read_parquet(?) UNION ALL SELECT article_id FROM read_parquet(?)) "
                        "WHERE article_id NOT IN (SELECT article_id FROM _skip)",
                        [files["articles"], files["filtered"]])
            stored = con.execute("SELECT count(*) FROM _ids WHERE article_id IN (SELECT article_id FROM articles) "
                                 "OR article_id IN (SELECT article_id FROM filtered)").fetchone()[0]
            if stored:
                for table in ROW_TABLES:
                    con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _ids)")
            counts = {}
            for table in ROW_TABLES:
                cols = ", ".join(c for c, _ in TABLES[table])
                counts[table] = con.execute(
                    f"INSERT INTO {table} ({cols}) SELECT {cols} FROM read_parquet(?) "
                    f"WHERE article_id NOT IN (SELECT article_id FROM _skip)", [files[table]]).fetchone()[0]
            con.execute("DELETE FROM loaded_shards WHERE run_id = ? AND shard = ?", [run_id, shard])
            con.execute("INSERT INTO loaded_shards VALUES (?, ?, ?, ?)",
                        [run_id, shard, digest, datetime.now(timezone.utc).replace(tzinfo=None)])
            con.execute("COMMIT")
        except BaseException as exc:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            if isinstance(exc, duckdb.Error):
                raise DatabaseError(self.path, f"could not load shard {shard} ({str(exc).splitlines()[0]}); "
                                               f"nothing of it was written, what was stored before is kept") from None
            raise
        self._stored = self._filtered = None
        return counts

    def loaded_shards(self, run_id: str) -> dict[int, str]:
        """Shard -> digest of the shards of run ``run_id`` already loaded."""
        return dict(self.con.execute("SELECT shard, digest FROM loaded_shards WHERE run_id = ?", [run_id]).fetchall())

    def record_run(self, run_id: str, started: datetime, command: str, rules_version: str,
                   n_loaded: int, n_skipped: int, problems: Iterable[tuple[str, str | None, str]]) -> None:
        probs = list(problems)
        con = self.con
        con.execute("BEGIN")
        con.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, started, datetime.now(timezone.utc).replace(tzinfo=None), command, rules_version,
                     n_loaded, n_skipped, len(probs)])
        for path, aid, msg in probs:
            con.execute("INSERT INTO problems VALUES (?, ?, ?, ?)", [run_id, path, aid, msg])
        con.execute("COMMIT")

    def close(self) -> None:
        try:
            self.con.close()
        except duckdb.Error:
            pass

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
