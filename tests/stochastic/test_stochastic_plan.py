"""The stochastic plan and its measures: the Done-when properties of issue 10.

Hand-solved (the hall fleet of ``stochkit``), one future against ``optimize``, the order
WS >= RP >= EEV on seeded Monte Carlo sets, no volatility giving VSS = EVPI = 0, one first
stage for every future, and the expected-positive-margin LP equal to the extensive form.
"""

from __future__ import annotations

import numpy as np
import pytest
from scenariokit import small_fleet, with_volatility
from stochkit import HIGH_HASHPRICE, hall_fleet, hall_set

from allocator import optimize, read_workbook
from allocator.errors import InputError
from allocator.optimization.solvers import SolverOptions
from allocator.scenarios.executors import ProcessExecutor
from allocator.stochastic.extensive import build_extensive, scenario_npv_usd
from allocator.stochastic.first_stage import FIRST_STAGE, read_first_stage
from allocator.stochastic.held import HeldHighs, solve_many
from allocator.stochastic.measures import EXTENSIVE_FORM, OPTION_LP, stochastic_plan
from allocator.stochastic.scenario_set import (
    monte_carlo_set,
    scenario_costs,
    scenario_set,
)

SAMPLE = "sample_inputs/fleet.xlsx"


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def test_hand_solved_hall_pins_vss_and_evpi_to_the_dollar() -> None:
    """Two tranches (A 30 MW at 15 J/TH, B 30 MW at 25 J/TH) on a 60 MW grid at $50/MWh, one
    30 MW hall that can be converted and leased at $10/kW-month for the month, hashprice
    $60 or $10/PH/day with probability 1/2 each (30 days, no fee, r = 0).

    Per MW-month: power 50 x 24 x 30 = $36,000; revenue hp x 1000/eff x 30, so A earns
    2,000 hp and B 1,200 hp. Margins: at $60 A 84,000, B 36,000; at $10 A -16,000,
    B -24,000 (both idle); at the mean $35 A 34,000, B 6,000. The lease pays 10,000 and
    displaces B (A fits in the other 30 MW).

    - EV (mean $35): convert, 30 x 34,000 + 30 x 10,000 = 1,320,000 (not converting:
      30 x 40,000 = 1,200,000).
    - EEV (hold the conversion): high 30 x 84,000 + 300,000 = 2,820,000; low 300,000;
      mean 1,560,000.
    - RP: not converting gives high 30 x 120,000 = 3,600,000, low 0, mean 1,800,000 >
      1,560,000: keep mining. B is worth E[max(0, margin)] = 18,000 > 10,000, not 6,000.
    - WS: high 3,600,000 (mine), low 300,000 (convert): 1,950,000.

    So VSS = 1,800,000 - 1,560,000 = $240,000 and EVPI = 1,950,000 - 1,800,000 = $150,000.
    """
    result = stochastic_plan(hall_fleet(35.0), scenarios=hall_set())
    assert round(result.ev_usd) == 1_320_000
    assert round(result.eev_usd) == 1_560_000
    assert round(result.rp_usd) == 1_800_000
    assert round(result.ws_usd) == 1_950_000
    assert round(result.vss_usd) == 240_000
    assert round(result.evpi_usd) == 150_000
    assert result.first_stage.converted_mw() == pytest.approx([0.0], abs=1e-9)
    assert result.ev_first_stage.converted_mw() == pytest.approx([30.0])
    assert result.stochastic.npv_usd == pytest.approx([3_600_000, 0.0], abs=1e-6)
    assert result.expected_value.npv_usd == pytest.approx([2_820_000, 300_000])
    assert result.wait_and_see.npv_usd == pytest.approx([3_600_000, 300_000])


def test_one_future_is_the_deterministic_plan_to_1e9() -> None:
    """The sample fleet as the only future: RP, EV, EEV and WS are optimize's NPV, and the
    first stage is optimize's conversions and commitments."""
    book = read_workbook(SAMPLE)
    plan = optimize(book)
    result = stochastic_plan(book, scenarios=scenario_set([book.fleet]))
    for value in (result.rp_usd, result.ev_usd, result.eev_usd, result.ws_usd):
        assert _close(value, plan.npv_usd)
    committed = dict(zip(plan.contracts["contract"], plan.contracts["committed_mw"],
                         strict=True))
    assert result.first_stage.committed_mw() == pytest.approx(
        [committed[name] for name in result.contracts], abs=1e-6)
    built = plan.builds.groupby("site")["build_mw"].sum()
    assert result.first_stage.converted_mw() == pytest.approx(
        [float(built.get(name, 0.0)) for name in result.sites], abs=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wait_and_see_above_recourse_above_expected_value_plan(seed: int) -> None:
    """WS >= RP >= EEV on seeded sets (a 3-site synthetic fleet, 12 futures each)."""
    fleet = with_volatility(small_fleet(seed), btc=0.8, hashrate=0.3)
    result = stochastic_plan(fleet, 12, seed)
    scale = 1e-9 * max(1.0, abs(result.rp_usd))
    assert result.ws_usd >= result.rp_usd - scale
    assert result.rp_usd >= result.eev_usd - scale
    assert result.vss_usd >= -scale and result.evpi_usd >= -scale
    assert result.wait_and_see.mean_usd == pytest.approx(result.ws_usd)
    assert result.stochastic.mean_usd == pytest.approx(result.rp_usd, rel=1e-9)


def test_no_volatility_gives_no_value_of_the_stochastic_solution_or_of_foresight() -> None:
    """With zero volatilities every future is the outlook: VSS = EVPI = 0."""
    fleet = with_volatility(small_fleet(3), btc=0.0, hashrate=0.0, correlation=0.0)
    result = stochastic_plan(fleet, 5, 11)
    plan = optimize(fleet)
    assert _close(result.rp_usd, plan.npv_usd, 1e-7)
    assert abs(result.vss_usd) <= 1e-7 * abs(result.rp_usd)
    assert abs(result.evpi_usd) <= 1e-7 * abs(result.rp_usd)


def test_one_first_stage_serves_every_future_and_mining_is_optimal_in_each() -> None:
    """The extensive form has one column per first-stage cell, none per future; holding its
    first stage in each future's own LP and re-optimizing mining gives back the extensive
    form's NPV in that future, so each future's mining is its best given the plan."""
    fleet = with_volatility(small_fleet(4), btc=0.8, hashrate=0.3)
    futures = monte_carlo_set(fleet, 6, seed=5)
    costs = scenario_costs(futures)
    form = build_extensive(costs, futures.names)
    for name in FIRST_STAGE:
        if name in form.model.variables:
            assert form.model.variables[name].axes == costs.model.variables[name].axes
    assert form.model.variables["mine"].shape[0] == len(futures)
    solved = HeldHighs(form.model, SolverOptions()).solve()
    assert form.model.variables["mine"].count < costs.model.variables["mine"].count * 6
    npv = scenario_npv_usd(form, solved.x)
    first = read_first_stage(form.model, solved.x)
    held = solve_many(costs.model, costs.costs, SolverOptions(),
                      fixed=[first.held_in(costs.model)] * len(futures))
    for mine, again in zip(npv, held, strict=True):
        assert _close(mine, again.objective_usd, 1e-8)
    assert _close(float(futures.probabilities @ npv), solved.objective_usd + form.offset_usd())


def test_expected_positive_margin_lp_equals_the_extensive_form() -> None:
    """Only mining margins vary and every tranche of a site sees one hashprice and power
    price, so the merit order is the same in every future: the deterministic LP whose
    mining coefficient is E[max(0, margin)] has the extensive form's optimum, to 1e-9."""
    book = read_workbook(SAMPLE)
    futures = monte_carlo_set(book.fleet, 15, seed=3)
    costs = scenario_costs(futures)
    cost = costs.expected.copy()
    mine = costs.model.variables["mine"].index
    cols = mine[mine >= 0]
    cost[cols] = futures.probabilities @ np.maximum(costs.costs[:, cols], 0.0)
    assert np.array_equal(cost, costs.expected_positive_margin())
    assert costs.merit_order_holds
    option_lp = HeldHighs(costs.model, SolverOptions()).solve(cost)
    form = build_extensive(costs, futures.names)
    extensive = HeldHighs(form.model, SolverOptions()).solve().objective_usd + form.offset_usd()
    assert _close(option_lp.objective_usd, extensive)
    mean_path = HeldHighs(costs.model, SolverOptions()).solve(costs.expected)
    assert mean_path.objective_usd < extensive  # the mean misprices the option


def test_bad_requests_are_input_errors_all_at_once() -> None:
    fleet = with_volatility(small_fleet())
    with pytest.raises(InputError) as caught:
        stochastic_plan(fleet, 0, alpha=1.5, frontier=[-0.1, 0.5, 2.0])
    text = str(caught.value)
    assert "alpha must be in (0, 1)" in text and "got -0.1" in text and "got 2.0" in text
    with pytest.raises(InputError, match="samples must be at least 1"):
        stochastic_plan(fleet, 0)
    with pytest.raises(InputError, match="needs btc_price_volatility_pa"):
        stochastic_plan(small_fleet(), 3)


def test_probabilities_must_sum_to_one_and_futures_share_their_structure() -> None:
    with pytest.raises(InputError, match="sum to 1"):
        scenario_set([hall_fleet(10.0), hall_fleet(HIGH_HASHPRICE)], [0.5, 0.6])
    other = hall_fleet(10.0).model_copy(update={"contracts": ()})
    with pytest.raises(InputError, match="differs from"):
        scenario_set([hall_fleet(10.0), other])
    given = scenario_set([hall_fleet(10.0), hall_fleet(HIGH_HASHPRICE)], [0.25, 0.75])
    assert given.probabilities.tolist() == [0.25, 0.75]


def test_a_fleet_hashrate_floor_is_planned_on_the_extensive_form() -> None:
    """A floor on fleet EH/s ties the sites' mining in each future, so the option LP no
    longer applies: RP comes from the extensive form, and WS >= RP >= EEV still holds; without
    the floor the option LP's RP is the extensive form's."""
    fleet = with_volatility(small_fleet(2), btc=0.8, hashrate=0.3)
    plain = stochastic_plan(fleet, 6, 1)
    assert plain.method == OPTION_LP
    futures = monte_carlo_set(fleet, 6, seed=1)
    form = build_extensive(scenario_costs(futures), futures.names)
    value = HeldHighs(form.model, SolverOptions()).solve().objective_usd + form.offset_usd()
    assert _close(value, plain.rp_usd)
    floor = fleet.model_copy(update={"settings": fleet.settings.model_copy(
        update={"min_fleet_hashrate_ehs": 0.5})})
    result = stochastic_plan(floor, 6, 1)
    assert result.method == EXTENSIVE_FORM
    scale = 1e-9 * abs(result.rp_usd)
    assert result.ws_usd >= result.rp_usd - scale >= result.eev_usd - 2 * scale
    assert result.rp_usd <= plain.rp_usd + scale


@pytest.mark.slow
def test_local_processes_give_the_serial_numbers() -> None:
    """Wait-and-see, EEV, regret and frontier solves split over two worker processes give
    exactly the serial figures."""
    fleet = with_volatility(small_fleet(6), btc=0.8, hashrate=0.3)
    serial = stochastic_plan(fleet, 7, 4, frontier=(0.0, 1.0))
    with ProcessExecutor(jobs=2) as pool:
        parallel = stochastic_plan(fleet, 7, 4, frontier=(0.0, 1.0), executor=pool)
    for key in ("rp_usd", "ev_usd", "eev_usd", "ws_usd"):
        assert getattr(parallel, key) == pytest.approx(getattr(serial, key), rel=1e-12)
    assert parallel.wait_and_see.npv_usd.tolist() == pytest.approx(
        serial.wait_and_see.npv_usd.tolist(), rel=1e-12)
    assert [p.cvar_usd for p in parallel.frontier] == pytest.approx(
        [p.cvar_usd for p in serial.frontier], rel=1e-9)
