"""The risk frontier: E[NPV] against CVaR for a grid of weights, with the first stage at each.

Each point solves the extensive form with ``(1 - lambda) E[NPV] + lambda CVaR_alpha``
(:mod:`allocator.stochastic.extensive`); the points share one matrix and differ in costs,
so they are solved as a batch of cost rows on the executor given
(:func:`~allocator.stochastic.held.solve_many`). As lambda grows, CVaR never falls and
E[NPV] never rises (two optima of the weighted sums, compared both ways, prove it).
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

__all__ = ["FrontierPoint", "risk_frontier"]

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
    return tuple(
        FrontierPoint(float(lam), one.objective_usd,
                      distribution(scenario_npv_usd(form, one.x), costs.probabilities, alpha),
                      read_first_stage(form.model, one.x))
        for lam, one in zip(lams, solved, strict=True))
