"""The ``ctxh`` command: a thin layer over the library (see docs/CONTRACT.md).

Each command parses options, calls one library function and prints. Errors a
user can cause print one line naming the file and exit 1 (2 for usage and rule
errors); set CTXH_DEBUG=1 to see a traceback instead.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import textwrap
from collections import Counter
from contextlib import contextmanager
from enum import Enum
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .errors import CtxhError

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Extract facts about the social-work profession (công tác xã hội) from Vietnamese news "
         "articles into a DuckDB database: the provinces an article names, counts (trainees, "
         "collaborators, centres, ...) and percentages, each with its evidence and the rule that "
         "found it. Run `ctxh COMMAND --help` for the options of one command.",
    epilog=("\b\nExit codes (every command):\n"
            "  0    it did what was asked\n"
            "  1    an article was rejected, a score is under its threshold, or a database or\n"
            "       file could not be used (one line on stderr names it)\n"
            "  2    a usage error (an unknown option, a path that does not exist) or a broken\n"
            "       rules or gold file\n"
            "  130  interrupted (what was stored is kept)\n\n"
            "\b\nExample:\n"
            "  ctxh extract seeds/ && ctxh report && ctxh query \"SELECT * FROM province_summary\""),
)
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DEFAULT_DB = "data/ctxh.duckdb"
DbOpt = typer.Option(DEFAULT_DB, "--db", metavar="FILE", help="The DuckDB database file.")
RulesOpt = typer.Option(None, "--rules", metavar="DIR",
                        help="A rules folder to use instead of the installed rules (or set CTXH_RULES).")


def _epilog(exit_codes: list[tuple[str, str]], example: str) -> str:
    """The end of a command's help: its exit codes and one example (kept as written)."""
    lines = ["\b", "Exit codes:"]
    for code, what in exit_codes:
        lines += textwrap.wrap(what, 72, initial_indent=f"  {code:<4} ", subsequent_indent=" " * 7)
    return "\n".join(lines) + "\n\n\b\nExample:\n  " + example


def _at_least(minimum: float, maximum: float | None = None):
    """Range check with a message in words (click's own shows 'x>=1' in the help)."""
    def check(value):
        if value is not None and (value < minimum or (maximum is not None and value > maximum)):
            want = f"between {minimum} and {maximum}" if maximum is not None else f"{minimum} or more"
            raise typer.BadParameter(f"must be {want}, not {value}")
        return value
    return check


class Fmt(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class ExportFmt(str, Enum):
    parquet = "parquet"
    csv = "csv"
    xlsx = "xlsx"


@contextmanager
def reported():
    """Turn any failure inside into one line on stderr and an exit code."""
    try:
        yield
    except (typer.Exit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: BLE001 - every failure becomes one line
        if os.environ.get("CTXH_DEBUG"):
            raise
        if isinstance(exc, CtxhError):
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False)
        raise typer.Exit(1) from None


def _version(value: bool) -> None:
    if value:
        out.print(f"ctxh-extract {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    """ctxh: Vietnamese social-work news -> a database of facts."""


# --------------------------------------------------------------------------- extract
class Engine(str, Enum):
    local = "local"
    dask = "dask"


def _usage(msg: str) -> None:
    err.print(f"error: {msg}", markup=False)
    raise typer.Exit(2)


@app.command(
    short_help="Read articles, extract their facts and load them into the database.",
    epilog=_epilog([("0", "every article was loaded, or was unchanged since the last run"),
                    ("1", "at least one article was rejected (each named on stderr), a shard failed, or the "
                          "database could not be used"),
                    ("2", "a usage error (a path that does not exist, a bad option) or a broken rules file"),
                    ("130", "interrupted; the articles stored so far are kept")],
                   "ctxh extract seeds/ data/gold/articles/ --db data/ctxh.duckdb --workers 2"),
)
def extract(
    paths: list[str] = typer.Argument(..., metavar="PATH...", show_default=False,
                                      help="Files or folders (walked recursively) of .txt, .html/.htm, .jsonl and "
                                           ".warc/.warc.gz articles."),
    db: Optional[str] = typer.Option(None, "--db", metavar="FILE", show_default=False,
                                     help=f"The DuckDB database file (default {DEFAULT_DB})."),
    out_dir: Optional[str] = typer.Option(None, "--out", metavar="RUN_DIR", show_default=False,
                                          help="Write a run folder of Parquet shards instead of a database "
                                               "(resumable; load it with `ctxh load`)."),
    engine: Optional[Engine] = typer.Option(None, "--engine", metavar="local|dask", show_default=False,
                                            help="With --out: run the shards here (local, the default) or on a "
                                                 "Dask cluster (dask)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS", show_default=False,
                                            help="With --out: the address of a running Dask scheduler "
                                                 "(tcp://HOST:PORT); implies --engine dask."),
    shard_size: Optional[int] = typer.Option(None, "--shard-size", metavar="N", callback=_at_least(1),
                                             help="With --out: put N articles in a shard (default 1000; a WARC "
                                                  "file is one shard)."),
    workers: Optional[int] = typer.Option(None, "--workers", metavar="N", callback=_at_least(1),
                                          help="How many worker processes extract in parallel (default: the "
                                               "number of cores)."),
    prefilter: Optional[bool] = typer.Option(None, "--prefilter/--no-prefilter", show_default=False,
                                             help="Drop articles the relevance filter finds off-topic before "
                                                  "extracting them (default: on for .warc inputs only)."),
    article_timeout: float = typer.Option(120.0, "--article-timeout", metavar="SECONDS", callback=_at_least(0),
                                          help="Reject an article that takes longer than this and replace its "
                                               "worker (0: no limit)."),
    force: bool = typer.Option(False, "--force", help="Re-extract articles even when their bytes and the rules "
                                                      "are unchanged."),
    max_size: float = typer.Option(10.0, "--max-size", metavar="MB", callback=_at_least(0.001),
                                   help="Reject files larger than this many megabytes."),
    rules: Optional[str] = RulesOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print no progress bar and no summary, only problems."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also name every file skipped because it is not "
                                                                "an article type (.pdf, .docx, ...)."),
    storage_version: Optional[str] = typer.Option(
        None, "--storage-version", metavar="VERSION",
        help="The DuckDB storage format of a new database: the oldest DuckDB version that must open it "
             "(default v1.0.0, or $CTXH_STORAGE_VERSION; 'latest' for this duckdb's own). "
             "An existing database keeps its format."),
) -> None:
    """Read articles, extract their facts and load them into the database.

    Each article is cleaned, split into body and boilerplate, and searched for
    provinces, counts and percentages. Running it again is cheap: an article whose
    bytes and rules are unchanged is skipped, and re-extracting one replaces its
    rows. At the end a summary says what was found, what was skipped and why, and
    what to run next. With --out RUN_DIR the facts go to a folder of Parquet
    shards instead (on this machine or a Dask cluster), for `ctxh load`.
    """
    from .run.pipeline import check_paths

    with reported():
        check_paths(paths)            # before the progress bar, so the error is the only line
    mode = "auto" if prefilter is None else ("on" if prefilter else "off")
    if out_dir is None:
        for name, given in (("--engine", engine), ("--scheduler", scheduler), ("--shard-size", shard_size)):
            if given is not None:
                _usage(f"{name} is for runs into a folder: add --out RUN_DIR")
        _extract_db(paths, db or DEFAULT_DB, workers, force, max_size, rules, quiet, verbose, mode,
                    article_timeout, storage_version)
        return
    if db is not None:
        _usage("--db and --out: choose one (a run folder is loaded into a database with `ctxh load RUN_DIR --db FILE`)")
    if force:
        _usage("--force is for --db runs (a run folder is redone by giving a new --out folder)")
    if storage_version:
        _usage("--storage-version is for the database: give it to `ctxh load`")
    if scheduler and engine == Engine.local:
        _usage("--scheduler is for --engine dask")
    _extract_out(paths, out_dir, "dask" if scheduler or engine == Engine.dask else "local", scheduler, shard_size,
                 workers, max_size, rules, quiet, mode, article_timeout)


def _bar(label: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                   TimeElapsedColumn(), console=err, transient=True)
    return bar, bar.add_task(label, total=None, info="")


def _extract_db(paths, db, workers, force, max_size, rules, quiet, verbose, prefilter, article_timeout,
                storage_version) -> None:
    from .run.pipeline import run_extract

    progress = None
    bar = None
    if not quiet and err.is_terminal:     # a bar in a log file is noise
        bar, task = _bar("extracting")

        def progress(event, s):
            bar.update(task, total=max(s.found, s.done), completed=s.done,
                       info=f"{len(s.rejected)} rejected" if s.rejected else "")
    try:
        if bar:
            bar.start()
        with reported():
            summary = run_extract(paths, db=db, workers=workers, force=force, max_bytes=int(max_size * 1048576),
                                  rules_dir=rules, progress=progress, command="extract " + " ".join(paths),
                                  storage_version=storage_version, prefilter=prefilter,
                                  article_timeout=article_timeout or None)
    except KeyboardInterrupt:
        # Ctrl-C while rules or the database were being opened (later ones give a summary)
        err.print("interrupted: articles already stored are kept; run the same command again to finish")
        raise typer.Exit(130) from None
    finally:
        if bar:
            bar.stop()
    for path, note in summary.notes:
        err.print(f"note: {path}: {note}", markup=False)
    for r in summary.rejected:
        err.print(f"rejected: {r.path}: {r.reason}", markup=False)
    if verbose:
        for path, ext in summary.ignored:
            err.print(f"skipped: {path}: not an article file ({ext}); ctxh reads .txt, .html, .htm, .jsonl and .warc files",
                      markup=False)
    if not quiet:
        _print_summary(summary, db, verbose, prefilter)
    if summary.interrupted:
        err.print(f"interrupted: {summary.loaded} articles were stored; run the same command again to finish")
        raise typer.Exit(130)
    raise typer.Exit(0 if summary.ok else 1)


def _n(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _top(counter, limit: int = 8) -> list[str]:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return [f"{k} {v:,}" for k, v in items[:limit]] + ([f"and {len(items) - limit} more"] if len(items) > limit else [])


def _rows(rows: list[tuple[str, list[str], str]], width: int = 100) -> list[str]:
    """A two-column table as text, each detail wrapped between its items (never inside
    'schools 1'), so that it reads and copies well in a terminal and in a log file."""
    label_w = 2 + max(len(label) for label, _, _ in rows) + 3
    lines = []
    for label, items, sep in rows:
        cur = ""
        prefix = ("  " + label).ljust(label_w)
        for k, item in enumerate(items):
            piece = item + (sep if k < len(items) - 1 else "")
            if cur and label_w + len(cur) + len(piece.rstrip()) > width:
                lines.append(prefix + cur.rstrip())
                cur, prefix = "", " " * label_w
            cur += piece
        lines.append(prefix + cur.rstrip())
    return lines


def _print_summary(s, db: str, verbose: bool, prefilter: str = "auto") -> None:
    """What the run found, what it skipped and why, where the database is, what to run next."""
    counted = [f"{s.found:,} found: {s.loaded:,} loaded", f"{s.skipped + len(s.duplicates):,} skipped"]
    if s.filtered or prefilter == "on":
        counted.append(f"{s.filtered:,} filtered as off-topic (table filtered)")
    rows = [("articles", counted + [f"{len(s.rejected):,} rejected"], ", "),
            ("facts", [_n(s.facts.get("province_mentions", 0), "province mention"), _n(s.facts.get("counts", 0), "count"),
                       _n(s.facts.get("percentages", 0), "percentage")], ", ")]
    if s.categories:
        rows.append(("counts", _top(s.categories, 11), ", "))
    if s.loaded:
        about = _top(s.provinces)
        head = f"{len(s.named_provinces):,} named in the articles; articles per main province:"
        about = [f"{head} {about[0]}", *about[1:]] if about else [f"{len(s.named_provinces):,} named in the articles"]
        if s.loaded > sum(s.provinces.values()):
            about.append(f"no main province {s.loaded - sum(s.provinces.values()):,}")
        rows.append(("provinces", about, ", "))
        dates = [f"published {s.first_date} to {s.last_date}" if s.first_date else "no publication dates"]
        if s.undated and s.first_date:
            dates.append(f"{_n(s.undated, 'article')} without a date")
        rows.append(("dates", dates, "; "))
    skipped = []
    if s.skipped:
        skipped.append(f"{_n(s.skipped, 'article')} unchanged since the last run (--force re-extracts them)")
    if s.duplicates:
        skipped.append(f"{_n(len(s.duplicates), 'file')} with the same bytes as another, loaded once (see the notes)")
    if s.ignored:
        exts = ", ".join(_top(Counter(ext for _, ext in s.ignored)))
        skipped.append(f"{_n(len(s.ignored), 'file')} of other types in folders ({exts}; "
                       + ("named above)" if verbose else "--verbose names them)"))
    rows.append(("skipped", skipped or ["nothing"], "; "))
    rows.append(("rejected", [f"{len(s.rejected):,}, each named above with its reason" if s.rejected else "none"], ""))
    if s.db_totals:
        tot = s.db_totals
        rows.append(("database", [f"{s.db} holds {_n(tot['articles'], 'article')}", _n(tot["province_mentions"], "province mention"),
                                  _n(tot["counts"], "count"), _n(tot["percentages"], "percentage")], ", "))
    lines = [f"ctxh extract: {_n(s.found, 'article')} in {s.wall:.1f} s"] + _rows(rows)
    if s.db_totals.get("articles"):
        opt = "" if db == DEFAULT_DB else f" --db {shlex.quote(db)}"
        report, query = f"ctxh report{opt}", f"ctxh query \"SELECT * FROM province_summary\"{opt}"
        w = max(len(report), len(query)) + 3
        lines += ["next:", f"  {report.ljust(w)}a page to review every fact in its article",
                  f"  {query.ljust(w)}or any SQL (the README has questions to start from)"]
    out.print("\n".join(lines), markup=False)


def _extract_out(paths, out_dir, engine, scheduler, shard_size, workers, max_size, rules, quiet, prefilter,
                 article_timeout) -> None:
    from rich.table import Table

    from .run.archive import run_archive
    from .run.shard import DEFAULT_SHARD_SIZE

    progress = None
    bar = None
    if not quiet:
        bar, task = _bar("shards")

        def progress(event, s):
            if event == "planned":
                bar.start()
            bar.update(task, total=s.shards, completed=s.shards_before + s.shards_now + len(s.failed),
                       info=f"{s.loaded} articles" + (f", {s.n_rejected} rejected" if s.n_rejected else ""))
    try:
        with reported():
            summary = run_archive(paths, out_dir, engine=engine, workers=workers, scheduler=scheduler,
                                  shard_size=shard_size or DEFAULT_SHARD_SIZE, prefilter=prefilter,
                                  max_bytes=int(max_size * 1048576), rules_dir=rules,
                                  article_timeout=article_timeout or None, progress=progress)
    except KeyboardInterrupt:
        err.print("interrupted: finished shards are kept; run the same command again to finish")
        raise typer.Exit(130) from None
    finally:
        if bar:
            bar.stop()
    for path, note in summary.notes:
        err.print(f"note: {path}: {note}", markup=False)
    for r in summary.rejected:
        err.print(f"rejected: {r.path}: {r.reason}", markup=False)
    listed = len(summary.rejected) - summary.duplicates
    if summary.n_rejected > listed:
        err.print(f"note: {out_dir}: {summary.n_rejected - listed} more rejections are listed in "
                  f"{out_dir}/rejected/", markup=False)
    for n, why in summary.failed:
        err.print(f"failed: shard {n}: {why}", markup=False)
    if not quiet:
        t = Table(title=f"ctxh extract -> {out_dir} ({summary.engine})", show_header=True)
        t.add_column("what")
        t.add_column("number", justify="right")
        t.add_row("shards", str(summary.shards))
        t.add_row("  done before (skipped)", str(summary.shards_before))
        t.add_row("  done now", str(summary.shards_now))
        if summary.failed:
            t.add_row("  failed", str(len(summary.failed)))
        t.add_row("articles found", str(summary.found))
        t.add_row("written", str(summary.loaded))
        t.add_row("filtered (off-topic; filtered/)", str(summary.filtered))
        t.add_row("rejected", str(summary.n_rejected + summary.duplicates))
        t.add_row("province mentions", str(summary.facts.get("province_mentions", 0)))
        t.add_row("counts", str(summary.facts.get("counts", 0)))
        t.add_row("percentages", str(summary.facts.get("percentages", 0)))
        t.add_row("seconds", f"{summary.wall:.1f}")
        out.print(t)
        if summary.shards_before + summary.shards_now == summary.shards:
            out.print(f"load it: ctxh load {out_dir} --db FILE", markup=False)
    if summary.interrupted:
        err.print("interrupted: finished shards are kept; run the same command again to finish")
        raise typer.Exit(130)
    if summary.failed:
        err.print("error: some shards failed (see above); the others are kept: run the same command again to retry")
        raise typer.Exit(1)
    raise typer.Exit(0 if summary.ok else 1)


@app.command(
    short_help="Load a run folder's finished shards into the database.",
    epilog=_epilog([("0", "every finished shard is in the database (a note says when some are not finished)"),
                    ("1", "the run folder or the database could not be used"),
                    ("2", "a usage error (a bad option)")],
                   "ctxh load data/run --db data/ctxh.duckdb"),
)
def load(
    run_dir: str = typer.Argument(..., metavar="RUN_DIR", show_default=False,
                                  help="A run folder written by `ctxh extract ... --out RUN_DIR`."),
    db: str = DbOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print no summary table."),
    storage_version: Optional[str] = typer.Option(
        None, "--storage-version", metavar="VERSION",
        help="The DuckDB storage format of a new database (as for `ctxh extract`)."),
) -> None:
    """Load a run folder's finished shards into the database.

    Loading twice changes nothing: a shard already loaded is skipped.
    """
    from rich.table import Table

    from .store.load import load_run

    with reported():
        s = load_run(run_dir, db, command=f"load {run_dir}", storage_version=storage_version)
    for path, note in s.notes:
        err.print(f"note: {path}: {note}", markup=False)
    if s.not_done:
        err.print(f"note: {run_dir}: {s.not_done} of {s.shards} shards are not finished; run the extract "
                  f"command again, then load again", markup=False)
    if not quiet:
        t = Table(title=f"ctxh load {run_dir} -> {db}", show_header=True)
        t.add_column("what")
        t.add_column("number", justify="right")
        t.add_row("shards loaded now", str(s.loaded_shards))
        t.add_row("shards loaded before (skipped)", str(s.already))
        for table in ("articles", "filtered", "province_mentions", "counts", "percentages"):
            t.add_row(f"  {table}", str(s.rows.get(table, 0)))
        t.add_row("rejections recorded (table problems)", str(len(s.rejected)))
        t.add_row("seconds", f"{s.wall:.1f}")
        out.print(t)
    raise typer.Exit(0)


# --------------------------------------------------------------------------- evaluate
@app.command(
    short_help="Score the database against hand-made gold annotations.",
    epilog=_epilog([("0", "every score is at or above its threshold (or no threshold was given)"),
                    ("1", "a score is under --min-f1 or its --thresholds minimum, no gold article is in the "
                          "database, or the database could not be used"),
                    ("2", "a usage error, or a broken gold, thresholds or rules file")],
                   "ctxh evaluate --gold data/gold --db data/eval.duckdb --show-errors"),
)
def evaluate(
    gold: str = typer.Option("data/gold", "--gold", metavar="DIR", help="The folder of gold JSON files."),
    db: str = DbOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON instead of tables."),
    min_f1: Optional[float] = typer.Option(None, "--min-f1", metavar="X", callback=_at_least(0.0, 1.0),
                                           help="Exit 1 when a headline F1 (provinces, core counts, percentages) "
                                                "is under X, a number from 0 to 1."),
    thresholds: Optional[str] = typer.Option(None, "--thresholds", metavar="FILE",
                                             help="A JSON file of per-score minimums (as in .ci/thresholds.json)."),
    show_errors: bool = typer.Option(False, "--show-errors", help="List every false positive, false negative and "
                                                                  "wrong attribute with its evidence and rule."),
    require_all: bool = typer.Option(False, "--require-all", help="Score gold articles missing from the database "
                                                                  "as all missed."),
    rules: Optional[str] = RulesOpt,
) -> None:
    """Score the database against hand-made gold annotations.

    Prints micro precision, recall and F1 per fact type, primary-province
    accuracy and attribute accuracies, as defined in docs/ANNOTATION.md, plus a
    strict score where a fact counts only when its value, qualifier, target flag
    and period are all right. With --json the verdict and every failing
    threshold are part of the output.
    """
    from .review.evaluate import checks, evaluate as run_eval, failing, load_thresholds
    from .rules import load_rules

    with reported():
        limits = load_thresholds(thresholds) if thresholds else None
        scores = run_eval(gold, db, load_rules(rules), require_all=require_all)
    rep = scores.report
    if rep["articles_scored"] == 0:
        err.print(f"error: none of the {rep['gold_articles']} gold articles in {gold} is in {db}; "
                  f"run `ctxh extract` on their texts first", markup=False)
        raise typer.Exit(1)
    if as_json:
        # the verdict beside the scores, so a script needs neither the exit code nor stderr
        applied = checks(scores, min_f1, limits)
        data = dict(rep)
        data["passed"] = all(c["passed"] for c in applied)
        data["thresholds"] = {c["score"]: c["min"] for c in applied}
        data["failing"] = [{k: c[k] for k in ("score", "value", "min")} for c in applied if not c["passed"]]
        if show_errors:
            data["errors"] = scores.errors
        out.print_json(json.dumps(data, ensure_ascii=False))
    else:
        _print_scores(rep)
        if show_errors:
            _print_errors(scores.errors)
    if rep["missing_from_db"] and not require_all:
        err.print(f"note: {len(rep['missing_from_db'])} gold article(s) not in the database were not scored "
                  f"(use --require-all to count them as missed)", markup=False)
    bad = failing(scores, min_f1, limits)
    if bad:
        err.print("below threshold: " + "; ".join(bad), markup=False)
        raise typer.Exit(1)


def _print_scores(rep: dict) -> None:
    t = Table(title=f"ctxh evaluate: {rep['articles_scored']} articles ({rep['gold_dir']} vs {rep['db']})")
    for c in ("score", "precision", "recall", "F1", "tp", "fp", "fn"):
        t.add_column(c, justify="left" if c == "score" else "right")
    rows = [("provinces", "provinces"), ("counts (core: trainees, collaborators, centres)", "counts_core"),
            ("counts (core), strict", "counts_core_strict"),
            ("counts (all categories)", "counts_all"), ("counts, strict (value+qualifier+target+period)", "counts_strict"),
            ("percentages", "percentages"), ("percentages, strict", "percentages_strict"),
            ("target percentages: value + end year", "percentages_target_year")]
    for label, k in rows:
        s = rep[k]
        t.add_row(label, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["tp"]), str(s["fp"]), str(s["fn"]))
    for cat, s in rep["counts_by_category"].items():
        t.add_row(f"  counts: {cat}", f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                  str(s["tp"]), str(s["fp"]), str(s["fn"]))
    out.print(t)
    p = rep["primary_province"]
    a = Table(title="accuracy")
    a.add_column("what")
    a.add_column("accuracy", justify="right")
    a.add_column("right / n", justify="right")
    a.add_row("primary province", f"{p['accuracy']:.3f}", f"{p['correct']}/{p['n']}")
    for k, v in rep["count_attributes"].items():
        a.add_row(f"count {k}", f"{v['accuracy']:.3f}", f"{v['correct']}/{v['n']}")
    for k, v in rep["percentage_attributes"].items():
        a.add_row(f"percentage {k}", f"{v['accuracy']:.3f}", f"{v['correct']}/{v['n']}")
    out.print(a)


def _print_errors(errors: list[dict]) -> None:
    if not errors:
        out.print("no errors")
        return
    for e in errors:
        what = e.get("category") or e["type"]
        head = f"{e['error'].upper():15} {e['article_id']}  {e['type']}"
        if e["type"] in ("province", "primary_province"):
            out.print(f"{head}: {e.get('value')!r}" + (f" (gold {e['expected']!r})" if "expected" in e else ""), markup=False)
            continue
        val = e["value"] if e.get("value_max") is None else f"{e['value']}-{e['value_max']}"
        out.print(f"{head} {what}={val} {e.get('qualifier')} target={e.get('is_target')} period={e.get('period')}",
                  markup=False)
        out.print(f"    evidence: {e.get('evidence')!r}", markup=False)
        if e.get("rule"):
            out.print(f"    rule: {e['rule']}" + (f"  target: {e['target_rule']}" if e.get("target_rule") else ""), markup=False)
        if e.get("detail"):
            out.print(f"    {e['detail']}", markup=False)


# --------------------------------------------------------------------------- query / export / report
@app.command(
    short_help="Run read-only SQL against the database and print the result.",
    epilog=_epilog([("0", "the result was printed"),
                    ("1", "the SQL was refused or failed, or the database could not be used"),
                    ("2", "a usage error (no SQL given, a bad option)")],
                   "ctxh query \"SELECT province, sum(value) FROM facts WHERE category = 'trainees' "
                   "GROUP BY 1\" --format csv"),
)
def query(
    sql: str = typer.Argument(..., metavar="SQL", show_default=False,
                              help="One read-only statement: SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN."),
    db: str = DbOpt,
    fmt: Fmt = typer.Option(Fmt.table, "--format", metavar="table|csv|json",
                            help="Print a table, CSV or JSON."),
) -> None:
    """Run read-only SQL against the database and print the result.

    Statements that change anything (INSERT, DROP, ATTACH, COPY, ...) are refused,
    and access to other files is switched off. The tables and views are described
    in the README and docs/CONTRACT.md.
    """
    from .store.query import run_query, to_csv, to_json

    with reported():
        cols, rows = run_query(db, sql)
    if fmt == Fmt.csv:
        sys.stdout.write(to_csv(cols, rows))
    elif fmt == Fmt.json:
        sys.stdout.write(to_json(cols, rows) + "\n")
    else:
        t = Table(show_header=True)
        for c in cols:
            t.add_column(c)
        for r in rows:
            t.add_row(*["" if v is None else str(v) for v in r])
        out.print(t)
        out.print(f"{len(rows)} row(s)")


@app.command(
    short_help="Write every table and view to a folder, one file each.",
    epilog=_epilog([("0", "every file was written"),
                    ("1", "the database could not be used or a file could not be written"),
                    ("2", "a usage error (no --out, a bad option)")],
                   "ctxh export --out data/export --format csv"),
)
def export(
    out_dir: str = typer.Option(..., "--out", metavar="DIR", show_default=False,
                                help="The folder to write one file per table and view into (xlsx: one "
                                     "workbook, ctxh.xlsx)."),
    fmt: ExportFmt = typer.Option(ExportFmt.parquet, "--format", metavar="parquet|csv|xlsx",
                                  help="Write Parquet files, CSV files (plain UTF-8) or one Excel workbook (one "
                                       "sheet per table and view; needs ctxh-extract[xlsx])."),
    bom: bool = typer.Option(False, "--bom", help="For CSV only: start each file with a UTF-8 byte-order mark, so "
                                                  "that Excel reads Vietnamese right."),
    db: str = DbOpt,
) -> None:
    """Write every table and view of the database to a folder, one file each.

    Each file is named after its table or view and holds all of its rows; with
    --format xlsx they are the sheets of one workbook.
    """
    from .store.export import export as run_export

    with reported():
        written = run_export(db, out_dir, fmt.value, bom=bom)
    for name, path, n in written:
        out.print(f"{name:20} {n:8} rows -> {path}", markup=False)


@app.command(
    short_help="Write an HTML page to review every extracted fact in its article.",
    epilog=_epilog([("0", "the page was written"),
                    ("1", "the database could not be used or the page could not be written"),
                    ("2", "a usage error (a bad option)")],
                   "ctxh report --db data/ctxh.duckdb --out data/report.html"),
)
def report(
    out_file: str = typer.Option("data/report.html", "--out", metavar="FILE",
                                 help="The HTML file to write (the index when the articles fill several pages)."),
    db: str = DbOpt,
    province: Optional[str] = typer.Option(None, "--province", metavar="NAME",
                                           help="Show only articles about this province: its unit of the time or its "
                                                "2025 unit (any spelling the rules know, e.g. 'TP.HCM')."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE",
                                        help="Show only articles published on or after this date (2024-05-03, "
                                             "2024-05 or 2024)."),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE",
                                        help="Show only articles published on or before this date (2024 means up "
                                             "to 2024-12-31)."),
    limit: Optional[int] = typer.Option(None, "--limit", metavar="N", callback=_at_least(1),
                                        help="Show at most N articles (the first by article_id)."),
    per_page: int = typer.Option(50, "--per-page", metavar="N", callback=_at_least(1),
                                 help="Put N articles on a page; more are split into OUT-p1.html, OUT-p2.html, ..."),
) -> None:
    """Write standalone HTML pages to review every extracted fact in its article.

    Every article is shown with each fact highlighted in place and boilerplate
    greyed out, with the province summary and charts. The pages make no network
    requests.
    """
    from .review.report import write_report

    with reported():
        result = write_report(db, out_file, province=province, since=since, until=until, limit=limit, per_page=per_page)
    n_articles, n_facts = result
    pages = f" on {len(result.files) - 1} pages ({result.files[1]} ... {result.files[-1]})" if len(result.files) > 1 else ""
    out.print(f"wrote {out_file}: {n_articles} articles, {n_facts} highlighted facts{pages}", markup=False)


@app.command(
    short_help="Say why each number of an article became a fact, or why not.",
    epilog=_epilog([("0", "the explanation was printed"),
                    ("1", "the article could not be read"),
                    ("2", "a usage error (neither or both of FILE and --text) or a broken rules file")],
                   "ctxh explain seeds/000_e2dabd9d50a35fec.txt"),
)
def explain(
    path: Optional[str] = typer.Argument(None, metavar="FILE", show_default=False,
                                         help="A .txt or .html article to explain."),
    text: Optional[str] = typer.Option(None, "--text", metavar="TEXT", help="Explain this text instead of a file."),
    rules: Optional[str] = RulesOpt,
    width: int = typer.Option(110, "--width", metavar="N", callback=_at_least(40),
                              help="Cut outline lines to N characters."),
) -> None:
    """Say why each number of an article became a fact, or why not.

    Prints the document outline, the province mentions, then every number with
    the fact it became (and the rules that made it) or the rule that dropped it.
    """
    from .review.explain import explain_file, explain_text

    if (path is None) == (text is None):
        err.print("error: give a FILE or --text TEXT (one of them)", markup=False)
        raise typer.Exit(2)
    with reported():
        ex = explain_text(text, rules_dir=rules) if text is not None else explain_file(path, rules_dir=rules)
    out.print(ex.render(width), markup=False)


@app.command(
    "check-rules",
    short_help="Check the rule files and say what they hold.",
    epilog=_epilog([("0", "every rules file is valid"),
                    ("2", "a rules file is broken (its line and the reason are printed)")],
                   "ctxh check-rules --rules my-rules/"),
)
def check_rules(rules: Optional[str] = RulesOpt) -> None:
    """Check the rule files and say where they are and what they hold.

    Every command does this check before it reads any article. To change the
    rules, copy the folder it names, edit the copy and pass it with --rules.
    """
    from .rules import load_rules

    with reported():
        r = load_rules(rules)
    out.print(f"rules OK: {r.directory} (version {r.version})", markup=False)
    out.print(f"  {len(r.categories.units)} unit rules, {len(r.targets.rules)} target cues, "
              f"{len(r.qualifiers.rules)} qualifier cues, {len(r.periods.rules)} period rules, "
              f"{len(r.exclusions.rules)} exclusions, {len(r.provinces.aliases)} province aliases", markup=False)
    kinds = r.stocks_flows
    out.print(f"  {len(r.parts.cues)} part cues; stocks: {', '.join(kinds.stock.categories)}; "
              f"flows: {', '.join(kinds.flow.categories)}; neither: {', '.join(kinds.neither.categories) or '-'}",
              markup=False)


if __name__ == "__main__":
    app()
