"""Normalise text for matching while keeping every offset tied to the original.

Extractors work on the cleaned text; facts are stored with offsets into the text
as decoded from the file, so that ``original[start:end]`` is what the article
says. Cleaning does:

* NFC per character cluster (Windows-1258 files arrive decomposed),
* odd spaces (NBSP, thin spaces, ...) -> plain space, zero-width marks dropped,
* ``Ð`` (Icelandic eth, a common mis-encoding) -> ``Đ``,
* tone placement unified to the modern style (``Hoà`` -> ``Hòa``), so both
  spellings match the same rules,
* ``⁄`` (fraction slash) -> ``/`` and ``−`` -> ``-``.

Most texts are already NFC; for them the map is the identity and costs nothing.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

import regex

_ONE_TO_ONE = {
    0x00A0: " ", 0x2000: " ", 0x2001: " ", 0x2002: " ", 0x2003: " ", 0x2004: " ",
    0x2005: " ", 0x2006: " ", 0x2007: " ", 0x2008: " ", 0x2009: " ", 0x200A: " ",
    0x202F: " ", 0x205F: " ", 0x3000: " ", 0x00AD: " ",
    0x00D0: "Đ", 0x00F0: "đ", 0x2044: "/", 0x2212: "-", 0x000B: "\n", 0x000C: "\n",
    0x0085: "\n", 0x2028: "\n", 0x2029: "\n", 0x000D: "\n", 0x0009: " ",
}
_DROPPED = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}
_DROPPED_RE = regex.compile("[" + "".join(map(chr, _DROPPED)) + "]")

# Old-style tone on the second vowel of oa/oe/uy in an open syllable -> first vowel.
_TONES = {"\u0300": "grave", "\u0301": "acute", "\u0309": "hook", "\u0303": "tilde", "\u0323": "dot"}
# the old-style pair at the end of a syllable of at most five letters ('hoà', 'khoả', 'thuỷ'),
# not after 'q' ('quý' is already modern)
_OLD_STYLE = regex.compile(r"(?i)(?<![qQ])(?<![\p{L}]{4})(o[àáảãạ]|o[èéẻẽẹ]|u[ỳýỷỹỵ])(?![\p{L}])")


def _move_tone(pair: str) -> str:
    """'oà' -> 'òa', 'uý' -> 'úy': same length, so offsets survive."""
    first, second = pair[0], pair[1]
    decomposed = unicodedata.normalize("NFD", second)
    base, marks = decomposed[0], decomposed[1:]
    tone = "".join(m for m in marks if m in _TONES)
    rest = "".join(m for m in marks if m not in _TONES)
    new_first = unicodedata.normalize("NFC", first + tone)
    new_second = unicodedata.normalize("NFC", base + rest)
    return new_first + new_second


def normalize_tones(s: str) -> str:
    """Modern tone placement; length-preserving.

    >>> normalize_tones("Khánh Hoà, Thanh Hoá, thuỷ")
    'Khánh Hòa, Thanh Hóa, thủy'
    >>> normalize_tones("Hòa Bình, quý, HOÀ")
    'Hòa Bình, quý, HÒA'
    """
    if not _OLD_STYLE.search(s):
        return s

    return _OLD_STYLE.sub(lambda m: _move_tone(m.group(1)), s)


@dataclass(frozen=True)
class CleanText:
    """Cleaned text plus the map back to the original."""

    text: str
    original: str
    # starts[i] = original index of cleaned char i; None means identity.
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the cleaned span ``[start, end)``."""
        if self.starts is None:
            return start, end
        if end <= start:
            o = self.starts[start] if start < len(self.starts) else len(self.original)
            return o, o
        return self.starts[start], self.ends[end - 1]

    def original_slice(self, start: int, end: int) -> str:
        a, b = self.span(start, end)
        return self.original[a:b]

    def to_clean(self, orig_pos: int) -> int:
        """Cleaned index of an original position (for tests and the report)."""
        if self.starts is None:
            return orig_pos
        return max(0, bisect_right(self.starts, orig_pos) - 1)


def clean(original: str) -> CleanText:
    """Clean ``original``; see the module docstring for what changes.

    >>> c = clean("Hoà\\u00a0Bình có 1.500 người")
    >>> c.text
    'Hòa Bình có 1.500 người'
    >>> c.original_slice(12, 17)
    '1.500'
    >>> d = clean("Ha\\u0300 Ti\\u0303nh: 20 ngu\\u031bo\\u031b\\u0300i")   # decomposed (Windows-1258)
    >>> d.text
    'Hà Tĩnh: 20 người'
    >>> d.original_slice(9, 11), d.original_slice(12, 17) == "ngu\\u031bo\\u031b\\u0300i"
    ('20', True)
    """
    identity_ok = unicodedata.is_normalized("NFC", original) and not _DROPPED_RE.search(original)
    if identity_ok:
        return CleanText(normalize_tones(original.translate(_ONE_TO_ONE)), original)

    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(original)
    while i < n:
        ch = original[i]
        if ord(ch) in _DROPPED:
            i += 1
            continue
        j = i + 1
        while j < n and unicodedata.combining(original[j]):
            j += 1
        cluster = unicodedata.normalize("NFC", original[i:j]).translate(_ONE_TO_ONE)
        for k, c in enumerate(cluster):
            out.append(c)
            starts.append(i)
            ends.append(j)
        i = j
    text = normalize_tones("".join(out))
    return CleanText(text, original, tuple(starts), tuple(ends))

