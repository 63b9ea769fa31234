"""Save workbooks atomically and start result workbooks from a copy of the source; no formatting.

A workbook is saved through a temporary file in the target's folder and renamed into place, so
a reader never sees a half-written file and a failed save leaves the target as it was. An
existing target is replaced only with ``overwrite``, the input workbook itself only with
``overwrite`` too. A result workbook starts as a copy of the source in which only the tool's
earlier result sheets are dropped, and a source whose content the copy would lose
(:func:`~allocator.workbook.copy_losses.source_losses`) is refused before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from allocator.errors import InputError, OutputError
from allocator.workbook.bulk_rows import StreamedTable, stream_tables
from allocator.workbook.copy_losses import source_losses
from allocator.workbook.guards import check_file
from allocator.workbook.parts import open_package
from allocator.workbook.schema import RESULT_SHEETS, sheet_key

__all__ = ["exists_error", "save_workbook", "start_workbook"]

# openpyxl warnings, while loading, that mean part of a user's sheet would be dropped or altered.
# Its drawing warnings ("... will be lost") are not listed: the zip check already refuses those.
_LOSS_WARNING = re.compile(r"will be (removed|discarded|treated as an error)", re.IGNORECASE)
_TEMP_NAME_TRIES = 100


def save_workbook(wb: Workbook, path: str | Path, *, overwrite: bool = False,
                  stream: Sequence[StreamedTable] = ()) -> Path:
    """Save ``wb`` to ``path`` through a temporary file in the same folder, then rename it.

    A reader never sees a half-written file, and a failed save leaves ``path`` as it was.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is false, the folder is missing or not
            writable, or ``path`` is locked by another program.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"Cannot write {target}: folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"Cannot write {target}: it is a folder")
    if target.exists() and not overwrite:
        raise exists_error(target)
    tmp = _create_temp(target)
    try:
        if target.exists():
            # Keep the replaced file's permission bits (e.g. group-writable shared folders).
            with contextlib.suppress(OSError):
                shutil.copymode(target, tmp)
        try:
            wb.save(str(tmp))
            if stream:
                with open_package(tmp) as saved:
                    parts = saved.sheet_parts()
                stream_tables(tmp, list(stream), parts)
        except OSError as exc:
            raise OutputError(f"Cannot write {target}: {_reason(exc)}") from exc
        _move_into_place(tmp, target, overwrite=overwrite)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return target


# ----------------------------------------------------------------------------- source copying


def start_workbook(path: str | Path, source: str | Path | None, *, sheets: Sequence[str] = (),
                   overwrite: bool = False, separate: str = "--plan-only") -> Workbook:
    """The workbook to write results into: a copy of ``source``, or a new empty one.

    The target is checked first (exists without ``overwrite``, suffix, the source itself).
    The copy keeps every user sheet and drops the tool's earlier result sheets; a user sheet
    named like one of ``sheets`` (beyond the result sheets) is refused, never replaced.

    Args:
        path: Where the result will be saved.
        source: Input workbook to copy, or ``None`` for a results-only workbook.
        sheets: Further sheets the caller will add (e.g. per-scenario plans).
        overwrite: Whether ``path`` may be replaced.
        separate: The command-line flag that writes results alone, named in errors.

    Raises:
        OutputError: the target or the source is refused (see
            :func:`~allocator.workbook.writer.write_plan`).
    """
    target = Path(path)
    src = Path(source) if source is not None else None
    _check_target(target, src, overwrite=overwrite, separate=separate)
    if src is None:
        wb = Workbook()
        wb.remove(wb.active)
        return wb
    replaced = (*RESULT_SHEETS, *sheets)
    wb = _load_source(src, replaced, separate)
    keys = {sheet_key(name) for name in replaced}
    for name in list(wb.sheetnames):
        if sheet_key(name) in keys:
            wb.remove(wb[name])
    return wb


def _load_source(source: Path, replaced: Sequence[str], separate: str) -> Workbook:
    """Load ``source`` for copying, refusing it if the copy would lose anything.

    The reader's guards run first (size, zip bomb, DTD), so a library call that writes into
    a workbook it never read is as safe as the command line.
    """
    try:
        check_file(source)
    except InputError as exc:
        raise OutputError(f"Cannot copy {source}: {exc.problems[0].message}") from exc
    losses = source_losses(source, replaced)
    if losses:
        raise _loss_error(source, losses, separate)
    keep_vba = source.suffix.lower() == ".xlsm"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            wb = load_workbook(source, keep_vba=keep_vba, rich_text=True, keep_links=True)
        except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
            raise OutputError(f"Cannot copy {source}: openpyxl cannot read it ({exc})") from exc
    dropped = [str(w.message) for w in caught if _LOSS_WARNING.search(str(w.message))]
    if dropped:
        raise _loss_error(source, sorted(set(dropped)), separate)
    ours = {sheet_key(n) for n in RESULT_SHEETS}
    extra = {sheet_key(n) for n in replaced} - ours
    clash = [n for n in wb.sheetnames if sheet_key(n) in extra]
    if clash:
        raise OutputError(
            f"Cannot write the plan into a copy of {source.name}: its sheet "
            f"{', '.join(repr(n) for n in clash)} would be replaced by plan output; rename it"
        )
    return wb


def _loss_error(source: Path, losses: Sequence[str], separate: str) -> OutputError:
    return OutputError(
        f"Cannot copy {source.name}: it has content that would be lost in the copy: "
        f"{'; '.join(losses)}. Write the results to a separate file instead ({separate})"
    )


# ------------------------------------------------------------------------------ target checks



def _check_target(target: Path, source: Path | None, *, overwrite: bool,
                  separate: str) -> None:
    suffix = target.suffix.lower()
    if source is None:
        if suffix != ".xlsx":
            raise OutputError(
                f"Cannot write {target}: a results-only workbook must be named .xlsx "
                f"(got '{target.suffix or 'no suffix'}')"
            )
    else:
        src_suffix = source.suffix.lower()
        if src_suffix not in (".xlsx", ".xlsm"):
            raise OutputError(
                f"Cannot copy {source}: only .xlsx and .xlsm workbooks can be copied; "
                f"write the results to a separate file instead ({separate})"
            )
        if suffix != src_suffix:
            raise OutputError(
                f"Cannot write {target}: the copy of {source.name} must have the suffix "
                f"{src_suffix} (got '{target.suffix or 'no suffix'}')"
            )
        if not source.is_file():
            raise OutputError(f"Cannot copy {source}: no such file")
        if _same_file(target, source) and not overwrite:
            raise OutputError(
                f"{target} is the input workbook itself; use --overwrite to replace it, "
                "or choose another output file"
            )
    if target.exists() and not overwrite:
        raise exists_error(target)



def exists_error(target: Path) -> OutputError:
    """The refusal to replace ``target`` without ``overwrite``."""
    return OutputError(f"{target} exists; use --overwrite to replace it")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


# ------------------------------------------------------------------------------ file system


def _create_temp(target: Path) -> Path:
    """An empty temp file beside ``target``; permissions follow the umask like a new file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_TEMP_NAME_TRIES):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, flags, 0o666))
        except FileExistsError:
            continue
        except PermissionError as exc:
            raise OutputError(
                f"Cannot write {target}: no permission to create files in {target.parent}"
            ) from exc
        except OSError as exc:
            raise OutputError(f"Cannot write {target}: {_reason(exc)}") from exc
        return tmp
    raise OutputError(f"Cannot write {target}: no free temporary file name in {target.parent}")


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
