"""Write a fleet as a document, and convert between workbooks and documents losing nothing.

A document written here holds the fleet's rows as
:func:`~allocator.workbook.fleet_writer.fleet_rows` lays them out for a workbook (the same
headers and values; yes/no as ``true``/``false``), the Catalog sheet's own models, and the
Scenarios rows as the source gave them (a Fleet carries no scenarios). Reading it back gives
an equal Fleet; so does writing that back to a workbook with
:func:`~allocator.workbook.fleet_writer.write_fleet`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import python_calamine
import yaml

from allocator.documents.csv_folder import write_csv_folder
from allocator.documents.fleet_document import (
    SCHEMA_VERSION,
    FleetDocument,
    document_key,
    fleet_folder,
    is_document,
    read_fleet_source,
)
from allocator.errors import OutputError
from allocator.workbook.cells import is_blank
from allocator.workbook.fleet_writer import fleet_rows, write_fleet
from allocator.workbook.reader import FleetWorkbook
from allocator.workbook.scenarios_sheet import scenario_sheet_name
from allocator.workbook.schema import INPUT_SHEETS

__all__ = ["convert", "fleet_document_data", "is_csv_folder_target", "scenario_rows",
           "sheet_rows", "write_fleet_document"]


def _value(value: object, kind: str) -> object:
    if kind == "bool" and value in ("yes", "no"):
        return value == "yes"
    return value


def _records(rows: list[list[Any]], kinds: Mapping[str, str]) -> list[dict[str, Any]]:
    header = [str(h) for h in rows[0]] if rows else []
    return [{h: _value(v, kinds.get(h, "text")) for h, v in zip(header, row, strict=False)
             if not is_blank(v)} for row in rows[1:]
            if any(not is_blank(v) for v in row)]


def scenario_rows(source: FleetWorkbook | FleetDocument) -> list[list[Any]]:
    """The source's Scenarios rows, header first (``[]`` when it has none)."""
    if isinstance(source, FleetDocument):
        records = source.scenario_rows
        header: list[str] = []
        for record in records:
            header += [k for k in record if k not in header]
        return [header, *([r.get(h) for h in header] for r in records)] if records else []
    name = scenario_sheet_name(source.path)
    if name is None:
        return []
    with python_calamine.CalamineWorkbook.from_path(str(source.path)) as book:
        return [list(r) for r in book.get_sheet_by_name(name).to_python()]


def fleet_document_data(source: FleetWorkbook | FleetDocument) -> dict[str, Any]:
    """The fleet document of ``source``: ``version`` and one key per sheet with rows."""
    data: dict[str, Any] = {"version": SCHEMA_VERSION}
    for spec in INPUT_SHEETS:
        rows = (scenario_rows(source) if spec.name == "Scenarios"
                else fleet_rows(source.fleet, spec, source.catalog))
        kinds = {c.header: c.kind for c in spec.columns}
        if spec.key_value:
            data[document_key(spec)] = {str(k): _value(v, kinds.get(str(k), "text"))
                                        for k, v in rows[1:]}
            continue
        records = _records(rows, kinds)
        if records or spec.required:
            data[document_key(spec)] = records
    return data


def sheet_rows(source: FleetWorkbook | FleetDocument) -> dict[str, list[list[Any]]]:
    """Each input sheet's rows, header first, as a workbook of ``source`` would hold them:
    Settings always, the others when they have a record or are required."""
    out: dict[str, list[list[Any]]] = {}
    for spec in INPUT_SHEETS:
        rows = (scenario_rows(source) if spec.name == "Scenarios"
                else fleet_rows(source.fleet, spec, source.catalog))
        if spec.key_value or spec.required or len(rows) > 1:
            out[spec.name] = rows
    return out


def is_csv_folder_target(path: str | os.PathLike[str]) -> bool:
    """Whether ``convert`` writes a folder of sheet CSVs at ``path``: it is a folder, or its
    name has no suffix."""
    return Path(path).is_dir() or not Path(path).suffix


def _json_default(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def write_fleet_document(source: FleetWorkbook | FleetDocument, path: str | os.PathLike[str],
                         *, overwrite: bool = False) -> Path:
    """Write ``source``'s fleet as a YAML (``.yaml``, ``.yml``) or JSON document at ``path``.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is false, or it cannot be written.
    """
    target = Path(path)
    data = fleet_document_data(source)
    if target.suffix.lower() == ".json":
        text = json.dumps(data, indent=2, default=_json_default) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return write_text(target, text, overwrite=overwrite)


def write_text(target: Path, text: str, *, overwrite: bool) -> Path:
    """Write ``text`` to ``target``, refusing to replace it without ``overwrite``.

    Raises:
        OutputError: ``target`` exists (and not ``overwrite``) or cannot be written.
    """
    try:
        with target.open("w" if overwrite else "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise OutputError(f"{target} exists; pass --overwrite to replace it") from None
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc}") from exc
    return target


def _rebased(source: FleetWorkbook | FleetDocument, target: Path
             ) -> FleetWorkbook | FleetDocument:
    """``source`` with its ``hourly_prices_file`` relative to ``target``'s folder (a CSV
    folder target is its own; absolute where no relative path leads there), so the written
    fleet finds the same file."""
    name = source.fleet.settings.hourly_prices_file
    if not name:
        return source
    prices = (fleet_folder(source.path) / name).resolve()
    base = target.resolve() if is_csv_folder_target(target) else target.resolve().parent
    try:
        moved = os.path.relpath(prices, base)
    except ValueError:  # another drive
        moved = str(prices)
    settings = source.fleet.settings.model_copy(update={"hourly_prices_file": moved})
    return dataclasses.replace(source, fleet=source.fleet.model_copy(
        update={"settings": settings}))


def _refuse_hourly_rows(source: FleetWorkbook | FleetDocument) -> None:
    """Refuse a fleet whose hourly prices came from HourlyPrices rows alone: the fleet keeps
    only their binned curves, so a converted copy would silently plan without them.

    Raises:
        OutputError: the fleet has price curves and names no ``hourly_prices_file``.
    """
    if source.fleet.price_curves and not source.fleet.settings.hourly_prices_file:
        raise OutputError(
            f"{source.path.name}: its hourly prices are HourlyPrices rows, which convert "
            "cannot carry yet; put them in a CSV or Parquet file (site, timestamp, "
            "price_usd_mwh), name it in the Settings key hourly_prices_file and convert "
            "again. Nothing was written.")


def convert(source_path: str | os.PathLike[str], target: str | os.PathLike[str], *,
            overwrite: bool = False) -> Path:
    """Read the fleet at ``source_path`` (a workbook, a document or a folder of sheet CSVs)
    and write it at ``target``: a folder of sheet CSVs where ``target`` is a folder or has no
    suffix, a document by its suffix, otherwise a workbook.

    Raises:
        InputError: the source has faults.
        OutputError: ``target`` exists and ``overwrite`` is false, or cannot be written; or
            the source's hourly prices are HourlyPrices rows (:func:`_refuse_hourly_rows`).
    """
    source = _rebased(read_fleet_source(source_path), Path(target))
    _refuse_hourly_rows(source)
    if is_csv_folder_target(target):
        return write_csv_folder(sheet_rows(source), target, overwrite=overwrite)
    if is_document(target):
        return write_fleet_document(source, target, overwrite=overwrite)
    return write_fleet(source.fleet, Path(target), overwrite=overwrite, catalog=source.catalog,
                       scenarios=scenario_rows(source))
