"""The matrix model's builder: each term lands in the cells its math says, names come from axes.

Tiny hand-made families whose dense matrix can be written out by eye; a bug in the term
broadcasting (a lag in the wrong direction, a map that ignores its groups, a ``when`` that is
dropped) changes a matrix entry and fails here before it could change a plan.
"""

from __future__ import annotations

import numpy as np
import pytest
from fleetkit import contract, fleet, miners, site

from allocator import optimize
from allocator.optimization.backends import SolveStatus
from allocator.optimization.coefficients import Coefficients, compute_coefficients
from allocator.optimization.infeasibility import _add_slack, relax
from allocator.optimization.lp import build_model, index_sets
from allocator.optimization.model import INF, Axis, MatrixModel, ModelBuilder, lp_name

S = Axis.of("site", ["Alpha Ridge", "Bravo"])
T = Axis.of("month", ["2026-01", "2026-02", "2026-03"], ordered=True)
Y = Axis.of("year", ["2026"])


def _coef() -> Coefficients:
    return compute_coefficients(fleet(sites=[site("A", capacity_mw=10)]))


def dense(model: MatrixModel) -> np.ndarray:
    out = np.zeros((model.n_rows, model.n_cols))
    rows, cols, vals = model.coo()
    np.add.at(out, (rows, cols), vals)
    return out


def builder() -> ModelBuilder:
    return ModelBuilder(_coef())


def test_lag_puts_the_earlier_month_into_the_later_row() -> None:
    """``stock[s,t] = x[s,t] - x[s,t-1]``: row t holds +1 at x[t] and -1 at x[t-1]."""
    b = builder()
    x = b.variables("x", (S, T))
    b.constraints("stock", (S, T), sense="==", rhs=0.0).add(x, 1.0).add(x, -1.0, lag=1)
    a = dense(b.build())
    # site 0 rows 0..2, columns 0..2
    assert a[:3, :3].tolist() == [[1, 0, 0], [-1, 1, 0], [0, -1, 1]]
    assert not a[:3, 3:].any() and not a[3:, :3].any()


def test_per_site_lag_and_sum_over_with_when() -> None:
    """``cap[s,t]: x[s, t - lead_s] <= 5`` with lead (0, 2); ``last[s]: x[s, T-1] <= 9``."""
    b = builder()
    x = b.variables("x", (S, T))
    b.constraints("cap", (S, T), sense="<=", rhs=5.0).add(x, 1.0, lag=np.array([[0], [2]]))
    last = np.arange(3) == 2
    b.constraints("last", (S,), sense="<=", rhs=9.0).add(x, 1.0, sum_over=T,
                                                           when=last[None, :])
    model = b.build()
    a = dense(model)
    assert a[:3, :3].tolist() == np.eye(3).tolist()          # site 0: no lead
    assert a[3:6, 3:6].tolist() == [[0, 0, 0], [0, 0, 0], [1, 0, 0]]  # site 1: t-2
    assert a[6].tolist() == [0, 0, 1, 0, 0, 0]
    assert a[7].tolist() == [0, 0, 0, 0, 0, 1]
    assert model.row_upper.tolist() == [5.0] * 6 + [9.0, 9.0]
    assert model.row_lower.tolist() == [-INF] * 8


def test_axis_map_sums_items_into_their_group() -> None:
    """Three tranches at sites (0, 1, 1): ``power[s,t] = sum_{m at s} 2 * mine[m,t]``."""
    m_axis = Axis("tranche", ("a__0", "b__1", "b__2"))
    b = builder()
    mine = b.variables("mine", (m_axis, T))
    (b.constraints("power", (S, T), sense="<=", rhs=1.0)
     .add(mine, 2.0, sum_over=m_axis.to(S, [0, 1, 1])))
    a = dense(b.build())
    month0 = a[[0, 3]][:, [0, 3, 6]]  # rows (s, 2026-01), columns (m, 2026-01)
    assert month0.tolist() == [[2, 0, 0], [0, 2, 2]]


def test_months_sum_into_years_and_masked_cells_have_no_member() -> None:
    b = builder()
    build = b.variables("build", (S, T), where=np.array([[True], [False]]))
    (b.constraints("budget", (Y,), sense="<=", rhs=7.0)
     .add(build, 3.0, sum_over=(S, T.to(Y, [0, 0, 0]))))
    model = b.build()
    assert model.n_cols == 3
    assert dense(model).tolist() == [[3, 3, 3]]
    assert model.col_names() == ["build__Alpha_Ridge__2026_01", "build__Alpha_Ridge__2026_02",
                                 "build__Alpha_Ridge__2026_03"]
    assert model.row_names() == [lp_name("budget", "2026")]


def test_a_term_over_an_axis_the_rows_do_not_have_is_refused() -> None:
    b = builder()
    x = b.variables("x", (S, T))
    with pytest.raises(ValueError, match="term x runs over month"):
        b.constraints("bad", (S,), sense="<=", rhs=1.0).add(x, 1.0)


def test_the_built_model_is_frozen_and_varied_by_copies() -> None:
    model = build_model(compute_coefficients(fleet(months=2, miner_rows=[miners("A")])))
    with pytest.raises(ValueError):
        model.col_cost[0] = 1.0
    cheaper = model.with_costs(np.zeros(model.n_cols))
    assert model.col_cost.any() and not cheaper.col_cost.any()
    bounded = model.with_bounds([0], upper=0.5)
    assert bounded.col_upper[0] == 0.5 and model.col_upper[0] != 0.5
    with pytest.raises(ValueError, match="needs"):
        model.with_costs([1.0])


def test_elastic_slacks_are_named_by_the_one_helper() -> None:
    """Slack names read ``site_power_slack__A__2026_01``, not ``site_power_slack__(0, 0)``."""
    f = fleet(months=2, sites=[site("A", capacity_mw=10, hpc_convertible_mw=5)],
              miner_rows=[miners("A", units=100)],
              contracts=[contract("Firm", min_mw=8, max_mw=8, firm=True)])
    coef = compute_coefficients(f)
    builder_ = build_model(coef).extend()
    slacks = _add_slack(builder_, coef, index_sets(coef))
    names = builder_.build().col_names()
    slack_names = [n for n in names if "slack" in n or "shortfall" in n]
    assert "site_power_slack__A__2026_01" in slack_names
    assert "firm_shortfall__Firm" in slack_names
    assert all("(" not in n for n in names)
    assert {family.name for family, _, _ in slacks} >= {"firm_shortfall", "site_power_slack"}
    assert relax(f)  # the firm 8 MW cannot fit in 5 MW of convertible space


def test_a_solved_plan_carries_a_typed_status() -> None:
    """The status is a :class:`SolveStatus` and still reads as the plain word."""
    plan = optimize(fleet(miner_rows=[miners("A")]))
    assert plan.run_info.status is SolveStatus.OPTIMAL
    assert plan.run_info.status == "optimal" and f"{plan.run_info.status}" == "optimal"
