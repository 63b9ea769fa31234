"""What the multi-solve commands share (compare, sweep, stochastic): their options, the
output they write by default, reading the book with its output checked before any solve,
the executor asked for, and the result's warnings. No solving, no rendering here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from allocator.cli.common import ERR, output_suffix, warn_about_solver
from allocator.cli.formats import check_data_output, data_output
from allocator.cli.options import RESULTS_ONLY, format_option
from allocator.cli.outputs import check_output
from allocator.documents.fleet_document import FleetDocument, read_fleet_source
from allocator.exports.folder import FileFormat
from allocator.optimization.solvers import SolverOptions
from allocator.scenarios.executors import EXECUTORS, Executor, make_executor
from allocator.workbook.reader import FleetWorkbook

__all__ = ["default_output_path", "executor_for", "read_for", "run_options", "warn"]

F = Callable[..., Any]


def read_for(target: Path, book: Path, sheet: str, *, solver: str | None, write: bool,
              results_only: bool, overwrite: bool, folder: FileFormat | None = None
              ) -> tuple[FleetWorkbook | FleetDocument, SolverOptions]:
    """Read ``book``, check the output (a workbook, or a results ``folder``) before any
    solve, and choose the solver."""
    source = read_fleet_source(book)
    if write and folder:
        check_data_output(target, overwrite=overwrite)
    elif write:
        check_output(target, None if results_only else book, overwrite=overwrite,
                     sheets=[sheet])
    options = SolverOptions(name=solver or source.fleet.settings.solver)
    warn_about_solver(options.name)
    return source, options


def default_output_path(book: Path, kind: str, results_only: bool, folder: FileFormat | None = None
            ) -> Path:
    """``fleet.xlsx`` -> ``fleet.<kind>.xlsx`` beside it (``.xlsm`` and ``.ods`` copies keep
    theirs), or the results folder ``fleet.<kind>-parquet``."""
    if folder:
        return data_output(book, kind, folder)
    return book.with_name(f"{book.stem}.{kind}{output_suffix(book, results_only)}")


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
        click.option("--executor", "executor_kind", type=click.Choice(EXECUTORS),
                     default="auto", show_default=True,
                     help="Where solves run: local processes, serial, or a Dask cluster."),
        click.option("--scheduler", metavar="ADDRESS",
                     help="Dask scheduler address (implies --executor dask; needs the extra "
                          "fleet-allocator[dask]). Without it, dask starts a local cluster."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def executor_for(kind: str, jobs: int | None, scheduler: str | None) -> Executor:
    """The executor ``--executor``, ``--jobs`` and ``--scheduler`` ask for.

    Raises:
        click.UsageError: options that contradict each other.
    """
    if scheduler and kind not in ("auto", "dask"):
        raise click.UsageError(f"--scheduler needs --executor dask, not {kind}")
    if jobs is not None and kind == "serial" and jobs != 1:
        raise click.UsageError("--executor serial runs one solve at a time; drop --jobs")
    return make_executor(kind, jobs=jobs, scheduler=scheduler)


def warn(warnings: tuple[str, ...]) -> None:
    """Each of a result's warnings on stderr."""
    for w in warnings:
        ERR.print(f"Warning: {w}", markup=False)
