"""Archive-scale figures (issue 14): the relevance filter, reruns, start-up, distributed runs.

Prints, and writes bench/out/archive/results.json:

1. **Mixed archive** (``--mixed`` articles, 1 in 20 about social work, JSONL): articles/s of
   ``ctxh extract --db`` without the filter (every article extracted: today's work) and with
   ``--prefilter``, and the ratio.
2. **Unchanged rerun** of ``--rerun`` articles (.txt): the first run into a fresh database, the
   same command again, and the second as % of the first.
3. **`ctxh query` start-up**: a one-row query on that database, whole process.
4. **Distributed run**: ``--out`` runs with ``--engine dask`` (LocalCluster, 1 thread per
   worker) and ``--engine local`` over the social-work articles; from the done markers, the
   cost of a shard, the scheduler's overhead (time workers sat idle between shards) and the
   cluster's start-up; then the same for the mixed archive.
5. **Projection** for 1M and 20M articles on 2, 16 and 128 cores, from those figures.

Every run is a whole ``ctxh`` process (console script, start-up included), repeated
``--repeat`` times; the median counts. Social-work articles come from make_corpus.py (seed
20240601); off-topic ones recombine the paragraphs of tests/data/offtopic/ (real news
excerpts) with varied numbers and places, 2-8 KB each like the others.

    .venv/bin/python bench/archive_bench.py            # ~6 min on 2 cores
    .venv/bin/python bench/archive_bench.py --quick    # smaller, ~2 min
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "archive"
sys.path.insert(0, str(HERE))
import make_corpus  # noqa: E402

CTXH = str(Path(sys.executable).with_name("ctxh"))
OFFTOPIC = ROOT / "tests" / "data" / "offtopic"


def log(msg: str = "") -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------- corpora
def offtopic_articles(n: int, seed: int) -> list[dict]:
    """``n`` off-topic articles of 2-8 KB from the paragraphs of the fixtures, numbers and places varied."""
    rng = random.Random(seed)
    paras, titles = [], []
    for f in sorted(OFFTOPIC.glob("*.txt")):
        if f.stem.startswith("socialisation"):
            continue                       # keep the mix plainly off-topic
        blocks = [b.strip() for b in f.read_text(encoding="utf-8").split("\n\n") if b.strip()]
        titles.append(blocks[0])
        paras += blocks[1:]
    places = make_corpus.load_provinces()
    out = []
    for i in range(n):
        body, size = [], 0
        target = rng.randint(2000, 8000)
        while size < target:
            p = rng.choice(paras)
            p = re.sub(r"\d[\d.]*", lambda m: f"{rng.randint(1, 90) * 1000:,}".replace(",", "."), p)
            p = p.replace("Quảng Trị", rng.choice(places)).replace("Vĩnh Long", rng.choice(places))
            body.append(p)
            size += len(p.encode("utf-8"))
        out.append({"id": f"off{i:06d}", "title": rng.choice(titles), "text": "\n\n".join(body),
                    "published": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"})
    return out


def build(n_mixed: int, n_ctxh: int, seed: int) -> dict:
    need = max(n_mixed // 20 + 1, n_ctxh)
    corpus = OUT / "corpus"
    make_corpus.build(need, seed, corpus, quiet=True, at_least=True)
    ctxh = [json.loads(ln) for ln, _ in zip(open(corpus / "corpus.jsonl", encoding="utf-8"), range(need))]
    off = offtopic_articles(n_mixed - n_mixed // 20, seed)
    mixed = OUT / "mixed.jsonl"
    with open(mixed, "w", encoding="utf-8") as fh:
        k = o = 0
        for i in range(n_mixed):
            if i % 20 == 0:
                rec, k = ctxh[k], k + 1
            else:
                rec, o = off[o], o + 1
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    only = OUT / "ctxh.jsonl"
    with open(only, "w", encoding="utf-8") as fh:
        for rec in ctxh[:n_ctxh]:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    txt = OUT / "txt"
    if txt.exists():
        shutil.rmtree(txt)
    txt.mkdir()
    for rec in ctxh[:n_ctxh]:
        (txt / f"{rec['id']}.txt").write_text(rec["text"], encoding="utf-8")
    return {"mixed": str(mixed), "ctxh_jsonl": str(only), "txt": str(txt), "n_mixed": n_mixed, "n_ctxh": n_ctxh}


# --------------------------------------------------------------------------- timing
def timed(args: list[str], ok=(0,)) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode not in ok:
        raise SystemExit(f"{' '.join(args)} exited {r.returncode}: {r.stderr[-2000:]}")
    return dt


def fresh(path: Path) -> str:
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            p.unlink()
    return str(path)


def median_of(repeat: int, fn) -> tuple[float, list[float]]:
    xs = [fn() for _ in range(repeat)]
    return statistics.median(xs), xs


def shard_figures(run_dir: Path, wall: float) -> dict:
    """From the done markers: shard cost, worker idle time between shards, cluster start-up."""
    marks = [json.loads(p.read_text()) for p in sorted((run_dir / "done").iterdir())]
    walls = [m["wall"] for m in marks]
    arts = [m["found"] for m in marks]
    by_worker: dict = {}
    for m in marks:
        by_worker.setdefault((m["host"], m["pid"]), []).append(m)
    idle, first_start, last_end = [], min(m["started"] for m in marks), max(m["finished"] for m in marks)
    for ms in by_worker.values():
        ms.sort(key=lambda m: m["started"])
        idle += [b["started"] - a["finished"] for a, b in zip(ms, ms[1:])]
    return {"shards": len(marks), "workers_seen": len(by_worker), "shard_wall_median": statistics.median(walls),
            "articles_per_shard": statistics.median(arts), "per_article_core_s": sum(walls) / max(1, sum(arts)),
            "idle_between_shards_median": statistics.median(idle) if idle else 0.0,
            "idle_between_shards_max": max(idle) if idle else 0.0,
            "span": last_end - first_start, "wall": wall, "outside_shards": wall - (last_end - first_start)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mixed", type=int, default=4000, help="articles in the mixed archive (1 in 20 on topic)")
    ap.add_argument("--rerun", type=int, default=1000, help="articles for the rerun and distributed figures")
    ap.add_argument("--shard-size", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=make_corpus.DEFAULT_SEED)
    ap.add_argument("--quick", action="store_true", help="--mixed 1000 --rerun 300 --repeat 1")
    a = ap.parse_args(argv)
    if a.quick:
        a.mixed, a.rerun, a.repeat = 1000, 300, 1
    OUT.mkdir(parents=True, exist_ok=True)
    w = str(a.workers)
    log(f"archive bench: {a.mixed} mixed articles, {a.rerun} on-topic, workers {w}, repeat {a.repeat} "
        f"(median), {os.cpu_count()} cores; python {sys.version.split()[0]}")
    c = build(a.mixed, a.rerun, a.seed)
    res: dict = {"args": vars(a)}
    db = OUT / "db.duckdb"

    # 1. mixed archive
    m_off, xs_off = median_of(a.repeat, lambda: timed([CTXH, "extract", c["mixed"], "--db", fresh(db), "--workers", w,
                                                        "--quiet"]))
    m_on, xs_on = median_of(a.repeat, lambda: timed([CTXH, "extract", c["mixed"], "--db", fresh(db), "--workers", w,
                                                      "--quiet", "--prefilter"]))
    res["mixed"] = {"no_filter_s": xs_off, "prefilter_s": xs_on, "no_filter_art_s": a.mixed / m_off,
                    "prefilter_art_s": a.mixed / m_on, "ratio": m_off / m_on}
    log(f"1. mixed archive ({a.mixed} articles, 1 in 20 on topic), ctxh extract --db, whole process, median:")
    log(f"   without the filter      {m_off:7.2f} s  {a.mixed / m_off:8.1f} articles/s")
    log(f"   --prefilter             {m_on:7.2f} s  {a.mixed / m_on:8.1f} articles/s   {m_off / m_on:5.1f}x")

    # 2. unchanged rerun
    firsts, reruns = [], []
    for _ in range(a.repeat):
        firsts.append(timed([CTXH, "extract", c["txt"], "--db", fresh(db), "--workers", w, "--quiet"]))
        reruns.append(timed([CTXH, "extract", c["txt"], "--db", str(db), "--workers", w, "--quiet"]))
    f, r = statistics.median(firsts), statistics.median(reruns)
    res["rerun"] = {"first_s": firsts, "rerun_s": reruns, "percent": 100 * r / f}
    log(f"2. {a.rerun} .txt articles: first run {f:.2f} s, unchanged rerun {r:.2f} s = {100 * r / f:.1f}% of the first")

    # 3. query start-up
    q, xs_q = median_of(max(5, a.repeat), lambda: timed([CTXH, "query", "SELECT count(*) FROM articles", "--db", str(db)]))
    res["query_s"] = xs_q
    log(f"3. ctxh query (one row), whole process: {q:.3f} s")

    # 4. distributed runs
    res["runs"] = {}
    for name, src, engine in (("dask, on-topic", c["ctxh_jsonl"], "dask"), ("local, on-topic", c["ctxh_jsonl"], "local"),
                              ("dask, mixed", c["mixed"], "dask")):
        run_dir = OUT / f"run-{engine}-{'mixed' if 'mixed' in name else 'ctxh'}"
        if run_dir.exists():
            shutil.rmtree(run_dir)
        args = [CTXH, "extract", src, "--out", str(run_dir), "--engine", engine, "--workers", w,
                "--shard-size", str(a.shard_size), "--quiet"] + (["--prefilter"] if "mixed" in name else [])
        wall = timed(args)
        fig = shard_figures(run_dir, wall)
        res["runs"][name] = fig
        n = a.mixed if "mixed" in name else a.rerun
        log(f"4. --out --engine {engine} ({name}, {n} articles, shards of {a.shard_size}): wall {wall:.2f} s, "
            f"{n / wall:.1f} articles/s")
        log(f"   shard: median {fig['shard_wall_median']:.2f} s for {fig['articles_per_shard']:.0f} articles "
            f"({1000 * fig['per_article_core_s']:.1f} ms of a core per article); workers idle between shards: "
            f"median {1000 * fig['idle_between_shards_median']:.1f} ms, max {1000 * fig['idle_between_shards_max']:.1f} ms; "
            f"outside the shards (plan, cluster start, summary): {fig['outside_shards']:.2f} s")
        if engine == "dask":
            fresh(OUT / "load.duckdb")
            res["runs"][name]["load_s"] = timed([CTXH, "load", str(run_dir), "--db", str(OUT / "load.duckdb"), "--quiet"])
            log(f"   ctxh load of that folder: {res['runs'][name]['load_s']:.2f} s")

    # 5. projection
    log("5. projection (cores all busy; per article = a core's time per article in shards; per shard = idle "
        "between shards; plus the start-up measured):")
    proj = {}
    for name in ("dask, on-topic", "dask, mixed"):
        fig = res["runs"][name]
        per_art = fig["per_article_core_s"]
        overhead = fig["idle_between_shards_median"]
        start = fig["outside_shards"]
        for n in (1_000_000, 20_000_000):
            for cores in (2, 16, 128):
                shards = n / a.shard_size
                t = n * per_art / cores + shards * overhead / cores + start
                proj[f"{name}, {n}, {cores}"] = t
                log(f"   {name:15} {n:>10,} articles on {cores:3} cores: {t / 3600:8.2f} h")
    res["projection_s"] = proj
    (OUT / "results.json").write_text(json.dumps(res, indent=1))
    log(f"wrote {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
