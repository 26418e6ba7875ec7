"""Export of every table and view of the database: Parquet (see PARQUET_OPTIONS) or CSV files, or one Excel workbook.

CSV is plain UTF-8 without a byte-order mark (what scripts and most tools expect);
``bom=True`` adds one, so that Excel opens the file with its Vietnamese letters
intact instead of guessing a Windows code page. The Excel workbook (``--format
xlsx``, the optional extra ``ctxh-extract[xlsx]``) has one sheet per table and
view, with counts as numbers, dates as dates and text as text (a cell that
starts with ``=`` stays text, never a formula).
"""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime

import duckdb

from ..errors import CtxhError
from .store import PARQUET_OPTIONS, TABLES, VIEWS, Store

FORMATS = ("parquet", "csv", "xlsx")
XLSX_FILE = "ctxh.xlsx"
# sheets in the order a journalist reads them: summaries and figures first, then the raw tables
XLSX_FIRST = ("province_summary", "province_flows", "figures", "facts")
EXCEL_MAX_ROWS = 1_048_576          # per sheet, header included
EXCEL_MAX_CHARS = 32_767            # per cell
EXCEL_MAX_INT = 2 ** 53             # larger integers lose digits as Excel numbers, so they are written as text
BOM = b"\xef\xbb\xbf"


def names() -> list[str]:
    """Every table (but ``meta``) and view, in the order of the files or sheets."""
    return [t for t in TABLES if t != "meta"] + list(VIEWS)


def export(db: str, out_dir: str, fmt: str = "parquet", bom: bool = False) -> list[tuple[str, str, int]]:
    """Write every table and view; returns (name, path, rows) per table or view."""
    if fmt not in FORMATS:
        raise CtxhError(f"unknown export format {fmt!r} ({', '.join(FORMATS)})")
    if bom and fmt != "csv":
        raise CtxhError("--bom is for --format csv (Parquet and Excel files have no byte-order mark)")
    if fmt == "xlsx":
        writer = _xlsxwriter()        # before anything is opened or written
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise CtxhError(f"{out_dir}: cannot create the export folder: {exc.strerror or exc}") from None
    con = Store(db, read_only=True).con
    try:
        if fmt == "xlsx":
            return _xlsx(con, writer, os.path.join(out_dir, XLSX_FILE))
        written = []
        for name in names():
            path = os.path.join(out_dir, f"{name}.{fmt}")
            target = path + ".tmp" if bom else path
            opts = f"({PARQUET_OPTIONS})" if fmt == "parquet" else "(FORMAT csv, HEADER true)"
            con.execute(f"COPY (SELECT * FROM {name}) TO '{_quote(target)}' {opts}")
            if bom:
                with open(target, "rb") as src, open(path, "wb") as dst:
                    dst.write(BOM)
                    shutil.copyfileobj(src, dst, 1 << 20)
                os.remove(target)
            n = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            written.append((name, path, n))
        return written
    except duckdb.Error as exc:
        raise CtxhError(f"{out_dir}: export failed: {str(exc).splitlines()[0]}") from None
    except OSError as exc:
        raise CtxhError(f"{out_dir}: export failed: {exc.strerror or exc}") from None
    finally:
        con.close()


def _quote(path: str) -> str:
    return path.replace("'", "''")


def _xlsxwriter():
    try:
        import xlsxwriter
    except ImportError:
        raise CtxhError("--format xlsx needs the optional package xlsxwriter: "
                        "pip install 'ctxh-extract[xlsx]' (or pip install xlsxwriter)") from None
    return xlsxwriter


def _cell_text(v) -> str:
    if isinstance(v, (list, tuple)):
        return "\n".join("" if x is None else _cell_text(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_cell_text(x)}" for k, x in v.items())
    return str(v)


def _xlsx(con: duckdb.DuckDBPyConnection, xlsxwriter, path: str) -> list[tuple[str, str, int]]:
    """One workbook, one sheet per table and view (a table over Excel's row limit continues on
    sheets named ``name (2)``, ``name (3)`` ...). Written to a temporary file, then renamed."""
    order = [n for n in XLSX_FIRST if n in VIEWS] + [n for n in names() if n not in XLSX_FIRST]
    tmp = path + ".tmp"
    wb = xlsxwriter.Workbook(tmp, {"constant_memory": True, "strings_to_numbers": False,
                                   "strings_to_formulas": False, "strings_to_urls": False,
                                   "default_date_format": "yyyy-mm-dd"})
    bold = wb.add_format({"bold": True, "bg_color": "#EEF2FA", "bottom": 1})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    written, truncated = [], []
    try:
        for name in order:
            cur = con.execute(f"SELECT * FROM {name}")
            cols = [d[0] for d in cur.description]
            types = [str(d[1]).upper() for d in cur.description]
            widths = [min(max(len(c) + 2, 10), 60) for c in cols]
            part, row, total = 1, 0, 0
            ws = None

            def new_sheet():
                sheet = wb.add_worksheet(name if part == 1 else f"{name} ({part})"[:31])
                for j, c in enumerate(cols):
                    sheet.write_string(0, j, c, bold)
                sheet.freeze_panes(1, 0)
                return sheet

            ws = new_sheet()
            while True:
                batch = cur.fetchmany(2000)
                if not batch:
                    break
                for values in batch:
                    if row + 1 >= EXCEL_MAX_ROWS:
                        _finish(ws, cols, widths, row, wrap, types)
                        part += 1
                        ws, row = new_sheet(), 0
                    row += 1
                    total += 1
                    for j, v in enumerate(values):
                        if v is None:
                            continue
                        if isinstance(v, bool):
                            ws.write_boolean(row, j, v)
                        elif isinstance(v, int):
                            if abs(v) < EXCEL_MAX_INT:
                                ws.write_number(row, j, v)
                            else:
                                ws.write_string(row, j, str(v))
                        elif isinstance(v, float):
                            ws.write_number(row, j, v)
                        elif isinstance(v, datetime):
                            ws.write_datetime(row, j, v, stamp)
                        elif isinstance(v, date):
                            ws.write_datetime(row, j, v, day)
                        else:
                            text = _cell_text(v)
                            if len(text) > EXCEL_MAX_CHARS:
                                note = f" …[cut: {len(text):,} characters; the full text is in the CSV or Parquet export]"
                                text = text[:EXCEL_MAX_CHARS - len(note)] + note
                                truncated.append(name)
                            ws.write_string(row, j, text)
                            widths[j] = max(widths[j], min(len(text) + 2, 60))
            _finish(ws, cols, widths, row, wrap, types)
            written.append((name, f"{path} [{name}]", total))
        wb.close()
        os.replace(tmp, path)
    except BaseException:
        try:
            wb.close()
        except Exception:
            pass
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return written


def _finish(ws, cols, widths, last_row, wrap, types) -> None:
    ws.autofilter(0, 0, max(last_row, 1), len(cols) - 1)
    for j, w in enumerate(widths):
        long_text = types[j].startswith("VARCHAR") and w >= 60 or types[j].endswith("[]")
        ws.set_column(j, j, w, wrap if long_text else None)
