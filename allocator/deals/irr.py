"""The IRR and payback of a monthly cash flow series; pure numpy.

Both read an unbroken monthly series, month 0 first (a project's cash flows,
:mod:`allocator.deals.cash_flows`).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["IRR_MEANINGFUL_MAX_PA", "irr_note", "irr_pa", "payback_offset"]

Array = npt.NDArray[np.float64]

IRR_MEANINGFUL_MAX_PA = 1.0
"""Above 100 %/yr an IRR says little (thin equity, capex funded by others): shown n.m."""

_IRR_LOW, _IRR_HIGH = -0.2, 10.0
"""Monthly rates searched for the IRR: -20 % (-93 %/yr) to +1,000 % a month."""
_IRR_STEPS = 64
"""Halvings of the bracket: 10.2 / 2^64 is far below a float's step at these rates."""


def _npv_at(cash: Array, monthly_rate: float) -> float:
    t = np.arange(len(cash), dtype=float)
    return float((cash * (1.0 + monthly_rate) ** -t).sum())


def _bisect(cash: Array, low: float, high: float) -> float | None:
    """The monthly rate in ``[low, high]`` where the NPV is 0, or ``None`` if it keeps its
    sign there."""
    at_low, at_high = _npv_at(cash, low), _npv_at(cash, high)
    if not (np.isfinite(at_low) and np.isfinite(at_high)) or at_low * at_high > 0:
        return None
    for _ in range(_IRR_STEPS):
        mid = 0.5 * (low + high)
        at_mid = _npv_at(cash, mid)
        if at_mid == 0:
            return mid
        if (at_mid > 0) == (at_low > 0):
            low, at_low = mid, at_mid
        else:
            high = mid
    return 0.5 * (low + high)


def irr_pa(cash_usd: Array) -> float:
    """The annualized IRR of monthly cash flows ``cash_usd`` (month 0 first).

    The monthly rate ``i`` with ``sum_t cash[t] / (1 + i) ^ t = 0``, returned as
    ``(1 + i) ^ 12 - 1``. It is bisected on the side of 0 % the undiscounted sum points to:
    between 0 and +1,000 % a month when the flows add up to a gain, between -20 % and 0 when
    to a loss, so flows with a second sign change (a loan's final repayment) still give the
    rate an investor means. NaN where the NPV has no root on that side: all flows of one
    sign, or none, or flows that begin with an inflow (a prepayment before the capex), for
    which no rate means a return on money put in.
    """
    cash = np.asarray(cash_usd, dtype=float)
    low, high = (0.0, _IRR_HIGH) if float(cash.sum()) >= 0 else (_IRR_LOW, 0.0)
    rate = _bisect(cash, low, high)
    return math.nan if rate is None else float((1.0 + rate) ** 12 - 1.0)


def payback_offset(cash_usd: Array) -> int | None:
    """Index of the first month from which the cumulative cash stays >= 0, after it was below.

    ``None`` when it never falls below 0 (nothing to pay back) or never recovers.
    """
    running = np.cumsum(np.asarray(cash_usd, dtype=float))
    below = np.flatnonzero(running < 0)
    if not len(below) or below[-1] == len(running) - 1:
        return None
    return int(below[-1] + 1)




def irr_note(irr: float, cash: Array) -> str:
    """Why ``irr`` (annual, of ``cash``) is not meaningful, or ``""``: ``cash before capex``
    where the first nonzero flow is an inflow and an outflow follows (a prepayment before
    the capex: a rate, where one exists, is what the owner pays for early money, not what it
    earns; often none exists and ``irr`` is NaN), else ``above 100 %/yr``."""
    moved = np.flatnonzero(cash)
    if len(moved) and cash[moved[0]] > 0 and (cash < 0).any():
        return "cash before capex"
    if math.isfinite(irr) and irr > IRR_MEANINGFUL_MAX_PA:
        return "above 100 %/yr"
    return ""
