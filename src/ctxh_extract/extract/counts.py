"""Count facts: how many people, centres, classes, đồng ... an article reports.

A number becomes a count only when a unit from ``rules/categories.json`` follows
it (``46 cộng tác viên``, ``5 lớp``, ``600 triệu đồng``); bare numbers, years,
document numbers and durations never do. For people, the action decides the
category (ANNOTATION.md): ``tập huấn cho 150 lượt cộng tác viên`` is 150 trainees,
``46 cộng tác viên ... được hưởng phụ cấp`` is 46 collaborators, and people who
only *need* training are ``other``.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from ..rules import Rules, UnitRule, alternation, words_regex
from ..text.segment import tokenize
from .context import FactCandidate, SentenceContext, evidence_span
from .numbers import NumberMention


@dataclass
class CountCandidate(FactCandidate):
    category: str
    unit: str
    per_unit: str | None


class CountExtractor:
    def __init__(self, rules: Rules):
        cat = rules.categories
        self.unit_of: dict[str, UnitRule] = {}
        for u in cat.units:
            for w in u.words:
                self.unit_of[" ".join(w.lower().split())] = u
        self.unit_re = words_regex(list(self.unit_of))
        self._luot_re = regex.compile(r"(?i)lượt\s+")
        self.totals_re = regex.compile(
            r"\s+(?:" + alternation(cat.totals.words) + r")\s+[\d.,]+(?=\s)", regex.IGNORECASE)
        self.total_before_re = regex.compile(rf"(?<![\p{{L}}])(?:{alternation(cat.totals.before_count)})\s*$",
                                             regex.IGNORECASE) if cat.totals.before_count else None
        self.override_re = {u.name: words_regex(u.otherwise_if_nearby["words"]) for u in cat.units
                            if u.otherwise_if_nearby}
        self.sentence_override = {u.name: (words_regex(u.if_nearby["words"]), u.if_nearby["category"])
                                  for u in cat.units if u.if_nearby}
        tc = cat.trainee_in_training_clause.model_extra if cat.trainee_in_training_clause is not None else None
        self.take_part_re = regex.compile(r"^\s*(?:\S+\s+){0,8}?(?:" + alternation(tc["words"]) + r")[\s.,;:!?)]*$",
                                          regex.IGNORECASE) if tc else None
        self.training_word_re = words_regex(tc["context"]) if tc else None
        self.not_unit_re = words_regex(cat.not_units.words)
        tb = cat.trainee_action_before
        sa = cat.service_actions
        self.trainee_verbs = {" ".join(w.lower().split()) for w in tb.words}
        self.service_verbs = {" ".join(w.lower().split()) for w in sa.words}
        self.verb_re = words_regex(tb.words + sa.words)
        self.service_noun_re = regex.compile(
            r"(?:" + alternation(sa.not_after, False) + r")\s*$",
            regex.IGNORECASE) if sa.not_after else None
        self.object_markers = {w.lower() for w in tb.object_markers}
        self.after_re = words_regex(cat.trainee_action_after.words)
        self.after_max = cat.trainee_action_after.max_words
        self.after_stop_re = regex.compile(
            r"\d|(?<![\p{L}])(?:" + alternation(cat.trainee_action_after.stop_words, False) + r")(?![\p{L}])",
            regex.IGNORECASE) if cat.trainee_action_after.stop_words else regex.compile(r"\d")
        self.need_re = words_regex(cat.need_cues.words)
        self.award_re = words_regex(cat.award_cues.words) if cat.award_cues is not None else None
        im = cat.implied_money.model_extra if cat.implied_money is not None else None
        self.money_rule = next((u for u in cat.units if u.kind == "money"), None)
        if im and self.money_rule is not None:
            gap = r"(?:\S+\s+){0,%d}" % int(im.get("max_words_between", 3))
            self.implied_money_before = regex.compile(
                r"(?<![\p{L}])(?:" + alternation(im["before"]) + r")\s+" + gap + r"(?:(?:" +
                alternation([q.cue for q in rules.qualifiers.rules]) + r")\s+)?$", regex.IGNORECASE)
            self.implied_scales = {w.lower() for w in im["scales"]}
            na = im.get("not_after", [])
            self.implied_not_after = regex.compile(r"\s*(?:" + alternation(na, False) + r")(?![\p{L}])") if na else None
        else:
            self.implied_money_before = None
        self.benef_re = words_regex(cat.beneficiary_cues.words)
        self.role_max = cat.role_after_generic.model_extra.get("max_words", 6)
        pu = cat.per_unit
        self.per_cues = {c.lower() for c in pu.cues}
        self.per_cue_places = {k.lower(): {p.lower() for p in v} for k, v in pu.cue_places.items()}
        self.per_connectors = {c.lower() for c in pu.connectors}
        self.per_before_re = regex.compile(
            r"(?:^|[\s,])(?:" + alternation(pu.before_number) + r")\s*$", regex.IGNORECASE)
        self.per_cue_re = words_regex(pu.cues)
        self.per_distributive = {w.lower() for w in pu.distributive}
        self.not_places = {w.lower() for w in pu.not_places}
        self.time_words = {w.lower() for w in (pu.model_extra or {}).get("time_words", [])}
        vw = (pu.model_extra or {}).get("value_words", [])
        self.value_words_re = regex.compile(r"(?<![\p{L}])(?:" + alternation(vw) + r")\s*$", regex.IGNORECASE) if vw else None
        self.per_max_gap = pu.max_gap_words
        self.qual_words = {q.cue.lower() for q in rules.qualifiers.rules} | {f.lower() for f in rules.qualifiers.fillers}
        self.nearby: dict[str, regex.Pattern] = {
            u.name: words_regex(u.requires_nearby) for u in cat.units if u.requires_nearby
        }

    # ------------------------------------------------------------------ unit
    def unit_at(self, text: str, pos: int) -> tuple[int, int, UnitRule, bool] | None:
        """(start, end, rule, with_luot) of the unit right after ``pos``, or None.
        '463 trong tổng số 508 trường học': 463 is counted in the unit after 508."""
        tm = self.totals_re.match(text, pos) or _FRACTION_REST.match(text, pos)
        if tm:
            pos = tm.end()      # '463 trong tổng số 508 trường', '2/25 viên chức': counted in the unit after
        p = pos
        while p < len(text) and text[p] in " \t":
            p += 1
        if p < len(text) and text[p] == "\n" and text[p + 1:p + 2] not in ("\n", ""):
            p += 1              # a wrapped line: '06\nngười cao tuổi'
            while p < len(text) and text[p] in " \t":
                p += 1
        if p == pos:
            # only a glued 'đ' (600.000đ) may touch the number
            if text.startswith("đ", p) and not (p + 1 < len(text) and text[p + 1].isalpha()):
                rule = self.unit_of.get("đ")
                return (p, p + 1, rule, False) if rule else None
            return None
        lm = self._luot_re.match(text, p)
        q = lm.end() if lm else p
        um = self.unit_re.match(text, q)
        if um is None and lm:
            q = p  # 'lượt' alone is a unit (visits)
            um = self.unit_re.match(text, q)
        if um is None:
            return None
        nu = self.not_unit_re.match(text, q)
        if nu is not None and nu.end() > um.end():
            return None
        rule = self.unit_of[" ".join(um.group(0).lower().split())]
        return (p, um.end(), rule, bool(lm) and q != p)

    # ------------------------------------------------------------------ main
    def extract(self, ctx: SentenceContext, num: NumberMention, is_target: bool) -> CountCandidate | None:
        t = ctx.text
        found = self.unit_at(t, num.number_end) or self._implied_money(t, num)
        if found is None or num.percent:
            return None
        ustart, uend, urule, _luot = found
        if _cut_off(ctx, uend):
            return None          # 'phấn đấu vận động từ 2 đ' at the end of an excerpt: the unit is cut off
        value = num.value
        if not float(value).is_integer() or (num.value_max is not None and not float(num.value_max).is_integer()):
            return None
        if value == 0:          # 'Bếp ăn 0 đồng' is a name, not an amount
            return None
        cs, ce = ctx.clause(num.start, uend)
        qstart = num.qualifier_span[0] if num.qualifier_span and num.qualifier_span[0] < num.start else num.start
        prefix = t[cs:qstart]
        suffix = t[uend:ce]
        category, rule = self._category(urule, prefix, suffix, t[cs:ce], t[:qstart], t, ctx.article_text or t)
        if urule.requires_nearby and category == urule.category and self.total_before_re \
                and self.total_before_re.search(prefix):
            category, rule = urule.otherwise or category, urule.name + "+total"
        if category is None:
            return None
        per_unit = self._per_unit(ctx, cs, qstart, uend, urule.kind == "money")
        if num.weak and per_unit is None and num.qualifier == "exact" and (is_target is False or urule.kind == "person"):
            return None      # 'một chuyên gia nhận định': 'một' is 'a'; 'sẽ xây dựng một mô hình' is 1
        unit = t[ustart:uend]
        if category == "budget":
            unit = urule.words[0] if urule.kind == "money" else unit
        ev = evidence_span(ctx, num.start, uend)
        return CountCandidate(
            start=ctx.base + num.start, end=ctx.base + num.number_end,
            evidence=(ctx.base + ev[0], ctx.base + ev[1]), category=category, value=int(value),
            value_max=int(num.value_max) if num.value_max is not None else None,
            qualifier=num.qualifier, unit=" ".join(unit.split()), per_unit=per_unit, rule=rule,
            qualifier_rule=num.qualifier_rule,
        )

    def _implied_money(self, t: str, num: NumberMention):
        """'nhận lương 30 triệu/tháng', 'tổng số tiền hơn 5 tỷ': money without 'đồng' (rules: implied_money)."""
        if self.implied_money_before is None or num.text.split()[-1].lower() not in self.implied_scales:
            return None
        before = t[max(0, num.start - 60):num.start]
        after = t[num.number_end:num.number_end + 3]
        if self.implied_not_after is not None and self.implied_not_after.match(t, num.number_end):
            return None             # '12,67 triệu USD': money, but not đồng
        if self.implied_money_before.search(before) or after.lstrip().startswith("/"):
            return (num.number_end, num.number_end, self.money_rule, False)
        return None

    def _category(self, urule: UnitRule, prefix: str, suffix: str, clause: str,
                  sentence_before: str, sentence: str, article: str) -> tuple[str | None, str]:
        """The category of a count with unit ``urule``; the rule name says which test decided."""
        if urule.otherwise_if_nearby and self.override_re[urule.name].search(article) \
                and self._action_before(prefix) != "training":
            return urule.otherwise_if_nearby["category"], urule.name + "+context"
        if urule.kind != "person":
            if urule.requires_nearby:
                if not self.nearby[urule.name].search(sentence):
                    if urule.otherwise is None:
                        return None, urule.name
                    return urule.otherwise, urule.name + ".otherwise"
            return urule.category, urule.name
        if self.need_re.search(prefix + " " + _OWN_PHRASE.split(suffix, 1)[0]):
            # '... có 35.000 người, trong đó ... 10% chưa qua đào tạo': the need is the 10%'s
            return "other", urule.name + "+need"
        if self.award_re is not None and self.award_re.search(prefix):
            return "other", urule.name + "+award"     # people honoured are neither trained nor served
        action = self._action_before(prefix)
        if action == "both":     # 'nuôi dưỡng, chăm sóc, dạy nghề cho 600 trẻ em': served people are served
            action = "service" if urule.category == "beneficiaries" else "training"
        if action == "training":
            return "trainees", urule.name + "+action.before"
        if self.take_part_re is not None and self.take_part_re.match(suffix) and self.training_word_re.search(prefix):
            return "trainees", urule.name + "+takes_part"    # 'tổ chức 1 lớp ..., có 102 cán bộ ... tham gia'
        if urule.name in self.sentence_override:
            pat, cat = self.sentence_override[urule.name]
            if pat.search(sentence):
                return cat, urule.name + "+nearby"
        stop = self.after_stop_re.search(suffix)
        after_words = " ".join(_words(suffix[: stop.start()] if stop else suffix)[: self.after_max])
        if self.after_re.search(after_words):
            return "trainees", urule.name + "+action.after"
        generic = urule.category in ("other", "beneficiaries", "trainees")
        if action == "service" and generic:
            return "beneficiaries", urule.name + "+action.service"
        if urule.category != "other":
            return urule.category, urule.name
        # generic 'người': a role right after it (before a comma: '1.298 người, trong đó có 46 cộng tác
        # viên' is not about collaborators), served people, else the role named before it
        window = " ".join(_words(suffix.split(",")[0])[: self.role_max])
        rm = self.unit_re.search(window)
        if rm:
            role = self.unit_of.get(" ".join(rm.group(0).lower().split()))
            if role and role.kind == "person" and role.category in ("collaborators", "staff", "volunteers",
                                                                     "beneficiaries"):
                return role.category, urule.name + "+role:" + role.name
        if self.benef_re.search(suffix):
            return "beneficiaries", urule.name + "+served"
        role = next(self._roles_before(sentence_before), None)
        if role is not None:
            return role.category, urule.name + "+role.before:" + role.name
        return "other", urule.name

    def _roles_before(self, sentence_before: str):
        """Roles a bare 'người' may refer back to, nearest first: the unit of an earlier count in
        the sentence ('Yên Bái có 1.146 cộng tác viên, Lào Cai có 1.032 người'), then any person word."""
        counted = []
        for m in _COUNT_THEN_WORD.finditer(sentence_before):
            found = self.unit_at(sentence_before, m.end("num"))
            if found and found[2].kind == "person" and found[2].category != "other":
                counted.append(found[2])
        yield from reversed(counted)
        roles = [(m, self.unit_of.get(" ".join(m.group(0).lower().split())))
                 for m in self.unit_re.finditer(sentence_before)]
        roles = [(m, r) for m, r in roles if r and r.kind == "person" and r.category != "other"]
        # nearest first, but a list of roles counts as its first ('Mạng lưới công chức, viên chức, cộng tác
        # viên ... có 1.298 người': staff)
        k = len(roles) - 1
        while k >= 0:
            first = k
            while first > 0 and _LIST_GAP.fullmatch(sentence_before, roles[first - 1][0].end(), roles[first][0].start()):
                first -= 1
            yield roles[first][1]
            k = first - 1

    def _action_before(self, prefix: str) -> str | None:
        """'training' or 'service' when the nearest action verb before the number takes it as
        its object (the verb, or an object marker such as 'cho', right before the number)."""
        for v in reversed(list(self.verb_re.finditer(prefix))):
            if v.group(0)[:1].isupper() and _NAME_BEFORE.search(prefix[:v.start()]):
                continue                      # 'Sở Giáo dục và Đào tạo': part of an agency's name, not an action
            verb = " ".join(v.group(0).lower().split())
            if verb in self.service_verbs and self.service_noun_re and self.service_noun_re.search(prefix[:v.start()]):
                continue                      # 'kỹ năng tư vấn' names a skill
            tail = prefix[v.end():].split()
            while tail and tail[-1].lower() in self.qual_words:
                tail.pop()
            if tail and tail[-1].lower().strip(",") not in self.object_markers:
                return None
            earlier = {("training" if " ".join(w.group(0).lower().split()) in self.trainee_verbs else "service")
                       for w in self.verb_re.finditer(prefix[:v.start()]) if not w.group(0)[:1].isupper()}
            mine = "training" if verb in self.trainee_verbs else "service"
            if tail and (earlier | {mine}) == {"training", "service"}:
                # a list of verbs before 'cho N': 'tổ chức tập huấn ..., cung cấp dịch vụ ... cho 40 nhân viên',
                # 'nuôi dưỡng, chăm sóc, dạy văn hóa, dạy nghề cho 600 trẻ em': the unit decides (_category)
                return "both"
            return mine
        return None

    def _per_unit(self, ctx: SentenceContext, cs: int, qstart: int, uend: int, money: bool = False) -> str | None:
        """The place a count is per ('mỗi xã ... có 1', '100% các bệnh viện ... có 1-2', '1 CTV/thôn'),
        or for money the person or item a rate is per ('500.000 đồng/người/tháng' -> 'người')."""
        t = ctx.text
        if money:
            for word in _SLASH_WORD.findall(t[uend:uend + 40].split(";")[0].split(",")[0]):
                w = word.lower()
                if w not in self.time_words:
                    return w
        after = _SLASH_PLACE.match(t, uend)
        if after:
            place = after.group(1).split()[0].lower()
            unit = self.unit_of.get(place)
            return None if place in self.not_places or (unit and unit.kind in ("person", "thing")) else place
        prefix = t[cs:qstart]
        value_frame = money and self.value_words_re is not None and self.value_words_re.search(prefix)
        anchor = None                                   # (end of the frame, cue word or None)
        for m in self.per_cue_re.finditer(prefix):
            anchor = (cs + m.end(), m.group(0).lower())
        for n in ctx.numbers:
            if n.percent and cs <= n.start and n.end <= qstart and (anchor is None or n.end > anchor[0]):
                anchor = (n.end, None)
        if anchor is None:
            return None
        # the frame must lead to the number: 'có' (or the like) right before it, or only a list of places
        words = prefix.rstrip().split()
        while words and words[-1].lower() in self.qual_words - {"có"}:
            words.pop()
        between = t[anchor[0]:qstart]
        close = anchor[1] in self.per_distributive and not any(ch.isdigit() for ch in between) \
            and len(_words(between)) <= (self.per_max_gap * 2 if value_frame else self.per_max_gap)
        if not (close or self.per_before_re.search(" ".join(words)) or _PLACE_LIST.fullmatch(between)):
            return None
        return self._word_after(ctx, anchor[0], anchor[1], money)

    def _word_after(self, ctx: SentenceContext, rel_pos: int, cue: str | None, money: bool = False) -> str | None:
        """The first word after ``rel_pos`` that is not a connector. Word segmentation (the slow
        part) is paid for here only, once a frame has been found, and only on a short window."""
        t = ctx.text
        start = rel_pos + len(t[rel_pos:]) - len(t[rel_pos:].lstrip())
        um = self.unit_re.match(t, start)
        if um is not None:
            unit = self.unit_of.get(" ".join(um.group(0).lower().split()))
            if unit is not None and unit.kind in ("person", "thing") and money and cue in self.per_distributive:
                return um.group(0).split()[0].lower()    # 'mỗi suất quà trị giá 300 nghìn đồng': a rate per 'suất'
            if unit is not None and unit.kind in ("person", "thing", "money"):
                return None      # 'mỗi cộng tác viên', 'mỗi phần quà': per person or thing, not per place
        if cue in self.per_cue_places:
            nxt = t[rel_pos:rel_pos + 20].split()
            if not nxt or nxt[0].lower().strip(",") not in {p.split()[0] for p in self.per_cue_places[cue]}:
                return None
        for tok in tokenize(t[start:start + _WINDOW_CHARS]):
            w = tok.text.lower()
            if w in self.per_connectors or not w[:1].isalpha():
                continue
            if cue in self.per_cue_places and w not in self.per_cue_places[cue]:
                return None
            w = " ".join(w.split())
            return None if w in self.not_places else w
        return None

_WINDOW_CHARS = 40          # enough for 'các cơ sở trợ giúp' after a frame
_COUNT_THEN_WORD = regex.compile(r"(?P<num>\d[\d.,]*)(?=\s+\p{L})")
# a capitalised word (or 'và' / '-' after one) right before: the verb is inside a proper name
_NAME_BEFORE = regex.compile(r"\p{Lu}[\p{L}]*(?:\s+\p{Ll}+)?(?:\s+(?:và|&|-|–))?\s+$")
_LIST_GAP = regex.compile(r"\s*(?:CTXH|công tác xã hội)?\s*(?:,|và|hoặc)\s*")
# where the words about a counted noun end: '35.000 người, trong đó 10% chưa qua đào tạo'
_OWN_PHRASE = regex.compile(r",\s*(?=trong đó|gồm|bao gồm|riêng|\d)", regex.IGNORECASE)
_FRACTION_REST = regex.compile(r"\s*/\s*\d+(?=\s+\p{L})")


def proper_fraction_of_count(t: str, pos: int, value) -> bool:
    """'2/25 viên chức' (a part of a counted total), not '8/8 trung tâm' (all of them) or '1/2 trung
    tâm' (a half): the part is smaller and the total at least 5."""
    m = _FRACTION_REST.match(t, pos)
    if not m:
        return True
    total = int(m.group(0).split("/")[1])
    return value < total and total >= 5
_SLASH_WORD = regex.compile(r"\G\s*/\s*(\p{L}+)")      # 'đồng/người/tháng': người, tháng
_SLASH_PLACE = regex.compile(r"\s*/\s*(\p{L}+(?:\s\p{L}+)?)")
_PLACE_LIST = regex.compile(r"\s*(?:[\p{Ll}]+(?:\s[\p{Ll}]+)?\s*,\s*){0,4}[\p{Ll}]+(?:\s[\p{Ll}]+)?\s*")


def _cut_off(ctx: SentenceContext, uend: int) -> bool:
    """The unit ends where the article ends, and the article ends mid-sentence (a cut excerpt)."""
    art = ctx.article_text or ctx.text
    end = ctx.base + uend
    tail = art[end:]
    return not tail.strip() and not art.rstrip().endswith((".", "!", "?", ")", '"', "”", "…", ";"))


def _words(s: str) -> list[str]:
    """Syllables of ``s``, punctuation-only pieces dropped (so ', nhân viên' counts 2)."""
    return [w for w in s.split() if any(ch.isalnum() for ch in w)]
