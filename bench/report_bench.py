"""How long the review pages of 1,000 articles take to write and to open in a real browser.

Builds (once) a database of the first N articles of the benchmark corpus
(``make_corpus.py``), writes the report with ``--per-page`` articles a page, and
opens the index, the first and the last article page in Debian's headless
Chromium, driven over the DevTools protocol on a pipe (standard library only).
For each page it prints the file size, the number of DOM elements, and the
milliseconds from navigation to: the load event, the whole document laid out
(``scrollHeight`` read), and the first screenful painted (a screenshot taken);
plus Chromium's own first-contentful-paint time. ``--single`` also measures the
whole report as one page (what ``ctxh report`` wrote before it was split).

Usage::

    .venv/bin/python bench/report_bench.py [--articles 1000] [--per-page 50] [--single] [--runs 3]

Nothing here is a test; it prints figures (bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "report"
sys.path.insert(0, str(ROOT / "src"))


class Chromium:
    """Headless Chromium with ``--remote-debugging-pipe``: JSON messages, NUL-terminated, on fds 3 and 4."""

    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="ctxh-bench-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
             f"--user-data-dir={self.profile}", "--window-size=1400,900", "about:blank"],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _read(self) -> dict:
        while b"\0" not in self.buf:
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str, session: str, timeout: float = 300) -> None:
        end = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method and m.get("sessionId") == session:
                    del self.events[i]
                    return
            if time.monotonic() > end:
                raise RuntimeError(f"no {method} in {timeout} s")
            self.events.append(self._read())

    def open(self, url: str) -> dict:
        """Navigate a fresh tab to ``url``; milliseconds to load, layout and first screenful."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=session)
        t0 = time.perf_counter()
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_event("Page.loadEventFired", session)
        t_load = time.perf_counter()
        height = self.call("Runtime.evaluate", {"expression": "document.documentElement.scrollHeight",
                                                "returnByValue": True}, session=session)["result"]["value"]
        t_layout = time.perf_counter()
        self.call("Page.captureScreenshot", {"format": "png"}, session=session)
        t_paint = time.perf_counter()
        info = json.loads(self.call("Runtime.evaluate", {"expression": (
            "JSON.stringify({nodes: document.getElementsByTagName('*').length, "
            "fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime})"),
            "returnByValue": True}, session=session)["result"]["value"])
        self.call("Target.closeTarget", {"targetId": target})
        return {"load": (t_load - t0) * 1000, "layout": (t_layout - t0) * 1000, "paint": (t_paint - t0) * 1000,
                "fcp": info.get("fcp"), "nodes": info["nodes"], "height": height}

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def database(n: int) -> str:
    """A database of the first ``n`` bench articles (built once, reused while it has them)."""
    import duckdb

    db = OUT / f"report-{n}.duckdb"
    if db.exists():
        with duckdb.connect(str(db), read_only=True) as con:
            if con.execute("SELECT count(*) FROM articles").fetchone()[0] == n:
                return str(db)
        db.unlink()
    corpus = OUT / f"corpus-{n}"
    subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), "--articles", str(n), "--out", str(corpus)],
                   check=True, stdout=subprocess.DEVNULL)
    from ctxh_extract.run.pipeline import run_extract

    t = time.perf_counter()
    summary = run_extract([str(corpus / "corpus.jsonl")], db=str(db), workers=2)
    print(f"extracted {summary.loaded} articles in {time.perf_counter() - t:.1f} s -> {db}")
    return str(db)


def measure(chrome: Chromium, path: Path, runs: int) -> dict:
    results = [chrome.open(path.resolve().as_uri()) for _ in range(runs)]
    out = {k: statistics.median(r[k] for r in results) for k in ("load", "layout", "paint")}
    out.update(nodes=results[0]["nodes"], fcp=statistics.median(r["fcp"] for r in results if r["fcp"] is not None)
               if any(r["fcp"] is not None for r in results) else None, mb=path.stat().st_size / 1e6)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--per-page", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3, help="opens per page (the median is printed)")
    ap.add_argument("--single", action="store_true", help="also measure the whole report as one page")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = database(args.articles)
    from ctxh_extract.review.report import write_report

    pages = OUT / "pages"
    shutil.rmtree(pages, ignore_errors=True)
    t = time.perf_counter()
    result = write_report(db, str(pages / "report.html"), per_page=args.per_page)
    wrote = time.perf_counter() - t
    files = [Path(f) for f in result.files]
    print(f"ctxh report: {result[0]:,} articles, {result[1]:,} highlighted facts, {len(files) - 1} article pages "
          f"of {args.per_page} + index, written in {wrote:.2f} s ({sum(f.stat().st_size for f in files) / 1e6:.1f} MB)")
    targets = [("index", files[0]), ("first article page", files[1] if len(files) > 1 else files[0]),
               ("last article page", files[-1])]
    if args.single:
        single = OUT / "single" / "report.html"
        shutil.rmtree(single.parent, ignore_errors=True)
        t = time.perf_counter()
        write_report(db, str(single), per_page=args.articles)
        print(f"one page of {args.articles:,} articles written in {time.perf_counter() - t:.2f} s")
        targets.append((f"all {args.articles:,} articles on one page", single))
    chrome = Chromium(args.chromium)
    try:
        chrome.open("about:blank")                      # warm up: the first tab pays for the browser's start
        print(f"\nChromium {subprocess.run([args.chromium, '--version'], capture_output=True, text=True).stdout.strip()}, "
              f"headless, median of {args.runs} opens (ms from navigation)")
        print(f"{'page':38} {'MB':>6} {'elements':>9} {'load':>8} {'laid out':>9} {'painted':>8} {'FCP':>7}")
        for label, path in targets:
            m = measure(chrome, path, args.runs)
            fcp = f"{m['fcp']:.0f}" if m["fcp"] is not None else "-"
            print(f"{label:38} {m['mb']:6.1f} {m['nodes']:9,} {m['load']:8.0f} {m['layout']:9.0f} {m['paint']:8.0f} {fcp:>7}")
    finally:
        chrome.close()


if __name__ == "__main__":
    main()
