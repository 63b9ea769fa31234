"""Scenario rows: what each kind of change does to the inputs, how bad rows are reported (one
InputError naming every cell and the valid choices), and that a scenario's result equals
solving its modified workbook on its own."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from scenariokit import small_fleet, write_scenario_book

from allocator import optimize, read_workbook
from allocator.domain import Contract, MarketMonth, PowerPrice, Settings, Site
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.scenarios.changes import (
    BASE,
    Change,
    Scenario,
    apply_changes,
    apply_scenario,
    scenario_problems,
)
from allocator.scenarios.compare import compare
from allocator.scenarios.input_diff import input_diff
from allocator.scenarios.parameters import parameter_names
from allocator.workbook.fleet_writer import write_fleet
from allocator.workbook.scenarios_sheet import read_scenarios


def test_every_market_site_contract_and_settings_number_is_a_parameter() -> None:
    """A new numeric input field (or month such as halving_month) must become a scenario
    parameter, or this test names it."""
    names = set(parameter_names())
    for model in (Settings, Site, Contract, MarketMonth):
        numbers = {name for name, info in model.model_fields.items()
                   if re.search(r"\b(float|int)\b", str(info.annotation))
                   or name.endswith("_month")}
        assert numbers, model
        missing = numbers - names
        assert not missing, f"{model.__name__} fields without a scenario parameter: {missing}"


def test_market_scale_applies_to_every_row_and_the_projected_months() -> None:
    """The fleet gives 12 Market rows for a 24-month horizon: a BTC price scaled only in the
    given rows would leave months 13-24 unchanged."""
    base = small_fleet()
    bear = apply_changes(base, [Change("btc_price_usd", "scale", 0.7)])
    ratio = (compute_coefficients(bear).hashprice_usd_ph_day
             / compute_coefficients(base).hashprice_usd_ph_day)
    assert len(ratio) == 24
    np.testing.assert_allclose(ratio, 0.7, rtol=1e-12)


def test_hashprice_scale_starts_from_the_implied_hashprice_in_every_month() -> None:
    """Market rows give BTC price and hashrate, not a hashprice: scaling hashprice must derive
    it (with the scenario's halving month) and carry the factor into projected months."""
    base = small_fleet()
    dec = apply_changes(base, [Change("hashprice_usd_ph_day", "scale", 0.89)])
    ratio = (compute_coefficients(dec).hashprice_usd_ph_day
             / compute_coefficients(base).hashprice_usd_ph_day)
    np.testing.assert_allclose(ratio, 0.89, rtol=1e-12)


def test_site_target_changes_one_site_and_its_monthly_power_prices() -> None:
    base = small_fleet().model_copy(update={"power_prices": (
        PowerPrice(site="Site 0001", month="2026-03", power_price_usd_mwh=80.0),)})
    changed = apply_changes(base, [Change("power_price_usd_mwh", "scale", 1.5, "Site 0001")])
    assert changed.sites[0].power_price_usd_mwh == pytest.approx(
        1.5 * base.sites[0].power_price_usd_mwh)
    assert changed.sites[1:] == base.sites[1:]
    assert changed.power_prices[0].power_price_usd_mwh == pytest.approx(120.0)


def test_contract_and_settings_months_and_whole_numbers() -> None:
    """start_month is the contract's with a target and the plan's without; months add whole
    months; whole-number inputs are rounded after scaling."""
    base = small_fleet()
    changed = apply_changes(base, [
        Change("start_month", "add", 3, "Neocloud-150"),
        Change("halving_month", "set", "2027-10"),
        Change("conversion_lead_months", "scale", 1.5),
        Change("rate_usd_kw_month", "set", 140, "Hyperscale-159"),
    ])
    assert changed.contracts[1].start_month == "2027-04"
    assert changed.settings.halving_month == "2027-10"
    assert changed.settings.start_month == base.settings.start_month
    leads = [round(s.conversion_lead_months * 1.5 + 1e-9) for s in base.sites]
    assert [s.conversion_lead_months for s in changed.sites] == leads
    assert changed.contracts[2].rate_usd_kw_month == 140.0
    assert changed.contracts[0].rate_usd_kw_month == base.contracts[0].rate_usd_kw_month
    later = apply_changes(base, [Change("start_month", "add", 1)])
    assert later.settings.start_month == "2026-02"


def test_results_the_domain_rejects_are_reported_at_the_change() -> None:
    base = small_fleet()
    with pytest.raises(InputError) as caught:
        apply_changes(base, [Change("uptime", "scale", 1.5, cells={"value": "D4"})],
                      scenario="Hot")
    (problem,) = caught.value.problems
    assert problem.cell == "D4"
    assert problem.message.startswith("scenario 'Hot': uptime scale 1.5 makes uptime of site")
    assert "must be less than or equal to 1" in problem.message
    with pytest.raises(InputError, match="is blank in the base case, so it cannot be scaled; "
                                         "use set"):
        apply_changes(base, [Change("max_hpc_share", "scale", 0.5)], scenario="Cap")


def test_input_diff_lists_each_changed_field() -> None:
    base = small_fleet()
    changed = apply_changes(base, [Change("rate_usd_kw_month", "set", 140, "Hyperscale-159"),
                                   Change("discount_rate", "add", 0.02)])
    diff = input_diff(base, changed)
    assert diff.to_dict("records") == [
        {"sheet": "Settings", "record": "", "parameter": "discount_rate", "base_value": 0.10,
         "scenario_value": pytest.approx(0.12)},
        {"sheet": "Contracts", "record": "Hyperscale-159", "parameter": "rate_usd_kw_month",
         "base_value": 159.0, "scenario_value": 140.0},
    ]
    assert input_diff(base, base).empty


def test_bad_scenario_rows_are_one_report_naming_cells_and_valid_choices(tmp_path: Path) -> None:
    rows = [
        ["Bear", "btc_price", "scale", 0.7, None],
        ["Bear", "rate_usd_kw_month", "set", 140, "Nope"],
        ["Bear", "btc_price_usd", "multiply", 0.7, None],
        ["Bear", "uptime", "scale", "lots", None],
        ["Bull", "btc_price_usd", "scale", 1.2, "Site 0001"],
        ["Bull", "halving_month", "scale", 2, None],
        ["Hot", "uptime", "scale", 1.5, "Site 0002"],
        ["Half", "btc_price_usd", None, 0.5, None],
        [BASE, "pool_fee", "set", 0.01, None],
    ]
    book = write_scenario_book(tmp_path / "fleet.xlsx", small_fleet(), rows)
    fleet = read_workbook(book).fleet
    with pytest.raises(InputError) as caught:
        read_scenarios(book, fleet)
    found = {p.cell: p.message for p in caught.value.problems}
    assert list(found) == ["B2", "E3", "C4", "D5", "E6", "C7", "D8", "C9", "A10"]
    assert found["B2"].startswith("scenario 'Bear': unknown parameter 'btc_price'; did you mean "
                                  "'btc_price_usd'? Parameters - market: btc_price_usd, ")
    assert "site: capacity_mw, power_price_usd_mwh" in found["B2"]
    assert "Settings: start_month, months, discount_rate" in found["B2"]
    assert found["E3"] == ("scenario 'Bear': unknown target 'Nope' for rate_usd_kw_month; valid "
                           "targets (contracts): Retrofit-104, Neocloud-150, Hyperscale-159, or "
                           "blank for all")
    assert found["C4"] == "scenario 'Bear': operation must be one of set, scale, add"
    assert found["D5"] == ("scenario 'Bear': value for uptime scale must be a fraction such as "
                           "0.02 or a percentage such as 2%")
    assert found["E6"] == ("scenario 'Bull': btc_price_usd applies to every Market row and takes "
                           "no target; leave target blank")
    assert found["C7"].startswith("scenario 'Bull': halving_month is a month: use set")
    assert "uptime of site 'Site 0002'" in found["D8"]
    assert found["C9"].startswith("scenario 'Half': operation is required")
    assert found["A10"] == "'Base' names the unchanged case; give this scenario another name"
    text = str(caught.value)
    assert text.startswith(f"9 problems in {book}:\n  Scenarios!B2: ")


def test_a_formula_without_a_saved_value_is_not_read_as_blank(tmp_path: Path) -> None:
    """A target formula openpyxl wrote (never calculated) reads as "" in calamine; taken as a
    blank target it would change every site instead of one."""
    book = write_scenario_book(tmp_path / "fleet.xlsx", small_fleet(),
                               [["Cheap", "power_price_usd_mwh", "scale", 0.9, "Site 0001"]])
    wb = openpyxl.load_workbook(book)
    wb["Scenarios"]["E2"] = '=Sites!A2'
    wb.save(book)
    with pytest.raises(InputError) as caught:
        read_scenarios(book, read_workbook(book).fleet)
    (problem,) = caught.value.problems
    assert problem.cell == "E2"
    assert problem.message.startswith("target is a formula")


def test_a_row_with_only_a_name_is_the_base_case_and_the_reference(tmp_path: Path) -> None:
    rows = [["Today"], ["Bear", "btc_price_usd", "scale", "70%"]]
    book = write_scenario_book(tmp_path / "fleet.xlsx", small_fleet(), rows)
    source = read_workbook(book)
    scenarios = read_scenarios(book, source.fleet)
    assert scenarios == (Scenario("Today"),
                         Scenario("Bear", (Change("btc_price_usd", "scale", 0.7),)))
    result = compare(source)
    assert result.names == ["Today", "Bear"]
    assert result.reference == "Today"


def test_a_workbook_without_scenarios_sheet_has_none(tmp_path: Path) -> None:
    book = write_scenario_book(tmp_path / "fleet.xlsx", small_fleet(), None)
    source = read_workbook(book)
    assert read_scenarios(book, source.fleet) == ()
    with pytest.raises(InputError, match=r"nothing to compare: fleet\.xlsx has no scenario rows"):
        compare(source)


ROWS = [
    ["BTC -30%", "btc_price_usd", "scale", 0.7],
    ["Cheap HPC capex", "conversion_capex_usd_mw", "add", -2_000_000, "Site 0001"],
    ["Better offer", "rate_usd_kw_month", "set", 185, "Hyperscale-159"],
    ["Early halving", "halving_month", "set", "2026-10"],
    ["Mixed", "network_hashrate_growth_pa", "set", 0.35],
    ["Mixed", "power_price_usd_mwh", "scale", 0.8],
]


@pytest.mark.slow
def test_each_scenario_equals_its_own_workbook_solved_alone(tmp_path: Path) -> None:
    """The comparison's numbers for every scenario equal writing that scenario's fleet as a
    workbook, reading it back and optimizing it: no state leaks between scenarios and the
    changes survive the workbook contract."""
    book = write_scenario_book(tmp_path / "fleet.xlsx", small_fleet(), ROWS)
    source = read_workbook(book)
    result = compare(source)
    assert result.names == [BASE, "BTC -30%", "Cheap HPC capex", "Better offer",
                            "Early halving", "Mixed"]
    for i, scenario in enumerate(result.scenarios):
        alone = write_fleet(apply_scenario(source.fleet, scenario), tmp_path / f"s{i}.xlsx")
        plan = optimize(read_workbook(alone))
        assert result.value(scenario.name, "npv_usd") == pytest.approx(plan.objective_usd,
                                                                        rel=1e-9)
        committed = dict(zip(plan.contracts["contract"], plan.contracts["committed_mw"],
                             strict=True))
        for name, mw in committed.items():
            assert result.value(scenario.name, "committed_mw", name) == pytest.approx(
                mw, abs=1e-6)
    npv = result.npv_usd
    assert npv["BTC -30%"] < npv[BASE] < npv["Better offer"]


def test_a_scenario_equals_the_workbook_edited_by_hand(tmp_path: Path) -> None:
    """Independent of apply_changes: edit the Market and Contracts cells as a user would."""
    fleet = small_fleet()
    book = write_scenario_book(tmp_path / "fleet.xlsx", fleet,
                               [["Both", "btc_price_usd", "scale", 0.7],
                                ["Both", "rate_usd_kw_month", "set", 185, "Hyperscale-159"]])
    result = compare(read_workbook(book))

    edited = tmp_path / "edited.xlsx"
    write_fleet(fleet, edited)
    wb = openpyxl.load_workbook(edited)
    market, contracts = wb["Market"], wb["Contracts"]
    price_col = [c.value for c in market[1]].index("btc_price_usd") + 1
    for row in range(2, market.max_row + 1):
        cell = market.cell(row, price_col)
        cell.value = cell.value * 0.7
    rate_col = [c.value for c in contracts[1]].index("rate_usd_kw_month") + 1
    for row in range(2, contracts.max_row + 1):
        if contracts.cell(row, 1).value == "Hyperscale-159":
            contracts.cell(row, rate_col).value = 185
    wb.save(edited)
    plan = optimize(read_workbook(edited))
    assert result.value("Both", "npv_usd") == pytest.approx(plan.objective_usd, rel=1e-9)


def test_scenarios_built_in_code_are_checked_like_rows() -> None:
    problems = scenario_problems(small_fleet(), [
        Scenario("X", (Change("capacity_mw", "set", 100, "Nowhere"),))])
    assert [str(p) for p in problems] == [
        "Scenarios[X].target: scenario 'X': unknown target 'Nowhere' for capacity_mw; valid "
        "targets (sites): Site 0001, Site 0002, Site 0003, or blank for all"]
