"""Choosing and configuring the LP solver, in one place; nothing here builds a model.

``highs`` (HiGHS through highspy, handed the matrix directly by
:mod:`allocator.optimization.backends`) is the default and always installed; ``highs_pulp`` is
the same solver through PuLP. Friendly names map to PuLP solver classes (``cbc`` ->
``COIN_CMD``, ``glpk`` -> ``GLPK_CMD``, ``highs_cmd``, ``scip``); any other name PuLP knows
(``GUROBI``, ``CPLEX_PY``, ...) is passed through. ``cbc`` means CBC wherever it is
installed: the ``cbc`` program on PATH (``COIN_CMD``), else the copy PuLP bundles
(``PULP_CBC_CMD``, deprecated upstream: :func:`solver_notice` says so once per run).
"""

from __future__ import annotations

import functools
import math
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allocator.errors import SolverNotAvailableError

__all__ = [
    "BUNDLED_CBC",
    "CBC_CLASSES",
    "SolverOptions",
    "available_solvers",
    "make_solver",
    "pulp_solver_name",
    "quiet_highs_banner",
    "reports_cut_short",
    "solver_notice",
]

# PuLP adapters that tell a proven optimum from a solve stopped early with a solution
# (``prob.sol_status`` is LpSolutionIntegerFeasible, not LpSolutionOptimal, after a time
# limit). The others set only ``prob.status``, which PuLP calls Optimal in both cases
# (GLPK_CMD maps "INTEGER NON-OPTIMAL" to Optimal, for one).
_TELLS_CUT_SHORT = frozenset({
    "COIN_CMD", "PULP_CBC_CMD", "HiGHS", "HiGHS_CMD", "CPLEX_CMD", "CPLEX_PY", "SCIP_PY",
    "CHOCO_CMD", "MIPCL_CMD",
})

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

_CBC_NAMES = frozenset({"cbc", "coin"})
"""Friendly names that mean CBC wherever it is installed, bundled copy included."""

BUNDLED_CBC = "PULP_CBC_CMD"
"""PuLP's class for the CBC it bundles (deprecated in PuLP 3.3, gone in PuLP 4)."""
CBC_CLASSES = ("COIN_CMD", BUNDLED_CBC)
"""PuLP's two CBC classes: the ``cbc`` program on PATH, and the deprecated bundled copy."""


@dataclass(frozen=True)
class SolverOptions:
    """How to solve.

    Attributes:
        name: Solver name (``highs`` by default; see module docstring).
        time_limit_s: Stop after this many seconds (> 0). A solve the limit cuts short ends
            with status ``time_limit`` and no plan, unless ``accept_incumbent``.
        mip_gap: Relative gap for integer models, in [0, 1).
        threads: Solver threads (>= 1), where the solver takes the option.
        log: Show the solver's own log on stdout.
        accept_incumbent: When the time limit cuts the solve short, keep the best plan found
            so far (status ``time_limit``, its gap to the bound in a warning) instead of
            raising. Off by default: a plan is otherwise always proven optimal.

    Raises:
        TypeError: a field has the wrong type (``name`` not a string, ...).
        ValueError: a number out of range (a negative or NaN time limit, ...).
    """

    name: str = "highs"
    time_limit_s: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    log: bool = False
    accept_incumbent: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise TypeError(f"solver must be a solver name such as 'highs' or 'cbc', or "
                            f"SolverOptions; got {self.name!r}")
        _check_number("time_limit_s", self.time_limit_s, "a number of seconds > 0",
                      lambda x: x > 0)
        _check_number("mip_gap", self.mip_gap, "a fraction in [0, 1)", lambda x: 0 <= x < 1)
        if self.threads is not None and (isinstance(self.threads, bool)
                                         or not isinstance(self.threads, int)):
            raise TypeError(f"threads must be a whole number >= 1; got {self.threads!r}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be a whole number >= 1; got {self.threads!r}")


def _check_number(field: str, value: object, valid: str, ok: Callable[[float], bool]) -> None:
    """``value`` is None or a finite real number for which ``ok`` holds."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{field} must be {valid}; got {value!r}")
    if not math.isfinite(value) or not ok(float(value)):
        raise ValueError(f"{field} must be {valid}; got {value!r}")


def reports_cut_short(class_name: str) -> bool:
    """Whether PuLP's ``class_name`` adapter says when a time limit stopped the solve early."""
    return class_name in _TELLS_CUT_SHORT


def pulp_solver_name(name: str) -> str:
    """PuLP's class name for a user's solver name (``cbc`` -> ``COIN_CMD``).

    Raises:
        SolverNotAvailableError: PuLP knows no such solver.
    """
    key = name.strip()
    if key.lower() in _CBC_NAMES:
        return _cbc_class()
    if key.lower() in _ALIASES:
        return _ALIASES[key.lower()]
    import pulp  # PuLP is needed only off the default path: imported when asked for

    for known in pulp.listSolvers():
        if known.lower() == key.lower():
            return str(known)
    choices = ", ".join(sorted(_ALIASES))
    raise SolverNotAvailableError(f"Unknown solver {name!r}. Available names: {choices}")


def _cbc_class() -> str:
    """``COIN_CMD`` when a ``cbc`` program is on PATH, else PuLP's bundled CBC if it works."""
    import pulp

    if pulp.COIN_CMD(msg=False).available():
        return "COIN_CMD"
    bundled = _bundled_cbc(msg=False)
    return BUNDLED_CBC if bundled is not None and bundled.available() else "COIN_CMD"


def _bundled_cbc(**kwargs: Any) -> Any:
    """PuLP's bundled CBC solver object, or ``None`` in a PuLP without it (PuLP 4)."""
    import pulp

    solver_class = getattr(pulp, BUNDLED_CBC, None)
    if solver_class is None:
        return None
    with warnings.catch_warnings():  # its deprecation is said once, by solver_notice()
        warnings.simplefilter("ignore", DeprecationWarning)
        return solver_class(**kwargs)


def solver_notice(name: str) -> str | None:
    """What a user should know about the solver ``name`` resolves to here, or ``None``.

    Today only: ``cbc`` with no ``cbc`` program on PATH runs PuLP's bundled CBC, which PuLP
    deprecates and PuLP 4 removes.
    """
    if name.strip().lower() not in _CBC_NAMES or _cbc_class() != BUNDLED_CBC:
        return None
    return ("No cbc program on PATH, so the CBC bundled with PuLP (PULP_CBC_CMD) solves; "
            "PuLP deprecates it and PuLP 4 removes it: install CBC (apt install coinor-cbc, "
            "brew install cbc or conda install coin-or-cbc) to keep using --solver cbc")


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
        if class_name == BUNDLED_CBC:
            solver = _bundled_cbc(**kwargs)
        else:
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
