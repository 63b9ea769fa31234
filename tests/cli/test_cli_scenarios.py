"""The compare and sweep commands: exit codes, the exact text each stream shows, what they
write, and the input workbook's bytes never changed.

Messages are compared whole, stdout and stderr apart, as ``allocator ...`` prints them
(``clikit.run``); usage errors are click's usage text on stderr and exit 2.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from clikit import run, table_rows, usage_error
from scenariokit import sha, small_fleet, with_volatility, write_scenario_book

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"
STORY = ["Dec 2025", "Jan 2026", "BTC -30%", "Hashrate +25%/yr", "Early halving",
         "Lower HPC offers"]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_scenario_book(tmp_path / "fleet.xlsx", with_volatility(small_fleet()),
                               [["Bear", "btc_price_usd", "scale", 0.7]])


@pytest.mark.slow
def test_compare_the_sample_fleet_writes_the_comparison(tmp_path: Path) -> None:
    """The issue's first Done-when line, as a user would type it (all cores)."""
    sample = shutil.copy(SAMPLE, tmp_path / "fleet.xlsx")
    before = sha(Path(sample))
    out = tmp_path / "cmp.xlsx"
    result = run("compare", str(sample), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sha(Path(sample)) == before
    lines = result.stdout.splitlines()
    assert lines[0] == "Scenarios; change against 'Jan 2026'; money in $M"
    assert lines[-1] == f"Comparison written to {out}"
    assert result.stderr == ""
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-2:] == ["Scenarios", "Scenario Comparison"]
    assert [c.value for c in wb["Scenario Comparison"][1]] == ["metric", "item", *STORY]


def test_compare_prints_one_row_per_scenario(book: Path) -> None:
    result = run("compare", str(book), "--jobs", "1", "--no-write")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Scenarios; change against 'Base'; money in $M"
    lines = [line.split() for line in result.stdout.splitlines()]
    assert [line for line in lines if line[:1] in (["Base"], ["Bear"])] == [
        ["Base", "226.0", "242.4", "0.0", "39.78", "0.0", "0.0"],
        ["Bear", "46.7", "-179.3", "49.8", "0.0", "16.03", "0.0", "0.0"],
    ]
    assert result.stderr == ""


def test_compare_default_output_plans_and_json(book: Path) -> None:
    before = sha(book)
    result = run("compare", str(book), "--jobs", "1", "--plans", "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    data = json.loads(result.stdout)  # stdout is the JSON and nothing else
    assert data["reference"] == "Base"
    assert set(data["scenarios"]) == {"Base", "Bear"}
    assert data["scenarios"]["Bear"]["npv_usd"] < data["scenarios"]["Base"]["npv_usd"]
    assert "converted_mw[Site 0001]" in data["scenarios"]["Bear"]
    written = book.with_name("fleet.compare.xlsx")
    assert data["output"] == str(written)
    assert openpyxl.load_workbook(written).sheetnames[-3:] == [
        "Scenario Comparison", "Plan Base", "Plan Bear"]
    assert sha(book) == before
    result = run("compare", str(book), "--jobs", "1")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {written} exists; use --overwrite to replace it\n"
    assert result.stdout == ""


def test_compare_errors(book: Path, tmp_path: Path) -> None:
    result = run("compare", str(book), "--jobs", "1", "--scenarios", "Bull", "--no-write")
    assert result.exit_code == 1
    assert result.stderr == ("Error: 1 problem in the input:\n  Scenarios: Unknown scenario "
                             "'Bull'. Available: Base, Bear\n")
    assert result.stdout == ""
    bad = write_scenario_book(tmp_path / "bad.xlsx", small_fleet(),
                              [["Bear", "btc", "scale", 0.7],
                               ["Bear", "capacity_mw", "set", 10, "Nowhere"]])
    result = run("compare", str(bad), "--no-write")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3
    assert lines[0] == f"Error: 2 problems in {bad}:"
    # then every parameter by kind: the registry's own list
    assert lines[1].startswith("  Scenarios!B2: scenario 'Bear': unknown parameter 'btc'. "
                               "Parameters - market: btc_price_usd, network_hashrate_ehs, ")
    assert lines[2] == ("  Scenarios!E3: scenario 'Bear': unknown target 'Nowhere' for "
                        "capacity_mw; valid targets (sites): Site 0001, Site 0002, Site 0003, "
                        "or blank for all")
    assert result.stdout == ""
    assert not (tmp_path / "bad.compare.xlsx").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--executor", "serial", "--scheduler", "x:1"],
     "--scheduler needs --executor dask, not serial"),
    (["--executor", "threads"],
     "Invalid value for '--executor': 'threads' is not one of 'auto', 'serial', 'processes', "
     "'dask'."),
    (["--jobs", "0"], "Invalid value for '-j' / '--jobs': 0 is not in the range x>=1."),
])
def test_compare_usage_errors(book: Path, args: list[str], message: str) -> None:
    result = run("compare", str(book), *args)
    assert result.exit_code == 2
    assert result.stderr == usage_error("compare", message)
    assert result.stdout == ""
    assert not book.with_name("fleet.compare.xlsx").exists()


def test_sweep_names_flips_and_writes_the_sweep_sheet(book: Path) -> None:
    before = sha(book)
    result = run("sweep", str(book), "--param", "rate_usd_kw_month", "--target",
                 "Hyperscale-159", "--from", "100", "--to", "220", "--steps", "4", "--jobs", "1")
    assert result.exit_code == 0, result.output
    written = book.with_name("fleet.sweep.xlsx")
    lines = result.stdout.splitlines()
    assert lines[0] == "Sweep of rate_usd_kw_month (Hyperscale-159)"
    assert lines[2].split("┃")[1].strip() == "value"  # the title names the parameter
    assert table_rows(result.stdout) == {"$100/kW-month": "$226.0M", "$140/kW-month": "$226.0M",
                                         "$180/kW-month": "$226.0M", "$220/kW-month": "$241.4M"}
    assert lines[-4:] == [
        "Flip points:",
        "  Contract Hyperscale-159 is taken once the rate of Hyperscale-159 exceeds "
        "$184.9/kW-month",
        "  Site 0001 converts once the rate of Hyperscale-159 exceeds $184.9/kW-month",
        f"Sweep written to {written}",
    ]
    assert result.stderr == ""
    assert "Sweep" in openpyxl.load_workbook(written).sheetnames
    assert sha(book) == before


@pytest.mark.slow
def test_monte_carlo_from_the_command_line(book: Path) -> None:
    before = sha(book)
    args = ("sweep", str(book), "--samples", "5", "--seed", "3", "--jobs", "1")
    result = run(*args, "--no-write")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Monte Carlo: 5 samples, seed 3"
    rows = table_rows(result.stdout)
    assert list(rows)[:6] == ["NPV mean", "NPV P5", "NPV P50", "NPV P95", "NPV min", "NPV max"]
    assert rows["P(contract Hyperscale-159 taken)"] == "0%"
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)
    assert set(first["npv_usd"]) == {"mean", "P5", "P50", "P95", "min", "max"}
    assert f"${first['npv_usd']['mean'] / 1e6:,.1f}M" == rows["NPV mean"]
    assert first["output"] == str(book.with_name("fleet.montecarlo.xlsx"))
    result = run(*args, "--json", "--overwrite")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["npv_usd"] == first["npv_usd"]
    assert sha(book) == before


@pytest.mark.parametrize(("args", "message"), [
    (["--samples", "5", "--param", "btc_price_usd"],
     "--samples runs a Monte Carlo; it cannot be combined with --param, --target, --operation, "
     "--from, --to or --steps"),
    (["--param", "btc_price_usd"],
     "a sweep needs --from, --to (or --samples N for a Monte Carlo)"),
    ([], "a sweep needs --param, --from, --to (or --samples N for a Monte Carlo)"),
    (["--param", "btc_price_usd", "--from", "1", "--to", "2", "--steps", "1"],
     "Invalid value for '--steps': 1 is not in the range x>=2."),
    (["--samples", "5", "--steps", "11"],
     "--samples runs a Monte Carlo; it cannot be combined with --param, --target, --operation, "
     "--from, --to or --steps"),
], ids=["samples-and-param", "no-range", "nothing", "one-step", "samples-and-steps"])
def test_sweep_usage_errors(book: Path, args: list[str], message: str) -> None:
    result = run("sweep", str(book), *args)
    assert result.exit_code == 2
    assert result.stderr == usage_error("sweep", message)
    assert result.stdout == ""


def test_monte_carlo_without_volatility_is_exit_1(tmp_path: Path) -> None:
    plain = write_scenario_book(tmp_path / "plain.xlsx", small_fleet(), None)
    result = run("sweep", str(plain), "--samples", "3", "--no-write")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: 1 problem in {plain}:\n  Settings.btc_price_volatility_pa: Monte Carlo needs "
        "btc_price_volatility_pa or network_hashrate_volatility_pa in Settings (e.g. 0.5 and "
        "0.15)\n")
    assert result.stdout == ""


@pytest.mark.slow
def test_a_scaled_sweep_heads_its_first_column_factor_and_cuts_no_header(book: Path) -> None:
    """At 80 columns the first header was the sweep column, cut to 'btc_price_usd_…'; the
    title names the parameter, the header says what the values are."""
    result = run("sweep", str(book), "--param", "btc_price_usd", "--operation", "scale",
                 "--from", "0.5", "--to", "1.5", "--steps", "2", "--jobs", "1", "--no-write")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Sweep of btc_price_usd_factor"
    assert [h.strip() for h in lines[2].split("┃")[1:-1]] == [
        "factor", "NPV", "mining grid MW", "HPC grid MW", "idle MW", "EH/s"]
    assert "…" not in result.stdout
