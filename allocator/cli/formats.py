"""``--format xlsx|parquet|csv``: the option the result-writing commands share, and where a
results folder goes by default; no command logic here.

``xlsx`` (the default) writes a workbook as before; ``parquet`` and ``csv`` write a folder of
tables with a ``metadata.json`` (:mod:`allocator.exports`), ``fleet.plan-parquet`` beside
``fleet.xlsx`` unless ``-o`` names another. The folder is checked before anything is solved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from allocator.exports.folder import FILE_FORMATS, FileFormat, check_folder

__all__ = ["WORKBOOK", "check_data_output", "data_format", "data_output", "format_option"]

F = TypeVar("F", bound=Callable[..., Any])

WORKBOOK = "xlsx"
"""The ``--format`` that writes a workbook (the default)."""


def format_option(fn: F) -> F:
    """The ``--format`` option (``out_format``): ``xlsx``, ``parquet`` or ``csv``."""
    return click.option(
        "--format", "out_format", type=click.Choice([WORKBOOK, *FILE_FORMATS]),
        default=WORKBOOK, show_default=True,
        help="xlsx: a workbook; parquet or csv: a folder of tables (one file per table, "
             "a scenario column where there are several) with metadata.json giving every "
             "column's unit.")(fn)


def data_format(out_format: str) -> FileFormat | None:
    """The file format of a results folder, or None for a workbook."""
    return "parquet" if out_format == "parquet" else "csv" if out_format == "csv" else None


def data_output(book: Path, kind: str, file_format: FileFormat) -> Path:
    """``fleet.xlsx`` -> the folder ``fleet.<kind>-<file_format>`` beside it."""
    return book.with_name(f"{book.stem}.{kind}-{file_format}")


def check_data_output(target: Path, *, overwrite: bool) -> Path:
    """Refuse a results folder that may not be written, before any solve.

    Raises:
        OutputError: see :func:`allocator.exports.folder.check_folder`.
    """
    return check_folder(target, overwrite=overwrite)
