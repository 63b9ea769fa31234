"""The options several commands share (``--results-only``, ``--format``, the multi-solve
commands' :func:`run_options`) and the defaults they show, declared with click alone: a
command line that uses them parses before anything heavy is loaded, so a usage error costs no
pandas, openpyxl or solver. What the options do is elsewhere (:mod:`allocator.cli.formats`,
:mod:`allocator.cli.outputs`, :mod:`allocator.cli.solving`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["CVAR_ALPHA", "EXECUTOR_CHOICES", "FRONTIER_WEIGHTS", "OPERATION_CHOICES",
           "RESULTS_ONLY", "SWEEP_STEPS", "TABLE_FORMATS", "WORKBOOK", "format_option",
           "results_only_options", "run_options"]

F = TypeVar("F", bound=Callable[..., Any])

RESULTS_ONLY = "--results-only"
"""The flag that writes the result sheets alone, not into a copy of BOOK (every command)."""

WORKBOOK = "xlsx"
"""The ``--format`` that writes a workbook (the default)."""

TABLE_FORMATS = ("parquet", "csv")
"""The ``--format`` values that write a folder of tables: those of
:data:`allocator.exports.folder.FILE_FORMATS` (a test keeps the two the same), named here so
that declaring the option loads no pandas."""


OPERATION_CHOICES = ("set", "scale", "add")
"""``sweep --operation``: :data:`allocator.scenarios.parameters.OPERATIONS` (a test keeps them
the same)."""

SWEEP_STEPS = 11
"""``sweep --steps`` by default: :data:`allocator.scenarios.sweep.DEFAULT_STEPS`."""

CVAR_ALPHA = 0.05
"""``stochastic --alpha`` by default: :data:`allocator.stochastic.measures.DEFAULT_ALPHA`."""

FRONTIER_WEIGHTS = "0,0.25,0.5,0.75,1"
"""``stochastic --frontier`` by default: the CVaR weights of the risk frontier."""

EXECUTOR_CHOICES = ("auto", "serial", "processes", "dask")
"""``--executor``: :data:`allocator.scenarios.executors.EXECUTORS`."""


def results_only_options(fn: F) -> F:
    """``--results-only``, and the hidden ``--plan-only`` older scripts use for it."""
    fn = click.option("--plan-only", "plan_only", is_flag=True, hidden=True,
                      help="Old name of --results-only.")(fn)
    return click.option(RESULTS_ONLY, "results_only", is_flag=True,
                        help="Write only the result sheets, not a copy of BOOK with them "
                             "added.")(fn)


def format_option(fn: F) -> F:
    """The ``--format`` option (``out_format``): ``xlsx``, ``parquet`` or ``csv``."""
    return click.option(
        "--format", "out_format", type=click.Choice([WORKBOOK, *TABLE_FORMATS]),
        default=WORKBOOK, show_default=True,
        help="xlsx: a workbook; parquet or csv: a folder of tables (one file per table, "
             "a scenario column where there are several) with metadata.json giving every "
             "column's unit.")(fn)


def run_options(fn: F) -> F:
    """Options every multi-solve command shares: executor, jobs, scheduler, solver, output."""
    options = [
        click.option("-o", "--output", type=click.Path(path_type=Path),
                     help="Workbook to write (default: beside BOOK, see above), or the "
                          "folder with --format parquet or csv."),
        format_option,
        click.option("--overwrite", is_flag=True,
                     help="Replace OUTPUT if it exists (atomically)."),
        click.option(RESULTS_ONLY, "results_only", is_flag=True,
                     help="Write only the result sheets, not a copy of BOOK with them added."),
        click.option("--no-write", is_flag=True, help="Solve and print, write no workbook."),
        click.option("--json", "as_json", is_flag=True, help="Print the results as JSON."),
        click.option("--solver",
                     help="Solver: highs (default), cbc, glpk or any installed PuLP solver."),
        click.option("-j", "--jobs", type=click.IntRange(min=1),
                     help="Solves at once on local processes (default: all cores; 1 = serial)."),
        click.option("--executor", "executor_kind", type=click.Choice(EXECUTOR_CHOICES),
                     default="auto", show_default=True,
                     help="Where solves run: local processes, serial, or a Dask cluster."),
        click.option("--scheduler", metavar="ADDRESS",
                     help="Dask scheduler address (implies --executor dask; needs the extra "
                          "fleet-allocator[dask]). Without it, dask starts a local cluster."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn
