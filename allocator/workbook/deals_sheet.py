"""Write a plan's ``Deals`` sheet: one row per conversion project; no solving, no validation.

The rows are :attr:`~allocator.results.plan.Plan.deals` (made by :mod:`allocator.deals`):
each project's lease, owner capex, stabilized NOI, yield on cost, unlevered IRR, payback and
NPV with its contracted tail. The line-by-line bridge from the planning NPV to the cash NPV
and the portfolio metrics are Run Info rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from allocator.deals.irr import IRR_MEANINGFUL_MAX_PA
from allocator.workbook.bulk_rows import STREAM_MIN_ROWS, StreamedTable
from allocator.workbook.frames import write_frame

if TYPE_CHECKING:
    from allocator.results.plan import Plan  # for annotations only

__all__ = ["DEALS_FREEZE", "DEALS_PAGES_WIDE", "DEALS_SHEET", "NOT_MEANINGFUL_FORMAT",
           "write_deals"]

DEALS_SHEET = "Deals"
DEALS_FREEZE = "C2"
"""Keep the header and the project's site and contract in view."""
DEALS_PAGES_WIDE = 2
"""Pages across a printout of the Deals sheet (landscape, site and contract on each)."""
_EMPTY = pd.DataFrame(columns=["site", "contract", "tenant"])


NOT_MEANINGFUL_FORMAT = '"n.m.";"n.m.";"n.m."'
"""Shows ``n.m.`` whatever the number, which stays in the cell."""


def write_deals(wb: Workbook, plan: Plan, stream: list[StreamedTable]) -> None:
    """Add the ``Deals`` sheet to ``wb`` (headers only when the plan converts and leases
    nothing); an IRR that is not meaningful shows ``n.m.`` (:func:`_not_meaningful`)."""
    frame = plan.deals if len(plan.deals.columns) else _EMPTY
    ws = wb.create_sheet(DEALS_SHEET)
    write_frame(ws, frame, freeze=DEALS_FREEZE, stream=stream, labels=True)
    _print_setup(ws)
    if len(frame) > STREAM_MIN_ROWS:  # streamed rows keep their column's format
        return
    for j, column in enumerate(frame.columns, start=1):
        if column in ("unlevered_irr_pct", "levered_irr_pct"):
            for i in _not_meaningful(frame, str(column)):
                ws.cell(row=i + 2, column=j).number_format = NOT_MEANINGFUL_FORMAT


def _print_setup(ws: Worksheet) -> None:
    """Print (or export to PDF) the sheet landscape, its columns :data:`DEALS_PAGES_WIDE`
    pages wide (one page would shrink some 30 columns to about 4 pt), the header row and
    the project's site and contract repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = DEALS_PAGES_WIDE
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_title_cols = "A:B"


def _not_meaningful(frame: pd.DataFrame, column: str) -> list[int]:
    """Row positions whose IRR in ``column`` is not meaningful: the unlevered one where
    ``irr_note`` says why, the levered one above 100 %/yr."""
    if column == "unlevered_irr_pct" and "irr_note" in frame.columns:
        flags = frame["irr_note"].fillna("").astype(str) != ""
    else:
        flags = pd.to_numeric(frame[column], errors="coerce") > IRR_MEANINGFUL_MAX_PA
    return [i for i, flag in enumerate(flags.tolist()) if flag]
