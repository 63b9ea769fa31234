"""Tiny hand-solved LPs, each solved directly and through a workbook; each docstring says what
it proves and which bug would change it.

Every case takes ``solve`` and runs twice (``test_hand_solved_case[direct-...]`` and
``[workbook-...]``). Directly, ``solve`` is ``fleetkit.verified``: post-solve invariants hold
and the plan re-prices independently to the LP objective. Through the workbook, each fleet is
written with :func:`~allocator.workbook.fleet_writer.write_fleet`, read back with
:func:`~allocator.read_workbook` (which must give the same Fleet) and optimized; the plan
must equal the direct solve's frame by frame and in NPV, and a fleet that cannot be planned
must fail the same way, its problems placed at cells. So a reader or writer bug that shifts
a column, a unit or a default shows up as a wrong number in a case whose answer is known.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fleetkit import contract, fleet, miners, site, verified

from allocator import explain_infeasibility, optimize, read_workbook
from allocator.domain import Fleet, MarketMonth
from allocator.errors import AllocatorError, InfeasibleError, InputError
from allocator.results.plan import Plan
from allocator.synthetic import synthetic_fleet
from allocator.workbook.fleet_writer import write_fleet

Solve = Callable[[Fleet], Plan]
Case = Callable[[Solve], None]
CASES: list[Case] = []
FRAMES = ("site_months", "allocation", "tranches", "leases", "builds", "summary", "contracts",
          "site_value")


def case(fn: Case) -> Case:
    """Register a hand-solved case; it runs once per route."""
    CASES.append(fn)
    return fn


def _differences(read: object, written: object, where: str = "Fleet") -> list[str]:
    if isinstance(written, dict) and isinstance(read, dict) and read.keys() == written.keys():
        return [d for k in written for d in _differences(read[k], written[k], f"{where}.{k}")]
    if isinstance(written, list | tuple) and isinstance(read, list | tuple) \
            and len(read) == len(written):
        return [d for i, (r, w) in enumerate(zip(read, written, strict=True))
                for d in _differences(r, w, f"{where}[{i}]")]
    if isinstance(written, float) and isinstance(read, float) \
            and math.isclose(read, written, rel_tol=1e-15):
        return []
    return [] if read == written else [f"{where}: wrote {written!r}, read {read!r}"]


def assert_same_fleet(read: Fleet, written: Fleet) -> None:
    """The fleet read back equals the fleet written, field by field.

    Floats may differ in the 17th significant digit: openpyxl writes numbers with 16
    (``%.16g``), so e.g. 222.22222222222223 comes back as 222.2222222222222.
    """
    assert _differences(read.model_dump(), written.model_dump()) == []


def through_workbook(folder: Path) -> Solve:
    """``solve`` by way of a workbook: write, read back, optimize, compare with direct."""
    numbers = count(1)

    def solve(f: Fleet) -> Plan:
        path = write_fleet(f, folder / f"fleet{next(numbers)}.xlsx")
        book = read_workbook(path)
        assert_same_fleet(book.fleet, f)
        try:
            expected = verified(f)
        except AllocatorError as direct:
            with pytest.raises(type(direct)) as err:
                optimize(book)
            if isinstance(direct, InputError):  # the same problems, placed at their cells
                located = InputError([book.locate(p) for p in direct.problems],
                                     source=str(path))
                assert str(err.value) == str(located)
            elif isinstance(direct, InfeasibleError) and direct.explanation is not None:
                # the same explanation, each contract, site and setting named at its cell
                placed = explain_infeasibility(f, book.locate)
                assert str(err.value) == f"The model is infeasible. {placed}"
            else:
                assert str(err.value) == str(direct)
            raise
        plan = optimize(book)
        assert plan.npv_usd == pytest.approx(expected.npv_usd, rel=1e-12, abs=1e-9)
        for name in FRAMES:
            pd.testing.assert_frame_equal(getattr(plan, name), getattr(expected, name),
                                          check_exact=False, rtol=1e-12, atol=1e-9,
                                          obj=f"Plan.{name}")
        return plan

    return solve


@pytest.fixture(params=["direct", "workbook"])
def solve(request: pytest.FixtureRequest, tmp_path: Path) -> Solve:
    return verified if request.param == "direct" else through_workbook(tmp_path)


@case
def worked_example_1_spot_mining(solve: Solve) -> None:
    """Worked example 1 (docs/model.md): 35.3565 MW run (uptime cap), objective $1,566,685.80.

    Proves uptime caps a tranche and the mining margin formula; ignoring uptime would give
    36.45 MW, ignoring the pool fee or PUE changes the dollars.
    """
    f = fleet(start="2026-04", pool_fee=0.02,
              sites=[site(power_price_usd_mwh=50, mining_pue=1.05, uptime=0.97,
                          mining_opex_usd_mw_month=5_000)],
              miner_rows=[miners()])
    plan = solve(f)
    assert plan.objective_usd == pytest.approx(1_566_685.80, abs=0.01)
    assert plan.site_months["mining_mw"].iloc[0] == pytest.approx(35.3565)


@case
def worked_example_2_existing_hpc_pass_through(solve: Solve) -> None:
    """Worked example 2 (docs/model.md): 10 MW existing, $100/kW-month, three months -> $3,000,000.

    Proves take-or-pay leasing of existing space with power passed through costs nothing;
    charging power on a pass-through lease would lower it.
    """
    f = fleet(months=3, sites=[site(hpc_existing_mw=10)],
              contracts=[contract(power_pass_through=True)])
    plan = solve(f)
    assert plan.objective_usd == pytest.approx(3_000_000.0)
    assert plan.contracts["committed_mw"].iloc[0] == pytest.approx(10.0)


@case
def worked_example_3_gross_lease_pays_power(solve: Solve) -> None:
    """Worked example 3 (docs/model.md): gross lease at $40/MWh over 31, 28, 31 days -> $2,136,000.

    Proves the power cost uses each month's own days; a flat 30-day month would give
    $2,136,000 only by accident of the sum, so the per-month rows are checked too.
    """
    f = fleet(months=3, sites=[site(hpc_existing_mw=10)],
              contracts=[contract(power_pass_through=False)])
    plan = solve(f)
    assert plan.objective_usd == pytest.approx(2_136_000.0)
    power = plan.leases["power_cost_usd"].tolist()
    assert power == pytest.approx([10 * 40 * 24 * d for d in (31, 28, 31)])


@case
def worked_example_4_lead_time_delays_lease_revenue(solve: Solve) -> None:
    """Worked example 4 (docs/model.md): build 20 MW in January, lease February-March -> $3,400,000.

    Proves conversion lead time (usable from t + lead), the capital charge from the month
    construction starts, and r = 0 capital recovery of 1/n.
    """
    f = fleet(months=3, asset_life_years=10,
              sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=1.2e6,
                          conversion_lead_months=1)],
              contracts=[contract(start_month="2026-02", power_pass_through=True)])
    plan = solve(f)
    assert plan.objective_usd == pytest.approx(3_400_000.0)
    assert plan.builds[["month", "build_mw"]].values.tolist() == [["2026-01", 20.0]]
    sm = plan.site_months
    assert sm["hpc_leased_mw"].tolist() == pytest.approx([0, 20, 20])
    assert sm["hpc_under_construction_mw"].tolist() == pytest.approx([20, 0, 0])


@case
def worked_example_4b_contract_starting_too_soon_is_worth_nothing(solve: Solve) -> None:
    """Worked example 4 (docs/model.md): the same contract from January cannot be served in
    January, and take-or-pay makes the whole commitment 0 -> $0. A model that let the
    commitment vary by month would lease 20 MW from February instead."""
    f = fleet(months=3, asset_life_years=10,
              sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=1.2e6,
                          conversion_lead_months=1)],
              contracts=[contract(start_month="2026-01", power_pass_through=True)])
    plan = solve(f)
    assert plan.objective_usd == pytest.approx(0.0, abs=1e-6)
    assert plan.contracts["committed_mw"].iloc[0] == 0.0
    assert plan.builds.empty


@case
def tranche_merit_order(solve: Solve) -> None:
    """Power for only part of the fleet runs the most efficient tranche first.

    40 MW of grid; 30 MW of 13.5 J/TH and 30 MW of 21.5 J/TH installed. Both profitable at
    $40/PH/day and $40/MWh, so the optimum runs all 30 MW efficient + 10 MW of the old ones.
    A model that ordered tranches by row (or ignored efficiency) would fail this.
    """
    old = miners(model="Antminer S19 XP", units=10_000, hashrate_th=140, power_w=3000)  # 30 MW
    new = miners(model="Antminer S21 XP", units=10_000, hashrate_th=270 * 3000 / 3645,
                 power_w=3000)
    f = fleet(sites=[site(capacity_mw=40)], miner_rows=[old, new])
    plan = solve(f)
    run = dict(zip(plan.tranches["model"], plan.tranches["running_mw"], strict=True))
    assert run["Antminer S21 XP"] == pytest.approx(30.0)
    assert run["Antminer S19 XP"] == pytest.approx(10.0)
    # the marginal tranche is the old one, and its breakeven is below the hashprice
    sv = plan.site_value.iloc[0]
    assert sv["marginal_model"] == "Antminer S19 XP"
    assert sv["breakeven_hashprice_usd_ph_day"] < 40.0


@case
def unprofitable_tranche_stays_off(solve: Solve) -> None:
    """29.5 J/TH miners at $80/MWh lose money at $40/PH/day: they do not run even with room.

    Revenue 40 * 1000/29.5 * 31 = $42,034/MW-month; cost 80 * 24 * 31 = $59,520.
    """
    f = fleet(sites=[site(power_price_usd_mwh=80)],
              miner_rows=[miners(model="Antminer S19j Pro", units=1000, hashrate_th=104,
                                 power_w=3068)])
    plan = solve(f)
    assert plan.objective_usd == pytest.approx(0.0, abs=1e-6)
    assert plan.site_months["idle_mw"].iloc[0] == pytest.approx(100.0)


@case
def contract_beats_mining_for_shared_power(solve: Solve) -> None:
    """A lease worth more per grid MW takes the power from mining.

    Site 40 MW, 40 MW of miners earning ~$44k/MW-month margin; 20 MW existing HPC space at
    PUE 1.0 leased at $100/kW-month pass-through = $100k per MW. The optimum leases all 20
    MW and mines the remaining 20 MW. Charging existing HPC power only when leased, or
    ignoring hpc_pue in site power, would change the split.
    """
    f = fleet(start="2026-04", sites=[site(capacity_mw=40, hpc_existing_mw=20, hpc_pue=1.0)],
              miner_rows=[miners(units=10974)],  # ~40 MW
              contracts=[contract(start_month="2026-04", power_pass_through=True)])
    plan = solve(f)
    sm = plan.site_months.iloc[0]
    assert sm["hpc_leased_mw"] == pytest.approx(20.0)
    assert sm["mining_grid_mw"] == pytest.approx(20.0)
    assert sm["idle_mw"] == pytest.approx(0.0, abs=1e-6)
    # the marginal grid MW runs miners, so its value is the mining margin per MW
    assert plan.site_months["site_power_value_usd_mw_month"].iloc[0] == pytest.approx(
        40 * 1000 / 13.5 * 30 - 40 * 24 * 30, rel=1e-6)


@case
def firm_minimum_forces_conversion(solve: Solve) -> None:
    """A firm contract's min_mw must be served even when it loses money.

    Rent $10/kW-month ($10k/MW) against a capital charge of $20k/MW-month: optional, it
    would be declined; firm at 5 MW it forces 5 MW of conversion and a negative NPV.
    """
    base: dict[str, Any] = dict(
        months=2, asset_life_years=10,
        sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=2.4e6)])
    loose = solve(fleet(**base, contracts=[contract(rate_usd_kw_month=10, min_mw=5,
                                                      power_pass_through=True)]))
    assert loose.contracts["committed_mw"].iloc[0] == 0.0
    firm = solve(fleet(**base, contracts=[contract(rate_usd_kw_month=10, min_mw=5,
                                                     firm=True, power_pass_through=True)]))
    assert firm.contracts["committed_mw"].iloc[0] == pytest.approx(5.0)
    assert firm.objective_usd == pytest.approx(2 * 5 * (10_000 - 20_000))


@case
def conversion_holds_power_from_construction_start(solve: Solve) -> None:
    """Converted space holds grid power while under construction, leased or not.

    Site 30 MW, 30 MW of miners; 20 MW conversion with lead 1: in the construction month
    only 10 MW can mine. A model that reserved power only once space is online would mine
    30 MW in January.
    """
    f = fleet(months=2, sites=[site(capacity_mw=30, hpc_convertible_mw=20,
                                    conversion_lead_months=1)],
              miner_rows=[miners(units=8230)],  # ~30 MW
              contracts=[contract(rate_usd_kw_month=500, start_month="2026-02",
                                  power_pass_through=True)])
    plan = solve(f)
    sm = plan.site_months
    assert sm["hpc_converted_mw"].tolist() == pytest.approx([20, 20])
    assert sm["mining_grid_mw"].tolist() == pytest.approx([10, 10], abs=1e-6)


@case
def eligible_sites_only(solve: Solve) -> None:
    """A contract limited to site B is never carried at site A, even though A has space."""
    f = fleet(sites=[site("A", hpc_existing_mw=20), site("B", hpc_existing_mw=5)],
              contracts=[contract(sites=("B",), power_pass_through=True)])
    plan = solve(f)
    assert set(plan.leases["site"]) == {"B"}
    assert plan.contracts["committed_mw"].iloc[0] == pytest.approx(5.0)


@case
def discounting_and_escalator(solve: Solve) -> None:
    """Rent steps up after 12 months and later months are discounted monthly.

    10 MW existing, $100/kW-month, 3 % escalator, 13 months at r = 12 %: month 12 earns
    $1.03M nominal and counts (1.12)^-1.
    """
    f = fleet(months=13, discount_rate=0.12, sites=[site(hpc_existing_mw=10)],
              contracts=[contract(term_months=24, power_pass_through=True, max_mw=10,
                                  escalator_pa=0.03)])
    plan = solve(f)
    expected = sum(1e6 * (1.03 if t >= 12 else 1.0) * 1.12 ** (-t / 12) for t in range(13))
    assert plan.objective_usd == pytest.approx(expected)


@case
def min_fleet_hashrate_policy_keeps_losing_miners_on(solve: Solve) -> None:
    """A hashrate floor runs miners that lose money; without it they stay off."""
    rows = [miners(model="Antminer S19j Pro", units=1000, hashrate_th=104, power_w=3068)]
    base: dict[str, Any] = dict(
        sites=[site(power_price_usd_mwh=80)], miner_rows=rows)
    assert solve(fleet(**base)).objective_usd == pytest.approx(0.0, abs=1e-6)
    plan = solve(fleet(**base, min_fleet_hashrate_ehs=0.05))
    assert plan.summary["fleet_hashrate_ehs"].iloc[0] == pytest.approx(0.05)
    assert plan.objective_usd < 0


@case
def max_conversion_per_year_policy(solve: Solve) -> None:
    """The yearly conversion cap limits the MW a lucrative contract can take."""
    base: dict[str, Any] = dict(
        months=3, sites=[site(hpc_convertible_mw=50)],
        contracts=[contract(max_mw=40, power_pass_through=True)])
    assert solve(fleet(**base)).contracts["committed_mw"].iloc[0] == pytest.approx(40)
    capped = solve(fleet(**base, max_conversion_mw_per_year=15))
    assert capped.contracts["committed_mw"].iloc[0] == pytest.approx(15)


@case
def capex_budget_and_hpc_share_policies(solve: Solve) -> None:
    """A yearly capex budget and a cap on the HPC share each bind at their own MW.

    $12M a year at $1M/MW builds 12 MW; a 25 % HPC share of the 100 MW site allows 25 MW.
    A budget counted per month, or a share taken of the convertible space, would change both.
    """
    base: dict[str, Any] = dict(
        months=3, sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=1e6)],
        contracts=[contract(max_mw=40, power_pass_through=True, rate_usd_kw_month=500)])
    budget = solve(fleet(**base, capex_budget_usd_per_year=12e6))
    assert budget.contracts["committed_mw"].iloc[0] == pytest.approx(12)
    share = solve(fleet(**base, max_hpc_share=0.25))
    assert share.contracts["committed_mw"].iloc[0] == pytest.approx(25)


@case
def firm_contract_without_room_is_explained_before_solving(solve: Solve) -> None:
    """The consistency pass names the contract, sites and month instead of 'infeasible'."""
    f = fleet(months=6, sites=[site(hpc_convertible_mw=30, conversion_lead_months=6)],
              contracts=[contract(name="Lease-B", min_mw=20, firm=True, start_month="2026-03")])
    with pytest.raises(InputError) as err:
        solve(f)
    text = str(err.value)
    assert "Contracts[Lease-B].min_mw" in text and "2026-03" in text and "A" in text


@case
def infeasible_firm_contracts_competing_for_space(solve: Solve) -> None:
    """Two firm contracts each fit alone but not together: the LP reports infeasible."""
    f = fleet(sites=[site(hpc_existing_mw=10)],
              contracts=[contract("K1", min_mw=8, firm=True), contract("K2", min_mw=8, firm=True)])
    with pytest.raises(InfeasibleError):
        solve(f)


@case
def hashprice_from_market_and_halving_inside_horizon(solve: Solve) -> None:
    """Mining revenue halves at the halving month with price and hashrate flat."""
    market = [MarketMonth(month="2028-03", btc_price_usd=100_000.0,
                          network_hashrate_ehs=1_000.0)]
    f = fleet(start="2028-03", months=2, market=market, miner_rows=[miners()])
    plan = solve(f)
    hp = plan.summary["hashprice_usd_ph_day"].tolist()
    assert hp == pytest.approx([45.0, 22.5])


@case
def site_power_duals_match_a_finite_difference(solve: Solve) -> None:
    """Σ_t dual[s,t] * df_t equals the objective gain of +0.01 MW at site s (all months).

    Proves the dual's sign and its conversion to nominal $/MW-month; a sign flip or a
    missing discount factor breaks it.
    """
    base = synthetic_fleet(sites=2, months=6, seed=3)
    plan = solve(base)
    sm = plan.site_months
    for i, s in enumerate(base.sites):
        rows = sm[sm["site"] == s.name]
        predicted = float((rows["site_power_value_usd_mw_month"] * rows["discount_factor"]).sum())
        bumped = list(base.sites)
        bumped[i] = s.model_copy(update={"capacity_mw": s.capacity_mw + 0.01})
        gain = solve(base.model_copy(update={"sites": tuple(bumped)})).objective_usd \
            - plan.objective_usd
        assert gain / 0.01 == pytest.approx(predicted, rel=1e-4, abs=1e-3)


@pytest.mark.parametrize("hand_solved", CASES, ids=[c.__name__ for c in CASES])
def test_hand_solved_case(hand_solved: Case, solve: Solve) -> None:
    hand_solved(solve)


def test_every_case_says_what_it_proves() -> None:
    assert len(CASES) >= 19
    assert [c.__name__ for c in CASES if not (c.__doc__ or "").strip()] == []
