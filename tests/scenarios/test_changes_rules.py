"""Scenario rows that would mislead: a field changed twice, and a rate typed as a percent.

Each test says which bug it pins. Sheet-level tests read the rows with ``read_scenarios`` and
assert the exact ``Sheet!Cell: message`` text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scenariokit import small_fleet, write_scenario_book

from allocator import read_workbook
from allocator.errors import InputError
from allocator.scenarios.changes import Change, apply_changes
from allocator.workbook.scenarios_sheet import read_scenarios


def _read(tmp_path: Path, rows: list[list[object]]) -> list[str]:
    book = write_scenario_book(tmp_path / "fleet.xlsx", small_fleet(), rows)
    fleet = read_workbook(book).fleet
    with pytest.raises(InputError) as caught:
        read_scenarios(book, fleet)
    return [str(p) for p in caught.value.problems]


def test_two_rows_changing_the_same_field_are_refused_naming_both_cells(tmp_path: Path) -> None:
    """Bug it pins: ``btc_price_usd scale 0.9`` then ``scale 0.8`` compounded to x0.72 with no
    word; so did a row for every site followed by a row for one of them."""
    rows: list[list[object]] = [
        ["Bear", "btc_price_usd", "scale", 0.9, None],
        ["Bear", "btc_price_usd", "scale", 0.8, None],
        ["Tight", "capacity_mw", "scale", 0.9, None],
        ["Tight", "capacity_mw", "set", 50, "Site 0002"],
        ["Offers", "rate_usd_kw_month", "set", 140, "Neocloud-150"],
        ["Offers", "rate_usd_kw_month", "set", 143, "Hyperscale-159"],
    ]
    assert _read(tmp_path, rows) == [
        "Scenarios!B3: scenario 'Bear': btc_price_usd scale 0.8 changes what btc_price_usd "
        "scale 0.9 (Scenarios!B2) already changes, and one scenario's rows would compound; "
        "give one row per parameter and target",
        "Scenarios!B5: scenario 'Tight': capacity_mw of Site 0002 set 50 changes what "
        "capacity_mw scale 0.9 (Scenarios!B4) already changes, and one scenario's rows would "
        "compound; give one row per parameter and target",
    ]


def test_the_same_field_in_different_scenarios_or_for_different_targets_is_fine() -> None:
    base = small_fleet()
    changed = apply_changes(base, [Change("rate_usd_kw_month", "set", 140, "Neocloud-150"),
                                   Change("rate_usd_kw_month", "set", 143, "Hyperscale-159"),
                                   Change("capacity_mw", "scale", 0.9, "Site 0001"),
                                   Change("capacity_mw", "scale", 0.8, "Site 0002")])
    assert [c.rate_usd_kw_month for c in changed.contracts][1:] == [140, 143]
    with pytest.raises(InputError, match=re.escape(
            "scenario 'Bear': btc_price_usd scale 0.8 changes what btc_price_usd scale 0.9 "
            "already changes")):
        apply_changes(base, [Change("btc_price_usd", "scale", 0.9),
                             Change("btc_price_usd", "scale", 0.8)], scenario="Bear")


def test_a_rate_set_as_a_percent_number_is_refused_with_the_fraction_meant(
    tmp_path: Path,
) -> None:
    """Bug it pins: ``btc_price_growth_pa set 5`` (5 %) made a +500 %/yr scenario."""
    rows: list[list[object]] = [
        ["Bull", "btc_price_growth_pa", "set", 5, None],
        ["Hot", "uptime", "set", 97, "Site 0001"],
        ["Dear", "discount_rate", "add", 2, None],
        ["Fine", "network_hashrate_growth_pa", "set", 1.5, None],
        ["Fine too", "btc_price_growth_pa", "set", "5%", None],
    ]
    assert _read(tmp_path, rows) == [
        "Scenarios!D2: scenario 'Bull': btc_price_growth_pa set 5: 5 looks like a percent: "
        "enter 0.05 for 5 % (got 5)",
        "Scenarios!D3: scenario 'Hot': uptime of Site 0001 set 97: 97 looks like a percent: "
        "enter 0.97 for 97 % (got 97)",
        "Scenarios!D4: scenario 'Dear': discount_rate add 2: 2 looks like a percent: enter "
        "0.02 for 2 % (got 2)",
    ]
    fine = apply_changes(small_fleet(), [Change("network_hashrate_growth_pa", "set", 1.5)])
    assert fine.settings.network_hashrate_growth_pa == 1.5
