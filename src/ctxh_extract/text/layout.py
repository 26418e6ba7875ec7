"""Tell the article body from the page furniture around it, line by line.

News pages saved as text keep their banners, tickers, "related articles" lists
(headline, timestamp, view counter), tag lists and comment forms. Provinces and
numbers in those are not facts of the article (ANNOTATION.md), so every line
gets a label and a body flag. The patterns live in ``rules/boilerplate.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rules import Rules

BODY_LABELS = {"body", "title", "caption_credit"}


@dataclass
class Line:
    start: int          # offsets into the cleaned text, newline excluded
    end: int
    text: str
    label: str = "body"
    rule: str | None = None

    @property
    def is_body(self) -> bool:
        return self.label in BODY_LABELS

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def split_lines(text: str) -> list[Line]:
    lines, pos = [], 0
    for chunk in text.split("\n"):
        lines.append(Line(pos, pos + len(chunk), chunk))
        pos += len(chunk) + 1
    return lines


def classify(text: str, rules: Rules) -> list[Line]:
    """Split ``text`` into lines and label each one (body or a kind of boilerplate)."""
    lines = split_lines(text)
    c = rules.compiled
    for ln in lines:
        if ln.blank:
            ln.label = "blank"
            continue
        s = ln.text.strip()
        for rule, pat, req in c["line_rules"]:
            if pat.fullmatch(s) and (req is None or req.search(s)):
                ln.label, ln.rule = rule.label, rule.name
                break
    _mark_tail(lines, rules)
    _mark_head_duplicates(lines, rules)
    return join_wrapped(text, lines, rules)


_ENDS_SENTENCE = (".", "!", "?", ":", ";", "…", '"', "”", ")", "]")


def join_wrapped(text: str, lines: list[Line], rules: Rules) -> list[Line]:
    """One body line per paragraph: a text copied from a PDF or a fixed-width page breaks its
    sentences across lines ('a) 100% cấp ủy Đảng, chính quyền' / 'các cấp ban hành ... vào năm
    2025;'). A body line that does not end a sentence is joined with the next one when that one
    goes on in lowercase and opens no list item; the joined line keeps the newline inside."""
    markers = [pat for _, pat in rules.compiled.get("outline_markers", [])]
    out: list[Line] = []
    for ln in lines:
        prev = out[-1] if out else None
        if (prev is not None and ln.label == "body" and prev.label == "body" and not ln.blank and not prev.blank
                and not prev.text.rstrip().endswith(_ENDS_SENTENCE)):
            nxt = ln.text.lstrip()
            if nxt[:1].islower() and not any(p.match(nxt) for p in markers):
                prev.end = ln.end
                prev.text = text[prev.start:prev.end]
                continue
        out.append(ln)
    return out


def _is_related_stamp(ln: Line, rules: Rules) -> bool:
    return ln.rule == "bp.related_timestamp"


def _mark_tail(lines: list[Line], rules: Rules) -> None:
    """From the first tail marker to the end, everything is page furniture."""
    c = rules.compiled
    nonblank = [i for i, ln in enumerate(lines) if not ln.blank]
    body_seen = 0
    for pos, i in enumerate(nonblank):
        ln = lines[i]
        s = ln.text.strip()
        hit = None
        for rule, pat, _ in c["tail_rules"]:
            if pat.fullmatch(s):
                hit = (rule.label, rule.name)
                break
        if hit is None and ln.label == "separator":
            ahead = nonblank[pos + 1: pos + 1 + rules.boilerplate.separator_lookahead]
            if any(_is_related_stamp(lines[j], rules) for j in ahead):
                hit = ("related_list", "bp.tail.separator_then_related")
        if hit is None and ln.rule == "bp.related_timestamp" and body_seen:
            hit = ("related_list", "bp.related_timestamp")
            # the headline just before a timestamp belongs to the list too
            if pos > 0 and lines[nonblank[pos - 1]].label == "body":
                i = nonblank[pos - 1]
        if hit and body_seen:
            for ln2 in lines[i:]:
                if not ln2.blank and ln2.label in BODY_LABELS | {"separator", "share"}:
                    ln2.label, ln2.rule = hit
            return
        if ln.label == "body":
            body_seen += 1


def _mark_head_duplicates(lines: list[Line], rules: Rules) -> None:
    """A line near the top that repeats or is cut from a later line is not body."""
    cfg = rules.boilerplate
    nonblank = [ln for ln in lines if not ln.blank]
    head = nonblank[: cfg.head_lines]
    for k, ln in enumerate(head):
        if ln.label != "body":
            continue
        s = ln.text.strip()
        if len(s) < cfg.duplicate_min_chars:
            continue
        for later in nonblank[k + 1:]:
            t = later.text.strip()
            if later.label in BODY_LABELS and (t == s or (len(t) > len(s) and t.startswith(s))):
                ln.label = cfg.duplicate_rule.model_extra.get("label", "duplicate")
                ln.rule = cfg.duplicate_rule.model_extra.get("name", "bp.head_duplicate")
                break


def body_spans(lines: list[Line]) -> list[tuple[int, int]]:
    """Maximal runs of body lines as (start, end) in the cleaned text."""
    spans: list[tuple[int, int]] = []
    for ln in lines:
        if ln.is_body and not ln.blank:
            if spans and _only_blank_between(lines, spans[-1][1], ln.start):
                spans[-1] = (spans[-1][0], ln.end)
            else:
                spans.append((ln.start, ln.end))
    return spans


def _only_blank_between(lines: list[Line], a: int, b: int) -> bool:
    return all(ln.blank for ln in lines if ln.start >= a and ln.end <= b and ln.start < b and ln.end > a)
