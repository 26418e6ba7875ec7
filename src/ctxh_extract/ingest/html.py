"""Main text of a news page as a reader sees it: the headline, the lead, the body's blocks, one per line.

trafilatura gives the metadata (title, author, date, site name) and is the
fallback, but on Vietnamese news pages its text misses what matters: the lead
paragraph in a ``<div class="sapo">`` and, on short pages, the headline and the
first paragraphs (figures: bench/html_main_text.py, bench/README.md).
So the text comes from the page's structure first:

1. decode the bytes with the page's real encoding (byte-order mark, declared
   charset if it decodes, else detected), so ``encoding`` says what it was;
2. drop what is never article text: scripts, navigation, headers and footers,
   asides, forms, elements whose class or id says related/comment/tag/share/
   banner/menu/advert, and short section labels (``rules/html.json``);
3. take the ``<article>`` (or ``<main>``, or the element holding the most
   paragraph text) as the container, and keep the headline (``<h1>``) and the
   lead (``.sapo``, ``.lead``, ``.description``) even when they stand outside it;
4. write each block (heading, paragraph, list item, caption, or a ``<div>`` with
   text of its own) on its own line, whitespace collapsed, without the "read
   more" links inside the text (``Đọc tiếp: <a>…</a>``) and the link-only
   section labels above the headline;
5. let trafilatura's main text (computed anyway for the metadata) guide the
   cut: what stands above the headline and what follows the last paragraph
   trafilatura also has is dropped, and when the structure's text holds less
   than half of trafilatura's words (the wrong container), trafilatura's text is
   used under the headline and lead. On real pages of many kinds this lifted
   snippet F1 from 0.845 to 0.904 (trafilatura alone: 0.926); on Vietnamese
   pages the headline and lead make the structure better (bench/README.md).

Line structure matters downstream: a heading must not merge with the goal under it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import date

import regex
from lxml import etree, html as lxml_html

from ..errors import InputError
from ..rules import Rules, load_rules

DROP_TAGS = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe",
             "svg", "button", "select", "input", "textarea", "object", "embed", "canvas", "video", "audio", "map"}
KEEP_TAGS = {"html", "body", "article", "main"}      # never dropped for their class
BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "blockquote", "td", "th", "dt", "dd",
              "pre", "caption", "summary"}
CONTAINER_TAGS = {"div", "section", "article", "main", "figure", "ul", "ol", "table", "tbody", "tr", "dl",
                  "body", "span"}
_WS = re.compile(r"[ \t\r\n\f\v]+")   # not \s: a no-break space is text and stays
LINK_OPEN, LINK_CLOSE = "\ue000", "\ue001"   # private-use marks around link text while lines are built
_MARKS = re.compile(f"[{LINK_OPEN}{LINK_CLOSE}]")
_LINK = re.compile(f"{LINK_OPEN}([^{LINK_CLOSE}]*){LINK_CLOSE}")
_DECLARED = (re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)""", re.I),
             re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I))
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
# what browsers do (WHATWG Encoding): a page labelled Latin-1 is read as Windows-1252
_BROWSER_ALIASES = {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252"}


@dataclass
class HtmlDoc:
    text: str
    title: str | None = None
    author: str | None = None
    published: date | None = None
    sitename: str | None = None
    method: str = "structure"     # structure | trafilatura
    url: str | None = None        # the page's own address: <link rel="canonical">, else og:url
    encoding: str = "utf-8"       # of the page's bytes
    notes: list[str] = field(default_factory=list)


def extract_html(data: bytes, rules: Rules | None = None, path: str = "<html>") -> HtmlDoc:
    """Text and metadata of an HTML page; text is '' when the page has no article."""
    rules = rules or load_rules()
    page, encoding, notes = decode_html(data, path)
    meta = _metadata(page)
    author = _meta_author(page)
    if author:                    # as the page gives it: trafilatura turns 'X | bao.vn' into 'X; Bao Vn'
        meta["author"] = author
    text, method = main_text(page, rules, meta.get("text"))
    if len(text) < 200:
        fallback = _trafilatura_text(page)
        if len(fallback) > len(text):
            text, method = fallback, "trafilatura"
    return HtmlDoc(text, meta.get("title"), meta.get("author"), meta.get("date"), meta.get("sitename"), method,
                   source_url(data), encoding, notes)


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


def decode_html(data: bytes, path: str = "<html>") -> tuple[str, str, list[str]]:
    """The page as text, the encoding its bytes are in, and notes: a byte-order mark wins, then the
    charset the page declares (when its bytes decode with it), then detection as for .txt files."""
    from .read import decode_bytes

    declared = _declared_charset(data)
    if declared and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode(declared), declared, [] if declared == "utf-8" else [f"decoded as {declared} (the "
                                                                                      f"page's declared charset)"]
        except UnicodeDecodeError:
            try:
                text, enc, notes = decode_bytes(data, path)
            except InputError:          # no better guess: the declared one, as a browser reads it
                bad = data.decode(declared, errors="replace")
                return bad, declared, [f"not valid {declared} as the page declares: {bad.count(chr(0xFFFD))} "
                                       f"byte(s) replaced by U+FFFD"]
            if _codec_name(enc) == declared:                    # e.g. UTF-8 with a few bad bytes
                return text, declared, notes
            return text, _codec_name(enc), [f"declares charset {declared} but is not; decoded as {enc}"] + notes
    try:
        text, enc, notes = decode_bytes(data, path)
    except InputError as exc:
        if not exc.reason.startswith("not valid UTF-8"):
            raise
        bad = data.decode("utf-8", errors="replace")     # the page is then judged on its text
        return bad, "utf-8", [f"declares no charset and is not UTF-8 or Windows-1258: {bad.count(chr(0xFFFD))} "
                              f"byte sequence(s) replaced by U+FFFD"]
    return text, _codec_name(enc), notes


def _declared_charset(data: bytes) -> str | None:
    head = data[:16384]              # pages put scripts and styles before the <meta charset>
    for pat in _DECLARED:
        m = pat.search(head)
        if m:
            name = _codec_name(m.group(1).decode("ascii", "replace"))
            if name:
                return name
    return None


def _codec_name(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    if name == "utf-8-sig":
        return "utf-8"
    return _BROWSER_ALIASES.get(name, name)


def structural_text(page: str | bytes, rules: Rules | None = None) -> str:
    """The page's main text from its structure alone, one block a line."""
    return main_text(page, rules)[0]


def main_text(page: str | bytes, rules: Rules | None = None, guide: str | None = None) -> tuple[str, str]:
    """The page's main text, one block a line (see the module docstring for what is kept), and how
    it was found. ``guide`` is trafilatura's main text of the page, when known: its content detection
    is better on pages built in unusual ways (measured: bench/README.md), so it trims what follows
    the article's last paragraph and what stands above the headline, and replaces the structure's
    text when that holds less than half of it (the wrong container)."""
    rules = rules or load_rules()
    c = rules.compiled
    cfg = rules.html
    if isinstance(page, bytes):
        page = decode_html(page)[0]
    try:
        root = lxml_html.fromstring(_XML_DECL.sub("", page, count=1))
    except (etree.ParserError, ValueError):
        return "", "structure"
    if root is None:
        return "", "structure"
    for el in list(root.iter()):
        if not isinstance(el.tag, str):          # comments, processing instructions
            _drop(el)
            continue
        tag = el.tag.lower()
        if tag in KEEP_TAGS:
            continue
        attrs = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"))))
        if tag in DROP_TAGS or (attrs and c["html_drop_attr"].search(attrs)):
            _drop(el)
        elif _has_class(el, c["html_section_class"]) and len(_text(el).split()) <= cfg.section_label_max_words:
            _drop(el)
    headline = next((h for h in root.iter("h1") if len(_text(h)) >= 10), None)
    container = _container(root, headline)
    if container is None:
        return "", "structure"
    lead = _lead(root, c["html_lead_class"], headline)
    for a in root.iter("a"):                     # mark link text, so 'Đọc tiếp: <a>…</a>' can be found in a line
        a.text = LINK_OPEN + (a.text or "")
        if len(a):
            a[-1].tail = (a[-1].tail or "") + LINK_CLOSE
        else:
            a.text += LINK_CLOSE
    lines: list[str] = []
    _blocks(container, lines)
    inside = set(container.iter())
    head: list[str] = []
    for el in (headline, lead):
        if el is not None and el not in inside:
            t = _text(el)
            if t and _plain(t) not in {_plain(x) for x in lines}:
                head.append(t)
    if head:
        at = 0
        if headline is not None and headline in inside:     # the lead goes under a headline the body holds
            h = _plain(_text(headline))
            at = next((k + 1 for k, x in enumerate(lines) if _plain(x) == h), 0)
        lines[at:at] = head
    headline_text = _plain(_text(headline)) if headline is not None else None
    lines = _clean_links(lines, c["html_link_cue"], cfg.link_only_max_words, headline_text)
    if guide and len(guide) >= 200:
        tops = [_WS.sub(" ", _MARKS.sub("", _text(el))).strip() for el in (headline, lead) if el is not None]
        return _guided(lines, guide, [t for t in tops if t], headline_text)
    return "\n".join(lines), "structure"


def _guided(lines: list[str], guide: str, head: list[str], headline: str | None) -> tuple[str, str]:
    """Trim the structure's lines with trafilatura's main text (see main_text); ``head`` is the
    headline and lead as found. Lines are compared by their words, as the structure has taken
    'read more' links out of lines that trafilatura keeps."""
    ref = set(_words(guide))
    ours = {w for x in lines for w in _words(x)}
    if len(ours & ref) < 0.5 * len(ref):                              # the structure found another text
        keep = [x for x in head if not set(_words(x)) <= ref]
        return "\n".join(keep + [ln.strip() for ln in guide.splitlines() if ln.strip()]), "trafilatura+head"
    found = [k for k, x in enumerate(lines) if len(w := _words(x)) >= 5 and sum(t in ref for t in w) >= 0.8 * len(w)]
    if not found:
        return "\n".join(lines), "structure"
    top = next((k for k, x in enumerate(lines) if _plain(x) == headline), None) if headline else None
    start = top if top is not None and top <= found[-1] else 0
    return "\n".join(lines[start:found[-1] + 1]), "structure"


def _words(text: str) -> list[str]:
    return regex.findall(r"\w+", text.lower())


def _has_class(el, pat) -> bool:
    return any(pat.search(tok) for tok in (el.get("class") or "").split())


def _lead(root, pat, headline):
    """The first element with a lead class and a sentence or two of text (not a wrapper of the body)."""
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag.lower() in KEEP_TAGS or not _has_class(el, pat):
            continue
        t = _text(el)
        if len(t) < 20 or len(t) > 1500:
            continue
        if headline is not None and (el is headline or headline in set(el.iter())):
            continue
        return el
    return None


def _plain(line: str) -> str:
    return _WS.sub(" ", _MARKS.sub("", line)).strip().lower()


def _clean_links(lines: list[str], cue, link_only_max_words: int, headline: str | None) -> list[str]:
    """Drop 'read more' cues with their link, links that are only a cue, the link-only lines
    under a cue line (a related list), and short link-only lines above the headline (section
    labels); then take the marks out."""
    cue_link = regex.compile(rf"[\[(>»«\-–—|\s]*(?:{cue.pattern})\s*[:：>»\-–—.…]*\s*{LINK_OPEN}[^{LINK_CLOSE}]*{LINK_CLOSE}"
                          rf"[\s)\]]*", regex.I)
    cue_only_link = regex.compile(rf"{LINK_OPEN}[\s>»«\[(]*(?:{cue.pattern})[\s>»«.…:)\]]*{LINK_CLOSE}", regex.I)
    cue_line = regex.compile(rf"^[\s>»«\[(]*(?:{cue.pattern})[\s>»«.…:)\]]*$", regex.I)
    above_headline = headline is not None and any(_plain(x) == headline for x in lines)
    out: list[str] = []
    in_related = False
    for line in lines:
        if above_headline and _plain(line) == headline:
            above_headline = False
        link_only = bool(_LINK.search(line)) and not _LINK.sub("", line).strip(" \t:|·•-–—>»")
        if in_related and link_only:
            continue
        in_related = False
        if cue_line.match(_MARKS.sub("", line)):
            in_related = True
            continue
        if above_headline and link_only and len(_plain(line).split()) <= link_only_max_words:
            continue
        line = cue_only_link.sub("", cue_link.sub(" ", line))
        line = _WS.sub(" ", _MARKS.sub("", line)).strip()
        if line:
            out.append(line)
    return out


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


def _container(root, headline=None):
    for tag in ("article", "main"):
        found = [el for el in root.iter(tag) if len(_text(el)) >= 200]
        with_headline = [el for el in found if headline is not None and headline in set(el.iter())]
        if with_headline or found:
            return max(with_headline or found, key=lambda el: len(_text(el)))
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


def _metadata(data: str | bytes) -> dict:
    import trafilatura  # slow to import; only HTML needs it

    try:
        doc = trafilatura.bare_extraction(data, with_metadata=True, only_with_metadata=False, include_comments=False,
                                          fast=True)
    except Exception:  # broken markup must not stop the run; metadata is optional
        return {}
    if doc is None:
        return {}
    out = {}
    for key in ("title", "author", "sitename", "text"):
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


_META_AUTHOR = re.compile(r"""<meta\s[^>]*?(?:name|property)\s*=\s*["'](?:author|article:author|dc\.creator)["'][^>]*>""",
                          re.I)
_CONTENT = re.compile(r"""content\s*=\s*(["'])(.*?)\1""", re.I | re.S)


def _meta_author(page: str) -> str | None:
    """The author a page's <meta> names (not a profile URL), as written."""
    import html as html_lib

    head = page[:page.lower().find("</head>") if "</head>" in page.lower() else 65536]
    for m in _META_AUTHOR.finditer(head):
        c = _CONTENT.search(m.group(0))
        value = html_lib.unescape(c.group(2)).strip() if c else ""
        if value and not value.lower().startswith(("http://", "https://", "www.")):
            return _WS.sub(" ", value)
    return None


def _trafilatura_text(data: str | bytes) -> str:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(data, include_comments=False, include_tables=True, favor_precision=True)
    except Exception:
        return ""
    return (getattr(doc, "text", None) or "") if doc is not None else ""
