"""Facts from flattened tables (:mod:`ctxh_extract.text.tables`).

Each value cell becomes a count or a percentage: its unit is the row's unit cell
(``%``, ``Người``, ``Trung tâm``), its category comes from that unit and the row's
label (``Số người khuyết tật được phẫu thuật ...`` -> beneficiaries), its period
from its column's header (``Giai đoạn 2021 - 2025``), and it is a goal when the
column or the table says so (``Chỉ tiêu``, ``Kế hoạch``) or the heading above the
table does (``2. Mục tiêu cụ thể``). The evidence runs from the row's label to the
value, as the text has it.
"""

from __future__ import annotations

from ..text.outline import Outline
from ..text.tables import Row, Table
from .counts import CountCandidate
from .numbers import parser_for
from .percentages import PercentCandidate
from .targets import Section, scope_chain, via


def table_facts(tables: list[Table], text: str, sentences, outline: Outline | None, extractors, primary: str | None):
    """(counts, percentages) in the shape :func:`ctxh_extract.extract.extract_sentences` returns."""
    counts, pcts = [], []
    if not tables:
        return counts, pcts
    parser = parser_for(extractors.rules)
    cx = extractors.counts
    for table in tables:
        head = next((s for s in sentences if s.start <= table.start < s.end), None)
        chain = scope_chain(outline, head, Section()) if head is not None and outline is not None else []
        chain_pol = next(((sc.polarity, sc.rule) for sc in chain if sc.polarity), (None, None))
        chain_period = next((sc.period for sc in chain if sc.period is not None), None)
        for row in table.rows:
            for col, cell in zip(table.columns, row.values):
                ms = [m for m in parser.find(cell.text) if m.kind != "year"]
                if not ms:
                    continue
                m = ms[0]
                if col.polarity is not None:
                    is_target, trule = col.polarity == "target", "table.column"
                elif table.polarity is not None:
                    is_target, trule = table.polarity == "target", "table.header"
                elif chain_pol[0] is not None:
                    is_target, trule = chain_pol[0] == "target", chain_pol[1]
                else:
                    is_target, trule = False, "default.achieved"
                period = via(col.period, "table_column") if col.period is not None else (chain_period if is_target else None)
                start, end = cell.start + m.start, cell.start + m.number_end
                evidence = (row.label.start, cell.end)
                unit_text = row.unit.text if row.unit is not None else ""
                if "%" in unit_text or m.percent:
                    pcts.append((PercentCandidate(
                        start=start, end=cell.start + m.end, evidence=evidence, value=float(m.value),
                        value_max=float(m.value_max) if m.value_max is not None else None, qualifier=m.qualifier,
                        rule="table.percent", qualifier_rule=m.qualifier_rule,
                        kind="target" if is_target else "share", subject=_subject(row)),
                        is_target, trule, period, primary))
                    continue
                found = cx.unit_at(" " + unit_text, 0) if unit_text else None
                if found is None or not float(m.value).is_integer():
                    continue
                urule = found[2]
                category, rule = cx._category(urule, row.label.text, "", row.label.text, row.label.text,
                                              row.label.text, text)
                if category is None:
                    continue
                counts.append((CountCandidate(
                    start=start, end=end, evidence=evidence, value=int(m.value),
                    value_max=int(m.value_max) if m.value_max is not None else None, qualifier=m.qualifier,
                    rule="table." + rule, qualifier_rule=m.qualifier_rule, category=category,
                    unit=" ".join(unit_text.split()).lower(), per_unit=None),
                    is_target, trule, period, primary))
    return counts, pcts


def _subject(row: Row) -> str | None:
    words = row.label.text.rstrip(".").split()
    return " ".join(words[:8]) or None
