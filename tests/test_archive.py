"""Run folders (ctxh extract --out) on every engine equal the plain --db run, row for row.

One corpus (seed and gold articles, a JSONL file cut across shards, two files with the same
name in different folders, off-topic news with --prefilter) is extracted into a database the
usual way, then into run folders with --engine local, --engine dask on a LocalCluster (2
workers, 1 thread each) and through a real ``dask scheduler`` + ``dask worker`` started here
on 127.0.0.1; each folder is loaded with ``ctxh load`` and compared with DuckDB EXCEPT ALL
both ways. Then: resuming, a refused folder, loading twice, and workers killed mid-run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from helpers import GOLD, ROOT, SEEDS, assert_same_rows, run_ctxh, table_differences

pytest.importorskip("pyarrow")
OFFTOPIC = Path(__file__).parent / "data" / "offtopic"
SHARD = "7"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[str]:
    d = tmp_path_factory.mktemp("corpus")
    lines = []
    for i, f in enumerate(sorted(SEEDS.glob("*.txt")) + sorted(OFFTOPIC.glob("*.txt"))):
        lines.append(json.dumps({"id": f"j{i:02d}", "text": f.read_text(encoding="utf-8"),
                                 "url": f"https://example.vn/{i}", "published": "2024-03-01"}, ensure_ascii=False))
    lines.insert(3, "")                                   # a blank line and a broken one keep their numbers
    lines.insert(6, "{not json")
    (d / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (d / "again").mkdir()
    shutil.copy(sorted(SEEDS.glob("*.txt"))[1], d / "again")   # same article_id as a seed: rejected as duplicate
    return [str(SEEDS), str(GOLD / "articles"), str(d / "news.jsonl"), str(OFFTOPIC), str(d / "again")]


@pytest.fixture(scope="module")
def baseline(corpus, tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("base") / "base.duckdb")
    r = run_ctxh("extract", *corpus, "--db", db, "--prefilter", "--quiet")
    assert r.returncode == 1, r.stderr                  # the broken line and the duplicate
    assert r.stderr.count("rejected:") == 2, r.stderr
    return db


def extract_out(corpus, run_dir, *args, shard_size=SHARD, timeout=600):
    return run_ctxh("extract", *corpus, "--out", str(run_dir), "--prefilter", "--shard-size", shard_size, "--quiet",
                    *args, timeout=timeout)


def load(run_dir, db) -> subprocess.CompletedProcess:
    r = run_ctxh("load", str(run_dir), "--db", str(db))
    assert r.returncode == 0, r.stderr
    return r


def rejected_lines(stderr: str) -> list[str]:
    return sorted(ln for ln in stderr.splitlines() if ln.startswith("rejected:"))


def test_local_engine_equals_db_run_and_resumes(corpus, baseline, tmp_path):
    run_dir = tmp_path / "run"
    r = extract_out(corpus, run_dir, "--workers", "2")
    assert r.returncode == 1, r.stderr
    base = run_ctxh("extract", *corpus, "--db", str(tmp_path / "b.duckdb"), "--prefilter", "--quiet")
    assert rejected_lines(r.stderr) == rejected_lines(base.stderr)          # same rejections, same words
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert len(manifest["shards"]) > 4 and any(len(p) == 4 for s in manifest["shards"] for p in s)   # a JSONL cut
    assert set(manifest["versions"]) == {"ctxh", "rules", "underthesea"}
    assert sorted(os.listdir(run_dir / "done")) == [f"{i:05d}" for i in range(len(manifest["shards"]))]
    assert len(os.listdir(run_dir / "counts")) == len(manifest["shards"])
    db = tmp_path / "loaded.duckdb"
    load(run_dir, db)
    assert_same_rows(baseline, str(db))

    # the same command again: every shard is done, nothing is rewritten
    mtimes = {p: p.stat().st_mtime_ns for p in run_dir.rglob("*.parquet")}
    again = extract_out(corpus, run_dir, "--workers", "2")
    assert again.returncode == 1 and rejected_lines(again.stderr) == rejected_lines(r.stderr)
    assert {p: p.stat().st_mtime_ns for p in run_dir.rglob("*.parquet")} == mtimes
    # loading twice changes nothing
    before = table_differences(str(db), baseline)
    second = load(run_dir, db)
    assert re.search(r"shards loaded now\s*│\s*0 ", second.stdout), second.stdout
    assert table_differences(str(db), baseline) == before
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) - count(DISTINCT article_id) FROM articles").fetchone()[0] == 0
    finally:
        con.close()


def test_a_different_run_is_refused(corpus, tmp_path):
    run_dir = tmp_path / "run"
    assert extract_out(corpus[:1], run_dir).returncode == 0
    r = run_ctxh("extract", corpus[0], "--out", str(run_dir), "--prefilter", "--shard-size", "3", "--quiet")
    assert r.returncode == 2
    assert r.stderr.strip() == (f"error: {run_dir}: was made by a different run (shard_size {SHARD} then, 3 now); "
                                f"finish it with the same inputs, rules and options, or use a new --out folder")
    r = run_ctxh("extract", *corpus[:2], "--out", str(run_dir), "--prefilter", "--shard-size", SHARD, "--quiet")
    assert r.returncode == 2 and "1 input files then" not in r.stderr and "input files then" in r.stderr, r.stderr


def test_load_replaces_what_a_db_run_stored(corpus, baseline, tmp_path):
    """An article stored by a --db run and loaded again from a run folder is there once."""
    db = tmp_path / "mixed.duckdb"
    shutil.copyfile(baseline, db)
    run_dir = tmp_path / "run"
    extract_out(corpus, run_dir, "--workers", "2")
    load(run_dir, db)
    assert_same_rows(baseline, str(db))


def test_dask_local_cluster_equals_db_run(corpus, baseline, tmp_path):
    pytest.importorskip("distributed")
    run_dir = tmp_path / "run"
    r = extract_out(corpus, run_dir, "--engine", "dask", "--workers", "2")
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    db = tmp_path / "loaded.duckdb"
    load(run_dir, db)
    assert_same_rows(baseline, str(db))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A real `dask scheduler` and `dask worker` (2 processes, 1 thread each) on 127.0.0.1."""
    pytest.importorskip("distributed")
    port = _free_port()
    dask = str(Path(sys.executable).with_name("dask"))          # the console script, as a user runs it
    env = dict(os.environ, CTXH_RULES=str(ROOT / "rules"), DASK_DISTRIBUTED__WORKER__DAEMON="True")
    log = open(tmp_path / "dask.log", "w")
    sched = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                             stdout=log, stderr=log, env=env, start_new_session=True)
    address = f"tcp://127.0.0.1:{port}"
    worker = subprocess.Popen([dask, "worker", address, "--nworkers", "2",
                               "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                              stdout=log, stderr=log, env=env, cwd=ROOT, start_new_session=True)
    try:
        from distributed import Client

        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout="5s") as c:
                    if len(c.scheduler_info()["workers"]) == 2:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "dask.log").read_text()
            time.sleep(0.5)
        yield {"address": address, "worker": worker, "scheduler": sched}
    finally:
        for p in (worker, sched):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in (worker, sched):
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(10)
        log.close()


def test_real_dask_scheduler_and_workers_equal_db_run(corpus, baseline, tmp_path, dask_cluster):
    run_dir = tmp_path / "run"
    r = extract_out(corpus, run_dir, "--scheduler", dask_cluster["address"])
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    db = tmp_path / "loaded.duckdb"
    load(run_dir, db)
    assert_same_rows(baseline, str(db))


# --------------------------------------------------------------------------- killed mid-run
def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                with open(f"/proc/{e}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(e))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _start(corpus, run_dir, *args) -> subprocess.Popen:
    env = dict(os.environ, CTXH_RULES=str(ROOT / "rules"))
    return subprocess.Popen([sys.executable, "-m", "ctxh_extract.cli", "extract", *corpus, "--out", str(run_dir),
                             "--prefilter", "--shard-size", "2", "--quiet", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _wait_done(run_dir: Path, proc: subprocess.Popen, n: int = 1, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the run ended before it could be interrupted: {proc.stderr.read()}"
        d = run_dir / "done"
        if d.is_dir() and len(os.listdir(d)) >= n:
            return
        time.sleep(0.05)
    raise AssertionError("no shard finished in time")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(30)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the worker processes in /proc")
@pytest.mark.parametrize("engine", ["local", "dask"])
def test_worker_killed_mid_run_then_rerun_gives_the_same_rows(corpus, baseline, tmp_path, engine):
    if engine == "dask":
        pytest.importorskip("distributed")
    run_dir = tmp_path / "run"
    proc = _start(corpus, run_dir, "--workers", "2", "--engine", engine)
    try:
        _wait_done(run_dir, proc)
        # a process doing shards (local: a pool process; dask: a worker under its nanny), and the
        # article workers under it
        victims = [p for p in _descendants(proc.pid) if _descendants(p)]
        assert victims, "no worker processes found"
        os.kill(victims[-1], signal.SIGKILL)
        proc.communicate(timeout=600)
    finally:
        _kill_group(proc)
    assert proc.returncode in (0, 1), proc.stderr
    r = extract_out(corpus, run_dir, "--workers", "2", shard_size="2")     # the rerun finishes whatever is left
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert not list(run_dir.rglob("*.tmp"))
    db = tmp_path / "loaded.duckdb"
    load(run_dir, db)
    assert_same_rows(baseline, str(db))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups")
def test_whole_run_killed_mid_shard_then_rerun_redoes_half_done_shards(corpus, baseline, tmp_path):
    run_dir = tmp_path / "run"
    proc = _start(corpus, run_dir, "--workers", "2")
    try:
        _wait_done(run_dir, proc, n=3)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        _kill_group(proc)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    done = set(os.listdir(run_dir / "done"))
    assert 3 <= len(done) < len(manifest["shards"])
    r = extract_out(corpus, run_dir, "--workers", "2", shard_size="2")
    assert r.returncode == 1, r.stderr
    db = tmp_path / "loaded.duckdb"
    load(run_dir, db)
    assert_same_rows(baseline, str(db))


def test_readme_query_of_the_shards_runs(corpus, tmp_path):
    """The README's example of querying a run folder with DuckDB, against a real one."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Large archives", 1)[1].split("\n## ", 1)[0]
    blocks = [b for b in re.findall(r"```sql\n(.*?)```", section, flags=re.S) if "runs/vn-2024/" in b]
    assert blocks
    run_dir = tmp_path / "run"
    assert extract_out(corpus[:2], run_dir, "--workers", "2").returncode == 0
    con = duckdb.connect()
    try:
        for sql in blocks:
            rows = con.execute(sql.replace("runs/vn-2024", str(run_dir))).fetchall()
            assert rows, sql
    finally:
        con.close()
