"""The blank input template: every schema sheet and column, notes, dropdowns, safe writing.

Everything is checked against ``allocator.workbook.schema`` so a column added there and
missing here fails a test.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from allocator.catalog import load_catalog
from allocator.domain import DEFAULT_NETWORK_FLEET, Settings, percent_limit
from allocator.errors import OutputError
from allocator.workbook.reader import read_workbook
from allocator.workbook.schema import (
    INPUT_SHEETS,
    NETWORK_FLEET_SHEET,
    SETTINGS_KEYS,
    SheetSpec,
)
from allocator.workbook.template import (
    CATALOG_COLUMNS,
    CATALOG_SHEET,
    TEMPLATE_ROWS,
    write_template,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("template") / "fleet.xlsx")


def _table_specs() -> list[SheetSpec]:
    return [spec for spec in INPUT_SHEETS if not spec.key_value]


def _validations(ws: Worksheet) -> dict[str, Any]:
    """Range text (``J2:J1000``) -> its DataValidation."""
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def test_every_input_sheet_in_schema_order_the_catalog_last(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [spec.name for spec in INPUT_SHEETS]
    assert wb.sheetnames[-1] == CATALOG_SHEET


def test_headers_are_canonical_with_a_note_each(template: Path) -> None:
    """Each header cell is the schema header, with a comment giving unit, required/optional
    and meaning; the first column's note also describes the sheet."""
    wb = openpyxl.load_workbook(template)
    for spec in _table_specs():
        ws = wb[spec.name]
        assert [c.value for c in ws[1]] == [col.header for col in spec.columns], spec.name
        if spec.name == CATALOG_SHEET:  # the shipped catalog's reference rows
            assert ws.max_row == len(load_catalog()) + 1
            assert ws.freeze_panes == "C2"
        elif spec.name == NETWORK_FLEET_SHEET:  # the default network fleet, to edit
            assert ws.max_row == len(DEFAULT_NETWORK_FLEET) + 1
        else:
            assert ws.max_row == 1, f"{spec.name} should be blank below the header"
            assert ws.freeze_panes == "A2"
        for cell, col in zip(ws[1], spec.columns, strict=True):
            assert cell.font.b
            note = cell.comment.text
            assert f"Unit: {col.unit}" in note
            assert ("required" if col.required else "optional") in note
            assert col.description in note
            assert ws.column_dimensions[cell.column_letter].width >= len(col.header)
        assert spec.description in ws["A1"].comment.text


def test_settings_lists_every_key_with_its_description(template: Path) -> None:
    ws = openpyxl.load_workbook(template)["Settings"]
    assert [ws["A1"].value, ws["B1"].value] == ["key", "value"]
    keys = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    assert keys == [spec.header for spec in SETTINGS_KEYS]
    for row, spec in enumerate(SETTINGS_KEYS, start=2):
        assert spec.description in ws.cell(row=row, column=1).comment.text
        assert ws.cell(row=row, column=2).value is None


def test_every_settings_field_has_a_note_with_unit_range_and_how_to_type_it(
        template: Path) -> None:
    """Each field of ``Settings`` is a key of the template's Settings sheet, and its note says
    its unit, its bounds as the domain field has them, and for a rate or share to type 0.10
    for 10 %, not 10."""
    ws = openpyxl.load_workbook(template)["Settings"]
    notes = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=1).comment.text
             for r in range(2, ws.max_row + 1)}
    assert set(notes) == set(Settings.model_fields)
    for key, note in notes.items():
        spec = next(s for s in SETTINGS_KEYS if s.header == key)
        assert f"Unit: {spec.unit}" in note, key
        bounds = Settings.model_fields[key].metadata
        if any(hasattr(item, name) for item in bounds for name in ("gt", "ge", "lt", "le")):
            assert "Range: " in note, key
        if percent_limit(Settings, key) is not None:
            assert "Type 0.10 or 10% for 10 %, not 10." in note, key
    assert "Range: 0 to 1\n" in notes["discount_rate"]
    assert "Range: at least 0, below 1\n" in notes["pool_fee"]
    assert "Range: 1 to 600\n" in notes["months"]
    assert "Range: above -1, at most 10\n" in notes["btc_price_growth_pa"]
    assert "Range" not in notes["solver"] and "not 10" not in notes["months"]


def test_bool_and_choice_columns_have_dropdowns(template: Path) -> None:
    """yes/no on every bool column and the schema's choices on every choice column, over
    rows 2..TEMPLATE_ROWS, with an error box (no free text)."""
    wb = openpyxl.load_workbook(template)
    seen = 0
    for spec in _table_specs():
        validations = _validations(wb[spec.name])
        for j, col in enumerate(spec.columns, start=1):
            if col.kind not in ("bool", "choice"):
                continue
            letter = openpyxl.utils.get_column_letter(j)
            dv = validations[f"{letter}2:{letter}{TEMPLATE_ROWS}"]
            assert dv.type == "list"
            assert dv.formula1 == '"' + ",".join(col.choices) + '"'
            assert dv.showErrorMessage
            seen += 1
    assert seen >= 4  # power_pass_through, firm, operation, cooling


def test_catalog_sheet_lists_the_shipped_models_and_the_dropdown_room_for_more(
        template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    catalog = load_catalog()
    ws = wb[CATALOG_SHEET]
    assert [c.value for c in ws[1]] == list(CATALOG_COLUMNS)
    assert ws.max_row == len(catalog) + 1
    assert [ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)] == [
        m.model for m in catalog
    ]
    assert [c.value for c in ws[2]] == [catalog[0].model_dump()[h] for h in CATALOG_COLUMNS]
    miners = next(spec for spec in INPUT_SHEETS if spec.name == "Miners")
    letter = openpyxl.utils.get_column_letter(
        [c.header for c in miners.columns].index("model") + 1
    )
    dv = _validations(wb["Miners"])[f"{letter}2:{letter}{TEMPLATE_ROWS}"]
    assert dv.type == "list"
    # rows added below the shipped ones are offered too
    assert dv.formula1 == f"{CATALOG_SHEET}!$B$2:$B${TEMPLATE_ROWS}"
    assert not dv.showErrorMessage  # a model missing from the catalog is still allowed


def test_filled_template_reads_back_without_warnings(template: Path, tmp_path: Path) -> None:
    """The template is what the reader expects: fill the minimum and it reads cleanly (the
    Catalog sheet raises no 'did you mean' warning)."""
    wb = openpyxl.load_workbook(template)
    wb["Sites"].append(["Alpha", 100, 38])
    wb["Miners"].append(["Alpha", load_catalog()[0].model, 1_000])
    wb["Market"].append(["2026-01", 83_570, 1_022])
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    book = read_workbook(filled)
    assert book.warnings == ()
    assert [s.name for s in book.fleet.sites] == ["Alpha"]
    assert book.fleet.miners[0].hashrate_th == load_catalog()[0].hashrate_th
    assert book.catalog.own == ()  # the reference rows add nothing


def test_a_model_added_to_the_template_catalog_is_planned(template: Path,
                                                          tmp_path: Path) -> None:
    """A row typed under the shipped ones on the template's Catalog sheet extends the catalog:
    a Miners row names the new model with units alone."""
    wb = openpyxl.load_workbook(template)
    wb["Sites"].append(["Alpha", 100, 38])
    wb["Miners"].append(["Alpha", "Antminer S23 Hydro", 1_000])
    wb["Market"].append(["2026-01", 83_570, 1_022])
    wb[CATALOG_SHEET].append(["Bitmain", "Antminer S23 Hydro", 580, 5_510, None, "hydro"])
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    book = read_workbook(filled)
    assert book.warnings == ()
    miner = book.fleet.miners[0]
    assert (miner.model, miner.hashrate_th, miner.power_w) == ("Antminer S23 Hydro", 580, 5_510)


def test_existing_file_rules(tmp_path: Path) -> None:
    target = tmp_path / "fleet.xlsx"
    target.write_bytes(b"mine")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    with pytest.raises(OutputError, match=r"fleet\.xlsx exists; use --overwrite to replace it"):
        write_template(target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    write_template(target, overwrite=True)
    assert openpyxl.load_workbook(target).sheetnames[0] == "Settings"
    assert [p.name for p in tmp_path.iterdir()] == ["fleet.xlsx"]
    with pytest.raises(OutputError, match=r"template must be named \.xlsx"):
        write_template(tmp_path / "fleet.xlsm")
