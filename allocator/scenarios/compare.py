"""Solve a fleet under several scenarios and compare them side by side; no printing, no files.

:func:`compare` turns each :class:`~allocator.scenarios.changes.Scenario` into a modified fleet,
solves them all as :mod:`~allocator.scenarios.cases` on an
:class:`~allocator.scenarios.executors.Executor`, and returns a :class:`Comparison`: one column
per scenario of headline figures, the monthly HPC MW, the input diff, and
:meth:`Comparison.diff` against a reference case (the idea of flixopt's
``Comparison.diff(reference)``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd

from allocator.api import FleetSource, fleet_source
from allocator.domain import Fleet
from allocator.errors import InputError, Problem
from allocator.exports.results import write_comparison_tables
from allocator.optimization.solvers import SolverOptions
from allocator.results.plan import Plan
from allocator.scenarios.cases import (
    Case,
    consistency_problems,
    fleet_of,
    run_cases,
    solver_options,
)
from allocator.scenarios.changes import (
    Scenario,
    apply_scenario,
    scenario_problems,
    select_scenarios,
    with_base,
)
from allocator.scenarios.executors import Executor, Progress
from allocator.scenarios.input_diff import input_diff

__all__ = ["Comparison", "ScenarioBook", "compare"]


@dataclass(frozen=True)
class Comparison:
    """Scenarios solved side by side.

    Attributes:
        scenarios: The scenarios compared, in column order.
        reference: Name of the case deltas are taken against.
        table: Index ``(metric, item)`` (see
            :func:`~allocator.scenarios.cases.plan_metrics`), one column per scenario.
        hpc_leased_mw: Index month, one column per scenario: fleet HPC IT MW leased.
        inputs: The input diff: scenario, sheet, record, parameter, base_value,
            scenario_value (see :func:`allocator.scenarios.input_diff.input_diff`).
        plans: Scenario name -> plan, when kept (``keep_plans``).
        warnings: The workbook reader's warnings.
        source: The workbook compared, when there was one.
    """

    scenarios: tuple[Scenario, ...]
    reference: str
    table: pd.DataFrame
    hpc_leased_mw: pd.DataFrame
    inputs: pd.DataFrame
    plans: dict[str, Plan] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    source: Path | None = None

    @property
    def names(self) -> list[str]:
        """Scenario names in column order."""
        return [s.name for s in self.scenarios]

    def value(self, scenario: str, metric: str, item: str = "") -> float:
        """One figure: ``value("BTC -30%", "converted_mw", "Alpha Ridge")``.

        Raises:
            KeyError: unknown scenario, metric or item.
        """
        column = self.table[scenario]
        return float(column.loc[[(metric, item)]].iloc[0])

    def items(self, metric: str) -> list[str]:
        """The items of a per-site or per-contract metric (``converted_mw`` -> site names)."""
        return [str(item) for m, item in self.table.index if m == metric]

    @property
    def npv_usd(self) -> pd.Series:
        """NPV of each scenario."""
        return self.table.loc[[("npv_usd", "")]].iloc[0]

    def diff(self, reference: str | None = None) -> pd.DataFrame:
        """Every figure minus the reference scenario's (default: :attr:`reference`).

        Raises:
            KeyError: unknown scenario; the message lists the available ones.
        """
        ref = reference or self.reference
        if ref not in self.table.columns:
            raise KeyError(f"Unknown scenario {ref!r}. Available: {', '.join(self.names)}")
        return self.table.sub(self.table[ref], axis=0)

    def to_parquet(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the comparison (its plans too when kept) as a folder of Parquet tables with
        ``metadata.json`` (:mod:`allocator.exports`); ``overwrite`` replaces a results
        folder written earlier.

        Raises:
            OutputError: the folder exists and may not be replaced, or cannot be written.
        """
        return write_comparison_tables(self, folder, file_format="parquet", overwrite=overwrite)

    def to_csv(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """As :meth:`to_parquet`, with CSV files.

        Raises:
            OutputError: the folder exists and may not be replaced, or cannot be written.
        """
        return write_comparison_tables(self, folder, file_format="csv", overwrite=overwrite)


@runtime_checkable
class ScenarioBook(Protocol):
    """A fleet source that also holds scenarios (a ``FleetWorkbook`` with its Scenarios sheet)."""

    def read_scenarios(self) -> tuple[Scenario, ...]:
        """The scenarios the source holds."""


def compare(
    source: Fleet | FleetSource,
    scenarios: Sequence[Scenario] | None = None,
    *,
    names: Sequence[str] | None = None,
    reference: str | None = None,
    executor: Executor | None = None,
    solver: str | SolverOptions | None = None,
    keep_plans: bool = False,
    progress: Progress | None = None,
) -> Comparison:
    """Solve the base case and every scenario, and compare them.

    Args:
        source: A fleet, or what ``read_workbook`` returned.
        scenarios: The scenarios; default the workbook's Scenarios sheet. The base case is
            added first, named ``Base``, unless a scenario without changes names it.
        names: Compare only these scenarios (the reference is always kept).
        reference: The case deltas are taken against; default the base case.
        executor: Where the solves run; default one after another in this process.
        solver: Solver name or options; default the workbook's ``solver`` setting.
        keep_plans: Keep every scenario's :class:`Plan` in :attr:`Comparison.plans`.
        progress: ``progress(done, total)`` after each solve.

    Raises:
        InputError: a bad scenario row, an unknown scenario name, no scenarios at all, or a
            scenario the consistency pass rejects; all such faults at once.
        InfeasibleError: a scenario has no feasible plan (the message names it).
        SolveError: a solve failed.
    """
    source = fleet_source(source, "compare")  # a path is read, so its Scenarios sheet is too
    fleet, warnings, path = fleet_of(source)
    if scenarios is None:
        if not isinstance(source, ScenarioBook):
            raise InputError([Problem("Scenarios", "no scenarios given")])
        scenarios = source.read_scenarios()
    else:
        problems = scenario_problems(fleet, scenarios)
        if problems:
            raise InputError(problems, source=str(path) if path else None)
    if not any(not s.is_base for s in scenarios):
        where = f"{path.name} has" if path else "the input has"
        raise InputError([Problem(
            "Scenarios", f"nothing to compare: {where} no scenario rows; add a Scenarios sheet "
            "with scenario | parameter | operation | value | target rows")],
            source=str(path) if path else None)
    chosen, ref = select_scenarios(with_base(scenarios), names, reference)
    fleets = [apply_scenario(fleet, s) for s in chosen]
    problems = [p for s, f in zip(chosen, fleets, strict=True)
                for p in consistency_problems(s.name, f)]
    if problems:
        raise InputError(problems, source=str(path) if path else None)
    options = solver_options(fleet, solver)
    cases = [Case(s.name, f, options, keep_plan=keep_plans)
             for s, f in zip(chosen, fleets, strict=True)]
    results = run_cases(cases, executor, progress)

    columns = [s.name for s in chosen]
    keys = list(results[0].metrics)
    table = pd.DataFrame(
        {r.name: [r.metrics[k] for k in keys] for r in results},
        index=pd.MultiIndex.from_tuples(keys, names=["metric", "item"]), columns=columns)
    monthly = pd.DataFrame({r.name: list(r.hpc_leased_mw) for r in results},
                           index=pd.Index(list(results[0].months), name="month"),
                           columns=columns)
    rows = [{"scenario": s.name, **row}
            for s, f in zip(chosen, fleets, strict=True)
            for row in input_diff(fleet, f).to_dict("records")]
    inputs = pd.DataFrame(rows, columns=["scenario", *input_diff(fleet, fleet).columns])
    plans = {r.name: r.plan for r in results if r.plan is not None}
    return Comparison(tuple(chosen), ref, table, monthly, inputs, plans, warnings, path)
