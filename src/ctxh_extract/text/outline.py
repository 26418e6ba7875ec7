"""The document outline: the body as a tree, so goals can take the period and target
flag of what stands above them.

Plan texts list goals under headings (``I. MỤC TIÊU`` / ``2. Mục tiêu cụ thể`` /
``a) Giai đoạn 2021 - 2025``) and list heads (a line ending in ``:``), and a plan's
own header names its horizon (``KẾ HOẠCH ... giai đoạn 2021-2030``). News text
does the same in miniature (``Mục tiêu đến năm 2025: ...; ...``). The outline reads
the body lines into a tree of nodes::

    document
      plan_header            the plan's title lines; its period is the horizon
      heading                a numbered or short keyword line
        list_head            a paragraph or item that ends in ':' and heads the items after it
          item               '-', '+', 'a)', '1.' lines
            sentence
              clause         split at ';' and ':'
        paragraph

Periods and cues are attached to the node where they are stated; a named phase
(``giai đoạn II (2026 - 2030)``) is registered where the text defines it and
resolved where it is referred to (``giai đoạn 2``, ``giai đoạn này``). The
extractors walk up from a figure's clause (:meth:`Outline.scopes`); the rules of
that walk are in :mod:`ctxh_extract.extract.targets`. Patterns are in
``rules/outline.json``.

>>> from ctxh_extract.rules import load_rules
>>> from ctxh_extract.text.layout import classify
>>> from ctxh_extract.text.segment import split_sentences
>>> t = "KẾ HOẠCH\\nPhát triển công tác xã hội giai đoạn 2021-2030\\nI. MỤC TIÊU\\na) Giai đoạn 2021 - 2025:\\n- Đạt 60% số xã có cộng tác viên."
>>> r = load_rules(); lines = classify(t, r)
>>> o = build_outline(t, lines, split_sentences(t, lines), r)
>>> print(o.render(width=60))
document (plan; horizon 2021-2030)
  plan_header [2021-2030]: KẾ HOẠCH / Phát triển công tác xã hội giai đoạn 2021-2030
  heading I. [target]: I. MỤC TIÊU
    heading a) [2021-2025] list head: a) Giai đoạn 2021 - 2025:
      item -: - Đạt 60% số xã có cộng tác viên.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from ..rules import Rules
from .cues import Cue, find_cues
from .layout import Line
from .periods import Period, find_periods
from .segment import Sentence
from .tables import find_tables

HEADING = "heading"
ITEM = "item"
PARAGRAPH = "paragraph"
PLAN_HEADER = "plan_header"
_SENTENCE_END = (".", ";", ",", "!", "?", "…")
_TOP_STYLES = {"article", "part", "roman"}
_CLAUSE_END = regex.compile(r"[;:](?=\s|$)")
_LETTERS = regex.compile(r"\p{L}")


@dataclass(eq=False)
class Node:
    """One node of the outline; offsets are into the cleaned text."""

    kind: str
    start: int
    end: int
    text: str
    style: str | None = None            # marker style (roman, number, letter, dash, ...) or plain/upper
    marker: str | None = None           # the marker as written ('I.', 'a)', '-')
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)     # stated in this node's own text (no baselines, no dates)
    cues: list[Cue] = field(default_factory=list)
    polarity: str | None = None         # what this node says of the figures under it: target | achieved
    polarity_rule: str | None = None
    list_head: bool = False             # ends in ':' (its items continue it)
    intro: Period | None = None         # the period it introduces for what stands under it
    line_head: Period | None = None     # a paragraph opening 'Giai đoạn 1 (2011-2015): ...' (for all its sentences)

    def ancestors(self):
        n = self.parent
        while n is not None:
            yield n
            n = n.parent

    def add(self, child: "Node") -> "Node":
        child.parent = self
        self.children.append(child)
        return child

    @property
    def label(self) -> str:
        bits = [self.kind]
        if self.marker and self.kind != PLAN_HEADER:
            bits.append(self.marker)
        tags = []
        if self.intro is not None:
            tags.append(_years(self.intro))
        if self.polarity and self.kind == HEADING:
            tags.append(self.polarity)
        out = " ".join(bits) + (f" [{'; '.join(tags)}]" if tags else "")
        return out + (" list head" if self.list_head and self.kind != PLAN_HEADER else "")


@dataclass
class Outline:
    root: Node
    is_plan: bool = False
    is_report: bool = False
    horizon: Period | None = None
    title_horizon: Period | None = None      # news: the period of the plan its title names
    header: Node | None = None
    line_node: dict[int, Node] = field(default_factory=dict)        # line index -> node
    phase_refs: dict[int, list[Period]] = field(default_factory=dict)  # sentence start -> resolved phase references
    phases: dict[int, tuple[int, int]] = field(default_factory=dict)   # phase number -> years, as defined
    programme_refs: dict[int, Period] = field(default_factory=dict)    # sentence start -> the named programme's period
    tables: list = field(default_factory=list)                         # flattened tables (text/tables.py)
    cues: dict[int, list[Cue]] = field(default_factory=dict)           # sentence start -> its cues
    periods: dict[int, list[Period]] = field(default_factory=dict)     # sentence start -> its periods (all kinds)

    def node_of(self, sentence: Sentence) -> Node | None:
        return self.line_node.get(sentence.line_index)

    def scopes(self, sentence: Sentence) -> list[Node]:
        """The nodes above a sentence that can give it a period or a target flag, nearest
        first: its line's list head, the headings above, the plan header."""
        node = self.node_of(sentence)
        if node is None:
            return [self.header] if self.header is not None else []
        out = [a for a in node.ancestors() if a.kind != "document" and (a.kind == HEADING or a.list_head)]
        if self.header is not None and self.header not in out:
            out.append(self.header)
        return out

    def heading_of(self, sentence: Sentence) -> Node | None:
        """The nearest heading above (or at) a sentence's line: a plan section resets there."""
        node = self.node_of(sentence)
        if node is None:
            return None
        if node.kind == HEADING:
            return node
        return next((a for a in node.ancestors() if a.kind == HEADING), None)

    def render(self, width: int = 100) -> str:
        """The tree as indented text (what ``ctxh explain`` prints)."""
        head = "document"
        info = []
        if self.is_plan:
            info.append("plan")
        if self.is_report:
            info.append("report")
        if self.horizon is not None:
            info.append("horizon " + _years(self.horizon))
        if self.phases:
            info.append("phases " + ", ".join(f"{k}: {a}-{b}" for k, (a, b) in sorted(self.phases.items())))
        lines = [head + (f" ({'; '.join(info)})" if info else "")]

        def walk(n: Node, depth: int) -> None:
            text = " / ".join(s.strip() for s in n.text.split("\n") if s.strip())
            room = max(30, width - 2 * depth)
            if len(text) > room:
                text = text[: room - 1].rstrip() + "…"
            lines.append("  " * depth + f"{n.label}: {text}")
            kids = n.children
            sents = [c for c in kids if c.kind == "sentence"]
            if len(sents) == 1 and not sents[0].children:     # a line that is one sentence: nothing to add
                kids = [c for c in kids if c.kind != "sentence"]
            elif len(sents) == 1:                           # one sentence of several clauses: show the clauses
                kids = [c for c in kids if c.kind != "sentence"] + sents[0].children
            for c in kids:
                walk(c, depth + 1)

        for c in self.root.children:
            walk(c, 1)
        return "\n".join(lines)


def _years(p: Period) -> str:
    a = "" if p.start is None else str(p.start)
    b = "" if p.end is None else str(p.end)
    return a if a == b else f"{a}-{b}"


def real_periods(periods: list[Period]) -> list[Period]:
    """Periods that can be a fact's period: not a baseline ('so với năm 2020'), not a date."""
    return [p for p in periods if p.kind not in ("baseline", "date")]


class _Builder:
    """How lines are read: markers, capitals, heading words (rules/outline.json)."""

    def __init__(self, rules: Rules):
        self.c = rules.compiled
        self.cfg = rules.outline
        self.items = set(self.cfg.item_styles)

    # ------------------------------------------------------------------ lines
    def marker(self, s: str) -> tuple[str, str, str] | None:
        """(style, marker, name) of a line's leading list marker, or None."""
        for rule, pat in self.c["outline_markers"]:
            m = pat.match(s)
            if m and m.end() < len(s):
                return rule.style, s[: m.end()].strip(), rule.name
        return None

    def is_upper(self, s: str) -> bool:
        letters = _LETTERS.findall(s)
        return len(letters) >= 4 and all(not ch.islower() for ch in letters)

    def heading_polarity(self, s: str, cues: list[Cue]) -> tuple[str | None, str | None]:
        strong = [c for c in cues if not c.weak]
        if strong:
            return strong[-1].polarity, "heading:" + strong[-1].rule
        low = s.lower()
        hits = []
        for pol, pat in (("target", self.c["heading_target"]), ("achieved", self.c["heading_achieved"])):
            for m in pat.finditer(low):
                hits.append((m.start(), pol))
        if hits:
            pol = min(hits)[1]
            return pol, f"heading.{pol}_word"
        return None, None

    def keyword_heading(self, s: str) -> bool:
        low = s.lower()
        return bool(self.c["heading_target"].search(low) or self.c["heading_achieved"].search(low)
                    or self.c["heading_period_only"].match(low))


def build_outline(text: str, lines: list[Line], sentences: list[Sentence], rules: Rules,
                  published_year: int | None = None, title_line: int | None = None) -> Outline:
    """The outline of the body lines of ``text`` (cleaned); ``title_line`` (index into
    ``lines``) is the article's headline, which heads nothing."""
    b = _Builder(rules)
    root = Node("document", 0, len(text), "")
    out = Outline(root)
    by_line: dict[int, list[Sentence]] = {}
    for s in sentences:
        by_line.setdefault(s.line_index, []).append(s)
    body = [(i, ln) for i, ln in enumerate(lines) if ln.is_body and not ln.blank]
    cfg = rules.outline.plan_header

    # the plan header: a capitalised 'KẾ HOẠCH' line near the top, with the title lines under it
    header_lines: set[int] = set()
    letterhead: set[int] = set()          # the lines above a plan's header (issuer, number, place and date)
    for k, (i, ln) in enumerate(body[: cfg.max_line]):
        s = ln.text.strip()
        if b.c["plan_header"].match(s):
            letterhead = {j for j, _ in body[:k]}
            header_lines.add(i)
            for j, ln2 in body[k + 1: k + 1 + cfg.title_lines]:
                t = ln2.text.strip()
                if t.endswith(_SENTENCE_END) or b.marker(t) or t.lower().startswith(("căn cứ", "thực hiện quyết định")):
                    break
                header_lines.add(j)
            out.is_plan = True
            break
        if b.c["report_header"] is not None and b.c["report_header"].match(s):
            out.is_report = True
            break
    if header_lines:
        idx = sorted(header_lines)
        first, last = lines[idx[0]], lines[idx[-1]]
        htext = text[first.start:last.end]
        periods = real_periods(find_periods(htext, rules, first.start))
        ranges = [p for p in periods if p.kind == "range"] or [p for p in periods if p.kind == "until"] or periods
        hdr = Node(PLAN_HEADER, first.start, last.end, htext, style="plan_header", periods=periods,
                   polarity="target", polarity_rule="outline.plan_header")
        hdr.intro = ranges[0] if ranges else None
        out.header = hdr
        out.horizon = hdr.intro
        for i in idx:
            out.line_node[i] = hdr

    stack: list[Node] = [root]

    def pop_items() -> None:
        while len(stack) > 1 and (stack[-1].kind in (ITEM, PARAGRAPH)):
            stack.pop()

    for i, ln in body:
        if i in header_lines:
            if out.header is not None and out.header.parent is None:
                root.add(out.header)
            continue
        s = ln.text.strip()
        lead = len(ln.text) - len(ln.text.lstrip())
        start, end = ln.start + lead, ln.end
        cues, periods = [], []
        for s_ in by_line.get(i, []):
            out.cues[s_.start] = found_c = find_cues(s_.text, rules, s_.start, published_year)
            out.periods[s_.start] = found_p = find_periods(s_.text, rules, s_.start)
            cues += found_c
            periods += real_periods(found_p)
        plain = i == title_line or i in letterhead      # a headline or a letterhead line heads nothing
        mk = b.marker(s) if not plain else None
        ends_colon = s.rstrip().endswith(":")
        short = len(s) <= b.cfg.heading_max_chars and not s.endswith(_SENTENCE_END)
        if mk is not None:
            style, marker, _ = mk
            is_heading = style not in b.items and (short or b.is_upper(s))
            kind = HEADING if is_heading else ITEM
            # a marker style already open is a sibling: close everything below it; a top-level heading
            # ('I.', 'Điều 1.', 'Phần II') also closes the paragraphs that introduced the plan's body
            pos = max((k for k, n in enumerate(stack) if k and n.style == style), default=None)
            if pos is not None:
                del stack[pos:]
            elif is_heading and style in _TOP_STYLES:
                while len(stack) > 1 and stack[-1].kind in (ITEM, PARAGRAPH):
                    stack.pop()
            node = Node(kind, start, end, s, style=style, marker=marker, periods=periods, cues=cues)
        elif not plain and short and len(s) >= 4 and (
                b.is_upper(s) or (b.keyword_heading(s) and len(s.split()) <= b.cfg.heading_max_words and "," not in s)):
            style = "upper" if b.is_upper(s) else ("plain_period" if b.c["heading_period_only"].match(s.lower()) else "plain")
            pos = max((k for k, n in enumerate(stack) if k and n.style == style), default=None)
            if pos is not None:
                del stack[pos:]
            else:
                pop_items()
            node = Node(HEADING, start, end, s, style=style, periods=periods, cues=cues)
        else:
            pop_items()
            node = Node(PARAGRAPH, start, end, s, style="para", periods=periods, cues=cues)
        node.list_head = ends_colon
        if node.kind == HEADING:
            node.polarity, node.polarity_rule = b.heading_polarity(s, cues)
        elif node.list_head:
            strong = [c for c in cues if not c.weak]
            if strong:
                node.polarity, node.polarity_rule = strong[-1].polarity, "list_head:" + strong[-1].rule
        node.intro = _introducing(node, s, start)
        if node.kind == PARAGRAPH and not node.list_head:
            node.line_head = _line_head(s, start, periods, rules)
        stack[-1].add(node)
        out.line_node[i] = node
        if node.kind == HEADING or node.list_head:
            stack.append(node)
        elif node.kind == ITEM:
            stack.append(node)        # an item can head sub-items ('-' then '+')
        for sent in by_line.get(i, []):
            node.add(_sentence_node(sent))
    if out.horizon is None and b.c.get("title_plan") is not None:
        heads = [title_line] if title_line is not None else [i for i, _ in body[:1]]
        for tl in heads:
            ts = lines[tl].text
            if b.c["title_plan"].search(ts):
                ps = real_periods(find_periods(ts, rules, lines[tl].start))
                ranges = [p for p in ps if p.kind in ("range", "until")] or [p for p in ps if p.kind == "single"]
                if ranges:
                    out.title_horizon = ranges[0]     # 'Kế hoạch ... năm 2022' too
                    break
    _phases(out, sentences, rules)
    _programmes(out, sentences, rules)
    out.tables = find_tables(text, lines, rules)
    return out


def _programmes(out: Outline, sentences: list[Sentence], rules: Rules) -> None:
    """'Chương trình ... giai đoạn 2021-2030' (or one 'chia thành 02 giai đoạn' whose phases run from
    2021 to 2030) registers 'Chương trình'; a sentence naming a 'Chương trình' (with no period of its
    own) refers to it, before or after the definition (a caption may come first)."""
    c = rules.compiled
    if c.get("programme_define") is None:
        return
    known: dict[str, tuple[int | None, int]] = {}
    defining: set[int] = set()
    for s in sentences:
        for m in c["programme_define"].finditer(s.text):
            gd = m.groupdict()
            a = int(gd.get("start") or gd.get("start2")) if (gd.get("start") or gd.get("start2")) else None
            z = int(gd.get("end") or gd.get("end3") or gd.get("end2"))
            if a is None or a <= z:
                known.setdefault(m.group("kind").lower(), (a, z))
                defining.add(s.start)
        ph = c.get("programme_phased")
        m = ph.search(s.text) if ph is not None else None
        if m:
            years = [int(y) for y in _YEAR4.findall(s.text[m.end():])]
            if len(years) >= 2 and min(years) < max(years):
                known[m.group("kind").lower()] = (min(years), max(years))
                defining.add(s.start)
    if not known:
        return
    for s in sentences:
        if s.start in defining:
            continue                 # its own sentence states the period
        for m in c["programme_refer"].finditer(s.text):
            years = known.get(m.group("kind").lower())
            if years is None and len(set(known.values())) == 1 and not out.is_plan:
                years = next(iter(known.values()))      # the one programme the article names
            if years is not None:
                out.programme_refs[s.start] = Period(years[0], years[1], (s.start + m.start(), s.start + m.end()),
                                                     "range" if years[0] else "until", "strong", "period.programme_ref")
                break


_YEAR4 = regex.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _line_head(s: str, start: int, periods: list[Period], rules: Rules) -> Period | None:
    """'Giai đoạn 1 (2011-2015): ...': the period of a short head that opens a paragraph."""
    cfg = rules.outline.line_head
    if cfg is None:
        return None
    colon = s.find(":")
    if colon < 0 or len(s[:colon].split()) > cfg.model_extra.get("max_words", 8):
        return None
    head = [p for p in periods if p.span[1] <= start + colon]
    return head[-1] if head else None


def _introducing(node: Node, s: str, start: int) -> Period | None:
    """The period a head introduces: the one stated nearest its end (the clause before the
    colon), so 'gồm hai giai đoạn 2021-2025 và 2026-2030; mục tiêu đến năm 2025 gồm:' introduces
    'đến năm 2025' (which :func:`ctxh_extract.extract.targets.refine` widens to 2021-2025)."""
    if not node.periods:
        return None
    if node.kind != HEADING and not node.list_head:
        return None
    return node.periods[-1]


def _sentence_node(s: Sentence) -> Node:
    n = Node("sentence", s.start, s.end, s.text)
    parts, pos = [], 0
    for m in _CLAUSE_END.finditer(s.text):
        if s.text[pos:m.start()].strip():
            parts.append((pos, m.end()))
        pos = m.end()
    if s.text[pos:].strip():
        parts.append((pos, len(s.text)))
    if len(parts) > 1:
        for a, b in parts:
            lead = len(s.text[a:b]) - len(s.text[a:b].lstrip())
            n.add(Node("clause", s.start + a + lead, s.start + b, s.text[a + lead:b]))
    return n


def _phases(out: Outline, sentences: list[Sentence], rules: Rules) -> None:
    """Register named phases where they are defined; resolve references to them."""
    c = rules.compiled
    names = {k.lower(): v for k, v in rules.outline.phases.names.items()}
    mentioned: list[tuple[int, int]] = []            # every 'giai đoạn YYYY-YYYY', in text order
    for s in sentences:
        low = s.text.lower()
        if "giai đoạn" not in low and "thời kỳ" not in low:     # every phase pattern names one (a cheap test)
            continue
        for m in c["phase_define"].finditer(s.text):
            k = names.get(" ".join(m.group("name").lower().split()))
            a, z = int(m.group("start")), int(m.group("end"))
            if k is not None and a <= z:
                out.phases.setdefault(k, (a, z))
        for m in c["phase_range_mention"].finditer(s.text):
            a, z = int(m.group("start")), int(m.group("end"))
            if a <= z:
                mentioned.append((a, z))
        refs: list[Period] = []
        for m in c["phase_refer"].finditer(s.text):
            k = names.get(" ".join(m.group("name").lower().split()))
            years = out.phases.get(k) if k is not None else None
            if years is None and k is not None and k - 1 in out.phases:
                prev_end = out.phases[k - 1][1]
                years = next((r for r in mentioned if r[0] == prev_end + 1), None)
            if years is not None:
                refs.append(Period(years[0], years[1], (s.start + m.start(), s.start + m.end()), "range", "strong",
                                   "period.phase_ref"))
        for m in c["phase_current"].finditer(s.text):
            if mentioned:
                a, z = mentioned[-1]
                refs.append(Period(a, z, (s.start + m.start(), s.start + m.end()), "range", "strong",
                                   "period.phase_current"))
        if refs:
            out.phase_refs[s.start] = sorted(refs, key=lambda p: p.span)
