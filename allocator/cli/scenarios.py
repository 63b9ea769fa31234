"""The ``compare`` and ``sweep`` commands over the scenario library; no scenario logic here.

Each command validates its arguments, calls one library function
(:func:`allocator.scenarios.compare.compare`, :func:`allocator.scenarios.sweep.sweep` or
:func:`allocator.scenarios.montecarlo.monte_carlo`) on the executor asked for, shows a progress
bar on stderr while the solves run, and renders the result. Library errors exit 1 through
:func:`allocator.cli.failures.library_errors`; usage errors exit 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource
from rich import box
from rich.table import Table

from allocator.cli.common import OUT, add_row, literal, note_ods_charts
from allocator.cli.failures import library_errors
from allocator.cli.formats import data_format
from allocator.cli.progress import progress as _progress
from allocator.cli.solving import default_output_path, executor_for, read_for, warn
from allocator.documents.fleet_document import is_document
from allocator.exports.folder import FileFormat
from allocator.exports.results import (
    write_comparison_tables,
    write_monte_carlo_tables,
    write_sweep_tables,
)
from allocator.scenarios.compare import Comparison
from allocator.scenarios.compare import compare as compare_scenarios
from allocator.scenarios.montecarlo import MonteCarlo, monte_carlo
from allocator.scenarios.sweep import Sweep, format_value
from allocator.scenarios.sweep import sweep as sweep_parameter
from allocator.workbook.comparison_writer import (
    COMPARISON_SHEET,
    MONTE_CARLO_SHEET,
    SWEEP_SHEET,
    write_comparison,
    write_monte_carlo,
    write_sweep,
)

__all__ = ["run_compare", "run_sweep"]

def _money(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{'-' if x < 0 else ''}${abs(x) / 1e6:,.1f}M"


# ------------------------------------------------------------------------------------ compare


def run_compare(book: Path, reference: str | None, names: str | None, plans: bool,
            output: Path | None, out_format: str, overwrite: bool, results_only: bool,
            no_write: bool, as_json: bool, solver: str | None, jobs: int | None,
            executor_kind: str, scheduler: str | None) -> None:
    """Do ``compare`` with its parsed command line (:mod:`allocator.cli.study_commands`)."""
    wanted = [n.strip() for n in names.split(",") if n.strip()] if names else None
    if names is not None and not wanted:
        raise click.BadParameter("give at least one scenario name", param_hint="--scenarios")
    results_only = results_only or is_document(book)  # a document has no workbook to copy
    folder = data_format(out_format)
    target = output or default_output_path(book, "compare", results_only, folder)
    with library_errors(as_json):
        source, options = read_for(target, book, COMPARISON_SHEET, solver=solver,
                                    write=not no_write, results_only=results_only,
                                    overwrite=overwrite, folder=folder)
        with executor_for(executor_kind, jobs, scheduler) as pool, \
                _progress("Solving scenarios") as update:
            result = compare_scenarios(source, names=wanted, reference=reference,
                                       executor=pool, solver=options,
                                       keep_plans=plans or folder is not None, progress=update)
        written = None
        if not no_write and folder:
            written = write_comparison_tables(result, target, file_format=folder,
                                              overwrite=overwrite)
        elif not no_write:
            written = write_comparison(result, target, source=None if results_only else book,
                                       overwrite=overwrite, plans=plans)
            note_ods_charts(written)
    if as_json:
        click.echo(json.dumps(_comparison_json(result, written), indent=2))
        return
    _print_comparison(result)
    warn(result.warnings)
    if written is not None:
        OUT.print(f"Comparison written to {written}", markup=False)


def _comparison_json(result: Comparison, written: Path | None) -> dict[str, Any]:
    def clean(x: float) -> float | None:
        return x if math.isfinite(x) else None

    keys = [(str(m), str(i)) for m, i in result.table.index]
    figures = {
        name: {f"{metric}[{item}]" if item else metric: clean(result.value(name, metric, item))
               for metric, item in keys}
        for name in result.names
    }
    return {"reference": result.reference, "scenarios": figures,
            "output": str(written) if written else None}


def _print_comparison(result: Comparison) -> None:
    ref = result.reference
    table = Table(title=literal(f"Scenarios; change against '{ref}'; money in $M"),
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("scenario", "NPV", "change", "mining margin", "HPC margin", "EH/s avg",
                 "HPC MW avg", "converted MW"):
        table.add_column(name, justify="left" if name == "scenario" else "right")
    sites = result.items("converted_mw")
    base = result.value(ref, "npv_usd")

    def millions(x: float, signed: bool = False) -> str:
        return f"{x / 1e6:{'+' if signed else ''},.1f}" if math.isfinite(x) else "-"

    for n in result.names:
        npv = result.value(n, "npv_usd")
        add_row(
            table, n, millions(npv), "" if n == ref else millions(npv - base, signed=True),
            millions(result.value(n, "mining_margin_usd")),
            millions(result.value(n, "hpc_margin_usd")),
            f"{result.value(n, 'avg_fleet_hashrate_ehs'):,.2f}",
            f"{result.value(n, 'avg_hpc_leased_mw'):,.1f}",
            f"{sum(result.value(n, 'converted_mw', s) for s in sites):,.1f}")
    OUT.print(table)


# -------------------------------------------------------------------------------------- sweep


def run_sweep(book: Path, parameter: str | None, target: str | None, operation: str,
          start: str | None, stop: str | None, steps: int, bisections: int,
          samples: int | None, seed: int, output: Path | None, out_format: str,
          overwrite: bool, results_only: bool, no_write: bool, as_json: bool,
          solver: str | None, jobs: int | None, executor_kind: str,
          scheduler: str | None) -> None:
    """Do ``sweep`` with its parsed command line (:mod:`allocator.cli.study_commands`)."""
    results_only = results_only or is_document(book)  # a document has no workbook to copy
    ctx = click.get_current_context()
    given = [f"--{name.replace('_', '-')}" for name in ("steps", "operation")
             if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT]
    given += [name for name, value in (("--param", parameter), ("--target", target),
                                       ("--from", start), ("--to", stop)) if value is not None]
    if samples is not None:
        if given:
            raise click.UsageError("--samples runs a Monte Carlo; it cannot be combined with "
                                   "--param, --target, --operation, --from, --to or --steps")
        _monte_carlo(book, samples, seed, output, overwrite, results_only, no_write, as_json,
                     solver, jobs, executor_kind, scheduler, data_format(out_format))
        return
    missing = [name for name, value in (("--param", parameter), ("--from", start),
                                        ("--to", stop)) if value is None]
    if parameter is None or start is None or stop is None:
        raise click.UsageError(f"a sweep needs {', '.join(missing)} (or --samples N for a "
                               "Monte Carlo)")
    folder = data_format(out_format)
    target_path = output or default_output_path(book, "sweep", results_only, folder)
    with library_errors(as_json):
        source, options = read_for(target_path, book, SWEEP_SHEET, solver=solver,
                                    write=not no_write, results_only=results_only,
                                    overwrite=overwrite, folder=folder)
        with executor_for(executor_kind, jobs, scheduler) as pool, \
                _progress(f"Sweeping {parameter}") as update:
            result = sweep_parameter(source, parameter, start, stop, steps, target=target,
                                     operation=operation, executor=pool, solver=options,
                                     bisections=bisections, progress=update)
        written = None
        if not no_write and folder:
            written = write_sweep_tables(result, target_path, file_format=folder,
                                         overwrite=overwrite)
        elif not no_write:
            written = write_sweep(result, target_path, source=None if results_only else book,
                                  overwrite=overwrite)
            note_ods_charts(written)
    if as_json:
        click.echo(json.dumps(_sweep_json(result, written), indent=2, default=str))
        return
    _print_sweep(result)
    warn(result.warnings)
    if written is not None:
        OUT.print(f"Sweep written to {written}", markup=False)


def _sweep_json(result: Sweep, written: Path | None) -> dict[str, Any]:
    rows = result.table.to_dict("records")
    return {
        "parameter": result.parameter.name, "target": result.target,
        "operation": result.operation,
        "steps": [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                   for k, v in row.items()} for row in rows],
        "flips": [{"subject": f.subject, "state": f.state, "turns_on": f.turns_on,
                   "below": f.below, "above": f.above, "text": f.text} for f in result.flips],
        "mw_changes": [{"subject": c.subject, "quantity": c.quantity, "below": c.below,
                        "above": c.above, "before_mw": c.before_mw, "after_mw": c.after_mw,
                        "change_mw": c.change_mw, "text": c.text} for c in result.mw_changes],
        "output": str(written) if written else None,
    }


def _print_sweep(result: Sweep) -> None:
    column = result.column
    table = Table(title=literal(f"Sweep of {column}"
                                + (f" ({result.target})" if result.target else "")),
                  title_justify="left")
    # the title names the parameter whole; a long name as the header was cut at 80 columns
    first = {"scale": "factor", "add": "added"}.get(result.operation, "value")
    for name in (first, "NPV", "mining grid MW", "HPC grid MW", "idle MW", "EH/s"):
        table.add_column(literal(name), justify="right")
    for x, (_, row) in zip(result.values, result.table.iterrows(), strict=True):
        add_row(
            table, format_value(result.parameter, result.operation, x,
                         abs(result.values[-1] - result.values[0]) / 100),
            _money(float(row["npv_usd"])), f"{float(row['avg_mining_grid_mw']):,.1f}",
            f"{float(row['avg_hpc_grid_mw']):,.1f}", f"{float(row['avg_idle_mw']):,.1f}",
            f"{float(row['avg_fleet_hashrate_ehs']):,.2f}")
    OUT.print(table)
    if result.flips:
        OUT.print("Flip points:", markup=False)
        for flip in result.flips:
            OUT.print(f"  {flip.text}", markup=False)
    else:
        OUT.print("No site or contract changes state across the range.", markup=False)
    if result.mw_changes:
        OUT.print("Material MW changes between steps (5 MW or 10 % of the site's capacity, "
                  "whichever is more):", markup=False)
        for change in result.mw_changes:
            OUT.print(f"  {change.text}", markup=False)


def _monte_carlo(book: Path, samples: int, seed: int, output: Path | None, overwrite: bool,
                 results_only: bool, no_write: bool, as_json: bool, solver: str | None,
                 jobs: int | None, executor_kind: str, scheduler: str | None,
                 folder: FileFormat | None = None) -> None:
    target = output or default_output_path(book, "montecarlo", results_only, folder)
    with library_errors(as_json):
        source, options = read_for(target, book, MONTE_CARLO_SHEET, solver=solver,
                                    write=not no_write, results_only=results_only,
                                    overwrite=overwrite, folder=folder)
        with executor_for(executor_kind, jobs, scheduler) as pool, \
                _progress("Monte Carlo samples") as update:
            result = monte_carlo(source, samples, seed, executor=pool, solver=options,
                                 progress=update)
        written = None
        if not no_write and folder:
            written = write_monte_carlo_tables(result, target, file_format=folder,
                                               overwrite=overwrite)
        elif not no_write:
            written = write_monte_carlo(result, target, source=None if results_only else book,
                                        overwrite=overwrite)
            note_ods_charts(written)
    if as_json:
        click.echo(json.dumps(_monte_carlo_json(result, written), indent=2))
        return
    _print_monte_carlo(result)
    warn(result.warnings)
    if written is not None:
        OUT.print(f"Monte Carlo written to {written}", markup=False)


def _monte_carlo_json(result: MonteCarlo, written: Path | None) -> dict[str, Any]:
    return {
        "samples": len(result.samples), "seed": result.seed, "settings": result.settings,
        "npv_usd": dict(zip(result.summary["statistic"],
                            (float(x) for x in result.summary["npv_usd"]), strict=True)),
        "probability_site_converts": dict(zip(result.sites["site"],
                                              (float(x) for x in
                                               result.sites["probability_converts"]),
                                              strict=True)),
        "probability_contract_taken": dict(zip(result.contracts["contract"],
                                               (float(x) for x in
                                                result.contracts["probability_taken"]),
                                               strict=True)),
        "output": str(written) if written else None,
    }


def _print_monte_carlo(result: MonteCarlo) -> None:
    table = Table(title=literal(f"Monte Carlo: {len(result.samples)} samples, "
                                f"seed {result.seed}"), title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for stat, value in zip(result.summary["statistic"], result.summary["npv_usd"], strict=True):
        add_row(table, f"NPV {stat}", _money(float(value)))
    for site, p in zip(result.sites["site"], result.sites["probability_converts"], strict=True):
        add_row(table, f"P(site {site} converts)", f"{float(p):.0%}")
    for name, p in zip(result.contracts["contract"], result.contracts["probability_taken"],
                       strict=True):
        add_row(table, f"P(contract {name} taken)", f"{float(p):.0%}")
    OUT.print(table)
