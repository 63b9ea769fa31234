"""Write a Fleet back out as an input workbook (the inverse of the reader); no PuLP here.

Used to turn fleets built in code (pipelines, synthetic benchmark fleets, scenario cases)
into workbooks a user can open, and by the tests' workbook round trip. Headers and sheet
names come from :mod:`allocator.workbook.schema`. A fleet carries no catalog (its Miners rows
hold their figures); the models a workbook's Catalog sheet added or overrode are written back
when given (``FleetWorkbook.catalog``), so a round trip keeps that sheet's own rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

from allocator.catalog import Catalog
from allocator.domain import Fleet
from allocator.workbook.cells import format_list
from allocator.workbook.saving import save_workbook
from allocator.workbook.schema import (
    CATALOG_SHEET,
    INPUT_SHEETS,
    NETWORK_FLEET_SHEET,
    SheetSpec,
)

__all__ = ["fleet_rows", "write_fleet"]


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "list":
        return format_list(value)
    return value


def fleet_rows(fleet: Fleet, spec: SheetSpec, catalog: Catalog | None = None
               ) -> list[list[Any]]:
    """The rows (header first) of sheet ``spec`` for ``fleet``; the Catalog sheet's are
    ``catalog``'s added and overriding models (none without it). A table sheet has its
    required columns and the optional ones some row fills, so a fleet written back keeps the
    columns it uses, not every column the tool knows (blank and absent read the same)."""
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
        NETWORK_FLEET_SHEET: fleet.network_fleet,
        CATALOG_SHEET: catalog.own if catalog is not None else (),
    }.get(spec.name, ())
    data = [record.model_dump() for record in records]
    columns = [c for c in spec.columns  # an optional column blank in every row is left out
               if c.required or any(d.get(c.field) is not None for d in data)]
    rows = [[c.header for c in columns]]
    rows += [[_cell(d.get(c.field), c.kind) for c in columns] for d in data]
    return rows


def write_fleet(fleet: Fleet, path: str | Path, *, overwrite: bool = False,
                catalog: Catalog | None = None,
                scenarios: Sequence[Sequence[Any]] = ()) -> Path:
    """Write ``fleet`` as a workbook the reader reads back to an equal Fleet.

    Optional sheets with no rows are left out. With ``catalog`` (what ``read_workbook``
    returned as ``catalog``) its added and overriding models are the Catalog sheet's rows;
    ``scenarios`` (header row first) are the Scenarios sheet's rows, which a Fleet lacks.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is false, or it cannot be written.
    """
    book = openpyxl.Workbook(write_only=True)
    for spec in INPUT_SHEETS:
        rows = ([list(r) for r in scenarios] if spec.name == "Scenarios"
                else fleet_rows(fleet, spec, catalog))
        if len(rows) <= 1 and not spec.required:
            continue
        sheet = book.create_sheet(spec.name)
        for row in rows:
            sheet.append(row)
    return save_workbook(book, Path(path), overwrite=overwrite)
