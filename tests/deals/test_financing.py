"""Project financing against hand arithmetic: a bullet and an amortizing loan.

The project is the one of ``test_deal_metrics``: $60M of capex in month 0 for 120 monthly
rents of $1M (10 IT MW at $100/kW-month, no costs).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from fleetkit import contract, fleet, site, verified

from allocator.deals.financing import Loan, levered
from allocator.deals.irr import irr_pa
from allocator.deals.view import DealView, deal_view
from allocator.domain import Fleet
from allocator.optimization.coefficients import compute_coefficients


def _fleet(**loan: Any) -> Fleet:
    return fleet(months=12, discount_rate=0.08, **loan, sites=[site(
        hpc_convertible_mw=10, conversion_capex_usd_mw=6e6, conversion_lead_months=0)],
        contracts=[contract(rate_usd_kw_month=100, max_mw=10, term_months=120,
                            power_pass_through=True)])


def _view(f: Fleet) -> DealView:
    return deal_view(compute_coefficients(f), verified(f))


def test_bullet_loan_at_80_percent_of_cost() -> None:
    """80 % of $60M is a $48M loan drawn in month 0, equity $12M. At 6 % the interest is
    $48M x 0.06 / 12 = $240k a month from month 1, and the $48M is repaid with the last
    rent (month 119). Levered cash: -$60M + $48M + $1M = -$11M in month 0, $1M - $0.24M =
    $0.76M in months 1-118, $0.76M - $48M = -$47.24M in month 119. DSCR = $1M / $0.24M =
    4.17 (the balloon left out). The levered IRR is the rate of that series (122.6 %/yr on
    $12M of equity), above the unlevered 17.49 %, as the loan costs 6 %."""
    view = _view(_fleet(loan_to_cost=0.8, loan_coupon_pa=0.06))
    row = view.deals.iloc[0]
    assert row["loan_usd"] == pytest.approx(48e6)
    assert row["equity_usd"] == pytest.approx(12e6)
    assert row["min_dscr_factor"] == pytest.approx(1e6 / 240e3, rel=1e-12)
    hand = np.array([-11e6] + [0.76e6] * 118 + [-47.24e6])
    debt = levered(compute_coefficients(_fleet(loan_to_cost=0.8, loan_coupon_pa=0.06)),
                   view.flows[0], Loan(0.8, 0.06, False, None))
    assert np.allclose(debt.levered_cash_flow_usd, hand, rtol=0, atol=1e-6)
    assert row["levered_irr_pct"] == pytest.approx(irr_pa(hand), rel=1e-12)
    i = (1 + row["levered_irr_pct"]) ** (1 / 12) - 1
    assert sum(c / (1 + i) ** t for t, c in enumerate(hand)) == pytest.approx(0, abs=1.0)
    assert row["levered_irr_pct"] == pytest.approx(1.22603, abs=1e-5)
    assert row["levered_irr_pct"] > row["unlevered_irr_pct"] > 0.06


def test_amortizing_loan_pays_level_instalments_to_zero() -> None:
    """50 % ($30M) at 6 %, amortizing over months 1-119: a level instalment of
    30M x 0.005 / (1 - 1.005^-119) = $335,106 a month; the principal adds up to the loan and
    the DSCR is $1M / the instalment."""
    view = _view(_fleet(loan_to_cost=0.5, loan_coupon_pa=0.06, loan_amortization="amortizing"))
    debt = levered(compute_coefficients(_fleet()), view.flows[0], Loan(0.5, 0.06, True, None))
    instalment = 30e6 * 0.005 / (1 - 1.005**-119)
    service = debt.interest_usd + debt.principal_usd
    assert np.allclose(service[1:], instalment, rtol=1e-9)
    assert debt.principal_usd.sum() == pytest.approx(30e6, rel=1e-12)
    assert view.deals.iloc[0]["min_dscr_factor"] == pytest.approx(1e6 / instalment, rel=1e-9)


def test_no_loan_no_financing_columns_and_the_plan_is_unchanged() -> None:
    """Without loan_to_cost the Deals rows have no financing columns; with one the plan (the
    LP) is the same: financing is a view of the deal, not a decision."""
    plain, financed = _view(_fleet()), _view(_fleet(loan_to_cost=0.8, loan_coupon_pa=0.06))
    assert "levered_irr_pct" not in plain.deals.columns
    assert financed.bridge.planning_npv_usd == plain.bridge.planning_npv_usd
    assert not math.isnan(financed.deals.iloc[0]["levered_irr_pct"])
