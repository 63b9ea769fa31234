"""Read a workbook's optional ``Scenarios`` sheet into scenarios; it never writes, knows no solver.

One row per change: ``scenario``, ``parameter``, ``operation`` (``set`` | ``scale`` | ``add``),
``value`` and an optional ``target`` (one site or contract; blank = all), as the schema's
``Scenarios`` sheet describes. Rows of one scenario need not be adjacent. A row that gives
only a scenario name makes a scenario without changes: the base case under that name (the
sample's ``Jan 2026``). The file passes the reader's guards first
(:mod:`allocator.workbook.guards`), and a cell that holds a formula without a saved value or an
error is a fault, never a blank. Every fault is collected as a cell-level
:class:`~allocator.errors.Problem` (``Scenarios!B4: scenario 'Bear': unknown parameter 'btc'
...``) and raised together in one :class:`~allocator.errors.InputError`, which names the valid
parameters and targets.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import python_calamine

from allocator.domain import Fleet
from allocator.errors import InputError, Problem
from allocator.scenarios.changes import (
    Change,
    Operation,
    Scenario,
    resolve_parameter,
    scenario_problems,
)
from allocator.workbook.cells import (
    CellError,
    address_order,
    cell_address,
    is_blank,
    parse_choice,
    parse_fraction,
    parse_integer,
    parse_month,
    parse_number,
    parse_text,
    show_value,
)
from allocator.workbook.guards import check_file
from allocator.workbook.scans import SheetFacts, scan_ods, scan_ooxml
from allocator.workbook.schema import SheetSpec, sheet_spec
from allocator.workbook.tables import match_key

__all__ = ["read_scenarios", "scenario_sheet_name"]

_CHANGE_FIELDS = ("parameter", "operation", "value")


def scenario_sheet_name(path: str | Path) -> str | None:
    """The workbook's name for its Scenarios sheet, or ``None`` when it has none.

    Raises:
        InputError: the file cannot be read as a workbook.
    """
    with _open(Path(path)) as book:
        return _find_sheet([str(n) for n in book.sheet_names])


def _open(path: Path) -> Any:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors, OSError and others
        problem = Problem("workbook", f"{path.name} is not a workbook python-calamine can "
                          f"read: {exc}")
        raise InputError([problem], source=str(path)) from exc


def _find_sheet(names: list[str]) -> str | None:
    wanted = match_key(sheet_spec("Scenarios").name)
    return next((name for name in names if match_key(name) == wanted), None)


def read_scenarios(path: str | Path, fleet: Fleet) -> tuple[Scenario, ...]:
    """The scenarios of the workbook at ``path``, checked against its ``fleet``.

    Args:
        path: The fleet workbook (the one ``read_workbook`` read ``fleet`` from).
        fleet: Its fleet, for target names and to check each scenario's result.

    Returns:
        Scenarios in the order their names first appear; ``()`` when the workbook has no
        Scenarios sheet or the sheet has no rows.

    Raises:
        InputError: every faulty row, each at its cell, with the valid parameters, operations
            and targets.
    """
    source = Path(path)
    # The reader's guards first (zip bombs, DTDs, cell caps), then the cells calamine reads
    # as blank although they hold a formula without a saved value or an error.
    kind = check_file(source)
    facts = scan_ods(source) if kind == "ods" else {}
    with _open(source) as book:
        sheet = _find_sheet([str(n) for n in book.sheet_names])
        if sheet is None:
            return ()
        if kind == "ooxml":
            facts = scan_ooxml(source, [sheet])
        try:
            rows = [list(r) for r in book.get_sheet_by_name(sheet).to_python(
                skip_empty_area=False)]
        except Exception as exc:  # e.g. a chart sheet under this name
            raise InputError([Problem(sheet, f"cannot read the sheet: {exc}")],
                             source=str(source)) from exc
    unreadable = facts.get(sheet, SheetFacts()).unreadable
    rows.extend([] for _ in range(max((r for r, _ in unreadable), default=0) - len(rows)))
    problems: list[Problem] = []
    scenarios = _parse(sheet_spec("Scenarios"), sheet, rows, problems, unreadable)
    # Rows that parsed are checked against the fleet even when others did not: one report.
    problems += scenario_problems(fleet, scenarios)
    if problems:
        raise InputError(sorted(problems, key=_reading_order), source=str(source))
    return scenarios


def _reading_order(problem: Problem) -> tuple[int, int]:
    return address_order(problem.cell)


def _parse(spec: SheetSpec, sheet: str, rows: list[list[object]], problems: list[Problem],
           unreadable: dict[tuple[int, int], str]) -> tuple[Scenario, ...]:
    header = rows[0] if rows else []
    if all(is_blank(v) for v in header):
        if any(not is_blank(v) for row in rows for v in row):
            problems.append(Problem(sheet, "row 1 must hold the column headers but is blank",
                                    cell="1:1"))
        return ()
    by_key = {match_key(col.header): col for col in spec.columns}
    columns: dict[str, int] = {}
    for index, head in enumerate(header):
        col = by_key.get(match_key(head)) if not is_blank(head) else None
        if col is not None and col.field not in columns:
            columns[col.field] = index
    for col in spec.columns:
        if col.required and col.field not in columns:
            known = ", ".join(c.header for c in spec.columns)
            problems.append(Problem(sheet, f"required column '{col.header}' is missing; "
                                    f"the columns are {known}", cell="1:1", column=col.header))
    if problems:
        return ()

    order: dict[str, list[Change]] = {}
    probs = _Probabilities(sheet)
    for number, row in enumerate(rows[1:], start=2):
        raw = {name: (row[i] if i < len(row) else "") for name, i in columns.items()}
        hidden = {name: unreadable[(number, i)] for name, i in columns.items()
                  if (number, i) in unreadable and is_blank(raw[name])}
        if all(is_blank(v) for v in raw.values()) and not hidden:
            continue
        cells = {name: cell_address(number, i) for name, i in columns.items()}
        if hidden:
            problems += [Problem(sheet, f"{name} is {reason}; fix it or type a value",
                                 cell=cells[name], column=name)
                         for name, reason in hidden.items()]
            continue
        found: list[Problem] = []
        change = _row(sheet, raw, cells, found)
        problems += found
        name = _text(raw.get("scenario"))
        if name is None:
            if not found:
                problems.append(Problem(sheet, "scenario is required", cell=cells["scenario"],
                                        column="scenario"))
            continue
        changes = order.setdefault(name, [])
        if change is not None:
            changes.append(change)
        if "probability" in raw:
            probs.add(name, raw["probability"], cells["probability"], problems)
    return tuple(Scenario(name, tuple(changes), *probs.of(name))
                 for name, changes in order.items())


class _Probabilities:
    """Each scenario's probability (one value, on any of its rows) and where it is."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.given: dict[str, tuple[float, str]] = {}
        self.first: dict[str, str] = {}

    def add(self, name: str, raw: object, cell: str, problems: list[Problem]) -> None:
        """The probability cell of one of ``name``'s rows; faults appended."""
        self.first.setdefault(name, cell)
        if is_blank(raw):
            return
        try:
            value = parse_fraction(raw)
        except CellError as exc:
            value = math.nan
            message = f"probability {exc}"
        else:
            message = "probability must be in [0, 1]"
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            problems.append(Problem(self.sheet, f"scenario '{name}': {message}", cell=cell,
                                    column="probability", value=show_value(raw)))
            return
        earlier = self.given.setdefault(name, (value, cell))
        if earlier[0] != value:
            problems.append(Problem(
                self.sheet, f"scenario '{name}': probability {value:g} here but "
                f"{earlier[0]:g} at {self.sheet}!{earlier[1]}; a scenario has one "
                "probability (give it on one row, or the same on each)", cell=cell,
                column="probability", value=show_value(raw)))

    def of(self, name: str) -> tuple[float | None, str | None]:
        """``name``'s probability (``None`` when blank) and its cell (the first row's when
        blank, ``None`` when the sheet has no probability column)."""
        value, cell = self.given.get(name, (None, self.first.get(name)))
        return value, (f"{self.sheet}!{cell}" if cell else None)


def _text(value: object) -> str | None:
    if is_blank(value):
        return None
    try:
        return parse_text(value) or None
    except CellError:
        return None


def _row(sheet: str, raw: dict[str, object], cells: dict[str, str],
         problems: list[Problem]) -> Change | None:
    """The row's change; ``None`` for a name-only row or a faulty one (faults appended)."""
    if all(is_blank(raw.get(name)) for name in _CHANGE_FIELDS) and is_blank(raw.get("target")):
        return None  # the base case under this scenario's name
    label = _text(raw.get("scenario")) or "?"
    head = f"scenario '{label}': "

    def fault(name: str, message: str, value: object = None) -> None:
        problems.append(Problem(sheet, head + message, cell=cells.get(name), column=name,
                                value=show_value(value)))

    for name in _CHANGE_FIELDS:
        if is_blank(raw.get(name)):
            fault(name, f"{name} is required (or leave parameter, operation and value all "
                  "blank for a scenario that changes nothing)")
    if problems:
        return None
    try:
        parameter = parse_text(raw["parameter"])
    except CellError as exc:
        fault("parameter", f"parameter {exc}", raw["parameter"])
        return None
    target = _text(raw.get("target"))
    operation: Operation | None = None
    try:
        op = parse_choice(raw["operation"], ("set", "scale", "add"))
        operation = "set" if op == "set" else "scale" if op == "scale" else "add"
    except CellError as exc:
        fault("operation", f"operation {exc}", raw["operation"])
    try:
        param = resolve_parameter(parameter, target)
    except KeyError as exc:
        fault("parameter", str(exc.args[0]))
        return None
    if operation is None:
        return None
    try:
        value = _value(raw["value"], param.kind, operation)
    except CellError as exc:
        fault("value", f"value for {param.name} {operation} {exc}", raw["value"])
        return None
    return Change(param.name, operation, value, target, sheet=sheet, cells=cells)


def _value(raw: object, kind: str, operation: str) -> float | str:
    """The value cell parsed for the parameter's kind and the operation."""
    if kind == "month":
        if operation == "set":
            return parse_month(raw)
        try:
            return float(parse_integer(raw))
        except CellError as exc:
            raise CellError("must be a whole number of months") from exc
    if operation == "scale" or kind == "fraction":
        return parse_fraction(raw)  # "70%" scales by 0.7; "5%" of a fraction is 0.05
    return parse_number(raw)
