"""Write tables as a results folder: one Parquet or CSV file per table and ``metadata.json``.

The folder is made whole or not at all: the files are written into a new temporary folder
beside the target, which is then renamed into place, so a failure leaves nothing
half-written (the temporary folder is removed). An existing target is refused unless it is
an empty folder, or ``overwrite`` is given and it is a results folder this tool wrote (it
holds a ``metadata.json`` of :data:`RESULTS_FORMAT`); a folder with anything else in it, or
a file, is never replaced: nothing of the user's is overwritten.

``metadata.json`` holds the folder's :data:`RESULTS_FORMAT` and :data:`FORMAT_VERSION`, the
tool's version, what was run (``kind``: plan, comparison, sweep or monte_carlo, and its
settings), and per table its file, rows, grain and columns, each column with its type, unit,
label and description (:func:`~allocator.exports.columns.column_metadata`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from allocator._version import __version__
from allocator.errors import OutputError
from allocator.exports.columns import column_metadata
from allocator.exports.tables import Table
from allocator.workbook.temp_files import move_into_place

__all__ = ["FILE_FORMATS", "FORMAT_VERSION", "METADATA_FILE", "RESULTS_FORMAT", "FileFormat",
           "check_folder", "folder_metadata", "read_metadata", "write_tables"]

FileFormat = Literal["parquet", "csv"]
FILE_FORMATS: tuple[FileFormat, ...] = ("parquet", "csv")
METADATA_FILE = "metadata.json"
RESULTS_FORMAT = "fleet-allocator-results"
"""``format`` in every ``metadata.json`` this tool writes; it marks a folder as replaceable."""
FORMAT_VERSION = 1
"""Bumped when a table or column is renamed or removed or a unit changes; adding a table
or a column does not bump it."""


def read_metadata(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The folder's ``metadata.json`` when it is a results folder of this tool, else None."""
    try:
        data = json.loads((Path(folder) / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == RESULTS_FORMAT else None


def check_folder(folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Refuse ``folder`` as a results folder before anything is solved or written.

    Raises:
        OutputError: it is a file; it holds files and ``overwrite`` is false; or it holds
            files but is not a results folder of this tool (never replaced); or its parent
            folder does not exist.
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target} is a file; a results folder is written there only where "
                          "nothing or an empty folder is")
    if target.is_dir() and any(target.iterdir()):
        if read_metadata(target) is None:
            raise OutputError(f"{target} is a folder with files that are not a results folder "
                              f"of this tool (no {METADATA_FILE} of it); it is never replaced: "
                              "choose another -o")
        if not overwrite:
            raise OutputError(f"{target} exists and holds results; pass --overwrite to "
                              "replace it")
    if not target.resolve().parent.is_dir():
        raise OutputError(f"cannot write {target}: folder {target.resolve().parent} does not "
                          "exist")
    return target


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a plain index and any column of mixed objects as text."""
    out = frame.reset_index(drop=True)
    for column in out.columns:
        series = out[column]
        if series.dtype == object and not all(isinstance(v, str) or v is None
                                              for v in series):
            out[column] = series.map(lambda v: None if v is None else str(v)).astype("string")
    return out


def folder_metadata(tables: Sequence[Table], file_format: FileFormat,
                    run: Mapping[str, Any]) -> dict[str, Any]:
    """The ``metadata.json`` content for ``tables`` written as ``file_format`` files."""
    return {
        "format": RESULTS_FORMAT,
        "format_version": FORMAT_VERSION,
        "tool": "fleet-allocator",
        "tool_version": __version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "file_format": file_format,
        **run,
        "tables": {t.name: {
            "file": f"{t.name}.{file_format}",
            "rows": len(t.frame),
            "grain": list(t.grain),
            "description": t.description,
            "columns": [column_metadata(str(c), t.frame[c]) for c in t.frame.columns],
        } for t in tables},
    }


def _write_files(tables: Sequence[Table], into: Path, file_format: FileFormat,
                 run: Mapping[str, Any]) -> None:
    stored = [Table(t.name, _storable(t.frame), t.grain, t.description) for t in tables]
    for table in stored:
        path = into / f"{table.name}.{file_format}"
        if file_format == "parquet":
            table.frame.to_parquet(path, engine="pyarrow", index=False)
        else:
            table.frame.to_csv(path, index=False)
    metadata = folder_metadata(stored, file_format, run)
    (into / METADATA_FILE).write_text(json.dumps(metadata, indent=2, default=str) + "\n",
                                      encoding="utf-8")


def write_tables(tables: Sequence[Table], folder: str | os.PathLike[str], *,
                 file_format: FileFormat = "parquet", overwrite: bool = False,
                 run: Mapping[str, Any] | None = None) -> Path:
    """Write ``tables`` as ``<name>.<file_format>`` files and ``metadata.json`` in ``folder``.

    Args:
        tables: The tables (:mod:`allocator.exports.tables`); names must differ.
        folder: The results folder to make.
        file_format: ``parquet`` or ``csv``.
        overwrite: Replace a results folder this tool wrote earlier.
        run: What was run, written at the top of ``metadata.json`` (``kind``, ...).

    Returns:
        The folder written.

    Raises:
        OutputError: see :func:`check_folder`; or the files cannot be written (then nothing
            is left behind).
    """
    if file_format not in FILE_FORMATS:
        raise OutputError(f"file format must be one of {', '.join(FILE_FORMATS)}, got "
                          f"{file_format!r}")
    names = [t.name for t in tables]
    if len(set(names)) != len(names):
        raise OutputError(f"two tables have the same name: {', '.join(names)}")
    target = check_folder(folder, overwrite=overwrite)
    parent = target.resolve().parent
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc}") from exc
    try:
        _write_files(tables, staging, file_format, run or {})
        move_into_place(staging, target)
    except (OSError, ValueError, ImportError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write {target}: {exc}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
