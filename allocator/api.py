"""The library's front door: optimize a fleet into a Plan; no printing, no exiting.

``read_workbook`` (from :mod:`allocator.workbook.reader`) gives a ``FleetWorkbook``;
:func:`optimize` takes that, a bare :class:`~allocator.domain.Fleet` or a workbook's path,
runs the consistency pass, builds the LP, refuses coefficients no solver can handle, solves,
extracts the :class:`~allocator.results.plan.Plan`, and verifies it: the plan is re-priced
independently and every post-solve invariant is checked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterable
from typing import Protocol, cast

from allocator._version import __version__
from allocator.catalog import Catalog
from allocator.consistency import check_consistency, check_numerics
from allocator.documents.fleet_document import read_fleet_source
from allocator.domain import Fleet
from allocator.errors import InfeasibleError, InputError, Problem, SolveError
from allocator.optimization.backends import WarmStart, solve_model
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.infeasibility import explain_infeasibility
from allocator.optimization.lp import build_model
from allocator.optimization.solvers import SolverOptions
from allocator.results.accounting import reprice
from allocator.results.checks import plan_violations
from allocator.results.extract import make_plan
from allocator.results.plan import Plan

__all__ = ["FleetSource", "fleet_source", "optimize", "optimize_many"]

_REPRICE_RTOL = 1e-6
"""Re-priced value and objective agree within this, relative to the plan's gross margins."""


class FleetSource(Protocol):
    """Anything carrying a fleet and where it came from (a ``FleetWorkbook``)."""

    @property
    def fleet(self) -> Fleet: ...

    @property
    def warnings(self) -> tuple[str, ...]: ...

    @property
    def sha256(self) -> str: ...


def fleet_source(source: object, what: str = "optimize") -> Fleet | FleetSource:
    """``source`` as a Fleet or a FleetSource; a path (``str`` or ``os.PathLike``) is read.

    Args:
        source: A :class:`Fleet`, what ``read_workbook`` returned, or a workbook's or fleet
            document's path (read with ``read_fleet_source``).
        what: The function the caller is, for the error message.

    Raises:
        TypeError: ``source`` is none of these (``None``, a DataFrame, ...).
        InputError: the path's workbook is missing or has faults.
    """
    if isinstance(source, Fleet):
        return source
    if isinstance(source, str | os.PathLike):
        return read_fleet_source(source)
    if isinstance(getattr(source, "fleet", None), Fleet) and all(
            hasattr(source, name) for name in ("warnings", "sha256")):
        return cast(FleetSource, source)
    raise TypeError(
        f"{what} needs a Fleet, what read_workbook returned, or the path of a fleet workbook "
        f"(str or pathlib.Path); got {type(source).__name__}"
        + (" (read the workbook with read_workbook(path) instead of passing a DataFrame)"
           if type(source).__name__ == "DataFrame" else ""))


def _solver_options(fleet: Fleet, solver: object, time_limit_s: float | None) -> SolverOptions:
    """``solver`` (a name, options or ``None`` for the workbook's) with ``time_limit_s``."""
    if isinstance(solver, SolverOptions):
        options = solver
    elif solver is None or isinstance(solver, str):
        options = SolverOptions(name=solver or fleet.settings.solver)
    else:
        raise TypeError(f"solver must be a solver name such as 'highs' or 'cbc', or "
                        f"SolverOptions; got {solver!r}")
    if time_limit_s is not None:  # SolverOptions checks it is a positive number
        options = dataclasses.replace(options, time_limit_s=time_limit_s)
    return options


def optimize(
    source: Fleet | FleetSource | str | os.PathLike[str],
    *,
    solver: str | SolverOptions | None = None,
    time_limit_s: float | None = None,
    warm: WarmStart | None = None,
) -> Plan:
    """Solve the allocation LP for ``source`` and return the verified plan.

    Args:
        source: A :class:`Fleet`, what ``read_workbook`` returned, or a workbook's path
            (``"fleet.xlsx"`` or a ``pathlib.Path``, read with ``read_workbook``; a ``.yaml``,
            ``.yml`` or ``.json`` fleet document is read with ``read_fleet_source``).
        solver: Solver name or options; default the workbook's ``solver`` setting (``highs``).
        time_limit_s: Give up after this many seconds (> 0; raises :class:`SolveError` with
            status ``time_limit`` unless ``SolverOptions.accept_incumbent``). Overrides the
            time limit of ``solver`` options.
        warm: Re-use the previous solve's model when only prices changed (see
            :class:`~allocator.optimization.backends.WarmStart`); :func:`optimize_many` makes one
            for you.

    Returns:
        The optimal :class:`Plan` (or, with ``accept_incumbent``, the best plan a time limit
        left, status ``time_limit`` and a warning giving its gap).

    Raises:
        TypeError: ``source`` or ``solver`` is of a kind this cannot use.
        ValueError: ``time_limit_s`` is not a positive number.
        InputError: the workbook or the consistency pass found the input cannot be planned,
            or it makes numbers too large for a solver (each problem names its cell).
        InfeasibleError: the LP has no feasible plan.
        SolveError: the solver stopped early, or the plan failed its own verification.
        SolverNotAvailableError: the solver is not installed.
    """
    source = fleet_source(source)
    warnings: tuple[str, ...] = ()
    input_file: str | None = None
    sha: str | None = None
    models: tuple[str, ...] = ()
    if isinstance(source, Fleet):
        fleet = source
    else:
        fleet, warnings, sha = source.fleet, tuple(source.warnings), source.sha256
        input_file = str(getattr(source, "path", "")) or None
        catalog = getattr(source, "catalog", None)
        models = catalog.sources() if isinstance(catalog, Catalog) else ()
    options = _solver_options(fleet, solver, time_limit_s)

    report = check_consistency(fleet)
    _refuse(source, report.errors, input_file)
    warnings = (*warnings, *report.warnings)

    coef = compute_coefficients(fleet)
    _refuse(source, check_numerics(coef), input_file)
    try:
        solution = solve_model(build_model(coef), options, warm)
    except InfeasibleError as exc:
        explanation = explain_infeasibility(fleet, getattr(source, "locate", None))
        if explanation is None:  # e.g. another solver's tolerance; HiGHS finds a plan
            raise
        raise InfeasibleError(f"The model is infeasible. {explanation}",
                              explanation=explanation) from exc
    if solution.status != "optimal":
        gap = ("gap to the bound not known" if solution.mip_gap is None
               else f"within {100 * solution.mip_gap:.4g} % of the best bound")
        warnings = (*warnings, f"The solver stopped at its time limit of "
                    f"{options.time_limit_s:g} s: this is its best plan so far ({gap}), not "
                    "proven optimal.")
    plan = make_plan(
        coef, solution, version=__version__, warnings=warnings, input_file=input_file,
        input_sha256=sha, workbook_models=models,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    _verify(fleet, plan, solution.objective_usd)
    return plan


def _refuse(source: Fleet | FleetSource, problems: list[Problem], input_file: str | None
            ) -> None:
    """Raise the problems as one InputError, each at its cell where ``source`` knows it."""
    if not problems:
        return
    locate = getattr(source, "locate", None)
    raise InputError([locate(p) for p in problems] if locate else problems, source=input_file)


def _verify(fleet: Fleet, plan: Plan, objective_usd: float) -> None:
    """The plan re-prices to the objective and keeps every invariant, or SolveError."""
    value = reprice(fleet, plan)
    # relative to the margins' size: a small NPV can be the difference of large flows
    scale = max(1.0, abs(objective_usd),
                abs(value.mining_usd) + abs(value.hpc_usd) + abs(value.capital_charge_usd)
                + abs(value.tenant_capex_credit_usd))
    if abs(value.npv_usd - objective_usd) > _REPRICE_RTOL * scale:
        raise SolveError(
            f"Internal check failed: the plan re-prices to {value.npv_usd:,.2f} USD but the "
            f"solver reported {objective_usd:,.2f} USD. Please report this with the workbook."
        )
    broken = plan_violations(fleet, plan)
    if broken:
        raise SolveError("Internal check failed: " + "; ".join(broken[:5]))


def optimize_many(
    sources: Iterable[Fleet | FleetSource | str | os.PathLike[str]],
    *,
    solver: str | SolverOptions | None = None,
) -> list[Plan]:
    """Optimize several variants of a fleet in turn, re-solving warm where only prices differ.

    Same results as calling :func:`optimize` on each (same objective; where the optimum is not
    unique the allocation may be another optimal one), faster when the variants share their
    structure, e.g. a sweep of BTC price or of an HPC rate.
    """
    warm = WarmStart()
    return [optimize(source, solver=solver, warm=warm) for source in sources]
