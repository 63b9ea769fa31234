"""Workbooks as spreadsheet programs write them: saved formula values, formulas never computed,
error cells, hidden columns, rows and sheets, .xlsm and .ods. Each test names the reader rule it
pins and the bug that would break it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from bookkit import SOFFICE, raw_xlsx, rows_xlsx, sheet_xml, soffice_convert
from fleetkit import write_book
from test_reader import MARKET, SITES, Rows, base_sheets

from allocator.errors import InputError
from allocator.workbook.reader import Limits, read_workbook


def messages(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    return [str(p) for p in caught.value.problems]


def test_formulas_count_with_their_saved_values(tmp_path: Path) -> None:
    """calamine hands over the value Excel saved; the formula text itself is never evaluated."""
    sites: Rows = [SITES[0],
                   [('="Al"&"pha"', "Alpha"), ("=40+60", 100), ("=90/2", 45), *SITES[1][3:]],
                   SITES[2]]
    market: Rows = [MARKET[0], MARKET[1], [("=A2+31", "2026-02"), ("=B2*1.01", 91_000), 1010, 0.02]]
    path = rows_xlsx(tmp_path / "fleet.xlsx", base_sheets(Sites=sites, Market=market))
    fleet = read_workbook(path).fleet
    alpha = fleet.sites[0]
    assert (alpha.name, alpha.capacity_mw, alpha.power_price_usd_mwh) == ("Alpha", 100, 45)
    assert [m.month for m in fleet.market] == ["2026-01", "2026-02"]
    assert fleet.market[1].btc_price_usd == 91_000


def test_a_formula_without_a_saved_value_is_an_error_not_a_blank(tmp_path: Path) -> None:
    """A script-written workbook never opened in a spreadsheet program has formulas but no
    values; calamine reads them as blank, and a blank optional cell would quietly take its
    default (mining_pue 1.0). Every such cell is a fault naming the formula, including a row
    that holds nothing else (it must not vanish as a blank row)."""
    sites: Rows = [SITES[0], ["Alpha", 100, 45, ("=1+0.05", None), *SITES[1][4:]], SITES[2],
                   [("=Sheet9!A1", None), ("=Sheet9!B1", None), ("=Sheet9!C1", None)]]
    settings: Rows = [["discount_rate", ("=0.04*2", None)]]
    path = rows_xlsx(tmp_path / "fleet.xlsx", base_sheets(Sites=sites, Settings=settings))
    hint = "with no saved value; open and save the file in a spreadsheet program " \
           "(Excel, LibreOffice) so the value is stored"
    assert messages(path) == [
        f"Settings!B1: discount_rate is a formula (=0.04*2) {hint}",
        f"Sites!D2: mining_pue is a formula (=1+0.05) {hint}",
        f"Sites!A4: site is a formula (=Sheet9!A1) {hint}",
        f"Sites!B4: capacity_mw is a formula (=Sheet9!B1) {hint}",
        f"Sites!C4: power_price_usd_mwh is a formula (=Sheet9!C1) {hint}",
    ]


def test_openpyxl_formulas_have_no_saved_value(tmp_path: Path) -> None:
    """The everyday case: a fleet workbook generated with openpyxl and sent on unopened."""
    sites: Rows = [SITES[0], ["Alpha", "=50*2", 45], SITES[2]]
    path = write_book(tmp_path / "fleet.xlsx", base_sheets(Sites=sites))
    assert messages(path) == [
        "Sites!B2: capacity_mw is a formula (=50*2) with no saved value; open and save the "
        "file in a spreadsheet program (Excel, LibreOffice) so the value is stored"]


def test_error_values_are_faults(tmp_path: Path) -> None:
    """#DIV/0! and #N/A read as blank in calamine; in an optional column that would be the
    default. Each is reported with its error text."""
    sites: Rows = [SITES[0], ["Alpha", 100, 45, ("#N/A",), *SITES[1][4:]],
                   ["Beta", 60, ("#DIV/0!",)]]
    path = rows_xlsx(tmp_path / "fleet.xlsx", base_sheets(Sites=sites))
    assert messages(path) == [
        "Sites!D2: mining_pue is the error #N/A; fix the formula or type a value",
        "Sites!C3: power_price_usd_mwh is the error #DIV/0!; fix the formula or type a value",
    ]


def test_hidden_helper_columns_are_skipped_silently(tmp_path: Path) -> None:
    """Unknown or blank headers in hidden columns are the user's helpers: no warning, and a
    row with values only there is skipped quietly. A visible unknown column still warns, and a
    hidden column with a contract header is read, with a warning saying so."""
    header = [*SITES[0], "helper", None, "notes"]  # J hidden, K hidden, L visible
    sites: Rows = [header, [*SITES[1], 1.05, "x", "ok"], [*SITES[2], 2.1, "y", None],
                   [None] * 9 + [3.2, "z", None]]
    uptime = SITES[0].index("uptime")
    path = raw_xlsx(tmp_path / "fleet.xlsx", {
        **{name: sheet_xml(rows) for name, rows in base_sheets().items() if name != "Sites"},
        "Sites": sheet_xml(sites, hidden_columns=[9, 10, uptime]),
    })
    result = read_workbook(path)
    assert result.warnings == (
        "Sites!F1: column F 'uptime' is hidden; its values are read",
        "Sites!L1: unknown column 'notes' ignored",
    )
    assert [s.name for s in result.fleet.sites] == ["Alpha", "Beta"]
    assert result.fleet.sites[0].uptime == 0.97


def test_hidden_rows_and_sheets_are_read_with_a_warning(tmp_path: Path) -> None:
    """What is in an input sheet counts whether it is shown or not; the warning says so, so a
    row hidden to 'park' a site does not surprise anyone."""
    sheets = {name: sheet_xml(rows) for name, rows in base_sheets().items()}
    sheets["Sites"] = sheet_xml(SITES, hidden_rows=[3])
    sheets["Market"] = sheet_xml(MARKET, hidden_rows=[2, 3])
    path = raw_xlsx(tmp_path / "fleet.xlsx", sheets, hidden_sheets=["Miners"])
    result = read_workbook(path)
    assert result.warnings == (
        "Miners: sheet 'Miners' is hidden; it is read like any other",
        "Sites: row 3 is hidden; read like any other row",
        "Market: rows 2-3 are hidden; read like any other row",
    )
    assert len(result.fleet.sites) == 2
    assert len(result.fleet.miners) == 2
    assert len(result.fleet.market) == 3


def test_xlsm_reads_like_xlsx(tmp_path: Path) -> None:
    sheets = {name: sheet_xml(rows) for name, rows in base_sheets().items()}
    plain = read_workbook(raw_xlsx(tmp_path / "fleet.xlsx", sheets)).fleet
    macro = read_workbook(raw_xlsx(tmp_path / "fleet.xlsm", sheets, macro=True)).fleet
    assert macro == plain


# --------------------------------------------------------------------------- through LibreOffice

needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def lo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One soffice run: the clean book and one with formulas, hidden helpers and an error,
    each as LibreOffice's .ods and .xlsx."""
    work = tmp_path_factory.mktemp("lo-read")
    clean = write_book(work / "clean.xlsx", base_sheets())
    sites: Rows = [[*SITES[0], "helper"], [*SITES[1][:2], "=30+15", *SITES[1][3:], "=B2*2"],
                   [*SITES[2], "=B3*2"]]
    market: Rows = [MARKET[0], MARKET[1], ["2026-02", "=B2+1000", 1010, 0.02]]
    formulas = write_book(work / "formulas.xlsx", base_sheets(Sites=sites, Market=market))
    book = openpyxl.load_workbook(formulas)
    book["Sites"].column_dimensions["J"].hidden = True
    book.save(formulas)
    broken = write_book(work / "broken.xlsx", base_sheets(
        Sites=[SITES[0], [*SITES[1][:3], "=1/0"], SITES[2]]))
    inputs = [clean, formulas, broken]
    ods = soffice_convert(inputs, "ods", work / "ods")
    xlsx = soffice_convert(inputs, "xlsx", work / "xlsx")
    xls = soffice_convert([clean], "xls", work / "xls")
    files = {"source": clean}
    for kind, made in (("ods", ods), ("xlsx", xlsx), ("xls", xls)):
        for path in made:
            files[f"{path.stem}.{kind}"] = path
    return files


@needs_soffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["ods", "xlsx"])
def test_libreoffice_files_read_like_the_original(lo_files: dict[str, Path], kind: str) -> None:
    """LibreOffice's own .ods and .xlsx give the same fleet; its computed formula values are
    used and its hidden helper column stays silent."""
    original = read_workbook(lo_files["source"]).fleet
    assert read_workbook(lo_files[f"clean.{kind}"]).fleet == original
    result = read_workbook(lo_files[f"formulas.{kind}"])
    assert result.warnings == ()
    assert result.fleet.sites[0].power_price_usd_mwh == 45
    assert result.fleet.market[1].btc_price_usd == 91_000


@needs_soffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["ods", "xlsx"])
def test_libreoffice_error_cells_are_faults(lo_files: dict[str, Path], kind: str) -> None:
    assert messages(lo_files[f"broken.{kind}"]) == [
        "Sites!D2: mining_pue is the error #DIV/0!; fix the formula or type a value"]


@needs_soffice
@pytest.mark.libreoffice
def test_ods_formula_without_a_value_is_an_error(lo_files: dict[str, Path],
                                                 tmp_path: Path) -> None:
    """An .ods written by another tool may carry a formula and no value: same rule as .xlsx."""
    source = lo_files["formulas.ods"]
    target = tmp_path / "novalue.ods"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "content.xml":
                text = data.decode()
                # Drop the saved value of Sites!C2 (=30+15): keep the formula alone.
                text, count = re.subn(
                    r'(table:formula="of:=30\+15")[^>]*?(/?>)(?:<text:p>[^<]*</text:p>'
                    r"</table:table-cell>)?",
                    lambda m: m.group(1) + ("/>" if m.group(2) == ">" else m.group(2)),
                    text)
                assert count == 1
                data = text.encode()
            dst.writestr(item, data)
    assert messages(target) == [
        "Sites!C2: power_price_usd_mwh is a formula (=30+15) with no saved value; open and save "
        "the file in a spreadsheet program (Excel, LibreOffice) so the value is stored"]



@needs_soffice
@pytest.mark.libreoffice
def test_legacy_xls_reads_and_is_still_capped(lo_files: dict[str, Path]) -> None:
    """.xls cannot be scanned before calamine loads it, but its grid is sized before it
    becomes Python objects: the cell cap still holds, just later."""
    path = lo_files["clean.xls"]
    assert read_workbook(path).fleet == read_workbook(lo_files["source"]).fleet
    with pytest.raises(InputError) as caught:
        read_workbook(path, limits=Limits(max_cells=30))
    assert [str(p) for p in caught.value.problems] == [
        "Sites: the input sheets up to this one span 35 cells, more than the 30 the reader "
        "accepts"]
