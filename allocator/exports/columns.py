"""Each exported column's unit, label and meaning, for a results folder's ``metadata.json``.

The words are the workbooks' own: a column's label and unit come from
:func:`~allocator.workbook.output_columns.output_label` (``hashprice_usd_ph_day`` ->
``Hashprice ($/PH/day)``, unit ``$/PH/day``) and its meaning from
:data:`~allocator.workbook.output_columns.OUTPUT_COLUMNS`, so a unit is written once for the
sheets and the data. Only the columns that exist in data alone (``sample``, the run info's
fields, a flip's ``subject``) are described here. No I/O.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from allocator.workbook.output_columns import OUTPUT_COLUMNS, output_label

__all__ = ["DATA_COLUMNS", "FRACTION_UNIT", "column_metadata", "column_type", "column_unit"]

FRACTION_UNIT = "fraction (0.05 is 5 %)"
"""The unit of a column shown as a percent in the workbooks: the data hold the fraction."""

DATA_COLUMNS: dict[str, str] = {
    "sample": "Monte Carlo sample number, from 1.",
    "step": "Sweep step number, from 1, in order of value.",
    "parameter": "The input field swept or changed.",
    "operation": "How the value applies: set (the value), scale (a factor) or add.",
    "subject": "The site or contract whose state switches.",
    "state": "converts, mines or is taken.",
    "turns_on": "true when the state holds above the switch and not below it.",
    "text": "The finding in plain words.",
    "quantity": "converted_mw or mining_mw: the MW that changes.",
    "change_mw": "after_mw - before_mw.",
    "warning": "An input, consistency or plausibility warning, one sentence.",
    "version": "fleet-allocator version that made the plan.",
    "solver": "Solver name as PuLP knows it.",
    "status": "Solver status of the plan: optimal, or time_limit with an incumbent.",
    "objective_usd": "LP objective (discounted USD) as the solver reports it.",
    "variables": "LP columns.",
    "constraints": "LP rows.",
    "build_seconds": "Time to build the LP.",
    "solve_seconds": "Time in the solver.",
    "input_file": "The fleet file read (blank for a fleet built in Python).",
    "input_sha256": "SHA-256 of the fleet file's bytes.",
    "workbook_catalog": "Miner models the fleet's Catalog added or overrode ('none' if none).",
    "shadow_values": "What the shadow values are (LP duals, fixed-integer duals, none).",
    "created_at": "When the plan was made (ISO 8601, UTC).",
    "market": "Where each month's market comes from (given, filled, projected).",
    "network_model": "With network_model marginal_cost: its bands and effect; blank otherwise.",
    "warnings": "Number of warnings (listed in the warnings table).",
    "months": "Horizon length in months.",
    "btc_price_factor_end": "The sample's BTC price factor in the last month (1 = outlook).",
    "hashrate_factor_end": "The sample's network hashrate factor in the last month.",
    "probability_converts": "Share of samples in which the site converts any MW.",
    "probability_taken": "Share of samples in which the contract is taken.",
    "mining_margin_usd": "Mining margin over the horizon: revenue - power - opex.",
    "hpc_margin_usd": "HPC margin over the horizon: rent - power - opex.",
    "conversion_capex_usd": "Conversion capex started over the horizon.",
    "gross_margin_pct": "(Mining + HPC margin before capital charge) / revenue.",
    "avg_mining_mw": "Average over months of the miner IT MW running.",
    "last_month_hpc_leased_mw": "IT MW leased in the last month.",
    "reference": "true for the case the comparison's changes are taken against.",
    "use": "What the grid MW are used for: mining, hpc or idle.",
    "grid_mw": "Grid MW of the use at the site that month.",
}
"""Meanings of the columns only the data carry (the rest are in OUTPUT_COLUMNS)."""

_FRACTIONS = frozenset({"probability_converts", "probability_taken"})


def column_unit(name: str) -> str:
    """The unit of column ``name``: the label's (``$/PH/day``, ``MW``), a fraction for a
    percent column, ``""`` for a name, a count or a text."""
    if name in _FRACTIONS:
        return FRACTION_UNIT
    label = output_label(name)
    if not label.endswith(")") or " (" not in label:
        return ""
    unit = label[label.rindex(" (") + 2: -1]
    if unit == "%/yr":
        return f"{FRACTION_UNIT} per year"
    return FRACTION_UNIT if unit == "%" else unit


def column_type(series: pd.Series[Any]) -> str:
    """``boolean``, ``integer``, ``number`` or ``string``: the column's type in the files."""
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def column_metadata(name: str, series: pd.Series[Any]) -> dict[str, str]:
    """``name``, ``type``, ``unit``, ``label`` and ``description`` of one exported column."""
    return {"name": name, "type": column_type(series), "unit": column_unit(name),
            "label": output_label(name),
            "description": OUTPUT_COLUMNS.get(name) or DATA_COLUMNS.get(name, "")}
