"""Main text of a news page: the article container's blocks, one per line.

trafilatura gives the metadata (title, author, date, site name) and is the
fallback, but on Vietnamese news pages its text misses what matters: the lead
paragraph in a ``<div class="sapo">`` and, on short pages, the headline and the
first paragraphs (measured on the HTML gold articles: see the commit message).
So the text comes from the page's structure first:

1. drop what is never article text: scripts, navigation, headers and footers,
   asides, forms, and elements whose class or id says related/comment/tag/share/
   banner/menu/advert;
2. take the ``<article>`` (or ``<main>``, or the element holding the most
   paragraph text) as the container;
3. write each block (heading, paragraph, list item, caption, or a ``<div>`` with
   text of its own) on its own line, whitespace collapsed.

Line structure matters downstream: a heading must not merge with the goal under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lxml import etree, html as lxml_html

DROP_TAGS = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe",
             "svg", "button", "select", "input", "textarea", "object", "embed", "canvas", "video", "audio", "map"}
DROP_ATTR = re.compile(
    r"related|relate|lien-?quan|comment|binh-?luan|y-?kien|\btags?\b|tag-|-tags?\b|tu-?khoa|share|social|"
    r"banner|menu|\bnav|breadcrumb|sidebar|advert|\bads?\b|\bqc\b|quang-?cao|footer|header|toolbar|"
    r"subscribe|newsletter|popup|modal|cookie|most-?read|doc-?nhieu|tin-?moi|box-?tin|widget|\bmeta\b|bm-meta|"
    r"author-info|rating|vote|print|\bhidden\b|other-?news|tin-?khac|tin-?cung|keywords?|\badv\b",
    re.I,
)
BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "blockquote", "td", "th", "dt", "dd",
              "pre", "caption", "summary"}
CONTAINER_TAGS = {"div", "section", "article", "main", "figure", "ul", "ol", "table", "tbody", "tr", "dl",
                  "body", "span"}
_WS = re.compile(r"[ \t\r\n\f\v]+")   # not \s: a no-break space is text and stays


@dataclass
class HtmlDoc:
    text: str
    title: str | None = None
    author: str | None = None
    published: date | None = None
    sitename: str | None = None
    method: str = "structure"     # structure | trafilatura
    url: str | None = None        # the page's own address: <link rel="canonical">, else og:url


def extract_html(data: bytes) -> HtmlDoc:
    """Text and metadata of an HTML page; text is '' when the page has no article."""
    meta = _metadata(data)
    text = structural_text(data)
    method = "structure"
    if len(text) < 200:
        fallback = _trafilatura_text(data)
        if len(fallback) > len(text):
            text, method = fallback, "trafilatura"
    return HtmlDoc(text, meta.get("title"), meta.get("author"), meta.get("date"), meta.get("sitename"), method,
                   source_url(data))


_URL = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+[^\s]*", re.I)


def source_url(data: bytes) -> str | None:
    """The address the page says it has: ``<link rel="canonical">``, else ``<meta property="og:url">``.

    Only an absolute http(s) address counts (a relative canonical cannot be resolved without
    knowing where the file was saved from); anything else is None, never a guess.

    >>> source_url(b'<html><head><link rel="canonical" href="https://baoa.vn/tin-1.html">'
    ...            b'<meta property="og:url" content="https://m.baoa.vn/tin-1.html"></head><body>x</body></html>')
    'https://baoa.vn/tin-1.html'
    >>> source_url(b'<html><head><link rel="canonical" href="/tin-1.html"><meta property="og:url" '
    ...            b'content="https://baoa.vn/tin-1.html"></head></html>')
    'https://baoa.vn/tin-1.html'
    >>> source_url(b'<html><head><link rel="canonical" href="javascript:alert(1)"></head></html>') is None
    True
    """
    try:
        root = lxml_html.fromstring(data)
    except (etree.ParserError, ValueError):
        return None
    if root is None:
        return None
    found = [el.get("href") for el in root.iter("link") if "canonical" in (el.get("rel") or "").lower().split()]
    found += [el.get("content") for el in root.iter("meta")
              if (el.get("property") or el.get("name") or "").lower() == "og:url"]
    for cand in found:
        cand = (cand or "").strip()
        if _URL.fullmatch(cand):
            return cand
    return None


def structural_text(data: bytes) -> str:
    try:
        root = lxml_html.fromstring(data)
    except (etree.ParserError, ValueError):
        return ""
    if root is None:
        return ""
    for el in list(root.iter()):
        if not isinstance(el.tag, str):          # comments, processing instructions
            _drop(el)
            continue
        tag = el.tag.lower()
        attrs = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"))))
        if tag in DROP_TAGS or (tag not in ("html", "body", "article", "main") and attrs and DROP_ATTR.search(attrs)):
            _drop(el)
    container = _container(root)
    if container is None:
        return ""
    lines: list[str] = []
    _blocks(container, lines)
    return "\n".join(lines)


def _drop(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _container(root):
    for tag in ("article", "main"):
        found = [el for el in root.iter(tag) if len(_text(el)) >= 200]
        if found:
            return max(found, key=lambda el: len(_text(el)))
    best, best_len = None, 0
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        plen = sum(len(_text(p)) for p in el if isinstance(p.tag, str) and p.tag.lower() in ("p", "div", "h1", "h2"))
        if plen > best_len:
            best, best_len = el, plen
    if best is not None:
        return best
    body = root.find(".//body")
    return body if body is not None else root


def _text(el) -> str:
    return _WS.sub(" ", el.text_content() or "").strip()


def _has_block_child(el) -> bool:
    return any(isinstance(c.tag, str) and (c.tag.lower() in BLOCK_TAGS or c.tag.lower() in CONTAINER_TAGS - {"span"})
               for c in el)


def _blocks(el, lines: list[str]) -> None:
    """Depth first: a block with no block inside is one line; a container contributes its own text."""
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag in BLOCK_TAGS and not _has_block_child(el) or (tag == "div" and not _has_block_child(el)):
        t = _text(el)
        if t:
            lines.append(t)
        return
    own = _WS.sub(" ", el.text or "").strip()
    if own:
        lines.append(own)
    for child in el:
        if isinstance(child.tag, str):
            _blocks(child, lines)
        tail = _WS.sub(" ", child.tail or "").strip()
        if tail:
            lines.append(tail)


def _metadata(data: bytes) -> dict:
    import trafilatura  # slow to import; only HTML needs it

    try:
        doc = trafilatura.bare_extraction(data, with_metadata=True, only_with_metadata=False, include_comments=False,
                                          fast=True)
    except Exception:  # broken markup must not stop the run; metadata is optional
        return {}
    if doc is None:
        return {}
    out = {}
    for key in ("title", "author", "sitename"):
        v = getattr(doc, key, None)
        if v and str(v).strip():
            out[key] = str(v).strip()
    d = getattr(doc, "date", None)
    if d:
        try:
            out["date"] = date.fromisoformat(str(d)[:10])
        except ValueError:
            pass
    return out


def _trafilatura_text(data: bytes) -> str:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(data, include_comments=False, include_tables=True, favor_precision=True)
    except Exception:
        return ""
    return (getattr(doc, "text", None) or "") if doc is not None else ""
