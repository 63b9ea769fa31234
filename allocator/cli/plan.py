"""What the ``optimize``, ``template`` and ``explain`` commands do; no model logic here.

Their command lines (arguments, options, help) are declared in
:mod:`allocator.cli.plan_commands`, which loads nothing heavy, so a usage error never waits for
this module's pandas, openpyxl or solver. Each ``run_<command>`` validates its arguments,
calls one library function and renders the result. Library errors become one message and exit
code 1 in one place (:func:`allocator.cli.failures.library_errors`); usage errors exit 2
(click's convention). An output is checked before the solve, never refused after it.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from allocator.api import optimize as optimize_fleet
from allocator.cli.common import (
    ERR,
    OUT,
    add_row,
    literal,
    note_ods_charts,
    output_suffix,
    warn_about_solver,
)
from allocator.cli.deals_output import deal_figures, mining_figures, print_deals
from allocator.cli.failures import error_text, library_errors
from allocator.cli.formats import check_data_output, data_format, data_output
from allocator.cli.insight_summary import insight_lines
from allocator.cli.outputs import check_output
from allocator.consistency import Locate, check_consistency, problem_line
from allocator.documents.fleet_document import is_document, read_fleet_source
from allocator.domain import Fleet
from allocator.errors import InfeasibleError, InputError
from allocator.exports.results import write_plan_tables
from allocator.insight.annotate import add_insight
from allocator.insight.summary import insight_summary
from allocator.optimization.infeasibility import explain_infeasibility, relax
from allocator.optimization.solvers import SolverOptions
from allocator.results.plan import PPA_BLOCKS_SHEET, Plan
from allocator.workbook.schema import OUTPUT_SHEETS
from allocator.workbook.template import write_template
from allocator.workbook.writer import write_plan

__all__ = ["INSIGHT_SHEETS", "default_output", "plan_headline", "run_explain", "run_optimize",
           "run_template"]

INSIGHT_SHEETS = ("Miner Breakeven", "Sensitivity")
"""The sheets ``--insight`` adds to the plan's."""


def default_output(book: Path, plan_only: bool = False) -> Path:
    """``fleet.xlsx`` -> ``fleet.plan.xlsx`` beside it.

    A copy of an ``.xlsm`` keeps its suffix (and macros), a copy of an ``.ods`` its own
    (``fleet.plan.ods``); plan-only output is always ``.xlsx``.
    """
    return book.with_name(f"{book.stem}.plan{output_suffix(book, plan_only)}")


def plan_headline(plan: Plan) -> dict[str, Any]:
    """The figures ``optimize`` prints: NPV, hashrate, HPC, idle, timings, the deals (NPV
    bridge, portfolio, projects) and the horizon's mining totals."""
    summary = plan.summary
    last = summary.iloc[-1]
    info = plan.run_info
    return {
        "npv_usd": plan.npv_usd,
        "months": len(summary),
        "start_month": info.start_month,
        "avg_fleet_hashrate_ehs": float(summary["fleet_hashrate_ehs"].mean()),
        "first_month_hashrate_ehs": float(summary["fleet_hashrate_ehs"].iloc[0]),
        "hpc_leased_mw_end": float(last["hpc_leased_mw"]),
        "converted_mw": float(plan.builds["build_mw"].sum()),
        "conversion_capex_usd": float(plan.builds["capex_usd"].sum()),
        "avg_idle_mw": float(summary["idle_mw"].mean()),
        "contracts_taken": [
            {"contract": str(name), "committed_mw": float(mw)}
            for name, mw in zip(plan.contracts["contract"], plan.contracts["committed_mw"],
                                strict=True)
            if float(mw) > 0
        ],
        "solver": info.solver,
        "status": info.status,
        "variables": info.variables,
        "constraints": info.constraints,
        "build_seconds": info.build_seconds,
        "solve_seconds": info.solve_seconds,
        "warnings": list(info.warnings),
        **_flexibility_figures(plan),
        **_block_figures(plan),
        "deals": deal_figures(plan),
        "mining": mining_figures(plan),
    }


def _flexibility_figures(plan: Plan) -> dict[str, Any]:
    """The flexibility premium, where a site has hourly prices (else nothing)."""
    flex = plan.extra.get("Flexibility")
    if flex is None:
        return {}
    running = float(flex["mining_mw"].sum())
    premium = float(flex["flexibility_premium_usd"].sum())
    return {"flexibility_premium_usd": premium,
            "flexibility_premium_usd_mw_month": premium / running if running > 0 else 0.0,
            "hourly_price_sites": sorted(set(flex["site"]))}


def _block_figures(plan: Plan) -> dict[str, Any]:
    """What fixed PPA blocks add, discounted, where a site holds one (else nothing)."""
    blocks = plan.extra.get(PPA_BLOCKS_SHEET)
    if blocks is None:
        return {}
    months = plan.site_months
    value = float((months["ppa_block_usd"] * months["discount_factor"]).sum())
    return {"ppa_block_npv_usd": value, "ppa_block_sites": sorted(set(blocks["site"]))}


def _money(x: float) -> str:
    return f"${x / 1e6:,.1f}M" if math.isfinite(x) else "-"


def _print_headline(head: dict[str, Any], written: Path | None,
                    insight: Sequence[str] = ()) -> None:
    """The headline table, then the ``--insight`` block's lines, warnings and the output."""
    title = f"Plan {head['start_month']} + {head['months']} months"
    table = Table(title=literal(title), title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    add_row(table, "NPV", _money(head["npv_usd"]))
    add_row(table, "Fleet hashrate, first month", f"{head['first_month_hashrate_ehs']:,.2f} EH/s")
    add_row(table, "Fleet hashrate, average", f"{head['avg_fleet_hashrate_ehs']:,.2f} EH/s")
    add_row(table, "HPC leased, last month", f"{head['hpc_leased_mw_end']:,.1f} IT MW")
    add_row(table, "Conversions started", f"{head['converted_mw']:,.1f} IT MW")
    add_row(table, "Conversion capex", _money(head["conversion_capex_usd"]))
    add_row(table, "Idle grid, average", f"{head['avg_idle_mw']:,.1f} MW")
    for c in head["contracts_taken"]:
        add_row(table, f"Contract {c['contract']}", f"{c['committed_mw']:,.1f} IT MW")
    if "flexibility_premium_usd" in head:
        add_row(table, "Flexibility premium", f"{_money(head['flexibility_premium_usd'])} "
                f"(${head['flexibility_premium_usd_mw_month']:,.0f}/MW-month, "
                f"{len(head['hourly_price_sites'])} site(s) on hourly prices)")
    if "ppa_block_npv_usd" in head:
        add_row(table, "PPA blocks (in the NPV)", f"{_money(head['ppa_block_npv_usd'])} at "
                f"{', '.join(head['ppa_block_sites'])}")
    add_row(table, "Solve time", f"{head['solve_seconds']:.2f} s ({head['solver']}, "
                  f"{head['variables']:,} variables)")
    OUT.print(table)
    print_deals(head["deals"])
    for line in insight:
        OUT.print(line, markup=False)
    for w in head["warnings"]:
        ERR.print(f"Warning: {w}", markup=False)
    if written is not None:
        OUT.print(f"Plan written to {written}", markup=False)


def run_optimize(book: Path, output: Path | None, solver: str | None,
                 time_limit: float | None, accept_incumbent: bool, overwrite: bool,
                 results_only: bool, plan_only: bool, out_format: str, as_json: bool,
                 no_write: bool, relax_: bool, insight: bool) -> None:
    """``allocator optimize``: read BOOK, solve it and write and print the plan."""
    # A document has no workbook of the user's to copy: its plan is a results-only workbook.
    results_only = results_only or plan_only or is_document(book)
    folder = data_format(out_format)
    target = output or (data_output(book, "plan", folder) if folder
                        else default_output(book, results_only))
    with library_errors(as_json):
        source = read_fleet_source(book)
        if not no_write and folder:
            check_data_output(target, overwrite=overwrite)
        elif not no_write:
            extra = INSIGHT_SHEETS if insight else ()
            check_output(target, None if results_only else book, overwrite=overwrite,
                         sheets=[*OUTPUT_SHEETS, *extra])
        options = SolverOptions(name=solver or source.fleet.settings.solver,
                                time_limit_s=time_limit, accept_incumbent=accept_incumbent)
        warn_about_solver(options.name)
        try:
            plan = optimize_fleet(source, solver=options)
        except (InfeasibleError, InputError) as exc:
            if not relax_:
                raise
            ERR.print(error_text(exc), markup=False)
            _print_relaxation(source.fleet, source.locate)
            sys.exit(1)
        if insight:
            plan = add_insight(plan, source, solver=options, check_duals=True)
        written = None
        if not no_write and folder:
            written = write_plan_tables(plan, target, file_format=folder, overwrite=overwrite)
        elif not no_write:
            written = write_plan(plan, target, source=None if results_only else book,
                                 overwrite=overwrite)
    head = plan_headline(plan)
    summary = insight_summary(plan, source.fleet) if insight else None
    if as_json:
        if summary is not None:
            head["insight"] = summary
        head["output"] = str(written) if written else None
        click.echo(json.dumps(head, indent=2))
    else:
        _print_headline(head, written, insight_lines(summary, written) if summary else ())
    note_ods_charts(written)


def _print_relaxation(fleet: Fleet, locate: Locate) -> None:
    for line in relax(fleet, locate).lines():
        OUT.print(line, markup=False)


def run_explain(book: Path, relax_: bool) -> None:
    """``allocator explain``: say why BOOK has no feasible plan, or that it has one."""
    with library_errors():
        source = read_fleet_source(book)
    report = check_consistency(source.fleet)
    if report.errors:
        OUT.print(f"{book}: no plan is possible as the workbook stands:", markup=False)
        for problem in report.errors:
            OUT.print(f"  - {problem_line(source.locate(problem))}", markup=False)
    else:
        explanation = explain_infeasibility(source.fleet, source.locate)
        if explanation is None:
            OUT.print(f"{book}: a feasible plan exists; nothing to explain.", markup=False)
            return
        OUT.print(f"{book}: {explanation}", markup=False)
    if relax_:
        _print_relaxation(source.fleet, source.locate)
    sys.exit(1)


def run_template(out: Path, overwrite: bool) -> None:
    """``allocator template``: write the blank workbook OUT."""
    with library_errors():
        written = write_template(out, overwrite=overwrite)
    OUT.print(f"Template written to {written}", markup=False)
