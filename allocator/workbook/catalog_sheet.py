"""Read a workbook's ``Catalog`` sheet into the miner catalog it plans with; no I/O here.

The sheet comes through the reader like every input sheet (guards, header matching, cell
parsing in :mod:`allocator.workbook.tables`); this module turns its rows into
:class:`~allocator.catalog.CatalogModel` entries, checked by the same rules as the shipped
catalog. For each row:

- a model the shipped catalog lacks is *added* for this workbook, so Miners rows may name it
  by ``model`` and ``units`` alone;
- a shipped model with the shipped ``hashrate_th`` and ``power_w`` is a reference row (the
  template lists the shipped catalog so) and changes nothing;
- a shipped model with other figures *overrides* them for this workbook, with a warning at the
  cell that differs: a workbook's own figures win over the catalog, as on a Miners row.

Names match as on Miners rows (case, spaces, punctuation and the brand prefix ignored), so one
model given on two rows is a fault at the second. A workbook without the sheet plans with the
shipped catalog alone.
"""

from __future__ import annotations

import math
from typing import Any

from allocator.catalog import Catalog, CatalogModel, load_catalog, model_key
from allocator.workbook.records import build_record
from allocator.workbook.tables import Report, Row, Table

__all__ = ["read_catalog_sheet"]

_FIGURES = ("hashrate_th", "power_w")


def _show(number: float) -> str:
    return f"{number:,.10g}"


def _values(record: Row) -> dict[str, Any]:
    """The row's values, ``efficiency_j_th`` computed when blank and the figures allow it."""
    values: dict[str, Any] = dict(record.values)
    hashrate, power = record.number_of("hashrate_th"), record.number_of("power_w")
    if "efficiency_j_th" not in record.raw:
        if hashrate is not None and power is not None and hashrate > 0 and power > 0:
            # six decimals, so the figure survives a spreadsheet's 15 digits unchanged
            values["efficiency_j_th"] = round(power / hashrate, 6)
        else:
            record.failed.add("efficiency_j_th")  # the figures' own errors say why
    return values


def _differs(own: CatalogModel, shipped: CatalogModel) -> list[str]:
    """The figures in which ``own`` differs from the shipped model."""
    return [name for name in _FIGURES
            if not math.isclose(getattr(own, name), getattr(shipped, name), rel_tol=1e-9)]


class _CatalogRows:
    """Sorts the sheet's rows into added, overriding and reference rows."""

    def __init__(self, table: Table, report: Report) -> None:
        self.table, self.report = table, report
        self.shipped = {model_key(m.model): m for m in load_catalog()}
        self.first: dict[str, tuple[str, str]] = {}  # model key -> its first row's (cell, name)
        self.added: list[CatalogModel] = []
        self.overrides: list[CatalogModel] = []
        self.faulty: set[str] = set()

    def read(self, record: Row) -> None:
        name = record.text("model")
        key = model_key(name) if name is not None else None
        if name is not None and key == "":
            self.report.problem(self.table.sheet, "model must name a model, not only a brand "
                                "or punctuation", record.where("model"), "model", name)
            record.failed.add("model")
            name = key = None
        twice = name is not None and key is not None and self._twice(record, name, key)
        own = build_record(CatalogModel, record, _values(record), self.table.headers,
                           self.report, anchor="model")
        if key is None or twice:
            return
        if own is None:
            self.faulty.add(key)
            return
        shipped = self.shipped.get(key)
        if shipped is None:
            self.added.append(own)
            return
        differs = _differs(own, shipped)
        if differs:
            self.overrides.append(own.model_copy(update={"model": shipped.model}))
            self._warn_override(record, shipped, differs)

    def _twice(self, record: Row, name: str, key: str) -> bool:
        """Report a model given on an earlier row too; True when it was."""
        address = record.where("model") or ""
        if key not in self.first:
            self.first[key] = (address, name)
            return False
        sheet, (other, spelled) = self.table.sheet, self.first[key]
        also = f"{sheet}!{other}" + (f" as '{spelled}'" if spelled != name else "")
        self.report.problem(sheet, f"model '{name}' is given twice (also {also}); keep one "
                            "row per model", address, "model")
        record.failed.add("model")
        return True

    def _warn_override(self, record: Row, shipped: CatalogModel, differs: list[str]) -> None:
        figures = ", ".join(
            f"{name} {_show(record.number_of(name) or 0)} here, "
            f"{_show(getattr(shipped, name))} shipped" for name in differs)
        self.report.warn(
            self.table.sheet, record.where(differs[0]) or "",
            f"model '{shipped.model}' overrides the shipped catalog ({figures}); Miners rows "
            "naming it use this row's figures")


def read_catalog_sheet(table: Table | None, report: Report) -> Catalog:
    """The catalog a workbook plans with: the shipped one, extended by its Catalog sheet.

    Args:
        table: The parsed Catalog sheet; ``None`` when the workbook has none.
        report: Where faults (at their cells) and override warnings are collected.

    Returns:
        The shipped catalog with the sheet's added and overriding models; the names of rows
        with faults are in ``faulty``, so a Miners row naming one is not reported again.
    """
    if table is None or not table.usable:
        return Catalog()
    rows = _CatalogRows(table, report)
    for record in table.rows:
        rows.read(record)
    return Catalog(added=tuple(rows.added), overrides=tuple(rows.overrides),
                   faulty=frozenset(rows.faulty))
