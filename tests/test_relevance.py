"""The relevance filter (rules/relevance.json): keeps every gold article, drops real off-topic news.

tests/data/offtopic/ holds short excerpts of real Vietnamese news about prices, sport and
traffic (and one about "công tác xã hội hóa", socialising education), sources in its
SOURCES.md. With --prefilter they land in the table ``filtered`` with their reason, never
in ``articles``; without it they are extracted like any article.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from ctxh_extract.ingest.read import discover, decode
from ctxh_extract.text.relevance import page_text, relevance

from helpers import GOLD, SEEDS, run_ctxh

OFFTOPIC = Path(__file__).parent / "data" / "offtopic"


def _articles(*folders):
    for src in discover([str(f) for f in folders]):
        src.load(10 << 20)
        yield src, decode(src)


def test_every_gold_article_is_kept(rules):
    n = 0
    real = GOLD / "real" / "articles"              # real pages, annotated (when the gold has them)
    for src, raw in _articles(SEEDS, GOLD / "articles", *([real] if real.is_dir() else [])):
        r = relevance(raw.text, rules, raw.title)
        assert r.kept, (src.path, r)
        if src.kind == "html":        # and its page is kept before the HTML is parsed
            assert relevance(page_text(src.data), rules).kept, src.path
        n += 1
    assert n >= 38


def test_real_offtopic_news_is_dropped(rules):
    found = list(_articles(OFFTOPIC))
    assert len(found) == 7
    for src, raw in found:
        r = relevance(raw.text, rules, raw.title)
        assert not r.kept, (src.path, r)
        assert "off-topic: relevance" in r.reason()
    by_name = {Path(src.path).stem: relevance(raw.text, rules) for src, raw in found}
    assert "rel.cong_tac_xa_hoi" not in by_name["socialisation_education"].cues     # 'công tác xã hội hóa'


@pytest.mark.parametrize("text, kept", [
    ("Đào tạo 300 nhân viên công tác xã hội cho các xã.", True),
    ("CÔNG TÁC XÃ HỘI là một nghề.", True),                              # case
    ("Công tác\n xã  hội được chú trọng.", True),                        # spacing
    ("Công tác xã hội hoá giáo dục.", False),                            # old tone placement, still excluded
    ("Công tác xã hội hóa, công tác xã hội.", True),                     # the second one counts
    ("Tuyển cộng tác viên bán hàng online.", False),                     # a weak cue alone
    ("Mạng xã hội bùng nổ sau trận đấu.", False),
    ("Tăng cường trợ giúp xã hội và bảo trợ xã hội cho người cao tuổi.", True),   # weak cues together
])
def test_cues(rules, text, kept):
    assert relevance(text, rules).kept is kept


def test_decomposed_text_is_matched_as_nfc(rules):
    import unicodedata

    text = unicodedata.normalize("NFD", "Tỉnh có 30 cộng tác viên công tác xã hội.")
    assert relevance(text, rules).cues == ("rel.cong_tac_xa_hoi", "rel.cong_tac_vien")


def test_page_text_never_scores_below_the_article_text(rules):
    """The page is scored before parsing; dropping it there must never drop an article the
    text would keep: a tag inside a word, or between two lines, or an entity."""
    from ctxh_extract.ingest.html import extract_html

    pages = [
        b"<html><body><div><span>c\xc3\xb4ng t\xc3\xa1c</span><span>x\xc3\xa3 h\xe1\xbb\x99i</span><p>"
        + "Nội dung bài báo về đào tạo nhân lực cho các địa phương trong năm nay. ".encode() * 5 + b"</p></div></body></html>",
        "<html><body><article><p>Phát triển nghề công t<b>ác</b> xã hội ở các tỉnh phía Bắc. ".encode() * 6
        + b"</p></article></body></html>",
        "<html><body><article><p>C&ocirc;ng t&aacute;c x&atilde; hội cho trẻ em có hoàn cảnh khó khăn. ".encode() * 6
        + b"</p></article></body></html>",
    ]
    for data in pages:
        text_cues = set(relevance(extract_html(data).text, rules).cues)
        assert text_cues <= set(relevance(page_text(data), rules).cues), data[:60]


def test_prefilter_run_keeps_articles_and_records_the_rest(tmp_path, rules):
    db = str(tmp_path / "f.duckdb")
    r = run_ctxh("extract", str(SEEDS), str(OFFTOPIC), "--db", db, "--prefilter")
    assert r.returncode == 0, r.stderr
    assert "rejected" not in r.stderr
    con = duckdb.connect(db, read_only=True)
    try:
        assert {x[0] for x in con.execute("SELECT article_id FROM articles").fetchall()} == {
            f.stem for f in SEEDS.glob("*.txt")}
        rows = con.execute("SELECT article_id, reason, relevance, relevance_cues FROM filtered ORDER BY 1").fetchall()
        assert [x[0] for x in rows] == sorted(f.stem for f in OFFTOPIC.glob("*.txt"))
        assert all(x[1].startswith("off-topic: relevance") and x[2] < rules.relevance.threshold for x in rows)
        score, cues = con.execute("SELECT relevance, relevance_cues FROM articles ORDER BY article_id").fetchone()
        assert score >= 1 and "rel.cong_tac_xa_hoi" in cues
    finally:
        con.close()
    again = run_ctxh("extract", str(SEEDS), str(OFFTOPIC), "--db", db, "--prefilter")     # unchanged: all skipped
    assert again.returncode == 0, again.stderr
    assert re.search(r"\b12 articles unchanged since the last run", again.stdout), again.stdout
    # without the filter the same articles are extracted, and leave `filtered`
    off = run_ctxh("extract", str(OFFTOPIC), "--db", db, "--no-prefilter")
    assert off.returncode == 0, off.stderr
    con = duckdb.connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM filtered").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 12
    finally:
        con.close()
