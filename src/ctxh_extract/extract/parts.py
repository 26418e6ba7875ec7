"""Parts: a count that breaks down a larger one.

``1.200 cộng tác viên, trong đó 410 ở khu vực miền núi``: both numbers are
counts of collaborators and both are right, but 410 is inside 1.200, so a sum
that adds them is wrong. This module only marks such parts (each part points
at its whole); the summaries decide what to add. The cue words
(``trong đó``, ``gồm``, ``bao gồm``, ``riêng``, ``trong tổng số``) and how they
point are data in ``rules/parts.json``.

A part and its whole must agree on category, target flag and per-unit, and the
part must not be larger than the whole: a cue alone never makes a part.

>>> from ctxh_extract.rules import load_rules
>>> text = "Toàn tỉnh có 1.200 cộng tác viên, trong đó 410 người ở khu vực miền núi."
>>> counts = [Count(13, 18, "collaborators", 1200), Count(43, 46, "collaborators", 410)]
>>> find_parts(text, [Block(0, len(text))], counts, load_rules())
[None, 0]
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import regex

from ..rules import Rules, alternation
from ..text.clean import normalize_tones

# what may stand between a clause's start and a 'clause_start' cue ('Riêng', ', riêng', '- Riêng')
_CLAUSE_OPEN = regex.compile(r"(?:^|[,;:(\u2013\u2014-])[\s\"'“”]*$")
_OPENS_LIST = regex.compile(r"\s*:")
_LIST_ITEM = regex.compile(r"\s*(?:[-\u2013•+*▪●◦]|\d{1,2}[.)]|[a-zđ][.)])\s")


@dataclass(frozen=True)
class Count:
    """What parts need to know of a count: its span (cleaned text) and what it counts."""

    start: int
    end: int
    category: str
    value: int
    value_max: int | None = None
    is_target: bool = False
    per_unit: str | None = None

    @property
    def top(self) -> int:
        return self.value_max if self.value_max is not None else self.value


@dataclass(frozen=True)
class Block:
    """A stretch of text that a cue's reach stays inside: a sentence, or a heading that ends
    with ':' together with the list items under it."""

    start: int
    end: int


def blocks_of(sentences, text: str) -> list[Block]:
    """Sentences as blocks, list items joined to the heading sentence (ending in ':') above them."""
    out: list[Block] = []
    in_list = False
    for s in sentences:
        item = s.paragraph_start and _LIST_ITEM.match(text, s.start) is not None
        if out and (in_list and (item or not s.paragraph_start)):
            out[-1] = Block(out[-1].start, s.end)
            continue
        in_list = False
        out.append(Block(s.start, s.end))
        if s.text.rstrip().endswith(":"):
            in_list = True
    return out


class PartFinder:
    """The compiled cues of rules/parts.json (one alternation, longest word first)."""

    def __init__(self, rules: Rules):
        cfg = rules.parts
        self.max_gap = cfg.max_gap_chars
        self.cue_of: dict[str, object] = {}
        for cue in cfg.cues:
            for w in cue.words:
                self.cue_of[" ".join(normalize_tones(w).lower().split())] = cue
        self.pattern = regex.compile(rf"(?<![\p{{L}}\p{{N}}])(?:{alternation(list(self.cue_of))})(?![\p{{L}}\p{{N}}])",
                                     regex.IGNORECASE)

    def cues(self, text: str) -> list[tuple[int, int, object]]:
        """(start, end, rule) of every cue in ``text``."""
        found = []
        for m in self.pattern.finditer(text):
            rule = self.cue_of.get(" ".join(m.group(0).lower().split()))
            if rule is not None:
                found.append((m.start(), m.end(), rule))
        return found


def finder_for(rules: Rules) -> PartFinder:
    return rules.cached("parts", PartFinder)


def _fits(part: Count, whole: Count) -> bool:
    return (part.category == whole.category and part.is_target == whole.is_target
            and part.per_unit == whole.per_unit and part.top <= whole.top)


def find_parts(text: str, blocks: list[Block], counts: list[Count], rules: Rules) -> list[int | None]:
    """For each count, the index (into ``counts``) of the whole it is a part of, or None.

    ``text`` is the cleaned article text, ``blocks`` its body sentences (see :func:`blocks_of`)
    and ``counts`` the counts with offsets into it, in any order."""
    return [w[0] if w else None for w in find_wholes(text, blocks, counts, rules)]


def find_wholes(text: str, blocks: list[Block], counts: list[Count], rules: Rules) -> list[tuple[int, str] | None]:
    """As :func:`find_parts`, with the name of the cue rule that made each part: (whole, rule) or None."""
    pf = finder_for(rules)
    result: list[tuple[int, str] | None] = [None] * len(counts)
    if len(counts) < 2 or not blocks:
        return result
    starts = [b.start for b in blocks]

    def block_at(pos: int) -> int | None:
        i = bisect_right(starts, pos) - 1
        return i if i >= 0 and pos < blocks[i].end else None

    order = sorted(range(len(counts)), key=lambda i: counts[i].start)
    by_block: dict[int, list[int]] = {}
    for i in order:
        b = block_at(counts[i].start)
        if b is not None:
            by_block.setdefault(b, []).append(i)
    for bi, members in by_block.items():
        block = blocks[bi]
        cues = []
        for cs, ce, rule in pf.cues(text[block.start:block.end]):
            cs, ce = cs + block.start, ce + block.start
            if rule.clause_start and not _CLAUSE_OPEN.search(text[block.start:cs]):
                continue
            cues.append((cs, ce, rule))
        for cs, ce, rule in cues:
            if rule.direction == "part_first":
                before = [i for i in members if counts[i].end <= cs]
                after = [i for i in members if counts[i].start >= ce]
                if before and after:
                    p, w = before[-1], after[0]
                    if cs - counts[p].end <= pf.max_gap and counts[w].start - ce <= pf.max_gap \
                            and _fits(counts[p], counts[w]) and result[p] is None:
                        result[p] = (w, rule.name)
                continue
            # whole_first: the parts are the counts after the cue, up to the next cue (which has its
            # own whole) and, unless the cue opens a list ('trong đó:'), up to the next ';'
            reach = block.end
            if not _OPENS_LIST.match(text, ce):
                semi = text.find(";", ce, block.end)
                reach = semi if semi >= 0 else block.end
            reach = min([reach] + [s for s, _, _ in cues if s >= ce])
            parts = [i for i in members if ce <= counts[i].start < reach]
            if not parts:
                continue
            candidates = [i for i in members if counts[i].end <= cs]
            if not candidates and rule.next_sentence and bi > 0 and not text[block.start:cs].strip(" \t\"'“”-–—•*+"):
                candidates = by_block.get(bi - 1, [])
            for p in parts:
                if result[p] is not None:
                    continue
                whole = next((w for w in reversed(candidates)
                              if counts[w].end <= cs and cs - counts[w].end <= pf.max_gap
                              and counts[w].category == counts[p].category), None)
                if whole is not None and _fits(counts[p], counts[whole]):
                    result[p] = (whole, rule.name)
    return result
