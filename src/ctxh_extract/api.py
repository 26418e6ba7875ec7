"""The library API a researcher can import; the CLI is a thin layer over it."""

from __future__ import annotations

import hashlib
import os
from datetime import date

from .models import ArticleResult
from .run.pipeline import RunSummary, run_extract
from .run.process import process
from .ingest.read import DEFAULT_MAX_BYTES, RawArticle, Source, decode, _file_sources
from .rules import load_rules
from .errors import InputError


def extract_text(text: str, article_id: str = "text", published: date | None = None,
                 title: str | None = None, rules_dir: str | None = None) -> ArticleResult:
    """Extract the facts of one article given as a string (no database involved).

    >>> r = extract_text("Năm 2023, tỉnh Hà Tĩnh đã tập huấn cho 200 cán bộ làm công tác xã hội.")
    >>> [(c.category, c.value, c.is_target, c.period_start) for c in r.counts], r.article.primary_province
    ([('trainees', 200, False, 2023)], 'Hà Tĩnh')
    """
    rules = load_rules(rules_dir)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    raw = RawArticle(article_id=article_id, source_path="<text>", sha256=sha, text=text, kind="text",
                     published=published, title=title)
    return process(raw, rules)


def extract_file(path: str | os.PathLike, rules_dir: str | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> ArticleResult:
    """Extract the facts of one .txt or .html file (for .jsonl use :func:`run_extract`)."""
    rules = load_rules(rules_dir)
    srcs = [s for s in _file_sources(str(path), max_bytes, explicit=True)]
    if len(srcs) != 1 or not isinstance(srcs[0], Source) or srcs[0].kind == "jsonl":
        raise InputError(str(path), "extract_file takes one .txt or .html file")
    src = srcs[0]
    src.load(max_bytes)
    return process(decode(src, rules), rules)


def run_archive(*args, **kwargs):
    """Extract into a run folder of Parquet shards (``ctxh extract ... --out``); see run/archive.py."""
    from .run.archive import run_archive as run

    return run(*args, **kwargs)


def load_run(run_dir: str, db: str = "data/ctxh.duckdb"):
    """Load a run folder's finished shards into a database (``ctxh load``); see store/load.py."""
    from .store.load import load_run as load

    return load(run_dir, db)


__all__ = ["extract_text", "extract_file", "run_extract", "run_archive", "load_run", "RunSummary"]
