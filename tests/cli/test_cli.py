"""The command line: exit codes, exact error text, nothing written on bad input, and the
input workbook's bytes never changed."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from fleetkit import write_book

from allocator.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"
OUTPUT_SHEETS = ["Plan", "Summary", "Contract Result", "Site Value", "Run Info"]

SITES = [["site", "capacity_mw", "power_price_usd_mwh", "hpc_existing_mw"],
         ["Alpha", 100, 40, 10]]
MINERS = [["site", "model", "units"], ["Alpha", "Antminer S21 XP", 10_000]]
MARKET = [["month", "hashprice_usd_ph_day"], ["2026-01", 40]]
CONTRACTS = [["contract", "rate_usd_kw_month", "max_mw", "start_month", "term_months",
              "power_pass_through"],
             ["Lease-A", 100, 20, "2026-01", 12, "yes"]]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_book(tmp_path: Path, **sheets: list[list[object]]) -> Path:
    content: dict[str, list[list[object]]] = {
        "Sites": SITES, "Miners": MINERS, "Market": MARKET, "Contracts": CONTRACTS}
    content.update(sheets)
    return write_book(tmp_path / "fleet.xlsx", content)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_optimize_writes_a_copy_with_the_plan_sheets(tmp_path: Path) -> None:
    book = small_book(tmp_path)
    before = sha(book)
    code, out = run("optimize", str(book))
    assert code == 0, out
    written = tmp_path / "fleet.plan.xlsx"
    assert f"Plan written to {written}" in out
    assert "NPV" in out
    assert sha(book) == before
    names = openpyxl.load_workbook(written).sheetnames
    assert names[:4] == ["Sites", "Miners", "Market", "Contracts"]
    assert names[4:] == OUTPUT_SHEETS


def test_optimize_json_headline(tmp_path: Path) -> None:
    code, out = run("optimize", str(small_book(tmp_path)), "--json", "--no-write")
    assert code == 0, out
    head = json.loads(out[out.index("{"):])
    # 10 MW existing HPC at $100/kW-month + miners on the other 90 MW (36.45 MW installed)
    mining = 36.45 * (40 * 1000 / 13.5 * 31 - 40 * 24 * 31)
    assert head["npv_usd"] == pytest.approx(1_000_000 + mining, rel=1e-9)
    assert head["contracts_taken"] == [{"contract": "Lease-A", "committed_mw": 10.0}]
    assert head["output"] is None
    assert not (tmp_path / "fleet.plan.xlsx").exists()


def test_existing_output_is_kept_unless_overwrite(tmp_path: Path) -> None:
    book = small_book(tmp_path)
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"not mine to lose")
    code, out = run("optimize", str(book), "-o", str(target))
    assert code == 1
    assert "exists" in out and "--overwrite" in out
    assert target.read_bytes() == b"not mine to lose"
    code, out = run("optimize", str(book), "-o", str(target), "--overwrite")
    assert code == 0, out
    assert "Plan" in openpyxl.load_workbook(target).sheetnames


def test_plan_only_writes_just_the_output_sheets(tmp_path: Path) -> None:
    code, out = run("optimize", str(small_book(tmp_path)), "--plan-only", "-o",
                    str(tmp_path / "p.xlsx"))
    assert code == 0, out
    assert openpyxl.load_workbook(tmp_path / "p.xlsx").sheetnames == OUTPUT_SHEETS


def test_bad_workbook_one_report_exit_1_no_file(tmp_path: Path) -> None:
    """Several faults in several sheets: one report naming every cell, nothing written."""
    book = small_book(
        tmp_path,
        Sites=[["site", "capacity_mw", "power_price_usd_mwh"], ["Alpha", -5, 40],
               ["Alpha", 50, "cheap"]],
        Miners=[["site", "model", "units"], ["Alpha", "S21 XPP", 100], ["Gamma", "S19 XP", 5]],
        Market=[["month", "hashprice_usd_ph_day"], ["2026-13", 40]],
    )
    before = sha(book)
    code, out = run("optimize", str(book))
    assert code == 1
    for cell in ("Sites!B2", "Sites!A3", "Sites!C3", "Miners!B2", "Miners!A3", "Market!A2"):
        assert cell in out, cell
    assert "capacity_mw must be > 0 (got -5)" in out
    assert "Antminer S21 XP" in out  # the closest catalog name is suggested
    assert out.count("Error:") == 1
    assert not (tmp_path / "fleet.plan.xlsx").exists()
    assert sha(book) == before


def test_validate_ok_and_bad(tmp_path: Path) -> None:
    book = small_book(tmp_path)
    code, out = run("validate", str(book))
    assert code == 0
    assert "OK - 1 sites, 1 miner rows, 1 contracts, 1 months from 2026-01" in out
    bad = small_book(tmp_path, Contracts=[CONTRACTS[0] + ["firm", "min_mw"],
                                          CONTRACTS[1] + ["yes", 15]])
    code, out = run("validate", str(bad))
    assert code == 1
    # the consistency pass speaks of records; from a workbook it is placed at the cell
    assert ("Contracts!H2: firm contract needs 15 MW at sites Alpha from 2026-01, but at most "
            "10 MW can be converted and online there by then (got 15.0)") in out


def test_infeasible_model_exits_1_with_a_message(tmp_path: Path) -> None:
    both_firm = [CONTRACTS[0] + ["firm", "min_mw"],
                 ["K1", 100, 20, "2026-01", 12, "yes", "yes", 8],
                 ["K2", 100, 20, "2026-01", 12, "yes", "yes", 8]]
    code, out = run("optimize", str(small_book(tmp_path, Contracts=both_firm)))
    assert code == 1
    assert "Error: The model is infeasible" in out
    assert not (tmp_path / "fleet.plan.xlsx").exists()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("optimize")[0] == 2
    assert run("optimize", str(tmp_path / "missing.xlsx"))[0] == 2
    assert run("frobnicate")[0] == 2


def test_unknown_solver_is_exit_1(tmp_path: Path) -> None:
    code, out = run("optimize", str(small_book(tmp_path)), "--solver", "simplex9")
    assert code == 1
    assert "Unknown solver 'simplex9'" in out


def test_template_then_validate_reports_what_is_missing(tmp_path: Path) -> None:
    target = tmp_path / "blank.xlsx"
    code, out = run("template", str(target))
    assert code == 0, out
    assert target.exists()
    code, out = run("template", str(target))
    assert code == 1  # never overwritten silently
    code, out = run("validate", str(target))
    assert code == 1
    assert "Sites" in out and "Market" in out


def test_sample_fleet_end_to_end(tmp_path: Path) -> None:
    """The Quickstart's job: the sample fleet solves and every output sheet is written."""
    book = tmp_path / "fleet.xlsx"
    shutil.copy(SAMPLE, book)
    before = sha(book)
    code, out = run("optimize", str(book), "-o", str(tmp_path / "plan.xlsx"))
    assert code == 0, out
    wb = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    for name in OUTPUT_SHEETS:
        assert name in wb.sheetnames
    assert wb["Summary"]._charts, "the Summary sheet has its chart"
    assert sha(book) == before
