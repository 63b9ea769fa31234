"""The library's front door: optimize a fleet into a Plan; no printing, no exiting.

``read_workbook`` (from :mod:`allocator.workbook.reader`) gives a ``FleetWorkbook``;
:func:`optimize` takes that or a bare :class:`~allocator.domain.Fleet`, runs the consistency
pass, builds and solves the LP, extracts the :class:`~allocator.results.plan.Plan`, and verifies it:
the plan is re-priced independently and every post-solve invariant is checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from allocator._version import __version__
from allocator.consistency import check_consistency
from allocator.domain import Fleet
from allocator.errors import InfeasibleError, InputError, SolveError
from allocator.optimization.backends import WarmStart, solve_model
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.infeasibility import explain_infeasibility
from allocator.optimization.lp import build_model
from allocator.optimization.solvers import SolverOptions
from allocator.results.accounting import reprice
from allocator.results.checks import plan_violations
from allocator.results.extract import make_plan
from allocator.results.plan import Plan

__all__ = ["FleetSource", "optimize", "optimize_many"]

_REPRICE_RTOL = 1e-6


class FleetSource(Protocol):
    """Anything carrying a fleet and where it came from (a ``FleetWorkbook``)."""

    @property
    def fleet(self) -> Fleet: ...

    @property
    def warnings(self) -> tuple[str, ...]: ...

    @property
    def sha256(self) -> str: ...


def optimize(
    source: Fleet | FleetSource,
    *,
    solver: str | SolverOptions | None = None,
    time_limit_s: float | None = None,
    warm: WarmStart | None = None,
) -> Plan:
    """Solve the allocation LP for ``source`` and return the verified plan.

    Args:
        source: A :class:`Fleet`, or what ``read_workbook`` returned.
        solver: Solver name or options; default the workbook's ``solver`` setting (``highs``).
        time_limit_s: Give up after this many seconds (raises :class:`SolveError`).
        warm: Re-use the previous solve's model when only prices changed (see
            :class:`~allocator.optimization.backends.WarmStart`); :func:`optimize_many` makes one
            for you.

    Returns:
        The optimal :class:`Plan`.

    Raises:
        InputError: the consistency pass found the input cannot be planned.
        InfeasibleError: the LP has no feasible plan.
        SolveError: the solver stopped early, or the plan failed its own verification.
        SolverNotAvailableError: the solver is not installed.
    """
    warnings: tuple[str, ...] = ()
    input_file: str | None = None
    sha: str | None = None
    if isinstance(source, Fleet):
        fleet = source
    else:
        fleet, warnings, sha = source.fleet, tuple(source.warnings), source.sha256
        input_file = str(getattr(source, "path", "")) or None
    if isinstance(solver, SolverOptions):
        options = solver
    else:
        options = SolverOptions(name=solver or fleet.settings.solver, time_limit_s=time_limit_s)

    report = check_consistency(fleet)
    if report.errors:
        locate = getattr(source, "locate", None)
        problems = [locate(p) for p in report.errors] if locate else report.errors
        raise InputError(problems, source=input_file)
    warnings = (*warnings, *report.warnings)

    coef = compute_coefficients(fleet)
    try:
        solution = solve_model(build_model(coef), options, warm)
    except InfeasibleError as exc:
        explanation = explain_infeasibility(fleet)
        if explanation is None:  # e.g. another solver's tolerance; HiGHS finds a plan
            raise
        raise InfeasibleError(f"The model is infeasible. {explanation}",
                              explanation=explanation) from exc
    plan = make_plan(
        coef, solution, version=__version__, warnings=warnings, input_file=input_file,
        input_sha256=sha, created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    value = reprice(fleet, plan).npv_usd
    scale = max(1.0, abs(solution.objective_usd))
    if abs(value - solution.objective_usd) > _REPRICE_RTOL * scale:
        raise SolveError(
            f"Internal check failed: the plan re-prices to {value:,.2f} USD but the solver "
            f"reported {solution.objective_usd:,.2f} USD. Please report this with the workbook."
        )
    broken = plan_violations(fleet, plan)
    if broken:
        raise SolveError("Internal check failed: " + "; ".join(broken[:5]))
    return plan


def optimize_many(
    sources: Iterable[Fleet | FleetSource],
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
