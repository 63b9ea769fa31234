"""Small mends of the stochastic plan: one probability tolerance for every scenario set; a
held lease where no HPC can be is refused, not dropped; the risk sheets show labelled headers
and say why EEV can beat EV."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from stochkit import HIGH_HASHPRICE, LOW_HASHPRICE, hall_fleet, hall_set

from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.lp import build_model
from allocator.scenarios.changes import Change, Scenario
from allocator.stochastic.held_plan import Decision, HeldPlan, held_first_stage
from allocator.stochastic.measures import stochastic_plan
from allocator.stochastic.paths import read_paths
from allocator.stochastic.scenario_set import PROBABILITY_TOLERANCE, scenario_set
from allocator.stochastic.sheet_set import sheet_probabilities
from allocator.workbook.risk_writer import (
    FIRST_STAGE_SHEET,
    FRONTIER_SHEET,
    REGRET_SHEET,
    RISK_SUMMARY_SHEET,
    risk_sentences,
    write_risk,
)


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


def test_risk_sheets_show_labels_with_units_and_say_why_eev_beats_ev(tmp_path: Path) -> None:
    """The hand-solved hall: EV (the $35 plan on its own path) is $1,320,000 and EEV
    $1,560,000 (tests/stochastic/test_stochastic_plan.py). The summary says why EEV is the
    larger (mining re-planned in each future); every risk sheet's header keeps the machine
    name as its value and shows the readable label with its unit."""
    result = stochastic_plan(hall_fleet(35.0), scenarios=hall_set(), frontier=(0.0, 1.0),
                             alpha=0.5)
    assert round(result.ev_usd) == 1_320_000 and round(result.eev_usd) == 1_560_000
    book = openpyxl.load_workbook(write_risk(result, tmp_path / "risk.xlsx"))
    words = " ".join(str(c.value) for c in book[RISK_SUMMARY_SHEET]["A"]
                     if isinstance(c.value, str))
    assert "It earns more than it expected because each future re-plans its mining" in words
    shown = {sheet: {c.value: c.number_format for c in book[sheet][1]}
             for sheet in (RISK_SUMMARY_SHEET, FRONTIER_SHEET, FIRST_STAGE_SHEET, REGRET_SHEET)}
    assert shown[RISK_SUMMARY_SHEET]["value_usd"] == ';;;"Value ($)"'
    assert shown[FRONTIER_SHEET]["cvar_usd"] == ';;;"CVaR ($)"'
    assert shown[FRONTIER_SHEET]["Hall: converted_mw"] == ';;;"Hall: Converted (MW)"'
    assert shown[FIRST_STAGE_SHEET]["stochastic_plan_mw"] == ';;;"Stochastic plan (MW)"'
    assert shown[REGRET_SHEET]["high: regret_usd"] == ';;;"high: Regret ($)"'
    assert book[REGRET_SHEET]["A1"].comment is not None


def test_no_risk_sentence_on_ev_and_eev_when_they_agree() -> None:
    """One future: EEV is EV, and the summary adds no reason."""
    one = scenario_set([hall_fleet(HIGH_HASHPRICE)], names=["only"])
    result = stochastic_plan(hall_fleet(HIGH_HASHPRICE), scenarios=one)
    assert result.eev_usd == pytest.approx(result.ev_usd, rel=1e-12)
    assert not any("It earns more" in s for s in risk_sentences(result))
