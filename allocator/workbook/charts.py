"""Build the native Excel charts of the result sheets; it writes no cells and saves nothing.

Every chart reads its numbers from cells that a sheet writer has already filled: the plan's
grid MW by use and the sensitivity tornado (:mod:`allocator.workbook.writer`), and the
comparison, sweep and Monte Carlo charts (:mod:`allocator.workbook.comparison_writer`). The
writers choose the titles; this module chooses the look.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl.chart import AreaChart, BarChart, LineChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, NumRef, StrRef
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "add_flexibility_chart",
    "add_histogram_chart",
    "add_hpc_chart",
    "add_mw_chart",
    "add_npv_chart",
    "add_sweep_charts",
    "add_tornado_chart",
]

_STYLE = 10
_SIDE_WIDTH, _SIDE_HEIGHT = 18, 9  # the comparison sheets' charts, in cm
_MILLIONS_FORMAT = '#,##0,,"M"'


def _text_categories(ref: Reference) -> AxDataSource:
    """Categories read as text, so Excel labels the axis 2026-01 or a name, not 1, 2, 3."""
    return AxDataSource(strRef=StrRef(f=str(ref)))


def _show_axes(chart: Any) -> None:
    """Visible axes (openpyxl >= 3.1 hides them unless told otherwise), legend below."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"


def _label_axes(chart: Any, x_title: str, y_title: str, y_format: str) -> None:
    chart.x_axis.title = x_title
    chart.y_axis.title = y_title
    chart.y_axis.number_format = y_format
    _show_axes(chart)


def _place_chart(ws: Worksheet, chart: Any, table_columns: int, *, width: float,
                 height: float) -> None:
    """Common finish of the plan charts: no gridlines, visible axes, legend below, right of
    the table."""
    chart.y_axis.majorGridlines = None
    _show_axes(chart)
    chart.width = width
    chart.height = height
    ws.add_chart(chart, f"{get_column_letter(table_columns + 2)}2")


# ------------------------------------------------------------------------------ plan sheets


def add_mw_chart(ws: Worksheet, summary: pd.DataFrame, title: str, *,
                 target: Worksheet | None = None) -> None:
    """A stacked area chart of grid MW by use and month.

    Args:
        ws: The Summary sheet, holding ``summary`` from A1.
        summary: The plan's summary frame (``month`` and the ``..._mw`` columns).
        title: The chart's title.
        target: The sheet to put the chart on, at its top left (B2), where it is seen
            when the sheet opens; default right of the table on ``ws``.
    """
    columns = list(map(str, summary.columns))
    if summary.empty or "month" not in columns:
        return
    mining = "mining_grid_mw" if "mining_grid_mw" in columns else "mining_mw"
    uses = [(mining, "Mining"), ("hpc_grid_mw", "HPC"), ("idle_mw", "Idle")]
    last_row = len(summary) + 1
    chart = AreaChart()
    chart.grouping = "stacked"
    chart.title = title
    chart.style = _STYLE
    for column, label in uses:
        if column in columns:
            col = columns.index(column) + 1
            values = Reference(ws, min_col=col, min_row=2, max_row=last_row)
            chart.series.append(Series(values, title=label))
    if not chart.series:
        return
    month = columns.index("month") + 1
    months = Reference(ws, min_col=month, min_row=2, max_row=last_row)
    for series in chart.series:
        series.cat = _text_categories(months)
    chart.x_axis.axPos = "b"
    chart.x_axis.title = "Month"
    chart.y_axis.title = "Grid MW"
    chart.y_axis.number_format = "#,##0"
    if target is None:
        _place_chart(ws, chart, len(columns), width=24, height=12)
    else:
        _place_chart(target, chart, 0, width=18, height=11)  # one printed page



def add_flexibility_chart(ws: Worksheet, frame: pd.DataFrame, title: str) -> None:
    """Clustered columns right of the Flexibility table: each site-month's mining margin at
    the month's average price beside its margin with curtailment on the hourly prices.

    Args:
        ws: The sheet holding ``frame`` from A1.
        frame: ``site``, ``month``, ``flat_margin_usd`` and ``flexible_margin_usd`` columns.
        title: The chart's title.
    """
    columns = list(map(str, frame.columns))
    needed = ("site", "month", "flat_margin_usd", "flexible_margin_usd")
    if frame.empty or any(c not in columns for c in needed):
        return
    last_row = len(frame) + 1
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = title
    chart.style = _STYLE
    for column, label, color in (("flat_margin_usd", "Flat (monthly average)", "A6A6A6"),
                                 ("flexible_margin_usd", "Flexible (hourly)", "4F81BD")):
        col = columns.index(column) + 1
        series = Series(Reference(ws, min_col=col, min_row=2, max_row=last_row), title=label)
        series.graphicalProperties.solidFill = color
        series.graphicalProperties.line.solidFill = color
        chart.series.append(series)
    several = frame["site"].nunique() > 1  # label the columns site and month, else month
    first = columns.index("site" if several else "month") + 1
    labels = Reference(ws, min_col=first, max_col=columns.index("month") + 1, min_row=2,
                       max_row=last_row)
    for series in chart.series:
        series.cat = _text_categories(labels)
    chart.x_axis.axPos = "b"
    chart.x_axis.tickLblPos = "low"  # month labels below the axis, clear of negative margins
    _label_axes(chart, "Month", "Mining margin, USD", '#,##0.0,,"M"')
    _place_chart(ws, chart, len(columns), width=24, height=12)


def add_tornado_chart(ws: Worksheet, frame: pd.DataFrame, title: str) -> None:
    """A tornado chart right of the Sensitivity table: one bar pair per driver.

    Horizontal clustered bars of the NPV change at the low and the high value of each driver,
    overlapped so each driver is one band; the rows come sorted by swing, and the category
    axis runs top-down so the widest band is on top.

    Args:
        ws: The sheet holding ``frame`` from A1.
        frame: ``driver``, ``low_npv_change_usd`` and ``high_npv_change_usd`` columns.
        title: The chart's title.
    """
    columns = list(map(str, frame.columns))
    needed = ("driver", "low_npv_change_usd", "high_npv_change_usd")
    if frame.empty or any(c not in columns for c in needed):
        return
    last_row = len(frame) + 1
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.overlap = 100
    chart.gapWidth = 40
    chart.title = title
    chart.style = _STYLE
    for column, label, color in (("low_npv_change_usd", "low", "C0504D"),
                                 ("high_npv_change_usd", "high", "4F81BD")):
        col = columns.index(column) + 1
        values = Reference(ws, min_col=col, min_row=2, max_row=last_row)
        series = Series(values, title=_tornado_label(frame, label))
        series.graphicalProperties.solidFill = color
        series.graphicalProperties.line.solidFill = color
        chart.series.append(series)
    drivers = Reference(ws, min_col=columns.index("driver") + 1, min_row=2, max_row=last_row)
    for series in chart.series:
        series.cat = _text_categories(drivers)
    chart.x_axis.scaling.orientation = "maxMin"  # first row (largest swing) on top
    chart.x_axis.tickLblPos = "low"  # driver names left of the bars, clear of negative ones
    chart.x_axis.axPos = "l"
    chart.y_axis.axPos = "b"
    chart.y_axis.crosses = "max"  # with the categories reversed, keeps the USD axis below
    chart.y_axis.title = "NPV change, USD"
    chart.y_axis.number_format = '#,##0.0,,"M"'
    _place_chart(ws, chart, len(columns), width=20, height=max(7.5, 1.5 * len(frame) + 4))


def _tornado_label(frame: pd.DataFrame, side: str) -> str:
    """``"-10%"``-style series name from the frame's ``<side>_change_pct``, else the side."""
    column = f"{side}_change_pct"
    if column in frame.columns:
        value = pd.to_numeric(frame[column], errors="coerce").dropna()
        if len(value):
            return f"{float(value.iloc[0]):+.0%}"
    return side




# ------------------------------------------------------------------------ comparison sheets


def add_npv_chart(ws: Worksheet, scenarios: int, npv_row: int, title: str,
                  anchor: str) -> None:
    """Columns of NPV by scenario, from row ``npv_row`` (scenario names in row 1), from C.

    Args:
        ws: The comparison sheet.
        scenarios: How many scenario columns, from column C.
        npv_row: The row holding each scenario's NPV.
        title: The chart's title.
        anchor: The cell of the chart's top left corner.
    """
    npv = BarChart()
    npv.type = "col"
    npv.title = title
    npv.style = _STYLE
    last_col = 2 + scenarios
    series = Series(Reference(ws, min_col=3, max_col=last_col, min_row=npv_row,
                              max_row=npv_row), title="NPV")
    series.cat = _text_categories(Reference(ws, min_col=3, max_col=last_col, min_row=1,
                                            max_row=1))
    npv.series.append(series)
    _label_axes(npv, "Scenario", "NPV (USD)", _MILLIONS_FORMAT)
    npv.legend = None
    npv.width, npv.height = _SIDE_WIDTH, _SIDE_HEIGHT
    ws.add_chart(npv, anchor)


def add_hpc_chart(ws: Worksheet, lines: list[tuple[int, str]], first_row: int,
                  last_row: int, title: str, anchor: str) -> None:
    """A line per distinct scenario series of the HPC MW by month in ``first_row..last_row``.

    Args:
        ws: The comparison sheet: months in column A, scenarios from column C.
        lines: (scenario column offset from C, legend name) per line; scenarios whose
            series coincide share one line named after all of them.
        first_row: First month's row.
        last_row: Last month's row.
        title: The chart's title.
        anchor: The cell of the chart's top left corner.
    """
    hpc = LineChart()
    hpc.title = title
    months = Reference(ws, min_col=1, min_row=first_row, max_row=last_row)
    for j, name in lines:
        values = Reference(ws, min_col=3 + j, min_row=first_row, max_row=last_row)
        line = Series(values, title=name)
        line.cat = _text_categories(months)
        line.smooth = False
        hpc.series.append(line)
    _label_axes(hpc, "Month", "HPC leased IT MW", "#,##0")
    hpc.width, hpc.height = _SIDE_WIDTH, _SIDE_HEIGHT
    ws.add_chart(hpc, anchor)


def add_sweep_charts(ws: Worksheet, headers: list[str], steps: int, column: str, *,
                     months: bool, title: str, chart_row: int,
                     x_format: str | None = None) -> None:
    """Grid MW by use (stacked area) and NPV (line) against the swept parameter in column A.

    Args:
        ws: The sweep sheet, its table from A1 with the columns ``headers``.
        headers: The table's columns (``avg_..._mw`` and ``npv_usd`` among them).
        steps: The table's rows below the header.
        column: The swept parameter's column name, the x axis title.
        months: The parameter is a month (text categories) rather than a number.
        title: The area chart's title.
        chart_row: The row of the charts' top edge.
        x_format: The number format of the parameter axis (the column's own format).
    """
    categories = Reference(ws, min_col=1, min_row=2, max_row=steps + 1)

    def cats() -> AxDataSource:
        if months:
            return _text_categories(categories)
        return AxDataSource(numRef=NumRef(f=str(categories)))

    area = AreaChart()
    area.grouping = "stacked"
    area.title = title
    area.style = _STYLE
    for name, label in (("avg_mining_grid_mw", "Mining"), ("avg_hpc_grid_mw", "HPC"),
                        ("avg_idle_mw", "Idle")):
        col = headers.index(name) + 1
        series = Series(Reference(ws, min_col=col, min_row=2, max_row=steps + 1), title=label)
        series.cat = cats()
        area.series.append(series)
    _label_axes(area, column, "Average grid MW", "#,##0")
    _x_format(area, x_format)
    area.width, area.height = _SIDE_WIDTH, _SIDE_HEIGHT
    ws.add_chart(area, f"A{chart_row}")

    npv = LineChart()
    npv.title = f"NPV against {column}"
    col = headers.index("npv_usd") + 1
    line = Series(Reference(ws, min_col=col, min_row=2, max_row=steps + 1), title="NPV")
    line.cat = cats()
    npv.series.append(line)
    _label_axes(npv, column, "NPV (USD)", _MILLIONS_FORMAT)
    _x_format(npv, x_format)
    npv.legend = None
    npv.width, npv.height = _SIDE_WIDTH, _SIDE_HEIGHT
    ws.add_chart(npv, f"F{chart_row}")


def _x_format(chart: Any, fmt: str | None) -> None:
    """The category axis in ``fmt``, not the General its cells would otherwise lend it."""
    if fmt:
        chart.x_axis.number_format = fmt
        chart.x_axis.numFmt.sourceLinked = False


def add_histogram_chart(ws: Worksheet, top_row: int, bins: int, title: str,
                        anchor: str) -> None:
    """Columns of samples per NPV bin: bin labels in column A, counts in C, and in D the
    counts of the bins holding P5, P50 and P95 (blank elsewhere), drawn over them in orange.

    Args:
        ws: The Monte Carlo sheet.
        top_row: The histogram table's header row.
        bins: Its rows below the header.
        title: The chart's title.
        anchor: The cell of the chart's top left corner.
    """
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.style = _STYLE
    chart.gapWidth = 10
    chart.overlap = 100
    last_row = top_row + bins
    labels = _text_categories(Reference(ws, min_col=1, min_row=top_row + 1, max_row=last_row))
    for col, name, color in ((3, "samples", "4F81BD"), (4, "bin holding P5, P50 or P95",
                                                        "ED7D31")):
        series = Series(Reference(ws, min_col=col, min_row=top_row + 1, max_row=last_row),
                        title=name)
        series.cat = labels
        series.graphicalProperties.solidFill = color
        series.graphicalProperties.line.solidFill = color
        chart.series.append(series)
    _label_axes(chart, "NPV bin (lower edge)", "Samples", "0")
    chart.legend.position = "b"
    chart.width, chart.height = _SIDE_WIDTH, _SIDE_HEIGHT
    ws.add_chart(chart, anchor)
