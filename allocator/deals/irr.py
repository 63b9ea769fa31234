"""The IRR and payback of a monthly cash flow series; pure numpy.

Both read an unbroken monthly series, month 0 first (a project's cash flows,
:mod:`allocator.deals.cash_flows`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["IRR_MEANINGFUL_MAX_PA", "irr_note", "irr_pa", "irr_pa_many", "payback_offset"]

Array = npt.NDArray[np.float64]

IRR_MEANINGFUL_MAX_PA = 1.0
"""Above 100 %/yr an IRR says little (thin equity, capex funded by others): shown n.m."""

_IRR_LOW, _IRR_HIGH = -0.2, 10.0
"""Monthly rates searched for the IRR: -20 % (-93 %/yr) to +1,000 % a month."""
_IRR_STEPS = 64
"""Halvings of the bracket: 10.2 / 2^64 is far below a float's step at these rates."""


def _npv_at(cash: Array, neg_t: Array, monthly_rates: Array) -> Array:
    """Each row of ``cash`` discounted at its row's rate, month ``t`` by ``(1 + i) ^ -t``."""
    return np.asarray((cash * (1.0 + monthly_rates[:, None]) ** neg_t).sum(axis=1), dtype=float)


def _bisect(cash: Array, low: Array, high: Array) -> Array:
    """Per row of ``cash``, the monthly rate in ``[low, high]`` where the NPV is 0, or NaN
    if it keeps its sign there. The rows are bisected together, each as on its own: a row
    whose NPV is exactly 0 at a midpoint keeps that midpoint."""
    neg_t = -np.arange(cash.shape[1], dtype=float)
    at_low, at_high = _npv_at(cash, neg_t, low), _npv_at(cash, neg_t, high)
    searching = np.isfinite(at_low) & np.isfinite(at_high) & ~(at_low * at_high > 0)
    found = np.full(len(cash), np.nan)
    for _ in range(_IRR_STEPS):
        mid = 0.5 * (low + high)
        at_mid = _npv_at(cash, neg_t, mid)
        root = searching & (at_mid == 0)
        found[root] = mid[root]
        searching &= ~root
        up = searching & ((at_mid > 0) == (at_low > 0))
        low, at_low = np.where(up, mid, low), np.where(up, at_mid, at_low)
        high = np.where(searching & ~up, mid, high)
    found[searching] = (0.5 * (low + high))[searching]
    return found


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
    return irr_pa_many([cash_usd])[0]


def irr_pa_many(cash_usd: Sequence[Array]) -> list[float]:
    """:func:`irr_pa` of each series, the series of one length bisected together (each
    result is the one :func:`irr_pa` gives it alone, to the bit)."""
    series = [np.asarray(cash, dtype=float) for cash in cash_usd]
    rates = [math.nan] * len(series)
    by_length: dict[int, list[int]] = {}
    for k, cash in enumerate(series):
        by_length.setdefault(len(cash), []).append(k)
    for length, members in by_length.items():
        cash = np.array([series[k] for k in members], dtype=float).reshape(len(members), length)
        gain = np.array([float(series[k].sum()) >= 0 for k in members])
        found = _bisect(cash, np.where(gain, 0.0, _IRR_LOW), np.where(gain, _IRR_HIGH, 0.0))
        for k, rate in zip(members, found.tolist(), strict=True):
            rates[k] = rate
    # annualized in Python floats, as one series alone always was
    return [math.nan if math.isnan(rate) else float((1.0 + rate) ** 12 - 1.0)
            for rate in rates]


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
