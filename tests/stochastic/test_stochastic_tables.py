"""A stochastic plan as data: ``StochasticResult.to_parquet``/``to_csv`` and
``allocator stochastic --format parquet|csv`` write the measures, one row per future with
each plan's NPV there, the frontier with its decisions in long form and the regret table,
and the figures are the result's own."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from stochkit import hall_fleet, hall_set

from allocator.cli.main import cli
from allocator.stochastic import stochastic_plan

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"


def test_the_hall_set_as_parquet_holds_the_hand_solved_measures(tmp_path: Path) -> None:
    """The hand-solved hall (VSS $240,000, EVPI $150,000) read back from its folder: one
    row per future, each plan's NPV there averaging to RP/EEV/WS, regret unique by plan and
    future and never negative."""
    result = stochastic_plan(hall_fleet(35.0), scenarios=hall_set(), frontier=(0.0, 1.0))
    folder = result.to_parquet(tmp_path / "hall")
    measures = pd.read_parquet(folder / "measures.parquet").set_index("measure")["value_usd"]
    assert measures["VSS"] == pytest.approx(240_000.0, abs=1e-6)
    assert measures["EVPI"] == pytest.approx(150_000.0, abs=1e-6)
    futures = pq.read_table(folder / "futures.parquet").to_pandas()
    assert list(futures["scenario"]) == ["high", "low"]
    p = futures["probability"]
    assert (p * futures["stochastic_plan_npv_usd"]).sum() == pytest.approx(result.rp_usd)
    assert (p * futures["mean_path_plan_npv_usd"]).sum() == pytest.approx(result.eev_usd)
    assert (p * futures["perfect_foresight_npv_usd"]).sum() == pytest.approx(result.ws_usd)
    frontier = pd.read_parquet(folder / "frontier.parquet")
    assert list(frontier["lambda_weight"]) == [0.0, 1.0]
    decisions = pd.read_parquet(folder / "frontier_decisions.parquet")
    assert not decisions.duplicated(["lambda_weight", "decision", "name"]).any()
    assert set(decisions["name"]) == {"Hall", "Lease"}
    regret = pd.read_parquet(folder / "regret.parquet")
    assert not regret.duplicated(["plan", "scenario"]).any()
    assert (regret["regret_usd"] >= 0).all()
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "stochastic"
    assert meta["vss_usd"] == pytest.approx(240_000.0, abs=1e-6)
    assert meta["tables"]["futures"]["grain"] == ["scenario"]


def test_the_command_writes_a_csv_folder_of_the_sample(tmp_path: Path) -> None:
    """``--format csv`` writes the folder, not a workbook; its futures are the samples."""
    out = tmp_path / "risk"
    result = CliRunner().invoke(cli, ["stochastic", str(SAMPLE), "--samples", "4", "--seed",
                                      "2", "--jobs", "1", "--frontier", "0", "--format",
                                      "csv", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    futures = pd.read_csv(out / "futures.csv")
    assert len(futures) == 4 and futures["probability"].sum() == pytest.approx(1.0)
    assert not list(tmp_path.glob("*.xlsx"))
