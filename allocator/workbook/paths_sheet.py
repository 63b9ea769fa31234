"""Read a workbook's ``ScenarioPaths`` sheet: the in-workbook form of ``stochastic --paths``.

The sheet has the columns of the paths CSV (:data:`allocator.stochastic.paths.PATH_COLUMNS`:
``scenario``, ``probability``, ``month``, ``btc_price_usd``, ``network_hashrate_ehs`` and
optionally ``hashprice_usd_ph_day`` and ``construction_delay_months``, for every site or,
as ``construction_delay_months[Site]``, for one, and ``power_price_factor``, the same way),
one row per scenario and horizon month.
Cells are read as the CSV's text would be (a month typed as a date is its ``YYYY-MM``) and
checked by :func:`allocator.stochastic.paths.paths_set`, every fault at its cell
(``ScenarioPaths!C4``). The file passes the reader's guards first; this module never writes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import python_calamine

from allocator.domain import Fleet
from allocator.errors import InputError, Problem
from allocator.stochastic.paths import paths_set
from allocator.stochastic.scenario_set import ScenarioSet
from allocator.workbook.guards import check_file
from allocator.workbook.paths_columns import PATHS_SHEET
from allocator.workbook.tables import match_key

__all__ = ["PATHS_SHEET", "read_paths_sheet"]


def _open(path: Path) -> Any:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors, OSError and others
        problem = Problem("workbook", f"{path.name} is not a workbook python-calamine can "
                          f"read: {exc}")
        raise InputError([problem], source=str(path)) from exc


def _text(value: object) -> str:
    """A cell as the CSV would hold it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_paths_sheet(path: str | Path, fleet: Fleet) -> ScenarioSet:
    """The futures of the ``ScenarioPaths`` sheet of the workbook at ``path``, for ``fleet``.

    Raises:
        InputError: no such sheet, or faults in its rows; every problem at its cell.
    """
    source = Path(path)
    check_file(source)
    with _open(source) as book:
        names = {match_key(str(n)): str(n) for n in book.sheet_names}
        sheet = names.get(match_key(PATHS_SHEET))
        if sheet is None:
            raise InputError([Problem(PATHS_SHEET, f"{source.name} has no {PATHS_SHEET} "
                                      "sheet")], source=str(source))
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    lines = [[_text(v) for v in row] for row in rows]
    return paths_set(lines, sheet, fleet, source=str(source))
