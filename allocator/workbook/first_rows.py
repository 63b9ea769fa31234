"""A copy of a workbook with its long input sheets cut to their first rows, for a first read.

A sheet with a fault in every one of 330,000 rows stops the reader at the thousandth problem,
but python-calamine loaded all of it first (0.6-1.0 s) and Python built every row (0.3 s).
:func:`cut_book` writes, in memory, a copy of the workbook whose input sheets longer than
:data:`FIRST_ROWS` keep only their rows up to it; the reader reads that copy first, and when
its problems reach the cap inside the rows kept (:meth:`CutBook.settles`) they are the same
problems, in the same order, as a read of the whole book would give, so the whole book is
never loaded. Otherwise the reader reads the whole book as before.

The copy holds what calamine reads (the package and workbook relationships, the workbook,
its styles and shared strings, the input sheets), stored without compression. Only parts
whose rows come in order with their numbers (``<row r="7">``, as every spreadsheet program
writes them) are cut; any other sheet is copied whole. The cell caps of
:mod:`allocator.workbook.scans` have passed first, so nothing here can be larger than what
the whole read would load. Nothing here reads a cell's value.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from allocator.errors import Problem
from allocator.workbook.cells import address_order
from allocator.workbook.parts import ZIP_ERRORS, Package, open_package, rels_part

__all__ = ["FIRST_ROWS", "LONG_ROWS", "CutBook", "cut_book", "first_rows"]

FIRST_ROWS = 2_000
"""Rows of a long sheet the first read keeps: room for a thousand faults, one a row, twice."""

LONG_ROWS = 4 * FIRST_ROWS
"""A sheet longer than this is cut. A shorter one is read whole at once: its whole read costs
little more than the first read would."""

_CHUNK_BYTES = 1 << 20
_MAX_HEAD_BYTES = 1 << 24  # first rows longer than 16 MB: not worth a first read
_ROW_TAG = re.compile(rb"<row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*)[\s>]")
_SHEET_TYPES = ("/worksheet", "/chartsheet", "/dialogsheet", "/macrosheet")


@dataclass(frozen=True)
class CutBook:
    """The copy, and which sheets it cut.

    Attributes:
        data: The copy as a zip file in memory, for ``CalamineWorkbook.from_filelike``.
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


def cut_book(source: Path, rows: Mapping[str, int], order: Iterable[str]) -> CutBook | None:
    """The copy of ``source`` with each sheet of ``rows`` (name -> last used row) longer than
    :data:`LONG_ROWS` cut to its first :data:`FIRST_ROWS` rows.

    Args:
        source: An .xlsx or .xlsm file the guards and scans have passed.
        rows: The input sheets' last used rows, by name as the workbook spells it.
        order: The input sheets, as spelled, in the order the reader parses them.

    Returns:
        The copy, or ``None`` when no sheet is long or none can be cut (the reader then
        reads the whole book only).
    """
    long = {name for name, last in rows.items() if last > LONG_ROWS}
    if not long:
        return None
    try:
        with open_package(source) as package:
            parts = package.sheet_parts()
            cut: dict[str, bytes] = {}
            for name in sorted(long):
                part = parts.get(name)
                if part is not None and package.has(part):
                    with package.archive.open(part) as stream:
                        head = first_rows(stream, FIRST_ROWS)
                    if head is not None:
                        cut[part] = head
            if not cut:
                return None
            keep = _needed_parts(package, {parts[name] for name in rows if name in parts})
            data = io.BytesIO()
            with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as copy:
                for name in package.names:
                    if name in cut:
                        copy.writestr(name, cut[name])
                    elif name in keep:
                        copy.writestr(name, package.archive.read(name))
    except ZIP_ERRORS:
        return None  # the whole read meets the same fault and words it
    done = frozenset(name for name, part in parts.items() if part in cut)
    data.seek(0)
    return CutBook(data, done, tuple(order))


def _needed_parts(package: Package, sheets: set[str]) -> set[str]:
    """What calamine reads to load ``sheets``: the package's and the workbook's relationships
    and every part the workbook refers to but the other sheets."""
    book = package.workbook_part()
    keep = {"[Content_Types].xml", rels_part(""), book, rels_part(book)} | sheets
    for rel in package.relationships(book):
        if not rel.type.endswith(_SHEET_TYPES):
            keep.add(rel.target)
    return keep


def first_rows(stream: IO[bytes], rows: int) -> bytes | None:
    """The worksheet part in ``stream`` up to its first row numbered above ``rows``, closed
    after the rows kept; ``None`` when the part has no such row, or a row without a number
    or out of order before it (the part is then read whole)."""
    buffer = bytearray()
    at, last = 0, 0
    while chunk := stream.read(_CHUNK_BYTES):
        buffer += chunk
        for match in _ROW_TAG.finditer(buffer, at):
            number = _ROW_NUMBER.search(match.group(1))
            if number is None or int(number.group(1)) <= last:
                return None
            last = int(number.group(1))
            if last > rows:
                return _closed(bytes(buffer[:match.start()]))
            at = match.end()
        if len(buffer) > _MAX_HEAD_BYTES:
            return None
    return None


def _closed(head: bytes) -> bytes | None:
    """``head`` (a worksheet part up to a row) with its sheetData and root element closed."""
    declaration = head.find(b"?>") + 2 if head.startswith((b"<?xml", b"\xef\xbb\xbf<?xml")) else 0
    root = _ROOT.search(head, declaration)
    if root is None or b"<sheetData" not in head or b"<!" in head:
        return None  # no sheet, or a comment or CDATA a cut could end inside
    return head + b"</sheetData></" + root.group(1) + b">"
