"""Refuse hostile workbook files (too large, zip bombs, DTDs, too many cells); never reads cells.

The guards run on the raw file before any spreadsheet library opens it: a file too large, a
zip that unpacks to more than :attr:`Limits.max_unpacked_bytes` or with a part compressed far
beyond what a spreadsheet compresses (a zip bomb), any XML part that declares a DTD (entity
expansion or external entities; no spreadsheet program writes one), and (through
:func:`too_many_cells`, called by the scans) a sheet whose used area holds more than
:attr:`Limits.max_cells` cells. python-calamine builds every sheet as a dense grid from A1 to
its last cell, so one stray value at ``XFD1048576`` would ask for 17 billion cells and abort
the process; the caps are checked before calamine sees the file. Every refusal is an
:class:`~allocator.errors.InputError`.
"""

from __future__ import annotations

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
    dtd_refusing_parser,
    open_package,
    refusal,
)

__all__ = [
    "DEFAULT_LIMITS",
    "MB",
    "Format",
    "Limits",
    "check_file",
    "clip",
    "too_many_cells",
]

MB = 1_000_000
_PROLOG_BYTES = 1 << 20  # an XML part whose prolog (before the root element) is longer is refused
_READ_BYTES = 4096


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
    size_bytes = source.stat().st_size
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
                    _check_prolog(source, info.filename, stream)
    except ZIP_ERRORS as exc:
        raise refusal(source, f"{source.name} is a damaged zip file: {exc}") from exc
    if "xl/workbook.xml" in names or any(_is_sheet_xml(name) for name in names):
        return "ooxml"
    if "content.xml" in names:
        return "ods"
    return "other"


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


def _check_prolog(source: Path, part: str, stream: IO[bytes]) -> None:
    """Parse ``part`` up to its root element; refuse a DTD declared before it."""
    parser = dtd_refusing_parser()

    def root(*_: object) -> None:
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
        return
    except DtdFound:
        raise refusal(
            source,
            f"{source.name}: part {part} declares an XML DTD (<!DOCTYPE ...>), which spreadsheet "
            "programs never write; it is not opened (DTD entities can expand without limit or "
            "read other files)",
        ) from None
    except expat.ExpatError:
        return  # not well-formed: the reader that opens it says so


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
