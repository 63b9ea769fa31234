"""Find XML elements by byte offset and splice edits into a part's bytes; never re-serializes.

A workbook copy changes a few package parts (the workbook, its relationships, the content
types, the styles) by inserting or removing elements and setting attributes. Re-writing such a
part through an XML library would rename namespace prefixes and reorder attributes, so the
edits are made in place: :class:`XmlPart` indexes every element's start tag, content and end
by byte offset (expat, DTDs refused), and :class:`Edits` applies replacements to the bytes.
Only UTF-8 parts are edited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from allocator.workbook.parts import DtdFound, dtd_refusing_parser

__all__ = ["Edits", "Element", "XmlPart", "escape_attr", "with_attribute"]

_DECLARED_ENCODING = re.compile(rb'^\s*<\?xml[^>]*encoding\s*=\s*["\']([A-Za-z0-9._-]+)["\']')
_UTF8 = {"utf-8", "utf8"}
_START_TAG = re.compile(rb'<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|\'[^\']*\'))*\s*/?>')
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Element:
    """One element of a part, by byte offsets into the part's bytes.

    Attributes:
        name: The qualified name as written (``x:sheet``).
        depth: 1 for the root element.
        attrs: Attributes by qualified name.
        start: Offset of ``<`` of the start tag.
        tag_end: Offset just after the start tag's ``>``.
        inner_end: Offset of the end tag's ``<`` (``tag_end`` for an empty element).
        end: Offset just after the element.
    """

    name: str
    depth: int
    attrs: dict[str, str]
    start: int
    tag_end: int
    inner_end: int
    end: int

    @property
    def local(self) -> str:
        """The name without its prefix."""
        return self.name.rpartition(":")[2]

    @property
    def prefix(self) -> str:
        """``"x:"`` for ``x:sheet``, ``""`` for an unprefixed name."""
        head, colon, _ = self.name.rpartition(":")
        return head + colon

    def get(self, local: str) -> str | None:
        """An attribute by local name, whatever its prefix (``r:id`` for ``"id"``)."""
        if local in self.attrs:
            return self.attrs[local]
        return next((value for name, value in self.attrs.items()
                     if name.rpartition(":")[2] == local), None)

    @property
    def empty(self) -> bool:
        """Written as ``<name/>``."""
        return self.tag_end == self.end


@dataclass
class _Open:
    name: str
    depth: int
    attrs: dict[str, str]
    start: int
    tag_end: int
    empty: bool


class XmlPart:
    """The elements of one XML part in document order, with byte offsets.

    Raises:
        ValueError: the part is not UTF-8, declares a DTD or is not well-formed (the message
            names ``part``).
    """

    def __init__(self, data: bytes, part: str) -> None:
        self.data = data
        self.part = part
        self.elements: list[Element] = []
        declared = _DECLARED_ENCODING.match(data.removeprefix(_BOM))
        if declared and declared.group(1).decode().lower() not in _UTF8:
            raise ValueError(f"part {part} is encoded as {declared.group(1).decode()}; only "
                             "UTF-8 parts can be edited")
        self._parse()

    def _parse(self) -> None:
        parser = dtd_refusing_parser(None)
        stack: list[_Open] = []
        data = self.data

        def start(name: str, attrs: dict[str, str]) -> None:
            at = parser.CurrentByteIndex
            tag = _START_TAG.match(data, at)
            if tag is None:
                raise ValueError(f"part {self.part}: cannot locate the start tag of {name}")
            empty = tag.group(0).endswith(b"/>")
            stack.append(_Open(name, len(stack) + 1, attrs, at, tag.end(), empty))

        def end(name: str) -> None:
            item = stack.pop()
            if item.empty:
                inner = stop = item.tag_end
            else:
                inner = parser.CurrentByteIndex
                stop = data.index(b">", inner) + 1
            self.elements.append(Element(item.name, item.depth, item.attrs, item.start,
                                         item.tag_end, inner, stop))

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        try:
            parser.Parse(data, True)
        except DtdFound:
            raise ValueError(f"part {self.part} declares an XML DTD") from None
        except expat.ExpatError as exc:
            raise ValueError(f"part {self.part} is not well-formed XML ({exc})") from exc
        self.elements.sort(key=lambda el: el.start)

    @property
    def root(self) -> Element:
        """The document element."""
        return self.elements[0]

    def children(self, parent: Element, local: str | None = None) -> list[Element]:
        """Direct children of ``parent`` (with local name ``local``), in document order."""
        return [el for el in self.elements
                if el.depth == parent.depth + 1 and parent.tag_end <= el.start < parent.end
                and (local is None or el.local == local)]

    def child(self, parent: Element, local: str) -> Element | None:
        """The first direct child of ``parent`` called ``local``, if any."""
        found = self.children(parent, local)
        return found[0] if found else None

    def inner(self, element: Element) -> bytes:
        """The bytes between the element's start and end tags."""
        return self.data[element.tag_end:element.inner_end]

    def start_tag(self, element: Element) -> bytes:
        """The element's start tag as written."""
        return self.data[element.start:element.tag_end]


@dataclass
class Edits:
    """Replacements of byte ranges of one part, applied together."""

    changes: list[tuple[int, int, bytes]] = field(default_factory=list)

    def replace(self, start: int, end: int, text: bytes) -> None:
        """Replace ``data[start:end]`` with ``text``."""
        self.changes.append((start, end, text))

    def insert(self, at: int, text: bytes) -> None:
        """Insert ``text`` before offset ``at``."""
        self.changes.append((at, at, text))

    def delete(self, element: Element) -> None:
        """Remove ``element`` with its content."""
        self.changes.append((element.start, element.end, b""))

    def append_child(self, part: XmlPart, parent: Element, text: bytes) -> None:
        """Add ``text`` as the last content of ``parent``, opening ``<a/>`` if need be."""
        if parent.empty:
            tag = part.start_tag(parent)
            opened = tag[:-2].rstrip() + b">"
            self.replace(parent.start, parent.end,
                         opened + text + b"</" + parent.name.encode() + b">")
        else:
            self.insert(parent.inner_end, text)

    def apply(self, data: bytes) -> bytes:
        """``data`` with every change made; overlapping changes are a programming error."""
        out: list[bytes] = []
        at = 0
        for start, end, text in sorted(self.changes, key=lambda c: (c[0], c[1])):
            if start < at:
                raise ValueError("overlapping edits of one XML part")
            out += [data[at:start], text]
            at = end
        out.append(data[at:])
        return b"".join(out)


def escape_attr(value: str) -> str:
    """``value`` quoted for a double-quoted XML attribute."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def with_attribute(tag: bytes, name: str, value: str) -> bytes:
    """The start tag ``tag`` with attribute ``name`` set to ``value`` (added if absent)."""
    quoted = escape_attr(value).encode()
    pattern = re.compile(rb'(\s' + re.escape(name.encode()) + rb'\s*=\s*)("[^"]*"|\'[^\']*\')')
    if pattern.search(tag):
        return pattern.sub(lambda m: m.group(1) + b'"' + quoted + b'"', tag, count=1)
    close = 2 if tag.endswith(b"/>") else 1
    body = tag[:-close].rstrip()
    return body + b" " + name.encode() + b'="' + quoted + b'"' + tag[-close:]
