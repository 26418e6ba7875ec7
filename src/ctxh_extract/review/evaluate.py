"""Score a database against gold files, exactly as ANNOTATION.md's Scoring says.

* provinces: micro P/R/F1 over (article, canonical name) pairs;
* primary province: accuracy over articles whose gold names one;
* counts: a prediction matches a gold count of the same article with the same
  category and value, each gold fact at most once; headline over the core
  categories (trainees, collaborators, centres), also all and per category;
* percentages: matched on value; is_target accuracy over matched pairs;
* attributes (qualifier, value_max, is_target, period, per_unit, kind): accuracy
  over matched pairs.

Beyond the guide, a *strict* score counts a match only when value, qualifier,
target flag and period are all right: the figure a journalist can publish (for all
counts, the core counts and percentages); and ``percentages_target_year`` scores the
target percentages (gold and predicted ``is_target``) matched on value and end year,
the answer to "which targets were set for 2025?".

>>> gold = [{"category": "trainees", "value": 5}]
>>> prf(*match_facts(gold, [{"category": "trainees", "value": 5}], ("category", "value"))[:3])
{'precision': 1.0, 'recall': 1.0, 'f1': 1.0, 'tp': 1, 'fp': 0, 'fn': 0}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CtxhError
from .gold import check_evidence, load_gold
from ..models import CORE_CATEGORIES, GoldArticle
from ..rules import Rules, load_rules
from ..store.store import Store

COUNT_ATTRS = ("qualifier", "value_max", "is_target", "period", "per_unit")
PCT_ATTRS = ("qualifier", "value_max", "is_target", "period", "kind")
STRICT = ("qualifier", "is_target", "period")
HEADLINE = ("provinces", "counts_core", "percentages")


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def _norm(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return tuple(v)
    return v


def match_facts(gold: list[dict], pred: list[dict], keys: tuple[str, ...], attrs: tuple[str, ...] = ()):
    """Greedy one-to-one matching on ``keys``; among candidates prefer the one that
    agrees on most ``attrs``. Returns (tp, fp, fn, pairs, unmatched_pred, unmatched_gold)."""
    used = [False] * len(pred)
    pairs = []
    missed = []
    for g in gold:
        best, best_score = None, -1
        for i, p in enumerate(pred):
            if used[i] or any(_norm(p.get(k)) != _norm(g.get(k)) for k in keys):
                continue
            score = sum(_norm(p.get(a)) == _norm(g.get(a)) for a in attrs)
            if score > best_score:
                best, best_score = i, score
        if best is None:
            missed.append(g)
        else:
            used[best] = True
            pairs.append((g, pred[best]))
    extra = [p for i, p in enumerate(pred) if not used[i]]
    return len(pairs), len(extra), len(missed), pairs, extra, missed


@dataclass
class Scores:
    report: dict
    errors: list[dict] = field(default_factory=list)

    def headline(self) -> dict[str, float]:
        return {k: self.report[k]["f1"] for k in HEADLINE}


def _gold_count(g) -> dict:
    d = g.model_dump()
    d["period"] = tuple(g.period) if g.period is not None else None
    return d


def _pred_rows(store: Store, table: str, ids: list[str]) -> dict[str, list[dict]]:
    cols = [r[0] for r in store.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table]).fetchall()]
    rows = store.con.execute(f"SELECT * FROM {table} WHERE article_id IN (SELECT unnest(?::VARCHAR[])) "
                             f"ORDER BY article_id, start_char", [ids]).fetchall()
    out: dict[str, list[dict]] = {}
    for r in rows:
        d = dict(zip(cols, r))
        ps, pe = d.get("period_start"), d.get("period_end")
        d["period"] = None if ps is None and pe is None else (ps, pe)
        out.setdefault(d["article_id"], []).append(d)
    return out


def evaluate(gold_dir: str | Path, db: str, rules: Rules | None = None, require_all: bool = False) -> Scores:
    """Score the database ``db`` against the gold files in ``gold_dir``."""
    rules = rules or load_rules()
    golds = load_gold(gold_dir, rules)
    with Store(db, read_only=True) as store:
        texts = dict(store.con.execute("SELECT article_id, text FROM article_texts").fetchall())
        arts = {r[0]: r[1] for r in store.con.execute("SELECT article_id, primary_province FROM articles").fetchall()}
        present = [aid for aid in golds if aid in arts]
        missing = sorted(aid for aid in golds if aid not in arts)
        for aid in present:
            path, g = golds[aid]
            check_evidence(path, g, texts.get(aid, ""))
        counts = _pred_rows(store, "counts", present)
        pcts = _pred_rows(store, "percentages", present)
        mentions = store.con.execute(
            "SELECT DISTINCT article_id, province FROM province_mentions WHERE in_body AND article_id IN "
            "(SELECT unnest(?::VARCHAR[]))", [present]).fetchall()
    scored = list(present) if not require_all else sorted(golds)
    pred_prov: dict[str, set[str]] = {}
    for aid, p in mentions:
        pred_prov.setdefault(aid, set()).add(p)

    errors: list[dict] = []
    tot = {k: [0, 0, 0] for k in ("provinces", "counts_core", "counts_core_strict", "counts_all", "counts_strict",
                                  "percentages", "percentages_strict", "percentages_target_year")}
    by_cat: dict[str, list[int]] = {}
    attr_c = {a: [0, 0] for a in COUNT_ATTRS}
    attr_p = {a: [0, 0] for a in PCT_ATTRS}
    prim = [0, 0]

    def add(key, tp, fp, fn):
        t = tot[key]
        t[0] += tp
        t[1] += fp
        t[2] += fn

    for aid in scored:
        g: GoldArticle = golds[aid][1]
        gp, pp = set(g.provinces), pred_prov.get(aid, set())
        add("provinces", len(gp & pp), len(pp - gp), len(gp - pp))
        for p in sorted(pp - gp):
            errors.append({"article_id": aid, "type": "province", "error": "false positive", "value": p})
        for p in sorted(gp - pp):
            errors.append({"article_id": aid, "type": "province", "error": "false negative", "value": p})
        if g.primary_province is not None:
            prim[1] += 1
            got = arts.get(aid)
            if got == g.primary_province:
                prim[0] += 1
            else:
                errors.append({"article_id": aid, "type": "primary_province", "error": "wrong",
                               "value": got, "expected": g.primary_province})

        gc = [_gold_count(c) for c in g.counts]
        pc = counts.get(aid, [])
        tp, fp, fn, pairs, extra, missed = match_facts(gc, pc, ("category", "value"), COUNT_ATTRS)
        add("counts_all", tp, fp, fn)
        core_g = [c for c in gc if c["category"] in CORE_CATEGORIES]
        core_p = [c for c in pc if c["category"] in CORE_CATEGORIES]
        add("counts_core", *match_facts(core_g, core_p, ("category", "value"), COUNT_ATTRS)[:3])
        add("counts_core_strict", *match_facts(core_g, core_p, ("category", "value", *STRICT), COUNT_ATTRS)[:3])
        add("counts_strict", *match_facts(gc, pc, ("category", "value", *STRICT), COUNT_ATTRS)[:3])
        cats = {c["category"] for c in gc} | {c["category"] for c in pc}
        for cat in cats:
            t = by_cat.setdefault(cat, [0, 0, 0])
            r = match_facts([c for c in gc if c["category"] == cat], [c for c in pc if c["category"] == cat],
                            ("category", "value"))
            t[0] += r[0]
            t[1] += r[1]
            t[2] += r[2]
        errors += _compare_attributes(aid, "count", pairs, attr_c)
        errors += [_err(aid, "count", "false positive", p) for p in extra]
        errors += [_err(aid, "count", "false negative", m) for m in missed]

        gq = [_gold_count(p) for p in g.percentages]
        pq = pcts.get(aid, [])
        tp, fp, fn, pairs, extra, missed = match_facts(gq, pq, ("value",), PCT_ATTRS)
        add("percentages", tp, fp, fn)
        add("percentages_strict", *match_facts(gq, pq, ("value", *STRICT), PCT_ATTRS)[:3])
        add("percentages_target_year", *match_facts([dict(p, end=_end(p)) for p in gq if p["is_target"]],
                                                    [dict(p, end=_end(p)) for p in pq if p["is_target"]],
                                                    ("value", "end"), PCT_ATTRS)[:3])
        errors += _compare_attributes(aid, "percentage", pairs, attr_p)
        errors += [_err(aid, "percentage", "false positive", p) for p in extra]
        errors += [_err(aid, "percentage", "false negative", m) for m in missed]

    report = {
        "gold_dir": str(gold_dir), "db": db, "articles_scored": len(scored), "gold_articles": len(golds),
        "missing_from_db": missing,
        **{k: prf(*v) for k, v in tot.items()},
        "primary_province": {"accuracy": round(prim[0] / prim[1], 4) if prim[1] else 1.0,
                             "correct": prim[0], "n": prim[1]},
        "counts_by_category": {c: prf(*v) for c, v in sorted(by_cat.items())},
        "count_attributes": {a: _acc(*v) for a, v in attr_c.items()},
        "percentage_attributes": {a: _acc(*v) for a, v in attr_p.items()},
    }
    report["headline"] = {k: report[k]["f1"] for k in HEADLINE}
    return Scores(report, errors)


def _end(fact: dict):
    """A fact's end year (its period's second element), None when it has no period."""
    per = fact.get("period")
    return per[1] if per else None


def _compare_attributes(aid: str, typ: str, pairs, tally: dict[str, list[int]]) -> list[dict]:
    """Tally attribute agreement over matched pairs; an error row per pair that disagrees."""
    errors = []
    for gold_f, pred_f in pairs:
        bad = []
        for a, t in tally.items():
            t[1] += 1
            if _norm(gold_f.get(a)) == _norm(pred_f.get(a)):
                t[0] += 1
            else:
                bad.append(f"{a}: got {pred_f.get(a)!r}, gold {gold_f.get(a)!r}")
        if bad:
            errors.append(_err(aid, typ, "wrong attribute", pred_f, "; ".join(bad)))
    return errors


def _acc(ok: int, n: int) -> dict:
    return {"accuracy": round(ok / n, 4) if n else 1.0, "correct": ok, "n": n}


def _err(aid: str, typ: str, kind: str, fact: dict, detail: str | None = None) -> dict:
    out = {"article_id": aid, "type": typ, "error": kind,
           "category": fact.get("category"), "value": _norm(fact.get("value")),
           "value_max": _norm(fact.get("value_max")), "qualifier": fact.get("qualifier"),
           "is_target": fact.get("is_target"), "period": fact.get("period"),
           "evidence": fact.get("evidence"), "rule": fact.get("rule")}
    if fact.get("target_rule"):
        out["target_rule"] = fact.get("target_rule")
    if detail:
        out["detail"] = detail
    return out


def load_thresholds(path: str | Path) -> dict[str, float]:
    """Per-score minimums from a ``{"min": {score: value}}`` file (CI's: .ci/thresholds.json)."""
    try:
        return {str(k): float(v) for k, v in json.loads(Path(path).read_text(encoding="utf-8"))["min"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CtxhError(f"{path}: not a thresholds file ({{\"min\": {{score: value}}}}): {exc}") from None


def checks(scores: Scores, min_f1: float | None, thresholds: dict[str, float] | None) -> list[dict]:
    """Every threshold applied, with the score it was checked against: ``{"score", "value", "min",
    "passed"}`` (value None when the report has no such score). ``--min-f1`` raises the headline F1s'."""
    limits = dict(thresholds or {})
    if min_f1 is not None:
        for k in HEADLINE:
            limits[k] = max(limits.get(k, 0.0), min_f1)
    out = []
    for k, lim in limits.items():
        val = scores.report[k]["f1"] if isinstance(scores.report.get(k), dict) and "f1" in scores.report[k] \
            else scores.report.get(k, {}).get("accuracy")
        out.append({"score": k, "value": val, "min": lim, "passed": val is not None and val >= lim})
    return out


def failing(scores: Scores, min_f1: float | None, thresholds: dict[str, float] | None) -> list[str]:
    """Which headline scores are under their threshold, as lines to print."""
    return [f"{c['score']}: unknown score" if c["value"] is None else f"{c['score']} {c['value']:.3f} < {c['min']:.3f}"
            for c in checks(scores, min_f1, thresholds) if not c["passed"]]
