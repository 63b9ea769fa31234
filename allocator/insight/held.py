"""One fleet's LP held in HiGHS and varied in place for the insight probes; no tables here.

:class:`HeldModel` builds the LP once and answers every probe by changing it where it
stands: a contract's rate is one objective coefficient (on its ``commit`` column, or the
lease of a one-site contract), dropping a contract is a bound, a site's grid capacity is
the bounds of its power rows, a tornado variant is a new cost vector. Each re-solve starts
from the previous optimal basis.

Before re-solving, it uses what an optimal basis already proves (docs/model.md,
"Breakevens and sensitivity"):

- a column's reduced cost is how far its cost can rise (or fall) before it enters (or
  leaves) the basis, and a basic column's cost range how far its cost can move, so one
  solve's commitment holds over a whole interval of rates;
- the entering column's ratio test says how far it would rise at that rate: when by more
  than :data:`~allocator.insight.resolve.TAKEN_MW`, the rate is exactly the flip; a trace
  forced in gives the marginal cost of the first MW, exact where a box test shows the basis
  holds down to none;
- a change of the right-hand side ``db`` keeps the basis optimal when the basic values
  ``x_B + B^-1 db`` stay within their bounds, and the objective then moves by ``y'db``.

Where the basis cannot decide (a degenerate basis, a MILP) the caller re-solves. Only the
default HiGHS path (highspy) is held; other solvers rebuild (:class:`~allocator.insight.
resolve.Rebuilt`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator import economics as econ
from allocator.domain import Fleet
from allocator.errors import InfeasibleError, SolveError
from allocator.insight.resolve import (
    TAKEN_MW,
    Base,
    RateSearch,
    Rebuilt,
    Resolver,
    Resolves,
    Seen,
)
from allocator.optimization.backends import highs_model, is_direct_highs
from allocator.optimization.coefficients import Coefficients, compute_coefficients
from allocator.optimization.lp import build_model
from allocator.optimization.model import MatrixModel
from allocator.optimization.solvers import SolverOptions
from allocator.periods import month_index

__all__ = ["FEASIBILITY_TOL", "FORCED_MW", "HeldModel", "resolves_for"]

Array = npt.NDArray[np.float64]

FEASIBILITY_TOL = 1e-7
"""A basic value this far outside its bound still counts as within it (HiGHS's own default)."""
_PIVOT_TOL = 1e-9
"""Entries of ``B^-1 a`` below this are taken as zero in a ratio test."""
_DUAL_TOL = 1e-9
"""A reduced cost above this, in USD per MW, proves its column nonbasic."""
_HIGHS_FEASIBLE = 2
"""HiGHS's kSolutionStatusFeasible: a time limit left a plan."""
FORCED_MW = 1e-3
"""MW a commitment is held at to read its marginal cost (1 kW, a thousand times TAKEN_MW)."""


@dataclass(frozen=True)
class _Point:
    """What one optimal basis knows: values, duals, which variables are basic."""

    x: Array  # column values
    activity: Array  # row activities
    col_dual: Array
    row_dual: Array
    basic: npt.NDArray[np.int32]  # per basis position: column, or -1 - row


class HeldModel:
    """The LP of ``fleet`` in one HiGHS instance, solved once and then varied in place.

    Attributes:
        coef: The fleet's coefficients.
        model: The LP as built (its costs and bounds are the base the changes start from).
        base: The base solve's objective, commitments, conversions and leases.
        solves: Re-solves after the first.
    """

    def __init__(self, fleet: Fleet, options: SolverOptions) -> None:
        self.coef: Coefficients = compute_coefficients(fleet)
        self.model: MatrixModel = build_model(self.coef)
        self.options = options
        self.highs: Any = highs_model(self.model, options)
        self.commit = self.model.variables["commit"].index
        self.rate_col = _rate_columns(self.model, self.coef)
        self.rent_per_rate = _rent_per_rate(self.coef)
        self.solves = -1
        self.objective = self.run()
        self._point = None if self.is_mip else self._read_point()
        self._basis = None if self.is_mip else self.highs.getBasis()
        self._moved = False
        x = self._point.x if self._point is not None else self._x()
        self.base = Base.of_values(self.model, x, self.objective)

    @property
    def is_mip(self) -> bool:
        return self.model.is_mip

    # ------------------------------------------------------------------ solving

    def run(self) -> float:
        """Re-solve from the last basis; the optimal objective, USD.

        Raises:
            InfeasibleError: the changed model has no feasible plan.
            SolveError: the solver stopped without a plan (time limit, solver failure).
        """
        import highspy

        self.highs.run()
        self.solves += 1
        self._moved = True
        status = self.highs.getModelStatus()
        kinds = highspy.HighsModelStatus
        info = self.highs.getInfo()
        if status == kinds.kOptimal or (
                status == kinds.kTimeLimit and self.options.accept_incumbent
                and int(info.primal_solution_status) == _HIGHS_FEASIBLE):
            return float(info.objective_function_value)
        if status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
            raise InfeasibleError("The model is infeasible: no allocation meets every "
                                  "constraint.")
        raise SolveError(f"The solver HiGHS stopped without an optimal plan (status: "
                         f"{self.highs.modelStatusToString(status)}).", "error")

    def _x(self) -> Array:
        return np.asarray(self.highs.getSolution().col_value, dtype=float)

    def _read_point(self) -> _Point:
        sol = self.highs.getSolution()
        return _Point(
            np.asarray(sol.col_value, dtype=float), np.asarray(sol.row_value, dtype=float),
            np.asarray(sol.col_dual, dtype=float), np.asarray(sol.row_dual, dtype=float),
            np.asarray(self.highs.getBasicVariables()[1], dtype=np.int32))

    def _base_point(self) -> _Point:
        if self._point is None:
            raise ValueError("a MILP has no basis to read")
        return self._point

    def point(self) -> _Point:
        """The base solve's values, duals and basis (an LP's), with HiGHS back at that basis.

        The ratio tests and right-hand-side checks below ask HiGHS's factorization of the
        base basis itself; after a re-solve moved it, it is set back (no pivots: the costs
        and bounds are the base's again by then).
        """
        point = self._base_point()
        if self._moved:
            self.highs.setBasis(self._basis)
            self.run()
            self.solves -= 1
            self._moved = False
        return point

    # ------------------------------------------------------------------ rates

    def rate_cost(self, k: int, rate: float) -> float:
        """The cost of contract ``k``'s rate column that offers it at ``rate`` (escalator kept).

        A contract's rent is the same for each of its sites, and every leased MW is a
        committed MW (``contract_delivery``), so moving the rent's change onto ``commit[k]``
        gives an objective equal to the rebuilt model's on every feasible plan; a contract
        with one site carries it on that site's ``lease`` column, which equals ``commit[k]``.
        """
        c = self.coef.contracts[k].contract
        j = int(self.rate_col[k])
        return float(self.model.col_cost[j]
                     + (rate - c.rate_usd_kw_month) * self.rent_per_rate[k])

    def cost_rate(self, k: int, cost: float) -> float:
        """The rate of contract ``k`` at which its rate column costs ``cost`` (the inverse)."""
        c = self.coef.contracts[k].contract
        j = int(self.rate_col[k])
        return float(c.rate_usd_kw_month
                     + (cost - self.model.col_cost[j]) / self.rent_per_rate[k])

    def search(self, k: int, *, ranging: bool = True) -> RateSearch:
        """Contract ``k``'s commitment by rate, starting from what the base solve says.

        With ``ranging``, a probe whose commitment is basic also asks its column's cost range
        for the rates it holds over (:meth:`cost_range`; worth it for a few contracts, not
        for every site).
        """
        rate = self.coef.contracts[k].contract.rate_usd_kw_month
        mw = float(self.base.commit_mw[k])
        if self.is_mip:
            return RateSearch(lambda r: self.seen_at(k, r), seen=[Seen.at(rate, mw)])
        p, j = self._base_point(), int(self.rate_col[k])
        lo, hi = self._interval(k, rate, float(p.x[j]), float(p.col_dual[j]), False)
        return RateSearch(lambda r: self.seen_at(k, r, ranging=ranging), ranged=ranging,
                          seen=[Seen(mw, lo, hi)])

    def seen_at(self, k: int, rate: float, *, ranging: bool = True) -> Seen:
        """Contract ``k``'s commitment re-solved at ``rate``, and the rates it holds over.

        The cost goes back to the base after the solve (the basis stays, for the next warm
        start). With ``ranging`` a basic commitment's interval comes from its cost range;
        without it, only a commitment at a bound gets one (from its reduced cost).
        """
        j = int(self.rate_col[k])
        self.highs.changeColCost(j, self.rate_cost(k, rate))
        try:
            self.run()
            sol = self.highs.getSolution()
            x = np.asarray(sol.col_value, dtype=float)
            d = np.asarray(sol.col_dual, dtype=float)
            lo, hi = self._interval(k, rate, float(x[j]), float(d[j]), ranging)
        finally:
            self.highs.changeColCost(j, float(self.model.col_cost[j]))
        return Seen(float(x[int(self.commit[k])]), lo, hi)

    def _interval(self, k: int, rate: float, value: float, dual: float,
                  ranging: bool) -> tuple[float, float]:
        """Rates over which the last solve's solution stays optimal for contract ``k``, from
        the ``value`` and reduced cost ``dual`` of its rate column."""
        if self.is_mip:
            return rate, rate
        j = int(self.rate_col[k])
        lower, upper = float(self.model.col_lower[j]), float(self.model.col_upper[j])
        edge = rate - dual / self.rent_per_rate[k]  # where the reduced cost reaches 0
        if value <= lower + FEASIBILITY_TOL and dual < -_DUAL_TOL:
            return -np.inf, edge
        if value >= upper - FEASIBILITY_TOL and dual > _DUAL_TOL:
            return edge, np.inf
        if not ranging:
            return rate, rate
        down, up = self.cost_range(j)
        return rate + down / self.rent_per_rate[k], rate + up / self.rent_per_rate[k]

    def cost_range(self, j: int) -> tuple[float, float]:
        """How far basic column ``j``'s cost can fall and rise with the last solve's basis
        staying optimal: HiGHS's cost ranging for one column.

        Moving ``c_j`` by ``t`` moves every nonbasic reduced cost by ``-t`` times its entry
        in ``j``'s row of ``B^-1 [A I]``; the basis stays optimal while each keeps its sign
        (at most 0 at a lower bound, at least 0 at an upper bound, for a maximization).
        """
        h, m = self.highs, self.model
        basic = np.asarray(h.getBasicVariables()[1], dtype=np.int64)
        at = np.flatnonzero(basic == j)
        if not len(at):
            return 0.0, 0.0
        sol = h.getSolution()
        p = int(at[0])
        rho = np.concatenate([np.asarray(h.getReducedRow(p)[1], dtype=float),
                              np.asarray(h.getBasisInverseRow(p)[1], dtype=float)])
        # the row variables are minus the activities: a row at its upper bound is at lower
        value = np.concatenate([np.asarray(sol.col_value, dtype=float),
                                -np.asarray(sol.row_value, dtype=float)])
        dual = np.concatenate([np.asarray(sol.col_dual, dtype=float),
                               -np.asarray(sol.row_dual, dtype=float)])
        lower = np.concatenate([m.col_lower, -m.row_upper])
        upper = np.concatenate([m.col_upper, -m.row_lower])
        nonbasic = np.ones(len(value), dtype=bool)
        nonbasic[np.where(basic >= 0, basic, m.n_cols - 1 - basic)] = False
        moving = nonbasic & (np.abs(rho) > _PIVOT_TOL) & (lower < upper)
        at_lower = np.abs(value - lower) <= FEASIBILITY_TOL
        at_upper = np.abs(value - upper) <= FEASIBILITY_TOL
        # at a lower bound d - t rho <= 0 must hold, at an upper bound d - t rho >= 0
        ratio = dual[moving] / rho[moving]
        sign = np.where(at_lower[moving], 1.0, np.where(at_upper[moving], -1.0, 0.0))
        if (sign == 0).any():  # a nonbasic column between its bounds: no room either way
            return 0.0, 0.0
        bounds_below = (sign * rho[moving]) > 0
        down = float(ratio[bounds_below].max(initial=-np.inf))
        up = float(ratio[~bounds_below].min(initial=np.inf))
        return min(down, 0.0), max(up, 0.0)

    def entry_rate(self, k: int) -> tuple[float, bool] | None:
        """From the base basis alone: the rate at which contract ``k``'s commitment rises.

        Returns ``(rate, decided)``: below ``rate`` no optimal plan commits to ``k`` (its
        reduced cost is negative); ``decided`` when the ratio test proves every optimal plan
        above ``rate`` commits more than :data:`TAKEN_MW` (then ``rate`` is the flip). ``None``
        for a MILP, or a commitment that is not at its lower bound with a negative reduced
        cost (taken, or a degenerate basis).
        """
        if self.is_mip:
            return None
        p = self.point()
        j = int(self.rate_col[k])
        lower = float(self.model.col_lower[j])
        if p.x[j] > lower + FEASIBILITY_TOL or p.col_dual[j] >= -_DUAL_TOL:
            return None
        rate = self.coef.contracts[k].contract.rate_usd_kw_month - (
            p.col_dual[j] / self.rent_per_rate[k])
        step = min(self._ratio(j), float(self.model.col_upper[j]) - lower)
        return float(rate), bool(step > 2 * TAKEN_MW)

    def _ratio(self, j: int) -> float:
        """How far column ``j`` can rise from its bound before a basic variable meets one."""
        p = self.point()
        alpha = np.asarray(self.highs.getReducedColumn(j)[1], dtype=float)
        return self._step(p, alpha)

    def forced_rates(self, ks: Sequence[int]) -> dict[int, tuple[float, bool]]:
        """One re-solve with the rate columns of contracts ``ks`` all held at
        :data:`FORCED_MW`: each one's reduced cost there is the marginal cost of taking the
        first MW of it.

        The optimum ``D(m)`` with ``m`` MW of ``k`` forced (rent left out) is concave, so
        that reduced cost is at most its slope at 0 and the rate it gives is at or above the
        flip. Where the basis stays feasible for every mix of the held MW lowered back to 0
        (a box test: each basic value's range over that box within its bounds), it is
        optimal for ``k`` forced alone anywhere in ``[0, FORCED_MW]``: ``D`` is linear
        there and the rate is the flip itself (``decided``): below it no plan takes ``k``,
        above it every plan takes at least ``FORCED_MW``. For one contract the box test is
        its ratio test.

        Returns:
            ``(rate, decided)`` per contract of ``ks``; ``(inf, True)`` for a lone contract
            of which not even ``FORCED_MW`` can be taken; empty for a MILP, or when the
            contracts held together leave no feasible plan.
        """
        if self.is_mip or not len(ks):
            return {}
        cols = np.array([self.rate_col[k] for k in ks], dtype=np.int32)
        lower, upper = self.model.col_lower[cols], self.model.col_upper[cols]
        held = np.minimum(lower + FORCED_MW, 0.5 * (lower + upper))
        self.highs.changeColsBounds(len(cols), cols, held, upper)
        try:
            self.run()
            at = self._read_point()
            alphas = [np.asarray(self.highs.getReducedColumn(int(j))[1], dtype=float)
                      for j in cols]
        except InfeasibleError:
            return {ks[0]: (np.inf, True)} if len(ks) == 1 else {}
        finally:
            self.highs.changeColsBounds(len(cols), cols, lower, upper)
        loose = self._box_violations(at, alphas, held - lower)
        basic = np.zeros(self.model.n_cols, dtype=bool)
        basic[at.basic[at.basic >= 0]] = True
        out: dict[int, tuple[float, bool]] = {}
        for k, j, alpha in zip(ks, cols, alphas, strict=True):
            rate = self.coef.contracts[k].contract.rate_usd_kw_month - (
                at.col_dual[j] / self.rent_per_rate[k])
            vouched = (not basic[j] and at.col_dual[j] < -_DUAL_TOL
                       and not (np.abs(alpha[loose]) > _PIVOT_TOL).any())
            out[k] = (float(rate), bool(vouched))
        return out

    def _box_violations(self, p: _Point, alphas: list[Array], spans: Array
                        ) -> npt.NDArray[np.int64]:
        """Basis positions that leave their bounds for some mix of the held columns lowered
        (column ``i`` by up to ``spans[i]``, its ``B^-1 a`` being ``alphas[i]``)."""
        m = self.model
        var = p.basic
        col = var >= 0
        c, r = np.where(col, var, 0), np.where(col, 0, -1 - var)
        sign = np.where(col, 1.0, -1.0)  # lowering moves a basic column by +alpha, a row by -
        rise, fall = np.zeros(len(var)), np.zeros(len(var))
        for alpha, span in zip(alphas, spans, strict=True):
            moved = sign * alpha * span
            rise += np.maximum(moved, 0.0)
            fall += np.minimum(moved, 0.0)
        value = np.where(col, p.x[c], p.activity[r])
        lo = np.where(col, m.col_lower[c], m.row_lower[r])
        hi = np.where(col, m.col_upper[c], m.row_upper[r])
        return np.flatnonzero((value + fall < lo - FEASIBILITY_TOL)
                              | (value + rise > hi + FEASIBILITY_TOL))

    def _step(self, p: _Point, alpha: Array) -> float:
        """Ratio test at ``p``: how far the nonbasic column with ``B^-1 a = alpha`` can rise
        before a basic variable meets a bound."""
        m = self.model
        moving = np.flatnonzero(np.abs(alpha) > _PIVOT_TOL)
        if not len(moving):
            return np.inf
        var, a = p.basic[moving], alpha[moving]
        col = var >= 0
        c, r = np.where(col, var, 0), np.where(col, 0, -1 - var)
        # a basic column falls by alpha per unit; a basic row's activity rises by it
        value = np.where(col, p.x[c], p.activity[r])
        rise = np.where(col, -a, a)
        lo = np.where(col, m.col_lower[c], m.row_lower[r])
        hi = np.where(col, m.col_upper[c], m.row_upper[r])
        room = np.where(rise > 0, hi - value, value - lo)
        return float((np.maximum(room, 0.0) / np.abs(rise)).min())

    def without(self, k: int) -> float:
        """The optimum with contract ``k`` offered at no MW (as good as removing it).

        Raises:
            InfeasibleError: no plan without it (cannot happen for an LP).
        """
        j = int(self.commit[k])
        lower, upper = float(self.model.col_lower[j]), float(self.model.col_upper[j])
        self.highs.changeColBounds(j, 0.0, 0.0)
        try:
            return self.run()
        finally:
            self.highs.changeColBounds(j, lower, upper)

    # ------------------------------------------------------------------ capacity

    def capacity_rows(self, s: int) -> tuple[npt.NDArray[np.int32], Array]:
        """The rows whose bound one more MW of grid at site ``s`` raises, and by how much."""
        power = self.model.constraints["site_power"].index[s]
        rows = [power[power >= 0]]
        per_mw = [np.ones(len(rows[0]))]
        share = self.coef.fleet.settings.max_hpc_share
        if share is not None and "max_hpc_share" in self.model.constraints:
            cap = self.model.constraints["max_hpc_share"].index
            rows.append(cap[cap >= 0])
            per_mw.append(np.full(len(rows[-1]), float(share)))
        return np.concatenate(rows).astype(np.int32), np.concatenate(per_mw)

    def capacity_gain(self, s: int, delta_mw: float) -> tuple[float | None, float | None]:
        """Objective change at site ``s``'s capacity + and - ``delta_mw``, from the base basis.

        Each side is ``y'db`` where the base basis stays feasible, ``None`` where it does
        not (the caller re-solves). A MILP has no basis to ask: both ``None``.
        """
        if self.is_mip:
            return None, None
        p = self.point()
        rows, per_mw = self.capacity_rows(s)
        if not len(rows):
            return 0.0, 0.0
        shift = per_mw * delta_mw
        is_basic = np.zeros(self.model.n_rows, dtype=bool)
        is_basic[-1 - p.basic[p.basic < 0]] = True
        tight = ~is_basic[rows]
        db = np.zeros(self.model.n_rows)
        db[rows[tight]] = shift[tight]
        moved = np.asarray(self.highs.getBasisSolve(db)[1], dtype=float)
        gain = float(p.row_dual[rows[tight]] @ shift[tight])
        out: list[float | None] = []
        for sign in (1.0, -1.0):
            ok = self._stays_feasible(p, sign * moved, rows[~tight], sign * shift[~tight])
            out.append(sign * gain if ok else None)
        return out[0], out[1]

    def _stays_feasible(self, p: _Point, moved: Array, loose: npt.NDArray[np.int32],
                        loose_shift: Array) -> bool:
        """Whether basic values ``x_B + moved`` keep their bounds (loose rows' moved too)."""
        m = self.model
        var = p.basic
        col = var >= 0
        c, r = var[col], -1 - var[~col]
        x = p.x[c] + moved[col]
        if ((x < m.col_lower[c] - FEASIBILITY_TOL) | (x > m.col_upper[c] + FEASIBILITY_TOL)).any():
            return False
        upper = m.row_upper.copy()
        upper[loose] += loose_shift
        act = p.activity[r] - moved[~col]  # a basic row's variable is minus its activity
        return not bool(((act < m.row_lower[r] - FEASIBILITY_TOL)
                         | (act > upper[r] + FEASIBILITY_TOL)).any())

    def with_capacity(self, s: int, delta_mw: float) -> float:
        """Re-solve with site ``s``'s grid capacity moved by ``delta_mw``; bounds restored.

        Raises:
            InfeasibleError: no plan at that capacity.
        """
        rows, per_mw = self.capacity_rows(s)
        lower = self.model.row_lower[rows]
        upper = self.model.row_upper[rows]
        self.highs.changeRowsBounds(len(rows), rows, lower, upper + per_mw * delta_mw)
        try:
            return self.run()
        finally:
            self.highs.changeRowsBounds(len(rows), rows, lower, upper)

    # ------------------------------------------------------------------ costs

    def with_costs(self, cost: Array) -> float:
        """Re-solve with objective ``cost``, then put the base costs back (not re-solved)."""
        idx = np.arange(self.model.n_cols, dtype=np.int32)
        self.highs.changeColsCost(len(idx), idx, cost)
        try:
            return self.run()
        finally:
            self.highs.changeColsCost(len(idx), idx, self.model.col_cost)

    def same_structure(self, other: MatrixModel) -> bool:
        """Whether ``other`` differs from the held model in its costs alone."""
        m = self.model
        pairs = [(m.col_lower, other.col_lower), (m.col_upper, other.col_upper),
                 (m.row_lower, other.row_lower), (m.row_upper, other.row_upper),
                 (m.col_integer, other.col_integer), (m.entry_rows, other.entry_rows),
                 (m.entry_cols, other.entry_cols), (m.entry_values, other.entry_values)]
        return all(a.shape == b.shape and np.array_equal(a, b) for a, b in pairs)


def _rate_columns(model: MatrixModel, coef: Coefficients) -> npt.NDArray[np.int64]:
    """Per contract, the column its rate is moved on: the one lease of a one-site contract
    (a probe's), else ``commit[k]``; -1 for a contract outside the horizon."""
    out = np.array(model.variables["commit"].index, dtype=np.int64)
    lease = model.variables["lease"].index
    for k, terms in enumerate(coef.contracts):
        if len(terms.sites) == 1 and lease[terms.sites[0], k] >= 0:
            out[k] = lease[terms.sites[0], k]
    return out


def _rent_per_rate(coef: Coefficients) -> Array:
    """Per contract, the discounted rent of one MW over its term per USD/kW-month of rate."""
    start = month_index(coef.fleet.settings.start_month)
    out = np.zeros(len(coef.contracts))
    for k, terms in enumerate(coef.contracts):
        c = terms.contract
        since = (terms.months - (month_index(c.start_month) - start)).astype(float)
        rent = econ.lease_rent_usd_mw_month(c, since, rate_usd_kw_month=1.0)
        out[k] = float((np.asarray(rent, dtype=float) * coef.discount[terms.months]).sum())
    return out


def resolves_for(fleet: Fleet, options: SolverOptions) -> Resolves:
    """The re-solves of ``fleet``: held in HiGHS on the default path, else rebuilt each time.

    Raises:
        AllocatorError: the base solve failed.
    """
    if is_direct_highs(options):
        return HeldModel(fleet, options)
    return Rebuilt(Resolver(options), fleet)
