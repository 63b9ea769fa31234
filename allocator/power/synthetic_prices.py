"""A seeded synthetic real-time price year shaped like ERCOT's LZ_WEST; pure numpy, no I/O.

Real-time prices in West Texas are low most hours (wind and solar push many nights and
middays below zero), rise in summer afternoons and spike to the $5,000/MWh cap for a handful
of hours a year. :func:`ercot_west_like` draws such a year from a seed: a lognormal base with
a daily and a seasonal shape and hour-to-hour persistence, shifted so some hours fall below
zero, plus summer scarcity events of one to four hours. Its defaults are calibrated to the
2024 LZ_WEST statistics in the project's domain brief (docs/model.md lists the targets and
what the default seed gives). It is for samples, tests and benchmarks, not a forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["PRICE_CAP_USD_MWH", "PriceStats", "ercot_west_like", "price_stats"]

Array = npt.NDArray[np.float64]

PRICE_CAP_USD_MWH = 5000.0
"""ERCOT's system-wide offer cap since January 2022."""


@dataclass(frozen=True)
class PriceStats:
    """The statistics the synthetic year is calibrated to (hourly prices)."""

    mean_usd_mwh: float
    median_usd_mwh: float
    p90_usd_mwh: float
    p99_usd_mwh: float
    max_usd_mwh: float
    hours_above_100: int
    hours_above_500: int
    hours_above_1000: int
    hours_below_0: int


def price_stats(prices_usd_mwh: npt.ArrayLike) -> PriceStats:
    """Mean, median, p90, p99, max and the tail counts of hourly prices."""
    p = np.asarray(prices_usd_mwh, dtype=float)
    return PriceStats(
        mean_usd_mwh=float(p.mean()), median_usd_mwh=float(np.median(p)),
        p90_usd_mwh=float(np.percentile(p, 90)), p99_usd_mwh=float(np.percentile(p, 99)),
        max_usd_mwh=float(p.max()), hours_above_100=int((p > 100).sum()),
        hours_above_500=int((p > 500).sum()), hours_above_1000=int((p > 1000).sum()),
        hours_below_0=int((p < 0).sum()))


def _persistent_noise(rng: np.random.Generator, n: int, phi: float) -> Array:
    """AR(1) noise of unit variance: ``x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t``."""
    shocks = rng.standard_normal(n) * np.sqrt(1.0 - phi * phi)
    out = np.empty(n)
    level = rng.standard_normal()
    for i in range(n):  # 8,760 steps: a plain loop is fast enough and obviously right
        level = phi * level + shocks[i]
        out[i] = level
    return out


def _scarcity_events(rng: np.random.Generator, hours: int, events: int) -> Array:
    """Extra $/MWh of ``events`` summer-afternoon scarcity events (1-4 hours each)."""
    extra = np.zeros(hours)
    days = rng.integers(150, 260, size=events)  # June to mid-September
    for day in days.tolist():
        start = day * 24 + int(rng.integers(14, 20))
        length = int(rng.integers(1, 5))
        peak = float(np.exp(rng.normal(6.9, 0.8)))  # about $1,000, a long tail to the cap
        shape = np.exp(-0.9 * np.arange(length))  # the first hour is the worst
        end = min(start + length, extra.size)
        extra[start:end] += peak * shape[: end - start]
    return extra


def ercot_west_like(seed: int = 2024, hours: int = 8784, *, level_usd_mwh: float = 34.0,
                    shift_usd_mwh: float = 12.0, sigma: float = 0.65, phi: float = 0.9,
                    events: int = 16) -> Array:
    """One synthetic year of hourly real-time prices, $/MWh, capped at $5,000.

    Args:
        seed: The random seed; the same seed gives the same prices.
        hours: Hours to draw (8,784 for a leap year such as 2024, 8,760 otherwise).
        level_usd_mwh: Median of the lognormal base before the shift.
        shift_usd_mwh: Taken off the base, so the cheapest hours fall below zero.
        sigma: Spread of the base's log.
        phi: Hour-to-hour persistence of the base's noise.
        events: Summer scarcity events in the year.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(hours, dtype=float)
    hour_of_day = t % 24
    day = t / 24.0
    daily = 0.35 * np.cos(2 * np.pi * (hour_of_day - 18) / 24)  # dearest in the evening
    seasonal = 0.22 * np.cos(2 * np.pi * (day - 215) / 365.25)  # dearest in August
    base = level_usd_mwh * np.exp(daily + seasonal + sigma * _persistent_noise(rng, hours, phi))
    prices = base - shift_usd_mwh + _scarcity_events(rng, hours, events)
    return np.asarray(np.minimum(prices, PRICE_CAP_USD_MWH), dtype=float)
