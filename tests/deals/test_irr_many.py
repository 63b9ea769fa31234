"""IRRs bisected together are, to the bit, the IRRs each series gives bisected alone."""

from __future__ import annotations

import math

import numpy as np

from allocator.deals.irr import irr_pa, irr_pa_many


def one_by_one(cash: np.ndarray) -> float:
    """The scalar bisection the Deals sheet used before its series were bisected together."""
    t = np.arange(len(cash), dtype=float)

    def npv(rate: float) -> float:
        return float((cash * (1.0 + rate) ** -t).sum())

    low, high = (0.0, 10.0) if float(cash.sum()) >= 0 else (-0.2, 0.0)
    at_low, at_high = npv(low), npv(high)
    if not (np.isfinite(at_low) and np.isfinite(at_high)) or at_low * at_high > 0:
        return math.nan
    for _ in range(64):
        mid = 0.5 * (low + high)
        at_mid = npv(mid)
        if at_mid == 0:
            return float((1.0 + mid) ** 12 - 1.0)
        if (at_mid > 0) == (at_low > 0):
            low, at_low = mid, at_mid
        else:
            high = mid
    return float((1.0 + 0.5 * (low + high)) ** 12 - 1.0)


def test_series_bisected_together_match_each_alone_bit_for_bit() -> None:
    """Gains, losses, no root, a prepayment first, an NPV of exactly 0 at a midpoint
    (``[-1, 1]`` at 0 %), an empty series and series of shared and distinct lengths."""
    rng = np.random.default_rng(5)
    series = [np.concatenate([[-rng.uniform(1e6, 1e8)], rng.normal(2e6, 1e5, n - 1)])
              for n in (120, 120, 121, 180, 180, 180, 2)]
    series += [np.array([-100.0, 30.0, 30.0, 30.0]),  # a loss: the -20 %..0 side
               np.array([-5.0, -5.0]),  # one sign: no root
               np.array([100.0, -50.0]),  # an inflow first
               np.array([-1.0, 1.0]), np.zeros(0), np.array([-1.0, math.inf])]
    together = irr_pa_many(series)
    alone = [one_by_one(cash) for cash in series]
    assert np.array_equal(np.array(together), np.array(alone), equal_nan=True)
    assert np.array_equal(np.array([irr_pa(cash) for cash in series]), np.array(together),
                          equal_nan=True)
    assert math.isnan(together[8]) and together[0] > 0 and together[7] < 0
