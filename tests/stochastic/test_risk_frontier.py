"""CVaR in the objective and the risk frontier: lambda = 0 is the risk-neutral plan, the
frontier is monotone, the LP's CVaR is the distribution's, and the hand-solved hall flips."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scenariokit import small_fleet, with_volatility
from stochkit import hall_fleet, hall_set

from allocator import read_workbook
from allocator.optimization.solvers import SolverOptions
from allocator.stochastic.distribution import cvar_usd, quantile_usd
from allocator.stochastic.extensive import Risk, build_extensive, scenario_npv_usd
from allocator.stochastic.held import HeldHighs
from allocator.stochastic.measures import stochastic_plan
from allocator.stochastic.scenario_set import monte_carlo_set, scenario_costs

SAMPLE = "sample_inputs/fleet.xlsx"
GRID = (0.0, 0.25, 0.5, 0.75, 1.0)


def test_cvar_of_equally_likely_values_is_the_mean_of_the_worst_share() -> None:
    values = np.array([5.0, -3.0, 10.0, 1.0, 7.0, 2.0, 0.0, 4.0, 6.0, 8.0])
    probs = np.full(10, 0.1)
    assert cvar_usd(values, probs, 0.2) == pytest.approx((-3.0 + 0.0) / 2)
    assert cvar_usd(values, probs, 0.25) == pytest.approx((-3.0 + 0.0 + 0.5 * 1.0) / 2.5)
    assert quantile_usd(values, probs, 0.05) == -3.0
    assert quantile_usd(values, probs, 0.5) == 4.0
    assert cvar_usd(values, probs, 0.999) == pytest.approx((4.0 - 0.001 * 10.0) / 0.999)


def test_hand_solved_hall_converts_once_lambda_passes_four_ninths() -> None:
    """alpha = 1/2: CVaR is the worse future. Mining (no conversion) has E[NPV] 1,800,000
    and CVaR 0; converting 1,560,000 and 300,000 (the lease alone, when hashprice is $10).
    ``(1 - l) 1.8M = (1 - l) 1.56M + l 0.3M`` at l = 0.24 / 0.54 = 4/9."""
    result = stochastic_plan(hall_fleet(35.0), scenarios=hall_set(), alpha=0.5,
                             frontier=GRID)
    converted = [float(p.first_stage.converted_mw()[0]) for p in result.frontier]
    assert converted == pytest.approx([0.0, 0.0, 30.0, 30.0, 30.0], abs=1e-9)
    assert [round(p.expected_npv_usd) for p in result.frontier] == [1_800_000] * 2 + [
        1_560_000] * 3
    assert [round(p.cvar_usd) for p in result.frontier] == [0] * 2 + [300_000] * 3
    at_half = result.frontier[2]
    assert at_half.objective_usd == pytest.approx(0.5 * 1_560_000 + 0.5 * 300_000)


@pytest.mark.parametrize(("fleet", "seed"), [("sample", 1), ("sample", 3), ("small", 0)])
def test_frontier_is_monotone_and_lambda_zero_is_risk_neutral(fleet: str, seed: int) -> None:
    """As lambda grows CVaR never falls and E[NPV] never rises; each point's objective is
    (1 - lambda) E[NPV] + lambda CVaR of its own distribution (the LP's eta and shortfalls
    are the Rockafellar-Uryasev CVaR); lambda = 0 has RP's value and first stage. On the
    sample fleet the frontier moves: from lambda 0.9 on it converts all 60 MW of Alpha Ridge
    (17.5 MW risk-neutral) and commits more to AI Lab NNN."""
    source = (read_workbook(SAMPLE) if fleet == "sample"
              else with_volatility(small_fleet(seed), btc=0.9, hashrate=0.3))
    result = stochastic_plan(source, 12, seed, alpha=0.1, frontier=(*GRID[:4], 0.9, 1.0))
    points = result.frontier
    if fleet == "sample":
        assert points[-1].cvar_usd > points[0].cvar_usd + 1e6
        assert points[-1].expected_npv_usd < points[0].expected_npv_usd - 1e6
    assert points[0].first_stage.converted_mw() == pytest.approx(
        result.first_stage.converted_mw(), abs=1e-6)
    scale = 1e-7 * max(1.0, abs(result.rp_usd))
    for before, after in itertools.pairwise(points):
        assert after.cvar_usd >= before.cvar_usd - scale
        assert after.expected_npv_usd <= before.expected_npv_usd + scale
    for point in points:
        blend = (1 - point.lam) * point.expected_npv_usd + point.lam * point.cvar_usd
        assert point.objective_usd == pytest.approx(blend, rel=1e-7, abs=1.0)
    assert points[0].expected_npv_usd == pytest.approx(result.rp_usd, rel=1e-9)
    assert points[-1].cvar_usd >= result.stochastic.cvar_usd - scale


@pytest.mark.parametrize("lam", [0.0, 0.5, 1.0])
def test_fixing_the_mining_no_first_stage_can_change_is_exact(lam: float) -> None:
    """The CVaR extensive form with idle and always-running mining as constants has the
    optimum of the one with every mining cell a variable, at every weight, with far fewer
    columns."""
    book = read_workbook(SAMPLE)
    futures = monte_carlo_set(book.fleet, 8, seed=2)
    costs = scenario_costs(futures)
    values = []
    sizes = []
    for reduce in (True, False):
        form = build_extensive(costs, futures.names, Risk(lam, 0.1), reduce=reduce)
        solved = HeldHighs(form.model, SolverOptions()).solve()
        values.append(solved.objective_usd + form.offset_usd(lam))
        sizes.append(form.model.n_cols)
        npv = scenario_npv_usd(form, solved.x)
        blend = (1 - lam) * float(futures.probabilities @ npv) + lam * cvar_usd(
            npv, futures.probabilities, 0.1)
        assert blend == pytest.approx(values[-1], rel=1e-9)
    assert values[0] == pytest.approx(values[1], rel=1e-9)
    assert sizes[0] < sizes[1] / 2
