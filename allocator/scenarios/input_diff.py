"""What a scenario changed in a Fleet, field by field, as a table; no solving, no files.

:func:`input_diff` is the ``inputs`` table of a
:class:`~allocator.scenarios.compare.Comparison`. It lives apart from
:mod:`allocator.scenarios.changes` because it needs pandas and the workbook reader (which
imports the changes for the Scenarios sheet) does not: ``allocator validate`` loads no pandas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from allocator.domain import Fleet, Settings
from allocator.scenarios.market_rows import (
    implied_difficulty,
    implied_hashprice,
    implied_hashrate_ehs,
)

__all__ = ["input_diff"]

_DIFF_COLUMNS = ["sheet", "record", "parameter", "base_value", "scenario_value"]


def _records(fleet: Fleet) -> list[tuple[str, str, Mapping[str, Any]]]:
    out: list[tuple[str, str, Mapping[str, Any]]] = [("Settings", "", fleet.settings.model_dump())]
    out += [("Sites", s.name, s.model_dump()) for s in fleet.sites]
    out += [("Market", m.month, m.model_dump()) for m in fleet.market]
    out += [("PowerPrices", f"{p.site} {p.month}", p.model_dump()) for p in fleet.power_prices]
    out += [("Contracts", c.name, c.model_dump()) for c in fleet.contracts]
    return out


def input_diff(base: Fleet, changed: Fleet) -> pd.DataFrame:
    """Every input field that differs between ``base`` and ``changed``, one row each.

    Columns: sheet, record (site, contract, month; blank for Settings), parameter, base_value,
    scenario_value. Records are matched by their name or month; a record present on one
    side only is listed with a blank on the other. A value the inputs leave to be derived
    shows the value it is derived as: a Market row's blank ``hashprice_usd_ph_day`` is the
    hashprice its BTC price, network hashrate and fees imply (at that side's halving month),
    so a scenario that scales or sets the hashprice shows the base hashprice it replaces.
    """
    before = {(sheet, rec): data for sheet, rec, data in _records(base)}
    after = {(sheet, rec): data for sheet, rec, data in _records(changed)}
    rows = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key, {}), after.get(key, {})
        for name in dict.fromkeys([*old, *new]):
            if name in ("name", "month", "site"):
                continue
            a, b = old.get(name), new.get(name)
            if a != b:
                rows.append({"sheet": key[0], "record": key[1], "parameter": name,
                             "base_value": _derived(key[0], name, a, old, base.settings),
                             "scenario_value": _derived(key[0], name, b, new,
                                                        changed.settings)})
    return pd.DataFrame(rows, columns=_DIFF_COLUMNS)


def _derived(sheet: str, name: str, value: Any, row: Mapping[str, Any],
             settings: Settings) -> Any:
    """``value``, or where the inputs leave it blank to be derived, the value derived."""
    if value is not None or sheet != "Market" or not row:
        return value
    if name == "hashprice_usd_ph_day":
        return implied_hashprice(row, settings.halving_day)
    if name == "network_hashrate_ehs":
        return implied_hashrate_ehs(row)
    if name == "difficulty":
        return implied_difficulty(row)
    return value
