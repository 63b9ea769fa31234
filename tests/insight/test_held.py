"""The held HiGHS model answers the insight probes as rebuilding and bisecting does: site
breakevens from the basis (reduced costs, the forced-trace re-solve and its box test) and
contract flip rates from cost intervals against plain bisection on rebuilt models, one
column's cost ranging against HiGHS's own, capacity moves read off the basis against
re-solves, and the MILP and PuLP paths that keep bisecting."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fleetkit import contract, fleet, miners, site

from allocator import Fleet, optimize
from allocator.insight.annotate import add_insight
from allocator.insight.breakevens import site_breakevens, site_rows, with_probes
from allocator.insight.contracts import contract_rows
from allocator.insight.duals import check_site_duals
from allocator.insight.held import HeldModel, resolves_for
from allocator.insight.resolve import (
    MAX_RATE_USD_KW_MONTH,
    RATE_BOUND_FACTOR,
    TOL_USD_KW_MONTH,
    RateSearch,
    Rebuilt,
    Resolver,
    Seen,
    is_taken,
)
from allocator.insight.tornado import DRIVERS, prices_only, scaled
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.lp import build_model, objective
from allocator.optimization.solvers import SolverOptions, available_solvers
from allocator.synthetic import synthetic_fleet

TOL = TOL_USD_KW_MONTH
HIGHS = SolverOptions()


@pytest.fixture(scope="module")
def few() -> Fleet:
    """Eight synthetic sites over three years plus a firm offer."""
    base = synthetic_fleet(sites=8, months=36, seed=5)
    firm = contract("Firm-90", rate_usd_kw_month=90.0, min_mw=5.0, max_mw=10.0,
                    start_month="2026-12", term_months=60, power_pass_through=True, firm=True)
    return base.model_copy(update={"contracts": (*base.contracts, firm)})


def same_rate(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= TOL


def site_pairs(f: Fleet, fast_options: SolverOptions = HIGHS
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], HeldModel]:
    probes = with_probes(f, 1.0)
    held = HeldModel(probes.fleet, fast_options)
    fast = site_rows(held, f, probes, MAX_RATE_USD_KW_MONTH, TOL)
    slow = site_rows(Rebuilt(Resolver(HIGHS), probes.fleet), f, probes,
                     MAX_RATE_USD_KW_MONTH, TOL)
    return fast, slow, held


def test_site_breakevens_from_the_basis_equal_bisection(few: Fleet) -> None:
    """Every site's breakeven within the bisection's tolerance, with the same note, and
    the flips came from the basis: one forced re-solve for all sites, no bisection."""
    fast, slow, held = site_pairs(few)
    rates = 0
    for a, b in zip(fast, slow, strict=True):
        assert a["breakeven_note"] == b["breakeven_note"], a["site"]
        assert same_rate(a["breakeven_hpc_rate_usd_kw_month"],
                         b["breakeven_hpc_rate_usd_kw_month"]), (a, b)
        rates += not math.isnan(a["breakeven_hpc_rate_usd_kw_month"])
    assert rates >= 4
    assert held.solves <= 1


def test_contract_rates_and_values_from_cost_intervals_equal_bisection(few: Fleet) -> None:
    probes = with_probes(few, 1.0)
    held = HeldModel(probes.fleet, HIGHS)
    fast = contract_rows(held, few, RATE_BOUND_FACTOR, MAX_RATE_USD_KW_MONTH, TOL)
    rebuilt = Rebuilt(Resolver(HIGHS), probes.fleet)
    slow = contract_rows(rebuilt, few, RATE_BOUND_FACTOR, MAX_RATE_USD_KW_MONTH, TOL)
    flips = 0
    for a, b in zip(fast, slow, strict=True):
        assert a["insight_note"] == b["insight_note"], a["contract"]
        assert a["value_added_usd"] == pytest.approx(b["value_added_usd"], rel=1e-6, abs=1.0)
        for column in ("drop_rate_usd_kw_month", "full_take_rate_usd_kw_month"):
            assert same_rate(a[column], b[column]), (a, b)
            flips += not math.isnan(a[column])
    assert flips >= 4
    assert held.solves < rebuilt.resolver.solves / 2


def test_one_columns_cost_range_is_highs_ranging(few: Fleet) -> None:
    """A contract taken in part has a basic commitment: its interval is HiGHS's."""
    held = HeldModel(few, HIGHS)
    checked = 0
    for k, _ in enumerate(few.contracts):
        j = int(held.rate_col[k])
        basic = set(np.asarray(held.highs.getBasicVariables()[1]).tolist())
        if j not in basic:
            continue
        ranging = held.highs.getRanging()[1]
        cost = float(held.model.col_cost[j])
        down, up = held.cost_range(j)
        assert down == pytest.approx(ranging.col_cost_dn.value_[j] - cost, rel=1e-9, abs=1e-6)
        assert up == pytest.approx(ranging.col_cost_up.value_[j] - cost, rel=1e-9, abs=1e-6)
        checked += 1
    assert checked


def test_capacity_moves_read_off_the_basis_equal_re_solves(few: Fleet) -> None:
    held = HeldModel(few, HIGHS)
    told = [held.capacity_gain(s, 1.0) for s in range(len(few.sites))]
    read = 0
    for s, sides in enumerate(told):
        for delta, gain in zip((1.0, -1.0), sides, strict=True):
            if gain is None:
                continue
            read += 1
            again = held.with_capacity(s, delta) - held.objective
            assert gain == pytest.approx(again, rel=1e-7, abs=1e-3), (s, delta)
    assert read >= len(few.sites)


def test_insight_checks_the_duals_on_its_own_held_model(few: Fleet) -> None:
    """``check_duals`` (what ``optimize --insight`` asks) gives what checking them apart does."""
    plan = optimize(few)
    apart = add_insight(check_site_duals(few, plan), few, sensitivity_pct=None).site_value
    shared = add_insight(plan, few, sensitivity_pct=None, check_duals=True).site_value
    pd.testing.assert_frame_equal(shared, apart, rtol=1e-7)


@pytest.mark.parametrize("budget", [None, 50e6])
def test_a_price_driver_changes_the_costs_alone(few: Fleet, budget: float | None) -> None:
    """The tornado swaps the cost vector only where the matrix and bounds stay: every driver
    but capex under a capex budget; the costs it computes are the rebuilt model's."""
    f = few.model_copy(update={"settings": few.settings.model_copy(
        update={"capex_budget_usd_per_year": budget})})
    held = HeldModel(f, HIGHS)
    for _, parameter in DRIVERS:
        coef = compute_coefficients(scaled(f, parameter, 1.1))
        model = build_model(coef)
        assert held.same_structure(model) == prices_only(f, parameter), parameter
        if prices_only(f, parameter):
            assert np.array_equal(objective(coef, held.model), model.col_cost), parameter


def test_rate_search_stops_where_two_intervals_meet() -> None:
    """Probes that know their interval find the flip in one probe past it; plain probes
    bisect to within the tolerance above it."""
    def ranged(rate: float) -> Seen:
        return Seen(0.0, -np.inf, 50.0) if rate < 50.0 else Seen(1.0, 50.0, np.inf)

    search = RateSearch(ranged, ranged=True, seen=[ranged(0.0)])
    assert search.flip(is_taken, 0.0, 1000.0, TOL) == pytest.approx(50.0)
    assert len(search.seen) == 2

    plain = RateSearch(lambda rate: Seen.at(rate, float(rate >= 50.0)))
    found = plain.flip(is_taken, 0.0, 1000.0, TOL)
    assert found is not None and 50.0 <= found <= 50.0 + TOL
    assert RateSearch(lambda rate: Seen.at(rate, 0.0)).flip(is_taken, 0.0, 10.0, TOL) is None


def whole_halls() -> Fleet:
    """One site converting 10 MW halls: a MILP, whose breakeven is still bisected."""
    return fleet(months=12, asset_life_years=10.0,
                 sites=[site(capacity_mw=100.0, hpc_convertible_mw=40.0,
                             conversion_capex_usd_mw=1.2e6, conversion_block_mw=10.0)],
                 miner_rows=[miners(units=30_000)])


def test_a_milp_keeps_bisecting_on_the_held_model() -> None:
    f = whole_halls()
    fast, slow, held = site_pairs(f)
    assert held.is_mip and held.entry_rate(0) is None
    assert held.solves > 1
    for a, b in zip(fast, slow, strict=True):
        assert same_rate(a["breakeven_hpc_rate_usd_kw_month"],
                         b["breakeven_hpc_rate_usd_kw_month"])
    assert not math.isnan(fast[0]["breakeven_hpc_rate_usd_kw_month"])


@pytest.mark.skipif("COIN_CMD" not in available_solvers()
                    and "PULP_CBC_CMD" not in available_solvers(), reason="no CBC")
def test_pulp_solvers_rebuild_and_agree() -> None:
    f = fleet(months=12, asset_life_years=10.0,
              sites=[site(capacity_mw=100.0, hpc_convertible_mw=50.0,
                          conversion_capex_usd_mw=1.2e6)],
              miner_rows=[miners(units=30_000)])
    assert isinstance(resolves_for(f, SolverOptions(name="cbc")), Rebuilt)
    cbc = site_breakevens(f, solver="cbc")["breakeven_hpc_rate_usd_kw_month"].iloc[0]
    highs = site_breakevens(f)["breakeven_hpc_rate_usd_kw_month"].iloc[0]
    assert same_rate(cbc, highs)
