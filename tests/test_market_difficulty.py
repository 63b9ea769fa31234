"""Difficulty as the network's figure (issue 13, item 2): ``difficulty`` in place of
``network_hashrate_ehs``, hashrate = difficulty x 2^32 / 600 s."""

from __future__ import annotations

from pathlib import Path

import pytest
from fleetkit import fleet, miners, write_book

from allocator import economics as econ
from allocator import optimize
from allocator.domain import MarketMonth
from allocator.errors import InputError
from allocator.market import project_fleet_market
from allocator.scenarios.changes import Change, apply_changes
from allocator.scenarios.input_diff import input_diff
from allocator.workbook.fleet_writer import write_fleet
from allocator.workbook.reader import read_workbook

# 1,000 EH/s = 1e21 H/s, so difficulty 1e21 x 600 / 2^32 = 139,698,386,192,322.3
DIFFICULTY_OF_1000_EHS = 1e21 * 600 / 2**32


def test_difficulty_148_26_t_is_1061_ehs() -> None:
    """DOMAIN.md 1.2: difficulty 148.26 T (8 January 2026) implies about 1,061 EH/s."""
    assert econ.network_hashrate_ehs_from_difficulty(148.26e12) == pytest.approx(1_061.2,
                                                                                  abs=0.1)
    assert econ.network_hashrate_ehs_from_difficulty(DIFFICULTY_OF_1000_EHS) == pytest.approx(
        1_000.0, rel=1e-15)


def book(tmp_path: Path, market: list[list[object]], name: str = "fleet.xlsx") -> Path:
    return write_book(tmp_path / name, {
        "Settings": [["key", "value"], ["months", 24], ["network_hashrate_growth_pa", 0.3]],
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh"], ["A", 100, 55]],
        "Miners": [["site", "model", "units"], ["A", "Antminer S21 XP", 10_000],
                   ["A", "Antminer S19 XP", 10_000]],
        "Market": market,
    })


def test_difficulty_and_hashrate_for_the_same_network_give_the_same_plan(tmp_path: Path
                                                                         ) -> None:
    """Two rows, the second six months on (so the filled and projected months follow the
    given network too); the plan is the same to the dollar and MW."""
    hashrate = book(tmp_path, [["month", "btc_price_usd", "network_hashrate_ehs"],
                               ["2026-01", 90_000, 1_000], ["2026-07", 95_000, 1_200]], "a.xlsx")
    difficulty = book(tmp_path, [["month", "btc_price_usd", "difficulty"],
                                 ["2026-01", 90_000, DIFFICULTY_OF_1000_EHS],
                                 ["2026-07", 95_000, DIFFICULTY_OF_1000_EHS * 1.2]], "b.xlsx")
    a, b = optimize(read_workbook(hashrate)), optimize(read_workbook(difficulty))
    assert b.npv_usd == pytest.approx(a.npv_usd, rel=1e-12)
    assert b.tranches["running_mw"].to_numpy() == pytest.approx(
        a.tranches["running_mw"].to_numpy(), abs=1e-9)
    assert b.summary["network_hashrate_ehs"].to_numpy() == pytest.approx(
        a.summary["network_hashrate_ehs"].to_numpy(), rel=1e-12)
    assert b.summary["network_hashrate_ehs"].iloc[0] == pytest.approx(1_000.0)
    assert 0 < a.tranches["running_mw"].sum() < a.tranches["available_mw"].sum()  # a margin


def test_both_for_one_row_is_an_error_at_its_cell(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_workbook(book(tmp_path, [
            ["month", "btc_price_usd", "network_hashrate_ehs", "difficulty"],
            ["2026-01", 90_000, 1_000, None],
            ["2026-02", 90_000, 1_000, 1.4e14],
            ["2026-03", 90_000, None, -5],
            ["2026-04", 90_000, None, None],
        ]))
    assert [str(p) for p in caught.value.problems] == [
        "Market!D3: give network_hashrate_ehs (Market!C3) or difficulty, not both: they are "
        "the same network quoted two ways (got 140000000000000)",
        "Market!D4: difficulty must be > 0 (got -5)",
        "Market!C5: give hashprice_usd_ph_day, or btc_price_usd and the network "
        "(network_hashrate_ehs or difficulty)",
    ]


def test_a_row_with_a_hashprice_needs_no_network(tmp_path: Path) -> None:
    """As before: a hashprice alone is a whole row; with a difficulty it still overrides."""
    source = read_workbook(book(tmp_path, [
        ["month", "btc_price_usd", "difficulty", "hashprice_usd_ph_day"],
        ["2026-01", None, None, 40], ["2026-02", 90_000, DIFFICULTY_OF_1000_EHS, 41]]))
    points = project_fleet_market(source.fleet)
    assert [p.hashprice_usd_ph_day for p in points[:2]] == [40, 41]
    assert points[1].network_hashrate_ehs == pytest.approx(1_000.0)


def test_difficulty_rows_round_trip_through_the_workbook(tmp_path: Path) -> None:
    f = fleet(months=3, miner_rows=[miners()], market=[
        MarketMonth(month="2026-01", btc_price_usd=90_000.0, difficulty=1.4826e14,
                    fees_btc_per_block=0.02)])
    path = write_fleet(f, tmp_path / "back.xlsx")
    assert read_workbook(path).fleet == f


def test_a_hashrate_scenario_on_a_difficulty_deck_moves_the_network_alike() -> None:
    """network_hashrate_ehs scale 1.1 on a row given as difficulty starts from the hashrate
    the difficulty implies, and the row keeps one form; difficulty scale 1.1 on a hashrate row
    does the same the other way. Both give the hashrate deck's scaled hashprice."""
    by_hashrate = fleet(months=2, market=[MarketMonth(
        month="2026-01", btc_price_usd=90_000.0, network_hashrate_ehs=1_000.0)])
    by_difficulty = fleet(months=2, market=[MarketMonth(
        month="2026-01", btc_price_usd=90_000.0, difficulty=DIFFICULTY_OF_1000_EHS)])
    want = [p.hashprice_usd_ph_day / 1.1 for p in project_fleet_market(by_hashrate)]
    for base, parameter in ((by_difficulty, "network_hashrate_ehs"),
                            (by_hashrate, "difficulty")):
        changed = apply_changes(base, [Change(parameter, "scale", 1.1)], scenario="s")
        assert [p.hashprice_usd_ph_day for p in project_fleet_market(changed)] == (
            pytest.approx(want, rel=1e-12))
        row = changed.market[0]
        assert (row.network_hashrate_ehs is None) != (row.difficulty is None)
    diff = input_diff(by_difficulty, apply_changes(
        by_difficulty, [Change("network_hashrate_ehs", "scale", 1.1)], scenario="s"))
    shown = diff.set_index("parameter")
    assert shown.loc["network_hashrate_ehs", "base_value"] == pytest.approx(1_000.0)
    assert shown.loc["network_hashrate_ehs", "scenario_value"] == pytest.approx(1_100.0)
