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
- Before python-calamine opens the file, :mod:`allocator.workbook.safety` refuses zip bombs,
  XML DTDs and sheets whose used area is larger than the cell cap.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import itertools
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import python_calamine
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from allocator import catalog
from allocator.domain import (
    Contract,
    Fleet,
    MarketMonth,
    MinerTranche,
    PowerPrice,
    Settings,
    Site,
    safe_name,
)
from allocator.errors import InputError, Problem
from allocator.periods import month_from_index, month_index, months_between
from allocator.scenarios.changes import Scenario
from allocator.workbook.cells import (
    CellError,
    CellValue,
    cell_address,
    column_letter,
    is_blank,
    parse_cell,
    show_value,
)
from allocator.workbook.guards import DEFAULT_LIMITS, Format, Limits, check_file
from allocator.workbook.parts import WORKBOOK
from allocator.workbook.scans import SheetFacts, scan_ods, scan_ooxml
from allocator.workbook.scenarios_sheet import read_scenarios
from allocator.workbook.schema import (
    INPUT_SHEETS,
    RESULT_SHEETS,
    SETTINGS_KEYS,
    ColumnSpec,
    SheetSpec,
    normalize_header,
)

__all__ = ["WORKBOOK", "FleetWorkbook", "Limits", "read_workbook"]

HEADER_ROW = "1:1"
"""``Problem.cell`` of a fault in a sheet's header row as a whole (a required column missing)."""

_MAX_LISTED = 12  # names listed in a message before "..."
_SETTINGS_HEADER_WORDS = frozenset({"key", "keys", "setting", "settings", "name", "parameter"})
# The writer's sheets, which live in the same workbook after a run and are not input.

_Model = TypeVar("_Model", bound=BaseModel)
_Rows = list[list[object]]
_Sheets = dict[str, tuple[str, _Rows, SheetFacts]]  # schema name -> (workbook name, rows, facts)


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


def read_workbook(path: str | Path, *, limits: Limits | None = None) -> FleetWorkbook:
    """Read and validate the fleet workbook at ``path`` (``.xlsx``, ``.xlsm``, ``.ods``, ...).

    Formulas count with the values the spreadsheet program last saved for them; nothing is
    written. The file is checked against ``limits`` before any spreadsheet library opens it.

    Args:
        path: The workbook file.
        limits: Caps on file size, unpacked size and cells read; default
            :data:`~allocator.workbook.safety.DEFAULT_LIMITS` (200 MB, 5 million cells).

    Returns:
        The fleet with the reader's warnings, the path and the file's SHA-256.

    Raises:
        InputError: the file is missing, not a workbook or beyond the limits, or the workbook
            has faults; ``problems`` lists every one of them, each with its sheet and cell.
    """
    source = Path(path)
    caps = limits or DEFAULT_LIMITS
    report = _Report()
    try:
        kind = _check_source(source, caps)
        digest = _sha256(source)
        sheets = _load_sheets(source, kind, caps, report)
        reader = _Reader(report)
        fleet = reader.read(sheets)
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
        raise InputError(_in_reading_order(report.problems), source=str(source))
    return FleetWorkbook(
        fleet=fleet,
        warnings=tuple(report.warnings),
        path=source,
        sha256=digest,
        places=reader.places,
    )


# --------------------------------------------------------------------------- file and sheets


def _fail(source: Path, message: str) -> InputError:
    return InputError([Problem(WORKBOOK, message)], source=str(source))


def _check_source(source: Path, limits: Limits) -> Format:
    """The file exists, is a file, and passes the safety checks; returns its format."""
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


def _key(text: object) -> str:
    """Matching key of a sheet name, header or setting: case, spaces and punctuation ignored.

    ``Power Prices``, ``power_prices`` and ``PowerPrices`` match, as do ``Capacity (MW)`` and
    ``capacity_mw``; no two schema names share a key.
    """
    return re.sub(r"[\W_]", "", normalize_header(text))


def _load_sheets(source: Path, kind: Format, limits: Limits, report: _Report) -> _Sheets:
    """Each input sheet present, by schema name: ``{"Sites": ("sites", rows, facts)}``.

    The sheets' XML is scanned (and the cell cap checked) before calamine loads them: for
    .ods before the file is opened at all, since calamine then loads every sheet.
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
            facts = scan_ooxml(source, matched.values(), limits)
        visible = python_calamine.SheetVisibleEnum.Visible
        hidden = {meta.name for meta in book.sheets_metadata if meta.visible != visible}
        sheets: _Sheets = {}
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
            rows = sheet.to_python(skip_empty_area=False)
            if actual in hidden:
                report.warnings.append(
                    f"{actual}: sheet '{actual}' is hidden; it is read like any other")
            found = facts.get(actual, SheetFacts())
            grid: _Rows = [list(row) for row in rows]
            # calamine leaves out formulas without a value: keep their rows in the grid.
            last = max((row for row, _ in found.unreadable), default=0)
            grid.extend([] for _ in range(last - len(grid)))
            sheets[spec_name] = (actual, grid, found)
    return sheets


def _match_sheets(names: list[str], report: _Report) -> dict[str, str]:
    """Map each input sheet's schema name to the workbook's sheet of that name."""
    by_key = {_key(spec.name): spec for spec in INPUT_SHEETS}
    matched: dict[str, str] = {}
    others: list[str] = []
    for name in names:
        spec = by_key.get(_key(name))
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
    result_keys = {_key(name) for name in RESULT_SHEETS}
    near: dict[str, str] = {}
    for name in others:
        if _key(name) in result_keys:
            continue
        close = difflib.get_close_matches(_key(name), list(by_key), n=1, cutoff=0.8)
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
                f"{_listing(names) or 'no sheets'}"
            )
            if spec.name in near:
                message += f" (rename '{near[spec.name]}' to '{spec.name}')"
            report.problem(spec.name, message)
    return matched


# --------------------------------------------------------------------------- collected faults


class _Report:
    """Problems and warnings, collected while reading."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[str] = []

    def problem(
        self,
        sheet: str,
        message: str,
        cell: str | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.problems.append(
            Problem(sheet, message, cell=cell, column=column, value=show_value(value))
        )

    def warn(self, sheet: str, cell: str, message: str) -> None:
        self.warnings.append(f"{sheet}!{cell}: {message}")


def _in_reading_order(problems: list[Problem]) -> list[Problem]:
    """Problems by sheet (workbook order of the contract), then row, then column."""
    rank = {_key(spec.name): index for index, spec in enumerate(INPUT_SHEETS)}

    def order(problem: Problem) -> tuple[int, int, int]:
        sheet = -1 if problem.sheet == WORKBOOK else rank.get(_key(problem.sheet), len(rank))
        match = re.match(r"([A-Z]*)(\d+)", problem.cell or "")
        if not match:
            return (sheet, 0, 0)
        letters, row = match.groups()
        column = 0
        for letter in letters:
            column = column * 26 + ord(letter) - ord("A") + 1
        return (sheet, int(row), column)

    return sorted(problems, key=order)


def _listing(names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (", ..." if len(names) > _MAX_LISTED else "")


def _fmt(number: object) -> str:
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)


# --------------------------------------------------------------------------- rows and tables


@dataclass
class _Row:
    """One record: its parsed values and where each came from."""

    sheet: str
    number: int  # 1-based Excel row; 0 for Settings, whose values sit on several rows
    cells: dict[str, str] = field(default_factory=dict)  # field -> address, every read column
    raw: dict[str, object] = field(default_factory=dict)  # field -> cell value, non-blank only
    values: dict[str, CellValue] = field(default_factory=dict)  # field -> parsed value
    failed: set[str] = field(default_factory=set)  # fields already reported

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def number_of(self, name: str) -> float | None:
        value = self.values.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)

    def where(self, name: str | None) -> str | None:
        """Address of ``name``'s cell, else the row reference."""
        if name is not None and name in self.cells:
            return self.cells[name]
        return f"{self.number}:{self.number}" if self.number else None


@dataclass
class _Table:
    """A record sheet after its header row is matched against the schema."""

    spec: SheetSpec
    sheet: str  # the name as the workbook spells it
    usable: bool = True  # False when the header row is blank
    columns: dict[str, int] = field(default_factory=dict)  # field -> 0-based column
    rows: list[_Row] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {col.field: col.header for col in self.spec.columns}


def _at(row: list[object], index: int) -> object:
    return row[index] if index < len(row) else ""


def _suggest(text: object, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(normalize_header(text), list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _shown(text: object) -> str:
    return str(show_value(text)).strip()


def _unreadable(header: str, reason: str) -> str:
    """The message for a cell that reads as blank but holds a formula or error (see safety)."""
    if reason.startswith("a formula"):
        return (f"{header} is {reason}; open and save the file in a spreadsheet program "
                "(Excel, LibreOffice) so the value is stored")
    return f"{header} is {reason}; fix the formula or type a value"


def _ranges(numbers: list[int]) -> str:
    """``[2, 3, 4, 7]`` -> ``2-4, 7``."""
    parts: list[str] = []
    for _, group in itertools.groupby(enumerate(numbers), key=lambda pair: pair[1] - pair[0]):
        run = [number for _, number in group]
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return _listing(parts)


def _warn_hidden_rows(sheet: str, numbers: list[int], report: _Report) -> None:
    if numbers:
        what = f"row {numbers[0]} is" if len(numbers) == 1 else f"rows {_ranges(numbers)} are"
        report.warnings.append(f"{sheet}: {what} hidden; read like any other row")


def _parse_table(
    spec: SheetSpec, sheet: str, rows: _Rows, report: _Report, facts: SheetFacts | None = None
) -> _Table:
    facts = facts or SheetFacts()
    table = _Table(spec, sheet)
    header = rows[0] if rows else []
    if all(is_blank(value) for value in header) and not any(
        row == 1 for row, _ in facts.unreadable
    ):
        table.usable = False
        if any(not is_blank(value) for row in rows for value in row):
            report.problem(sheet, "row 1 must hold the column headers but is blank", HEADER_ROW)
        elif spec.required:
            needed = ", ".join(col.header for col in spec.columns if col.required)
            report.problem(sheet, f"the sheet is empty; row 1 needs the headers {needed}",
                           HEADER_ROW)
        else:
            table.usable = True  # an empty optional sheet simply has no records
        return table

    by_key = {_key(col.header): col for col in spec.columns}
    specs: dict[str, ColumnSpec] = {}
    shown_ignored: list[int] = []  # visible columns not read: values there earn a warning
    width = max(len(header), facts.columns)
    for index in range(width):
        head = _at(header, index)
        address = cell_address(1, index)
        hidden = facts.column_hidden(index)
        if is_blank(head):
            reason = facts.unreadable.get((1, index))
            if reason is not None:
                report.problem(sheet, _unreadable("the header", reason), address)
            elif not hidden:
                shown_ignored.append(index)
                if any(not is_blank(_at(row, index)) for row in rows[1:]):
                    letter = column_letter(index)
                    report.warn(sheet, address,
                                f"column {letter} has values but no header; ignored")
            continue
        col = by_key.get(_key(head))
        if col is None:
            if hidden:
                continue  # a hidden helper column: not part of the contract, not a mistake
            shown_ignored.append(index)
            suggestion = _suggest(head, (c.header for c in spec.columns))
            report.warn(sheet, address, f"unknown column '{_shown(head)}' ignored{suggestion}")
        elif col.field in table.columns:
            first = f"{sheet}!{cell_address(1, table.columns[col.field])}"
            report.problem(sheet, f"duplicate column '{col.header}' (also {first})", address,
                           col.header)
        else:
            table.columns[col.field] = index
            specs[col.field] = col
            if hidden:
                report.warn(sheet, address,
                            f"column {column_letter(index)} '{col.header}' is hidden; "
                            "its values are read")
    absent = set()
    for col in spec.columns:
        if col.required and col.field not in table.columns:
            report.problem(sheet, f"required column '{col.header}' is missing", HEADER_ROW,
                           col.header)
            absent.add(col.field)

    hidden_rows: list[int] = []
    for number, row in enumerate(rows[1:], start=2):
        read = [index for index in table.columns.values()
                if not is_blank(_at(row, index)) or (number, index) in facts.unreadable]
        if not read:
            if any(not is_blank(_at(row, index)) for index in shown_ignored):
                report.warn(sheet, f"{number}:{number}",
                            f"row {number} has values only in ignored columns; skipped")
            continue
        if facts.row_hidden(number):
            hidden_rows.append(number)
        record = _Row(sheet, number, failed=set(absent))
        for name, index in table.columns.items():
            col = specs[name]
            address = cell_address(number, index)
            record.cells[name] = address
            raw = _at(row, index)
            reason = facts.unreadable.get((number, index)) if is_blank(raw) else None
            if reason is not None:
                report.problem(sheet, _unreadable(col.header, reason), address, col.header)
                record.failed.add(name)
                continue
            if is_blank(raw):
                if col.required:
                    report.problem(sheet, f"{col.header} is required", address, col.header)
                    record.failed.add(name)
                continue
            record.raw[name] = raw
            try:
                record.values[name] = parse_cell(raw, col)
            except CellError as exc:
                report.problem(sheet, f"{col.header} {exc}", address, col.header, raw)
                record.failed.add(name)
        table.rows.append(record)
    _warn_hidden_rows(sheet, hidden_rows, report)
    return table


def _parse_settings(
    sheet: str, rows: _Rows, report: _Report, facts: SheetFacts | None = None
) -> _Row:
    """Settings as one record whose cells sit in column B of each key's row."""
    facts = facts or SheetFacts()
    record = _Row(sheet, 0)
    by_key = {_key(col.header): col for col in SETTINGS_KEYS}
    key_rows: dict[str, int] = {}
    hidden_rows: list[int] = []
    for number, row in enumerate(rows, start=1):
        key, raw = _at(row, 0), _at(row, 1)
        if is_blank(key) and (number, 0) in facts.unreadable:
            report.problem(sheet, _unreadable("the setting's key", facts.unreadable[(number, 0)]),
                           f"A{number}")
            continue
        if is_blank(key):
            if not is_blank(raw):
                report.warn(sheet, f"B{number}", "value without a key in column A ignored")
            continue
        col = by_key.get(_key(key))
        if col is None:
            if number == 1 and _key(key) in _SETTINGS_HEADER_WORDS:
                continue  # a "key | value" header row
            suggestion = _suggest(key, (c.header for c in SETTINGS_KEYS))
            report.warn(sheet, f"A{number}", f"unknown setting '{_shown(key)}' ignored{suggestion}")
            continue
        if col.field in key_rows:
            first = f"{sheet}!A{key_rows[col.field]}"
            report.problem(sheet, f"setting '{col.header}' is given twice (also {first})",
                           f"A{number}", col.header)
            continue
        key_rows[col.field] = number
        address = f"B{number}"
        record.cells[col.field] = address
        if facts.row_hidden(number):
            hidden_rows.append(number)
        reason = facts.unreadable.get((number, 1)) if is_blank(raw) else None
        if reason is not None:
            report.problem(sheet, _unreadable(col.header, reason), address, col.header)
            record.failed.add(col.field)
            continue
        if is_blank(raw):
            continue  # the default applies
        record.raw[col.field] = raw
        try:
            record.values[col.field] = parse_cell(raw, col)
        except CellError as exc:
            report.problem(sheet, f"{col.header} {exc}", address, col.header, raw)
            record.failed.add(col.field)
    _warn_hidden_rows(sheet, hidden_rows, report)
    return record


# --------------------------------------------------------------------------- domain objects

_BOUNDS = {
    "greater_than": ("gt", ">"),
    "greater_than_equal": ("ge", ">="),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
}


def _rephrase(error: ErrorDetails, header: str | None) -> str:
    """A pydantic error as a short ``capacity_mw must be > 0`` message."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    subject = header or "value"
    if kind in _BOUNDS:
        key, operator = _BOUNDS[kind]
        return f"{subject} must be {operator} {_fmt(ctx.get(key))}"
    if kind == "missing":
        return f"{subject} is required"
    if kind.startswith("int_"):
        return f"{subject} must be a whole number"
    if kind.startswith("float_") or kind == "finite_number":
        return f"{subject} must be a number"
    if kind == "string_too_short":
        return f"{subject} must not be blank"
    if kind.startswith("string_"):
        return f"{subject} must be text"
    if kind.startswith("bool_"):
        return f"{subject} must be yes or no"
    if kind in ("tuple_type", "list_type"):
        return f"{subject} must be a list of names"
    if kind == "value_error":
        text = str(ctx["error"]) if "error" in ctx else error["msg"].removeprefix("Value error, ")
        if header is None:
            return text
        return f"{header} {text}" if text.startswith("must") else f"{header}: {text}"
    return f"{header}: {error['msg']}" if header else error["msg"]


def _build(
    model: type[_Model],
    record: _Row,
    values: dict[str, Any],
    headers: dict[str, str],
    report: _Report,
    anchor: str | None = None,
) -> _Model | None:
    """``model`` from one record's values; its validation errors become Problems at cells.

    Errors about a field already reported (bad cell, missing column) are dropped, and so are
    whole-record errors when any field was, since those are usually the same fault again.
    ``anchor`` is the field whose cell carries whole-record errors.
    """
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            name = str(loc[0]) if loc else None
            if (name in record.failed) if name else record.failed:
                continue
            where = name or anchor
            header = headers.get(where, where) if where else None
            report.problem(
                record.sheet,
                _rephrase(error, headers.get(name, name) if name else None),
                record.where(where),
                header,
                record.raw.get(name) if name else None,
            )
        return None


class _Reader:
    """Turns parsed sheets into domain objects and checks the rows against each other."""

    def __init__(self, report: _Report) -> None:
        self.report = report
        self.known_sites: set[str] | None = None  # None when Sites could not be read
        self.places: dict[tuple[str, str, str], tuple[str, str]] = {}

    def _remember(self, spec_name: str, name: str, record: _Row) -> None:
        for column, address in record.cells.items():
            self.places[spec_name, name, column] = (record.sheet, address)

    def read(self, sheets: _Sheets) -> Fleet | None:
        tables: dict[str, _Table] = {}
        settings_row = _Row("Settings", 0)
        for spec in INPUT_SHEETS:
            if spec.name not in sheets or spec.name == "Scenarios":
                continue  # Scenarios is read by the scenario tools, not into the Fleet
            sheet, rows, facts = sheets[spec.name]
            if spec.key_value:
                settings_row = _parse_settings(sheet, rows, self.report, facts)
            else:
                tables[spec.name] = _parse_table(spec, sheet, rows, self.report, facts)

        sites = self._sites(tables.get("Sites"))
        market, months = self._market(tables.get("Market"))
        miners = self._miners(tables.get("Miners"))
        power_prices = self._power_prices(tables.get("PowerPrices"))
        contracts = self._contracts(tables.get("Contracts"))
        settings = self._settings(settings_row, months)
        if self.report.problems or settings is None:
            return None
        try:
            return Fleet(
                settings=settings,
                sites=tuple(sites),
                miners=tuple(miners),
                market=tuple(market),
                power_prices=tuple(power_prices),
                contracts=tuple(contracts),
            )
        except ValidationError as exc:  # checks the rows above should already have caught
            for error in exc.errors(include_url=False):
                for part in _rephrase(error, None).split("; "):
                    self.report.problem(WORKBOOK, part)
            return None

    # ----------------------------------------------------------------- cross-row checks

    def _twice(
        self, table: _Table, items: Iterable[tuple[Hashable, str, _Row, str]], what: str
    ) -> None:
        """Report each repeat of a key, naming its first cell; items: (key, label, row, field)."""
        first: dict[Hashable, str] = {}
        for key, label, record, name in items:
            address = record.where(name) or ""
            if key in first:
                self.report.problem(
                    table.sheet, f"{what} {label} is given twice (also {table.sheet}!{first[key]})",
                    address, table.headers.get(name, name),
                )
                record.failed.add(name)
            else:
                first[key] = address

    def _clashes(self, table: _Table, names: list[tuple[str, _Row]], what: str) -> None:
        """Names the LP would confuse: equal after :func:`~allocator.domain.safe_name`."""
        first: dict[str, tuple[str, _Row]] = {}
        for name, record in names:
            safe = safe_name(name)
            if safe in first and first[safe][0] != name:
                other, other_row = first[safe]
                self.report.problem(
                    table.sheet,
                    f"{what} '{name}' and '{other}' ({table.sheet}!{other_row.where('name')}) "
                    "differ only in spaces or punctuation; the plan needs distinct names",
                    record.where("name"), table.headers["name"],
                )
                record.failed.add("name")
            first.setdefault(safe, (name, record))

    def _check_site(self, table: _Table, record: _Row) -> None:
        name = record.text("site")
        if self.known_sites is None or name is None or name in self.known_sites:
            return
        self.report.problem(
            table.sheet,
            f"unknown site '{name}'; sites: {_listing(sorted(self.known_sites))}",
            record.where("site"), "site",
        )
        record.failed.add("site")

    def _no_records(self, table: _Table, what: str) -> bool:
        """Report a required sheet without records; True when there are none."""
        if table.rows:
            return False
        if table.usable and all(not c.required or c.field in table.columns
                                for c in table.spec.columns):
            self.report.problem(table.sheet, f"{what} is needed; add rows under the headers")
        return True

    # ----------------------------------------------------------------- sheets

    def _sites(self, table: _Table | None) -> list[Site]:
        if table is None or not table.usable or "name" not in table.columns:
            return []
        if self._no_records(table, "at least one site"):
            return []  # no site list to check names against
        named = [(name, r) for r in table.rows if (name := r.text("name")) is not None]
        self.known_sites = {name for name, _ in named}
        for name, record in named:
            self._remember("Sites", name, record)
        self._twice(table, ((n, f"'{n}'", r, "name") for n, r in named), "site")
        self._clashes(table, named, "site names")
        built = (_build(Site, r, r.values, table.headers, self.report) for r in table.rows)
        return [site for site in built if site is not None]

    def _market(self, table: _Table | None) -> tuple[list[MarketMonth], list[str]]:
        if table is None or not table.usable or self._no_records(table, "at least one month"):
            return [], []
        dated = [(month, r) for r in table.rows if (month := r.text("month")) is not None]
        self._twice(table, ((m, m, r, "month") for m, r in dated), "market month")
        first_row: dict[int, _Row] = {}
        for month, record in dated:
            first_row.setdefault(month_index(month), record)
        indices = sorted(first_row)
        for before, after in itertools.pairwise(indices):
            if after - before > 1:
                gap = [month_from_index(i) for i in range(before + 1, after)]
                missing = gap[0] if len(gap) == 1 else f"{gap[0]} to {gap[-1]}"
                self.report.problem(
                    table.sheet, f"Market months must be consecutive; missing {missing}",
                    first_row[after].where("month"), "month",
                )
        market: list[MarketMonth] = []
        for record in table.rows:
            anchor = next(
                (name for name in ("btc_price_usd", "network_hashrate_ehs")
                 if name in table.columns and name not in record.raw),
                "hashprice_usd_ph_day" if "hashprice_usd_ph_day" in table.columns else "month",
            )
            row = _build(MarketMonth, record, record.values, table.headers, self.report, anchor)
            if row is not None:
                market.append(row)
        return market, [month_from_index(i) for i in indices]

    def _miners(self, table: _Table | None) -> list[MinerTranche]:
        if table is None or not table.usable:
            return []
        miners: list[MinerTranche] = []
        seen: dict[tuple[str, str], str] = {}
        for record in table.rows:
            values: dict[str, Any] = dict(record.values)
            if values.get("units") == 0:
                address = record.where("units") or ""
                self.report.warn(table.sheet, address, "units is 0; row skipped")
                continue
            self._check_site(table, record)
            model = record.text("model")
            if model is not None:
                found = catalog.find_model(model)
                if found is not None:
                    values["model"] = found.model
                    values.setdefault("hashrate_th", found.hashrate_th)
                    values.setdefault("power_w", found.power_w)
                else:
                    self._unknown_model(table, record, model)
                site = record.text("site")
                if site is not None:
                    address = record.where("model") or ""
                    key = (site, values["model"])
                    if key in seen:
                        self.report.warn(
                            table.sheet, address,
                            f"model '{values['model']}' at site '{site}' is listed twice "
                            f"(also {seen[key]}); the rows stay separate tranches",
                        )
                    seen.setdefault(key, address)
            tranche = _build(MinerTranche, record, values, table.headers, self.report)
            if tranche is not None:
                miners.append(tranche)
        return miners

    def _unknown_model(self, table: _Table, record: _Row, model: str) -> None:
        missing = [name for name in ("hashrate_th", "power_w") if name not in record.raw]
        if not missing:
            return  # the row gives its own figures
        suggestions = catalog.closest_models(model, count=2)
        use = (f"use a catalog model such as {', '.join(suggestions)}" if suggestions
               else "use a catalog model")
        give = "hashrate_th and power_w" if len(missing) == 2 else f"{missing[0]} too"
        self.report.problem(
            table.sheet, f"unknown miner model '{model}'; give {give} or {use}",
            record.where("model"), "model",
        )
        record.failed.update(missing)

    def _power_prices(self, table: _Table | None) -> list[PowerPrice]:
        if table is None or not table.usable:
            return []
        for record in table.rows:
            self._check_site(table, record)
        pairs = [
            ((site, month), r)
            for r in table.rows
            if (site := r.text("site")) is not None and (month := r.text("month")) is not None
        ]
        self._twice(
            table,
            ((key, f"for site '{key[0]}' in {key[1]}", r, "month") for key, r in pairs),
            "power price",
        )
        built = (_build(PowerPrice, r, r.values, table.headers, self.report) for r in table.rows)
        return [price for price in built if price is not None]

    def _contracts(self, table: _Table | None) -> list[Contract]:
        if table is None or not table.usable:
            return []
        named = [(name, r) for r in table.rows if (name := r.text("name")) is not None]
        for name, record in named:
            self._remember("Contracts", name, record)
        self._twice(table, ((n, f"'{n}'", r, "name") for n, r in named), "contract")
        self._clashes(table, named, "contract names")
        contracts: list[Contract] = []
        for record in table.rows:
            low, high = record.number_of("min_mw"), record.number_of("max_mw")
            if low is not None and high is not None and low > high:
                self.report.problem(
                    table.sheet, f"min_mw must be <= max_mw ({_fmt(high)})",
                    record.where("min_mw"), "min_mw", record.raw.get("min_mw"),
                )
                record.failed.add("min_mw")
            sites = record.values.get("sites")
            if self.known_sites is not None and isinstance(sites, tuple):
                unknown = [s for s in sites if s not in self.known_sites]
                if unknown:
                    self.report.problem(
                        table.sheet,
                        f"sites names unknown site{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(repr(s) for s in unknown)}; "
                        f"sites: {_listing(sorted(self.known_sites))}",
                        record.where("sites"), "sites",
                    )
                    record.failed.add("sites")
            contract = _build(Contract, record, record.values, table.headers, self.report,
                              anchor="min_mw")
            if contract is not None:
                contracts.append(contract)
        return contracts

    def _settings(self, record: _Row, months: list[str]) -> Settings | None:
        if not months:
            return None  # Market's own problems say why
        self._remember("Settings", "", record)
        first, last = months[0], months[-1]
        values: dict[str, Any] = dict(record.values)
        start = record.text("start_month")
        if start is not None and month_index(start) < month_index(first):
            self.report.problem(
                record.sheet, f"start_month {start} is before the first Market month {first}",
                record.where("start_month"), "start_month", record.raw.get("start_month"),
            )
            record.failed.add("start_month")
        values.setdefault("start_month", first)
        if "months" not in record.raw:
            values["months"] = max(1, months_between(values["start_month"], last) + 1)
        headers = {col.field: col.header for col in SETTINGS_KEYS}
        return _build(Settings, record, values, headers, self.report)
