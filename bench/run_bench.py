"""Benchmark of ``ctxh extract`` at scale (issue "Fast at scale").

One run measures, on a deterministic corpus built by ``bench/make_corpus.py``:

* end-to-end throughput (articles/s, chars/s) of the ``ctxh`` console script on
  the .txt folder and on the .jsonl file (fresh database, ``--workers 2``);
* peak memory (sum of VmRSS over the ctxh process and all its children, sampled
  every 50 ms) at 1/4, 1/2 and all of the corpus - does it stay flat?
* the time split by stage, from ``run_extract``'s ``RunSummary.timings`` (the
  library run in a subprocess that prints the summary as JSON);
* the baseline: plain underthesea ``sent_tokenize`` + ``word_tokenize`` over the
  same texts on one core, and the ratio end-to-end / baseline;
* the ``--workers 1`` vs ``--workers 2`` speedup;
* an incremental re-run over the unchanged corpus into the same database;
* the share of the database load (store stage) in the total.

Every target is printed as MET / MISSED; everything goes to bench/out/results.json.

    .venv/bin/python bench/run_bench.py               # 10,000 articles (make bench), ~10 min on 2 cores
    .venv/bin/python bench/run_bench.py --quick       # 1,000 articles, ~1.5 min
    .venv/bin/python bench/run_bench.py --profile     # only: pyinstrument profile -> bench/profile.txt
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
VENV_BIN = ROOT / ".venv" / "bin" if (ROOT / ".venv" / "bin" / "ctxh").exists() else Path(sys.executable).parent
CTXH = VENV_BIN / "ctxh"
PY = VENV_BIN / "python"

sys.path.insert(0, str(HERE))
import make_corpus  # noqa: E402

SNAPSHOT = OUT / "snapshot"
ENV = dict(os.environ)          # subprocess environment; PYTHONPATH points at the code snapshot (see snapshot_code)


def snapshot_code(live: bool, keep: bool = False) -> dict:
    """Copy src/ctxh_extract and rules/ to bench/out/snapshot and run every subprocess on that copy.

    src/ is being edited while the benchmark runs (it takes ~10 minutes); without a
    snapshot the runs could measure different versions of the code. The editable
    install puts /work/main/src on sys.path through a .pth file, which PYTHONPATH
    precedes; the rules are found next to the package (default_rules_dir)."""
    import hashlib

    info: dict = {}
    try:
        info["git_head"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                          text=True).stdout.strip()
        info["git_modified"] = subprocess.run(["git", "status", "--porcelain", "--", "src", "rules"], cwd=ROOT,
                                              capture_output=True, text=True).stdout.split("\n")
        info["git_modified"] = [x.strip() for x in info["git_modified"] if x.strip()]
    except OSError:
        pass
    if live:
        ENV.pop("PYTHONPATH", None)
        info["code"] = "live src/ (no snapshot)"
        return info
    if keep and not (SNAPSHOT / "src" / "ctxh_extract").is_dir():
        raise SystemExit("--keep-snapshot: there is no bench/out/snapshot yet")
    if not keep:
        if SNAPSHOT.exists():
            shutil.rmtree(SNAPSHOT)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / "src" / "ctxh_extract", SNAPSHOT / "src" / "ctxh_extract", ignore=ignore)
        shutil.copytree(ROOT / "rules", SNAPSHOT / "rules", ignore=ignore)
    h = hashlib.sha256()
    for f in sorted(SNAPSHOT.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(SNAPSHOT)).encode() + b"\0" + f.read_bytes())
    ENV["PYTHONPATH"] = str(SNAPSHOT / "src")
    ENV.pop("CTXH_RULES", None)
    where = subprocess.run([str(PY), "-c", "import ctxh_extract, ctxh_extract.rules as r; "
                            "print(ctxh_extract.__file__); print(r.default_rules_dir())"],
                           cwd=ROOT, env=ENV, capture_output=True, text=True).stdout.split()
    if len(where) < 2 or not all(w.startswith(str(SNAPSHOT)) for w in where[:2]):
        raise SystemExit(f"the code snapshot is not what Python imports ({where}); run with --live")
    info["code"] = f"snapshot {h.hexdigest()[:12]} of src/ctxh_extract + rules/ (bench/out/snapshot)"
    info["code_sha256"] = h.hexdigest()
    return info

TARGETS = {
    "baseline_ratio": 2.0,        # end-to-end chars/s (workers 2) / underthesea on one core
    "workers_speedup": 1.7,       # workers 2 / workers 1
    "incremental_pct": 10.0,      # unchanged re-run time as % of the first run
    "store_pct": 10.0,            # store stage as % of the run's wall time
    "memory_growth_pct": 15.0,    # peak RSS at N vs at N/4 ("flat")
}


def log(msg: str = "") -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------- memory sampling
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _scan() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, CPU ticks user+system) for every process, from /proc/*/stat."""
    procs: dict[int, tuple[int, int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # pid (comm) state ppid ... utime stime; comm may hold spaces and parentheses
        rest = stat[stat.rfind(b")") + 2:].split()
        try:
            procs[int(name)] = (int(rest[1]), int(rest[11]) + int(rest[12]))
        except (IndexError, ValueError):
            continue
    return procs


def _tree(pid: int, procs: dict[int, tuple[int, int]]) -> list[int]:
    """``pid`` and all its descendants. /proc/<pid>/task/*/children is not in every
    kernel (CONFIG_PROC_CHILDREN), so the parent links of /proc/*/stat are used."""
    kids: dict[int, list[int]] = {}
    for p, (pp, _) in procs.items():
        kids.setdefault(pp, []).append(p)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def _system_busy() -> tuple[int, int]:
    """(busy ticks of all CPUs, steal ticks) from /proc/stat."""
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal, steal


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb(pid: int) -> int:
    """Resident set size (= VmRSS of /proc/<pid>/status) from the one-line /proc/<pid>/statm."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Every ``interval`` s: VmRSS of ``pid`` and all its descendants, summed; peak kept.

    The process tree is re-read every 10th sample (0.5 s; workers start at the beginning of a run).
    Also (every 10th sample) the PSS sum, which counts pages shared by the forked
    workers once - the RSS sum counts them once per process and so overstates."""

    def __init__(self, pid: int, interval: float = 0.05, label: str = "", ticker: float = 20.0):
        super().__init__(daemon=True)
        self.pid, self.interval, self.label, self.ticker = pid, interval, label, ticker
        self.stop = threading.Event()
        self.peak_rss_kb = 0
        self.peak_pss_kb = 0
        self.peak_single_kb = 0
        self.peak_main_kb = 0
        self.peak_worker_kb = 0                          # the largest child process
        self.max_procs = 0
        self.samples = 0
        self.series: list[tuple[float, int]] = []      # (seconds, RSS sum kB), one point a second
        self.cpu_ticks: dict[int, int] = {}             # last CPU ticks seen per process of the tree
        self.busy0 = _system_busy()
        self.own0 = sum(os.times()[:2])

    def run(self) -> None:
        t0 = time.perf_counter()
        next_tick = t0 + self.ticker
        next_point = t0
        n = 0
        pids: list[int] = [self.pid]
        while not self.stop.is_set():
            if n % 10 == 0:          # the tree (and CPU times) every 0.5 s; RSS every 50 ms
                procs = _scan()
                pids = _tree(self.pid, procs)
                for p in pids:
                    if p in procs:
                        self.cpu_ticks[p] = procs[p][1]
            rss = [_rss_kb(p) for p in pids]
            total = sum(rss)
            self.samples += 1
            self.peak_rss_kb = max(self.peak_rss_kb, total)
            self.peak_single_kb = max(self.peak_single_kb, max(rss, default=0))
            self.peak_main_kb = max(self.peak_main_kb, rss[0] if rss else 0)
            self.peak_worker_kb = max(self.peak_worker_kb, max(rss[1:], default=0))
            self.max_procs = max(self.max_procs, sum(1 for r in rss if r))
            if n % 10 == 0:
                self.peak_pss_kb = max(self.peak_pss_kb, sum(_pss_kb(p) for p in pids))
            n += 1
            now = time.perf_counter()
            if now >= next_point:
                self.series.append((round(now - t0, 1), total))
                next_point += 1.0
            if self.ticker and now >= next_tick:
                log(f"      ... {self.label} {now - t0:5.0f} s, RSS of the process tree {total / 1024:6.0f} MB "
                    f"({len(pids)} processes)")
                next_tick += self.ticker
            self.stop.wait(self.interval)

    def cpu(self, wall: float) -> dict:
        """CPU seconds of the main process and of its children, and of everything else on the machine."""
        busy1, steal1 = _system_busy()
        own = sum(os.times()[:2]) - self.own0
        main = self.cpu_ticks.get(self.pid, 0) / CLK_TCK
        children = sum(v for p, v in self.cpu_ticks.items() if p != self.pid) / CLK_TCK
        busy = (busy1 - self.busy0[0]) / CLK_TCK
        other = max(0.0, busy - main - children - own)
        return {"main_cpu_s": main, "children_cpu_s": children, "bench_cpu_s": own,
                "other_cpu_s": other, "other_load_cores": other / wall if wall else 0.0,
                "steal_s": (steal1 - self.busy0[1]) / CLK_TCK}


IDLE = {"max_wait": 300.0, "threshold": 0.25}


def other_load(seconds: float = 2.0) -> float:
    """CPU used by other processes over ``seconds``, in cores."""
    b0, own0, t0 = _system_busy()[0], sum(os.times()[:2]), time.perf_counter()
    time.sleep(seconds)
    b1, own1, t1 = _system_busy()[0], sum(os.times()[:2]), time.perf_counter()
    return max(0.0, ((b1 - b0) / CLK_TCK - (own1 - own0)) / (t1 - t0))


def wait_idle(label: str) -> float:
    """Wait (up to IDLE['max_wait'] s) until the rest of the machine uses < IDLE['threshold'] cores."""
    if IDLE["max_wait"] <= 0:
        return 0.0
    t0 = time.perf_counter()
    load = other_load(1.0)
    said = False
    while load >= IDLE["threshold"] and time.perf_counter() - t0 < IDLE["max_wait"]:
        if not said:
            log(f"      waiting for the machine to be idle before '{label}' (other processes use {load:.2f} cores; "
                f"up to {IDLE['max_wait']:.0f} s, see --wait-idle) ...")
            said = True
        load = other_load(2.0)
    if said:
        log(f"      ... waited {time.perf_counter() - t0:.0f} s; other load now {load:.2f} cores")
    return load


PROBES: list[float] = []


def probe() -> float:
    """Milliseconds for a fixed pure-Python loop (best of 3): the speed of the (virtual) CPU right now.
    On a shared VM it drifts, by as much as 2x between minutes; compare it across runs."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        x = 0
        for i in range(1_000_000):
            x += i
        best = min(best, time.perf_counter() - t0)
    PROBES.append(best * 1000)
    return best * 1000


RETRIES = {"n": 1}
DISTURBED = 0.15        # other processes using more than this many cores make a run's times pessimistic


def run_measured(cmd: list[str], label: str, stdout=subprocess.DEVNULL, before=None) -> dict:
    """Run ``cmd`` (after ``before()``, e.g. a fresh database); a run disturbed by other load
    is repeated up to RETRIES['n'] times and the least disturbed attempt is kept."""
    best = None
    for attempt in range(RETRIES["n"] + 1):
        if before is not None:
            before()
        r = _run_once(cmd, label, stdout)
        r["attempts"] = attempt + 1
        if best is None or r["other_load_cores"] < best["other_load_cores"]:
            best = r
        if r["other_load_cores"] <= DISTURBED or attempt == RETRIES["n"]:
            break
        log(f"      {label}: {r['wall_s']:.1f} s but other processes used {r['other_load_cores']:.2f} cores; "
            f"running it again")
    return best


def _run_once(cmd: list[str], label: str, stdout=subprocess.DEVNULL) -> dict:
    """Run ``cmd``; wall time and the process tree's peak memory."""
    wait_idle(label)
    probe_ms = probe()
    err_path = OUT / "logs" / (label.replace(" ", "_").replace("/", "_") + ".stderr")
    err_path.parent.mkdir(parents=True, exist_ok=True)
    out_path = err_path.with_suffix(".stdout")
    with open(err_path, "wb") as ef, open(out_path, "wb") as of:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=of if stdout is None else stdout, stderr=ef, env=ENV)
        sampler = TreeSampler(proc.pid, label=label)
        sampler.start()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        cpu = sampler.cpu(wall)
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    stdout_text = out_path.read_text(encoding="utf-8", errors="replace") if stdout is None else ""
    return {
        "cmd": " ".join(os.path.relpath(c, ROOT) if c.startswith(str(ROOT)) else c for c in cmd),
        "rc": rc, "wall_s": wall,
        "peak_rss_mb": sampler.peak_rss_kb / 1024, "peak_pss_mb": sampler.peak_pss_kb / 1024,
        "peak_single_process_rss_mb": sampler.peak_single_kb / 1024, "max_processes": sampler.max_procs,
        "peak_main_rss_mb": sampler.peak_main_kb / 1024, "peak_worker_rss_mb": sampler.peak_worker_kb / 1024,
        "rss_samples": sampler.samples, "rss_series_mb": [(t, round(k / 1024)) for t, k in sampler.series],
        "rejected_lines": sum(1 for line in stderr.splitlines() if line.startswith("rejected:")),
        "stderr_tail": stderr[-2000:], "stdout": stdout_text[-20000:], "probe_ms": probe_ms, **cpu,
    }


def contention(r: dict) -> str:
    return "  !! the machine was not idle: figures are pessimistic" if r.get("other_load_cores", 0) > DISTURBED else ""


def fresh_db(name: str) -> Path:
    db = OUT / "db" / f"{name}.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    for p in (db, Path(str(db) + ".wal")):
        if p.exists():
            p.unlink()
    return db


def db_articles(db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()


def ctxh_run(paths: list[Path], db_name: str, workers: int, label: str, n: int, chars: int) -> dict:
    db = OUT / "db" / f"{db_name}.duckdb"
    cmd = [str(CTXH), "extract", *map(str, paths), "--db", str(db), "--workers", str(workers), "--quiet"]
    r = run_measured(cmd, label, before=lambda: fresh_db(db_name))
    r.update(label=label, articles=n, chars=chars, workers=workers,
             articles_per_s=n / r["wall_s"], chars_per_s=chars / r["wall_s"])
    try:
        r["db_articles"] = db_articles(db)
    except Exception as exc:  # noqa: BLE001
        r["db_articles"] = f"error: {exc}"
    ok = r["rc"] == 0 and r["db_articles"] == n
    flag = "" if ok else f"   !! rc={r['rc']}, {r['db_articles']} articles in the db, {r['rejected_lines']} rejected"
    log(f"   {label:38} {r['wall_s']:7.1f} s  {r['articles_per_s']:7.1f} art/s  {r['chars_per_s'] / 1000:7.1f} kchar/s  "
        f"peak RSS {r['peak_rss_mb']:6.0f} MB (PSS {r['peak_pss_mb']:5.0f}){flag}")
    log(f"      CPU: main process {r['main_cpu_s']:.1f} s, workers {r['children_cpu_s']:.1f} s; "
        f"other processes on the machine {r['other_load_cores']:.2f} cores; CPU probe {r['probe_ms']:.0f} ms"
        f"{contention(r)}")
    if not ok:
        log("      stderr: " + r["stderr_tail"][-600:].replace("\n", "\n      "))
    return r


# --------------------------------------------------------------------------- library run (stage split)
LIB_SCRIPT = r"""
import json, sys
from ctxh_extract.run.pipeline import run_extract
a = json.loads(sys.argv[1])
s = run_extract(a["paths"], db=a["db"], workers=a["workers"], force=a.get("force", False))
g = lambda k, d=None: getattr(s, k, d)
print(json.dumps({"found": g("found"), "loaded": g("loaded"), "skipped": g("skipped"),
                  "rejected": len(g("rejected", [])), "rejected_first": [r.reason for r in g("rejected", [])[:5]],
                  "facts": dict(g("facts", {})), "timings": dict(g("timings", {})), "chars": g("chars"),
                  "wall": g("wall")}))
"""


def library_run(paths: list[Path], db_name: str, workers: int, label: str) -> dict:
    db = OUT / "db" / f"{db_name}.duckdb"
    arg = json.dumps({"paths": [str(p) for p in paths], "db": str(db), "workers": workers})
    r = run_measured([str(PY), "-c", LIB_SCRIPT, arg], label, stdout=None, before=lambda: fresh_db(db_name))
    text = r["stdout"].strip().splitlines()
    if r["rc"] != 0 or not text:
        raise SystemExit(f"library run failed (rc {r['rc']}):\n{r['stderr_tail']}")
    r["summary"] = json.loads(text[-1])
    return r


# --------------------------------------------------------------------------- baseline
BASELINE_SCRIPT = r"""
import json, os, sys, time
cpu = sorted(os.sched_getaffinity(0))[0]
os.sched_setaffinity(0, {cpu})                     # one core
from underthesea import sent_tokenize, word_tokenize
files = json.loads(sys.argv[1])
texts = [open(f, encoding="utf-8").read() for f in files]
word_tokenize("Hà Tĩnh đào tạo 200 cán bộ")        # model load is not timed
sent_tokenize("Một câu. Hai câu.")
t0 = time.perf_counter()
n_sent = n_words = 0
for text in texts:
    for s in sent_tokenize(text):
        n_sent += 1
        n_words += len(word_tokenize(s))
dt = time.perf_counter() - t0
print(json.dumps({"articles": len(texts), "chars": sum(map(len, texts)), "seconds": dt, "sentences": n_sent,
                  "words": n_words, "cpu": cpu}))
"""


def baseline_run(files: list[Path]) -> dict:
    r = run_measured([str(PY), "-c", BASELINE_SCRIPT, json.dumps([str(f) for f in files])], "baseline", stdout=None)
    text = r["stdout"].strip().splitlines()
    if r["rc"] != 0 or not text:
        raise SystemExit(f"baseline failed (rc {r['rc']}):\n{r['stderr_tail']}")
    b = json.loads(text[-1])
    b["articles_per_s"] = b["articles"] / b["seconds"]
    b["chars_per_s"] = b["chars"] / b["seconds"]
    b["peak_rss_mb"] = r["peak_rss_mb"]
    b["other_load_cores"] = r["other_load_cores"]
    b["probe_ms"] = r["probe_ms"]
    return b


# --------------------------------------------------------------------------- profile
PROFILE_SCRIPT = r"""
import sys
from ctxh_extract.run.pipeline import run_extract
s = run_extract(sys.argv[1:-1], db=sys.argv[-1], workers=1, article_timeout=0)
print(f"{s.loaded} articles, {s.wall:.1f} s; stages: "
      + ", ".join(f"{k} {v:.1f} s" for k, v in s.timings.items()))
"""


def _flat(root, top: int) -> list[str]:
    """Self and inclusive time by function, from pyinstrument's raw frame tree."""
    from collections import Counter

    self_t: Counter = Counter()
    incl: Counter = Counter()

    def walk(f, on_stack: frozenset) -> None:
        if f.is_synthetic:
            return
        key = (f.function, f.file_path_short or "", f.line_no or 0)
        self_t[key] += f.time - sum(c.time for c in f.children if not c.is_synthetic)
        if key not in on_stack:
            incl[key] += f.time
        for c in f.children:
            walk(c, on_stack | {key})

    walk(root, frozenset())
    total = root.time
    out = [f"  {'self %':>6} {'self s':>7} {'incl s':>7}  function (file:line)"]
    for key, v in self_t.most_common(top):
        fn, path, line = key
        where = f"{path}:{line}" if line else path
        out.append(f"  {100 * v / total:5.1f}% {v:7.2f} {incl[key]:7.2f}  {fn}  ({where})")
    return out


def profile(n: int, seed: int, code_desc: str = "") -> None:
    """pyinstrument over an in-process workers=1 run; bench/profile.txt = flat hotspots + trimmed tree."""
    make_corpus.build(max(n, make_corpus.PER_FOLDER), seed, OUT / "corpus", at_least=True)
    folders = txt_folders(OUT / "corpus", n)
    n_articles = len(folders) * make_corpus.PER_FOLDER
    session = OUT / "profile.pyisession"
    script = OUT / "profile_target.py"
    script.write_text(PROFILE_SCRIPT, encoding="utf-8")
    # the same run without the profiler first: the real stage split, to read the profile against
    log(f"workers=1 in-process run of {n_articles} articles without the profiler ...")
    plain = subprocess.run([str(PY), str(script), *map(str, folders), str(fresh_db("profile"))], cwd=ROOT,
                           check=True, capture_output=True, text=True, env=ENV).stdout.strip()
    log("   " + plain)
    log(f"the same run under pyinstrument ...")
    cmd = [str(PY), "-m", "pyinstrument", "-r", "pyisession", "-o", str(session),
           str(script), *map(str, folders), str(fresh_db("profile"))]
    prof = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True, env=ENV).stdout.strip()
    log("   " + prof)
    from pyinstrument.renderers import ConsoleRenderer
    from pyinstrument.session import Session

    s = Session.load(str(session))
    flat = _flat(s.root_frame(), 28)
    opts = {"filter_threshold": 0.01, "show_regex": r".*(ctxh_extract|underthesea)/.*",
            "hide_regex": r".*(pyinstrument|runpy|joblib|pickle|enum|regex/_main|importlib).*"}
    tree = ConsoleRenderer(unicode=True, color=False, time="seconds", processor_options=opts).render(s)
    tree_lines = [ln for ln in tree.splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(tree_lines) if "run_extract" in ln), 0)
    head = [f"pyinstrument profile of ctxh_extract.run.pipeline.run_extract(..., workers=1), in-process, over "
            f"{n_articles} bench articles (bench/make_corpus.py, seed {seed}); code: {code_desc}.",
            "Regenerate: .venv/bin/python bench/run_bench.py --profile  (full: bench/out/profile_full.txt, .pyisession)",
            f"without profiler: {plain}",
            f"under profiler:   {prof}",
            "The profiler inflates code made of many tiny Python calls (per-character generators in read.py and",
            "clean.py) about 5x; bench/hotspots.py times the same functions without it.",
            "", "SELF time by function (top 28; incl = inclusive time)"]
    body = flat + ["", "call tree (seconds, frames >= 1% of total; trimmed)"] + tree_lines[start:]
    lines = (head + body)[:86]
    (HERE / "profile.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    full_flat = _flat(s.root_frame(), 200)
    full_tree = ConsoleRenderer(unicode=True, color=False, time="seconds",
                                processor_options={"show_regex": opts["show_regex"]}).render(s)
    (OUT / "profile_full.txt").write_text("\n".join(head + full_flat) + "\n\n" + full_tree, encoding="utf-8")
    log(f"wrote bench/profile.txt ({len(lines)} lines) and bench/out/profile_full.txt")


# --------------------------------------------------------------------------- main
def txt_folders(corpus: Path, n: int) -> list[Path]:
    k = max(1, n // make_corpus.PER_FOLDER)
    return [corpus / "txt" / f"b{i:03d}" for i in range(k)]


def verdict(ok: bool) -> str:
    return "MET   " if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark ctxh extract (speed, memory, stage split).")
    ap.add_argument("--articles", type=int, default=10000, help="corpus size (default 10000)")
    ap.add_argument("--quick", action="store_true", help="1,000 articles, for a fast look")
    ap.add_argument("--workers", type=int, default=2, help="workers of the main runs (default 2)")
    ap.add_argument("--seed", type=int, default=make_corpus.DEFAULT_SEED)
    ap.add_argument("--baseline-articles", type=int, default=1000,
                    help="articles (evenly spread over the corpus) timed for the underthesea baseline")
    ap.add_argument("--profile", action="store_true", help="only write bench/profile.txt (pyinstrument, workers=1)")
    ap.add_argument("--profile-articles", type=int, default=1000)
    ap.add_argument("--live", action="store_true", help="run the live src/ instead of a snapshot taken at the start")
    ap.add_argument("--keep-snapshot", action="store_true",
                    help="reuse bench/out/snapshot as it is (e.g. to profile the code the last run measured)")
    ap.add_argument("--wait-idle", type=float, default=300.0, metavar="SECONDS",
                    help="before each measured run wait up to this long for other processes to use < 0.25 cores "
                         "(default 300; 0 = never wait)")
    ap.add_argument("--retries", type=int, default=1,
                    help="repeat a run during which other processes used > 0.15 cores this many times (default 1)")
    args = ap.parse_args(argv)
    IDLE["max_wait"] = args.wait_idle
    RETRIES["n"] = max(0, args.retries)
    OUT.mkdir(parents=True, exist_ok=True)
    if not CTXH.exists():
        raise SystemExit(f"{CTXH} not found: run with the project venv (.venv/bin/python bench/run_bench.py)")
    code = snapshot_code(args.live, args.keep_snapshot)
    if args.profile:
        tree = (f"git {code.get('git_head', '?')}"
                + (f" + {len(code['git_modified'])} modified file(s)" if code.get("git_modified") else ""))
        profile(args.profile_articles, args.seed, f"{code['code']}; "
                + (f"working tree now: {tree}" if args.keep_snapshot else tree))
        return 0
    n = 1000 if args.quick else args.articles
    pf = make_corpus.PER_FOLDER
    if n < pf:
        raise SystemExit(f"--articles must be at least {pf}")
    n = n // pf * pf
    w = args.workers
    t_all = time.perf_counter()
    log(f"== ctxh-extract benchmark: {n} articles, workers {w}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}")
    log(f"   code: {code['code']}; git {code.get('git_head', '?')}"
        + (f" + uncommitted changes in {len(code['git_modified'])} file(s)" if code.get("git_modified") else ""))

    log("-- corpus")
    man = make_corpus.build(n, args.seed, OUT / "corpus")
    corpus = OUT / "corpus"
    ct, cj = man["chars_txt"], man["chars_jsonl"]
    b = man["bytes_txt"]
    log(f"   {n} articles from {len(man['inputs'])} input files ({man['pool']['body_paragraphs']} body paragraphs); "
        f".txt {b['min']}-{b['max']} bytes (mean {b['mean']}), {sum(ct[:n]) / 1e6:.1f} M chars")

    res: dict = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "articles": n, "workers": w,
                 "cores": os.cpu_count(), "python": platform.python_version(), "targets": TARGETS, "code": code,
                 "corpus": {k: man[k] for k in ("seed", "fingerprint", "inputs", "notes", "pool", "bytes_txt")}}
    try:
        import underthesea

        res["underthesea"] = underthesea.__version__
    except Exception:  # noqa: BLE001
        pass

    # baseline -------------------------------------------------------------------------------------
    nb = min(n, args.baseline_articles)
    step = n / nb
    sample = [int(i * step) for i in range(nb)]
    files = [corpus / "txt" / f"b{i // pf:03d}" / f"bench_{i:06d}.txt" for i in sample]
    log(f"-- baseline: underthesea sent_tokenize + word_tokenize, one core, {nb} articles spread over the corpus "
        f"(measured now and again at the end; the faster counts)")

    def run_baseline(tag: str) -> dict:
        b = baseline_run(files)
        log(f"   baseline ({tag})                       {b['seconds']:7.1f} s  {b['articles_per_s']:7.1f} art/s  "
            f"{b['chars_per_s'] / 1000:7.1f} kchar/s  ({b['sentences']} sentences, {b['words']} words)")
        log(f"      other processes on the machine {b['other_load_cores']:.2f} cores{contention(b)}")
        return b

    bases = [run_baseline("first")]

    # end-to-end on growing corpora ------------------------------------------------------------------
    sizes = sorted({max(pf, n // 4 // pf * pf), max(pf, n // 2 // pf * pf), n})
    log(f"-- ctxh extract on the .txt folder, fresh database, --workers {w}, corpus of {', '.join(map(str, sizes))}")
    runs: dict[str, dict] = {}
    for k in sizes:
        paths = [corpus / "txt"] if k == n else txt_folders(corpus, k)
        runs[f"txt_{k}_w{w}"] = ctxh_run(paths, f"txt_{k}_w{w}", w, f"txt {k} articles, workers {w}", k,
                                         sum(ct[:k]))
    small = sizes[0]
    log(f"-- ctxh extract --workers 1 on the first {small} articles (the pair is measured again at the end)")
    runs[f"txt_{small}_w1"] = ctxh_run(txt_folders(corpus, small), f"txt_{small}_w1", 1,
                                       f"txt {small} articles, workers 1", small, sum(ct[:small]))
    log(f"-- incremental: ctxh extract again over the unchanged {n} articles into the same database")
    db_full = OUT / "db" / f"txt_{n}_w{w}.duckdb"
    rr = run_measured([str(CTXH), "extract", str(corpus / "txt"), "--db", str(db_full), "--workers", str(w), "--quiet"],
                      "incremental")
    rr["label"] = "incremental re-run"
    runs["incremental"] = rr
    log(f"   re-run of {n} unchanged articles          {rr['wall_s']:7.1f} s  (rc {rr['rc']}), "
        f"peak RSS {rr['peak_rss_mb']:.0f} MB{contention(rr)}")
    log(f"-- ctxh extract on the .jsonl file ({n} lines), fresh database, --workers {w}")
    runs[f"jsonl_{n}_w{w}"] = ctxh_run([corpus / "corpus.jsonl"], f"jsonl_{n}_w{w}", w,
                                       f"jsonl {n} articles, workers {w}", n, sum(cj[:n]))
    log(f"-- stage split: run_extract() in a subprocess, .txt folder, {n} articles, fresh database, workers {w}")
    lib = library_run([corpus / "txt"], f"lib_{n}_w{w}", w, "library")
    s = lib["summary"]
    log(f"   library run_extract                    {s['wall']:7.1f} s  {s['loaded'] / s['wall']:7.1f} art/s  "
        f"{sum(ct[:n]) / s['wall'] / 1000:7.1f} kchar/s  (process {lib['wall_s']:.1f} s, peak RSS {lib['peak_rss_mb']:.0f} MB)")
    log(f"      CPU: main process {lib['main_cpu_s']:.1f} s, workers {lib['children_cpu_s']:.1f} s; "
        f"other processes on the machine {lib['other_load_cores']:.2f} cores{contention(lib)}")
    log(f"-- again: --workers {w} and --workers 1 on the first {small} articles, and the baseline")
    runs[f"txt_{small}_w{w}_again"] = ctxh_run(txt_folders(corpus, small), f"txt_{small}_w{w}", w,
                                               f"txt {small} articles, workers {w} (again)", small, sum(ct[:small]))
    runs[f"txt_{small}_w1_again"] = ctxh_run(txt_folders(corpus, small), f"txt_{small}_w1", 1,
                                             f"txt {small} articles, workers 1 (again)", small, sum(ct[:small]))
    bases.append(run_baseline("again"))
    base = max(bases, key=lambda b: b["chars_per_s"])
    res["baseline"] = base
    res["baselines"] = bases
    res["runs"] = runs
    res["library"] = lib

    # figures -------------------------------------------------------------------------------------
    full = runs[f"txt_{n}_w{w}"]
    js = runs[f"jsonl_{n}_w{w}"]
    w1 = min(runs[f"txt_{small}_w1"], runs[f"txt_{small}_w1_again"], key=lambda r: r["wall_s"])
    w2 = min(runs[f"txt_{small}_w{w}"], runs[f"txt_{small}_w{w}_again"], key=lambda r: r["wall_s"])
    pairs = [runs[f"txt_{small}_w1"]["wall_s"] / runs[f"txt_{small}_w{w}"]["wall_s"],
             runs[f"txt_{small}_w1_again"]["wall_s"] / runs[f"txt_{small}_w{w}_again"]["wall_s"]]
    ratio = full["chars_per_s"] / base["chars_per_s"]
    ratio_art = full["articles_per_s"] / base["articles_per_s"]
    speedup = w1["wall_s"] / w2["wall_s"]
    incr = 100 * rr["wall_s"] / full["wall_s"]
    tm = s["timings"]
    stages = ["read", "clean", "segment", "extract", "models", "store"]
    stages[-1:-1] = [k for k in tm if k not in stages]      # e.g. 'encode', should src/ add a stage
    store_pct = 100 * tm.get("store", 0.0) / s["wall"]
    mem = {k: runs[f"txt_{k}_w{w}"]["peak_rss_mb"] for k in sizes}
    growth = 100 * (mem[n] / mem[small] - 1)
    pss = {k: runs[f"txt_{k}_w{w}"]["peak_pss_mb"] for k in sizes}

    L = []
    L.append("")
    L.append(f"== results: {n} articles ({sum(ct[:n]) / 1e6:.1f} M chars), {os.cpu_count()} cores, "
             f"workers {w}, total bench time {time.perf_counter() - t_all:.0f} s")
    L.append("")
    L.append("throughput (end-to-end `ctxh extract`, fresh database, incl. start-up)")
    L.append(f"  {'input':38} {'seconds':>8} {'articles/s':>11} {'chars/s':>10} {'peak RSS MB':>12} {'(PSS MB)':>9}"
             f" {'CPU s main/workers':>19} {'other load':>11}")
    for key in [f"txt_{k}_w{w}" for k in sizes] + [f"txt_{small}_w1", f"txt_{small}_w{w}_again", f"txt_{small}_w1_again",
                                                   f"jsonl_{n}_w{w}"]:
        r = runs[key]
        L.append(f"  {r['label']:38} {r['wall_s']:8.1f} {r['articles_per_s']:11.1f} {r['chars_per_s']:10,.0f} "
                 f"{r['peak_rss_mb']:12.0f} {r['peak_pss_mb']:9.0f} {r['main_cpu_s']:10.1f} / {r['children_cpu_s']:6.1f} "
                 f"{r['other_load_cores']:8.2f} c")
    L.append(f"  {'incremental re-run, ' + str(n) + ' unchanged':38} {rr['wall_s']:8.1f} {'':>11} {'':>10} "
             f"{rr['peak_rss_mb']:12.0f} {rr['peak_pss_mb']:9.0f} {rr['main_cpu_s']:10.1f} / {rr['children_cpu_s']:6.1f} "
             f"{rr['other_load_cores']:8.2f} c")
    for i, b in enumerate(bases):
        L.append(f"  {'baseline (underthesea, 1 core)' + (' again' if i else ''):38} {b['seconds']:8.1f} "
                 f"{b['articles_per_s']:11.1f} {b['chars_per_s']:10,.0f} {b['peak_rss_mb']:12.0f} {'':>9} {'':>19} "
                 f"{b['other_load_cores']:8.2f} c  ({b['articles']} articles)")
    L.append("  (CPU s: the ctxh main process / its worker processes; other load: CPU used by everything else on the")
    L.append("   machine during the run, in cores - above ~0.15 the figures are pessimistic)")
    L.append(f"  CPU probe before each run (ms for a fixed Python loop; lower = faster CPU): "
             f"{min(PROBES):.0f}-{max(PROBES):.0f} ms")
    L.append("")
    L.append(f"memory: peak RSS of the process tree (ctxh + workers, VmRSS summed, 50 ms samples): "
             + ", ".join(f"{k}: {mem[k]:.0f} MB" for k in sizes) + f"  -> {growth:+.0f}% from {small} to {n}")
    L.append(f"        peak PSS (shared pages counted once): " + ", ".join(f"{k}: {pss[k]:.0f} MB" for k in sizes))
    L.append(f"        main process alone: " + ", ".join(f"{k}: {runs[f'txt_{k}_w{w}']['peak_main_rss_mb']:.0f} MB" for k in sizes)
             + "; largest worker: " + ", ".join(f"{k}: {runs[f'txt_{k}_w{w}']['peak_worker_rss_mb']:.0f} MB" for k in sizes))
    L.append("")
    total_stage = sum(tm.get(k, 0.0) for k in stages)
    L.append(f"time by stage (run_extract timings, {n} articles, workers {w}; worker stages summed over workers; "
             f"wall {s['wall']:.1f} s)")
    L.append(f"  {'stage':10} {'seconds':>9} {'% of stages':>12} {'% of wall':>10}")
    for k in stages:
        v = tm.get(k, 0.0)
        L.append(f"  {k:10} {v:9.1f} {100 * v / total_stage:11.1f}% {100 * v / s['wall']:9.1f}%")
    L.append(f"  {'sum':10} {total_stage:9.1f} {100.0:11.1f}% {100 * total_stage / s['wall']:9.1f}%")
    L.append("")
    L.append("targets")
    L.append(f"  [{verdict(ratio >= TARGETS['baseline_ratio'])}] end-to-end / baseline >= {TARGETS['baseline_ratio']}x: "
             f"{ratio:.2f}x chars/s ({full['chars_per_s']:,.0f} vs {base['chars_per_s']:,.0f}); {ratio_art:.2f}x articles/s")
    L.append(f"  [{verdict(speedup >= TARGETS['workers_speedup'])}] --workers {w} vs --workers 1 >= "
             f"{TARGETS['workers_speedup']}x: {speedup:.2f}x (best of two each: {w1['wall_s']:.1f} s -> {w2['wall_s']:.1f} s "
             f"on {small} articles; the two pairs alone: {pairs[0]:.2f}x, {pairs[1]:.2f}x)")
    L.append(f"  [{verdict(incr < TARGETS['incremental_pct'])}] incremental re-run < {TARGETS['incremental_pct']:.0f}% "
             f"of the first run: {incr:.1f}% ({rr['wall_s']:.1f} s vs {full['wall_s']:.1f} s)")
    L.append(f"  [{verdict(store_pct < TARGETS['store_pct'])}] database load (store) < {TARGETS['store_pct']:.0f}% "
             f"of total: {store_pct:.1f}% ({tm.get('store', 0):.1f} s of {s['wall']:.1f} s)")
    L.append(f"  [{verdict(growth <= TARGETS['memory_growth_pct'])}] memory flat (peak RSS at {n} within "
             f"+{TARGETS['memory_growth_pct']:.0f}% of {small}): {growth:+.1f}% ({mem[small]:.0f} -> {mem[n]:.0f} MB)")
    L.append(f"  [info  ] .jsonl vs .txt folder: {js['articles_per_s']:.1f} vs {full['articles_per_s']:.1f} articles/s")
    L.append("")
    L.append(f"wrote {os.path.relpath(OUT / 'results.json', ROOT)}")
    for line in L:
        log(line)

    res["figures"] = {
        "txt_articles_per_s": full["articles_per_s"], "txt_chars_per_s": full["chars_per_s"],
        "jsonl_articles_per_s": js["articles_per_s"], "jsonl_chars_per_s": js["chars_per_s"],
        "baseline_articles_per_s": base["articles_per_s"], "baseline_chars_per_s": base["chars_per_s"],
        "baseline_ratio_chars": ratio, "baseline_ratio_articles": ratio_art,
        "workers_speedup": speedup, "workers_speedup_pairs": pairs, "incremental_pct": incr, "cpu_probe_ms": PROBES, "store_pct_of_wall": store_pct,
        "stage_seconds": {k: tm.get(k, 0.0) for k in stages}, "peak_rss_mb": mem, "peak_pss_mb": pss,
        "memory_growth_pct": growth,
    }
    res["met"] = {
        "baseline_ratio": ratio >= TARGETS["baseline_ratio"], "workers_speedup": speedup >= TARGETS["workers_speedup"],
        "incremental_pct": incr < TARGETS["incremental_pct"], "store_pct": store_pct < TARGETS["store_pct"],
        "memory_flat": growth <= TARGETS["memory_growth_pct"],
    }
    res["printed"] = "\n".join(L)
    res["bench_seconds"] = time.perf_counter() - t_all
    (OUT / "results.json").write_text(json.dumps(res, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
