"""Reference tables the views need: province units and category kinds, and a Vietnamese sort key.

The views group facts by *unit* and sort them as Vietnamese readers expect, and
both need knowledge that is not in the facts themselves:

* ``units``: how a province name stored with a fact maps to the unit the
  summaries use. The name alone is not enough: ``Lào Cai`` in an article
  published from 1 July 2025 is the new, merged province (code 15), before
  that the old one (code 10); ``Huế`` (2025) and ``Thừa Thiên Huế`` are the
  same unit (code 46). Built from the gazetteer.
* ``category_kinds``: which count categories are stocks, flows or neither
  (``rules/stocks_flows.json``).

Both are rewritten from the rules whenever ``ctxh extract`` opens the database,
so they follow the rules the facts were extracted with.

The sort key is computed here, not by DuckDB's ICU collation, so that the order
is the same in every DuckDB client (and in exports), whether or not it has ICU.
"""

from __future__ import annotations

import unicodedata

from ..rules import Rules

REFORM_DATE = "2025-07-01"      # the merger of 63 units into 34 (extract/provinces.py decides mentions the same way)

# the Vietnamese alphabet with the Latin letters it lacks (f, j, w, z) in their Latin places
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# tones in dictionary order: ngang (none), huyền, hỏi, ngã, sắc, nặng
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_SHAPES = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
           ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
# printable, so that the key reads plainly in exports; each below every letter and digit
_LEVEL, _SPACE, _PUNCT = "!", '"', "#"


def vi_sort_key(s: str | None) -> str | None:
    """A string whose plain (byte) order is Vietnamese alphabetical order.

    Letters first (``Đ`` after ``D``, ``Ă``/``Â`` after ``A``, ``Ơ`` after ``Ô``), then tones in
    dictionary order (none, huyền, hỏi, ngã, sắc, nặng), then lower case before upper case:
    the order of ICU's ``vi`` collation for the names of the gazetteer (tests/test_figures.py checks).

    >>> sorted(["Yên Bái", "Đà Nẵng", "Điện Biên", "Bắc Giang", "Bạc Liêu", "Dak", "An Giang", "Ê"], key=vi_sort_key)
    ['An Giang', 'Bạc Liêu', 'Bắc Giang', 'Dak', 'Đà Nẵng', 'Điện Biên', 'Ê', 'Yên Bái']
    """
    if s is None:
        return None
    primary, tones, cases = [], [], []
    for ch in unicodedata.normalize("NFC", s):
        low = ch.lower()
        if low == "đ":
            letter, marks = "đ", ""
        else:
            d = unicodedata.normalize("NFD", low)
            letter, marks = d[0], d[1:]
            for m in marks:
                letter = _SHAPES.get((letter, m), letter)
        if letter in _RANK:
            primary.append(chr(0x41 + _RANK[letter]))
            tones.append(str(next((_TONES[m] for m in marks if m in _TONES), 0)))
            cases.append("1" if ch != low else "0")
        elif ch.isspace():
            primary.append(_SPACE)
        elif ch.isdigit():
            primary.append(chr(0x30 + (int(ch) if ch.isdecimal() else 0)))
        else:
            primary.append(_PUNCT + ch)
    return "".join(primary) + _LEVEL + "".join(tones) + _LEVEL + "".join(cases)


def unit_rows(rules: Rules) -> list[dict]:
    """One row per (province name as stored, published on/after the reform or not): the unit it means.

    Columns: ``name``, ``after_reform``, and the unit: ``province`` (its canonical name),
    ``province_code`` (GSO code), ``province_2025``, ``province_2025_code``, ``after_merger``
    (a 2025 unit made of several old ones, so not any old unit), ``sort_key``.

    >>> from ctxh_extract.rules import load_rules
    >>> rows = {(r["name"], r["after_reform"]): r for r in unit_rows(load_rules())}
    >>> [(r["province"], r["province_code"], r["after_merger"]) for r in
    ...  (rows["Huế", True], rows["Thừa Thiên Huế", False], rows["Lào Cai", True], rows["Lào Cai", False], rows["Yên Bái", True])]
    [('Thừa Thiên Huế', '46', False), ('Thừa Thiên Huế', '46', False), ('Lào Cai', '15', True), ('Lào Cai', '10', False), ('Yên Bái', '15', False)]
    """
    g = rules.gazetteer
    old = {u.name: u for u in g.units}
    new = {u.name: u for u in g.units_2025}
    olds_of: dict[str, list] = {}
    for u in g.units:
        olds_of.setdefault(u.name_2025, []).append(u)

    def old_unit(u) -> dict:
        return dict(province=u.name, province_code=u.code, province_2025=u.name_2025,
                    province_2025_code=u.code_2025, after_merger=False, sort_key=vi_sort_key(u.name))

    def unit_of(name: str, after: bool) -> dict:
        if name in old and (not after or old[name].name_2025 != name):
            return old_unit(old[name])      # before the reform; or an absorbed unit named later ('Yên Bái')
        n = new[name]
        same = olds_of.get(name, [])
        if len(same) == 1:                  # the 2025 unit is one old unit under its new name ('Huế')
            return old_unit(same[0])
        return dict(province=n.name, province_code=n.code, province_2025=n.name, province_2025_code=n.code,
                    after_merger=True, sort_key=vi_sort_key(n.name) + "~")   # after the old unit of that name
    rows = []
    for name in sorted(set(old) | set(new)):
        for after in (False, True):
            rows.append({"name": name, "after_reform": after, **unit_of(name, after)})
    return rows


def category_rows(rules: Rules) -> list[dict]:
    """One row per count category: ``category``, ``stock_or_flow`` (stock, flow, neither), ``note``."""
    sf = rules.stocks_flows
    return [{"category": c, "stock_or_flow": kind, "note": getattr(sf, kind).note}
            for kind in ("stock", "flow", "neither") for c in getattr(sf, kind).categories]


REFERENCE_TABLES: dict[str, list[tuple[str, str]]] = {
    "units": [
        ("name", "VARCHAR"), ("after_reform", "BOOLEAN"), ("province", "VARCHAR"), ("province_code", "VARCHAR"),
        ("province_2025", "VARCHAR"), ("province_2025_code", "VARCHAR"), ("after_merger", "BOOLEAN"),
        ("sort_key", "VARCHAR"),
    ],
    "category_kinds": [("category", "VARCHAR"), ("stock_or_flow", "VARCHAR"), ("note", "VARCHAR")],
}


def reference_rows(rules: Rules) -> dict[str, list[dict]]:
    return {"units": unit_rows(rules), "category_kinds": category_rows(rules)}
