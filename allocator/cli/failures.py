"""The library-error boundary every command shares: ``Error: ...`` on stderr and exit code 1.

An input error is shown with at most :data:`MAX_REPORT_LINES` problems and a count of the
rest; ``InputError.problems`` keeps them all. Under ``--json`` an error is also printed on
stdout as one JSON object (the same problems, each with its cell), so a script reading stdout
never gets plain text; the exit code does not change. The text is printed as it is (click
alone, no rich): no markup, no emoji codes, and ``allocator validate`` does not wait for rich.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from allocator.cli.json_errors import error_json
from allocator.errors import AllocatorError, InputError

__all__ = ["MAX_REPORT_LINES", "error_text", "library_errors"]

MAX_REPORT_LINES = 50
"""Problems an input error shows on the terminal; a 5 M-cell sheet once printed 499,000."""


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
        click.echo(error_text(exc), err=True)
        if as_json:
            problems = exc.problems if isinstance(exc, InputError) else ()
            message = str(exc).partition("\n")[0] if problems else str(exc)
            click.echo(error_json(message, 1, type(exc).__name__, problems))
        sys.exit(1)
