"""``ctxh extract INPUT... --out RUN_DIR``: plan a run folder, run its shards on an engine, sum up.

The same command again resumes: the plan is made again and must be the one in
``manifest.json`` (else the folder is refused), shards with a done marker are skipped,
the others are run whole. ``--engine local`` and ``--engine dask`` run the same shard
function (run/shard.py), so they write the same rows.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CtxhError
from ..ingest.read import DEFAULT_MAX_BYTES
from ..rules import load_rules
from .pipeline import DEFAULT_ARTICLE_TIMEOUT, Rejection
from .shard import (DEFAULT_SHARD_SIZE, ShardSettings, done_shards, need_pyarrow, open_run, plan, shard_tasks)

ENGINES = ("local", "dask")


@dataclass
class ArchiveSummary:
    out: str
    rules_version: str
    engine: str
    shards: int = 0
    shards_before: int = 0           # done by an earlier run of the same command (skipped)
    shards_now: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    found: int = 0
    loaded: int = 0                  # articles written to the run folder
    filtered: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    n_rejected: int = 0              # all of them (``rejected`` lists at most 100 a shard)
    notes: list[tuple[str, str]] = field(default_factory=list)
    facts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    chars: int = 0
    wall: float = 0.0
    plan_seconds: float = 0.0
    cluster: dict = field(default_factory=dict)
    shard_summaries: list[dict] = field(default_factory=list)   # of the shards run now
    interrupted: bool = False
    duplicates: int = 0

    @property
    def ok(self) -> bool:
        return not self.n_rejected and not self.failed and not self.interrupted and not self.duplicates


def run_archive(paths: list[str], out: str, engine: str = "local", workers: int | None = None,
                scheduler: str | None = None, shard_size: int = DEFAULT_SHARD_SIZE, prefilter: str = "auto",
                max_bytes: int = DEFAULT_MAX_BYTES, rules_dir: str | None = None,
                article_timeout: float | None = DEFAULT_ARTICLE_TIMEOUT,
                progress: Callable[[str, ArchiveSummary], None] | None = None) -> ArchiveSummary:
    """Extract every article under ``paths`` into the run folder ``out`` (see the module doc).

    ``progress(event, summary)``: 'planned' once, then 'shard' as each shard finishes."""
    t0 = time.perf_counter()
    if engine not in ENGINES:
        raise CtxhError(f"unknown engine {engine!r} (use local or dask)")
    need_pyarrow()
    if engine == "dask":
        from .dask import need_dask

        need_dask()
    rules = load_rules(rules_dir)
    workers = max(1, workers or os.cpu_count() or 1)
    manifest = plan(paths, rules, shard_size, prefilter, max_bytes)
    manifest = open_run(out, manifest)
    s = ArchiveSummary(out=out, rules_version=rules.version, engine=engine, shards=len(manifest["shards"]))
    s.plan_seconds = time.perf_counter() - t0
    for path, reason, note in manifest["problems"]:
        if note:
            s.notes.append((path, reason))
        else:
            s.rejected.append(Rejection(path, None, reason))
            s.n_rejected += 1
    before = done_shards(out)
    s.shards_before = len(before)
    for summ in before.values():
        _add(s, summ)
    tasks = [t for t in shard_tasks(manifest) if t["shard"] not in before]
    settings = ShardSettings(str(Path(rules.directory).resolve()), prefilter, max_bytes, article_timeout or None)
    if progress:
        progress("planned", s)

    def on_done(summ: dict) -> None:
        s.shards_now += 1
        s.shard_summaries.append(summ)
        _add(s, summ)
        if progress:
            progress("shard", s)

    def on_failed(n: int, exc: BaseException) -> None:
        s.failed.append((n, f"{type(exc).__name__}: {exc}".splitlines()[0]))
        if progress:
            progress("shard", s)

    try:
        if engine == "local":
            from . import local

            local.run(out, tasks, settings, workers, on_done, on_failed)
        else:
            from . import dask as dask_engine

            s.cluster = dask_engine.run(out, tasks, settings, workers, scheduler, on_done, on_failed,
                                        run_id=manifest["run_id"])
    except KeyboardInterrupt:
        s.interrupted = True
    if not s.interrupted and not s.failed and s.shards_before + s.shards_now == s.shards:
        from ..store.load import duplicates

        for path, aid, reason, _ in duplicates(out):
            s.rejected.append(Rejection(path, aid, reason))
            s.duplicates += 1
    s.wall = time.perf_counter() - t0
    return s


def _add(s: ArchiveSummary, summ: dict) -> None:
    s.found += summ["found"]
    s.loaded += summ["loaded"]
    s.filtered += summ["filtered"]
    s.n_rejected += summ["rejected"]
    s.chars += summ["chars"]
    for k, v in summ["facts"].items():
        s.facts[k] += v
    for k, v in summ["timings"].items():
        s.timings[k] += v
    for path, aid, reason in summ["rejections"]:
        s.rejected.append(Rejection(path, aid, reason))
    for path, note in summ["notes"]:
        s.notes.append((path, note))
