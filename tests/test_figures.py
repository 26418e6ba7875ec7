"""Figures, not statements: repeats merged, parts never added, stocks as the latest figure, flows summed.

Each test corpus is a handful of short articles (tests/figure_corpus.py), so that one rule
decides each total; the expected totals are worked out by hand here and in its comments. The extracted statements
are checked first, so a failure says whether extraction or summing changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ctxh_extract.errors import DatabaseError, RulesError
from ctxh_extract.extract.parts import Block, Count, find_parts
from ctxh_extract.rules import load_rules
from ctxh_extract.run.pipeline import run_extract
from ctxh_extract.store.reference import unit_rows, vi_sort_key
from ctxh_extract.store.store import SCHEMA_VERSION, Store

from figure_corpus import CORPUS, TARGETS, write_corpus
from helpers import ROOT

# (article, category, value, period_start, period_end, province, is_part) of every count
STATEMENTS = {
    ("dl2023", "trainees", 90, 2023, 2023, "Đắk Lắk", False),
    ("hg2023", "collaborators", 1200, 2023, 2023, "Hà Giang", False),
    ("hg2023", "collaborators", 410, 2023, 2023, "Hà Giang", True),
    ("hg2023", "trainees", 500, 2023, 2023, "Hà Giang", False),
    ("hg2023", "trainees", 120, 2023, 2023, "Hà Giang", True),
    ("hue2025", "centres", 32, None, None, "Huế", False),
    ("lc2022", "collaborators", 350, None, None, "Lai Châu", False),
    ("lc2022", "collaborators", 350, 2022, 2022, "Lai Châu", False),
    ("lc2022", "trainees", 200, 2022, 2022, "Lai Châu", False),
    ("lc2024", "collaborators", 410, None, None, "Lai Châu", False),
    ("lc2024", "trainees", 200, 2022, 2022, "Lai Châu", False),
    ("lc2024", "trainees", 150, 2024, 2024, "Lai Châu", False),
    ("na2025", "trainees", 1000, 2021, 2025, "Nghệ An", False),
    ("na2025", "trainees", 200, 2023, 2023, "Nghệ An", False),
    ("tth2023", "centres", 30, 2023, 2023, "Thừa Thiên Huế", False),
    ("vn2024", "collaborators", 8000, None, None, None, False),
    ("vn2024", "trainees", 3000, 2023, 2023, None, False),
    ("yb2023", "trainees", 70, 2023, 2023, "Yên Bái", False),
}

# province, province_2025, articles, trainees, collaborators, centres, target %, scope,
# collaborators_article, centres_article, in Vietnamese order, national last
SUMMARY = [
    ("Đắk Lắk", "Đắk Lắk", 1, 90, 0, 0, 0, "province", None, None),
    ("Hà Giang", "Tuyên Quang", 1, 500, 1200, 0, 0, "province", "hg2023", None),
    ("Lai Châu", "Lai Châu", 2, 200 + 150, 410, 0, 0, "province", "lc2024", None),
    ("Nghệ An", "Nghệ An", 1, 1000, 0, 0, 0, "province", None, None),
    ("Thừa Thiên Huế", "Huế", 2, 0, 0, 32, 0, "province", None, "hue2025"),
    ("Yên Bái", "Lào Cai", 1, 70, 0, 0, 0, "province", None, None),
    (None, None, 1, 3000, 8000, 0, 0, "national", "vn2024", None),
]


def extract(folder: Path, articles) -> str:
    db = str(folder / "figures.duckdb")
    summary = run_extract([str(write_corpus(folder / "in", articles))], db=db, workers=1)
    assert summary.ok, summary.rejected
    return db


def rows(db: str, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def figures_db(tmp_path_factory) -> str:
    return extract(tmp_path_factory.mktemp("figures"), CORPUS)


def test_the_corpus_gives_the_statements_the_rules_are_about(figures_db):
    got = set(rows(figures_db, "SELECT article_id, category, value, period_start, period_end, province, is_part "
                               "FROM counts"))
    assert got == STATEMENTS


def test_province_summary_counts_each_real_figure_once(figures_db):
    got = rows(figures_db, """
        SELECT province, province_2025, articles, trainees, collaborators, centres, target_percentages, scope,
               collaborators_article, centres_article FROM province_summary""")
    assert got == SUMMARY


def test_stocks_carry_the_date_and_article_of_the_latest_figure(figures_db):
    got = rows(figures_db, """SELECT province, collaborators_as_of, centres_as_of FROM province_summary
                              WHERE collaborators_article IS NOT NULL OR centres_article IS NOT NULL""")
    assert [(p, str(c) if c else None, str(t) if t else None) for p, c, t in got] == [
        ("Hà Giang", "2023-06-01", None), ("Lai Châu", "2024-04-01", None), ("Thừa Thiên Huế", None, "2025-09-01"),
        (None, "2024-01-01", None)]


def test_repeats_in_one_article_are_one_figure_with_the_known_period(figures_db):
    (fig,) = rows(figures_db, """
        SELECT value, period_start, period_end, n_statements, n_articles, articles, len(evidence), len(fact_ids)
        FROM figures WHERE province = 'Lai Châu' AND category = 'collaborators' AND 'lc2022' = ANY(articles)""")
    assert fig == (350, 2022, 2022, 2, 1, ["lc2022"], 2, 2)
    merged = rows(figures_db, "SELECT stated_period_start, period_start, period_from_repeat FROM statements "
                              "WHERE article_id = 'lc2022' AND category = 'collaborators' ORDER BY start_char")
    assert merged == [(None, 2022, True), (2022, 2022, False)]


def test_the_same_figure_in_two_articles_is_one_figure_listing_both(figures_db):
    (fig,) = rows(figures_db, """
        SELECT n_statements, n_articles, articles, latest_article, urls, evidence, first_published, last_published
        FROM figures WHERE province = 'Lai Châu' AND category = 'trainees' AND value = 200""")
    n, n_art, arts, latest, urls, evidence, first, last = fig
    assert (n, n_art, arts, latest) == (2, 2, ["lc2022", "lc2024"], "lc2024")
    assert urls == ["https://baotest.vn/lc2022.html", "https://baotest.vn/lc2024.html"]
    assert len(evidence) == 2 and all("200 cán bộ" in e for e in evidence)
    assert (str(first), str(last)) == ("2022-03-01", "2024-04-01")
    # one row per figure: 18 statements, 16 figures (the two repeats above)
    assert rows(figures_db, "SELECT count(*) FROM figures")[0][0] == len(STATEMENTS) - 2


def test_parts_point_at_their_whole(figures_db):
    counts = dict(((v, c), (fid, part_of)) for v, c, fid, part_of in rows(
        figures_db, "SELECT value, category, fact_id, part_of FROM counts WHERE article_id = 'hg2023'"))
    assert counts[(410, "collaborators")][1] == counts[(1200, "collaborators")][0]
    assert counts[(120, "trainees")][1] == counts[(500, "trainees")][0]
    assert counts[(1200, "collaborators")][1] is None
    assert dict(rows(figures_db, "SELECT value, part_rule FROM counts WHERE article_id = 'hg2023'")) == {
        1200: None, 410: "part.trong_do", 500: None, 120: "part.trong_do"}
    figs = dict(((v, c), (fid, is_part, part_of)) for v, c, fid, is_part, part_of in rows(
        figures_db, "SELECT value, category, figure_id, is_part, part_of FROM figures WHERE province = 'Hà Giang'"))
    assert figs[(410, "collaborators")][1:] == (True, figs[(1200, "collaborators")][0])
    assert figs[(1200, "collaborators")][1:] == (False, None)


def test_province_flows_sum_per_period(figures_db):
    got = rows(figures_db, "SELECT province, category, period_start, period_end, total, figures FROM province_flows "
                           "WHERE province IN ('Lai Châu', 'Nghệ An')")
    assert got == [("Lai Châu", "trainees", 2022, 2022, 200, 1), ("Lai Châu", "trainees", 2024, 2024, 150, 1),
                   ("Nghệ An", "trainees", 2021, 2025, 1000, 1), ("Nghệ An", "trainees", 2023, 2023, 200, 1)]


def test_category_kinds_come_from_the_rules_file(figures_db):
    kinds = dict(rows(figures_db, "SELECT category, stock_or_flow FROM category_kinds"))
    spec = json.loads((ROOT / "rules" / "stocks_flows.json").read_text(encoding="utf-8"))
    assert kinds == {c: k for k in ("stock", "flow", "neither") for c in spec[k]["categories"]}
    assert kinds["collaborators"] == "stock" and kinds["trainees"] == "flow"


# --------------------------------------------------------------------------- targets, percentages
def test_target_percentages_count_distinct_goals(tmp_path):
    db = extract(tmp_path, TARGETS)
    stated = rows(db, "SELECT article_id, value, is_target, period_end, subject FROM percentages ORDER BY article_id, start_char")
    assert [(a, v, t, e) for a, v, t, e, _ in stated] == [
        ("kh2021", 100.0, True, 2025), ("kh2021", 100.0, True, 2025), ("kh2021", 80.0, True, 2025),
        ("kh2022", 100.0, True, 2025)]
    # the 100% goal is stated three times in two articles: one figure; the 80% goal is another
    figs = rows(db, "SELECT value, n_statements, articles FROM figures WHERE fact_type = 'percentage' ORDER BY value")
    assert figs == [(80.0, 1, ["kh2021"]), (100.0, 3, ["kh2021", "kh2022"])]
    assert rows(db, "SELECT province, target_percentages FROM province_summary") == [("Kon Tum", 2)]


# --------------------------------------------------------------------------- units and order
def test_units_map_names_of_both_eras(rules):
    by = {(r["name"], r["after_reform"]): r for r in unit_rows(rules)}
    assert by[("Huế", True)]["province"] == by[("Thừa Thiên Huế", False)]["province"] == "Thừa Thiên Huế"
    assert by[("Huế", True)]["province_code"] == "46"
    assert (by[("Lào Cai", True)]["province_code"], by[("Lào Cai", True)]["after_merger"]) == ("15", True)
    assert (by[("Lào Cai", False)]["province_code"], by[("Lào Cai", False)]["after_merger"]) == ("10", False)
    assert (by[("Yên Bái", True)]["province"], by[("Yên Bái", True)]["province_2025"]) == ("Yên Bái", "Lào Cai")
    # an unmerged province is the same unit before and after
    assert by[("Cao Bằng", True)] | {"after_reform": False} == by[("Cao Bằng", False)]


def test_sort_key_is_icus_vietnamese_order(rules):
    names = sorted({u.name for u in rules.gazetteer.units} | {u.name for u in rules.gazetteer.units_2025}
                   | {"Đà Nẵng", "Dak", "Ê", "An", "An Giang", "ăn", "Ăn", "ân", "a", "à", "ả", "ã", "á", "ạ"})
    con = duckdb.connect()
    icu = [r[0] for r in con.execute("SELECT x FROM (SELECT unnest(?) AS x) ORDER BY x COLLATE vi", [names]).fetchall()]
    assert sorted(names, key=vi_sort_key) == icu
    codepoint = sorted(names)
    assert codepoint.index("Đà Nẵng") > codepoint.index("Yên Bái")    # what the old summary did
    assert icu.index("Đà Nẵng") < icu.index("Hà Nội")


# --------------------------------------------------------------------------- parts, rule by rule
def _parts(text: str, counts: list[Count], rules, blocks=None) -> list[int | None]:
    return find_parts(text, blocks or [Block(0, len(text))], counts, rules)


def _c(text: str, number: str, category: str, value: int, nth: int = 0, **kw) -> Count:
    start = -1
    for _ in range(nth + 1):
        start = text.index(number, start + 1)
    return Count(start, start + len(number), category, value, **kw)


@pytest.mark.parametrize("text, spec, expected", [
    # whole first; every count after the cue, up to ';'
    ("Có 1.200 cộng tác viên, trong đó 410 ở vùng cao và 300 ở đồng bằng.",
     [("1.200", "collaborators", 1200), ("410", "collaborators", 410), ("300", "collaborators", 300)], [None, 0, 0]),
    ("Có 1.200 cộng tác viên, trong đó 410 ở vùng cao; năm 2023 tuyển thêm 300 cộng tác viên.",
     [("1.200", "collaborators", 1200), ("410", "collaborators", 410), ("300", "collaborators", 300)], [None, 0, None]),
    # a part is never larger than its whole, and has the whole's category
    ("Có 100 cộng tác viên, trong đó 300 cộng tác viên nữ.",
     [("100", "collaborators", 100), ("300", "collaborators", 300)], [None, None]),
    ("Có 100 trung tâm, gồm 30 cán bộ.", [("100", "centres", 100), ("30", "staff", 30)], [None, None]),
    # 'gồm', 'bao gồm'
    ("Tỉnh có 12 trung tâm, bao gồm 8 trung tâm công lập và 4 trung tâm ngoài công lập.",
     [("12", "centres", 12), ("8", "centres", 8), ("4", "centres", 4)], [None, 0, 0]),
    # 'riêng' only at the start of a clause
    ("Tỉnh tập huấn 500 cán bộ, riêng huyện A có 120 cán bộ.",
     [("500", "trainees", 500), ("120", "trainees", 120)], [None, 0]),
    ("Tỉnh có 20 cán bộ có trụ sở riêng và 10 cán bộ khác.",
     [("20", "staff", 20), ("10", "staff", 10)], [None, None]),
    # part first: 'trong tổng số'
    ("Có 40 cán bộ trong tổng số 120 cán bộ đã được đào tạo.",
     [("40", "staff", 40), ("120", "staff", 120)], [1, None]),
])
def test_part_cues(rules, text, spec, expected):
    counts = [_c(text, n, cat, v) for n, cat, v in spec]
    assert _parts(text, counts, rules) == expected


def test_a_part_agrees_with_its_whole_on_target_and_per_unit(rules):
    text = "Có 1.200 cộng tác viên, trong đó 410 ở vùng cao."
    whole, part = _c(text, "1.200", "collaborators", 1200), _c(text, "410", "collaborators", 410)
    assert _parts(text, [whole, part], rules) == [None, 0]
    assert _parts(text, [whole, Count(part.start, part.end, part.category, part.value, is_target=True)], rules) == [None, None]
    assert _parts(text, [whole, Count(part.start, part.end, part.category, part.value, per_unit="xã")], rules) == [None, None]


def test_a_cue_opening_the_next_sentence_points_back(rules):
    text = "Toàn tỉnh có 1.200 cộng tác viên. Trong đó, 410 ở vùng cao. Năm 2023 có thêm 300 cộng tác viên."
    blocks = [Block(0, 33), Block(34, 59), Block(60, len(text))]
    counts = [_c(text, "1.200", "collaborators", 1200), _c(text, "410", "collaborators", 410),
              _c(text, "300", "collaborators", 300)]
    assert _parts(text, counts, rules, blocks) == [None, 0, None]


def test_a_cue_ending_with_a_colon_reaches_over_its_list(rules):
    from ctxh_extract import extract_text

    r = extract_text("Năm 2023, tỉnh Lai Châu có 1.200 cộng tác viên công tác xã hội, trong đó:\n"
                     "- 410 cộng tác viên ở khu vực miền núi;\n- 500 cộng tác viên ở đồng bằng.\n"
                     "Năm 2024, tỉnh Lai Châu tuyển thêm 900 cộng tác viên công tác xã hội.")
    got = [(c.value, c.part_of) for c in r.counts]
    whole = r.counts[0].fact_id
    assert got == [(1200, None), (410, whole), (500, whole), (900, None)]
    assert [c.is_part for c in r.counts] == [False, True, True, False]


# --------------------------------------------------------------------------- rules files
def _rules_copy(tmp_path: Path) -> Path:
    import shutil

    d = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", d)
    return d


def test_every_category_needs_a_stock_or_flow_kind(tmp_path):
    d = _rules_copy(tmp_path)
    spec = json.loads((d / "stocks_flows.json").read_text(encoding="utf-8"))
    spec["flow"]["categories"].remove("budget")
    (d / "stocks_flows.json").write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    with pytest.raises(RulesError, match="'budget' is in none of stock, flow, neither"):
        load_rules(d)
    spec["flow"]["categories"] += ["budget", "centres"]
    (d / "stocks_flows.json").write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    with pytest.raises(RulesError, match="'centres' is both a stock and a flow"):
        load_rules(d)


def test_a_bad_part_cue_is_named_with_its_line(tmp_path):
    d = _rules_copy(tmp_path)
    text = (d / "parts.json").read_text(encoding="utf-8").replace('"direction": "part_first"', '"direction": "sideways"')
    (d / "parts.json").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=r"parts\.json:\d+: cues\.4\.direction"):
        load_rules(d)


# --------------------------------------------------------------------------- migration
def test_an_older_database_is_upgraded_by_extract_and_refused_before(tmp_path, figures_db):
    import shutil

    db = tmp_path / "old.duckdb"
    shutil.copy(figures_db, db)
    with duckdb.connect(str(db)) as con:       # what schema 1 had: no reference tables, no fact ids
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        for view in ("province_flows", "province_summary", "figures", "statements"):
            con.execute(f"DROP VIEW {view}")
        con.execute("DROP TABLE units")
        con.execute("DROP TABLE category_kinds")
        con.execute("ALTER TABLE counts DROP COLUMN fact_id")
    with pytest.raises(DatabaseError, match=r"made by an older ctxh \(schema 1 < 2\); run `ctxh extract`"):
        Store(str(db), read_only=True)
    Store(str(db)).close()                     # what `ctxh extract` does first
    assert SCHEMA_VERSION == 2
    with Store(str(db), read_only=True) as s:
        # the old rows, without fact ids until re-extracted, still make the same summary
        assert s.con.execute("SELECT count(*) FROM counts WHERE fact_id IS NULL").fetchone()[0] == len(STATEMENTS)
        got = s.con.execute("SELECT province, trainees, collaborators, centres FROM province_summary").fetchall()
        assert got == [r[:1] + r[3:6] for r in SUMMARY]
        assert s.con.execute("SELECT count(*) FROM articles WHERE rules_version IS NULL").fetchone()[0] == len(CORPUS)


# --------------------------------------------------------------------------- sources
def test_articles_url_from_jsonl_and_html(tmp_path, figures_db):
    assert rows(figures_db, "SELECT url FROM articles WHERE article_id = 'lc2022'") == [("https://baotest.vn/lc2022.html",)]
    page = ("<html><head><title>Hà Tĩnh</title><link rel='canonical' href='https://baoht.vn/ctxh-1.html'>"
            "<meta property='og:url' content='https://m.baoht.vn/ctxh-1.html'></head><body><article>"
            "<h1>Hà Tĩnh đào tạo nghề công tác xã hội</h1>"
            + "<p>Năm 2023, tỉnh Hà Tĩnh đã tập huấn cho 120 cán bộ làm công tác xã hội tại các xã.</p>" * 4
            + "</article></body></html>")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "canonical.html").write_text(page, encoding="utf-8")
    (tmp_path / "in" / "og.html").write_text(page.replace("<link rel='canonical' href='https://baoht.vn/ctxh-1.html'>", ""),
                                             encoding="utf-8")
    (tmp_path / "in" / "none.html").write_text(page.replace("<link rel='canonical' href='https://baoht.vn/ctxh-1.html'>", "")
                                               .replace("<meta property='og:url' content='https://m.baoht.vn/ctxh-1.html'>", ""),
                                               encoding="utf-8")
    (tmp_path / "in" / "plain.txt").write_text("Năm 2023, tỉnh Hà Tĩnh đã tập huấn cho 120 cán bộ làm công tác xã hội.",
                                               encoding="utf-8")
    db = str(tmp_path / "u.duckdb")
    assert run_extract([str(tmp_path / "in")], db=db, workers=1).ok
    assert dict(rows(db, "SELECT article_id, url FROM articles")) == {
        "canonical": "https://baoht.vn/ctxh-1.html", "og": "https://m.baoht.vn/ctxh-1.html", "none": None, "plain": None}
