"""Write a blank fleet workbook from the schema (sheets, unit notes, dropdowns); it reads no fleet.

Everything here comes from :mod:`allocator.workbook.schema` and the hardware catalog, so the
template cannot drift from what the reader accepts: each header's (and each setting's) note
gives its unit, the domain field's bounds, and for a rate or share how to type it. The
``Catalog`` sheet holds the shipped catalog as reference rows, for the user to extend, and the
``NetworkFleet`` sheet the default network fleet, for the user to edit. It reads no fleet and
solves nothing.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from allocator.catalog import load_catalog
from allocator.domain import DEFAULT_NETWORK_FLEET
from allocator.errors import OutputError
from allocator.workbook.frames import format_header, set_widths
from allocator.workbook.saving import save_workbook
from allocator.workbook.schema import (
    CATALOG_SHEET,
    INPUT_SHEETS,
    NETWORK_FLEET_SHEET,
    ColumnSpec,
    SheetSpec,
    sheet_spec,
)

__all__ = ["CATALOG_COLUMNS", "CATALOG_SHEET", "TEMPLATE_ROWS", "build_template", "column_note",
           "write_template"]

TEMPLATE_ROWS = 1000
"""Dropdowns cover rows 2 to this row of each input sheet."""

CATALOG_COLUMNS = tuple(col.header for col in sheet_spec(CATALOG_SHEET).columns)
"""Columns of the catalog sheet, in order; the Miners ``model`` dropdown lists its models."""

_AUTHOR = "fleet-allocator"
_COMMENT_WIDTH = 320  # pixels
_MONTH_FORMAT = "yyyy-mm"  # a typed 2026-01 becomes a date; show it the way it was typed
# Columns whose dropdown offers the sites typed on the Sites sheet (other names still allowed).
_SITE_LOOKUPS = {("Miners", "site"), ("PowerPrices", "site")}


def write_template(path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a blank input workbook with every sheet, header notes and dropdowns.

    Args:
        path: Where to write; must end in ``.xlsx``.
        overwrite: Replace ``path`` if it exists (atomically).

    Returns:
        The path written.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is false, is not ``.xlsx``, or cannot
            be written.
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise OutputError(
            f"Cannot write {target}: a template must be named .xlsx "
            f"(got '{target.suffix or 'no suffix'}')"
        )
    if target.exists() and not overwrite:
        raise OutputError(f"{target} exists; use --overwrite to replace it")
    return save_workbook(build_template(), target, overwrite=overwrite)


def build_template() -> Workbook:
    """The template workbook in memory: the input sheets in schema order, the catalog last."""
    wb = Workbook()
    wb.remove(wb.active)
    for spec in INPUT_SHEETS:
        ws = wb.create_sheet(spec.name)
        if spec.key_value:
            _key_value_sheet(ws, spec)
        else:
            _table_sheet(ws, spec)
        if spec.name == CATALOG_SHEET:
            _catalog_rows(ws)
        if spec.name == NETWORK_FLEET_SHEET:
            _network_fleet_rows(ws, spec)
    wb.active = 0
    return wb


def column_note(column: ColumnSpec, sheet: SheetSpec | None = None) -> str:
    """The comment on a header (or a Settings key): name, required/optional, unit, bounds,
    how to type a rate or share, meaning."""
    lines = [
        f"{column.header} ({'required' if column.required else 'optional'})",
        f"Unit: {column.unit}",
    ]
    if column.bounds is not None:
        lines.append(f"Range: {column.bounds}")
    if column.percent_above is not None:
        lines.append("Type 0.10 or 10% for 10 %, not 10.")
    lines.append(column.description)
    if column.choices:
        lines.append(f"Choices: {', '.join(column.choices)}")
    if column.example is not None:
        lines.append(f"Example: {column.example}")
    if sheet is not None:
        required = "required sheet" if sheet.required else "optional sheet"
        lines += ["", f"{sheet.name} ({required}): {sheet.description}"]
    return "\n".join(lines)


def _comment(text: str) -> Comment:
    comment = Comment(text, _AUTHOR)
    comment.width = _COMMENT_WIDTH
    # Roughly 45 characters a line at this width, 15 pixels a line.
    lines = sum(1 + len(line) // 45 for line in text.splitlines())
    comment.height = 20 + 15 * lines
    return comment


def _table_sheet(ws: Worksheet, spec: SheetSpec) -> None:
    """Header row with a note per column, dropdowns for bool/choice columns."""
    ws.append([col.header for col in spec.columns])
    for j, col in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=j)
        cell.comment = _comment(column_note(col, spec if j == 1 else None))
        letter = get_column_letter(j)
        rows = f"{letter}2:{letter}{TEMPLATE_ROWS}"
        validation = _validation(spec.name, col)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(rows)
        if col.kind == "month":
            ws.column_dimensions[letter].number_format = _MONTH_FORMAT
    format_header(ws, len(spec.columns), freeze="A2")
    set_widths(ws, [max(len(col.header) + 4, 12) for col in spec.columns])


def _key_value_sheet(ws: Worksheet, spec: SheetSpec) -> None:
    """``key | value`` rows, one per setting, each key with its note, a choice setting's
    value cell with its dropdown; values left blank."""
    ws.append(["key", "value"])
    ws["A1"].comment = _comment(
        f"{spec.name} ({'required' if spec.required else 'optional'} sheet): "
        f"{spec.description}\nOne setting per row: its name in column A, its value in "
        "column B. Blank values use the defaults."
    )
    ws["B1"].comment = _comment("Value of the setting; blank = default.")
    for row, col in enumerate(spec.columns, start=2):
        ws.cell(row=row, column=1, value=col.header).comment = _comment(column_note(col))
        validation = _validation(spec.name, col)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"B{row}")
    format_header(ws, 2, freeze="A2")
    set_widths(ws, [max(len(col.header) for col in spec.columns) + 4, 16])


def _validation(sheet: str, col: ColumnSpec) -> DataValidation | None:
    """The dropdown for a column, or ``None``."""
    if col.kind in ("bool", "choice") and col.choices:
        return DataValidation(
            type="list",
            formula1='"' + ",".join(col.choices) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Not a valid choice",  # Excel allows 32 characters here
            error=f"{col.header} must be one of: {', '.join(col.choices)}",
        )
    if sheet == "Miners" and col.header == "model":
        model = get_column_letter(CATALOG_COLUMNS.index("model") + 1)
        # Down to TEMPLATE_ROWS, so models added to the Catalog sheet are offered too. No
        # error box: models missing from the catalog are allowed with hashrate and power.
        return DataValidation(
            type="list",
            formula1=f"{CATALOG_SHEET}!${model}$2:${model}${TEMPLATE_ROWS}",
            allow_blank=True,
            showErrorMessage=False,
        )
    if (sheet, col.header) in _SITE_LOOKUPS:
        return DataValidation(
            type="list",
            formula1=f"Sites!$A$2:$A${TEMPLATE_ROWS}",
            allow_blank=True,
            showErrorMessage=False,
        )
    return None


def _catalog_rows(ws: Worksheet) -> None:
    """The shipped catalog under the Catalog sheet's headers, as reference rows.

    The reader takes a row equal to the shipped model as nothing new, so they may stay.
    """
    width = {header: len(header) + 4 for header in CATALOG_COLUMNS}
    for model in load_catalog():
        data = model.model_dump()
        ws.append([data[header] for header in CATALOG_COLUMNS])
        for header in ("manufacturer", "model", "source"):
            width[header] = max(width[header], min(len(str(data[header])) + 2, 60))
    ws.freeze_panes = "C2"  # manufacturer and model stay in view
    set_widths(ws, [width[header] for header in CATALOG_COLUMNS])


def _network_fleet_rows(ws: Worksheet, spec: SheetSpec) -> None:
    """The default network fleet under the NetworkFleet headers: the table
    ``network_model marginal_cost`` assumes with the sheet left out."""
    headers = [col.header for col in spec.columns]
    for band in DEFAULT_NETWORK_FLEET:
        data = band.model_dump()
        ws.append([data[header] for header in headers])
    set_widths(ws, [18, 12, max(len(b.source) for b in DEFAULT_NETWORK_FLEET) // 2])
