""":func:`check_output`: refuse an output before any solve, in the writer's own words.

Apart from :mod:`allocator.cli.common` because it needs the workbook writer (openpyxl), which
``validate`` does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from allocator.cli.options import RESULTS_ONLY
from allocator.errors import OutputError
from allocator.workbook.saving import start_workbook

__all__ = ["check_output"]


def check_output(target: Path, source: Path | None, *, overwrite: bool,
                 sheets: Sequence[str]) -> None:
    """Refuse an output before any solve, with the writer's own words.

    ``target`` exists without ``overwrite``, is the input itself, has the wrong suffix, its
    folder is missing, or ``source`` (the workbook to copy, ``None`` for results only) cannot
    be copied or has a sheet of its own named like one of ``sheets``.

    Raises:
        OutputError: the writer would refuse ``target`` after the solve.
    """
    start_workbook(target, source, sheets=sheets, overwrite=overwrite, separate=RESULTS_ONLY)
    # The same words as the save itself (allocator.workbook.saving), which checks these last.
    if not target.parent.is_dir():
        raise OutputError(f"Cannot write {target}: folder {target.parent} does not exist")
    if target.is_dir():
        raise OutputError(f"Cannot write {target}: it is a folder")
