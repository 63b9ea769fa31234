"""``--format parquet|csv`` on optimize, compare and sweep (and its Monte Carlo): folders of
tables with a ``scenario`` column where several solves are written.

What these prove: the default folder sits beside the book and is refused when it exists; a
comparison's tables hold one row per scenario (and per scenario and month) with the
comparison's own NPVs; a sweep's one row per step and month; a 200-sample Monte Carlo run
loads with pandas and pyarrow, one row per sample and month, its percentiles the run's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from clikit import run
from exportkit import grain_is_unique as _grain_is_unique
from exportkit import metadata as _metadata

from allocator.scenarios.compare import compare

SAMPLES = Path(__file__).resolve().parents[2] / "sample_inputs"
FLEET = SAMPLES / "fleet.xlsx"


def test_optimize_format_parquet_writes_the_folder_beside_the_book(tmp_path: Path) -> None:
    book = tmp_path / "fleet.xlsx"
    book.write_bytes(FLEET.read_bytes())
    done = run("optimize", str(book), "--format", "parquet", "--json")
    assert done.exit_code == 0, done.stderr
    folder = tmp_path / "fleet.plan-parquet"
    assert json.loads(done.stdout)["output"] == str(folder)
    assert (folder / "plan.parquet").exists()
    again = run("optimize", str(book), "--format", "parquet")
    assert again.exit_code == 1
    assert "pass --overwrite" in again.stderr


@pytest.mark.slow
def test_compare_as_parquet_has_a_scenario_column(tmp_path: Path) -> None:
    """Per-scenario tables: one row per scenario and month, their NPVs the comparison's."""
    result = compare(FLEET, keep_plans=True)
    folder = tmp_path / "cmp"
    done = run("compare", str(FLEET), "--format", "parquet", "-o", str(folder), "--jobs", "1")
    assert done.exit_code == 0, done.stderr
    scenarios = pd.read_parquet(folder / "scenarios.parquet")
    assert list(scenarios["scenario"]) == result.names
    assert scenarios["npv_usd"].to_numpy() == pytest.approx(
        result.npv_usd.to_numpy(dtype=float), rel=1e-9)
    summary = pd.read_parquet(folder / "summary.parquet")
    months = result.plans[result.names[0]].summary["month"]
    assert len(summary) == len(result.names) * len(months)
    assert summary.groupby("scenario")["discounted_margin_usd"].sum()[result.names].to_numpy() \
        == pytest.approx(scenarios["npv_usd"].to_numpy(), rel=1e-9)
    sites = pd.read_parquet(folder / "scenario_sites.parquet")
    assert set(sites.columns) == {"scenario", "site", "converted_mw", "avg_mining_mw"}
    _grain_is_unique(folder, "parquet")


def test_sweep_as_csv_has_one_row_per_step_and_month(tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    done = run("sweep", str(FLEET), "--param", "btc_price_usd", "--operation", "scale",
               "--from", "0.5", "--to", "1.5", "--steps", "3", "--bisections", "0",
               "--format", "csv", "-o", str(folder), "--jobs", "1")
    assert done.exit_code == 0, done.stderr
    steps = pd.read_csv(folder / "scenarios.csv")
    assert list(steps["value"]) == [0.5, 1.0, 1.5]
    assert list(steps["step"]) == [1, 2, 3]
    summary = pd.read_csv(folder / "summary.csv")
    assert len(summary) == 3 * 60
    assert list(dict.fromkeys(summary["scenario"])) == list(steps["scenario"])
    assert _metadata(folder)["parameter"] == "btc_price_usd"
    _grain_is_unique(folder, "csv")


@pytest.mark.slow
def test_a_200_sample_monte_carlo_as_parquet_loads_with_pandas_and_pyarrow(
        tmp_path: Path) -> None:
    """The issue's test: one row per sample, and per sample and month where that is the
    grain; the NPV percentiles read back are the run's."""
    folder = tmp_path / "mc"
    done = run("sweep", str(FLEET), "--samples", "200", "--seed", "7", "--format", "parquet",
               "-o", str(folder), "--json")
    assert done.exit_code == 0, done.stderr
    printed = json.loads(done.stdout)["npv_usd"]
    scenarios = pd.read_parquet(folder / "scenarios.parquet")
    assert len(scenarios) == 200 and scenarios["scenario"].is_unique
    summary = pd.read_parquet(folder / "summary.parquet")
    table = pq.read_table(folder / "summary.parquet")
    assert len(summary) == table.num_rows == 200 * 60
    assert not summary.duplicated(["scenario", "month"]).any()
    assert set(summary["scenario"]) == set(scenarios["scenario"])
    by_sample = summary.groupby("scenario")["discounted_margin_usd"].sum()
    assert by_sample[scenarios["scenario"]].to_numpy() == pytest.approx(
        scenarios["npv_usd"].to_numpy(), rel=1e-9)
    npv = pd.read_parquet(folder / "npv_summary.parquet").set_index("statistic")["npv_usd"]
    assert npv["P50"] == pytest.approx(printed["P50"], rel=1e-12)
    assert npv["P50"] == pytest.approx(scenarios["npv_usd"].quantile(0.5), rel=1e-12)
    assert _metadata(folder)["samples"] == 200
    _grain_is_unique(folder, "parquet")
