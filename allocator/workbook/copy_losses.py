"""Say what a copy of a workbook could not carry and which sheets the tool wrote; never writes.

A copy keeps every part of the source byte for byte and only adds the result sheets
(:mod:`allocator.workbook.copy_merge`), so charts, pictures, pivot tables, Power Query
connections, macros and their signatures all survive. What it cannot carry is named by
:func:`source_losses` so the writer refuses before anything is written: a document signature
(the added sheets would invalidate it), the Strict Open XML dialect, and package parts that
must be edited but are not UTF-8. :func:`own_sheets` finds the sheets an earlier run wrote by
the marker every result sheet carries (a hidden sheet-level name), never by name alone.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from allocator.errors import InputError, OutputError
from allocator.workbook.parts import Package, attribute, local_name, open_package, rels_part

__all__ = ["MARK_NAME", "mark_value", "own_sheets", "sheet_list", "source_losses"]

MARK_NAME = "fleet_allocator_sheet"
"""The hidden sheet-level defined name on every result sheet; its value is the sheet's name."""

_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_SIGNATURE_ORIGIN = "/digital-signature/origin"
_STYLES = "/styles"
_ENCODING = re.compile(rb'^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=\s*["\']([^"\']+)["\']')
_TYPES = "[Content_Types].xml"


def mark_value(sheet: str) -> str:
    """The marker's value for ``sheet``: its name as an Excel string constant."""
    return '"' + sheet.replace('"', '""') + '"'


def sheet_list(package: Package) -> list[str]:
    """Every sheet's name in workbook order (worksheets, chart sheets, macro sheets)."""
    return [name for attrs in package.elements(package.workbook_part(), "sheet")
            if (name := attribute(attrs, "name")) is not None]


def own_sheets(package: Package) -> set[str]:
    """The names of the sheets an earlier run of the tool wrote, found by their marker.

    A sheet counts only when its marker still holds its own name: a user's copy of a result
    sheet (``Summary (2)``) or a sheet renamed to keep it is the user's.
    """
    names = sheet_list(package)
    found: set[str] = set()
    for local_id, value in _marks(package):
        if 0 <= local_id < len(names) and value == mark_value(names[local_id]):
            found.add(names[local_id])
    return found


def _marks(package: Package) -> list[tuple[int, str]]:
    """(localSheetId, value) of every marker name in the workbook part."""
    marks: list[tuple[int, str]] = []
    current: dict[str, str] | None = None
    text: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal current
        if local_name(name) == "definedName" and attrs.get("name") == MARK_NAME:
            current = attrs
            text.clear()

    def end(name: str) -> None:
        nonlocal current
        if current is not None and local_name(name) == "definedName":
            sheet_id = current.get("localSheetId", "")
            if sheet_id.isdigit():
                marks.append((int(sheet_id), "".join(text).strip()))
            current = None

    def chars(data: str) -> None:
        if current is not None:
            text.append(data)

    book = package.workbook_part()
    if package.has(book):
        package.parse(book, start, end, chars)
    return marks


def source_losses(source: str | Path) -> list[str]:
    """What a copy of ``source`` could not carry, as ``"a digital signature (...)"`` items.

    ``[]`` means the copy keeps every part of the source.

    Raises:
        OutputError: ``source`` is not a readable .xlsx/.xlsm zip.
    """
    src = Path(source)
    try:
        with open_package(src) as package:
            return _losses(package)
    except InputError as exc:  # the walker refused a part: a DTD, bad XML, a damaged entry
        raise OutputError(f"Cannot copy {src}: not a readable .xlsx/.xlsm workbook "
                          f"({exc.problems[0].message})") from exc
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise OutputError(
            f"Cannot copy {src}: not a readable .xlsx/.xlsm workbook ({exc})"
        ) from exc


def _losses(package: Package) -> list[str]:
    book = package.workbook_part()
    if not package.has(book):
        raise KeyError(f"There is no item named {book!r} in the archive")
    losses: list[str] = []
    roots = _root_namespaces(package, book)
    if roots and roots[0] == _STRICT_MAIN:
        losses.append("the Strict Open XML format (save it as an ordinary Excel Workbook)")
    for rel in package.relationships(""):
        if rel.type.endswith(_SIGNATURE_ORIGIN):
            signatures = sorted(package.reachable(rel.target) - {rel.target})
            where = ", ".join(signatures) or rel.target
            losses.append(f"a digital signature ({where}), which the added sheets would break")
    styles = [rel.target for rel in package.relationships(book) if rel.type.endswith(_STYLES)]
    for part in (_TYPES, rels_part(""), book, rels_part(book), *styles):
        encoding = _declared_encoding(package, part)
        if encoding is not None and encoding.lower() not in ("utf-8", "utf8"):
            losses.append(f"part {part} in {encoding} (only UTF-8 parts can be edited)")
    return losses


def _root_namespaces(package: Package, part: str) -> list[str]:
    """The namespace of ``part``'s root element (a list of one, or empty)."""
    found: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if not found:
            found.append(name.rpartition(" ")[0])

    package.parse(part, start, lambda name: None)
    return found


def _declared_encoding(package: Package, part: str) -> str | None:
    if not package.has(part):
        return None
    with package.archive.open(part) as stream:
        head = stream.read(200)
    match = _ENCODING.match(head)
    return match.group(1).decode("ascii", "replace") if match else None
