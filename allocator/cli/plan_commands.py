"""The command lines of ``optimize``, ``explain`` and ``template``: arguments, options and
help, declared with click alone; what the commands do is :mod:`allocator.cli.plan`.

click parses a command line before it calls the command, so a usage error here (an unknown
option, a missing BOOK) is reported having loaded click and nothing heavy; only a command
line that parses reaches :func:`allocator.cli.main.run`, which imports
:mod:`allocator.cli.plan` (pandas, openpyxl, the solver) and calls its ``run_<command>`` with
the parsed values. ``tests/cli/test_cli_imports.py`` checks both halves stay in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from allocator.cli.main import run
from allocator.cli.options import format_option, results_only_options

__all__ = ["explain", "optimize", "template"]


@click.command()
@click.argument("book", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path),
              help="Workbook to write (default: BOOK with .plan before the suffix); with "
                   "--format parquet or csv the folder (default: BOOK.plan-parquet beside "
                   "it).")
@click.option("--solver", help="Solver: highs (default), cbc, glpk or any installed PuLP solver.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
              help="Give up after this many seconds.")
@click.option("--accept-incumbent", is_flag=True, help="With --time-limit: keep the best plan "
              "found so far (status time_limit) instead of failing.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists (atomically).")
@results_only_options
@format_option
@click.option("--json", "as_json", is_flag=True, help="Print the headline figures as JSON.")
@click.option("--no-write", is_flag=True, help="Solve and print, write no workbook.")
@click.option("--relax", "relax_", is_flag=True,
              help="When no plan is feasible, also print the changes that make it feasible, "
                   "each checked by re-solving the plan with it.")
@click.option("--insight/--no-insight", default=False,
              help="Add breakevens, contract values and flip rates, checked shadow values and "
                   "a Sensitivity sheet with a tornado chart (re-solves; about 1 s for the "
                   "sample fleet, longer for large fleets).")
def optimize(**values: Any) -> None:
    """Optimize BOOK and write the plan as new sheets in a copy of it.

    Example: allocator optimize fleet.xlsx -o fleet.plan.xlsx --solver highs --insight
    """
    run("optimize", values)


@click.command()
@click.argument("book", type=click.Path(exists=True, path_type=Path))
@click.option("--relax", "relax_", is_flag=True,
              help="Also print the changes that make the plan feasible, each checked by "
                   "re-solving the plan with it.")
def explain(**values: Any) -> None:
    """Say in plain words why BOOK has no feasible plan; exit 1 when it has none.

    Example: allocator explain sample_inputs/infeasible.xlsx --relax
    """
    run("explain", values)


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
def template(**values: Any) -> None:
    """Write a blank fleet workbook with every sheet, unit notes and dropdowns.

    Example: allocator template my_fleet.xlsx
    """
    run("template", values)
