"""Main text of HTML pages: ctxh's reader (ingest/html.py) against trafilatura's `extract()`.

Two kinds of reference, either or both:

  --pages DIR [DIR ...] --refs DIR
      pages NAME.html with a reference text NAME.txt (what a reader sees as the article: headline,
      lead, paragraphs, captions; one block a line). Prints character-level precision and recall per
      page and in all (the text is aligned word by word, difflib, and each aligned word counts its
      characters), and whether the headline (the reference's first line) and the lead (its second)
      were kept.

  --evaldata FILE [--html-dir DIR]
      trafilatura's own evaluation set (tests/evaldata.json of github:adbar/trafilatura, with its
      tests/eval and tests/cache pages): per page, snippets that must appear ('with') and must not
      ('without'). Precision = with found / (with found + without found), recall = with found / with.

The pages of the evaluation set are third-party data: point the script at a checkout, never copy
them here. Run from the repository root, e.g.

  .venv/bin/python bench/html_main_text.py --pages data/gold/articles tests/data --refs bench/html_refs
  .venv/bin/python bench/html_main_text.py --evaldata /path/to/trafilatura/tests/evaldata.json
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import re
import sys
import time
from pathlib import Path

from ctxh_extract.ingest.html import extract_html
from ctxh_extract.rules import load_rules

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
_WS = re.compile(r"\s+")


def ctxh_text(data: bytes, rules) -> str:
    return extract_html(data, rules).text


def trafilatura_text(data: bytes, rules=None) -> str:
    import trafilatura

    return trafilatura.extract(data, include_comments=False, include_tables=True) or ""


EXTRACTORS = {"ctxh": ctxh_text, "trafilatura": trafilatura_text}


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def char_overlap(ref: str, out: str) -> tuple[int, int, int]:
    """(characters of the reference found in order in the output, reference characters, output characters)."""
    a, b = norm(ref).split(), norm(out).split()
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    matched = sum(len(w) + 1 for blk in sm.get_matching_blocks() for w in a[blk.a:blk.a + blk.size])
    return matched, sum(len(w) + 1 for w in a), sum(len(w) + 1 for w in b)


def _pr(tp: float, pred: float, gold: float) -> tuple[float, float, float]:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run_refs(page_dirs: list[Path], refs: Path, rules) -> dict:
    pages = {p.stem: p for d in page_dirs for p in sorted(d.glob("*.htm*"))}
    names = sorted(n for n in pages if (refs / f"{n}.txt").is_file())
    if not names:
        sys.exit(f"no page in {', '.join(map(str, page_dirs))} has a reference in {refs}")
    totals = {e: [0, 0, 0, 0, 0, 0.0] for e in EXTRACTORS}    # matched, ref, out, headline, lead, seconds
    print(f"{'page':28} " + "  ".join(f"{e + ' P':>14} {'R':>6} {'head':>4} {'lead':>4}" for e in EXTRACTORS))
    for n in names:
        data = pages[n].read_bytes()
        ref = refs.joinpath(f"{n}.txt").read_text(encoding="utf-8")
        ref_lines = [ln for ln in ref.splitlines() if ln.strip()]
        row = []
        for e, fn in EXTRACTORS.items():
            t0 = time.perf_counter()
            out = fn(data, rules)
            totals[e][5] += time.perf_counter() - t0
            m, g, o = char_overlap(ref, out)
            head = norm(ref_lines[0]) in norm(out) if ref_lines else False
            lead = len(ref_lines) > 1 and norm(ref_lines[1]) in norm(out)
            for k, v in enumerate((m, g, o, head, lead)):
                totals[e][k] += v
            p, r, _ = _pr(m, o, g)
            row.append(f"{p:14.3f} {r:6.3f} {'yes' if head else 'no':>4} {'yes' if lead else 'no':>4}")
        print(f"{n[:28]:28} " + "  ".join(row))
    print()
    result = {}
    for e, (m, g, o, head, lead, secs) in totals.items():
        p, r, f = _pr(m, o, g)
        result[e] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "headline_kept": head,
                     "lead_kept": lead, "pages": len(names), "seconds": round(secs, 2)}
        print(f"{e:12} character-level P {p:.3f}  R {r:.3f}  F1 {f:.3f}   headline kept {head}/{len(names)}  "
              f"lead kept {lead}/{len(names)}   {secs:.1f} s")
    return result


def run_evaldata(path: Path, html_dir: Path, rules, limit: int | None) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    items = sorted(data.items())[:limit] if limit else sorted(data.items())
    totals = {e: [0, 0, 0, 0, 0.0] for e in EXTRACTORS}          # tp, fp, fn, failures, seconds
    better = {e: 0 for e in EXTRACTORS}
    missing = 0
    for url, item in items:
        page = next((d / item["file"] for d in (html_dir / "cache", html_dir / "eval", html_dir)
                     if (d / item["file"]).is_file()), None)
        if page is None:
            missing += 1
            continue
        raw = page.read_bytes()
        score = {}
        for e, fn in EXTRACTORS.items():
            t0 = time.perf_counter()
            try:
                out = norm(fn(raw, rules))
            except Exception:                               # a crash is a full miss, as in trafilatura's eval
                out = ""
                totals[e][3] += 1
            totals[e][4] += time.perf_counter() - t0
            tp = sum(norm(w) in out for w in item["with"])
            fp = sum(norm(w) in out for w in item["without"])
            totals[e][0] += tp
            totals[e][1] += fp
            totals[e][2] += len(item["with"]) - tp
            score[e] = tp - fp
        best = max(score.values())
        winners = [e for e, s in score.items() if s == best]
        if len(winners) == 1:
            better[winners[0]] += 1
    n = len(items) - missing
    print(f"{n} pages of {path} ({missing} not found)")
    result = {}
    for e, (tp, fp, fn_, failures, secs) in totals.items():
        p, r, f = _pr(tp, tp + fp, tp + fn_)
        result[e] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "better_on": better[e],
                     "failures": failures, "pages": n, "seconds": round(secs, 1)}
        print(f"{e:12} snippet P {p:.3f}  R {r:.3f}  F1 {f:.3f}   better on {better[e]} pages   "
              f"{failures} failures   {secs:.0f} s")
    print(f"{'':12} tied on {n - sum(better.values())} pages")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", nargs="+", type=Path, help="folders of NAME.html pages")
    ap.add_argument("--refs", type=Path, help="folder of NAME.txt reference texts (default: the first --pages folder)")
    ap.add_argument("--evaldata", type=Path, help="trafilatura's tests/evaldata.json")
    ap.add_argument("--html-dir", type=Path, help="folder with eval/ and cache/ (default: evaldata's folder)")
    ap.add_argument("--limit", type=int, help="only the first N pages of --evaldata")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--rules", type=Path, help="rules folder (default: the installed rules)")
    args = ap.parse_args()
    if not args.pages and not args.evaldata:
        ap.error("give --pages (with references) or --evaldata, or both")
    rules = load_rules(args.rules)
    figures = {}
    if args.pages:
        figures["references"] = run_refs(args.pages, args.refs or args.pages[0], rules)
    if args.evaldata:
        if args.pages:
            print()
        figures["evaldata"] = run_evaldata(args.evaldata, args.html_dir or args.evaldata.parent, rules, args.limit)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
