"""The ``HourlyPrices`` sheet's columns as data (also the columns of an
``hourly_prices_file``); read by :mod:`allocator.workbook.hourly_sheet`, declared in
:data:`allocator.workbook.schema.INPUT_SHEETS`; no I/O here."""

from __future__ import annotations

from allocator.workbook.column_spec import ColumnSpec

__all__ = ["HOURLY_PRICES_COLUMNS", "HOURLY_PRICES_SHEET"]

_YES_NO = ("yes", "no")

HOURLY_PRICES_SHEET = "HourlyPrices"
"""The sheet of hourly prices (or ``hourly_prices_file``), read by allocator.power."""

HOURLY_PRICES_COLUMNS = (
    ColumnSpec("site", "site", "text", True, "name", "Site.", example="Alpha"),
    ColumnSpec("timestamp", "timestamp", "text", True, "date and time",
               "Start of the hour or 15-minute interval, on the hourly_prices_timezone "
               "clock (or with a UTC offset: 2026-07-01T15:00-05:00).",
               example="2026-07-01 15:00"),
    ColumnSpec("price_usd_mwh", "price_usd_mwh", "number", True, "USD/MWh",
               "Real-time price of that interval; -1,000 to 20,000.", example=42.5),
    ColumnSpec("four_cp_peak", "four_cp_peak", "bool", False, "yes/no",
               "yes on a candidate 4CP peak interval of June-September; blank = no (also in "
               "hourly_prices_file).", choices=_YES_NO, example="no"),
    ColumnSpec("emergency_curtailment", "emergency_curtailment", "bool", False, "yes/no",
               "yes on an interval in which large loads are ordered off the grid (Texas SB 6): "
               "miners stop and lose its margin; HPC keeps its rent but draws no grid power "
               "(backup power is not modelled); blank = no.", choices=_YES_NO, example="no"),
    ColumnSpec("load_mw", "load_mw", "number", False, "MW", "System load of the interval "
               "(see four_cp_candidate_hours); blank = not a candidate.", example=78500),
    ColumnSpec("ancillary_usd_mw_h", "ancillary_usd_mw_h", "number", False, "USD/MW-h",
               "Ancillary (demand-response) price paid per MW of curtailable load running and "
               "offered in the interval, e.g. ERCOT RRS/ECRS: running miners earn it on their "
               "grid MW at a site that curtails, and an interval whose price less it is above "
               "the strike is curtailed; 0 to 10,000, blank = 0. 4CP peak and emergency "
               "intervals earn none (the miners are off).", example=0),
)
