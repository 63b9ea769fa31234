"""The re-solving the insight probes share: a warm LP re-solver, a rate bisection; no tables.

:class:`Resolver` solves variants of one fleet for a few numbers each (warm, since the probes
change only prices) and :class:`RateSearch` bisects a contract's rate for the rate at which
its commitment flips. These are search tools only: nothing here decides what a breakeven or
a contract value is, builds a DataFrame or writes anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from allocator.domain import Fleet
from allocator.optimization.backends import Solution, WarmStart, solve_model
from allocator.optimization.coefficients import Coefficients, compute_coefficients
from allocator.optimization.lp import build_model
from allocator.optimization.solvers import SolverOptions

__all__ = [
    "MAX_RATE_USD_KW_MONTH",
    "RATE_BOUND_FACTOR",
    "TAKEN_MW",
    "TOL_USD_KW_MONTH",
    "RateSearch",
    "Resolver",
    "check_search",
    "is_taken",
    "money_rate",
    "with_rate",
]

TOL_USD_KW_MONTH = 0.01
"""Default bisection tolerance: one cent per kW-month."""
MAX_RATE_USD_KW_MONTH = 1000.0
"""Default highest rate a site probe is offered (about six times today's market rates)."""
RATE_BOUND_FACTOR = 10.0
"""Contract rates are searched between 0 and this multiple of the contract's own rate."""

TAKEN_MW = 1e-6
"""A commitment above this many MW is taken; the solver's dust is far smaller."""


class Resolver:
    """Solves variants of one fleet for a few numbers each, warm where only prices change.

    The bisections need one number per solve (a commitment), so they skip what
    :func:`~allocator.api.optimize` adds for a plan a user will read (DataFrames, re-pricing,
    invariant checks): about ten times faster. The plans and figures reported to the user
    come from verified solves or are confirmed by them in the tests.
    """

    def __init__(self, options: SolverOptions) -> None:
        self.options = options
        self.warm = WarmStart()
        self.solves = 0

    def solve(self, fleet: Fleet) -> tuple[Coefficients, Solution]:
        """The coefficients and raw solution of ``fleet``, warm from the previous solve.

        Raises:
            AllocatorError: the solve failed (infeasible, unbounded, solver error).
        """
        coef = compute_coefficients(fleet)
        solution = solve_model(build_model(coef), self.options, self.warm)
        self.solves += 1
        return coef, solution


def with_rate(fleet: Fleet, k: int, rate: float) -> Fleet:
    """``fleet`` with contract ``k`` offered at ``rate`` (escalator and all else kept)."""
    contracts = list(fleet.contracts)
    contracts[k] = contracts[k].model_copy(update={"rate_usd_kw_month": float(rate)})
    return fleet.model_copy(update={"contracts": tuple(contracts)})


class RateSearch:
    """Commitment of contract ``k`` as a function of its rate, by cached re-solves."""

    def __init__(self, resolver: Resolver, fleet: Fleet, k: int) -> None:
        self.resolver, self.fleet, self.k = resolver, fleet, k
        self.seen: dict[float, float] = {}

    def commit_mw(self, rate: float) -> float:
        """MW of contract ``k`` the plan commits when it is offered at ``rate``."""
        if rate not in self.seen:
            _, sol = self.resolver.solve(with_rate(self.fleet, self.k, rate))
            self.seen[rate] = float(sol.commit_mw[self.k])
        return self.seen[rate]

    def flip(self, holds: Callable[[float], bool], lo: float, hi: float, tol: float) -> float:
        """Smallest rate, within ``tol``, at which ``holds(commit)`` is true.

        Needs ``holds`` false at ``lo`` and true at ``hi``. The commitment never falls as the
        contract's own rate rises (an LP's optimal value of a variable is monotone in its
        cost), so bisection finds the one flip; earlier solves narrow the bracket first.
        """
        for rate, mw in self.seen.items():
            if holds(mw):
                hi = min(hi, rate)
        for rate, mw in self.seen.items():
            if not holds(mw) and rate < hi:
                lo = max(lo, rate)
        while hi - lo > tol:
            mid = 0.5 * (lo + hi)
            if holds(self.commit_mw(mid)):
                hi = mid
            else:
                lo = mid
        return hi


def money_rate(rate: float) -> str:
    """A rate for a note: ``135.00 USD/kW-month``."""
    return f"{rate:,.2f} USD/kW-month"


def check_search(**settings: float) -> None:
    """Check search settings, given as ``name=value``.

    Raises:
        ValueError: a setting is not a finite positive number (the message names it).
    """
    for label, value in settings.items():
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{label} must be a positive number, got {value!r}")


def is_taken(mw: float) -> bool:
    """True when a commitment of ``mw`` counts as taken (above :data:`TAKEN_MW`)."""
    return mw > TAKEN_MW
