"""The new market inputs (issue 13) in the template: each with its note (unit, range or
choices, meaning) and, read back, checked at its cell."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from allocator.errors import InputError
from allocator.workbook.reader import read_workbook
from allocator.workbook.template import write_template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("template") / "fleet.xlsx")


def _settings_notes(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)["Settings"]
    return {str(ws.cell(row=r, column=1).value): ws.cell(row=r, column=1).comment.text
            for r in range(2, ws.max_row + 1)}


def test_the_new_settings_have_notes_with_unit_and_choices(template: Path) -> None:
    notes = _settings_notes(template)
    assert notes["halving_date"].startswith("halving_date (optional)\nUnit: YYYY-MM-DD\n")
    assert "day-weighted" in notes["halving_date"]
    assert "Example: 2028-04-17" in notes["halving_date"]
    assert "1 to 15 April 2028" in notes["halving_month"]
    gap = notes["market_gap_fill"]
    assert gap.startswith("market_gap_fill (optional)\nUnit: rule\n")
    assert "Choices: hold_and_grow, interpolate" in gap
    assert "log-linearly" in gap


def test_market_gap_fill_has_a_dropdown(template: Path) -> None:
    ws = openpyxl.load_workbook(template)["Settings"]
    row = next(r for r in range(2, ws.max_row + 1)
               if ws.cell(row=r, column=1).value == "market_gap_fill")
    [dropdown] = [dv for dv in ws.data_validations.dataValidation
                  if str(dv.sqref) == f"B{row}"]
    assert dropdown.formula1 == '"hold_and_grow,interpolate"'


def test_the_difficulty_column_has_its_note(template: Path) -> None:
    ws = openpyxl.load_workbook(template)["Market"]
    headers = [c.value for c in ws[1]]
    cell = ws.cell(row=1, column=headers.index("difficulty") + 1)
    note = cell.comment.text
    assert note.startswith("difficulty (optional)\nUnit: hashes per block / 2^32\n"
                           "Range: above 0\n")
    assert "2^32 / 600 s" in note and "hashprice indexes use difficulty" in note
    assert "give difficulty instead (not both)" in ws.cell(
        row=1, column=headers.index("network_hashrate_ehs") + 1).comment.text


def test_the_filled_template_checks_the_new_inputs_at_their_cells(template: Path,
                                                                  tmp_path: Path) -> None:
    """Every new input given badly is reported at once, each at its cell."""
    wb = openpyxl.load_workbook(template)
    settings = wb["Settings"]
    rows = {settings.cell(row=r, column=1).value: r for r in range(2, settings.max_row + 1)}
    settings.cell(row=rows["halving_date"], column=2, value="2028-13-01")
    settings.cell(row=rows["market_gap_fill"], column=2, value="spline")
    wb["Sites"].append(["Alpha", 100, 40])
    market = wb["Market"]
    headers = [c.value for c in market[1]]
    row = [None] * len(headers)
    row[headers.index("month")] = "2026-01"
    row[headers.index("btc_price_usd")] = 90_000
    row[headers.index("difficulty")] = "148 T"
    market.append(row)
    wb.save(tmp_path / "filled.xlsx")
    with pytest.raises(InputError) as caught:
        read_workbook(tmp_path / "filled.xlsx")
    got = sorted(str(p) for p in caught.value.problems)
    d_cell = f"{chr(ord('A') + headers.index('difficulty'))}2"
    assert got == sorted([
        f"Market!{d_cell}: difficulty must be a number (got '148 T')",
        f"Settings!B{rows['halving_date']}: halving_date must be a day written YYYY-MM-DD "
        "(2028-04-17) or a date cell (got '2028-13-01')",
        f"Settings!B{rows['market_gap_fill']}: market_gap_fill must be one of hold_and_grow, "
        "interpolate (got 'spline')",
    ])
