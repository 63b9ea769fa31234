"""Tenant-funded capex in the LP: a lease earns back the capital charge on the capex its
tenant funds (``tenant_capex_usd_mw``, at most the site's capex per MW) in each month it holds
the MW, so the plan no longer charges the owner for fit-out it does not pay for.

The case, solved by hand: one site, 10 IT MW convertible at $6M/MW with no lead time, no HPC
opex, power passed through, a 15-year asset life and a 0 % discount rate, so the capital
charge is $6M / 180 = $33,333.33 per converted MW-month. One optional 12-month lease of up to
10 MW at $20/kW-month ($20,000 per MW-month) over a 12-month plan.
"""

from __future__ import annotations

from typing import Any

import pytest
from fleetkit import contract, fleet, site, verified

from allocator.deals.view import deal_view
from allocator.domain import Fleet
from allocator.optimization.coefficients import compute_coefficients
from allocator.results.accounting import reprice


def _fleet(existing_mw: float = 0.0, **terms: Any) -> Fleet:
    return fleet(months=12, sites=[site(
        hpc_convertible_mw=10, hpc_existing_mw=existing_mw, conversion_capex_usd_mw=6e6,
        conversion_lead_months=0, hpc_opex_usd_mw_month=0)],
        contracts=[contract(rate_usd_kw_month=20, max_mw=10, term_months=12,
                            power_pass_through=True, **terms)])


def test_a_lease_is_taken_only_because_its_tenant_funds_the_capex() -> None:
    """Without tenant capex a leased MW earns $20,000 a month and costs $33,333.33 of capital
    charge: the plan leases nothing (NPV 0). With $4M/MW funded by the tenant the charge left
    to the owner is on $2M: $11,111.11 a month, so each MW earns 12 x ($20,000 - $11,111.11)
    = $106,666.67 and the plan converts and leases all 10 MW: NPV $1,066,666.67. The plan
    re-prices to it from its frames (the credit on its own line, 10 x $22,222.22 x 12 =
    $2,666,666.67) and the Summary's capital charge is the owner's: 12 x 10 x $11,111.11."""
    without, funded = verified(_fleet()), verified(_fleet(tenant_capex_usd_mw=4e6))
    assert without.npv_usd == pytest.approx(0.0, abs=1e-6)
    assert without.leases["leased_mw"].sum() == pytest.approx(0.0, abs=1e-9)
    assert funded.npv_usd == pytest.approx(12 * 10 * (20_000 - 2e6 / 180), rel=1e-9)
    assert funded.npv_usd == pytest.approx(1_066_666.6667, rel=1e-9)
    assert funded.leases["leased_mw"].tolist() == pytest.approx([10.0] * 12)
    value = reprice(_fleet(tenant_capex_usd_mw=4e6), funded)
    assert value.tenant_capex_credit_usd == pytest.approx(10 * 4e6 / 180 * 12, rel=1e-9)
    assert value.npv_usd == pytest.approx(funded.objective_usd, rel=1e-9)
    assert funded.summary["capital_charge_usd"].sum() == pytest.approx(12 * 10 * 2e6 / 180,
                                                                       rel=1e-9)


def test_the_credit_is_capped_at_the_sites_capex_and_absent_on_existing_space() -> None:
    """A tenant funding $9M/MW of a $6M/MW fit-out earns back the whole charge, no more: the
    owner's capital charge is 0 and the NPV is the rent, 12 x 10 x $20,000 = $2.4M. At a site
    with 10 MW of existing HPC space a leased MW need not be a converted one, so no credit is
    given: the lease sits on the existing space and the NPV is the same $2.4M, not more."""
    capped = verified(_fleet(tenant_capex_usd_mw=9e6))
    assert capped.npv_usd == pytest.approx(2.4e6, rel=1e-9)
    assert capped.summary["capital_charge_usd"].sum() == pytest.approx(0.0, abs=1e-6)
    existing = _fleet(existing_mw=10, tenant_capex_usd_mw=9e6)
    terms = compute_coefficients(existing).contracts[0]
    assert terms.capital_credit_usd_mw_month is not None
    assert terms.capital_credit_usd_mw_month.tolist() == [0.0]
    assert verified(existing).npv_usd == pytest.approx(2.4e6, rel=1e-9)


def test_the_bridge_counts_tenant_capex_once() -> None:
    """The bridge from the planning NPV: + the owner's capital charge in the horizon ($1.33M,
    net of the credit) - capex when spent ($60M) + capex funded by tenants ($40M) = the cash
    NPV, 12 x $200,000 of rent less the owner's $20M = -$17.6M (0 % discount, no tail)."""
    f = _fleet(tenant_capex_usd_mw=4e6)
    bridge = deal_view(compute_coefficients(f), verified(f)).bridge
    assert bridge.capital_charge_in_horizon_usd == pytest.approx(12 * 10 * 2e6 / 180, rel=1e-9)
    assert bridge.capex_when_spent_usd == pytest.approx(60e6)
    assert bridge.tenant_funded_capex_usd == pytest.approx(40e6)
    assert bridge.cash_npv_usd == pytest.approx(2.4e6 - 20e6, rel=1e-9)
