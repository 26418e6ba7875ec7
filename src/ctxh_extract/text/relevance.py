"""Is this article about social work at all? A cheap score from the cues in rules/relevance.json.

Most articles of a news archive are about prices, sport or traffic; extracting them costs
as much as extracting the ones that matter and yields nothing. The score is one regular
expression over the lower-cased NFC text (modern tone placement), so it costs a fraction of
a millisecond an article, and for a web page it is first taken on the page's raw text
(:func:`page_text`: tags dropped, entities decoded) before the HTML is parsed: a page whose
whole text holds too few cues cannot have an article that holds more.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import regex

from .clean import normalize_tones

if TYPE_CHECKING:
    from ..rules import Rules


@dataclass(frozen=True)
class Relevance:
    score: float
    cues: tuple[str, ...]     # names of the cues that matched, in the order of the rules file
    threshold: float

    @property
    def kept(self) -> bool:
        return self.score >= self.threshold - 1e-9

    def reason(self, where: str = "text") -> str:
        found = ", ".join(self.cues) if self.cues else "none"
        return (f"off-topic: relevance {self.score:g} < {self.threshold:g} in its {where} "
                f"(cues found: {found}; see rules/relevance.json)")


def normalize(text: str) -> str:
    """NFC, modern tone placement, lower case, every run of whitespace one space.

    >>> normalize("Công  tác\\nxã hoà")
    'công tác xã hòa'
    """
    return " ".join(normalize_tones(unicodedata.normalize("NFC", text)).lower().split())


def relevance(text: str, rules: Rules, title: str | None = None) -> Relevance:
    """The score of an article's title and text.

    >>> from ctxh_extract.rules import load_rules
    >>> r = relevance("Tỉnh đào tạo 200 nhân viên công tác xã hội.", load_rules())
    >>> r.score, r.cues, r.kept
    (1.0, ('rel.cong_tac_xa_hoi',), True)
    >>> relevance("Công tác xã hội hoá giáo dục được đẩy mạnh.", load_rules()).kept
    False
    """
    norm = normalize(f"{title}\n{text}" if title else text)
    cues = rules.relevance.cues
    hit = [i for i, (words, nb, na) in enumerate(rules.compiled["relevance"]) if _found(norm, words, nb, na)]
    score = round(sum(cues[i].weight for i in hit), 6)
    return Relevance(score, tuple(cues[i].name for i in hit), rules.relevance.threshold)


def _found(s: str, words: tuple[str, ...], not_before: tuple[str, ...], not_after: tuple[str, ...]) -> bool:
    """Whether one of ``words`` occurs in ``s`` as whole words, not followed by a ``not_before``
    word nor preceded by a ``not_after`` word (plain substring search: ~50x a regex here)."""
    for w in words:
        pos = s.find(w)
        while pos >= 0:
            end = pos + len(w)
            if _edge(s, pos - 1) and _edge(s, end) and not any(
                    s.startswith(" " + x, end) and _edge(s, end + 1 + len(x)) for x in not_before) and not any(
                    s.endswith(x + " ", 0, pos) and _edge(s, pos - 2 - len(x)) for x in not_after):
                return True
            pos = s.find(w, pos + 1)
    return False


def _edge(s: str, i: int) -> bool:
    """True when position ``i`` is outside ``s`` or not a word character."""
    return i < 0 or i >= len(s) or not (s[i].isalnum() or s[i] == "_")


_COMMENT = regex.compile(r"<!--.*?-->", regex.S)
_TAG = regex.compile(r"<[^>]*>")


def page_text(data: bytes, charset: str | None = None) -> str | None:
    r"""Every piece of text of an HTML page (menus and scripts too), or None when the bytes cannot
    be decoded with confidence (then the page is parsed and scored on its article text).

    Its cues are a superset of those of the article text the HTML path extracts, so its score
    is never lower: a tag may sit inside a word (``công t<b>ác</b>``, joined in the text) or
    between two lines of the text (sibling ``<span>`` in a container), so the page is written
    twice, tags removed and tags made spaces.

    >>> page_text("<p>công t<b>ác</b> xã<br>hội &amp; trẻ em</p>".encode())
    'công tác xãhội & trẻ em\n công t ác  xã hội & trẻ em '
    """
    for enc in (charset, "utf-8"):
        if not enc:
            continue
        try:
            s = data.decode(enc)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        return None
    s = _COMMENT.sub("", s)
    return html.unescape(_TAG.sub("", s)) + "\n" + html.unescape(_TAG.sub(" ", s))
