"""Candidate 4CP peak intervals picked from a load column: in each June-September month, the
``four_cp_candidate_hours`` highest-load hours of the system load (``load_mw``) given beside
the prices; numpy only.

ERCOT's 4CP peak is the interval of the month with the highest system load, so an operator
who has a load forecast (or last year's actuals) names the N dearest-load hours as the
month's candidates, instead of flagging ``four_cp_peak`` rows by hand. On a 15-minute series
N hours are ``4 x N`` intervals. Ties go to the earlier interval. Only months that can carry
a 4CP charge are picked (a site with ``four_cp_usd_kw_year``, June to September, priced from
its hourly prices); the flags then go the way of hand-given ones
(:mod:`allocator.power.peaks`, :mod:`allocator.power.four_cp`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from allocator.power.cell_numbers import is_blank, number_in

__all__ = ["LOAD_COLUMN", "eligible_months", "load_peak_flags", "loads_of"]

LOAD_COLUMN = "load_mw"
"""Optional column of the hourly prices: the system load of the interval, MW."""

Array = npt.NDArray[np.float64]


def loads_of(values: Sequence[object]) -> tuple[Array, list[tuple[int, str]]]:
    """Loads from any values (numbers or number text; blank: none, ``nan``), with each bad
    one's row: not a number, or below 0."""
    out = np.full(len(values), np.nan)
    problems: list[tuple[int, str]] = []
    for i, value in enumerate(values):
        if is_blank(value):
            continue
        number = number_in(value)
        if number is None or number < 0:
            problems.append((i, f"{LOAD_COLUMN} must be a number of MW, 0 or more "
                                f"(got {value!r})"))
        else:
            out[i] = number
    return out, problems


def load_peak_flags(site_codes: npt.NDArray[np.int64], site_names: list[str],
                    wall: npt.NDArray[np.datetime64], load: Array, hours: float,
                    months: Mapping[tuple[str, str], float]) -> npt.NDArray[np.bool_]:
    """Each row's candidate flag: in every ``(site, YYYY-MM)`` of ``months`` (mapped to its
    hours per interval), the ``hours`` highest-load hours' rows, ties to the earlier; rows
    without a load or time are never picked."""
    out = np.zeros(len(load), dtype=bool)
    ok = np.isfinite(load) & ~np.isnat(wall)
    month_of = np.where(ok, wall, np.datetime64("1970-01-01")).astype("datetime64[M]")
    code = {name: k for k, name in enumerate(site_names)}
    for (site, month), step in months.items():
        if site not in code:
            continue
        rows = np.flatnonzero(ok & (site_codes == code[site])
                              & (month_of == np.datetime64(month, "M")))
        rows = rows[np.argsort(wall[rows], kind="stable")]
        count = max(1, round(hours / step))
        top = rows[np.argsort(-load[rows], kind="stable")[:count]]
        out[top] = True
    return out


def eligible_months(curves: Collection[tuple[str, str]], tariff_sites: Collection[str],
                    summer: Collection[str]) -> list[tuple[str, str]]:
    """The ``(site, month)`` pairs that can carry a 4CP charge: priced from hourly prices
    (``curves``), at a site with a tariff, in a ``summer`` calendar month (``"07"``)."""
    return sorted((s, m) for s, m in curves if s in tariff_sites and m[5:7] in summer)
