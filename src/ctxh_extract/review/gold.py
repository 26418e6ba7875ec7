"""Load and check hand-made gold files (format: docs/ANNOTATION.md).

A gold file that breaks the format is an error naming the file and the fact,
never a crash and never a silent skip: an unknown category, a missing field, an
article_id that is not the file name, a province that is not canonical, or
evidence that does not occur in the article's text.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from ..errors import GoldError
from ..models import GoldArticle
from ..rules import Rules

NOT_GOLD = {"thresholds.json"}


def gold_files(directory: str | Path) -> list[Path]:
    d = Path(directory)
    if not d.is_dir():
        raise GoldError(str(d), "gold directory not found")
    files = sorted(p for p in d.glob("*.json") if p.name not in NOT_GOLD)
    if not files:
        raise GoldError(str(d), "no gold files (*.json) in this directory")
    return files


def load_gold(directory: str | Path, rules: Rules) -> dict[str, tuple[Path, GoldArticle]]:
    """article_id -> (file, gold); raises GoldError on the first bad file."""
    canonical = {u.name for u in rules.gazetteer.units} | {u.name for u in rules.gazetteer.units_2025}
    out: dict[str, tuple[Path, GoldArticle]] = {}
    for f in gold_files(directory):
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise GoldError(str(f), "not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise GoldError(str(f), f"JSON syntax error at line {exc.lineno}: {exc.msg}") from None
        try:
            g = GoldArticle.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            raise GoldError(str(f), f"{where}: {err['msg']}") from None
        if g.article_id != f.stem:
            raise GoldError(str(f), f"article_id {g.article_id!r} does not match the file name {f.stem!r}")
        for p in [*g.provinces, *([g.primary_province] if g.primary_province else [])]:
            if p not in canonical:
                raise GoldError(str(f), f"province {p!r} is not a canonical name (see rules/gazetteer/provinces.json)")
        if g.primary_province and g.primary_province not in g.provinces:
            raise GoldError(str(f), f"primary_province {g.primary_province!r} is not in provinces")
        for kind, facts in (("counts", g.counts), ("percentages", g.percentages)):
            for i, fact in enumerate(facts):
                if fact.period is not None and fact.period[0] is not None and fact.period[1] is not None \
                        and fact.period[0] > fact.period[1]:
                    raise GoldError(str(f), f"{kind}[{i}].period: start after end")
                if fact.value_max is not None and fact.value_max <= fact.value:
                    raise GoldError(str(f), f"{kind}[{i}].value_max must be above value")
        if g.article_id in out:
            raise GoldError(str(f), f"article_id {g.article_id!r} is annotated twice (also {out[g.article_id][0]})")
        out[g.article_id] = (f, g)
    return out


def check_evidence(path: Path, gold: GoldArticle, text: str) -> None:
    """Every evidence string must occur verbatim in the article text."""
    for kind, facts in (("counts", gold.counts), ("percentages", gold.percentages)):
        for i, fact in enumerate(facts):
            if fact.evidence not in text:
                short = fact.evidence if len(fact.evidence) <= 60 else fact.evidence[:57] + "..."
                raise GoldError(str(path), f"{kind}[{i}].evidence does not occur in the article text: {short!r}")
