"""Comparisons: deltas against a reference, scenario selection, and the Scenario Comparison
workbook (sheets, charts, input diff), which must open in LibreOffice and never touch the
input workbook."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from scenariokit import sha, small_fleet, with_volatility, write_scenario_book

from allocator import read_workbook
from allocator.errors import InputError, OutputError
from allocator.scenarios.changes import BASE
from allocator.scenarios.compare import Comparison, compare
from allocator.scenarios.montecarlo import monte_carlo
from allocator.scenarios.sweep import sweep
from allocator.workbook.comparison_writer import (
    COMPARISON_SHEET,
    HPC_CHART_TITLE,
    MONTE_CARLO_SHEET,
    NPV_CHART_TITLE,
    SWEEP_SHEET,
    write_comparison,
    write_monte_carlo,
    write_sweep,
)
from allocator.workbook.frames import USD_M_FORMAT

SOFFICE = shutil.which("soffice")

ROWS = [
    ["Today"],
    ["Bear", "btc_price_usd", "scale", 0.7],
    ["Offer", "rate_usd_kw_month", "set", 185, "Hyperscale-159"],
    ["Offer", "conversion_capex_usd_mw", "scale", 0.9],
    ["=Sneaky", "pool_fee", "set", 0.03],
]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("compare")
    return write_scenario_book(folder / "fleet.xlsx", with_volatility(small_fleet()), ROWS)


@pytest.fixture(scope="module")
def result(book: Path) -> Comparison:
    return compare(read_workbook(book), keep_plans=True)


def test_deltas_are_taken_against_the_reference(result: Comparison) -> None:
    assert result.names == ["Today", "Bear", "Offer", "=Sneaky"]
    assert result.reference == "Today"
    diff = result.diff()
    assert (diff["Today"] == 0).all()
    assert diff.loc[("npv_usd", ""), "Bear"] == pytest.approx(
        result.value("Bear", "npv_usd") - result.value("Today", "npv_usd"))
    other = result.diff("Bear")
    assert (other["Bear"] == 0).all()
    with pytest.raises(KeyError, match=r"Unknown scenario 'bull'\. Available: Today, Bear"):
        result.diff("bull")


def test_the_table_has_every_figure_per_scenario(result: Comparison) -> None:
    metrics = {m for m, _ in result.table.index}
    assert {"npv_usd", "mining_margin_usd", "hpc_margin_usd", "gross_margin_pct",
            "avg_fleet_hashrate_ehs", "avg_mining_mw", "avg_hpc_leased_mw", "avg_idle_mw",
            "converted_mw", "committed_mw"} <= metrics
    assert result.items("converted_mw") == ["Site 0001", "Site 0002", "Site 0003"]
    assert result.items("committed_mw") == ["Retrofit-104", "Neocloud-150", "Hyperscale-159"]
    assert list(result.hpc_leased_mw.columns) == result.names
    assert len(result.hpc_leased_mw) == 24
    assert set(result.inputs["scenario"]) == {"Bear", "Offer", "=Sneaky"}
    offer = result.inputs[result.inputs["scenario"] == "Offer"]
    assert set(offer["parameter"]) == {"rate_usd_kw_month", "conversion_capex_usd_mw"}


def test_selection_keeps_the_reference_and_names_unknown_scenarios(book: Path) -> None:
    source = read_workbook(book)
    picked = compare(source, names=["Bear"])
    assert picked.names == ["Today", "Bear"]
    by_ref = compare(source, names=["Bear", "Offer"], reference="Offer")
    assert by_ref.reference == "Offer"
    assert by_ref.diff().loc[("npv_usd", ""), "Offer"] == 0
    with pytest.raises(InputError) as caught:
        compare(source, names=["bull"])
    assert [p.message for p in caught.value.problems] == [
        "Unknown scenario 'bull'. Available: Today, Bear, Offer, =Sneaky"]


def test_the_base_case_is_added_when_no_row_names_it(tmp_path: Path) -> None:
    path = write_scenario_book(tmp_path / "fleet.xlsx", small_fleet(), ROWS[1:2])
    result = compare(read_workbook(path))
    assert result.names == [BASE, "Bear"]
    assert result.reference == BASE


def _chart_titles(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        charts = sorted(n for n in archive.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n))
        texts = [archive.read(n).decode() for n in charts]
    return [re.findall(r"<a:t>([^<]*)</a:t>", text)[0] for text in texts]  # title first


def test_the_comparison_sheet_in_a_copy_of_the_input(book: Path, result: Comparison,
                                                     tmp_path: Path) -> None:
    before = sha(book)
    out = write_comparison(result, tmp_path / "cmp.xlsx", source=book, plans=True)
    assert sha(book) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Settings", "Sites", "Miners", "Market", "Contracts", "Scenarios",
                             COMPARISON_SHEET, "Plan Today", "Plan Bear", "Plan Offer",
                             "Plan =Sneaky"]
    ws = wb[COMPARISON_SHEET]
    assert [c.value for c in ws[1]] == ["metric", "item", "Today", "Bear", "Offer", "=Sneaky"]
    assert ws["F1"].data_type == "s"  # a scenario name is never a formula
    assert ws["A2"].value == "npv_usd"
    assert ws["D2"].value == pytest.approx(result.value("Bear", "npv_usd"))
    assert ws["D2"].number_format == USD_M_FORMAT
    column_a = [c.value for c in ws["A"]]
    assert "Change against the reference scenario 'Today'" in column_a
    assert "HPC leased IT MW by month (fleet)" in column_a
    diff_title = column_a.index("Input diff: what each scenario changed") + 1
    assert [c.value for c in ws[diff_title + 1]][:6] == [
        "scenario", "sheet", "record", "parameter", "base_value", "scenario_value"]
    assert _chart_titles(out) == [NPV_CHART_TITLE, HPC_CHART_TITLE]
    assert wb.active.title == COMPARISON_SHEET


def test_writing_refuses_to_replace_without_asking(book: Path, result: Comparison,
                                                   tmp_path: Path) -> None:
    out = write_comparison(result, tmp_path / "cmp.xlsx", source=book)
    with pytest.raises(OutputError, match="exists; use --overwrite to replace it"):
        write_comparison(result, out, source=book)
    assert write_comparison(result, out, source=book, overwrite=True) == out
    with pytest.raises(OutputError, match="is the input workbook itself, which is never modified"):
        write_comparison(result, book, source=book, overwrite=True)
    alone = compare(read_workbook(book), names=["Bear"])
    with pytest.raises(OutputError, match="the comparison kept none for Today, Bear"):
        write_comparison(alone, tmp_path / "plans.xlsx", plans=True)


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_the_result_workbooks_open_in_libreoffice(book: Path, result: Comparison,
                                                  tmp_path: Path) -> None:
    """LibreOffice opens and re-saves the comparison, sweep and Monte Carlo workbooks with
    their numbers and charts."""
    source = read_workbook(book)
    files = [
        write_comparison(result, tmp_path / "cmp.xlsx", source=book, plans=True),
        write_sweep(sweep(source, "rate_usd_kw_month", 100, 220, 4, target="Hyperscale-159"),
            tmp_path / "sweep.xlsx", source=book),
        write_monte_carlo(monte_carlo(source, 8, seed=3), tmp_path / "mc.xlsx"),
    ]
    outdir = tmp_path / "converted"
    assert SOFFICE is not None
    run = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
         "--convert-to", "xlsx", "--outdir", str(outdir), *map(str, files)],
        capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stderr
    for path, sheet in zip(files, (COMPARISON_SHEET, SWEEP_SHEET, MONTE_CARLO_SHEET),
                           strict=True):
        again = outdir / path.name
        assert again.exists(), run.stdout + run.stderr
        wb = openpyxl.load_workbook(again, data_only=True)
        assert sheet in wb.sheetnames
        original = openpyxl.load_workbook(path)[sheet]
        assert wb[sheet]["A1"].value == original["A1"].value
        assert len(_chart_titles(again)) == len(_chart_titles(path)) >= 1
    cmp = openpyxl.load_workbook(outdir / "cmp.xlsx", data_only=True)[COMPARISON_SHEET]
    assert cmp["D2"].value == pytest.approx(result.value("Bear", "npv_usd"), rel=1e-9)
