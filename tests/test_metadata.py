"""Metadata that agrees with itself: the outlet is always a name, the author never holds the
outlet, a document's letterhead is never its title (rules/metadata.json)."""

from __future__ import annotations

import json

import pytest

from ctxh_extract import extract_file, extract_text
from helpers import GOLD

BODY = ("Năm 2023, tỉnh Hà Tĩnh đã tập huấn cho 200 cán bộ làm công tác xã hội tại các xã, phường, thị trấn.\n"
        "Theo Sở Lao động - Thương binh và Xã hội, toàn tỉnh hiện có 3 trung tâm công tác xã hội.\n")


def _html(tmp_path, head: str, lead: str = "") -> str:
    f = tmp_path / "page.html"
    f.write_text(f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Hà Tĩnh đào tạo cán bộ</title>
        {head}</head><body><article><h1>Hà Tĩnh đào tạo 200 cán bộ công tác xã hội</h1>
        <p class="sapo">{lead}Năm 2023, tỉnh Hà Tĩnh đã tập huấn cho 200 cán bộ làm công tác xã hội.</p>
        <p>Theo Sở Lao động - Thương binh và Xã hội, toàn tỉnh hiện có 3 trung tâm công tác xã hội, với
        hơn 40 nhân viên và hàng trăm cộng tác viên ở các xã.</p></article></body></html>""", encoding="utf-8")
    return str(f)


@pytest.mark.parametrize("tag, name", [("(ĐCSVN) - ", "Báo điện tử Đảng Cộng sản Việt Nam"),
                                       ("(LĐXH)- ", "Báo Lao động và Xã hội"),
                                       ("Kinhtedothi - ", "Báo Kinh tế & Đô thị"),
                                       ("(XYZ) - ", "XYZ")])      # an unknown tag: the name as written
def test_a_source_tag_becomes_the_outlets_name(tag, name):
    a = extract_text("Hà Tĩnh đào tạo cán bộ công tác xã hội\n" + tag + BODY).article
    assert (a.outlet, a.outlet_name) == (name, name)


def test_the_sites_name_is_the_outlet_and_wins_over_a_tag(tmp_path):
    a = extract_file(_html(tmp_path, '<meta property="og:site_name" content="Báo Hà Tĩnh">', "(ĐCSVN) - ")).article
    assert a.outlet == "Báo Hà Tĩnh"
    a = extract_file(_html(tmp_path, "", "(ĐCSVN) - ")).article
    assert a.outlet == "Báo điện tử Đảng Cộng sản Việt Nam"


@pytest.mark.parametrize("author, expected_author, expected_outlet", [
    ("Minh Châu - Báo Quảng Ngãi", "Minh Châu", "Báo Quảng Ngãi"),
    ("Minh Châu | baoquangngai.vn", "Minh Châu", "baoquangngai.vn"),
    ("Minh Châu (TTXVN)", "Minh Châu", "Thông tấn xã Việt Nam"),
    ("Theo TTXVN", None, "Thông tấn xã Việt Nam"),
    ("Minh Châu, Thu Hà", "Minh Châu, Thu Hà", None),
])
def test_the_author_holds_no_outlet(tmp_path, author, expected_author, expected_outlet):
    a = extract_file(_html(tmp_path, f'<meta name="author" content="{author}">')).article
    assert (a.author, a.outlet) == (expected_author, expected_outlet)


def test_with_a_site_name_the_outlet_in_the_author_just_goes(tmp_path):
    head = '<meta property="og:site_name" content="Báo Quảng Ngãi"><meta name="author" content="Minh Châu - Báo Quảng Ngãi">'
    a = extract_file(_html(tmp_path, head)).article
    assert (a.author, a.outlet) == ("Minh Châu", "Báo Quảng Ngãi")


PLAN = """ỦY BAN NHÂN DÂN
TỈNH HÀ TĨNH
Số: 325/KH-UBND

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Hà Tĩnh, ngày 12 tháng 3 năm 2021
{heading}
Căn cứ Quyết định số 112/QĐ-TTg ngày 22/01/2021 của Thủ tướng Chính phủ;
Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:
I. MỤC TIÊU
Đến năm 2025, 100% xã có cộng tác viên công tác xã hội; đào tạo 500 cán bộ làm công tác xã hội.
"""


@pytest.mark.parametrize("heading, title", [
    ("KẾ HOẠCH\nThực hiện Chương trình phát triển công tác xã hội\ngiai đoạn 2021 - 2030 trên địa bàn tỉnh Hà Tĩnh\n",
     "KẾ HOẠCH Thực hiện Chương trình phát triển công tác xã hội giai đoạn 2021 - 2030 trên địa bàn tỉnh Hà Tĩnh"),
    ("KẾ HOẠCH\nPhát triển công tác xã hội năm 2022\n\n", "KẾ HOẠCH Phát triển công tác xã hội năm 2022"),
    ("KẾ HOẠCH THỰC HIỆN ĐỀ ÁN 32 NĂM 2021\n", "KẾ HOẠCH THỰC HIỆN ĐỀ ÁN 32 NĂM 2021"),
    ("", None),                                     # a letterhead and no heading: no title at all
])
def test_a_plans_title_is_its_heading_never_the_letterhead(heading, title):
    r = extract_text(PLAN.format(heading=heading))
    assert r.article.title == title
    if title:
        assert r.segments[0].label != "title" or r.article.title.startswith("KẾ HOẠCH")


def test_the_gold_plans_get_their_heading_as_title(tmp_path):
    plans = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLD.glob("*.json"))]
    files = [GOLD / "articles" / f"{p['article_id']}.txt" for p in plans]
    files = [f for f in files if f.is_file() and "KẾ HOẠCH\n" in f.read_text(encoding="utf-8")]
    assert len(files) >= 3
    for f in files:
        title = extract_file(f).article.title
        assert title.startswith("KẾ HOẠCH ") and "ỦY BAN" not in title and len(title) > len("KẾ HOẠCH ") + 10, title


def test_a_letterhead_given_as_a_title_is_not_taken(tmp_path):
    """A JSONL or HTML title that is a letterhead ('ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH') gives way to the heading."""
    r = extract_text(PLAN.format(heading="KẾ HOẠCH\nPhát triển công tác xã hội năm 2022\n\n"),
                     title="ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH")
    assert r.article.title == "KẾ HOẠCH Phát triển công tác xã hội năm 2022"


def test_a_headline_about_a_peoples_committee_is_still_a_title():
    text = "Ủy ban nhân dân tỉnh Hà Tĩnh ban hành kế hoạch phát triển công tác xã hội\n" + BODY
    assert extract_text(text).article.title == "Ủy ban nhân dân tỉnh Hà Tĩnh ban hành kế hoạch phát triển công tác xã hội"
