"""Long tables are streamed into the sheet XML: every value must come back exactly as
openpyxl would have written it, text stays text, and the styles, filter and panes stay."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import openpyxl
import pandas as pd
import pytest
import python_calamine
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from allocator.workbook import bulk_rows
from allocator.workbook.bulk_rows import STREAM_MIN_ROWS, StreamedTable, fill_table
from allocator.workbook.frames import write_frame
from allocator.workbook.saving import save_workbook

ROWS = STREAM_MIN_ROWS + 37


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    values = rng.normal(0, 1e6, ROWS)
    values[5] = math.nan
    values[6] = math.inf
    names = [f"Site {i}" for i in range(ROWS)]
    names[3] = '=HYPERLINK("http://x","y")'
    names[4] = "  spaced & <tagged> ünïcode  "
    names[7] = None  # type: ignore[call-overload]
    return pd.DataFrame({
        "site": names,
        "month": ["2026-01"] * ROWS,
        "capacity_mw": values,
        "units": np.arange(ROWS),
        "firm": [i % 2 == 0 for i in range(ROWS)],
    })


def write(tmp_path: Path, data: pd.DataFrame) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    streamed: list[StreamedTable] = []
    write_frame(book.create_sheet("Plan"), data, freeze="C2", stream=streamed)
    assert len(streamed) == 1
    return save_workbook(book, tmp_path / "out.xlsx", stream=streamed)


def test_streamed_rows_read_back_exactly(tmp_path: Path) -> None:
    data = frame()
    path = write(tmp_path, data)
    ws = openpyxl.load_workbook(path)["Plan"]
    assert ws.max_row == ROWS + 1
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == f"A1:E{ROWS + 1}"
    for i, row in enumerate(ws.iter_rows(min_row=2, values_only=True)):
        site, month, cap, units, firm = row
        expected = {col: data[col].iloc[i] for col in data.columns}
        assert site == (None if pd.isna(expected["site"]) else expected["site"])
        assert month == "2026-01"
        if i == 5:
            assert cap is None
        elif i == 6:
            assert cap == "inf"
        else:
            assert cap == expected["capacity_mw"]
        assert units == expected["units"]
        assert firm == ("yes" if expected["firm"] else "no")  # yes/no, like the inputs
    injected = ws["A5"]
    assert injected.data_type == "s" and injected.value.startswith("=HYPERLINK")
    assert ws["C10"].number_format == "#,##0.0"


def test_streamed_file_reads_in_calamine(tmp_path: Path) -> None:
    path = write(tmp_path, frame())
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        "Plan").to_python()
    assert len(rows) == ROWS + 1
    assert rows[5][0] == "  spaced & <tagged> ünïcode  "


def seeded_frame(rows: int = STREAM_MIN_ROWS + 400) -> pd.DataFrame:
    """Repeated and distinct numbers, every odd value a cell can hold, str and object text."""
    rng = np.random.default_rng(16)
    mw = rng.choice([0.0, 1.0, 2.5, -0.0, 12.75, math.nan], rows)
    usd = rng.normal(0, 1e7, rows)
    usd[:8] = [math.inf, -math.inf, 1e15, 1e15 - 1, 2.0**60, 1e-7, -3.0, 0.1]
    odd = [None, pd.NA, math.nan, True, False, 7, np.int64(3), np.float64(2.5), 1.0, math.inf,
           "=SUM(A1:A3)", " lead", "trail ", "a & <b>", "bad\x01char", "x" * 40_000,
           pd.Timestamp("2026-01-01")]
    return pd.DataFrame({
        "site": pd.array([None if i % 11 == 0 else f"Site {i % 37}" for i in range(rows)],
                         dtype="str"),
        "month": [f"2026-{i % 12 + 1:02d}" for i in range(rows)],
        "mining_mw": mw,
        "margin_usd": usd,
        "units": rng.integers(-5, 10**6, rows),
        "firm": rng.random(rows) > 0.5,
        "note": [odd[i % len(odd)] for i in range(rows)],
        **{f"extra_{j}_mw": rng.choice([1.0, math.nan], rows) for j in range(20)},
    })


def reference_rows(frame: pd.DataFrame, styles: dict[str, str]) -> str:
    """The rows as the cell-by-cell streamer wrote them before rows were made per column."""
    out: list[str] = []
    if frame.shape[1] == 0:
        return ""  # no columns, no rows
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        cells = []
        for j, value in enumerate(row):
            ref = f'<c r="{get_column_letter(j + 1)}{i}"'
            style = f' s="{styles[get_column_letter(j + 1)]}"' if j < 3 else ""
            if value is None or value is pd.NA or value is pd.NaT:
                continue
            value = value.item() if isinstance(value, np.generic) else value
            if isinstance(value, bool):
                cells.append(f'{ref}{style} t="b"><v>{int(value)}</v></c>')
                continue
            if isinstance(value, int | float):
                number = float(value)
                if math.isnan(number):
                    continue
                if not math.isinf(number):
                    text = (str(int(number)) if number.is_integer() and abs(number) < 1e15
                            else repr(number))
                    cells.append(f"{ref}{style}><v>{text}</v></c>")
                    continue
                style, value = "", "inf" if number > 0 else "-inf"
            text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32_767]
            space = ' xml:space="preserve"' if text != text.strip() else ""
            cells.append(f'{ref}{style} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>')
        out.append(f'<row r="{i}">{"".join(cells)}</row>')
    return "".join(out)


def test_rows_made_per_column_are_byte_for_byte_the_cell_by_cell_rows() -> None:
    data = seeded_frame()
    data["firm"] = data["firm"].astype(object).where(data.index % 3 > 0, data["firm"])
    for frame in (data, data[["firm"]].astype(bool), data.iloc[:, :0], data.iloc[:0]):
        styles = {"A": "1", "B": "7", "C": "3"}
        xml = (b'<worksheet><dimension ref="A1:A2"/><sheetData><row r="1"/>'
               b'<row r="2"><c r="A2" s="1"/><c r="B2" s="7"/><c r="C2" s="3"/></row>'
               b"</sheetData></worksheet>")
        filled = fill_table(xml, frame).decode("utf-8")
        body = filled.split('<row r="1"/>')[1].split("</sheetData>")[0]
        assert body == reference_rows(frame, styles)


@pytest.mark.slow
def test_streamed_sheet_reads_back_cell_for_cell_like_the_openpyxl_sheet(
        tmp_path: Path) -> None:
    """Value, type, number format, font, fill, alignment and border of every cell are the
    same streamed as written by openpyxl cell by cell, even in columns whose first row is
    blank or infinite (the row whose cells give the streamed columns their styles)."""
    data = seeded_frame().drop(columns="note")
    streamed = openpyxl.load_workbook(write(tmp_path, data))["Plan"]
    book = openpyxl.Workbook()
    book.remove(book.active)
    write_frame(book.create_sheet("Plan"), data, freeze="C2")
    plain = openpyxl.load_workbook(save_workbook(book, tmp_path / "plain.xlsx"))["Plan"]
    assert streamed.max_row == plain.max_row == len(data) + 1
    for got, want in zip(streamed.iter_rows(), plain.iter_rows(), strict=True):
        for a, b in zip(got, want, strict=True):
            assert (a.data_type, a.number_format) == (b.data_type, b.number_format), a.coordinate
            if isinstance(b.value, float):  # openpyxl writes 16 digits, the stream 17
                assert a.value == pytest.approx(b.value, rel=1e-15), a.coordinate
            else:
                assert a.value == b.value, a.coordinate
            assert [repr(x) for x in (a.font, a.fill, a.alignment, a.border)] == [
                repr(x) for x in (b.font, b.fill, b.alignment, b.border)], a.coordinate


def test_write_table_writes_what_writestr_of_fill_table_writes(tmp_path: Path) -> None:
    """Rows made in blocks and deflated on a second thread: the same entry, byte for byte."""
    data = seeded_frame(bulk_rows._BLOCK_ROWS * 2 + 5)
    xml = b'<worksheet><sheetData><row r="2"><c r="C2" s="3"/></row></sheetData></worksheet>'
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as one, zipfile.ZipFile(
            tmp_path / "b.zip", "w") as other:
        one.writestr("sheet.xml", fill_table(xml, data), compress_type=zipfile.ZIP_DEFLATED,
                     compresslevel=1)
        bulk_rows.write_table(other, "sheet.xml", xml, data, level=1)
    with zipfile.ZipFile(tmp_path / "a.zip") as one, zipfile.ZipFile(tmp_path / "b.zip") as other:
        a, b = one.getinfo("sheet.xml"), other.getinfo("sheet.xml")
        assert (a.CRC, a.compress_size, a.external_attr) == (b.CRC, b.compress_size,
                                                             b.external_attr)
        assert one.read("sheet.xml") == other.read("sheet.xml")
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as bad, pytest.raises(ValueError):
        bulk_rows.write_table(bad, "sheet.xml", b"<worksheet/>", data)
