"""Match a sheet's header row to the contract and parse its rows into records; never opens files.

Every fault found is collected in a :class:`Report` as a :class:`~allocator.errors.Problem`
naming its sheet and cell (``Sites!C7: capacity_mw is required``); odd but harmless things
(an unknown column, a hidden row) become warnings. Headers match the schema whatever their
case, spaces or punctuation (:func:`match_key`). A cell that reads as blank but holds a formula
without a saved value or an error (:class:`~allocator.workbook.scans.SheetFacts`) is a fault,
never a blank. Turning records into domain objects is left to :mod:`allocator.workbook.records`.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from allocator.errors import Problem
from allocator.workbook.cells import (
    CellError,
    CellValue,
    address_order,
    cell_address,
    column_letter,
    is_blank,
    parse_cell,
    show_value,
)
from allocator.workbook.parts import WORKBOOK
from allocator.workbook.scans import SheetFacts
from allocator.workbook.schema import (
    INPUT_SHEETS,
    SETTINGS_KEYS,
    ColumnSpec,
    SheetSpec,
    normalize_header,
)

__all__ = [
    "HEADER_ROW",
    "MAX_PROBLEMS",
    "LoadedSheets",
    "Report",
    "Row",
    "Rows",
    "Table",
    "TooManyProblems",
    "in_reading_order",
    "listing",
    "match_key",
    "parse_settings",
    "parse_sheets",
    "parse_table",
]

HEADER_ROW = "1:1"
"""``Problem.cell`` of a fault in a sheet's header row as a whole (a required column missing)."""

_MAX_LISTED = 12  # names listed in a message before "..."
_SETTINGS_HEADER_WORDS = frozenset({"key", "keys", "setting", "settings", "name", "parameter"})

Rows = list[list[object]]
"""A sheet's cells, row by row from row 1, as calamine returns them."""
LoadedSheets = dict[str, tuple[str, Rows, SheetFacts]]
"""Schema sheet name -> (the sheet's name in the workbook, its rows, its facts)."""


def match_key(text: object) -> str:
    """Matching key of a sheet name, header or setting: case, spaces and punctuation ignored.

    ``Power Prices``, ``power_prices`` and ``PowerPrices`` match, as do ``Capacity (MW)`` and
    ``capacity_mw``; no two schema names share a key.
    """
    return re.sub(r"[\W_]", "", normalize_header(text))


# --------------------------------------------------------------------------- collected faults


MAX_PROBLEMS = 1_000
"""Problems a :class:`Report` collects before reading stops (:class:`TooManyProblems`)."""


class TooManyProblems(Exception):
    """Raised by :meth:`Report.problem` at the first problem beyond the report's cap.

    A sheet with a fault in each of 300,000 rows is not worth reading to its end: the reader
    stops there and reports the problems kept plus one line on what was not checked.

    Attributes:
        problem: The problem beyond the cap (not kept): where reading stopped.
    """

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class Report:
    """Problems and warnings, collected while reading.

    Attributes:
        problems: The faults, at most ``max_problems`` of them.
        warnings: ``Sheet!Cell: message`` lines for harmless oddities.
        max_problems: Problems kept; the next one raises :class:`TooManyProblems`.
    """

    def __init__(self, max_problems: int = MAX_PROBLEMS) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.max_problems = max_problems

    def problem(
        self,
        sheet: str,
        message: str,
        cell: str | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        """Collect a fault; ``value`` is the raw cell value, shown as a user would see it.

        Raises:
            TooManyProblems: ``max_problems`` are kept already; this one is not.
        """
        problem = Problem(sheet, message, cell=cell, column=column, value=show_value(value))
        if len(self.problems) >= self.max_problems:
            raise TooManyProblems(problem)
        self.problems.append(problem)

    def warn(self, sheet: str, cell: str, message: str) -> None:
        """Collect a harmless oddity as a ``Sheet!Cell: message`` line."""
        self.warnings.append(f"{sheet}!{cell}: {message}")


def in_reading_order(problems: list[Problem]) -> list[Problem]:
    """Problems by sheet (workbook order of the contract), then row, then column."""
    rank = {match_key(spec.name): index for index, spec in enumerate(INPUT_SHEETS)}

    def order(problem: Problem) -> tuple[int, int, int]:
        sheet = (-1 if problem.sheet == WORKBOOK
                 else rank.get(match_key(problem.sheet), len(rank)))
        return (sheet, *address_order(problem.cell))

    return sorted(problems, key=order)


def listing(names: Iterable[str]) -> str:
    """``names`` joined by commas, the first dozen only, then ``...``."""
    names = list(names)
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (", ..." if len(names) > _MAX_LISTED else "")


# --------------------------------------------------------------------------- rows and tables


@dataclass
class Row:
    """One record: its parsed values and where each came from."""

    sheet: str
    number: int  # 1-based Excel row; 0 for Settings, whose values sit on several rows
    cells: dict[str, str] = field(default_factory=dict)  # field -> address, every read column
    raw: dict[str, object] = field(default_factory=dict)  # field -> cell value, non-blank only
    values: dict[str, CellValue] = field(default_factory=dict)  # field -> parsed value
    failed: set[str] = field(default_factory=set)  # fields already reported

    def text(self, name: str) -> str | None:
        """The parsed value of field ``name`` when it is text, else ``None``."""
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def number_of(self, name: str) -> float | None:
        """The parsed value of field ``name`` as a float when it is a number, else ``None``."""
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
class Table:
    """A record sheet after its header row is matched against the schema."""

    spec: SheetSpec
    sheet: str  # the name as the workbook spells it
    usable: bool = True  # False when the header row is blank
    columns: dict[str, int] = field(default_factory=dict)  # field -> 0-based column
    rows: list[Row] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        """Field -> its canonical header, for messages."""
        return {col.field: col.header for col in self.spec.columns}


def _at(row: list[object], index: int) -> object:
    return row[index] if index < len(row) else ""


def _suggest(text: object, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(normalize_header(text), list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _shown(text: object) -> str:
    return str(show_value(text)).strip()


def _unreadable(header: str, reason: str) -> str:
    """The message for a cell that reads as blank but holds a formula or error (see scans)."""
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
    return listing(parts)


def _warn_hidden_rows(sheet: str, numbers: list[int], report: Report) -> None:
    if numbers:
        what = f"row {numbers[0]} is" if len(numbers) == 1 else f"rows {_ranges(numbers)} are"
        report.warnings.append(f"{sheet}: {what} hidden; read like any other row")


def parse_table(spec: SheetSpec, sheet: str, rows: Rows, report: Report,
                facts: SheetFacts | None = None) -> Table:
    """Match the header row of record sheet ``spec`` and parse every row below it.

    Args:
        spec: The sheet's contract.
        sheet: Its name as the workbook spells it (for messages).
        rows: Its cells from row 1.
        report: Where faults and warnings are collected.
        facts: What the scan found beyond the values (unreadable cells, hidden columns/rows).

    Returns:
        The table: the header mapping and one :class:`Row` per row that has a value in a
        read column. ``usable`` is false when the header row is blank.
    """
    facts = facts or SheetFacts()
    table = Table(spec, sheet)
    header = rows[0] if rows else []
    if all(is_blank(value) for value in header) and not any(
        row == 1 for row, _ in facts.unreadable
    ):
        _blank_header(table, rows, report)
        return table
    mapping = _HeaderMapping(table, header, rows, report, facts)
    mapping.map()
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
            if any(not is_blank(_at(row, index)) for index in mapping.shown_ignored):
                report.warn(sheet, f"{number}:{number}",
                            f"row {number} has values only in ignored columns; skipped")
            continue
        if facts.row_hidden(number):
            hidden_rows.append(number)
        record = Row(sheet, number, failed=set(absent))
        for name, index in table.columns.items():
            col = mapping.specs[name]
            _read_cell(record, col, cell_address(number, index), _at(row, index),
                       facts.unreadable.get((number, index)), report, required=col.required)
        table.rows.append(record)
    _warn_hidden_rows(sheet, hidden_rows, report)
    return table


def _blank_header(table: Table, rows: Rows, report: Report) -> None:
    """Report a sheet whose header row is blank; an empty optional sheet stays usable."""
    table.usable = False
    sheet, spec = table.sheet, table.spec
    if any(not is_blank(value) for row in rows for value in row):
        report.problem(sheet, "row 1 must hold the column headers but is blank", HEADER_ROW)
    elif spec.required:
        needed = ", ".join(col.header for col in spec.columns if col.required)
        report.problem(sheet, f"the sheet is empty; row 1 needs the headers {needed}",
                       HEADER_ROW)
    else:
        table.usable = True  # an empty optional sheet simply has no records


class _HeaderMapping:
    """Maps a header row onto the schema's columns, filling ``table.columns``."""

    def __init__(self, table: Table, header: list[object], rows: Rows, report: Report,
                 facts: SheetFacts) -> None:
        self.table, self.header, self.rows = table, header, rows
        self.report, self.facts = report, facts
        self.specs: dict[str, ColumnSpec] = {}
        self.shown_ignored: list[int] = []  # visible columns not read: values there warn

    def map(self) -> None:
        """Read every header cell up to the sheet's last used column."""
        by_key = {match_key(col.header): col for col in self.table.spec.columns}
        for index in range(max(len(self.header), self.facts.columns)):
            head = _at(self.header, index)
            if is_blank(head):
                self._blank(index)
                continue
            col = by_key.get(match_key(head))
            if col is None:
                self._unknown(index, head)
            else:
                self._known(index, col)

    def _blank(self, index: int) -> None:
        table, address = self.table, cell_address(1, index)
        reason = self.facts.unreadable.get((1, index))
        if reason is not None:
            self.report.problem(table.sheet, _unreadable("the header", reason), address)
        elif not self.facts.column_hidden(index):
            self.shown_ignored.append(index)
            if any(not is_blank(_at(row, index)) for row in self.rows[1:]):
                self.report.warn(table.sheet, address,
                                 f"column {column_letter(index)} has values but no header; "
                                 "ignored")

    def _unknown(self, index: int, head: object) -> None:
        if self.facts.column_hidden(index):
            return  # a hidden helper column: not part of the contract, not a mistake
        self.shown_ignored.append(index)
        suggestion = _suggest(head, (c.header for c in self.table.spec.columns))
        self.report.warn(self.table.sheet, cell_address(1, index),
                         f"unknown column '{_shown(head)}' ignored{suggestion}")

    def _known(self, index: int, col: ColumnSpec) -> None:
        table, address = self.table, cell_address(1, index)
        if col.field in table.columns:
            first = f"{table.sheet}!{cell_address(1, table.columns[col.field])}"
            self.report.problem(table.sheet, f"duplicate column '{col.header}' (also {first})",
                                address, col.header)
            return
        table.columns[col.field] = index
        self.specs[col.field] = col
        if self.facts.column_hidden(index):
            self.report.warn(table.sheet, address,
                             f"column {column_letter(index)} '{col.header}' is hidden; "
                             "its values are read")


def _read_cell(record: Row, col: ColumnSpec, address: str, raw: object,
               unreadable: str | None, report: Report, *, required: bool) -> None:
    """Parse one cell into ``record``, reporting a fault at ``address``.

    ``unreadable`` is the scan's reason the cell reads blank (a formula without a saved value,
    an error), if any. A blank cell is a fault when ``required``; otherwise the default applies.
    """
    sheet, name = record.sheet, col.field
    record.cells[name] = address
    reason = unreadable if is_blank(raw) else None
    if reason is not None:
        report.problem(sheet, _unreadable(col.header, reason), address, col.header)
        record.failed.add(name)
    elif is_blank(raw):
        if required:
            report.problem(sheet, f"{col.header} is required", address, col.header)
            record.failed.add(name)
    else:
        record.raw[name] = raw
        try:
            record.values[name] = parse_cell(raw, col)
        except CellError as exc:
            report.problem(sheet, f"{col.header} {exc}", address, col.header, raw)
            record.failed.add(name)


def parse_settings(sheet: str, rows: Rows, report: Report,
                   facts: SheetFacts | None = None) -> Row:
    """The Settings sheet as one record whose cells sit in column B of each key's row.

    Args:
        sheet: The sheet's name as the workbook spells it.
        rows: Its cells from row 1: keys in column A, values in column B.
        report: Where faults and warnings are collected.
        facts: What the scan found beyond the values.

    Returns:
        The record; ``number`` is 0, since its values sit on several rows.
    """
    facts = facts or SheetFacts()
    record = Row(sheet, 0)
    by_key = {match_key(col.header): col for col in SETTINGS_KEYS}
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
        col = by_key.get(match_key(key))
        if col is None:
            if number == 1 and match_key(key) in _SETTINGS_HEADER_WORDS:
                continue  # a "key | value" header row
            suggestion = _suggest(key, (c.header for c in SETTINGS_KEYS))
            report.warn(sheet, f"A{number}",
                        f"unknown setting '{_shown(key)}' ignored{suggestion}")
            continue
        if col.field in key_rows:
            first = f"{sheet}!A{key_rows[col.field]}"
            report.problem(sheet, f"setting '{col.header}' is given twice (also {first})",
                           f"A{number}", col.header)
            continue
        key_rows[col.field] = number
        if facts.row_hidden(number):
            hidden_rows.append(number)
        # A blank value takes the default: no setting is required.
        _read_cell(record, col, f"B{number}", raw, facts.unreadable.get((number, 1)), report,
                   required=False)
    _warn_hidden_rows(sheet, hidden_rows, report)
    return record




def parse_sheets(sheets: LoadedSheets, report: Report) -> tuple[dict[str, Table], Row]:
    """Parse every loaded input sheet but Scenarios (read by the scenario tools) and
    HourlyPrices (read by :mod:`allocator.workbook.hourly_sheet`).

    Args:
        sheets: The loaded sheets, by schema name.
        report: Where faults and warnings are collected.

    Returns:
        The record sheets' tables by schema name, and the Settings record (empty when the
        workbook has no Settings sheet).
    """
    tables: dict[str, Table] = {}
    settings = Row("Settings", 0)
    for spec in INPUT_SHEETS:
        if spec.name not in sheets or spec.name in ("Scenarios", "HourlyPrices",
                                                     "ScenarioPaths"):
            continue
        sheet, rows, facts = sheets[spec.name]
        if spec.key_value:
            settings = parse_settings(sheet, rows, report, facts)
        else:
            tables[spec.name] = parse_table(spec, sheet, rows, report, facts)
    return tables, settings
