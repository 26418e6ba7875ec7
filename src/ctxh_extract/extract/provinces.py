"""Province mentions and the province an article is about.

The gazetteer (63 units before the 2025 reform, 34 after, GSO codes, old->new
map) is ``rules/gazetteer/provinces.json``; aliases and false-hit guards are in
``rules/provinces.json``. A name is a mention only when every syllable is
capitalised (or the whole name is in capitals), so ``hòa bình`` (peace) never
matches, and not when a lower administrative level, a street, an institution or
a person stands right before it (``huyện Kỳ Anh``, ``thành phố Hà Tĩnh``,
``đường Nguyễn Trãi``, ``chị Hòa Bình``).

>>> from ctxh_extract.rules import load_rules
>>> g = Gazetteer(load_rules())
>>> [(m.province, m.surface) for m in g.find("TP.HCM và tỉnh Khánh Hoà cùng Đắc Lắk; thành phố Hà Tĩnh; vì hòa bình")]
[('Hồ Chí Minh', 'TP.HCM'), ('Khánh Hòa', 'Khánh Hòa'), ('Đắk Lắk', 'Đắc Lắk')]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import regex

from ..text.clean import normalize_tones
from ..rules import Rules, alternation

REFORM_DATE = date(2025, 7, 1)


@dataclass
class Mention:
    province: str          # canonical (old unit for pre-2025 text; 2025 unit for 'Huế' after)
    code: str              # GSO code of the unit in the article's era
    province_2025: str
    start: int             # offsets into the cleaned text
    end: int
    surface: str
    rule: str
    in_body: bool = True


class Gazetteer:
    def __init__(self, rules: Rules):
        self.rules = rules
        g = rules.gazetteer
        self.units = {u.name: u for u in g.units}
        self.units_2025 = {u.name: u for u in g.units_2025}
        pv = rules.provinces
        spellings: dict[str, tuple[str, str]] = {}
        for u in g.units:
            spellings[u.name] = (u.name, "gazetteer")
        for a in pv.aliases:
            for s in a.spellings:
                spellings[s] = (a.province, a.name)
        self.post_2025: dict[str, tuple[str, str]] = {}
        for a in pv.post_2025_only:
            for s in a.spellings:
                self.post_2025[s] = (a.province, a.name)
        self.spellings = spellings
        self.pattern = self._compile(list(spellings))
        self.post_pattern = self._compile(list(self.post_2025))
        self.not_provinces = [n for n in pv.not_provinces]
        bl = pv.blockers.model_extra if hasattr(pv.blockers, "model_extra") else pv.blockers
        self.before_blockers = [(b["name"], b["words"]) for b in bl["before"]]
        self.after_blockers = [(b["name"], b["words"]) for b in bl["after"]]
        pt = bl.get("person_titles")
        self.title_re = regex.compile(
            r"(?:^|[\s(\"'“])(?:" + alternation(pt["words"], False) + r")\s+(?:\p{Lu}\p{Ll}*\s+){1,3}$") if pt else None
        dc = bl["district_city_words"]
        self.district_city = (dc["name"], dc["words"])
        self.before_re = [
            (name, regex.compile(r"(?:^|[\s(\"'“])(?:" + alternation(words, False) + r")\s*$"))
            for name, words in self.before_blockers
        ]
        self.after_re = [
            (name, regex.compile(r"^\s+(?:" + alternation(words, False) + r")(?![\p{L}])"))
            for name, words in self.after_blockers
        ]
        self.district_re = regex.compile(r"(?:^|[\s(])(?:" + alternation(dc["words"], False) + r")\s*$")
        inst = bl.get("institution")
        self.inst_re = None
        if inst:
            heads = alternation(inst["heads"], False)
            lower = "|".join(rf"{regex.escape(h)}(?=\s+(?:{alternation(ts, False)})(?![\p{{L}}]))"
                             for h, ts in inst.get("lower_heads", {}).items())
            chain = alternation(inst.get("chain_words", []), False)
            # a proper name's words: a capitalised syllable and maybe one lowercase one ('Đại học', 'Sư phạm')
            word = r"(?:\p{Lu}[\p{L}\d.\-]*(?:\s+\p{Ll}\p{L}*)?" + ("|" + chain if chain else "") + ")"
            self.inst_re = regex.compile(rf"(?:^|[\s(\"'“])(?:{heads}{'|' + lower if lower else ''})(?:\s+{word}){{0,7}}\s+$")
            self.inst_name = inst.get("name", "block.institution_name")
            self.owner_re = regex.compile(r"(?:^|\s)(?:" + alternation(inst.get("owner_words", []), False) + r")\s+$")
            self.central_re = regex.compile(r"(?:^|\s)(?:" + alternation(inst.get("central", []), False) + r")\s+$") \
                if inst.get("central") else None
        pr = pv.primary
        ex_ = pr.model_extra or {}
        self.passing_re = regex.compile(r"(?<![\p{L}])(?:" + alternation(ex_["passing_before"]) + r")(?![\p{L}])[^.;:]{0,60}$",
                                        regex.IGNORECASE) if ex_.get("passing_before") else None
        self.owner_re_p = regex.compile(r"(?<![\p{L}])(?:" + alternation(ex_["owner_before"], False)
                                        + r")(?:\s+(?:\p{Lu}[\p{L}]*(?:\s+\p{Ll}\p{L}*)?|-|–|và|&)){0,8}\s+$") \
            if ex_.get("owner_before") else None
        self.passing_weight = float(ex_.get("passing_weight", 1.0))
        self.owner_weight = float(ex_.get("owner_weight", 1.0))
        self.dominant_ratio = float(ex_.get("dominant_ratio", 0))
        mm = ex_.get("merger_marks")
        self.merger_re = regex.compile(r"\s*\(?\s*(?:" + alternation(mm, False) + r")(?![\p{L}])") if mm else None
        self.national_re = _phrases_re(pr.national_cues)
        self.local_re = _phrases_re(pr.local_cues)

    @staticmethod
    def _compile(spellings: list[str]) -> regex.Pattern:
        body = alternation([*spellings, *(s.upper() for s in spellings)])
        return regex.compile(rf"(?<![\p{{L}}\p{{N}}])(?:{body})(?![\p{{L}}\p{{N}}])")

    def find(self, text: str, published: date | None = None, base: int = 0, cleaned: bool = False,
             dropped: list | None = None) -> list[Mention]:
        """Province mentions in ``text`` (offsets + ``base``), guarded against false hits.
        ``cleaned``: the text comes from clean(), whose tone placement is already unified;
        ``dropped`` collects (start, end, surface, rule) of names a guard rejected."""
        post = published is not None and published >= REFORM_DATE
        if not cleaned:
            text = normalize_tones(text)   # length-preserving: offsets stay valid
        out: list[Mention] = []
        taken: list[tuple[int, int]] = []
        if post:
            for m in self.post_pattern.finditer(text):
                province, rule = self.post_2025[_key(m.group(0), self.post_2025)]
                out.append(self._mention(province, m, base, rule, post))
                taken.append(m.span())
        for m in self.pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            key = _key(m.group(0), self.spellings)
            if key is None:
                continue
            province, rule = self.spellings[key]
            why = self._blocked(text, m, province, post)
            if why:
                if dropped is not None:
                    dropped.append((base + m.start(), base + m.end(), m.group(0), why))
                continue
            out.append(self._mention(province, m, base, rule, post))
        out.sort(key=lambda x: x.start)
        return out

    def _blocked(self, text: str, m: regex.Match, province: str, post: bool) -> str | None:
        """The name of the guard that makes this match no mention, or None."""
        before = text[max(0, m.start() - 30):m.start()]
        after = text[m.end():m.end() + 20]
        for not_p in self.not_provinces:
            # 'Việt Nam' must not give 'Nam' anything; a name inside a not-province is skipped
            i = text.find(not_p, max(0, m.start() - len(not_p)), m.end() + len(not_p))
            if i >= 0 and i <= m.start() and i + len(not_p) >= m.end():
                return "block.not_province"
        if self.title_re is not None and self.title_re.search(before):
            return "block.person_title"     # 'Ông Trịnh Hà Nam': a person
        if self.inst_re is not None:
            wide = text[max(0, m.start() - 80):m.start()]
            if self.central_re is not None and self.central_re.search(wide):
                return self.inst_name        # 'Bệnh viện Trung ương Huế': a central institution named after its city
            if self.inst_re.search(wide) and not self.owner_re.search(wide):
                return self.inst_name        # 'Trường THCS Hòa Bình', 'Trường Đại học Khoa học Huế'
        intro = self.district_re.search(before)
        for name, pat in self.before_re:
            # 'thành phố Cần Thơ': 'phố' (street) is part of 'thành phố', which only the district rule judges
            hit = pat.search(before)
            if hit and not (intro and hit.end() == intro.end()):
                return name
        for name, pat in self.after_re:
            if pat.search(after):
                return name
        if self.district_re.search(before):
            unit = self.units.get(province)
            central = unit.centrally_run if unit else True
            if post and unit and unit.name_2025 in self.units_2025:
                central = self.units_2025[unit.name_2025].centrally_run and unit.name == unit.name_2025
            if not central:
                return self.district_city[0]
        return None

    def _mention(self, province: str, m: regex.Match, base: int, rule: str, post: bool) -> Mention:
        unit = self.units.get(province)
        if unit is not None:
            code = unit.code
            p2025 = unit.name_2025
            if post and unit.name == unit.name_2025:
                code = unit.code_2025     # the same name after the reform means the new unit
        else:
            u25 = self.units_2025[province]
            code, p2025 = u25.code, u25.name
        return Mention(province, code, p2025, base + m.start(), base + m.end(), m.group(0), rule)

    def primary(self, mentions: list[Mention], title_span: tuple[int, int] | None,
                lead_span: tuple[int, int] | None, body_text: str, title_mentions: list[Mention] | None = None,
                merged: bool = False, text: str = "") -> str | None:
        """The one province the article is about, or None (see rules/provinces.json).

        ``title_mentions`` are those of a title that is not part of the text (HTML, JSONL): they
        weigh as title mentions. ``merged``: the article is from after the 1 July 2025 merger (or
        marks units as former, 'Ninh Thuận (cũ)'), so the units are weighed by the 2025 unit they
        belong to: an article naming 'tỉnh Khánh Hòa' and 'Ninh Thuận (cũ)' is about Khánh Hòa."""
        cfg = self.rules.provinces.primary
        body = [m for m in mentions if m.in_body]
        extra = list(title_mentions or [])
        if not body and not extra:
            return None
        named = {m.province for m in body + extra}

        def key(m: Mention) -> str:
            if not merged:
                return m.province
            return m.province_2025 if m.province_2025 in named else m.province

        weight: Counter[str] = Counter()
        count: Counter[str] = Counter()
        in_title = set()
        for m in body + extra:
            w = 1.0
            k = key(m)
            if m in extra or (title_span and title_span[0] <= m.start < title_span[1]):
                w = cfg.title_weight
                in_title.add(k)
            elif lead_span and lead_span[0] <= m.start < lead_span[1]:
                w = cfg.lead_weight
            if m not in extra and text:
                w *= self._role_weight(text, m)
            weight[k] += w
            count[k] += 1
        ranked = weight.most_common()
        top, top_w = ranked[0]
        total = sum(weight.values())
        if len(in_title) == 1 and top in in_title:
            return top
        if len(ranked) > 1 and ranked[1][1] == top_w:
            return None
        if top_w / total < cfg.min_share:
            return None
        dominant = self.dominant_ratio and len(ranked) > 1 and top_w >= self.dominant_ratio * ranked[1][1]
        if count[top] < 2 and len(ranked) > 1 and not dominant:
            return None
        national = len(self.national_re.findall(body_text)) if self.national_re else 0
        local = len(self.local_re.findall(body_text)) if self.local_re else 0
        if top not in in_title and count[top] < 2 and national > local:
            return None
        return top

    def _role_weight(self, text: str, m: Mention) -> float:
        """How much a mention says the article is about its unit: less when the unit is named in
        passing (a partner, a visitor, a comparison), more when it owns the body named."""
        before = text[max(0, m.start - 80):m.start]
        if self.passing_re is not None and self.passing_re.search(before):
            return self.passing_weight
        if self.owner_re_p is not None and self.owner_re_p.search(before):
            return self.owner_weight
        return 1.0

    def marks_merger(self, text: str, mentions: list[Mention]) -> bool:
        """Does the text mark a unit as former or new ('Ninh Thuận (cũ)', 'tỉnh Lào Cai (mới)')?"""
        return any(self.merger_re.match(text, m.end) for m in mentions) if self.merger_re is not None else False


def _phrases_re(phrases: list[str]) -> regex.Pattern | None:
    if not phrases:
        return None
    return regex.compile(rf"(?<![\p{{L}}])(?:{alternation(phrases)})(?![\p{{L}}])", regex.IGNORECASE)


def _key(surface: str, table: dict) -> str | None:
    """Map a matched surface (maybe upper-case, maybe with odd spaces) to its table key."""
    if surface in table:
        return surface
    norm = " ".join(surface.split())
    if norm in table:
        return norm
    for k in table:
        if k.upper() == norm or " ".join(k.split()).upper() == norm.upper() and norm.isupper():
            return k
    return None
