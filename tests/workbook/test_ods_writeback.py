"""A LibreOffice user's .ods input gets its plan written back as .ods: ``fleet.ods`` ->
``fleet.plan.ods``, with every sheet of theirs kept byte for byte as XML.

The input is a small .ods written here by hand (no LibreOffice needed): the fleet's input
sheets, a ``Notes`` sheet with a formula, a note, a style and spaces, and a spreadsheet-level
``table:named-expressions`` after the tables. The tests that open the written file in
LibreOffice are marked slow and skipped where ``soffice`` is not installed.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.etree import ElementTree

import pytest
import python_calamine
from clikit import run
from fleetkit import CONTRACTS, MARKET, MINERS, SITES
from test_writer import make_plan

from allocator import read_workbook
from allocator.cli.insight import default_sensitivity_output
from allocator.cli.plan import INSIGHT_SHEETS, default_output
from allocator.errors import OutputError
from allocator.workbook.copy_losses import MARK_NAME
from allocator.workbook.schema import OUTPUT_SHEETS
from allocator.workbook.writer import write_plan

SOFFICE = shutil.which("soffice")
MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "of": "urn:oasis:names:tc:opendocument:xmlns:of:1.2",
}
T = "{" + NS["table"] + "}"
CHART_NOTE = ("Note: charts are not written to .ods files; every table is there, and a sheet "
              "that holds only a chart in .xlsx output says where its figures are "
              "(--results-only -o NAME.xlsx writes the charts)\n")
INPUTS: dict[str, list[list[object]]] = {
    "Sites": SITES, "Miners": MINERS, "Market": MARKET, "Contracts": CONTRACTS}
NOTES = (
    '<table:table table:name="Notes"><table:table-column table:number-columns-repeated="3"/>'
    '<table:table-row><table:table-cell table:style-name="ce1" office:value-type="string">'
    "<office:annotation><dc:creator>Dana</dc:creator><text:p>check monthly</text:p>"
    "</office:annotation><text:p>Total  <text:s text:c=\"2\"/>capacity</text:p>"
    '</table:table-cell><table:table-cell table:formula="of:=SUM([Sites.B2])" '
    'office:value-type="float" office:value="100"><text:p>100</text:p></table:table-cell>'
    '</table:table-row><table:table-row table:number-rows-repeated="2"><table:table-cell '
    'table:number-columns-repeated="3"/></table:table-row><table:table-row><table:table-cell '
    'office:value-type="string"><text:p>Plan &amp; notes &lt;draft&gt;</text:p>'
    "</table:table-cell></table:table-row></table:table>"
)
STYLES_END = b"</office:automatic-styles>"
AFTER_TABLES = b"<table:named-expressions/>"


def _cell(value: object) -> str:
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    return (f'<table:table-cell office:value-type="string"><text:p>{value}</text:p>'
            "</table:table-cell>")


def table(name: str, rows: Sequence[Sequence[object]]) -> str:
    body = "".join("<table:table-row>" + "".join(_cell(v) for v in row) + "</table:table-row>"
                   for row in rows)
    return f'<table:table table:name="{name}"><table:table-column/>{body}</table:table>'


def ods_book(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]] = INPUTS, *,
             extra: Sequence[str] = (NOTES,)) -> Path:
    """A minimal .ods as a spreadsheet program writes it: ``sheets`` then the ``extra`` table
    XML; mimetype first and stored."""
    declarations = " ".join(f'xmlns:{p}="{uri}"' for p, uri in NS.items())
    tables = "".join(table(name, rows) for name, rows in sheets.items()) + "".join(extra)
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<office:document-content {declarations} office:version="1.3">'
               '<office:automatic-styles><style:style style:name="ce1" style:family="table-cell">'
               '<style:text-properties fo:font-weight="bold"/></style:style>'
               f"{STYLES_END.decode()}<office:body><office:spreadsheet>{tables}"
               f"{AFTER_TABLES.decode()}</office:spreadsheet></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
                f'manifest:media-type="{MIMETYPE}"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="Thumbnails/thumbnail.png" '
                'manifest:media-type="image/png"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("Thumbnails/thumbnail.png", b"\x89PNG not really")
    return path


def content_of(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("content.xml")


def sheet_names(path: Path) -> list[str]:
    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        return [str(name) for name in book.sheet_names]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tables_of(path: Path) -> dict[str, ElementTree.Element]:
    root = ElementTree.fromstring(content_of(path))
    return {t.get(f"{T}name", ""): t for t in root.iter(f"{T}table")}


def marker(element: ElementTree.Element) -> str | None:
    for named in element.iter(f"{T}named-expression"):
        if named.get(f"{T}name") == MARK_NAME:
            return named.get(f"{T}expression")
    return None


@pytest.fixture
def ods(tmp_path: Path) -> Path:
    return ods_book(tmp_path / "fleet.ods")


# ------------------------------------------------------------------------- the command line


def test_optimize_writes_fleet_plan_ods_beside_the_input(ods: Path) -> None:
    before = sha(ods)
    result = run("optimize", str(ods))
    assert result.exit_code == 0, result.output
    written = ods.with_name("fleet.plan.ods")
    assert result.stdout.endswith(f"Plan written to {written}\n")
    assert result.stderr == CHART_NOTE
    assert sha(ods) == before
    assert sorted(p.name for p in ods.parent.iterdir()) == ["fleet.ods", "fleet.plan.ods"]
    assert sheet_names(written) == [*INPUTS, "Notes", *OUTPUT_SHEETS]


def test_default_output_names_keep_the_ods_suffix_unless_results_only() -> None:
    assert default_output(Path("fleet.ods")) == Path("fleet.plan.ods")
    assert default_output(Path("fleet.ODS")) == Path("fleet.plan.ods")
    assert default_output(Path("fleet.ods"), plan_only=True) == Path("fleet.plan.xlsx")
    assert default_sensitivity_output(Path("fleet.ods")) == Path("fleet.sensitivity.ods")
    assert default_sensitivity_output(Path("fleet.ods"), True) == Path("fleet.sensitivity.xlsx")


def test_sensitivity_writes_its_sheet_into_an_ods_copy(ods: Path) -> None:
    result = run("sensitivity", str(ods), "--pct", "10")
    assert result.exit_code == 0, result.output
    written = ods.with_name("fleet.sensitivity.ods")
    assert f"Plan with sensitivity written to {written}\n" in result.stdout
    assert result.stderr.endswith(CHART_NOTE)
    assert sheet_names(written) == [*INPUTS, "Notes", *OUTPUT_SHEETS, "Sensitivity"]


def test_sweep_writes_its_sheet_into_an_ods_copy(ods: Path) -> None:
    result = run("sweep", str(ods), "--param", "power_price_usd_mwh", "--operation", "scale",
                 "--from", "0.8", "--to", "1.2", "--steps", "3", "--jobs", "1")
    assert result.exit_code == 0, result.output
    written = ods.with_name("fleet.sweep.ods")
    assert result.stdout.endswith(f"Sweep written to {written}\n")
    assert CHART_NOTE in result.stderr
    assert sheet_names(written) == [*INPUTS, "Notes", "Sweep"]


def test_an_existing_output_is_kept_without_overwrite(ods: Path) -> None:
    target = ods.with_name("fleet.plan.ods")
    target.write_bytes(b"an earlier plan")
    result = run("optimize", str(ods))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target} exists; use --overwrite to replace it\n"
    assert target.read_bytes() == b"an earlier plan"
    assert run("optimize", str(ods), "--overwrite").exit_code == 0
    assert sheet_names(target)[-1] == "Run Info"


def test_a_copy_of_an_ods_must_be_an_ods(ods: Path) -> None:
    result = run("optimize", str(ods), "-o", str(ods.with_name("out.xlsx")))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: Cannot write {ods.with_name('out.xlsx')}: the copy of "
                             "fleet.ods must have the suffix .ods (got '.xlsx')\n")


def test_results_only_writes_a_new_ods_or_xlsx_by_the_target_suffix(ods: Path) -> None:
    out = ods.with_name("out.ods")
    result = run("optimize", str(ods), "--results-only", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sheet_names(out) == list(OUTPUT_SHEETS)
    with zipfile.ZipFile(out) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert archive.read("mimetype") == MIMETYPE.encode()
        ElementTree.fromstring(archive.read("META-INF/manifest.xml"))
    assert {name: marker(t) for name, t in tables_of(out).items()} == {
        name: f'"{name}"' for name in OUTPUT_SHEETS}
    result = run("optimize", str(ods), "--results-only")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(f"Plan written to {ods.with_name('fleet.plan.xlsx')}\n")
    assert "Note:" not in result.stderr


# ---------------------------------------------------------------------------- the written file


def test_the_plan_ods_reads_back_as_the_same_fleet(ods: Path) -> None:
    assert run("optimize", str(ods)).exit_code == 0
    written = ods.with_name("fleet.plan.ods")
    assert read_workbook(written).fleet == read_workbook(ods).fleet
    result = run("validate", str(written))
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"{written}: OK - 1 sites, 1 miner rows, 1 contracts, 1 months "
                             "from 2026-01.\n")


def test_the_users_tables_stay_byte_for_byte_and_nothing_else_changes(ods: Path) -> None:
    """Only insertions: the result tables after the user's last table (before the
    spreadsheet's named expressions) and their styles at the end of the automatic styles."""
    assert run("optimize", str(ods)).exit_code == 0
    written = ods.with_name("fleet.plan.ods")
    before, after = content_of(ods), content_of(written)
    styles_at, tables_at = before.index(STYLES_END), before.index(AFTER_TABLES)
    assert after.startswith(before[:styles_at])
    assert after.endswith(before[tables_at:])
    kept = before[styles_at:tables_at]
    assert after.count(kept) == 1
    middle = after.index(kept)
    styles = after[styles_at:middle]
    tables = after[middle + len(kept):len(after) - len(before) + tables_at]
    assert styles.startswith((b"<number:", b"<style:style")) and b"<table:" not in styles
    assert tables.startswith(b'<table:table table:name="Plan">')
    assert tables.endswith(b"</table:table>")
    for name, rows in INPUTS.items():
        assert after.count(table(name, rows).encode()) == 1
    assert after.count(NOTES.encode()) == 1
    with zipfile.ZipFile(ods) as src, zipfile.ZipFile(written) as out:
        assert [i.filename for i in out.infolist()] == [i.filename for i in src.infolist()]
        assert out.infolist()[0].compress_type == zipfile.ZIP_STORED
        for name in src.namelist():
            if name != "content.xml":
                assert out.read(name) == src.read(name), name


def test_result_sheets_hold_the_values_with_readable_headers_and_number_styles(
        tmp_path: Path) -> None:
    """The header cell's value is the machine name (as in .xlsx), shown as its label; money
    gets a $ style, fractions a percentage, MW one decimal; each sheet carries the marker."""
    source = ods_book(tmp_path / "fleet.ods")
    plan = make_plan()
    written = write_plan(plan, tmp_path / "fleet.plan.ods", source=source)
    with python_calamine.CalamineWorkbook.from_path(str(written)) as book:
        rows = book.get_sheet_by_name("Summary").to_python()
    assert rows[0] == list(plan.summary.columns)
    assert rows[1][list(plan.summary.columns).index("revenue_usd")] == pytest.approx(
        float(plan.summary["revenue_usd"].iloc[0]))
    text = content_of(written).decode()
    header = re.search(r'office:string-value="hashprice_usd_ph_day">.*?<text:p>([^<]*)</text:p>',
                       text)
    assert header is not None and header.group(1) == "Hashprice ($/PH/day)"
    assert '<number:text>$</number:text><number:number number:decimal-places="0"' in text
    assert "<number:percentage-style" in text
    assert 'number:display-factor="1000000"/><number:text>M</number:text>' in text
    assert '<number:number number:decimal-places="1" number:min-decimal-places="1"' in text
    tables = tables_of(written)
    assert marker(tables["Notes"]) is None
    for name in OUTPUT_SHEETS:
        assert marker(tables[name]) == f'"{name}"'
    chart = [t.text for t in tables["Summary Chart"].iter("{" + NS["text"] + "}p")]
    assert chart[0] == "Chart left out of this .ods file: Grid MW by use"


def test_a_long_streamed_table_is_written_in_full(tmp_path: Path) -> None:
    """Tables past the streaming threshold (500 rows) are written from their frame."""
    plan = make_plan(sites=[f"Site {i}" for i in range(200)])  # 600 site-months
    written = write_plan(plan, tmp_path / "plan.ods")
    with python_calamine.CalamineWorkbook.from_path(str(written)) as book:
        rows = book.get_sheet_by_name("Plan").to_python()
    assert len(rows) == len(plan.site_months) + 1
    site = list(plan.site_months.columns).index("site")
    assert [r[site] for r in rows[1:]] == plan.site_months["site"].tolist()
    idle = list(plan.site_months.columns).index("idle_mw")
    assert [r[idle] for r in rows[1:]] == pytest.approx(plan.site_months["idle_mw"].tolist())


# --------------------------------------------------------------------- clashes and re-running


def test_a_users_own_sheet_named_like_an_output_sheet_is_refused(tmp_path: Path) -> None:
    ods = ods_book(tmp_path / "fleet.ods", {**INPUTS, "summary ": [["my own summary"]]})
    before = sha(ods)
    result = run("optimize", str(ods))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Cannot write the results into a copy of fleet.ods: its sheet 'summary ' would "
        "be replaced by plan output, and it is the workbook's own, not an earlier result of "
        f"this tool (results: {', '.join(OUTPUT_SHEETS)}); rename it, or write the results "
        "to a separate file instead (--results-only)\n")
    assert sha(ods) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.ods"]


def test_re_optimizing_the_plan_ods_replaces_its_own_sheets(ods: Path) -> None:
    """The tool's earlier result tables, and the styles only they used, are replaced, never
    duplicated; the user's tables stay byte for byte."""
    assert run("optimize", str(ods), "--insight").exit_code == 0
    first = ods.with_name("fleet.plan.ods")
    again = ods.with_name("again.ods")
    result = run("optimize", str(first), "-o", str(again))
    assert result.exit_code == 0, result.output
    assert sheet_names(first) == [*INPUTS, "Notes", *OUTPUT_SHEETS, *INSIGHT_SHEETS]
    assert sheet_names(again) == [*INPUTS, "Notes", *OUTPUT_SHEETS]
    after = content_of(again)
    for name, rows in INPUTS.items():
        assert after.count(table(name, rows).encode()) == 1
    assert after.count(NOTES.encode()) == 1
    fresh = ods.with_name("fresh.ods")
    assert run("optimize", str(ods), "-o", str(fresh)).exit_code == 0
    run_info = re.compile(rb'<table:table table:name="Run Info">.*?</table:table>', re.S)
    # as if the earlier run had never been (Run Info differs: input file, timings)
    assert run_info.sub(b"", after) == run_info.sub(b"", content_of(fresh))


def test_a_result_sheet_the_user_renamed_is_kept_as_theirs(ods: Path) -> None:
    """A renamed result sheet's marker no longer names it: it is the user's, kept with the
    styles it uses, and the new result sheets come after it."""
    assert run("optimize", str(ods)).exit_code == 0
    renamed = ods.with_name("kept.ods")
    with zipfile.ZipFile(ods.with_name("fleet.plan.ods")) as src, \
            zipfile.ZipFile(renamed, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "content.xml":
                data = data.replace(b'table:name="Run Info"', b'table:name="Run Info 1"', 1)
            dst.writestr(info, data)
    kept = re.search(rb'<table:table table:name="Run Info 1">.*?</table:table>',
                     content_of(renamed), re.S)
    assert kept is not None
    again = ods.with_name("again.ods")
    assert run("optimize", str(renamed), "-o", str(again)).exit_code == 0
    assert sheet_names(again) == [*INPUTS, "Notes", "Run Info 1", *OUTPUT_SHEETS]
    after = content_of(again)
    assert after.count(kept.group(0)) == 1
    defined = set(re.findall(rb'style:name="([^"]+)"', after))
    assert set(re.findall(rb'table:style-name="([^"]+)"', kept.group(0))) <= defined


def test_writing_into_the_input_itself_is_refused(ods: Path) -> None:
    before = sha(ods)
    with pytest.raises(OutputError, match=r"it is the input workbook itself"):
        write_plan(make_plan(), ods, source=ods, overwrite=True)
    assert sha(ods) == before


def test_a_signed_ods_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    ods = ods_book(tmp_path / "fleet.ods")
    with zipfile.ZipFile(ods, "a") as archive:
        archive.writestr("META-INF/documentsignatures.xml", "<signatures/>")
    with pytest.raises(OutputError, match=r"a digital signature \(META-INF/documentsignatures"):
        write_plan(make_plan(), tmp_path / "out.ods", source=ods)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.ods"]


# ------------------------------------------------------------------------------- LibreOffice


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_plan_and_keeps_the_marker_when_it_saves(tmp_path: Path) -> None:
    """The written .ods converts to PDF; saved again by LibreOffice, its result sheets are
    still known as the tool's own and replaced on the next run."""
    ods = ods_book(tmp_path / "fleet.ods")
    assert run("optimize", str(ods)).exit_code == 0
    written = tmp_path / "fleet.plan.ods"
    out = tmp_path / "lo"
    assert SOFFICE is not None
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out), str(written)],
        capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0 and (out / "fleet.plan.pdf").stat().st_size > 0, done.stderr
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "ods", "--outdir", str(out), str(written)],
        capture_output=True, text=True, timeout=180, check=False)
    resaved = out / "fleet.plan.ods"
    assert done.returncode == 0 and resaved.is_file(), done.stderr
    assert read_workbook(resaved).fleet == read_workbook(ods).fleet
    again = tmp_path / "again.ods"
    assert run("optimize", str(resaved), "-o", str(again)).exit_code == 0
    assert sheet_names(again) == [*INPUTS, "Notes", *OUTPUT_SHEETS]
