"""Save workbooks atomically and write result sheets into a copy of the source; no formatting.

A workbook is saved through temporary files in the target's folder and renamed into place, so
a reader never sees a half-written file and a failed save leaves the target as it was; the
stale temporary files of killed runs are removed first (:mod:`allocator.workbook.temp_files`).
An existing target is replaced only with ``overwrite``; the input workbook itself never.

Result sheets are written by openpyxl into a workbook of their own (:func:`start_workbook`)
and, when there is a source, added to a byte-for-byte copy of it
(:mod:`allocator.workbook.copy_merge`): the user's parts are never re-serialized, so formulas
keep their saved values and nothing openpyxl does not model is lost. Every result sheet carries
a marker (:data:`~allocator.workbook.copy_losses.MARK_NAME`); an earlier run's marked result
sheets are replaced, a user's own sheet of the same name as a result sheet is refused, never
replaced, and a source the copy cannot carry (:func:`~allocator.workbook.copy_losses.source_losses`)
is refused before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName

from allocator.errors import InputError, OutputError
from allocator.workbook.bulk_rows import StreamedTable, stream_tables
from allocator.workbook.copy_losses import (
    MARK_NAME,
    mark_value,
    own_sheets,
    sheet_list,
    source_losses,
)
from allocator.workbook.copy_merge import CopyPlan, merge_copy
from allocator.workbook.guards import check_file
from allocator.workbook.ods_writer import ods_copy_facts, write_ods
from allocator.workbook.parts import ZIP_ERRORS, open_package
from allocator.workbook.schema import RESULT_SHEETS, sheet_key
from allocator.workbook.temp_files import TempFiles, remove_stale_temps

__all__ = ["ResultBook", "exists_error", "save_result", "save_workbook", "start_workbook"]


@dataclass(frozen=True)
class ResultBook:
    """The workbook result sheets are written into, and the source they will be copied into.

    Attributes:
        workbook: A new openpyxl workbook; every sheet added to it is a result sheet.
        copy: The checked source to add them to, or ``None`` for a results-only file.
        sheets: The names of the sheets the writer declared it will add.
    """

    workbook: Workbook
    copy: CopyPlan | None
    sheets: tuple[str, ...]


def save_workbook(wb: Workbook, path: str | Path, *, overwrite: bool = False,
                  stream: Sequence[StreamedTable] = ()) -> Path:
    """Save ``wb`` to ``path`` through a temporary file in the same folder, then rename it.

    A reader never sees a half-written file, and a failed save leaves ``path`` as it was.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is false, the folder is missing or not
            writable, or ``path`` is locked by another program.
    """
    def produce(temps: TempFiles) -> Path:
        tmp = temps.new()
        wb.save(str(tmp))
        if not stream:
            return tmp
        with open_package(tmp) as saved:
            parts = saved.sheet_parts()
        dest = temps.new()
        stream_tables(tmp, dest, stream, parts)
        return dest

    return _save(Path(path), produce, overwrite=overwrite)


def save_result(book: ResultBook, path: str | Path, *, active: str, overwrite: bool = False,
                stream: Sequence[StreamedTable] = ()) -> Path:
    """Save the result sheets of ``book`` to ``path``: into a copy of its source, or alone.

    Args:
        book: From :func:`start_workbook`, with the result sheets written.
        path: The target checked by :func:`start_workbook`.
        active: The sheet the file opens on (in a copy: unless a user's sheet is selected).
        overwrite: Whether ``path`` may be replaced.
        stream: Long tables to stream into their sheets (:mod:`allocator.workbook.bulk_rows`).

    Raises:
        OutputError: as :func:`save_workbook`; the source cannot be copied.
        ValueError: a sheet was added that the writer did not declare to :func:`start_workbook`.
    """
    wb, target = book.workbook, Path(path)
    declared = {sheet_key(name) for name in book.sheets}
    undeclared = [ws.title for ws in wb.worksheets if sheet_key(ws.title) not in declared]
    if undeclared:
        raise ValueError(f"result sheets {undeclared} were not declared to start_workbook")
    for ws in wb.worksheets:
        ws.defined_names[MARK_NAME] = DefinedName(MARK_NAME, attr_text=mark_value(ws.title),
                                                  hidden=True)
    copy = book.copy
    if target.suffix.lower() == ".ods":
        return _save_ods(wb, target, copy, overwrite=overwrite, stream=stream)
    if copy is None:
        return save_workbook(wb, target, overwrite=overwrite, stream=stream)
    if _same_file(target, copy.source):
        raise _input_itself(target)

    def produce(temps: TempFiles) -> Path:
        tmp = temps.new()
        wb.save(str(tmp))
        dest = temps.new()
        try:
            merge_copy(copy, tmp, dest, active=active, stream=stream)
        except OSError:
            raise  # writing failed: reported as such by _save
        except InputError as exc:  # the walker refused a part of the source
            raise OutputError(f"Cannot copy {copy.source}: {exc.problems[0].message}") from exc
        except (KeyError, *ZIP_ERRORS) as exc:  # a part of the source cannot be edited
            raise OutputError(f"Cannot copy {copy.source}: {exc}") from exc
        return dest

    return _save(target, produce, overwrite=overwrite)


def _save_ods(wb: Workbook, target: Path, copy: CopyPlan | None, *, overwrite: bool,
              stream: Sequence[StreamedTable]) -> Path:
    """Save the result sheets of ``wb`` as the .ods ``target``: into a copy of ``copy``'s
    source (:mod:`allocator.workbook.ods_writer`), or alone."""
    if copy is not None and _same_file(target, copy.source):
        raise _input_itself(target)

    def produce(temps: TempFiles) -> Path:
        dest = temps.new()
        source = None if copy is None else copy.source
        try:
            write_ods(wb, dest, source=source, dropped=copy.dropped if copy else frozenset(),
                      stream=stream)
        except OSError:
            raise  # writing failed: reported as such by _save
        except (ValueError, KeyError, *ZIP_ERRORS) as exc:  # the source cannot be edited
            raise OutputError(f"Cannot copy {source}: {exc}") from exc
        return dest

    return _save(target, produce, overwrite=overwrite)


def _save(target: Path, produce: Callable[[TempFiles], Path], *, overwrite: bool) -> Path:
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"Cannot write {target}: folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"Cannot write {target}: it is a folder")
    if target.exists() and not overwrite:
        raise exists_error(target)
    remove_stale_temps(folder)
    with TempFiles(target) as temps:
        try:
            final = produce(temps)
            if target.exists():
                # Keep the replaced file's permission bits (e.g. group-writable shared folders).
                with contextlib.suppress(OSError):
                    shutil.copymode(target, final)
        except OSError as exc:
            raise OutputError(f"Cannot write {target}: {_reason(exc)}") from exc
        if temps.must_release_before_rename():
            temps.release()
        _move_into_place(final, target, overwrite=overwrite)
    return target


# ----------------------------------------------------------------------------- source copying


def start_workbook(path: str | Path, source: str | Path | None, *, sheets: Sequence[str],
                   overwrite: bool = False, separate: str = "--results-only") -> ResultBook:
    """The workbook to write result sheets into, and the checked source to copy them into.

    The target is checked first (exists without ``overwrite``, suffix, the source itself).
    The source is checked next: the guards, what a copy could not carry, and a user's own
    sheet named like one of ``sheets`` (refused, never replaced). The tool's earlier result
    sheets (known by their marker) named like ``sheets`` or any result sheet are replaced.

    Args:
        path: Where the result will be saved.
        source: Input workbook to copy, or ``None`` for a results-only workbook.
        sheets: Every sheet the caller will add.
        overwrite: Whether ``path`` may be replaced.
        separate: The command-line flag that writes results alone, named in errors.

    Raises:
        OutputError: the target or the source is refused (see
            :func:`~allocator.workbook.writer.write_plan`).
    """
    target = Path(path)
    src = Path(source) if source is not None else None
    _check_target(target, src, overwrite=overwrite, separate=separate)
    wb = Workbook()
    wb.remove(wb.active)
    copy = None if src is None else _plan_copy(src, sheets, separate)
    return ResultBook(wb, copy, tuple(sheets))


def _plan_copy(source: Path, sheets: Sequence[str], separate: str) -> CopyPlan:
    """Check ``source`` for copying and find the earlier result sheets to drop.

    The reader's guards run first (size, zip bomb, DTD), so a library call that writes into
    a workbook it never read is as safe as the command line.
    """
    try:
        check_file(source)
    except InputError as exc:
        raise OutputError(f"Cannot copy {source}: {exc.problems[0].message}") from exc
    names, ours = _source_sheets(source, separate)
    written = {sheet_key(n) for n in sheets}
    clash = [n for n in names if sheet_key(n) in written and n not in ours]
    if clash:
        raise OutputError(
            f"Cannot write the results into a copy of {source.name}: its sheet "
            f"{', '.join(repr(n) for n in clash)} would be replaced by plan output, and it is "
            f"the workbook's own, not an earlier result of this tool (results: "
            f"{', '.join(sheets)}); rename it, or write the results to a separate file "
            f"instead ({separate})"
        )
    replaced = written | {sheet_key(n) for n in RESULT_SHEETS}
    return CopyPlan(source, frozenset(n for n in ours if sheet_key(n) in replaced))


def _source_sheets(source: Path, separate: str) -> tuple[list[str], set[str]]:
    """The sheets of ``source`` and the tool's own among them; refused if a copy would lose
    any of its content."""
    if source.suffix.lower() == ".ods":
        try:
            facts = ods_copy_facts(source)
        except (ValueError, KeyError, *ZIP_ERRORS) as exc:
            raise OutputError(f"Cannot copy {source}: not a readable .ods spreadsheet "
                              f"({exc})") from exc
        if facts.losses:
            raise _loss_error(source, facts.losses, separate)
        return facts.sheets, facts.ours
    losses = source_losses(source)
    if losses:
        raise _loss_error(source, losses, separate)
    try:
        with open_package(source) as package:
            return sheet_list(package), own_sheets(package)
    except InputError as exc:
        raise OutputError(f"Cannot copy {source}: {exc.problems[0].message}") from exc


def _loss_error(source: Path, losses: Sequence[str], separate: str) -> OutputError:
    return OutputError(
        f"Cannot copy {source.name}: it has content a copy cannot carry: "
        f"{'; '.join(losses)}. Write the results to a separate file instead ({separate})"
    )


# ------------------------------------------------------------------------------ target checks



def _check_target(target: Path, source: Path | None, *, overwrite: bool,
                  separate: str) -> None:
    suffix = target.suffix.lower()
    if source is None:
        if suffix not in (".xlsx", ".ods"):
            raise OutputError(
                f"Cannot write {target}: a results-only workbook must be named .xlsx or .ods "
                f"(got '{target.suffix or 'no suffix'}')"
            )
    else:
        src_suffix = source.suffix.lower()
        if src_suffix not in (".xlsx", ".xlsm", ".ods"):
            raise OutputError(
                f"Cannot copy {source}: only .xlsx, .xlsm and .ods workbooks can be copied; "
                f"write the results to a separate file instead ({separate})"
            )
        if suffix != src_suffix:
            raise OutputError(
                f"Cannot write {target}: the copy of {source.name} must have the suffix "
                f"{src_suffix} (got '{target.suffix or 'no suffix'}')"
            )
        if not source.is_file():
            raise OutputError(f"Cannot copy {source}: no such file")
        if _same_file(target, source):
            raise _input_itself(target)
    if target.exists() and not overwrite:
        raise exists_error(target)


def _input_itself(target: Path) -> OutputError:
    return OutputError(
        f"Cannot write {target}: it is the input workbook itself, which is never modified "
        "(not even with --overwrite); choose another output file"
    )


def exists_error(target: Path) -> OutputError:
    """The refusal to replace ``target`` without ``overwrite``."""
    return OutputError(f"{target} exists; use --overwrite to replace it")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


# ------------------------------------------------------------------------------ file system


def _move_into_place(tmp: Path, target: Path, *, overwrite: bool) -> None:
    """Rename ``tmp`` to ``target``; without ``overwrite`` never replace a file that appeared."""
    try:
        if not overwrite:
            try:
                os.link(tmp, target)  # atomic "create if absent"
                return
            except FileExistsError:
                raise exists_error(target) from None
            except OSError:
                pass  # no hard links on this file system; the check above must do
            if target.exists():
                raise exists_error(target)
        os.replace(tmp, target)
    except PermissionError as exc:
        raise OutputError(
            f"Cannot write {target}: permission denied; it may be open in another program "
            "(close it in Excel) or read-only"
        ) from exc
    except OSError as exc:
        raise OutputError(f"Cannot write {target}: {_reason(exc)}") from exc


def _reason(exc: OSError) -> str:
    return str(exc.strerror or exc)
