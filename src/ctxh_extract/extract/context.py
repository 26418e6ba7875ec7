"""What every fact extractor sees about one sentence.

The driver (:func:`ctxh_extract.extract.extract_sentences`) builds one
:class:`SentenceContext` per sentence that holds a number, so that the count and
percentage extractors share the numbers, cues, periods and province mentions
instead of finding them twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..text.segment import Sentence, Token
from .numbers import NumberMention
from ..text.periods import Period
from .provinces import Mention
from ..text.cues import Cue, clause_bounds
from .targets import Section



@dataclass
class FactCandidate:
    """What an extractor found, in cleaned-text offsets; process.py turns it into a model."""

    start: int                      # the number as written
    end: int
    evidence: tuple[int, int]
    value: float | int
    value_max: float | int | None
    qualifier: str
    rule: str
    qualifier_rule: str | None


@dataclass
class SentenceContext:
    sentence: Sentence
    numbers: list[NumberMention]          # offsets relative to the sentence text
    cues: list[Cue]                       # absolute offsets (cleaned text)
    periods: list[Period]                 # absolute offsets
    mentions: list[Mention]               # absolute offsets, this sentence only
    section: Section
    excluded: list[tuple[int, int, str]] = field(default_factory=list)  # relative spans + rule
    article_text: str = ""                # the whole cleaned text (article-level context)

    @property
    def text(self) -> str:
        return self.sentence.text

    @property
    def base(self) -> int:
        return self.sentence.start

    @property
    def tokens(self) -> list[Token]:
        return self.sentence.tokens

    def clause(self, pos: int, end: int | None = None) -> tuple[int, int]:
        """Relative (start, end) of the clause around ``pos`` (breaks: ; : newline)."""
        return clause_bounds(self.text, pos, end)

    def exclusion_for(self, a: int, b: int) -> str | None:
        for x, y, rule in self.excluded:
            if x < b and a < y:
                return rule
        return None

    def province_near(self, pos_abs: int, fallback: str | None) -> str | None:
        """Nearest province named in the sentence (before preferred), else ``fallback``."""
        body = [m for m in self.mentions if m.in_body]
        before = [m for m in body if m.end <= pos_abs]
        if before:
            return before[-1].province
        after = [m for m in body if m.start >= pos_abs]
        if after:
            return after[0].province
        return fallback


def evidence_span(ctx: SentenceContext, a: int, b: int, limit: int = 200) -> tuple[int, int]:
    """Relative span of the clause around [a, b), trimmed to ``limit`` chars on word edges."""
    ca, cb = ctx.clause(a, b)
    t = ctx.text
    while ca < a and t[ca].isspace():
        ca += 1
    while cb > b and t[cb - 1] in " \t,.;:":
        cb -= 1
    if cb - ca <= limit:
        return ca, cb
    half = max(20, (limit - (b - a)) // 2)
    lo = max(ca, a - half)
    hi = min(cb, b + half)
    if lo > ca:
        sp = t.find(" ", lo, a)
        lo = sp + 1 if sp >= 0 else lo
    if hi < cb:
        sp = t.rfind(" ", b, hi)
        hi = sp if sp >= 0 else hi
    return lo, hi
