"""``ctxh load RUN_DIR --db FILE``: a run folder's Parquet shards into the usual database.

Each finished shard is loaded in one transaction (``Store.load_parquet``) and recorded in
``loaded_shards``, so loading twice changes nothing and a load cut off mid-way goes on
where it stopped. An article loaded before (from another run folder, or a ``--db`` run)
is replaced, never duplicated. An ``article_id`` that occurs in two shards (two files of
the same name in different folders, a JSONL id used twice) is loaded once, from the first
shard, and the others are rejected as a ``--db`` run would reject them. The same bytes under
two names (two files, or one page in two web archives) are loaded once, the first in input order,
with a note naming both, as a ``--db`` run does; so a loaded run folder equals a ``--db`` run.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..run.shard import OUT_TABLES, done_path, done_shards, part_path, read_manifest
from .store import ROW_TABLES, Store


@dataclass
class LoadSummary:
    run_dir: str
    db: str
    shards: int = 0                 # in the run folder
    done: int = 0                   # finished (with a done marker)
    loaded_shards: int = 0          # loaded now
    already: int = 0                # loaded before, skipped
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rejected: list[tuple[str, str | None, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)      # (path, note): copies loaded once
    wall: float = 0.0

    @property
    def not_done(self) -> int:
        return self.shards - self.done


def _digest(run_dir: str, n: int) -> str:
    return hashlib.sha256(done_path(run_dir, n).read_bytes()).hexdigest()[:16]


def duplicates(run_dir: str, done: dict[int, dict] | None = None, con=None) -> list[tuple[str, str, str, int]]:
    """(source_path, article_id, reason, shard) of every occurrence of an article_id after its
    first, over the finished shards (first = lowest shard; a shard has no repeats of its own)."""
    import duckdb

    done = done_shards(run_dir) if done is None else done
    if not done:
        return []
    own = con is None
    con = con or duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        def part(table: str, where: str = "") -> str:
            glob = os.path.join(run_dir, table, "part-*.parquet").replace("'", "''")
            return (f"SELECT article_id, source_path, CAST(regexp_extract(filename, 'part-(\\d+)\\.parquet$', 1) "
                    f"AS INTEGER) AS shard FROM read_parquet('{glob}', filename=true) {where}")

        sql = f"""
            WITH occ AS (
                {part('articles')} UNION ALL {part('filtered')} UNION ALL {part('rejected', 'WHERE holds_id')}),
            d AS (SELECT * FROM occ WHERE shard IN (SELECT unnest(?::INTEGER[])) AND article_id IN (
                SELECT article_id FROM occ WHERE shard IN (SELECT unnest(?::INTEGER[]))
                GROUP BY article_id HAVING count(*) > 1)),
            r AS (SELECT *, first_value(source_path) OVER w AS first_path, row_number() OVER w AS rn
                  FROM d WINDOW w AS (PARTITION BY article_id ORDER BY shard))
            SELECT source_path, article_id, first_path, shard FROM r WHERE rn > 1 ORDER BY shard, source_path"""
        shards = sorted(done)
        rows = con.execute(sql, [shards, shards]).fetchall()
    finally:
        if own:
            con.close()
    return [(path, aid, f"duplicate article_id {aid!r} (already read from {first}); rename one of them", shard)
            for path, aid, first, shard in rows]


def same_bytes(run_dir: str, done: dict[int, dict], con) -> list[tuple[str, str, str, int]]:
    """(source_path, article_id, note, shard) of every article whose bytes (sha256) an earlier one
    in input order (shard, then row), or an article already in the database under another id, has."""
    if not done:
        return []
    glob = os.path.join(run_dir, "articles", "part-*.parquet").replace("'", "''")
    rows = con.execute(f"""
        WITH a AS (
            SELECT article_id, source_path, sha256, file_row_number AS rn,
                   CAST(regexp_extract(filename, 'part-(\\d+)\\.parquet$', 1) AS INTEGER) AS shard
            FROM read_parquet('{glob}', filename=true, file_row_number=true)),
        d AS (SELECT * FROM a WHERE shard IN (SELECT unnest(?::INTEGER[]))),
        r AS (SELECT *, first_value(article_id) OVER w AS first_id, first_value(source_path) OVER w AS first_path
              FROM d WINDOW w AS (PARTITION BY sha256 ORDER BY shard, rn)),
        s AS (SELECT sha256, min(article_id) AS sid, min(source_path) AS spath FROM articles
              WHERE article_id NOT IN (SELECT article_id FROM d) GROUP BY sha256)
        SELECT r.source_path, r.article_id, r.first_id, r.first_path, s.sid, s.spath, r.shard
        FROM r LEFT JOIN s USING (sha256)
        WHERE r.article_id <> r.first_id OR (s.sid IS NOT NULL AND s.sid <> r.article_id)
        ORDER BY r.shard, r.rn""", [sorted(done)]).fetchall()
    out = []
    for path, aid, first_id, first_path, sid, spath, shard in rows:
        if sid is not None:
            note = f"same bytes as {spath} (article {sid!r}, already in the database); not loaded again"
        else:
            note = f"same bytes as {first_path}; loaded once, as article {first_id!r}"
        out.append((path, aid, note, shard))
    return out


def _run_rules(manifest: dict):
    """The run's rules (for the reference tables a new database gets) when they are still there."""
    from ..errors import RulesError
    from ..rules import load_rules

    d = manifest.get("rules_dir")
    if d and os.path.isdir(d):
        try:
            rules = load_rules(d)
        except RulesError:
            return None
        if rules.version == manifest["versions"]["rules"]["version"]:
            return rules
    return None


def load_run(run_dir: str, db: str, progress: Callable[[LoadSummary], None] | None = None,
             command: str = "load", storage_version: str | None = None) -> LoadSummary:
    """Load every finished shard of ``run_dir`` not loaded yet into ``db``."""
    t0 = time.perf_counter()
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    manifest = read_manifest(run_dir)
    rid = manifest["run_id"]
    done = done_shards(run_dir)
    s = LoadSummary(run_dir, db, shards=len(manifest["shards"]), done=len(done))
    store = Store(db, storage_version=storage_version, rules=_run_rules(manifest))
    try:
        if not os.environ.get("CTXH_DUCKDB_MEMORY"):
            store.con.execute("SET memory_limit = '1GB'")     # nothing else runs: more than while extracting
            store._limit_bytes = 10**9
        store.con.execute(f"SET threads = {max(1, os.cpu_count() or 1)}")
        before = store.loaded_shards(rid)
        dups: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        for path, aid, reason, shard in duplicates(run_dir, done, store.con):
            dups[shard].append((path, aid, reason))
        copies: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        for path, aid, note, shard in same_bytes(run_dir, done, store.con):
            copies[shard].append((path, aid, note))
        for n in sorted(done):
            digest = _digest(run_dir, n)
            if before.get(n) == digest:
                s.already += 1
                continue
            files = {t: str(part_path(run_dir, t, n)) for t in OUT_TABLES}
            counts = store.load_parquet(rid, n, digest, files, [aid for _, aid, _ in dups.get(n, []) + copies.get(n, [])])
            s.notes.extend((path, note) for path, _, note in copies.get(n, []))
            for t, k in counts.items():
                s.rows[t] += k
            s.rejected.extend(tuple(r) for r in store.con.execute(
                "SELECT source_path, article_id, reason FROM read_parquet(?) "
                "WHERE NOT (holds_id AND article_id IN (SELECT unnest(?::VARCHAR[])))",
                [files["rejected"], [aid for _, aid, _ in dups.get(n, [])]]).fetchall())
            s.rejected.extend(dups.get(n, []))
            s.loaded_shards += 1
            if progress:
                progress(s)
        if s.loaded_shards:
            store.record_run(uuid.uuid4().hex[:12], started, command, manifest["versions"]["rules"]["version"],
                             s.rows["articles"], 0, s.rejected)
    finally:
        store.close()
    s.wall = time.perf_counter() - t0
    return s


__all__ = ["load_run", "duplicates", "same_bytes", "LoadSummary", "ROW_TABLES"]
