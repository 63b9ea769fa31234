"""The Flexibility sheet carries a chart of each month's flat vs flexible mining margin,
read from its own cells (allocator.workbook.charts.add_flexibility_chart)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from fleetkit import verified
from test_price_shift import _july

from allocator.workbook.writer import write_plan


def test_the_flexibility_sheet_charts_flat_against_flexible_margin(tmp_path: Path) -> None:
    """Proves the chart is there, with the flat and the flexible margin as its two series,
    each over the sheet's rows of that column, labelled by the month column, and that the
    July fleet's cells it reads hold a flexible margin above the flat one."""
    out = write_plan(verified(_july()), tmp_path / "plan.xlsx")
    ws = openpyxl.load_workbook(out)["Flexibility"]
    header = [c.value for c in ws[1]]
    (chart,) = ws._charts
    refs = [s.val.numRef.f for s in chart.series]
    letters = [openpyxl.utils.get_column_letter(header.index(c) + 1)
               for c in ("flat_margin_usd", "flexible_margin_usd")]
    assert refs == [f"'Flexibility'!${x}$2" for x in letters]  # its one row
    month = openpyxl.utils.get_column_letter(header.index("month") + 1)
    assert chart.series[0].cat.strRef.f == f"'Flexibility'!${month}$2"
    flat, flexible = (ws[f"{x}2"].value for x in letters)
    assert flexible > flat
