"""Progress of many solves on stderr: a bar on a terminal, plain log lines otherwise; no solving.

A piped or logged run (``allocator sweep ... 2>> run.log``, a CI job) has no terminal to draw
a bar on, so it gets lines instead, once the run has lasted :data:`QUIET_S` (a run shorter
than that stays silent), then at every 10 % and at least every :data:`EVERY_S` seconds, and
when the last solve is done::

    Solving scenarios: 3/6 (50%) after 12 s
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from allocator.cli.common import ERR

__all__ = ["EVERY_S", "QUIET_S", "progress"]

QUIET_S = 3.0
"""Seconds a run without a terminal stays silent: short runs print no progress at all."""

EVERY_S = 10.0
"""At most this many seconds between two progress lines (besides one every 10 %)."""

clock: Callable[[], float] = time.monotonic
"""The time source (replaced in tests)."""

Update = Callable[[int, int], None]


@contextmanager
def progress(label: str) -> Iterator[Update]:
    """Progress of ``label`` on stderr; yields ``update(done, total)``."""
    if ERR.is_terminal:
        with _bar(label) as update:
            yield update
    else:
        yield _LogLines(label, clock())


@contextmanager
def _bar(label: str) -> Iterator[Update]:
    """A rich progress bar, gone when done."""
    columns = (SpinnerColumn(), TextColumn(escape(label)), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=ERR, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


class _LogLines:
    """``update(done, total)`` that prints a line at each 10 % step or every EVERY_S."""

    def __init__(self, label: str, started: float) -> None:
        self.label = label
        self.started = started
        self.last_line: float | None = None
        self.last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        now = clock()
        elapsed = now - self.started
        if elapsed < QUIET_S or total <= 0:
            return
        tenth = min(10, done * 10 // total)
        due = self.last_line is None or now - self.last_line >= EVERY_S
        if tenth > self.last_tenth or due or done == total:
            self.last_tenth, self.last_line = tenth, now
            ERR.print(f"{self.label}: {done}/{total} ({done / total:.0%}) after "
                      f"{elapsed:.0f} s", markup=False)
