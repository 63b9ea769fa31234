"""The consoles, literal text and library-error boundary the commands share; no command logic.

User text (site, contract and scenario names, messages) is never read as rich markup: a name
such as ``AI Lab [/]`` would raise ``MarkupError`` and ``[red]`` would vanish, so tables take
:func:`literal` cells and messages print with ``markup=False``. An input error is shown with
at most :data:`MAX_REPORT_LINES` problems and a count of the rest; ``InputError.problems``
keeps them all. Under ``--json`` an error is also printed on stdout as one JSON object (the
same problems, each with its cell), so a script reading stdout never gets plain text; the
exit code does not change. An output is checked before anything is solved
(:func:`allocator.cli.outputs.check_output`). Nothing here loads pandas, openpyxl or a
solver, so a command that needs none of them (``validate``) starts quickly. The library never
imports this module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from allocator.cli.json_errors import error_json
from allocator.errors import AllocatorError, InputError
from allocator.optimization.solvers import solver_notice

__all__ = ["ERR", "MAX_REPORT_LINES", "ODS_CHART_NOTE", "OUT", "add_row",
           "error_json", "error_text", "library_errors", "literal",
           "note_ods_charts", "output_suffix", "warn_about_solver"]

ODS_CHART_NOTE = ("charts are not written to .ods files; every table is there, and a sheet "
                  "that holds only a chart in .xlsx output says where its figures are "
                  "(--results-only -o NAME.xlsx writes the charts)")
"""What :func:`note_ods_charts` prints after writing an .ods output."""

OUT = Console(highlight=False, soft_wrap=True)
ERR = Console(stderr=True, highlight=False, soft_wrap=True)

MAX_REPORT_LINES = 50
"""Problems an input error shows on the terminal; a 5 M-cell sheet once printed 499,000."""


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


def error_text(exc: AllocatorError) -> str:
    """``Error: ...`` for ``exc``; an input error with at most :data:`MAX_REPORT_LINES` problems.

    The rest are counted on a last line, never dropped silently.
    """
    if not isinstance(exc, InputError) or len(exc.problems) <= MAX_REPORT_LINES:
        return f"Error: {exc}"
    head = str(exc).partition("\n")[0]
    shown = [f"  {problem}" for problem in exc.problems[:MAX_REPORT_LINES]]
    rest = len(exc.problems) - MAX_REPORT_LINES
    more = (f"  ... and {rest:,} more problem{'s' if rest != 1 else ''} "
            f"(the first {MAX_REPORT_LINES} are shown; fix these and run again)")
    return "\n".join(["Error: " + head, *shown, more])


@contextmanager
def library_errors(as_json: bool = False) -> Iterator[None]:
    """Turn the library's errors into one message on stderr and exit code 1.

    With ``as_json`` the error is printed on stdout as JSON too (:func:`error_json`).
    """
    try:
        yield
    except AllocatorError as exc:
        ERR.print(error_text(exc), markup=False)
        if as_json:
            problems = exc.problems if isinstance(exc, InputError) else ()
            message = str(exc).partition("\n")[0] if problems else str(exc)
            click.echo(error_json(message, 1, type(exc).__name__, problems))
        sys.exit(1)


def warn_about_solver(name: str) -> None:
    """Say once, on stderr, what the user should know about the solver ``name`` here."""
    note = solver_notice(name)
    if note:
        ERR.print(f"Warning: {note}", markup=False)
