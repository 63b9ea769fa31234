"""Write an openpyxl result sheet as an OpenDocument ``<table:table>``; it opens no files.

The result sheets are built once, by openpyxl, whatever the output format; for an .ods output
each is turned into table XML here: every cell's value (text always as text, never a formula;
numbers with their number format; header cells keep the machine name as their value and show
its label, as the .xlsx headers do), the header notes, column widths and fixed row heights.
A long table the writer left to streaming (:mod:`allocator.workbook.bulk_rows`) is written
from its frame, each column in the look of its first data row. Every table carries the result
sheet marker as a sheet-level named expression, so a later run knows it as the tool's own.
Charts are not written: a sheet holding only a chart says so in its cells, and
:func:`table_xml` names every chart it left out.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from allocator.workbook.copy_losses import MARK_NAME, mark_value
from allocator.workbook.frames import cell_value
from allocator.workbook.ods_formats import date_value, xml_text
from allocator.workbook.ods_styles import CellLook, StyleBook
from allocator.workbook.xml_splice import escape_attr

__all__ = ["OdsTable", "chart_note", "table_xml"]

_DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters
_NOTE_WIDTH = 80.0
_SPACES = re.compile(r" {2,}|^ ")
_SPECIAL = re.compile(r"[\n\t]| {2}|^ ")
_PLAIN = CellLook(None, None)


@dataclass(frozen=True)
class OdsTable:
    """One result sheet as table XML.

    Attributes:
        name: The sheet's name.
        xml: The ``<table:table>`` element.
        charts_left_out: ``"title (sheet)"`` of every chart the sheet has in an .xlsx file.
    """

    name: str
    xml: str
    charts_left_out: tuple[str, ...]


def table_xml(ws: Any, styles: StyleBook, *, rows: pd.DataFrame | None = None) -> OdsTable:
    """The openpyxl worksheet ``ws`` as an .ods table.

    Args:
        ws: A result sheet, written by one of the writers.
        styles: Collects the automatic styles the cells need.
        rows: Every data row of a streamed table (the sheet then holds its header and a
            first data row whose looks the columns take).
    """
    charts = [_chart_title(chart) for chart in ws._charts]
    left_out = tuple(f"{title} ({ws.title})" for title in charts)
    if not ws._cells and charts:
        return OdsTable(ws.title, _chart_note_table(ws, styles), left_out)
    columns = max(ws.max_column, rows.shape[1] if rows is not None else 0)
    body = [_columns_xml(ws, columns, styles)]
    last_row = 1 if rows is not None else ws.max_row
    for number in range(1, last_row + 1):
        height = _row_height(ws, number)
        style = f' table:style-name="{styles.row(height)}"' if height else ""
        cells = [_cell_of(ws, number, column, styles) for column in range(1, columns + 1)]
        body.append(f"<table:table-row{style}>{_row_cells(cells)}</table:table-row>")
    if rows is not None:
        looks = [styles.cell(ws.cell(row=2, column=j)) for j in range(1, rows.shape[1] + 1)]
        body.extend(_frame_rows(rows, looks))
    return OdsTable(ws.title, _table(ws.title, "".join(body)), left_out)


def chart_note(charts: list[str]) -> str:
    """The first line of a sheet that holds only a chart in an .xlsx file."""
    return f"Chart left out of this .ods file: {', '.join(charts)}"


# ------------------------------------------------------------------------------------ tables


def _table(name: str, body: str) -> str:
    address = "$'" + name.replace("'", "''") + "'.$A$1"
    marker = (f'<table:named-expressions><table:named-expression table:name="{MARK_NAME}" '
              f'table:base-cell-address="{escape_attr(address)}" '
              f'table:expression="{escape_attr(mark_value(name))}"/></table:named-expressions>')
    return f'<table:table table:name="{escape_attr(name)}">{body}{marker}</table:table>'


def _columns_xml(ws: Any, count: int, styles: StyleBook) -> str:
    if count < 1:
        return "<table:table-column/>"
    names = []
    for index in range(1, count + 1):
        dim = ws.column_dimensions.get(get_column_letter(index))
        width = dim.width if dim is not None and dim.width else _DEFAULT_WIDTH
        names.append(styles.column(float(width)))
    out, index = [], 0
    while index < len(names):
        run = 1
        while index + run < len(names) and names[index + run] == names[index]:
            run += 1
        repeat = f' table:number-columns-repeated="{run}"' if run > 1 else ""
        out.append(f'<table:table-column table:style-name="{names[index]}"{repeat}/>')
        index += run
    return "".join(out)


def _row_height(ws: Any, number: int) -> float | None:
    dim = ws.row_dimensions.get(number)
    height = dim.height if dim is not None else None
    return float(height) if height else None


def _row_cells(cells: list[str]) -> str:
    """The cells of a row, runs of empty cells merged and trailing ones dropped."""
    while cells and not cells[-1]:
        cells.pop()
    if not cells:
        return "<table:table-cell/>"
    out, blank = [], 0
    for cell in cells:
        if not cell:
            blank += 1
            continue
        if blank:
            out.append(_blank(blank))
            blank = 0
        out.append(cell)
    return "".join(out)


def _blank(count: int) -> str:
    repeat = f' table:number-columns-repeated="{count}"' if count > 1 else ""
    return f"<table:table-cell{repeat}/>"


def _frame_rows(frame: pd.DataFrame, looks: list[CellLook]) -> list[str]:
    columns = [frame.iloc[:, j].tolist() for j in range(frame.shape[1])]
    out = []
    for row in zip(*columns, strict=True):
        cells = [_cell(cell_value(value), look) for value, look in zip(row, looks, strict=True)]
        out.append(f"<table:table-row>{_row_cells(cells)}</table:table-row>")
    return out


def _chart_note_table(ws: Any, styles: StyleBook) -> str:
    charts = [_chart_title(chart) for chart in ws._charts]
    sources = sorted({name for chart in ws._charts for name in _chart_sheets(chart)})
    where = (f"Its figures are on the sheet{'s' if len(sources) > 1 else ''} "
             + ", ".join(sources)) if sources else "Its figures are on the other result sheets"
    lines = [chart_note(charts), f"{where}; .ods files get no charts.",
             "An .xlsx output has the chart (allocator optimize --results-only -o NAME.xlsx)."]
    rows = "".join(f"<table:table-row>{_cell(line, _PLAIN)}</table:table-row>" for line in lines)
    column = f'<table:table-column table:style-name="{styles.column(_NOTE_WIDTH)}"/>'
    return _table(ws.title, column + rows)


# ------------------------------------------------------------------------------------- cells


def _cell_of(ws: Any, row: int, column: int, styles: StyleBook) -> str:
    cell = ws._cells.get((row, column))
    if cell is None:
        return ""
    comment = cell.comment
    note = "" if comment is None else _annotation(str(comment.text), str(comment.author or ""))
    return _cell(cell.value, styles.cell(cell), note)


def _cell(value: object, look: CellLook, note: str = "") -> str:
    """One ``<table:table-cell>`` (with the annotation ``note``); ``""`` for an empty cell
    without a look or a note."""
    style = f' table:style-name="{look.name}"' if look.name else ""
    content = _content(value, look)
    if content is None:
        if note:
            return f"<table:table-cell{style}>{note}</table:table-cell>"
        return f"<table:table-cell{style}/>" if style else ""
    attrs, shown = content
    return f"<table:table-cell{style}{attrs}>{note}{_paragraphs(shown)}</table:table-cell>"


def _content(value: object, look: CellLook) -> tuple[str, str] | None:
    """The value attributes of a cell holding ``value`` and the text shown; ``None`` if blank.

    Text is always a string cell, never a formula; a header's label format shows its label
    while the value stays the machine name.
    """
    fmt = look.fmt
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return None
    if isinstance(value, bool):
        word = "true" if value else "false"
        return f' office:value-type="boolean" office:boolean-value="{word}"', word.upper()
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return ' office:value-type="string"', "inf" if number > 0 else "-inf"
        kind = fmt.value_type if fmt is not None else "float"
        shown = fmt.shown(number) if fmt is not None else f"{number:.10g}"
        exact = str(value) if isinstance(value, int) else repr(number)
        return f' office:value-type="{kind}" office:value="{exact}"', shown
    if isinstance(value, dt.date):
        stamp = date_value(value)
        return f' office:value-type="date" office:date-value="{stamp}"', stamp.replace("T", " ")
    text = str(value)
    if fmt is not None and fmt.kind == "label":
        return f' office:value-type="string" office:string-value="{_attr(text)}"', fmt.label
    return ' office:value-type="string"', text


def _annotation(text: str, author: str) -> str:
    creator = f"<dc:creator>{xml_text(author)}</dc:creator>" if author else ""
    return f"<office:annotation>{creator}{_paragraphs(text)}</office:annotation>"


def _paragraphs(text: str) -> str:
    """``text`` as ``<text:p>`` lines, spaces and tabs kept."""
    if not _SPECIAL.search(text):  # most cells: one line, single spaces
        return f"<text:p>{xml_text(text)}</text:p>"
    return "".join(f"<text:p>{_line(line)}</text:p>" for line in text.split("\n"))


def _line(line: str) -> str:
    def spaces(match: re.Match[str]) -> str:
        run = match.group(0)
        if match.start() == 0:
            return f'<text:s text:c="{len(run)}"/>'
        return f' <text:s text:c="{len(run) - 1}"/>'

    parts = [_SPACES.sub(spaces, xml_text(piece)) for piece in line.split("\t")]
    return "<text:tab/>".join(parts)


def _attr(text: str) -> str:
    return escape_attr(text).replace("\n", "&#10;").replace("\t", "&#9;").replace("\r", "&#13;")


# ------------------------------------------------------------------------------------ charts


def _chart_title(chart: Any) -> str:
    """The title text of an openpyxl chart, or ``"a chart"``."""
    try:
        paragraphs = chart.title.tx.rich.p
        text = "".join(run.t for p in paragraphs for run in (p.r or []))
    except AttributeError:
        text = ""
    return text.strip() or "a chart"


def _chart_sheets(chart: Any) -> list[str]:
    """The sheets an openpyxl chart's series read their numbers from."""
    found: list[str] = []
    for series in getattr(chart, "series", None) or []:
        ref = getattr(getattr(getattr(series, "val", None), "numRef", None), "f", None)
        if isinstance(ref, str) and "!" in ref:
            sheet = ref.rpartition("!")[0]
            if sheet.startswith("'") and sheet.endswith("'"):
                sheet = sheet[1:-1].replace("''", "'")
            found.append(sheet)
    return found
