"""Run folders: the plan of a run (manifest.json), and the shard function every engine schedules.

A run folder (``ctxh extract ... --out RUN_DIR``) is laid out as datatrove and dolma lay
theirs out: a plan, one output file per shard and table, and a marker per finished shard::

    RUN_DIR/manifest.json               inputs (walk order, with sizes), shards, versions and hashes
    RUN_DIR/<table>/part-00042.parquet  one per shard and table: articles, article_texts,
                                        province_mentions, counts, percentages, segments,
                                        filtered (dropped by the relevance filter), rejected
    RUN_DIR/done/00042                  written last: the shard's summary (JSON)

A shard is a list of pieces of the inputs: whole files (.txt, .html, a WARC file) or the
lines of a JSONL file that start in a byte range. Every id comes from the input (file name,
JSONL ``id``, WARC record offset), never from a worker or the order shards finish, so any
engine, any number of workers and any interruption give the same rows. A part file is
written under a temporary name and renamed; the done marker comes after the last one, so a
shard cut off mid-way has no marker and is redone whole on the next run (its files are
replaced, never appended to).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from .. import __version__
from ..errors import MissingExtra, RunDirError
from ..ingest.read import (DEFAULT_MAX_BYTES, Source, WalkProblem, _file_sources, file_kind, jsonl_range_sources,
                           line_cuts, walk)
from ..store.store import ROW_TABLES, TABLES

FORMAT = 1
DEFAULT_SHARD_SIZE = 1000       # articles (files, JSONL lines) per shard; a WARC file is one shard
OUT_TABLES = ROW_TABLES + ("rejected",)
REJECTED_COLUMNS = [("source_path", "VARCHAR"), ("article_id", "VARCHAR"), ("reason", "VARCHAR"),
                    ("holds_id", "BOOLEAN")]
# what may differ between two runs of one folder: it does not change a single row
VOLATILE = ("created_at", "command", "run_id", "rules_dir")
MAX_LISTED = 100                # rejections and notes a shard's summary lists by name (all are in rejected/)


def need_pyarrow():
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise MissingExtra("--out (a run folder of Parquet files)", "dask", "pyarrow") from None


# --------------------------------------------------------------------------- versions and hashes
def _package_hash() -> str:
    """Of ctxh's own source files: a rerun with changed code is a different run."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _dist(name: str) -> dict:
    """Version and a hash of the installed files' list (their RECORD holds each file's hash)."""
    from importlib import metadata

    try:
        d = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return {"version": None, "hash": None}
    record = d.read_text("RECORD") or ""
    return {"version": d.version, "hash": hashlib.sha256(record.encode()).hexdigest()[:16]}


def versions(rules) -> dict:
    return {
        "ctxh": {"version": __version__, "hash": _package_hash()},
        "rules": {"version": rules.version},
        "underthesea": _dist("underthesea"),
    }


# --------------------------------------------------------------------------- planning
def plan(paths: list[str], rules, shard_size: int = DEFAULT_SHARD_SIZE, prefilter: str = "auto",
         max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """The manifest of a run over ``paths``: inputs, shards, versions, settings.

    Files are listed, not read, except JSONL files: they are scanned once for line starts so
    that a shard is a byte range that begins on a line (and knows its first line's number).
    """
    inputs: list[dict] = []
    problems: list[list] = []
    seen: set[tuple[int, int]] = set()
    for item in walk(paths):
        if isinstance(item, WalkProblem):
            problems.append([item.path, item.reason, item.note])
            continue
        kind = file_kind(item.path)
        if kind is None:
            if item.explicit:
                ext = Path(item.path).suffix.lower()
                problems.append([item.path, f"unsupported file type {ext or '(none)'}; use .txt, .html, .htm, "
                                            f".jsonl, .warc or .warc.gz", False])
            continue
        try:
            st = os.stat(item.path)
        except OSError as exc:
            problems.append([item.path, f"cannot read file: {exc.strerror or exc}", False])
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:                    # one file named twice ('seeds seeds/x.txt'): read it once
            continue
        seen.add(key)
        inputs.append({"path": item.path, "kind": kind, "size": st.st_size, "mtime_ns": st.st_mtime_ns})

    shards: list[list] = []
    current: list = []
    room = shard_size

    def close() -> None:
        nonlocal current, room
        if current:
            shards.append(current)
        current, room = [], shard_size

    for i, inp in enumerate(inputs):
        if inp["kind"] == "warc":          # one shard per web archive (Common Crawl's hold ~30-40k records)
            close()
            current = [[i]]
            close()
        elif inp["kind"] == "jsonl":
            try:
                cuts, n_lines = line_cuts(inp["path"], shard_size, first=room)
            except OSError:
                cuts, n_lines = [], 1          # the shard function reports the file as unreadable
            start, line = 0, 1
            for off, next_line in cuts:
                current.append([i, start, off, line])
                close()
                start, line = off, next_line
            current.append([i, start, inp["size"], line])
            room -= max(1, n_lines - line + 1)
            if room <= 0:
                close()
        else:
            current.append([i])
            room -= 1
            if room <= 0:
                close()
    close()
    manifest = {
        "format": FORMAT,
        "versions": versions(rules),
        "settings": {"shard_size": shard_size, "prefilter": prefilter, "max_bytes": max_bytes},
        "inputs": inputs,
        "problems": problems,
        "shards": shards,
        "rules_dir": str(rules.directory),
    }
    manifest["run_id"] = run_id(manifest)
    return manifest


def run_id(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k not in VOLATILE}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def shard_tasks(manifest: dict) -> list[dict]:
    """What the shard function needs for each shard: numbers and pieces with their paths."""
    inputs = manifest["inputs"]
    out = []
    for n, pieces in enumerate(manifest["shards"]):
        ps = []
        for piece in pieces:
            inp = inputs[piece[0]]
            d = {"path": inp["path"], "kind": inp["kind"]}
            if len(piece) == 4:
                d.update(start=piece[1], end=piece[2], first_line=piece[3])
            ps.append(d)
        out.append({"shard": n, "pieces": ps})
    return out


def difference(old: dict, new: dict) -> str | None:
    """The first thing two manifests disagree on, in words; None when they are the same run."""
    if old.get("format") != new.get("format"):
        return f"run folder format {old.get('format')} (this ctxh writes {new['format']})"
    for what in ("ctxh", "rules", "underthesea"):
        a, b = old.get("versions", {}).get(what), new["versions"][what]
        if a != b:
            return f"{what} {_v(a)} then, {_v(b)} now"
    a, b = old.get("settings", {}), new["settings"]
    for k in b:
        if a.get(k) != b[k]:
            return f"{k} {a.get(k)!r} then, {b[k]!r} now"
    ia, ib = old.get("inputs", []), new["inputs"]
    for x, y in zip(ia, ib):
        if x["path"] != y["path"]:
            return f"input {y['path']} where {x['path']} was"
        if (x["size"], x["mtime_ns"]) != (y["size"], y["mtime_ns"]):
            return f"{y['path']} changed (size {x['size']} then, {y['size']} now)"
    if len(ia) != len(ib):
        what = f"{ib[len(ia)]['path']} is new" if len(ib) > len(ia) else f"{ia[len(ib)]['path']} is no longer one"
        return f"{len(ia)} input files then, {len(ib)} now: {what}"
    if old.get("shards") != new["shards"]:
        return "the inputs are cut into other shards"
    return None


def _v(d) -> str:
    if not d:
        return "unknown"
    return " ".join(f"{k} {v}" for k, v in d.items() if v)


def open_run(run_dir: str, manifest: dict) -> dict:
    """Create the run folder with its manifest, or check that an existing one is this run.

    Refuses (one line, exit 2) a folder made by another command: its shards would not fit."""
    d = Path(run_dir)
    mf = d / "manifest.json"
    if mf.is_file():
        try:
            old = json.loads(mf.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RunDirError(str(mf), f"cannot read the manifest ({exc}); use a new --out folder") from None
        why = difference(old, manifest)
        if why:
            raise RunDirError(str(d), f"was made by a different run ({why}); finish it with the same inputs, "
                                      f"rules and options, or use a new --out folder")
        return old
    if d.exists() and (not d.is_dir() or any(d.iterdir())):
        raise RunDirError(str(d), "exists and is not a run folder (no manifest.json); use a new --out folder")
    try:
        d.mkdir(parents=True, exist_ok=True)
        for t in OUT_TABLES + ("done",):
            (d / t).mkdir(exist_ok=True)
        full = dict(manifest, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        _write_atomic(mf, json.dumps(full, ensure_ascii=False, indent=1).encode())
    except OSError as exc:
        raise RunDirError(str(d), f"cannot create the run folder: {exc.strerror or exc}") from None
    return full


def read_manifest(run_dir: str) -> dict:
    mf = Path(run_dir) / "manifest.json"
    if not mf.is_file():
        raise RunDirError(run_dir, "not a run folder (no manifest.json); make one with `ctxh extract ... --out`")
    try:
        return json.loads(mf.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunDirError(str(mf), f"cannot read the manifest ({exc})") from None


def done_path(run_dir: str, n: int) -> Path:
    return Path(run_dir) / "done" / f"{n:05d}"


def part_path(run_dir: str, table: str, n: int) -> Path:
    return Path(run_dir) / table / f"part-{n:05d}.parquet"


def done_shards(run_dir: str) -> dict[int, dict]:
    """Shard number -> its summary, for every shard with a done marker."""
    out = {}
    d = Path(run_dir) / "done"
    if not d.is_dir():
        return out
    for f in d.iterdir():
        if f.name.isdigit():
            try:
                out[int(f.name)] = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue               # a marker being written by a worker elsewhere; not done yet
    return out


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------- Parquet
_ARROW = {}


def arrow_schema(table: str):
    import pyarrow as pa

    if table not in _ARROW:
        types = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(),
                 "BOOLEAN": pa.bool_(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"),
                 "VARCHAR[]": pa.list_(pa.string())}
        cols = REJECTED_COLUMNS if table == "rejected" else TABLES[table]
        _ARROW[table] = pa.schema([(c, types[t.replace(" PRIMARY KEY", "")]) for c, t in cols])
    return _ARROW[table]


def _typed(table: str, rows: list[dict]) -> list[dict]:
    """ISO strings (what the JSON path stores) -> date / datetime for Arrow."""
    cols = REJECTED_COLUMNS if table == "rejected" else TABLES[table]
    conv = [(c, t) for c, t in cols if t in ("DATE", "TIMESTAMP")]
    if not conv:
        return rows
    for r in rows:
        for c, t in conv:
            v = r.get(c)
            if isinstance(v, str):
                r[c] = date.fromisoformat(v) if t == "DATE" else datetime.fromisoformat(v)
    return rows


def write_part(run_dir: str, table: str, n: int, rows: list[dict]) -> int:
    """One part file, under a temporary name then renamed (a reader never sees half a file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    final = part_path(run_dir, table, n)
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
    tab = pa.Table.from_pylist(_typed(table, rows), schema=arrow_schema(table))
    pq.write_table(tab, tmp, compression="zstd")
    os.replace(tmp, final)
    return len(rows)


def _clear_temporaries(run_dir: str, n: int) -> None:
    """Temporary files a worker killed while writing this shard left behind."""
    for t in OUT_TABLES + ("done",):
        d = Path(run_dir) / t
        for f in d.glob(f".part-{n:05d}.parquet.*.tmp") if t != "done" else d.glob(f".{n:05d}.*.tmp"):
            try:
                f.unlink()
            except OSError:
                pass


# --------------------------------------------------------------------------- the shard function
@dataclass
class ShardSettings:
    """The same for every shard of a run; sent with each task."""

    rules_dir: str
    prefilter: str = "auto"
    max_bytes: int = DEFAULT_MAX_BYTES
    article_timeout: float | None = None

    def key(self) -> tuple:
        return (self.rules_dir, self.prefilter, self.max_bytes, self.article_timeout)


_WORKERS: dict[tuple, object] = {}     # one supervised worker per process and settings (rules, tokenizer loaded once)


def worker_for(settings: ShardSettings):
    """This process's article worker (started on first use, then kept for every shard)."""
    from . import work as worker
    from .work import WorkConfig
    from .workers import Workers

    w = _WORKERS.get(settings.key())
    if w is None:
        cfg = WorkConfig(settings.rules_dir, max_bytes=settings.max_bytes, prefilter=settings.prefilter,
                         output="rows")
        w = _WORKERS[settings.key()] = Workers(1, worker.setup, (cfg,), worker.work, worker.lost,
                                               timeout=settings.article_timeout)
    return w


def warm(settings: ShardSettings) -> None:
    """Start this process's worker and let it load the rules (a Dask worker plugin calls this)."""
    worker_for(settings).start()


def shard_sources(task: dict, max_bytes: int):
    """The sources (and walk problems) of a shard's pieces, in input order."""
    for p in task["pieces"]:
        if p["kind"] == "jsonl":
            yield from jsonl_range_sources(p["path"], p["start"], p["end"], p["first_line"], max_bytes)
        else:
            yield from _file_sources(p["path"], max_bytes, explicit=True)


def run_shard(run_dir: str, task: dict, settings: ShardSettings) -> dict:
    """One shard in, its Parquet part files and done marker out; returns a small summary.

    Idempotent: a shard already done returns its summary; a shard cut off before (files, no
    marker) is redone whole and its files replaced."""
    from .work import claim_id

    n = task["shard"]
    marker = done_path(run_dir, n)
    if marker.is_file():
        try:
            return json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    t0 = time.perf_counter()
    started = time.time()
    _clear_temporaries(run_dir, n)
    rows: dict[str, list[dict]] = {t: [] for t in OUT_TABLES}
    summary = {"shard": n, "found": 0, "loaded": 0, "filtered": 0, "rejected": 0, "chars": 0,
               "facts": defaultdict(int), "timings": defaultdict(float), "rejections": [], "notes": [],
               "host": socket.gethostname(), "pid": os.getpid()}
    seen: dict[str, str] = {}
    in_flight: list[Source] = []

    def reject(path: str, aid: str | None, reason: str, holds_id: bool) -> None:
        rows["rejected"].append({"source_path": path, "article_id": aid, "reason": reason, "holds_id": holds_id})
        summary["rejected"] += 1
        if len(summary["rejections"]) < MAX_LISTED:
            summary["rejections"].append([path, aid, reason])

    def sources():
        for item in shard_sources(task, settings.max_bytes):
            if isinstance(item, WalkProblem):
                if item.note:
                    if len(summary["notes"]) < MAX_LISTED:
                        summary["notes"].append([item.path, item.reason])
                else:
                    reject(item.path, None, item.reason, False)
                continue
            summary["found"] += 1
            aid = item.article_id
            if not claim_id(item, seen):
                summary["found"] -= 1
                continue
            if item.error:
                reject(item.path, aid, item.error, False)
                continue
            in_flight.append(item)
            yield item

    w = worker_for(settings)
    k = 0
    for status, payload, timings in w.map(sources()):
        src = in_flight[k]
        in_flight[k] = None            # the rows are kept, not the source's bytes
        k += 1
        for key, v in timings.items():
            summary["timings"][key] += v
        if status == "ok":
            tables, notes = payload
            for t, items in tables.items():
                rows[t].extend(items)
            a = tables["articles"][0]
            summary["loaded"] += 1
            summary["chars"] += a["n_chars"]
            for t in ("province_mentions", "counts", "percentages"):
                summary["facts"][t] += len(tables[t])
            for note in notes:
                if len(summary["notes"]) < MAX_LISTED:
                    summary["notes"].append([src.path, note])
        elif status == "filtered":
            rows["filtered"].append(payload)
            summary["filtered"] += 1
        else:                          # rejected (skipped cannot happen: a shard knows no database)
            reject(src.path, src.article_id, payload, True)
    t1 = time.perf_counter()
    for t in OUT_TABLES:
        write_part(run_dir, t, n, rows[t])
    summary["timings"]["write"] += time.perf_counter() - t1
    summary["rows"] = {t: len(rows[t]) for t in OUT_TABLES}
    summary["wall"] = time.perf_counter() - t0
    summary["started"] = started
    summary["finished"] = time.time()
    summary["replaced_workers"] = w.replaced
    out = json.dumps(summary, ensure_ascii=False, sort_keys=True)
    _write_atomic(marker, out.encode())
    return json.loads(out)


