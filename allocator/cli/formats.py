"""``--format xlsx|parquet|csv`` (declared in :mod:`allocator.cli.options`): what it means,
and where a results folder goes by default; no command logic here.

``xlsx`` (the default) writes a workbook as before; ``parquet`` and ``csv`` write a folder of
tables with a ``metadata.json`` (:mod:`allocator.exports`), ``fleet.plan-parquet`` beside
``fleet.xlsx`` unless ``-o`` names another. The folder is checked before anything is solved.
"""

from __future__ import annotations

from pathlib import Path

from allocator.exports.folder import FileFormat, check_folder

__all__ = ["check_data_output", "data_format", "data_output"]


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
