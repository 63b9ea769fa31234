"""The risk frontier: E[NPV] against CVaR for a grid of weights, with the first stage at each.

Each point solves the extensive form with ``(1 - lambda) E[NPV] + lambda CVaR_alpha``
(:mod:`allocator.stochastic.extensive`); the points share one matrix and differ in costs,
so they are solved as a batch of cost rows on the executor given
(:func:`~allocator.stochastic.held.solve_many`). As lambda grows, CVaR never falls and
E[NPV] never rises (two optima of the weighted sums, compared both ways, prove it).

At lambda = 1 the objective gives E[NPV] no weight, so mining in the futures outside the tail
is not priced and the solver may leave it anywhere. That point's first stage is therefore
held and mining re-optimized in every future (the held solves EEV uses): each future's NPV
can only rise, so its CVaR stays optimal, and its E[NPV] is that of the plan as it would be
run. Below 1 the extensive form's mining is already each future's best (any more NPV in a
future would raise the E[NPV] part and lower no shortfall).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.optimization.solvers import SolverOptions
from allocator.scenarios.executors import Executor
from allocator.stochastic.distribution import Distribution, distribution
from allocator.stochastic.extensive import Risk, build_extensive, scenario_npv_usd
from allocator.stochastic.first_stage import FirstStage, read_first_stage
from allocator.stochastic.held import solve_many
from allocator.stochastic.scenario_set import ScenarioCosts

__all__ = ["FrontierPoint", "held_npv_usd", "risk_frontier"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FrontierPoint:
    """One weight's plan.

    Attributes:
        lam: The weight on CVaR, in [0, 1].
        objective_usd: ``(1 - lam) E[NPV] + lam CVaR`` at the optimum.
        npv: The plan's NPV distribution (``mean_usd`` is its E[NPV], ``cvar_usd`` its
            CVaR).
        first_stage: Its conversions, leases and commitments.
    """

    lam: float
    objective_usd: float
    npv: Distribution
    first_stage: FirstStage

    @property
    def expected_npv_usd(self) -> float:
        """E[NPV] of the plan."""
        return self.npv.mean_usd

    @property
    def cvar_usd(self) -> float:
        """CVaR_alpha of the plan's NPV."""
        return self.npv.cvar_usd


def risk_frontier(costs: ScenarioCosts, names: tuple[str, ...], lams: Sequence[float],
                  alpha: float, options: SolverOptions, executor: Executor | None = None
                  ) -> tuple[FrontierPoint, ...]:
    """One :class:`FrontierPoint` per weight of ``lams``, in their order."""
    if not lams:
        return ()
    form = build_extensive(costs, names, Risk(float(lams[0]), alpha))
    rows = np.vstack([form.objective_for(float(lam), alpha) for lam in lams])
    solved = solve_many(form.model, rows, options, executor=executor)
    points = []
    for lam, one in zip(lams, solved, strict=True):
        first = read_first_stage(form.model, one.x)
        npv = (held_npv_usd(costs, first, options, executor) if lam >= 1.0
               else scenario_npv_usd(form, one.x))
        points.append(FrontierPoint(float(lam), one.objective_usd + form.offset_usd(lam),
                                    distribution(npv, costs.probabilities, alpha), first))
    return tuple(points)


def held_npv_usd(costs: ScenarioCosts, first: FirstStage, options: SolverOptions,
                 executor: Executor | None = None) -> Array:
    """``[W]``: each future's NPV with ``first`` held and mining re-optimized there."""
    hold = first.held_in(costs.model)
    solved = solve_many(costs.model, costs.costs, options, fixed=[hold] * len(costs.costs),
                        executor=executor)
    return np.array([one.objective_usd for one in solved])
