"""A site-month's prices as a binned price duration curve; pure numpy, no I/O.

The prices of a month, sorted, are cut into equal-count bins; each bin keeps its hours and its
mean price. Valuing a bin at its mean price is exact for every bin entirely above or entirely
below a strike, so only the one bin that straddles a strike carries any error; a month of flat
prices is reproduced exactly (one price, the same in every bin).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_BINS", "DurationCurve", "summarize_prices"]

Array = npt.NDArray[np.float64]

DEFAULT_BINS = 48
"""Bins per site-month: 24 bins of a 30-day month hold 30 hours each, 48 hold 15."""


@dataclass(frozen=True)
class DurationCurve:
    """One month's prices, sorted ascending, in bins.

    Attributes:
        hours: Hours in each bin ``[B]`` (they sum to the month's hours).
        price_usd_mwh: Mean price of each bin ``[B]``, ascending.
    """

    hours: Array
    price_usd_mwh: Array

    @property
    def total_hours(self) -> float:
        """The month's hours."""
        return float(self.hours.sum())

    @property
    def mean_price_usd_mwh(self) -> float:
        """The full-hours (time-weighted) average price: what firm load pays per MWh."""
        if np.all(self.price_usd_mwh == self.price_usd_mwh[0]):
            return float(self.price_usd_mwh[0])  # flat: exactly the price, no round-off
        return float((self.hours * self.price_usd_mwh).sum() / self.hours.sum())


def summarize_prices(prices_usd_mwh: npt.ArrayLike, hours_per_interval: float = 1.0,
                     bins: int = DEFAULT_BINS) -> DurationCurve:
    """The duration curve of one month's interval prices in ``bins`` equal-count bins.

    Args:
        prices_usd_mwh: One price per interval (an hour, or 15 minutes), any order.
        hours_per_interval: Length of each interval in hours (0.25 for 15-minute prices).
        bins: Number of bins; fewer when the month has fewer intervals.

    Returns:
        The curve; a bin whose prices are all equal has exactly that price.

    Raises:
        ValueError: no prices, a non-finite price, or ``bins`` < 1.
    """
    prices = np.sort(np.asarray(prices_usd_mwh, dtype=float).reshape(-1))
    if prices.size == 0 or bins < 1 or not np.all(np.isfinite(prices)):
        raise ValueError("a duration curve needs at least one finite price and one bin")
    count = min(bins, prices.size)
    edges = np.rint(np.linspace(0, prices.size, count + 1)).astype(np.int64)
    sizes = np.diff(edges)
    sums = np.add.reduceat(prices, edges[:-1])
    means = sums / sizes
    low, high = prices[edges[:-1]], prices[edges[1:] - 1]
    means = np.where(low == high, low, np.clip(means, low, high))
    return DurationCurve(hours=sizes * float(hours_per_interval), price_usd_mwh=means)
