"""Tables that reach us flattened, one cell a line.

Plan texts copied from legal-document sites keep their target tables as a run of
short lines: the header cells (``TT`` / ``Nội dung chỉ tiêu`` / ``Đơn vị tính`` /
``Giai đoạn 2021 - 2025`` / ``Giai đoạn 2026 - 2030``), then per row an index,
the label, the unit and one value per column. Read line by line, a value cell is a
bare number with no unit, so the extractors would drop it; here the run is read
back into rows and columns so that :mod:`ctxh_extract.extract.tables` can make
each value a fact with its row's unit and label and its column's period.
Header words are in ``rules/outline.json`` ("tables").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from ..rules import Rules
from .layout import Line
from .periods import Period, find_periods


@dataclass
class Cell:
    start: int          # offsets into the cleaned text (stripped of surrounding spaces)
    end: int
    text: str


@dataclass
class Column:
    header: Cell
    period: Period | None
    polarity: str | None          # target | achieved | None, from the header's words


@dataclass
class Row:
    index: Cell | None
    label: Cell
    unit: Cell | None
    values: list[Cell]


@dataclass
class Table:
    start: int
    end: int
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    polarity: str | None = None   # from the label column's header ('chỉ tiêu') or a title line

    def value_spans(self) -> list[tuple[int, int]]:
        return [(v.start, v.end) for r in self.rows for v in r.values]


_INT = regex.compile(r"\d{1,3}")
_VALUE = regex.compile(r"(?:[≥≤<>]=?|(?:tối thiểu|tối đa|ít nhất|trên|dưới|khoảng|gần)\s+)?\s*\d[\d.,]*\s*%?"
                       r"(?:\s*(?:-|–)\s*\d[\d.,]*\s*%?)?", regex.IGNORECASE)


def _cells(text: str, lines: list[Line]) -> list[Cell]:
    out = []
    for ln in lines:
        if ln.is_body and not ln.blank:
            s = ln.text
            lead = len(s) - len(s.lstrip())
            out.append(Cell(ln.start + lead, ln.start + len(s.rstrip()), s.strip()))
    return out


def find_tables(text: str, lines: list[Line], rules: Rules) -> list[Table]:
    """Flattened tables among the body lines (see the module docstring)."""
    cfg = rules.outline.tables
    if cfg is None:
        return []
    x = cfg.model_extra
    low = lambda s: " ".join(s.lower().split())
    idx_words = {low(w) for w in x["index_header"]}
    label_words = [low(w) for w in x["label_header"]]
    unit_words = [low(w) for w in x["unit_header"]]
    tgt = [low(w) for w in x.get("target_words", [])]
    ach = [low(w) for w in x.get("achieved_words", [])]
    max_unit = int(x.get("max_unit_words", 3))
    cells = _cells(text, lines)
    tables: list[Table] = []
    i = 0
    while i < len(cells):
        if low(cells[i].text) not in idx_words:
            i += 1
            continue
        # header: index, label, [unit], value columns..., up to the first row index ('1')
        j = i + 1
        header = []
        while j < len(cells) and not (_INT.fullmatch(cells[j].text) and cells[j].text == "1") and len(header) < 10:
            header.append(cells[j])
            j += 1
        if len(header) < 2 or not any(low(h.text).startswith(tuple(label_words)) for h in header[:2]):
            i += 1
            continue
        label_at = next(k for k, h in enumerate(header) if low(h.text).startswith(tuple(label_words)))
        unit_at = next((k for k, h in enumerate(header) if low(h.text).startswith(tuple(unit_words))), None)
        first_value = (unit_at if unit_at is not None else label_at) + 1
        value_headers = header[first_value:]
        if not value_headers:
            i += 1
            continue
        cols = []
        for h in value_headers:
            ps = [p for p in find_periods(h.text, rules, h.start) if p.kind not in ("baseline", "date")]
            hl = low(h.text)
            pol = "target" if any(w in hl for w in tgt) else ("achieved" if any(w in hl for w in ach) else None)
            cols.append(Column(h, ps[0] if ps else None, pol))
        label_head = low(header[label_at].text)
        table = Table(cells[i].start, header[-1].end, cols,
                      polarity="target" if any(w in label_head for w in tgt) else None)
        # rows: index, label, [unit], one value per column
        k, expect = j, 1
        width = 2 + (1 if unit_at is not None else 0) + len(cols)
        while k + width - 1 < len(cells) and cells[k].text == str(expect):
            label = cells[k + 1]
            unit = cells[k + 2] if unit_at is not None else None
            values = cells[k + width - len(cols):k + width]
            if unit is not None and (len(unit.text.split()) > max_unit or _VALUE.fullmatch(unit.text)):
                break
            if not all(_VALUE.fullmatch(v.text) for v in values):
                break
            table.rows.append(Row(cells[k], label, unit, values))
            table.end = values[-1].end
            k += width
            expect += 1
        if table.rows:
            tables.append(table)
            i = k
        else:
            i += 1
    return tables
