"""Title, published date, author and outlet of an article saved as plain text.

HTML and JSONL carry these as markup or fields; plain-text pages carry them as
lines near the top (``15-12-2017 14:28``, ``Thứ năm, 25/09/2014 14:56``), a byline
(``Như Hương``) and a source tag opening the lead (``(ĐCSVN) -``,
``Kinhtedothi -``). Date and byline lines are marked so they are not body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import regex

from .layout import BODY_LABELS, Line
from ..rules import Rules


_ISO_STAMP = regex.compile(r"\s*(?:date|ngày|published)?\s*:?\s*(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d-])",
                           regex.IGNORECASE)
_ANY_DATE = regex.compile(r"(?<!\d)(?P<d>\d{1,2})[/-](?P<m>\d{1,2})[/-](?P<y>(?:19|20)\d\d)(?!\d)"
                          r"|(?<![\d-])(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d-])")


@dataclass
class Metadata:
    title: str | None = None
    title_span: tuple[int, int] | None = None
    published: date | None = None
    author: str | None = None
    outlet: str | None = None
    outlet_name: str | None = None


def find_metadata(lines: list[Line], rules: Rules, known_title: str | None = None) -> Metadata:
    """Read metadata off the labelled lines; relabels date and byline lines."""
    c = rules.compiled
    cfg = rules.metadata
    meta = Metadata()
    body = [ln for ln in lines if ln.label in BODY_LABELS and not ln.blank]
    head = body[: cfg.head_lines]

    # published date: a line that is only a date (and time)
    date_idx = None
    for k, ln in enumerate(head):
        s = ln.text.strip()
        for rule, pat in c["date_rules"]:
            d = _date_of(pat.fullmatch(s))
            if d:
                meta.published = d
                ln.label, ln.rule = "dateline", rule.name
                date_idx = k
                break
        if date_idx is not None:
            break
    if date_idx is None:
        # a meta line with more than the date: 'Cập nhật lúc 07:30, Thứ Hai, 16/10/2023 | Lượt xem: 1.245'
        for k, ln in enumerate(head):
            s = ln.text.strip()
            if len(s.split()) > 15 or not c["meta_line_hint"].search(s):
                continue
            d = _date_of(_ANY_DATE.search(s))
            if d:
                meta.published = d
                ln.label, ln.rule = "dateline", "meta.date.in_meta_line"
                date_idx = k
                break
    if meta.published is None:
        # a crawler's stamp opening the headline: 'date 2025-12-16 Trung tâm ... tổng kết ...'
        for ln in head[:2]:
            d = _date_of(_ISO_STAMP.match(ln.text))
            if d:
                meta.published = d
                break

    # byline: next to the date line near the top, or the last body line
    candidates = []
    if date_idx is not None:
        candidates += [head[j] for j in (date_idx - 1, date_idx + 1) if 0 <= j < len(head)]
    body_now = [ln for ln in lines if ln.label in BODY_LABELS and not ln.blank]
    if len(body_now) > 2:
        candidates.append(body_now[-1])
    for ln in candidates:
        name = _byline(ln.text.strip(), rules)
        if name:
            meta.author = name
            ln.label, ln.rule = "byline", "meta.byline"
            break

    # title: the first headline-like line at the top
    body_now = [ln for ln in lines if ln.label in BODY_LABELS and not ln.blank]
    tcfg = cfg.title.model_extra
    if known_title:
        meta.title = known_title
        for ln in body_now[:3]:
            if ln.text.strip() == known_title.strip():
                ln.label, ln.rule = "title", "meta.title.known"
                meta.title_span = (ln.start, ln.end)
                break
    elif body_now:
        first = body_now[0]
        s = first.text.strip()
        if (tcfg.get("min_chars", 15) <= len(s) <= tcfg.get("max_chars", 250) and not s.endswith((".", ";", ",", "…"))
                and len(body_now) > 1 and not any(p.match(s) for _, p in c["outlet_rules"])):
            meta.title = s
            meta.title_span = (first.start, first.end)
            first.label, first.rule = "title", "meta.title.first_line"

    # outlet: the tag that opens the lead
    for ln in body_now[:4]:
        s = ln.text.lstrip()
        for rule, pat in c["outlet_rules"]:
            m = pat.match(s)
            if m:
                meta.outlet = m.group("outlet").strip()
                meta.outlet_name = cfg.outlet_names.get(meta.outlet)
                return meta
    return meta


def _date_of(m) -> date | None:
    """The date a match's d/m/y groups name, or None (no match, or a 31/02 that is no date)."""
    if not m:
        return None
    try:
        return date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    except ValueError:
        return None


def _byline(s: str, rules: Rules) -> str | None:
    c = rules.compiled
    name = c["byline_prefix_regex"].sub("", s, count=1).strip()
    words = name.split()
    maxw = rules.metadata.byline.model_extra.get("max_words", 5)
    if not (1 <= len(words) <= maxw) or len(name) > 40:
        return None
    if len(words) == 1 and name not in ("PV", "CTV", "TTXVN"):
        return None
    if c["byline_name_regex"].fullmatch(name):
        return name
    return None
