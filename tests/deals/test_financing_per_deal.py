"""Financing per deal (Contracts columns over the Settings loan) and the cash sweep, against
hand arithmetic.

The project is the one of ``test_financing``: $60M of capex in month 0 for 120 monthly rents
of $1M (10 IT MW at $100/kW-month, no costs); without a sweep an 80 % bullet loan is repaid
with the last rent, in month 119.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fleetkit import contract, contract_faults, fleet, site, verified

from allocator.deals.financing import Loan, levered
from allocator.deals.irr import irr_pa
from allocator.deals.view import DealView, deal_view
from allocator.domain import Fleet
from allocator.optimization.coefficients import compute_coefficients


def _fleet(settings: dict[str, Any], **terms: Any) -> Fleet:
    return fleet(months=12, discount_rate=0.08, **settings, sites=[site(
        hpc_convertible_mw=10, conversion_capex_usd_mw=6e6, conversion_lead_months=0)],
        contracts=[contract(rate_usd_kw_month=100, max_mw=10, term_months=120,
                            power_pass_through=True, **terms)])


def _view(f: Fleet) -> DealView:
    return deal_view(compute_coefficients(f), verified(f))


def _last_repayment(f: Fleet) -> int:
    """Month (offset) of the loan's last principal payment."""
    view = _view(f)
    coef = compute_coefficients(f)
    loan = Loan.of(f.settings, f.contracts[0])
    assert loan is not None
    debt = levered(coef, view.flows[0], loan)
    return int(np.flatnonzero(debt.principal_usd > 0)[-1])


def test_a_full_sweep_repays_the_bullet_in_48_months_instead_of_119() -> None:
    """$48M at 0 %, all cash after debt service swept from month 1: $1M a month repays it
    in month 48 (48 x $1M), 71 months before the bullet's month 119."""
    no_sweep = _fleet({"loan_to_cost": 0.8})
    swept = _fleet({"loan_to_cost": 0.8, "cash_sweep_share": 1.0})
    assert (_last_repayment(no_sweep), _last_repayment(swept)) == (119, 48)


def test_a_half_sweep_repays_in_month_96_and_the_levered_irr_is_that_by_hand() -> None:
    """Half the cash swept: $0.5M a month repays $48M in month 96 (96 x $0.5M), 23 months
    early. The levered cash: -$60M + $48M + $1M = -$11M in month 0, $0.5M in months 1-96,
    $1M in months 97-119; the levered IRR is exactly that series' rate; equity $12M."""
    f = _fleet({"loan_to_cost": 0.8, "cash_sweep_share": 0.5})
    assert _last_repayment(f) == 96
    row = _view(f).deals.iloc[0]
    hand = np.array([-11e6] + [0.5e6] * 96 + [1e6] * 23)
    assert row["levered_irr_pct"] == pytest.approx(irr_pa(hand), rel=1e-12)
    assert row["equity_usd"] == pytest.approx(12e6)


def test_the_sweep_is_not_debt_service_in_the_dscr() -> None:
    """At 6 %, bullet, half swept: the DSCR is NOI / interest, never NOI / (interest + the
    sweep); month 1's is $1M / $240k = 4.17, and it rises as the sweep cuts the balance."""
    row = _view(_fleet({"loan_to_cost": 0.8, "loan_coupon_pa": 0.06,
                        "cash_sweep_share": 0.5})).deals.iloc[0]
    assert row["min_dscr_factor"] == pytest.approx(1e6 / 240e3, rel=1e-12)


def test_a_deal_finances_itself_where_settings_has_no_loan() -> None:
    """With no loan in Settings, the Contracts row's loan_to_cost 0.8 and loan_coupon_pa
    0.06 give the Settings case's figures: a $48M loan, $12M of equity, DSCR 4.17."""
    row = _view(_fleet({}, loan_to_cost=0.8, loan_coupon_pa=0.06)).deals.iloc[0]
    assert (row["loan_usd"], row["equity_usd"]) == pytest.approx((48e6, 12e6))
    assert row["min_dscr_factor"] == pytest.approx(1e6 / 240e3, rel=1e-12)


def test_a_deal_term_overrides_settings_and_a_blank_keeps_it() -> None:
    """Settings lend 80 % at 6 % bullet; the deal borrows 50 % amortizing: $30M, with the
    Settings' 6 % (its own cell blank): the level instalment of test_financing, $335,106."""
    f = _fleet({"loan_to_cost": 0.8, "loan_coupon_pa": 0.06}, loan_to_cost=0.5,
               loan_amortization="amortizing")
    assert Loan.of(f.settings, f.contracts[0]) == Loan(0.5, 0.06, True, None, 0.0)
    row = _view(f).deals.iloc[0]
    assert row["loan_usd"] == pytest.approx(30e6)
    assert row["min_dscr_factor"] == pytest.approx(
        1e6 / (30e6 * 0.005 / (1 - 1.005 ** -119)), rel=1e-9)


def test_per_deal_loan_columns_are_checked_at_their_cells(tmp_path: Path) -> None:
    """Each bad loan term on a Contracts row is reported at its cell, all at once."""
    faults = contract_faults(tmp_path / "bad.xlsx", [
        ["contract", "rate_usd_kw_month", "max_mw", "start_month", "term_months",
         "loan_to_cost", "loan_coupon_pa", "loan_amortization", "loan_term_months",
         "cash_sweep_share"],
        ["A", 100, 20, "2026-01", 12, 80, 0.06, "balloon", 0, 1.5]])
    assert faults == [
        "Contracts!F2: loan_to_cost 80 looks like a percent: enter 0.8 for 80 % (got 80)",
        "Contracts!H2: loan_amortization must be one of bullet, amortizing (got 'balloon')",
        "Contracts!I2: loan_term_months must be >= 1 (got 0)",
        "Contracts!J2: cash_sweep_share 1.5 looks like a percent: enter 0.015 for 1.5 % "
        "(got 1.5)"]
