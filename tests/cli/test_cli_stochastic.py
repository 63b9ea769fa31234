"""``allocator stochastic``: the JSON figures are the library's, bad flags are usage errors
with nothing written, and the three risk sheets are written with the frontier chart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from allocator import read_workbook
from allocator.cli.main import cli
from allocator.stochastic import stochastic_plan
from allocator.workbook.plan_decisions import read_held_plan
from allocator.workbook.risk_writer import (
    FIRST_STAGE_SHEET,
    FRONTIER_SHEET,
    REGRET_SHEET,
    RISK_SUMMARY_SHEET,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_json_gives_the_measures_and_the_frontier_of_the_library() -> None:
    code, out = _run("stochastic", str(SAMPLE), "--samples", "6", "--seed", "3", "--jobs",
                     "1", "--frontier", "0,1,0.5", "--json", "--no-write")
    assert code == 0, out
    figures = json.loads(out)
    expected = stochastic_plan(read_workbook(SAMPLE), 6, 3, frontier=(0.0, 0.5, 1.0))
    for key in ("rp_usd", "ev_usd", "eev_usd", "ws_usd", "vss_usd", "evpi_usd"):
        assert figures[key] == pytest.approx(getattr(expected, key), rel=1e-9), key
    assert [p["lambda"] for p in figures["frontier"]] == [0.0, 0.5, 1.0]
    assert figures["frontier"][0]["converted_mw"]["Alpha Ridge"] == pytest.approx(
        float(expected.frontier[0].first_stage.converted_mw()[0]), abs=1e-6)
    assert set(figures["frontier"][0]["committed_mw"]) == {"Cedar Retrofit", "Neocloud MG",
                                                          "AI Lab NNN"}
    assert figures["output"] is None


@pytest.mark.parametrize("flags", [["--alpha", "0"], ["--alpha", "1.2"],
                                   ["--frontier", "0,1.5"], ["--frontier", "-0.1"],
                                   ["--frontier", "a"], ["--samples", "0"]])
def test_bad_alpha_weights_or_samples_are_usage_errors_and_write_nothing(
        flags: list[str], tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    args = ["stochastic", str(SAMPLE), "--samples", "3", *flags, "-o", str(target)]
    code, out = _run(*args)
    assert code == 2, out
    assert not target.exists()


@pytest.mark.slow
def test_writes_the_risk_sheets_with_the_frontier_chart(tmp_path: Path) -> None:
    target = tmp_path / "risk.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "allocator", "stochastic", str(SAMPLE), "--samples", "5",
         "--seed", "2", "--jobs", "1", "--results-only", "-o", str(target)],
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "VSS = RP - EEV" in done.stdout and "EVPI = WS - RP" in done.stdout
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [RISK_SUMMARY_SHEET, FRONTIER_SHEET, FIRST_STAGE_SHEET,
                               REGRET_SHEET]
    summary = book[RISK_SUMMARY_SHEET]
    words = [str(c.value) for c in summary["A"] if c.value]
    assert any(w.startswith("Deciding with the uncertainty in view is worth $") for w in words)
    frontier = book[FRONTIER_SHEET]
    assert frontier["A1"].value == "lambda_weight"
    assert [frontier.cell(row=r, column=1).value for r in range(2, 7)] == [0, 0.25, 0.5,
                                                                           0.75, 1]
    assert len(frontier._charts) == 1
    first = book[FIRST_STAGE_SHEET]
    decisions = {first.cell(row=r, column=1).value for r in range(2, first.max_row + 1)}
    assert {"conversion started", "commitment", "lease"} <= decisions


def test_paths_or_samples_one_of_them(tmp_path: Path) -> None:
    code, out = _run("stochastic", str(SAMPLE), "--no-write")
    assert code == 2 and "give --samples N" in out
    paths = tmp_path / "p.csv"
    paths.write_text("scenario,probability,month,btc_price_usd,network_hashrate_ehs\n",
                     encoding="utf-8")
    code, out = _run("stochastic", str(SAMPLE), "--samples", "2", "--paths", str(paths))
    assert code == 2


def test_a_bad_paths_file_exits_1_with_its_cells_and_writes_nothing(tmp_path: Path) -> None:
    paths = tmp_path / "p.csv"
    paths.write_text("scenario,probability,month,btc_price_usd,network_hashrate_ehs\n"
                     "bear,0.5,2026-01,60000,1000\n", encoding="utf-8")
    target = tmp_path / "out.xlsx"
    code, out = _run("stochastic", str(SAMPLE), "--paths", str(paths), "-o", str(target),
                     "--json")
    assert code == 1
    error = json.dumps(json.loads(out[out.index("{"):])["error"])
    assert "p.csv!C2" in error and "has no row for 2026-02" in error, error
    assert not target.exists()


def test_decide_months_says_what_is_decided_now_and_what_waits() -> None:
    code, out = _run("stochastic", str(SAMPLE), "--samples", "4", "--seed", "3", "--jobs",
                     "1", "--frontier", "", "--decide-months", "12", "--json", "--no-write")
    assert code == 0, out
    adaptive = json.loads(out)["adaptive"]
    assert adaptive["decide_months"] == 12
    assert adaptive["waiting_usd"] >= -1e-6 * abs(json.loads(out)["rp_usd"])
    assert adaptive["committed_now_mw"]["AI Lab NNN"] is None  # starts in 2027-07: waits
    assert adaptive["committed_now_mw"]["Cedar Retrofit"] == pytest.approx(25.0)
    code, out = _run("stochastic", str(SAMPLE), "--samples", "2", "--decide-months", "61",
                     "--no-write")
    assert code == 1 and "decide_months must be 0 to the horizon's 60 months" in out


def test_hold_adds_a_plan_workbook_as_a_row_of_the_regret_table(tmp_path: Path) -> None:
    """``--hold NAME=PLAN.xlsx`` (a plan ``optimize`` wrote) is a regret row named NAME, with
    the library's NPVs for that plan; a fleet workbook given as a plan is an input error
    naming the missing sheets, exit 1, nothing written."""
    plan = tmp_path / "plan.xlsx"
    assert _run("optimize", str(SAMPLE), "-o", str(plan))[0] == 0
    code, out = _run("stochastic", str(SAMPLE), "--samples", "3", "--jobs", "1",
                     "--frontier", "", "--hold", f"board={plan}", "--json", "--no-write")
    assert code == 0, out
    rows = {row["plan"]: row for row in json.loads(out)["regret"]}
    held = read_held_plan(plan, "board")
    expected = stochastic_plan(read_workbook(SAMPLE), 3, 0, hold=[held]).regret
    assert expected is not None
    at = expected.plans.index("board")
    assert list(rows["board"]["npv_usd"].values()) == pytest.approx(
        list(expected.npv_usd[at]), rel=1e-9)
    target = tmp_path / "out.xlsx"
    code, out = _run("stochastic", str(SAMPLE), "--samples", "3", "--hold", str(SAMPLE),
                     "-o", str(target))
    assert code == 1, out
    assert "Build Schedule" in out and "hold a plan workbook written by allocator" in out
    assert not target.exists()
