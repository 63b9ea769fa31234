"""The halving by date (issue 13, item 3): ``halving_date`` and a day-weighted subsidy in the
halving month; ``halving_month`` alone keeps its meaning (the whole month, from its 1st)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fleetkit import fleet, miners, write_book

from allocator import economics as econ
from allocator.domain import MarketMonth, Settings
from allocator.errors import InputError
from allocator.market import project_fleet_market
from allocator.scenarios.changes import Change, apply_changes
from allocator.workbook.fleet_writer import write_fleet
from allocator.workbook.reader import read_workbook


def test_a_halving_on_day_16_of_a_30_day_month_weights_the_days() -> None:
    """April 2028 has 30 days: days 1-15 at 3.125 BTC, days 16-30 at 1.5625."""
    assert econ.block_subsidy_btc("2028-04", "2028-04-16") == (15 * 3.125 + 15 * 1.5625) / 30
    assert econ.block_subsidy_btc("2028-03", "2028-04-16") == 3.125
    assert econ.block_subsidy_btc("2028-05", "2028-04-16") == 1.5625


def test_later_halvings_fall_on_the_same_day_48_months_on() -> None:
    """April 2032 (30 days) halves again on the 16th; a 31st in a 30-day month is its 30th."""
    assert econ.block_subsidy_btc("2032-04", "2028-04-16") == (15 * 1.5625 + 15 * 0.78125) / 30
    assert econ.block_subsidy_btc("2032-03", "2028-04-16") == 1.5625
    assert econ.block_subsidy_btc("2028-04", "2028-04-01") == 1.5625  # the 1st: whole month
    assert econ.block_subsidy_btc("2028-04", "2028-04") == 1.5625  # a month means its 1st


def test_halving_date_alone_sets_the_month_and_weights_the_hashprice() -> None:
    """A 2028-04-17 halving: 16 days of 3.125 and 14 of 1.5625 -> 2.395833 BTC a block, and
    the hashprice of a hashprice-free row follows it."""
    settings = Settings(start_month="2028-03", months=3, halving_date="2028-04-17")
    assert settings.halving_month == "2028-04" and settings.halving_day == "2028-04-17"
    f = fleet(start="2028-03", months=3, halving_date="2028-04-17", market=[MarketMonth(
        month="2028-03", btc_price_usd=100_000.0, network_hashrate_ehs=1_000.0)])
    subsidy = [p.subsidy_btc for p in project_fleet_market(f)]
    assert subsidy == pytest.approx([3.125, (16 * 3.125 + 14 * 1.5625) / 30, 1.5625])
    assert project_fleet_market(f)[1].hashprice_usd_ph_day == pytest.approx(
        subsidy[1] * 144 * 100_000 / 1e6)


def test_without_a_date_the_plan_is_todays() -> None:
    """halving_month alone (or the default) switches the whole month, as before."""
    f = fleet(start="2028-03", months=3, market=[MarketMonth(
        month="2028-03", btc_price_usd=100_000.0, network_hashrate_ehs=1_000.0)])
    assert f.settings.halving_date is None and f.settings.halving_day == "2028-04-01"
    assert [p.subsidy_btc for p in project_fleet_market(f)] == [3.125, 1.5625, 1.5625]


def book(tmp_path: Path, settings: list[list[object]]) -> Path:
    return write_book(tmp_path / "halving.xlsx", {
        "Settings": [["key", "value"], *settings],
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh"], ["A", 100, 40]],
        "Market": [["month", "hashprice_usd_ph_day"], ["2026-01", 40]],
    })


@pytest.mark.parametrize("value", ["2028-04-17", "2028-4-17"])
def test_halving_date_is_read_as_text_or_a_date_cell(tmp_path: Path, value: str) -> None:
    for cell in (value, dt.date(2028, 4, 17)):
        source = read_workbook(book(tmp_path, [["halving_date", cell]]))
        assert source.fleet.settings.halving_date == "2028-04-17"
        assert source.fleet.settings.halving_month == "2028-04"


def test_bad_or_disagreeing_halving_dates_are_errors_at_their_cells(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_workbook(book(tmp_path, [["halving_month", "2028-04"],
                                      ["halving_date", "2028-05-17"]]))
    assert [str(p) for p in caught.value.problems] == [
        "Settings!B3: halving_date 2028-05-17 is not in halving_month 2028-04; give one of "
        "them, or make them agree"]
    with pytest.raises(InputError) as caught:
        read_workbook(book(tmp_path, [["halving_date", "April 2028"]]))
    assert [str(p) for p in caught.value.problems] == [
        "Settings!B2: halving_date must be a day written YYYY-MM-DD (2028-04-17) or a date "
        "cell (got 'April 2028')"]
    with pytest.raises(InputError) as caught:
        read_workbook(book(tmp_path, [["halving_date", "2028-02-30"]]))
    assert "Settings!B2: halving_date must be a day" in str(caught.value.problems[0])


def test_halving_date_round_trips_and_moves_with_a_halving_month_scenario(tmp_path: Path
                                                                          ) -> None:
    f = fleet(months=2, miner_rows=[miners()], halving_date="2028-04-17",
              market_gap_fill="interpolate")
    assert read_workbook(write_fleet(f, tmp_path / "back.xlsx")).fleet == f
    later = apply_changes(f, [Change("halving_month", "add", 12)], scenario="late")
    assert (later.settings.halving_month, later.settings.halving_date) == ("2029-04",
                                                                           "2029-04-17")
    short = apply_changes(fleet(halving_date="2028-03-31"),
                          [Change("halving_month", "set", "2028-04")], scenario="april")
    assert short.settings.halving_date == "2028-04-30"
