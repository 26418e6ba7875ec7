"""Small corpora where one rule decides each total (used by test_figures.py and test_report.py).

The expected totals are in test_figures.py, worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

# (id, published, title, text)
CORPUS = [
    # a stock repeated in one article, only one statement with the period: one figure, period 2022
    ("lc2022", "2022-03-01", "Lai Châu có 350 cộng tác viên công tác xã hội",
     "Tỉnh Lai Châu có 350 cộng tác viên công tác xã hội.\n"
     "Năm 2022, tỉnh Lai Châu có 350 cộng tác viên công tác xã hội làm việc tại các xã, phường.\n"
     "Năm 2022, tỉnh Lai Châu đã tập huấn cho 200 cán bộ làm công tác xã hội."),
    # two years later: 410 collaborators (the latest stock wins: 410, not 760); the 2022 training
    # reported again (the same figure: added once) and a new one in 2024 (flows: 200 + 150)
    ("lc2024", "2024-04-01", "Lai Châu phát triển nghề công tác xã hội",
     "Tỉnh Lai Châu hiện có 410 cộng tác viên công tác xã hội.\n"
     "Năm 2022, tỉnh Lai Châu đã tập huấn cho 200 cán bộ làm công tác xã hội.\n"
     "Năm 2024, tỉnh Lai Châu đã tập huấn cho 150 cán bộ làm công tác xã hội."),
    # parts: 1,200 collaborators (not 1,610); 500 trainees (not 620)
    ("hg2023", "2023-06-01", "Hà Giang có 1.200 cộng tác viên",
     "Năm 2023, toàn tỉnh Hà Giang có 1.200 cộng tác viên công tác xã hội, trong đó 410 cộng tác viên ở "
     "khu vực biên giới.\n"
     "Năm 2023, tỉnh Hà Giang đã tập huấn cho 500 học viên, trong đó có 120 học viên là cán bộ cấp xã."),
    # one unit under two names: Thừa Thiên Huế (2023) and Huế (after the 2025 reform): centres 32
    ("tth2023", "2023-05-01", "Thừa Thiên Huế phát triển công tác xã hội",
     "Năm 2023, tỉnh Thừa Thiên Huế có 30 trung tâm công tác xã hội."),
    ("hue2025", "2025-09-01", "Huế phát triển công tác xã hội",
     "Thành phố Huế hiện có 32 trung tâm công tác xã hội."),
    # national figures: a row of their own
    ("vn2024", "2024-01-01", "Cả nước phát triển nghề công tác xã hội",
     "Cả nước hiện có 8.000 cộng tác viên công tác xã hội.\n"
     "Năm 2023, cả nước đã tập huấn cho 3.000 người làm công tác xã hội."),
    # Vietnamese order: Đắk Lắk after D (before Hà Giang), Yên Bái last
    ("dl2023", "2023-07-01", "Đắk Lắk tập huấn công tác xã hội",
     "Năm 2023, tỉnh Đắk Lắk đã tập huấn cho 90 cán bộ làm công tác xã hội."),
    ("yb2023", "2023-07-02", "Yên Bái tập huấn công tác xã hội",
     "Năm 2023, tỉnh Yên Bái đã tập huấn cho 70 cán bộ làm công tác xã hội."),
    # a flow inside a wider one: 2023's 200 is part of 2021-2025's 1,000, so trainees = 1,000
    ("na2025", "2025-03-01", "Nghệ An đào tạo công tác xã hội",
     "Giai đoạn 2021 - 2025, tỉnh Nghệ An đã đào tạo cho 1.000 cán bộ làm công tác xã hội.\n"
     "Năm 2023, tỉnh Nghệ An đã đào tạo cho 200 cán bộ làm công tác xã hội."),
]

TARGETS = [
    ("kh2021", "2021-02-01", "Kế hoạch phát triển công tác xã hội tỉnh Kon Tum",
     "Kế hoạch của tỉnh Kon Tum: phấn đấu đến năm 2025 có 100% xã có cộng tác viên công tác xã hội.\n"
     "Tỉnh Kon Tum phấn đấu đến năm 2025, 100% xã có cộng tác viên công tác xã hội và 80% cán bộ được tập "
     "huấn kiến thức công tác xã hội."),
    ("kh2022", "2022-02-01", "Kon Tum đặt mục tiêu công tác xã hội",
     "Tỉnh Kon Tum đặt mục tiêu công tác xã hội cho giai đoạn tới.\n"
     "Phấn đấu đến năm 2025, tỉnh Kon Tum có 100% xã có cộng tác viên công tác xã hội."),
]


def write_corpus(folder: Path, articles) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for aid, published, title, text in articles:
            fh.write(json.dumps({"id": aid, "published": published, "title": title, "text": text,
                                 "url": f"https://baotest.vn/{aid}.html"}, ensure_ascii=False) + "\n")
    return path
