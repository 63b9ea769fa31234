"""Hand a built :class:`~allocator.optimization.model.MatrixModel` to a solver; read the answer.

Two paths give the same optimum (tests hold them to 1e-9 relative):

- ``highs`` (default): the matrix goes to HiGHS through highspy directly, column-wise, with
  no per-variable Python objects;
- any other name (``cbc``, ``glpk``, ``highs_pulp``, ``GUROBI``, ...): a PuLP problem is
  made from the same matrix, with the same names, and solved by that PuLP solver.

A solve a time limit cut short is never called optimal: HiGHS's own model status is read,
and for PuLP solvers the solution status their adapter read from the solver (CBC's solution
file says "Stopped on time"); solvers whose PuLP adapter cannot tell are refused a time
limit. No file I/O of its own (CBC's log goes to a temporary file, for the gap), no printing.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.errors import InfeasibleError, SolveError, SolverNotAvailableError, UnboundedError
from allocator.optimization.model import INF, MatrixModel
from allocator.optimization.solvers import (
    CBC_CLASSES,
    SolverOptions,
    make_solver,
    pulp_solver_name,
    quiet_highs_banner,
    reports_cut_short,
)

__all__ = ["Solution", "SolveStatus", "WarmStart", "highs_model", "is_direct_highs", "solve_model"]

Array = npt.NDArray[np.float64]


class SolveStatus(StrEnum):
    """How a solve ended, whichever solver ran it (compares equal to its plain string)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    ERROR = "error"


@dataclass(frozen=True)
class Solution:
    """Variable values, duals and solver facts of an optimal solve.

    Attributes:
        mine_mw: ``[M, T]`` running MW per tranche.
        lease_mw: ``{k: [len(sites_k), len(months_k)]}`` leased IT MW (the same in every
            month of the term).
        build_mw: ``[S, T]`` conversions started.
        converted_mw: ``[S, T]`` cumulative converted IT MW.
        commit_mw: ``[K]`` committed MW per contract.
        site_power_dual_usd_mw_month: ``[S, T]`` value of one more grid MW in that month,
            nominal USD of that month (the dual divided by the discount factor); NaN where
            the solver gives no duals; 0 where a site has nothing that uses power.
        objective_usd: LP objective value.
        solver: Solver name (``HiGHS`` direct, or the PuLP class used).
        status: :attr:`SolveStatus.OPTIMAL`; :attr:`SolveStatus.TIME_LIMIT` only when
            ``SolverOptions.accept_incumbent`` kept the best solution of a cut-short solve
            (anything else raised before a Solution exists).
        dual_kind: ``lp`` (duals of the LP), ``fixed_integer_lp`` (a MILP: duals of the LP
            with the integers fixed at their optimum) or ``none`` (no duals available).
        variables / constraints: model size.
        ppa_mine_mw / ppa_hpc_mw / ppa_unused_mw: ``[M, T]``, ``[S, T]``, ``[S, T]``: grid
            MW of fixed PPA blocks on running miners (in miner MW), on leases and on
            nothing; ``None`` without a block.
        build_seconds / solve_seconds: timings (solve includes the hand-off to the solver).
        mip_gap: Relative gap between the solution and the solver's bound, when the solver
            gave one (a MILP, or an accepted incumbent); ``None`` otherwise.
    """

    mine_mw: Array
    lease_mw: dict[int, Array]
    build_mw: Array
    converted_mw: Array
    commit_mw: Array
    site_power_dual_usd_mw_month: Array
    objective_usd: float
    solver: str
    status: SolveStatus
    dual_kind: str
    variables: int
    constraints: int
    build_seconds: float
    solve_seconds: float
    mip_gap: float | None = None
    ppa_mine_mw: Array | None = None
    ppa_hpc_mw: Array | None = None
    ppa_unused_mw: Array | None = None


@dataclass(frozen=True)
class _Outcome:
    """What a backend read back: values (empty unless kept), status, gap, and whether the
    solver had a feasible solution (``found``) even where its values were not read."""

    x: Array
    duals: Array
    objective: float
    status: SolveStatus
    solver: str
    gap: float | None = None
    found: bool = True


def _no_solution(status: SolveStatus, solver: str, gap: float | None = None,
                 found: bool = False) -> _Outcome:
    return _Outcome(np.zeros(0), np.zeros(0), 0.0, status, solver, gap, found)


def is_direct_highs(options: SolverOptions) -> bool:
    """True when ``options`` asks for HiGHS through highspy directly (the default)."""
    return options.name.strip().lower() in ("highs", "highspy")


def solve_model(model: MatrixModel, options: SolverOptions | None = None,
                warm: WarmStart | None = None) -> Solution:
    """Solve ``model`` and read every value back.

    ``warm`` (default HiGHS path only) re-uses the previous model of the same structure.

    Raises:
        InfeasibleError: no allocation satisfies the constraints.
        UnboundedError: a modelling bug (every variable has a cap).
        SolveError: time limit or solver failure.
        SolverNotAvailableError: the solver is not installed.
    """
    options = options or SolverOptions()
    started = time.perf_counter()
    if model.n_cols == 0:
        out = _Outcome(np.zeros(0), np.zeros(model.n_rows), 0.0, SolveStatus.OPTIMAL, "none")
    elif is_direct_highs(options):
        out = _solve_highs(model, options, warm)
    else:
        out = _solve_pulp(model, options)
    solve_seconds = time.perf_counter() - started
    if out.status is SolveStatus.INFEASIBLE:
        raise InfeasibleError("The model is infeasible: no allocation meets every constraint.")
    if out.status is SolveStatus.UNBOUNDED:
        raise UnboundedError("The model is unbounded; please report this with the workbook.")
    if out.status is SolveStatus.TIME_LIMIT and options.accept_incumbent and out.x.size:
        return _solution(model, out, solve_seconds)
    if out.status is SolveStatus.TIME_LIMIT:
        raise SolveError(_cut_short(options, out), out.status.value, gap=out.gap)
    if out.status is not SolveStatus.OPTIMAL:
        raise SolveError(f"The solver {out.solver} stopped without an optimal plan "
                         f"(status: {out.status}).", out.status.value)
    return _solution(model, out, solve_seconds)


def _cut_short(options: SolverOptions, out: _Outcome) -> str:
    """The sentence for a solve the time limit stopped: what was found, what to do."""
    limit = f"its time limit of {options.time_limit_s:g} s"
    if not out.found:
        found = "before finding any plan"
    elif out.gap is not None:
        found = (f"before proving its best plan optimal (that plan is within "
                 f"{100 * out.gap:.4g} % of the best bound)")
    else:
        found = "before proving its best plan optimal (gap to the bound not known)"
    advice = "Raise the time limit"
    if out.found:
        advice += (", or keep the best plan so far with SolverOptions(accept_incumbent=True) "
                   "(--accept-incumbent on the command line)")
    return f"The solver {out.solver} stopped at {limit} {found}; no plan is returned. {advice}."


def highs_model(model: MatrixModel, options: SolverOptions | None = None,
                *, names: bool = False) -> Any:
    """A ``highspy.Highs`` holding ``model`` (maximize), ready to run or write.

    Args:
        model: The built LP.
        options: Log, time limit, threads.
        names: Also pass every column and row name (for LP/MPS files and IIS reports).
    """
    import highspy

    options = options or SolverOptions()
    if not options.log:
        quiet_highs_banner()
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", options.log)
    if options.time_limit_s is not None:
        h.setOptionValue("time_limit", float(options.time_limit_s))
    if options.threads is not None:
        h.setOptionValue("threads", int(options.threads))
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_cols
    lp.num_row_ = model.n_rows
    lp.col_cost_ = model.col_cost
    lp.col_lower_ = model.col_lower
    lp.col_upper_ = np.where(np.isinf(model.col_upper), highspy.kHighsInf, model.col_upper)
    lp.row_lower_ = np.where(np.isinf(model.row_lower), -highspy.kHighsInf, model.row_lower)
    lp.row_upper_ = np.where(np.isinf(model.row_upper), highspy.kHighsInf, model.row_upper)
    start, index, value = model.csc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = value
    lp.sense_ = highspy.ObjSense.kMaximize
    if model.is_mip:
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if flag else kinds.kContinuous
                           for flag in model.col_integer.tolist()]
    if names:
        lp.col_names_ = model.col_names()
        lp.row_names_ = model.row_names()
    h.passModel(lp)
    return h


class WarmStart:
    """Keeps the last HiGHS model so the next solve of the same structure only swaps costs.

    Scenario and sweep runs that change prices alone (BTC price, hashrate, power price, HPC
    rates) give models whose matrix and bounds are identical and whose objective differs;
    HiGHS then re-solves from the previous optimal basis instead of from scratch. A model
    whose matrix or bounds differ is loaded afresh. Only the default ``highs`` path uses it.

    Attributes:
        reused: How many solves only swapped costs.
        loaded: How many solves loaded a model.
    """

    def __init__(self) -> None:
        self._highs: Any = None
        self._key: tuple[np.ndarray, ...] | None = None
        self._options: SolverOptions | None = None
        self.reused = 0
        self.loaded = 0

    def _structure(self, model: MatrixModel) -> tuple[np.ndarray, ...]:
        return (model.col_lower, model.col_upper, model.row_lower, model.row_upper,
                model.col_integer, *model.csc())

    def _highs_for(self, model: MatrixModel, options: SolverOptions) -> Any:
        """A HiGHS instance holding ``model``: the previous one with new costs if it fits."""
        key = self._structure(model)
        same = (
            self._highs is not None
            and options == self._options
            and self._key is not None
            and len(self._key) == len(key)
            and all(a.shape == b.shape and np.array_equal(a, b)
                    for a, b in zip(self._key, key, strict=True))
        )
        if same:
            cost = model.col_cost
            self._highs.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
            self.reused += 1
        else:
            self._highs = highs_model(model, options)
            self._key, self._options = key, options
            self.loaded += 1
        return self._highs


def _solve_highs(model: MatrixModel, options: SolverOptions, warm: WarmStart | None = None
                 ) -> _Outcome:
    h = warm._highs_for(model, options) if warm is not None else highs_model(model, options)
    h.run()
    status = _highs_status(h.getModelStatus())
    info = h.getInfo()
    gap = _highs_gap(model, info)
    found = int(info.primal_solution_status) == _HIGHS_FEASIBLE
    kept = status is SolveStatus.TIME_LIMIT and options.accept_incumbent and found
    if status is not SolveStatus.OPTIMAL and not kept:
        return _no_solution(status, "HiGHS", gap, found)
    sol = h.getSolution()
    x = np.asarray(sol.col_value, dtype=float)
    objective = float(info.objective_function_value)
    if model.is_mip:
        duals = _fixed_integer_duals(model, x, options)
    elif sol.dual_valid and not kept:
        # for a maximization HiGHS reports row duals as d(objective)/d(bound) already
        duals = np.asarray(sol.row_dual, dtype=float)
    else:
        duals = np.full(model.n_rows, np.nan)
    return _Outcome(x, duals, objective, status, "HiGHS", gap)


_HIGHS_FEASIBLE = 2  # HiGHS's kSolutionStatusFeasible


def _highs_gap(model: MatrixModel, info: Any) -> float | None:
    """HiGHS's MILP gap between incumbent and bound; ``None`` for an LP or without one."""
    gap = float(getattr(info, "mip_gap", math.inf)) if model.is_mip else math.inf
    return gap if math.isfinite(gap) else None


def _highs_status(raw: Any) -> SolveStatus:
    """HiGHS's model status as a :class:`SolveStatus`."""
    import highspy

    kinds = highspy.HighsModelStatus
    return {
        kinds.kOptimal: SolveStatus.OPTIMAL,
        kinds.kInfeasible: SolveStatus.INFEASIBLE,
        kinds.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE,
        kinds.kUnbounded: SolveStatus.UNBOUNDED,
        kinds.kTimeLimit: SolveStatus.TIME_LIMIT,
        kinds.kIterationLimit: SolveStatus.ITERATION_LIMIT,
    }.get(raw, SolveStatus.ERROR)


def _fixed_integer_duals(model: MatrixModel, x: Array, options: SolverOptions) -> Array:
    """Row duals of the LP left when every integer column is fixed at its MILP value.

    A MILP has no duals of its own; these are the usual stand-in, and are labelled so.
    """
    import highspy

    h = highs_model(model, options)
    idx = np.flatnonzero(model.col_integer).astype(np.int32)
    fixed = np.round(x[idx])
    h.changeColsIntegrality(len(idx), idx, [highspy.HighsVarType.kContinuous] * len(idx))
    h.changeColsBounds(len(idx), idx, fixed, fixed)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return np.full(model.n_rows, np.nan)
    sol = h.getSolution()
    return np.asarray(sol.row_dual, dtype=float) if sol.dual_valid else np.full(model.n_rows,
                                                                                  np.nan)


def _pulp_problem(model: MatrixModel) -> tuple[Any, list[Any], list[Any]]:
    """A PuLP problem of ``model`` with the same names: problem, variables, constraints."""
    import pulp  # only the non-default solvers go through PuLP

    prob = pulp.LpProblem("fleet_allocation", pulp.LpMaximize)
    lower, upper = model.col_lower, model.col_upper
    variables = [
        prob.add_variable(name, lowBound=float(lo), upBound=None if np.isinf(up) else float(up),
                          cat=pulp.LpInteger if whole else pulp.LpContinuous)
        for name, lo, up, whole in zip(model.col_names(), lower, upper,
                                       model.col_integer.tolist(), strict=True)
    ]
    cost = model.col_cost
    prob.setObjective(pulp.LpAffineExpression(
        [(variables[j], float(cost[j])) for j in np.flatnonzero(cost)]))
    rows, cols, vals = model.coo()
    order = np.argsort(rows, kind="stable")
    rows, cols, vals = rows[order], cols[order], vals[order]
    bounds = np.searchsorted(rows, np.arange(model.n_rows + 1))
    constraints: list[Any] = []
    for r, name in enumerate(model.row_names()):
        a, b = bounds[r], bounds[r + 1]
        expr = pulp.LpAffineExpression(
            [(variables[int(j)], float(v)) for j, v in zip(cols[a:b], vals[a:b], strict=True)])
        lo, up = float(model.row_lower[r]), float(model.row_upper[r])
        if lo == up:
            con = pulp.LpConstraint(expr, pulp.LpConstraintEQ, name=name, rhs=lo)
        elif lo == -INF:
            con = pulp.LpConstraint(expr, pulp.LpConstraintLE, name=name, rhs=up)
        else:
            con = pulp.LpConstraint(expr, pulp.LpConstraintGE, name=name, rhs=lo)
        prob.addConstraint(con, name)
        constraints.append(con)
    return prob, variables, constraints


def _solve_pulp(model: MatrixModel, options: SolverOptions) -> _Outcome:
    import pulp

    class_name = pulp_solver_name(options.name)
    if options.time_limit_s is not None and not reports_cut_short(class_name):
        raise SolverNotAvailableError(
            f"Solver {options.name!r} ({class_name}) cannot be given a time limit: PuLP does "
            "not say whether it stopped early, so a cut-short plan would be called optimal. "
            "Drop the time limit, or use highs or cbc.")
    solver = make_solver(options)
    prob, variables, constraints = _pulp_problem(model)
    with tempfile.TemporaryDirectory(prefix="allocator-") as tmp:
        log = Path(tmp) / "cbc.log"
        if class_name in CBC_CLASSES and not options.log:
            solver.optionsDict["logPath"] = str(log)  # the gap is only in CBC's log
        try:
            result = prob.solve(solver)
        except pulp.PulpSolverError as exc:
            raise SolveError(f"The solver {options.name!r} ({class_name}) failed: {exc}",
                             SolveStatus.ERROR.value) from exc
        cbc_log = log.read_text(errors="replace") if log.exists() else ""
    status, gap = _pulp_status(prob, solver, result, options, cbc_log)
    found = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if status is not SolveStatus.OPTIMAL and not (
            status is SolveStatus.TIME_LIMIT and options.accept_incumbent and found):
        return _no_solution(status, str(solver.name), gap, found)
    x = np.array([float(v.varValue or 0.0) for v in variables])
    flip = -1.0 if solver.name == "HiGHS" else 1.0  # PuLP's HiGHS minimizes -objective
    if model.is_mip or status is not SolveStatus.OPTIMAL:  # no duals (see module docstring)
        duals = np.full(model.n_rows, np.nan)
    else:
        duals = np.array([flip * float(c.pi) if c.pi is not None else np.nan
                          for c in constraints])
    objective = float(pulp.value(prob.objective) or 0.0)
    return _Outcome(x, duals, objective, status, str(solver.name), gap)


def _pulp_status(prob: Any, solver: Any, result: int, options: SolverOptions,
                 cbc_log: str = "") -> tuple[SolveStatus, float | None]:
    """The solver's own verdict: PuLP alone calls a solve cut short by a limit Optimal.

    PuLP's HiGHS is asked for its model status; every other adapter's solution status
    (``prob.sol_status``, read from the solver's solution file) tells a proven optimum
    (``LpSolutionOptimal``) from a solution found before a limit (``LpSolutionIntegerFeasible``).
    """
    import pulp

    limited = options.time_limit_s is not None
    if solver.name == "HiGHS" and getattr(prob, "solverModel", None) is not None:
        model = prob.solverModel
        status = _highs_status(model.getModelStatus())
        gap = float(model.getInfo().mip_gap) if prob.isMIP() else math.inf
        # PuLP's own HiGHS run reports no iteration-limit status of its own
        status = SolveStatus.ERROR if status is SolveStatus.ITERATION_LIMIT else status
        return status, gap if math.isfinite(gap) else None
    cbc = _cbc_gap(cbc_log)
    if result == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionOptimal:
        return SolveStatus.OPTIMAL, cbc
    if result == pulp.LpStatusOptimal or (result == pulp.LpStatusNotSolved and limited):
        return (SolveStatus.TIME_LIMIT if limited else SolveStatus.ITERATION_LIMIT), cbc
    return {
        pulp.LpStatusInfeasible: SolveStatus.INFEASIBLE,
        pulp.LpStatusUnbounded: SolveStatus.UNBOUNDED,
    }.get(result, SolveStatus.ERROR), None


_CBC_FIGURE = re.compile(r"^(Objective value|Upper bound|Lower bound):\s*(\S+)", re.M)


def _cbc_gap(log: str) -> float | None:
    """Relative gap ``|bound - objective| / max(1, |objective|)`` from CBC's final report."""
    figures: dict[str, float] = {}
    for key, text in _CBC_FIGURE.findall(log):
        try:
            figures[key] = float(text)
        except ValueError:
            continue
    objective = figures.get("Objective value")
    bound = figures.get("Upper bound", figures.get("Lower bound"))
    if objective is None or bound is None:
        return None
    return abs(bound - objective) / max(1.0, abs(objective))



def _take(x: Array, index: npt.NDArray[np.int64]) -> Array:
    out = np.zeros(index.shape)
    ok = index >= 0
    out[ok] = x[index[ok]]
    return out


def _solution(model: MatrixModel, out: _Outcome, solve_seconds: float) -> Solution:
    c = model.coef
    x, duals = out.x, out.duals
    s_count, t_count = len(c.sites), len(c.months)
    commit = _take(x, model.variables["commit"].index)
    by_site = _take(x, model.variables["lease"].index)  # [S, K], constant over the term
    lease = {k: np.repeat(by_site[list(terms.sites), k][:, None], len(terms.months), axis=1)
             for k, terms in enumerate(c.contracts)}
    power = model.constraints["site_power"].index
    site_duals = np.zeros((s_count, t_count))
    ok = power >= 0
    if duals.size:
        site_duals[ok] = duals[power[ok]]
    site_duals = site_duals / c.discount[None, :]
    return Solution(
        mine_mw=_take(x, model.variables["mine"].index),
        lease_mw=lease,
        build_mw=_take(x, model.variables["build"].index),
        converted_mw=_take(x, model.variables["converted"].index),
        commit_mw=commit,
        site_power_dual_usd_mw_month=site_duals,
        objective_usd=out.objective,
        solver=out.solver,
        status=out.status,
        dual_kind=("none" if duals.size and bool(np.isnan(duals).all())
                   else "fixed_integer_lp" if model.is_mip else "lp"),
        variables=model.n_cols,
        constraints=model.n_rows,
        build_seconds=model.build_seconds,
        solve_seconds=solve_seconds,
        mip_gap=out.gap,
        **_ppa_values(model, x),
    )


def _ppa_values(model: MatrixModel, x: Array) -> dict[str, Array]:
    """The block families' values, where the model has them."""
    return {f"{name}_mw": _take(x, model.variables[name].index)
            for name in ("ppa_mine", "ppa_hpc", "ppa_unused") if name in model.variables}
