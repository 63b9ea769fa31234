"""The options several commands share (``--results-only``, ``--format``), declared with click
alone: a command line that uses them parses before anything heavy is loaded, so a usage error
costs no pandas, openpyxl or solver. What the options do is elsewhere
(:mod:`allocator.cli.formats`, :mod:`allocator.cli.outputs`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["RESULTS_ONLY", "TABLE_FORMATS", "WORKBOOK", "format_option", "results_only_options"]

F = TypeVar("F", bound=Callable[..., Any])

RESULTS_ONLY = "--results-only"
"""The flag that writes the result sheets alone, not into a copy of BOOK (every command)."""

WORKBOOK = "xlsx"
"""The ``--format`` that writes a workbook (the default)."""

TABLE_FORMATS = ("parquet", "csv")
"""The ``--format`` values that write a folder of tables: those of
:data:`allocator.exports.folder.FILE_FORMATS` (a test keeps the two the same), named here so
that declaring the option loads no pandas."""


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
