"""Write a ``Plan``'s frames as the plan sheets of a workbook; it never solves or validates.

The sheets go into a copy of the input workbook or a new one (:mod:`allocator.workbook.saving`:
the user's own sheets are never changed, a source whose content the copy would lose is refused
before anything is written, and files are replaced atomically and only on request). Tables are
formatted by :mod:`allocator.workbook.frames`, charts built by :mod:`allocator.workbook.charts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from allocator.errors import OutputError
from allocator.workbook.bulk_rows import StreamedTable
from allocator.workbook.charts import add_flexibility_chart, add_mw_chart, add_tornado_chart
from allocator.workbook.deals_sheet import write_deals
from allocator.workbook.frames import (
    MIN_WIDTH,
    format_header,
    label_cell,
    number_format,
    number_style,
    plain_value,
    set_widths,
    shown_number,
    styled_cell,
    text_cell,
    write_frame,
)
from allocator.workbook.saving import save_result, start_workbook
from allocator.workbook.schema import BAD_SHEET_CHARS, OUTPUT_SHEETS, output_label, sheet_key

if TYPE_CHECKING:
    from allocator.results.plan import Plan  # for annotations only: results never import a writer

__all__ = ["CHART_SHEET", "CHART_TITLE", "TORNADO_SHEET", "TORNADO_TITLE", "write_plan"]

CHART_TITLE = "Grid MW by use"
CHART_SHEET = "Summary Chart"
"""The sheet holding the chart of grid MW by use (from Summary's cells), at its top left."""
TORNADO_SHEET = "Sensitivity"
FLEXIBILITY_SHEET = "Flexibility"  # allocator.results.flexibility's sheet (hourly prices)
FLEXIBILITY_TITLE = "Mining margin: flat average vs flexible"
"""An extra frame of this name (``allocator.insight.sensitivity``) gets a tornado chart."""
TORNADO_TITLE = "NPV change by driver"

# Frozen panes per sheet: keep the header row and the record's key columns in view.
_FREEZE = {"Plan": "C2", "Summary": "B2", "Contract Result": "B2", "Site Value": "B2",
           "Build Schedule": "B2", "Miner Tranches": "C2", "Leases": "C2"}
_VALUE_ALIGN = Alignment(horizontal="left", vertical="top", wrap_text=True)
_KEY_ALIGN = Alignment(vertical="top")
_RUN_INFO_MAX_WIDTH = 68  # longer values (warnings, paths) wrap; a SHA-256 fits
_LINE_HEIGHT_PT = 15.0  # one line of 11 pt text


def write_plan(
    plan: Plan,
    path: str | Path,
    *,
    source: str | Path | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the plan's sheets to ``path``, into a copy of ``source`` when given.

    Sheets written, after the user's own: ``Plan``, ``Summary``, ``Summary Chart`` (grid MW
    by use), ``Contract Result``, ``Site Value``, ``Build Schedule`` (``plan.builds``),
    ``Miner Tranches`` (``plan.tranches``), ``Leases`` (``plan.leases``), ``Deals``
    (``plan.deals``), ``Run Info``, then
    one sheet per frame in
    ``plan.extra`` (named by its key; a ``Sensitivity`` frame gets a tornado chart). In a
    copy, every part of ``source`` is kept byte for byte (formulas with their saved values,
    charts, pivot tables, connections, macros); only the tool's own earlier result sheets
    (known by the marker each carries) are replaced, and a user's sheet named like an output
    sheet is refused, never replaced. The copy opens on ``Summary`` unless one of the
    user's sheets is selected.

    Args:
        plan: The solved plan.
        path: Output workbook: ``.xlsx``, or ``.xlsm`` when ``source`` is ``.xlsm`` (its macros
            are kept).
        source: Input workbook to copy. Without it the output holds only the plan's sheets.
        overwrite: Replace ``path`` if it exists (atomically). ``path`` is never ``source``
            itself: the input is never modified.

    Returns:
        The path written.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is false; ``path`` is ``source``; its
            suffix does not match; ``source`` has a sheet of its own named like an output
            sheet, content a copy cannot carry (a document signature, Strict Open XML) or
            cannot be read; the folder is not writable or the file is locked. Nothing is
            written then.
    """
    target = Path(path)
    _check_extra_names(plan.extra)
    book = start_workbook(target, source, sheets=[*OUTPUT_SHEETS, *plan.extra],
                          overwrite=overwrite)
    wb = book.workbook

    sheets: list[tuple[str, pd.DataFrame]] = [
        ("Plan", plan.site_months),
        ("Summary", plan.summary),
        (CHART_SHEET, plan.summary),
        ("Contract Result", plan.contracts),
        ("Site Value", plan.site_value),
        ("Build Schedule", plan.builds),
        ("Miner Tranches", plan.tranches),
        ("Leases", plan.leases),
    ]
    streamed: list[StreamedTable] = []
    for title, frame in sheets:
        ws = wb.create_sheet(title)
        if title == CHART_SHEET:
            add_mw_chart(wb["Summary"], frame, CHART_TITLE, target=ws)
            continue
        write_frame(ws, frame, freeze=_FREEZE.get(title, "A2"), stream=streamed, labels=True)
    write_deals(wb, plan, streamed)
    _write_run_info(wb.create_sheet("Run Info"), plan.run_info.to_frame())
    for title, frame in plan.extra.items():
        ws = wb.create_sheet(title)
        write_frame(ws, frame, freeze="B2", stream=streamed, labels=True)
        if title == TORNADO_SHEET:
            add_tornado_chart(ws, frame, TORNADO_TITLE)
        if title == FLEXIBILITY_SHEET:
            add_flexibility_chart(ws, frame, FLEXIBILITY_TITLE)

    summary = wb["Summary"]
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is summary
    wb.active = summary
    return save_result(book, target, active=summary.title, overwrite=overwrite, stream=streamed)


def _check_extra_names(extra: dict[str, pd.DataFrame]) -> None:
    """Extra frames need sheet names Excel accepts and that no output sheet already has."""
    taken = {sheet_key(name) for name in OUTPUT_SHEETS}
    for name in extra:
        bad = BAD_SHEET_CHARS.search(name)
        if not name.strip() or len(name) > 31 or bad or sheet_key(name) in taken:
            raise OutputError(
                f"Cannot write plan.extra sheet {name!r}: a sheet name must be 1-31 characters "
                "without []:*?/\\ and differ from the output sheets "
                f"({', '.join(OUTPUT_SHEETS)})"
            )
        taken.add(sheet_key(name))


def _write_run_info(ws: Worksheet, frame: pd.DataFrame) -> None:
    """Key | value rows; each value formatted by its key's unit suffix, long text wrapped."""
    ws.append(["key", "value"])
    widths = [len("key"), len("value")]
    for key, value in frame.itertuples(index=False, name=None):
        value = plain_value(value)
        fmt = number_format(str(key))
        ws.append([text_cell(ws, str(key)), styled_cell(ws, value, number_style(ws, fmt))])
        label_cell(ws.cell(row=ws.max_row, column=1), str(key))
        widths[0] = max(widths[0], len(output_label(str(key))))
        shown = shown_number(value, fmt) if isinstance(value, float) else value
        text = str(shown if shown is not None else "")
        widths[1] = max(widths[1], len(text))
        ws.cell(row=ws.max_row, column=2).alignment = _VALUE_ALIGN
    format_header(ws, 2, freeze="A2")
    for cell in ws[1]:
        label_cell(cell, str(cell.value), note=True)
    ws.auto_filter.ref = f"A1:B{len(frame) + 1}"
    set_widths(ws, [min(max(w + 2, MIN_WIDTH), _RUN_INFO_MAX_WIDTH) for w in widths])
    _fit_wrapped_rows(ws)
    ws.page_setup.fitToWidth = 1  # key and value on one page across, as many down as needed
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _fit_wrapped_rows(ws: Worksheet) -> None:
    """Give each value that wraps the height of its lines: LibreOffice keeps a written row's
    default height, so a wrapped warning overlapped the row below it."""
    room = max(_RUN_INFO_MAX_WIDTH - 2, 1)
    for (value,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        lines = sum(max(1, -(-len(part) // room)) for part in str(value.value or "").split("\n"))
        if lines > 1:
            ws.row_dimensions[value.row].height = _LINE_HEIGHT_PT * lines
            ws.cell(row=value.row, column=1).alignment = _KEY_ALIGN  # beside its first line
