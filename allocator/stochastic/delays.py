"""Construction delay in a future: a slip in months that defers the rent of a site's leases.

A future may slip the HPC construction at a site by ``d`` whole months (``0 <= d <=`` the
horizon). Leases are first-stage decisions, so a slip changes only that future's cost of
the site's lease columns, never the matrix: the first ``d`` months of each lease's term
(counted from the contract's ``start_month``; those inside the horizon) earn no rent, and
where the contract has a ``delay_penalty_usd_kw_month`` the owner pays it per leased kW
for each of those months. Per leased MW of contract ``k`` at site ``s`` in future ``w``::

    lost[w,s,k] = sum_{t in term_k, t - start_k < d[w,s]} df_t * (rent[k,t] + 1000 * penalty_k)

comes off the lease column's discounted value. The operating cost of the term stays as
planned (the LP keeps the hall's grid reserved for it), and the term is not extended past
its end. A slip of 0 everywhere leaves every cost as it was. No solving, no files here.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from allocator.optimization.coefficients import Coefficients
from allocator.optimization.model import MatrixModel
from allocator.periods import month_index

__all__ = ["DELAY_COLUMN", "delay_fault", "delayed_costs", "lost_rent_usd_mw"]

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DELAY_COLUMN = "construction_delay_months"
"""The name of a slip, as a paths column and a Scenarios-sheet parameter."""


def delay_fault(value: object, months: int) -> str | None:
    """Why ``value`` is no slip for a horizon of ``months`` (``construction_delay_months
    cannot be negative``), or ``None`` when it is one: whole months from 0 to the horizon."""
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value)):
        return f"{DELAY_COLUMN} must be a whole number of months"
    if value < 0:
        return f"{DELAY_COLUMN} cannot be negative"
    if not float(value).is_integer():
        return f"{DELAY_COLUMN} must be a whole number of months"
    if value > months:
        return f"{DELAY_COLUMN} is beyond the horizon of {months} months"
    return None


def lost_rent_usd_mw(coef: Coefficients, site: int, contract: int, delay_months: int
                     ) -> float:
    """What ``delay_months`` of slip at ``site`` take from one leased MW of ``contract``:
    the discounted rent of the first months of its term and the penalty for them."""
    terms = coef.contracts[contract]
    if delay_months <= 0 or not len(terms.months):
        return 0.0
    offset = (month_index(terms.contract.start_month)
              - month_index(coef.fleet.settings.start_month))
    slipped = (terms.months - offset) < delay_months
    penalty = 1000.0 * (terms.contract.delay_penalty_usd_kw_month or 0.0)
    value = (terms.revenue_usd_mw_month[slipped] + penalty) * coef.discount[terms.months[
        slipped]]
    return float(value.sum())


def delayed_costs(costs: Array, coefficients: tuple[Coefficients, ...], model: MatrixModel,
                  delay_months: IntArray) -> Array:
    """``costs`` (``[W, n_cols]``) with every future's slips (``[W, S]``) taken off its
    lease columns."""
    out = costs.copy()
    index = model.variables["lease"].index  # [S, K]
    for w, s in zip(*np.nonzero(delay_months > 0), strict=True):
        for k in np.flatnonzero(index[s] >= 0).tolist():
            out[w, index[s, k]] -= lost_rent_usd_mw(coefficients[w], int(s), k,
                                                    int(delay_months[w, s]))
    return out
