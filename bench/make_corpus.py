"""Build a deterministic benchmark corpus from the seed and gold articles.

Paragraphs of ``seeds/*.txt`` and ``data/gold/articles/*.{txt,html,htm}`` (for
HTML: the visible paragraphs, headings, list items and captions) are recombined
into new articles of 2-8 KB. In each article the province names of the
gazetteer (``rules/gazetteer/provinces.json``) are replaced by one or two
provinces drawn for that article, and the counts and percentages are varied
(years, dates and times are kept), so that no two articles share their
number-bearing sentences.

The corpus is written twice, with the same articles in the same order:

* ``OUT/txt/bNNN/bench_NNNNNN.txt`` - one file per article (250 per folder, so the
  first K folders are the first K*250 articles); the first line is the title,
  then a date line, then the body;
* ``OUT/corpus.jsonl`` - one JSON object a line: ``id``, ``text`` (the body),
  ``title``, ``published`` (ISO date).

``OUT/manifest.json`` records the parameters, the input files (with hashes) and
the size of every article. Article ``i`` depends only on the seed, ``i`` and the
set of input files, so the first N articles of a 10,000-article corpus are the
N-article corpus. The input folder of gold articles may be missing, empty or
growing: whatever exists when the generator runs is used (and recorded); a
file that cannot be read is skipped with a note.

Usage::

    .venv/bin/python bench/make_corpus.py [--articles 10000] [--seed 20240601] [--out bench/out/corpus]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = ROOT / "seeds"
GOLD_DIR = ROOT / "data" / "gold" / "articles"
GAZETTEER = ROOT / "rules" / "gazetteer" / "provinces.json"
DEFAULT_OUT = ROOT / "bench" / "out" / "corpus"
DEFAULT_SEED = 20240601
PER_FOLDER = 250
MIN_BYTES, MAX_BYTES = 2048, 8192
GENERATOR_VERSION = "1"

# --------------------------------------------------------------------------- reading the inputs


class _VisibleParagraphs(HTMLParser):
    """Text of the block elements a reader sees as paragraphs; scripts, styles, navigation skipped."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "blockquote", "td", "dd", "dt", "title"}
    HIDDEN = {"script", "style", "noscript", "template", "nav", "footer", "aside", "form", "button", "select",
              "svg", "iframe", "object"}
    VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "area", "base", "col", "embed", "track", "param"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.depth = 0          # open block elements
        self.buf: list[str] = []
        self.paragraphs: list[str] = []
        self.title: str | None = None
        self._in_title = False
        self._stack: list[str] = []

    def _flush(self) -> None:
        text = " ".join("".join(self.buf).split())
        self.buf = []
        if text:
            if self._in_title and self.title is None:
                self.title = text
            else:
                self.paragraphs.append(text)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            if tag == "br" and self.depth:
                self.buf.append(" ")
            return
        self._stack.append(tag)
        a = dict(attrs)
        if tag in self.HIDDEN or "hidden" in a or "display:none" in (a.get("style") or "").replace(" ", ""):
            self.hidden += 1
        elif tag in self.BLOCKS and not self.hidden:
            self._flush()
            self.depth += 1
            self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag in self.VOID or tag not in self._stack:
            return
        # close everything opened after this tag too (tolerates unclosed <p>, <li>)
        while self._stack:
            t = self._stack.pop()
            if t in self.HIDDEN:
                self.hidden = max(0, self.hidden - 1)
            elif t in self.BLOCKS and not self.hidden:
                self._flush()
                self.depth = max(0, self.depth - 1)
                self._in_title = False
            if t == tag:
                break

    def handle_data(self, data):
        if not self.hidden and self.depth:
            self.buf.append(data)

    def close(self):
        super().close()
        self._flush()


def html_paragraphs(data: bytes) -> tuple[str | None, list[str]]:
    m = re.search(rb"charset=[\"']?([A-Za-z0-9_-]+)", data[:4096])
    enc = m.group(1).decode("ascii", "replace") if m else "utf-8"
    try:
        text = data.decode(enc, errors="replace")
    except LookupError:
        text = data.decode("utf-8", errors="replace")
    p = _VisibleParagraphs()
    p.feed(text)
    p.close()
    return p.title, p.paragraphs


def txt_paragraphs(data: bytes) -> list[str]:
    for enc in ("utf-8-sig", "utf-16", "cp1258"):
        try:
            text = data.decode(enc)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        text = data.decode("utf-8", errors="replace")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def input_files() -> list[Path]:
    """Seed and gold article files, sorted (the gold folder may not exist yet)."""
    files = sorted(SEEDS_DIR.glob("*.txt")) if SEEDS_DIR.is_dir() else []
    if GOLD_DIR.is_dir():
        try:
            gold = [p for p in GOLD_DIR.iterdir() if p.suffix.lower() in (".txt", ".html", ".htm") and p.is_file()
                    and not p.name.startswith(".")]
        except OSError:
            gold = []
        files += sorted(gold)
    return files


_VI = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵấầẩẫậắằẳẵặếềểễệốồổỗộớờởỡợứừửữự]", re.I)
_DATELIKE = re.compile(r"^\W*(thứ|chủ nhật|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|cập nhật|ngày đăng)", re.I)


class Pool:
    """Paragraphs sorted by role: titles, body paragraphs, short lines (sub-heads, captions, credits)."""

    def __init__(self) -> None:
        self.titles: list[str] = []
        self.body: list[str] = []
        self.short: list[str] = []
        self.inputs: list[dict] = []
        self.notes: list[str] = []

    def add(self, paragraphs: list[str], title: str | None = None) -> None:
        if title and 20 <= len(title) <= 200:
            self.titles.append(title)
        for i, p in enumerate(paragraphs):
            if not _VI.search(p) or _DATELIKE.match(p):
                continue
            n = len(p)
            is_heading = i == 0 and n <= 200 and not p.rstrip().endswith(".")
            if is_heading and ("xã hội" in p.lower() or "ctxh" in p.lower()):
                self.titles.append(p)
            elif n >= 120:
                self.body.append(p)
            elif 12 <= n < 120 and sum(ch.isupper() for ch in p) < 0.6 * sum(ch.isalpha() for ch in p):
                self.short.append(p)

    @classmethod
    def load(cls) -> "Pool":
        pool = cls()
        for path in input_files():
            try:
                data = path.read_bytes()
            except OSError as exc:   # a file being written or removed right now
                pool.notes.append(f"skipped {path}: {exc.strerror or exc}")
                continue
            if not data.strip():
                pool.notes.append(f"skipped {path}: empty")
                continue
            try:
                if path.suffix.lower() in (".html", ".htm"):
                    title, paras = html_paragraphs(data)
                    pool.add(paras, title)
                else:
                    pool.add(txt_paragraphs(data))
            except Exception as exc:  # noqa: BLE001 - a half-written file must not stop the generator
                pool.notes.append(f"skipped {path}: {type(exc).__name__}: {exc}")
                continue
            pool.inputs.append({"path": str(path.relative_to(ROOT)), "sha256": hashlib.sha256(data).hexdigest()})
        # dedupe, keep first-seen order (deterministic for a given set of inputs)
        for name in ("titles", "body", "short"):
            setattr(pool, name, list(dict.fromkeys(getattr(pool, name))))
        if not pool.body:
            raise SystemExit(f"no usable paragraphs in {SEEDS_DIR} or {GOLD_DIR}")
        if not pool.titles:
            pool.titles = ["Phát triển nghề công tác xã hội"]
        return pool

    def fingerprint(self) -> str:
        h = hashlib.sha256(GENERATOR_VERSION.encode())
        for item in self.inputs:
            h.update((item["path"] + item["sha256"]).encode())
        return h.hexdigest()[:16]


# --------------------------------------------------------------------------- variation


def load_provinces() -> list[str]:
    d = json.loads(GAZETTEER.read_text(encoding="utf-8"))
    names = {u["name"] for u in d.get("units", [])} | {u["name"] for u in d.get("units_2025", [])}
    return sorted(names)


class Varier:
    """Replace province names and vary numbers in a paragraph, consistently within an article."""

    _NUM = re.compile(r"(?<![\w/:.,-])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?(?![\w/:]|[.,]\d|-\d)(\s?%)?")

    def __init__(self, provinces: list[str]):
        self.provinces = provinces
        alt = "|".join(re.escape(n) for n in sorted(provinces, key=len, reverse=True))
        self.province_re = re.compile(r"(?<!\w)(?:" + alt + r")(?!\w)")

    def vary(self, text: str, rng: random.Random, mapping: dict[str, str], choice: list[str]) -> str:
        def prov(m: re.Match) -> str:
            old = m.group(0)
            if old not in mapping:
                # the first province named becomes the article's province, later ones a second one
                mapping[old] = choice[min(len(mapping), len(choice) - 1)]
            return mapping[old]

        text = self.province_re.sub(prov, text)
        return self._NUM.sub(lambda m: self._number(m, rng), text)

    @staticmethod
    def _number(m: re.Match, rng: random.Random) -> str:
        whole, frac, pct = m.group(1), m.group(2), m.group(3)
        digits = whole.replace(".", "")
        v = int(digits)
        if pct:
            x = v + (int(frac) / 10 ** len(frac) if frac else 0.0)
            x = min(100.0, max(1.0, x * rng.uniform(0.6, 1.4)))
            if frac:
                s = f"{x:.{len(frac)}f}".replace(".", ",")
            else:
                s = str(int(round(x)))
            return s + pct
        if frac is not None:          # decimal count such as "1,5 triệu": keep as is
            return m.group(0)
        if len(digits) == 4 and 1945 <= v <= 2040 and "." not in whole:
            return m.group(0)         # a year
        new = max(1, int(round(v * rng.uniform(0.5, 2.0))))
        if whole.startswith("0") and len(whole) > 1:
            return str(new).zfill(len(whole))   # "03 công chức"
        s = str(new)
        if "." in whole or (new >= 1000 and v < 1000) or new >= 10000:
            s = f"{new:,}".replace(",", ".")
        return s


# --------------------------------------------------------------------------- assembling articles

_WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


def date_line(d: date, rng: random.Random) -> str:
    hh, mm = rng.randrange(6, 23), rng.randrange(60)
    style = rng.randrange(4)
    if style == 0:
        return f"{_WEEKDAYS[d.weekday()]}, {d:%d/%m/%Y} {hh:02d}:{mm:02d}"
    if style == 1:
        return f"{d:%d-%m-%Y} {hh:02d}:{mm:02d}"
    if style == 2:
        return f"Cập nhật: {hh:02d}:{mm:02d} {d:%d/%m/%Y}"
    return f"{d.day}/{d.month}/{d.year}"


def article(i: int, seed: int, pool: Pool, varier: Varier) -> dict:
    rng = random.Random(f"{seed}:{i}")
    target = rng.randint(MIN_BYTES + 200, MAX_BYTES - 300)
    choice = rng.sample(varier.provinces, 2)
    mapping: dict[str, str] = {}
    published = date(2010, 1, 1) + timedelta(days=rng.randrange(15 * 365))
    sep = "\n\n" if rng.random() < 0.5 else "\n"

    title = varier.vary(rng.choice(pool.titles), rng, mapping, choice)
    if choice[0] not in title and rng.random() < 0.6:
        title = f"{choice[0]}: {title}"

    body: list[str] = []
    size = 0
    order = rng.sample(range(len(pool.body)), len(pool.body))
    k = 0
    tries = 0
    while size < target and tries < 200:
        tries += 1
        if body and pool.short and rng.random() < 0.15:
            p = rng.choice(pool.short)
        else:
            p = pool.body[order[k % len(order)]]
            k += 1
        p = varier.vary(p, rng, mapping, choice)
        n = len(p.encode("utf-8")) + len(sep)
        if size + n > MAX_BYTES - 600:      # leaves room for title and date line
            if size >= MIN_BYTES:
                break
            p = _cut(p, MAX_BYTES - 600 - size - len(sep))
            if not p:
                continue
            n = len(p.encode("utf-8")) + len(sep)
        body.append(p)
        size += n
    if pool.short and rng.random() < 0.3:
        body.append(rng.choice(pool.short))       # a credit or a source line at the end
    head = [title]
    if rng.random() < 0.8:
        head.append(date_line(published, rng))
    text_txt = sep.join(head + body) + "\n"
    # pad a too-short article with more paragraphs (tiny pools), then trim a too-long one
    while len(text_txt.encode("utf-8")) < MIN_BYTES:
        body.append(varier.vary(pool.body[order[k % len(order)]], rng, mapping, choice))
        k += 1
        text_txt = sep.join(head + body) + "\n"
    while len(text_txt.encode("utf-8")) > MAX_BYTES and len(body) > 1:
        last = _cut(body[-1], len(body[-1].encode("utf-8")) - (len(text_txt.encode("utf-8")) - MAX_BYTES) - 1)
        if last:
            body[-1] = last
        else:
            body.pop()
        text_txt = sep.join(head + body) + "\n"
    return {
        "id": f"bench_{i:06d}",
        "title": title,
        "published": published.isoformat(),
        "text": sep.join(body) + "\n",
        "txt": text_txt,
        "folder": f"b{i // PER_FOLDER:03d}",
    }


def _cut(p: str, max_bytes: int) -> str:
    """``p`` cut at the last sentence end that fits in ``max_bytes`` ('' if none)."""
    if max_bytes < 80:
        return ""
    b = p.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")
    idx = max(b.rfind(". "), b.rfind("; "))
    return b[: idx + 1] if idx >= 60 else ""


# --------------------------------------------------------------------------- main


def build(n: int, seed: int, out: Path, force: bool = False, quiet: bool = False, at_least: bool = False) -> dict:
    """Write the corpus (reusing an existing one built from the same inputs); returns the manifest.

    With ``at_least``, a larger existing corpus is reused too (its first ``n`` articles are the
    ``n``-article corpus), for callers that take the first folders only."""
    pool = Pool.load()
    fp = pool.fingerprint()
    mf = out / "manifest.json"
    if mf.exists() and not force:
        try:
            old = json.loads(mf.read_text(encoding="utf-8"))
            size_ok = old.get("articles") == n or (at_least and old.get("articles", 0) >= n)
            if size_ok and old.get("seed") == seed and old.get("fingerprint") == fp:
                if not quiet:
                    print(f"corpus: reusing {out} ({old['articles']} articles, inputs unchanged)", flush=True)
                return old
        except (OSError, ValueError):
            pass
    t0 = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    (out / "txt").mkdir(parents=True)
    varier = Varier(load_provinces())
    sizes: list[int] = []
    chars_txt: list[int] = []
    chars_jsonl: list[int] = []
    tmp = out / "corpus.jsonl.part"
    with open(tmp, "w", encoding="utf-8") as jf:
        for i in range(n):
            a = article(i, seed, pool, varier)
            folder = out / "txt" / a["folder"]
            if i % PER_FOLDER == 0:
                folder.mkdir(exist_ok=True)
            data = a["txt"].encode("utf-8")
            (folder / f"{a['id']}.txt").write_bytes(data)
            sizes.append(len(data))
            chars_txt.append(len(a["txt"]))
            chars_jsonl.append(len(a["text"]))
            jf.write(json.dumps({k: a[k] for k in ("id", "text", "title", "published")}, ensure_ascii=False) + "\n")
            if not quiet and (i + 1) % 2000 == 0:
                print(f"corpus: {i + 1}/{n} articles", flush=True)
    os.replace(tmp, out / "corpus.jsonl")
    manifest = {
        "generator_version": GENERATOR_VERSION, "articles": n, "seed": seed, "fingerprint": fp,
        "per_folder": PER_FOLDER, "inputs": pool.inputs, "notes": pool.notes,
        "pool": {"titles": len(pool.titles), "body_paragraphs": len(pool.body), "short_lines": len(pool.short)},
        "bytes_txt": {"total": sum(sizes), "min": min(sizes), "max": max(sizes), "mean": round(sum(sizes) / n)},
        "chars_txt": chars_txt, "chars_jsonl": chars_jsonl,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    mf.write_text(json.dumps(manifest), encoding="utf-8")
    if not quiet:
        print(f"corpus: wrote {n} articles to {out} in {manifest['seconds']} s "
              f"({len(pool.inputs)} input files, {len(pool.body)} body paragraphs; "
              f"{manifest['bytes_txt']['min']}-{manifest['bytes_txt']['max']} bytes, "
              f"mean {manifest['bytes_txt']['mean']})", flush=True)
        for note in pool.notes:
            print(f"corpus: note: {note}", flush=True)
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--force", action="store_true", help="rebuild even if an identical corpus exists")
    args = ap.parse_args(argv)
    if args.articles < 1:
        ap.error("--articles must be at least 1")
    build(args.articles, args.seed, Path(args.out), force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
