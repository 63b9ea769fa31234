"""Long sheets are read first cut to their first rows; the report is the whole read's.

A 990,000-cell sheet with a fault in every row was scanned and loaded whole (by
python-calamine) and turned into 330,000 Python rows, to report its first thousand faults. The
reader now surveys big sheet parts in one pass (values counted, first rows kept, last row
found) and reads a copy of the book whose long sheets keep their first 2,000 rows; when that
copy alone stops the read inside those rows the report is the same as the whole book's, and
the rest of the sheet is never scanned or loaded. These tests compare every report with the
whole read's (the survey switched off).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from bookkit import rows_xlsx
from calaminekit import spy_on_calamine
from fleetkit import write_book
from test_reader import MINERS, SITES, base_sheets

from allocator.errors import InputError, Problem
from allocator.workbook import reader
from allocator.workbook.first_rows import FIRST_ROWS, LONG_ROWS, CutBook, first_rows
from allocator.workbook.plain_sheet import last_held_row
from allocator.workbook.reader import FleetWorkbook, Limits, read_workbook

ROWS = 3 * LONG_ROWS // 2  # a sheet long enough to be cut, its part over 1 MB


def sites(count: int, capacity: Any = 100, name: str = "S") -> list[list[object]]:
    """The Sites header and ``count`` rows; ``capacity(i)`` (or the value) for row ``i``'s
    capacity_mw. Alpha and Beta are there for the other sheets to name."""
    def value(i: int) -> object:
        return capacity(i) if callable(capacity) else capacity
    return [list(SITES[0][:3]), ["Alpha", 100, 45], ["Beta", 60, 38.5],
            *([f"{name}{i}", value(i), 40] for i in range(count - 2))]


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The sheets python-calamine loads from the file itself and from the first read's copy."""
    return spy_on_calamine(monkeypatch)


def whole_read(path: Path, monkeypatch: pytest.MonkeyPatch) -> InputError | FleetWorkbook:
    """What the reader gives without the first read."""
    with monkeypatch.context() as patch:
        patch.setattr(reader, "survey", lambda *args: {})
        try:
            return read_workbook(path)
        except InputError as exc:
            return exc


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    return caught.value


def same_error(first: InputError, whole: InputError | FleetWorkbook) -> None:
    assert isinstance(whole, InputError)
    assert first.problems == whole.problems
    assert first.stopped == whole.stopped
    assert str(first) == str(whole)


@pytest.mark.slow
def test_a_long_flood_stops_in_its_first_rows_without_loading_the_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loaded: dict[str, list[str]]
) -> None:
    """A fault in each of 12,000 rows: the first 1,000, then where reading stopped, counting
    the sheet's rows to its end, exactly as the whole read says it; only the copy is scanned
    and loaded."""
    path = write_book(tmp_path / "flood.xlsx", base_sheets(Sites=sites(ROWS, "big")))
    scanned: list[bool] = []  # whether each scan was of the file itself
    real_scan = reader.scan_ooxml

    def scan(*args: Any, **kw: Any) -> Any:
        scanned.append(kw.get("data") is None)
        return real_scan(*args, **kw)

    monkeypatch.setattr(reader, "scan_ooxml", scan)
    error = refused(path)
    assert scanned == [False]
    assert len(error.problems) == 1_000
    assert str(error.problems[0]) == "Sites!B4: capacity_mw must be a number (got 'big')"
    assert str(error.stopped) == (
        f"Sites: stopped after 1,000 problems; rows 1,004 to {ROWS + 1:,} "
        f"({ROWS + 1 - 1_003:,} rows) not checked, nor the sheets Miners, Market, Contracts")
    assert loaded["file"] == []  # the file's own sheets: none loaded
    assert "Sites" in loaded["copy"]
    same_error(error, whole_read(path, monkeypatch))


def test_a_flood_written_with_inline_strings_is_the_same_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loaded: dict[str, list[str]]
) -> None:
    path = rows_xlsx(tmp_path / "inline.xlsx", base_sheets(Sites=sites(ROWS, "big")))
    error = refused(path)
    assert loaded["file"] == []
    same_error(error, whole_read(path, monkeypatch))


@pytest.mark.slow
def test_sparse_faults_are_read_from_the_whole_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loaded: dict[str, list[str]]
) -> None:
    """A fault every fourth row: 500 in the first rows, so the cap is met past them and the
    whole book is read; the report is the whole read's."""
    rows = sites(ROWS, lambda i: "big" if i % 4 == 0 else 100)
    path = write_book(tmp_path / "sparse.xlsx", base_sheets(Sites=rows))
    error = refused(path)
    assert "Sites" in loaded["file"]
    assert str(error.problems[-1]) == "Sites!B4000: capacity_mw must be a number (got 'big')"
    same_error(error, whole_read(path, monkeypatch))


@pytest.mark.slow
def test_a_stop_after_a_sheet_cut_short_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sites' faults lie past its first rows, Miners' in every row: the copy stops in Miners,
    having skipped Sites' faults, so the whole book is read and Sites' faults come first."""
    rows = sites(ROWS, lambda i: "big" if i >= FIRST_ROWS and i % 15 == 0 else 100)
    miners = [MINERS[0], *(["Alpha", "Antminer S21 XP", "many", None, None]
                           for _ in range(ROWS))]
    path = write_book(tmp_path / "two.xlsx", base_sheets(Sites=rows, Miners=miners))
    error = refused(path)
    assert error.problems[0].sheet == "Sites"
    assert error.stopped is not None and error.stopped.sheet == "Miners"
    same_error(error, whole_read(path, monkeypatch))


@pytest.mark.slow
def test_a_long_valid_book_reads_the_same_fleet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loaded: dict[str, list[str]]
) -> None:
    """12,000 sites, no fault: the first read finds nothing, the whole book is read."""
    path = write_book(tmp_path / "long.xlsx", base_sheets(Sites=sites(ROWS)))
    book = read_workbook(path)
    whole = whole_read(path, monkeypatch)
    assert isinstance(whole, FleetWorkbook)
    assert len(book.fleet.sites) == ROWS
    assert (book.fleet, book.warnings, book.places) == (whole.fleet, whole.warnings,
                                                        whole.places)
    assert "Sites" in loaded["file"]


@pytest.mark.slow
def test_a_sheet_under_the_length_is_not_cut(tmp_path: Path,
                                             loaded: dict[str, list[str]]) -> None:
    """A big sheet of up to 8,000 rows (long names) is read whole at once: a first read
    would save little."""
    rows = sites(LONG_ROWS - 1, "big", name="S" * 200)
    path = write_book(tmp_path / "short.xlsx", base_sheets(Sites=rows))
    assert len(refused(path).problems) == 1_000
    assert loaded["copy"] == []
    assert "Sites" in loaded["file"]


@pytest.mark.slow
def test_a_big_sheet_over_the_cap_is_refused_from_its_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The survey's count of values refuses the sheet with the scan's own message."""
    path = write_book(tmp_path / "over.xlsx", base_sheets(Sites=sites(ROWS, "big")))
    caps = Limits(max_cells=20_000)
    with pytest.raises(InputError) as caught:
        read_workbook(path, limits=caps)
    assert [str(p) for p in caught.value.problems] == [
        "Sites: the sheet holds more than 19,992 cells with values (8 more in the sheets "
        "before it), more than the 20,000 the reader accepts; it is not opened (delete what "
        "the plan does not need, or keep it in another workbook)"]
    with monkeypatch.context() as patch, pytest.raises(InputError) as whole:
        patch.setattr(reader, "survey", lambda *args: {})
        read_workbook(path, limits=caps)
    assert whole.value.problems == caught.value.problems


# --------------------------------------------------------------------------- the cut itself


def part(rows: Sequence[str], tail: str = "<pageMargins/>") -> bytes:
    body = "".join(rows)
    return ('<?xml version="1.0"?>\n<worksheet xmlns="m"><sheetData>'
            f"{body}</sheetData>{tail}</worksheet>").encode()


def test_first_rows_keeps_the_rows_up_to_the_cut_and_closes_the_part() -> None:
    rows = [f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in (1, 2, 5, 9)]
    head = first_rows(io.BytesIO(part(rows)), 5)
    assert head == part(rows[:3], tail="")


@pytest.mark.parametrize("rows", [
    ['<row r="1"/>', '<row r="3"/>', '<row r="2"/>', '<row r="9"/>'],  # out of order
    ['<row r="1"/>', "<row/>", '<row r="9"/>'],  # a row without its number
    ['<row r="1"/>', '<row r="2"/>'],  # no row past the cut: nothing to cut
    ['<row r="1"/>', "<!-- <row r='3'/> -->", '<row r="9"/>'],  # a comment
])
def test_first_rows_leaves_unusual_parts_whole(rows: list[str]) -> None:
    assert first_rows(io.BytesIO(part(rows)), 5) is None


def test_the_last_row_holding_a_value_is_found_in_plain_rows() -> None:
    rows = ('<row r="7"><c r="A7"><v>1</v></c></row><row r="8"><c r="B8" t="inlineStr"><is>'
            '<t>x</t></is></c></row><row r="9"><c r="A9" s="3"/></row>')
    assert last_held_row(rows.encode()) == 8  # row 9 holds a styled blank only
    assert last_held_row(b'<row r="9"><c r="A9" s="3"/></row>') is None
    assert last_held_row(b'<row r="9"><x:c r="A9"><v>1</v></x:c></row>') is None


def test_a_stop_settles_only_in_the_rows_kept_of_the_first_sheet_cut() -> None:
    cut = CutBook(io.BytesIO(), frozenset({"Sites", "Miners"}), ("Settings", "Sites", "Miners"))
    assert cut.settles(Problem("Sites", "x", cell="B2000"))
    assert not cut.settles(Problem("Sites", "x", cell="B2001"))  # past the rows kept
    assert not cut.settles(Problem("Sites", "x", cell="1:1"))  # the header row
    assert not cut.settles(Problem("Miners", "x", cell="C5"))  # Sites before it, cut
    assert not cut.settles(Problem("Settings", "x", cell="B5"))  # read whole, not cut

