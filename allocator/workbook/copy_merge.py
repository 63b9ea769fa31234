"""Add result sheets to a byte-for-byte copy of a source workbook; it never reads or writes cells.

The result sheets are saved by openpyxl as a workbook of their own first. The copy is then the
source zip entry by entry, every part kept byte for byte (sheets with their formulas and
saved values, charts, pivot tables, Power Query connections, dynamic-array metadata, macros
and their signatures, custom ribbons), except that:

- the tool's own earlier result sheets being replaced are removed with the parts only they
  refer to (and the calculation chain, a cache Excel rebuilds);
- the workbook part, its relationships and the content types list gain the new sheets (the
  workbook part is edited in place: sheet entries, sheet-level names re-indexed, the active
  tab, a full recalculation on open);
- the styles part gains the result sheets' cell formats (:mod:`allocator.workbook.copy_styles`).

The result sheets' parts get names no source part has, and long tables are streamed into
them here (:func:`~allocator.workbook.bulk_rows.write_table`).
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from allocator.workbook.bulk_rows import StreamedTable, write_table
from allocator.workbook.copy_styles import merge_styles, remap_sheet_styles
from allocator.workbook.parts import Package, open_package, rels_part
from allocator.workbook.xml_splice import Edits, Element, XmlPart, escape_attr, with_attribute

__all__ = ["CopyPlan", "merge_copy"]

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
_TYPES = "[Content_Types].xml"
_TAB_SELECTED = re.compile(rb'\stabSelected="(?:1|true)"')
_STREAM_LEVEL = 1  # fast deflate for the large streamed parts
_BOOK_BEFORE_NAMES = ("externalReferences", "functionGroups", "sheets")


class _Stop(Exception):
    """Ends a scan of a sheet's views once its cell data begins."""


@dataclass(frozen=True)
class CopyPlan:
    """A source workbook to copy, as :func:`~allocator.workbook.saving.start_workbook` checked it.

    Attributes:
        source: The .xlsx/.xlsm workbook copied.
        dropped: Names of the tool's own earlier result sheets that the new ones replace.
    """

    source: Path
    dropped: frozenset[str]


def merge_copy(plan: CopyPlan, output: Path, dest: Path, *, active: str,
               stream: Sequence[StreamedTable] = ()) -> None:
    """Write to ``dest`` the source of ``plan`` with the sheets of ``output`` added after its own.

    Args:
        plan: The source and the earlier result sheets to drop.
        output: The result sheets, saved by openpyxl as a workbook of their own.
        dest: The file to write (an existing file is overwritten).
        active: The result sheet to open on, unless a kept sheet is selected (activating
            another sheet would group them in Excel).
        stream: Tables whose rows go into their sheets' placeholder rows.

    Raises:
        ValueError: a part that must be edited is not well-formed UTF-8 XML (named).
        KeyError: the source lacks its workbook part or its relationships.
    """
    with open_package(plan.source) as src, open_package(output) as out:
        merge = _Merge(src, out, plan.dropped)
        merge.write(dest, active, {t.sheet: t for t in stream})


@dataclass(frozen=True)
class _Styles:
    part: str
    data: bytes
    new: bool  # the source had no styles part: the result's is added as it is


@dataclass(frozen=True)
class _Sheet:
    name: str
    element: Element
    rel_id: str


class _Merge:
    """The source and result packages, and the edits that join them."""

    def __init__(self, src: Package, out: Package, dropped: frozenset[str]) -> None:
        self.src, self.out = src, out
        self.book = src.workbook_part()
        self.book_xml = XmlPart(src.archive.read(self.book), self.book)
        self.book_rels = rels_part(self.book)
        self.rels_xml = XmlPart(src.archive.read(self.book_rels), self.book_rels)
        sheets = self.book_xml.child(self.book_xml.root, "sheets")
        if sheets is None:
            raise ValueError(f"part {self.book} lists no sheets")
        self.sheets_element = sheets
        self.sheets = [_Sheet(el.get("name") or "", el, el.get("id") or "")
                       for el in self.book_xml.children(sheets, "sheet")]
        self.dropped = [s for s in self.sheets if s.name in dropped]
        targets = {rel.id: rel.target for rel in src.relationships(self.book)}
        self.types = {rel.target: rel.type for rel in src.relationships(self.book)}
        self.removed = self._removed({targets[s.rel_id] for s in self.dropped
                                      if s.rel_id in targets})
        self.kept_parts = [targets[s.rel_id] for s in self.sheets
                           if s not in self.dropped and s.rel_id in targets]
        self.out_sheets = out.sheet_parts()
        self.carried = self._carried_names()

    # ------------------------------------------------------------------ what goes, what comes

    def _removed(self, dropped_parts: set[str]) -> set[str]:
        """Parts only the dropped sheets reach, their relationship parts, and the calc chain."""
        if not dropped_parts:
            return set()
        rest = self.src.reachable("", frozenset(dropped_parts))
        only = set().union(*(self.src.reachable(p) for p in dropped_parts)) - rest
        only |= {target for target, kind in self.types.items() if kind.endswith("/calcChain")}
        return only | {rels_part(p) for p in only if self.src.has(rels_part(p))}

    def _carried_names(self) -> dict[str, str]:
        """Each result part (the sheets and what they reach) -> a name free in the copy."""
        taken = {n.lower() for n in self.src.names if n not in self.removed}
        names: dict[str, str] = {}
        for part in self.out_sheets.values():
            for item in sorted(self.out.reachable(part)):
                if item not in names:
                    names[item] = _free_name(item, taken)
                    taken |= {names[item].lower(), rels_part(names[item]).lower()}
        return names

    def _selected_kept(self) -> bool:
        """Whether a kept sheet is selected in its own view (``tabSelected``)."""
        found: list[bool] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            local = name.rpartition(" ")[2]
            if local == "sheetView" and attrs.get("tabSelected") in ("1", "true"):
                found.append(True)
                raise _Stop
            if local == "sheetData":
                raise _Stop

        for part in self.kept_parts:
            if self.src.has(part):
                with contextlib.suppress(_Stop):
                    self.src.parse(part, start, lambda name: None)
            if found:
                return True
        return False

    # -------------------------------------------------------------------------------- writing

    def write(self, dest: Path, active: str, tables: dict[str, StreamedTable]) -> None:
        out_names = list(self.out_sheets)
        user_selected = self._selected_kept()
        selected = None if user_selected else active
        styles, xf_map = self._styles()
        sheet_rels = self._new_rel_ids(len(out_names) + 1)
        edited = {
            self.book: self._edit_book(out_names, sheet_rels, selected),
            self.book_rels: self._edit_book_rels(sheet_rels, styles),
            _TYPES: self._edit_types(styles),
        }
        if not styles.new:
            edited[styles.part] = styles.data
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in self.src.archive.infolist():
                if info.filename in self.removed:
                    continue
                data = edited.get(info.filename)
                _copy_entry(archive, info, self.src.archive.read(info) if data is None else data)
            if styles.new:
                archive.writestr(styles.part, styles.data)
            sheet_names = {part: name for name, part in self.out_sheets.items()}
            for old, new in self.carried.items():
                data = self.out.archive.read(old)
                name = sheet_names.get(old)
                if name is not None:
                    data = remap_sheet_styles(data, xf_map)
                    if name != selected:
                        data = _TAB_SELECTED.sub(b"", data)
                if name in tables:
                    write_table(archive, new, data, tables[name].frame, level=_STREAM_LEVEL)
                else:
                    archive.writestr(new, data)
                rels = self._rels_for(old)
                if rels is not None:
                    archive.writestr(rels_part(new), rels)

    def _styles(self) -> tuple[_Styles, list[int]]:
        """The copy's styles part and the result sheets' xf index map into it."""
        out_part = self.out_styles_part()
        out_bytes = self.out.archive.read(out_part)
        mine = next((t for t, k in self.types.items() if k.endswith("/styles")), None)
        if mine is None or not self.src.has(mine):
            count = len(XmlPart(out_bytes, out_part).elements)  # identity map, long enough
            name = _free_name("xl/styles.xml", {n.lower() for n in self.src.names})
            return _Styles(name, out_bytes, new=True), list(range(count))
        data, xf_map = merge_styles(self.src.archive.read(mine), out_bytes, mine)
        return _Styles(mine, data, new=False), xf_map

    def _new_rel_ids(self, count: int) -> list[str]:
        used = {el.get("Id") for el in self.rels_xml.elements}
        ids: list[str] = []
        n = 1
        while len(ids) < count:
            if f"rId{n}" not in used:
                ids.append(f"rId{n}")
            n += 1
        return ids

    def _rels_for(self, old: str) -> bytes | None:
        """The relationships of a carried part, pointing at the carried names."""
        source = rels_part(old)
        if not self.out.has(source):
            return None
        folder = posixpath.dirname(old)
        rels = XmlPart(self.out.archive.read(source), source)
        items = []
        for el in rels.children(rels.root, "Relationship"):
            target = el.attrs.get("Target", "")
            mode = el.attrs.get("TargetMode")
            if mode != "External":
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join(folder, target))
                target = "/" + self.carried.get(path, path)
            extra = f' TargetMode="{escape_attr(mode)}"' if mode else ""
            items.append(f'<Relationship Id="{escape_attr(el.attrs.get("Id", ""))}" '
                         f'Type="{escape_attr(el.attrs.get("Type", ""))}" '
                         f'Target="{escape_attr(target)}"{extra}/>')
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{_PKG_RELS}">{"".join(items)}</Relationships>').encode()

    # ------------------------------------------------------------------- the edited parts

    def _edit_book(self, out_names: list[str], rel_ids: list[str], selected: str | None) -> bytes:
        """The workbook part: dropped sheets out, result sheets in, names and tab re-indexed."""
        book, edits = self.book_xml, Edits()
        p = book.root.prefix
        kept = [i for i, s in enumerate(self.sheets) if s not in self.dropped]
        position = {old: new for new, old in enumerate(kept)}
        for sheet in self.dropped:
            edits.delete(sheet.element)
        next_id = max([0, *(int(s.element.attrs.get("sheetId", "0") or 0)
                            for s in self.sheets)]) + 1
        rel = self._rel_attribute()
        entries = "".join(
            f'<{p}sheet name="{escape_attr(name)}" sheetId="{next_id + k}" {rel}="{rel_ids[k]}"/>'
            for k, name in enumerate(out_names))
        edits.append_child(book, self.sheets_element, entries.encode())
        names = self._book_names(edits, position, len(kept))
        self._views(edits, position, len(kept) + out_names.index(selected)
                    if selected in out_names else None)
        self._calc(edits, names)
        return edits.apply(book.data)

    def _rel_attribute(self) -> str:
        """``r:id`` with the prefix the workbook part binds to the relationships namespace."""
        for sheet in self.sheets:
            for qname in sheet.element.attrs:
                if ":" in qname and qname.rpartition(":")[2] == "id":
                    return qname
        for qname, value in self.book_xml.root.attrs.items():
            if qname.startswith("xmlns:") and value == REL_NS:
                return qname.removeprefix("xmlns:") + ":id"
        return f'xmlns:fa="{REL_NS}" fa:id'

    def _book_names(self, edits: Edits, position: dict[int, int], kept: int) -> tuple[int, bytes]:
        """Re-index or drop the source's sheet-level names; (where to add after, what to add)."""
        book, p = self.book_xml, self.book_xml.root.prefix
        out_book = XmlPart(self.out.archive.read(self.out.workbook_part()), "result workbook")
        added = []
        out_names = out_book.child(out_book.root, "definedNames")
        for el in [] if out_names is None else out_book.children(out_names, "definedName"):
            local = el.attrs.get("localSheetId")
            if local is None or not local.isdigit():
                continue  # the result book has no workbook-level names to bring
            attrs = {**el.attrs, "localSheetId": str(kept + int(local))}
            text = " ".join(f'{k}="{escape_attr(v)}"' for k, v in attrs.items())
            added.append(f"<{p}definedName {text}>".encode() + out_book.inner(el)
                         + f"</{p}definedName>".encode())
        found = book.child(book.root, "definedNames")
        if found is not None:
            for el in book.children(found, "definedName"):
                local = el.attrs.get("localSheetId", "")
                if not local.isdigit():
                    continue
                if int(local) not in position:
                    edits.delete(el)
                elif position[int(local)] != int(local):
                    edits.replace(el.start, el.tag_end, with_attribute(
                        book.start_tag(el), "localSheetId", str(position[int(local)])))
            edits.append_child(book, found, b"".join(added))
            return found.end, b""
        after = next(found for name in _BOOK_BEFORE_NAMES
                     if (found := book.child(book.root, name)) is not None)
        return after.end, (f"<{p}definedNames>".encode() + b"".join(added)
                           + f"</{p}definedNames>".encode())

    def _views(self, edits: Edits, position: dict[int, int], active: int | None) -> None:
        book = self.book_xml
        views = book.child(book.root, "bookViews")
        if views is None and active is not None:
            # No view: Excel would open on the first sheet with ours selected too (grouped).
            p = book.root.prefix
            edits.insert(self.sheets_element.start, f'<{p}bookViews><{p}workbookView '
                                                    f'activeTab="{active}"/></{p}bookViews>'.encode())
        for view in [] if views is None else book.children(views, "workbookView"):
            tag = book.start_tag(view)
            old_active = int(view.attrs.get("activeTab", "0") or 0)
            new_active = active if active is not None else position.get(
                old_active, min(position.values(), default=0))
            tag = with_attribute(tag, "activeTab", str(new_active))
            if "firstSheet" in view.attrs:
                first = int(view.attrs["firstSheet"] or 0)
                tag = with_attribute(tag, "firstSheet", str(min(position.get(first, 0),
                                                                new_active)))
            edits.replace(view.start, view.tag_end, tag)

    def _calc(self, edits: Edits, names: tuple[int, bytes]) -> None:
        """Formulas that refer to replaced sheets are recomputed when the copy is opened."""
        book = self.book_xml
        at, text = names
        calc = book.child(book.root, "calcPr")
        if calc is not None:
            edits.replace(calc.start, calc.tag_end,
                          with_attribute(book.start_tag(calc), "fullCalcOnLoad", "1"))
        else:
            text += f'<{book.root.prefix}calcPr fullCalcOnLoad="1"/>'.encode()
        if text:
            edits.insert(at, text)

    def _edit_book_rels(self, rel_ids: list[str], styles: _Styles) -> bytes:
        rels, edits = self.rels_xml, Edits()
        p = rels.root.prefix
        gone = {s.rel_id for s in self.dropped}
        book_folder = posixpath.dirname(self.book)
        for el in rels.children(rels.root, "Relationship"):
            target = el.attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(book_folder, target))
            if el.attrs.get("Id") in gone or (path in self.removed
                                              and el.attrs.get("TargetMode") != "External"):
                edits.delete(el)
        added = [f'<{p}Relationship Id="{rel_ids[k]}" Type="{REL_NS}/worksheet" '
                 f'Target="/{escape_attr(self.carried[part])}"/>'
                 for k, part in enumerate(self.out_sheets.values())]
        if styles.new:
            added.append(f'<{p}Relationship Id="{rel_ids[-1]}" Type="{REL_NS}/styles" '
                         f'Target="/{escape_attr(styles.part)}"/>')
        edits.append_child(rels, rels.root, "".join(added).encode())
        return edits.apply(rels.data)

    def _edit_types(self, styles: _Styles) -> bytes:
        types, edits = XmlPart(self.src.archive.read(_TYPES), _TYPES), Edits()
        p = types.root.prefix
        removed = {n.lower() for n in self.removed}
        defaults = {el.attrs.get("Extension", "").lower()
                    for el in types.children(types.root, "Default")}
        for el in types.children(types.root, "Override"):
            if el.attrs.get("PartName", "").lstrip("/").lower() in removed:
                edits.delete(el)
        out_types = _content_types(self.out)
        wanted = {new: out_types(old) for old, new in self.carried.items()}
        if styles.new:
            wanted[styles.part] = out_types(self.out_styles_part())
        added = [f'<{p}Override PartName="/{escape_attr(name)}" '
                 f'ContentType="{escape_attr(kind)}"/>' for name, kind in wanted.items()]
        if "rels" not in defaults:
            added.insert(0, f'<{p}Default Extension="rels" ContentType="{_RELS_TYPE}"/>')
        edits.append_child(types, types.root, "".join(added).encode())
        return edits.apply(types.data)

    def out_styles_part(self) -> str:
        """The result workbook's styles part."""
        return next(t for t, k in _types(self.out, self.out.workbook_part()).items()
                    if k.endswith("/styles"))


def _types(package: Package, part: str) -> dict[str, str]:
    """Target -> relationship type of ``part``'s internal relationships."""
    return {rel.target: rel.type for rel in package.relationships(part)}


def _content_types(package: Package) -> _TypeLookup:
    types = XmlPart(package.archive.read(_TYPES), _TYPES)
    overrides = {el.attrs.get("PartName", "").lstrip("/"): el.attrs.get("ContentType", "")
                 for el in types.children(types.root, "Override")}
    defaults = {el.attrs.get("Extension", "").lower(): el.attrs.get("ContentType", "")
                for el in types.children(types.root, "Default")}
    return _TypeLookup(overrides, defaults)


@dataclass(frozen=True)
class _TypeLookup:
    overrides: dict[str, str]
    defaults: dict[str, str]

    def __call__(self, part: str) -> str:
        if part in self.overrides:
            return self.overrides[part]
        return self.defaults.get(posixpath.splitext(part)[1].lstrip(".").lower(),
                                 "application/xml")


def _free_name(part: str, taken: set[str]) -> str:
    """``part`` renumbered (``sheet7.xml``) to a name not in ``taken`` (lower-cased names)."""
    folder, base = posixpath.split(part)
    match = re.match(r"^(.*?)(\d*)((?:\.[^.]+)?)$", base)
    stem, ext = (match.group(1), match.group(3)) if match else (base, "")
    if part.lower() not in taken:
        return part
    n = 1
    while True:
        name = posixpath.join(folder, f"{stem}{n}{ext}")
        if name.lower() not in taken:
            return name
        n += 1


def _copy_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    """One source entry, with its name, date and attributes, compressed as it was."""
    entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    entry.external_attr = info.external_attr
    entry.compress_type = (info.compress_type if info.compress_type
                           in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) else zipfile.ZIP_DEFLATED)
    archive.writestr(entry, data)
