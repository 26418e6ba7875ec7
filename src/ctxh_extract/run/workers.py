"""Worker processes that survive an article that kills them or runs for ever.

Each worker is a child process that sets itself up once (rules, tokenizer) and then does
the items it is sent, one at a time, saying when it starts each one. The parent knows at
every moment which item each worker is on, so:

* an item over its time budget (``timeout`` seconds from its start) is rejected by name, its
  worker is killed and replaced, and the items queued behind it go to the new worker;
* a worker that dies (killed by the system, out of memory) has its item retried once in a
  new worker; an item that kills a worker twice is rejected by name.

Results come back in input order, so what a run writes never depends on how many workers
it had. The parent sends a worker its next batch only once the worker has finished the
last one and waits to read, so neither side can block the other (a worker stuck inside C
code cannot stop the parent from timing it out).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait

DIED = "the worker process extracting it died (killed by the system; out of memory?)"
BATCH = 16                # items sent to a worker at once (amortises the round trip)
WINDOW = 256              # items read ahead of the one to be yielded next (bounds memory)


def timed_out(seconds: float) -> str:
    return (f"took longer than {seconds:g} s (--article-timeout), so its worker was stopped; "
            f"raise --article-timeout if articles this long are expected")


class WorkerSetupError(Exception):
    """A worker could not set itself up (bad rules, missing package): the run cannot go on."""

    def __init__(self, kind: str, message: str, exc: BaseException | None = None):
        self.kind = kind
        self.message = message
        self.exc = exc
        super().__init__(message)


# --------------------------------------------------------------------------- the child
def _child(conn, setup: Callable, setup_args: tuple, work: Callable) -> None:
    """A worker's life: set up, then do batches until told to stop (or the pipe closes)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is for the parent, which stops the workers
    exit_with_parent()
    try:
        setup(*setup_args)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which stops the run
        try:
            conn.send(("fatal", type(exc).__name__, str(exc), _picklable(exc)))
        finally:
            os._exit(1)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            break
        if msg[0] == "stop":
            break
        for seq, item in msg[1]:
            conn.send(("start", seq))
            conn.send(("done", seq, work(item)))
        conn.send(("idle",))
    os._exit(0)          # no atexit handlers, no flushing of what the parent owns


def _picklable(exc: BaseException) -> BaseException | None:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return None


def exit_with_parent() -> None:
    """Die with the parent: a SIGKILLed run must not leave workers behind (they would wait for
    ever for work, or print a broken-pipe traceback into the terminal)."""
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


# --------------------------------------------------------------------------- the parent
@dataclass
class _Item:
    seq: int
    item: object
    deaths: int = 0


@dataclass(eq=False)
class _Slot:
    proc: mp.process.BaseProcess
    conn: object
    ready: bool = False
    queue: deque = field(default_factory=deque)     # items sent, not yet done (the first may be running)
    started: float | None = None                    # when the first item of the queue started
    idle: bool = True                               # waiting for its next batch


def start_method() -> str:
    """'fork' where it is safe (the main thread of a process: the --db run, the local engine's
    workers): a new worker then costs milliseconds. Elsewhere (a task thread of a Dask worker)
    'spawn': forking a process with other threads running can deadlock the child."""
    methods = mp.get_all_start_methods()
    if "fork" in methods and threading.current_thread() is threading.main_thread():
        return "fork"
    return "spawn"


class Workers:
    """``n`` supervised worker processes running ``work(item)`` after ``setup(*setup_args)``.

    ``work`` must never raise (it returns what went wrong); ``on_lost(item, reason)`` makes the
    result of an item whose worker died twice or timed out. ``timeout`` None or 0: no budget.
    """

    def __init__(self, n: int, setup: Callable, setup_args: tuple, work: Callable,
                 on_lost: Callable[[object, str], object], timeout: float | None = None,
                 method: str | None = None):
        self.n = max(1, n)
        self.setup, self.setup_args, self.work, self.on_lost = setup, setup_args, work, on_lost
        self.timeout = timeout or None
        self.ctx = mp.get_context(method or start_method())
        self.slots: list[_Slot | None] = [None] * self.n
        self.replaced = 0              # workers replaced after a death or a timeout
        self._setup_deaths = 0

    # -------------------------------------------------------------- processes
    def _spawn(self) -> _Slot:
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(target=_child, args=(child, self.setup, self.setup_args, self.work), daemon=True)
        me = mp.current_process()
        daemonic = me._config.get("daemon")
        fork = self.ctx.get_start_method() == "fork"
        try:
            # a Dask worker is a daemonic process, which multiprocessing forbids to have children
            # (they could outlive it); ours cannot: they die with their parent (exit_with_parent)
            me._config["daemon"] = False
            if fork:
                # what the parent holds is never garbage-collected in the child: collecting a DuckDB
                # connection the parent dropped crashes a forked child (seen: a segfault), and the
                # pages stay shared
                gc.freeze()
            proc.start()
        finally:
            if fork:
                gc.unfreeze()
            if daemonic:
                me._config["daemon"] = daemonic
        child.close()
        return _Slot(proc, parent)

    def _kill(self, slot: _Slot) -> None:
        try:
            slot.proc.kill()
        except (OSError, ValueError):
            pass
        slot.proc.join(5)
        try:
            slot.conn.close()
        except OSError:
            pass

    def close(self) -> None:
        """Stop every worker (politely when idle, else at once)."""
        for i, slot in enumerate(self.slots):
            if slot is None:
                continue
            if slot.idle and slot.ready:
                try:
                    slot.conn.send(("stop",))
                except OSError:
                    pass
                slot.proc.join(2)
            self._kill(slot)
            self.slots[i] = None

    terminate = close

    def start(self) -> None:
        """Start every worker now and wait until each has set itself up (raises WorkerSetupError)."""
        while True:
            for i in range(self.n):
                if self.slots[i] is None:
                    self.slots[i] = self._spawn()
            if all(s.ready for s in self.slots):
                return
            self._wait(deque(), {})

    def pids(self) -> list[int]:
        return [s.proc.pid for s in self.slots if s is not None and s.proc.pid]

    # -------------------------------------------------------------- the loop
    def map(self, items: Iterable) -> Iterator[object]:
        """``work(item)`` of every item, in input order."""
        source = iter(items)
        exhausted = False
        pending: deque[_Item] = deque()          # read, not yet sent to a worker
        results: dict[int, object] = {}
        nxt = 0                                  # next sequence number to yield
        read = 0                                 # items read from ``source``
        while True:
            while not exhausted and read - nxt < WINDOW:
                try:
                    pending.append(_Item(read, next(source)))
                    read += 1
                except StopIteration:
                    exhausted = True
            if nxt in results:
                yield results.pop(nxt)
                nxt += 1
                continue
            if exhausted and nxt == read:
                return
            self._dispatch(pending)
            self._wait(pending, results)

    def _dispatch(self, pending: deque[_Item]) -> None:
        """Give every idle worker its next batch (starting workers as they are needed)."""
        size = max(1, min(BATCH, -(-len(pending) // self.n)))
        for i in range(self.n):
            if not pending:
                return
            slot = self.slots[i]
            if slot is None:
                slot = self.slots[i] = self._spawn()
            if not slot.idle or not slot.ready:
                continue
            batch = [pending.popleft() for _ in range(min(size, len(pending)))]
            slot.queue.extend(batch)
            slot.idle = False
            slot.started = None
            try:
                slot.conn.send(("work", [(b.seq, b.item) for b in batch]))
            except OSError:
                pass                              # it died: _wait sees the pipe close

    def _wait(self, pending: deque[_Item], results: dict[int, object]) -> None:
        """Read what the workers say until something changes; enforce the time budget."""
        live = {s.conn: s for s in self.slots if s is not None}
        if not live:
            return
        timeout = None
        if self.timeout:
            starts = [s.started for s in live.values() if s.started is not None]
            if starts:
                timeout = max(0.0, min(starts) + self.timeout - time.monotonic())
        for conn in wait(list(live), timeout):
            slot = live[conn]
            try:
                while True:
                    self._handle(slot, conn.recv(), results)
                    if not conn.poll():
                        break
            except (EOFError, OSError):
                self._lost(slot, pending, results, DIED)
        if self.timeout:
            now = time.monotonic()
            for slot in live.values():
                if (any(x is slot for x in self.slots) and slot.started is not None and slot.queue
                        and now - slot.started >= self.timeout):
                    self._lost(slot, pending, results, timed_out(self.timeout))

    def _handle(self, slot: _Slot, msg: tuple, results: dict[int, object]) -> None:
        kind = msg[0]
        if kind == "start":
            slot.started = time.monotonic()
        elif kind == "done":
            head = slot.queue.popleft()
            results[head.seq] = msg[2]
            slot.started = None
        elif kind == "idle":
            slot.idle = True
        elif kind == "ready":
            slot.ready = True
        elif kind == "fatal":
            self.close()
            raise WorkerSetupError(msg[1], msg[2], msg[3])

    def _lost(self, slot: _Slot, pending: deque[_Item], results: dict[int, object], reason: str) -> None:
        """A worker died, or runs over time: decide the item it was on, replace it, requeue the rest."""
        self._kill(slot)
        self.slots[self.slots.index(slot)] = None
        self.replaced += 1
        if not slot.ready:                       # died while setting itself up
            self._setup_deaths += 1
            if self._setup_deaths > 2:
                raise WorkerSetupError("WorkerDied", "worker processes keep dying while they set themselves "
                                                     "up (out of memory?)")
        queue = list(slot.queue)
        if queue:
            head = queue.pop(0)                  # the item it was on (or about to start)
            if reason == DIED and head.deaths == 0:
                head.deaths += 1                 # perhaps not its fault (the system killed a process): once more
                queue.insert(0, head)
            else:
                results[head.seq] = self.on_lost(head.item, reason)
        for it in reversed(queue):
            pending.appendleft(it)
