"""Read a fleet workbook into a validated ``Fleet``; it never writes and knows no solver.

Every fault found is collected as a :class:`~allocator.errors.Problem` naming its sheet and cell
(``Sites!C7: capacity_mw must be > 0 (got -5)``) and all of them are raised together in one
:class:`~allocator.errors.InputError`; nothing else escapes :func:`read_workbook`. Things that are
odd but harmless (an unknown column, a sheet named ``Site``) become warnings on the result.

Where a fault has no single cell, ``cell`` is the row reference ``1:1`` for the header row (a
required column is missing) and ``None`` for a whole sheet (a required sheet is missing).

What is read, beyond the values themselves:

- Formulas count with the value the spreadsheet program last saved. A formula with no saved
  value (a file written by a script and never opened) and an error value (``#DIV/0!``) are
  faults at their cell, never a blank that would quietly take a default.
- Hidden columns whose header is not in the contract (helper columns) are skipped without a
  warning. A hidden column whose header *is* in the contract is read, with a warning, and so
  are hidden rows and hidden input sheets: what is in the sheet counts, seen or not.
- Before python-calamine opens the file, :mod:`allocator.workbook.guards` refuse paths that
  are not regular files (FIFOs, devices), zip bombs, XML DTDs, workbooks with too many sheets
  or shared strings, and sheets whose used area is larger than the cell cap.
- A long sheet is read first from its first 2,000 rows (:mod:`allocator.workbook.first_rows`);
  when those alone pass the cap of problems, the rest is neither scanned nor loaded and the
  report is the one the whole sheet would give.

This module opens the file, finds the input sheets and loads them; their rows are parsed by
:mod:`allocator.workbook.tables` and turned into the fleet by :mod:`allocator.workbook.records`,
after :mod:`allocator.workbook.catalog_sheet` has made the Catalog sheet's rows (if any) part
of the catalog the Miners rows are looked up in.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import python_calamine

from allocator.catalog import Catalog
from allocator.domain import Fleet
from allocator.errors import InputError, Problem
from allocator.scenarios.changes import Scenario
from allocator.workbook.catalog_sheet import read_catalog_sheet
from allocator.workbook.cells import address_order
from allocator.workbook.first_rows import FIRST_ROWS, LONG_ROWS, Survey, cut_book, survey
from allocator.workbook.guards import DEFAULT_LIMITS, Format, Limits, check_file
from allocator.workbook.hourly_sheet import read_hourly_prices
from allocator.workbook.parts import WORKBOOK
from allocator.workbook.records import CHECK_ORDER, FleetRecords
from allocator.workbook.scans import SheetFacts, scan_ods, scan_ooxml
from allocator.workbook.scenarios_sheet import read_scenarios
from allocator.workbook.schema import (
    CATALOG_SHEET,
    HOURLY_PRICES_SHEET,
    INPUT_SHEETS,
    RESULT_SHEETS,
)
from allocator.workbook.tables import (
    LoadedSheets,
    Report,
    Rows,
    TooManyProblems,
    in_reading_order,
    listing,
    match_key,
    parse_sheets,
)

__all__ = ["WORKBOOK", "FleetWorkbook", "Limits", "read_workbook"]


@dataclass(frozen=True)
class FleetWorkbook:
    """A fleet read from a workbook, with what the reader noticed but did not reject.

    Attributes:
        fleet: The validated fleet.
        warnings: ``Sheet!Cell: message`` lines for harmless oddities (unknown columns, ...).
        path: The file read.
        sha256: Hex digest of the file's bytes, for the run record.
    """

    fleet: Fleet
    warnings: tuple[str, ...]
    path: Path
    sha256: str
    places: Mapping[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)
    """(input sheet, record name, field) -> (sheet as spelled, cell), for :meth:`locate`."""
    catalog: Catalog = field(default_factory=Catalog)
    """The miner catalog the book was read with: the shipped one and its Catalog sheet's
    added and overriding models (see :mod:`allocator.workbook.catalog_sheet`)."""

    def locate(self, problem: Problem) -> Problem:
        """``problem`` with its cell filled in when it names a record and field of this book.

        The consistency pass speaks of ``Contracts[Lease-B].min_mw``; in a workbook that is
        a cell such as ``Contracts!E3``.
        """
        if problem.cell is not None or problem.column is None:
            return problem
        place = self.places.get((problem.sheet, problem.record or "", problem.column))
        if place is None:
            return problem
        sheet, cell = place
        return dataclasses.replace(problem, sheet=sheet, cell=cell)

    def read_scenarios(self) -> tuple[Scenario, ...]:
        """The book's Scenarios sheet, checked against its fleet (``()`` when it has none).

        Raises:
            InputError: every faulty scenario row, each at its cell.
        """
        return read_scenarios(self.path, self.fleet)


def read_workbook(path: str | os.PathLike[str], *, limits: Limits | None = None) -> FleetWorkbook:
    """Read and validate the fleet workbook at ``path`` (``.xlsx``, ``.xlsm``, ``.ods``, ...).

    Formulas count with the values the spreadsheet program last saved for them; nothing is
    written. The file is checked against ``limits`` before any spreadsheet library opens it.

    Args:
        path: The workbook file.
        limits: Caps on file size, unpacked size and cells read; default
            :data:`~allocator.workbook.guards.DEFAULT_LIMITS` (200 MB, 1 million cells).

    Returns:
        The fleet with the reader's warnings, the path and the file's SHA-256.

    Raises:
        InputError: the file is missing, not a workbook or beyond the limits, or the workbook
            has faults; ``problems`` lists every one of them, each with its sheet and cell.
            Past :data:`~allocator.workbook.tables.MAX_PROBLEMS` reading stops: ``problems``
            holds the first ones and ``stopped`` says what was not checked.
        TypeError: ``path`` is not a ``str`` or ``os.PathLike``.
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"read_workbook needs the path of a workbook (str or pathlib.Path); "
                        f"got {type(path).__name__}")
    source = Path(path)
    caps = limits or DEFAULT_LIMITS
    report = Report()
    sheets: LoadedSheets = {}
    order = _CELL_ORDER
    try:
        kind = _check_source(source, caps)
        digest = _sha256(source)
        sheets = _load_sheets(source, kind, caps, report)
        tables, settings = parse_sheets(sheets, report)
        order = (CATALOG_SHEET, *CHECK_ORDER)
        models = read_catalog_sheet(tables.get(CATALOG_SHEET), report)
        reader = FleetRecords(report, models)
        fleet = reader.read(tables, settings)
        if fleet is not None:
            fleet = read_hourly_prices(fleet, sheets.get(HOURLY_PRICES_SHEET),
                                       source.resolve().parent, reader.places, report)
    except TooManyProblems as stop:
        stopped = _stopped(stop.problem, sheets, order, report.max_problems)
        raise InputError(in_reading_order(report.problems), source=str(source),
                         stopped=stopped) from None
    except InputError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    # An odd file or a reader bug must still be an InputError. BaseException, because a Rust
    # panic inside python-calamine arrives as pyo3's PanicException, which is not an Exception.
    except BaseException as exc:
        problem = Problem(WORKBOOK, f"could not read the workbook: {type(exc).__name__}: {exc}")
        raise InputError([problem], source=str(source)) from exc
    if report.problems or fleet is None:
        raise InputError(in_reading_order(report.problems), source=str(source))
    return FleetWorkbook(
        fleet=fleet,
        warnings=tuple(report.warnings),
        path=source,
        sha256=digest,
        places=reader.places,
        catalog=models,
    )


_CELL_ORDER = tuple(spec.name for spec in INPUT_SHEETS if spec.name != "Scenarios")
"""The order :func:`~allocator.workbook.tables.parse_sheets` reads the sheets' cells in."""


def _stopped(problem: Problem, sheets: LoadedSheets, order: tuple[str, ...], cap: int,
             last_rows: Mapping[str, int] | None = None) -> Problem:
    """The line saying reading stopped at ``problem`` (the first beyond ``cap``) and what it
    left unchecked: the rest of that sheet and the sheets after it in ``order``.

    ``last_rows`` gives the last row of a sheet loaded cut short (by sheet as spelled)."""
    head = f"stopped after {cap:,} problems"
    names = [sheets[name][0] for name in order if name in sheets]
    if problem.sheet not in names:
        return Problem(problem.sheet, f"{head}; the rest of the workbook is not checked")
    at = names.index(problem.sheet)
    grid = next(rows for actual, rows, _ in sheets.values() if actual == problem.sheet)
    row = max(address_order(problem.cell)[0], 1)
    last = max(len(grid), (last_rows or {}).get(problem.sheet, 0))
    rows = (f"rows {row:,} to {last:,} ({last - row + 1:,} rows)" if last > row
            else f"row {row:,}")
    later = names[at + 1:]
    nor = (f", nor the sheet{'s' if len(later) > 1 else ''} {', '.join(later)}"
           if later else "")
    return Problem(problem.sheet, f"{head}; {rows} not checked{nor}")


# --------------------------------------------------------------------------- file and sheets


def _fail(source: Path, message: str) -> InputError:
    return InputError([Problem(WORKBOOK, message)], source=str(source))


def _check_source(source: Path, limits: Limits) -> Format:
    """The file exists, is a file, and passes the guards; returns its format."""
    if not source.exists():
        raise _fail(source, f"file not found: {source}")
    if source.is_dir():
        raise _fail(source, f"{source} is a folder, not a workbook")
    try:
        return check_file(source, limits)
    except OSError as exc:
        raise _fail(source, f"cannot read {source}: {exc.strerror or exc}") from exc


def _sha256(source: Path) -> str:
    try:
        with source.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError as exc:
        raise _fail(source, f"cannot read {source}: {exc.strerror or exc}") from exc

def _load_sheets(source: Path, kind: Format, limits: Limits, report: Report) -> LoadedSheets:
    """Each input sheet present, by schema name: ``{"Sites": ("sites", rows, facts)}``.

    The sheets' XML is scanned (and the cell cap checked) before calamine loads them: for
    .ods before the file is opened at all, since calamine then loads every sheet. Big sheets
    of an .xlsx or .xlsm are surveyed first, and long ones read first cut to their first rows
    (:func:`_first_rows_stop`).
    """
    facts: dict[str, SheetFacts] = scan_ods(source, limits) if kind == "ods" else {}
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(source))
    except Exception as exc:  # calamine raises its own errors, OSError and others
        raise _fail(
            source,
            f"{source.name} is not a workbook python-calamine can read "
            f"(.xlsx, .xlsm, .xlsb, .xls or .ods): {exc}",
        ) from exc
    with book:
        matched = _match_sheets([str(name) for name in book.sheet_names], report)
        if kind == "ooxml":
            surveys = survey(source, matched.values(), limits.max_cells)
            settled = _first_rows_stop(source, matched, surveys, limits, report)
            if settled is not None:
                raise settled
            counted = {name: found.values for name, found in surveys.items()}
            facts = scan_ooxml(source, matched.values(), limits, counted=counted)
        return _grids(source, book, matched, facts, limits, report)


def _grids(source: Path, book: python_calamine.CalamineWorkbook, matched: dict[str, str],
           facts: Mapping[str, SheetFacts], limits: Limits, report: Report,
           cut: frozenset[str] = frozenset()) -> LoadedSheets:
    """Load the ``matched`` sheets of the open ``book``; those in ``cut`` (a first read's
    copy) up to :data:`~allocator.workbook.first_rows.FIRST_ROWS` rows."""
    visible = python_calamine.SheetVisibleEnum.Visible
    hidden = {meta.name for meta in book.sheets_metadata if meta.visible != visible}
    sheets: LoadedSheets = {}
    cells = 0
    for spec_name, actual in matched.items():
        try:
            sheet = book.get_sheet_by_name(actual)
        except Exception as exc:  # e.g. a chart sheet under an input sheet's name
            report.problem(actual, f"cannot read the sheet: {exc}")
            continue
        # .xls and .xlsb cannot be scanned first: at least keep their grids out of Python.
        if sheet.end is not None:  # the grid runs from A1 to the last cell
            cells += (int(sheet.end[0]) + 1) * (int(sheet.end[1]) + 1)
        if cells > limits.max_cells:
            message = (f"the input sheets up to this one span {cells:,} cells, more than "
                       f"the {limits.max_cells:,} the reader accepts")
            raise InputError([Problem(actual, message)], source=str(source))
        kept = FIRST_ROWS if actual in cut else None
        rows = sheet.to_python(skip_empty_area=False, nrows=kept)
        if actual in hidden:
            report.warnings.append(
                f"{actual}: sheet '{actual}' is hidden; it is read like any other")
        found = facts.get(actual, SheetFacts())
        grid = cast(Rows, rows)  # a new list of new lists, ours to extend
        # calamine leaves out formulas without a value: keep their rows in the grid.
        last = max((row for row, _ in found.unreadable if kept is None or row <= kept),
                   default=0)
        grid.extend([] for _ in range(last - len(grid)))
        sheets[spec_name] = (actual, grid, found)
    return sheets


def _first_rows_stop(source: Path, matched: dict[str, str], surveys: Mapping[str, Survey],
                     limits: Limits, report: Report) -> InputError | None:
    """The error a read of the whole book would raise, found by reading a copy with its long
    sheets cut to their first rows (:mod:`allocator.workbook.first_rows`); ``None`` when
    that does not settle it and the whole book must be read.

    A flood of faults (one in each of 330,000 rows) then stops without the rows past the
    first thousands being scanned, loaded by calamine or built by Python. The copy is tried
    only when every big sheet is long and can be cut, and none is over the cell cap.
    """
    if not surveys or any(
            found.values > limits.max_cells or found.head is None or found.last_row is None
            or found.last_row <= LONG_ROWS for found in surveys.values()):
        return None
    order = [matched[name] for name in _CELL_ORDER if name in matched]
    heads = {name: found.head for name, found in surveys.items() if found.head is not None}
    copy = cut_book(source, heads, order)
    if copy is None:
        return None
    trial = Report(report.max_problems)
    trial.problems = list(report.problems)
    sheets: LoadedSheets = {}
    try:
        facts = scan_ooxml(source, matched.values(), limits, data=copy.data)
        copy.data.seek(0)
        with python_calamine.CalamineWorkbook.from_filelike(copy.data) as book:
            sheets = _grids(source, book, matched, facts, limits, trial, copy.cut)
        parse_sheets(sheets, trial)
    except TooManyProblems as stop:
        if not copy.settles(stop.problem):
            return None
        last = {name: surveys[name].last_row or 0 for name in copy.cut}
        stopped = _stopped(stop.problem, sheets, _CELL_ORDER, trial.max_problems, last)
        return InputError(in_reading_order(trial.problems), source=str(source),
                          stopped=stopped)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a fault in the copy: the whole read meets it and words it
        return None
    return None


def _match_sheets(names: list[str], report: Report) -> dict[str, str]:
    """Map each input sheet's schema name to the workbook's sheet of that name."""
    by_key = {match_key(spec.name): spec for spec in INPUT_SHEETS}
    matched: dict[str, str] = {}
    others: list[str] = []
    for name in names:
        spec = by_key.get(match_key(name))
        if spec is None:
            others.append(name)
        elif spec.name in matched:
            report.problem(
                name,
                f"two sheets are the input sheet {spec.name}: '{matched[spec.name]}' and "
                f"'{name}'; rename or delete one",
            )
        else:
            matched[spec.name] = name
    result_keys = {match_key(name) for name in RESULT_SHEETS}
    near: dict[str, str] = {}
    for name in others:
        if match_key(name) in result_keys:
            continue
        close = difflib.get_close_matches(match_key(name), list(by_key), n=1, cutoff=0.8)
        if close:
            spec = by_key[close[0]]
            near.setdefault(spec.name, name)
            report.warnings.append(
                f"{name}: sheet '{name}' is not read; did you mean '{spec.name}'?"
            )
    for spec in INPUT_SHEETS:
        if spec.required and spec.name not in matched:
            message = (
                f"required sheet '{spec.name}' is missing; the workbook has: "
                f"{listing(names) or 'no sheets'}"
            )
            if spec.name in near:
                message += f" (rename '{near[spec.name]}' to '{spec.name}')"
            report.problem(spec.name, message)
    return matched

