"""Collect the automatic styles the result sheets need in an .ods file; it writes no cells.

A result sheet is written by openpyxl first (:mod:`allocator.workbook.writer` and the other
writers); its cells' look (number format, bold, fill, rule below, alignment, wrapping) and its
column widths and row heights become OpenDocument automatic styles here, each written once
however many cells share it. Every name starts with a prefix the caller chose so that no style
of the user's file is shadowed (:class:`StyleBook`). Number formats are translated by
:mod:`allocator.workbook.ods_formats`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allocator.workbook.ods_formats import OdsFormat, parse_format
from allocator.workbook.xml_splice import escape_attr

__all__ = ["CellLook", "StyleBook", "column_width_inches"]

_DEFAULT_FONT_SIZE = 11.0
_INDENT_INCHES = 0.125  # one Excel indent level


def column_width_inches(width_chars: float) -> float:
    """An Excel column width (characters of Calibri 11) in inches: 7 px a character + 5 px."""
    return (7 * width_chars + 5) / 96


@dataclass(frozen=True)
class CellLook:
    """A cell style and the number format it carries.

    Attributes:
        name: The automatic style's name; ``None`` for a cell with no look of its own.
        fmt: The cell's number format, ``None`` for General.
    """

    name: str | None
    fmt: OdsFormat | None


_PLAIN = CellLook(None, None)


class StyleBook:
    """The automatic styles of the result sheets, named ``<prefix>ce1``, ``<prefix>N1``, ...

    Args:
        prefix: Starts every name; the caller makes sure no style of the file starts with it.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._looks: dict[tuple[int, ...], CellLook] = {}
        self._cells: dict[str, str] = {}  # cell style XML body -> name
        self._data: dict[str, str] = {}  # Excel format code -> data style name
        self._columns: dict[str, str] = {}
        self._rows: dict[str, str] = {}
        self._xml: list[str] = []

    def cell(self, cell: Any) -> CellLook:
        """The look of the openpyxl ``cell`` (cached by its style)."""
        if not cell.has_style:
            return _PLAIN
        key = tuple(cell._style)
        look = self._looks.get(key)
        if look is None:
            look = self._new_look(cell)
            self._looks[key] = look
        return look

    def column(self, width_chars: float) -> str:
        """The column style of ``width_chars`` characters."""
        width = f"{column_width_inches(width_chars):.4f}in"
        return self._named(self._columns, width, "co", lambda name: (
            f'<style:style style:name="{name}" style:family="table-column">'
            f'<style:table-column-properties fo:break-before="auto" '
            f'style:column-width="{width}"/></style:style>'))

    def row(self, height_points: float) -> str:
        """The row style of a fixed height of ``height_points``."""
        height = f"{height_points:g}pt"
        return self._named(self._rows, height, "ro", lambda name: (
            f'<style:style style:name="{name}" style:family="table-row">'
            f'<style:table-row-properties style:row-height="{height}" '
            f'style:use-optimal-row-height="false" fo:break-before="auto"/></style:style>'))

    def xml(self) -> str:
        """Every style made so far, data styles before the cell styles using them."""
        return "".join(self._xml)

    # ------------------------------------------------------------------------------ internals

    def _named(self, table: dict[str, str], key: str, kind: str,
               make: Callable[[str], str]) -> str:
        """The name of the style ``key`` in ``table``, made by ``make(name)`` the first time.

        Names are the prefix, ``kind`` and a number: nothing in them needs escaping.
        """
        name = table.get(key)
        if name is None:
            name = f"{self.prefix}{kind}{len(table) + 1}"
            table[key] = name
            self._xml.append(make(name))
        return name

    def _data_style(self, code: str, fmt: OdsFormat) -> str:
        return self._named(self._data, code, "N", fmt.style_xml)

    def _new_look(self, cell: Any) -> CellLook:
        code = cell.number_format
        fmt = parse_format(code)
        data = self._data_style(code, fmt) if fmt is not None else None
        body = _cell_properties(cell)
        if data is None and not body:
            return _PLAIN
        key = f"{data}|{body}"
        name = self._named(self._cells, key, "ce", lambda name: (
            f'<style:style style:name="{name}" style:family="table-cell"'
            + (f' style:data-style-name="{escape_attr(data)}"' if data else "")
            + f">{body}</style:style>"))
        return CellLook(name, fmt)


# ------------------------------------------------------------------------------- cell looks


def _rgb(color: Any) -> str | None:
    """``#rrggbb`` of an openpyxl colour given as ARGB; ``None`` for theme or indexed colours."""
    value = getattr(color, "rgb", None)
    if getattr(color, "type", "rgb") != "rgb" or not isinstance(value, str) or len(value) < 6:
        return None
    return "#" + value[-6:].lower()


def _cell_properties(cell: Any) -> str:
    """The ``style:*-properties`` elements of ``cell``'s look (``""`` for the default look)."""
    table, paragraph, text = _table_cell_properties(cell), [], []
    alignment = cell.alignment
    horizontal = {"center": "center", "left": "start", "right": "end",
                  "centerContinuous": "center"}.get(alignment.horizontal or "")
    if horizontal:
        paragraph.append(f'fo:text-align="{horizontal}"')
        table.append('style:text-align-source="fix"')
    if alignment.indent:
        paragraph.append(f'fo:margin-left="{alignment.indent * _INDENT_INCHES:g}in"')
    font = cell.font
    if font.b:
        text.append('fo:font-weight="bold"')
    if font.i:
        text.append('fo:font-style="italic"')
    if font.sz and float(font.sz) != _DEFAULT_FONT_SIZE:
        text.append(f'fo:font-size="{float(font.sz):g}pt"')
    color = _rgb(font.color) if font.color is not None else None
    if color and color != "#000000":
        text.append(f'fo:color="{color}"')
    out = ""
    if table:
        out += f"<style:table-cell-properties {' '.join(table)}/>"
    if paragraph:
        out += f"<style:paragraph-properties {' '.join(paragraph)}/>"
    if text:
        out += f"<style:text-properties {' '.join(text)}/>"
    return out


def _table_cell_properties(cell: Any) -> list[str]:
    props: list[str] = []
    fill = cell.fill
    if getattr(fill, "fill_type", None) == "solid":
        color = _rgb(fill.fgColor)
        if color:
            props.append(f'fo:background-color="{color}"')
    bottom = cell.border.bottom
    if bottom is not None and bottom.style:
        width = "1.5pt" if bottom.style in ("medium", "thick", "double") else "0.74pt"
        props.append(f'fo:border-bottom="{width} solid {_rgb(bottom.color) or "#000000"}"')
    alignment = cell.alignment
    if alignment.wrap_text:
        props.append('fo:wrap-option="wrap"')
    vertical = {"top": "top", "center": "middle", "bottom": "bottom"}.get(
        alignment.vertical or "")
    if vertical:
        props.append(f'style:vertical-align="{vertical}"')
    return props
