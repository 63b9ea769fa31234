"""The fleet as a folder of CSV files named like the sheets: ``Settings.csv``, ``Sites.csv``, ...

Each file holds its sheet as the workbook does, header row first (``Settings.csv``: ``key,
value`` rows). The cells are read as the text they are and laid out as the sheets, so the
workbook reader's own code checks them (it reads ``300``, ``2%``, ``yes`` and ``2026-01`` in
text as it does in a cell) and every fault is told at once by file, line and column:
``Sites.csv:5.capacity_mw: must be > 0 (got '-5')`` (line 1 is the header). A file not named
like an input sheet is a warning. :func:`write_csv_folder` writes such a folder, whole or not
at all.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allocator.documents.paths import at_path
from allocator.errors import InputError, OutputError, Problem
from allocator.workbook.cells import address_order
from allocator.workbook.scans import SheetFacts
from allocator.workbook.schema import INPUT_SHEETS, SheetSpec
from allocator.workbook.tables import HEADER_ROW, LoadedSheets, Rows
from allocator.workbook.temp_files import move_into_place

__all__ = ["CSV_FOLDER", "CsvSheets", "csv_file", "lay_out_csv_folder", "write_csv_folder"]

CSV_FOLDER = "folder"
"""``Problem.sheet`` of a fault in the folder as a whole (missing, unreadable)."""

_SPECS: dict[str, SheetSpec] = {f"{spec.name}.csv".lower(): spec for spec in INPUT_SHEETS}


def csv_file(spec: SheetSpec) -> str:
    """The file of sheet ``spec``: ``PowerPrices`` -> ``PowerPrices.csv``."""
    return f"{spec.name}.csv"


@dataclass
class _CsvLayout:
    """Which file each laid-out sheet came from, to tell a fault by file, line and column."""

    headers: dict[str, list[str]] = field(default_factory=dict)
    """Sheet name -> its file's header, in column order."""
    files: dict[str, str] = field(default_factory=dict)
    """Sheet name -> the file's name as found in the folder."""
    settings: dict[int, str] = field(default_factory=dict)
    """Settings.csv line -> the setting it gives (a fault is told by the setting's name)."""

    def path_of(self, problem: Problem) -> Problem:
        """``problem`` at ``Sites.csv:5.capacity_mw`` instead of ``Sites!B5``."""
        name = self.files.get(problem.sheet)
        if name is None:
            return problem
        if problem.cell is None:
            return dataclasses.replace(problem, sheet=name)
        if problem.cell == HEADER_ROW:
            return dataclasses.replace(problem, sheet=f"{name}:1", cell=None, column=None)
        row, column = address_order(problem.cell)
        headers = self.headers.get(problem.sheet, [])
        header = headers[column - 1] if 0 < column <= len(headers) else None
        if problem.sheet == "Settings":
            header = self.settings.get(row, header)
        return at_path(problem, f"{name}:{row}", header)

    def warning(self, line: str) -> str:
        """A reader's ``Sheet!Cell: message`` warning told by file and line."""
        sheet, bang, rest = line.partition("!")
        cell, colon, message = rest.partition(": ")
        if not bang or not colon or sheet not in self.files:
            return line
        return str(self.path_of(Problem(sheet, message, cell=cell)))


@dataclass
class CsvSheets:
    """The sheets a CSV folder stands for, with the faults of its shape (a ``LaidOut``)."""

    sheets: LoadedSheets = field(default_factory=dict)
    layout: _CsvLayout = field(default_factory=_CsvLayout)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    scenario_rows: tuple[dict[str, Any], ...] = ()


def _rows(text: str) -> Rows:
    """The file's rows; a blank cell is None, every other cell its text."""
    return [[cell if cell.strip() else None for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""))]


def lay_out_csv_folder(folder: str | os.PathLike[str]) -> tuple[CsvSheets, str]:
    """The sheets of the CSV folder at ``folder`` and the SHA-256 of its files.

    Raises:
        InputError: the folder cannot be read.
    """
    source = Path(folder)
    laid = CsvSheets()
    digest = hashlib.sha256()
    try:
        files = sorted(p for p in source.iterdir() if p.is_file())
        texts = {p.name: p.read_bytes() for p in files if p.suffix.lower() == ".csv"}
    except OSError as exc:
        raise InputError([Problem(CSV_FOLDER, f"cannot read {source}: {exc}")],
                         source=str(source)) from exc
    for name, data in texts.items():
        digest.update(name.encode() + b"\0" + data + b"\0")
        spec = _SPECS.get(name.lower())
        if spec is None:
            known = ", ".join(csv_file(s) for s in INPUT_SHEETS)
            laid.warnings.append(f"{name}: not a sheet of a fleet, ignored; the files are "
                                 f"{known}")
            continue
        try:
            rows = _rows(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, csv.Error) as exc:
            laid.problems.append(Problem(name, f"cannot read as UTF-8 CSV: {exc}"))
            continue
        laid.layout.files[spec.name] = name
        laid.layout.headers[spec.name] = [str(h or "") for h in (rows[0] if rows else [])]
        laid.sheets[spec.name] = (spec.name, rows, SheetFacts())
        if spec.key_value:
            laid.layout.settings = {n: str(r[0]) for n, r in enumerate(rows, start=1)
                                    if n > 1 and r and r[0] is not None}
        if spec.name == "Scenarios" and rows:
            header = [str(h or "") for h in rows[0]]
            laid.scenario_rows = tuple({h: v for h, v in zip(header, row, strict=False)
                                        if h and v is not None} for row in rows[1:])
    if not laid.sheets and not laid.problems:
        known = ", ".join(csv_file(s) for s in INPUT_SHEETS)
        laid.problems.append(Problem(source.name or str(source), "is a folder without the "
                                     f"CSVs of a fleet's sheets ({known}); a fleet is a "
                                     "workbook, a .yaml or .json document or such a folder"))
        return laid, digest.hexdigest()
    for spec in INPUT_SHEETS:
        if spec.required and spec.name not in laid.sheets:
            laid.problems.append(Problem(csv_file(spec), f"is required: {spec.description}"))
    return laid, digest.hexdigest()


def _text(value: object) -> str:
    """A cell's value as CSV text: blank, yes/no, a month or date, a number that reads back
    exactly (``repr``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _csv_text(rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return out.getvalue()


def write_csv_folder(sheets: Mapping[str, Sequence[Sequence[object]]],
                     folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write each sheet's rows (header first) as ``<sheet>.csv`` in a new ``folder``.

    The files are written into a temporary folder beside it, then renamed into place. An
    existing folder is replaced only with ``overwrite``, and only when it holds nothing but
    sheet CSVs.

    Raises:
        OutputError: ``folder`` is a file, holds other files, exists without
            ``overwrite``, or cannot be written (nothing is left behind then).
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target} is a file; a folder of sheet CSVs goes where nothing is")
    old = sorted(p.name for p in target.iterdir()) if target.is_dir() else []
    if old and any(name.lower() not in _SPECS for name in old):
        raise OutputError(f"{target} holds files other than sheet CSVs; it is never replaced")
    if old and not overwrite:
        raise OutputError(f"{target} exists; pass --overwrite to replace it")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp",
                                        dir=target.resolve().parent))
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc}") from exc
    try:
        for name, rows in sheets.items():
            (staging / f"{name}.csv").write_text(_csv_text(rows), encoding="utf-8")
        move_into_place(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write {target}: {exc}") from exc
    return target
