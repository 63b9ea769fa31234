"""The Deals sheet prints readably: landscape, two pages wide, its header row and each
project's site and contract on every page, whether openpyxl writes its rows or they are
streamed (a plan with more projects than ``STREAM_MIN_ROWS``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from allocator import optimize
from allocator.results.plan import Plan
from allocator.workbook.bulk_rows import STREAM_MIN_ROWS, StreamedTable
from allocator.workbook.deals_sheet import DEALS_PAGES_WIDE, DEALS_SHEET, write_deals
from allocator.workbook.writer import write_plan

SAMPLE = Path(__file__).resolve().parents[2] / "sample_inputs" / "deals.xlsx"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return optimize(SAMPLE)


def _assert_prints_two_pages_wide(ws: Worksheet) -> None:
    setup = ws.page_setup
    assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == (
        "landscape", DEALS_PAGES_WIDE, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.print_title_rows, ws.print_title_cols) == ("$1:$1", "$A:$B")


def test_the_deals_sheet_prints_landscape_two_pages_wide_with_its_titles(
        plan: Plan, tmp_path: Path) -> None:
    """The sample's 4 projects: landscape, fit to 2 pages across and any number down, row 1
    and columns A:B (site, contract) repeated, as saved and read back."""
    wb = openpyxl.Workbook()
    stream: list[StreamedTable] = []
    write_deals(wb, plan, stream)
    wb.save(tmp_path / "d.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "d.xlsx")[DEALS_SHEET]
    assert ws.max_row == 1 + len(plan.deals) and not stream
    _assert_prints_two_pages_wide(ws)


@pytest.mark.slow
def test_a_streamed_deals_sheet_keeps_its_print_setup(plan: Plan, tmp_path: Path) -> None:
    """80 projects (the sample's 4, 20 times) are streamed into the saved sheet's XML: the
    print setup survives it."""
    many = dataclasses.replace(plan, deals=pd.concat([plan.deals] * STREAM_MIN_ROWS,
                                                     ignore_index=True))
    ws = openpyxl.load_workbook(write_plan(many, tmp_path / "p.xlsx"))[DEALS_SHEET]
    assert ws.max_row == 1 + len(many.deals)
    _assert_prints_two_pages_wide(ws)
