"""Sensitivity: NPV moves the way each driver says, the hand-checked spot case, tornado
order, the tornado chart in the written workbook (and in LibreOffice), and the command."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from fleetkit import contract, fleet, miners, site, write_book

from allocator import Fleet, optimize
from allocator.cli.main import cli
from allocator.insight.annotate import add_insight
from allocator.insight.tornado import DRIVERS, SENSITIVITY_COLUMNS, SENSITIVITY_SHEET, scaled
from allocator.insight.tornado import sensitivity as sensitivity_table
from allocator.market import network_hashrate_ehs_of
from allocator.synthetic import synthetic_fleet
from allocator.workbook.writer import TORNADO_TITLE, write_plan

SOFFICE = shutil.which("soffice")


@pytest.fixture(scope="module")
def mixed() -> Fleet:
    """Three synthetic sites over three years: mining, conversions and leases all move."""
    return synthetic_fleet(sites=3, months=36, seed=5)


@pytest.fixture(scope="module")
def table(mixed: Fleet) -> pd.DataFrame:
    return sensitivity_table(mixed, 10.0)


def spot_fleet() -> Fleet:
    """Worked example 1 (docs/model.md): April 2026, hashprice 40 given, pool fee 2 %, 36.45 MW of
    S21 XP at 97 % uptime, $50/MWh, mining PUE 1.05, opex $5,000/MW-month."""
    return fleet(start="2026-04", pool_fee=0.02,
                 sites=[site(power_price_usd_mwh=50.0, mining_pue=1.05, uptime=0.97,
                             mining_opex_usd_mw_month=5000.0)],
                 miner_rows=[miners()], hashprice=40.0)


def test_npv_moves_the_way_each_driver_says(table: pd.DataFrame) -> None:
    """Re-optimizing can only gain from a higher BTC price or HPC rate and only lose from a
    higher hashrate, power price or capex. A variant applied with the wrong sign (or to the
    wrong field) breaks at least one of these."""
    assert list(table.columns) == SENSITIVITY_COLUMNS
    assert set(table["parameter"]) == {p for _, p in DRIVERS}
    row = table.set_index("parameter")
    rising = ("btc_price_usd", "rate_usd_kw_month")
    for parameter in row.index:
        low = row.loc[parameter, "low_npv_change_usd"]
        high = row.loc[parameter, "high_npv_change_usd"]
        if parameter in rising:
            assert low < 0 < high, parameter
        else:
            assert low > 0 > high, parameter
    assert (table["base_npv_usd"] == table["base_npv_usd"].iloc[0]).all()
    assert (table["low_change_pct"] == -0.1).all() and (table["high_change_pct"] == 0.1).all()


def test_rows_come_in_tornado_order(table: pd.DataFrame, mixed: Fleet) -> None:
    """Largest swing first; the swing is the distance between the two NPVs; each NPV is that
    of a cold, verified re-solve."""
    swings = list(table["swing_usd"])
    assert swings == sorted(swings, reverse=True)
    assert (table["swing_usd"] == (table["high_npv_usd"] - table["low_npv_usd"]).abs()).all()
    cheaper = mixed.model_copy(update={"sites": tuple(
        s.model_copy(update={"power_price_usd_mwh": s.power_price_usd_mwh * 0.9})
        for s in mixed.sites)})
    low = table.set_index("parameter").loc["power_price_usd_mwh", "low_npv_usd"]
    assert low == pytest.approx(optimize(cheaper).npv_usd, rel=1e-9)


def test_spot_case_by_hand() -> None:
    """Spot mining, 35.3565 MW running: +10 % BTC price lifts a given hashprice of 40 to 44,
    worth 35.3565 x 4 x 1000 / 13.5 x 30 x 0.98; +10 % network hashrate lowers it to 40/1.1.
    A hashprice override left unscaled would show no change at all."""
    table = sensitivity_table(spot_fleet(), 10.0).set_index("parameter")
    per_hashprice = 35.3565 * 1000 / 13.5 * 30 * 0.98
    btc = table.loc["btc_price_usd"]
    assert btc["base_npv_usd"] == pytest.approx(1_566_685.80, abs=0.01)
    assert btc["high_npv_change_usd"] == pytest.approx(4 * per_hashprice, rel=1e-9)
    assert btc["low_npv_change_usd"] == pytest.approx(-4 * per_hashprice, rel=1e-9)
    hashrate = table.loc["network_hashrate_ehs"]
    assert hashrate["high_npv_change_usd"] == pytest.approx((40 / 1.1 - 40) * per_hashprice,
                                                            rel=1e-9)
    power = table.loc["power_price_usd_mwh"]
    assert power["high_npv_change_usd"] == pytest.approx(-35.3565 * 5 * 24 * 30 * 1.05,
                                                         rel=1e-9)
    for parameter in ("rate_usd_kw_month", "conversion_capex_usd_mw"):  # nothing to move
        assert table.loc[parameter, "swing_usd"] == 0.0


def test_a_variant_without_a_plan_is_blank_with_the_reason() -> None:
    """A firm 20 MW lease needs all 20 MW of convertible space converted in 2026, exactly the
    capex budget: 10 % dearer capex has no feasible plan, 10 % cheaper capex does."""
    f = fleet(months=3, capex_budget_usd_per_year=20e6,
              sites=[site(hpc_convertible_mw=20.0, conversion_capex_usd_mw=1e6,
                          conversion_lead_months=1)],
              contracts=[contract(min_mw=20.0, firm=True, start_month="2026-02",
                                  term_months=2, power_pass_through=True)])
    row = sensitivity_table(f, 10.0, drivers=["conversion_capex_usd_mw"]).iloc[0]
    assert row["low_npv_change_usd"] > 0
    assert math.isnan(row["high_npv_usd"]) and math.isnan(row["swing_usd"])
    assert row["note"].startswith("no plan at +10%: ")


@pytest.mark.parametrize(("pct", "message"), [(0.0, "between 0 and 100"),
                                              (100.0, "between 0 and 100"),
                                              (math.nan, "between 0 and 100")])
def test_pct_must_be_a_fraction_of_the_whole(pct: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sensitivity_table(spot_fleet(), pct)


def test_unknown_driver_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"Unknown sensitivity driver 'fees'\. Available: "
                                         r"btc_price_usd, network_hashrate_ehs"):
        sensitivity_table(spot_fleet(), drivers=["fees"])


# ------------------------------------------------------------------------------- workbook


@pytest.fixture(scope="module")
def written(mixed: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = add_insight(optimize(mixed), mixed)
    return write_plan(plan, tmp_path_factory.mktemp("tornado") / "plan.xlsx")


def _chart_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [archive.read(n).decode() for n in archive.namelist()
                if n.startswith("xl/charts/chart")]


def test_tornado_chart_is_written_on_the_sensitivity_sheet(written: Path) -> None:
    """A horizontal clustered bar chart, bars overlapped, low and high change per driver,
    widest band on top; the Summary keeps its own area chart."""
    wb = openpyxl.load_workbook(written)
    assert wb.sheetnames[-2:] == ["Miner Breakeven", SENSITIVITY_SHEET]
    headers = [c.value for c in wb[SENSITIVITY_SHEET][1]]
    assert headers == SENSITIVITY_COLUMNS
    site_headers = [c.value for c in wb["Site Value"][1]]
    assert "breakeven_hpc_rate_usd_kw_month" in site_headers
    contract_headers = [c.value for c in wb["Contract Result"][1]]
    for name in ("value_added_usd", "full_take_rate_usd_kw_month", "drop_rate_usd_kw_month"):
        assert name in contract_headers
    charts = _chart_xml(written)
    assert len(charts) == 2
    tornado = re.sub(r"\s+/>", "/>", next(x for x in charts if TORNADO_TITLE in x))
    assert '<barDir val="bar"/>' in tornado
    assert '<grouping val="clustered"/>' in tornado
    assert '<crosses val="max"/>' in tornado  # USD axis below the reversed categories
    assert '<overlap val="100"/>' in tornado
    assert '<orientation val="maxMin"/>' in tornado
    assert "'Sensitivity'!$H$2:$H$6" in tornado and "'Sensitivity'!$I$2:$I$6" in tornado
    assert "'Sensitivity'!$A$2:$A$6" in tornado
    with zipfile.ZipFile(written) as archive:
        rels = {n: archive.read(n).decode() for n in archive.namelist()
                if n.startswith("xl/worksheets/_rels/")}
    sheet = list(openpyxl.load_workbook(written).sheetnames).index(SENSITIVITY_SHEET) + 1
    assert "drawing" in rels[f"xl/worksheets/_rels/sheet{sheet}.xml.rels"]


def test_no_chart_without_a_sensitivity_frame(mixed: Fleet, tmp_path: Path) -> None:
    plan = add_insight(optimize(mixed), mixed, sensitivity_pct=None)
    out = write_plan(plan, tmp_path / "plan.xlsx")
    assert not any(TORNADO_TITLE in x for x in _chart_xml(out))


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_tornado_workbook_converts_in_libreoffice(written: Path, tmp_path: Path) -> None:
    """LibreOffice opens the workbook and saves it again with the bar chart and the numbers."""
    assert SOFFICE is not None
    outdir = tmp_path / "converted"
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
         "--convert-to", "xlsx", "--outdir", str(outdir), str(written)],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    converted = outdir / written.name
    assert converted.is_file(), result.stdout + result.stderr
    charts = _chart_xml(converted)
    assert any("barChart" in x and 'barDir val="bar"' in x for x in charts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LibreOffice's extensions are not under test
        wb = openpyxl.load_workbook(converted, data_only=True)
    original = openpyxl.load_workbook(written, data_only=True)[SENSITIVITY_SHEET]
    again = wb[SENSITIVITY_SHEET]
    assert [c.value for c in again[1]] == SENSITIVITY_COLUMNS
    for col in ("A", "H", "I"):
        for r in range(2, 7):
            assert again[f"{col}{r}"].value == pytest.approx(original[f"{col}{r}"].value)


# ------------------------------------------------------------------------------------ CLI


def small_book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "fleet.xlsx", {
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh", "hpc_convertible_mw",
                   "conversion_capex_usd_mw"], ["Alpha", 100, 40, 30, 1_000_000]],
        "Miners": [["site", "model", "units"], ["Alpha", "Antminer S21 XP", 30_000]],
        "Market": [["month", "hashprice_usd_ph_day"], ["2026-01", 40]],
        "Settings": [["key", "value"], ["start_month", "2026-01"], ["months", 12]],
        "Contracts": [["contract", "rate_usd_kw_month", "max_mw", "start_month", "term_months",
                       "power_pass_through"], ["Lease-A", 120, 20, "2026-01", 12, "yes"]],
    })


def test_sensitivity_command_prints_the_tornado_and_writes_beside_the_book(
        tmp_path: Path) -> None:
    book = small_book(tmp_path)
    result = CliRunner().invoke(cli, ["sensitivity", str(book)])
    assert result.exit_code == 0, result.output
    target = tmp_path / "fleet.sensitivity.xlsx"
    assert f"Plan with sensitivity written to {target}" in result.output
    assert "BTC price" in result.output and "Conversion capex" in result.output
    names = openpyxl.load_workbook(target).sheetnames
    assert names[:5] == ["Sites", "Miners", "Market", "Settings", "Contracts"]
    assert names[-1] == SENSITIVITY_SHEET
    again = CliRunner().invoke(cli, ["sensitivity", str(book)])
    assert again.exit_code == 1
    assert f"Error: {target} exists; use --overwrite to replace it" in again.output


def test_sensitivity_command_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sensitivity", str(small_book(tmp_path)), "--pct", "20",
                                      "--json", "--no-write"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{"):])
    assert data["pct"] == 20.0 and data["output"] is None
    assert {d["parameter"] for d in data["drivers"]} == {p for _, p in DRIVERS}
    assert all(d["low_change_pct"] == -0.2 for d in data["drivers"])
    assert not (tmp_path / "fleet.sensitivity.xlsx").exists()


@pytest.mark.parametrize("pct", ["0", "100", "-5"])
def test_sensitivity_command_rejects_a_pct_out_of_range(tmp_path: Path, pct: str) -> None:
    result = CliRunner().invoke(cli, ["sensitivity", str(small_book(tmp_path)), "--pct", pct])
    assert result.exit_code == 2
    assert "Invalid value for '--pct'" in result.output


def test_the_network_driver_scales_a_market_row_given_as_difficulty() -> None:
    """A Market row may give the network as difficulty instead of EH/s; the tornado's
    "Network hashrate" driver must move it the same way, or the driver does nothing on such
    rows (each month's hashrate, hence its hashprice, would stay put)."""
    base = synthetic_fleet(2, months=12, seed=3)
    row = base.market[0]
    hashrate_ehs = network_hashrate_ehs_of(row)
    assert hashrate_ehs is not None
    difficulty = hashrate_ehs * 1e18 * 600 / 2**32
    as_difficulty = row.model_copy(update={"network_hashrate_ehs": None,
                                           "difficulty": difficulty})
    fleet_d = base.model_copy(update={"market": (as_difficulty, *base.market[1:])})
    moved = scaled(fleet_d, "network_hashrate_ehs", 1.1).market[0]
    assert network_hashrate_ehs_of(moved) == pytest.approx(hashrate_ehs * 1.1, rel=1e-12)
