"""Write DataFrames as formatted sheet tables (header look, number formats, widths); never saves.

Used by every writer: the plan sheets, the comparison sheets and the template. Row 1 holds the
column names, whose unit suffixes choose each column's number format (:func:`number_format`);
on result sheets each shows a readable label through its number format and carries a note.
Text from a frame is always stored as text, never as a formula. Nothing here opens, copies or
saves a file.
"""

from __future__ import annotations

import datetime as dt
import decimal
import fractions
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet

from allocator.workbook.bulk_rows import STREAM_MIN_ROWS, StreamedTable
from allocator.workbook.schema import output_label, output_note

__all__ = [
    "DISCOUNT_FORMAT",
    "FACTOR_FORMAT",
    "HEADER_FONT_NAME",
    "INTEGER_FORMAT",
    "MIN_WIDTH",
    "MW_FORMAT",
    "PCT_FORMAT",
    "PRICE_FORMAT",
    "RATE_FORMAT",
    "SECONDS_FORMAT",
    "USD_FORMAT",
    "USD_M_FORMAT",
    "cell_value",
    "format_header",
    "label_cell",
    "label_format",
    "number_format",
    "number_style",
    "plain_value",
    "print_titles",
    "set_widths",
    "shown_number",
    "style_header_cell",
    "styled_cell",
    "text_cell",
    "write_frame",
    "yes_no",
]

USD_FORMAT = '"$"#,##0;[Red]-"$"#,##0'
USD_M_FORMAT = '"$"#,##0.0,,"M";[Red]-"$"#,##0.0,,"M"'
PRICE_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'
MW_FORMAT = "#,##0.0"
RATE_FORMAT = "#,##0.00"
PCT_FORMAT = "0.0%"
FACTOR_FORMAT = "0.00"
DISCOUNT_FORMAT = "0.0000"
INTEGER_FORMAT = "#,##0"
BTC_RATE_FORMAT = "0.0000000"
"""BTC per PH/s per day (about 0.0004): seven decimals."""
SECONDS_FORMAT = "0.00"
HEADER_FONT_NAME = "Calibri"
"""A named header font: without one LibreOffice falls back to a serif."""

MIN_WIDTH = 8
"""Narrowest column width (characters) :func:`write_frame` sets."""

_HEADER_FONT = Font(name=HEADER_FONT_NAME, bold=True, size=11)
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="DDEBF7")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="8EA9DB"))
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LABEL_ROW_HEIGHT = 30.0  # two lines of an 11 pt header
_NOTE_AUTHOR = "fleet-allocator"

_MAX_TEXT = 32_767  # Excel's limit on characters in a cell
_MAX_WIDTH = 60
_WIDTH_SAMPLE = 2_000  # rows of a text column measured for its width

# Fractions shown as percentages although their names carry no ``_pct``.
_FRACTIONS = frozenset(
    {"pool_fee", "discount_rate", "uptime", "hpc_load_factor", "max_hpc_share", "margin_pct"}
)
# ``..._usd_<unit>`` prices small enough to need cents; other ``_usd_`` rates are whole dollars.
_PRICE_UNITS = ("_usd_mwh", "_usd_kw_month", "_usd_ph_day", "_usd_th_day")
# Whole-plan money, shown in $ millions.
_MILLIONS = frozenset({"value_added_usd", "swing_usd", "low_npv_change_usd",
                       "high_npv_change_usd", "from_usd", "npv_usd", "cumulative_npv_usd"})
# The NPV bridge's ends, in whole dollars like its other lines so the lines add up as shown.
_WHOLE_DOLLARS = frozenset({"planning_npv_usd", "cash_npv_usd"})
_COUNTS = frozenset({"days", "months", "samples", "variables", "constraints", "warnings",
                     "tranche", "units", "step", "probes"})
_FORMULA_PREFIXES = ("=",)  # openpyxl turns only these strings into formulas


def write_frame(ws: Worksheet, frame: pd.DataFrame, *, freeze: str | None = "A2",
                stream: list[StreamedTable] | None = None, labels: bool = False) -> None:
    """Write ``frame`` to the empty sheet ``ws`` as a formatted table.

    Row 1 holds the column names (their unit suffixes are the units); numbers get a format
    chosen by :func:`number_format`; yes/no columns are written as ``yes``/``no``; text is
    always stored as text, never as a formula. The header is styled, frozen (at ``freeze``)
    and filtered, and widths fit the content. With ``labels`` each header cell keeps the
    column name as its value but shows its readable label (:func:`label_cell`) and carries
    a note saying what the column is.

    With ``stream`` (a list the caller hands to
    :func:`~allocator.workbook.saving.save_workbook`'s ``stream``), a frame
    longer than ``STREAM_MIN_ROWS`` gets only its first data row here; every row is then
    streamed into the saved file, much faster than cell objects.
    """
    frame = yes_no(frame)
    headers = [str(col) for col in frame.columns]
    ws.append([text_cell(ws, h) for h in headers])
    formats = [number_format(h) for h in headers]
    styles = [number_style(ws, fmt) for fmt in formats]
    rows, make = frame, styled_cell
    if stream is not None and len(frame) > STREAM_MIN_ROWS:
        stream.append(StreamedTable(ws.title, frame))
        rows, make = frame.iloc[:1], _placeholder_cell
    columns = [_column_values(rows.iloc[:, j]) for j in range(rows.shape[1])]
    for row in zip(*columns, strict=True):
        ws.append([make(ws, value, style) for value, style in zip(row, styles, strict=True)])
    format_header(ws, len(headers), freeze=freeze)
    print_titles(ws, freeze)
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(frame) + 1}"
    shown = headers
    if labels:
        for j, header in enumerate(headers, start=1):
            label_cell(ws.cell(row=1, column=j), header, note=True)
        ws.row_dimensions[1].height = _LABEL_ROW_HEIGHT
        shown = [output_label(h) for h in headers]
    set_widths(ws, [_column_width(h, frame.iloc[:, j], formats[j], wrapped=labels)
                    for j, h in enumerate(shown)])


def yes_no(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its true/false columns as ``yes``/``no`` text, like the input sheets."""
    flags = [c for c in frame.columns if _is_flag(frame[c])]
    if not flags:
        return frame
    out = frame.copy()
    for column in flags:
        out[column] = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                       else ("yes" if v else "no") for v in frame[column].tolist()]
    return out


def _is_flag(series: pd.Series[Any]) -> bool:
    if pd.api.types.is_bool_dtype(series):
        return True
    if series.dtype != object or len(series) == 0:
        return False
    first = series.iloc[0]
    return isinstance(first, bool | np.bool_) and all(
        isinstance(v, bool | np.bool_) or v is None for v in series.tolist())


def label_format(label: str) -> str:
    """A number format that shows ``label`` in place of a text cell's own value."""
    return ';;;"' + label.replace('"', "'") + '"'


def label_cell(cell: Any, name: str, *, note: bool = False) -> None:
    """Show ``name``'s readable label in ``cell`` while its value stays the machine name.

    With ``note``, the cell also gets a note: the label, the machine name and what the
    column is and how it is computed (:func:`~allocator.workbook.schema.output_note`).
    """
    cell.number_format = label_format(output_label(name))
    if note:
        comment = Comment(output_note(name), _NOTE_AUTHOR)
        comment.width, comment.height = 300, 110
        cell.comment = comment


def number_format(column: str) -> str | None:
    """The Excel number format for a column, from its unit suffix; ``None`` = General.

    ``_usd`` money in whole dollars with ``$`` (NPV-sized figures in ``$M``); per-MWh/kW/PH
    prices with cents; ``_mw``, ``_mwh`` and hours one decimal; ``_phs``/``_ehs``/``_j_th``
    two decimals; ``_pct``, ``_pa``, probabilities and other fractions as percent; ``_factor`` two
    decimals (``discount_factor`` four); counts and months as whole numbers; ``_change``
    as its parameter; text General.
    """
    name = column.strip().lower()
    if name == "discount_factor":
        return DISCOUNT_FORMAT
    if name.endswith("_factor"):
        return FACTOR_FORMAT
    if name.endswith("_change"):
        return number_format(name[: -len("_change")])
    if name in _FRACTIONS or name.endswith(("_pct", "_pa", "_share")) \
            or name.startswith("probability"):
        return PCT_FORMAT
    if name.endswith(_PRICE_UNITS):
        return PRICE_FORMAT
    if name.endswith("_btc_ph_day"):
        return BTC_RATE_FORMAT
    if name.endswith(("correlation", "_pue")) or "hashprice" in name \
            or name.endswith(("_phs", "_ehs", "_ths", "_j_th", "_th")) \
            or (name.endswith("_btc") and "_usd" not in name):
        return RATE_FORMAT
    if name.endswith("_years"):
        return RATE_FORMAT
    if name in _WHOLE_DOLLARS:
        return USD_FORMAT
    if name in _MILLIONS or (name.endswith("npv_usd") and "1mw" not in name):
        return USD_M_FORMAT
    if name.endswith("_usd") or "_usd_" in name:
        return USD_FORMAT
    if name.endswith(("_mw", "_mwh")) or name.startswith("hours_") or name.endswith("_hours"):
        return MW_FORMAT
    if name.endswith("_seconds"):
        return SECONDS_FORMAT
    if name in _COUNTS or name.endswith("_months") or name.startswith("months_"):
        return INTEGER_FORMAT
    return None


def format_header(ws: Worksheet, columns: int, *, freeze: str | None = "A2") -> None:
    """Bold, filled header cells in row 1 and frozen panes at ``freeze``."""
    for j in range(1, columns + 1):
        style_header_cell(ws.cell(row=1, column=j))
    if freeze:
        ws.freeze_panes = freeze


def print_titles(ws: Worksheet, freeze: str | None) -> None:
    """Print (or export to PDF) the sheet landscape with what the frozen panes keep in view
    repeated on every page: the header row, and the key columns left of ``freeze`` (a wide
    table such as Site Value spans several pages across; each names its sites)."""
    ws.page_setup.orientation = "landscape"
    if not freeze:
        return
    column, row = coordinate_from_string(freeze)
    if row > 1:
        ws.print_title_rows = f"1:{row - 1}"
    last = column_index_from_string(column) - 1
    if last >= 1:
        ws.print_title_cols = f"A:{get_column_letter(last)}"


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    """Set column widths (characters), first column A."""
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width


def style_header_cell(cell: Any) -> None:
    """Give ``cell`` the header look: bold on a light blue fill, a thin rule below, centred."""
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.border = _HEADER_BORDER
    cell.alignment = _HEADER_ALIGN


# ------------------------------------------------------------------------------------- cells


def _column_values(series: pd.Series[Any]) -> list[object]:
    """A column as plain Python values openpyxl can store; blanks become ``None``."""
    return [plain_value(value) for value in series.tolist()]


def plain_value(value: object) -> object:
    """One value as a cell value: numpy scalars unboxed, NaN/NA/NaT -> None, inf as text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal | fractions.Fraction):
        value = float(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_localize(None)
        return value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return value
    if isinstance(value, pd.Timedelta):
        return value.to_pytimedelta()
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return str(value)


def _clean_text(text: str) -> str:
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", text)
    return cleaned[:_MAX_TEXT]


def cell_value(value: object) -> object:
    """:func:`plain_value`, with text stripped of characters Excel refuses and cut to its limit."""
    value = plain_value(value)
    return _clean_text(value) if isinstance(value, str) else value


def text_cell(ws: Worksheet, text: str) -> object:
    """``text`` as a value for ``ws.append``, forced to a string cell if it looks like a formula."""
    text = _clean_text(text)
    if not text.startswith(_FORMULA_PREFIXES):
        return text
    cell = Cell(ws, value=text)
    cell.data_type = "s"  # text from the input is shown, never evaluated
    return cell


def number_style(ws: Worksheet, fmt: str | None) -> StyleArray | None:
    """The style of a cell with number format ``fmt`` (``None`` for General)."""
    if fmt is None:
        return None
    proto = Cell(ws)
    proto.number_format = fmt
    return proto._style


def styled_cell(ws: Worksheet, value: object, style: StyleArray | None) -> object:
    """``value`` for ``ws.append``: text kept as text, numbers in the column's number style."""
    if isinstance(value, str):
        return text_cell(ws, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if style is None or not isinstance(value, int | float):
        return value
    # A copy per cell: openpyxl changes a cell's style array in place when it is restyled.
    return Cell(ws, value=value, style_array=StyleArray(style))


def _placeholder_cell(ws: Worksheet, value: object, style: StyleArray | None) -> object:
    """A cell of the row a streamed table replaces: only its style counts (it gives the
    column's number style to every streamed cell), so it is empty, whatever the first row
    holds (a blank or an infinite number in the first row would write no styled cell)."""
    del value
    return None if style is None else Cell(ws, value=None, style_array=StyleArray(style))


def _column_width(header: str, series: pd.Series[Any], fmt: str | None, *,
                  wrapped: bool = False) -> float:
    """Column width in characters: the header (on two lines if ``wrapped``) or the widest
    value as displayed."""
    width = _two_lines(header) + 1 if wrapped else len(header)  # + 1: bold is wider
    if len(series) == 0:
        pass
    elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        sizes = np.abs(series.to_numpy(dtype=float, na_value=np.nan))
        sizes = sizes[np.isfinite(sizes)]
        if len(sizes):  # + 1 for a minus sign
            width = max(width, len(shown_number(float(sizes.max()), fmt)) + 1)
    else:
        text = series.head(_WIDTH_SAMPLE).dropna()
        if not isinstance(series.dtype, pd.StringDtype):  # str cells show as they are
            text = text.map(lambda v: str(plain_value(v)))
        if len(text):
            width = max(width, int(text.str.len().max()))
    return float(min(max(width + 2, MIN_WIDTH), _MAX_WIDTH))


def _two_lines(text: str) -> int:
    """The narrowest width (characters) at which ``text`` wraps onto at most two lines."""
    words = text.split()
    width = max((len(w) for w in words), default=0)
    while True:
        lines, used = 1, -1
        for word in words:
            if used + 1 + len(word) > width:
                lines, used = lines + 1, len(word)
            else:
                used += 1 + len(word)
        if lines <= 2:
            return width
        width += 1


def shown_number(value: float, fmt: str | None) -> str:
    """``value`` as Excel shows it in number format ``fmt`` (for measuring widths)."""
    if fmt == PCT_FORMAT:
        return f"{value * 100:.1f}%"
    if fmt == USD_FORMAT:
        return f"${value:,.0f}"
    if fmt == USD_M_FORMAT:
        return f"${value / 1e6:,.1f}M"
    if fmt == INTEGER_FORMAT:
        return f"{value:,.0f}"
    if fmt == MW_FORMAT:
        return f"{value:,.1f}"
    if fmt == PRICE_FORMAT:
        return f"${value:,.2f}"
    if fmt in (RATE_FORMAT, SECONDS_FORMAT, FACTOR_FORMAT):
        return f"{value:,.2f}"
    if fmt == DISCOUNT_FORMAT:
        return f"{value:.4f}"
    return f"{value:.10g}"


