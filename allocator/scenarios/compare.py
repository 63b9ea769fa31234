"""Solve a fleet under several scenarios and compare them side by side; no printing, no files.

:func:`compare` turns each :class:`~allocator.scenarios.changes.Scenario` into a modified fleet,
solves them all on an :class:`~allocator.scenarios.executors.Executor`, and returns a
:class:`Comparison`: one column per scenario of headline figures, the monthly HPC MW, the
input diff, and :meth:`Comparison.diff` against a reference case (the idea of flixopt's
``Comparison.diff(reference)``). :func:`solve_case` is the unit of work every multi-solve
command (compare, sweep, Monte Carlo) sends to an executor: it returns plain numbers, never
raises a library error, and pickles small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from allocator.api import FleetSource, optimize
from allocator.consistency import check_consistency
from allocator.domain import Fleet
from allocator.errors import (
    AllocatorError,
    InfeasibleError,
    InputError,
    Problem,
    SolveError,
    SolverNotAvailableError,
    UnboundedError,
)
from allocator.optimization.solvers import SolverOptions
from allocator.results.plan import Plan
from allocator.scenarios.changes import (
    Scenario,
    apply_scenario,
    input_diff,
    scenario_problems,
    select_scenarios,
    with_base,
)
from allocator.scenarios.executors import Executor, Progress, SerialExecutor

__all__ = [
    "Case",
    "CaseResult",
    "Comparison",
    "MetricKey",
    "ScenarioBook",
    "compare",
    "plan_metrics",
    "raise_failure",
    "run_cases",
    "solve_case",
]

MetricKey = tuple[str, str]
"""``(metric, item)``: ``("npv_usd", "")``, ``("converted_mw", "Alpha Ridge")``."""

CONVERTED_EPS_MW = 1e-3
"""Below this a conversion or commitment counts as none (solver round-off)."""

_FLEET_METRICS = (
    "npv_usd",
    "mining_margin_usd",
    "hpc_margin_usd",
    "capital_charge_usd",
    "conversion_capex_usd",
    "gross_margin_pct",
    "avg_hashprice_usd_ph_day",
    "avg_fleet_hashrate_ehs",
    "avg_mining_mw",
    "avg_hpc_leased_mw",
    "avg_idle_mw",
    "avg_mining_grid_mw",
    "avg_hpc_grid_mw",
    "last_month_hpc_leased_mw",
)


def plan_metrics(plan: Plan, fleet: Fleet) -> dict[MetricKey, float]:
    """The headline figures of one plan, in a fixed order.

    Money is nominal USD summed over the horizon except ``npv_usd`` (discounted);
    ``gross_margin_pct`` is (revenue - power - opex) / revenue before the capital charge;
    ``avg_*`` are monthly averages (``_mw`` IT MW of miners or leases, ``_grid_mw`` and
    ``idle`` grid MW). Then per site ``converted_mw`` (IT MW whose conversion starts in the
    horizon) and ``avg_mining_mw``, and per contract ``committed_mw``.
    """
    s = plan.summary
    mining_margin = float(plan.tranches["margin_usd"].sum()) if len(plan.tranches) else 0.0
    hpc_margin = float(plan.leases["margin_usd"].sum()) if len(plan.leases) else 0.0
    revenue = float(s["revenue_usd"].sum())
    values = {
        "npv_usd": plan.npv_usd,
        "mining_margin_usd": mining_margin,
        "hpc_margin_usd": hpc_margin,
        "capital_charge_usd": float(s["capital_charge_usd"].sum()),
        "conversion_capex_usd": float(s["capex_usd"].sum()),
        "gross_margin_pct": (mining_margin + hpc_margin) / revenue if revenue > 0 else np.nan,
        "avg_hashprice_usd_ph_day": float(s["hashprice_usd_ph_day"].mean()),
        "avg_fleet_hashrate_ehs": float(s["fleet_hashrate_ehs"].mean()),
        "avg_mining_mw": float(s["mining_mw"].mean()),
        "avg_hpc_leased_mw": float(s["hpc_leased_mw"].mean()),
        "avg_idle_mw": float(s["idle_mw"].mean()),
        "avg_mining_grid_mw": float(s["mining_grid_mw"].mean()),
        "avg_hpc_grid_mw": float(s["hpc_grid_mw"].mean()),
        "last_month_hpc_leased_mw": float(s["hpc_leased_mw"].iloc[-1]),
    }
    out: dict[MetricKey, float] = {(name, ""): float(values[name]) for name in _FLEET_METRICS}
    built = plan.builds.groupby("site")["build_mw"].sum() if len(plan.builds) else None
    for site in fleet.sites:
        mw = float(built.get(site.name, 0.0)) if built is not None else 0.0
        out[("converted_mw", site.name)] = mw
    mining = plan.site_months.groupby("site")["mining_mw"].mean()
    for site in fleet.sites:
        out[("avg_mining_mw", site.name)] = float(mining.get(site.name, 0.0))
    committed = dict(zip(plan.contracts["contract"], plan.contracts["committed_mw"], strict=True))
    for contract in fleet.contracts:
        out[("committed_mw", contract.name)] = float(committed.get(contract.name, 0.0))
    return out


# ---------------------------------------------------------------------------- unit of work


@dataclass(frozen=True)
class Case:
    """One solve to run: a name, a fleet and how to solve it.

    Attributes:
        name: Scenario, sweep step or sample name.
        fleet: The (modified) fleet.
        solver: Solver options.
        keep_plan: Return the whole plan, not only its figures.
    """

    name: str
    fleet: Fleet
    solver: SolverOptions = field(default_factory=SolverOptions)
    keep_plan: bool = False


@dataclass(frozen=True)
class CaseResult:
    """What a solve gives back: figures, monthly HPC MW, the plan if asked, or a failure.

    Attributes:
        name: The case's name.
        metrics: :func:`plan_metrics` of the plan (empty on failure).
        months: Horizon months.
        hpc_leased_mw: Fleet HPC IT MW leased in each month.
        plan: The plan when the case asked to keep it.
        error: Class name of the library error that stopped the solve, if any.
        message: Its message.
        problems: Its problems (input errors).
        status: Its solver status (solve errors).
    """

    name: str
    metrics: dict[MetricKey, float] = field(default_factory=dict)
    months: tuple[str, ...] = ()
    hpc_leased_mw: tuple[float, ...] = ()
    plan: Plan | None = None
    error: str | None = None
    message: str = ""
    problems: tuple[Problem, ...] = ()
    status: str = ""

    @property
    def ok(self) -> bool:
        """True when the case solved."""
        return self.error is None


def solve_case(case: Case) -> CaseResult:
    """Optimize ``case.fleet``; a library error is returned as a failed result, not raised.

    Top level and picklable, so any executor can run it.
    """
    try:
        plan = optimize(case.fleet, solver=case.solver)
    except AllocatorError as exc:
        return CaseResult(
            case.name, error=type(exc).__name__, message=str(exc),
            problems=tuple(getattr(exc, "problems", ())), status=getattr(exc, "status", ""))
    summary = plan.summary
    return CaseResult(
        case.name,
        metrics=plan_metrics(plan, case.fleet),
        months=tuple(str(m) for m in summary["month"]),
        hpc_leased_mw=tuple(float(x) for x in summary["hpc_leased_mw"]),
        plan=plan if case.keep_plan else None,
    )


def raise_failure(result: CaseResult, what: str = "Scenario") -> None:
    """Raise the library error a failed case met, its message naming the case.

    Does nothing for a solved case.
    """
    if result.ok:
        return
    head = f"{what} '{result.name}'"
    if result.error == "InputError":
        raise InputError([Problem(p.sheet, f"{head}: {p.message}", cell=p.cell, column=p.column,
                                  value=p.value, record=p.record) for p in result.problems])
    message = f"{head}: {result.message}"
    if result.error == "InfeasibleError":
        raise InfeasibleError(message)
    if result.error == "UnboundedError":
        raise UnboundedError(message)
    if result.error == "SolverNotAvailableError":
        raise SolverNotAvailableError(result.message)
    if result.error == "SolveError":
        raise SolveError(message, status=result.status or "error")
    raise AllocatorError(message)


def run_cases(cases: Sequence[Case], executor: Executor | None = None,
              progress: Progress | None = None, what: str = "Scenario") -> list[CaseResult]:
    """Solve every case on ``executor`` (serial when ``None``), results in the cases' order.

    Raises:
        AllocatorError: the first failed case's error (in case order), naming the case.
    """
    results = (executor or SerialExecutor()).map(solve_case, list(cases), progress)
    for result in results:
        raise_failure(result, what)
    return results


def fleet_of(source: Fleet | FleetSource) -> tuple[Fleet, tuple[str, ...], Path | None]:
    """The fleet, reader warnings and workbook path of what a caller passed."""
    if isinstance(source, Fleet):
        return source, (), None
    path = getattr(source, "path", None)
    return source.fleet, tuple(source.warnings), Path(path) if path else None


def solver_options(fleet: Fleet, solver: str | SolverOptions | None) -> SolverOptions:
    """``solver`` as options; default the fleet's ``solver`` setting."""
    if isinstance(solver, SolverOptions):
        return solver
    return SolverOptions(name=solver or fleet.settings.solver)


def consistency_problems(name: str, fleet: Fleet, what: str = "scenario") -> list[Problem]:
    """The consistency pass's errors for one modified fleet, each naming the case."""
    return [
        Problem(p.sheet, f"{what} '{name}': {p.message}", cell=p.cell, column=p.column,
                value=p.value, record=p.record)
        for p in check_consistency(fleet).errors
    ]


# ------------------------------------------------------------------------------ comparison


@dataclass(frozen=True)
class Comparison:
    """Scenarios solved side by side.

    Attributes:
        scenarios: The scenarios compared, in column order.
        reference: Name of the case deltas are taken against.
        table: Index ``(metric, item)`` (see :func:`plan_metrics`), one column per scenario.
        hpc_leased_mw: Index month, one column per scenario: fleet HPC IT MW leased.
        inputs: The input diff: scenario, sheet, record, parameter, base_value,
            scenario_value (see :func:`allocator.scenarios.changes.input_diff`).
        plans: Scenario name -> plan, when kept (``keep_plans``).
        warnings: The workbook reader's warnings.
        source: The workbook compared, when there was one.
    """

    scenarios: tuple[Scenario, ...]
    reference: str
    table: pd.DataFrame
    hpc_leased_mw: pd.DataFrame
    inputs: pd.DataFrame
    plans: dict[str, Plan] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    source: Path | None = None

    @property
    def names(self) -> list[str]:
        """Scenario names in column order."""
        return [s.name for s in self.scenarios]

    def value(self, scenario: str, metric: str, item: str = "") -> float:
        """One figure: ``value("BTC -30%", "converted_mw", "Alpha Ridge")``.

        Raises:
            KeyError: unknown scenario, metric or item.
        """
        column = self.table[scenario]
        return float(column.loc[[(metric, item)]].iloc[0])

    def items(self, metric: str) -> list[str]:
        """The items of a per-site or per-contract metric (``converted_mw`` -> site names)."""
        return [str(item) for m, item in self.table.index if m == metric]

    @property
    def npv_usd(self) -> pd.Series:
        """NPV of each scenario."""
        return self.table.loc[[("npv_usd", "")]].iloc[0]

    def diff(self, reference: str | None = None) -> pd.DataFrame:
        """Every figure minus the reference scenario's (default: :attr:`reference`).

        Raises:
            KeyError: unknown scenario; the message lists the available ones.
        """
        ref = reference or self.reference
        if ref not in self.table.columns:
            raise KeyError(f"Unknown scenario {ref!r}. Available: {', '.join(self.names)}")
        return self.table.sub(self.table[ref], axis=0)


@runtime_checkable
class ScenarioBook(Protocol):
    """A fleet source that also holds scenarios (a ``FleetWorkbook`` with its Scenarios sheet)."""

    def read_scenarios(self) -> tuple[Scenario, ...]: ...


def compare(
    source: Fleet | FleetSource,
    scenarios: Sequence[Scenario] | None = None,
    *,
    names: Sequence[str] | None = None,
    reference: str | None = None,
    executor: Executor | None = None,
    solver: str | SolverOptions | None = None,
    keep_plans: bool = False,
    progress: Progress | None = None,
) -> Comparison:
    """Solve the base case and every scenario, and compare them.

    Args:
        source: A fleet, or what ``read_workbook`` returned.
        scenarios: The scenarios; default the workbook's Scenarios sheet. The base case is
            added first, named ``Base``, unless a scenario without changes names it.
        names: Compare only these scenarios (the reference is always kept).
        reference: The case deltas are taken against; default the base case.
        executor: Where the solves run; default one after another in this process.
        solver: Solver name or options; default the workbook's ``solver`` setting.
        keep_plans: Keep every scenario's :class:`Plan` in :attr:`Comparison.plans`.
        progress: ``progress(done, total)`` after each solve.

    Raises:
        InputError: a bad scenario row, an unknown scenario name, no scenarios at all, or a
            scenario the consistency pass rejects; all such faults at once.
        InfeasibleError: a scenario has no feasible plan (the message names it).
        SolveError: a solve failed.
    """
    fleet, warnings, path = fleet_of(source)
    if scenarios is None:
        if not isinstance(source, ScenarioBook):
            raise InputError([Problem("Scenarios", "no scenarios given")])
        scenarios = source.read_scenarios()
    else:
        problems = scenario_problems(fleet, scenarios)
        if problems:
            raise InputError(problems, source=str(path) if path else None)
    if not any(not s.is_base for s in scenarios):
        where = f"{path.name} has" if path else "the input has"
        raise InputError([Problem(
            "Scenarios", f"nothing to compare: {where} no scenario rows; add a Scenarios sheet "
            "with scenario | parameter | operation | value | target rows")],
            source=str(path) if path else None)
    chosen, ref = select_scenarios(with_base(scenarios), names, reference)
    fleets = [apply_scenario(fleet, s) for s in chosen]
    problems = [p for s, f in zip(chosen, fleets, strict=True)
                for p in consistency_problems(s.name, f)]
    if problems:
        raise InputError(problems, source=str(path) if path else None)
    options = solver_options(fleet, solver)
    cases = [Case(s.name, f, options, keep_plan=keep_plans)
             for s, f in zip(chosen, fleets, strict=True)]
    results = run_cases(cases, executor, progress)

    columns = [s.name for s in chosen]
    keys = list(results[0].metrics)
    table = pd.DataFrame(
        {r.name: [r.metrics[k] for k in keys] for r in results},
        index=pd.MultiIndex.from_tuples(keys, names=["metric", "item"]), columns=columns)
    monthly = pd.DataFrame({r.name: list(r.hpc_leased_mw) for r in results},
                           index=pd.Index(list(results[0].months), name="month"),
                           columns=columns)
    rows = [{"scenario": s.name, **row}
            for s, f in zip(chosen, fleets, strict=True)
            for row in input_diff(fleet, f).to_dict("records")]
    inputs = pd.DataFrame(rows, columns=["scenario", *input_diff(fleet, fleet).columns])
    plans = {r.name: r.plan for r in results if r.plan is not None}
    return Comparison(tuple(chosen), ref, table, monthly, inputs, plans, warnings, path)
