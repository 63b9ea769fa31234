"""The unit of work of every multi-solve command: cases, their solve and their figures; no files.

A :class:`Case` is one fleet to solve; :func:`solve_case` solves it in any executor's worker
(it returns plain numbers, never raises a library error, and pickles small) and
:func:`run_cases` solves a list of them, re-raising the first failure under the case's name.
:func:`plan_metrics` gives a plan's headline figures, the ones compare, sweep and Monte Carlo
report. Nothing here knows what a scenario, a sweep step or a sample is.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.api import FleetSource, fleet_source, optimize
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
from allocator.scenarios.executors import Executor, Progress, SerialExecutor

__all__ = [
    "CONVERTED_EPS_MW",
    "MONTHLY_COLUMNS",
    "Case",
    "CaseResult",
    "MetricKey",
    "consistency_problems",
    "fleet_of",
    "monthly_frame",
    "plan_metrics",
    "raise_failure",
    "run_cases",
    "solve_case",
    "solver_options",
]

MetricKey = tuple[str, str]
"""``(metric, item)``: ``("npv_usd", "")``, ``("converted_mw", "Alpha Ridge")``."""

CONVERTED_EPS_MW = 1e-3
"""Below this a conversion or commitment counts as none (solver round-off)."""

MONTHLY_COLUMNS = (
    "hashprice_usd_ph_day",
    "btc_price_usd",
    "network_hashrate_ehs",
    "fleet_hashrate_ehs",
    "mining_mw",
    "mining_grid_mw",
    "hpc_leased_mw",
    "hpc_grid_mw",
    "idle_mw",
    "conversion_started_mw",
    "revenue_usd",
    "margin_usd",
    "discounted_margin_usd",
)
"""The plan's Summary columns every case returns month by month (:attr:`CaseResult.monthly`)."""

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
        monthly: Each of :data:`MONTHLY_COLUMNS` -> its value in each month.
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
    monthly: dict[str, tuple[float, ...]] = field(default_factory=dict)

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
        monthly={name: tuple(summary[name].astype(float).tolist()) for name in MONTHLY_COLUMNS},
    )


def monthly_frame(results: Sequence[CaseResult]) -> pd.DataFrame:
    """One row per case and month: ``scenario`` (the case's name), ``month`` and the
    :data:`MONTHLY_COLUMNS` of its plan."""
    frames = [pd.DataFrame({"scenario": r.name, "month": list(r.months),
                            **{name: list(r.monthly.get(name, ())) for name in MONTHLY_COLUMNS}})
              for r in results if r.monthly]
    if not frames:
        return pd.DataFrame(columns=["scenario", "month", *MONTHLY_COLUMNS])
    return pd.concat(frames, ignore_index=True)


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


def fleet_of(source: Fleet | FleetSource | str | os.PathLike[str], what: str = "this function"
             ) -> tuple[Fleet, tuple[str, ...], Path | None]:
    """The fleet, reader warnings and workbook path of what a caller passed (a path is read).

    Raises:
        TypeError: ``source`` is not a Fleet, a FleetSource or a path.
    """
    source = fleet_source(source, what)
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
