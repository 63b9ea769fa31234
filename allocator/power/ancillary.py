"""An hourly ancillary (demand-response) price series beside the hourly power prices; numpy.

``ancillary_usd_mw_h`` is what a grid operator pays per MW of controllable load that is
running and offered in an interval (ERCOT's RRS or ECRS capacity price, say), USD per MW per
hour; a blank is 0. Running miners at a site that curtails earn it on their grid MW
(:mod:`allocator.power.valuation`); HPC is firm load and earns none.

The series goes through the same clock as the prices (:func:`normalize_series`: the repeated
fall-back hour averaged, the skipped spring hour filled), and each month's curve is binned
again by net cost ``price - ancillary`` (:func:`~allocator.power.curve.summarize_prices`).
The intervals flagged ``four_cp_peak`` or ``emergency_curtailment`` earn none: the miners
are off there (they stop for the peak, or are ordered off), so their ancillary price is set
to 0 before binning. Nothing here reads a file or knows a workbook: rows are told by index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from allocator.domain import PriceCurve
from allocator.power.cell_numbers import is_blank, number_in
from allocator.power.curve import summarize_prices
from allocator.power.series import Normalized, normalize_series

__all__ = ["ANCILLARY_COLUMN", "MAX_ANCILLARY_USD_MW_H", "ancillary_of", "with_ancillary"]

Array = npt.NDArray[np.float64]

ANCILLARY_COLUMN = "ancillary_usd_mw_h"
"""Optional column of the hourly prices: the interval's ancillary price, USD per MW-hour."""
MAX_ANCILLARY_USD_MW_H = 10_000.0
"""Ancillary prices above this (or below 0) are taken for a typo or a unit slip and refused."""


def ancillary_of(values: Sequence[object]) -> tuple[Array, list[tuple[int, str]]]:
    """Ancillary prices from any values (numbers or number text; blank: 0), with each bad
    one's row: not a number, below 0 or above 10,000."""
    out = np.zeros(len(values))
    problems: list[tuple[int, str]] = []
    for i, value in enumerate(values):
        if is_blank(value):
            continue
        number = number_in(value, money=True)
        if number is None or not 0 <= number <= MAX_ANCILLARY_USD_MW_H:
            problems.append((i, f"{ANCILLARY_COLUMN} must be a number of USD per MW-hour, 0 to "
                                f"{MAX_ANCILLARY_USD_MW_H:,.0f} (got {value!r})"))
        else:
            out[i] = number
    return out, problems


def with_ancillary(curves: tuple[PriceCurve, ...], normalized: Normalized,
                   site_codes: npt.NDArray[np.int64], site_names: list[str],
                   wall: npt.NDArray[np.datetime64], ancillary: Array,
                   peak: npt.NDArray[np.bool_], emergency: npt.NDArray[np.bool_], zone: str,
                   bins: int) -> tuple[PriceCurve, ...]:
    """``curves`` binned again by net cost, with each bin's mean ancillary price.

    Args:
        curves: The month curves made from ``normalized`` (peaks and emergencies on).
        normalized: The prices on the clock, by ``(site, month)``.
        site_codes, site_names, wall: The rows, as given to :func:`normalize_series`.
        ancillary: Per row, the ancillary price (0 where blank).
        peak, emergency: Per row, its flags; a flagged row earns none where its month's curve
            carries those intervals (a flag the curve ignores leaves the miners on).
        zone: The clock's time zone.
        bins: Bins per site-month curve.

    The prices' faults are told already, so the series' own normalization finds none.
    """
    off = (peak & _in_months(curves, site_codes, site_names, wall, "peak_hours")) | (
        emergency & _in_months(curves, site_codes, site_names, wall, "emergency_hours"))
    earned = np.where(off, 0.0, ancillary)
    series = normalize_series(site_codes, site_names, wall, earned, zone,
                              readable=~np.isnat(wall))
    out = []
    for curve in curves:
        prices = normalized.months[curve.site, curve.month]
        credit = series.months.get((curve.site, curve.month))
        if credit is None or not np.any(credit.prices_usd_mwh):
            out.append(curve)  # no ancillary price this month: the price-sorted curve stands
            continue
        binned = summarize_prices(prices.prices_usd_mwh, prices.hours_per_interval, bins,
                                  credit.prices_usd_mwh)
        means = binned.ancillary_usd_mw_h
        out.append(curve.model_copy(update={
            "hours": tuple(binned.hours.tolist()),
            "price_usd_mwh": tuple(binned.price_usd_mwh.tolist()),
            "ancillary_usd_mw_h": tuple(means.tolist()) if means is not None else ()}))
    return tuple(out)


def _in_months(curves: tuple[PriceCurve, ...], site_codes: npt.NDArray[np.int64],
               site_names: list[str], wall: npt.NDArray[np.datetime64],
               flagged: str) -> npt.NDArray[np.bool_]:
    """Per row, whether its site-month's curve carries flagged intervals (``flagged``)."""
    code = {name: k for k, name in enumerate(site_names)}
    months = np.where(np.isnat(wall), np.int64(-1),
                      wall.astype("datetime64[M]").astype(np.int64))
    keys = site_codes * 100_000 + months
    wanted = [code[c.site] * 100_000 + int(np.datetime64(c.month, "M").astype(np.int64))
              for c in curves if getattr(c, flagged) and c.site in code]
    return np.isin(keys, np.array(wanted, dtype=np.int64))
