"""A site-month's prices as a binned price duration curve; pure numpy, no I/O.

The prices of a month, sorted, are cut into equal-count bins; each bin keeps its hours and its
mean price. Valuing a bin at its mean price is exact for every bin entirely above or entirely
below a strike, so only the one bin that straddles a strike carries any error; a month of flat
prices is reproduced exactly (one price, the same in every bin).

With an hourly ancillary (demand-response) price, the intervals are sorted and binned by their
net cost ``price - ancillary`` instead, and each bin keeps its mean price and its mean
ancillary price: the miners' run-or-stop choice compares that net cost with a strike, so the
bins stay exact for it in the same way. Without one the curve is the price-sorted one.
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
        price_usd_mwh: Mean price of each bin ``[B]``, ascending (without an ancillary price).
        ancillary_usd_mw_h: Mean ancillary price of each bin ``[B]``, or ``None`` without an
            ancillary series (the bins are then ascending in ``price - ancillary``).
    """

    hours: Array
    price_usd_mwh: Array
    ancillary_usd_mw_h: Array | None = None

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
                     bins: int = DEFAULT_BINS, ancillary_usd_mw_h: npt.ArrayLike | None = None
                     ) -> DurationCurve:
    """The duration curve of one month's interval prices in ``bins`` equal-count bins.

    Args:
        prices_usd_mwh: One price per interval (an hour, or 15 minutes), any order.
        hours_per_interval: Length of each interval in hours (0.25 for 15-minute prices).
        bins: Number of bins; fewer when the month has fewer intervals.
        ancillary_usd_mw_h: One ancillary price per interval, in the order of the prices, or
            ``None`` (the curve is then exactly the price-sorted one).

    Returns:
        The curve; a bin whose prices are all equal has exactly that price.

    Raises:
        ValueError: no prices, a non-finite price, or ``bins`` < 1.
    """
    prices = np.sort(np.asarray(prices_usd_mwh, dtype=float).reshape(-1))
    if prices.size == 0 or bins < 1 or not np.all(np.isfinite(prices)):
        raise ValueError("a duration curve needs at least one finite price and one bin")
    if ancillary_usd_mw_h is not None:
        return _net_curve(np.asarray(prices_usd_mwh, dtype=float).reshape(-1),
                          np.asarray(ancillary_usd_mw_h, dtype=float).reshape(-1),
                          float(hours_per_interval), bins)
    count = min(bins, prices.size)
    edges = np.rint(np.linspace(0, prices.size, count + 1)).astype(np.int64)
    sizes = np.diff(edges)
    sums = np.add.reduceat(prices, edges[:-1])
    means = sums / sizes
    low, high = prices[edges[:-1]], prices[edges[1:] - 1]
    means = np.where(low == high, low, np.clip(means, low, high))
    return DurationCurve(hours=sizes * float(hours_per_interval), price_usd_mwh=means)


def _bin_means(values: Array, edges: npt.NDArray[np.int64]) -> Array:
    """Each bin's mean of ``values``; exactly the value where a bin's values are all equal."""
    means = np.add.reduceat(values, edges[:-1]) / np.diff(edges)
    low = np.minimum.reduceat(values, edges[:-1])
    high = np.maximum.reduceat(values, edges[:-1])
    return np.asarray(np.where(low == high, low, np.clip(means, low, high)), dtype=float)


def _net_curve(prices: Array, ancillary: Array, hours_per_interval: float,
               bins: int) -> DurationCurve:
    """The curve binned by net cost ``price - ancillary``: mean price and ancillary per bin."""
    if ancillary.shape != prices.shape or not np.all(np.isfinite(ancillary)):
        raise ValueError("a duration curve needs one finite ancillary price per price")
    order = np.argsort(prices - ancillary, kind="stable")
    prices, ancillary = prices[order], ancillary[order]
    count = min(bins, prices.size)
    edges = np.rint(np.linspace(0, prices.size, count + 1)).astype(np.int64)
    return DurationCurve(hours=np.diff(edges) * hours_per_interval,
                         price_usd_mwh=_bin_means(prices, edges),
                         ancillary_usd_mw_h=_bin_means(ancillary, edges))
