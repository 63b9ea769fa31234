"""Find the tables, markers and automatic styles of an .ods ``content.xml`` by byte offset.

A copy of an .ods file keeps the user's ``content.xml`` as it is written and only splices
the result sheets in (:mod:`allocator.workbook.ods_writer`), so it needs to know where things
are, not what they mean: the root element and the namespaces it declares, the automatic
styles, the spreadsheet body and each of its top-level children (every ``<table:table>`` with
its name and the result-sheet markers it carries). The part is read once with expat (DTDs
refused, namespaces resolved, so any prefixes work); elements inside the tables are passed
over, never kept. Nothing is written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from allocator.workbook.copy_losses import MARK_NAME, mark_value
from allocator.workbook.parts import DtdFound, dtd_refusing_parser
from allocator.workbook.xml_splice import Element

__all__ = ["NAMESPACES", "ContentIndex", "OdsSheet", "index_content"]

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
NAMESPACES = {
    "office": OFFICE,
    "style": STYLE,
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": TABLE,
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}
"""The prefixes the result sheets' XML is written with, and their namespaces."""

_START_TAG = re.compile(rb'<([^\s/>]+)(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|\'[^\']*\'))*\s*/?>')
_DECLARED_ENCODING = re.compile(rb'^\s*<\?xml[^>]*encoding\s*=\s*["\']([A-Za-z0-9._-]+)["\']')
_BOM = b"\xef\xbb\xbf"


def _q(namespace: str, local: str) -> str:
    return f"{namespace} {local}"


_ROOT = _q(OFFICE, "document-content")
_AUTOMATIC_STYLES = _q(OFFICE, "automatic-styles")
_BODY = _q(OFFICE, "body")
_SPREADSHEET = _q(OFFICE, "spreadsheet")
_TABLE = _q(TABLE, "table")
_NAMED_EXPRESSIONS = _q(TABLE, "named-expressions")
_NAMED_EXPRESSION = _q(TABLE, "named-expression")
_TABLE_NAME = _q(TABLE, "name")
_EXPRESSION = _q(TABLE, "expression")
_STYLE_NAME = _q(STYLE, "name")


@dataclass(frozen=True)
class OdsSheet:
    """A top-level ``<table:table>`` of the spreadsheet.

    Attributes:
        name: Its ``table:name``.
        element: Where it is.
        marks: The values of the result-sheet markers among its own named expressions.
    """

    name: str
    element: Element
    marks: tuple[str, ...]

    @property
    def ours(self) -> bool:
        """Written by the tool: a marker holds the sheet's own name (a renamed copy does not)."""
        return mark_value(self.name) in self.marks


@dataclass
class ContentIndex:
    """Where the parts of one ``content.xml`` are.

    Attributes:
        data: The part's bytes.
        root: The ``office:document-content`` element.
        namespaces: Prefix -> namespace declared on the root.
        automatic_styles: The ``office:automatic-styles`` element, if any.
        styles: Its child elements, each with its ``style:name`` (``""`` if none).
        body: The ``office:body`` element.
        spreadsheet: The ``office:spreadsheet`` element, if any.
        children: The spreadsheet's child elements, by namespace-qualified local name.
        sheets: The spreadsheet's tables, in order.
    """

    data: bytes
    root: Element | None = None
    namespaces: dict[str, str] = field(default_factory=dict)
    automatic_styles: Element | None = None
    styles: list[tuple[str, Element]] = field(default_factory=list)
    body: Element | None = None
    spreadsheet: Element | None = None
    children: list[tuple[str, Element]] = field(default_factory=list)
    sheets: list[OdsSheet] = field(default_factory=list)


def index_content(data: bytes, part: str = "content.xml") -> ContentIndex:
    """Index an .ods ``content.xml``.

    Raises:
        ValueError: the part is not UTF-8, declares a DTD, is not well-formed or is not an
            OpenDocument content part (the message names ``part``).
    """
    declared = _DECLARED_ENCODING.match(data.removeprefix(_BOM))
    if declared and declared.group(1).decode().lower() not in ("utf-8", "utf8"):
        raise ValueError(f"part {part} is encoded as {declared.group(1).decode()}; only UTF-8 "
                         "parts can be edited")
    walker = _Walker(data, part)
    walker.run()
    index = walker.index
    if index.root is None or index.body is None:
        raise ValueError(f"part {part} is not the content of an OpenDocument file")
    return index


@dataclass
class _Open:
    name: str
    attrs: dict[str, str]
    start: int
    tag_end: int
    empty: bool
    qname: str
    kept: bool


class _Walker:
    """Expat handlers that keep the few elements :class:`ContentIndex` needs."""

    def __init__(self, data: bytes, part: str) -> None:
        self.data, self.part = data, part
        self.index = ContentIndex(data)
        self.stack: list[_Open] = []
        self.marks: list[str] = []
        self.parser = dtd_refusing_parser(namespace_separator=" ")

    def run(self) -> None:
        parser = self.parser
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartNamespaceDeclHandler = self.namespace
        try:
            parser.Parse(self.data, True)
        except DtdFound:
            raise ValueError(f"part {self.part} declares an XML DTD") from None
        except expat.ExpatError as exc:
            raise ValueError(f"part {self.part} is not well-formed XML ({exc})") from exc

    def namespace(self, prefix: str | None, uri: str) -> None:
        if not self.stack and prefix:
            self.index.namespaces.setdefault(prefix, uri)

    def _path(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.stack)

    def _kept(self, name: str) -> bool:
        path, depth = self._path(), len(self.stack) + 1
        if depth <= 2:
            return depth == 1 or name in (_AUTOMATIC_STYLES, _BODY)
        if depth == 3:
            return path[1] == _AUTOMATIC_STYLES or (path[1] == _BODY and name == _SPREADSHEET)
        return depth == 4 and path[2] == _SPREADSHEET

    def start(self, name: str, attrs: dict[str, str]) -> None:
        depth = len(self.stack) + 1
        if depth == 6 and name == _NAMED_EXPRESSION and attrs.get(_TABLE_NAME) == MARK_NAME \
                and self.stack[4].name == _NAMED_EXPRESSIONS and self.stack[3].name == _TABLE \
                and self.stack[2].name == _SPREADSHEET:
            self.marks.append(attrs.get(_EXPRESSION, "").removeprefix("of:").lstrip("="))
        if not self._kept(name):
            self.stack.append(_Open(name, {}, 0, 0, False, "", False))
            return
        at = self.parser.CurrentByteIndex
        tag = _START_TAG.match(self.data, at)
        if tag is None:
            raise ValueError(f"part {self.part}: cannot locate the start tag of {name}")
        empty = tag.group(0).endswith(b"/>")
        qname = tag.group(1).decode("utf-8")
        self.stack.append(_Open(name, attrs, at, tag.end(), empty, qname, True))
        if depth == 4 and name == _TABLE:
            self.marks = []

    def end(self, name: str) -> None:
        item = self.stack.pop()
        if not item.kept:
            return
        if item.empty:
            inner = stop = item.tag_end
        else:
            inner = self.parser.CurrentByteIndex
            stop = self.data.index(b">", inner) + 1
        element = Element(item.qname, len(self.stack) + 1, item.attrs, item.start,
                          item.tag_end, inner, stop)
        self._store(item.name, element)

    def _store(self, name: str, element: Element) -> None:
        index, depth = self.index, element.depth
        if depth == 1:
            index.root = element if name == _ROOT else None
        elif depth == 2:
            if name == _AUTOMATIC_STYLES:
                index.automatic_styles = element
            else:
                index.body = element
        elif depth == 3 and name == _SPREADSHEET:
            index.spreadsheet = element
        elif depth == 3:
            index.styles.append((element.attrs.get(_STYLE_NAME, ""), element))
        else:
            index.children.append((name, element))
            if name == _TABLE:
                index.sheets.append(OdsSheet(element.attrs.get(_TABLE_NAME, ""), element,
                                             tuple(self.marks)))
