"""Fuzzing the reader: random workbooks either read or raise InputError with located problems;
never another exception, never the reader's catch-all "could not read the workbook", never a
hang (each example has a deadline), never a crash of the process.

Four generators, from the outside in: random books of random sheets (structure), a valid book
with a few cells replaced (validation), raw sheet XML with odd cell types and addresses (the XML
scan and calamine), and damaged bytes of a valid file (zip and parsers). Hypothesis runs
derandomized with a fixed number of examples, so CI sees the same cases in bounded time.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from bookkit import column_name, raw_xlsx, sheet_xml
from fleetkit import write_book
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_reader import base_sheets

from allocator.domain import Fleet
from allocator.errors import InputError
from allocator.workbook.reader import FleetWorkbook, read_workbook
from allocator.workbook.schema import INPUT_SHEETS

pytestmark = pytest.mark.slow  # seconds of Hypothesis examples; pytest -m 'not slow' skips

FUZZ = settings(
    derandomize=True,
    deadline=dt.timedelta(seconds=5),  # a hang fails the example instead of stalling CI
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

CATCH_ALL = "could not read the workbook:"

# --------------------------------------------------------------------------- cell values

# Characters XML 1.0 (and so every spreadsheet) can hold; no surrogates, no C0 controls.
XML_TEXT = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[chr(c) for c in range(32) if chr(c) not in "\t\n\r"] + ["\ufffe",
                                                                                  "\uffff"],
)
TYPED_TEXT = st.sampled_from([
    "$45", "1,200", "1,200.5", "(1,200)", "2%", " 45 ", "-$3", "€5", "1.200,5", "Jan 2026",
    "2026-01", "2026-01-15", "01/02/2026", "15/01/2026", "Jan-26", "2026-13", "yes", "No",
    "TRUE", "nan", "inf", "-inf", "1e400", "#N/A", "=1+1", "=SUM(A1:A2)", "+cmd", "Alpha",
    "Beta", "Antminer S21 XP", "S21 XPP", "Lease-A", "Alpha; Beta", "highs", "", "   ",
    "\u00a0", "Ω", "日本語", "🙂", "a" * 300,
])
NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2**53 + 1, 10**15, 46023]),
)
DATES = st.one_of(
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.times(),
)
VALUES = st.one_of(
    st.none(), NUMBERS, TYPED_TEXT, st.text(XML_TEXT, max_size=12), st.booleans(), DATES,
)

ALL_HEADERS = sorted({col.header for spec in INPUT_SHEETS for col in spec.columns})
HEADERS = st.one_of(
    st.sampled_from(ALL_HEADERS),
    st.sampled_from(ALL_HEADERS).map(lambda h: f" {h.upper().replace('_', ' ')} "),
    st.text(XML_TEXT, max_size=8),
    st.none(),
)
SHEET_NAMES = st.one_of(
    st.sampled_from([spec.name for spec in INPUT_SHEETS]),
    st.sampled_from(["sites", "MARKET ", "power prices", "Site", "Plan", "Run Info", "Notes"]),
    st.text(XML_TEXT.filter(lambda c: c not in "[]:*?/\\'"), min_size=1, max_size=31).filter(
        lambda s: s.strip() and s.lower() != "history"),
)


def table(headers: st.SearchStrategy[object] = HEADERS) -> st.SearchStrategy[list[list[object]]]:
    """A header row and 0-5 rows of random values, rows of random length."""
    return st.tuples(
        st.lists(headers, max_size=9),
        st.lists(st.lists(VALUES, max_size=9), max_size=5),
    ).map(lambda pair: [list(pair[0]), *pair[1]])


# --------------------------------------------------------------------------- the assertion


def check_read(path: Path) -> FleetWorkbook | InputError:
    """Read ``path``: a fleet, or an InputError whose every problem is located and printable."""
    try:
        result = read_workbook(path)
    except InputError as error:
        assert error.problems, "an InputError must list its problems"
        for problem in error.problems:
            text = str(problem)
            assert problem.sheet and problem.message, text
            assert CATCH_ALL not in text, f"the reader's catch-all fired: {text}"
        event("InputError")
        return error
    event("read")
    assert isinstance(result.fleet, Fleet)
    assert all(isinstance(w, str) and w for w in result.warnings)
    return result


def write_openpyxl(path: Path, sheets: Sequence[tuple[str, list[list[object]]]]) -> Path:
    return write_book(path, sheets)


def run_in_tmp(write: Callable[..., Path], *args: object) -> FleetWorkbook | InputError:
    """Write a book with ``write(path, *args)`` in a fresh folder and check reading it."""
    with TemporaryDirectory() as folder:
        return check_read(write(Path(folder) / "fuzz.xlsx", *args))


# --------------------------------------------------------------------------- 1. random books


@settings(FUZZ, max_examples=200)
@given(st.lists(st.tuples(SHEET_NAMES, table()), min_size=1, max_size=6))
def test_random_books_read_or_raise_input_error(sheets: list[tuple[str, list[list[object]]]]
                                                ) -> None:
    """Random sheet names (input sheets in any spelling, unicode, missing ones), duplicate
    and unknown headers, values of every type in every column."""
    run_in_tmp(write_openpyxl, sheets)


# --------------------------------------------------------------------------- 2. one valid book


CLEAN = base_sheets()
SPOTS = st.tuples(
    st.sampled_from(list(CLEAN)),
    st.integers(0, 5),  # row index, 0 = header; past the end adds rows
    st.integers(0, 11),  # column index; past the end adds columns
    VALUES,
)


@settings(FUZZ, max_examples=300)
@given(
    spots=st.lists(SPOTS, min_size=1, max_size=4),
    drop=st.one_of(st.none(), st.sampled_from(list(CLEAN))),
)
def test_a_valid_book_with_random_cells_replaced(
    spots: list[tuple[str, int, int, object]], drop: str | None
) -> None:
    """Close to a real book, so cells get past the sheet checks into the domain rules and
    the cross-row checks: extreme numbers, wrong types, dates, formulas without values."""
    sheets = {name: [list(row) for row in rows] for name, rows in CLEAN.items()}
    for name, r, c, value in spots:
        rows = sheets[name]
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        row.extend([None] * (c + 1 - len(row)))
        row[c] = value
    if drop is not None:
        del sheets[drop]
    result = run_in_tmp(write_openpyxl, list(sheets.items()))
    if isinstance(result, FleetWorkbook):
        for site in result.fleet.sites:
            assert math.isfinite(site.capacity_mw)


# --------------------------------------------------------------------------- 3. raw sheet XML


REFS = st.one_of(
    st.none(),  # no r: the next column
    st.tuples(st.integers(0, 30), st.integers(0, 12)).map(
        lambda rc: f"{column_name(rc[1])}{rc[0]}"),
    st.sampled_from(["A0", "XFD1048576", "A99999999", "ZZZZZZ1", "a3", "$B$2", "B", "7",
                     "A-1", " C2", "", "A1048577", "A4294967296"]),
)
CELL_TYPES = st.sampled_from([None, "n", "s", "str", "inlineStr", "b", "e", "d", "x"])
V_TEXT = st.one_of(
    st.sampled_from(["1", "0", "-5", "45.5", "", "NaN", "INF", "1e999", "-0", "1" * 400,
                     "#DIV/0!", "#N/A", "2026-01-01T00:00:00", "abc", "3", "99"]),
    st.text(XML_TEXT, max_size=6),
)


@st.composite
def raw_cell(draw: st.DrawFn) -> str:
    from xml.sax.saxutils import escape, quoteattr

    ref = draw(REFS)
    kind = draw(CELL_TYPES)
    attrs = (f" r={quoteattr(ref)}" if ref is not None else "") + (
        f' t="{kind}"' if kind else "")
    body = ""
    if draw(st.booleans()):
        body += f"<f>{escape(draw(st.sampled_from(['1+1', 'A1*2', 'Sheet9!A1', ''])))}</f>"
    choice = draw(st.integers(0, 3))
    if choice == 1:
        body += f"<v>{escape(draw(V_TEXT))}</v>"
    elif choice == 2:
        body += "<v/>"
    elif choice == 3:
        body += f"<is><t>{escape(draw(V_TEXT))}</t></is>"
    return f"<c{attrs}>{body}</c>"


@st.composite
def raw_sheet(draw: st.DrawFn) -> str:
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        r = draw(st.one_of(st.none(), st.integers(0, 12), st.sampled_from([1048577, 99999999])))
        hidden = ' hidden="1"' if draw(st.booleans()) else ""
        attr = f' r="{r}"' if r is not None else ""
        cells = "".join(draw(st.lists(raw_cell(), max_size=5)))
        rows.append(f"<row{attr}{hidden}>{cells}</row>")
    cols = ""
    if draw(st.booleans()):
        low = draw(st.integers(0, 20))
        high = draw(st.one_of(st.integers(0, 20), st.just(10**9)))
        cols = f'<cols><col min="{low}" max="{high}" hidden="1"/></cols>'
    return (f'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main">{cols}<sheetData>{"".join(rows)}</sheetData></worksheet>')


@settings(FUZZ, max_examples=300)
@given(target=st.sampled_from(["Sites", "Market", "Settings", "Contracts"]), sheet=raw_sheet(),
       strings=st.booleans())
def test_raw_sheet_xml_read_or_raise_input_error(target: str, sheet: str, strings: bool) -> None:
    """Cell types calamine must interpret (t="e", "d", "s" without shared strings, unknown),
    formulas without values, addresses calamine rejects or would expand to billions of cells,
    hidden columns up to a billion. Any of these in an input sheet, beside valid sheets."""
    parts = {name: sheet_xml(rows) for name, rows in base_sheets().items()}
    parts[target] = sheet
    shared = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main"><si><t>Alpha</t></si><si><t>2026-01</t></si></sst>')
    run_in_tmp(lambda path: raw_xlsx(path, parts, shared_strings=shared if strings else None))


# --------------------------------------------------------------------------- 4. damaged bytes


def _valid_bytes() -> bytes:
    with TemporaryDirectory() as folder:
        path = raw_xlsx(Path(folder) / "b.xlsx",
                        {name: sheet_xml(rows) for name, rows in base_sheets().items()})
        return path.read_bytes()


VALID = _valid_bytes()


@settings(FUZZ, max_examples=300)
@given(
    edits=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.integers(0, len(VALID))),
)
def test_damaged_bytes_read_or_raise_input_error(edits: list[tuple[int, int]],
                                                 cut: int | None) -> None:
    """Flipped bytes and truncation anywhere: in zip headers, in compressed sheet data."""
    data = bytearray(VALID)
    for at, byte in edits:
        data[at] = byte
    if cut is not None:
        del data[cut:]

    def write(path: Path) -> Path:
        path.write_bytes(bytes(data))
        return path

    run_in_tmp(write)


@settings(FUZZ, max_examples=150)
@given(part=st.sampled_from(["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "_rels/.rels",
                             "[Content_Types].xml", "xl/worksheets/sheet2.xml"]),
       at=st.floats(0, 1), junk=st.text(XML_TEXT | st.sampled_from(list("<>&\"'/=")),
                                         max_size=10))
def test_damaged_xml_read_or_raise_input_error(part: str, at: float, junk: str) -> None:
    """Junk spliced into one part's XML, the zip itself intact."""

    def write(path: Path) -> Path:
        parts = {name: sheet_xml(rows) for name, rows in base_sheets().items()}
        raw_xlsx(path, parts)
        with zipfile.ZipFile(path) as src:
            contents = {info.filename: src.read(info) for info in src.infolist()}
        text = contents[part].decode()
        cut = int(at * len(text))
        contents[part] = (text[:cut] + junk + text[cut:]).encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for name, data in contents.items():
                dst.writestr(name, data)
        return path

    run_in_tmp(write)
