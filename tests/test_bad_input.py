"""Bad input: every problem is one line naming the file and the reason, never a traceback,
and the database keeps exactly what it held (issue 'Bad input, faults and interruptions').

Each test builds its input in tmp_path and runs ``ctxh extract`` in a subprocess, as a user
would, against a private copy of the seed database (5 articles).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import duckdb
import pytest

from ctxh_extract.errors import RulesError
from ctxh_extract.rules import load_rules

from helpers import ROOT, SEEDS, run_ctxh

SEED_FILES = sorted(SEEDS.glob("*.txt"))
SEED_TEXT = SEED_FILES[4].read_text(encoding="utf-8")          # Hà Tĩnh, many counts
# A sentence the extractor turns into one count when its number is intact (checked below).
TRAINED = "Năm 2023, tỉnh Hà Tĩnh đã tập huấn công tác xã hội cho {n} người làm công tác xã hội tại các xã."
FILLER = ("Sở Lao động - Thương binh và Xã hội tỉnh tiếp tục phối hợp với các sở, ngành, địa phương "
          "triển khai các nhiệm vụ phát triển nghề công tác xã hội trên địa bàn.\n")


def no_traceback(r: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr


def one_line(r: subprocess.CompletedProcess, prefix: str, path, *reason: str) -> str:
    """Exactly one ``prefix path: reason`` line for ``path``, containing every part of ``reason``."""
    no_traceback(r)
    head = f"{prefix} {path}:"
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith(head)]
    assert len(lines) == 1, (head, r.stderr)
    for part in reason:
        assert part in lines[0], (part, lines[0])
    return lines[0]


def extract(*args, db: str, workers: int = 1, **kw) -> subprocess.CompletedProcess:
    return run_ctxh("extract", *map(str, args), "--db", db, "--workers", str(workers), "--quiet", **kw)


def counts_rows(db: str, article_id: str) -> list[tuple]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute("SELECT value, start_char, end_char FROM counts WHERE article_id = ? ORDER BY start_char",
                           [article_id]).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------- files that are not articles
BAD_FILES = {
    "empty": (lambda p: p.write_bytes(b""), "empty file"),
    "whitespace": (lambda p: p.write_text("  \n\t\n   \r\n", encoding="utf-8"), "no text (only whitespace)"),
    "png": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8),
            "binary file (PNG image)"),
    "english": (lambda p: p.write_text(
        "The city trained 1,500 social workers last year, and 46 collaborators now work in every ward. "
        "Officials said the programme would grow by 20% in 2025.\n" * 5, encoding="utf-8"),
        "does not look like Vietnamese"),
    "too_short": (lambda p: p.write_text("Hà Nội 2024\n", encoding="utf-8"), "too little text"),
    "dangling_symlink": (lambda p: os.symlink(p.parent / "gone.txt", p), "broken symbolic link"),
    "fifo": (lambda p: os.mkfifo(p), "not a regular file: a named pipe (FIFO)"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
@pytest.mark.parametrize("how", ["file", "folder"])
def test_bad_file_is_rejected_by_name_and_db_untouched(case, how, tmp_path, seed_db_copy, db_snapshot):
    if case == "fifo" and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    make, reason = BAD_FILES[case]
    folder = tmp_path / "in"
    folder.mkdir()
    bad = folder / f"{case}.txt"
    make(bad)
    before = db_snapshot(seed_db_copy)
    r = extract(bad if how == "file" else folder, db=seed_db_copy, timeout=60)   # a FIFO must not hang the run
    if case == "dangling_symlink" and how == "file":   # named on the command line: a usage error (below)
        assert r.returncode == 2, r.stderr
        one_line(r, "error:", bad, reason)
    else:
        assert r.returncode == 1, r.stderr
        one_line(r, "rejected:", bad, reason)
    assert db_snapshot(seed_db_copy) == before


# --------------------------------------------------------------------------- paths that are not there
def test_missing_path_is_a_usage_error_and_creates_no_database(tmp_path):
    """A typo on the command line exits 2 with one line naming it, and leaves no empty database behind."""
    db = tmp_path / "data" / "new.duckdb"
    r = run_ctxh("extract", "no-such-folder/", "--db", str(db), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == ["error: no-such-folder/: no such file or directory (nothing was read or written)"]
    assert r.stdout == ""
    assert not (tmp_path / "data").exists()


def test_missing_path_next_to_good_ones_stops_before_reading(tmp_path, seed_db_copy, db_snapshot):
    """One good folder and one typo: nothing is loaded and the existing database is not touched."""
    good = tmp_path / "good.txt"
    good.write_text(SEED_TEXT, encoding="utf-8")
    before = db_snapshot(seed_db_copy)
    r = extract(good, tmp_path / "typo.txt", db=seed_db_copy)
    assert r.returncode == 2
    one_line(r, "error:", tmp_path / "typo.txt", "no such file or directory")
    assert db_snapshot(seed_db_copy) == before


def test_missing_path_from_the_library_raises_usage_error(tmp_path):
    from ctxh_extract.api import run_extract
    from ctxh_extract.errors import UsageError

    with pytest.raises(UsageError, match="nope.txt: no such file or directory"):
        run_extract([str(tmp_path / "nope.txt")], db=str(tmp_path / "x.duckdb"))
    assert not (tmp_path / "x.duckdb").exists()


def test_good_articles_load_next_to_bad_ones_with_workers(tmp_path, seed_db_copy, db_snapshot):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name, (make, _) in BAD_FILES.items():
        if name != "fifo" or hasattr(os, "mkfifo"):
            make(folder / f"{name}.txt")
    (folder / "good.txt").write_text(SEED_TEXT + "\n", encoding="utf-8")   # not the stored seed's bytes (a copy
    before = db_snapshot(seed_db_copy)                                      # would be loaded once, as the seed)
    r = extract(folder, db=seed_db_copy, workers=2, timeout=120)
    assert r.returncode == 1
    for name, (_, reason) in BAD_FILES.items():
        if (folder / f"{name}.txt").exists() or os.path.islink(folder / f"{name}.txt"):
            one_line(r, "rejected:", folder / f"{name}.txt", reason)
    after = db_snapshot(seed_db_copy)
    assert after["articles"] == before["articles"] + 1
    assert {k: v for k, v in after["per_article"].items() if k != "good"} == before["per_article"]
    assert after["per_article"]["good"][1:] == before["per_article"]["004_7c3b9518e021458d"][1:]


# --------------------------------------------------------------------------- broken characters inside numbers
def test_intact_number_is_extracted(tmp_path):
    """The control for the tests below: with ``1.500`` intact the sentence gives one count, 1500."""
    f = tmp_path / "intact.txt"
    f.write_text(FILLER + TRAINED.format(n="1.500") + "\n" + FILLER, encoding="utf-8")
    db = str(tmp_path / "x.duckdb")
    r = extract(f, db=db)
    assert r.returncode == 0, r.stderr
    assert [v for v, _, _ in counts_rows(db, "intact")] == [1500]


def _broken_number_facts(db: str, article_id: str, text: str, corrupt: str) -> list[tuple]:
    """Facts whose span touches the corrupted number."""
    a = text.index(corrupt)
    b = a + len(corrupt)
    con = duckdb.connect(db, read_only=True)
    try:
        rows = []
        for table in ("counts", "percentages"):
            rows += con.execute(f"SELECT '{table}', value, start_char, end_char FROM {table} "
                                f"WHERE article_id = ? AND start_char < ? AND end_char > ?", [article_id, b, a]).fetchall()
        return rows
    finally:
        con.close()


REPLACED = ["1.5\ufffd00", "1\ufffd500", "15\ufffd00", "\ufffd500", "1.\ufffd500", "1,\ufffd5", "1.500\ufffd",
            "1.5\ufffd\ufffd00", "1\ufffd.500"]


@pytest.mark.parametrize("corrupt", REPLACED)
def test_replacement_character_inside_a_number_gives_no_value(corrupt, tmp_path):
    """U+FFFD in a valid UTF-8 file: the article loads, but the broken number is not a fact
    (not 1.5, 1500, 500 or any other guess)."""
    text = FILLER + TRAINED.format(n=corrupt) + "\n" + FILLER
    f = tmp_path / "fffd.txt"
    f.write_text(text, encoding="utf-8")
    db = str(tmp_path / "x.duckdb")
    r = extract(f, db=db)
    assert r.returncode == 0, r.stderr
    no_traceback(r)
    assert _broken_number_facts(db, "fffd", text, corrupt) == []


@pytest.mark.parametrize("bad_bytes", [b"\xff", b"\xa0", b"\xc3"])
def test_invalid_utf8_inside_a_number_is_noted_and_gives_no_value(bad_bytes, tmp_path):
    """Invalid bytes: decoded with U+FFFD, said in a note naming the file; the number is not a fact."""
    raw = (FILLER + TRAINED.format(n="1.5@00") + "\n" + FILLER).encode("utf-8").replace(b"@", bad_bytes)
    f = tmp_path / "badutf8.txt"
    f.write_bytes(raw)
    db = str(tmp_path / "x.duckdb")
    r = extract(f, db=db)
    assert r.returncode == 0, r.stderr
    one_line(r, "note:", f, "invalid UTF-8", "replaced by U+FFFD")
    text = raw.decode("utf-8", errors="replace")
    assert _broken_number_facts(db, "badutf8", text, "1.5\ufffd00") == []
    con = duckdb.connect(db, read_only=True)
    try:
        assert con.execute("SELECT n_chars FROM articles").fetchone()[0] == len(text)
    finally:
        con.close()


# --------------------------------------------------------------------------- absurd numbers
@pytest.mark.parametrize("number, reason", [
    ("9" * 25, None),          # longer than any count: an identifier, not read as a number at all
    ("1" * 5000, None),        # (int() would refuse it); the pipeline still guards BIGINT for other paths
    ("9.999.999.999.999 tỷ", "a number too large to be a count"),   # parses, but over BIGINT
])
def test_absurd_number_costs_at_most_its_own_article(number, reason, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for f in SEED_FILES:
        (folder / f.name).write_bytes(f.read_bytes())
    bad = folder / "absurd.txt"
    bad.write_text(FILLER + TRAINED.format(n=number) + "\n" + FILLER, encoding="utf-8")
    db = str(tmp_path / "x.duckdb")
    r = extract(folder, db=db)                                 # one batch: the seeds and the bad one
    no_traceback(r)
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("error:")] == []
    if reason is not None or r.returncode == 1:
        assert r.returncode == 1
        one_line(r, "rejected:", bad, reason or "")
        assert _ids(db) == sorted(f.stem for f in SEED_FILES)
    else:
        assert _ids(db) == sorted([bad.stem, *(f.stem for f in SEED_FILES)])


# --------------------------------------------------------------------------- size limit
def _vietnamese_file(path, mb: float) -> None:
    chunk = (SEED_TEXT + "\n\n").encode("utf-8")
    with open(path, "wb") as fh:
        for _ in range(int(mb * 1048576) // len(chunk) + 1):
            fh.write(chunk)


def test_50_mb_article_is_rejected_with_the_limit_and_the_option(tmp_path, seed_db_copy, db_snapshot):
    big = tmp_path / "huge.txt"
    _vietnamese_file(big, 50)
    before = db_snapshot(seed_db_copy)
    r = extract(big, db=seed_db_copy)
    assert r.returncode == 1
    one_line(r, "rejected:", big, "50.0 MB", "size limit of 10.0 MB", "--max-size")
    assert db_snapshot(seed_db_copy) == before


def test_over_default_limit_then_processed_with_higher_max_size(tmp_path):
    big = tmp_path / "big.txt"
    _vietnamese_file(big, 12)
    db = str(tmp_path / "x.duckdb")
    r = extract(big, db=db)
    assert r.returncode == 1
    one_line(r, "rejected:", big, "12.0 MB", "size limit of 10.0 MB", "--max-size")
    assert not os.path.exists(db) or _n_articles(db) == 0

    # With --max-size 20 it is processed; measure the peak memory of the ctxh process (workers=1).
    wrapper = textwrap.dedent("""
        import resource, subprocess, sys
        r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        print(f"PEAK_RSS_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
        sys.exit(r.returncode)
    """)
    env = dict(os.environ, CTXH_RULES=str(ROOT / "rules"))
    r = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "ctxh_extract.cli", "extract", str(big),
                        "--db", db, "--workers", "1", "--quiet", "--max-size", "20"],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    no_traceback(r)
    assert _n_articles(db) == 1
    peak_mb = int(r.stderr.rsplit("PEAK_RSS_KB=", 1)[1].split()[0]) / 1024
    if sys.platform.startswith("linux"):              # ru_maxrss is in KB on Linux (bytes on macOS)
        assert peak_mb < 1024, f"peak RSS {peak_mb:.0f} MB for a 12 MB article"


def test_jsonl_line_over_the_limit_names_line_and_option(tmp_path):
    f = tmp_path / "big.jsonl"
    lines = [json.dumps({"id": "small", "text": SEED_TEXT}, ensure_ascii=False),
             json.dumps({"id": "large", "text": SEED_TEXT * 200}, ensure_ascii=False)]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = str(tmp_path / "x.duckdb")
    r = extract(f, "--max-size", "1", db=db)
    assert r.returncode == 1
    one_line(r, "rejected:", f"{f}:2", "line 2 is", "size limit of 1.0 MB", "--max-size")
    assert _ids(db) == ["small"]


def _n_articles(db: str) -> int:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()


def _ids(db: str) -> list[str]:
    con = duckdb.connect(db, read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()]
    finally:
        con.close()


# --------------------------------------------------------------------------- files that go away or are not files
def test_file_deleted_between_discovery_and_read(tmp_path):
    """'Disappears mid-run': the CLI runs with discovery patched to delete one file just after finding it."""
    folder = tmp_path / "in"
    folder.mkdir()
    for f in SEED_FILES[:3]:
        (folder / f.name).write_bytes(f.read_bytes())
    victim = folder / SEED_FILES[1].name
    db = str(tmp_path / "x.duckdb")
    script = textwrap.dedent(f"""
        import os, sys
        import ctxh_extract.run.pipeline as pipeline
        found = pipeline.discover
        def discover(paths, max_bytes, **kw):
            for item in found(paths, max_bytes, **kw):
                if getattr(item, "path", None) == {str(victim)!r}:
                    os.unlink(item.path)              # gone after discovery, before it is read
                yield item
        pipeline.discover = discover
        from ctxh_extract.cli import app
        sys.argv = ["ctxh", "extract", {str(folder)!r}, "--db", {db!r}, "--workers", "1", "--quiet"]
        app()
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env=dict(os.environ, CTXH_RULES=str(ROOT / "rules")))
    assert r.returncode == 1, r.stderr
    one_line(r, "rejected:", victim, "file disappeared before it could be read")
    assert _ids(db) == sorted(f.stem for f in (SEED_FILES[0], SEED_FILES[2]))


def test_source_load_after_unlink_and_on_non_files(tmp_path):
    from ctxh_extract.ingest.read import Source, discover

    f = tmp_path / "x.txt"
    f.write_text(SEED_TEXT, encoding="utf-8")
    (src,) = list(discover([str(f)]))
    f.unlink()
    src.load(10 * 1048576)
    assert src.error == "file disappeared before it could be read"

    d = tmp_path / "d.txt"
    d.mkdir()
    src = Source(str(d), "txt", "d")
    src.load(10 * 1048576)
    assert src.error == "not a regular file: a folder"

    if hasattr(os, "mkfifo"):
        p = tmp_path / "p.txt"
        os.mkfifo(p)
        src = Source(str(p), "txt", "p")
        src.load(10 * 1048576)                        # returns at once: no writer is waited for
        assert src.error == "not a regular file: a named pipe (FIFO)"


def test_folder_named_like_an_article_is_walked(tmp_path):
    outer = tmp_path / "in"
    (outer / "x.txt").mkdir(parents=True)
    (outer / "x.txt" / "inner.txt").write_text(SEED_TEXT, encoding="utf-8")
    db = str(tmp_path / "x.duckdb")
    r = extract(outer, db=db)
    assert r.returncode == 0, r.stderr
    assert _ids(db) == ["inner"]


def test_symlink_loop_terminates_and_loses_nothing(tmp_path):
    root = tmp_path / "archive"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "one.txt").write_bytes(SEED_FILES[0].read_bytes())
    (root / "a" / "b" / "two.txt").write_bytes(SEED_FILES[1].read_bytes())
    os.symlink("../..", root / "a" / "b" / "loop")          # b/loop -> archive
    os.symlink("..", root / "a" / "up")                     # a/up -> archive
    db = str(tmp_path / "x.duckdb")
    r = extract(root, db=db, timeout=60)
    assert r.returncode == 0, r.stderr                      # every article loaded: nothing rejected
    one_line(r, "note:", root / "a" / "b" / "loop", "symbolic link loop", "nothing missed")
    one_line(r, "note:", root / "a" / "up", "symbolic link loop")
    assert _ids(db) == ["one", "two"]


# --------------------------------------------------------------------------- the same article_id twice
def _two_folders_with_x(tmp_path):
    """a/x.txt and b/x.txt: two different seed articles that both get article_id 'x' (a line
    break added, so that neither is a byte-for-byte copy of a stored seed, which is loaded once)."""
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, seed in ((a, SEED_FILES[2]), (b, SEED_FILES[3])):
        folder.mkdir()
        (folder / "x.txt").write_bytes(seed.read_bytes() + b"\n")
    return a, b


def test_two_files_with_the_same_article_id_in_one_run(tmp_path, seed_db_copy, db_snapshot):
    a, b = _two_folders_with_x(tmp_path)
    before = db_snapshot(seed_db_copy)
    r = extract(a, b, db=seed_db_copy)
    assert r.returncode == 1
    one_line(r, "rejected:", b / "x.txt", "duplicate article_id 'x'", f"already read from {a / 'x.txt'}", "rename")
    after = db_snapshot(seed_db_copy)
    assert after["per_article"]["x"][1:] == before["per_article"][SEED_FILES[2].stem][1:]   # a's, untouched by b
    assert {k: v for k, v in after["per_article"].items() if k != "x"} == before["per_article"]


def test_same_article_id_in_a_later_run_replaces_and_says_so(tmp_path, seed_db_copy, db_snapshot):
    a, b = _two_folders_with_x(tmp_path)
    assert extract(a, db=seed_db_copy).returncode == 0
    before = db_snapshot(seed_db_copy)
    r = extract(b, db=seed_db_copy)
    assert r.returncode == 0, r.stderr
    one_line(r, "note:", b / "x.txt", "replaces article 'x'", f"from {a / 'x.txt'}")
    after = db_snapshot(seed_db_copy)
    assert after["per_article"]["x"][1:] == before["per_article"][SEED_FILES[3].stem][1:]   # now b's, whole
    assert after["articles"] == before["articles"]


def test_one_file_named_twice_is_read_once(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    f = folder / "x.txt"
    f.write_text(SEED_TEXT, encoding="utf-8")
    db = str(tmp_path / "x.duckdb")
    r = extract(folder, f, db=db)
    assert r.returncode == 0, r.stderr
    assert "rejected" not in r.stderr
    assert _ids(db) == ["x"]


# --------------------------------------------------------------------------- JSONL
def test_jsonl_bad_lines_are_named_and_the_others_load(tmp_path, seed_db_copy, db_snapshot):
    texts = [f.read_text(encoding="utf-8") for f in SEED_FILES]
    lines = [
        json.dumps({"id": "j1", "text": texts[0]}, ensure_ascii=False),                  # 1 ok
        '{"id": "j2", "text": "Hà Nội có 46 cộng tác viên',                              # 2 malformed
        json.dumps({"id": "j3", "title": "không có nội dung"}, ensure_ascii=False),      # 3 no text
        json.dumps({"id": "j4", "text": texts[1]}, ensure_ascii=False),                  # 4 ok
        json.dumps({"id": "j1", "text": texts[2]}, ensure_ascii=False),                  # 5 duplicate id
        json.dumps({"text": texts[3]}, ensure_ascii=False),                              # 6 no id
        "",                                                                              # 7 blank: ignored
        "[1, 2, 3]",                                                                     # 8 not an object
        json.dumps({"id": {"nested": 1}, "text": texts[3]}, ensure_ascii=False),         # 9 id not a string
        json.dumps({"id": "j10", "text": 12}),                                           # 10 text not a string
        json.dumps({"id": "j11", "text": texts[4]}, ensure_ascii=False),                 # 11 ok
    ]
    f = tmp_path / "feed.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = db_snapshot(seed_db_copy)
    r = extract(f, db=seed_db_copy, workers=2)
    assert r.returncode == 1
    one_line(r, "rejected:", f"{f}:2", "line 2", "malformed JSON")
    one_line(r, "rejected:", f"{f}:3", "line 3", "no 'text' field", "j3")
    one_line(r, "rejected:", f"{f}:5", "duplicate article_id 'j1'", f"{f}:1")
    one_line(r, "rejected:", f"{f}:6", "line 6", "no 'id' field")
    one_line(r, "rejected:", f"{f}:8", "line 8", "expected a JSON object")
    one_line(r, "rejected:", f"{f}:9", "line 9", "'id' must be a string or a number")
    one_line(r, "rejected:", f"{f}:10", "line 10", "no 'text' field")
    assert not [ln for ln in r.stderr.splitlines() if f"{f}:7:" in ln or f"{f}:1:" in ln or f"{f}:11:" in ln]
    after = db_snapshot(seed_db_copy)
    assert after["articles"] == before["articles"] + 3
    con = duckdb.connect(seed_db_copy, read_only=True)
    try:
        rows = dict(con.execute("SELECT article_id, source_path FROM articles WHERE article_id LIKE 'j%'").fetchall())
    finally:
        con.close()
    assert rows == {"j1": f"{f}:1", "j4": f"{f}:4", "j11": f"{f}:11"}
    # the first j1 won, whole: same rows as the seed article it carries
    assert after["per_article"]["j1"][1:] == before["per_article"][SEED_FILES[0].stem][1:]


def test_jsonl_that_is_binary_is_one_rejection(tmp_path):
    f = tmp_path / "photo.jsonl"
    f.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\n".join(bytes(range(1, 255)) for _ in range(50)))
    db = str(tmp_path / "x.duckdb")
    r = extract(f, db=db)
    assert r.returncode == 1
    one_line(r, "rejected:", f, "binary file (PNG image)")
    assert len([ln for ln in r.stderr.splitlines() if ln.startswith("rejected:")]) == 1


# --------------------------------------------------------------------------- HTML
@pytest.mark.parametrize("html", [
    "<html><body></body></html>",
    "<html><head><title>Tin tức</title><script>var s = 'Hà Nội có 1.500 cộng tác viên';</script></head>"
    "<body><div id='app'></div></body></html>",
    "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Báo Lao động</title></head><body>"
    "<nav><ul><li><a href='/'>Trang chủ</a></li><li><a href='/xa-hoi'>Xã hội</a></li></ul></nav>"
    "<footer><p>© Báo Lao động. Giấy phép số 123/GP-BTTTT. Địa chỉ: 51 Hàng Bồ, Hà Nội.</p></footer></body></html>",
], ids=["empty-body", "script-only", "nav-and-footer"])
def test_html_without_main_text(html, tmp_path, seed_db_copy, db_snapshot):
    f = tmp_path / "page.html"
    f.write_text(html, encoding="utf-8")
    before = db_snapshot(seed_db_copy)
    r = extract(f, db=seed_db_copy)
    assert r.returncode == 1
    line = one_line(r, "rejected:", f)
    assert "no main text" in line or "too little text" in line, line
    assert [ln for ln in r.stderr.splitlines() if ln.strip()] == [line]      # no stray library log lines
    assert db_snapshot(seed_db_copy) == before


# --------------------------------------------------------------------------- rules
def _copy_rules(tmp_path):
    import shutil

    dst = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", dst)
    return dst


def test_rules_syntax_error_names_file_and_line_before_any_article(tmp_path, seed_db_copy, db_snapshot):
    rules = _copy_rules(tmp_path)
    f = rules / "qualifiers.json"
    lines = f.read_text(encoding="utf-8").split("\n")
    n = next(i for i, ln in enumerate(lines) if '"qual.' in ln) + 1        # 1-based line of the first rule
    lines[n - 1] += " @"                                                   # a stray character ends that line
    f.write_text("\n".join(lines), encoding="utf-8")
    before = db_snapshot(seed_db_copy)
    r = extract(SEEDS, "--rules", rules, db=seed_db_copy)
    assert r.returncode == 2
    line = one_line(r, "error:", f"{f}:{n}", "JSON syntax error")
    assert [ln for ln in r.stderr.splitlines() if ln.strip()] == [line]
    assert db_snapshot(seed_db_copy) == before
    fresh = tmp_path / "never.duckdb"
    assert extract(SEEDS, "--rules", rules, db=str(fresh)).returncode == 2
    assert not fresh.exists()                                              # stopped before the database


def test_rules_unknown_category_names_file_and_rule_line(tmp_path, seed_db_copy, db_snapshot):
    rules = _copy_rules(tmp_path)
    f = rules / "categories.json"
    text = f.read_text(encoding="utf-8")
    at = text.index('"category": "staff"')
    f.write_text(text[:at] + '"category": "staffs"' + text[at + len('"category": "staff"'):], encoding="utf-8")
    bad_line = text.count("\n", 0, at) + 1
    rule_line = text.count("\n", 0, text.rindex('"name"', 0, at)) + 1
    before = db_snapshot(seed_db_copy)
    r = extract(SEEDS, "--rules", rules, db=seed_db_copy)
    assert r.returncode == 2
    no_traceback(r)
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith(f"error: {f}:")]
    n = int(line.split(f"{f}:", 1)[1].split(":", 1)[0])
    assert rule_line <= n <= bad_line, (line, rule_line, bad_line)      # the rule's first line, or the key's
    assert "unknown category 'staffs'" in line
    assert db_snapshot(seed_db_copy) == before


@pytest.mark.parametrize("change,message", [
    (lambda r: r.update(needles=["năm sinh"]), "holds none of its needles"),     # the matches say 'tuổi'
    (lambda r: r.update(example="không có gì"), "does not match its regex"),
])
def test_exclusion_needles_must_cover_what_the_rule_matches(tmp_path, change, message):
    """A needle that the rule's own example lacks would make the rule silently never fire."""
    rules = _copy_rules(tmp_path)
    f = rules / "exclusions.json"
    data = json.loads(f.read_text(encoding="utf-8"))
    rule = next(r for r in data["rules"] if r["name"] == "excl.age")
    change(rule)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    f.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_rules(rules)
    line = text.count("\n", 0, text.index('"excl.age"')) + 1
    assert str(exc.value).startswith(f"{f}:{line}: rule excl.age: ") and message in str(exc.value)
