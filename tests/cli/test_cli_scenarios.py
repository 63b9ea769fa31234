"""The compare and sweep commands: exit codes, exact error text, what they write, and the
input workbook's bytes never changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from scenariokit import sha, small_fleet, with_volatility, write_scenario_book

from allocator.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"
STORY = ["Dec 2025", "Jan 2026", "BTC -30%", "Hashrate +25%/yr", "Early halving",
         "Lower HPC offers"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_scenario_book(tmp_path / "fleet.xlsx", with_volatility(small_fleet()),
                               [["Bear", "btc_price_usd", "scale", 0.7]])


def test_compare_the_sample_fleet_writes_the_comparison(tmp_path: Path) -> None:
    """The issue's first Done-when line, as a user would type it (all cores)."""
    sample = shutil.copy(SAMPLE, tmp_path / "fleet.xlsx")
    before = sha(Path(sample))
    out = tmp_path / "cmp.xlsx"
    code, text = run("compare", str(sample), "-o", str(out))
    assert code == 0, text
    assert sha(Path(sample)) == before
    assert f"Comparison written to {out}" in text
    assert "change against 'Jan 2026'" in text
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-2:] == ["Scenarios", "Scenario Comparison"]
    assert [c.value for c in wb["Scenario Comparison"][1]] == ["metric", "item", *STORY]


def test_compare_default_output_plans_and_json(book: Path) -> None:
    before = sha(book)
    code, text = run("compare", str(book), "--jobs", "1", "--plans", "--json")
    assert code == 0, text
    data = json.loads(text)
    assert data["reference"] == "Base"
    assert set(data["scenarios"]) == {"Base", "Bear"}
    assert data["scenarios"]["Bear"]["npv_usd"] < data["scenarios"]["Base"]["npv_usd"]
    assert "converted_mw[Site 0001]" in data["scenarios"]["Bear"]
    written = book.with_name("fleet.compare.xlsx")
    assert data["output"] == str(written)
    assert openpyxl.load_workbook(written).sheetnames[-3:] == [
        "Scenario Comparison", "Plan Base", "Plan Bear"]
    assert sha(book) == before
    code, text = run("compare", str(book), "--jobs", "1")
    assert code == 1
    assert text == f"Error: {written} exists; use --overwrite to replace it\n"


def test_compare_errors(book: Path, tmp_path: Path) -> None:
    code, text = run("compare", str(book), "--jobs", "1", "--scenarios", "Bull", "--no-write")
    assert code == 1
    assert text == ("Error: 1 problem in the input:\n  Scenarios: Unknown scenario 'Bull'. "
                    "Available: Base, Bear\n")
    bad = write_scenario_book(tmp_path / "bad.xlsx", small_fleet(),
                              [["Bear", "btc", "scale", 0.7],
                               ["Bear", "capacity_mw", "set", 10, "Nowhere"]])
    code, text = run("compare", str(bad), "--no-write")
    assert code == 1
    lines = text.splitlines()
    assert lines[0] == f"Error: 2 problems in {bad}:"
    assert lines[1].startswith("  Scenarios!B2: scenario 'Bear': unknown parameter 'btc'.")
    assert lines[2] == ("  Scenarios!E3: scenario 'Bear': unknown target 'Nowhere' for "
                        "capacity_mw; valid targets (sites): Site 0001, Site 0002, Site 0003, "
                        "or blank for all")
    assert not (tmp_path / "bad.compare.xlsx").exists()
    code, text = run("compare", str(book), "--executor", "serial", "--scheduler", "x:1")
    assert code == 2
    assert "--scheduler needs --executor dask, not serial" in text


def test_sweep_names_flips_and_writes_the_sweep_sheet(book: Path) -> None:
    before = sha(book)
    code, text = run("sweep", str(book), "--param", "rate_usd_kw_month", "--target",
                     "Hyperscale-159", "--from", "100", "--to", "220", "--steps", "4",
                     "--jobs", "1")
    assert code == 0, text
    assert "Flip points:\n  Contract Hyperscale-159 is taken once the rate of Hyperscale-159 " \
           "exceeds $184.9/kW-month\n" in text
    written = book.with_name("fleet.sweep.xlsx")
    assert f"Sweep written to {written}" in text
    assert "Sweep" in openpyxl.load_workbook(written).sheetnames
    assert sha(book) == before


def test_monte_carlo_from_the_command_line(book: Path) -> None:
    before = sha(book)
    args = ("sweep", str(book), "--samples", "5", "--seed", "3", "--jobs", "1", "--json")
    code, text = run(*args)
    assert code == 0, text
    first = json.loads(text)
    assert set(first["npv_usd"]) == {"mean", "P5", "P50", "P95", "min", "max"}
    assert first["output"] == str(book.with_name("fleet.montecarlo.xlsx"))
    code, again = run(*args, "--overwrite")
    assert code == 0
    assert json.loads(again)["npv_usd"] == first["npv_usd"]
    assert sha(book) == before


def test_sweep_usage_errors(book: Path, tmp_path: Path) -> None:
    code, text = run("sweep", str(book), "--samples", "5", "--param", "btc_price_usd")
    assert code == 2
    assert "--samples runs a Monte Carlo; it cannot be combined with --param" in text
    code, text = run("sweep", str(book), "--param", "btc_price_usd")
    assert code == 2
    assert "a sweep needs --from, --to, --steps (or --samples N for a Monte Carlo)" in text
    code, text = run("sweep", str(book), "--param", "btc", "--from", "1", "--to", "2",
                     "--steps", "3")
    assert code == 2
    assert "unknown parameter 'btc'. Parameters: btc_price_usd, network_hashrate_ehs" in text
    code, text = run("sweep", str(book), "--param", "halving_month", "--from", "2027",
                     "--to", "2028-06", "--steps", "3")
    assert code == 2
    assert "halving_month is a month: write YYYY-MM, got '2027'" in text
    plain = write_scenario_book(tmp_path / "plain.xlsx", small_fleet(), None)
    code, text = run("sweep", str(plain), "--samples", "3", "--no-write")
    assert code == 1
    assert text == (f"Error: 1 problem in {plain}:\n  Settings.btc_price_volatility_pa: Monte "
                    "Carlo needs btc_price_volatility_pa or network_hashrate_volatility_pa in "
                    "Settings (e.g. 0.5 and 0.15)\n")
