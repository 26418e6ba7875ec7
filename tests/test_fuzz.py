"""Fuzzing: no text makes extraction raise, and the number parser finds no number where
there is neither a digit nor a number word.

``extract_text`` does not check that a text is Vietnamese (that is the reader's job), so it
must accept anything: empty strings, control characters, other scripts, U+FFFD.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ctxh_extract.api import extract_text
from ctxh_extract.extract.numbers import default_parser
from ctxh_extract.rules import load_rules

from helpers import ROOT, SEEDS

P = default_parser()
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_NR = load_rules(ROOT / "rules").numbers
# Every word the parser can read as (part of) a number, from rules/numbers.json.
NUMBER_WORDS = sorted({w.casefold() for w in (*_NR.digits, *_NR.ten, *_NR.tens_marker, *_NR.hundred,
                                               *_NR.zero_tens, *_NR.scales, *_NR.half)})
SEED_WORDS = sorted({w for f in SEEDS.glob("*.txt") for w in f.read_text(encoding="utf-8").split()})
PIECES = ["1.500", "160 000", "1,5", "12,5%", "2025", "2011 - 2015", "mười lăm", "hai nghìn ba trăm", "1,5 triệu",
          "\ufffd", "1.5\ufffd00", "%", "-", "–", "đến", "khoảng", "hơn", "\n", "\n\n", "\t", "\u00a0", "\u200b",
          "Hà Nội", "TP.HCM", "Hoà", "Ð", "...", "(", ")", "\"", "12/2024", "năm", "người", "cộng tác viên"]

# Articles: seed words, tricky pieces and arbitrary Unicode, mixed.
article_text = st.lists(st.one_of(st.sampled_from(SEED_WORDS), st.sampled_from(PIECES), st.text(max_size=12)),
                        max_size=80).map(" ".join)


def has_digit(s: str) -> bool:
    return any(ch.isdigit() for ch in s)


def has_number_word(s: str) -> bool:
    folded = unicodedata.normalize("NFC", s).casefold()
    return any(w in folded for w in NUMBER_WORDS)


@FUZZ
@given(st.text())
@example("")
@example("\x00\x01\x02")
@example("\ufffd" * 50)
@example("9" * 40 + " người")                               # larger than BIGINT
@example("Năm 2023 có 99999999999999999999999 cộng tác viên công tác xã hội tại Hà Nội.")
@example("Hà Nội\r\nHà Nội\rHà Nội\u2028Hà Nội\u0085")
def test_extract_text_never_raises_on_any_unicode(text):
    r = extract_text(text)
    assert r.article.n_chars == len(text)


@FUZZ
@given(article_text)
def test_extract_text_never_raises_on_article_like_text(text):
    r = extract_text(text)
    for fact in (*r.counts, *r.percentages, *r.mentions):       # offsets stay inside the text
        assert 0 <= fact.start_char <= fact.end_char <= len(text)


@FUZZ
@given(st.one_of(st.text(), article_text))
def test_number_parser_never_raises(text):
    mentions = P.find(text)
    P.value(text)
    for m in mentions:
        assert 0 <= m.start <= m.end <= len(text)


@FUZZ
@given(st.text())
def test_no_number_without_a_digit_or_number_word(text):
    if has_digit(text) or has_number_word(text):
        return                                                  # rare in arbitrary text; covered below
    assert P.find(text) == []
    assert P.value(text) is None


VIETNAMESE_LETTERS = ("aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợ"
                      "ùúủũụừứửữựỳýỷỹỵ")


@FUZZ
@given(st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " ,.;:%-–()\n\ufffd", max_size=300))
def test_no_number_in_vietnamese_letters_without_number_words(text):
    """Vietnamese-looking text: only a number word (một, hai, mươi, trăm, nghìn, ...) can be a number."""
    if has_number_word(text):
        return
    assert P.find(text) == []
    assert P.value(text) is None


@pytest.mark.parametrize("text", ["1.\ufffd500 người", "1,\ufffd5 triệu"])
def test_number_cut_by_replacement_character_after_separator_is_not_read(text):
    assert P.find(text) == []


def test_extract_text_with_a_run_of_5000_digits():
    """A run of digits longer than any count is an identifier: no fact, no exception."""
    assert extract_text("Hà Nội có " + "1" * 5000 + " cộng tác viên công tác xã hội.").counts == []
