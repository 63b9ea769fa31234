"""IRRs that are not meaningful show "n.m." in the Deals sheet and the terminal, while the
number stays in the data (plan.deals, the cell's value, --json).

Base case (as in test_deal_metrics): 10 IT MW at $6M/MW, converted at once, for a flat
10-year lease at $100/kW-month ($1M a month), 12 months planned at 8 %/yr, no costs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from fleetkit import contract, fleet, site, verified

from allocator.deals.irr import irr_note
from allocator.domain import Fleet
from allocator.workbook.deals_sheet import NOT_MEANINGFUL_FORMAT
from allocator.workbook.writer import write_plan


def _fleet(start: str = "2026-01", **terms: Any) -> Fleet:
    return fleet(months=12, discount_rate=0.08, sites=[site(
        hpc_convertible_mw=10, conversion_capex_usd_mw=6e6, conversion_lead_months=0,
        hpc_opex_usd_mw_month=0)], contracts=[contract(
            rate_usd_kw_month=100, max_mw=10, min_mw=10, firm=True, term_months=120,
            start_month=start, power_pass_through=True, **terms)])


def test_the_rule_by_hand() -> None:
    """17.5 %/yr on -$60M then 120 x $1M is meaningful; 513 %/yr is not (above 100 %/yr); nor
    is any rate of flows whose first nonzero month is an inflow (+$24M before -$60M)."""
    cash = np.array([-60e6] + [1e6] * 120)
    assert irr_note(0.1749, cash) == ""
    assert irr_note(5.13, cash) == "above 100 %/yr"
    assert irr_note(0.3, np.array([0.0, 24e6, -60e6] + [1e6] * 120)) == "cash before capex"
    assert irr_note(float("nan"), cash) == ""
    assert irr_note(float("nan"), np.array([24e6, -60e6] + [1e6] * 120)) == "cash before capex"


def test_not_meaningful_irrs_show_nm_and_keep_their_number(tmp_path: Path) -> None:
    """The tenant funds $5M of each MW's $6M: the owner's $10M (-$9M net in month 0) earns $1M
    a month, about 11 % a month, an IRR far above 100 %/yr, so Deals shows n.m. (the cell
    keeps the number, formatted "n.m.") while
    the unfunded case shows its 17.5 %. A lease starting in 2026-07 with 20 % prepaid gets
    $24M in 2026-01, six months before its capex: n.m. too (its flows change sign twice and
    have no IRR: the number is NaN, the cell blank, the note says why)."""
    funded = verified(_fleet(tenant_capex_usd_mw=5e6))
    row = funded.deals.iloc[0]
    assert row["unlevered_irr_pct"] > 1.0 and row["irr_note"] == "above 100 %/yr"
    i = (1 + row["unlevered_irr_pct"]) ** (1 / 12) - 1
    assert i == pytest.approx(1 / 9, rel=1e-3)  # -9M + 1M x (1 - (1 + i)^-119) / i = 0
    plain = verified(_fleet())
    assert plain.deals.iloc[0]["irr_note"] == ""
    early = verified(_fleet(start="2026-07", prepayment_share=0.2))
    assert early.deals.iloc[0]["irr_note"] == "cash before capex"
    assert np.isnan(early.deals.iloc[0]["unlevered_irr_pct"])
    for name, plan in (("funded", funded), ("plain", plain)):
        path = write_plan(plan, tmp_path / f"{name}.xlsx")
        ws = openpyxl.load_workbook(path)["Deals"]
        column = [c.value for c in ws[1]].index("unlevered_irr_pct") + 1
        cell = ws.cell(row=2, column=column)
        assert cell.value == pytest.approx(plan.deals.iloc[0]["unlevered_irr_pct"], rel=1e-12)
        assert (cell.number_format == NOT_MEANINGFUL_FORMAT) == (name == "funded")
