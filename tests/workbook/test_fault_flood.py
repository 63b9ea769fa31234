"""A flood of faults: reading stops after the first thousand problems and says what it skipped.

A 990,000-cell sheet with a fault in every row took 40 s and 910 MiB to report 330,000
problems nobody reads. These tests pin the stop (a bounded count and the line saying where
reading stopped), not a time; an ordinary book still reports every fault.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fleetkit import write_book
from test_reader import SITES, base_sheets

from allocator.cli.failures import error_text
from allocator.errors import InputError
from allocator.workbook import scans
from allocator.workbook.guards import VALUE_TAG
from allocator.workbook.plain_sheet import NotPlain, read_plain
from allocator.workbook.reader import read_workbook


def sites(count: int, capacity: object) -> list[list[object]]:
    """The Sites header and ``count`` rows, each site's capacity ``capacity``."""
    return [list(SITES[0][:3]), *([f"S{i}", capacity, 40] for i in range(count))]


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    return caught.value


def test_a_fault_in_every_row_stops_after_a_thousand_problems(tmp_path: Path) -> None:
    """1,500 rows of capacity 'big': the first 1,000 faults, then one line on what is left.

    Reading every row would give 1,500 problems and no ``stopped`` line."""
    path = write_book(tmp_path / "flood.xlsx", base_sheets(Sites=sites(1_500, "big")))
    error = refused(path)
    assert len(error.problems) == 1_000
    assert str(error.problems[0]) == "Sites!B2: capacity_mw must be a number (got 'big')"
    assert str(error.problems[-1]) == "Sites!B1001: capacity_mw must be a number (got 'big')"
    assert str(error.stopped) == (
        "Sites: stopped after 1,000 problems; rows 1,002 to 1,501 (500 rows) not checked, "
        "nor the sheets Miners, Market, Contracts")
    head = str(error).partition("\n")[0]
    assert head == f"1,000 problems in {path}; {error.stopped}:"
    assert str(error).endswith(f"\n  {error.stopped}")
    # The terminal shows 50 problems; the first line still says reading stopped.
    shown = error_text(error).splitlines()
    assert shown[0] == f"Error: {head}"
    assert len(shown) == 52


def test_a_flood_of_rule_faults_stops_too(tmp_path: Path) -> None:
    """Capacities that parse but break a rule (-5 MW) are found by the domain check, one per
    row; that stage stops at the thousand too, and names the sheets it did not check."""
    path = write_book(tmp_path / "rules.xlsx", base_sheets(Sites=sites(1_200, -5)))
    error = refused(path)
    assert len(error.problems) == 1_000
    assert str(error.problems[0]) == "Sites!B2: capacity_mw must be > 0 (got -5)"
    assert str(error.stopped) == (
        "Sites: stopped after 1,000 problems; rows 1,002 to 1,201 (200 rows) not checked, "
        "nor the sheets Market, Miners, Contracts, Settings")


def test_a_thousand_faults_are_all_reported_as_before(tmp_path: Path) -> None:
    """Exactly the cap: every fault, the usual message, nothing said about stopping."""
    rows = [*sites(1_000, "big"), ["Alpha", 100, 45], ["Beta", 60, 38.5]]  # named elsewhere
    path = write_book(tmp_path / "full.xlsx", base_sheets(Sites=rows))
    error = refused(path)
    assert len(error.problems) == 1_000
    assert error.stopped is None
    assert str(error).partition("\n")[0] == f"1000 problems in {path}:"


SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<cols><col min="2" max="3" hidden="1"/></cols><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>site</t></is></c><c r="B1" s="1"/></row>'
    '<row r="2" hidden="1"><c r="A2"><f>B2*2</f></c><c r="B2" t="e"><v>#DIV/0!</v></c>'
    '<c r="C2"><f>1+1</f><v>2</v></c></row>'
    '<row r="3"><c r="D3" t="str"><f>X</f><v></v></c><c r="E3"></c><c r="F9" s="2"/></row>'
    "</sheetData></worksheet>")


@pytest.mark.parametrize("text", [SHEET, SHEET.replace("<cols>", "<!-- x --><cols>")])
def test_the_fast_scan_finds_what_the_expat_scan_finds(tmp_path: Path, text: str) -> None:
    """Formulas without values, errors, hidden rows and columns, the used area (styled and
    empty cells not in it): the byte pass and the expat handlers agree; a comment sends the
    part the exact way, with the same facts."""
    handler = scans._OoxmlSheet(lambda facts: None)
    scans.parse_stream(io.BytesIO(text.encode()), handler.start, handler.end, handler.text)
    exact = handler.facts.tidy()
    assert exact.unreadable == {(2, 0): "a formula (=B2*2) with no saved value",
                                (2, 1): "the error #DIV/0!"}
    assert (exact.rows, exact.columns) == (3, 4)
    try:
        plain = read_plain(io.BytesIO(text.encode()), 1_000, scans._exact_cells)
    except NotPlain:
        assert "<!--" in text
        return
    fast = scans._plain_facts(plain)
    assert (fast.rows, fast.columns, fast.unreadable) == (exact.rows, exact.columns,
                                                           exact.unreadable)
    assert (fast.hidden_rows, fast.hidden_columns) == (exact.hidden_rows, exact.hidden_columns)


@pytest.mark.parametrize("cells", [
    '<c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>x</t></is></c>',
    '<c r="A2"><v >1</v></c><c r="B2"><v/></c>',  # value tags with a space, self-closed
    '<c r="A2"><vm>1</vm></c><c r="B2"><v>2</v></c>',  # an element that only starts "<v"
    '<c r="A2"><x:v>1</x:v></c>',  # a prefixed value: the exact pass counts it
])
def test_the_fast_count_of_values_is_the_value_tags(cells: str) -> None:
    """Values are counted with bytes.count only when every value tag is a bare <v> or <is>;
    any other form takes the expression, so the count is what the cap has always counted."""
    text = SHEET.replace("<row r=\"3\">", f"<row r=\"3\">{cells}")
    expected = len(VALUE_TAG.findall(text.encode()))
    try:
        plain = read_plain(io.BytesIO(text.encode()), 1_000, scans._exact_cells)
    except NotPlain:
        assert ":v>" in cells
        return
    assert plain.values == expected
