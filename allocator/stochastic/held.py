"""Solve LPs of one structure many times: costs, and a held first stage, changed in place.

Wait-and-see solves, the EV plan's first stage held in every future, and the points of the
risk frontier are all the same matrix with other costs (and, for a held plan, some columns
fixed). :class:`HeldHighs` keeps one HiGHS instance and changes only those, so each solve
starts from the previous optimal basis. :func:`solve_many` splits a list of such solves
into one batch per worker of an executor (:mod:`allocator.scenarios.executors`) and keeps
their order. HiGHS only (through highspy); nothing here knows what a future is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.errors import InfeasibleError, SolveError, SolverNotAvailableError
from allocator.optimization.backends import highs_model, is_direct_highs
from allocator.optimization.model import MatrixModel
from allocator.optimization.solvers import SolverOptions
from allocator.scenarios.executors import Executor, SerialExecutor

__all__ = ["HeldHighs", "SolveBatch", "Solved", "check_solver", "solve_batch", "solve_many"]

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def check_solver(options: SolverOptions) -> None:
    """Stochastic plans are solved by HiGHS through highspy.

    Raises:
        SolverNotAvailableError: another solver was asked for.
    """
    if not is_direct_highs(options):
        raise SolverNotAvailableError(
            f"Stochastic plans are solved by HiGHS (highspy) only, not {options.name!r}; "
            "drop --solver or give --solver highs.")


@dataclass(frozen=True)
class Solved:
    """One solve's optimal objective and column values."""

    objective_usd: float
    x: Array


class HeldHighs:
    """One HiGHS instance holding ``model``; each :meth:`solve` may change costs and fix
    columns (the fixings of the previous call are released first)."""

    def __init__(self, model: MatrixModel, options: SolverOptions) -> None:
        check_solver(options)
        self.model = model
        self._highs: Any = highs_model(model, options)
        self._fixed = np.zeros(0, dtype=np.int32)

    def solve(self, cost: Array | None = None, fixed: tuple[IntArray, Array] | None = None
              ) -> Solved:
        """The optimum with ``cost`` (default the model's) and columns ``fixed`` at values.

        Raises:
            InfeasibleError: no solution with these columns fixed.
            SolveError: HiGHS stopped without an optimum.
        """
        import highspy

        h, model = self._highs, self.model
        if cost is not None:
            h.changeColsCost(model.n_cols, np.arange(model.n_cols, dtype=np.int32), cost)
        if len(self._fixed):
            at = self._fixed
            h.changeColsBounds(len(at), at, model.col_lower[at], model.col_upper[at])
        self._fixed = np.zeros(0, dtype=np.int32)
        if fixed is not None and len(fixed[0]):
            at = fixed[0].astype(np.int32)
            value = np.clip(fixed[1], model.col_lower[at], model.col_upper[at])
            h.changeColsBounds(len(at), at, value, value)
            self._fixed = at
        h.run()
        status = h.getModelStatus()
        kinds = highspy.HighsModelStatus
        if status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
            raise InfeasibleError("The model is infeasible: no allocation meets every "
                                  "constraint with this first stage.")
        if status != kinds.kOptimal:
            raise SolveError(f"HiGHS stopped without an optimal plan (status: "
                             f"{h.modelStatusToString(status)}).", "error")
        value_x = np.asarray(h.getSolution().col_value, dtype=float)
        return Solved(float(h.getInfo().objective_function_value), value_x)


@dataclass(frozen=True)
class SolveBatch:
    """Solves of one model for one worker: a cost row each, optionally one held first stage.

    Attributes:
        model: The LP.
        costs: ``[n, n_cols]``, one solve per row.
        fixed: Columns and values held in every solve of the batch, or ``None``.
        options: Solver options.
        keep: Columns whose values each solve returns (the rest are dropped, so a batch
            pickles small).
    """

    model: MatrixModel
    costs: Array
    fixed: tuple[IntArray, Array] | None
    options: SolverOptions
    keep: IntArray


def solve_batch(batch: SolveBatch) -> list[Solved]:
    """Every solve of ``batch`` on one held HiGHS; top level, so any executor can run it."""
    held = HeldHighs(batch.model, batch.options)
    out = []
    for cost in batch.costs:
        solved = held.solve(cost, batch.fixed)
        out.append(Solved(solved.objective_usd, solved.x[batch.keep]))
    return out


def solve_many(model: MatrixModel, costs: Array, options: SolverOptions, *,
               fixed: Sequence[tuple[IntArray, Array] | None] | None = None,
               keep: IntArray | None = None, executor: Executor | None = None
               ) -> list[Solved]:
    """Solve ``model`` once per row of ``costs`` (row ``i`` holding ``fixed[i]``), in order.

    Solves that hold the same first stage go to one batch per worker, warm.
    """
    pool = executor or SerialExecutor()
    holds = list(fixed) if fixed is not None else [None] * len(costs)
    kept = keep if keep is not None else np.arange(model.n_cols, dtype=np.int64)
    groups: dict[int, list[int]] = {}
    for i, hold in enumerate(holds):
        groups.setdefault(id(hold) if hold is not None else 0, []).append(i)
    batches: list[SolveBatch] = []
    order: list[list[int]] = []
    for rows in groups.values():
        for part in np.array_split(np.array(rows), max(1, min(pool.workers, len(rows)))):
            if len(part):
                batches.append(SolveBatch(model, costs[part], holds[int(part[0])], options,
                                          kept))
                order.append([int(i) for i in part])
    results = pool.map(solve_batch, batches)
    out: list[Solved | None] = [None] * len(costs)
    for rows_of, solved in zip(order, results, strict=True):
        for i, one in zip(rows_of, solved, strict=True):
            out[i] = one
    return [one for one in out if one is not None]
