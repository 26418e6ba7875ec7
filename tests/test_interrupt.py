"""Interruptions: Ctrl-C (SIGINT), SIGKILL and a killed worker in the middle of a large run.

Afterwards every article in the database is either fully loaded or absent (its rows equal,
table by table, those of an uninterrupted run), and running the same command again completes
the rest. A 3,000-article corpus is built from recombined seed sentences; one reference run
without interruption gives the expected rows.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from helpers import ROOT, SEEDS, run_ctxh

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")]

N_ARTICLES = 3000
TABLES = ("article_texts", "province_mentions", "counts", "percentages", "segments")   # after 'articles'


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> str:
    """3,000 small articles, each a few paragraphs of seed sentences (deterministic)."""
    sentences = []
    for f in sorted(SEEDS.glob("*.txt")):
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", f.read_text(encoding="utf-8")) if len(s.strip()) > 20]
    rng = random.Random(2024)
    d = tmp_path_factory.mktemp("corpus") / "arts"
    d.mkdir()
    for i in range(N_ARTICLES):
        paras = [" ".join(rng.sample(sentences, rng.randint(1, 3))) for _ in range(rng.randint(3, 8))]
        (d / f"a{i:05d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    return str(d)


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory, db_snapshot) -> dict:
    db = str(tmp_path_factory.mktemp("reference") / "ref.duckdb")
    r = run_ctxh("extract", corpus, "--db", db, "--workers", "2", "--quiet", timeout=600)
    assert r.returncode == 0, r.stderr
    snap = db_snapshot(db)
    assert snap["articles"] == N_ARTICLES
    return snap


def start_ctxh(*args: str) -> subprocess.Popen:
    """``ctxh`` in the background, in its own process group (as a shell job is)."""
    env = dict(os.environ)
    env.setdefault("CTXH_RULES", str(ROOT / "rules"))
    # A job started in the background by a non-interactive shell (as CI may start pytest) inherits
    # SIGINT as ignored, and Python then never raises KeyboardInterrupt: give ctxh the default back,
    # as a terminal would.
    return subprocess.Popen([sys.executable, "-m", "ctxh_extract.cli", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_stored_batches(proc: subprocess.Popen, db: str, timeout: float = 120) -> None:
    """Wait until at least one batch is committed. DuckDB locks the file, so instead of
    querying, watch its write-ahead log grow past what the schema alone writes (~10 KB);
    a batch of 200 articles adds well over 300 KB."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        assert proc.poll() is None, f"ctxh ended before it could be interrupted: {proc.stderr.read()}"
        wal = os.path.getsize(db + ".wal") if os.path.exists(db + ".wal") else 0
        size = os.path.getsize(db) if os.path.exists(db) else 0
        if wal > 300_000 or size > 3_000_000:
            time.sleep(0.3)                   # and let it get into the middle of the next batches
            assert proc.poll() is None, "ctxh finished too fast for this test; raise N_ARTICLES"
            return
        time.sleep(0.05)
    raise AssertionError("no batch was stored in time")


def _live_processes() -> list[tuple[int, int, int]]:
    """(pid, parent pid, process group) of every running process (zombies do not count). Linux only."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            out.append((int(entry), int(fields[1]), int(fields[2])))
    return out


def live_processes_in_group(pgid: int) -> list[int]:
    return [pid for pid, _, group in _live_processes() if group == pgid]


def wait_group_gone(pgid: int, timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while live_processes_in_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return live_processes_in_group(pgid)


def children_of(pid: int) -> list[int]:
    return [child for child, parent, _ in _live_processes() if parent == pid]


def kill_group(proc: subprocess.Popen) -> None:
    """Clean-up: whatever is left of the run this test started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=30)


def assert_whole_or_absent(snap: dict, ref: dict) -> None:
    """Every article present has exactly the rows of the uninterrupted run; no row lacks its article."""
    per = snap["per_article"]
    assert per, "nothing was stored"
    wrong = {aid: (row, ref["per_article"].get(aid)) for aid, row in per.items() if row != ref["per_article"].get(aid)}
    assert not wrong, list(wrong.items())[:5]
    for i, table in enumerate(TABLES, start=1):
        assert snap[table] == sum(row[i] for row in per.values()), f"{table} has rows of articles not in 'articles'"


def resume_and_compare(corpus: str, db: str, n_before: int, ref: dict, db_snapshot) -> None:
    r = run_ctxh("extract", corpus, "--db", db, "--workers", "2", timeout=600)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    m = re.search(r"([\d,]+) articles? unchanged since the last run", r.stdout)
    assert m and int(m.group(1).replace(",", "")) == n_before, r.stdout   # what was stored is not redone
    assert db_snapshot(db) == ref


def test_sigint_mid_run_then_resume(corpus, reference, tmp_path, db_snapshot):
    db = str(tmp_path / "int.duckdb")
    proc = start_ctxh("extract", corpus, "--db", db, "--workers", "2")
    try:
        wait_for_stored_batches(proc, db)
        os.killpg(proc.pid, signal.SIGINT)            # Ctrl-C in a terminal reaches the whole group
        out, err = proc.communicate(timeout=60)
    finally:
        kill_group(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Traceback" not in out, err
    m = re.search(r"^interrupted: (\d+) articles were stored; run the same command again to finish$", err, re.M)
    assert m, err
    snap = db_snapshot(db)
    assert snap["articles"] == int(m.group(1))
    assert 200 <= snap["articles"] < N_ARTICLES
    assert_whole_or_absent(snap, reference)
    if sys.platform.startswith("linux"):
        assert wait_group_gone(proc.pid) == []
    resume_and_compare(corpus, db, snap["articles"], reference, db_snapshot)


def test_sigkill_mid_run_then_resume(corpus, reference, tmp_path, db_snapshot):
    db = str(tmp_path / "kill.duckdb")
    proc = start_ctxh("extract", corpus, "--db", db, "--workers", "2")
    try:
        wait_for_stored_batches(proc, db)
        os.kill(proc.pid, signal.SIGKILL)             # the main process only, as the OOM killer would
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        if sys.platform.startswith("linux"):          # its workers do not live on (nor print broken pipes)
            assert wait_group_gone(proc.pid) == []
    finally:
        kill_group(proc)
    assert "Traceback" not in err, err
    snap = db_snapshot(db)
    assert 200 <= snap["articles"] < N_ARTICLES
    assert_whole_or_absent(snap, reference)
    resume_and_compare(corpus, db, snap["articles"], reference, db_snapshot)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the worker processes in /proc")
def test_killed_worker_does_not_hang_or_lose_articles(corpus, reference, tmp_path, db_snapshot):
    db = str(tmp_path / "worker.duckdb")
    proc = start_ctxh("extract", corpus, "--db", db, "--workers", "2", "--quiet")
    try:
        wait_for_stored_batches(proc, db)
        workers = children_of(proc.pid)
        assert workers, "no worker processes found"
        os.kill(workers[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=300)      # used to wait forever for the lost task
    finally:
        kill_group(proc)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert db_snapshot(db) == reference             # the dead worker's articles were redone


def test_article_that_kills_its_worker_is_rejected_by_name(tmp_path, db_snapshot):
    """An article whose extraction kills the process (as running out of memory would) is rejected
    with the reason; every other article is loaded. Extraction is patched to die on 'boom'."""
    folder = tmp_path / "in"
    folder.mkdir()
    for f in sorted(SEEDS.glob("*.txt")):
        (folder / f.name).write_bytes(f.read_bytes())
    boom = folder / "boom.txt"
    boom.write_bytes(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    db = str(tmp_path / "x.duckdb")
    script = textwrap.dedent(f"""
        import os, signal, sys
        import ctxh_extract.run.process as stage          # workers import process() from here
        real = stage.process
        def process(raw, rules, timings=None):
            if raw.article_id == "boom":
                os.kill(os.getpid(), signal.SIGKILL)
            return real(raw, rules, timings)
        stage.process = process                       # worker processes are forked, so they see it
        from ctxh_extract.cli import app
        sys.argv = ["ctxh", "extract", {str(folder)!r}, "--db", {db!r}, "--workers", "2", "--quiet"]
        app()
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env=dict(os.environ, CTXH_RULES=str(ROOT / "rules")))
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"rejected: {boom}: the worker process extracting it died (killed by the system; out of memory?)"]
    assert sorted(db_snapshot(db)["per_article"]) == sorted(f.stem for f in SEEDS.glob("*.txt"))
