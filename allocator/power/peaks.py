"""Flagged intervals of a price series: candidate 4CP peaks (``four_cp_peak``) and emergency
curtailment (``emergency_curtailment``); numpy only.

A flag is yes/no (``yes``, ``no``, ``true``, ``false``, ``1``, ``0``, a TRUE/FALSE cell; a
blank is no). The flagged rows of a site are grouped by clock month; each month's intervals,
with their prices, go onto that month's price curve (:mod:`allocator.power.four_cp` and
:mod:`allocator.power.emergency` value them). Nothing here reads a file or knows a
workbook: rows are told by their index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["flags_of", "peak_prices"]

_TRUE = frozenset({"yes", "y", "true", "1", "1.0"})
_FALSE = frozenset({"no", "n", "false", "0", "0.0", ""})


def flags_of(values: Sequence[object], column: str = "four_cp_peak"
             ) -> tuple[npt.NDArray[np.bool_], list[tuple[int, str]]]:
    """Yes/no flags of ``column`` from any values (blank: no), with each unreadable one's
    row."""
    out = np.zeros(len(values), dtype=bool)
    problems: list[tuple[int, str]] = []
    for i, value in enumerate(values):
        if value is None or isinstance(value, bool):
            out[i] = bool(value)
            continue
        text = (f"{float(value):g}" if isinstance(value, int | float) else str(value))
        text = text.strip().lower()
        if text in _TRUE:
            out[i] = True
        elif text not in _FALSE:
            problems.append((i, f"{column} must be yes or no (got {value!r})"))
    return out, problems


def peak_prices(site_codes: npt.NDArray[np.int64], site_names: list[str],
                wall: npt.NDArray[np.datetime64], prices: npt.NDArray[np.float64],
                peak: npt.NDArray[np.bool_]) -> dict[tuple[str, str], list[float]]:
    """The prices of the flagged rows, by ``(site, YYYY-MM)`` of their wall clock, in time
    order; rows without a readable time or price are left out (they are faults already)."""
    keep = peak & ~np.isnat(wall) & np.isfinite(prices)
    out: dict[tuple[str, str], list[float]] = {}
    for i in np.flatnonzero(keep)[np.argsort(wall[keep], kind="stable")].tolist():
        month = str(wall[i].astype("datetime64[M]"))
        out.setdefault((site_names[int(site_codes[i])], month), []).append(float(prices[i]))
    return out
