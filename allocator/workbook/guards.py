"""Refuse hostile workbook files (not a file, too large, zip bombs, DTDs, too many sheets, strings
or cells); never reads cells.

The guards run on the raw file before any spreadsheet library opens it: a path that is not a
regular file (a FIFO, a device such as ``/dev/zero``, a folder), a file too large, a
zip that unpacks to more than :attr:`Limits.max_unpacked_bytes` or with a part compressed far
beyond what a spreadsheet compresses (a zip bomb), any XML part that declares a DTD (entity
expansion or external entities; no spreadsheet program writes one), a workbook listing more
than :attr:`Limits.max_sheets` sheets or holding more than :attr:`Limits.max_shared_strings`
shared strings (openpyxl, which copies the workbook, checks each new sheet title against all
the others and keeps every string), and (through
:func:`too_many_cells`, called by the scans) a sheet whose used area holds more than
:attr:`Limits.max_cells` cells. python-calamine builds every sheet as a dense grid from A1 to
its last cell, so one stray value at ``XFD1048576`` would ask for 17 billion cells and abort
the process; the caps are checked before calamine sees the file. Every refusal is an
:class:`~allocator.errors.InputError`.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal
from xml.parsers import expat

from allocator.errors import InputError
from allocator.workbook.cells import column_letter
from allocator.workbook.parts import (
    ZIP_ERRORS,
    DtdFound,
    Package,
    attribute,
    dtd_refusing_parser,
    local_name,
    open_package,
    refusal,
)

__all__ = [
    "DEFAULT_LIMITS",
    "MB",
    "STRING_TAG",
    "VALUE_TAG",
    "Format",
    "Limits",
    "check_file",
    "clip",
    "count_tags",
    "too_many_cells",
    "too_many_sheets",
    "too_many_values",
]

MB = 1_000_000
_PROLOG_BYTES = 1 << 20  # an XML part whose prolog (before the root element) is longer is refused
_READ_BYTES = 4096
_COUNT_BYTES = 1 << 16
# Start tags, with or without a namespace prefix (<si>, <x:si ...>). XML text cannot hold a
# raw "<", so counting these in the bytes counts the elements, at the speed of re.
STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
"""A shared string (``<si>``)."""
VALUE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is)[\s/>]")
"""A cell's saved value or inline string (``<v>``, ``<is>``): one per cell holding a value."""
_LONGEST_TAG_BYTES = 256


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
            summed over those sheets. A million is ten times what a 1,000-site, 60-month
            fleet needs; reading one costs about 5 s, so far more would hang the reader.
        max_sheets: Sheets the workbook lists (worksheets and chart sheets; tables of .ods).
        max_shared_strings: Distinct strings in an .xlsx/.xlsm shared-string table.
    """

    max_file_bytes: int = 200 * MB
    max_unpacked_bytes: int = 200 * MB
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 10 * MB
    max_parts: int = 10_000
    max_cells: int = 1_000_000
    max_sheets: int = 1_000
    max_shared_strings: int = 1_000_000


DEFAULT_LIMITS = Limits()

Format = Literal["ooxml", "ods", "other"]
"""``ooxml`` (.xlsx/.xlsm: sheet XML in a zip), ``ods``, or ``other`` (.xls, .xlsb, not a
workbook at all): only the first two are scanned for formulas and hidden cells."""


def _megabytes(size_bytes: int) -> str:
    if size_bytes >= 10 * MB:
        return f"{size_bytes / MB:,.0f} MB"
    if size_bytes >= MB // 10:
        return f"{size_bytes / MB:,.1f} MB"
    return f"{size_bytes / 1000:,.0f} KB"


def clip(text: str, size: int = 40) -> str:
    """``text`` cut to ``size`` characters, ending in ``...`` when cut."""
    return text if len(text) <= size else text[: size - 3] + "..."


def check_file(source: Path, limits: Limits = DEFAULT_LIMITS) -> Format:
    """Refuse what is not a regular file, too large, a zip bomb, carries a DTD in any XML part,
    or lists too many sheets or shared strings.

    Reads the zip's directory, the start of each XML part, the sheet list and the
    shared-string tags (up to the caps), nothing more; a FIFO or a device is never opened.

    Args:
        source: An existing path.
        limits: The caps.

    Returns:
        The file's format, judged by its content rather than its suffix.

    Raises:
        InputError: the path is not a regular file, the file breaks a limit or its zip is
            damaged.
    """
    size_bytes = _regular_file(source).st_size
    if size_bytes > limits.max_file_bytes:
        raise refusal(source, f"{source.name} is {_megabytes(size_bytes)}; the reader accepts "
                              f"workbooks up to {_megabytes(limits.max_file_bytes)}")
    if not zipfile.is_zipfile(source):
        return "other"
    try:
        with open_package(source) as package:
            names = _check_parts(source, package.archive.infolist(), limits)
            for info in package.xml_parts():
                with package.archive.open(info) as stream:
                    root = _check_prolog(source, info.filename, stream)
                if root is not None and local_name(root[0]) == "sst":
                    _check_strings(package, info, root[1], limits)
            kind: Format = "other"
            if "xl/workbook.xml" in names or any(_is_sheet_xml(name) for name in names):
                kind = "ooxml"
                _check_sheet_count(package, limits)
            elif "content.xml" in names:
                kind = "ods"
    except ZIP_ERRORS as exc:
        raise refusal(source, f"{source.name} is a damaged zip file: {exc}") from exc
    return kind


_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _regular_file(source: Path) -> os.stat_result:
    """``source``'s status (through symlinks); refuse anything but a regular file unopened.

    Reading a FIFO blocks until someone writes and ``/dev/zero`` never ends, so what the path
    is comes from ``stat`` alone.
    """
    info = source.stat()
    if stat.S_ISREG(info.st_mode):
        return info
    what = next((name for test, name in _NOT_REGULAR if test(info.st_mode)),
                "not a regular file")
    raise refusal(source, f"{source} is {what}, not a workbook file; give the path of an "
                          ".xlsx, .xlsm or .ods file")


class _Enough(Exception):
    """Raised by a counting parse once the count passes its cap: the rest is not read."""


def _check_sheet_count(package: Package, limits: Limits) -> None:
    """Refuse a workbook part listing more than ``limits.max_sheets`` sheets (stops there)."""
    count = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal count
        if local_name(name) == "sheet":
            count += 1
            if count > limits.max_sheets:
                raise _Enough

    part = package.workbook_part()
    if not package.has(part):
        return
    try:
        package.parse(part, start, lambda name: None)
    except _Enough:
        raise too_many_sheets(package.source, limits) from None


def too_many_sheets(source: Path, limits: Limits, count: int | None = None) -> InputError:
    """The refusal of a workbook that lists more than ``limits.max_sheets`` sheets.

    Args:
        source: The workbook.
        limits: The caps.
        count: How many it lists, when known (counting stops past the cap).

    Returns:
        The error, to be raised by the caller.
    """
    many = f"{count:,}" if count is not None else f"more than {limits.max_sheets:,}"
    return refusal(source, f"{source.name} lists {many} sheets; the reader accepts at most "
                           f"{limits.max_sheets:,} (a fleet workbook needs 7); it is not opened")


def _check_strings(package: Package, info: zipfile.ZipInfo, root: dict[str, str],
                   limits: Limits) -> None:
    """Refuse a shared-string table of more than ``limits.max_shared_strings`` strings.

    The table's own ``uniqueCount`` is believed first; then the ``<si>`` tags are counted in
    the bytes, in case it lies, stopping at the cap.
    """
    source, cap = package.source, limits.max_shared_strings
    declared = _int_or_none(attribute(root, "uniqueCount"))
    if declared is not None and declared > cap:
        raise _too_many_strings(source, info.filename, f"{declared:,}", cap)
    with package.archive.open(info) as stream:
        if count_tags(stream, STRING_TAG, cap) > cap:
            raise _too_many_strings(source, info.filename, f"more than {cap:,}", cap)


def _too_many_strings(source: Path, part: str, many: str, cap: int) -> InputError:
    return refusal(source, f"{source.name}: part {part} holds {many} shared strings; the "
                           f"reader accepts at most {cap:,}; it is not opened")


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def count_tags(stream: IO[bytes], tag: re.Pattern[bytes], cap: int) -> int:
    """Matches of ``tag`` (:data:`STRING_TAG`, :data:`VALUE_TAG`) in ``stream``, read in chunks;
    stops once past ``cap``, so the work is bounded by the cap, not by the part."""
    count, carry = 0, b""
    while chunk := stream.read(_COUNT_BYTES):
        buffer = carry + chunk
        # Count up to the last "<": a tag cut by the chunk's end is counted with the next one.
        cut = buffer.rfind(b"<")
        if cut == -1 or len(buffer) - cut > _LONGEST_TAG_BYTES:
            cut = len(buffer)
        count += len(tag.findall(buffer, 0, cut))
        carry = buffer[cut:]
        if count > cap:
            return count
    return count + len(tag.findall(carry))


def _is_sheet_xml(name: str) -> bool:
    return name.endswith(".xml") and "/worksheets/" in name


def _check_parts(source: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> set[str]:
    if len(infos) > limits.max_parts:
        raise refusal(source, f"{source.name} holds {len(infos):,} zip parts, more than the "
                              f"{limits.max_parts:,} the reader accepts")
    total_bytes = sum(info.file_size for info in infos)
    if total_bytes > limits.max_unpacked_bytes:
        raise refusal(
            source,
            f"{source.name} would unpack to {_megabytes(total_bytes)}, more than the "
            f"{_megabytes(limits.max_unpacked_bytes)} the reader accepts; it is not opened "
            "(a fleet workbook is far smaller; this looks like a zip bomb)",
        )
    for info in infos:
        if info.file_size <= limits.ratio_floor_bytes:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            raise refusal(
                source,
                f"{source.name}: part {info.filename} expands {ratio:,.0f} times "
                f"({_megabytes(info.compress_size)} to {_megabytes(info.file_size)}), far more "
                f"than a spreadsheet compresses (at most {limits.max_ratio:,.0f} accepted); it "
                "is not opened (this looks like a zip bomb)",
            )
    return {info.filename for info in infos}


class _RootReached(Exception):
    """Raised by the prolog parse when the root element starts: the prolog is over."""


def _check_prolog(source: Path, part: str, stream: IO[bytes]) -> tuple[str, dict[str, str]] | None:
    """Parse ``part`` up to its root element; refuse a DTD declared before it.

    Returns:
        The root element's name and attributes; ``None`` when the part is not well-formed.
    """
    parser = dtd_refusing_parser(namespace_separator=" ")
    found: list[tuple[str, dict[str, str]]] = []

    def root(name: str, attrs: dict[str, str]) -> None:
        found.append((name, attrs))
        raise _RootReached

    parser.StartElementHandler = root
    read_bytes = 0
    try:
        while chunk := stream.read(_READ_BYTES):
            read_bytes += len(chunk)
            parser.Parse(chunk, False)
            if read_bytes > _PROLOG_BYTES:
                raise refusal(source, f"{source.name}: part {part} has no XML element in its "
                                      f"first {_PROLOG_BYTES // 1024:,} KB; it is not opened")
        parser.Parse(b"", True)
    except _RootReached:
        return found[0]
    except DtdFound:
        raise refusal(
            source,
            f"{source.name}: part {part} declares an XML DTD (<!DOCTYPE ...>), which spreadsheet "
            "programs never write; it is not opened (DTD entities can expand without limit or "
            "read other files)",
        ) from None
    except expat.ExpatError:
        return None  # not well-formed: the reader that opens it says so
    return None


def too_many_values(source: Path, sheet: str, limits: Limits, earlier_cells: int = 0) -> InputError:
    """The refusal of a sheet holding more values than ``limits.max_cells`` leaves for it.

    Args:
        source: The workbook.
        sheet: The sheet that went over.
        limits: The caps.
        earlier_cells: Cells of the sheets scanned before it, which count towards the cap.

    Returns:
        The error, to be raised by the caller.
    """
    room = limits.max_cells - earlier_cells
    before = f" ({earlier_cells:,} more in the sheets before it)" if earlier_cells else ""
    message = (f"the sheet holds more than {room:,} cells with values{before}, more than the "
               f"{limits.max_cells:,} the reader accepts; it is not opened (delete what the "
               "plan does not need, or keep it in another workbook)")
    return refusal(source, message, sheet=sheet)


def too_many_cells(source: Path, sheet: str, rows: int, columns: int, limits: Limits,
                   earlier_cells: int = 0) -> InputError:
    """The refusal of a sheet whose used area passes ``limits.max_cells``.

    Args:
        source: The workbook.
        sheet: The sheet that went over.
        rows: Last row of its used area (1-based).
        columns: Columns of its used area.
        limits: The caps.
        earlier_cells: Cells of the sheets scanned before it, which count towards the cap.

    Returns:
        The error, to be raised by the caller.
    """
    cells = rows * columns
    last = clip(f"{column_letter(max(columns - 1, 0))}{rows}", 20)
    message = (
        f"the sheet's cells span A1:{last} ({cells:,} cells"
        + (f", {earlier_cells + cells:,} with the sheets before it"
           if earlier_cells and cells <= limits.max_cells else "")
        + f"), more than the {limits.max_cells:,} the reader accepts; delete stray cells far "
        "outside the table (Ctrl+End jumps to the last one)"
    )
    return refusal(source, message, sheet=sheet)
