"""Hostile files: zip bombs, sheets that would make calamine allocate billions of cells, XML
entity attacks, and input text that looks like a formula. Each must end in a clear InputError
before a spreadsheet library loads anything, or, for names, be written back as plain text."""

from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import openpyxl.xml
import pytest
import python_calamine
from bookkit import raw_xlsx, rows_xlsx, sheet_xml
from calaminekit import spy_on_calamine
from click.testing import CliRunner
from test_reader import base_sheets

from allocator.cli.main import cli
from allocator.errors import InputError
from allocator.workbook.guards import check_file
from allocator.workbook.reader import Limits, read_workbook
from allocator.workbook.writer import write_plan

LAUGHS_DTD = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
              for i in range(1, 10))
    + "]>"
)
SST = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def problems(path: Path, **kw: Any) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_workbook(path, **kw)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def calamine_spy(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Record what python-calamine is asked to open and load; a refused file opens nothing."""
    return spy_on_calamine(monkeypatch)


def declare_size(path: Path, part: str, size: int) -> None:
    """Make the zip claim ``part`` unpacks to ``size`` bytes (local header and central
    directory); the file itself stays a few KB."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(part)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    name = part.encode()
    start = data.rfind(b"PK\x01\x02" + bytes(0), 0)
    while start != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46:start + 46 + name_length] == name:
            struct.pack_into("<I", data, start + 24, size)
            break
        start = data.rfind(b"PK\x01\x02", 0, start)
    else:  # pragma: no cover - the helper is wrong
        raise AssertionError(f"{part} not in the central directory")
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------- zip bombs


def test_zip_bomb_by_declared_size_fails_fast_and_opens_nothing(
    tmp_path: Path, calamine_spy: dict[str, list[str]]
) -> None:
    """A 4 GB sheet in a few-KB file: refused from the zip directory alone, in milliseconds."""
    path = rows_xlsx(tmp_path / "bomb.xlsx", base_sheets())
    declare_size(path, "xl/worksheets/sheet2.xml", 4_000_000_000)
    assert path.stat().st_size < 10_000
    started = time.perf_counter()
    (message,) = problems(path)
    assert time.perf_counter() - started < 1.0
    assert message == (
        "workbook: bomb.xlsx would unpack to 4,000 MB, more than the 200 MB the reader "
        "accepts; it is not opened (a fleet workbook is far smaller; this looks like a zip bomb)")
    assert calamine_spy == {"opened": [], "file": [], "copy": []}


def test_zip_bomb_by_compression_ratio(tmp_path: Path, calamine_spy: dict[str, list[str]]) -> None:
    """A sheet that really is 20 MB of repeated markup in a ~20 KB part: under the total cap,
    refused for its ratio (real sheets compress 10-20 times)."""
    path = tmp_path / "ratio.xlsx"
    padding = " " * 20_000_000
    raw_xlsx(path, {name: sheet_xml(rows) for name, rows in base_sheets().items()})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet9.xml", f"<worksheet>{padding}</worksheet>")
    assert path.stat().st_size < 100_000
    (message,) = problems(path)
    assert message.startswith("workbook: ratio.xlsx: part xl/worksheets/sheet9.xml expands ")
    assert "far more than a spreadsheet compresses (at most 100 accepted)" in message
    assert calamine_spy["opened"] == []


def test_size_and_part_count_limits(tmp_path: Path) -> None:
    path = rows_xlsx(tmp_path / "fleet.xlsx", base_sheets())
    assert problems(path, limits=Limits(max_file_bytes=1000))[0].startswith(
        "workbook: fleet.xlsx is ")
    assert problems(path, limits=Limits(max_parts=3)) == [
        "workbook: fleet.xlsx holds 9 zip parts, more than the 3 the reader accepts"]


def test_damaged_zip_is_an_input_error(tmp_path: Path) -> None:
    path = rows_xlsx(tmp_path / "fleet.xlsx", base_sheets())
    data = path.read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    assert problems(tmp_path / "cut.xlsx")[0].startswith("workbook: cut.xlsx is not a workbook")
    flipped = bytearray(data)
    flipped[200:260] = bytes(60)  # inside the first part's compressed data
    (tmp_path / "flipped.xlsx").write_bytes(bytes(flipped))
    assert problems(tmp_path / "flipped.xlsx")[0].startswith("workbook: ")


# --------------------------------------------------------------------------- cell caps


def test_one_far_cell_is_refused_before_calamine_builds_the_grid(
    tmp_path: Path, calamine_spy: dict[str, list[str]]
) -> None:
    """calamine builds A1 to the last cell densely: a value at XFD1048576 would ask for 17
    billion cells and abort the process (a Rust allocation failure, not an exception)."""
    sheets = {name: sheet_xml(rows) for name, rows in base_sheets().items()}
    sheets["Sites"] = sheets["Sites"].replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    path = raw_xlsx(tmp_path / "far.xlsx", sheets)
    assert problems(path) == [
        "Sites: the sheet's cells span A1:XFD1048576 (17,179,869,184 cells), more than the "
        "1,000,000 the reader accepts; delete stray cells far outside the table (Ctrl+End "
        "jumps to the last one)"]
    assert "Sites" not in calamine_spy["file"]


def test_the_cell_cap_counts_every_sheet_read(tmp_path: Path) -> None:
    """Settings 4x2, Sites 3x9, Miners 2x5: the cap is passed in Miners, counting the sheets
    before it (its values are counted in the bytes before its XML is parsed); sheets that are
    not input (Notes) are never scanned."""
    sheets = dict(base_sheets())
    sheets["Notes"] = [[1] * 50] * 50
    path = rows_xlsx(tmp_path / "fleet.xlsx", sheets)
    assert problems(path, limits=Limits(max_cells=40)) == [
        "Miners: the sheet holds more than 5 cells with values (35 more in the sheets before "
        "it), more than the 40 the reader accepts; it is not opened (delete what the plan does "
        "not need, or keep it in another workbook)"]
    assert read_workbook(path, limits=Limits(max_cells=100)).fleet.sites


def minimal_ods(path: Path, table: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        f"<office:body><office:spreadsheet>{table}</office:spreadsheet></office:body>"
        "</office:document-content>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
    return path


def test_ods_repeated_cells_are_counted_before_calamine_opens_the_file(
    tmp_path: Path, calamine_spy: dict[str, list[str]]
) -> None:
    """One ODS cell element can stand for millions (number-rows/columns-repeated); calamine
    expands them all when it opens the file, so every sheet is counted first."""
    table = (
        '<table:table table:name="Notes"><table:table-row table:number-rows-repeated="100000">'
        '<table:table-cell table:number-columns-repeated="100" office:value-type="float" '
        'office:value="1"/></table:table-row></table:table>')
    path = minimal_ods(tmp_path / "rep.ods", table)
    assert problems(path) == [
        "Notes: the sheet's cells span A1:CV100000 (10,000,000 cells), more than the "
        "1,000,000 the reader accepts; delete stray cells far outside the table (Ctrl+End "
        "jumps to the last one)"]
    assert calamine_spy["opened"] == []


# --------------------------------------------------------------------------- XML attacks


def shared_strings(dtd: str, text: str) -> str:
    return (f'<?xml version="1.0"?>{dtd}<sst xmlns="{SST}" count="1" uniqueCount="1">'
            f"<si><t>{text}</t></si></sst>")


def with_dtd_parts(tmp_path: Path, name: str, *, strings: str | None = None,
                   sites: str | None = None) -> Path:
    sheets = {n: sheet_xml(rows) for n, rows in base_sheets().items()}
    if sites is not None:
        sheets["Sites"] = sites
    return raw_xlsx(tmp_path / name, sheets, shared_strings=strings)


@pytest.mark.parametrize(
    ("name", "part", "strings", "sites"),
    [
        ("laughs.xlsx", "xl/sharedStrings.xml", shared_strings(LAUGHS_DTD, "&lol9;"), None),
        ("xxe.xlsx", "xl/sharedStrings.xml",
         shared_strings('<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"), None),
        ("sheet.xlsx", "xl/worksheets/sheet2.xml", None,
         sheet_xml([["site"], ["x"]]).replace("?>\n", "?>\n" + LAUGHS_DTD, 1)),
        # A DTD pushed behind 50 KB of comments is still found: the whole prolog is parsed.
        ("padded.xlsx", "xl/sharedStrings.xml",
         shared_strings("<!--" + "x" * 50_000 + "-->" + LAUGHS_DTD, "&lol9;"), None),
    ],
)
def test_xml_entities_are_refused_before_any_parser_expands_them(
    tmp_path: Path, calamine_spy: dict[str, list[str]], name: str, part: str,
    strings: str | None, sites: str | None,
) -> None:
    path = with_dtd_parts(tmp_path, name, strings=strings, sites=sites)
    started = time.perf_counter()
    assert problems(path) == [
        f"workbook: {name}: part {part} declares an XML DTD (<!DOCTYPE ...>), which spreadsheet "
        "programs never write; it is not opened (DTD entities can expand without limit or "
        "read other files)"]
    assert time.perf_counter() - started < 1.0
    assert calamine_spy["opened"] == []


def test_the_libraries_themselves_never_expand_entities(tmp_path: Path) -> None:
    """Defence in depth, for code paths that skip the reader (the writer loads a source with
    openpyxl): openpyxl parses through defusedxml, and calamine's XML parser knows no DTD
    entities. Both refuse the billion laughs instead of expanding it."""
    path = with_dtd_parts(tmp_path, "laughs.xlsx",
                          strings=shared_strings(LAUGHS_DTD, "&lol9;"))
    assert openpyxl.xml.DEFUSEDXML is True
    with pytest.raises(Exception, match=r"read strings|[Ee]ntit"):
        openpyxl.load_workbook(path)
    with pytest.raises(python_calamine.CalamineError, match="entity"):
        python_calamine.CalamineWorkbook.from_path(str(path))


def test_check_file_tells_formats_by_content(tmp_path: Path) -> None:
    """The suffix is not trusted: an .xlsx renamed .ods is still scanned as OOXML."""
    path = rows_xlsx(tmp_path / "fleet.xlsx", base_sheets())
    renamed = tmp_path / "fleet.ods"
    renamed.write_bytes(path.read_bytes())
    assert check_file(path) == check_file(renamed) == "ooxml"
    assert check_file(minimal_ods(tmp_path / "t.ods", "")) == "ods"
    (tmp_path / "x.xls").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    assert check_file(tmp_path / "x.xls") == "other"


# --------------------------------------------------------------------------- formula injection


INJECTED = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]


def test_names_that_look_like_formulas_are_written_back_as_text(tmp_path: Path) -> None:
    """End to end through `allocator optimize`: sites and a contract named like formulas (typed
    as text in the input) come out as string cells, in the Plan and in the user's own copied
    Sites sheet; no output sheet holds a formula."""
    sites = [["site", "capacity_mw", "power_price_usd_mwh", "hpc_existing_mw"],
             *[[name, 50, 40, 5] for name in INJECTED]]
    sheets: dict[str, list[list[object]]] = {
        "Sites": sites,
        "Miners": [["site", "model", "units"], [INJECTED[0], "Antminer S21 XP", 1000]],
        "Market": [["month", "hashprice_usd_ph_day"], ["2026-01", 40]],
        "Contracts": [["contract", "tenant", "rate_usd_kw_month", "max_mw", "start_month",
                       "term_months", "power_pass_through"],
                      ["=1+1", INJECTED[1], 100, 20, "2026-01", 12, "yes"]],
    }
    book = rows_xlsx(tmp_path / "fleet.xlsx", sheets)
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(cli, ["optimize", str(book), "-o", str(out)])
    assert result.exit_code == 0, result.output

    wb = openpyxl.load_workbook(out)
    plan_sites = [row[0] for row in wb["Plan"].iter_rows(min_row=2)]
    assert {cell.value for cell in plan_sites} == set(INJECTED)
    assert all(cell.data_type == "s" for cell in plan_sites)
    copied = [wb["Sites"].cell(row=r, column=1) for r in range(2, 2 + len(INJECTED))]
    assert [c.value for c in copied] == INJECTED
    assert all(c.data_type == "s" for c in copied)
    contract = wb["Contract Result"]["A2"]
    assert (contract.value, contract.data_type) == ("=1+1", "s")
    with zipfile.ZipFile(out) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/sheet"):
                assert "<f>" not in archive.read(part).decode(), part


@pytest.mark.slow
def test_thousands_of_hidden_ranges_stay_fast(tmp_path: Path) -> None:
    """Every other column hidden across all 16,384 header cells (8,192 ranges): the reader asks
    'hidden?' per column and per row, so a lookup must not scan every range (5 s, against
    0.4 s for the same sheet with nothing hidden; now 0.4 s). Timed against that same sheet
    unhidden, read on the same machine at the same moment, so a busy machine slows both."""
    header = ["site", "capacity_mw", "power_price_usd_mwh", *[f"h{i}" for i in range(16_381)]]
    rows: list[list[object]] = [header, *([f"S{i}", 10, 40] for i in range(60))]
    sheets = {name: sheet_xml(r) for name, r in base_sheets(Miners=None, Contracts=None).items()}
    plain = raw_xlsx(tmp_path / "plain.xlsx", {**sheets, "Sites": sheet_xml(rows)})
    sheets["Sites"] = sheet_xml(rows, hidden_columns=range(3, 16_384, 2),
                                hidden_rows=range(2, 62, 2))
    path = raw_xlsx(tmp_path / "stripes.xlsx", sheets)

    def best_read_s(book: Path) -> float:
        times = []
        for _ in range(2):
            started = time.perf_counter()
            read_workbook(book)
            times.append(time.perf_counter() - started)
        return min(times)

    assert best_read_s(path) < 3.0 * best_read_s(plain) + 0.2
    result = read_workbook(path)
    assert len(result.fleet.sites) == 60
    assert result.warnings[0].startswith("Sites!E1: unknown column 'h1' ignored")


def test_writing_into_a_bomb_is_refused_before_openpyxl_opens_it(tmp_path: Path) -> None:
    """write_plan(plan, source=...) skips the reader; the writer runs the same guards."""
    from fleetkit import fleet

    from allocator import optimize
    from allocator.errors import OutputError

    path = rows_xlsx(tmp_path / "bomb.xlsx", base_sheets())
    declare_size(path, "xl/worksheets/sheet1.xml", 4_000 * 1024 * 1024)
    plan = optimize(fleet())
    with pytest.raises(OutputError, match="zip bomb"):
        write_plan(plan, tmp_path / "out.xlsx", source=path)
    assert not (tmp_path / "out.xlsx").exists()
