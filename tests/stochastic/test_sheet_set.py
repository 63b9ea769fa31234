"""The Scenarios sheet as a set of futures: its optional probability column, checked at its
cells; old workbooks without the column read as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from stochkit import HIGH_HASHPRICE, LOW_HASHPRICE, hall_fleet

from allocator import read_workbook
from allocator.cli.main import cli
from allocator.errors import InputError
from allocator.scenarios.changes import Change, Scenario
from allocator.stochastic import scenario_set, stochastic_plan
from allocator.stochastic.sheet_set import sheet_scenario_set
from allocator.workbook.scenarios_sheet import read_scenarios

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"


def _hashprice(name: str, value: float) -> Scenario:
    return Scenario(name, (Change("hashprice_usd_ph_day", "set", value, None),))


@pytest.mark.parametrize("probabilities", [None, (0.8, 0.2)])
def test_scenarios_as_futures_are_the_set_of_their_fleets(
        probabilities: tuple[float, float] | None) -> None:
    """Two scenarios setting the hall's hashprice to $60 and $10 (equally likely, or 0.8 /
    0.2 from the sheet) give the plan of the set of those two fleets: RP, EEV and WS to
    1e-9. With equal odds that is the hand-solved hall (tests/stochastic/
    test_stochastic_plan.py)."""
    p = probabilities or (None, None)
    rows = [Scenario("high", _hashprice("high", HIGH_HASHPRICE).changes, p[0], "Scenarios!F2"),
            Scenario("low", _hashprice("low", LOW_HASHPRICE).changes, p[1], "Scenarios!F3")]
    got = stochastic_plan(hall_fleet(35.0), scenarios=sheet_scenario_set(hall_fleet(35.0),
                                                                          rows))
    fleets = [hall_fleet(HIGH_HASHPRICE), hall_fleet(LOW_HASHPRICE)]
    want = stochastic_plan(hall_fleet(35.0), scenarios=scenario_set(
        fleets, probabilities, names=["high", "low"]))
    for key in ("rp_usd", "eev_usd", "ws_usd"):
        assert getattr(got, key) == pytest.approx(getattr(want, key), rel=1e-9, abs=1e-9)
    assert list(got.probabilities) == list(want.probabilities)


def test_a_workbook_without_the_column_reads_as_before() -> None:
    """The sample has no probability column: every scenario reads as it did (no
    probability, no cell), so compare sees the same scenarios, and --scenarios takes them as
    equally likely."""
    source = read_workbook(SAMPLE)
    scenarios = read_scenarios(SAMPLE, source.fleet)
    assert scenarios == tuple(Scenario(s.name, s.changes) for s in scenarios)
    futures = sheet_scenario_set(source.fleet, scenarios)
    assert futures.names == tuple(s.name for s in scenarios)
    assert list(futures.probabilities) == [1 / 6] * 6


def _with_probabilities(tmp_path: Path, values: list[object]) -> Path:
    """The sample with a probability column F, ``values`` from row 2 (7 rows: Dec 2025,
    Jan 2026, BTC -30%, Hashrate +25%/yr, Early halving and Lower HPC offers twice)."""
    book = tmp_path / "fleet.xlsx"
    shutil.copy(SAMPLE, book)
    wb = openpyxl.load_workbook(book)
    ws = wb["Scenarios"]
    ws["F1"] = "probability"
    for row, value in enumerate(values, start=2):
        ws.cell(row=row, column=6, value=value)
    wb.save(book)
    return book


def _problems(book: Path) -> list[str]:
    source = read_workbook(book)
    with pytest.raises(InputError) as caught:
        sheet_scenario_set(source.fleet, read_scenarios(book, source.fleet))
    return [str(p) for p in caught.value.problems]


def test_given_probabilities_are_the_futures_odds(tmp_path: Path) -> None:
    """0.5 on BTC -30% and 0.1 on each other scenario (Lower HPC offers on its first row
    only) are the set's probabilities, in the sheet's order."""
    book = _with_probabilities(tmp_path, [0.1, 0.1, "50%", 0.1, 0.1, 0.1, None])
    source = read_workbook(book)
    futures = sheet_scenario_set(source.fleet, read_scenarios(book, source.fleet))
    assert list(futures.probabilities) == [0.1, 0.1, 0.5, 0.1, 0.1, 0.1]


def test_probabilities_not_summing_to_one_are_an_error_naming_the_sum(tmp_path: Path) -> None:
    """Six scenarios at 0.1 each sum to 0.6: one problem at the first cell naming them all."""
    book = _with_probabilities(tmp_path, [0.1] * 7)
    assert _problems(book) == ["Scenarios!F2: probabilities must sum to 1; F2, F3, F4, F5, "
                               "F6, F7 sum to 0.6 (got 0.6)"]


def test_a_scenario_with_two_probabilities_or_one_out_of_range_is_an_error_at_the_cell(
        tmp_path: Path) -> None:
    """Lower HPC offers says 0.1 on row 7 and 0.2 on row 8; Dec 2025 says 1.5."""
    book = _with_probabilities(tmp_path, [1.5, 0.1, 0.5, 0.1, 0.1, 0.1, 0.2])
    with pytest.raises(InputError) as caught:
        read_scenarios(book, read_workbook(book).fleet)
    assert [str(p) for p in caught.value.problems] == [
        "Scenarios!F2: scenario 'Dec 2025': probability must be in [0, 1] (got 1.5)",
        "Scenarios!F8: scenario 'Lower HPC offers': probability 0.2 here but 0.1 at "
        "Scenarios!F7; a scenario has one probability (give it on one row, or the same on "
        "each) (got 0.2)"]


def test_some_blank_some_given_is_an_error_at_the_blank_ones(tmp_path: Path) -> None:
    """Only BTC -30% has no probability: an error at its cell."""
    book = _with_probabilities(tmp_path, [0.2, 0.2, None, 0.2, 0.2, 0.2, 0.2])
    assert _problems(book) == [
        "Scenarios!F4: scenario 'BTC -30%' has no probability but 5 other scenario(s) "
        "have one; give every scenario a probability, or none (equally likely)"]


@pytest.mark.slow
def test_cli_scenarios_uses_the_sheet_and_a_bad_sum_writes_nothing(tmp_path: Path) -> None:
    """--scenarios on the sample: six equally likely futures, the library's RP; with
    probabilities summing to 0.6, exit 1 and no output."""
    runner = CliRunner()
    done = runner.invoke(cli, ["stochastic", str(SAMPLE), "--scenarios", "--frontier", "",
                               "--json", "--no-write"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    source = read_workbook(SAMPLE)
    want = stochastic_plan(source, scenarios=sheet_scenario_set(
        source.fleet, read_scenarios(SAMPLE, source.fleet)))
    assert '"samples": 6' in done.output
    assert f'"rp_usd": {want.rp_usd!r}' in done.output
    book = _with_probabilities(tmp_path, [0.1] * 7)
    target = tmp_path / "out.xlsx"
    done = runner.invoke(cli, ["stochastic", str(book), "--scenarios", "-o", str(target)],
                         catch_exceptions=False)
    assert done.exit_code == 1, done.output
    assert "probabilities must sum to 1" in done.output
    assert not target.exists()
