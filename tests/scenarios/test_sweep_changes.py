"""A sweep reports a site's material MW changes between neighbouring steps, not only its
on/off flips: in the library result, on the console, in ``--json`` and on the Sweep sheet.

Bug (issue 14, item 15): between two steps of a BTC-price sweep of the sample fleet Alpha
Ridge went from 60 to 17.5 converted MW and nothing said so, because it converts on both
sides. Material is ``max(5 MW, 10 %`` of the site's ``capacity_mw)``; a change to or from none
is a flip and reported as one.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from clikit import run
from scenariokit import small_fleet

from allocator.scenarios.cases import CaseResult
from allocator.scenarios.mw_changes import material_changes, material_mw
from allocator.scenarios.sweep import Sweep, sweep
from allocator.workbook.comparison_writer import SWEEP_SHEET, write_sweep
from allocator.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"
ALPHA = ("Site Alpha Ridge converts 60.0 -> 17.5 IT MW as the factor on the BTC price goes "
         "from 0.60x to 0.70x")
SAMPLE_CHANGES = [
    ALPHA,
    "Site Alpha Ridge mines 140.0 -> 173.2 MW on average as the factor on the BTC price goes "
    "from 1.10x to 1.20x",
    "Site Alpha Ridge mines 173.2 -> 204.0 MW on average as the factor on the BTC price goes "
    "from 1.20x to 1.30x",
    "Site Alpha Ridge mines 204.0 -> 234.8 MW on average as the factor on the BTC price goes "
    "from 1.30x to 1.40x",
    "Site Cedar Creek mines 1.2 -> 14.1 MW on average as the factor on the BTC price goes "
    "from 0.80x to 0.90x",
    "Site Delta Basin mines 11.9 -> 39.2 MW on average as the factor on the BTC price goes "
    "from 0.50x to 0.60x",
    "Site Echo Mesa mines 6.3 -> 15.4 MW on average as the factor on the BTC price goes "
    "from 0.60x to 0.70x",
    "Site Glacier Point mines 3.6 -> 23.8 MW on average as the factor on the BTC price goes "
    "from 0.50x to 0.60x",
]


@pytest.fixture(scope="module")
def btc() -> Sweep:
    return sweep(read_workbook(SAMPLE), "btc_price_usd", 0.5, 1.5, 11, operation="scale",
                 bisections=0)


def test_material_mw_is_five_mw_or_a_tenth_of_the_site() -> None:
    assert material_mw(300.0) == 30.0
    assert material_mw(20.0) == 5.0


def test_the_sweep_names_alpha_ridges_drop_from_60_to_17_5_mw(btc: Sweep) -> None:
    assert [c.text for c in btc.mw_changes] == SAMPLE_CHANGES
    alpha = btc.mw_changes[0]
    assert (alpha.subject, alpha.quantity, alpha.below, alpha.above) == (
        "Site Alpha Ridge", "converted_mw", 0.6, 0.7)
    assert alpha.before_mw == pytest.approx(60.0)
    assert alpha.change_mw == pytest.approx(17.542 - 60.0, abs=1e-3)
    rows = btc.table.set_index("btc_price_usd_factor")["Alpha Ridge: converted_mw"]
    assert (rows[0.6], rows[0.7]) == (alpha.before_mw, alpha.after_mw)


def test_a_change_under_the_threshold_or_to_none_is_not_material() -> None:
    fleet = small_fleet()  # Site 0001 has 200+ MW of grid, so 10 % is over 5 MW
    site = fleet.sites[0]
    least = material_mw(site.capacity_mw)

    def step(mw: float) -> CaseResult:
        return CaseResult("s", {("converted_mw", site.name): mw})

    steps = [step(10.0), step(10.0 + least * 0.99), step(0.0), step(least), step(2 * least)]
    found = material_changes(fleet, [1.0, 2.0, 3.0, 4.0, 5.0], steps,
                             lambda lo, hi: f"from {lo:g} to {hi:g}")
    assert [(c.below, c.above) for c in found] == [(4.0, 5.0)]
    assert found[0].text == (f"{site.name} converts {least:,.1f} -> {2 * least:,.1f} IT MW "
                             "from 4 to 5")


def test_the_sweep_sheet_lists_the_material_changes(btc: Sweep, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write_sweep(btc, tmp_path / "sweep.xlsx"))[SWEEP_SHEET]
    column_a = [c.value for c in ws["A"]]
    title = column_a.index("Material MW changes between neighbouring steps, not flips: at "
                           "least max(5 MW, 10 % of the site's capacity_mw)") + 1
    assert [c.value for c in ws[title + 1]][:5] == [
        "below", "above", "before_mw", "after_mw", "change"]
    for cell in ws[title + 1][:5]:  # every header says what its column is
        assert cell.comment is not None and len(cell.comment.text.split("\n")) == 3
    first = [c.value for c in ws[title + 2]][:5]
    assert first[:3] == [0.6, 0.7, 60]
    assert first[3] == pytest.approx(17.542, abs=1e-3)
    assert first[4] == ALPHA
    assert [ws.cell(title + 2, j).number_format for j in (1, 2, 3, 4)] == [
        "0.00", "0.00", "#,##0.0", "#,##0.0"]
    texts = [ws.cell(r, 5).value for r in range(title + 2, title + 2 + len(SAMPLE_CHANGES))]
    assert texts == SAMPLE_CHANGES


def test_a_sweep_without_material_changes_says_so_on_its_sheet(tmp_path: Path) -> None:
    flat = sweep(small_fleet(), "pool_fee", 0.01, 0.02, 2, bisections=0)
    assert flat.mw_changes == ()
    ws = openpyxl.load_workbook(write_sweep(flat, tmp_path / "flat.xlsx"))[SWEEP_SHEET]
    assert "No site's converted or mining MW changes materially between steps." in [
        c.value for c in ws["A"]]


@pytest.mark.slow
def test_the_console_and_json_report_the_material_changes() -> None:
    args = ("sweep", str(SAMPLE), "--param", "btc_price_usd", "--operation", "scale",
            "--from", "0.5", "--to", "1.5", "--bisections", "0", "--jobs", "1", "--no-write")
    result = run(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    head = lines.index("Material MW changes between steps (5 MW or 10 % of the site's "
                       "capacity, whichever is more):")
    assert lines[head + 1:] == [f"  {text}" for text in SAMPLE_CHANGES]
    as_json = json.loads(run(*args, "--json").stdout)
    first = as_json["mw_changes"][0]
    assert {k: first[k] for k in ("subject", "quantity", "below", "above", "text")} == {
        "subject": "Site Alpha Ridge", "quantity": "converted_mw", "below": 0.6, "above": 0.7,
        "text": ALPHA}
    assert first["before_mw"] == pytest.approx(60.0)
    assert first["change_mw"] == pytest.approx(first["after_mw"] - 60.0)
    assert [c["text"] for c in as_json["mw_changes"]] == SAMPLE_CHANGES
