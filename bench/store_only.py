"""Database load alone: write N articles into a fresh DuckDB file in batches and print the
time per batch, the total and the RSS. The articles are copies (new article_ids) of 100 real
bench articles extracted once, so only the store is timed.

    .venv/bin/python bench/store_only.py [--articles 10000] [--batch 500] [--threads 1]
    CTXH_DUCKDB_MEMORY=128MB .venv/bin/python bench/store_only.py --articles 20000

Used to choose the batch size, DuckDB's thread count and its memory limit (bench/README.md).
Needs the corpus (bench/make_corpus.py). RSS includes the extraction stack imported here
(~200 MB) that the real main process of a --workers run does not carry.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

from ctxh_extract import api
from ctxh_extract.store.store import Store, encode

HERE = Path(__file__).resolve().parent


def rss_mb() -> int:
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20


def renamed(e, new_id: str):
    """The same rows under another article_id (the id is a JSON string value in every row)."""
    tables = {t: v.replace(f'"article_id": "{e.article_id}"', f'"article_id": "{new_id}"')
                  .replace(f'"article_id":"{e.article_id}"', f'"article_id":"{new_id}"')
              for t, v in e.tables.items()}
    return dataclasses.replace(e, article_id=new_id, tables=tables)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--corpus", default=str(HERE / "out" / "corpus" / "txt" / "b000"))
    a = ap.parse_args()
    files = sorted(Path(a.corpus).glob("*.txt"))[:100]
    if not files:
        raise SystemExit(f"no .txt under {a.corpus}: run bench/make_corpus.py first")
    encoded = [encode(api.extract_text(p.read_text(encoding="utf-8"), article_id=p.stem)) for p in files]
    with tempfile.TemporaryDirectory() as td:
        store = Store(Path(td) / "store.duckdb")
        store.con.execute(f"SET threads = {a.threads}")
        total = 0.0
        for b in range(a.articles // a.batch):
            arts = [renamed(encoded[(b * a.batch + i) % len(encoded)], f"a{b * a.batch + i:07d}")
                    for i in range(a.batch)]
            t0 = time.perf_counter()
            store.write_encoded(arts)
            dt = time.perf_counter() - t0
            total += dt
            if (b + 1) * a.batch % 2000 == 0:
                print(f"{(b + 1) * a.batch:7d} articles  last batch {dt * 1000:6.0f} ms  "
                      f"total {total:6.1f} s  RSS {rss_mb()} MB", flush=True)
        n = store.count("articles")
        store.close()
    print(f"TOTAL {total:.2f} s for {n} articles (batch {a.batch}, threads {a.threads}, "
          f"memory_limit {os.environ.get('CTXH_DUCKDB_MEMORY', 'default')}); RSS {rss_mb()} MB")


if __name__ == "__main__":
    main()
