"""Results as data: a plan, a comparison, a sweep and a Monte Carlo run as folders of tables.

What these prove: the tables read back (Parquet with pandas and pyarrow, CSV with pandas)
equal the plan's own frames; ``metadata.json`` gives every column a unit and a meaning in
the workbooks' words; each table's grain is unique (one row per scenario and month in the
scenario tables); a folder is made whole or not at all, and nothing of the user's is ever
replaced.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from exportkit import grain_is_unique as _grain_is_unique
from exportkit import metadata as _metadata
from scenariokit import small_fleet, with_volatility

from allocator.api import optimize
from allocator.errors import OutputError
from allocator.exports.folder import RESULTS_FORMAT
from allocator.results.plan import Plan
from allocator.scenarios.montecarlo import monte_carlo
from allocator.scenarios.sweep import sweep
from allocator.workbook.output_columns import output_label

SAMPLES = Path(__file__).resolve().parents[2] / "sample_inputs"
FLEET = SAMPLES / "fleet.xlsx"
FRAMES = {"plan": "site_months", "summary": "summary", "contracts": "contracts",
          "site_value": "site_value", "builds": "builds", "tranches": "tranches",
          "leases": "leases", "allocation": "allocation", "deals": "deals",
          "deal_cash_flows": "deal_cash_flows"}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return optimize(FLEET)


def test_a_flexible_plan_carries_its_flexibility_table(tmp_path: Path) -> None:
    """A plan on hourly prices writes its Flexibility sheet as ``flexibility``, one row per
    site-month on a price curve, and the Deals sheet as ``deals`` (site, contract)."""
    flexible = optimize(SAMPLES / "flexible.xlsx")
    folder = flexible.to_parquet(tmp_path / "flexible")
    table = pd.read_parquet(folder / "flexibility.parquet")
    pd.testing.assert_frame_equal(table, flexible.extra["Flexibility"], check_dtype=False)
    assert not table.duplicated(subset=["site", "month"]).any()
    deals = pd.read_parquet(folder / "deals.parquet")
    assert len(deals) == len(flexible.deals) > 0
    _grain_is_unique(folder, "parquet")


def test_a_plan_as_parquet_reads_back_as_its_own_frames(plan: Plan, tmp_path: Path) -> None:
    """Every plan frame survives Parquet unchanged, read by pandas and by pyarrow."""
    folder = plan.to_parquet(tmp_path / "plan")
    for name, attr in FRAMES.items():
        expected = getattr(plan, attr).reset_index(drop=True)
        read = pd.read_parquet(folder / f"{name}.parquet")
        pd.testing.assert_frame_equal(read, expected, check_dtype=False)
        assert pq.read_table(folder / f"{name}.parquet").num_rows == len(expected)
    run_info = pd.read_parquet(folder / "run_info.parquet")
    assert len(run_info) == 1
    assert run_info["npv_usd"].iloc[0] == pytest.approx(plan.npv_usd, rel=1e-12)
    assert run_info["version"].iloc[0] == plan.run_info.version
    _grain_is_unique(folder, "parquet")


def test_a_plan_as_csv_has_the_same_numbers(plan: Plan, tmp_path: Path) -> None:
    """CSV loses the types, not the numbers: the plan table's money to 1e-12."""
    folder = plan.to_csv(tmp_path / "plan")
    read = pd.read_csv(folder / "plan.csv")
    assert list(read.columns) == list(plan.site_months.columns)
    for column in ("margin_usd", "mining_mw", "hpc_leased_mw", "site_power_value_usd_mw_month"):
        assert read[column].to_numpy() == pytest.approx(
            plan.site_months[column].to_numpy(dtype=float), rel=1e-12, abs=1e-9)
    assert _metadata(folder)["file_format"] == "csv"
    _grain_is_unique(folder, "csv")


def test_the_metadata_gives_every_column_its_unit_and_meaning(plan: Plan,
                                                              tmp_path: Path) -> None:
    """Units are the workbook labels' (written once); percents are stored as fractions."""
    meta = _metadata(plan.to_parquet(tmp_path / "plan"))
    assert meta["format"] == RESULTS_FORMAT
    assert meta["format_version"] == 1
    assert meta["kind"] == "plan"
    tables = meta["tables"]
    assert isinstance(tables, dict)
    assert tables["plan"]["grain"] == ["site", "month"]
    columns = {c["name"]: c for c in tables["summary"]["columns"]}
    assert columns["hashprice_usd_ph_day"]["unit"] == "$/PH/day"
    assert columns["hashprice_usd_ph_day"]["label"] == output_label("hashprice_usd_ph_day")
    assert columns["idle_mw"]["unit"] == "MW"
    assert columns["margin_pct"]["unit"].startswith("fraction")
    assert columns["month"]["type"] == "string"
    assert columns["days"]["type"] == "integer"
    for table in tables.values():
        for column in table["columns"]:
            assert column["description"], (table["file"], column["name"])


def test_a_folder_with_the_users_files_is_never_replaced(plan: Plan, tmp_path: Path) -> None:
    """Not even with overwrite: only a results folder of this tool may be replaced."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    for overwrite in (False, True):
        with pytest.raises(OutputError, match="never replaced"):
            plan.to_parquet(mine, overwrite=overwrite)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    afile = tmp_path / "plan.parquet"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"):
        plan.to_parquet(afile, overwrite=True)
    assert afile.read_text(encoding="utf-8") == "x"


def test_a_results_folder_is_replaced_only_on_request(plan: Plan, tmp_path: Path) -> None:
    empty = tmp_path / "out"
    empty.mkdir()
    folder = plan.to_csv(empty)  # an empty folder is taken
    with pytest.raises(OutputError, match="pass --overwrite"):
        plan.to_parquet(folder)
    assert (folder / "plan.csv").exists()
    plan.to_parquet(folder, overwrite=True)
    assert sorted(p.suffix for p in folder.iterdir()) == [".json", *[".parquet"] * 12]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left


def test_a_failed_write_leaves_nothing_behind(plan: Plan, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after some tables: no target, no temporary folder; an old folder stays."""
    old = plan.to_csv(tmp_path / "old")
    calls: list[str] = []

    def fail_third(self: pd.DataFrame, path: object, **_: object) -> None:
        calls.append(str(path))
        if len(calls) % 3 == 0:  # the third table of each write
            raise OSError("disk full")
        Path(str(path)).write_bytes(b"part")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_third)
    with pytest.raises(OutputError, match="disk full"):
        plan.to_parquet(tmp_path / "new")
    with pytest.raises(OutputError, match="disk full"):
        plan.to_parquet(old, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]
    assert (old / "plan.csv").exists() and not list(old.glob("*.parquet"))


def test_several_solves_give_one_row_per_scenario_and_month(tmp_path: Path) -> None:
    """A seeded Monte Carlo and a sweep of a small fleet: ``summary`` holds each case's
    months in order, its discounted margins adding up to the case's NPV in ``scenarios``."""
    fleet = with_volatility(small_fleet(seed=3))
    months = fleet.settings.months
    mc = monte_carlo(fleet, 6, seed=11)
    steps = sweep(fleet, "btc_price_usd", 0.8, 1.2, 3, operation="scale", bisections=0)
    for result, rows in ((mc, 6), (steps, 3)):
        folder = result.to_parquet(tmp_path / type(result).__name__)
        scenarios = pd.read_parquet(folder / "scenarios.parquet")
        summary = pd.read_parquet(folder / "summary.parquet")
        assert len(scenarios) == rows and len(summary) == rows * months
        npv = summary.groupby("scenario", sort=False)["discounted_margin_usd"].sum()
        assert list(npv.index) == list(scenarios["scenario"])
        assert npv.to_numpy() == pytest.approx(scenarios["npv_usd"].to_numpy(), rel=1e-9)
        sites = pd.read_parquet(folder / "scenario_sites.parquet")
        assert len(sites) == rows * len(fleet.sites)
        _grain_is_unique(folder, "parquet")
    assert list(pd.read_parquet(tmp_path / "MonteCarlo" / "scenarios.parquet")["sample"]) == [
        1, 2, 3, 4, 5, 6]
