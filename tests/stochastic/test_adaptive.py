"""Non-anticipativity for the first F months only: F = 0 is wait-and-see, F = the horizon is
the stochastic plan, E[NPV] never rises with F, and the decisions before F are the same in
every future; a hand-solved two-month hall prices waiting one month."""

from __future__ import annotations

import numpy as np
import pytest
from scenariokit import small_fleet, with_volatility
from stochkit import two_month_hall, two_month_set

from allocator import read_workbook
from allocator.errors import InputError
from allocator.optimization.solvers import SolverOptions
from allocator.stochastic.adaptive import build_adaptive
from allocator.stochastic.held import HeldHighs
from allocator.stochastic.measures import stochastic_plan
from allocator.stochastic.scenario_set import monte_carlo_set, scenario_costs


def test_waiting_one_month_is_worth_the_may_lease_in_the_low_future() -> None:
    """April is known ($35: A and B both mine, 30 x 34,000 + 30 x 6,000 = 1,200,000; no
    conversion, as the lease runs in May only). May (31 days, power 50 x 24 x 31 = 37,200
    per MW): at $60 A earns 86,800 and B 37,200 a MW, at $10 both lose, the lease pays
    10,000. Deciding everything now, converting pays (2,604,000 + 600,000) / 2 = 1,602,000
    against mining's (3,720,000 + 0) / 2 = 1,860,000: RP = 3,060,000. Deciding May in May
    (F = 1): mine when high (3,720,000), convert and lease when low (300,000): 3,210,000.
    Waiting one month is worth $150,000."""
    result = stochastic_plan(two_month_hall(35.0), scenarios=two_month_set(), decide_months=1)
    assert round(result.rp_usd) == 3_060_000
    assert result.adaptive is not None
    assert round(result.adaptive.expected_npv_usd) == 3_210_000
    assert round(result.waiting_usd or 0.0) == 150_000
    assert result.adaptive.converted_now_mw.tolist() == pytest.approx([0.0], abs=1e-9)
    assert result.adaptive.converted_later_mw.tolist() == pytest.approx([15.0])
    assert result.adaptive.converts_later_probability.tolist() == pytest.approx([0.5])
    assert np.isnan(result.adaptive.committed_now_mw).all()  # the May lease waits


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.slow
def test_zero_months_is_wait_and_see_and_the_horizon_is_the_stochastic_plan(seed: int) -> None:
    book = read_workbook("sample_inputs/fleet.xlsx")
    values = {}
    for months in (0, 12, 30, 60):
        result = stochastic_plan(book, 6, seed, decide_months=months)
        assert result.adaptive is not None
        values[months] = result.adaptive.expected_npv_usd
    scale = 1e-9 * max(1.0, abs(result.rp_usd))
    assert values[0] == pytest.approx(result.ws_usd, rel=1e-9)
    assert values[60] == pytest.approx(result.rp_usd, rel=1e-9)
    assert values[0] + scale >= values[12] >= values[30] - scale >= values[60] - 2 * scale


def test_the_decisions_before_month_f_are_the_same_in_every_future() -> None:
    fleet = with_volatility(small_fleet(5), btc=0.8, hashrate=0.3)
    costs = scenario_costs(monte_carlo_set(fleet, 5, 2))
    form = build_adaptive(costs, 9)
    xs = form.per_future(HeldHighs(form.model, SolverOptions()).solve().x)
    assert form.shared.any()
    assert np.abs(xs[:, form.shared] - xs[0, form.shared]).max() <= 1e-9
    assert form.model.n_cols == 5 * costs.model.n_cols


def test_months_beyond_the_horizon_are_an_input_error() -> None:
    with pytest.raises(InputError, match="decide_months must be 0 to the horizon's 2 months"):
        stochastic_plan(two_month_hall(35.0), scenarios=two_month_set(), decide_months=3)
