"""Make the temporary files a save writes through and remove those killed runs left; no XML.

Every file is created beside its target as ``.<target name>.<8 hex>.tmp`` and, where the
system has ``flock``, held under an exclusive lock until the save is done. A run that is
killed cannot remove its files, so every save first removes the stale files of the tool's
own naming in the target's folder: a file no live process holds locked (the lock dies with
its process), or, without ``flock``, one untouched for a day. A live run's files are never
touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import time
from pathlib import Path
from types import TracebackType

from allocator.errors import OutputError

try:  # POSIX only; Windows falls back to the age rule
    import fcntl
except ImportError:  # pragma: no cover - not on the test platforms
    fcntl = None  # type: ignore[assignment]

__all__ = ["STALE_AGE_SECONDS", "TempFiles", "move_into_place", "remove_stale_temps",
           "temp_pattern"]

STALE_AGE_SECONDS = 24 * 3600
"""Without ``flock``, a temporary file this old is taken to be a dead run's."""

_TEMP_NAME_TRIES = 100
# .<name>.xlsx.<8 hex>.tmp (.xlsm, .ods), and the .tmp.rows staging files of earlier versions.
_TEMP_NAME = re.compile(r"^\..+\.(?:xlsx|xlsm|ods)\.[0-9a-f]{8}\.tmp(?:\.rows)?$",
                        re.IGNORECASE)


def temp_pattern() -> re.Pattern[str]:
    """The names of the tool's temporary files (and of earlier versions' staging files)."""
    return _TEMP_NAME


class TempFiles:
    """Locked temporary files beside ``target``, all removed on exit.

    Use as a context manager; :meth:`new` makes each file. On POSIX the locks are held until
    exit, across the final rename; elsewhere :meth:`release` closes the files first.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self._files: dict[Path, int] = {}

    def __enter__(self) -> TempFiles:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()
        for path in self._files:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def new(self) -> Path:
        """A new empty, locked file; permissions follow the umask like a new file.

        Raises:
            OutputError: the folder refuses new files or no free name is found.
        """
        target = self.target
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        for _ in range(_TEMP_NAME_TRIES):
            tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
            try:
                fd = os.open(tmp, flags, 0o666)
            except FileExistsError:
                continue
            except PermissionError as exc:
                raise OutputError(
                    f"Cannot write {target}: no permission to create files in {target.parent}"
                ) from exc
            except OSError as exc:
                raise OutputError(f"Cannot write {target}: {exc.strerror or exc}") from exc
            self._files[tmp] = fd
            if _try_lock(fd) is not False and _still_there(tmp, fd):
                return tmp
            # a cleaner removed it between creation and lock: take another name
        raise OutputError(f"Cannot write {target}: no free temporary file name in {target.parent}")

    def release(self) -> None:
        """Close the files (and so drop their locks)."""
        for path, fd in self._files.items():
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
                self._files[path] = -1

    @staticmethod
    def must_release_before_rename() -> bool:
        """Open files cannot be renamed on systems without ``flock`` (Windows)."""
        return fcntl is None


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove the tool's temporary files in ``folder`` that no live run holds; the paths removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _TEMP_NAME.match(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        path = Path(entry.path)
        if _remove_if_dead(path):
            removed.append(path)
    return removed


def _remove_if_dead(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        locked = _try_lock(fd)
        if locked is None:  # no locks here: only the age can tell
            locked = time.time() - os.fstat(fd).st_mtime > STALE_AGE_SECONDS
        if not locked or not _still_there(path, fd):
            return False  # a live run holds it, or it was replaced meanwhile
        if TempFiles.must_release_before_rename():
            os.close(fd)
            fd = -1
        path.unlink()
        return True
    except OSError:
        return False
    finally:
        if fd >= 0:
            os.close(fd)


def _try_lock(fd: int) -> bool | None:
    """Take an exclusive lock without waiting: held, busy (False), or unsupported (None)."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


def _still_there(path: Path, fd: int) -> bool:
    """``path`` still names the file open as ``fd``."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def move_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; a folder there (checked by the caller) is moved aside
    and removed after, or put back if the rename fails. Used for CSV fleet folders too."""
    old: Path | None = None
    if target.is_dir():
        if any(target.iterdir()):
            old = target.with_name(f".{target.name}.{os.getpid()}.old")
            target.rename(old)
        else:
            target.rmdir()
    try:
        staging.rename(target)
    except OSError:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
