"""Deal metrics of hand-solved conversions: yield on cost, IRR, payback, NPV and the tail.

Each case is one site converting 10 IT MW at $6M/MW in its first month (lead time 0) for a
10-year lease at $100/kW-month, power passed through and no opex, planned over 12 months: so
the LP's answer is known (convert all 10 MW at once) and every figure can be worked by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from fleetkit import contract, fleet, site, verified

from allocator.deals.metrics import irr_pa, payback_offset
from allocator.deals.view import DealView, deal_view
from allocator.domain import Fleet
from allocator.optimization.coefficients import compute_coefficients
from allocator.synthetic import synthetic_fleet

CAPEX_USD_MW = 6_000_000.0
RATE = 100.0


def _fleet(*, escalator_pa: float = 0.0, discount_rate: float = 0.08, months: int = 12) -> Fleet:
    return fleet(months=months, discount_rate=discount_rate, sites=[site(
        hpc_convertible_mw=10, conversion_capex_usd_mw=CAPEX_USD_MW, conversion_lead_months=0)],
        contracts=[contract(rate_usd_kw_month=RATE, max_mw=10, term_months=120,
                            escalator_pa=escalator_pa, power_pass_through=True)])


def _view(f: Fleet) -> DealView:
    return deal_view(compute_coefficients(f), verified(f))


def test_flat_lease_yield_on_cost_is_twelve_times_rate_over_capex() -> None:
    """A flat 10-year lease with no escalator and no costs: yield on cost = 12 x rate x 1000 /
    C = 12 x 100 x 1000 / 6M = 20 %, and NOI is a year's rent on the 10 MW ($12M)."""
    row = _view(_fleet()).deals.iloc[0]
    assert row["lease_mw"] == pytest.approx(10.0)
    assert row["owner_capex_usd"] == pytest.approx(10 * CAPEX_USD_MW)
    assert row["stabilized_noi_usd"] == pytest.approx(12 * RATE * 1000 * 10)
    assert row["yield_on_cost_pct"] == pytest.approx(12 * RATE * 1000 / CAPEX_USD_MW, rel=1e-12)


def test_flat_lease_irr_is_the_annuity_rate_of_the_same_cash_flows() -> None:
    """The IRR i (monthly) of -$60M then 120 rents of $1M, the first in the capex month, is
    the rate of the annuity-due: $1M x (1 - (1 + i)^-120) / i x (1 + i) = $60M; the annual
    figure is (1 + i)^12 - 1 (17.49 %)."""
    row = _view(_fleet()).deals.iloc[0]
    i = (1.0 + row["unlevered_irr_pct"]) ** (1 / 12) - 1.0
    annuity_due = 1e6 * (1 - (1 + i) ** -120) / i * (1 + i)
    assert annuity_due == pytest.approx(60e6, rel=1e-9)
    assert row["unlevered_irr_pct"] == pytest.approx(0.17488, abs=1e-5)


def test_flat_lease_payback_npv_and_contracted_tail() -> None:
    """Cumulative cash is -$59M after month 0 and rises $1M a month: it reaches 0 in month 59
    (2030-12), 59 months after the capex. The NPV at 8 %/yr is the rents' geometric series
    less the capex, 108 of the 120 rents falling after the 12-month horizon."""
    view = _view(_fleet())
    row = view.deals.iloc[0]
    assert row["payback_month"] == "2030-12"
    assert row["payback_months"] == 59
    v = 1.08 ** (-1 / 12)
    assert row["project_npv_usd"] == pytest.approx(1e6 * (1 - v**120) / (1 - v) - 60e6, rel=1e-9)
    assert row["rent_in_horizon_usd"] == pytest.approx(12e6)
    assert row["contracted_tail_rent_usd"] == pytest.approx(108e6)
    assert row["tail_npv_usd"] == pytest.approx(1e6 * (v**12 - v**120) / (1 - v), rel=1e-9)


def test_escalator_steps_once_a_year_into_the_tail() -> None:
    """A 3 % escalator: months 0-11 pay $1M on 10 MW, months 12-23 $1.03M, 24-35 $1.0609M;
    nothing moves within a year."""
    flows = _view(_fleet(escalator_pa=0.03)).flows[0]
    rent = flows.rent_usd
    assert np.allclose(rent[:12], 1e6)
    assert np.allclose(rent[12:24], 1.03e6)
    assert np.allclose(rent[24:36], 1e6 * 1.03**2)
    assert rent[119] == pytest.approx(1e6 * 1.03**9)
    assert len(rent) == 120


def test_bridge_from_planning_to_cash_npv_adds_up() -> None:
    """Planning NPV + capital charge in the horizon - capex when spent + contracted tail is
    the cash NPV, and with no mining it is the project's own NPV."""
    view = _view(_fleet())
    b = view.bridge
    assert b.capex_when_spent_usd == pytest.approx(60e6)
    assert b.cash_npv_usd == pytest.approx(view.deals["project_npv_usd"].sum(), rel=1e-12)
    assert b.contracted_tail_usd == pytest.approx(view.deals["tail_npv_usd"].sum(), rel=1e-12)


def test_cash_npv_is_mining_plus_every_project_on_random_fleets() -> None:
    """On seeded synthetic fleets the cash NPV equals the discounted mining margin plus the
    projects' NPVs (capex shared among a site's leases, unleased capex its own project), and
    the shares of rent add to 1."""
    for seed in range(3):
        f = synthetic_fleet(sites=4, months=30, seed=seed)
        plan = verified(f)
        view = deal_view(compute_coefficients(f), plan)
        sm = plan.site_months
        mining = float(((sm["mining_revenue_usd"] - sm["mining_power_cost_usd"]
                         - sm["mining_opex_usd"]) * sm["discount_factor"]).sum())
        total = mining + float(view.deals["project_npv_usd"].sum())
        assert view.bridge.cash_npv_usd == pytest.approx(total, rel=1e-9, abs=1e-3)
        assert view.deals["owner_capex_usd"].sum() == pytest.approx(plan.builds["capex_usd"].sum())
        if len(plan.leases):
            assert sum(view.portfolio.rent_share_by_tenant.values()) == pytest.approx(1.0)


def test_irr_and_payback_of_plain_series() -> None:
    """-100 then +110 a month later is 10 % a month, (1.1)^12 - 1 a year; flows of one sign
    have no IRR; a series that never recovers has no payback."""
    assert irr_pa(np.array([-100.0, 110.0])) == pytest.approx(1.1**12 - 1, rel=1e-9)
    assert math.isnan(irr_pa(np.array([100.0, 10.0])))
    assert payback_offset(np.array([-100.0, 50.0, 50.0, 1.0])) == 2
    assert payback_offset(np.array([-100.0, 50.0])) is None
