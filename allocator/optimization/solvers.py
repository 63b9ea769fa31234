"""Choosing and configuring the LP solver, in one place; nothing here builds a model.

``highs`` (HiGHS through highspy, handed the matrix directly by
:mod:`allocator.optimization.backends`) is the default and always installed; ``highs_pulp`` is
the same solver through PuLP. Friendly names map to PuLP solver classes (``cbc`` ->
``COIN_CMD``, ``glpk`` -> ``GLPK_CMD``, ``highs_cmd``, ``scip``); any other name PuLP knows
(``GUROBI``, ``CPLEX_PY``, ...) is passed through.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from typing import Any

from allocator.errors import SolverNotAvailableError

__all__ = [
    "SolverOptions",
    "available_solvers",
    "make_solver",
    "pulp_solver_name",
    "quiet_highs_banner",
]

_ALIASES = {
    "highs": "HiGHS",
    "highspy": "HiGHS",
    "highs_pulp": "HiGHS",
    "highs_cmd": "HiGHS_CMD",
    "cbc": "COIN_CMD",
    "coin": "COIN_CMD",
    "glpk": "GLPK_CMD",
    "scip": "SCIP_CMD",
    "gurobi": "GUROBI",
    "cplex": "CPLEX_PY",
    "xpress": "XPRESS_PY",
    "copt": "COPT",
    "mosek": "MOSEK",
}


@dataclass(frozen=True)
class SolverOptions:
    """How to solve.

    Attributes:
        name: Solver name (``highs`` by default; see module docstring).
        time_limit_s: Stop after this many seconds (the plan is then rejected as not optimal).
        mip_gap: Relative gap for integer models.
        threads: Solver threads, where the solver takes the option.
        log: Show the solver's own log on stdout.
    """

    name: str = "highs"
    time_limit_s: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    log: bool = False


def pulp_solver_name(name: str) -> str:
    """PuLP's class name for a user's solver name (``cbc`` -> ``COIN_CMD``).

    Raises:
        SolverNotAvailableError: PuLP knows no such solver.
    """
    key = name.strip()
    if key.lower() in _ALIASES:
        return _ALIASES[key.lower()]
    import pulp  # PuLP is needed only off the default path: imported when asked for

    for known in pulp.listSolvers():
        if known.lower() == key.lower():
            return str(known)
    choices = ", ".join(sorted(_ALIASES))
    raise SolverNotAvailableError(f"Unknown solver {name!r}. Available names: {choices}")


def available_solvers() -> list[str]:
    """PuLP solver classes that are installed and usable here."""
    import pulp

    return [str(s) for s in pulp.listSolvers(onlyAvailable=True)]


@functools.cache
def quiet_highs_banner() -> None:
    """Create one HiGHS instance with stdout closed: highspy prints its banner only once."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def make_solver(options: SolverOptions) -> Any:
    """A configured PuLP solver object for ``options``.

    Raises:
        SolverNotAvailableError: unknown name, or the solver is not installed.
    """
    import pulp

    class_name = pulp_solver_name(options.name)
    kwargs: dict[str, Any] = {"msg": options.log}
    if options.time_limit_s is not None:
        kwargs["timeLimit"] = options.time_limit_s
    if options.mip_gap is not None:
        kwargs["gapRel"] = options.mip_gap
    if options.threads is not None:
        kwargs["threads"] = options.threads
    try:
        solver = pulp.getSolver(class_name, **kwargs)
    except (pulp.PulpSolverError, TypeError) as exc:
        raise SolverNotAvailableError(
            f"Solver {options.name!r} cannot be configured: {exc}"
        ) from exc
    if not solver.available():
        installed = ", ".join(available_solvers()) or "none"
        raise SolverNotAvailableError(
            f"Solver {options.name!r} ({class_name}) is not installed here. Installed: {installed}"
        )
    if class_name == "HiGHS" and not options.log:
        quiet_highs_banner()
    return solver
