"""Sweep one input across a range and find where the allocation flips; no printing, no files.

:func:`sweep` solves the fleet at evenly spaced values of one parameter (any
:data:`~allocator.scenarios.parameters.PARAMETERS` entry, through ``set``, ``scale`` or
``add``), then, wherever a site's or contract's state differs between two neighbouring
steps, narrows the switch down by bisection, re-solving between the steps. A state is: a
site converts (any conversion starts), a site mines (any miners run), a contract is taken
(any MW committed). Each :class:`Flip` says it in plain words: "Site Kappa converts once the
rate of Neocloud exceeds $131.25/kW-month", and keeps the bracket of values solved on either
side. A site whose converted or mining MW moves materially between two neighbouring steps
without switching state is reported too, as a
:class:`~allocator.scenarios.mw_changes.MwChange` ("Site Alpha Ridge converts 17.5 -> 60.0 IT
MW as the rate of AI Lab NNN goes from $170/kW-month to $180/kW-month"; material means
``max(5 MW, 10 %`` of the site's ``capacity_mw)``).
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.api import FleetSource
from allocator.domain import Fleet
from allocator.errors import InputError, Problem
from allocator.exports.results import write_sweep_tables
from allocator.optimization.solvers import SolverOptions
from allocator.periods import month_from_index, month_index
from allocator.scenarios.cases import (
    CONVERTED_EPS_MW,
    Case,
    CaseResult,
    consistency_problems,
    fleet_of,
    monthly_frame,
    run_cases,
    solver_options,
)
from allocator.scenarios.changes import Change, apply_changes
from allocator.scenarios.executors import Executor, Progress
from allocator.scenarios.mw_changes import MwChange, material_changes
from allocator.scenarios.parameters import (
    OPERATIONS,
    Operation,
    Parameter,
    base_values,
    implausible,
    resolve_parameter,
    valid_targets,
)

__all__ = ["DEFAULT_BISECTIONS", "DEFAULT_STEPS", "Flip", "Sweep", "sweep", "sweep_column"]

DEFAULT_BISECTIONS = 8
"""Halvings of a step interval per flip: the bracket is 1/256 of a step wide."""

DEFAULT_STEPS = 11
"""Evenly spaced values a sweep solves unless told otherwise: tenths of the range."""

_SWEEP = "sweep"

Bracket = tuple[str, str, bool, float, float]
"""``(subject, state, turns_on, below, above)``: one switch, as the bisection leaves it."""


@dataclass(frozen=True)
class Flip:
    """Where one site's or contract's state switches along the sweep.

    Attributes:
        subject: ``Site Alpha Ridge`` or ``Contract AI Lab NNN``.
        state: ``converts``, ``mines`` or ``is taken``.
        turns_on: True when the state holds above the switch and not below it.
        below: The highest value solved on the low side of the switch.
        above: The lowest value solved on the high side.
        text: The flip in plain words.
    """

    subject: str
    state: str
    turns_on: bool
    below: float
    above: float
    text: str

    @property
    def value(self) -> float:
        """The switch point: the middle of the bracket."""
        return (self.below + self.above) / 2


@dataclass(frozen=True)
class Sweep:
    """A solved sweep.

    Attributes:
        parameter: The parameter swept.
        target: Its site or contract, or ``None`` for all.
        operation: ``set``, ``scale`` or ``add``: how each value applies.
        values: The step values (month indices for a month parameter).
        table: One row per step: the value (column :func:`sweep_column`), NPV, average grid MW
            by use, average fleet EH/s, and per site and contract the converted, mining and
            committed MW.
        flips: Every switch found, in order of subject then value.
        probes: Extra solves made by the bisection.
        source: The workbook swept, when there was one.
        warnings: Input and plausibility warnings, one sentence each.
        mw_changes: Every material change of a site's converted or mining MW between
            neighbouring steps that is not a flip, by site, quantity and value
            (:func:`~allocator.scenarios.mw_changes.material_changes`).
        monthly: One row per step and month: ``scenario`` (the step's name), ``month`` and
            the :data:`~allocator.scenarios.cases.MONTHLY_COLUMNS` of its plan.
    """

    parameter: Parameter
    target: str | None
    operation: Operation
    values: tuple[float, ...]
    table: pd.DataFrame
    flips: tuple[Flip, ...]
    probes: int = 0
    source: Path | None = None
    warnings: tuple[str, ...] = field(default=())
    mw_changes: tuple[MwChange, ...] = field(default=())
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def column(self) -> str:
        """Name of the table's value column."""
        return sweep_column(self.parameter, self.operation)

    def to_parquet(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the sweep as a folder of Parquet tables with ``metadata.json``
        (:mod:`allocator.exports`); ``overwrite`` replaces a results folder written earlier.

        Raises:
            OutputError: the folder exists and may not be replaced, or cannot be written.
        """
        return write_sweep_tables(self, folder, file_format="parquet", overwrite=overwrite)

    def to_csv(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """As :meth:`to_parquet`, with CSV files.

        Raises:
            OutputError: the folder exists and may not be replaced, or cannot be written.
        """
        return write_sweep_tables(self, folder, file_format="csv", overwrite=overwrite)


def sweep_column(parameter: Parameter, operation: str) -> str:
    """The value column's name: the parameter, or ``<name>_factor`` / ``<name>_change``."""
    if operation == "scale":
        return f"{parameter.name}_factor"
    if operation == "add":
        return f"{parameter.name}_change"
    return parameter.name


def _as_value(parameter: Parameter, operation: str, x: float) -> float | str:
    if parameter.kind == "month" and operation == "set":
        return month_from_index(round(x))
    if _integral(parameter, operation):
        return float(round(x))
    return float(x)


def _integral(parameter: Parameter, operation: str) -> bool:
    """Whole steps only: months and whole-number inputs, unless the values are factors."""
    return parameter.kind in ("month", "integer") and operation != "scale"


def _step_name(parameter: Parameter, operation: str, x: float) -> str:
    return f"{parameter.name} {operation} {_plain(parameter, operation, x)}"


def _plain(parameter: Parameter, operation: str, x: float) -> str:
    value = _as_value(parameter, operation, x)
    return value if isinstance(value, str) else f"{value:g}"


def _subject(kind: str, name: str) -> str:
    """``Site Alpha``; a name that already says ``Site ...`` is not prefixed twice."""
    return name if name.lower().startswith(kind.lower()) else f"{kind} {name}"


def _states(result: CaseResult) -> dict[tuple[str, str], bool]:
    states: dict[tuple[str, str], bool] = {}
    for (metric, item), value in result.metrics.items():
        if not item:
            continue
        if metric == "converted_mw":
            states[(_subject("Site", item), "converts")] = value > CONVERTED_EPS_MW
        elif metric == "avg_mining_mw":
            states[(_subject("Site", item), "mines")] = value > CONVERTED_EPS_MW
        elif metric == "committed_mw":
            states[(_subject("Contract", item), "is taken")] = value > CONVERTED_EPS_MW
    return states


_STOPS = {"converts": "stops converting", "mines": "stops mining", "is taken": "is dropped"}


def _label(parameter: Parameter, operation: str, target: str | None) -> str:
    where = ""
    if target:
        where = f" of {target}" if parameter.scope == "contract" else f" at {target}"
    if operation == "scale":
        return f"the factor on {parameter.label}{where}"
    if operation == "add":
        return f"the change in {parameter.label}{where}"
    return f"{parameter.label}{where}"


def format_value(parameter: Parameter, operation: str, x: float, width: float = 0.0) -> str:
    """``x`` in the parameter's unit, to the precision of a bracket ``width`` wide."""
    if parameter.kind == "month":
        if operation == "set":
            return month_from_index(round(x))
        return f"{round(x):+d} months"
    decimals = 0 if width <= 0 else max(0, min(4, math.ceil(-math.log10(width))))
    if operation == "scale":
        return f"{x:.{max(decimals, 2)}f}x"
    sign = "+" if operation == "add" and x > 0 else ""
    unit = parameter.unit
    if unit in ("%", "%/yr"):
        pct_decimals = max(0, decimals - 2)
        return f"{sign}{x * 100:.{pct_decimals}f}{'%' if unit == '%' else ' %/yr'}"
    number = f"{x:,.{decimals}f}"
    if unit.startswith("$"):
        text = f"${number}" if not number.startswith("-") else f"-${number[1:]}"
        return sign + text + unit[1:]
    return f"{sign}{number} {unit}".rstrip()


def _text(subject: str, state: str, turns_on: bool, label: str, value: str,
          crossing: str = "exceeds") -> str:
    verb = state if turns_on else _STOPS[state]
    return f"{subject} {verb} once {label} {crossing} {value}"


def sweep(
    source: Fleet | FleetSource,
    parameter: str,
    start: float | str,
    stop: float | str,
    steps: int = DEFAULT_STEPS,
    *,
    target: str | None = None,
    operation: str = "set",
    executor: Executor | None = None,
    solver: str | SolverOptions | None = None,
    bisections: int = DEFAULT_BISECTIONS,
    progress: Progress | None = None,
) -> Sweep:
    """Solve the fleet at ``steps`` values of ``parameter`` from ``start`` to ``stop``.

    Args:
        source: A fleet, or what ``read_workbook`` returned.
        parameter: A parameter name (``rate_usd_kw_month``, ``btc_price_usd``, ...).
        start: First value (a ``YYYY-MM`` month when setting a month parameter).
        stop: Last value.
        steps: Number of evenly spaced values, at least 2 (default 11).
        target: The site or contract it applies to; default all.
        operation: ``set`` (default; the values are the parameter's values), ``scale``
            (factors) or ``add`` (increments).
        executor: Where the solves run; default one after another here.
        solver: Solver name or options; default the workbook's ``solver`` setting.
        bisections: Halvings of a step interval to locate each flip (0: no bisection).
        progress: ``progress(done, total)``; ``total`` grows when the bisection starts.

    Raises:
        InputError: unknown parameter, operation or target, a bad range, values outside the
            parameter's plausible range (``btc_price_usd`` set to 0.5: meant ``scale``?), or
            a step value the inputs reject (named by its value). Values only orders of
            magnitude from the fleet's own are swept, with a warning.
        InfeasibleError: a step has no feasible plan.
    """
    fleet, warnings, path = fleet_of(source)
    param, op, xs = _check_request(fleet, parameter, start, stop, steps, target, operation)
    warnings = (*warnings, *_plausibility(fleet, param, op, xs, target, path))
    runner = _StepSolver(fleet, param, op, target, solver_options(fleet, solver), executor,
                         progress)
    runner.solve(xs, _step_cases(runner, xs, path))
    brackets = _bisect(xs, runner.solved, runner.solve_more, bisections, _integral(param, op))
    steps_solved = [runner.solved[x] for x in xs]
    table = _table(param, op, xs, steps_solved)
    changes = material_changes(fleet, xs, steps_solved, _spanner(param, op, target, xs))
    return Sweep(param, target, op, tuple(xs), table, _flips(brackets, param, op, target),
                 probes=len(runner.solved) - len(xs), source=path, warnings=warnings,
                 mw_changes=changes, monthly=monthly_frame(steps_solved))


def _spanner(param: Parameter, op: str, target: str | None,
             xs: list[float]) -> Callable[[float, float], str]:
    """Words for a move between two steps: "as the rate of K goes from $170 to $180"."""
    label = _label(param, op, target)

    def span(lo: float, hi: float) -> str:
        width = 0.0 if _integral(param, op) else hi - lo
        return (f"as {label} goes from {format_value(param, op, lo, width)} to "
                f"{format_value(param, op, hi, width)}")

    return span


@dataclass
class _StepSolver:
    """The sweep's solves: each step's case, the solves of new values, every result kept.

    Progress counts every solve, the bisection's too: ``total`` grows as values are added.
    """

    fleet: Fleet
    param: Parameter
    op: Operation
    target: str | None
    options: SolverOptions
    executor: Executor | None
    progress: Progress | None
    solved: dict[float, CaseResult] = field(default_factory=dict)
    done_before: int = 0
    total: int = 0

    def case(self, x: float) -> Case:
        """The case of the step at ``x``, checked like any modified fleet.

        Raises:
            InputError: the inputs reject the value, or the consistency pass does.
        """
        change = Change(self.param.name, self.op, _as_value(self.param, self.op, x),
                        self.target, sheet=_SWEEP)
        name = _step_name(self.param, self.op, x)
        changed = apply_changes(self.fleet, [change], scenario=name)
        problems = consistency_problems(name, changed, what="sweep step")
        if problems:
            raise InputError(problems)
        return Case(name, changed, self.options)

    def solve(self, xs: list[float], cases: list[Case]) -> None:
        """Solve ``cases`` (one per value of ``xs``) and keep their results by value."""
        self.total += len(cases)
        results = run_cases(cases, self.executor, self._report, what="Sweep step")
        self.solved.update(zip(xs, results, strict=True))
        self.done_before = self.total

    def solve_more(self, values: list[float]) -> None:
        """Solve the values of ``values`` not solved yet (the bisection's probes)."""
        new = [x for x in dict.fromkeys(values) if x not in self.solved]
        if new:
            self.solve(new, [self.case(x) for x in new])

    def _report(self, done: int, _: int) -> None:
        if self.progress is not None:
            self.progress(self.done_before + done, self.total)


def _step_cases(runner: _StepSolver, xs: list[float], path: Path | None) -> list[Case]:
    """Every step's case; the faults of all the steps at once."""
    problems: list[Problem] = []
    cases = []
    for x in xs:
        try:
            cases.append(runner.case(x))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems, source=str(path) if path else None)
    return cases


def _flips(brackets: list[Bracket], param: Parameter, op: str,
           target: str | None) -> tuple[Flip, ...]:
    """The brackets as :class:`Flip` rows, each said in words at its switch value."""
    label = _label(param, op, target)
    flips = []
    for subject, state, turns_on, lo, hi in brackets:
        if _integral(param, op):  # whole steps: the first value with the new state
            text = _text(subject, state, turns_on, label, format_value(param, op, hi),
                         crossing="reaches")
        else:
            text = _text(subject, state, turns_on, label,
                         format_value(param, op, (lo + hi) / 2, hi - lo))
        flips.append(Flip(subject, state, turns_on, lo, hi, text))
    return tuple(flips)


def _check_request(fleet: Fleet, parameter: str, start: float | str, stop: float | str,
                   steps: int, target: str | None,
                   operation: str) -> tuple[Parameter, Operation, list[float]]:
    problems: list[Problem] = []

    def fault(message: str) -> None:
        problems.append(Problem(_SWEEP, message))

    try:
        param = resolve_parameter(parameter, target)
    except KeyError as exc:
        raise InputError([Problem(_SWEEP, str(exc.args[0]))]) from exc
    if operation not in OPERATIONS:
        fault(f"operation must be one of {', '.join(OPERATIONS)}, got {operation!r}")
    op: Operation = "scale" if operation == "scale" else "add" if operation == "add" else "set"
    targets = valid_targets(fleet, param)
    if target and not targets:
        fault(f"{param.name} takes no target; leave it out")
    elif target and target not in targets:
        fault(f"unknown target '{target}' for {param.name}; valid targets ({param.scope}s): "
              f"{', '.join(targets) or 'none'}")
    if steps < 2:
        fault(f"steps must be at least 2, got {steps}")
    if param.kind == "month" and op == "scale":
        fault(f"{param.name} is a month: sweep it with set (months) or add (whole months)")
    ends = []
    for name, value in (("from", start), ("to", stop)):
        try:
            ends.append(_axis(param, op, value))
        except ValueError as exc:
            fault(f"--{name} {exc}")
    if problems:
        raise InputError(problems)
    lo, hi = ends
    if lo == hi:
        raise InputError([Problem(_SWEEP, f"--from and --to are both {start}; give a range")])
    xs = [float(x) for x in np.linspace(lo, hi, steps)]
    if _integral(param, op):
        xs = [float(x) for x in dict.fromkeys(round(x) for x in xs)]
    return param, op, sorted(xs)


def _plausibility(fleet: Fleet, param: Parameter, op: Operation, xs: list[float],
                  target: str | None, path: Path | None) -> tuple[str, ...]:
    """A warning for values far from the fleet's own; an error for implausible ones.

    Raises:
        InputError: the values leave the parameter's plausible range.
    """
    verdict = implausible(param, op, xs[0], xs[-1], base_values(fleet, param, target))
    if verdict is None:
        return ()
    refuse, reason = verdict
    message = f"{param.name} {reason}"
    if refuse:
        raise InputError([Problem(_SWEEP, message)], source=str(path) if path else None)
    return (f"sweep: {message}",)


def _axis(param: Parameter, op: str, value: float | str) -> float:
    """A sweep end as a number on the sweep's axis (month index for months)."""
    if param.kind == "month" and op == "set":
        text = str(value).strip()
        try:
            return float(month_index(text))
        except ValueError:
            raise ValueError(f"must be a month written YYYY-MM, got {value!r}") from None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {value!r}")
    return number



def _bisect(xs: list[float], solved: dict[float, CaseResult],
            solve_more: Callable[[list[float]], None], bisections: int,
            integral: bool) -> list[Bracket]:
    """Brackets ``(subject, state, turns_on, below, above)`` narrowed by bisection."""
    open_: list[tuple[str, str, float, float]] = []
    for lo, hi in itertools.pairwise(xs):
        a, b = _states(solved[lo]), _states(solved[hi])
        open_ += [(subject, state, lo, hi) for (subject, state), on in a.items()
                  if b.get((subject, state)) is not None and b[(subject, state)] != on]
    for _ in range(bisections):
        live = [(s, st, lo, hi) for s, st, lo, hi in open_ if not _narrow(lo, hi, integral)]
        if not live:
            break
        solve_more([_middle(lo, hi, integral) for _, _, lo, hi in live])
        narrowed = []
        for subject, state, lo, hi in open_:
            if _narrow(lo, hi, integral):
                narrowed.append((subject, state, lo, hi))
                continue
            mid = _middle(lo, hi, integral)
            low_state = _states(solved[lo])[(subject, state)]
            if _states(solved[mid])[(subject, state)] == low_state:
                narrowed.append((subject, state, mid, hi))
            else:
                narrowed.append((subject, state, lo, mid))
        open_ = narrowed
    out = [(subject, state, not _states(solved[lo])[(subject, state)], lo, hi)
           for subject, state, lo, hi in open_]
    return sorted(out, key=lambda b: (b[0], b[1], b[3]))


def _narrow(lo: float, hi: float, integral: bool) -> bool:
    return integral and hi - lo <= 1


def _middle(lo: float, hi: float, integral: bool) -> float:
    return float(math.floor((lo + hi) / 2)) if integral else (lo + hi) / 2


def _table(param: Parameter, op: str, xs: list[float],
           results: list[CaseResult]) -> pd.DataFrame:
    column = sweep_column(param, op)
    rows = []
    for x, result in zip(xs, results, strict=True):
        value = _as_value(param, op, x)
        row: dict[str, object] = {column: value}
        m = result.metrics
        for name in ("npv_usd", "avg_mining_grid_mw", "avg_hpc_grid_mw", "avg_idle_mw",
                     "avg_fleet_hashrate_ehs", "avg_hpc_leased_mw"):
            row[name] = m[(name, "")]
        for (metric, item), v in m.items():
            if item:
                row[f"{item}: {metric}"] = v
        rows.append(row)
    return pd.DataFrame(rows)
