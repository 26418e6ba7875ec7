"""Pages as readers see them: the headline and the lead are kept wherever the page puts them;
section labels and 'read more' links are dropped (their words are rules data); the encoding
of the page is the real one."""

from __future__ import annotations

import json
import shutil
import unicodedata

import duckdb
import pytest

from ctxh_extract.ingest.html import decode_html, extract_html, main_text, structural_text
from ctxh_extract.rules import load_rules
from helpers import ROOT, cp1258_bytes, run_ctxh

PAGE = (ROOT / "tests" / "data" / "html_reader_layout.html").read_bytes()
HEADLINE = "Hà Tĩnh đào tạo 200 cộng tác viên công tác xã hội"
LEAD = "Năm 2023, tỉnh Hà Tĩnh đã mở 6 lớp tập huấn cho 200 cộng tác viên công tác xã hội ở 12 huyện."
BODY = """<p>Theo Sở Lao động - Thương binh và Xã hội, mỗi lớp kéo dài 5 ngày với các nội dung về kỹ năng
tham vấn, quản lý trường hợp và kết nối dịch vụ cho người dân ở các xã vùng sâu.</p>
<p>Hiện toàn tỉnh có 3 trung tâm công tác xã hội; các trung tâm đã hỗ trợ 1.500 người trong năm.</p>"""


def _page(body: str, head: str = '<meta charset="utf-8">') -> bytes:
    return f"<!DOCTYPE html><html lang='vi'><head>{head}<title>t</title></head><body>{body}</body></html>".encode()


def test_headline_and_lead_outside_the_body_are_kept_in_reading_order():
    lines = extract_html(PAGE).text.splitlines()
    assert lines[:2] == [HEADLINE, LEAD]
    assert lines[2].startswith("Theo Sở Lao động")


def test_section_labels_and_read_more_links_are_dropped():
    text = extract_html(PAGE).text
    for gone in ("Xã hội\n", "An sinh", "Đọc tiếp", "Xem thêm", "Hà Tĩnh có 1.000 cộng tác viên ở cơ sở",
                 "Trung tâm công tác xã hội tỉnh mở cơ sở mới", "Nghệ An tập huấn", "Quảng Bình khai trương"):
        assert gone not in text, gone
    # the sentence around an inline link stays whole, and so does the article's last line (a link)
    assert "Hiện toàn tỉnh có 3 trung tâm công tác xã hội. Các trung tâm đã hỗ trợ 1.500 người." in text
    assert "Tỉnh phấn đấu đến năm 2025 có 90% xã có cộng tác viên." in text.splitlines()
    assert structural_text(PAGE).splitlines()[-1] == "Thu Hà"      # a link below the headline is no label


def test_section_label_inside_the_article_is_dropped():
    page = _page(f"""<article>
        <div class="cate"><a href="/xa-hoi">Xã hội</a></div>
        <a href="/thoi-su">Thời sự</a>
        <h1>{HEADLINE}</h1><div class="sapo">{LEAD}</div>{BODY}</article>""")
    lines = extract_html(page).text.splitlines()
    assert lines[:2] == [HEADLINE, LEAD] and len(lines) == 4


def test_lead_inside_the_body_and_headline_outside():
    page = _page(f"""<h1 class="title">{HEADLINE}</h1><div class="meta">Thứ Hai, 15/05/2023</div>
        <div class="content"><h2 class="article-sapo">{LEAD}</h2>{BODY}</div>""")
    lines = extract_html(page).text.splitlines()
    assert lines[:2] == [HEADLINE, LEAD] and len(lines) == 4


def test_trafilaturas_text_trims_what_follows_the_article():
    """Given trafilatura's main text as a guide, lines after the article's last paragraph (an author
    box, teasers the page's classes do not name) go; the headline and lead trafilatura lacks stay."""
    page = _page(f"""<div class="content"><h1>{HEADLINE}</h1><p class="sapo">{LEAD}</p>{BODY}
        <p>Phóng viên Thu Hà phụ trách chuyên mục an sinh xã hội của báo từ năm 2015 đến nay.</p>
        <p>Hà Nội khai trương thêm hai trung tâm công tác xã hội cho người cao tuổi ở ngoại thành.</p></div>""")
    body_only = extract_html(page).text.splitlines()[2:4]
    guide = "\n".join(body_only)
    text, how = main_text(page, load_rules(), guide=guide + "\n" + "Một câu khác của bài viết. " * 10)
    assert how == "structure" and text.splitlines() == [HEADLINE, LEAD, *body_only]
    assert len(structural_text(page).splitlines()) == 6                  # without a guide, all six lines


def test_wrong_container_gives_way_to_trafilaturas_text():
    """When the structure's text holds less than half of trafilatura's words, it took the wrong
    element: trafilatura's text is used, under the headline and lead it misses."""
    teaser = "<article><p>" + "Tin ngắn về thời tiết cuối tuần ở các tỉnh phía Bắc, trời rét đậm. " * 4 + "</p></article>"
    page = _page(f"<h1>{HEADLINE}</h1><p class='sapo'>{LEAD}</p>{teaser}")
    guide = ("Sở Lao động - Thương binh và Xã hội cho biết năm nay tỉnh mở thêm nhiều lớp tập huấn cho cộng tác "
             "viên công tác xã hội ở các huyện miền núi, với tổng kinh phí gần hai tỷ đồng.\n") * 3
    text, how = main_text(page, load_rules(), guide=guide)
    assert how == "trafilatura+head"
    assert text.splitlines()[:3] == [HEADLINE, LEAD, guide.splitlines()[0]]
    assert "thời tiết" not in text


def test_a_link_that_is_the_sentence_is_kept():
    """Only a cue before a link drops it: a plain link inside a sentence is text."""
    page = _page(f"<article><h1>{HEADLINE}</h1>{BODY}<p>Theo <a href='/q'>Quyết định 112/QĐ-TTg</a>, "
                 f"đến năm 2030 có 100% xã có cộng tác viên.</p></article>")
    assert "Theo Quyết định 112/QĐ-TTg, đến năm 2030 có 100% xã có cộng tác viên." in extract_html(page).text


def test_the_cue_words_are_rules_data(tmp_path):
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    cfg = json.loads((rules_dir / "html.json").read_text(encoding="utf-8"))
    cfg["link_cues"]["words"].remove("đọc tiếp")
    (rules_dir / "html.json").write_text(json.dumps(cfg, ensure_ascii=False), encoding="utf-8")
    text = extract_html(PAGE, load_rules(rules_dir)).text
    assert "Đọc tiếp: Hà Tĩnh có 1.000 cộng tác viên ở cơ sở" in text
    assert "Xem thêm" not in text


def test_the_html_reader_has_no_vietnamese_words_in_its_code():
    """Every string constant of ingest/html.py but docstrings: no Vietnamese letters (they go in rules/)."""
    import ast

    from ctxh_extract.ingest import read

    tree = ast.parse((ROOT / "src" / "ctxh_extract" / "ingest" / "html.py").read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
               and id(n) not in docstrings]
    assert strings
    assert not [s for s in strings if set(s) & read._VI_CHARS], "Vietnamese words belong in rules/html.json"


# --------------------------------------------------------------------------- the page's real encoding
@pytest.mark.parametrize("declared, data_enc, expected", [
    ('<meta charset="utf-8">', "utf-8", "utf-8"),
    ("", "utf-8", "utf-8"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">', "cp1258", "cp1258"),
    ("", "cp1258", "cp1258"),
    ('<meta charset="utf-8">', "cp1258", "cp1258"),          # declared wrongly: detected, and said so
])
def test_encoding_is_the_pages_real_one(declared, data_enc, expected):
    html = f"<html><head>{declared}</head><body><article><h1>{HEADLINE}</h1>{BODY}</article></body></html>"
    data = html.encode() if data_enc == "utf-8" else cp1258_bytes(html)
    text, enc, notes = decode_html(data)
    assert enc == expected
    doc = extract_html(data)
    assert doc.encoding == expected
    assert unicodedata.normalize("NFC", doc.text).splitlines()[0] == HEADLINE
    if declared and data_enc != "utf-8" and "utf-8" in declared:
        assert notes and "declares charset utf-8 but is not" in notes[0]


def test_encoding_column_of_an_html_article(tmp_path):
    f = tmp_path / "page.html"
    f.write_bytes(cp1258_bytes(PAGE.decode().replace('<meta charset="utf-8">', '<meta charset="windows-1258">')))
    db = str(tmp_path / "h.duckdb")
    r = run_ctxh("extract", str(f), "--db", db, "--quiet")
    assert r.returncode == 0, r.stderr
    assert "decoded as cp1258" in r.stderr
    con = duckdb.connect(db, read_only=True)
    try:
        assert con.execute("SELECT encoding, source_kind FROM articles").fetchone() == ("cp1258", "html")
    finally:
        con.close()


def test_a_page_that_is_not_its_declared_charset_and_nothing_else_is_still_read():
    """Bytes no encoding explains (a 0x81 in a page declared Windows-1252): read as a browser would,
    with a note, instead of failing (the page is then judged on its text)."""
    data = (b'<html><head><meta charset="windows-1252"></head><body><article><h1>Caf\xe9 in M\xfcnchen</h1>'
            + b"<p>Ein Text \xfcber das Caf\xe9 \x81 am Platz, mit vielen W\xf6rtern.</p>" * 10 + b"</article></body></html>")
    text, enc, notes = decode_html(data)
    assert enc == "cp1252" and notes[0].startswith("not valid cp1252 as the page declares: 10 byte(s)")
    assert "Café in München" in text
    doc = extract_html(data)
    assert doc.encoding == "cp1252" and doc.text.startswith("Café in München")
