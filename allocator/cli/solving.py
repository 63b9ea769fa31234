"""What the multi-solve commands share (compare, sweep, stochastic): the
output they write by default, reading the book with its output checked before any solve,
the executor asked for, and the result's warnings. No solving, no rendering here.
"""

from __future__ import annotations

from pathlib import Path

import click

from allocator.cli.common import ERR, output_suffix, warn_about_solver
from allocator.cli.formats import check_data_output, data_output
from allocator.cli.outputs import check_output
from allocator.documents.fleet_document import FleetDocument, read_fleet_source
from allocator.exports.folder import FileFormat
from allocator.optimization.solvers import SolverOptions
from allocator.scenarios.executors import Executor, make_executor
from allocator.workbook.reader import FleetWorkbook

__all__ = ["default_output_path", "executor_for", "read_for", "warn"]

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
