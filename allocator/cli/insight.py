"""The ``sensitivity`` command: a tornado of re-optimized NPVs, computed by the library, not here.

It validates its arguments, optimizes the workbook, adds the sensitivity table
(:func:`allocator.insight.add_sensitivity`), prints it in tornado order and writes the plan
with a ``Sensitivity`` sheet and its tornado chart. Library errors exit 1 through
:func:`allocator.cli.failures.library_errors`; usage errors exit 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.table import Table

from allocator.api import optimize
from allocator.cli.common import (
    ERR,
    OUT,
    add_row,
    literal,
    note_ods_charts,
    output_suffix,
    warn_about_solver,
)
from allocator.cli.failures import library_errors
from allocator.cli.outputs import check_output
from allocator.documents.fleet_document import is_document, read_fleet_source
from allocator.insight.tornado import SENSITIVITY_SHEET, add_sensitivity
from allocator.optimization.solvers import SolverOptions
from allocator.workbook.schema import OUTPUT_SHEETS
from allocator.workbook.writer import write_plan

__all__ = ["default_sensitivity_output", "run_sensitivity"]


def default_sensitivity_output(book: Path, plan_only: bool = False) -> Path:
    """``fleet.xlsx`` -> ``fleet.sensitivity.xlsx`` beside it (an ``.xlsm`` or ``.ods`` copy
    keeps its suffix; plan-only output is always ``.xlsx``)."""
    return book.with_name(f"{book.stem}.sensitivity{output_suffix(book, plan_only)}")


def _millions(x: float, signed: bool = True) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{x / 1e6:{'+' if signed else ''},.1f}"


def _finite(x: Any) -> Any:
    return None if isinstance(x, float) and not math.isfinite(x) else x


def _print_tornado(table: pd.DataFrame, pct: float) -> None:
    rows = table.to_dict("records")
    base = float(rows[0]["base_npv_usd"]) if rows else math.nan
    out = Table(title=literal(f"NPV sensitivity to -/+{pct:g} %; base NPV "
                              f"${_millions(base, False)}M; changes in $M"),
                title_justify="left")
    out.add_column("driver")
    out.add_column(f"-{pct:g} %", justify="right")
    out.add_column(f"+{pct:g} %", justify="right")
    out.add_column("swing", justify="right")
    for row in rows:
        add_row(out, str(row["driver"]), _millions(float(row["low_npv_change_usd"])),
                    _millions(float(row["high_npv_change_usd"])),
                    _millions(float(row["swing_usd"]), signed=False))
    OUT.print(out)
    for row in rows:
        if row["note"]:
            ERR.print(f"Warning: {row['driver']}: {row['note']}", markup=False)


def run_sensitivity(book: Path, pct: float, output: Path | None, overwrite: bool,
                results_only: bool, plan_only: bool, no_write: bool, as_json: bool,
                solver: str | None) -> None:
    """Do ``sensitivity`` with its parsed command line (:mod:`allocator.cli.study_commands`)."""
    # A document has no workbook of the user's to copy: its plan is a results-only workbook.
    results_only = results_only or plan_only or is_document(book)
    target = output or default_sensitivity_output(book, results_only)
    with library_errors(as_json):
        source = read_fleet_source(book)
        if not no_write:
            check_output(target, None if results_only else book, overwrite=overwrite,
                         sheets=[*OUTPUT_SHEETS, SENSITIVITY_SHEET])
        options = SolverOptions(name=solver or source.fleet.settings.solver)
        warn_about_solver(options.name)
        plan = add_sensitivity(optimize(source, solver=options), source, pct, solver=options)
        written = None
        if not no_write:
            written = write_plan(plan, target, source=None if results_only else book,
                                 overwrite=overwrite)
    table = plan.extra[SENSITIVITY_SHEET]
    if as_json:
        rows = [{k: _finite(v) for k, v in row.items()} for row in table.to_dict("records")]
        click.echo(json.dumps({"pct": pct, "base_npv_usd": plan.npv_usd, "drivers": rows,
                               "output": str(written) if written else None}, indent=2))
        note_ods_charts(written)
        return
    _print_tornado(table, pct)
    for w in plan.run_info.warnings:
        ERR.print(f"Warning: {w}", markup=False)
    if written is not None:
        OUT.print(f"Plan with sensitivity written to {written}", markup=False)
    note_ods_charts(written)
