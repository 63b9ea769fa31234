"""A workbook's Catalog sheet extends the shipped miner catalog for that workbook.

New models are added (Miners rows may name them with units alone), rows equal to a shipped
model change nothing, a shipped model with other figures is overridden with a warning at the
cell, and every faulty row is reported at its cell, all at once. The sheet goes through the
reader's guards like any input sheet. A workbook without it reads as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from bookkit import rows_xlsx
from fleetkit import write_book

from allocator import optimize, read_workbook
from allocator.catalog import load_catalog
from allocator.errors import InputError
from allocator.workbook.reader import FleetWorkbook
from allocator.workbook.template import CATALOG_COLUMNS, CATALOG_SHEET
from allocator.workbook.writer import write_plan

Rows = Sequence[Sequence[object]]

HEADER = list(CATALOG_COLUMNS)
S23 = ["Bitmain", "Antminer S23 Hydro", 580, 5_510, None, "hydro", "vendor spec sheet"]
SITES: Rows = [["site", "capacity_mw", "power_price_usd_mwh"], ["Alpha", 100, 40]]
MARKET: Rows = [["month", "btc_price_usd", "network_hashrate_ehs"], ["2026-01", 90_000, 1_000]]


def _sheets(catalog: Rows | None, miners: Rows) -> dict[str, Rows]:
    sheets = {"Sites": SITES, "Miners": [["site", "model", "units"], *miners],
              "Market": MARKET}
    if catalog is not None:
        sheets[CATALOG_SHEET] = [HEADER, *catalog]
    return sheets


def read(tmp_path: Path, catalog: Rows | None, miners: Rows) -> FleetWorkbook:
    return read_workbook(write_book(tmp_path / "fleet.xlsx", _sheets(catalog, miners)))


def problems(tmp_path: Path, catalog: Rows | None, miners: Rows) -> list[str]:
    with pytest.raises(InputError) as caught:
        read(tmp_path, catalog, miners)
    return [str(p) for p in caught.value.problems]


def _shipped_rows() -> list[list[object]]:
    return [[m.model_dump()[h] for h in CATALOG_COLUMNS] for m in load_catalog()]


# --------------------------------------------------------------------------- added models


def test_a_new_model_on_the_catalog_sheet_is_planned_by_a_miners_row(tmp_path: Path) -> None:
    """The S23 is in no shipped catalog; its Catalog row lets a Miners row give units only,
    the plan runs it, and Run Info says the model came from the workbook."""
    book = read(tmp_path, [S23], [["Alpha", "s23 hydro", 1_000]])
    assert book.warnings == ()
    miner = book.fleet.miners[0]
    assert (miner.model, miner.units, miner.hashrate_th, miner.power_w) == (
        "Antminer S23 Hydro", 1_000, 580, 5_510)
    assert [m.model for m in book.catalog.added] == ["Antminer S23 Hydro"]
    assert book.catalog.added[0].efficiency_j_th == pytest.approx(5_510 / 580)
    plan = optimize(book)
    assert plan.tranches["model"].unique().tolist() == ["Antminer S23 Hydro"]
    assert plan.tranches["running_mw"].max() == pytest.approx(5.51)
    assert plan.run_info.workbook_models == ("Antminer S23 Hydro (added)",)
    info = dict(plan.run_info.to_frame().itertuples(index=False, name=None))
    assert info["workbook_catalog"] == "Antminer S23 Hydro (added)"
    out = write_plan(plan, tmp_path / "fleet.plan.xlsx", source=book.path)
    sheet = openpyxl.load_workbook(out)["Run Info"]
    assert ["workbook_catalog", "Antminer S23 Hydro (added)"] in [
        [c.value for c in row] for row in sheet.iter_rows()]


def test_rows_equal_to_the_shipped_catalog_change_nothing(tmp_path: Path) -> None:
    """The template's reference rows (and a shipped model respelled) add no model and warn
    of nothing; Run Info says no model came from the workbook."""
    rows = [*(row for row in _shipped_rows() if row[1] != "Antminer S21 XP"),
            [None, "s21 xp", 270, 3_645, None, None, None]]
    book = read(tmp_path, rows, [["Alpha", "Antminer S21 XP", 100]])
    assert book.warnings == ()
    assert book.catalog.own == ()
    assert book.fleet.miners[0].hashrate_th == 270
    info = dict(optimize(book).run_info.to_frame().itertuples(index=False, name=None))
    assert info["workbook_catalog"] == "none"


def test_a_shipped_model_with_other_figures_overrides_it_with_a_warning(tmp_path: Path) -> None:
    """The workbook's own figures win, as on a Miners row; the warning names the cell that
    differs and both figures, and the Miners row takes the workbook's."""
    book = read(tmp_path, [[None, "S21 XP", 280, 3_645, None, "air", "our meter"]],
                [["Alpha", "Antminer S21 XP", 100]])
    assert book.warnings == (
        "Catalog!C2: model 'Antminer S21 XP' overrides the shipped catalog (hashrate_th 280 "
        "here, 270 shipped); Miners rows naming it use this row's figures",)
    assert book.fleet.miners[0].hashrate_th == 280
    assert [m.model for m in book.catalog.overrides] == ["Antminer S21 XP"]
    assert optimize(book).run_info.workbook_models == (
        "Antminer S21 XP (overrides the shipped figures)",)


def test_a_miners_row_with_its_own_figures_still_wins(tmp_path: Path) -> None:
    book = read_workbook(write_book(tmp_path / "fleet.xlsx", {
        **_sheets([S23], []),
        "Miners": [["site", "model", "units", "hashrate_th", "power_w"],
                   ["Alpha", "Antminer S23 Hydro", 10, 600, 5_400]]}))
    assert (book.fleet.miners[0].hashrate_th, book.fleet.miners[0].power_w) == (600, 5_400)


def test_an_unknown_model_is_offered_the_workbooks_models_too(tmp_path: Path) -> None:
    assert problems(tmp_path, [S23], [["Alpha", "S23 Hydr", 10]]) == [
        "Miners!B2: unknown miner model 'S23 Hydr'; give hashrate_th and power_w or use a "
        "catalog model such as Antminer S23 Hydro, Antminer S21+ Hydro"]


# --------------------------------------------------------------------------- faulty rows


def test_every_faulty_catalog_row_is_reported_at_its_cell_at_once(tmp_path: Path) -> None:
    """Checked by the shipped catalog's own rules; a Miners row naming a faulty model is not
    reported again (the Catalog row says why)."""
    catalog = [
        S23,
        ["Acme", "Rig 9", -5, "3 kW", None, "water", None],
        [None, "S23 hydro", 600, 5_500, None, None, None],
        [None, "Rig 10", 100, 3_000, 40, None, None],
        [None, "Rig 11", 100, 3_000, 30.2, None, None],  # within 1 %: fine
        [None, None, 100, 3_000, None, None, None],
        ["MicroBT", "Whatsminer", 100, 3_000, None, None, None],
    ]
    assert problems(tmp_path, catalog, [["Alpha", "Rig 9", 10], ["Alpha", "Rig 11", 10]]) == [
        "Catalog!C3: hashrate_th must be > 0 (got -5)",
        "Catalog!D3: power_w must be a number (got '3 kW')",
        "Catalog!F3: cooling must be one of air, hydro, immersion (got 'water')",
        "Catalog!B4: model 'S23 hydro' is given twice (also Catalog!B2 as 'Antminer S23 "
        "Hydro'); keep one row per model",
        "Catalog!E5: efficiency_j_th must be power_w / hashrate_th (3000 / 100 = 30 J/TH) "
        "within 1 %; leave it blank to have it computed (got 40)",
        "Catalog!B7: model is required",
        "Catalog!B8: model must name a model, not only a brand or punctuation "
        "(got 'Whatsminer')",
    ]


def test_a_catalog_sheet_without_a_required_column_is_refused(tmp_path: Path) -> None:
    path = write_book(tmp_path / "fleet.xlsx", {
        **_sheets(None, [["Alpha", "Antminer S21 XP", 10]]),
        CATALOG_SHEET: [["model", "hashrate_th"], ["Antminer S23 Hydro", 580]]})
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert [str(p) for p in caught.value.problems] == [
        "Catalog!1:1: required column 'power_w' is missing"]


def test_the_reader_guards_apply_to_the_catalog_sheet(tmp_path: Path) -> None:
    """A formula without a saved value is a fault at its cell, never a blank (the sheet is
    scanned like every input sheet), and the header matches loosely."""
    sheets = _sheets(None, [["Alpha", "Antminer S23 Hydro", 10]])
    sheets[CATALOG_SHEET] = [["Model", "Hashrate TH", "Power W"],
                             ["Antminer S23 Hydro", ("=B9*2", None), 5_510]]
    with pytest.raises(InputError) as caught:
        read_workbook(rows_xlsx(tmp_path / "fleet.xlsx", sheets))
    assert [str(p) for p in caught.value.problems] == [
        "Catalog!B2: hashrate_th is a formula (=B9*2) with no saved value; open and save the "
        "file in a spreadsheet program (Excel, LibreOffice) so the value is stored"]


# --------------------------------------------------------------------------- no sheet


def test_a_workbook_without_a_catalog_sheet_reads_as_before(tmp_path: Path) -> None:
    book = read(tmp_path, None, [["Alpha", "Antminer S21 XP", 100]])
    assert book.catalog.own == () and book.warnings == ()
    assert problems(tmp_path, None, [["Alpha", "Antminer S23 Hydro", 10]]) == [
        "Miners!B2: unknown miner model 'Antminer S23 Hydro'; give hashrate_th and power_w "
        "or use a catalog model such as Antminer S21+ Hydro, Antminer S21 XP Hydro"]
