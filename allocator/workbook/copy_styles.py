"""Append the result sheets' cell formats to a source workbook's styles part; never reorders it.

The result sheets are written by openpyxl into a workbook of their own, whose cell formats
(number formats, fonts, fills, borders, ``cellXfs``) are numbered from 0. Copied into the
user's workbook they must point at formats of the user's styles part, so those formats are
appended to it (an identical entry already there is reused) and every existing index keeps
its meaning: the user's cells look exactly as before. The part is edited in place
(:mod:`allocator.workbook.xml_splice`), never re-serialized.
"""

from __future__ import annotations

import re

from allocator.workbook.xml_splice import Edits, Element, XmlPart, escape_attr, with_attribute

__all__ = ["merge_styles", "remap_sheet_styles"]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# The styles part's collections in schema order (CT_Stylesheet).
_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles",
          "dxfs", "tableStyles", "colors", "extLst")
_FIRST_CUSTOM_FORMAT = 164
_CELL_STYLE = re.compile(rb'(<(?:c|row)\b[^>]*?\ss=")(\d+)(")')
_COLUMN_STYLE = re.compile(rb'(<col\b[^>]*?\sstyle=")(\d+)(")')


def merge_styles(source: bytes, output: bytes, part: str) -> tuple[bytes, list[int]]:
    """The source styles part with the output's formats appended, and the xf index map.

    Args:
        source: The user's styles part.
        output: The styles part openpyxl wrote for the result sheets.
        part: The source part's name, for error messages.

    Returns:
        The new bytes of the source part, and for each ``cellXfs`` index of the output the
        index of the same format in the new part.

    Raises:
        ValueError: a part is not well-formed UTF-8 XML, or the output uses formats this
            merge does not carry (differential formats).
    """
    src = XmlPart(source, part)
    out = XmlPart(output, "the result sheets' styles")
    dxfs = _collection(out, "dxfs")
    if dxfs is not None and out.children(dxfs):
        raise ValueError("the result sheets use differential formats, which are not copied")
    merged = _Merge(src)
    formats = merged.number_formats(out)
    fonts = merged.items(out, "fonts", "font")
    fills = merged.items(out, "fills", "fill")
    borders = merged.items(out, "borders", "border")
    xfs = merged.cell_formats(out, formats, {"fontId": fonts, "fillId": fills,
                                             "borderId": borders})
    return merged.edits.apply(source), xfs


def remap_sheet_styles(xml: bytes, xf_map: list[int]) -> bytes:
    """Sheet XML with every cell, row and column style index moved through ``xf_map``."""
    def move(match: re.Match[bytes]) -> bytes:
        return match.group(1) + str(xf_map[int(match.group(2))]).encode() + match.group(3)

    return _COLUMN_STYLE.sub(move, _CELL_STYLE.sub(move, xml))


def _collection(part: XmlPart, local: str) -> Element | None:
    return part.child(part.root, local)


class _Merge:
    """Edits to the source styles part, collection by collection."""

    def __init__(self, src: XmlPart) -> None:
        self.src = src
        self.edits = Edits()
        self.prefix = src.root.prefix
        self.pending: dict[str, bytes] = {}  # new collections, inserted when all are known

    def number_formats(self, out: XmlPart) -> dict[int, int]:
        """Output custom numFmtId -> source id (an existing format with the same code, or new)."""
        found = _collection(self.src, "numFmts")
        existing = {} if found is None else {
            el.attrs.get("formatCode", ""): int(el.attrs.get("numFmtId", "0"))
            for el in self.src.children(found, "numFmt")}
        next_id = max([_FIRST_CUSTOM_FORMAT - 1, *existing.values()]) + 1
        mapping: dict[int, int] = {}
        added: list[bytes] = []
        wanted = _collection(out, "numFmts")
        for el in [] if wanted is None else out.children(wanted, "numFmt"):
            code = el.attrs.get("formatCode", "")
            if code not in existing:
                existing[code] = next_id
                added.append(f'<{self.prefix}numFmt numFmtId="{next_id}" '
                             f'formatCode="{escape_attr(code)}"/>'.encode())
                next_id += 1
            mapping[int(el.attrs.get("numFmtId", "0"))] = existing[code]
        self._extend("numFmts", found, added, len(existing))
        return mapping

    def items(self, out: XmlPart, collection: str, item: str) -> list[int]:
        """Append the output's ``item`` entries to the source's; output index -> source index."""
        found = _collection(self.src, collection)
        existing = [] if found is None else [
            self.src.data[el.start:el.end] for el in self.src.children(found, item)]
        wanted = _collection(out, collection)
        return self._append(collection, found, existing,
                            [] if wanted is None else [
                                self._foreign(out, el) for el in out.children(wanted, item)])

    def cell_formats(self, out: XmlPart, formats: dict[int, int],
                     maps: dict[str, list[int]]) -> list[int]:
        """Append the output's ``cellXfs``, their font/fill/border/format ids moved."""
        wanted = _collection(out, "cellXfs")
        fragments: list[bytes] = []
        for el in [] if wanted is None else out.children(wanted, "xf"):
            tag = out.start_tag(el)
            for attr, mapping in maps.items():
                if attr in el.attrs:
                    tag = with_attribute(tag, attr, str(mapping[int(el.attrs[attr])]))
            fmt = int(el.attrs.get("numFmtId", "0"))
            tag = with_attribute(tag, "numFmtId", str(formats.get(fmt, fmt)))
            tag = with_attribute(tag, "xfId", "0")  # the user's Normal style
            body = b"" if el.empty else out.inner(el) + out.data[el.inner_end:el.end]
            fragments.append(self._namespaced(tag + body))
        found = _collection(self.src, "cellXfs")
        existing = [] if found is None else [
            self.src.data[el.start:el.end] for el in self.src.children(found, "xf")]
        result = self._append("cellXfs", found, existing, fragments)
        self._flush()
        return result

    def _foreign(self, out: XmlPart, el: Element) -> bytes:
        return self._namespaced(out.data[el.start:el.end])

    def _namespaced(self, fragment: bytes) -> bytes:
        """An unprefixed openpyxl fragment, put in the main namespace if the source is prefixed."""
        if not self.prefix:
            return fragment
        tag = re.match(rb"<[^>]*?/?>", fragment)
        if tag is None:
            raise ValueError("an openpyxl style fragment does not start with a tag")
        return with_attribute(tag.group(0), "xmlns", MAIN) + fragment[tag.end():]

    def _append(self, collection: str, found: Element | None, existing: list[bytes],
                fragments: list[bytes]) -> list[int]:
        mapping: list[int] = []
        added: list[bytes] = []
        index = {raw: i for i, raw in reversed(list(enumerate(existing)))}
        for raw in fragments:
            if raw not in index:
                index[raw] = len(existing) + len(added)
                added.append(raw)
            mapping.append(index[raw])
        self._extend(collection, found, added, len(existing) + len(added))
        return mapping

    def _extend(self, collection: str, found: Element | None, added: list[bytes],
                count: int) -> None:
        if not added:
            return
        body = b"".join(added)
        if found is None:
            self.pending[collection] = (f'<{self.prefix}{collection} count="{count}">'.encode()
                                        + body + f"</{self.prefix}{collection}>".encode())
            return
        tag = with_attribute(self.src.start_tag(found), "count", str(count))
        if found.empty:
            opened = tag[:-2].rstrip() + b">"
            self.edits.replace(found.start, found.end,
                               opened + body + f"</{found.name}>".encode())
        else:
            self.edits.replace(found.start, found.tag_end, tag)
            self.edits.insert(found.inner_end, body)

    def _flush(self) -> None:
        """Insert the collections the source lacked, each before its schema successor."""
        present = {el.local: el for el in self.src.children(self.src.root)}
        for collection, text in self.pending.items():
            later = [present[name] for name in _ORDER[_ORDER.index(collection) + 1:]
                     if name in present]
            self.edits.insert(later[0].start if later else self.src.root.inner_end, text)
