"""Read a fleet document (``.yaml``, ``.yml`` or ``.json``) through the workbook's validation.

A fleet document holds what a fleet workbook holds, one key per input sheet: ``settings`` is
a mapping of setting to value; ``sites``, ``miners``, ``market``, ``power_prices``,
``contracts``, ``scenarios``, ``network_fleet`` and ``catalog`` are lists of mappings whose
keys are the sheet's column headers. ``version`` names the schema version it was written for
(:data:`SCHEMA_VERSION`).

The document is laid out as the sheets it stands for (a header row, one row per record) and
read by the very code that reads a workbook (:mod:`allocator.workbook.tables`,
:mod:`allocator.workbook.records`, :mod:`allocator.workbook.catalog_sheet`), so the two
formats accept the same values and refuse them with the same words. Each fault is then told
by its path in the document instead of its cell: ``Sites!C7: capacity_mw must be > 0`` is
``sites[5].capacity_mw: must be > 0 (got -5)`` (records count from 0). Every fault is raised
at once in one :class:`~allocator.errors.InputError`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from allocator.catalog import Catalog
from allocator.documents.csv_folder import lay_out_csv_folder
from allocator.documents.paths import at_path as _at
from allocator.domain import Fleet
from allocator.errors import InputError, Problem
from allocator.scenarios.changes import Scenario, scenario_problems
from allocator.workbook.catalog_sheet import read_catalog_sheet
from allocator.workbook.cells import address_order, format_list
from allocator.workbook.hourly_sheet import read_hourly_prices
from allocator.workbook.paths_columns import PATHS_SHEET
from allocator.workbook.reader import FleetWorkbook, read_workbook
from allocator.workbook.records import FleetRecords
from allocator.workbook.scans import SheetFacts
from allocator.workbook.scenarios_sheet import _parse as parse_scenario_rows
from allocator.workbook.schema import (
    CATALOG_SHEET,
    HOURLY_PRICES_SHEET,
    INPUT_SHEETS,
    SheetSpec,
    sheet_spec,
)
from allocator.workbook.tables import (
    HEADER_ROW,
    LoadedSheets,
    Report,
    Rows,
    TooManyProblems,
    in_reading_order,
    parse_sheets,
)

__all__ = [
    "DOCUMENT",
    "DOCUMENT_SUFFIXES",
    "SCHEMA_VERSION",
    "FleetDocument",
    "LaidOut",
    "SheetLayout",
    "document_key",
    "fleet_folder",
    "is_document",
    "read_fleet_document",
    "read_fleet_source",
    "read_laid_out",
]

SCHEMA_VERSION = 1
"""The fleet document's schema version, in its ``version`` key and the schema's ``$id``.

Bump it when a document valid under the old schema would be refused or read differently
(a key renamed or removed, a unit changed); adding an optional column or sheet does not bump
it. A reader refuses documents of a later version than its own."""

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
"""File suffixes read as fleet documents; any other path is read as a workbook."""

DOCUMENT = "document"
"""``Problem.sheet`` of a fault in the document as a whole (not YAML, not a mapping)."""

_META_KEYS = ("version", "$schema")


def document_key(spec: SheetSpec) -> str:
    """The document's key for sheet ``spec``: ``PowerPrices`` -> ``power_prices``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", spec.name).lower()


_SPECS: dict[str, SheetSpec] = {document_key(spec): spec for spec in INPUT_SHEETS}


def is_document(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a fleet document (by its suffix) or a folder of sheet CSVs,
    rather than a workbook."""
    return Path(path).suffix.lower() in DOCUMENT_SUFFIXES or Path(path).is_dir()


class SheetLayout(Protocol):
    """Where each cell of sheets laid out from a text source came from."""

    def path_of(self, problem: Problem) -> Problem:
        """``problem`` told where the source has it instead of by sheet and cell."""

    def warning(self, line: str) -> str:
        """A reader's ``Sheet!Cell: message`` warning told the same way."""


class LaidOut(Protocol):
    """A text source laid out as the sheets it stands for, with the faults of its shape."""

    @property
    def sheets(self) -> LoadedSheets: ...

    @property
    def layout(self) -> SheetLayout: ...

    @property
    def problems(self) -> list[Problem]: ...

    @property
    def warnings(self) -> list[str]: ...

    @property
    def scenario_rows(self) -> tuple[dict[str, Any], ...]: ...


@dataclass
class _Layout:
    """Where each cell of the sheets laid out from a document came from."""

    headers: dict[str, list[str]] = field(default_factory=dict)
    """Sheet name -> the document keys of its columns, in column order."""
    settings: dict[int, str] = field(default_factory=dict)
    """Settings row number -> the setting's key as the document spells it."""

    def path_of(self, problem: Problem) -> Problem:
        """``problem`` told by its path in the document instead of its sheet and cell."""
        if problem.sheet not in _KEY_OF:
            return problem
        key = _KEY_OF[problem.sheet]
        if problem.cell is None:
            return dataclasses.replace(problem, sheet=key)
        if problem.cell == HEADER_ROW:
            return dataclasses.replace(problem, sheet=key, cell=None, column=None)
        row, column = address_order(problem.cell)
        if key == "settings":
            name = self.settings.get(row)
            return _at(problem, key, name)
        headers = self.headers.get(problem.sheet, [])
        name = headers[column - 1] if 0 < column <= len(headers) else None
        return _at(problem, f"{key}[{row - 2}]", name)

    def warning(self, line: str) -> str:
        """A reader's ``Sheet!Cell: message`` warning told by path."""
        match = re.match(r"([^!]+)!([A-Z]*\d+(?::\d+)?): (.*)", line, re.DOTALL)
        if match is None:
            return line
        sheet, cell, message = match.groups()
        return str(self.path_of(Problem(sheet, message, cell=cell)))


_KEY_OF = {spec.name: key for key, spec in _SPECS.items()}


@dataclass(frozen=True)
class FleetDocument:
    """A fleet read from a document, as :class:`~allocator.workbook.reader.FleetWorkbook`
    is one read from a workbook (``fleet``, ``warnings``, ``sha256``, :meth:`locate`).

    Attributes:
        fleet: The validated fleet.
        warnings: ``path: message`` lines for harmless oddities (an unknown key, ...).
        path: The file read.
        sha256: Hex digest of the file's bytes, for the run record.
        catalog: The miner catalog with the document's own ``catalog`` rows.
        scenarios: The document's scenarios, checked against its fleet.
        scenario_rows: The ``scenarios`` records as given, for conversion.
        scenario_paths: The ``scenario_paths`` records as the rows of a ``ScenarioPaths``
            sheet (the header first; cells as given), checked only by a stochastic plan
            (:mod:`allocator.documents.paths_rows`).
    """

    fleet: Fleet
    warnings: tuple[str, ...]
    path: Path
    sha256: str
    catalog: Catalog = field(default_factory=Catalog)
    scenarios: tuple[Scenario, ...] = ()
    scenario_rows: tuple[dict[str, Any], ...] = ()
    scenario_paths: tuple[tuple[object, ...], ...] = ()
    places: Mapping[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)
    layout: SheetLayout = field(default_factory=lambda: _Layout())

    def locate(self, problem: Problem) -> Problem:
        """``problem`` at its path when it names a record and field of this document.

        The consistency pass speaks of ``Contracts[Lease-B].min_mw``; here that is a path
        such as ``contracts[1].min_mw``.
        """
        if problem.cell is None and problem.column is not None:
            place = self.places.get((problem.sheet, problem.record or "", problem.column))
            if place is not None:
                problem = dataclasses.replace(problem, sheet=place[0], cell=place[1])
                return self.layout.path_of(problem)
        return problem

    def read_scenarios(self) -> tuple[Scenario, ...]:
        """The document's scenarios (checked when it was read)."""
        return self.scenarios


def _load(path: Path) -> object:
    """The parsed document; a file that is not JSON or YAML is an InputError.

    PyYAML is imported here, for a YAML document only: reading a workbook or a JSON document
    does not wait for it (``allocator validate fleet.xlsx``).
    """
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        problem = Problem(DOCUMENT, f"cannot read {path.name} as {kind}: {exc}")
        raise InputError([problem], source=str(path)) from exc


def _cell(value: object, where: str, column: str, problems: list[Problem]) -> object:
    """A document value as a sheet cell: a list of names is the comma-separated text."""
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return format_list(tuple(str(v) for v in value))
    if isinstance(value, list | dict):
        problems.append(Problem(where, "must be a single value, not a "
                                f"{'list' if isinstance(value, list) else 'mapping'}",
                                column=column))
        return None
    return value


class _Sheets:
    """The sheets a document stands for, with the faults of its shape."""

    def __init__(self) -> None:
        self.sheets: LoadedSheets = {}
        self.layout = _Layout()
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.scenario_rows: tuple[dict[str, Any], ...] = ()

    def lay_out(self, data: object) -> None:
        if not isinstance(data, dict):
            self.problems.append(Problem(DOCUMENT, "must be a mapping of sheets (settings, "
                                         f"sites, market, ...); got {type(data).__name__}"))
            return
        self._version(data.get("version"))
        for key, value in data.items():
            spec = _SPECS.get(str(key))
            if spec is None:
                if key not in _META_KEYS:
                    known = ", ".join(_SPECS)
                    self.warnings.append(f"{key}: unknown key ignored; the keys are {known}")
            elif spec.key_value:
                self._settings(spec, value)
            elif value is not None:
                self._table(spec, str(key), value)
        for key, spec in _SPECS.items():
            if spec.required and data.get(key) is None:
                self.problems.append(Problem(key, f"is required: {spec.description}"))

    def _version(self, version: object) -> None:
        if version is None:
            return
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.problems.append(Problem("version", "must be a whole number such as "
                                         f"{SCHEMA_VERSION}", value=version))
        elif version > SCHEMA_VERSION:
            self.problems.append(Problem("version", "this allocator reads fleet documents "
                                         f"up to version {SCHEMA_VERSION}", value=version))

    def _settings(self, spec: SheetSpec, value: object) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.problems.append(Problem("settings", "must be a mapping of setting to value"))
            return
        rows: Rows = [["key", "value"]]
        for number, (key, raw) in enumerate(value.items(), start=2):
            self.layout.settings[number] = str(key)
            rows.append([str(key), _cell(raw, "settings", str(key), self.problems)])
        self.sheets[spec.name] = (spec.name, rows, SheetFacts())

    def _table(self, spec: SheetSpec, key: str, value: object) -> None:
        if not isinstance(value, list):
            self.problems.append(Problem(key, "must be a list of records (mappings of "
                                         "column to value)"))
            return
        headers: list[str] = []
        for record in value:
            if isinstance(record, dict):
                headers += [str(k) for k in record if str(k) not in headers]
        rows: Rows = [list(headers)]
        for index, record in enumerate(value):
            if not isinstance(record, dict):
                self.problems.append(Problem(f"{key}[{index}]", "must be a mapping of column "
                                             "to value", value=record))
                rows.append([])
                continue
            given = {str(k): v for k, v in record.items()}
            rows.append([_cell(given.get(h), f"{key}[{index}]", h, self.problems)
                         for h in headers])
        if spec.name == "Scenarios":
            self.scenario_rows = tuple(dict(r) for r in value if isinstance(r, dict))
        self.layout.headers[spec.name] = headers
        self.sheets[spec.name] = (spec.name, rows, SheetFacts())


def fleet_folder(path: str | os.PathLike[str]) -> Path:
    """The folder a fleet's relative paths (``hourly_prices_file``) start from: a folder of
    sheet CSVs itself, else the folder holding the workbook or document."""
    where = Path(path).resolve()
    return where if where.is_dir() else where.parent


def read_fleet_document(path: str | os.PathLike[str]) -> FleetDocument:
    """Read and validate the fleet document at ``path`` (``.yaml``, ``.yml`` or ``.json``).

    Raises:
        InputError: the file is missing or not YAML or JSON, or the document has faults;
            ``problems`` lists every one, each at its path (``sites[3].capacity_mw``).
    """
    source = Path(path)
    try:
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError([Problem(DOCUMENT, f"cannot read {source}: {exc}")],
                         source=str(source)) from exc
    laid = _Sheets()
    laid.lay_out(_load(source))
    return read_laid_out(source, digest, laid)


def read_laid_out(source: Path, digest: str, laid: LaidOut) -> FleetDocument:
    """Validate the sheets ``laid`` out from the text source at ``source`` with the
    workbook reader's code; each fault told by ``laid.layout``.

    Raises:
        InputError: every fault of the shape and of the sheets at once.
    """
    report = Report()
    fleet: Fleet | None = None
    models = Catalog()
    reader = FleetRecords(report, models)
    try:
        tables, settings = parse_sheets(laid.sheets, report)
        models = read_catalog_sheet(tables.get(CATALOG_SHEET), report)
        reader = FleetRecords(report, models)
        fleet = reader.read(tables, settings)
        if fleet is not None:
            fleet = read_hourly_prices(fleet, laid.sheets.get(HOURLY_PRICES_SHEET),
                                       fleet_folder(source), reader.places, report)
    except TooManyProblems:
        pass
    problems = [*laid.problems,
                *(laid.layout.path_of(p) for p in in_reading_order(report.problems))]
    scenarios: tuple[Scenario, ...] = ()
    if fleet is not None and "Scenarios" in laid.sheets:
        found: list[Problem] = []
        scenarios = parse_scenario_rows(sheet_spec("Scenarios"), "Scenarios",
                                        laid.sheets["Scenarios"][1], found, {})
        found += scenario_problems(fleet, scenarios)
        problems += [laid.layout.path_of(p) for p in found]
    if problems or fleet is None:
        raise InputError(problems, source=str(source))
    return FleetDocument(
        fleet=fleet, warnings=(*laid.warnings, *map(laid.layout.warning, report.warnings)),
        path=source, sha256=digest, catalog=models, scenarios=scenarios,
        scenario_rows=laid.scenario_rows, places=reader.places, layout=laid.layout,
        scenario_paths=_path_rows(laid.sheets))


def _path_rows(sheets: LoadedSheets) -> tuple[tuple[object, ...], ...]:
    """The laid-out ``scenario_paths`` rows (the header first), or none."""
    laid = sheets.get(PATHS_SHEET)
    return tuple(tuple(row) for row in laid[1]) if laid is not None else ()


def read_fleet_source(path: str | os.PathLike[str]) -> FleetWorkbook | FleetDocument:
    """The fleet at ``path``: a folder of sheet CSVs (:mod:`allocator.documents.csv_folder`),
    a document by its suffix (:data:`DOCUMENT_SUFFIXES`), else a workbook read with
    :func:`~allocator.workbook.reader.read_workbook`.

    Raises:
        InputError: every fault of the source, each where the source has it.
    """
    if Path(path).is_dir():
        laid, digest = lay_out_csv_folder(path)
        return read_laid_out(Path(path), digest, laid)
    return read_fleet_document(path) if is_document(path) else read_workbook(path)
