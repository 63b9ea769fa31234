"""The post-solve checks and the re-pricing catch broken plans (a check that cannot fail
would prove nothing)."""

from __future__ import annotations

import dataclasses

import pytest
from fleetkit import verified

from allocator.results.accounting import reprice
from allocator.results.checks import plan_violations
from allocator.synthetic import synthetic_fleet

FLEET = synthetic_fleet(sites=3, months=30, seed=0)


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    p = verified(FLEET)
    assert len(p.leases) and len(p.builds), "the case must lease and convert"
    return p


def test_site_power_overrun_is_caught(plan) -> None:  # type: ignore[no-untyped-def]
    sm = plan.site_months.copy()
    sm.loc[0, "mining_grid_mw"] = sm.loc[0, "capacity_mw"] + 1
    broken = dataclasses.replace(plan, site_months=sm)
    assert any(v.startswith("site_power:") for v in plan_violations(FLEET, broken))


def test_contract_delivery_gap_is_caught(plan) -> None:  # type: ignore[no-untyped-def]
    leases = plan.leases.drop(index=plan.leases.index[0])
    broken = dataclasses.replace(plan, leases=leases)
    assert any(v.startswith("contract_delivery:") for v in plan_violations(FLEET, broken))


def test_reversed_conversion_is_caught(plan) -> None:  # type: ignore[no-untyped-def]
    sm = plan.site_months.copy()
    site = plan.builds["site"].iloc[0]
    last = sm.index[sm["site"] == site][-1]
    sm.loc[last, "hpc_converted_mw"] = 0.0
    broken = dataclasses.replace(plan, site_months=sm)
    assert any(v.startswith("irreversible:") for v in plan_violations(FLEET, broken))


def test_tranche_overrun_is_caught(plan) -> None:  # type: ignore[no-untyped-def]
    tr = plan.tranches.copy()
    tr.loc[0, "running_mw"] = tr.loc[0, "available_mw"] * 2 + 1
    broken = dataclasses.replace(plan, tranches=tr)
    assert any(v.startswith("tranche:") for v in plan_violations(FLEET, broken))


def test_repricing_sees_a_changed_decision(plan) -> None:  # type: ignore[no-untyped-def]
    tr = plan.tranches.copy()
    running = tr.index[tr["running_mw"] > 0][0]
    tr.loc[running, "running_mw"] += 1.0
    value = reprice(FLEET, dataclasses.replace(plan, tranches=tr)).npv_usd
    assert abs(value - plan.objective_usd) > 1.0
