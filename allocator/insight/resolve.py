"""The re-solving the insight probes share: the probes' interface, a rebuilding re-solver, a
rate search; no tables.

A :class:`Resolves` answers the searches: the base plan, contract ``k``'s commitment at a
rate (:meth:`Resolves.search`), the optimum without contract ``k``, and, where one solve already
knows it, the rate at which a commitment starts to rise. Two kinds exist:
:class:`~allocator.insight.held.HeldModel` (HiGHS, the model held and varied in place) and
:class:`Rebuilt` (any solver: each variant rebuilt and solved by :class:`Resolver`).
:class:`RateSearch` finds the rate at which a commitment flips, by bisection narrowed by
what each probe says about the rates around it. These are search tools only: nothing here
decides what a breakeven or a contract value is, builds a DataFrame or writes anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from allocator.domain import Fleet
from allocator.optimization.backends import Solution, WarmStart, solve_model
from allocator.optimization.coefficients import Coefficients, compute_coefficients
from allocator.optimization.lp import build_model
from allocator.optimization.model import MatrixModel
from allocator.optimization.solvers import SolverOptions

__all__ = [
    "MAX_RATE_USD_KW_MONTH",
    "RATE_BOUND_FACTOR",
    "TAKEN_MW",
    "TOL_USD_KW_MONTH",
    "Base",
        "RateSearch",
    "Rebuilt",
    "Resolver",
    "Resolves",
    "Seen",
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


Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Seen:
    """One probe's answer: ``mw`` committed, and optimal at every rate in ``[lo, hi]``.

    A re-solve alone knows only its own rate (``lo == hi``); an LP's basis also knows how
    far the rate can move before the solution changes (reduced costs, cost ranging).
    Inside such an interval every optimal plan commits ``mw``: the optimum is linear there,
    and its slope in the rate is the commitment.
    """

    mw: float
    lo: float
    hi: float

    @classmethod
    def at(cls, rate: float, mw: float) -> Seen:
        return cls(mw, rate, rate)


@dataclass(frozen=True)
class Base:
    """What the searches read of the base solve (every contract at its own rate)."""

    objective_usd: float
    commit_mw: Array  # [K]
    converted_mw: Array  # [S, T]
    lease_mw: Array  # [S, K], the same in every month of the term

    @classmethod
    def of_solution(cls, coef: Coefficients, sol: Solution) -> Base:
        lease = np.zeros((len(coef.sites), len(coef.contracts)))
        for k, terms in enumerate(coef.contracts):
            if terms.sites and len(terms.months):
                lease[list(terms.sites), k] = sol.lease_mw[k][:, 0]
        return cls(sol.objective_usd, sol.commit_mw, sol.converted_mw, lease)

    @classmethod
    def of_values(cls, model: MatrixModel, x: Array, objective_usd: float) -> Base:
        def take(family: str) -> Array:
            index = model.variables[family].index
            out = np.zeros(index.shape)
            out[index >= 0] = x[index[index >= 0]]
            return out

        return cls(objective_usd, take("commit"), take("converted"), take("lease"))


class Resolves(Protocol):
    """What the site and contract searches ask of one fleet's re-solves."""

    @property
    def coef(self) -> Coefficients: ...

    @property
    def base(self) -> Base: ...

    def search(self, k: int, *, ranging: bool = True) -> RateSearch:
        """The commitment of contract ``k`` as a function of its rate (``ranging``: ask the
        solver how far each answer holds, where it can say)."""

    def entry_rate(self, k: int) -> tuple[float, bool] | None:
        """Where the base solve says contract ``k``'s commitment starts to rise, if it does
        (``(rate, decided)``: not taken below ``rate``; the flip is ``rate`` if ``decided``)."""

    def forced_rates(self, ks: Sequence[int]) -> dict[int, tuple[float, bool]]:
        """The same from one re-solve with a trace of each of ``ks`` forced in (at or above
        the flip; the flip if ``decided``); empty where it cannot say."""

    def without(self, k: int) -> float:
        """The optimum with contract ``k`` not offered, USD."""


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


class Rebuilt:
    """:class:`Resolves` by rebuilding each variant of ``fleet`` and solving it (any solver)."""

    def __init__(self, resolver: Resolver, fleet: Fleet) -> None:
        self.resolver, self.fleet = resolver, fleet
        self.coef, solution = resolver.solve(fleet)
        self.base = Base.of_solution(self.coef, solution)

    def search(self, k: int, *, ranging: bool = True) -> RateSearch:
        def probe(rate: float) -> Seen:
            _, sol = self.resolver.solve(with_rate(self.fleet, k, rate))
            return Seen.at(rate, float(sol.commit_mw[k]))

        return RateSearch(probe)

    def entry_rate(self, k: int) -> tuple[float, bool] | None:
        return None

    def forced_rates(self, ks: Sequence[int]) -> dict[int, tuple[float, bool]]:
        return {}

    def without(self, k: int) -> float:
        contracts = self.fleet.contracts
        fewer = self.fleet.model_copy(update={"contracts": contracts[:k] + contracts[k + 1:]})
        return self.resolver.solve(fewer)[1].objective_usd


class RateSearch:
    """Commitment of one contract as a function of its rate, from cached probes.

    The commitment never falls as the contract's own rate rises (an optimal value of a
    variable is monotone in its cost), so what one probe saw also bounds the commitment at
    every higher or lower rate, and a test that holds from some rate on flips once.
    """

    def __init__(self, probe: Callable[[float], Seen], *, ranged: bool = False,
                 seen: Iterable[Seen] = ()) -> None:
        self.probe = probe
        self.ranged = ranged  # probes report intervals: try just past their ends first
        self.seen: list[Seen] = list(seen)

    def commit_mw(self, rate: float) -> float:
        """MW of the contract the plan commits when it is offered at ``rate``."""
        for s in self.seen:
            if s.lo <= rate <= s.hi:
                return s.mw
        s = self.probe(rate)
        self.seen.append(s)
        return s.mw

    def holds(self, test: Callable[[float], bool], rate: float) -> bool:
        """Whether ``test(commit)`` holds at ``rate``; ``test`` must hold for all larger MW."""
        if any(test(s.mw) and s.lo <= rate for s in self.seen):
            return True
        if any(not test(s.mw) and rate <= s.hi for s in self.seen):
            return False
        return test(self.commit_mw(rate))

    def _bracket(self, test: Callable[[float], bool], lo: float,
                 hi: float) -> tuple[float, float | None]:
        """The highest rate known to fail and the lowest known to hold (``None``: none)."""
        fails = [min(s.hi, hi) for s in self.seen if not test(s.mw) and s.hi >= lo]
        holds = [max(s.lo, lo) for s in self.seen if test(s.mw) and s.lo <= hi]
        return max([lo, *fails]), min(holds, default=None)

    def flip(self, test: Callable[[float], bool], lo: float, hi: float,
             tol: float) -> float | None:
        """Smallest rate in ``[lo, hi]``, within ``tol``, at which ``test(commit)`` holds.

        ``None`` when it does not hold at ``hi``. The rate returned holds and ``tol`` below
        it does not. Plain probes bisect; probes with intervals first try just past the ends
        of the bracket, where one basis change often settles the flip in one probe.
        """
        step, tries = 0.5 * tol, 0
        while tries < 200:
            a, b = self._bracket(test, lo, hi)
            if b is not None and b - a <= tol:
                return b
            if b is None and a >= hi:
                return None
            if b is None:
                rate = a + step if self.ranged and not tries and a + step < hi else hi
            elif self.ranged and tries % 3 == 0:
                rate = a + step
            elif self.ranged and tries % 3 == 1:
                rate = b - step
            else:
                rate = 0.5 * (a + b)
            self.commit_mw(rate)
            tries += 1
        raise RuntimeError("rate search did not converge")  # unreachable: each probe halves


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
