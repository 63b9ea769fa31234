"""Write result sheets into a copy of an .ods spreadsheet, or into a new one; no formatting rules.

An .ods file is a zip. The copy keeps every entry of the user's file byte for byte except
``content.xml``, and there it only splices: the result sheets become new ``<table:table>``
elements after the user's own (:mod:`allocator.workbook.ods_tables`), the automatic styles
they need are added to ``office:automatic-styles`` (:mod:`allocator.workbook.ods_styles`),
and the tool's own earlier result tables, known by their marker, are removed with the styles
only they used. The user's tables stay byte for byte the XML they were; ``mimetype`` is the
first entry, stored; no part is added, so the manifest is kept as it is. A results-only .ods
is a new file of the same shape. What a copy cannot carry (a document signature the new
sheets would break, encrypted parts, a part that is not UTF-8) is named by
:func:`ods_copy_facts` so the writer refuses before anything is written. Saving (temporary
file, atomic replace) is :mod:`allocator.workbook.saving`'s.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allocator._version import __version__
from allocator.workbook.bulk_rows import StreamedTable
from allocator.workbook.ods_content import (
    NAMESPACES,
    OFFICE,
    TABLE,
    ContentIndex,
    index_content,
)
from allocator.workbook.ods_styles import StyleBook
from allocator.workbook.ods_tables import table_xml
from allocator.workbook.xml_splice import Edits, Element, with_attribute

__all__ = ["ODS_MIMETYPE", "OdsFacts", "ods_copy_facts", "write_ods"]

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_CONTENT = "content.xml"
_STYLES = "styles.xml"
_MANIFEST = "META-INF/manifest.xml"
_SIGNATURES = "META-INF/documentsignatures.xml"
_OWN_STYLE = re.compile(r"^fa\d+-")
# Children of office:spreadsheet that come after its tables (ODF 1.3, 9.1.2).
_AFTER_TABLES = frozenset({"named-expressions", "database-ranges", "data-pilot-tables",
                           "consolidation", "dde-links"})
_TABLE = f"{TABLE} table"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True)
class OdsFacts:
    """What a copy of an .ods file needs to know before writing.

    Attributes:
        sheets: Every table's name, in order.
        ours: The tables an earlier run of the tool wrote (by their marker).
        losses: What a copy could not carry, as sentences; empty when it keeps everything.
    """

    sheets: list[str]
    ours: set[str]
    losses: list[str]


def ods_copy_facts(source: Path) -> OdsFacts:
    """The sheets of the .ods ``source``, the tool's own among them, and what a copy would lose.

    Raises:
        ValueError: ``source`` has no readable ``content.xml`` (not an OpenDocument file).
        zipfile.BadZipFile, OSError, KeyError: ``source`` is not a readable zip.
    """
    with zipfile.ZipFile(source) as archive:
        names = set(archive.namelist())
        if _CONTENT not in names:
            raise ValueError(f"{source.name} has no {_CONTENT}; it is not an OpenDocument file")
        losses: list[str] = []
        if _SIGNATURES in names:
            losses.append(f"a digital signature ({_SIGNATURES}), which the added sheets "
                          "would break")
        if _MANIFEST in names and b"encryption-data" in archive.read(_MANIFEST):
            losses.append("password protection (encrypted parts cannot be edited); save it "
                          "without a password")
            return OdsFacts([], set(), losses)
        index = index_content(archive.read(_CONTENT))
    if index.spreadsheet is None:
        losses.append("no spreadsheet body (it is another kind of OpenDocument file)")
    clashes = [p for p, uri in NAMESPACES.items() if index.namespaces.get(p, uri) != uri]
    if clashes:
        losses.append(f"the prefix{'es' if len(clashes) > 1 else ''} "
                      f"{', '.join(clashes)} bound to other namespaces in {_CONTENT}")
    return OdsFacts([s.name for s in index.sheets], {s.name for s in index.sheets if s.ours},
                    losses)


def write_ods(wb: Any, dest: Path, *, source: Path | None, dropped: frozenset[str] = frozenset(),
              stream: Sequence[StreamedTable] = ()) -> tuple[str, ...]:
    """Write the sheets of the openpyxl workbook ``wb`` to ``dest`` as an .ods file.

    Args:
        wb: The result sheets, each written by a writer.
        dest: The file to write (an existing file is overwritten).
        source: The .ods file to copy them into (checked by :func:`ods_copy_facts`), or
            ``None`` for a file of the result sheets alone.
        dropped: The tool's own earlier result tables of ``source`` to replace.
        stream: Long tables whose rows come from their frames.

    Returns:
        ``"title (sheet)"`` of every chart left out (.ods files get no charts).

    Raises:
        ValueError: ``source``'s ``content.xml`` cannot be edited (named in the message).
    """
    if source is None:
        content, styles = _NEW_CONTENT.encode(), b""
    else:
        with zipfile.ZipFile(source) as archive:
            content = archive.read(_CONTENT)
            styles = archive.read(_STYLES) if _STYLES in archive.namelist() else b""
    index = index_content(content)
    edits, kept = _removals(index, dropped)
    book = StyleBook(_free_prefix(kept, styles))
    rows = {table.sheet: table.frame for table in stream}
    tables = [table_xml(ws, book, rows=rows.get(ws.title)) for ws in wb.worksheets]
    _insert(index, edits, book.xml(), "".join(t.xml for t in tables))
    new_content = edits.apply(content)
    if source is None:
        _write_new(dest, new_content)
    else:
        _write_copy(source, dest, new_content)
    return tuple(chart for table in tables for chart in table.charts_left_out)


# ------------------------------------------------------------------------------- splicing


def _removals(index: ContentIndex, dropped: frozenset[str]) -> tuple[Edits, bytes]:
    """The edits removing the replaced tables and the tool's styles no kept table uses, and
    the part as it will be without them."""
    edits = Edits()
    for sheet in index.sheets:
        if sheet.name in dropped:
            edits.delete(sheet.element)
    candidates = [(name, el) for name, el in index.styles if _OWN_STYLE.match(name)]
    used: set[str] = set()
    while True:  # a kept style keeps the data styles it names
        trial = Edits(list(edits.changes))
        for name, element in candidates:
            if name not in used:
                trial.delete(element)
        kept = trial.apply(index.data)
        more = {name for name, _ in candidates
                if name not in used and b'"' + name.encode() + b'"' in kept}
        if not more:
            return trial, kept
        used |= more


def _free_prefix(*parts: bytes) -> str:
    """``fa<n>-``, the first that starts no style name left in ``parts``."""
    number = 1
    while any(f'"fa{number}-'.encode() in part for part in parts):
        number += 1
    return f"fa{number}-"


def _insert(index: ContentIndex, edits: Edits, styles: str, tables: str) -> None:
    """Add the styles, the tables and any namespace the root lacks."""
    root, body, sheet = index.root, index.body, index.spreadsheet
    if root is None or body is None or sheet is None:
        raise ValueError(f"{_CONTENT} has no spreadsheet body")
    missing = [p for p in NAMESPACES if p not in index.namespaces]
    if missing:
        tag = index.data[root.start:root.tag_end]
        for prefix in missing:
            tag = with_attribute(tag, f"xmlns:{prefix}", NAMESPACES[prefix])
        edits.replace(root.start, root.tag_end, tag)
    automatic = index.automatic_styles
    if automatic is None:
        edits.insert(body.start, f"<office:automatic-styles>{styles}"
                                 "</office:automatic-styles>".encode())
    else:
        _append(edits, index.data, automatic, styles.encode())
    tables_at = [el.end for name, el in index.children if name == _TABLE]
    after = [el.start for name, el in index.children
             if name.rpartition(" ")[2] in _AFTER_TABLES]
    if tables_at:
        edits.insert(max(tables_at), tables.encode())
    elif after:
        edits.insert(min(after), tables.encode())
    else:
        _append(edits, index.data, sheet, tables.encode())


def _append(edits: Edits, data: bytes, parent: Element, text: bytes) -> None:
    """Add ``text`` as the last content of ``parent``, opening ``<a/>`` if need be."""
    if parent.empty:
        opened = data[parent.start:parent.tag_end][:-2].rstrip() + b">"
        edits.replace(parent.start, parent.end,
                      opened + text + b"</" + parent.name.encode() + b">")
    else:
        edits.insert(parent.inner_end, text)


# -------------------------------------------------------------------------------- zip files


def _write_copy(source: Path, dest: Path, content: bytes) -> None:
    """``source`` entry by entry with ``content`` as its ``content.xml``; ``mimetype`` first,
    stored."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w") as dst:
        infos = src.infolist()
        first = [i for i in infos if i.filename == "mimetype"]
        if not first:
            dst.writestr("mimetype", ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        for info in first + [i for i in infos if i.filename != "mimetype"]:
            data = content if info.filename == _CONTENT else src.read(info.filename)
            method = zipfile.ZIP_STORED if info.filename == "mimetype" else (
                zipfile.ZIP_DEFLATED if info.filename == _CONTENT else info.compress_type)
            dst.writestr(info, data, compress_type=method)


def _write_new(dest: Path, content: bytes) -> None:
    parts = {_MANIFEST: _MANIFEST_XML, "meta.xml": _META_XML, _STYLES: _STYLES_XML}
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("mimetype", ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        dst.writestr(_CONTENT, content)
        for name, text in parts.items():
            dst.writestr(name, text)


def _declarations(*prefixes: str) -> str:
    return " ".join(f'xmlns:{p}="{NAMESPACES[p]}"' for p in prefixes)


_NEW_CONTENT = (f'{_HEAD}<office:document-content {_declarations(*NAMESPACES)} '
                'office:version="1.3"><office:automatic-styles/><office:body>'
                "<office:spreadsheet></office:spreadsheet></office:body>"
                "</office:document-content>")
_STYLES_XML = (f'{_HEAD}<office:document-styles {_declarations("office", "style", "fo")} '
               'office:version="1.3"><office:styles/></office:document-styles>')
_META_XML = (f'{_HEAD}<office:document-meta xmlns:office="{OFFICE}" '
             'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.3">'
             f"<office:meta><meta:generator>fleet-allocator/{__version__}</meta:generator>"
             "</office:meta></office:document-meta>")
_MANIFEST_XML = (
    f'{_HEAD}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
    'manifest:1.0" manifest:version="1.3">'
    f'<manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
    f'manifest:media-type="{ODS_MIMETYPE}"/>'
    + "".join(f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type="text/xml"/>'
              for name in (_CONTENT, _STYLES, "meta.xml"))
    + "</manifest:manifest>")
