"""Termination fee schedule on a Contracts row: the chance a tenant ends the lease early and
the fee it then owes, each month against hand arithmetic, in the plan and the deal view.

The base case is the one of ``test_deal_terms``: 10 IT MW converted at $6M/MW in the first
month for a flat 10-year lease at $100/kW-month ($1M a month on the 10 MW), at 8 %/yr. With
``termination_probability_pa`` q = 10 %, the lease still runs in month m with probability
0.9 ^ (m / 12) and ends at the end of month m with ``h = 1 - 0.9 ^ (1 / 12) = 0.0087416``
given it runs; a fee of 12 months stepping down 3 a year is 12, 9, 6, 3 months of rent in
lease years 1 to 4 and none after.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fleetkit import contract, contract_faults, fleet, site, verified

from allocator import optimize
from allocator.deals.view import DealView, deal_view
from allocator.domain import Fleet
from allocator.optimization.coefficients import compute_coefficients
from allocator.workbook.reader import read_workbook

SAMPLES = Path(__file__).resolve().parents[2] / "sample_inputs"
H = 1 - 0.9 ** (1 / 12)
TERMS = {"termination_probability_pa": 0.10, "termination_fee_months": 12,
         "termination_fee_step_months": 3}


def _fleet(months: int = 12, **terms: Any) -> Fleet:
    return fleet(months=months, discount_rate=0.08, sites=[site(
        hpc_convertible_mw=10, conversion_capex_usd_mw=6e6, conversion_lead_months=0,
        hpc_pue=1.3, hpc_load_factor=0.8, hpc_opex_usd_mw_month=10_000)],
        contracts=[contract(rate_usd_kw_month=100, max_mw=10, term_months=120,
                            power_pass_through=True, **terms)])


def _view(f: Fleet) -> DealView:
    return deal_view(compute_coefficients(f), verified(f))


def test_expected_rent_and_fee_month_by_month_by_hand() -> None:
    """Month 0: the $1M rent plus 12 months' rent x h = $104,899 of expected fee. Month 12
    (lease year 2, the lease runs with 0.9): $900,000 of rent and $1M x 9 x h x 0.9 =
    $70,807 of fee. Month 48 (year 5: 12 - 3 x 4 = 0 months): rent $1M x 0.9^4 = $656,100
    and no fee; the last month (119) carries no fee either (the lease ends anyway). The same
    figures reach the tail (months 12 to 119 of a 12-month plan) and the cash-flow frame's
    termination_fee_usd is the fee part of rent_usd."""
    view = _view(_fleet(**TERMS))
    f = view.flows[0]
    assert f.rent_usd[0] == pytest.approx(1e6 + 12e6 * H, rel=1e-12)
    assert abs(12e6 * H - 104_899.4) < 0.1
    assert f.rent_usd[12] == pytest.approx(0.9e6 + 9e6 * H * 0.9, rel=1e-12)
    assert abs(9e6 * H * 0.9 - 70_807.1) < 0.1
    assert f.rent_usd[48] == pytest.approx(656_100, rel=1e-12)
    assert f.rent_usd[119] == pytest.approx(1e6 * 0.9 ** (119 / 12), rel=1e-12)
    fee = view.cash_flows["termination_fee_usd"].to_numpy()
    assert fee[0] == pytest.approx(12e6 * H, rel=1e-12)
    assert fee[12] == pytest.approx(9e6 * H * 0.9, rel=1e-12)
    assert fee[25] == pytest.approx(6e6 * H * 0.9 ** (25 / 12), rel=1e-12)
    assert np.all(fee[48:] == 0) and np.all(fee[:48] > 0)
    assert np.array_equal(f.termination_fee_usd, fee)


def test_stabilized_noi_leaves_the_one_off_fee_out() -> None:
    """Stabilized NOI is the first year's expected rent without its fee, less the $100,000
    of opex a month: sum over m < 12 of $1M x 0.9^(m/12), less $1.2M; the IRR counts the fee
    (it is cash) and the yield on cost does not."""
    row = _view(_fleet(**TERMS)).deals.iloc[0]
    hand = sum(1e6 * 0.9 ** (m / 12) for m in range(12)) - 1.2e6
    assert row["stabilized_noi_usd"] == pytest.approx(hand, rel=1e-12)
    assert row["yield_on_cost_pct"] == pytest.approx(hand / 60e6, rel=1e-12)


def test_a_defaulting_tenant_pays_no_fee_and_the_backstop_does_not_guarantee_it() -> None:
    """With a 5 %/yr default probability and half the rent backstopped, month 12's expected
    rent is $1M x 0.9 x (0.5 + 0.5 x 0.95) and its fee $1M x 9 x h x 0.9 x 0.95 (the fee is
    owed only by a tenant that has not defaulted; the backstop pays rent, not fees)."""
    f = _view(_fleet(**TERMS, default_probability_pa=0.05, backstop_share=0.5)).flows[0]
    assert f.rent_usd[12] == pytest.approx(
        0.9e6 * (0.5 + 0.5 * 0.95) + 9e6 * H * 0.9 * 0.95, rel=1e-12)


def test_the_plan_prices_the_expected_rent_and_fee() -> None:
    """The LP's lease coefficient is the expected rent and fee: the lease rows' revenue is
    the hand figure (``verified`` re-prices the plan independently to the objective), and
    the planning NPV falls by exactly the discounted difference from the firm rent."""
    base, term = verified(_fleet()), verified(_fleet(**TERMS))
    t = np.arange(12)
    expected = 1e6 * 0.9 ** (t / 12) + 1e6 * 12 * H * 0.9 ** (t / 12)
    assert np.allclose(term.leases["revenue_usd"].to_numpy(), expected, rtol=1e-12)
    lost = float(((1e6 - expected) * 1.08 ** (-t / 12)).sum())
    assert base.npv_usd - term.npv_usd == pytest.approx(lost, rel=1e-9)


def test_a_fee_without_a_termination_probability_changes_nothing() -> None:
    """A fee schedule with q = 0 (and q = 0 written out) plans exactly as the blank row, and
    its deal metrics are the same."""
    base = _view(_fleet())
    same = _view(_fleet(termination_probability_pa=0.0, termination_fee_months=12,
                        termination_fee_step_months=3))
    assert same.bridge.planning_npv_usd == base.bridge.planning_npv_usd
    assert np.array_equal(same.flows[0].rent_usd, base.flows[0].rent_usd)
    assert same.deals.iloc[0]["unlevered_irr_pct"] == base.deals.iloc[0]["unlevered_irr_pct"]


def test_a_higher_fee_makes_early_termination_worth_less_to_the_tenant() -> None:
    """The same 10 %/yr chance of ending: without a fee the IRR falls below the firm lease's;
    a 12-months-stepping-3 fee takes back part of the loss (IRR between the two)."""
    firm, bare, fee = (_view(_fleet(**t)).deals.iloc[0]["unlevered_irr_pct"] for t in (
        {}, {"termination_probability_pa": 0.10}, TERMS))
    assert bare < fee < firm


def _without_termination(f: Fleet) -> Fleet:
    return f.model_copy(update={"contracts": tuple(c.model_copy(update={
        "termination_probability_pa": 0.0, "termination_fee_months": 0.0,
        "termination_fee_step_months": 0.0}) for c in f.contracts)})


@pytest.mark.parametrize("book", ["fleet.xlsx", "spot.xlsx", "messy.xlsx"])
def test_samples_without_the_columns_plan_as_before(book: str) -> None:
    """The sample workbooks give the same NPV with the termination terms spelled out at
    their defaults (the columns blank)."""
    f = read_workbook(SAMPLES / book).fleet
    assert optimize(_without_termination(f)).npv_usd == optimize(f).npv_usd


def test_the_deals_sample_without_its_termination_right_plans_as_before() -> None:
    """deals.xlsx with Cedar Retrofit's termination right taken out plans to the NPV the
    code before the termination terms gave the sample (measured at commit 465894c), to
    1e-9; with it, the plan is worth less (the expected rent lost beats the fee)."""
    f = read_workbook(SAMPLES / "deals.xlsx").fleet
    assert optimize(_without_termination(f)).npv_usd == pytest.approx(1069010524.3478676,
                                                                      rel=1e-9)
    assert optimize(f).npv_usd < 1069010524.3478676


def test_termination_columns_are_checked_at_their_cells(tmp_path: Path) -> None:
    """Each bad termination term is reported at its cell, all at once."""
    faults = contract_faults(tmp_path / "bad.xlsx", [
        ["contract", "rate_usd_kw_month", "max_mw", "start_month", "term_months",
         "termination_probability_pa", "termination_fee_months",
         "termination_fee_step_months"],
        ["A", 100, 20, "2026-01", 12, 5, -1, "x"],
        ["B", 100, 20, "2026-01", 12, 1.0, 12, 700]])
    assert faults == [
        "Contracts!F2: termination_probability_pa 5 looks like a percent: enter 0.05 for "
        "5 % (got 5)",
        "Contracts!G2: termination_fee_months must be >= 0 (got -1)",
        "Contracts!H2: termination_fee_step_months must be a number (got 'x')",
        "Contracts!F3: termination_probability_pa must be < 1 (got 1)",
        "Contracts!H3: termination_fee_step_months must be <= 600 (got 700)"]
