"""Stream the rows of long tables straight into a saved workbook's sheet XML; it knows no solver.

openpyxl makes a Python object per cell, which costs seconds per 100,000 cells. For a long
table the writer lets openpyxl write the header and the first data row (so the sheet, its
styles, widths, filter and frozen panes are all openpyxl's), then this module replaces that
first row with every row of the frame, written as XML text in the same cell styles, while the
saved file is copied to its final temporary file (never rewritten in place). Text is written as
inline strings, never as formulas. No PuLP, no solver here.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

__all__ = ["STREAM_MIN_ROWS", "StreamedTable", "fill_table", "stream_tables"]

STREAM_MIN_ROWS = 500
"""Frames longer than this are streamed; shorter ones are written cell by cell by openpyxl."""

_MAX_TEXT = 32_767
_ROW2 = re.compile(r'<row r="2"[^>]*>.*?</row>', re.S)
_CELL_STYLE = re.compile(r'<c r="([A-Z]+)2"([^>]*?)(/?)>')
_STYLE_ATTR = re.compile(r'\bs="(\d+)"')
_DIMENSION = re.compile(r'<dimension ref="[^"]*"\s*/>')


@dataclass(frozen=True)
class StreamedTable:
    """A sheet whose rows 2.. are to be streamed from ``frame`` after openpyxl saved it."""

    sheet: str
    frame: pd.DataFrame


def stream_tables(source: Path, dest: Path, tables: Sequence[StreamedTable],
                  sheet_parts: dict[str, str]) -> None:
    """Write ``source`` (an .xlsx openpyxl just saved) to ``dest`` with every row of each table.

    Args:
        source: The saved workbook; left as it is.
        dest: Where the workbook with the rows goes (an existing file is overwritten).
        tables: Sheets whose second row is a placeholder for the frame's rows.
        sheet_parts: Sheet name -> zip part, from the saved workbook.
    """
    by_part = {sheet_parts[t.sheet]: t for t in tables}
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            table = by_part.get(info.filename)
            if table is None:
                dst.writestr(info, data, compress_type=info.compress_type)
                continue
            # fast deflate: these parts are large and compress well even at level 1
            dst.writestr(info, fill_table(data, table.frame), compress_type=zipfile.ZIP_DEFLATED,
                         compresslevel=1)


def fill_table(xml: bytes, frame: pd.DataFrame) -> bytes:
    """Sheet XML with its placeholder row 2 replaced by every row of ``frame``.

    The cells of row 2 give each column's style; the dimension is set to the full table.

    Raises:
        ValueError: the sheet has no placeholder row 2.
    """
    text = xml.decode("utf-8")
    match = _ROW2.search(text)
    if match is None:
        raise ValueError("the streamed sheet has no placeholder row 2")
    styles: dict[str, str] = {}
    for letter, attrs, _ in _CELL_STYLE.findall(match.group(0)):
        style = _STYLE_ATTR.search(attrs)
        if style:
            styles[letter] = style.group(1)
    body = _rows(frame, styles)
    text = text[: match.start()] + body + text[match.end():]
    last = f"{get_column_letter(max(frame.shape[1], 1))}{len(frame) + 1}"
    return _DIMENSION.sub(f'<dimension ref="A1:{last}"/>', text, count=1).encode("utf-8")


def _rows(frame: pd.DataFrame, styles: dict[str, str]) -> str:
    n = len(frame)
    row_numbers = [str(i) for i in range(2, n + 2)]
    columns: list[list[str]] = []
    for j in range(frame.shape[1]):
        letter = get_column_letter(j + 1)
        style = f' s="{styles[letter]}"' if letter in styles else ""
        columns.append(_column(frame.iloc[:, j], letter, style, row_numbers))
    parts = [f'<row r="{r}">{"".join(cells)}</row>'
             for r, cells in zip(row_numbers, zip(*columns, strict=True), strict=True)]
    return "".join(parts)


def _column(series: pd.Series, letter: str, style: str, rows: list[str]) -> list[str]:
    if pd.api.types.is_bool_dtype(series):
        return [f'<c r="{letter}{r}"{style} t="b"><v>{int(v)}</v></c>'
                for r, v in zip(rows, series.tolist(), strict=True)]
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float)
        out = []
        for r, v in zip(rows, values.tolist(), strict=True):
            out.append(_number(letter, r, style, v))
        return out
    return [_any(letter, r, style, v) for r, v in zip(rows, series.tolist(), strict=True)]


def _number(letter: str, row: str, style: str, value: float) -> str:
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return _text(letter, row, "", "inf" if value > 0 else "-inf")
    if value.is_integer() and abs(value) < 1e15:
        return f'<c r="{letter}{row}"{style}><v>{int(value)}</v></c>'
    return f'<c r="{letter}{row}"{style}><v>{value!r}</v></c>'


def _any(letter: str, row: str, style: str, value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return f'<c r="{letter}{row}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return _number(letter, row, style, float(value))
    return _text(letter, row, style, str(value))


def _text(letter: str, row: str, style: str, text: str) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", text)[:_MAX_TEXT]
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return (f'<c r="{letter}{row}"{style} t="inlineStr"><is><t{space}>{escape(text)}</t></is>'
            "</c>")
