"""Time the hotspots the profile points at, without the profiler's per-call distortion.

pyinstrument hooks every Python call, so code that runs many tiny generator
steps (``sum(1 for ch in text ...)``) looks several times slower under it than it
is. This script runs ``run_extract(..., workers=1)`` in-process over the first N
bench articles with plain timers wrapped round the functions the profile names,
then times a few drop-in alternatives on the very inputs recorded during the run,
so each suggestion in bench/README.md comes with a measured gain. Nothing in
src/ is changed: the wrappers are installed on the imported modules only.

    .venv/bin/python bench/hotspots.py [--articles 1000]
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
import make_corpus  # noqa: E402

T: dict[str, float] = defaultdict(float)
N: dict[str, int] = defaultdict(int)
RECORD: dict[str, list] = defaultdict(list)
ORIG: dict[str, object] = {}


MISSING: list[str] = []


def wrap(owner, name: str, label: str, record: bool = False) -> None:
    if not hasattr(owner, name):          # src/ moves on; a renamed function is reported, not fatal
        MISSING.append(f"{getattr(owner, '__name__', owner)}.{name}")
        return
    fn = ORIG[label] = getattr(owner, name)

    def timed(*a, **k):
        t0 = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            T[label] += time.perf_counter() - t0
            N[label] += 1
            if record:   # lists are copied: the pipeline clears its batch after writing it
                RECORD[label].append((tuple(list(x) if isinstance(x, list) else x for x in a), k))

    setattr(owner, name, timed)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--live", action="store_true", help="time the live src/ instead of bench/out/snapshot")
    args = ap.parse_args()
    snap = OUT / "snapshot" / "src"
    if snap.is_dir() and not args.live:       # the code run_bench.py measured (see its snapshot_code)
        sys.path.insert(0, str(snap))
    n = max(make_corpus.PER_FOLDER, args.articles // make_corpus.PER_FOLDER * make_corpus.PER_FOLDER)
    make_corpus.build(n, make_corpus.DEFAULT_SEED, OUT / "corpus", quiet=True, at_least=True)
    folders = [str(OUT / "corpus" / "txt" / f"b{i:03d}") for i in range(n // make_corpus.PER_FOLDER)]

    from ctxh_extract.ingest import read
    from ctxh_extract.run import pipeline, process, work as work_mod
    from ctxh_extract.store import store
    from ctxh_extract.text import clean, segment
    from ctxh_extract import extract as ex
    from ctxh_extract.extract import counts, numbers, percentages, provinces

    wrap(work_mod, "decode", "read.decode (worker)")
    wrap(read, "_control_ratio", "  read._control_ratio", record=True)
    wrap(read, "_vietnamese_ratio", "  read._vietnamese_ratio", record=True)
    wrap(process, "clean", "clean.clean")
    wrap(clean, "_needs_translate", "  clean._needs_translate")
    wrap(clean, "normalize_tones", "  clean.normalize_tones")
    wrap(process, "classify", "layout.classify")
    wrap(process, "find_metadata", "metadata.find_metadata")
    wrap(process, "split_sentences", "segment.split_sentences")
    wrap(segment, "sent_tokenize", "  underthesea.sent_tokenize")
    wrap(process, "extract_sentences", "extract.extract_sentences")
    wrap(ex, "find_cues", "  targets.find_cues", record=True)
    wrap(ex, "find_periods", "  periods.find_periods")
    wrap(numbers.NumberParser, "find", "  NumberParser.find")
    wrap(numbers, "_digits_value", "    numbers._digits_value", record=True)
    wrap(counts.CountExtractor, "extract", "  CountExtractor.extract")
    wrap(counts.CountExtractor, "_per_unit", "    CountExtractor._per_unit")
    wrap(segment, "tokenize", "      segment.tokenize (word_tokenize)", record=True)
    wrap(percentages.PercentExtractor, "extract", "  PercentExtractor.extract")
    wrap(provinces.Gazetteer, "find", "provinces.Gazetteer.find")
    wrap(provinces, "normalize_tones", "  provinces.normalize_tones", record=True)
    wrap(store.Store, "write", "store.Store.write", record=True)

    # what --workers 2 adds: each result is pickled in the worker and unpickled in the main process
    orig_work = work_mod.work
    pick = {"bytes": 0, "dump": 0.0, "load": 0.0, "n": 0}

    def work(src):
        r = orig_work(src)
        t0 = time.perf_counter()
        b = pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)
        t1 = time.perf_counter()
        pickle.loads(b)
        t2 = time.perf_counter()
        pick["bytes"] += len(b)
        pick["dump"] += t1 - t0
        pick["load"] += t2 - t1
        pick["n"] += 1
        return r

    work_mod.work = work
    sent_total = defaultdict(int)
    orig_split = process.split_sentences

    def split(text, lines):
        out = orig_split(text, lines)
        sent_total["sentences"] += len(out)
        sent_total["chars"] += sum(len(s.text) for s in out)
        return out

    process.split_sentences = split

    db = OUT / "db" / "hotspots.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    import ctxh_extract

    print(f"hotspots: run_extract(workers=1) over {n} articles with timers (no profiler), code from "
          f"{Path(ctxh_extract.__file__).parent} ...", flush=True)
    s = pipeline.run_extract(folders, db=str(db), workers=1, article_timeout=0)   # in this process
    wall = s.wall
    pick_time = pick["dump"] + pick["load"]
    T["(pickle results for IPC: dump+load)"] = pick_time
    N["(pickle results for IPC: dump+load)"] = pick["n"]
    wall_net = wall - pick_time   # the pickling ran inside the timed run; it is not part of workers=1
    lines = [f"run_extract workers=1, {s.loaded} articles, {s.chars:,} chars, wall {wall_net:.2f} s "
             f"(timers add ~1 us a call); stages: " + ", ".join(f"{k} {v:.2f}" for k, v in s.timings.items()), "",
             f"  {'function (inclusive time)':44} {'seconds':>8} {'% wall':>7} {'calls':>8} {'us/call':>8}"]
    for k in T:
        lines.append(f"  {k:44} {T[k]:8.2f} {100 * T[k] / wall_net:6.1f}% {N[k]:8d} {1e6 * T[k] / max(1, N[k]):8.0f}")
    tok = RECORD["      segment.tokenize (word_tokenize)"]
    tok_chars = sum(len(a[0]) for a, _ in tok)
    lines += ["", f"sentences: {sent_total['sentences']} ({sent_total['chars']:,} chars); word-tokenized: {len(tok)} "
              f"({tok_chars:,} chars, {100 * tok_chars / max(1, sent_total['chars']):.0f}% of sentence chars)",
              f"pickled results: {pick['bytes'] / max(1, pick['n']) / 1024:.1f} KiB an article, "
              f"dump {1e3 * pick['dump'] / max(1, pick['n']):.2f} ms + load {1e3 * pick['load'] / max(1, pick['n']):.2f} ms"]

    # ---------------------------------------------------------------- alternatives on the recorded inputs
    lines += ["", "drop-in alternatives, timed on the inputs recorded above (same results checked):"]

    def bench(fn, calls, reps=1):
        t0 = time.perf_counter()
        out = None
        for _ in range(reps):
            out = [fn(*a, **k) for a, k in calls]
        return (time.perf_counter() - t0) / reps, out

    import regex

    def alt_digits() -> None:
        """numbers._digits_value: module-level regex.fullmatch(str, ...) -> precompiled patterns."""
        calls = RECORD["    numbers._digits_value"]
        p1 = regex.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
        p2 = regex.compile(r"\d{1,3}(?:[ ]\d{3})+")
        p3 = regex.compile(r"\d+,\d+")
        p4 = regex.compile(r"\d+\.\d{1,2}")
        max_digits = getattr(numbers, "MAX_DIGITS", None)

        def dv_compiled(s: str):
            s = s.strip()
            if max_digits is not None and sum(ch.isdigit() for ch in s) > max_digits:
                return None
            if s.isdigit():
                return float(int(s))
            if p1.fullmatch(s):
                return float(s.replace(".", "").replace(",", "."))
            if p2.fullmatch(s):
                return float(s.replace(" ", ""))
            if p3.fullmatch(s):
                return float(s.replace(",", "."))
            if p4.fullmatch(s):
                return float(s)
            return None

        t_old, r_old = bench(ORIG["    numbers._digits_value"], calls, 3)
        t_new, r_new = bench(dv_compiled, calls, 3)
        lines.append(f"  numbers._digits_value: {len(calls)} calls {t_old:.3f} s -> precompiled patterns "
                     f"{t_new:.3f} s (same results: {r_old == r_new})")

    def alt_read() -> None:
        """read._control_ratio / _vietnamese_ratio / clean._needs_translate: per-character generators."""
        ctrl_chars = "".join(chr(c) for c in list(range(0, 32)) + list(range(0x7F, 0xA0)) if chr(c) not in "\n\r\t\f\v")
        ctrl_re = re.compile("[" + re.escape(ctrl_chars) + "]")

        def control_ratio_fast(text: str) -> float:
            sample = text[:20000]
            return len(ctrl_re.findall(sample)) / len(sample) if sample else 0.0

        calls = RECORD["  read._control_ratio"]
        t_old, r_old = bench(ORIG["  read._control_ratio"], calls)
        t_new, r_new = bench(control_ratio_fast, calls)
        same = all(abs(x - y) < 1e-12 for x, y in zip(r_old, r_new))
        lines.append(f"  read._control_ratio: {len(calls)} calls ({len(calls) / max(1, N['read.decode (worker)']):.0f} "
                     f"an article) {t_old:.3f} s -> one regex findall {t_new:.3f} s (same: {same})")
        if "  clean._needs_translate" not in ORIG:
            return
        tr_re = re.compile("[" + re.escape("".join(chr(c) for c in clean._ONE_TO_ONE)) + "]")
        texts = [a[0] for a, _ in RECORD["  clean._needs_translate"]]
        t_old, r_old = bench(ORIG["  clean._needs_translate"], [((x,), {}) for x in texts])
        t_new, r_new = bench(lambda x: tr_re.search(x) is not None, [((x,), {}) for x in texts])
        lines.append(f"  clean._needs_translate: {len(texts)} calls {t_old:.3f} s -> one regex search {t_new:.3f} s "
                     f"(same: {r_old == r_new})")

    def alt_tones() -> None:
        """clean.normalize_tones runs in clean() and again in Gazetteer.find on the already cleaned text."""
        texts = [a[0] for a, _ in RECORD["  provinces.normalize_tones"]]
        cand = regex.compile(r"(?i)(?<![qQ])(?:o[àáảãạèéẻẽẹ]|u[ỳýỷỹỵ])(?![\p{L}])")
        nt = ORIG["  provinces.normalize_tones"]
        t_old, r_old = bench(nt, [((x,), {}) for x in texts])
        t_new, r_new = bench(lambda x: x if not cand.search(x) else nt(x), [((x,), {}) for x in texts])
        lines.append(f"  normalize_tones inside Gazetteer.find: {len(texts)} calls {t_old:.3f} s -> with a cheap "
                     f"candidate pre-check {t_new:.3f} s (same: {r_old == r_new}; "
                     f"{sum(1 for x in texts if cand.search(x))} texts need the full pass)")

    def alt_scans() -> None:
        """The per-sentence regex scans of extract_sentences: has_number, exclusions, cues, periods."""
        from ctxh_extract.rules import load_rules

        rules = load_rules()
        exs = ex.extractors_for(rules)
        sents_all = [a[0] for a, _ in RECORD["  targets.find_cues"]]
        t0 = time.perf_counter()
        with_num = [x for x in sents_all if exs.has_number.search(x)]
        t_has = time.perf_counter() - t0
        excl = rules.compiled["exclusions"]
        t0 = time.perf_counter()
        for x in with_num:
            for entry in excl:
                for _m in entry[1].finditer(x):
                    pass
        t_excl = time.perf_counter() - t0
        lines.append(f"  extract_sentences: has_number over {len(sents_all)} sentences {t_has:.3f} s; the "
                     f"{len(excl)} exclusion patterns, one finditer each, over the {len(with_num)} sentences with a "
                     f"number {t_excl:.3f} s")
        cues_pats = rules.compiled["cues"]
        t0 = time.perf_counter()
        for x in sents_all:
            for entry in cues_pats:
                for _m in entry[1].finditer(x):
                    pass
        lines.append(f"  targets.find_cues: {len(cues_pats)} cue patterns, one finditer each, over every sentence: "
                     f"{time.perf_counter() - t0:.3f} s of regex time")

    def alt_tokenize() -> None:
        """word_tokenize of whole sentences vs a window after the position _word_after looks from."""
        from underthesea import word_tokenize

        sents = [a[0] for a, _ in tok]
        t0 = time.perf_counter()
        for x in sents:
            word_tokenize(x, use_token_normalize=False)
        t_full = time.perf_counter() - t0
        t0 = time.perf_counter()
        for x in sents:
            word_tokenize(x[len(x) // 2: len(x) // 2 + 60], use_token_normalize=False)
        t_win = time.perf_counter() - t0
        lines.append(f"  word_tokenize of the {len(sents)} sentences tokenized: whole sentences {t_full:.2f} s; "
                     f"a 60-character window of each {t_win:.2f} s")

    def alt_store() -> None:
        """Store.write: Python row building + JSON vs DuckDB's read_json/DELETE/INSERT."""
        from ctxh_extract.store.store import Store

        class Timed:
            def __init__(self, con):
                self._c, self.t = con, 0.0

            def execute(self, *a, **k):
                t0 = time.perf_counter()
                try:
                    return self._c.execute(*a, **k)
                finally:
                    self.t += time.perf_counter() - t0

            def __getattr__(self, name):
                return getattr(self._c, name)

        path = OUT / "db" / "hotspots_store.duckdb"
        for p in (path, Path(str(path) + ".wal")):
            p.unlink(missing_ok=True)
        st = Store(str(path))
        st.con = Timed(st.con)
        batches = [a[1] for a, _ in RECORD["store.Store.write"]]
        t0 = time.perf_counter()
        for b in batches:
            st.write(b)
        total = time.perf_counter() - t0
        duck = st.con.t
        st.con = st.con._c
        st.close()
        n_art = sum(len(b) for b in batches)
        lines.append(f"  Store.write of the same {n_art} results again: {total:.2f} s = {1e3 * total / n_art:.2f} ms an "
                     f"article; DuckDB execute {duck:.2f} s, Python row dicts + json.dumps + file writes "
                     f"{total - duck:.2f} s")

    for alt in (alt_digits, alt_read, alt_tones, alt_scans, alt_tokenize, alt_store):
        try:
            alt()
        except Exception as exc:  # noqa: BLE001 - src/ moves on; say which comparison no longer applies
            lines.append(f"  ({alt.__name__} skipped: {type(exc).__name__}: {exc})")
    if MISSING:
        lines.append(f"  (not found in this src/, not timed: {', '.join(MISSING)})")

    text = "\n".join(lines)
    print(text)
    (OUT / "hotspots.txt").write_text(text + "\n", encoding="utf-8")
    (OUT / "hotspots.json").write_text(json.dumps({"T": T, "N": N, "pickle": pick, "wall": wall_net}), encoding="utf-8")
    print(f"\nwrote {OUT / 'hotspots.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
