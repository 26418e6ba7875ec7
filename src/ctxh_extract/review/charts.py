"""The review page's charts as geometry for inline SVG (the templates draw them; nothing runs).

* per-province bars: one chart per summary column (trainees, collaborators, centres), the
  units with a figure, largest first;
* target percentages by end year: one bubble per (end year, value), its size the number of
  distinct target figures there, its tooltip the provinces and goals.

>>> c = bar_chart("trainees", "Trainees", [{"province": "Hà Tĩnh", "trainees": 300, "scope": "province"},
...                                        {"province": "Nghệ An", "trainees": 100, "scope": "province"}])
>>> [(b.label, b.display, b.width) for b in c.bars]     # the largest bar spans the plot (314 units)
[('Hà Tĩnh', '300', 314.0), ('Nghệ An', '100', 104.7)]
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

WIDTH = 560          # every chart, in SVG units (= CSS px at 100%)
LABEL_W = 170
VALUE_W = 70
ROW_H = 18
MAX_BARS = 30


def fmt_num(x) -> str:
    """1500 -> '1,500'; 12.5 -> '12.5'; None -> ''."""
    if x is None:
        return ""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return f"{x:,}" if isinstance(x, int) else f"{x:,.2f}".rstrip("0").rstrip(".")


@dataclass
class Bar:
    label: str
    value: float
    display: str
    tooltip: str
    y: float
    width: float


@dataclass
class BarChart:
    metric: str
    title: str
    bars: list[Bar]
    height: float
    hidden: int = 0                  # units left out (beyond MAX_BARS)
    national: str = ""               # the national figure, said under the chart
    width: int = WIDTH
    label_w: int = LABEL_W
    row_h: int = ROW_H

    @property
    def bar_x(self) -> int:
        return self.label_w + 6


def unit_label(row: dict) -> str:
    label = row.get("province") or "national"
    return f"{label} (2025 unit)" if row.get("after_merger") else label


def bar_chart(metric: str, title: str, summary: list[dict], notes: dict[str, str] | None = None) -> BarChart:
    """Bars of one summary column; ``notes`` (unit label -> text) add to a bar's tooltip."""
    rows = [r for r in summary if r.get("scope") != "national" and (r.get(metric) or 0) > 0]
    rows.sort(key=lambda r: -(r.get(metric) or 0))
    shown, hidden = rows[:MAX_BARS], max(0, len(rows) - MAX_BARS)
    top = max((r[metric] for r in shown), default=0)
    span = WIDTH - LABEL_W - VALUE_W - 6
    bars = []
    for i, r in enumerate(shown):
        label = unit_label(r)
        tip = f"{label}: {fmt_num(r[metric])} {title.lower()}"
        if notes and notes.get(label):
            tip += f" ({notes[label]})"
        bars.append(Bar(label, r[metric], fmt_num(r[metric]), tip, 4 + i * ROW_H,
                        round(max(1.0, span * r[metric] / top), 1) if top else 0))
    national = next((fmt_num(r[metric]) for r in summary if r.get("scope") == "national" and r.get(metric)), "")
    return BarChart(metric, title, bars, 8 + len(bars) * ROW_H, hidden, national)


@dataclass
class Bubble:
    cx: float
    cy: float
    r: float
    tooltip: str


@dataclass
class DotChart:
    bubbles: list[Bubble]
    years: list[tuple[float, str, str]]           # (x, year, "n figures")
    y_ticks: list[tuple[float, str]]              # (y, label)
    width: int = WIDTH
    height: int = 300
    left: int = 44
    top: int = 12
    plot_h: int = 240
    n_figures: int = 0
    undated: int = 0                              # target percentages with no end year (not drawn)
    extra: dict = field(default_factory=dict)


def dot_chart(figures: list[dict]) -> DotChart:
    """Target percentages by end year, from ``figures`` rows (fact_type, is_target, kind, value,
    period_end, province, subject, n_statements, articles)."""
    targets = [f for f in figures if f.get("fact_type") == "percentage" and f.get("is_target")
               and f.get("kind") == "target"]
    dated = [f for f in targets if f.get("period_end") is not None]
    years = sorted({f["period_end"] for f in dated})
    chart = DotChart([], [], [], n_figures=len(dated), undated=len(targets) - len(dated))
    if not years:
        return chart
    y_max = max(100.0, math.ceil(max(f["value"] for f in dated) / 25) * 25)
    plot_w = chart.width - chart.left - 10
    col = plot_w / len(years)

    def y_of(v: float) -> float:
        return round(chart.top + chart.plot_h * (1 - v / y_max), 1)

    chart.y_ticks = [(y_of(v), f"{fmt_num(v)}%") for v in range(0, int(y_max) + 1, 25)]
    groups: dict[tuple[int, float], list[dict]] = defaultdict(list)
    for f in dated:
        groups[(f["period_end"], f["value"])].append(f)
    per_year: dict[int, int] = defaultdict(int)
    for (year, value), fs in sorted(groups.items()):
        per_year[year] += len(fs)
        x = chart.left + col * (years.index(year) + 0.5)
        r = min(col / 2 - 1, 3.5 + 2.2 * math.sqrt(len(fs) - 1))
        lines = [f"{fmt_num(value)}% by {year}: {len(fs)} target figure" + ("s" if len(fs) > 1 else "")]
        for f in sorted(fs, key=lambda f: (f.get("province") or "~", f.get("subject") or ""))[:12]:
            arts = f.get("articles") or []
            lines.append(f"· {f.get('province') or 'national'}: {f.get('subject') or '?'}"
                         f" ({f.get('n_statements', 1)} statement{'s' if f.get('n_statements', 1) != 1 else ''}"
                         f" in {', '.join(arts[:3])}{' …' if len(arts) > 3 else ''})")
        if len(fs) > 12:
            lines.append(f"· and {len(fs) - 12} more")
        chart.bubbles.append(Bubble(round(x, 1), y_of(value), round(max(r, 2.5), 1), "\n".join(lines)))
    chart.years = [(round(chart.left + col * (i + 0.5), 1), str(y), f"{per_year[y]}") for i, y in enumerate(years)]
    return chart
