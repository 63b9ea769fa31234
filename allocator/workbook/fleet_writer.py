"""Write a Fleet back out as an input workbook (the inverse of the reader); no PuLP here.

Used to turn fleets built in code (pipelines, synthetic benchmark fleets, scenario cases)
into workbooks a user can open, and by the tests' workbook round trip. Headers and sheet
names come from :mod:`allocator.workbook.schema`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from allocator.domain import Fleet
from allocator.workbook.cells import format_list
from allocator.workbook.saving import save_workbook
from allocator.workbook.schema import INPUT_SHEETS, SheetSpec

__all__ = ["fleet_rows", "write_fleet"]


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "list":
        return format_list(value)
    return value


def fleet_rows(fleet: Fleet, spec: SheetSpec) -> list[list[Any]]:
    """The rows (header first) of sheet ``spec`` for ``fleet``."""
    if spec.key_value:
        settings = fleet.settings.model_dump()
        rows: list[list[Any]] = [["key", "value"]]
        rows += [[c.header, _cell(settings[c.field], c.kind)] for c in spec.columns
                 if settings.get(c.field) is not None]
        return rows
    records: tuple[Any, ...] = {
        "Sites": fleet.sites,
        "Miners": fleet.miners,
        "Market": fleet.market,
        "PowerPrices": fleet.power_prices,
        "Contracts": fleet.contracts,
    }.get(spec.name, ())
    rows = [[c.header for c in spec.columns]]
    for record in records:
        data = record.model_dump()
        rows.append([_cell(data.get(c.field), c.kind) for c in spec.columns])
    return rows


def write_fleet(fleet: Fleet, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``fleet`` as a workbook the reader reads back to an equal Fleet.

    Optional sheets with no rows are left out.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is false, or it cannot be written.
    """
    book = openpyxl.Workbook(write_only=True)
    for spec in INPUT_SHEETS:
        rows = fleet_rows(fleet, spec)
        if len(rows) <= 1 and not spec.required:
            continue
        sheet = book.create_sheet(spec.name)
        for row in rows:
            sheet.append(row)
    return save_workbook(book, Path(path), overwrite=overwrite)
