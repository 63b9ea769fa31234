"""Read a plan workbook's decisions (what ``allocator optimize`` wrote) to hold them.

The decisions are on three of the plan sheets (:mod:`allocator.workbook.writer`):
``Build Schedule`` (``site``, ``month``, ``build_mw``: conversions started), ``Contract
Result`` (``contract``, ``committed_mw``) and ``Leases`` (``contract``, ``site``, ``month``,
``leased_mw``). Headers are found in the first row (case and spacing ignored, other columns
ignored); a sheet with no rows holds no decisions. The file passes the reader's guards first
(:mod:`allocator.workbook.guards`). A missing sheet or column, or a cell that is not what
its column holds, is a :class:`~allocator.errors.Problem` at its cell, all raised together;
whether the decisions fit a fleet is
:func:`allocator.stochastic.held_plan.held_first_stage`'s to say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import python_calamine

from allocator.errors import InputError, Problem
from allocator.stochastic.held_plan import Decision, HeldPlan
from allocator.workbook.cells import cell_address, is_blank
from allocator.workbook.guards import check_file
from allocator.workbook.tables import match_key

__all__ = ["PLAN_DECISION_SHEETS", "read_held_plan"]

PLAN_DECISION_SHEETS = {
    "Build Schedule": ("site", "month", "build_mw"),
    "Contract Result": ("contract", "committed_mw"),
    "Leases": ("contract", "site", "month", "leased_mw"),
}
"""The sheets a plan's decisions are read from, and the columns read on each."""

_NAMES = ("site", "contract", "month")


def _open(path: Path) -> Any:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors, OSError and others
        problem = Problem("workbook", f"{path.name} is not a workbook python-calamine can "
                          f"read: {exc}")
        raise InputError([problem], source=str(path)) from exc


def _text(value: object) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decisions(sheet: str, rows: list[list[object]], columns: tuple[str, ...],
               problems: list[Problem]) -> tuple[Decision, ...]:
    """The rows of one sheet as decisions; problems for missing columns and bad MW."""
    header = {match_key(str(v)): i for i, v in enumerate(rows[0] if rows else [])
              if not is_blank(v)}
    missing = [c for c in columns if match_key(c) not in header]
    if missing:
        problems.append(Problem(sheet, f"a plan's {sheet} sheet needs the columns "
                                f"{', '.join(columns)}; missing {', '.join(missing)}"))
        return ()
    at = {c: header[match_key(c)] for c in columns}
    out = []
    for r, row in enumerate(rows[1:], start=1):
        values = {c: (row[i] if i < len(row) else None) for c, i in at.items()}
        if all(is_blank(v) for v in values.values()):
            continue
        cells = {c: cell_address(r + 1, i) for c, i in at.items()}
        mw_column = columns[-1]
        mw = values[mw_column]
        if isinstance(mw, bool) or not isinstance(mw, int | float) or mw != mw or mw < 0:
            problems.append(Problem(sheet, f"{mw_column} must be a number of MW, 0 or more, "
                                    f"got {mw!r}", cell=cells[mw_column], column=mw_column,
                                    value=mw))
            continue
        names = {c: _text(values[c]) for c in _NAMES if c in values}
        out.append(Decision(sheet, r + 1, cells, float(mw), **names))
    return tuple(out)


def read_held_plan(path: str | Path, name: str | None = None) -> HeldPlan:
    """The decisions of the plan workbook at ``path``, as a plan named ``name`` (default:
    the file's stem).

    Raises:
        InputError: the file is not a workbook, a decision sheet or column is missing, or
            an MW cell is not a number of 0 or more; every problem at once.
    """
    source = Path(path)
    check_file(source)
    problems: list[Problem] = []
    found: dict[str, tuple[Decision, ...]] = {}
    with _open(source) as book:
        sheets = {match_key(str(n)): str(n) for n in book.sheet_names}
        for wanted, columns in PLAN_DECISION_SHEETS.items():
            sheet = sheets.get(match_key(wanted))
            if sheet is None:
                problems.append(Problem(wanted, f"{source.name} has no {wanted} sheet; hold "
                                        "a plan workbook written by allocator optimize"))
                continue
            rows = [list(r) for r in book.get_sheet_by_name(sheet).to_python(
                skip_empty_area=False)]
            found[wanted] = _decisions(sheet, rows, columns, problems)
    if problems:
        raise InputError(problems, source=str(source))
    return HeldPlan(name or source.stem, found["Build Schedule"], found["Contract Result"],
                    found["Leases"])
