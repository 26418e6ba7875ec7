"""Many articles: discover -> skip unchanged -> process in workers -> store in batches.

The main process walks the input and hands the sources to a pool of worker
processes in bounded windows (memory stays flat however large the archive). A
worker reads and hashes its file, skips it when its bytes and rules are unchanged
since the last run, else extracts and encodes the rows; the main process only
loads the database. Results come back in input order, so ``--workers 2`` writes
exactly what ``--workers 1`` writes. Every problem is a rejection with a reason;
nothing an article contains can stop the run.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pydantic import ValidationError

from ..errors import CtxhError, InputError, UsageError
from ..models import ArticleResult
from ..ingest.read import DEFAULT_MAX_BYTES, Ignored, Source, WalkProblem, decode, discover
from ..rules import Rules, load_rules
from ..store.store import Encoded, Store, encode

WINDOW = 256          # sources in flight at once (bounds memory)
BATCH = 500           # articles per database transaction (500: measured -30% load time vs 200)


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
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)      # (path, note) e.g. encoding converted
    facts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    chars: int = 0
    done: int = 0            # sources finished (loaded-to-be, skipped or rejected)
    interrupted: bool = False
    wall: float = 0.0
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


# --------------------------------------------------------------------------- worker side
_RULES: Rules | None = None
_KNOWN: dict[str, tuple] = {}          # article_id -> (sha256, rules_version, source_path) already stored
_KNOWN_SHA: dict[str, tuple] = {}      # sha256 -> (article_id, source_path) of the stored article with those bytes
_FORCE = False
_MAX_BYTES = DEFAULT_MAX_BYTES


_PROCESS = None                        # process.process, imported in the worker (see _init_worker)


def _init_worker(rules_dir: str, known: dict | None = None, force: bool = False,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Set a worker up. The extraction stack (underthesea: ~70 MB) is imported here, not at the
    top of this module, so the main process of a --workers N run never carries it."""
    global _RULES, _KNOWN, _KNOWN_SHA, _FORCE, _MAX_BYTES, _PROCESS
    from .process import process

    _PROCESS = process
    _RULES = load_rules(rules_dir)
    _KNOWN = known or {}
    _KNOWN_SHA = {}
    for aid, (sha, _version, path) in sorted(_KNOWN.items()):
        _KNOWN_SHA.setdefault(sha, (aid, path))
    _FORCE = force
    _MAX_BYTES = max_bytes


def _init_pool_worker(*args) -> None:
    """A worker process: Ctrl-C is for the main process to handle (it stops the
    workers; otherwise each would print a traceback), and a worker must not
    outlive a main process that was killed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    _init_worker(*args)


def _exit_with_parent() -> None:
    """Die with the main process: a SIGKILLed run must not leave workers behind (they
    would wait forever for work, or print a broken-pipe traceback into the terminal)."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG: the kernel does it
            if os.getppid() == parent:
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class _Workers:
    """Worker processes that survive one of them dying.

    ``multiprocessing.Pool`` waits forever for a task whose worker was killed (by
    the out-of-memory killer, a stray ``kill``). Here the executor notices; what
    the window had not finished is redone one source at a time in a single worker,
    so a source that kills its worker again is rejected by name and every other
    one is still extracted. Results stay in input order.
    """

    DIED = "the worker process extracting it died (killed by the system; out of memory?)"

    def __init__(self, n: int, init_args: tuple):
        self.n = n
        self.init_args = init_args
        self.ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
        self.ex = self._executor(n)
        self.single = False                   # redoing a window one source at a time

    def _executor(self, n: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(n, mp_context=self.ctx, initializer=_init_pool_worker, initargs=self.init_args)

    def map(self, window: list[Source]) -> Iterator[tuple[str, object, dict[str, float]]]:
        if self.single:                       # the caller stops at the window's last result, so back to n here
            self._renew()
        try:
            futures = [self.ex.submit(_work, s) for s in window]
        except BrokenProcessPool:            # a worker died between two windows
            self._renew()
            futures = [self.ex.submit(_work, s) for s in window]
        for i, fut in enumerate(futures):
            try:
                result = fut.result()
            except BrokenProcessPool:
                break
            yield result
        else:
            return
        self.ex.shutdown(wait=True, cancel_futures=True)
        self.ex = self._executor(1)           # redo the rest one at a time: a death then names its source
        self.single = True
        for src, fut in zip(window[i:], futures[i:]):
            if not fut.cancelled() and fut.exception() is None:
                yield fut.result()
                continue
            try:
                result = self.ex.submit(_work, src).result()
            except BrokenProcessPool:
                result = "rejected", self.DIED, {}
                self.ex.shutdown(wait=True)
                self.ex = self._executor(1)
            yield result

    def _renew(self) -> None:
        self.ex.shutdown(wait=True, cancel_futures=True)
        self.ex = self._executor(self.n)
        self.single = False

    def terminate(self) -> None:
        """Stop now (Ctrl-C): work in flight is dropped, its articles are not stored."""
        procs = list((getattr(self.ex, "_processes", None) or {}).values())
        self.ex.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.terminate()

    def close(self) -> None:
        self.ex.shutdown(wait=True)


def _work(src: Source) -> tuple[str, object, dict[str, float]]:
    """Read, hash, skip-or-extract and encode one source; never raises.

    Returns ('ok', (Encoded, notes)), ('skipped', None), ('duplicate', (article_id, path, sha256))
    when another stored article has the same bytes, or ('rejected', reason). Reading and
    encoding happen here, in the worker, so the main process only walks folders and loads
    the database (measured: it was the bottleneck of --workers 2, see bench/README.md)."""
    timings: dict[str, float] = defaultdict(float)
    t0 = time.perf_counter()
    notes: list[str] = []
    src.load(_MAX_BYTES)
    prev = _KNOWN.get(src.article_id) if src.article_id is not None else None
    if not src.error and prev is not None:
        if not _FORCE and prev[:2] == (src.sha256, _RULES.version):
            timings["read"] += time.perf_counter() - t0
            return "skipped", None, timings
        if prev[0] != src.sha256 and not _same_source(prev[2], src.path):
            # an edit is expected; another file taking over an article_id may be a mistake: say so
            notes.append(f"replaces article {src.article_id!r} loaded earlier from {prev[2]} "
                         f"(same article_id, different content)")
    copy_of = _KNOWN_SHA.get(src.sha256) if not src.error and src.sha256 else None
    if copy_of is not None and copy_of[0] != src.article_id:
        timings["read"] += time.perf_counter() - t0
        return "duplicate", (*copy_of, src.sha256), timings
    try:
        raw = decode(src, _RULES)
    except InputError as exc:
        return "rejected", exc.reason, timings
    except Exception as exc:  # a decoder bug must not stop the run
        return "rejected", f"could not be read ({type(exc).__name__}: {exc})", timings
    timings["read"] += time.perf_counter() - t0
    try:
        result = _PROCESS(raw, _RULES, timings)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return "rejected", f"an extracted fact failed validation ({where}: {err['msg']})", timings
    except CtxhError as exc:
        return "rejected", str(exc), timings
    except Exception as exc:
        return "rejected", f"internal error while extracting ({type(exc).__name__}: {exc})", timings
    too_big = _unstorable_count(result)
    if too_big:
        return "rejected", too_big, timings
    t1 = time.perf_counter()
    encoded = encode(result)
    timings["encode"] += time.perf_counter() - t1
    return "ok", (encoded, raw.notes + notes), timings


BIGINT_MAX = 2**63 - 1


def _unstorable_count(result: ArticleResult) -> str | None:
    """A count over BIGINT would make the database refuse the whole batch, losing the
    other articles in it; so the one article is rejected here instead."""
    for c in result.counts:
        for v in (c.value, c.value_max):
            if v is not None and not -BIGINT_MAX <= v <= BIGINT_MAX:
                return f"a number too large to be a count ({v}, at character {c.start_char}) cannot be stored"
    return None


# --------------------------------------------------------------------------- main side
def run_extract(paths: list[str], db: str = "data/ctxh.duckdb", workers: int | None = None, force: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES, rules_dir: str | None = None,
                progress: Callable[[str, RunSummary], None] | None = None, command: str = "extract",
                storage_version: str | None = None) -> RunSummary:
    """Extract every article under ``paths`` into the database ``db``.

    ``storage_version``: the DuckDB storage format if ``db`` is created (default: one every DuckDB
    1.x client opens, see store.choose_storage_version); an existing database keeps its own.

    ``progress(event, summary)`` is called with event 'found', 'done' or 'store'
    so a UI can draw a bar. Raises :class:`CtxhError` for problems that stop the
    whole run (bad rules, unusable database); per-article problems are rejections.
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
    seen: dict[str, str] = {}
    by_sha: dict[str, tuple[str, str]] = {}           # sha256 -> (article_id, path) read in this run
    copies_of_stored: dict[str, list[tuple[str, str]]] = defaultdict(list)   # article_id -> [(path, sha)]
    batch: list[Encoded] = []
    pool = None
    init_args = (str(rules.directory), known, force, max_bytes)
    try:
        if workers > 1:
            pool = _Workers(workers, init_args)
        else:
            _init_worker(*init_args)
        for window in _windows(_sources(paths, max_bytes, summary, seen, progress), WINDOW):
            if pool is not None:
                results = pool.map(window)
            else:
                results = map(_work, window)
            for src, (status, payload, timings) in zip(window, results):
                for k, v in timings.items():
                    summary.timings[k] += v
                if status == "rejected":
                    summary.rejected.append(Rejection(src.path, src.article_id, payload))
                elif status == "skipped":
                    summary.skipped += 1
                    by_sha.setdefault(known[src.article_id][0], (src.article_id, src.path))
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
                        summary.notes.append((src.path, f"same bytes as {first[1]}; loaded once, as article "
                                                        f"{first[0]!r}"))
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
            pool = None
    finally:
        if pool is not None:
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
    summary.loaded += len(batch)
    for e in batch:                      # counted once stored, so an interrupted run's summary is true
        summary.chars += e.n_chars
        summary.facts["province_mentions"] += e.n_mentions
        summary.facts["counts"] += e.n_counts
        summary.facts["percentages"] += e.n_percentages
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


def _windows(it: Iterator[Source], n: int) -> Iterator[list[Source]]:
    window: list[Source] = []
    for s in it:
        window.append(s)
        if len(window) >= n:
            yield window
            window = []
    if window:
        yield window


def _sources(paths, max_bytes, summary: RunSummary, seen: dict[str, str], progress) -> Iterator[Source]:
    """Sources to hand to the workers; walk problems and duplicate ids are recorded on the way.
    Files are not read here: the workers read, hash and skip what is unchanged."""
    for item in discover(paths, max_bytes):
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
        if aid is not None and not item.error:
            if aid in seen and _same_source(seen[aid], item.path):
                summary.found -= 1           # one file named twice ('seeds seeds/x.txt'): read it once
                continue
            if aid in seen:
                item.error = f"duplicate article_id {aid!r} (already read from {seen[aid]}); rename one of them"
            else:
                seen[aid] = item.path
        if item.error:
            summary.rejected.append(Rejection(item.path, aid, item.error))
            summary.done += 1
            if progress:
                progress("done", summary)
            continue
        yield item


def _same_source(a: str | None, b: str) -> bool:
    """Whether two source paths name the same file (and the same line of a JSONL file)."""
    if a is None:
        return False
    (fa, la), (fb, lb) = _split_line(a), _split_line(b)
    if la != lb:
        return False
    try:
        return os.path.samefile(fa, fb)
    except OSError:
        return fa == fb


def _split_line(path: str) -> tuple[str, str]:
    """'a.jsonl:3' -> ('a.jsonl', '3'); a .txt/.html path ends with its extension, so has no line."""
    head, sep, tail = path.rpartition(":")
    return (head, tail) if sep and tail.isdigit() else (path, "")
