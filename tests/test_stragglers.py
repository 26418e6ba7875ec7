"""No stragglers: a sentence's work is bounded, and an article over --article-timeout is rejected
by name while the run goes on (its worker is replaced)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from hypothesis import given, settings, strategies as st

from ctxh_extract.text.segment import MAX_SENTENCE, bounded, split_sentences

from helpers import GOLD, ROOT, SEEDS


def _words(n_chars: int) -> str:
    words = re.sub(r"[^\w\s]", " ", " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))).split()
    out, total, i = [], 0, 0
    while total < n_chars:
        out.append(words[i % len(words)])
        total += len(out[-1]) + 1
        i += 1
    return " ".join(out)


def test_a_one_sentence_dump_is_cut_into_bounded_sentences_with_exact_offsets(rules):
    from ctxh_extract.text.clean import clean
    from ctxh_extract.text.layout import classify

    text = clean(_words(200_000) + ", 1.500 người; 30 cộng tác viên").text
    lines = classify(text, rules)
    sents = split_sentences(text, lines)
    assert len(sents) > 100
    assert all(len(s.text) <= MAX_SENTENCE and text[s.start:s.end] == s.text for s in sents)
    assert "".join(text[s.start:s.end] for s in sents).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert sum(s.paragraph_start for s in sents) == 1


def test_real_sentences_are_never_cut(rules):
    from ctxh_extract.ingest.read import decode, discover
    from ctxh_extract.text.clean import clean
    from ctxh_extract.text.layout import classify

    for src in discover([str(SEEDS), str(GOLD / "articles")]):
        src.load(10 << 20)
        text = clean(decode(src).text).text
        assert all(len(s.text) < MAX_SENTENCE / 2 for s in split_sentences(text, classify(text, rules))), src.path


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["công", "tác", "xã", "hội", "1", "500", "2.000", ",", ";", " ", "  ", "\n", "a" * 30]),
                min_size=0, max_size=400).map("".join), st.integers(min_value=8, max_value=60))
def test_bounded_pieces(text, limit):
    pieces = bounded(text, 0, len(text), limit)
    assert all(0 < b - a <= limit for a, b in pieces)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(pieces, pieces[1:]))
    covered = set()
    for a, b in pieces:
        covered.update(range(a, b))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())       # only spaces are left out
    assert all(not text[b:a].strip() for (_, b), (a, _) in zip(pieces, pieces[1:]))


def test_a_cut_prefers_a_clause_boundary_and_keeps_numbers_whole():
    text = "x" * 50 + ", " + "y" * 30 + " 1 500 người " + "z" * 10
    pieces = [text[a:b] for a, b in bounded(text, 0, len(text), 60)]
    assert pieces[0] == "x" * 50 + ","
    assert all("1 500" in p or "500" not in p for p in pieces)


def _run_with_patched_process(folder: Path, args: list[str], body: str) -> subprocess.CompletedProcess:
    """ctxh with extraction patched to misbehave on the article 'slow' (workers are forked, so they see it)."""
    script = textwrap.dedent(f"""
        import re, sys, time
        import ctxh_extract.run.process as stage
        real = stage.process
        def process(raw, rules, timings=None):
            if raw.article_id == "slow":
{textwrap.indent(body, " " * 16)}
            return real(raw, rules, timings)
        stage.process = process
        from ctxh_extract.cli import app
        sys.argv = ["ctxh", "extract", {str(folder)!r}, *{args!r}, "--quiet"]
        app()
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env=dict(os.environ, CTXH_RULES=str(ROOT / "rules")))


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for f in sorted(SEEDS.glob("*.txt")):
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "slow.txt").write_bytes(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    return folder


def _stored(db: str) -> list[str]:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        return sorted(r[0] for r in con.execute("SELECT article_id FROM articles").fetchall())
    finally:
        con.close()


TIMEOUT_LINE = ("took longer than 2 s (--article-timeout), so its worker was stopped; "
                "raise --article-timeout if articles this long are expected")


def test_article_over_its_time_budget_is_rejected_and_the_run_goes_on(tmp_path):
    folder = _folder(tmp_path)
    db = str(tmp_path / "x.duckdb")
    # stuck inside C code holding the GIL (catastrophic backtracking in the re module): only another
    # process can stop it
    r = _run_with_patched_process(folder, ["--db", db, "--workers", "2", "--article-timeout", "2"],
                                  're.match(r"(a+)+$", "a" * 60 + "b")')
    assert r.returncode == 1, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"rejected: {folder / 'slow.txt'}: {TIMEOUT_LINE}"]
    assert _stored(db) == sorted(f.stem for f in SEEDS.glob("*.txt"))


def test_article_timeout_in_a_run_folder(tmp_path):
    folder = _folder(tmp_path)
    run_dir = tmp_path / "run"
    r = _run_with_patched_process(folder, ["--out", str(run_dir), "--workers", "2", "--shard-size", "2",
                                           "--article-timeout", "2"], "time.sleep(3600)")
    assert r.returncode == 1, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"rejected: {folder / 'slow.txt'}: {TIMEOUT_LINE}"]
    db = str(tmp_path / "x.duckdb")
    assert subprocess.run([sys.executable, "-m", "ctxh_extract.cli", "load", str(run_dir), "--db", db, "--quiet"],
                          cwd=ROOT, timeout=120).returncode == 0
    assert _stored(db) == sorted(f.stem for f in SEEDS.glob("*.txt"))
