"""The Dask engine: the shards of a run folder on a Dask cluster (``pip install 'ctxh-extract[dask]'``).

Without ``scheduler`` a LocalCluster of ``workers`` processes with one thread each
(underthesea holds the GIL, so threads would not run in parallel); with it, the cluster
behind that address: ``dask scheduler`` / ``dask worker`` on plain machines, or a Slurm
cluster from dask-jobqueue (README, "Large archives"). Workers must see the run folder and
the inputs at the same paths (a shared file system) and have ctxh-extract installed.

The engine only schedules the shard function (run/shard.py): one task per shard that is
not done yet, each returning a small summary. A plugin sets every worker process up once
(rules, tokenizer); a task whose worker dies is rerun by Dask on another worker, and since
a shard is redone whole and its files replaced, nothing is ever duplicated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..errors import CtxhError, MissingExtra
from .shard import ShardSettings, run_shard, warm

try:
    from distributed import WorkerPlugin as _PluginBase
except ImportError:              # the class below is only used once Dask is known to be there
    _PluginBase = object


def need_dask():
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise MissingExtra("--engine dask", "dask", "Dask (dask.distributed)") from None


class CtxhSetup(_PluginBase):
    """Run on every worker process as it joins: loads the rules and starts the article worker,
    so the first shard a worker gets does not pay for it."""

    name = "ctxh-setup"

    def __init__(self, settings: ShardSettings):
        self.settings = settings

    def setup(self, worker=None):
        warm(self.settings)


def run(run_dir: str, tasks: list[dict], settings: ShardSettings, workers: int, scheduler: str | None,
        on_done: Callable[[dict], None], on_failed: Callable[[int, BaseException], None],
        run_id: str = "run", on_start: Callable[[dict], None] | None = None) -> dict:
    """Run ``tasks`` on a cluster; returns what it was (``{'workers': n, 'scheduler': address}``)."""
    need_dask()
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise CtxhError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
        info = {"scheduler": client.scheduler.address,
                "workers": len(client.scheduler_info().get("workers", {}))}
        if on_start:
            on_start(info)
        if not tasks:
            return info
        client.register_plugin(CtxhSetup(settings))
        futures = {client.submit(run_shard, run_dir, t, settings, key=f"ctxh-{run_id}-shard-{t['shard']:05d}",
                                 pure=False, retries=1): t["shard"] for t in tasks}
        try:
            for fut in as_completed(futures):
                try:
                    summary = fut.result()
                except Exception as exc:  # noqa: BLE001 - a failed shard (or KilledWorker) is reported, others go on
                    on_failed(futures[fut], exc)
                    continue
                on_done(summary)
        except BaseException:
            client.cancel(list(futures))
            raise
        return info
    finally:
        try:
            if "client" in locals():
                client.close()
        finally:
            if cluster is not None:
                cluster.close()
