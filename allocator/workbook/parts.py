"""Walk a workbook zip's parts and relationships safely; it never reads cells or values.

The one walker over the package structure: the reader's guards and scans use it to find the
sheets' XML, and the writer's copy check uses it to find what each sheet refers to (charts,
pictures, pivot tables, ...). Every XML part is parsed with expat in a streaming pass, no tree
kept, and a part that declares a DTD, is not well-formed or is damaged in the zip is refused
with an :class:`~allocator.errors.InputError` naming the part.
"""

from __future__ import annotations

import lzma
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.parsers import expat
from xml.parsers.expat import XMLParserType

from allocator.errors import InputError, Problem

__all__ = [
    "WORKBOOK",
    "ZIP_ERRORS",
    "DtdFound",
    "Package",
    "Relationship",
    "attribute",
    "dtd_refusing_parser",
    "is_xml_part",
    "local_name",
    "open_package",
    "parse_stream",
    "refusal",
    "rels_part",
]

WORKBOOK = "workbook"
"""``Problem.sheet`` of a fault of the file as a whole (not found, not a workbook, unsafe)."""

# What reading a damaged zip can raise: bad headers, CRC, inflate errors, unknown methods.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
              OSError, ValueError, zlib.error, lzma.LZMAError, RuntimeError)

_CHUNK_BYTES = 1 << 16
_OFFICE_DOCUMENT = "/officeDocument"
_DEFAULT_BOOK = "xl/workbook.xml"

StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]
TextHandler = Callable[[str], None]


class DtdFound(Exception):
    """Raised by expat handlers when an XML part declares a DTD or an entity."""


def refusal(source: Path, message: str, sheet: str = WORKBOOK) -> InputError:
    """The :class:`InputError` that refuses ``source``, with one problem on ``sheet``.

    Args:
        source: The file refused.
        message: Why, as a sentence for the user.
        sheet: The sheet at fault; :data:`WORKBOOK` for the file as a whole.

    Returns:
        The error, to be raised by the caller.
    """
    return InputError([Problem(sheet, message)], source=str(source))


def local_name(name: str) -> str:
    """The local part of an expat name given as ``"namespace-uri local"``."""
    return name.rpartition(" ")[2]


def attribute(attrs: dict[str, str], local: str) -> str | None:
    """An attribute by local name, whatever its namespace (OOXML attributes are mostly bare)."""
    if local in attrs:
        return attrs[local]
    for name, value in attrs.items():
        if local_name(name) == local:
            return value
    return None


def is_xml_part(name: str) -> bool:
    """True for a zip part holding XML markup (``.xml``, ``.rels``, ``.vml``)."""
    return name.lower().endswith((".xml", ".rels", ".vml"))


def rels_part(part: str) -> str:
    """The relationships part of ``part`` (``""`` = the package: ``_rels/.rels``)."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _refuse_dtd(*_: object) -> None:
    raise DtdFound


def dtd_refusing_parser(namespace_separator: str | None = None) -> XMLParserType:
    """An expat parser that raises :class:`DtdFound` at a DTD or an entity declaration.

    Args:
        namespace_separator: With ``" "``, element and attribute names arrive as
            ``"uri local"``; ``None`` leaves namespaces unprocessed.
    """
    parser = expat.ParserCreate(namespace_separator=namespace_separator)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    return parser


def parse_stream(stream: IO[bytes], start: StartHandler, end: EndHandler,
                 text: TextHandler | None = None) -> None:
    """Feed ``stream`` to expat with namespace processing: names arrive as ``uri local``.

    Raises:
        DtdFound: the XML declares a DTD or an entity.
        expat.ExpatError: the XML is not well-formed.
    """
    parser = dtd_refusing_parser(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    parser.buffer_text = True
    while chunk := stream.read(_CHUNK_BYTES):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


@dataclass(frozen=True)
class Relationship:
    """One internal relationship of a part.

    Attributes:
        id: The relationship's ``Id``.
        type: Its ``Type`` URI.
        target: The zip path it points to, resolved against the referring part's folder.
    """

    id: str
    type: str
    target: str


class Package:
    """An open workbook zip, walked part by part; every XML read goes through :meth:`parse`."""

    def __init__(self, source: Path, archive: zipfile.ZipFile) -> None:
        self.source = source
        self.archive = archive
        self.names = archive.namelist()
        self._present = set(self.names)

    def has(self, part: str) -> bool:
        """True when the zip holds ``part``."""
        return part in self._present

    def xml_parts(self) -> Iterator[zipfile.ZipInfo]:
        """The zip entries that hold XML markup, in zip order."""
        return (info for info in self.archive.infolist() if is_xml_part(info.filename))

    def parse(self, part: str, start: StartHandler, end: EndHandler,
              text: TextHandler | None = None) -> None:
        """Stream ``part`` through the expat handlers.

        Raises:
            InputError: the part declares a DTD, is not well-formed XML, or is damaged.
        """
        source = self.source
        try:
            with self.archive.open(part) as stream:
                parse_stream(stream, start, end, text)
        except DtdFound:
            raise refusal(source, f"{source.name}: part {part} declares an XML DTD; it is not "
                                  "opened") from None
        except expat.ExpatError as exc:
            reason = expat.errors.messages.get(exc.code, exc)
            raise refusal(source, f"{source.name}: part {part} is not well-formed XML "
                                  f"({reason}, line {exc.lineno})") from exc
        except ZIP_ERRORS as exc:
            raise refusal(source, f"{source.name}: part {part} is damaged: {exc}") from exc

    def elements(self, part: str, wanted: str) -> list[dict[str, str]]:
        """Attributes of every ``wanted`` element (by local name) of ``part``; ``[]`` if absent."""
        if not self.has(part):
            return []
        found: list[dict[str, str]] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if local_name(name) == wanted:
                found.append(attrs)

        self.parse(part, start, lambda name: None)
        return found

    def relationships(self, part: str) -> list[Relationship]:
        """Every internal relationship of ``part`` (``""`` = the package), in file order."""
        folder = posixpath.dirname(part)
        found: list[Relationship] = []
        for attrs in self.elements(rels_part(part), "Relationship"):
            target = attrs.get("Target")
            if attrs.get("TargetMode") == "External" or not target:
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            found.append(Relationship(attrs.get("Id", ""), attrs.get("Type", ""), path))
        return found

    def workbook_part(self) -> str:
        """The main workbook part, from the package relationships (normally ``xl/workbook.xml``)."""
        return next((rel.target for rel in self.relationships("")
                     if rel.type.endswith(_OFFICE_DOCUMENT)), _DEFAULT_BOOK)

    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> zip path of its part (worksheets and chart sheets), in workbook order."""
        book = self.workbook_part()
        targets = {rel.id: rel.target for rel in self.relationships(book)}
        parts: dict[str, str] = {}
        for attrs in self.elements(book, "sheet"):
            name, rel = attribute(attrs, "name"), attribute(attrs, "id")
            if name is not None and rel in targets:
                parts[name] = targets[rel]
        return parts

    def reachable(self, start: str, avoid: frozenset[str] = frozenset()) -> set[str]:
        """Every part ``start`` refers to, directly or through other parts, and ``start``.

        Parts in ``avoid`` are neither entered nor counted (the parts reachable without
        going through them).
        """
        seen = {start}
        todo = [start]
        while todo:
            for rel in self.relationships(todo.pop()):
                if rel.target not in seen and rel.target not in avoid:
                    seen.add(rel.target)
                    todo.append(rel.target)
        return seen


@contextmanager
def open_package(source: Path, data: IO[bytes] | None = None) -> Iterator[Package]:
    """Open ``source`` as a zip package for walking; ``data``, when given, is read instead
    (a copy of ``source`` in memory), and ``source`` only names it in messages.

    Raises:
        zipfile.BadZipFile, OSError: ``source`` is not a readable zip (callers word the error).
    """
    with zipfile.ZipFile(source if data is None else data) as archive:
        yield Package(source, archive)
