"""The allocation linear program (DESIGN.md §3): build with PuLP, solve, read values back.

Takes :class:`~allocator.coefficients.Coefficients`, returns a :class:`Solution` of numpy
arrays. No file I/O, no printing, no DataFrames. Every variable and constraint is named by
:func:`lp_name` (``site_power__alpha__2026_01``) so duals and infeasibility reports can speak.

Index sets: sites ``s``, miner tranches ``m`` (each at one site), months ``t``, contracts
``k``. Variables (all >= 0):

- ``mine[m,t]``       running MW of tranche m, ``<= uptime * installed_mw`` (a bound);
- ``lease[s,k,t]``    IT MW at site s leased to contract k, only inside k's term and at its
                      eligible sites;
- ``build[s,t]``      IT MW whose conversion starts in month t;
- ``converted[s,t]``  IT MW converted so far, ``= converted[s,t-1] + build[s,t]``: holds grid
                      power from the month construction starts and can be leased from
                      ``t + lead``; conversion is irreversible;
- ``commit[k]``       the contract's MW, constant over its term (take-or-pay).

Objective: maximize ``sum_t df_t * (mining margin + HPC margin - capital charge)``. The
capital charge is paid on ``converted[s,t]`` each month, which equals DESIGN.md's charge on
``build[s,tau]`` from tau to the horizon end, with O(T) instead of O(T^2) nonzeros.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pulp

from allocator.coefficients import Coefficients
from allocator.domain import safe_name
from allocator.errors import InfeasibleError, SolveError, UnboundedError
from allocator.solvers import SolverOptions, make_solver

__all__ = ["LpModel", "Solution", "build_model", "lp_name", "solve", "solve_model"]

Array = npt.NDArray[np.float64]
Pairs = list[tuple[pulp.LpVariable, float]]


def lp_name(family: str, *parts: str) -> str:
    """One naming pattern for every LP name: ``family__part__part`` in ``[A-Za-z0-9_]``."""
    return "__".join([family, *(safe_name(p) for p in parts)])


@dataclass
class LpModel:
    """A built PuLP problem and its variables and constraints by index."""

    coef: Coefficients
    problem: pulp.LpProblem
    mine: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    lease: dict[tuple[int, int, int], pulp.LpVariable] = field(default_factory=dict)
    build: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    converted: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    commit: dict[int, pulp.LpVariable] = field(default_factory=dict)
    site_power: dict[tuple[int, int], pulp.LpConstraint] = field(default_factory=dict)
    objective_pairs: Pairs = field(default_factory=list)
    build_seconds: float = 0.0

    def add(self, pairs: Iterable[tuple[pulp.LpVariable, float]], sense: int, rhs: float,
            name: str) -> pulp.LpConstraint | None:
        """Add ``sum(coef * var) <sense> rhs`` unless it has no variables."""
        items = [(v, c) for v, c in pairs if c != 0]
        if not items:
            return None
        con = pulp.LpConstraint(pulp.LpAffineExpression(items), sense, name=name, rhs=rhs)
        self.problem.addConstraint(con, name)
        return con


@dataclass(frozen=True)
class Solution:
    """Variable values, duals and solver facts of an optimal solve.

    Attributes:
        mine_mw: ``[M, T]`` running MW per tranche.
        lease_mw: ``{k: [len(sites_k), len(months_k)]}`` leased IT MW.
        build_mw: ``[S, T]`` conversions started.
        converted_mw: ``[S, T]`` cumulative converted IT MW.
        commit_mw: ``[K]`` committed MW per contract.
        site_power_dual_usd_mw_month: ``[S, T]`` value of one more grid MW in that month,
            nominal USD of that month (the dual divided by the discount factor); NaN where
            the solver gives no duals.
        objective_usd: LP objective value.
        solver: PuLP solver name.
        status: ``optimal``.
        variables / constraints: model size.
        build_seconds / solve_seconds: timings.
    """

    mine_mw: Array
    lease_mw: dict[int, Array]
    build_mw: Array
    converted_mw: Array
    commit_mw: Array
    site_power_dual_usd_mw_month: Array
    objective_usd: float
    solver: str
    status: str
    variables: int
    constraints: int
    build_seconds: float
    solve_seconds: float


def _month_tag(coef: Coefficients, t: int) -> str:
    return coef.months[t]


def add_mining(model: LpModel) -> None:
    """Variables ``mine[m,t]`` with ``0 <= mine[m,t] <= uptime_s * installed_mw[m]``.

    Objective: ``df_t * (revenue - cost)[m,t] * mine[m,t]``.
    """
    c = model.coef
    margin = c.mining_margin_usd_mw_month * c.discount[None, :]
    for m, tranche in enumerate(c.tranches):
        cap = float(c.tranche_available_mw[m])
        if cap <= 0:
            continue
        for t in range(len(c.months)):
            var = model.problem.add_variable(
                lp_name("mine", tranche.site, f"{m}", _month_tag(c, t)), lowBound=0, upBound=cap
            )
            model.mine[m, t] = var
            model.objective_pairs.append((var, float(margin[m, t])))


def add_conversion(model: LpModel) -> None:
    """Variables ``build[s,t]``, ``converted[s,t]`` and their families.

    - ``conversion_stock[s,t]``: ``converted[s,t] - converted[s,t-1] - build[s,t] = 0``;
    - ``convertible_space[s]``: ``converted[s,T-1] <= hpc_convertible_mw[s]``.

    Objective: ``-df_t * capital_charge[s] * converted[s,t]``.
    """
    c = model.coef
    last = len(c.months) - 1
    for s, site in enumerate(c.sites):
        if site.hpc_convertible_mw <= 0:
            continue
        charge = float(c.capital_charge_usd_mw_month[s])
        previous: pulp.LpVariable | None = None
        for t in range(len(c.months)):
            tag = _month_tag(c, t)
            b = model.problem.add_variable(lp_name("build", site.name, tag), lowBound=0)
            x = model.problem.add_variable(lp_name("converted", site.name, tag), lowBound=0)
            model.build[s, t] = b
            model.converted[s, t] = x
            model.objective_pairs.append((x, -charge * float(c.discount[t])))
            pairs: Pairs = [(x, 1.0), (b, -1.0)]
            if previous is not None:
                pairs.append((previous, -1.0))
            model.add(pairs, pulp.LpConstraintEQ, 0.0, lp_name("conversion_stock", site.name, tag))
            previous = x
        model.add(
            [(model.converted[s, last], 1.0)],
            pulp.LpConstraintLE,
            site.hpc_convertible_mw,
            lp_name("convertible_space", site.name),
        )


def add_leasing(model: LpModel) -> None:
    """Variables ``lease[s,k,t]`` and ``commit[k]`` with their families.

    - ``contract_delivery[k,t]``: ``sum_s lease[s,k,t] - commit[k] = 0`` inside k's term;
    - ``contract_size``: ``min_mw[k] (if firm) <= commit[k] <= max_mw[k]`` (bounds);
    - ``hpc_capacity[s,t]``: ``sum_k lease[s,k,t] - converted[s,t-lead] <= hpc_existing_mw[s]``.

    Objective: ``df_t * (rent - cost)[s,k,t] * lease[s,k,t]``.
    """
    c = model.coef
    by_site_month: dict[tuple[int, int], Pairs] = defaultdict(list)
    for k, terms in enumerate(c.contracts):
        contract = terms.contract
        if len(terms.months) == 0:
            continue  # the term lies outside the horizon; nothing to decide here
        lower = contract.min_mw if contract.firm else 0.0
        commit = model.problem.add_variable(
            lp_name("commit", contract.name), lowBound=lower, upBound=contract.max_mw
        )
        model.commit[k] = commit
        usable = [
            s for s in terms.sites
            if c.sites[s].hpc_existing_mw > 0 or c.sites[s].hpc_convertible_mw > 0
        ]
        row_of = {s: i for i, s in enumerate(terms.sites)}
        for j, t in enumerate(terms.months.tolist()):
            tag = _month_tag(c, t)
            pairs: Pairs = [(commit, -1.0)]
            for s in usable:
                var = model.problem.add_variable(
                    lp_name("lease", c.sites[s].name, contract.name, tag), lowBound=0
                )
                model.lease[s, k, t] = var
                margin = terms.revenue_usd_mw_month[j] - terms.cost_usd_mw_month[row_of[s], j]
                model.objective_pairs.append((var, float(margin * c.discount[t])))
                pairs.append((var, 1.0))
                by_site_month[s, t].append((var, 1.0))
            if usable:
                model.add(pairs, pulp.LpConstraintEQ, 0.0,
                          lp_name("contract_delivery", contract.name, tag))
            else:
                # nowhere to carry it: the commitment must be zero in its term
                model.add([(commit, 1.0)], pulp.LpConstraintEQ, 0.0,
                          lp_name("contract_delivery", contract.name, tag))
    for (s, t), pairs in sorted(by_site_month.items()):
        site = c.sites[s]
        ready = t - site.conversion_lead_months
        if (s, ready) in model.converted:
            pairs = [*pairs, (model.converted[s, ready], -1.0)]
        model.add(pairs, pulp.LpConstraintLE, site.hpc_existing_mw,
                  lp_name("hpc_capacity", site.name, _month_tag(c, t)))


def add_site_power(model: LpModel) -> None:
    """``site_power[s,t]``: grid MW within the connection.

    ``mining_pue * sum_m mine[m,t] + hpc_pue * converted[s,t]
    <= capacity_mw - hpc_pue * hpc_existing_mw``.
    """
    c = model.coef
    by_site: dict[int, list[int]] = defaultdict(list)
    for m, s in enumerate(c.tranche_site.tolist()):
        by_site[s].append(m)
    for s, site in enumerate(c.sites):
        rhs = site.capacity_mw - site.hpc_pue * site.hpc_existing_mw
        for t in range(len(c.months)):
            pairs: Pairs = [
                (model.mine[m, t], site.mining_pue) for m in by_site[s] if (m, t) in model.mine
            ]
            if (s, t) in model.converted:
                pairs.append((model.converted[s, t], site.hpc_pue))
            con = model.add(pairs, pulp.LpConstraintLE, rhs,
                            lp_name("site_power", site.name, _month_tag(c, t)))
            if con is not None:
                model.site_power[s, t] = con


def add_policies(model: LpModel) -> None:
    """Optional portfolio policies from Settings.

    - ``min_fleet_hashrate[t]``: ``sum_m mine[m,t] / eff_m >= min_fleet_hashrate_ehs``;
    - ``max_hpc_share[t]``: ``sum_s hpc_pue_s * (existing_s + converted[s,t])
      <= max_hpc_share * sum_s capacity_mw``;
    - ``capex_budget[y]``: ``sum_{t in y, s} capex_s * build[s,t] <= capex_budget_usd_per_year``;
    - ``max_conversion[y]``: ``sum_{t in y, s} build[s,t] <= max_conversion_mw_per_year``.
    """
    c = model.coef
    st = c.fleet.settings
    months = range(len(c.months))
    if st.min_fleet_hashrate_ehs is not None:
        for t in months:
            pairs: Pairs = [
                (var, 1.0 / float(c.efficiency_j_th[m]))
                for (m, tt), var in model.mine.items() if tt == t
            ]
            model.add(pairs, pulp.LpConstraintGE, st.min_fleet_hashrate_ehs,
                      lp_name("min_fleet_hashrate", c.months[t]))
            if not pairs and st.min_fleet_hashrate_ehs > 0:
                raise InfeasibleError(
                    f"min_fleet_hashrate_ehs {st.min_fleet_hashrate_ehs} cannot be met: "
                    "the fleet has no miners"
                )
    if st.max_hpc_share is not None:
        total = sum(s.capacity_mw for s in c.sites)
        existing = sum(s.hpc_pue * s.hpc_existing_mw for s in c.sites)
        for t in months:
            pairs = [
                (model.converted[s, t], c.sites[s].hpc_pue)
                for s in range(len(c.sites)) if (s, t) in model.converted
            ]
            model.add(pairs, pulp.LpConstraintLE, st.max_hpc_share * total - existing,
                      lp_name("max_hpc_share", c.months[t]))
    for limit, family, weight in (
        (st.capex_budget_usd_per_year, "capex_budget", "capex"),
        (st.max_conversion_mw_per_year, "max_conversion", "mw"),
    ):
        if limit is None:
            continue
        by_year: dict[str, Pairs] = defaultdict(list)
        for (s, t), var in model.build.items():
            coef = c.sites[s].conversion_capex_usd_mw if weight == "capex" else 1.0
            by_year[c.months[t][:4]].append((var, coef))
        for year, pairs in sorted(by_year.items()):
            model.add(pairs, pulp.LpConstraintLE, limit, lp_name(family, year))


def build_model(coef: Coefficients) -> LpModel:
    """The LP for ``coef``, as a readable list of families."""
    started = time.perf_counter()
    model = LpModel(coef, pulp.LpProblem("fleet_allocation", pulp.LpMaximize))
    add_mining(model)
    add_conversion(model)
    add_leasing(model)
    add_site_power(model)
    add_policies(model)
    model.problem.setObjective(pulp.LpAffineExpression(model.objective_pairs))
    model.build_seconds = time.perf_counter() - started
    return model


def _status(model: LpModel, solver: Any, pulp_status: int) -> str:
    """Typed status; HiGHS is asked directly because PuLP maps a time limit to Optimal."""
    if solver.name == "HiGHS" and getattr(model.problem, "solverModel", None) is not None:
        import highspy

        raw = model.problem.solverModel.getModelStatus()
        mapping = {
            highspy.HighsModelStatus.kOptimal: "optimal",
            highspy.HighsModelStatus.kInfeasible: "infeasible",
            highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
            highspy.HighsModelStatus.kUnbounded: "unbounded",
            highspy.HighsModelStatus.kTimeLimit: "time_limit",
            highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
        }
        return mapping.get(raw, "error")
    return {
        pulp.LpStatusOptimal: "optimal",
        pulp.LpStatusInfeasible: "infeasible",
        pulp.LpStatusUnbounded: "unbounded",
    }.get(pulp_status, "error")


def _values(variables: dict[Any, pulp.LpVariable]) -> dict[Any, float]:
    return {key: float(var.varValue or 0.0) for key, var in variables.items()}


def solve_model(model: LpModel, options: SolverOptions | None = None) -> Solution:
    """Solve ``model`` and read every value back.

    Raises:
        InfeasibleError: no allocation satisfies the constraints.
        UnboundedError: a modelling bug (every variable has a cap).
        SolveError: time limit or solver failure.
        SolverNotAvailableError: the solver is not installed.
    """
    options = options or SolverOptions()
    c = model.coef
    solver = make_solver(options)
    n_vars = model.problem.numVariables()
    n_cons = model.problem.numConstraints()
    started = time.perf_counter()
    if n_vars == 0:
        status, objective = "optimal", 0.0
    else:
        pulp_status = model.problem.solve(solver)
        status = _status(model, solver, pulp_status)
        objective = float(pulp.value(model.problem.objective) or 0.0)
    solve_seconds = time.perf_counter() - started
    if status == "infeasible":
        raise InfeasibleError("The model is infeasible: no allocation meets every constraint.")
    if status == "unbounded":
        raise UnboundedError("The model is unbounded; please report this with the workbook.")
    if status != "optimal":
        raise SolveError(f"The solver stopped without an optimal plan (status: {status}).", status)

    s_count, t_count = len(c.sites), len(c.months)
    mine = np.zeros((len(c.tranches), t_count))
    for (m, t), v in _values(model.mine).items():
        mine[m, t] = v
    build = np.zeros((s_count, t_count))
    for (s, t), v in _values(model.build).items():
        build[s, t] = v
    converted = np.zeros((s_count, t_count))
    for (s, t), v in _values(model.converted).items():
        converted[s, t] = v
    lease: dict[int, Array] = {}
    for k, terms in enumerate(c.contracts):
        arr = np.zeros((len(terms.sites), len(terms.months)))
        row = {s: i for i, s in enumerate(terms.sites)}
        col = {t: j for j, t in enumerate(terms.months.tolist())}
        for (s, kk, t), var in model.lease.items():
            if kk == k:
                arr[row[s], col[t]] = float(var.varValue or 0.0)
        lease[k] = arr
    commit = np.array(
        [float(model.commit[k].varValue or 0.0) if k in model.commit else 0.0
         for k in range(len(c.contracts))]
    )
    duals = np.full((s_count, t_count), np.nan)
    for (s, t), con in model.site_power.items():
        pi = getattr(con, "pi", None)
        if pi is not None:
            duals[s, t] = _max_sense_dual(solver, float(pi)) / float(c.discount[t])
    # a site-month with no variables at all has nothing to gain from more power
    for s in range(s_count):
        for t in range(t_count):
            if (s, t) not in model.site_power:
                duals[s, t] = 0.0
    return Solution(
        mine_mw=mine,
        lease_mw=lease,
        build_mw=build,
        converted_mw=converted,
        commit_mw=commit,
        site_power_dual_usd_mw_month=duals,
        objective_usd=objective,
        solver=str(solver.name),
        status=status,
        variables=n_vars,
        constraints=n_cons,
        build_seconds=model.build_seconds,
        solve_seconds=solve_seconds,
    )


def _max_sense_dual(solver: Any, pi: float) -> float:
    """Dual as d(max objective)/d(rhs).

    PuLP's HiGHS interface minimizes the negated objective and reports that problem's row
    duals, so the sign flips; the other solvers report duals of the problem as posed.
    """
    return -pi if solver.name == "HiGHS" else pi


def solve(coef: Coefficients, options: SolverOptions | None = None) -> Solution:
    """Build and solve in one call."""
    return solve_model(build_model(coef), options)
