"""Many articles: discover -> skip unchanged -> process in workers -> store in batches.

The main process walks the input and hands the sources to worker processes
(run/workers.py) in bounded windows (memory stays flat however large the archive). A
worker reads and hashes its file, skips it when its bytes and rules are unchanged since
the last run, else scores its relevance, extracts and encodes the rows (run/work.py); the
main process only loads the database. Results come back in input order, so
``--workers 2`` writes exactly what ``--workers 1`` writes. Every problem is a rejection
with a reason; nothing an article contains can stop the run: an article that kills its
worker or runs over ``--article-timeout`` is rejected by name and its worker replaced.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import UsageError
from ..ingest.read import DEFAULT_MAX_BYTES, Ignored, Source, WalkProblem, discover
from ..rules import load_rules
from ..store.store import Encoded, Store
from . import work as worker
from .work import WorkConfig, claim_id
from .workers import Workers

BATCH = 500           # articles per database transaction (500: measured -30% load time vs 200)
DEFAULT_ARTICLE_TIMEOUT = 120.0   # seconds; the worst article measured (2 MB, one sentence) takes 5.5 s, 10 MB ~30 s


@dataclass
class Rejection:
    path: str
    article_id: str | None
    reason: str


@dataclass
class RunSummary:
    db: str
    rules_version: str
    found: int = 0
    loaded: int = 0
    skipped: int = 0
    filtered: int = 0        # dropped by the relevance filter (table `filtered`), not rejections
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)      # (path, note) e.g. encoding converted
    facts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    chars: int = 0
    done: int = 0            # sources finished (loaded-to-be, skipped, filtered or rejected)
    interrupted: bool = False
    wall: float = 0.0
    replaced_workers: int = 0
    # what the summary tells the user: what was found in the loaded articles ...
    categories: Counter = field(default_factory=Counter)           # counts per category
    provinces: Counter = field(default_factory=Counter)            # articles per primary province
    named_provinces: set[str] = field(default_factory=set)         # every province named in a body
    first_date: str | None = None
    last_date: str | None = None
    undated: int = 0
    # ... what was skipped and why, and what the database holds now
    ignored: list[tuple[str, str]] = field(default_factory=list)   # (path, extension): other file types in folders
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, path of the same bytes loaded)
    db_totals: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.interrupted


# --------------------------------------------------------------------------- main side
def run_extract(paths: list[str], db: str = "data/ctxh.duckdb", workers: int | None = None, force: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES, rules_dir: str | None = None,
                progress: Callable[[str, RunSummary], None] | None = None, command: str = "extract",
                prefilter: str = "auto", article_timeout: float | None = DEFAULT_ARTICLE_TIMEOUT,
                storage_version: str | None = None) -> RunSummary:
    """Extract every article under ``paths`` into the database ``db``.

    ``prefilter``: 'auto' (the relevance filter for web archives only), 'on' or 'off'.
    ``article_timeout``: seconds an article may take (None or 0: no limit; then a one-worker
    run extracts in this process). ``storage_version``: the DuckDB storage format if ``db`` is
    created (default: one every DuckDB 1.x client opens, see store.choose_storage_version); an
    existing database keeps its own.

    ``progress(event, summary)`` is called with event 'found', 'done' or 'store' so a UI can
    draw a bar. Raises :class:`CtxhError` for problems that stop the whole run (bad rules,
    unusable database); per-article problems are rejections.
    """
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    t_start = time.perf_counter()
    check_paths(paths)                                  # a typo is a usage error: no database is created
    rules = load_rules(rules_dir)                       # bad rules stop the run before any article
    workers = max(1, workers or os.cpu_count() or 1)
    store = Store(db, storage_version=storage_version, rules=rules)
    summary = RunSummary(db=db, rules_version=rules.version)
    note = store.storage_note()
    if note:
        summary.notes.append((db, note))
    known = store.known()
    cfg = WorkConfig(str(rules.directory), known, store.known_filtered(), force, max_bytes, prefilter)
    seen: dict[str, str] = {}
    by_sha: dict[str, tuple[str, str]] = {}           # sha256 -> (article_id, path) read in this run
    copies_of_stored: dict[str, list[tuple[str, str]]] = defaultdict(list)   # article_id -> [(path, sha)]
    batch: list[Encoded] = []
    pool = None
    try:
        in_flight: deque[Source] = deque()     # handed to the workers; results come back in this order
        sources = _sources(paths, max_bytes, summary, seen, progress, in_flight)
        if workers > 1 or article_timeout:
            pool = Workers(workers, worker.setup, (cfg,), worker.work, worker.lost, timeout=article_timeout)
            results = pool.map(sources)
        else:
            worker.setup(cfg)
            results = map(worker.work, sources)
        for status, payload, timings in results:
            src = in_flight.popleft()
            for k, v in timings.items():
                summary.timings[k] += v
            if status == "rejected":
                summary.rejected.append(Rejection(src.path, src.article_id, payload))
            elif status == "skipped":
                summary.skipped += 1
                if src.article_id in known:
                    by_sha.setdefault(known[src.article_id][0], (src.article_id, src.path))
            elif status == "filtered":
                summary.filtered += 1
                batch.append(payload)
            elif status == "duplicate":
                other_id, other_path, sha = payload
                summary.duplicates.append((src.path, other_path))
                summary.notes.append((src.path, f"same bytes as {other_path} (article {other_id!r}, already in "
                                                f"the database); not loaded again"))
                copies_of_stored[other_id].append((src.path, sha))
            else:
                encoded, notes = payload
                first = by_sha.get(encoded.sha256)
                if first is not None and first[0] != encoded.article_id:
                    summary.duplicates.append((src.path, first[1]))
                    summary.notes.append((src.path, f"same bytes as {first[1]}; loaded once, as article {first[0]!r}"))
                else:
                    by_sha[encoded.sha256] = (encoded.article_id, src.path)
                    for path, sha in copies_of_stored.pop(encoded.article_id, ()):
                        if sha != encoded.sha256:    # the stored original changed in this very run
                            summary.notes.append((path, f"was taken for a copy of {src.path}, which changed "
                                                        f"in this run; run the same command again to load it"))
                    for n in notes:
                        summary.notes.append((src.path, n))
                    batch.append(encoded)
            summary.done += 1
            if progress:
                progress("done", summary)
            if len(batch) >= BATCH:
                _flush(store, batch, summary, progress)
        _flush(store, batch, summary, progress)
    except KeyboardInterrupt:
        summary.interrupted = True
        if pool is not None:
            pool.terminate()
    except Exception:
        if pool is not None:
            pool.terminate()
        raise
    finally:
        if pool is not None:
            summary.replaced_workers = pool.replaced
            pool.close()
        summary.wall = time.perf_counter() - t_start
        try:
            summary.db_totals = {t: store.count(t) for t in ("articles", "province_mentions", "counts", "percentages")}
        except Exception:       # the summary's last line is a courtesy; the run itself is done
            pass
        try:
            store.record_run(uuid.uuid4().hex[:12], started, command, rules.version, summary.loaded,
                             summary.skipped, [(r.path, r.article_id, r.reason) for r in summary.rejected])
        except Exception:
            pass
        store.close()
    return summary


def check_paths(paths: list[str]) -> None:
    """Raise :class:`UsageError` naming every path given that does not exist (a broken link counts:
    nothing is behind it). Paths inside folders that vanish later are rejections, not this."""
    missing = [f"{p}: {'broken symbolic link' if os.path.islink(p) else 'no such file or directory'}"
               for p in paths if not os.path.exists(p)]
    if missing:
        raise UsageError("; ".join(missing) + " (nothing was read or written)")


def _flush(store: Store, batch: list[Encoded], summary: RunSummary, progress) -> None:
    if not batch:
        return
    t0 = time.perf_counter()
    store.write_encoded(batch)
    summary.timings["store"] += time.perf_counter() - t0
    summary.loaded += sum(1 for e in batch if not e.filtered)
    for e in batch:                      # counted once stored, so an interrupted run's summary is true
        summary.chars += e.n_chars
        summary.facts["province_mentions"] += e.n_mentions
        summary.facts["counts"] += e.n_counts
        summary.facts["percentages"] += e.n_percentages
        if e.filtered:
            continue
        summary.categories.update(e.categories)
        summary.named_provinces.update(e.provinces)
        if e.primary_province:
            summary.provinces[e.primary_province] += 1
        if e.published:
            summary.first_date = min(filter(None, (summary.first_date, e.published)))
            summary.last_date = max(filter(None, (summary.last_date, e.published)))
        else:
            summary.undated += 1
    batch.clear()
    if progress:
        progress("store", summary)


def _sources(paths, max_bytes, summary: RunSummary, seen: dict[str, str], progress,
             in_flight: deque[Source]) -> Iterator[Source]:
    """Sources to hand to the workers; walk problems and duplicate ids are recorded on the way.
    Files are not read here: the workers read, hash and skip what is unchanged."""
    for item in discover(paths, max_bytes, with_ignored=True):
        if isinstance(item, Ignored):
            summary.ignored.append((item.path, item.ext))
            continue
        if isinstance(item, WalkProblem):
            if item.note:
                summary.notes.append((item.path, item.reason))
            else:
                summary.rejected.append(Rejection(item.path, None, item.reason))
            continue
        summary.found += 1
        if progress:
            progress("found", summary)
        aid = item.article_id
        if not claim_id(item, seen):
            summary.found -= 1           # one file named twice ('seeds seeds/x.txt'): read it once
            continue
        if item.error:
            summary.rejected.append(Rejection(item.path, aid, item.error))
            summary.done += 1
            if progress:
                progress("done", summary)
            continue
        in_flight.append(item)
        yield item
