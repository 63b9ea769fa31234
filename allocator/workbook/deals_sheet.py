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

from allocator.workbook.bulk_rows import StreamedTable
from allocator.workbook.frames import write_frame

if TYPE_CHECKING:
    from allocator.results.plan import Plan  # for annotations only

__all__ = ["DEALS_FREEZE", "DEALS_SHEET", "write_deals"]

DEALS_SHEET = "Deals"
DEALS_FREEZE = "C2"
"""Keep the header and the project's site and contract in view."""
_EMPTY = pd.DataFrame(columns=["site", "contract", "tenant"])


def write_deals(wb: Workbook, plan: Plan, stream: list[StreamedTable]) -> None:
    """Add the ``Deals`` sheet to ``wb`` (headers only when the plan converts and leases
    nothing)."""
    frame = plan.deals if len(plan.deals.columns) else _EMPTY
    write_frame(wb.create_sheet(DEALS_SHEET), frame, freeze=DEALS_FREEZE, stream=stream,
                labels=True)
