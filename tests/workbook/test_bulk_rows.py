"""Long tables are streamed into the sheet XML: every value must come back exactly as
openpyxl would have written it, text stays text, and the styles, filter and panes stay."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import python_calamine

from allocator.workbook.bulk_rows import STREAM_MIN_ROWS, StreamedTable
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
