"""Long input sheets read first from their first rows: a flood of faults is reported without
scanning or loading the rest.

A 990,000-cell sheet with a fault in every row was scanned whole (0.8-1.2 s), loaded whole by
python-calamine (0.6-1.0 s) and turned into 330,000 Python rows (0.3 s), to report its first
thousand faults. Now each input sheet whose part is over :data:`BIG_PART_BYTES` is first
surveyed in one pass over its bytes (:func:`survey`): its values counted (the cell cap's first
test), its first :data:`FIRST_ROWS` rows kept, its last row holding a value found among its
last rows. When every such sheet is longer than :data:`LONG_ROWS` rows and can be cut,
:func:`cut_book` writes in memory a copy of the workbook with those sheets cut to their first
rows, and the reader reads the copy first (scanned, then loaded, as any book). When the copy's
problems reach the cap inside the rows kept (:meth:`CutBook.settles`), they are the problems a
read of the whole book gives, in its order, and its "stopped" line counts the rows to the
sheet's last; otherwise the whole book is read as before. A sheet over the cell cap by its
values is refused straight from the survey's count.

The copy holds what calamine reads (the package and workbook relationships, the workbook, its
styles and shared strings, the input sheets), stored without compression. Only parts whose
rows come in order with their numbers (``<row r="7">``, as spreadsheet programs write them)
are cut, and only after plain last rows. Nothing here reads a cell's value.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from allocator.errors import Problem
from allocator.workbook.cells import address_order
from allocator.workbook.parts import ZIP_ERRORS, Package, open_package, rels_part
from allocator.workbook.plain_sheet import count_values, last_held_row

__all__ = [
    "BIG_PART_BYTES",
    "FIRST_ROWS",
    "LONG_ROWS",
    "CutBook",
    "Survey",
    "cut_book",
    "first_rows",
    "survey",
]

FIRST_ROWS = 2_000
"""Rows of a long sheet the first read keeps: room for a thousand faults, one a row, twice."""

LONG_ROWS = 4 * FIRST_ROWS
"""A sheet is cut only when longer than this: a shorter one costs little more read whole."""

BIG_PART_BYTES = 1 << 20
"""Sheet parts over this size (about 20,000 cells) are surveyed before the scan."""

_CHUNK_BYTES = 1 << 22
_TAIL_BYTES = 1 << 20  # the part's end in which its last row holding a value is looked for
_MAX_HEAD_BYTES = 1 << 24  # first rows longer than 16 MB: not worth a first read
_ROW_TAG = re.compile(rb"<row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*)[\s>]")
_SHEET_TYPES = ("/worksheet", "/chartsheet", "/dialogsheet", "/macrosheet")


@dataclass(frozen=True)
class Survey:
    """One pass over a big sheet part.

    Attributes:
        values: Values counted, as the cell cap counts them; past ``room`` counting stopped
            and the rest is ``None``.
        head: The part cut after its first :data:`FIRST_ROWS` rows and closed, or ``None``
            when it cannot be cut (rows out of order or unnumbered, no row past the cut).
        last_row: The last row holding a value, from the part's last rows; ``None`` when
            those are not written plainly.
    """

    values: int
    head: bytes | None = None
    last_row: int | None = None


@dataclass(frozen=True)
class CutBook:
    """The copy, and which sheets it cut.

    Attributes:
        data: The copy as a zip file in memory.
        cut: Sheets (as the workbook spells them) cut to :data:`FIRST_ROWS` rows.
        order: The input sheets, as spelled, in the order the reader parses them.
    """

    data: io.BytesIO
    cut: frozenset[str]
    order: tuple[str, ...]

    def settles(self, problem: Problem) -> bool:
        """True when reading stopped at ``problem`` as a whole read would: in a data row of a
        cut sheet within the rows kept, with no sheet read before it cut short."""
        if problem.sheet not in self.cut or problem.sheet not in self.order:
            return False
        before = self.order[:self.order.index(problem.sheet)]
        row = address_order(problem.cell)[0]
        return 2 <= row <= FIRST_ROWS and not self.cut.intersection(before)


def survey(source: Path, sheets: Iterable[str], room: int) -> dict[str, Survey]:
    """Survey each of ``sheets`` whose part is over :data:`BIG_PART_BYTES`.

    Args:
        source: An .xlsx or .xlsm file the guards have passed.
        sheets: Sheet names as the workbook spells them.
        room: Values a sheet may hold (the cell cap); counting stops past it.

    Returns:
        The surveys by sheet name; a sheet whose part is small, missing or damaged is left
        out (the scan reads it, and words any fault).
    """
    found: dict[str, Survey] = {}
    try:
        with open_package(source) as package:
            parts = package.sheet_parts()
            for sheet in sheets:
                part = parts.get(sheet)
                if (part is None or not package.has(part)
                        or package.archive.getinfo(part).file_size <= BIG_PART_BYTES):
                    continue
                try:
                    with package.archive.open(part) as stream:
                        found[sheet] = _survey_part(stream, room)
                except ZIP_ERRORS:
                    continue
    except ZIP_ERRORS:
        return {}
    return found


class _Head:
    """The part's bytes up to its first row numbered past ``rows``, fed chunk by chunk."""

    def __init__(self, rows: int = FIRST_ROWS) -> None:
        self.rows = rows
        self.buffer = bytearray()
        self.at = self.last = 0
        self.done: bytes | None = None
        self.failed = False

    def feed(self, chunk: bytes) -> None:
        if self.done is not None or self.failed:
            return
        self.buffer += chunk
        for match in _ROW_TAG.finditer(self.buffer, self.at):
            number = _ROW_NUMBER.search(match.group(1))
            if number is None or int(number.group(1)) <= self.last:
                self.failed = True
                return
            self.last = int(number.group(1))
            if self.last > self.rows:
                self.done = _closed(bytes(self.buffer[:match.start()]))
                self.failed = self.done is None
                self.buffer = bytearray()
                return
            self.at = match.end()
        self.failed = len(self.buffer) > _MAX_HEAD_BYTES


def _survey_part(stream: IO[bytes], room: int) -> Survey:
    values, carry = 0, b""
    head = _Head()
    tail: deque[bytes] = deque(maxlen=2)
    while chunk := stream.read(_CHUNK_BYTES):
        head.feed(chunk)
        tail.append(chunk)
        buffer = carry + chunk
        cut = buffer.rfind(b"<")  # a tag cut by the chunk's end is counted with the next one
        values += count_values(buffer[:cut] if cut != -1 else buffer)
        carry = buffer[cut:] if cut != -1 else b""
        if values > room:
            return Survey(values)
    values += count_values(carry)
    return Survey(values, head.done, _last_row(b"".join(tail)[-_TAIL_BYTES:]))


def _last_row(tail: bytes) -> int | None:
    """The last row holding a value among the whole rows of ``tail``, the part's end."""
    start, end = tail.find(b"<row "), tail.rfind(b"</sheetData>")
    if start == -1 or end < start:
        return None
    return last_held_row(tail[start:end])


def cut_book(source: Path, heads: Mapping[str, bytes], order: Iterable[str]) -> CutBook | None:
    """The copy of ``source`` with each sheet of ``heads`` replaced by its first rows.

    Args:
        source: An .xlsx or .xlsm file the guards have passed.
        heads: Sheet name (as spelled) -> its part cut to its first rows (:class:`Survey`).
        order: The input sheets, as spelled, in the order the reader parses them.

    Returns:
        The copy, or ``None`` when the file cannot be copied (the whole read words why).
    """
    order = tuple(order)
    try:
        with open_package(source) as package:
            parts = package.sheet_parts()
            cut = {parts[name]: head for name, head in heads.items() if name in parts}
            keep = _needed_parts(package, {parts[name] for name in order if name in parts})
            data = io.BytesIO()
            with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as copy:
                for name in package.names:
                    if name in cut:
                        copy.writestr(name, cut[name])
                    elif name in keep:
                        copy.writestr(name, package.archive.read(name))
    except ZIP_ERRORS:
        return None
    data.seek(0)
    return CutBook(data, frozenset(name for name in heads if name in parts), order)


def _needed_parts(package: Package, sheets: set[str]) -> set[str]:
    """What calamine reads to load ``sheets``: the package's and the workbook's relationships
    and every part the workbook refers to but the other sheets."""
    book = package.workbook_part()
    keep = {"[Content_Types].xml", rels_part(""), book, rels_part(book)} | sheets
    for rel in package.relationships(book):
        if not rel.type.endswith(_SHEET_TYPES):
            keep.add(rel.target)
    return keep


def first_rows(stream: IO[bytes], rows: int = FIRST_ROWS) -> bytes | None:
    """The worksheet part in ``stream`` up to its first row numbered above ``rows``, closed
    after the rows kept; ``None`` when it has no such row, or a row without a number or out
    of order before it (as :class:`Survey` ``head``)."""
    head = _Head(rows)
    while (chunk := stream.read(_CHUNK_BYTES)) and head.done is None and not head.failed:
        head.feed(chunk)
    return head.done


def _closed(head: bytes) -> bytes | None:
    """``head`` (a worksheet part up to a row) with its sheetData and root element closed."""
    declaration = head.find(b"?>") + 2 if head.startswith((b"<?xml", b"\xef\xbb\xbf<?xml")) else 0
    root = _ROOT.search(head, declaration)
    if root is None or b"<sheetData" not in head or b"<!" in head:
        return None  # no sheet, or a comment or CDATA a cut could end inside
    return head + b"</sheetData></" + root.group(1) + b">"
