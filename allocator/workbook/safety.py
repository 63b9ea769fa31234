"""Look at a workbook file before any spreadsheet library opens it; never turns cells into values.

Two jobs, both on the raw file:

- **Guards** (:func:`check_file`, and the cell caps inside the scans): a file too large, a zip
  that unpacks to more than :attr:`Limits.max_unpacked_bytes` or with a part compressed far
  beyond what a spreadsheet compresses (a zip bomb), any XML part that declares a DTD (entity
  expansion or external entities; no spreadsheet program writes one), and a sheet whose used
  area holds more than :attr:`Limits.max_cells` cells. python-calamine builds every sheet as a
  dense grid from A1 to its last cell, so one stray value at ``XFD1048576`` would ask for
  17 billion cells and abort the process; the caps are checked before calamine sees the file.
- **Facts calamine does not report** (:func:`scan_ooxml`, :func:`scan_ods`): formulas without a
  saved value and error values (calamine returns ``""`` for both, which would read as a blank
  and quietly take a default), and hidden columns and rows.

XML is read with expat in a streaming pass, DTDs refused, no tree kept. Every refusal is an
:class:`~allocator.errors.InputError`.
"""

from __future__ import annotations

import bisect
import lzma
import math
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal
from xml.parsers import expat

from allocator.errors import InputError, Problem

__all__ = [
    "DEFAULT_LIMITS",
    "WORKBOOK",
    "Format",
    "Limits",
    "SheetFacts",
    "check_file",
    "scan_ods",
    "scan_ooxml",
]

WORKBOOK = "workbook"
"""``Problem.sheet`` of a fault of the file as a whole (not found, not a workbook, unsafe)."""

MB = 1_000_000
_MAX_COLUMNS = 16_384  # Excel's last column, XFD; ODS files repeat columns up to it
_CHUNK = 1 << 16
_PROLOG_BYTES = 1 << 20  # an XML part whose prolog (before the root element) is longer is refused


@dataclass(frozen=True)
class Limits:
    """What the reader accepts; a file beyond any of these is refused before it is opened.

    Attributes:
        max_file_bytes: Size of the file on disk.
        max_unpacked_bytes: Sum of the uncompressed sizes of a zip's parts.
        max_ratio: Uncompressed / compressed size of one part; judged only for parts larger
            than ``ratio_floor_bytes`` (small parts of repeated markup compress very well).
        ratio_floor_bytes: See ``max_ratio``.
        max_parts: Number of parts in the zip.
        max_cells: Cells in the used area (first row/column to last) of the sheets read,
            summed over those sheets.
    """

    max_file_bytes: int = 200 * MB
    max_unpacked_bytes: int = 200 * MB
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 10 * MB
    max_parts: int = 10_000
    max_cells: int = 5_000_000


DEFAULT_LIMITS = Limits()

# What reading a damaged zip can raise: bad headers, CRC, inflate errors, unknown methods.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
               OSError, ValueError, zlib.error, lzma.LZMAError, RuntimeError)

Format = Literal["ooxml", "ods", "other"]
"""``ooxml`` (.xlsx/.xlsm: sheet XML in a zip), ``ods``, or ``other`` (.xls, .xlsb, not a
workbook at all): only the first two are scanned for formulas and hidden cells."""


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


# --------------------------------------------------------------------------- the file and zip


def _refuse(source: Path, message: str, sheet: str = WORKBOOK) -> InputError:
    return InputError([Problem(sheet, message)], source=str(source))


def _megabytes(size: int) -> str:
    if size >= 10 * MB:
        return f"{size / MB:,.0f} MB"
    return f"{size / MB:,.1f} MB" if size >= MB // 10 else f"{size / 1000:,.0f} KB"


def check_file(source: Path, limits: Limits = DEFAULT_LIMITS) -> Format:
    """Refuse a file that is too large, a zip bomb, or carries a DTD in any XML part.

    Reads the zip's directory and the start of each XML part, nothing more.

    Args:
        source: An existing file.
        limits: The caps.

    Returns:
        The file's format, judged by its content rather than its suffix.

    Raises:
        InputError: the file breaks a limit or its zip is damaged.
    """
    size = source.stat().st_size
    if size > limits.max_file_bytes:
        raise _refuse(source, f"{source.name} is {_megabytes(size)}; the reader accepts "
                              f"workbooks up to {_megabytes(limits.max_file_bytes)}")
    if not zipfile.is_zipfile(source):
        return "other"
    try:
        with zipfile.ZipFile(source) as archive:
            names = _check_parts(source, archive.infolist(), limits)
            for info in archive.infolist():
                if _is_xml(info.filename):
                    with archive.open(info) as stream:
                        _check_prolog(source, info.filename, stream)
    except _ZIP_ERRORS as exc:
        raise _refuse(source, f"{source.name} is a damaged zip file: {exc}") from exc
    if "xl/workbook.xml" in names or any(_is_sheet_xml(name) for name in names):
        return "ooxml"
    if "content.xml" in names:
        return "ods"
    return "other"


def _is_sheet_xml(name: str) -> bool:
    return name.endswith(".xml") and "/worksheets/" in name


def _check_parts(source: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> set[str]:
    if len(infos) > limits.max_parts:
        raise _refuse(source, f"{source.name} holds {len(infos):,} zip parts, more than the "
                              f"{limits.max_parts:,} the reader accepts")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unpacked_bytes:
        raise _refuse(
            source,
            f"{source.name} would unpack to {_megabytes(total)}, more than the "
            f"{_megabytes(limits.max_unpacked_bytes)} the reader accepts; it is not opened "
            "(a fleet workbook is far smaller; this looks like a zip bomb)",
        )
    for info in infos:
        if info.file_size <= limits.ratio_floor_bytes:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            raise _refuse(
                source,
                f"{source.name}: part {info.filename} expands {ratio:,.0f} times "
                f"({_megabytes(info.compress_size)} to {_megabytes(info.file_size)}), far more "
                f"than a spreadsheet compresses (at most {limits.max_ratio:,.0f} accepted); it "
                "is not opened (this looks like a zip bomb)",
            )
    return {info.filename for info in infos}


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


class _Stop(Exception):
    """Raised by expat handlers to end a parse early (root element reached, limit hit)."""


class _DtdFound(Exception):
    pass


def _check_prolog(source: Path, part: str, stream: IO[bytes]) -> None:
    """Parse ``part`` up to its root element; refuse a DTD declared before it."""
    parser = expat.ParserCreate()

    def doctype(*_: object) -> None:
        raise _DtdFound

    def root(*_: object) -> None:
        raise _Stop

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    read = 0
    try:
        while chunk := stream.read(4096):
            read += len(chunk)
            parser.Parse(chunk, False)
            if read > _PROLOG_BYTES:
                raise _refuse(source, f"{source.name}: part {part} has no XML element in its "
                                      f"first {_PROLOG_BYTES // 1024:,} KB; it is not opened")
        parser.Parse(b"", True)
    except _Stop:
        return
    except _DtdFound:
        raise _refuse(
            source,
            f"{source.name}: part {part} declares an XML DTD (<!DOCTYPE ...>), which spreadsheet "
            "programs never write; it is not opened (DTD entities can expand without limit or "
            "read other files)",
        ) from None
    except expat.ExpatError:
        return  # not well-formed: the reader that opens it says so


# --------------------------------------------------------------------------- streaming XML


def _parse_stream(
    stream: IO[bytes],
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None] | None = None,
) -> None:
    """Feed ``stream`` to expat with namespace processing: names arrive as ``uri local``."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_: object) -> None:
        raise _DtdFound

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    parser.buffer_text = True
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def _attr(attrs: dict[str, str], local: str) -> str | None:
    """An attribute by local name, whatever its namespace (OOXML attributes are mostly bare)."""
    if local in attrs:
        return attrs[local]
    for name, value in attrs.items():
        if _local(name) == local:
            return value
    return None


def _scan(
    source: Path,
    archive: zipfile.ZipFile,
    part: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None] | None = None,
) -> None:
    try:
        with archive.open(part) as stream:
            _parse_stream(stream, start, end, text)
    except _DtdFound:
        raise _refuse(source, f"{source.name}: part {part} declares an XML DTD; it is not "
                              "opened") from None
    except expat.ExpatError as exc:
        raise _refuse(source, f"{source.name}: part {part} is not well-formed XML "
                              f"({expat.errors.messages.get(exc.code, exc)}, line {exc.lineno})"
                      ) from exc
    except _ZIP_ERRORS as exc:
        raise _refuse(source, f"{source.name}: part {part} is damaged: {exc}") from exc


def _too_many(source: Path, sheet: str, facts: SheetFacts, limits: Limits,
              earlier: int = 0) -> InputError:
    last = _clip(f"{_letters(facts.columns - 1)}{facts.rows}", 20)
    message = (
        f"the sheet's cells span A1:{last} ({facts.cells:,} cells"
        + (f", {earlier + facts.cells:,} with the sheets before it"
           if earlier and facts.cells <= limits.max_cells else "")
        + f"), more than the {limits.max_cells:,} the reader accepts; delete stray cells far "
        "outside the table (Ctrl+End jumps to the last one)"
    )
    return _refuse(source, message, sheet=sheet)


def _letters(index: int) -> str:
    letters = ""
    index = max(index, 0) + 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


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


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _workbook_part(source: Path, archive: zipfile.ZipFile) -> str:
    """The main workbook part, from the package relationships (normally ``xl/workbook.xml``)."""
    for target, kind in _relationships(source, archive, "_rels/.rels", "").values():
        if kind.endswith("/officeDocument"):
            return target
    return "xl/workbook.xml"


def _elements(source: Path, archive: zipfile.ZipFile, part: str,
              wanted: str) -> list[dict[str, str]]:
    """Attributes of every ``wanted`` element (by local name) of a small XML part."""
    if part not in archive.namelist():
        return []
    found: list[dict[str, str]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == wanted:
            found.append(attrs)

    _scan(source, archive, part, start, lambda name: None)
    return found


def _relationships(source: Path, archive: zipfile.ZipFile, rels: str,
                   base: str) -> dict[str, tuple[str, str]]:
    """``Id -> (part path, type)`` of a ``.rels`` part; targets resolved against ``base``."""
    found: dict[str, tuple[str, str]] = {}
    for attrs in _elements(source, archive, rels, "Relationship"):
        target = attrs.get("Target", "")
        if attrs.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(base, target))
        found[attrs.get("Id", "")] = (path, attrs.get("Type", ""))
    return found


def _sheet_parts(source: Path, archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part path, from the workbook part and its relationships."""
    book = _workbook_part(source, archive)
    folder = posixpath.dirname(book)
    rels = _relationships(source, archive,
                          posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels"),
                          folder)
    parts: dict[str, str] = {}
    for attrs in _elements(source, archive, book, "sheet"):
        name, rel = _attr(attrs, "name"), _attr(attrs, "id")
        if name is not None and rel in rels:
            parts[name] = rels[rel][0]
    return parts


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
        local = _local(name)
        if local == "sheetData":
            self.in_data = True
        elif local == "cols":
            self.in_cols = True
        elif local == "col" and self.in_cols:
            if _attr(attrs, "hidden") in _TRUE:
                low = _int(_attr(attrs, "min"), 1)
                high = min(_int(_attr(attrs, "max"), low), _MAX_COLUMNS)
                if 1 <= low <= high:
                    _add_range(self.facts.hidden_columns, low - 1, high - 1)
        elif not self.in_data:
            return
        elif local == "row":
            self.row = _int(_attr(attrs, "r"), self.row + 1)
            self.column = -1
            if _attr(attrs, "hidden") in _TRUE:
                _add_range(self.facts.hidden_rows, self.row, self.row)
        elif local == "c":
            row, column = self.row, self.column + 1
            match = _ADDRESS.match(_attr(attrs, "r") or "")
            if match:
                row, column = int(match.group(2)), _column_index(match.group(1))
            self.column = column
            self.cell = (row, column)
            self.cell_type = _attr(attrs, "t") or "n"
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
        local = _local(name)
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
            reason = f"the error {_clip(value.strip()) or 'value'}"
        elif self.has_formula and not self.has_inline and not (
            self.has_value and (value or self.cell_type == "str")
        ):
            formula = "".join(self.formula).strip()
            shown = f" (={_clip(formula)})" if formula else ""
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


def _clip(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[: size - 3] + "..."


def scan_ooxml(
    source: Path, sheets: Iterable[str], limits: Limits = DEFAULT_LIMITS
) -> dict[str, SheetFacts]:
    """Facts of the named sheets of an .xlsx/.xlsm file; call after :func:`check_file`.

    Stops as soon as the sheets' used areas together pass ``limits.max_cells``.

    Args:
        source: The workbook.
        sheets: Names of the sheets that will be read (as the workbook spells them).
        limits: The caps.

    Returns:
        Facts by sheet name; a sheet whose part cannot be found is left out.

    Raises:
        InputError: a sheet is too large, or its XML is damaged or declares a DTD.
    """
    found: dict[str, SheetFacts] = {}
    earlier = 0
    with zipfile.ZipFile(source) as archive:
        parts = _sheet_parts(source, archive)
        names = set(archive.namelist())
        for sheet in sheets:
            part = parts.get(sheet)
            if part is None or part not in names:
                continue

            def grow(facts: SheetFacts, sheet: str = sheet, before: int = earlier) -> None:
                if before + facts.cells > limits.max_cells:
                    raise _too_many(source, sheet, facts, limits, before)

            handler = _OoxmlSheet(grow)
            _scan(source, archive, part, handler.start, handler.end, handler.text)
            found[sheet] = handler.facts.tidy()
            earlier += handler.facts.cells
    return found


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
            reason = f"a formula (={_clip(formula)}) with no saved value"
        if reason is not None:
            for r in range(row, row + min(self.row_repeat, 100)):
                for c in range(first, first + min(repeat, 100)):
                    facts.unreadable[(r, c)] = reason
        last_row = min(self.row + self.row_repeat, _ROW_LIMIT)
        if last_row > facts.rows or self.cell_column > facts.columns:
            facts.rows = max(facts.rows, last_row)
            facts.columns = max(facts.columns, self.cell_column)
            if self.total + facts.cells > self.limits.max_cells:
                raise _too_many(self.source, self.name, facts, self.limits, self.total)


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
        InputError: the sheets are too large, or ``content.xml`` is damaged or declares a DTD.
    """
    handler = _OdsContent(source, limits)
    with zipfile.ZipFile(source) as archive:
        _scan(source, archive, "content.xml", handler.start, handler.end, handler.text)
    return {name: facts.tidy() for name, facts in handler.tables.items()}
