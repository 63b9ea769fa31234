"""Hold a plan and stress it: each candidate plan's NPV in every future, and its regret.

A candidate plan is a first stage (conversions, leases, commitments); held in a future with
mining re-optimized there it earns that future's NPV, and its **regret** there is the
future's own perfect-foresight optimum less that NPV (never negative). The table an analyst
puts in a deck: rows the candidate plans (the stochastic plan, the mean-path plan and, for a
set of at most :data:`MAX_OWN_PLANS` futures, each future's own plan), columns the futures.
The held solves run on :func:`~allocator.stochastic.frontier.held_npv_usd`. No files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.optimization.solvers import SolverOptions
from allocator.scenarios.executors import Executor
from allocator.stochastic.first_stage import FirstStage
from allocator.stochastic.frontier import held_npv_usd
from allocator.stochastic.scenario_set import ScenarioCosts

__all__ = ["MAX_OWN_PLANS", "RegretTable", "regret_table"]

Array = npt.NDArray[np.float64]
MAX_OWN_PLANS = 12
"""Each future's own plan is a candidate only in sets this small (N plans x N futures)."""


@dataclass(frozen=True)
class RegretTable:
    """Candidate plans against futures.

    Attributes:
        plans: Candidate names, one row each.
        scenarios: Future names, one column each.
        probabilities: ``[W]``.
        npv_usd: ``[plans, W]`` NPV of each plan held in each future.
        best_usd: ``[W]`` each future's own optimum (its wait-and-see NPV).
    """

    plans: tuple[str, ...]
    scenarios: tuple[str, ...]
    probabilities: Array
    npv_usd: Array
    best_usd: Array

    @property
    def regret_usd(self) -> Array:
        """``[plans, W]``: the future's best less the plan's NPV there (>= 0)."""
        out: Array = np.maximum(self.best_usd[None, :] - self.npv_usd, 0.0)
        return out

    def frame(self) -> pd.DataFrame:
        """One row per plan: expected NPV, expected and largest regret, then per future its
        NPV and regret."""
        regret = self.regret_usd
        rows = []
        for i, plan in enumerate(self.plans):
            row: dict[str, object] = {
                "plan": plan, "expected_npv_usd": float(self.probabilities @ self.npv_usd[i]),
                "expected_regret_usd": float(self.probabilities @ regret[i]),
                "max_regret_usd": float(regret[i].max())}
            for w, name in enumerate(self.scenarios):
                row[f"{name}: npv_usd"] = float(self.npv_usd[i, w])
                row[f"{name}: regret_usd"] = float(regret[i, w])
            rows.append(row)
        return pd.DataFrame(rows)


def regret_table(costs: ScenarioCosts, names: tuple[str, ...], plans: Mapping[str, FirstStage],
                 best_usd: Array, options: SolverOptions, *,
                 known: Mapping[str, Array] | None = None,
                 executor: Executor | None = None) -> RegretTable:
    """Each of ``plans`` held in every future; ``known`` gives rows already evaluated
    (the stochastic plan's NPVs, the EEV row) so they are not solved again."""
    rows = []
    for name, first in plans.items():
        given = (known or {}).get(name)
        rows.append(given if given is not None
                    else held_npv_usd(costs, first, options, executor))
    return RegretTable(tuple(plans), names, costs.probabilities, np.vstack(rows),
                       np.asarray(best_usd, dtype=float))
