"""The stochastic plan and what it is worth: RP, EV, EEV, WS, VSS, EVPI, the frontier.

For a set of futures with probabilities (:mod:`allocator.stochastic.scenario_set`):

- **RP**, the recourse problem: the extensive form's optimum, E[NPV] of the plan whose
  first stage is chosen with every future in view;
- **EV**: the optimum of the deterministic LP of the mean future (every cost at its
  probability-weighted mean: the mean path's margins);
- **EEV**: the EV plan's first stage held and mining re-optimized in every future, its
  E[NPV];
- **WS**, wait and see: each future's own perfect-foresight optimum, weighted;
- **VSS = RP - EEV** (what deciding with the uncertainty in view is worth over planning on
  the mean path) and **EVPI = WS - RP** (what perfect foresight would add); WS >= RP >= EEV.

Each plan's NPV distribution (P5, P50, P95, CVaR) comes with it, and the risk frontier
(:mod:`allocator.stochastic.frontier`) for the weights asked. No printing, no files.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from allocator.api import FleetSource
from allocator.domain import Fleet
from allocator.errors import InputError, Problem
from allocator.exports.results import write_stochastic_tables
from allocator.optimization.solvers import SolverOptions
from allocator.scenarios.cases import fleet_of, solver_options
from allocator.scenarios.executors import Executor
from allocator.stochastic.adaptive import AdaptivePlan, adaptive_plan
from allocator.stochastic.distribution import Distribution, distribution
from allocator.stochastic.extensive import build_extensive, scenario_npv_usd
from allocator.stochastic.first_stage import FirstStage, read_first_stage
from allocator.stochastic.frontier import FrontierPoint, held_npv_usd, risk_frontier
from allocator.stochastic.held import HeldHighs, check_solver, solve_many
from allocator.stochastic.held_plan import HeldPlan, held_first_stages
from allocator.stochastic.regret import MAX_OWN_PLANS, RegretTable, regret_table
from allocator.stochastic.scenario_set import (
    ScenarioCosts,
    ScenarioSet,
    monte_carlo_set,
    scenario_costs,
)

__all__ = ["DEFAULT_ALPHA", "EXTENSIVE_FORM", "MEAN_PATH_PLAN", "OPTION_LP", "STOCHASTIC_PLAN",
           "StochasticResult",
           "check_risk_request", "stochastic_plan"]

Array = npt.NDArray[np.float64]
DEFAULT_ALPHA = 0.05
STOCHASTIC_PLAN = "stochastic plan"
OPTION_LP = "expected positive margin LP"
EXTENSIVE_FORM = "extensive form"
MEAN_PATH_PLAN = "mean-path plan"


@dataclass(frozen=True)
class StochasticResult:
    """A stochastic plan, the measures of its scenario set and its risk frontier.

    Attributes:
        names / probabilities: The futures.
        seed: The Monte Carlo seed, or ``None`` for a set given by hand.
        alpha: The CVaR tail.
        rp_usd, ev_usd, eev_usd, ws_usd, vss_usd, evpi_usd: The measures (module docstring).
        stochastic / expected_value / wait_and_see: NPV distributions of the stochastic
            plan, of the EV plan held in every future, and of each future's own optimum.
        first_stage / ev_first_stage: The stochastic plan's and the EV plan's first stage.
        frontier: One point per weight asked, in order.
        regret: The candidate plans held in every future
            (:mod:`~allocator.stochastic.regret`).
        adaptive: With ``decide_months``, the plan deciding only its first months now
            (:mod:`~allocator.stochastic.adaptive`).
        sites / contracts / months: Names and months, in the order of the first-stage
            arrays.
        method: How RP was solved: :data:`OPTION_LP` (the expected-positive-margin LP, whose
            optimum is the extensive form's where the merit order holds, and the plan held
            in every future for its NPVs) or :data:`EXTENSIVE_FORM`.
        variables / constraints / solve_seconds: Size of the LP that gave RP and the seconds
            it took (model hand-off and, for the option LP, the held solves included).
        source: The workbook, when there was one.
        warnings: The reader's warnings.
    """

    names: tuple[str, ...]
    probabilities: Array
    seed: int | None
    alpha: float
    rp_usd: float
    ev_usd: float
    eev_usd: float
    ws_usd: float
    stochastic: Distribution
    expected_value: Distribution
    wait_and_see: Distribution
    first_stage: FirstStage
    ev_first_stage: FirstStage
    sites: tuple[str, ...]
    contracts: tuple[str, ...]
    frontier: tuple[FrontierPoint, ...] = ()
    regret: RegretTable | None = None
    adaptive: AdaptivePlan | None = None
    months: tuple[str, ...] = ()
    method: str = EXTENSIVE_FORM
    variables: int = 0
    constraints: int = 0
    solve_seconds: float = 0.0
    source: Path | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_parquet(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the result as a folder of Parquet tables with ``metadata.json``
        (:mod:`allocator.exports.stochastic`); ``overwrite`` replaces a results folder
        written earlier.

        Raises:
            OutputError: the folder exists and may not be replaced, or cannot be written.
        """
        return write_stochastic_tables(self, folder, file_format="parquet",
                                       overwrite=overwrite)

    def to_csv(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """As :meth:`to_parquet`, with CSV files.

        Raises:
            OutputError: the folder exists and may not be replaced, or cannot be written.
        """
        return write_stochastic_tables(self, folder, file_format="csv", overwrite=overwrite)

    @property
    def vss_usd(self) -> float:
        """Value of the stochastic solution, RP - EEV (never below 0 but by round-off,
        which is shown as 0)."""
        return _gain(self.rp_usd, self.eev_usd)

    @property
    def evpi_usd(self) -> float:
        """Expected value of perfect information, WS - RP (0 for round-off, as VSS)."""
        return _gain(self.ws_usd, self.rp_usd)

    @property
    def waiting_usd(self) -> float | None:
        """What deciding from month F on as the future unfolds adds to RP (with
        ``decide_months``), else ``None``."""
        return (None if self.adaptive is None
                else _gain(self.adaptive.expected_npv_usd, self.rp_usd))


_ROUND_OFF = 1e-9
"""A gain within this share of the values compared is solver round-off, shown as 0."""


def _gain(better: float, worse: float) -> float:
    """``better - worse``, a gain the theory says is >= 0: round-off below 0 becomes 0."""
    gain = better - worse
    return 0.0 if abs(gain) <= _ROUND_OFF * max(1.0, abs(better), abs(worse)) else gain


def check_risk_request(alpha: float, lams: Sequence[float]) -> list[Problem]:
    """``alpha`` in (0, 1) and every weight in [0, 1], as problems."""
    out = []
    if not (math.isfinite(alpha) and 0.0 < alpha < 1.0):
        out.append(Problem("stochastic", "alpha must be in (0, 1)",
                           column="alpha", value=alpha))
    out += [Problem("stochastic", "frontier weight lambda must be in [0, 1]",
                    column="frontier", value=lam)
            for lam in lams if not (math.isfinite(lam) and 0.0 <= lam <= 1.0)]
    return out


def _recourse(costs: ScenarioCosts, names: tuple[str, ...], options: SolverOptions,
              executor: Executor | None) -> tuple[float, FirstStage, Array,
                                                  tuple[int, int, str]]:
    """RP, its first stage, its NPV in each future and (columns, rows, method) of the LP.

    Where the merit order holds the expected-positive-margin LP (the deterministic LP's
    size) has the extensive form's optimum (docs/model.md, "An option to switch off"; tested
    to 1e-9), and its first stage is held in every future for the NPVs; otherwise the
    extensive form is solved.
    """
    if costs.merit_order_holds:
        det = costs.model
        solved = HeldHighs(det, options).solve(costs.expected_positive_margin())
        first = read_first_stage(det, solved.x)
        npv = held_npv_usd(costs, first, options, executor)
        return solved.objective_usd, first, npv, (det.n_cols, det.n_rows, OPTION_LP)
    form = build_extensive(costs, names)
    solved = HeldHighs(form.model, options).solve()
    return (solved.objective_usd + form.offset_usd(), read_first_stage(form.model, solved.x),
            scenario_npv_usd(form, solved.x),
            (form.model.n_cols, form.model.n_rows, EXTENSIVE_FORM))


def _request_problems(fleet: Fleet, no_futures: bool, decide_months: int | None
                      ) -> list[Problem]:
    """No futures asked for, or ``decide_months`` beyond the horizon, as problems."""
    out = []
    months = fleet.settings.months
    if decide_months is not None and not 0 <= decide_months <= months:
        out.append(Problem("stochastic", f"decide_months must be 0 to the horizon's "
                           f"{months} months, got {decide_months}", column="decide_months",
                           value=decide_months))
    if no_futures:
        out.append(Problem("stochastic", "give samples (a Monte Carlo set) or scenarios",
                           column="samples"))
    return out


def stochastic_plan(
    source: Fleet | FleetSource | str | os.PathLike[str],
    samples: int | None = None,
    seed: int = 0,
    *,
    scenarios: ScenarioSet | None = None,
    alpha: float = DEFAULT_ALPHA,
    frontier: Sequence[float] = (),
    executor: Executor | None = None,
    solver: str | SolverOptions | None = None,
    decide_months: int | None = None,
    hold: Sequence[HeldPlan] = (),
) -> StochasticResult:
    """The risk-neutral stochastic plan of ``source``, its measures and its risk frontier.

    Args:
        source: A fleet, what ``read_workbook`` returned, or a workbook's path.
        samples: Monte Carlo futures to draw (as ``sweep --samples``), when ``scenarios``
            is not given.
        seed: Their random seed.
        scenarios: A set of futures given by hand instead.
        alpha: CVaR tail, in (0, 1).
        frontier: CVaR weights lambda in [0, 1], one frontier point each.
        executor: Where wait-and-see, EEV and frontier solves run; default here.
        solver: ``highs`` (the only solver of stochastic plans) or its options.
        decide_months: Also plan with only the decisions before this horizon month shared
            (0 to the horizon's length), the later ones adapting to each future.
        hold: Plans given from outside (:func:`allocator.workbook.plan_decisions.
            read_held_plan`), each held in every future as a row of the regret table.

    Raises:
        InputError: a bad alpha, weight, sample count or ``decide_months``, no volatility in
            Settings, a future that cannot be planned, or a held plan whose decisions do not
            fit the fleet; every problem at once.
        InfeasibleError: no plan meets every constraint.
        SolverNotAvailableError: another solver than HiGHS was asked for.
    """
    fleet, warnings, path = fleet_of(source, "stochastic_plan")
    problems = check_risk_request(alpha, frontier)
    problems += _request_problems(fleet, samples is None and scenarios is None, decide_months)
    if problems:
        raise InputError(problems, source=str(path) if path else None)
    options = solver_options(fleet, solver)
    check_solver(options)
    chosen = scenarios if scenarios is not None else monte_carlo_set(fleet, samples or 0, seed)
    costs = scenario_costs(chosen)
    probs = costs.probabilities
    det = costs.model
    held = held_first_stages(hold, costs.coefficients[0], det)
    started = time.perf_counter()
    rp_usd, rp_first, rp_npv, size = _recourse(costs, chosen.names, options, executor)
    rp_seconds = time.perf_counter() - started
    own = solve_many(det, np.vstack([costs.expected, costs.costs]), options,
                     executor=executor)
    ev_first = read_first_stage(det, own[0].x)
    eev_npv = held_npv_usd(costs, ev_first, options, executor)
    ws_npv = np.array([one.objective_usd for one in own[1:]])
    plans = {STOCHASTIC_PLAN: rp_first, MEAN_PATH_PLAN: ev_first, **held}
    if len(chosen) <= MAX_OWN_PLANS:
        plans.update({f"{name}'s own plan": read_first_stage(det, one.x)
                      for name, one in zip(chosen.names, own[1:], strict=True)})
    regret = regret_table(costs, chosen.names, plans, ws_npv, options,
                          known={STOCHASTIC_PLAN: rp_npv, MEAN_PATH_PLAN: eev_npv},
                          executor=executor)
    return StochasticResult(
        names=chosen.names, probabilities=probs, seed=chosen.seed, alpha=alpha,
        rp_usd=rp_usd, ev_usd=own[0].objective_usd,
        eev_usd=float(probs @ eev_npv), ws_usd=float(probs @ ws_npv),
        stochastic=distribution(rp_npv, probs, alpha),
        expected_value=distribution(eev_npv, probs, alpha),
        wait_and_see=distribution(ws_npv, probs, alpha),
        first_stage=plans[STOCHASTIC_PLAN], ev_first_stage=ev_first, regret=regret,
        sites=tuple(s.name for s in fleet.sites), contracts=tuple(c.name for c in
                                                                 fleet.contracts),
        frontier=risk_frontier(costs, chosen.names, frontier, alpha, options, executor),
        months=costs.coefficients[0].months, variables=size[0], constraints=size[1],
        method=size[2],
        adaptive=(None if decide_months is None
                  else adaptive_plan(costs, decide_months, options, alpha)),
        solve_seconds=rp_seconds, source=path, warnings=warnings)
