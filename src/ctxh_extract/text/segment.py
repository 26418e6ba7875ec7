"""Sentences and words, with character offsets, using underthesea.

Sentences come from ``underthesea.sent_tokenize`` run on each body line (a line
is a paragraph, a heading or a list item, and a plan's heading must not merge
with the goal under it). Words come from ``underthesea.word_tokenize`` with
``use_token_normalize=False`` (the default rewrites tokens, which would break
offsets) and only for sentences an extractor asks about: word segmentation is
the slow part, and most sentences hold no number.

A sentence is at most ``MAX_SENTENCE`` characters: the extractors look at a sentence's
words around each number, so their work grows with the square of its length, and a
scraped table dump with no full stop (one 400,000-character "sentence": 27 s; 2 MB: many
minutes) would hold up a whole run. Longer ones are cut at a clause boundary (``,`` ``;``
``:``) or else between two words, never inside a number; the longest sentence of the gold
articles is under 1,000 characters, so real sentences are never cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from underthesea import sent_tokenize, word_tokenize

from .layout import Line

MAX_SENTENCE = 2000


@dataclass
class Token:
    text: str
    start: int   # offsets into the cleaned article text
    end: int


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    line_index: int
    paragraph_start: bool = False   # first sentence of its line
    _tokens: list[Token] | None = field(default=None, repr=False)

    @property
    def tokens(self) -> list[Token]:
        """Word tokens (compound words such as 'cán bộ' are one token)."""
        if self._tokens is None:
            self._tokens = tokenize(self.text, self.start)
        return self._tokens


def _align(pieces: list[str], text: str, base: int) -> list[tuple[str, int, int]]:
    """Find each piece in ``text`` in order, tolerating whitespace differences."""
    out, pos = [], 0
    n = len(text)
    for piece in pieces:
        core = "".join(piece.split())
        if not core:
            continue
        while pos < n and text[pos].isspace():
            pos += 1
        idx = text.find(piece, pos)
        if idx == pos or (idx >= 0 and not text[pos:idx].strip()):
            out.append((piece, base + idx, base + idx + len(piece)))
            pos = idx + len(piece)
            continue
        # character walk ignoring whitespace
        start, k = None, 0
        p = pos
        while p < n and k < len(core):
            ch = text[p]
            if ch.isspace():
                p += 1
                continue
            if ch != core[k]:
                break
            if start is None:
                start = p
            k += 1
            p += 1
        if k == len(core) and start is not None:
            out.append((text[start:p], base + start, base + p))
            pos = p
        # a piece that cannot be aligned (tokenizer rewrote it) is dropped
    return out


def split_sentences(text: str, lines: list[Line]) -> list[Sentence]:
    """Sentences of the body lines, in order, with offsets into ``text``."""
    sentences: list[Sentence] = []
    for li, ln in enumerate(lines):
        if not ln.is_body or ln.blank:
            continue
        chunk = text[ln.start:ln.end]
        try:
            pieces = sent_tokenize(chunk)
        except Exception:  # the tokenizer must never stop an article; fall back to the line
            pieces = [chunk]
        first = True
        for s, a, b in _align(pieces, chunk, ln.start):
            for pa, pb in bounded(text, a, b) if b - a > MAX_SENTENCE else ((a, b),):
                sentences.append(Sentence(pa, pb, text[pa:pb], li, paragraph_start=first))
                first = False
    return sentences


def bounded(text: str, start: int, end: int, limit: int = MAX_SENTENCE) -> list[tuple[int, int]]:
    """``text[start:end]`` as consecutive pieces of at most ``limit`` characters, cut after the
    last ``,``/``;``/``:`` of each window's second half, else at the last space not between two
    digits ('1 500'), else at the limit; spaces between pieces are left out, offsets exact.

    >>> t = "a" * 6 + ", " + "b" * 6 + " 1 500 cc"
    >>> [t[a:b] for a, b in bounded(t, 0, len(t), 10)]
    ['aaaaaa,', 'bbbbbb', '1 500 cc']
    """
    out = []
    pos = start
    while end - pos > limit:
        hi = pos + limit
        lo = pos + limit // 2
        cut = max(text.rfind(", ", lo, hi), text.rfind("; ", lo, hi), text.rfind(": ", lo, hi))
        if cut >= 0:
            cut += 1                                 # keep the punctuation with the first piece
        else:
            cut = next((i for i in range(hi - 1, lo - 1, -1) if text[i].isspace()
                        and not (text[i - 1].isdigit() and i + 1 < end and text[i + 1].isdigit())), hi)
        out.append((pos, cut))
        pos = cut
        while pos < end and text[pos].isspace():
            pos += 1
    if pos < end:
        out.append((pos, end))
    return out


def tokenize(sentence: str, base: int = 0) -> list[Token]:
    """Word tokens aligned to offsets (``base`` is the sentence's start).

    >>> [t.text for t in tokenize("Hà Tĩnh đào tạo 200 cán bộ")]
    ['Hà Tĩnh', 'đào tạo', '200', 'cán bộ']
    """
    try:
        words = word_tokenize(sentence, use_token_normalize=False)
    except Exception:
        words = sentence.split()
    return [Token(t, a, b) for t, a, b in _align(words, sentence, base)]
