"""Small mends of the stochastic plan: one probability tolerance for every scenario set; a
held lease where no HPC can be is refused, not dropped."""

from __future__ import annotations

from pathlib import Path

import pytest
from stochkit import HIGH_HASHPRICE, LOW_HASHPRICE, hall_fleet

from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.lp import build_model
from allocator.scenarios.changes import Change, Scenario
from allocator.stochastic.held_plan import Decision, HeldPlan, held_first_stage
from allocator.stochastic.paths import read_paths
from allocator.stochastic.scenario_set import PROBABILITY_TOLERANCE
from allocator.stochastic.sheet_set import sheet_probabilities


def _sheet(first: float) -> list[float]:
    rows = [Scenario("high", (Change("hashprice_usd_ph_day", "set", HIGH_HASHPRICE),),
                     first, "Scenarios!F2"),
            Scenario("low", (Change("hashprice_usd_ph_day", "set", LOW_HASHPRICE),), 0.5,
                     "Scenarios!F3")]
    return sheet_probabilities(rows)


def _paths(tmp_path: Path, first: float) -> Path:
    where = tmp_path / "paths.csv"
    where.write_text("scenario,probability,month,btc_price_usd,network_hashrate_ehs,"
                     f"hashprice_usd_ph_day\nhigh,{first!r},2026-04,,,60\n"
                     "low,0.5,2026-04,,,10\n", encoding="utf-8")
    return where


@pytest.mark.parametrize("excess", [0.5 * PROBABILITY_TOLERANCE, 2 * PROBABILITY_TOLERANCE])
def test_the_sheet_and_the_paths_file_take_the_same_sums(tmp_path: Path,
                                                         excess: float) -> None:
    """Probabilities summing to 1 + 5e-7 are a set on the Scenarios sheet and in a paths
    file alike; 1 + 2e-6 is refused by both (the sheet once took 1e-9, the file 1e-6)."""
    first = 0.5 + excess
    if excess < PROBABILITY_TOLERANCE:
        assert _sheet(first) == [first, 0.5]
        assert list(read_paths(_paths(tmp_path, first), hall_fleet(35.0)).probabilities) == [
            first, 0.5]
        return
    with pytest.raises(InputError, match="must sum to 1"):
        _sheet(first)
    with pytest.raises(InputError, match="must sum to 1"):
        read_paths(_paths(tmp_path, first), hall_fleet(35.0))


def test_a_held_lease_at_a_site_without_hpc_room_is_refused_at_its_cell() -> None:
    """The hall fleet with a second site, 'Bare', that has no existing or convertible HPC
    space: a held plan leasing 10 MW of 'Lease' there was dropped without a word (the LP has
    no lease column there); now it is an error at the lease's MW cell."""
    fleet = hall_fleet(35.0)
    bare = fleet.sites[0].model_copy(update={"name": "Bare", "hpc_convertible_mw": 0.0,
                                             "conversion_block_mw": None})
    fleet = fleet.model_copy(update={"sites": (*fleet.sites, bare)})
    coef = compute_coefficients(fleet)
    lease = Decision("Leases", 2, {"leased_mw": "D2", "site": "B2"}, 10.0, site="Bare",
                     contract="Lease", month="2026-04")
    commit = Decision("Contract Result", 2, {"committed_mw": "C2"}, 10.0, contract="Lease")
    plan = HeldPlan("board", (), (commit,), (lease,))
    with pytest.raises(InputError) as caught:
        held_first_stage(plan, coef, build_model(coef))
    assert [(p.sheet, p.cell) for p in caught.value.problems] == [("Leases", "D2")]
    assert "no HPC room" in caught.value.problems[0].message
