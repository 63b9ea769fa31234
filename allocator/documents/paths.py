"""A reader's fault moved from its sheet and cell to where a text source has it; no I/O.

Shared by the fleet document (``sites[3].capacity_mw``) and the folder of sheet CSVs
(``Sites.csv:5.capacity_mw``).
"""

from __future__ import annotations

import dataclasses

from allocator.errors import Problem

__all__ = ["at_path"]


def at_path(problem: Problem, where: str, name: str | None) -> Problem:
    """``problem`` at ``where`` (``sites[3]``, ``Sites.csv:5``), field ``name``; the field's
    name is dropped from the start of the message, where the reader put it."""
    message = problem.message
    column = problem.column or name
    if column and message.startswith(f"{column} "):
        message = message[len(column) + 1:]
    elif name and problem.column and message.startswith(f"{problem.column} "):
        message = message[len(problem.column) + 1:]
    return dataclasses.replace(problem, sheet=where, cell=None, record=None,
                               column=name, message=message)
