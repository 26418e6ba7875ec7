"""Title, published date, author and outlet of an article, agreeing with each other.

HTML and JSONL carry these as markup or fields; plain-text pages carry them as
lines near the top (``15-12-2017 14:28``, ``Thứ năm, 25/09/2014 14:56``), a byline
(``Như Hương``) and a source tag opening the lead (``(ĐCSVN) -``,
``Kinhtedothi -``). Date and byline lines are marked so they are not body.

What is stored must agree with itself (``rules/metadata.json``): the outlet is
always the outlet's name (a known tag such as ``ĐCSVN`` becomes the name it
stands for), the author never holds the outlet (``Minh Châu - Báo Quảng Ngãi``),
and an official document's letterhead (``ỦY BAN NHÂN DÂN``, ``Số: 325/KH-UBND``)
is never its title: a plan's title is its ``KẾ HOẠCH`` heading and the line(s)
under it.
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
    outlet: str | None = None          # the source tag as written ('ĐCSVN'); see outlet_and_author
    outlet_name: str | None = None     # the name it stands for, when rules/metadata.json knows it


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

    # title: a document's heading, else the first headline-like line at the top; never a letterhead
    body_now = [ln for ln in lines if ln.label in BODY_LABELS and not ln.blank]
    tcfg = cfg.title.model_extra
    if known_title and not is_letterhead(known_title, rules):
        meta.title = known_title
        for ln in body_now[:3]:
            if ln.text.strip() == known_title.strip():
                ln.label, ln.rule = "title", "meta.title.known"
                meta.title_span = (ln.start, ln.end)
                break
    elif (doc := _document_title(lines, rules)) is not None:
        meta.title, meta.title_span = doc
    elif body_now:
        first = body_now[0]
        s = first.text.strip()
        if (tcfg.get("min_chars", 15) <= len(s) <= tcfg.get("max_chars", 250) and not s.endswith((".", ";", ",", "…"))
                and len(body_now) > 1 and not any(p.match(s) for _, p in c["outlet_rules"])
                and not is_letterhead(s, rules)):
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


def is_letterhead(line: str, rules: Rules) -> bool:
    s = line.strip()
    return any(p.fullmatch(s) for p in rules.compiled["letterhead"])


def _document_title(lines: list[Line], rules: Rules) -> tuple[str, tuple[int, int]] | None:
    """'KẾ HOẠCH' and the line(s) under it, when such a heading opens an official document."""
    cfg = rules.metadata.document_title
    c = rules.compiled
    if cfg is None:
        return None
    seen = 0
    for i, ln in enumerate(lines):
        if ln.blank:
            continue
        seen += 1
        if seen > cfg.head_lines:
            return None
        if ln.label not in BODY_LABELS or not c["doc_heading"].match(ln.text.strip()):
            continue
        parts = [ln]
        for nxt in lines[i + 1:]:
            t = nxt.text.strip()
            if len(parts) > cfg.max_lines_under or not t or nxt.label not in BODY_LABELS:
                break
            if (c["body_opener"].match(t) or regex.match(r"(?:[IVXLC]+|\d+)[.)]\s", t) or t.endswith((":", ";"))
                    or len(t) > rules.metadata.title.model_extra.get("max_chars", 250)):
                break
            parts.append(nxt)
        for p in parts:
            p.label, p.rule = "title", "meta.title.document"
        return " ".join(" ".join(p.text.split()) for p in parts), (parts[0].start, parts[-1].end)   # wraps joined
    return None


def outlet_and_author(site_name: str | None, author: str | None, meta: Metadata,
                      rules: Rules) -> tuple[str | None, str | None]:
    """(outlet, author) as stored. The outlet is a name: the page's site name, else the source tag
    of the text, each turned into the name rules/metadata.json gives it; the author is the person
    (an outlet inside it, 'Minh Châu - Báo Quảng Ngãi', goes; an author that is only an outlet,
    'TTXVN', becomes the outlet when there is none)."""
    names = rules.metadata.outlet_names
    known = {k.casefold() for k in names} | {v.casefold() for v in names.values()}
    outlet = _name(site_name, names) or _name(meta.outlet, names)
    if not author:
        return outlet, None
    c = rules.compiled
    people, outlets = [], []
    for part in regex.split(r"\s+[-–—|/]\s+|\s*[|/,;()]\s*", author):
        part = part.strip(" .:-–—")
        if not part:
            continue
        bare = c["outlet_prefix"].sub("", part).strip()
        if bare.casefold() in known or (outlet and bare.casefold() == outlet.casefold()) or c["outlet_word"].search(bare):
            outlets.append(bare)
        else:
            people.append(part)
    outlet = outlet or (_name(outlets[0], names) if outlets else None)
    return outlet, ", ".join(people) or None


def _name(outlet: str | None, names: dict[str, str]) -> str | None:
    if not outlet or not outlet.strip():
        return None
    o = outlet.strip()
    return names.get(o) or next((v for k, v in names.items() if k.casefold() == o.casefold()), o)


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
