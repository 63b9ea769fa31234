"""The input diff shows the base value of a derived input instead of a blank, and the sheet
formats it like any value of its parameter.

Bug (issue 14, item 15): a scenario scaling the hashprice of Market rows that give none (it is
derived from BTC price, network hashrate and fees) listed a blank base value.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from scenariokit import small_fleet

from allocator import economics as econ
from allocator.scenarios.changes import Change, Scenario, apply_changes
from allocator.scenarios.compare import compare
from allocator.scenarios.executors import SerialExecutor
from allocator.scenarios.input_diff import input_diff
from allocator.workbook.comparison_writer import COMPARISON_SHEET, write_comparison


def _implied(month: int = 0) -> float:
    fleet = small_fleet()
    row = fleet.market[month]
    assert row.hashprice_usd_ph_day is None and row.btc_price_usd is not None
    assert row.network_hashrate_ehs is not None
    subsidy = econ.block_subsidy_btc(row.month, fleet.settings.halving_month)
    return float(econ.hashprice_usd_ph_day(row.btc_price_usd, row.network_hashrate_ehs,
                                           subsidy, row.fees_btc_per_block))


def test_a_derived_hashprice_shows_its_base_value() -> None:
    base = small_fleet()
    diff = input_diff(base, apply_changes(base, [Change("hashprice_usd_ph_day", "scale", 0.9)]))
    first = diff.iloc[0].to_dict()
    assert (first["sheet"], first["record"], first["parameter"]) == (
        "Market", "2026-01", "hashprice_usd_ph_day")
    assert first["base_value"] == pytest.approx(_implied())
    assert first["scenario_value"] == pytest.approx(0.9 * _implied())
    assert diff["base_value"].notna().all()


def test_a_set_hashprice_shows_the_derived_one_it_replaces() -> None:
    base = small_fleet()
    diff = input_diff(base, apply_changes(base, [Change("hashprice_usd_ph_day", "set", 40.0)]))
    assert diff.iloc[0]["base_value"] == pytest.approx(_implied())
    assert diff.iloc[0]["scenario_value"] == 40.0


def test_the_comparison_sheet_shows_and_formats_the_derived_base(tmp_path: Path) -> None:
    scenarios = [Scenario("Base", ()),
                 Scenario("Lower hashprice", (Change("hashprice_usd_ph_day", "scale", 0.9),))]
    result = compare(small_fleet(), scenarios, executor=SerialExecutor())
    ws = openpyxl.load_workbook(write_comparison(result, tmp_path / "cmp.xlsx"))[
        COMPARISON_SHEET]
    header = [r for r in ws.iter_rows() if r[0].value == "scenario"][-1]
    heads = [c.value for c in header]
    row = header[0].row + 1
    base = ws.cell(row=row, column=heads.index("base_value") + 1)
    parameter = ws.cell(row=row, column=heads.index("parameter") + 1)
    assert parameter.value == "hashprice_usd_ph_day"
    assert base.value == pytest.approx(_implied())
    assert base.number_format.startswith('"$"#,##0.00')  # dollars and cents
