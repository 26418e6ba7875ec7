"""Vietnamese numbers: digits, scale words, written-out numbers, ranges, qualifiers.

Vietnamese writes ``1.500`` for 1500 and ``1,5`` for 1.5, groups thousands with
spaces too (``160 000``), scales with words (``360 nghìn``, ``1,5 triệu``,
``600 triệu đồng``) and writes numbers out (``mười lăm``, ``một trăm linh năm``).
The vocabulary is in ``rules/numbers.json``; qualifier cues (gần, hơn, ít nhất,
...) in ``rules/qualifiers.json``.

>>> p = default_parser()
>>> p.value("1.500"), p.value("160 000"), p.value("1,5"), p.value("03")
(1500, 160000, 1.5, 3)
>>> p.value("360 nghìn"), p.value("1,5 triệu"), p.value("2 tỷ"), p.value("2 triệu rưỡi"), p.value("8,2 tỷ")
(360000, 1500000, 2000000000, 2500000, 8200000000)
>>> p.value("mười lăm"), p.value("ba mươi"), p.value("một trăm linh năm"), p.value("hai nghìn ba trăm")
(15, 30, 105, 2300)
>>> p.value("một số") is None, p.value("hàng trăm") is None, p.value("tư vấn") is None
(True, True, True)
>>> [(m.value, m.value_max, m.qualifier) for m in p.find("có ít nhất từ 01 đến 02 cộng tác viên")]
[(1, 2, 'at_least')]
>>> [(m.value, m.qualifier, m.percent) for m in p.find("chiếm khoảng 30% dân số")]
[(30, 'approx', True)]
>>> [(m.text, m.kind) for m in p.find("năm 2021 có hơn 360 nghìn người")]
[('2021', 'year'), ('360 nghìn', 'cardinal')]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import regex

from ..rules import Rules, alternation, load_rules

# Digits: dot thousands (1.500, 25.000.000, 1.234,5), space thousands (160 000),
# decimal comma (1,5), English decimal with one or two places (12.5), plain (03).
_DIGITS = (
    r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![.,]?\d)"
    r"|\d{1,3}(?:[ ]\d{3})+(?![\d]|[.,]\d)"
    r"|\d+,\d+(?![.,]?\d)"
    r"|\d+\.\d{1,2}(?![.,]?\d)"
    r"|\d+(?![.,]\d)"
)
# A number touching U+FFFD (a byte that could not be decoded), even across its separator
# ('1.\ufffd500', '1\ufffd.500'), is not read at all: any value would be a guess.
_NOT_LETTER_BEFORE = r"(?<![\p{L}\p{N}\ufffd_.,])(?<!\ufffd[.,])"
_NOT_LETTER_AFTER = r"(?![.,]\ufffd)(?:(?![\p{L}\p{N}\ufffd_])|(?=đ(?![\p{L}])))"
MAX_DIGITS = 19          # longer digit runs are identifiers, not numbers (and int() refuses > 4300)


@dataclass
class NumberMention:
    """A number found in text. ``start:end`` spans the number as written
    (a range spans both ends; a percentage includes its ``%``)."""

    start: int
    end: int
    text: str
    value: float | int
    value_max: float | int | None = None
    qualifier: str = "exact"
    qualifier_rule: str | None = None
    qualifier_span: tuple[int, int] | None = None
    kind: str = "cardinal"           # cardinal | year
    words: bool = False              # written out ('mười lăm')
    weak: bool = False               # only a weak word such as 'một'
    percent: bool = False
    number_end: int = 0              # end of the number before any '%'


def _num(v: float) -> float | int:
    """Integers as int; '8,2 tỷ' is 8.2 * 1e9 = 8199999999.999999 in floats, so a value of 1 or
    more within a billionth (relative) of an integer is that integer."""
    if isinstance(v, float):
        r = round(v)
        if v.is_integer() or (abs(v) >= 1 and math.isclose(v, r, rel_tol=1e-9)):
            return int(r)
        return round(v, 6)
    return v


class NumberParser:
    """Finds and parses numbers; built once per rules directory."""

    def __init__(self, rules: Rules):
        nr = rules.numbers
        self.digits_words = {k.lower(): v for k, v in nr.digits.items()}
        self.ten = {w.lower() for w in nr.ten}
        self.tens_marker = {w.lower() for w in nr.tens_marker}
        self.hundred = {w.lower() for w in nr.hundred}
        self.zero_tens = {w.lower() for w in nr.zero_tens}
        self.scales = {k.lower(): v for k, v in nr.scales.items()}
        self.half = {w.lower() for w in nr.half}
        self.only_after_tens = {w.lower() for w in nr.only_after_tens}
        col = nr.colloquial.model_extra if nr.colloquial is not None else {}
        self.unit_not_after_tens = {w.lower() for w in col.get("unit_not", [])}
        self.not_after_ten = {w.lower() for w in nr.not_after_ten}
        self.not_after_tens_marker = {w.lower() for w in nr.not_after_tens_marker}
        self.tens_not = {w.lower() for w in col.get("tens_not", [])}
        self.colloquial = nr.colloquial is not None
        vague = nr.vague.words
        self.weak = {w.lower() for w in nr.weak_words.words}
        words = set(self.digits_words) | self.ten | self.tens_marker | self.hundred | self.zero_tens | set(self.scales) | self.half
        word_alt = alternation(words, False)
        self.atom_re = regex.compile(
            rf"{_NOT_LETTER_BEFORE}(?:(?P<dig>{_DIGITS})|(?P<word>{word_alt})){_NOT_LETTER_AFTER}",
            regex.IGNORECASE,
        )
        self.vague_re = regex.compile(
            r"(?<![\p{L}])(?:" + alternation(vague) + r")(?![\p{L}])",
            regex.IGNORECASE,
        )
        joiners = [j for j in nr.range_joiners if j != "hoặc"]
        self.range_gap_re = regex.compile(
            r"\s*%?\s*(?:" + alternation(joiners, False) + r")\s*$",
            regex.IGNORECASE,
        )
        pw = alternation(nr.percent_words, False)
        self.percent_re = regex.compile(rf"\s*(?:{pw})", regex.IGNORECASE)
        q = rules.qualifiers
        fillers = alternation(q.fillers, False)
        self.before_cues = []
        self.after_cues = []
        for r in sorted(q.rules, key=lambda r: len(r.cue), reverse=True):
            cue = regex.escape(r.cue).replace("\\ ", r"\s+")
            if r.direction == "before":
                pat = regex.compile(rf"(?<![\p{{L}}])(?P<cue>{cue})\s+(?:(?:{fillers})\s+){{0,2}}$", regex.IGNORECASE)
                self.before_cues.append((r, pat))
            else:
                words_gap = r"(?:\s+\S+){0," + str(max(r.max_words, 0)) + r"}?"
                pat = regex.compile(rf"^{words_gap}\s+(?P<cue>{cue})(?![\p{{L}}])", regex.IGNORECASE)
                self.after_cues.append((r, pat))
        sg = q.shared_gap.model_extra.get("regex") if q.shared_gap is not None else None
        self.shared_gap_re = regex.compile(sg, regex.IGNORECASE) if sg else None
        self.year_before_re = regex.compile(
            r"(?:năm|giai đoạn|niên khóa|từ|đến|tới|cuối|đầu|hết|\(|-|–)\s*$", regex.IGNORECASE)

    # ------------------------------------------------------------------ values
    def value(self, s: str) -> float | int | None:
        """The value of one number expression, or None if it is not one."""
        ms = self.find(s)
        if len(ms) == 1 and ms[0].start == 0 and ms[0].end == len(s.rstrip()) and ms[0].value_max is None:
            return ms[0].value
        return None

    def _group(self, ws: list[str], after_scale: bool = False) -> int | None:
        """A group below 1000 written in words, or None. After a scale word a
        group may open with 'linh' ('hai nghìn linh năm' = 2005). Colloquial forms
        (``rules/numbers.json`` 'colloquial'): 'hai mốt' = 21, 'một trăm hai' = 120,
        'một trăm bẩy ba' = 173; a bare pair counting up by one ('sáu bảy') is a range
        and gives None here (see :meth:`_pair_range`)."""
        d = self.digits_words
        if not ws:
            return None
        if after_scale and ws[0] in self.zero_tens:
            ws = ["không", "trăm"] + ws
        val, i = 0, 0
        has_hundreds = False
        if len(ws) >= 2 and ws[1] in self.hundred and ws[0] in d and ws[0] not in self.only_after_tens:
            val += d[ws[0]] * 100
            has_hundreds = True
            i = 2
            if i == len(ws):
                return val
            if ws[i] in self.half and i + 1 == len(ws):
                return val + 50
            if ws[i] in self.zero_tens:
                tail = ws[i + 1] if i + 2 == len(ws) else None     # 'linh năm' = 5; colloquial 'lẻ tư' = 4
                if tail in d and 1 <= d[tail] <= 9 and (tail not in self.only_after_tens
                                                        or (self.colloquial and d[tail] == 4)):
                    return val + d[tail]
                return None
        rest = ws[i:]
        if not rest:
            return val
        if rest[0] in self.ten:
            val += 10
            tail = rest[1:]
            if not tail:
                return val
            if len(tail) == 1 and tail[0] in d and tail[0] not in self.not_after_ten and d[tail[0]] >= 1:
                return val + d[tail[0]]
            return None
        if len(rest) >= 2 and rest[1] in self.tens_marker and rest[0] in d and d[rest[0]] >= 2 \
                and rest[0] not in self.only_after_tens:
            val += d[rest[0]] * 10
            tail = rest[2:]
            if not tail:
                return val
            if len(tail) == 1 and tail[0] in d and tail[0] not in self.not_after_tens_marker and d[tail[0]] >= 1:
                return val + d[tail[0]]
            return None
        if self.colloquial and len(rest) == 2 and self._tens_units(rest):
            t, u = d[rest[0]], d[rest[1]]
            if u == t + 1 and rest[1] not in self.only_after_tens and not (has_hundreds or after_scale):
                return None        # 'sáu bảy' alone: six or seven
            return val + t * 10 + u
        if len(rest) == 1 and rest[0] in d and d[rest[0]] >= 1:
            if not has_hundreds and rest[0] not in self.only_after_tens:
                return val + d[rest[0]]
            if has_hundreds and self.colloquial and rest[0] not in ("lăm", "nhăm"):
                return val + d[rest[0]] * 10          # 'một trăm hai' = 120, 'một trăm mốt' = 110
        return None

    def _tens_units(self, ws: list[str]) -> bool:
        """'hai mốt', 'bốn ba', 'năm lăm': a tens digit word then a unit digit word, no 'mươi'."""
        d = self.digits_words
        return (ws[0] in d and ws[1] in d and 2 <= d[ws[0]] <= 9 and ws[0] not in self.only_after_tens
                and ws[0] not in self.tens_not and ws[1] not in self.unit_not_after_tens and d[ws[1]] >= 1)

    def _pair_range(self, ph: list) -> tuple[int, int] | None:
        """'sáu bảy người', 'hai ba cán bộ': two digit words counting up by one read as 'this or
        that', a range (never 67 or 6)."""
        if not self.colloquial or len(ph) != 2 or any(k != "word" for _, _, k, _ in ph):
            return None
        d = self.digits_words
        a, b = ph[0][3], ph[1][3]
        if a in d and b in d and a not in self.only_after_tens and b not in self.only_after_tens \
                and a not in self.tens_not - {"một"} and 1 <= d[a] <= 8 and d[b] == d[a] + 1 and b not in ("năm",):
            return d[a], d[b]
        return None

    def _phrase_value(self, atoms: list[tuple[str, str]]) -> float | None:
        """Atoms are ('dig', text) or ('word', lowercase word), adjacent in the text."""
        total = 0.0
        seg: list[tuple[str, str]] = []
        last_scale = None
        i = 0
        n = len(atoms)
        while i <= n:
            if i < n and atoms[i][0] == "word" and atoms[i][1] in self.scales:
                scale = self.scales[atoms[i][1]]
                while i + 1 < n and atoms[i + 1][0] == "word" and atoms[i + 1][1] in self.scales:
                    i += 1
                    scale *= self.scales[atoms[i][1]]
                base = self._seg_value(seg)
                if base is None and not seg and last_scale is None and self.colloquial and i + 1 < n \
                        and atoms[i + 1][0] == "word" and (atoms[i + 1][1] in self.half or atoms[i + 1][1] in self.digits_words):
                    base = 1.0           # 'nghìn mốt' = 1,100, 'nghìn rưỡi' = 1,500
                if base is None or (last_scale is not None and scale >= last_scale):
                    return None
                total += base * scale
                last_scale = scale
                seg = []
                if i + 1 < n and atoms[i + 1][0] == "word" and atoms[i + 1][1] in self.half:
                    total += 0.5 * scale
                    i += 1
                    if i + 1 < n:
                        return None
                i += 1
                continue
            if i == n:
                break
            seg.append(atoms[i])
            i += 1
        if seg:
            if self.colloquial and last_scale is not None and len(seg) == 1 and seg[0][0] == "word" \
                    and seg[0][1] in self.digits_words and self.digits_words[seg[0][1]] >= 1 \
                    and seg[0][1] not in ("lăm", "nhăm"):
                return total + self.digits_words[seg[0][1]] * last_scale / 10   # 'hai nghìn ba' = 2,300
            base = self._seg_value(seg, after_scale=last_scale is not None)
            if base is None:
                return None
            total += base
        elif last_scale is None:
            return None
        return total

    def _seg_value(self, seg: list[tuple[str, str]], after_scale: bool = False) -> float | None:
        if not seg:
            return None
        if len(seg) == 1 and seg[0][0] == "dig":
            return _digits_value(seg[0][1])
        if len(seg) == 2 and seg[0][0] == "dig" and seg[1][0] == "word" and seg[1][1] in self.hundred:
            v = _digits_value(seg[0][1])
            return v * 100 if v is not None and v < 10 else None
        if any(t == "dig" for t, _ in seg):
            return None
        g = self._group([w for _, w in seg], after_scale)
        return float(g) if g is not None else None

    # ------------------------------------------------------------------ finding
    def find(self, text: str) -> list[NumberMention]:
        """Every number in ``text`` with range, percent, qualifier and kind."""
        blocked = [(m.start(), m.end()) for m in self.vague_re.finditer(text)]
        atoms = []
        for m in self.atom_re.finditer(text):
            if any(a <= m.start() < b for a, b in blocked):
                continue
            kind = "dig" if m.group("dig") is not None else "word"
            atoms.append((m.start(), m.end(), kind, m.group(0) if kind == "dig" else m.group(0).lower()))
        phrases = self._phrases(text, atoms)
        mentions = [self._mention(text, ph) for ph in phrases]
        mentions = [m for m in mentions if m is not None]
        mentions = self._ranges(text, mentions)
        for m in mentions:
            self._percent(text, m)
            self._qualify(text, m)
            self._year(text, m)
        self._share_qualifiers(text, mentions)
        return mentions

    def _share_qualifiers(self, text: str, ms: list[NumberMention]) -> None:
        """'dưới 6% vào năm 2026 và 5% vào năm 2029': the second goal shares the first's qualifier."""
        if self.shared_gap_re is None:
            return
        prev = None
        for m in ms:
            if m.kind == "year":
                continue
            if prev is not None and m.qualifier == "exact" and prev.qualifier != "exact" and m.percent == prev.percent \
                    and self.shared_gap_re.fullmatch(text, prev.end, m.start):
                m.qualifier, m.qualifier_rule = prev.qualifier, (prev.qualifier_rule or "") + "+shared"
            prev = m

    def _phrases(self, text: str, atoms: list) -> list[list]:
        """Group adjacent atoms (only spaces between) into number phrases."""
        phrases: list[list] = []
        cur: list = []
        for a in atoms:
            if cur:
                gap = text[cur[-1][1]:a[0]]
                prev_kind = cur[-1][2]
                adjacent = gap.strip() == "" and "\n" not in gap and len(gap) <= 2
                # a word right before/after digits is not part of them ('năm 2021', '10 năm'),
                # except scale words ('360 nghìn') and 'trăm'
                after_scale = prev_kind == "word" and cur[-1][3] in self.scales and len(cur) > 1
                mixes = (prev_kind == "word" and a[2] == "dig" and not after_scale) or (
                    prev_kind == "dig" and a[2] == "word" and a[3] not in self.scales
                    and a[3] not in self.hundred and a[3] not in self.half) or (
                    prev_kind == "dig" and a[2] == "dig")
                if adjacent and not mixes:
                    cur.append(a)
                    continue
                if not (adjacent and prev_kind == "word" and a[2] == "dig" and not after_scale):
                    phrases.append(cur)  # words right before digits ('năm 2021') are dropped
            cur = [a]
        if cur:
            phrases.append(cur)
        # a phrase that does not parse is cut down from the right until it does
        out = []
        for ph in phrases:
            while ph:
                if self._pair_range(ph) is not None or self._phrase_value([(k, t) for _, _, k, t in ph]) is not None:
                    out.append(ph)
                    break
                ph = ph[:-1]
        return out

    def _mention(self, text: str, ph: list) -> NumberMention | None:
        pair = self._pair_range(ph)
        if pair is not None:
            start, end = ph[0][0], ph[-1][1]
            return NumberMention(start, end, text[start:end], pair[0], pair[1], words=True, number_end=end)
        v = self._phrase_value([(k, t) for _, _, k, t in ph])
        if v is None:
            return None
        words = all(k == "word" for _, _, k, _ in ph)
        start, end = ph[0][0], ph[-1][1]
        weak = words and len(ph) == 1 and ph[0][3] in self.weak
        if words and len(ph) == 1 and ph[0][3] in ("không",):
            return None
        return NumberMention(start, end, text[start:end], _num(v), words=words, weak=weak, number_end=end)

    def _ranges(self, text: str, ms: list[NumberMention]) -> list[NumberMention]:
        out: list[NumberMention] = []
        i = 0
        while i < len(ms):
            a = ms[i]
            if i + 1 < len(ms):
                b = ms[i + 1]
                gap = text[a.end:b.start]
                if len(gap) <= 8 and self.range_gap_re.match(gap) and "\n" not in gap:
                    lo, hi = a.value, b.value
                    scale = _trailing_scale(b.text, self.scales)
                    if scale and not _trailing_scale(a.text, self.scales) and lo * scale <= hi:
                        lo = lo * scale
                    if lo < hi:
                        out.append(NumberMention(a.start, b.end, text[a.start:b.end], _num(lo), _num(hi),
                                                 words=a.words and b.words, number_end=b.end))
                        i += 2
                        continue
            out.append(a)
            i += 1
        return out

    def _percent(self, text: str, m: NumberMention) -> None:
        pm = self.percent_re.match(text, m.end)
        if pm:
            m.percent = True
            m.end = pm.end()
            m.text = text[m.start:m.end]

    def _qualify(self, text: str, m: NumberMention) -> None:
        window = text[max(0, m.start - 40):m.start]
        for rule, pat in self.before_cues:
            qm = pat.search(window)
            if qm:
                off = m.start - len(window)
                m.qualifier, m.qualifier_rule = rule.qualifier, rule.name
                m.qualifier_span = (off + qm.start("cue"), off + qm.end("cue"))
                return
        after = text[m.end:m.end + 60].split("\n", 1)[0]
        for rule, pat in self.after_cues:
            qm = pat.search(after)
            if qm:
                m.qualifier, m.qualifier_rule = rule.qualifier, rule.name
                m.qualifier_span = (m.end + qm.start("cue"), m.end + qm.end("cue"))
                return

    def _year(self, text: str, m: NumberMention) -> None:
        def is_year(v) -> bool:
            return isinstance(v, int) and 1900 <= v <= 2100
        plain = _YEARISH.fullmatch(m.text)
        if not plain or m.percent or not is_year(m.value):
            return
        if m.value_max is not None and is_year(m.value_max):
            m.kind = "year"
            return
        if self.year_before_re.search(text[max(0, m.start - 14):m.start]):
            m.kind = "year"


_DOT_THOUSANDS = regex.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_SPACE_THOUSANDS = regex.compile(r"\d{1,3}(?:[ ]\d{3})+")
_DECIMAL_COMMA = regex.compile(r"\d+,\d+")
_DECIMAL_DOT = regex.compile(r"\d+\.\d{1,2}")
_YEARISH = regex.compile(r"\d{4}(?:\s*[-–—]\s*\d{4}|\s*(?:đến|tới)\s*\d{4})?")


def _digits_value(s: str) -> float | None:
    s = s.strip()
    if sum(ch.isdigit() for ch in s) > MAX_DIGITS:
        return None
    if s.isdigit():
        return float(int(s))
    if _DOT_THOUSANDS.fullmatch(s):
        return float(s.replace(".", "").replace(",", "."))
    if _SPACE_THOUSANDS.fullmatch(s):
        return float(s.replace(" ", ""))
    if _DECIMAL_COMMA.fullmatch(s):
        return float(s.replace(",", "."))
    if _DECIMAL_DOT.fullmatch(s):
        return float(s)
    return None


def _trailing_scale(s: str, scales: dict[str, int]) -> int | None:
    last = s.split()[-1].lower() if s.split() else ""
    return scales.get(last)


@lru_cache(maxsize=1)
def default_parser() -> NumberParser:
    """A parser on the project's own rules (for doctests and quick use)."""
    return parser_for(load_rules())


def parser_for(rules: Rules) -> NumberParser:
    return rules.cached("number_parser", NumberParser)
