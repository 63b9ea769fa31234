"""The scenarios of a workbook's Scenarios sheet as a set of futures, with probabilities.

Each scenario (:class:`allocator.scenarios.changes.Scenario`, its changes applied to the
fleet) is one future. Its probability is the sheet's ``probability`` for it; blank for every
scenario means equally likely. Given for some and not others, outside [0, 1] or not summing
to 1 (within :data:`~allocator.stochastic.scenario_set.PROBABILITY_TOLERANCE`, as for
every scenario set) is an input error at the cells, naming the sum. A
future may change prices, rents, rates and dates, anything that moves only the LP's costs;
one that changes the LP's constraints (a capacity, a size, a budget) cannot share a first
stage with the others and is an error naming it; a slip of construction that only defers
rent is ``construction_delay_months`` (``set`` to months, for a target site or every site;
:mod:`~allocator.stochastic.delays`), which changes costs only. No file reading here: the
sheet is read by :func:`allocator.workbook.scenarios_sheet.read_scenarios`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from allocator.domain import Fleet
from allocator.errors import InputError, Problem
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.lp import build_model
from allocator.optimization.model import MatrixModel
from allocator.scenarios.changes import Scenario, apply_scenario, is_stochastic_only
from allocator.stochastic.scenario_set import PROBABILITY_TOLERANCE, ScenarioSet

__all__ = ["SUM_TOLERANCE", "sheet_probabilities", "sheet_scenario_set"]

SUM_TOLERANCE = PROBABILITY_TOLERANCE
"""The sheet's probabilities must sum to 1 within this: the one tolerance of every set."""

_SHEET = "Scenarios"


def _split(cell: str | None) -> tuple[str, str | None]:
    """``Scenarios!F2`` as (sheet, cell)."""
    if cell and "!" in cell:
        sheet, _, at = cell.rpartition("!")
        return sheet, at
    return _SHEET, cell


def sheet_probabilities(scenarios: Sequence[Scenario]) -> list[float]:
    """One probability per scenario: the sheet's, or equal when every one is blank.

    Raises:
        InputError: some blank and some given, or a sum other than 1, at the cells.
    """
    if not scenarios:
        raise InputError([Problem(_SHEET, "a stochastic plan on --scenarios needs at least "
                                  "one scenario on the Scenarios sheet")])
    given = [s for s in scenarios if s.probability is not None]
    if not given:
        return [1.0 / len(scenarios)] * len(scenarios)
    problems = []
    for s in scenarios:
        if s.probability is None:
            sheet, cell = _split(s.probability_cell)
            problems.append(Problem(sheet, f"scenario '{s.name}' has no probability but "
                                    f"{len(given)} other scenario(s) have one; give every "
                                    "scenario a probability, or none (equally likely)",
                                    cell=cell, column="probability"))
    total = sum(s.probability or 0.0 for s in given)
    if not problems and abs(total - 1.0) > SUM_TOLERANCE:
        cells = ", ".join(_split(s.probability_cell)[1] or s.name for s in given)
        sheet, cell = _split(given[0].probability_cell)
        problems.append(Problem(sheet, f"probabilities must sum to 1; {cells} sum to "
                                f"{total:.12g}", cell=cell, column="probability",
                                value=total))
    if problems:
        raise InputError(problems)
    return [float(s.probability or 0.0) for s in scenarios]


def _same_constraints(a: MatrixModel, b: MatrixModel) -> bool:
    """True when ``a`` and ``b`` differ at most in their costs."""
    if (a.n_cols, a.n_rows, len(a.entry_values)) != (b.n_cols, b.n_rows, len(b.entry_values)):
        return False
    pairs = ((a.col_lower, b.col_lower), (a.col_upper, b.col_upper),
             (a.col_integer, b.col_integer), (a.row_lower, b.row_lower),
             (a.row_upper, b.row_upper), (a.entry_rows, b.entry_rows),
             (a.entry_cols, b.entry_cols), (a.entry_values, b.entry_values))
    return all(np.array_equal(x, y) for x, y in pairs)


def sheet_scenario_set(fleet: Fleet, scenarios: Sequence[Scenario]) -> ScenarioSet:
    """Each of ``scenarios`` applied to ``fleet`` as one future, with the sheet's
    probabilities.

    Raises:
        InputError: bad probabilities (:func:`sheet_probabilities`), a scenario that cannot
            be applied, or one that changes the LP's constraints; every problem at once.
    """
    probabilities = sheet_probabilities(scenarios)
    fleets = [apply_scenario(fleet, dataclasses.replace(s, changes=tuple(
        c for c in s.changes if not is_stochastic_only(c)))) for s in scenarios]
    models = [build_model(compute_coefficients(f)) for f in fleets]
    problems = [Problem(_SHEET, f"scenario '{s.name}' changes the plan's constraints "
                        f"(capacities, sizes, budgets or terms), not only its prices and "
                        f"rents, so it cannot share one first stage with "
                        f"'{scenarios[0].name}'{_slip_hint(s)}", record=s.name)
                for s, model in zip(scenarios[1:], models[1:], strict=True)
                if not _same_constraints(models[0], model)]
    if problems:
        raise InputError(problems)
    return ScenarioSet(tuple(s.name for s in scenarios), np.array(probabilities),
                       tuple(fleets), delay_months=_slips(fleet, scenarios))


def _slip_hint(scenario: Scenario) -> str:
    """A pointer to the cost-only form, for a scenario that changes a lead time."""
    if any(c.parameter == "conversion_lead_months" for c in scenario.changes):
        return ("; a slip that only defers the leases' rent is construction_delay_months, "
                "which the futures can share")
    return ""


def _slips(fleet: Fleet, scenarios: Sequence[Scenario]) -> npt.NDArray[np.int64] | None:
    """``[W, S]`` construction slips (checked by the sheet's reader), or ``None``."""
    names = [s.name for s in fleet.sites]
    slips = [(w, c) for w, s in enumerate(scenarios) for c in s.changes
             if is_stochastic_only(c)]
    if not slips:
        return None
    out = np.zeros((len(scenarios), len(names)), dtype=np.int64)
    for w, change in sorted(slips, key=lambda pair: pair[1].target is not None):
        at = [names.index(change.target)] if change.target else list(range(len(names)))
        out[w, at] = int(float(change.value))
    return out
