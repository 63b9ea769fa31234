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
from allocator.errors import OutputError
from allocator.workbook.reader import read_workbook
from allocator.workbook.schema import INPUT_SHEETS, SETTINGS_KEYS, SheetSpec
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


def test_every_input_sheet_in_schema_order_then_the_catalog(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [spec.name for spec in INPUT_SHEETS] + [CATALOG_SHEET]


def test_headers_are_canonical_with_a_note_each(template: Path) -> None:
    """Each header cell is the schema header, with a comment giving unit, required/optional
    and meaning; the first column's note also describes the sheet."""
    wb = openpyxl.load_workbook(template)
    for spec in _table_specs():
        ws = wb[spec.name]
        assert [c.value for c in ws[1]] == [col.header for col in spec.columns], spec.name
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
    assert seen >= 3  # power_pass_through, firm, operation


def test_miner_model_dropdown_lists_the_catalog_but_allows_others(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    catalog = load_catalog()
    ws = wb[CATALOG_SHEET]
    assert [c.value for c in ws[1]] == list(CATALOG_COLUMNS)
    assert ws.max_row == len(catalog) + 1
    assert [ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)] == [
        m.model for m in catalog
    ]
    miners = next(spec for spec in INPUT_SHEETS if spec.name == "Miners")
    letter = openpyxl.utils.get_column_letter(
        [c.header for c in miners.columns].index("model") + 1
    )
    dv = _validations(wb["Miners"])[f"{letter}2:{letter}{TEMPLATE_ROWS}"]
    assert dv.type == "list"
    assert dv.formula1 == f"{CATALOG_SHEET}!$B$2:$B${len(catalog) + 1}"
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
