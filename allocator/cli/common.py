"""The rich consoles and literal text the commands share; no command logic.

User text (site, contract and scenario names, messages) is never read as rich markup: a name
such as ``AI Lab [/]`` would raise ``MarkupError`` and ``[red]`` would vanish, so tables take
:func:`literal` cells and messages print with ``markup=False``. A library error is shown by
:func:`allocator.cli.failures.library_errors`. An output is checked before anything is solved
(:func:`allocator.cli.outputs.check_output`). Nothing here loads pandas, openpyxl or a
solver; ``validate``, which prints no table, does not load this module (nor rich) at all. The
library never imports this module.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from allocator.optimization.solvers import solver_notice

__all__ = ["ERR", "ODS_CHART_NOTE", "OUT", "add_row", "literal", "note_ods_charts",
           "output_suffix", "warn_about_solver"]

ODS_CHART_NOTE = ("charts are not written to .ods files; every table is there, and a sheet "
                  "that holds only a chart in .xlsx output says where its figures are "
                  "(--results-only -o NAME.xlsx writes the charts)")
"""What :func:`note_ods_charts` prints after writing an .ods output."""

OUT = Console(highlight=False, soft_wrap=True)
ERR = Console(stderr=True, highlight=False, soft_wrap=True)


def output_suffix(book: Path, results_only: bool = False) -> str:
    """The suffix of a command's default output for ``book``: a copy keeps the book's own
    (``.xlsm`` with its macros, ``.ods`` for LibreOffice); results alone are ``.xlsx``."""
    suffix = book.suffix.lower()
    return suffix if suffix in (".xlsm", ".ods") and not results_only else ".xlsx"


def note_ods_charts(written: Path | None) -> None:
    """Say on stderr that an .ods output has its tables but not the charts an .xlsx has."""
    if written is not None and written.suffix.lower() == ".ods":
        ERR.print(f"Note: {ODS_CHART_NOTE}", markup=False)


def literal(text: object) -> Text:
    """``text`` as rich text that is printed as it is, brackets and all (never markup)."""
    return Text(str(text))


def add_row(table: Table, *cells: object) -> None:
    """Add a row of literal cells to ``table``."""
    table.add_row(*(literal(cell) for cell in cells))


def warn_about_solver(name: str) -> None:
    """Say once, on stderr, what the user should know about the solver ``name`` here."""
    note = solver_notice(name)
    if note:
        ERR.print(f"Warning: {note}", markup=False)
