"""The consoles, literal text and library-error boundary the commands share; no command logic.

User text (site, contract and scenario names, messages) is never read as rich markup: a name
such as ``AI Lab [/]`` would raise ``MarkupError`` and ``[red]`` would vanish, so tables take
:func:`literal` cells and messages print with ``markup=False``. An input error is shown with
at most :data:`MAX_REPORT_LINES` problems and a count of the rest; ``InputError.problems``
keeps them all. The library never imports this module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table
from rich.text import Text

from allocator.errors import AllocatorError, InputError

__all__ = ["ERR", "MAX_REPORT_LINES", "OUT", "add_row", "error_text", "library_errors",
           "literal"]

OUT = Console(highlight=False, soft_wrap=True)
ERR = Console(stderr=True, highlight=False, soft_wrap=True)

MAX_REPORT_LINES = 50
"""Problems an input error shows on the terminal; a 5 M-cell sheet once printed 499,000."""


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
def library_errors() -> Iterator[None]:
    """Turn the library's errors into one message on stderr and exit code 1."""
    try:
        yield
    except AllocatorError as exc:
        ERR.print(error_text(exc), markup=False)
        sys.exit(1)
