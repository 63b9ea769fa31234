"""The ``ScenarioPaths`` sheet's columns as data: the in-workbook (and in-document) form of
``stochastic --paths``; no I/O here.

The sheet is no part of the Fleet: the reader passes it by, and
:func:`allocator.stochastic.paths.paths_set` checks its rows (every fault at its cell) when a
stochastic plan asks for it. Besides these columns, ``construction_delay_months[Site name]``
and ``power_price_factor[Site name]`` give one site's slip or factor.
"""

from __future__ import annotations

from allocator.workbook.column_spec import ColumnSpec

__all__ = ["PATHS_COLUMNS", "PATHS_DESCRIPTION", "PATHS_SHEET"]

PATHS_SHEET = "ScenarioPaths"

PATHS_DESCRIPTION = (
    "Futures of your own for allocator stochastic --paths (this book, or a copy): one row "
    "per scenario and horizon month; read only by the stochastic plan. "
    "construction_delay_months[Site name] and power_price_factor[Site name] columns give "
    "one site's slip or factor.")

PATHS_COLUMNS = (
    ColumnSpec("scenario", "scenario", "text", True, "name", "The future the row belongs to.",
               example="bear"),
    ColumnSpec("probability", "probability", "fraction", False, "0 to 1",
               "The future's probability, on one of its rows or the same on each; blank on "
               "every future = equally likely; they must sum to 1.", example=0.5),
    ColumnSpec("month", "month", "month", True, "YYYY-MM",
               "A horizon month; every month of the horizon once per future.",
               example="2026-01"),
    ColumnSpec("btc_price_usd", "btc_price_usd", "number", False, "USD",
               "BTC price in that month of the future (with network_hashrate_ehs).",
               example=60000),
    ColumnSpec("network_hashrate_ehs", "network_hashrate_ehs", "number", False, "EH/s",
               "Network hashrate in that month of the future.", example=1000),
    ColumnSpec("hashprice_usd_ph_day", "hashprice_usd_ph_day", "number", False,
               "USD per PH/s per day",
               "Overrides the hashprice the price and hashrate imply, or stands alone where "
               "they are blank."),
    ColumnSpec("construction_delay_months", "construction_delay_months", "integer", False,
               "months",
               "The future's slip of HPC construction at every site: defers the leases' "
               "rent (and costs the contract's delay penalty); one per future; blank = 0."),
    ColumnSpec("power_price_factor", "power_price_factor", "number", False, "ratio",
               "The future's factor on every site's power price (flat, PowerPrices and "
               "hourly); one per future, >= 0; blank = 1.", example=1.2),
)
