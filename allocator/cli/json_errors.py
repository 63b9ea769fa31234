""":func:`error_json`, the JSON object ``--json`` prints for an error; the standard library only.

The group (:mod:`allocator.cli.main`) prints usage errors with it before any command module
is loaded, and :func:`allocator.cli.failures.library_errors` prints the library's errors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

__all__ = ["error_json"]


def error_json(message: str, exit_code: int, kind: str,
               problems: Sequence[Any] = ()) -> str:
    """An error as the JSON object ``--json`` prints on stdout.

    ``{"error": {"type", "message", "exit_code", "problems": [{"location", "sheet", "cell",
    "column", "value", "message"}, ...]}}``: ``type`` is ``UsageError`` (exit 2) or the
    library's exception (``InputError``, ``InfeasibleError``, ``OutputError``, ...); an input
    error lists every problem, each with its cell.
    """
    rows = [{"location": p.location, "sheet": p.sheet, "cell": p.cell, "column": p.column,
             "value": p.value if isinstance(p.value, int | float | str | bool) or p.value is None
             else str(p.value), "message": p.message} for p in problems]
    body = {"type": kind, "message": message, "exit_code": exit_code, "problems": rows}
    return json.dumps({"error": body}, indent=2, default=str)
