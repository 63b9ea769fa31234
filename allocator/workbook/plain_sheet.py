"""Find a plainly written worksheet part's cell facts with regular expressions; it decides nothing.

A sheet of a million cells took the expat pass of :mod:`allocator.workbook.scans` 14 s, a
Python call per element. Spreadsheet programs and libraries write cells one way (every cell
tag starts ``<c r="A1"``; no namespace prefixes, comments, CDATA or character references in
tags), and that is read here at the speed of ``re``, a 4 MB chunk at a time, each ending
after a ``</row>``: the values counted (as :data:`~allocator.workbook.guards.VALUE_TAG`
does), the used area, the hidden rows and columns. The few cells that need a closer look
(a formula without its saved value, an error value) are handed, all of a chunk in one
document, to the exact handlers the caller gives, so both ways give the same facts. Anything
else raises :class:`NotPlain` and the caller runs its exact pass.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from typing import IO

from allocator.workbook.cells import column_index
from allocator.workbook.guards import VALUE_TAG
from allocator.workbook.parts import local_name

__all__ = ["ExactCells", "NotPlain", "PlainSheet", "count_values", "last_held_row", "read_plain"]

ExactCells = Callable[[bytes], tuple[dict[tuple[int, int], str], int, int]]
"""Exact handlers over a small worksheet document: (unreadable cells, rows, columns)."""

_CHUNK_BYTES = 1 << 22
_MAX_CARRY_BYTES = 1 << 25  # no </row> in 32 MB: not plain
_MAX_COLUMNS = 16_384
_TRUE = ("1", "true")
_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*\?>")
_FOREIGN_ENCODING = re.compile(rb"encoding\s*=\s*[\"'](?!utf-8[\"'])", re.IGNORECASE)
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*)[^>]*>")
# A prefixed element of the cells (<x:c, </x:row>), or text that looks like one: not plain.
_PREFIXED = re.compile(rb":(?:c|row|f|v|is|sheetData|cols|col)[\s/>]")
_AMPERSAND_IN_TAG = re.compile(rb"<[^<>]*&")
_STRICT_CELL = b'<c r="'
# A cell tag that does not start <c r=" (<col>, <cols>, <cfRule> are not cells), and a
# <c r=" whose address is not a plain one: either is not plain.
_LOOSE_CELL = re.compile(rb'<c(?:[\t\n\r>/]| (?!r="))')
_BAD_REF = re.compile(rb'<c r="(?![A-Z]{1,3}[1-9][0-9]{0,6}")')
# The address of each cell that holds something: neither self-closing nor empty (<c r="B2"
# s="1"/> is a styled blank). Quoted values are taken whole, so a ">" in one cannot end the
# tag early and hide a cell.
_HELD_REF = re.compile(
    rb'<c r="([A-Z]{1,3}[1-9][0-9]{0,6})"(?:[^>"\']|"[^"]*"|\'[^\']*\')*(?<!/)>(?!</c>)')
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = b"0123456789"
_SPECIAL = re.compile(rb"<f[\s/>]|\st\s*=\s*[\"']e[\"']")
# A formula with a saved value and a type other than "e": never unreadable.
_SAVED_FORMULA = re.compile(
    rb'<c r="[A-Z]+[0-9]+"(?:\s+(?!t\s*=)[\w.:-]+="[^"]*")*(?:\s+t="(?:n|s|str|b|d)")?'
    rb'(?:\s+(?!t\s*=)[\w.:-]+="[^"]*")*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)<v>[^<]+</v></c>')
_OTHER_V_IS = re.compile(rb"<(?:v[^>]|is[^>])")  # <v t="x">, <v/>, <vm>: counted the long way
_HIDDEN_TAG = re.compile(rb"<(row|col)\s[^>]*\bhidden\b[^>]*>")
_TAG_ATTRIBUTE = re.compile(rb"([\w.:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


class NotPlain(Exception):
    """Raised at anything the fast pass does not read exactly; nothing is decided."""


@dataclass
class PlainSheet:
    """What the fast pass found in one worksheet part.

    Attributes:
        room: Values (and used-area cells) the part may hold.
        values: Values counted; past ``room`` the pass stops and the rest is not read.
        rows: Last row holding a value or formula.
        columns: Columns up to the last one holding a value or formula.
        unreadable: As :attr:`allocator.workbook.scans.SheetFacts.unreadable`.
        hidden_columns: Hidden 0-based column ranges, unsorted.
        hidden_rows: Hidden 1-based row ranges, unsorted.
        crossing: ``(rows, columns)`` when the used area first passed ``room``, else None.
    """

    room: int
    values: int = 0
    rows: int = 0
    columns: int = 0
    unreadable: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)
    hidden_rows: list[tuple[int, int]] = field(default_factory=list)
    crossing: tuple[int, int] | None = None


def read_plain(stream: IO[bytes], room: int, exact: ExactCells) -> PlainSheet:
    """The facts of the worksheet part in ``stream``, read the fast way.

    Args:
        stream: The part, decompressed.
        room: Values the part may hold; the pass stops once past it.
        exact: Handlers for the cells with a formula or an error value.

    Returns:
        The facts, or the count alone once ``values`` passes ``room``.

    Raises:
        NotPlain: the part is not written plainly.
    """
    reader = _Reader(PlainSheet(room), exact)
    carry, first = b"", True
    while chunk := stream.read(_CHUNK_BYTES):
        buffer = carry + chunk
        if first:
            buffer, first = reader.first(buffer), False
        cut = buffer.rfind(b"</row>")
        if cut == -1:
            if len(buffer) > _MAX_CARRY_BYTES:
                raise NotPlain
            carry = buffer
            continue
        if not reader.chunk(buffer[:cut + 6]):
            return reader.sheet
        carry = buffer[cut + 6:]
    if first:
        raise NotPlain  # an empty part
    reader.chunk(carry)
    return reader.sheet


class _Reader:
    """The fast pass's state between chunks."""

    def __init__(self, sheet: PlainSheet, exact: ExactCells) -> None:
        self.sheet = sheet
        self.exact = exact
        self.root = b""

    def first(self, chunk: bytes) -> bytes:
        """The first chunk without its XML declaration; notes the root element's tag."""
        declaration = _DECLARATION.match(chunk)
        if declaration:
            if _FOREIGN_ENCODING.search(declaration.group()):
                raise NotPlain
            chunk = chunk[declaration.end():]
        root = _ROOT.search(chunk)
        if root is None or root.group().endswith(b"/>"):
            raise NotPlain
        self.root = root.group()
        return chunk

    def chunk(self, buffer: bytes) -> bool:
        """Count the values of ``buffer``, check it is plain, collect its facts; False once
        the values pass the room.

        Each test is one pass of ``bytes.count``, ``in`` or a regular expression over the
        chunk in C; a rare byte (``!``, ``?``, ``&``, ``'``) is looked for first, alone.
        """
        sheet = self.sheet
        prefixed = _PREFIXED.search(buffer) is not None
        sheet.values += _values(buffer, prefixed)
        if sheet.values > sheet.room:
            return False
        if (prefixed or (b"!" in buffer and b"<!" in buffer)
                or (b"?" in buffer and b"<?" in buffer)
                or (b"&" in buffer and _AMPERSAND_IN_TAG.search(buffer))
                or _LOOSE_CELL.search(buffer) or _BAD_REF.search(buffer)):
            raise NotPlain
        held = _HELD_REF.findall(buffer)
        if held:
            self._area(held)
        if b"hidden" in buffer:
            self._hidden(buffer)
        if _has_special_hint(buffer) and _SPECIAL.search(buffer):
            self._special(buffer)
        return True

    def _area(self, held: list[bytes]) -> None:
        """Grow the used area to the cells ``held`` (addresses such as ``b"C7"``)."""
        sheet = self.sheet
        last_row = max(sheet.rows, max(map(int, map(bytes.lstrip, held, repeat(_LETTERS)))))
        letters = {ref.decode() for ref in set(map(bytes.rstrip, held, repeat(_DIGITS)))}
        columns = max(sheet.columns, max(map(column_index, letters)) + 1)
        if sheet.crossing is None and last_row * columns > sheet.room:
            # Replay the chunk cell by cell: the area when it first passed the room, as the
            # exact pass reports it.
            rows_at, columns_at = sheet.rows, sheet.columns
            for ref in held:
                rows_at = max(rows_at, int(ref.lstrip(_LETTERS)))
                columns_at = max(columns_at, column_index(ref.rstrip(_DIGITS).decode()) + 1)
                if rows_at * columns_at > sheet.room:
                    sheet.crossing = (rows_at, columns_at)
                    break
        sheet.rows, sheet.columns = last_row, columns

    def _hidden(self, buffer: bytes) -> None:
        for match in _HIDDEN_TAG.finditer(buffer):
            attrs = {local_name(name.decode()): (double or single).decode()
                     for name, double, single in _TAG_ATTRIBUTE.findall(match.group())}
            if attrs.get("hidden") not in _TRUE:
                continue
            if match.group(1) == b"row":
                if not attrs.get("r", "").isdigit():
                    raise NotPlain  # numbered by the rows before it: the exact pass counts
                row = int(attrs["r"])
                self.sheet.hidden_rows.append((row, row))
                continue
            low = _int(attrs.get("min"), 1)
            high = min(_int(attrs.get("max"), low), _MAX_COLUMNS)
            if 1 <= low <= high:
                self.sheet.hidden_columns.append((low - 1, high - 1))

    def _special(self, buffer: bytes) -> None:
        """Hand the cells with a formula or an error to the exact handlers, in one parse."""
        cells: dict[int, bytes] = {}
        for match in _SPECIAL.finditer(buffer):
            start = buffer.rfind(_STRICT_CELL, 0, match.start())
            if start == -1 or start in cells:
                continue
            tag_end = buffer.find(b">", start)
            end = (tag_end + 1 if buffer[tag_end - 1:tag_end] == b"/"
                   else buffer.find(b"</c>", tag_end) + 4)
            if tag_end == -1 or end < tag_end:
                raise NotPlain
            cell = buffer[start:end]
            if not _SAVED_FORMULA.fullmatch(cell):
                cells[start] = cell
        if not cells:
            return
        name = _ROOT.match(self.root)
        if name is None:  # first() matched it; never reached
            raise NotPlain
        document = (self.root + b"<sheetData>" + b"".join(cells.values()) + b"</sheetData></"
                    + name.group(1) + b">")
        unreadable, rows, columns = self.exact(document)
        sheet = self.sheet
        sheet.unreadable.update(unreadable)
        sheet.rows, sheet.columns = max(sheet.rows, rows), max(sheet.columns, columns)


def count_values(buffer: bytes) -> int:
    """The values in ``buffer`` (whole tags) as :data:`~allocator.workbook.guards.VALUE_TAG`
    counts them, in any part: the fast way where that is exact."""
    return _values(buffer, _PREFIXED.search(buffer) is not None)


def last_held_row(rows: bytes) -> int | None:
    """The last row holding a value or formula in ``rows``, whole ``<row>`` elements of a
    plainly written part (its last ones, say); ``None`` when there is none or they are not
    written plainly."""
    reader = _Reader(PlainSheet(sys.maxsize), lambda document: ({}, 0, 0))
    try:
        reader.chunk(rows)  # a cell with a formula or an error is held: no exact pass needed
    except NotPlain:
        return None
    return reader.sheet.rows or None


def _values(buffer: bytes, prefixed: bool) -> int:
    """The values in ``buffer`` as :data:`~allocator.workbook.guards.VALUE_TAG` counts them:
    with ``bytes.count`` when every value tag is a bare ``<v>`` or ``<is>`` (no prefixed
    element anywhere), else with the expression."""
    if not prefixed and _OTHER_V_IS.search(buffer) is None:
        return buffer.count(b"<v>") + buffer.count(b"<is>")
    return len(VALUE_TAG.findall(buffer))


def _has_special_hint(buffer: bytes) -> bool:
    """Whether ``buffer`` may hold a formula or an error value (:data:`_SPECIAL`)."""
    return ((b"f" in buffer and b"<f" in buffer) or b'"e"' in buffer
            or (b"'" in buffer and b"'e'" in buffer))


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
