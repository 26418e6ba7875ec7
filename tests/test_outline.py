"""The document outline decides a goal's period and target flag (ANNOTATION.md, "Periods in detail").

Each case is a small plan or news text in the shape real ones have (written for these tests,
modelled on provincial plans and national programme news), with the expected
(value, is_target, period) of every percentage and count, in text order.
"""

from __future__ import annotations

from datetime import date

import pytest

from ctxh_extract import extract_text
from ctxh_extract.review.explain import explain_text

BAC_NINH_STYLE = """ỦY BAN NHÂN DÂN
TỈNH AN LẠC
--------
Số: 325/KH-UBND

An Lạc, ngày 18 tháng 5 năm 2021

KẾ HOẠCH

THỰC HIỆN CHƯƠNG TRÌNH PHÁT TRIỂN CÔNG TÁC XÃ HỘI GIAI ĐOẠN 2021-2030

Thực hiện Quyết định số 112/QĐ-TTg ngày 22/01/2021 của Thủ tướng Chính phủ ban hành Chương trình phát triển công tác xã hội giai đoạn 2021-2030.

I. MỤC TIÊU

1. Mục tiêu chung

Tiếp tục đẩy mạnh công tác xã hội tại các đơn vị, địa phương.

2. Mục tiêu cụ thể

2.1. Giai đoạn 2021 - 2025

- Đạt 60% số cơ sở trợ giúp xã hội bố trí nhân sự làm công tác xã hội.

- Ít nhất 40% số cơ sở y tế có cung cấp dịch vụ công tác xã hội.

2.2. Giai đoạn 2026 - 2030

- Đạt 90% số cơ sở trợ giúp xã hội bố trí nhân sự làm công tác xã hội.

- Tập huấn cho 3.000 lượt cán bộ, cộng tác viên.
"""

HORIZON_ONLY = """KẾ HOẠCH
Phát triển nghề công tác xã hội tỉnh đến năm 2030

I. MỤC TIÊU
2. Mục tiêu cụ thể
- 100% xã, phường có ít nhất 01 cộng tác viên công tác xã hội.
- Tỷ lệ người cao tuổi được chăm sóc tại cộng đồng đạt 70%.
"""

LETTER_HEADINGS = """KẾ HOẠCH
Triển khai Chương trình phát triển công tác xã hội giai đoạn 2021 - 2030 trên địa bàn thành phố

2. Mục tiêu cụ thể
a) Đến năm 2025
- Ít nhất 60% số trường học có bộ phận công tác xã hội.
b) Từ 2026 đến 2030
- Ít nhất 80% số trường học có bộ phận công tác xã hội.
"""

NEAREST_HEAD = """Chương trình gồm hai giai đoạn 2021-2025 và 2026-2030; mục tiêu cụ thể đến năm 2025 gồm:
- 50% cơ sở trợ giúp xã hội có nhân viên công tác xã hội;
- đào tạo 2.000 cán bộ làm công tác xã hội.
"""

PHASES = """Đề án được chia làm hai giai đoạn: giai đoạn I (2021 - 2025) và giai đoạn II (2026 - 2030).
Trong giai đoạn I, tỉnh tập trung tuyên truyền và xây dựng mạng lưới.
Đến cuối giai đoạn II, phấn đấu 90% xã có cộng tác viên công tác xã hội.
"""

PHASE_BY_ORDER = """Trong giai đoạn 1 của Đề án (2011 - 2015), tỉnh tập trung tuyên truyền.
Tiếp đó, Bộ ban hành Kế hoạch tổng thể thực hiện Đề án giai đoạn 2016-2020 với các mục tiêu cụ thể.
Tỉnh đã cụ thể hóa nhiệm vụ trong giai đoạn 2 của Đề án: bảo đảm mỗi xã có ít nhất 01 cộng tác viên.
"""

CASES = [
    ("headings and items take the nearest heading's phase", BAC_NINH_STYLE, None,
     [(60.0, True, (2021, 2025)), (40.0, True, (2021, 2025)), (90.0, True, (2026, 2030)),
      (3000, True, (2026, 2030))]),
    ("goals under no phase take the plan's horizon", HORIZON_ONLY, None,
     [(100.0, True, (None, 2030)), (1, True, (None, 2030)), (70.0, True, (None, 2030))]),
    ("'a) Đến năm 2025' and 'b) Từ 2026 đến 2030' head their items", LETTER_HEADINGS, None,
     [(60.0, True, (None, 2025)), (80.0, True, (2026, 2030))]),
    ("the head's nearest period introduces the list, widened by the phase it names", NEAREST_HEAD, None,
     [(50.0, True, (2021, 2025)), (2000, True, (2021, 2025))]),
    ("a named phase is resolved where it is referred to", PHASES, None,
     [(90.0, True, (2026, 2030))]),
    ("phase 2 undefined: the range mentioned after phase 1", PHASE_BY_ORDER, None,
     [(1, True, (2016, 2020))]),
    ("paired goals: each value takes the year after it; the qualifier is shared",
     "Tỉnh phấn đấu tỷ lệ hộ nghèo giảm xuống dưới 6% vào năm 2026 và 5% vào năm 2029.", None,
     [(6.0, True, (2026, 2026)), (5.0, True, (2029, 2029))]),
    ("a period before each value, in turn",
     "Phấn đấu đến năm 2025 đạt 60% và đến năm 2030 đạt 90% số xã có cộng tác viên.", None,
     [(60.0, True, (None, 2025)), (90.0, True, (None, 2030))]),
    ("own clause first; a baseline is never the period",
     "Mục tiêu: năm 2030 tăng 30% so với năm 2025 số người được trợ giúp.", None,
     [(30.0, True, (2030, 2030))]),
    ("the date of a document is not a period",
     "Thực hiện Quyết định số 1234/QĐ-UBND ngày 15 tháng 3 năm 2022, tỉnh phấn đấu 80% xã có cộng tác viên.", None,
     [(80.0, True, None)]),
    ("a decision's year is not a period",
     "Theo Nghị quyết số 05/NQ-HĐND năm 2021, tỉnh phấn đấu 70% cán bộ được bồi dưỡng.", None,
     [(70.0, True, None)]),
    ("a sentence's first clause heads the ';' goals after it",
     "Phấn đấu đến năm 2025, 100% xã có cộng tác viên; 80% cán bộ được đào tạo; thành lập 05 mô hình.", None,
     [(100.0, True, (None, 2025)), (80.0, True, (None, 2025)), (5, True, (None, 2025))]),
    ("achieved items continue the colon line that heads them",
     "Năm 2024, công tác xã hội của tỉnh đạt được nhiều kết quả nổi bật:\n- Tập huấn cho 300 lượt cộng tác viên;\n- Thành lập 5 đội công tác xã hội tình nguyện.",
     None, [(300, False, (2024, 2024)), (5, False, (2024, 2024))]),
    ("a present-tense statement under a results heading of a plan is achieved",
     "KẾ HOẠCH\nPhát triển công tác xã hội giai đoạn 2021 - 2025\nI. THỰC TRẠNG\nToàn tỉnh có 120 cộng tác viên công tác xã hội.\nII. MỤC TIÊU\n- Đến năm 2025, 100% xã có cộng tác viên công tác xã hội.",
     None, [(120, False, None), (100.0, True, (None, 2025))]),
    ("a paragraph that says what is stays achieved under a goals heading; the next one does not",
     "KẾ HOẠCH\nPhát triển công tác xã hội giai đoạn 2021 - 2025\nII. MỤC TIÊU\nHiện nay, toàn tỉnh có 120 cộng tác viên. Trong đó, 40 cộng tác viên là nữ.\n- Phấn đấu 100% xã có cộng tác viên công tác xã hội.\n- 200 cán bộ được bồi dưỡng nghiệp vụ.",
     None, [(120, False, None), (40, False, None), (100.0, True, (2021, 2025)), (200, True, (2021, 2025))]),
    ("an achieved figure's year comes from its own sentence only",
     "Giai đoạn 2021 - 2025, tỉnh phấn đấu đào tạo 500 cán bộ. Đến nay, tỉnh đã đào tạo được 320 cán bộ.",
     date(2024, 6, 1), [(500, True, (2021, 2025)), (320, False, None)]),
    ("an achieved figure does not take a later figure's year",
     "Toàn tỉnh đã có 14 bệnh viện có phòng công tác xã hội, hỗ trợ hơn 27.000 lượt người bệnh trong năm 2022.",
     None, [(14, False, None), (27000, False, (2022, 2022))]),
    ("a new heading ends the plan section of the one before",
     "1. Mục tiêu đến năm 2025\nPhấn đấu 100% xã có cộng tác viên.\n2. Kết quả năm 2023\nTỉnh có 80 cộng tác viên công tác xã hội.",
     None, [(100.0, True, (None, 2025)), (80, False, None)]),
]


def _facts(text: str, published):
    r = extract_text(text, published=published)
    out = [(c.start_char, c.value, c.is_target, (c.period_start, c.period_end))
           for c in r.counts]
    out += [(p.start_char, p.value, p.is_target, (p.period_start, p.period_end)) for p in r.percentages]
    return [(v, t, None if per == (None, None) else per) for _, v, t, per in sorted(out)]


@pytest.mark.parametrize("why,text,published,expected", CASES, ids=[c[0] for c in CASES])
def test_goal_period_from_outline(why, text, published, expected):
    assert _facts(text, published) == expected


def test_paired_goals_share_their_qualifier():
    r = extract_text("Phấn đấu tỷ lệ hộ nghèo giảm xuống dưới 6% vào năm 2026 và 5% vào năm 2029.")
    assert [(p.value, p.qualifier) for p in r.percentages] == [(6.0, "at_most"), (5.0, "at_most")]


def test_outline_tree_of_a_plan():
    text = explain_text(BAC_NINH_STYLE).trace.outline.render(width=200)
    lines = [ln.strip() for ln in text.splitlines()]
    assert lines[0] == "document (plan; horizon 2021-2030)"
    heads = [ln.split(":")[0] for ln in lines if ln.startswith(("heading", "plan_header", "item"))]
    assert heads == ["plan_header [2021-2030]", "heading I. [target]", "heading 1. [target]", "heading 2. [target]",
                     "heading 2.1. [2021-2025]", "item -", "item -", "heading 2.2. [2026-2030]", "item -", "item -"]
    # nesting: the items sit under their phase heading, which sits under 'Mục tiêu cụ thể'
    depth = {ln.strip()[:40]: (len(ln) - len(ln.lstrip())) // 2 for ln in text.splitlines()}
    assert depth["heading 2.1. [2021-2025]: 2.1. Giai đoạn"] == depth["heading 2. [target]: 2. Mục tiêu cụ thể"] + 1


def test_period_rule_says_where_the_period_came_from():
    r = extract_text(BAC_NINH_STYLE)
    assert {p.period_rule for p in r.percentages} == {"period.stage_range@heading"}


TABLE_PLAN = """KẾ HOẠCH
Thực hiện Chương trình trợ giúp người khuyết tật giai đoạn 2021 - 2030

I. MỤC TIÊU

2. Mục tiêu cụ thể

TT

Nội dung chỉ tiêu

Đơn vị tính

Giai đoạn 2021 - 2025

Giai đoạn 2026 - 2030

1

Tỷ lệ người khuyết tật tiếp cận các dịch vụ y tế.

%

80

90

2

Số người khuyết tật được phẫu thuật chỉnh hình, phục hồi chức năng.

Người

1.000

1.500
"""


def test_flattened_table_gives_each_value_its_row_and_column():
    r = extract_text(TABLE_PLAN)
    assert [(p.value, p.is_target, (p.period_start, p.period_end)) for p in r.percentages] == [
        (80.0, True, (2021, 2025)), (90.0, True, (2026, 2030))]
    assert [(c.category, c.value, c.is_target, (c.period_start, c.period_end)) for c in r.counts] == [
        ("beneficiaries", 1000, True, (2021, 2025)), ("beneficiaries", 1500, True, (2026, 2030))]
    assert all(p.evidence.startswith("Tỷ lệ người khuyết tật") for p in r.percentages)


def test_a_named_programme_gives_its_goals_its_period():
    text = ("Chương trình phát triển công tác xã hội giai đoạn 2021-2030 được chia thành hai giai đoạn. "
            "Chương trình phấn đấu tập huấn nghiệp vụ cho 90.000 cán bộ, công chức.")
    assert [(c.value, c.is_target, (c.period_start, c.period_end)) for c in extract_text(text).counts] == [
        (90000, True, (2021, 2030))]


def test_what_the_whole_country_has_is_achieved_even_in_a_plan_section():
    text = ("Mục tiêu đến năm 2020: đào tạo 500 cán bộ. Theo ông Lợi, cả nước có gần 60 trường "
            "tham gia đào tạo công tác xã hội.")
    assert [(c.value, c.is_target) for c in extract_text(text).counts] == [(500, True), (60, False)]


D_CASES = [
    ("a sentence wrapped across lines is one sentence, and a year right after a value is its own",
     "2. Mục tiêu cụ thể\na) 100% cấp ủy, chính quyền\ncác cấp ban hành kế hoạch chăm sóc người cao tuổi vào năm 2025;\n"
     "b) 75% người cao tuổi được cung cấp thông tin vào năm 2025 và đạt 85% vào năm 2030;",
     [(100.0, True, (2025, 2025)), (75.0, True, (2025, 2025)), (85.0, True, (2030, 2030))]),
    ("a goal's own bare year says more than the plan's horizon",
     "KẾ HOẠCH\nThực hiện Chương trình phát triển công tác xã hội giai đoạn 2021-2030\nI. MỤC TIÊU\n"
     "- Tỷ lệ người được tư vấn năm 2025 tăng 20% so với năm 2020.",
     [(20.0, True, (2025, 2025))]),
    ("... but not than the phase it is listed under (the seed gold's reading)",
     "Từ năm 2026 đến năm 2030, có 60% số cơ quan bố trí nhân sự.\n"
     "Tỷ lệ người được tư vấn năm 2025 tăng 30% so với năm 2025.",
     [(60.0, True, (2026, 2030)), (30.0, True, (2026, 2030))]),
    ("'các cơ sở hiện có' (the existing ones) is no cue",
     "Trong giai đoạn 2016 - 2020, tỉnh sẽ duy trì các cơ sở hiện có và phát triển thêm 02 cơ sở trợ giúp xã hội.",
     [(2, True, (2016, 2020))]),
    ("a project's period given after it is named",
     "Dự án hướng đến mục tiêu xây dựng một trung tâm bảo trợ xã hội cho người khuyết tật. "
     "Thời gian thực hiện dự án từ 2022-2027.",
     [(1, True, (2022, 2027))]),
]


@pytest.mark.parametrize("why,text,expected", D_CASES, ids=[c[0] for c in D_CASES])
def test_periods_from_the_fourth_batch(why, text, expected):
    assert _facts(text, None) == expected


def test_hien_dai_is_not_a_cue():
    r = extract_text("Mục tiêu xây dựng trung tâm hiện đại, phục vụ cho hơn 20.000 người khuyết tật.")
    assert [(c.value, c.is_target) for c in r.counts] == [(20000, True)]
