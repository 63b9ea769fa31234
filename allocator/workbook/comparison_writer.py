"""Write scenario comparisons, sweeps and Monte Carlo runs as sheets; nothing is solved here.

Like :func:`allocator.workbook.writer.write_plan`: the output is a new file, by default a copy
of the input workbook with the result sheets added (``Scenario Comparison``, ``Sweep`` or
``Monte Carlo``, and per-scenario ``Plan <name>`` sheets on request); the user's own sheets are
kept byte for byte, a user's sheet named like a result sheet or a source the copy cannot
carry is refused, the input is never modified and an existing output is replaced
atomically, only with ``overwrite``. Numbers are
formatted by their names' unit suffixes (:func:`~allocator.workbook.frames.number_format`) and
charts are native Excel charts (:mod:`allocator.workbook.charts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from allocator.errors import OutputError
from allocator.periods import month_from_index
from allocator.workbook.charts import (
    add_histogram_chart,
    add_hpc_chart,
    add_npv_chart,
    add_sweep_charts,
)
from allocator.workbook.frames import (
    FACTOR_FORMAT,
    MW_FORMAT,
    cell_value,
    label_cell,
    label_format,
    number_format,
    set_widths,
    style_header_cell,
    write_frame,
)
from allocator.workbook.saving import ResultBook, save_result, start_workbook
from allocator.workbook.schema import BAD_SHEET_CHARS, RESULT_SHEETS, output_label, sheet_key

if TYPE_CHECKING:
    from allocator.scenarios.compare import Comparison
    from allocator.scenarios.montecarlo import MonteCarlo
    from allocator.scenarios.sweep import Sweep

__all__ = [
    "COMPARISON_SHEET",
    "HPC_CHART_TITLE",
    "MONTE_CARLO_SHEET",
    "NPV_CHART_TITLE",
    "SWEEP_SHEET",
    "plan_sheet_name",
    "write_comparison",
    "write_monte_carlo",
    "write_sweep",
]

COMPARISON_SHEET = "Scenario Comparison"
SWEEP_SHEET = "Sweep"
MONTE_CARLO_SHEET = "Monte Carlo"
NPV_CHART_TITLE = "NPV by scenario"
HPC_CHART_TITLE = "HPC leased IT MW by scenario"
SWEEP_CHART_TITLE = "Grid MW by use"

HISTOGRAM_CHART_TITLE = "NPV distribution"

_TITLE_FONT = Font(name="Calibri", bold=True, size=12)
_REFERENCE_FILL = PatternFill(fill_type="solid", fgColor="FFE699")
_RIGHT = Alignment(horizontal="right")
_INDENT = Alignment(horizontal="left", indent=1)
_HPC_CHART_ROW = 21  # the HPC chart sits below the NPV chart, right of the tables


# --------------------------------------------------------------------------------- public API


def write_comparison(comparison: Comparison, path: str | Path, *,
                     source: str | Path | None = None, overwrite: bool = False,
                     plans: bool = False) -> Path:
    """Write the ``Scenario Comparison`` sheet to ``path``, into a copy of ``source`` if given.

    The sheet holds, from the top: one column per scenario of the headline figures
    (:func:`allocator.scenarios.cases.plan_metrics`), the same figures as changes against the
    reference scenario, the fleet HPC IT MW leased in each month, and the input diff (what
    each scenario changed, field by field); to the right, charts of NPV by scenario and of
    HPC MW by scenario over the months.

    Args:
        comparison: The solved comparison.
        path: Output workbook (``.xlsx``; ``.xlsm`` when ``source`` is one).
        source: Input workbook to copy; without it the output holds only the result sheets.
        overwrite: Replace ``path`` if it exists (atomically).
        plans: Add a ``Plan <scenario>`` sheet (site x month) per scenario; the comparison
            must have kept its plans.

    Raises:
        OutputError: ``path`` exists without ``overwrite``, the suffix does not match, the
            source has content a copy would lose or a sheet of the same name as a result
            sheet, plans were asked for but not kept, or the file cannot be written.
    """
    names = comparison.names
    plan_sheets: dict[str, str] = {}
    if plans:
        missing = [n for n in names if n not in comparison.plans]
        if missing:
            raise OutputError(
                "Cannot write per-scenario plans: the comparison kept none for "
                f"{', '.join(missing)}; run compare with keep_plans=True (--plans)")
        plan_sheets = _plan_sheet_names(names)
    book = _start(path, source, overwrite, [COMPARISON_SHEET, *plan_sheets.values()])
    wb = book.workbook
    ws = wb.create_sheet(COMPARISON_SHEET)
    _comparison_sheet(ws, comparison)
    for name, title in plan_sheets.items():
        write_frame(wb.create_sheet(title), comparison.plans[name].site_months, freeze="C2")
    return _finish(book, ws, path, overwrite)


def write_sweep(result: Sweep, path: str | Path, *, source: str | Path | None = None,
                overwrite: bool = False) -> Path:
    """Write the ``Sweep`` sheet: one row per step, the flip points, the material MW changes
    between neighbouring steps, and charts of grid MW by use and of NPV against the
    parameter. Arguments and errors as :func:`write_comparison`."""
    book = _start(path, source, overwrite, [SWEEP_SHEET])
    ws = book.workbook.create_sheet(SWEEP_SHEET)
    _sweep_sheet(ws, result)
    return _finish(book, ws, path, overwrite)


def write_monte_carlo(result: MonteCarlo, path: str | Path, *,
                      source: str | Path | None = None, overwrite: bool = False) -> Path:
    """Write the ``Monte Carlo`` sheet: NPV percentiles, the settings used, the probability
    each site converts and each contract is taken, an NPV histogram with its chart, and one
    row per sample. Arguments and errors as :func:`write_comparison`."""
    book = _start(path, source, overwrite, [MONTE_CARLO_SHEET])
    ws = book.workbook.create_sheet(MONTE_CARLO_SHEET)
    _monte_carlo_sheet(ws, result)
    return _finish(book, ws, path, overwrite)


def plan_sheet_name(scenario: str) -> str:
    """``Plan <scenario>`` as a valid sheet name (31 characters, no ``[]:*?/\\``)."""
    clean = BAD_SHEET_CHARS.sub("-", scenario).strip().strip("'") or "scenario"
    return f"Plan {clean}"[:31].rstrip()


def _plan_sheet_names(names: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    taken = {sheet_key(n) for n in RESULT_SHEETS}
    for name in names:
        title = plan_sheet_name(name)
        number = 2
        while sheet_key(title) in taken:
            suffix = f" ({number})"
            title = plan_sheet_name(name)[: 31 - len(suffix)] + suffix
            number += 1
        taken.add(sheet_key(title))
        out[name] = title
    return out


# ------------------------------------------------------------------------------- the copy


def _start(path: str | Path, source: str | Path | None, overwrite: bool,
           sheets: Sequence[str]) -> ResultBook:
    """The result workbook, to be added to a copy of ``source`` (or saved alone)."""
    return start_workbook(path, source, sheets=sheets, overwrite=overwrite,
                          separate="--results-only")


def _finish(book: ResultBook, ws: Worksheet, path: str | Path, overwrite: bool) -> Path:
    wb = book.workbook
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    wb.active = ws
    return save_result(book, Path(path), active=ws.title, overwrite=overwrite)


# ------------------------------------------------------------------------------------ cells


def _put(ws: Worksheet, row: int, col: int, value: object, fmt: str | None = None) -> None:
    """One cell; text is stored as text, never as a formula."""
    value = cell_value(value)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif fmt and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = fmt


def _title(ws: Worksheet, row: int, text: str) -> None:
    _put(ws, row, 1, text)
    ws.cell(row=row, column=1).font = _TITLE_FONT


def _header(ws: Worksheet, row: int, headers: Sequence[str], col: int = 1, *,
            labels: int = 0) -> None:
    """Header cells styled like the plan sheets' row 1; the first ``labels`` are column names
    shown by their readable labels, with a note."""
    for j, text in enumerate(headers):
        _put(ws, row, col + j, text)
        cell = ws.cell(row=row, column=col + j)
        style_header_cell(cell)
        if j < labels and text:
            label_cell(cell, text, note=True)


def _block(ws: Worksheet, row: int, frame: pd.DataFrame, col: int = 1) -> int:
    """``frame`` with a styled header at ``row``; returns the first row after it."""
    headers = [str(c) for c in frame.columns]
    _header(ws, row, headers, col, labels=len(headers))
    formats = [number_format(h) for h in headers]
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=row + 1):
        for j, value in enumerate(values):
            _put(ws, i, col + j, value, formats[j])
    return row + len(frame) + 1


# -------------------------------------------------------------------------------- comparison


def _metric_rows(ws: Worksheet, frame: pd.DataFrame, first_row: int,
                 names: Sequence[str]) -> None:
    """One row per (metric, item) of ``frame``, a column per scenario, formatted by unit."""
    for i, (key, values) in enumerate(frame.iterrows(), start=first_row):
        metric, item = cast(tuple[str, str], key)
        _put(ws, i, 1, metric)
        label_cell(ws.cell(row=i, column=1), metric)
        _put(ws, i, 2, item)
        fmt = number_format(str(metric))
        for j, name in enumerate(names, start=3):
            _put(ws, i, j, values[name], fmt)


def _comparison_sheet(ws: Worksheet, comparison: Comparison) -> None:
    names = comparison.names
    table = comparison.table
    n = len(names)
    _scenario_header(ws, 1, names, comparison.reference)
    ws.freeze_panes = "C2"
    _metric_rows(ws, table, 2, names)
    npv_row = 2 + list(table.index).index(("npv_usd", ""))
    row = len(table) + 3

    _title(ws, row, f"Change against the reference scenario '{comparison.reference}'")
    _scenario_header(ws, row + 1, names, comparison.reference)
    diff = comparison.diff()
    _metric_rows(ws, diff, row + 2, names)
    row += len(diff) + 3

    _title(ws, row, "HPC leased IT MW by month (fleet)")
    _header(ws, row + 1, ["month", "", *[f"{name}" for name in names]], labels=1)
    monthly = comparison.hpc_leased_mw
    first_month_row = row + 2
    for i, (month, values) in enumerate(monthly.iterrows(), start=first_month_row):
        _put(ws, i, 1, str(month))
        for j, name in enumerate(names, start=3):
            _put(ws, i, j, values[name], MW_FORMAT)
    last_month_row = first_month_row + len(monthly) - 1
    row = last_month_row + 2

    _title(ws, row, "Input diff: what each scenario changed")
    inputs = comparison.inputs
    if inputs.empty:
        _put(ws, row + 1, 1, "No scenario changes any input.")
    else:
        _input_diff(ws, row + 1, inputs)
    _widths(ws, names, inputs)

    chart_col = get_column_letter(n + 4)
    add_npv_chart(ws, n, npv_row, NPV_CHART_TITLE, f"{chart_col}2")
    add_hpc_chart(ws, _same_lines(monthly, names), first_month_row, last_month_row,
                  HPC_CHART_TITLE, f"{chart_col}{_HPC_CHART_ROW}")


def _scenario_header(ws: Worksheet, row: int, names: Sequence[str], reference: str) -> None:
    """``metric | item | scenarios...``; the reference scenario's header shows it is one."""
    _header(ws, row, ["metric", "item", *names], labels=2)
    if reference in names:
        cell = ws.cell(row=row, column=3 + list(names).index(reference))
        cell.fill = _REFERENCE_FILL
        cell.number_format = label_format(f"{reference} (reference)")


def _same_lines(monthly: pd.DataFrame, names: Sequence[str]) -> list[tuple[int, str]]:
    """One line per distinct monthly series: (column offset, every scenario it stands for)."""
    lines: list[tuple[int, list[str]]] = []
    for j, name in enumerate(names):
        values = monthly[name].to_numpy(dtype=float)
        for first, group in lines:
            other = monthly[names[first]].to_numpy(dtype=float)
            if np.allclose(values, other, rtol=0, atol=1e-6, equal_nan=True):
                group.append(name)
                break
        else:
            lines.append((j, [name]))
    return [(j, group[0] if len(group) == 1 else " = ".join(group)) for j, group in lines]


def _input_diff(ws: Worksheet, row: int, inputs: pd.DataFrame) -> None:
    """The input diff, each value in its parameter's number format, values right-aligned so
    a number and the text beside it never run together."""
    _block(ws, row, inputs)
    columns = list(map(str, inputs.columns))
    value_cols = [columns.index(c) + 1 for c in ("base_value", "scenario_value") if c in columns]
    parameter = columns.index("parameter") if "parameter" in columns else None
    for i, values in enumerate(inputs.itertuples(index=False, name=None), start=row + 1):
        fmt = number_format(str(values[parameter])) if parameter is not None else None
        if parameter is not None:
            label_cell(ws.cell(row=i, column=parameter + 1), str(values[parameter]))
        for col in value_cols:
            cell = ws.cell(row=i, column=col)
            cell.alignment = _RIGHT
            if fmt and isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = fmt


def _widths(ws: Worksheet, names: Sequence[str], inputs: pd.DataFrame) -> None:
    widths = [26.0, 18.0] + [max(14.0, min(40.0, len(n) + 3.0)) for n in names]
    for j, col in enumerate(inputs.columns):
        text = inputs[col].map(lambda v: len(str(cell_value(v) or ""))) if len(inputs) else None
        wanted = max(len(str(col)), int(text.max()) if text is not None else 0) + 2
        if j < len(widths):
            widths[j] = max(widths[j], min(40.0, float(wanted)))
        else:
            widths.append(min(40.0, float(wanted)))
    set_widths(ws, widths)


# ------------------------------------------------------------------------------------ sweep


def _sweep_sheet(ws: Worksheet, result: Sweep) -> None:
    table = result.table
    write_frame(ws, table, freeze="B2", labels=True)
    rows = len(table)
    column = result.column
    row = rows + 3
    label = output_label(column)
    _title(ws, row, f"Flip points: the switch lies between 'below' and 'above' ({column})")
    if result.flips:
        # The sentence goes last so it can spill over the empty cells to its right.
        flips = pd.DataFrame({
            "below": [_axis_value(result, f.below) for f in result.flips],
            "above": [_axis_value(result, f.above) for f in result.flips],
            "flip": [f.text for f in result.flips],
        })
        after = _block(ws, row + 1, flips)
        fmt = _finer(number_format(column))
        for i in range(len(flips)):
            for j in (1, 2):
                if fmt and isinstance(ws.cell(row + 2 + i, j).value, float):
                    ws.cell(row + 2 + i, j).number_format = fmt
            ws.cell(row + 2 + i, 3).alignment = _INDENT  # clear of the number on its left
    else:
        _put(ws, row + 1, 1, "No site or contract changes state across the range.")
        after = row + 2
    after = _mw_change_rows(ws, after + 1, result)
    note = (f"Swept {column} from {_axis_value(result, result.values[0])} to "
            f"{_axis_value(result, result.values[-1])} in {len(result.values)} steps"
            + (f" (target {result.target})" if result.target else "")
            + f"; flips located by bisection with {result.probes} extra solves.")
    _put(ws, after + 1, 1, note)
    chart_row = after + 3

    add_sweep_charts(ws, [str(c) for c in table.columns], rows, label,
                     months=_month_axis(result), title=SWEEP_CHART_TITLE, chart_row=chart_row,
                     x_format=number_format(column))


def _mw_change_rows(ws: Worksheet, row: int, result: Sweep) -> int:
    """The material MW changes between neighbouring steps from ``row``: the two steps (in
    the swept column's format), the MW on either side and the change in words; returns the
    first row after them."""
    _title(ws, row, "Material MW changes between neighbouring steps, not flips: at least "
                    "max(5 MW, 10 % of the site's capacity_mw)")
    if not result.mw_changes:
        _put(ws, row + 1, 1, "No site's converted or mining MW changes materially between "
                             "steps.")
        return row + 2
    changes = pd.DataFrame({
        "below": [_axis_value(result, c.below) for c in result.mw_changes],
        "above": [_axis_value(result, c.above) for c in result.mw_changes],
        "before_mw": [c.before_mw for c in result.mw_changes],
        "after_mw": [c.after_mw for c in result.mw_changes],
        "change": [c.text for c in result.mw_changes],
    })
    after = _block(ws, row + 1, changes)
    fmt = number_format(result.column)
    for i in range(len(changes)):
        for j in (1, 2):
            if fmt and isinstance(ws.cell(row + 2 + i, j).value, float):
                ws.cell(row + 2 + i, j).number_format = fmt
        ws.cell(row + 2 + i, 5).alignment = _INDENT  # clear of the number on its left
    return after


def _finer(fmt: str | None) -> str | None:
    """``fmt`` with one more decimal: bisected flip points lie between the steps."""
    if fmt == FACTOR_FORMAT:
        return "0.000"
    if fmt == MW_FORMAT:
        return "#,##0.00"
    return fmt


def _month_axis(result: Sweep) -> bool:
    """The swept parameter is set to months, which the sheet shows as text."""
    return result.parameter.kind == "month" and result.operation == "set"


def _axis_value(result: Sweep, x: float) -> object:
    if _month_axis(result):
        return month_from_index(round(x))
    return float(x)


# ------------------------------------------------------------------------------ Monte Carlo


def _monte_carlo_sheet(ws: Worksheet, result: MonteCarlo) -> None:
    samples = result.samples
    _title(ws, 1, f"Monte Carlo: {len(samples)} samples, seed {result.seed}")
    row = _block(ws, 2, result.summary) + 1
    settings = pd.DataFrame({"setting": list(result.settings),
                             "value": list(result.settings.values())})
    _header(ws, row, ["setting", "value"], labels=2)
    for i, (key, value) in enumerate(result.settings.items(), start=row + 1):
        _put(ws, i, 1, key)
        label_cell(ws.cell(row=i, column=1), key)
        _put(ws, i, 2, value, "0.00" if key.endswith("correlation") else "0.0%")
    row += len(settings) + 2
    row = _block(ws, row, result.sites.rename(
        columns={"probability_converts": "probability_converts_pct"})) + 1
    row = _block(ws, row, result.contracts.rename(
        columns={"probability_taken": "probability_taken_pct"})) + 1

    npv = samples["npv_usd"].to_numpy(dtype=float)
    marks = {f"P{p}": float(np.percentile(npv, p)) for p in (5, 50, 95)}
    shown = ", ".join(f"{k} ${v / 1e6:,.0f}M" for k, v in marks.items())
    title = f"{HISTOGRAM_CHART_TITLE} ({shown})"
    _title(ws, row, title)
    histogram = _histogram(npv, marks)
    hist_top = row + 1
    row = _block(ws, hist_top, histogram) + 1
    add_histogram_chart(ws, hist_top, len(histogram), title, "F2")

    _title(ws, row, "Samples")
    _block(ws, row + 1, samples)
    set_widths(ws, [32.0] + [24.0] * (len(samples.columns) - 1))


def _histogram(npv: np.ndarray[Any, np.dtype[np.float64]], marks: dict[str, float],
               bins: int = 15) -> pd.DataFrame:
    """Samples per NPV bin; ``percentile_samples`` repeats the count of a bin holding one of
    ``marks`` (named in ``percentile``) so the chart can mark it."""
    lo, hi = float(npv.min()), float(npv.max())
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(npv, bins=bins, range=(lo, hi))
    held: list[list[str]] = [[] for _ in range(bins)]
    for name, value in marks.items():
        k = min(max(int(np.searchsorted(edges, value, side="right")) - 1, 0), bins - 1)
        held[k].append(name)
    return pd.DataFrame({
        "bin": [f"${a / 1e6:,.0f}M" for a in edges[:-1]],
        "from_usd": edges[:-1],
        "samples": counts.astype(int),
        "percentile_samples": [int(c) if h else None for c, h in zip(counts, held, strict=True)],
        "percentile": [", ".join(h) for h in held],
    })
