"""The local engine: the shards of a run folder on this machine, no Dask.

``workers`` processes each run the shard function (run/shard.py) on one shard at a time;
each has one article worker of its own, set up once (rules, tokenizer). A process that
dies (killed from outside: an article that kills its article worker is dealt with inside
the shard) is replaced and its shard redone whole.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from ..errors import CtxhError
from .shard import ShardSettings, run_shard
from .workers import WorkerSetupError, exit_with_parent

MAX_BREAKS = 10


def _init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C is for the main process
    exit_with_parent()


def run(run_dir: str, tasks: list[dict], settings: ShardSettings, workers: int,
        on_done: Callable[[dict], None], on_failed: Callable[[int, BaseException], None]) -> None:
    """Run ``tasks`` (shards not done yet); ``on_done(summary)`` as each one finishes,
    ``on_failed(shard, error)`` for one that raised (the others go on)."""
    if not tasks:
        return
    if workers <= 1:
        for task in tasks:
            try:
                summary = run_shard(run_dir, task, settings)
            except (KeyboardInterrupt, CtxhError, WorkerSetupError):
                raise
            except Exception as exc:  # noqa: BLE001 - one shard's failure is reported, the others go on
                on_failed(task["shard"], exc)
                continue
            on_done(summary)
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
    todo = list(tasks)
    breaks = 0
    while todo:
        ex = ProcessPoolExecutor(min(workers, len(todo)), mp_context=ctx, initializer=_init)
        futures = {ex.submit(run_shard, run_dir, t, settings): t for t in todo}
        todo = []
        try:
            for fut in as_completed(futures):
                try:
                    summary = fut.result()
                except BrokenProcessPool:        # a worker process died: its shard (and those it took down) again
                    todo.append(futures[fut])
                    continue
                except (CtxhError, WorkerSetupError):
                    raise
                except Exception as exc:  # noqa: BLE001
                    on_failed(futures[fut]["shard"], exc)
                    continue
                on_done(summary)
        except BaseException:
            _stop(ex)
            raise
        if todo:
            _stop(ex)
            breaks += 1
            if breaks >= MAX_BREAKS:
                raise CtxhError(f"worker processes died {breaks} times (out of memory?); the shards done are "
                                f"kept, run the same command again to go on")
            todo.sort(key=lambda t: t["shard"])
        else:
            ex.shutdown(wait=True)


def _stop(ex: ProcessPoolExecutor) -> None:
    procs = list((getattr(ex, "_processes", None) or {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        try:
            p.kill()
        except (OSError, ValueError):
            pass
