"""Hold a plan and stress it: a plan workbook written by ``optimize`` read back and held in
every future as a row of the regret table; decisions that do not fit the fleet are input
errors at their cells."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest
from stochkit import hall_fleet, hall_set

from allocator import optimize, read_workbook
from allocator.domain import Fleet
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.lp import objective
from allocator.scenarios.cases import solver_options
from allocator.stochastic import stochastic_plan
from allocator.stochastic.first_stage import read_first_stage
from allocator.stochastic.frontier import held_npv_usd
from allocator.stochastic.held import HeldHighs
from allocator.stochastic.measures import MEAN_PATH_PLAN
from allocator.stochastic.scenario_set import monte_carlo_set, scenario_costs, scenario_set
from allocator.workbook.plan_decisions import read_held_plan
from allocator.workbook.writer import write_plan

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"


def _plan_book(tmp_path: Path, fleet: object, name: str = "plan.xlsx") -> Path:
    return write_plan(optimize(fleet), tmp_path / name)


def test_held_optimize_plan_of_the_mean_path_is_the_mean_path_plan_by_hand(
        tmp_path: Path) -> None:
    """The hall fleet at $35/PH/day (the mean of the $60 and $10 futures) converts its hall:
    the lease's $300,000 beats tranche B's 30 MW x (40 PH/s x $35 x 30 d - $36,000) =
    $180,000. Held in the $60 future it earns A's 30 MW x (66.67 PH/s x $60 x 30 d -
    $36,000) = $2,520,000 plus the lease, $2,820,000; in the $10 future mining idles and the
    lease alone earns $300,000. Those are the mean-path plan's NPVs too."""
    held = read_held_plan(_plan_book(tmp_path, hall_fleet(35.0)), "optimize at $35")
    result = stochastic_plan(hall_fleet(35.0), scenarios=hall_set(), hold=[held])
    table = result.regret
    assert table is not None
    row = table.plans.index("optimize at $35")
    assert table.npv_usd[row] == pytest.approx([2_820_000.0, 300_000.0], abs=1e-6)
    ev = table.plans.index(MEAN_PATH_PLAN)
    np.testing.assert_allclose(table.npv_usd[row], table.npv_usd[ev], rtol=0, atol=1e-6)


def test_held_sample_plan_equals_its_first_stage_held_directly(tmp_path: Path) -> None:
    """On the sample and 4 Monte Carlo futures, holding the workbook ``optimize`` wrote gives,
    in every future, the NPV of the optimize LP's own first stage held there (to 1e-9 of
    each NPV): nothing of the plan is lost on its way through the sheets."""
    source = read_workbook(SAMPLE)
    held = read_held_plan(_plan_book(tmp_path, source))
    result = stochastic_plan(source, 4, 5, hold=[held])
    costs = scenario_costs(monte_carlo_set(source.fleet, 4, 5))
    options = solver_options(source.fleet, None)
    solved = HeldHighs(costs.model, options).solve(
        objective(compute_coefficients(source.fleet), costs.model))
    direct = held_npv_usd(costs, read_first_stage(costs.model, solved.x), options, None)
    table = result.regret
    assert table is not None
    np.testing.assert_allclose(table.npv_usd[table.plans.index("plan")], direct, rtol=1e-9)


def _edit(book: Path, sheet: str, column: str, row: int, value: object) -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    at = [c.value for c in ws[1]].index(column) + 1
    ws.cell(row=row, column=at, value=value)
    wb.save(book)


def test_decisions_that_do_not_fit_the_fleet_are_errors_at_their_cells(tmp_path: Path) -> None:
    """The hall plan with 60 MW converted (the hall has 30), 45 MW committed (the offer is
    for 30, and its one lease is at an unknown site, so holds 0 of it): every fault at once, at
    its cell, before anything is solved."""
    book = _plan_book(tmp_path, hall_fleet(35.0))
    _edit(book, "Build Schedule", "build_mw", 2, 60)
    _edit(book, "Contract Result", "committed_mw", 2, 45)
    _edit(book, "Leases", "site", 2, "Nowhere")
    held = read_held_plan(book)
    with pytest.raises(InputError) as caught:
        stochastic_plan(hall_fleet(35.0), scenarios=hall_set(), hold=[held])
    assert [str(p) for p in caught.value.problems] == [
        "Build Schedule!C2: site 'Hall' converts 60 MW in all, more than its 30 MW of "
        "convertible space (got 60.0)",
        "Leases!B2: site 'Nowhere' is not a site of this fleet (got 'Nowhere')",
        "Contract Result!K2: 'Lease' takes 0 to 30 MW in this fleet, not 45 (got 45.0)",
        "Contract Result!K2: 'Lease' commits 45 MW but its leases hold 0 MW (got 45.0)",
    ]


def test_a_workbook_without_the_plan_sheets_is_refused_naming_them(tmp_path: Path) -> None:
    """A fleet workbook is not a plan: the three decision sheets are named as missing."""
    with pytest.raises(InputError) as caught:
        read_held_plan(SAMPLE)
    assert [p.sheet for p in caught.value.problems] == ["Build Schedule", "Contract Result",
                                                        "Leases"]
    assert "hold a plan workbook written by allocator optimize" in str(caught.value)


def test_a_lease_of_a_contract_outside_the_horizon_is_refused_not_dropped(
        tmp_path: Path) -> None:
    """The hall plan leases 30 MW of 'Lease' in April 2026. Held against the same fleet with
    the offer moved to May (the horizon is April only), the contract has no month to lease
    in and the LP no lease column for it: the lease and its commitment are each refused at
    their cell, once, instead of silently held as 0 MW."""
    book = _plan_book(tmp_path, hall_fleet(35.0))
    held = read_held_plan(book)

    def later(hashprice_usd_ph_day: float) -> Fleet:
        fleet = hall_fleet(hashprice_usd_ph_day)
        return fleet.model_copy(update={"contracts": (
            fleet.contracts[0].model_copy(update={"start_month": "2026-05"}),)})

    futures = scenario_set([later(60.0), later(10.0)], names=["high", "low"])
    with pytest.raises(InputError) as caught:
        stochastic_plan(later(35.0), scenarios=futures, hold=[held])
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 2, messages
    assert messages[0].startswith("Leases!")
    assert ("contract 'Lease' has no month inside this fleet's horizon (2026-04 to 2026-04), "
            "so its 30 MW lease at 'Hall' cannot be held") in messages[0]
    assert messages[1].startswith("Contract Result!K2: 'Lease' has no month inside this "
                                  "fleet's horizon (2026-04 to 2026-04), so its 30 MW "
                                  "commitment cannot be held")
