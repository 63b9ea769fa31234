"""Phased delivery: Contracts rows naming one ``deal`` are its phases, each leased from its
own start month, and the Deals sheet and portfolio metrics read them as one deal.

The case, by hand: one site, 20 IT MW convertible at $6M/MW with no lead time, no HPC opex,
power passed through, 8 %/yr over 24 months. The deal "Campus" is delivered in two halls of
10 MW at $100/kW-month ($1M a month each), both ending in 2035-12: phase 1 from 2026-01 (120
months), phase 2 from 2027-01 (108 months). Each hall is converted in its own start month.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fleetkit import contract, fleet, site, verified, write_book

from allocator import optimize
from allocator.deals.irr import irr_pa
from allocator.deals.view import deal_view
from allocator.domain import Fleet
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients


def _fleet(deal: str = "Campus", **second: Any) -> Fleet:
    terms: dict[str, Any] = {"rate_usd_kw_month": 100, "max_mw": 10, "min_mw": 10,
                             "firm": True, "power_pass_through": True, "tenant": "Neocloud"}
    return fleet(months=24, discount_rate=0.08, sites=[site(
        hpc_convertible_mw=20, conversion_capex_usd_mw=6e6, conversion_lead_months=0,
        hpc_opex_usd_mw_month=0)], contracts=[
        contract("Campus-1", deal=deal, start_month="2026-01", term_months=120, **terms),
        contract("Campus-2", deal=deal, start_month="2027-01", term_months=108,
                 **(terms | second))])


def test_two_phases_are_one_deal_in_the_deals_sheet_and_the_portfolio() -> None:
    """One Deals row for the site x deal: 20 MW from 2026-01 to 2035-12, owner capex $120M
    ($60M in 2026-01 and $60M in 2027-01), and the IRR of the phases' flows added month by
    month (-$59M, 11 x $1M, -$58M, 107 x $2M). Backlog 12 x $1M + 108 x $2M = $228M; WALT
    weighs each phase's $12M of annual rent: (10 + 9) / 2 = 9.5 years; one tenant, 100 %.
    Without the deal column the same leases give two rows and the same portfolio."""
    plan = verified(_fleet())
    view = deal_view(compute_coefficients(_fleet()), plan)
    assert len(view.deals) == 1
    row = view.deals.iloc[0]
    assert (row["contract"], row["tenant"], row["start_month"], row["end_month"]) == (
        "Campus", "Neocloud", "2026-01", "2035-12")
    assert row["lease_mw"] == pytest.approx(20.0)
    assert row["owner_capex_usd"] == pytest.approx(120e6)
    hand = np.array([-59e6] + [1e6] * 11 + [-58e6] + [2e6] * 107)
    assert row["unlevered_irr_pct"] == pytest.approx(irr_pa(hand), rel=1e-9)
    assert row["share_of_rent_pct"] == pytest.approx(1.0)
    assert view.portfolio.contracted_backlog_usd == pytest.approx(228e6, rel=1e-9)
    assert view.portfolio.walt_years == pytest.approx(9.5)
    assert view.portfolio.rent_share_by_tenant == {"Neocloud": pytest.approx(1.0)}
    apart = _fleet(deal="")
    split = deal_view(compute_coefficients(apart), verified(apart))
    assert split.deals["contract"].tolist() == ["Campus-1", "Campus-2"]
    assert split.portfolio.walt_years == pytest.approx(9.5)
    assert split.bridge.cash_npv_usd == pytest.approx(view.bridge.cash_npv_usd, rel=1e-12)
    assert plan.npv_usd == pytest.approx(optimize(apart).npv_usd, rel=1e-12)


def test_phases_with_different_tenants_are_refused_at_the_cell(tmp_path: Path) -> None:
    """Phase 2 names another tenant: refused at its tenant cell (B3), with the deal's
    first phase named; and a deal named like a contract outside it, at the deal cell (C4)."""
    book = write_book(tmp_path / "phases.xlsx", {
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh", "hpc_convertible_mw"],
                  ["Alpha", 100, 40, 20]],
        "Market": [["month", "hashprice_usd_ph_day"], ["2026-01", 40]],
        "Contracts": [
            ["contract", "tenant", "deal", "rate_usd_kw_month", "max_mw", "start_month",
             "term_months"],
            ["P1", "Neocloud", "Campus", 100, 10, "2026-01", 12],
            ["P2", "AI Lab", "Campus", 100, 10, "2026-01", 12],
            ["Q1", "AI Lab", "P1", 100, 10, "2026-01", 12]]})
    with pytest.raises(InputError) as caught:
        optimize(book)
    assert [str(p) for p in caught.value.problems] == [
        "Contracts!B3: phase P2 of deal Campus has tenant 'AI Lab' but its phase P1 has "
        "'Neocloud'; the phases of one deal share one tenant (give the other a deal of its "
        "own) (got 'AI Lab')",
        "Contracts!C4: deal P1 is also the name of contract P1, which is not one of its "
        "phases; name the deal differently or give that row the same deal (got 'P1')"]
