"""Collect the sheet facts calamine does not report; it refuses nothing but overfull sheets.

:func:`scan_ooxml` and :func:`scan_ods` read the sheets' XML in one streaming pass each,
through the safe walker of :mod:`allocator.workbook.parts`, and return :class:`SheetFacts`:
formulas without a saved value and error values (calamine returns ``""`` for both, which would
read as a blank and quietly take a default), hidden columns and rows, and the used area. A
scan stops as soon as the used areas pass the cell cap
(:func:`~allocator.workbook.guards.too_many_cells`), and an .ods scan as soon as it meets more
tables than the sheet cap (:func:`~allocator.workbook.guards.too_many_sheets`). The file-level
guards
(:func:`~allocator.workbook.guards.check_file`) must have passed first; values themselves are
left to calamine.
"""

from __future__ import annotations

import bisect
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.parsers import expat

from allocator.workbook.cells import column_index
from allocator.workbook.guards import (
    DEFAULT_LIMITS,
    VALUE_TAG,
    Limits,
    clip,
    count_tags,
    too_many_cells,
    too_many_sheets,
    too_many_values,
)
from allocator.workbook.parts import (
    ZIP_ERRORS,
    DtdFound,
    Package,
    attribute,
    local_name,
    open_package,
    parse_stream,
)
from allocator.workbook.plain_sheet import NotPlain, PlainSheet, read_plain

__all__ = ["SheetFacts", "scan_ods", "scan_ooxml"]

_MAX_COLUMNS = 16_384  # Excel's last column, XFD; ODS files repeat columns up to it


@dataclass
class SheetFacts:
    """What a sheet's XML says beyond the values calamine returns.

    Attributes:
        rows: Last row (1-based) holding a value or formula; 0 for an empty sheet.
        columns: Number of columns up to the last one holding a value or formula.
        unreadable: ``(row, column)`` (1-based row, 0-based column) -> why the cell reads as
            blank although it is not: ``a formula (=B2*2) with no saved value`` or
            ``the error #DIV/0!``.
        hidden_columns: Hidden 0-based column ranges, inclusive.
        hidden_rows: Hidden 1-based row ranges, inclusive.
    """

    rows: int = 0
    columns: int = 0
    unreadable: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)
    hidden_rows: list[tuple[int, int]] = field(default_factory=list)

    @property
    def cells(self) -> int:
        """Cells in the dense grid a reader builds from A1 to the last cell."""
        return self.rows * self.columns

    def column_hidden(self, column: int) -> bool:
        """True when the 0-based ``column`` is hidden."""
        return _within(self.hidden_columns, column)

    def row_hidden(self, row: int) -> bool:
        """True when the 1-based ``row`` is hidden."""
        return _within(self.hidden_rows, row)

    def tidy(self) -> SheetFacts:
        """Sort and merge the hidden ranges (files may list them in any order); returns self."""
        self.hidden_columns = _merged(self.hidden_columns)
        self.hidden_rows = _merged(self.hidden_rows)
        return self


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        _add_range(merged, low, high)
    return merged


def _within(ranges: list[tuple[int, int]], number: int) -> bool:
    """``number`` in one of the sorted, disjoint ``ranges``: a binary search, since a hostile
    sheet may list thousands of ranges and the reader asks once per row and column."""
    at = bisect.bisect_right(ranges, (number, math.inf)) - 1
    return at >= 0 and ranges[at][0] <= number <= ranges[at][1]


def _add_range(ranges: list[tuple[int, int]], low: int, high: int) -> None:
    """Append ``low..high``, joined to the last range when it overlaps or continues it."""
    if ranges and ranges[-1][0] <= low <= ranges[-1][1] + 1:
        ranges[-1] = (ranges[-1][0], max(ranges[-1][1], high))
    else:
        ranges.append((low, high))


# --------------------------------------------------------------------------- .xlsx / .xlsm


# As liberal as calamine, which takes any number of letters and digits (ZZZZZZ1, A99999999)
# and would build its grid that large: the area must be measured the same way.
_ADDRESS = re.compile(r"^\s*\$?([A-Za-z]+)\$?(\d+)\s*$")
_TRUE = ("1", "true")


class _OoxmlSheet:
    """Expat handlers that collect :class:`SheetFacts` from one worksheet part."""

    def __init__(self, on_grow: Callable[[SheetFacts], None]) -> None:
        self.facts = SheetFacts()
        self.on_grow = on_grow
        self.in_data = False
        self.in_cols = False
        self.row = 0
        self.column = -1
        self.cell: tuple[int, int] | None = None
        self.cell_type = ""
        self.has_formula = self.has_value = self.has_inline = False
        self.formula: list[str] = []
        self.value: list[str] = []
        self.capture: list[str] | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "sheetData":
            self.in_data = True
        elif local == "cols":
            self.in_cols = True
        elif local == "col" and self.in_cols:
            if attribute(attrs, "hidden") in _TRUE:
                low = _int(attribute(attrs, "min"), 1)
                high = min(_int(attribute(attrs, "max"), low), _MAX_COLUMNS)
                if 1 <= low <= high:
                    _add_range(self.facts.hidden_columns, low - 1, high - 1)
        elif not self.in_data:
            return
        elif local == "row":
            self.row = _int(attribute(attrs, "r"), self.row + 1)
            self.column = -1
            if attribute(attrs, "hidden") in _TRUE:
                _add_range(self.facts.hidden_rows, self.row, self.row)
        elif local == "c":
            row, column = self.row, self.column + 1
            match = _ADDRESS.match(attribute(attrs, "r") or "")
            if match:
                row, column = int(match.group(2)), column_index(match.group(1))
            self.column = column
            self.cell = (row, column)
            self.cell_type = attribute(attrs, "t") or "n"
            self.has_formula = self.has_value = self.has_inline = False
            self.formula, self.value = [], []
        elif self.cell is not None:
            if local == "f":
                self.has_formula = True
                self.capture = self.formula
            elif local == "v":
                self.has_value = True
                self.capture = self.value
            elif local == "is":
                self.has_inline = True

    def end(self, name: str) -> None:
        local = local_name(name)
        if local in ("f", "v"):
            self.capture = None
        elif local == "cols":
            self.in_cols = False
        elif local == "sheetData":
            self.in_data = False
        elif local == "c" and self.cell is not None:
            self._close_cell(self.cell)
            self.cell = None

    def text(self, data: str) -> None:
        if self.capture is not None and sum(map(len, self.capture)) < 1000:
            self.capture.append(data)

    def _close_cell(self, cell: tuple[int, int]) -> None:
        value = "".join(self.value)
        reason = None
        if self.cell_type == "e":
            reason = f"the error {clip(value.strip()) or 'value'}"
        elif self.has_formula and not self.has_inline and not (
            self.has_value and (value or self.cell_type == "str")
        ):
            formula = "".join(self.formula).strip()
            shown = f" (={clip(formula)})" if formula else ""
            reason = f"a formula{shown} with no saved value"
        if reason is not None:
            self.facts.unreadable[cell] = reason
        # Unreadable cells count too: the reader pads its grid out to them.
        if self.has_formula or self.has_value or self.has_inline or reason is not None:
            row, column = cell
            if row > self.facts.rows or column + 1 > self.facts.columns:
                self.facts.rows = max(self.facts.rows, row)
                self.facts.columns = max(self.facts.columns, column + 1)
                self.on_grow(self.facts)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _exact_cells(document: bytes) -> tuple[dict[tuple[int, int], str], int, int]:
    """The exact handlers over a few cells the fast pass hands over (formulas, errors)."""
    handler = _OoxmlSheet(lambda facts: None)
    parse_stream(io.BytesIO(document), handler.start, handler.end, handler.text)
    return handler.facts.unreadable, handler.facts.rows, handler.facts.columns


def scan_ooxml(
    source: Path, sheets: Iterable[str], limits: Limits = DEFAULT_LIMITS, *,
    counted: Mapping[str, int] | None = None, data: IO[bytes] | None = None,
) -> dict[str, SheetFacts]:
    """Facts of the named sheets of an .xlsx/.xlsm file; call after :func:`check_file`.

    Stops as soon as the sheets' used areas together pass ``limits.max_cells``.

    Args:
        source: The workbook.
        sheets: Names of the sheets that will be read (as the workbook spells them).
        limits: The caps.
        counted: Values already counted in some sheets (by
            :func:`~allocator.workbook.first_rows.survey`): one past the room left is
            refused at once, as its own pass would refuse it.
        data: A copy of ``source`` in memory to scan instead (``source`` names it).

    Returns:
        Facts by sheet name; a sheet whose part cannot be found is left out.

    Raises:
        InputError: a sheet is too large, or its XML is damaged or declares a DTD.
    """
    found: dict[str, SheetFacts] = {}
    earlier = 0
    with open_package(source, data) as package:
        parts = package.sheet_parts()
        for sheet in sheets:
            part = parts.get(sheet)
            if part is None or not package.has(part):
                continue
            room = limits.max_cells - earlier
            if counted is not None and counted.get(sheet, 0) > room:
                raise too_many_values(source, sheet, limits, earlier)
            fast = _fast_part(package, part, room)
            if fast is not None:
                if fast.values > room:
                    raise too_many_values(source, sheet, limits, earlier)
                if fast.crossing is not None:
                    raise too_many_cells(source, sheet, *fast.crossing, limits, earlier)
                found[sheet] = _plain_facts(fast)
                earlier += found[sheet].cells
                continue
            # Values counted in the bytes first (fast): the expat pass below takes about
            # 4 us a cell, so a sheet far over the cap is refused before it starts.
            with package.archive.open(part) as stream:
                if count_tags(stream, VALUE_TAG, room) > room:
                    raise too_many_values(source, sheet, limits, earlier)

            def grow(facts: SheetFacts, sheet: str = sheet, before: int = earlier) -> None:
                if before + facts.cells > limits.max_cells:
                    raise too_many_cells(source, sheet, facts.rows, facts.columns, limits,
                                         before)

            handler = _OoxmlSheet(grow)
            package.parse(part, handler.start, handler.end, handler.text)
            found[sheet] = handler.facts.tidy()
            earlier += handler.facts.cells
    return found


def _fast_part(package: Package, part: str, room: int) -> PlainSheet | None:
    """The fast pass over ``part`` (``values`` past ``room`` when it holds more); ``None``
    when the part is not written plainly, or cannot be read, and the exact pass must run."""
    try:
        with package.archive.open(part) as stream:
            return read_plain(stream, room, _exact_cells)
    except (NotPlain, expat.ExpatError, DtdFound, *ZIP_ERRORS):
        return None


def _plain_facts(plain: PlainSheet) -> SheetFacts:
    return SheetFacts(plain.rows, plain.columns, plain.unreadable, plain.hidden_columns,
                      plain.hidden_rows).tidy()


# --------------------------------------------------------------------------- .ods


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


def _q(namespace: str, local: str) -> str:
    return f"{namespace} {local}"


_T_TABLE = _q(_TABLE, "table")
_T_COLUMN = _q(_TABLE, "table-column")
_T_ROW = _q(_TABLE, "table-row")
_T_CELLS = (_q(_TABLE, "table-cell"), _q(_TABLE, "covered-table-cell"))
_T_NAME = _q(_TABLE, "name")
_T_ROWS_REPEATED = _q(_TABLE, "number-rows-repeated")
_T_COLUMNS_REPEATED = _q(_TABLE, "number-columns-repeated")
_T_VISIBILITY = _q(_TABLE, "visibility")
_T_FORMULA = _q(_TABLE, "formula")
_O_VALUE_TYPE = _q(_OFFICE, "value-type")
_C_VALUE_TYPE = _q(_CALCEXT, "value-type")
_O_ANNOTATION = _q(_OFFICE, "annotation")
_TEXT_P = _q(_TEXT, "p")
_ROW_LIMIT = 1 << 22  # beyond any spreadsheet's rows; bounds arithmetic on hostile repeats


class _OdsContent:
    """Expat handlers that collect :class:`SheetFacts` per table of an ODS ``content.xml``."""

    def __init__(self, source: Path, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.tables: dict[str, SheetFacts] = {}
        self.total = 0  # cells of the finished tables
        self.table_count = 0
        self.name = ""
        self.facts: SheetFacts | None = None
        self.column_cursor = 0
        self.row = 0  # rows before the current one
        self.row_repeat = 1
        self.cell_column = 0
        self.cell: dict[str, str] | None = None
        self.cell_content = False
        self.cell_text: list[str] = []
        self.nested = 0  # depth inside a cell's annotation or sub-table

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == _T_TABLE and self.facts is None:
            self.table_count += 1  # not len(tables): names may repeat
            if self.table_count > self.limits.max_sheets:
                raise too_many_sheets(self.source, self.limits)
            self.name = attrs.get(_T_NAME, f"Sheet{len(self.tables) + 1}")
            self.facts = SheetFacts()
            self.column_cursor = self.row = self.cell_column = 0
            return
        facts = self.facts
        if facts is None:
            return
        if self.cell is not None:
            if name in (_O_ANNOTATION, _T_TABLE):
                self.nested += 1
            elif name == _TEXT_P and not self.nested:
                self.cell_content = True
            return
        if name == _T_COLUMN:
            repeat = _repeat(attrs.get(_T_COLUMNS_REPEATED))
            if attrs.get(_T_VISIBILITY, "visible") != "visible":
                low = self.column_cursor
                high = min(low + repeat, _MAX_COLUMNS) - 1
                if low <= high:
                    _add_range(facts.hidden_columns, low, high)
            self.column_cursor += repeat
        elif name == _T_ROW:
            self.row_repeat = _repeat(attrs.get(_T_ROWS_REPEATED))
            self.cell_column = 0
            if attrs.get(_T_VISIBILITY, "visible") != "visible":
                _add_range(facts.hidden_rows, self.row + 1,
                           min(self.row + self.row_repeat, _ROW_LIMIT))
        elif name in _T_CELLS:
            self.cell = attrs
            self.cell_content = _O_VALUE_TYPE in attrs or _T_FORMULA in attrs
            self.cell_text = []
            self.nested = 0

    def text(self, data: str) -> None:
        if self.cell is not None and not self.nested and sum(map(len, self.cell_text)) < 100:
            self.cell_text.append(data)

    def end(self, name: str) -> None:
        facts = self.facts
        if facts is None:
            return
        if self.cell is not None:
            if name in (_O_ANNOTATION, _T_TABLE) and self.nested:
                self.nested -= 1
            elif name in _T_CELLS and not self.nested:
                self._close_cell(facts, self.cell)
                self.cell = None
            return
        if name == _T_ROW:
            self.row = min(self.row + self.row_repeat, _ROW_LIMIT)
        elif name == _T_TABLE:
            self.tables[self.name] = facts
            self.total += facts.cells
            self.facts = None

    def _close_cell(self, facts: SheetFacts, attrs: dict[str, str]) -> None:
        repeat = _repeat(attrs.get(_T_COLUMNS_REPEATED))
        first = self.cell_column
        self.cell_column = min(first + repeat, _ROW_LIMIT)
        if not self.cell_content:
            return
        row = self.row + 1
        reason = None
        if attrs.get(_C_VALUE_TYPE) == "error":
            reason = f"the error {''.join(self.cell_text).strip() or 'value'}"
        elif _T_FORMULA in attrs and _O_VALUE_TYPE not in attrs:
            formula = attrs[_T_FORMULA].removeprefix("of:").lstrip("=")
            reason = f"a formula (={clip(formula)}) with no saved value"
        if reason is not None:
            for r in range(row, row + min(self.row_repeat, 100)):
                for c in range(first, first + min(repeat, 100)):
                    facts.unreadable[(r, c)] = reason
        last_row = min(self.row + self.row_repeat, _ROW_LIMIT)
        if last_row > facts.rows or self.cell_column > facts.columns:
            facts.rows = max(facts.rows, last_row)
            facts.columns = max(facts.columns, self.cell_column)
            if self.total + facts.cells > self.limits.max_cells:
                raise too_many_cells(self.source, self.name, facts.rows, facts.columns,
                                     self.limits, self.total)


def _repeat(text: str | None) -> int:
    return min(max(_int(text, 1), 1), _ROW_LIMIT)


def scan_ods(source: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, SheetFacts]:
    """Facts of every sheet of an .ods file; call after :func:`check_file`.

    python-calamine loads every sheet of an .ods file when it opens it, so the cell cap counts
    all of them, not only the sheets the reader wants.

    Args:
        source: The workbook.
        limits: The caps.

    Returns:
        Facts by sheet name.

    Raises:
        InputError: the sheets are too large or too many, or ``content.xml`` is damaged or
            declares a DTD.
    """
    handler = _OdsContent(source, limits)
    with open_package(source) as package:
        package.parse("content.xml", handler.start, handler.end, handler.text)
    return {name: facts.tidy() for name, facts in handler.tables.items()}
