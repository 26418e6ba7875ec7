"""The scorer, pinned on tiny hand-made cases, and gold-file validation."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ctxh_extract.errors import CtxhError, GoldError
from ctxh_extract.review.evaluate import evaluate, failing, load_thresholds
from ctxh_extract.models import Article, ArticleResult, CountFact, PercentFact, ProvinceMention
from ctxh_extract.store.store import Store

from helpers import GOLD, ROOT, run_ctxh

TEXT = "Tỉnh Hà Tĩnh đã tập huấn cho 200 cán bộ và có 46 cộng tác viên; phấn đấu 80% xã có cộng tác viên."


def _count(category="trainees", value=200, **kw):
    base = dict(article_id="a1", category=category, value=value, qualifier="exact", unit="cán bộ",
                is_target=False, evidence="cho 200 cán bộ", start_char=29, end_char=32, rule="test")
    base.update(kw)
    return CountFact(**base)


def _pct(value=80.0, **kw):
    base = dict(article_id="a1", value=value, qualifier="exact", kind="target", is_target=True,
                evidence="phấn đấu 80%", start_char=75, end_char=78, rule="test")
    base.update(kw)
    return PercentFact(**base)


def _db(tmp_path: Path, counts=(), pcts=(), provinces=("Hà Tĩnh",), primary="Hà Tĩnh") -> str:
    db = str(tmp_path / "t.duckdb")
    mentions = [ProvinceMention(article_id="a1", province=p, province_code="42", province_2025=p, surface=p,
                                start_char=5, end_char=12, in_body=True, rule="test") for p in provinces]
    art = Article(article_id="a1", source_path="a1.txt", sha256="x", n_chars=len(TEXT), text=TEXT,
                  primary_province=primary)
    with Store(db) as s:
        s.write([ArticleResult(article=art, mentions=mentions, counts=list(counts), percentages=list(pcts))])
    return db


def _gold(tmp_path: Path, counts=None, pcts=None, provinces=("Hà Tĩnh",), primary="Hà Tĩnh") -> Path:
    d = tmp_path / "gold"
    d.mkdir(exist_ok=True)
    g = {
        "article_id": "a1", "primary_province": primary, "provinces": list(provinces),
        "counts": counts if counts is not None else [
            {"category": "trainees", "value": 200, "value_max": None, "qualifier": "exact", "unit": "cán bộ",
             "per_unit": None, "is_target": False, "period": None, "evidence": "cho 200 cán bộ"}],
        "percentages": pcts if pcts is not None else [
            {"value": 80.0, "value_max": None, "qualifier": "exact", "kind": "target", "is_target": True,
             "period": None, "subject": "xã", "evidence": "phấn đấu 80%"}],
    }
    (d / "a1.json").write_text(json.dumps(g, ensure_ascii=False), encoding="utf-8")
    return d


def test_perfect_prediction_scores_one(tmp_path):
    rep = evaluate(_gold(tmp_path), _db(tmp_path, [_count()], [_pct()])).report
    for k in ("provinces", "counts_core", "counts_all", "counts_strict", "percentages", "percentages_strict"):
        assert rep[k]["f1"] == 1.0, k
    assert rep["primary_province"]["accuracy"] == 1.0
    assert rep["count_attributes"]["is_target"]["accuracy"] == 1.0


def test_missing_fact_lowers_recall_only(tmp_path):
    rep = evaluate(_gold(tmp_path), _db(tmp_path, [], [_pct()])).report
    assert rep["counts_all"]["recall"] == 0.0 and rep["counts_all"]["fn"] == 1
    assert rep["counts_all"]["fp"] == 0


def test_duplicate_prediction_lowers_precision_only(tmp_path):
    rep = evaluate(_gold(tmp_path), _db(tmp_path, [_count(), _count()], [_pct()])).report
    assert rep["counts_all"]["recall"] == 1.0
    assert rep["counts_all"]["precision"] == 0.5 and rep["counts_all"]["fp"] == 1


def test_wrong_category_is_a_false_positive_and_a_false_negative(tmp_path):
    rep = evaluate(_gold(tmp_path), _db(tmp_path, [_count(category="staff")], [_pct()])).report
    assert rep["counts_all"]["tp"] == 0 and rep["counts_all"]["fp"] == 1 and rep["counts_all"]["fn"] == 1
    assert rep["counts_by_category"]["staff"]["fp"] == 1
    assert rep["counts_by_category"]["trainees"]["fn"] == 1


def test_wrong_attribute_matches_but_fails_strict(tmp_path):
    scores = evaluate(_gold(tmp_path), _db(tmp_path, [_count(is_target=True)], [_pct(is_target=False)]))
    rep = scores.report
    assert rep["counts_all"]["f1"] == 1.0 and rep["counts_strict"]["f1"] == 0.0
    assert rep["count_attributes"]["is_target"]["accuracy"] == 0.0
    assert rep["percentage_attributes"]["is_target"]["accuracy"] == 0.0
    assert any(e["error"] == "wrong attribute" and "is_target" in e["detail"] for e in scores.errors)


def test_province_and_primary_errors(tmp_path):
    scores = evaluate(_gold(tmp_path), _db(tmp_path, [_count()], [_pct()], provinces=("Hà Tĩnh", "Hà Nội"),
                                           primary="Hà Nội"))
    assert scores.report["provinces"]["precision"] == 0.5
    assert scores.report["primary_province"]["accuracy"] == 0.0
    kinds = {(e["type"], e["error"]) for e in scores.errors}
    assert ("province", "false positive") in kinds and ("primary_province", "wrong") in kinds


def test_null_primary_is_left_out_of_accuracy(tmp_path):
    rep = evaluate(_gold(tmp_path, primary=None), _db(tmp_path, [_count()], [_pct()], primary="Hà Tĩnh")).report
    assert rep["primary_province"]["n"] == 0


def test_thresholds(tmp_path):
    scores = evaluate(_gold(tmp_path), _db(tmp_path, [], [_pct()]))
    assert failing(scores, 0.9, None) == ["counts_core 0.000 < 0.900"]
    assert failing(scores, None, {"percentages": 0.9}) == []


@pytest.mark.parametrize("content", ['{"min": {"provinces": "high"}}', '{"provinces": 0.9}', "{not json", "[1]"])
def test_bad_thresholds_file_is_named(tmp_path, content):
    f = tmp_path / "thresholds.json"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(CtxhError, match=rf"^{re.escape(str(f))}: not a thresholds file"):
        load_thresholds(f)
    good = tmp_path / "good.json"
    good.write_text('{"about": "x", "min": {"provinces": 0.98}}', encoding="utf-8")
    assert load_thresholds(good) == {"provinces": 0.98}


# ------------------------------------------------------------------ gold validation
def _bad_gold(tmp_path: Path, mutate) -> Path:
    d = _gold(tmp_path)
    g = json.loads((d / "a1.json").read_text(encoding="utf-8"))
    mutate(g)
    (d / "a1.json").write_text(json.dumps(g, ensure_ascii=False), encoding="utf-8")
    return d


@pytest.mark.parametrize("mutate,message", [
    (lambda g: g["counts"][0].update(category="nurses"), "counts.0.category"),
    (lambda g: g["counts"][0].pop("is_target"), "counts.0.is_target: Field required"),
    (lambda g: g["counts"][0].update(evidence="không có trong bài"), "counts[0].evidence does not occur"),
    (lambda g: g.update(article_id="a2"), "does not match the file name"),
    (lambda g: g.update(provinces=["Hanoi"], primary_province=None), "not a canonical name"),
    (lambda g: g["percentages"][0].update(kind="goal"), "percentages.0.kind"),
])
def test_bad_gold_is_a_clear_error(tmp_path, mutate, message):
    d = _bad_gold(tmp_path, mutate)
    db = _db(tmp_path, [_count()], [_pct()])
    with pytest.raises(GoldError) as exc:
        evaluate(d, db)
    assert message in str(exc.value) and "a1.json" in str(exc.value)


def test_gold_json_syntax_error(tmp_path):
    d = tmp_path / "gold"
    d.mkdir()
    (d / "a1.json").write_text('{"article_id": "a1",\n "provinces": [}', encoding="utf-8")
    r = run_ctxh("evaluate", "--gold", str(d), "--db", _db(tmp_path, [_count()], [_pct()]))
    assert r.returncode == 2
    assert "a1.json" in r.stderr and "JSON syntax error at line 2" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------------------------ the command
def test_evaluate_seeds_table_and_json(seed_db):
    r = run_ctxh("evaluate", "--gold", str(GOLD), "--db", seed_db)
    assert r.returncode == 0, r.stderr
    assert "provinces" in r.stdout and "primary province" in r.stdout and "count is_target" in r.stdout
    r = run_ctxh("evaluate", "--gold", str(GOLD), "--db", seed_db, "--json", "--min-f1", "0.5")
    data = json.loads(r.stdout)
    assert set(data["headline"]) == {"provinces", "counts_core", "percentages"}
    assert data["articles_scored"] == 5


def test_broken_extractor_fails_ci(tmp_path):
    """An extractor that finds nothing (the seeds loaded, every fact missing) fails --min-f1."""
    db = str(tmp_path / "broken.duckdb")
    shutil.copy(ROOT / "seeds" / "004_7c3b9518e021458d.txt", tmp_path / "004_7c3b9518e021458d.txt")
    assert run_ctxh("extract", str(tmp_path / "004_7c3b9518e021458d.txt"), "--db", db, "-q").returncode == 0
    with Store(db) as s:
        for t in ("counts", "percentages", "province_mentions"):
            s.con.execute(f"DELETE FROM {t}")
    r = run_ctxh("evaluate", "--gold", str(GOLD), "--db", db, "--min-f1", "0.5")
    assert r.returncode == 1 and "below threshold" in r.stderr


def test_json_carries_the_verdict_and_every_failing_threshold(tmp_path, seed_db):
    """A script reading --json learns whether it passed and which thresholds failed, by how much."""
    r = run_ctxh("evaluate", "--gold", str(GOLD), "--db", seed_db, "--json", "--min-f1", "0.5")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["passed"] is True and data["failing"] == []
    assert data["thresholds"] == {"provinces": 0.5, "counts_core": 0.5, "percentages": 0.5}

    db = str(tmp_path / "broken.duckdb")
    shutil.copy(ROOT / "seeds" / "004_7c3b9518e021458d.txt", tmp_path / "004_7c3b9518e021458d.txt")
    assert run_ctxh("extract", str(tmp_path / "004_7c3b9518e021458d.txt"), "--db", db, "-q").returncode == 0
    with Store(db) as s:
        s.con.execute("DELETE FROM percentages")          # provinces and counts stay right
    limits = tmp_path / "limits.json"
    limits.write_text(json.dumps({"min": {"provinces": 0.5, "percentages": 0.9, "primary_province": 0.5,
                                          "no_such_score": 0.1}}), encoding="utf-8")
    r = run_ctxh("evaluate", "--gold", str(GOLD), "--db", db, "--json", "--thresholds", str(limits),
                 "--min-f1", "0.2")
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data["passed"] is False
    assert data["thresholds"] == {"provinces": 0.5, "percentages": 0.9, "primary_province": 0.5,
                                  "no_such_score": 0.1, "counts_core": 0.2}
    assert data["failing"] == [{"score": "percentages", "value": data["percentages"]["f1"], "min": 0.9},
                               {"score": "no_such_score", "value": None, "min": 0.1}]
    assert data["percentages"]["f1"] == 0.0
    # the same verdict as the line on stderr
    assert "below threshold: percentages 0.000 < 0.900; no_such_score: unknown score" in r.stderr


def test_empty_database_fails(tmp_path):
    db = str(tmp_path / "empty.duckdb")
    Store(db).close()
    r = run_ctxh("evaluate", "--gold", str(GOLD), "--db", db, "--min-f1", "0.5")
    assert r.returncode == 1 and "none of the" in r.stderr


def test_show_errors_names_rule_and_evidence(tmp_path):
    db = _db(tmp_path, [_count(category="staff", rule="unit.staff")], [_pct()])
    r = run_ctxh("evaluate", "--gold", str(_gold(tmp_path)), "--db", db, "--show-errors")
    assert "FALSE POSITIVE" in r.stdout and "FALSE NEGATIVE" in r.stdout
    assert "rule: unit.staff" in r.stdout and "cho 200 cán bộ" in r.stdout
