"""Write a stochastic plan's sheets: Risk Summary, Risk Frontier (with its chart), First Stage,
Regret (each candidate plan's NPV and regret in every future).

Like the other result writers (:mod:`allocator.workbook.comparison_writer`): a new file, by
default a copy of the input workbook with these sheets added, the user's sheets kept byte
for byte, an existing output replaced only with ``overwrite``. Numbers are formatted by
their names' unit suffixes and headers show readable labels with units (the machine name
stays the cell's value; :mod:`allocator.workbook.risk_columns`); the frontier chart is a
native Excel scatter chart of E[NPV] against CVaR, one marker per weight. Nothing is solved
here.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.marker import Marker
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from allocator.exports.stochastic import first_stage_frame, frontier_frame, summary_frame
from allocator.workbook.frames import write_frame
from allocator.workbook.saving import save_result, start_workbook

if TYPE_CHECKING:
    from allocator.stochastic.measures import StochasticResult

__all__ = ["FIRST_STAGE_SHEET", "FRONTIER_CHART_TITLE", "FRONTIER_SHEET", "REGRET_SHEET",
           "RISK_SHEETS",
           "RISK_SUMMARY_SHEET", "first_stage_frame", "frontier_frame", "risk_sentences",
           "summary_frame", "write_risk"]

RISK_SUMMARY_SHEET = "Risk Summary"
FRONTIER_SHEET = "Risk Frontier"
FIRST_STAGE_SHEET = "First Stage"
REGRET_SHEET = "Regret"
RISK_SHEETS = (RISK_SUMMARY_SHEET, FRONTIER_SHEET, FIRST_STAGE_SHEET, REGRET_SHEET)
FRONTIER_CHART_TITLE = "Risk frontier: expected NPV against CVaR"
_CHARS_PER_LINE = 95
"""About the characters a line of the merged sentence cells holds (columns A to C)."""


def _millions(x: float) -> str:
    millions = round(x / 1e6, 1) + 0.0
    return f"{'-' if millions < 0 else ''}${abs(millions):,.1f}M"


def risk_sentences(result: StochasticResult) -> list[str]:
    """The measures in words, for the top of the Risk Summary sheet."""
    worst = f"worst {result.alpha:.0%}"
    return [
        f"Deciding with the uncertainty in view is worth {_millions(result.vss_usd)} over "
        f"planning on the outlook (VSS = RP - EEV); perfect foresight would be worth "
        f"{_millions(result.evpi_usd)} more (EVPI = WS - RP).",
        f"The stochastic plan's expected NPV is {_millions(result.rp_usd)} across "
        f"{len(result.names)} futures; the mean of its {worst} is "
        f"{_millions(result.stochastic.cvar_usd)} (CVaR).",
        f"The plan made on the mean path expects {_millions(result.ev_usd)} there, but held "
        f"in every future it earns {_millions(result.eev_usd)} on average (EEV)."
        + _ev_against_eev(result),
        *([f"Deciding only the first {result.adaptive.decide_months} months now and the "
           f"rest as the future unfolds would be worth {_millions(result.waiting_usd or 0.0)}"
           " more."] if result.adaptive is not None else []),
    ]


def _ev_against_eev(result: StochasticResult) -> str:
    """Why EEV may exceed EV, in words (it is never below it: the futures differ in costs
    only, so for the held first stage each future's best mining is worth at least the mean
    path's mining there, by Jensen's inequality)."""
    if result.eev_usd - result.ev_usd <= 1e-9 * max(1.0, abs(result.ev_usd)):
        return ""
    return (" It earns more than it expected because each future re-plans its mining: a "
            "miner runs only in the months its margin is positive, a strip of monthly "
            "options to switch off worth E[max(0, margin)], which the mean path's "
            "max(0, E[margin]) understates.")


def _summary_sheet(ws: Worksheet, result: StochasticResult) -> None:
    frame = summary_frame(result)
    write_frame(ws, frame, labels=True)
    row = len(frame) + 3
    for text in risk_sentences(result):
        cell = ws.cell(row=row, column=1, value=text)
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        ws.row_dimensions[row].height = 16 * max(2, math.ceil(len(text) / _CHARS_PER_LINE))
        row += 1


def _frontier_sheet(ws: Worksheet, result: StochasticResult) -> None:
    frame = frontier_frame(result)
    write_frame(ws, frame, labels=True)
    if frame.empty:
        return
    chart = ScatterChart()
    chart.title = FRONTIER_CHART_TITLE
    chart.style = 10
    last = len(frame) + 1
    series = Series(Reference(ws, min_col=2, min_row=2, max_row=last),
                    Reference(ws, min_col=3, min_row=2, max_row=last), title="frontier")
    series.marker = Marker(symbol="circle", size=8)
    chart.series.append(series)
    chart.x_axis.title = "CVaR (USD)"
    chart.y_axis.title = "Expected NPV (USD)"
    for axis in (chart.x_axis, chart.y_axis):
        axis.number_format = '#,##0,,"M"'
        axis.delete = False
    chart.legend = None
    chart.width, chart.height = 18, 10
    ws.add_chart(chart, f"A{last + 3}")


def _print_one_page_wide(ws: Worksheet) -> None:
    """Landscape, one page wide: a printout (or a PDF) shows each table and chart whole."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_risk(result: StochasticResult, path: str | Path, *,
               source: str | Path | None = None, overwrite: bool = False) -> Path:
    """Write the Risk Summary, Risk Frontier, First Stage and Regret sheets.

    Args:
        result: From :func:`allocator.stochastic.measures.stochastic_plan`.
        path: The output (``.xlsx``, ``.xlsm`` or ``.ods``).
        source: The workbook to copy the sheets into, or ``None`` for them alone.
        overwrite: Replace ``path`` if it exists.

    Raises:
        OutputError: the output exists without ``overwrite``, is the source, or the source
            cannot be copied.
    """
    book = start_workbook(path, source, sheets=RISK_SHEETS, overwrite=overwrite,
                          separate="--results-only")
    wb = book.workbook
    summary = wb.create_sheet(RISK_SUMMARY_SHEET)
    _summary_sheet(summary, result)
    _frontier_sheet(wb.create_sheet(FRONTIER_SHEET), result)
    write_frame(wb.create_sheet(FIRST_STAGE_SHEET), first_stage_frame(result), labels=True)
    if result.regret is not None:
        write_frame(wb.create_sheet(REGRET_SHEET), result.regret.frame(), labels=True)
    summary.column_dimensions[get_column_letter(3)].width = 60
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is summary
        if sheet.title != REGRET_SHEET:  # a column per future: too wide for one page
            _print_one_page_wide(sheet)
    wb.active = summary
    return save_result(book, Path(path), active=summary.title, overwrite=overwrite)
