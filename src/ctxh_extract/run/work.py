"""One source, in a worker process: read -> skip if unchanged -> decode -> relevance -> extract -> rows.

Both ways of running use it: the ``--db`` pipeline (rows as JSON lines for DuckDB's bulk
load) and the shard function of ``--out`` runs (rows as dicts for Parquet). It never raises:
every outcome is a status. The rules and the tokenizer are loaded once per worker process
(:func:`setup`), the tokenizer only when the first article needs extracting, so a rerun
where every article is unchanged never loads it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..errors import CtxhError, InputError
from ..ingest.read import DEFAULT_MAX_BYTES, Source, check_text, decode
from ..rules import Rules, load_rules

PREFILTER_MODES = ("auto", "on", "off")


@dataclass
class WorkConfig:
    """What a worker needs to know; sent to it once."""

    rules_dir: str
    known: dict = field(default_factory=dict)           # article_id -> (sha256, rules_version, source_path) stored
    known_filtered: dict = field(default_factory=dict)  # article_id -> (sha256, rules_version) filtered before
    force: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    prefilter: str = "auto"       # auto: web archives only; on: every article; off: none
    output: str = "json"          # json: store.Encoded for the database; rows: dicts for Parquet


@dataclass
class _State:
    cfg: WorkConfig
    rules: Rules
    process: object = None        # run.process.process, imported on first use
    known_sha: dict = field(default_factory=dict)   # sha256 -> (article_id, source_path) of a stored article


_STATE: _State | None = None


def setup(cfg: WorkConfig) -> None:
    """Load the rules (checked and compiled) for this process; a shard's worker (which always
    extracts) also loads the tokenizer now, a database run's only when an article needs it."""
    global _STATE
    _STATE = _State(cfg, load_rules(cfg.rules_dir))
    for aid, (sha, _version, path) in sorted(cfg.known.items()):
        _STATE.known_sha.setdefault(sha, (aid, path))
    if cfg.output == "rows":
        from .process import process

        _STATE.process = process


def filter_active(prefilter: str, kind: str) -> bool:
    return prefilter == "on" or (prefilter == "auto" and kind == "warc")


def work(src: Source) -> tuple[str, object, dict[str, float]]:
    """``(status, payload, timings)``; status is one of

    * ``ok``: payload ``(rows, notes)``, rows an ``Encoded`` (json) or ``dict[table, list[dict]]`` (rows);
    * ``filtered``: payload the row of table ``filtered`` (json: its ``Encoded``);
    * ``skipped``: unchanged since the database stored it (payload None);
    * ``duplicate``: the same bytes as another stored article, payload ``(article_id, path, sha256)``;
    * ``rejected``: payload the reason, one line.
    """
    st = _STATE
    cfg, rules = st.cfg, st.rules
    timings: dict[str, float] = defaultdict(float)
    t0 = time.perf_counter()
    notes: list[str] = []
    src.load(cfg.max_bytes)
    active = filter_active(cfg.prefilter, src.kind)
    aid = src.article_id
    if not src.error and aid is not None and not cfg.force:
        prev = cfg.known.get(aid)
        if prev is not None and prev[:2] == (src.sha256, rules.version):
            timings["read"] += time.perf_counter() - t0
            return "skipped", None, timings
        if active and cfg.known_filtered.get(aid) == (src.sha256, rules.version):
            timings["read"] += time.perf_counter() - t0
            return "skipped", None, timings
    prev = cfg.known.get(aid) if aid is not None else None
    if not src.error and prev is not None and prev[0] != src.sha256 and not _same_source(prev[2], src.path):
        # an edit is expected; another file taking over an article_id may be a mistake: say so
        notes.append(f"replaces article {aid!r} loaded earlier from {prev[2]} (same article_id, different content)")

    copy_of = st.known_sha.get(src.sha256) if not src.error and src.sha256 else None
    if copy_of is not None and copy_of[0] != aid:
        timings["read"] += time.perf_counter() - t0
        return "duplicate", (*copy_of, src.sha256), timings

    from ..text.relevance import page_text, relevance

    if active and not src.error and src.kind in ("html", "warc"):
        # a page whose whole text holds too few cues is dropped before its HTML is parsed
        text = page_text(src.data, src.charset)
        if text is not None:
            rel = relevance(text, rules)
            if not rel.kept:
                timings["filter"] += time.perf_counter() - t0
                return _filtered(src, None, rel, rel.reason("page"), rules, cfg)
    try:
        raw = decode(src, check=not active, rules=rules)
        t1 = time.perf_counter()
        timings["read"] += t1 - t0
        raw.relevance = rel = relevance(raw.text, rules, raw.title)
        timings["filter"] += time.perf_counter() - t1
        if active and not rel.kept:     # dropped before even the language check (an English page: off-topic)
            return _filtered(src, raw, rel, rel.reason("text"), rules, cfg)
        if active:
            check_text(raw.text, src.path)
    except InputError as exc:
        return "rejected", exc.reason, timings
    except Exception as exc:  # a decoder bug must not stop the run
        return "rejected", f"could not be read ({type(exc).__name__}: {exc})", timings
    if st.process is None:
        from .process import process        # the extraction stack (underthesea): only when needed

        st.process = process
    try:
        result = st.process(raw, rules, timings)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return "rejected", f"an extracted fact failed validation ({where}: {err['msg']})", timings
    except CtxhError as exc:
        return "rejected", str(exc), timings
    except Exception as exc:
        return "rejected", f"internal error while extracting ({type(exc).__name__}: {exc})", timings
    too_big = _unstorable_count(result)
    if too_big:
        return "rejected", too_big, timings
    t2 = time.perf_counter()
    from ..store.store import encode, rows_of

    rows = encode(result) if cfg.output == "json" else rows_of(result)
    timings["encode"] += time.perf_counter() - t2
    return "ok", (rows, raw.notes + notes), timings


def _filtered(src: Source, raw, rel, reason: str, rules: Rules, cfg: WorkConfig):
    from ..store.store import encode_filtered, filtered_row

    row = filtered_row(src.article_id, src.path, src.sha256, (raw.url if raw else None) or src.url,
                       raw.title if raw else None, rel.score, list(rel.cues), reason, rules.version)
    return "filtered", encode_filtered(row) if cfg.output == "json" else row, {}


BIGINT_MAX = 2**63 - 1


def _unstorable_count(result) -> str | None:
    """A count over BIGINT would make the database refuse the whole batch, losing the
    other articles in it; so the one article is rejected here instead."""
    for c in result.counts:
        for v in (c.value, c.value_max):
            if v is not None and not -BIGINT_MAX <= v <= BIGINT_MAX:
                return f"a number too large to be a count ({v}, at character {c.start_char}) cannot be stored"
    return None


def lost(src: Source, reason: str) -> tuple[str, object, dict[str, float]]:
    """The result of a source whose worker died on it twice or ran over time."""
    return "rejected", reason, {}


def claim_id(item, seen: dict[str, str]) -> bool:
    """Record ``item``'s article_id in ``seen``; False when the same file was named twice ('seeds
    seeds/x.txt': read it once). Another file with an id already seen gets an error naming both."""
    aid = item.article_id
    if aid is None or item.error:
        return True
    if aid in seen and _same_source(seen[aid], item.path):
        return False
    if aid in seen:
        item.error = f"duplicate article_id {aid!r} (already read from {seen[aid]}); rename one of them"
    else:
        seen[aid] = item.path
    return True


def _same_source(a: str | None, b: str) -> bool:
    """Whether two source paths name the same file (and the same line of a JSONL file)."""
    import os

    if a is None:
        return False
    (fa, la), (fb, lb) = split_position(a), split_position(b)
    if la != lb:
        return False
    try:
        return os.path.samefile(fa, fb)
    except OSError:
        return fa == fb


def split_position(path: str) -> tuple[str, str]:
    """'a.jsonl:3' -> ('a.jsonl', ':3'); 'a.warc.gz@1024' -> ('a.warc.gz', '@1024'); a .txt/.html
    path ends with its extension, so has no position."""
    for sep in (":", "@"):
        head, s, tail = path.rpartition(sep)
        if s and tail.isdigit():
            return head, sep + tail
    return path, ""
