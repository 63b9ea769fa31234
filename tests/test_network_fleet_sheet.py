"""The network model's inputs in the workbook (issue 13, item 4): the Settings keys
network_model and network_power_price_usd_mwh and the NetworkFleet sheet, each in the template
with its note, read back, and checked at its cells, every fault at once."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from fleetkit import verified, write_book

from allocator.domain import DEFAULT_NETWORK_FLEET
from allocator.errors import InputError
from allocator.workbook.reader import read_workbook
from allocator.workbook.template import write_template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("template") / "fleet.xlsx")


def _setting_rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, int]:
    return {str(ws.cell(row=r, column=1).value): r for r in range(2, ws.max_row + 1)}


def test_the_settings_have_notes_with_unit_range_and_choices(template: Path) -> None:
    ws = openpyxl.load_workbook(template)["Settings"]
    rows = _setting_rows(ws)
    model = ws.cell(row=rows["network_model"], column=1).comment.text
    assert model.startswith("network_model (optional)\nUnit: rule\n")
    assert "Choices: fixed_growth, marginal_cost" in model
    assert "Given Market rows stay as given." in model
    price = ws.cell(row=rows["network_power_price_usd_mwh"], column=1).comment.text
    assert price.startswith("network_power_price_usd_mwh (optional)\nUnit: USD/MWh\n"
                            "Range: 0 to 1000\n")
    assert "0.024 x e x this per PH/s per day" in price and "Default 40" in price
    [dropdown] = [dv for dv in ws.data_validations.dataValidation
                  if str(dv.sqref) == f"B{rows['network_model']}"]
    assert dropdown.formula1 == '"fixed_growth,marginal_cost"'


def test_the_network_fleet_sheet_holds_the_default_table_with_notes(template: Path) -> None:
    ws = openpyxl.load_workbook(template)["NetworkFleet"]
    assert [c.value for c in ws[1]] == ["efficiency_j_th", "share", "source"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert rows == [[b.efficiency_j_th, b.share, b.source] for b in DEFAULT_NETWORK_FLEET]
    efficiency = ws["A1"].comment.text
    assert efficiency.startswith("efficiency_j_th (required)\nUnit: J/TH\n"
                                 "Range: above 0, at most 500\n")
    assert "NetworkFleet (optional sheet)" in efficiency and "default table" in efficiency
    share = ws["B1"].comment.text
    assert share.startswith("share (required)\nUnit: fraction of network hashrate\n"
                            "Range: 0 to 1\nType 0.10 or 10% for 10 %, not 10.\n")
    assert "the shares sum to 1" in share


def _fill(template: Path, tmp_path: Path, settings: dict[str, object],
          bands: list[list[object]] | None = None) -> Path:
    wb = openpyxl.load_workbook(template)
    ws = wb["Settings"]
    rows = _setting_rows(ws)
    for key, value in settings.items():
        ws.cell(row=rows[key], column=2, value=value)
    wb["Sites"].append(["Alpha", 100, 40])
    wb["Miners"].append(["Alpha", "Antminer S21 XP", 10_000])
    market = wb["Market"]
    headers = [c.value for c in market[1]]
    row: list[object] = [None] * len(headers)
    row[headers.index("month")] = "2026-01"
    row[headers.index("btc_price_usd")] = 83_570
    row[headers.index("network_hashrate_ehs")] = 1_022
    market.append(row)
    if bands is not None:
        fleet = wb["NetworkFleet"]
        fleet.delete_rows(2, fleet.max_row)
        for band in bands:
            fleet.append(band)
    wb.save(tmp_path / "filled.xlsx")
    return tmp_path / "filled.xlsx"


def test_the_filled_template_reads_the_default_table(template: Path, tmp_path: Path) -> None:
    book = read_workbook(_fill(template, tmp_path, {"network_model": "marginal_cost",
                                                    "network_power_price_usd_mwh": 50}))
    st = book.fleet.settings
    assert (st.network_model, st.network_power_price_usd_mwh) == ("marginal_cost", 50.0)
    assert book.fleet.network_fleet == DEFAULT_NETWORK_FLEET


def test_every_bad_network_input_is_reported_at_its_cell(template: Path,
                                                         tmp_path: Path) -> None:
    path = _fill(template, tmp_path, {"network_model": "reactive",
                                      "network_power_price_usd_mwh": -5},
                 [[-20, 0.5], [30, "half"], [40, 25]])
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    rows = _setting_rows(openpyxl.load_workbook(path)["Settings"])
    assert sorted(str(p) for p in caught.value.problems) == sorted([
        "NetworkFleet!A2: efficiency_j_th must be > 0 (got -20)",
        "NetworkFleet!B3: share must be a fraction such as 0.02 or a percentage such as 2% "
        "(got 'half')",
        "NetworkFleet!B4: share 25 looks like a percent: enter 0.25 for 25 % (got 25)",
        f"Settings!B{rows['network_model']}: network_model must be one of fixed_growth, "
        "marginal_cost (got 'reactive')",
        f"Settings!B{rows['network_power_price_usd_mwh']}: network_power_price_usd_mwh must "
        "be >= 0 (got -5)",
    ])


def test_shares_that_do_not_sum_to_1_are_an_error_at_the_share_cells(
        template: Path, tmp_path: Path) -> None:
    path = _fill(template, tmp_path, {"network_model": "marginal_cost"},
                 [[15, 0.5, "new"], [25, 0.3], [35, 0.1]])
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert [str(p) for p in caught.value.problems] == [
        "NetworkFleet!B4: the shares (B2:B4) sum to 0.9, not 1: each is the band's share of "
        "the network hashrate, so together they make all of it (got 0.1)"]


def test_a_book_without_the_sheet_plans_with_the_default_table(tmp_path: Path) -> None:
    """Run Info names the table, its power price and the months it held the hashrate down;
    the Summary marks those months."""
    path = write_book(tmp_path / "book.xlsx", {
        "Settings": [["key", "value"], ["months", 60], ["network_model", "marginal_cost"],
                     ["btc_price_growth_pa", 0.05], ["network_hashrate_growth_pa", 0.20]],
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh"], ["A", 100, 40]],
        "Miners": [["site", "model", "units"], ["A", "Antminer S21 XP", 10_000]],
        "Market": [["month", "btc_price_usd", "network_hashrate_ehs", "fees_btc_per_block"],
                   ["2026-01", 83_570, 1_022, 0.019]],
    })
    book = read_workbook(path)
    assert book.fleet.network_fleet == ()
    plan = verified(book.fleet)
    info = dict(plan.run_info.to_frame().itertuples(index=False))
    assert info["network_model"].startswith(
        "marginal_cost: 5 bands of 13.5 to 38 J/TH (the default table), power at $40/MWh; "
        "hashrate held below the projection in ")
    basis = plan.summary["market_basis"]
    assert basis.iloc[0] == "given"
    assert set(basis.iloc[1:]) == {"projected", "network_model (projected)"}
    assert basis.iloc[-1] == "network_model (projected)"
    assert "network_model (projected) " in info["market"]


def test_bands_of_your_own_with_the_model_off_earn_a_warning(template: Path,
                                                             tmp_path: Path) -> None:
    """The template's default rows stay quiet; edited rows say they are not used."""
    assert not [w for w in read_workbook(_fill(template, tmp_path, {})).warnings
                if w.startswith("NetworkFleet")]
    edited = _fill(template, tmp_path, {}, [[15, 0.5], [30, 0.5]])
    assert [w for w in read_workbook(edited).warnings if w.startswith("NetworkFleet")] == [
        "NetworkFleet!A2: the bands are read only with network_model marginal_cost; "
        "network_model is fixed_growth, so they are not used"]
