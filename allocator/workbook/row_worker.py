"""Run one function that returns bytes in a forked child process, beside this one; no XML.

The writer uses it to make and deflate half of a long table's rows while this process does
the other half (:func:`allocator.workbook.bulk_rows.write_table`). Two threads would not do:
making rows holds the GIL, and on a 2-core machine every hand-over of the GIL or wake
of a waiting thread cost milliseconds, so a second thread deflating beside the first saved
next to nothing. A forked child shares the frame without copying it and hands back its bytes
once, at the end, through a pipe.

The child only runs the function and writes what it returns: it restores the default SIGINT
and SIGTERM handling (Ctrl-C ends it at once, and it never runs this process's handlers), and
leaves with ``os._exit``, so no buffer, temporary file or lock of this process is touched. A
child that fails, is killed or does not finish in time makes :meth:`Child.result` raise
``OSError`` (the writer then makes those rows itself); :meth:`Child.stop` kills one no longer
wanted.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import time
import warnings
from collections.abc import Callable

__all__ = ["FORK_MIN_CELLS", "Child", "can_fork"]

FORK_MIN_CELLS = 500_000
"""Tables of at least this many cells are shared with a child: below, forking costs more than
it saves."""

_READ_BYTES = 1 << 20


def can_fork(cells: int) -> bool:
    """Whether a table of ``cells`` cells is shared with a child process: from
    :data:`FORK_MIN_CELLS` cells, on Linux (fork is unsafe on macOS and absent on Windows),
    with a core to spare: fewer tasks running right now than cores, this one counted
    (``/proc/loadavg``). On a machine whose other cores are busy the child only adds the
    fork and its copied pages (1,000 x 60 while two other jobs ran: 1.45 s forked, 1.36 s
    not)."""
    if sys.platform != "linux" or not hasattr(os, "fork") or cells < FORK_MIN_CELLS:
        return False
    return _running_tasks() < (os.cpu_count() or 1)


def _running_tasks() -> int:
    """Tasks running or ready to run now, this one included; a large number if unknown."""
    try:
        with open("/proc/loadavg", encoding="ascii") as stat:
            return int(stat.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return 1 << 30


class Child:
    """``run()`` started in a forked child; :meth:`result` waits for its bytes."""

    def __init__(self, run: Callable[[], bytes]) -> None:
        """Start the child.

        Raises:
            OSError: no pipe or no process could be had (nothing is left open then).
        """
        read_fd, write_fd = os.pipe()
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns of forking a process with threads (the solver's,
                # arrow's): the child takes no lock of theirs, it runs Python and numpy on
                # what it owns
                warnings.filterwarnings("ignore", message=r".*fork\(\)",
                                        category=DeprecationWarning)
                pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:  # pragma: no cover - the child; what it returns is checked by the tests
            _serve(read_fd, write_fd, run)
        os.close(write_fd)
        self._pid: int | None = pid
        self._fd = read_fd

    def result(self, timeout_s: float | None = None) -> bytes:
        """What ``run()`` returned, waiting at most ``timeout_s`` seconds for it (``None``:
        as long as it takes).

        Raises:
            OSError: the child failed, was killed, or had not finished in time (it is then
                killed).
        """
        pieces: list[bytes] = []
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            while True:
                left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
                if not select.select([self._fd], [], [], left)[0]:
                    raise OSError(f"the process making the rows took over {timeout_s:.0f} s")
                piece = os.read(self._fd, _READ_BYTES)
                if not piece:
                    break
                pieces.append(piece)
        except BaseException:
            self.stop()
            raise
        self._reap()
        return b"".join(pieces)

    def stop(self) -> None:
        """Kill the child if it still runs, and reap it; safe to call again."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def _reap(self) -> None:
        if self._pid is None:
            raise OSError("the process making the rows was already reaped")
        os.close(self._fd)
        code = os.waitstatus_to_exitcode(os.waitpid(self._pid, 0)[1])
        self._pid = None
        if code != 0:
            how = f"signal {-code}" if code < 0 else f"exit status {code}"
            raise OSError(f"the process making the rows stopped ({how})")


def _serve(read_fd: int, write_fd: int, run: Callable[[], bytes]) -> None:
    """The child: write ``run()``'s bytes into the pipe, then leave at once."""
    code = 1
    try:
        os.close(read_fd)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        view = memoryview(run())
        while view:
            view = view[os.write(write_fd, view):]
        code = 0
    except BaseException:  # any failure: the parent reports the exit status
        code = 1
    finally:
        os._exit(code)
