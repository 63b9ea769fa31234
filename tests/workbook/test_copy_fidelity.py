"""Nothing of the user's is lost in the written copy (issue 15): the user's parts come back byte
for byte, formulas with their saved values, every OOXML part type is kept or refused by name, a
user's sheet named like an output sheet is never replaced, the input is never the output, and
killed runs' temporary files are cleaned. Each test fails on the openpyxl load/save copy."""

from __future__ import annotations

import fcntl
import hashlib
import os
import posixpath
import re
import subprocess
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import pytest
from bookkit import PKG, REL, SOFFICE, raw_xlsx, sheet_xml, soffice_convert
from click.testing import CliRunner
from fleetkit import CONTRACTS, MARKET, MINERS, SITES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_writer import make_plan

from allocator import optimize, read_workbook
from allocator.cli.main import cli
from allocator.errors import OutputError
from allocator.workbook.schema import OUTPUT_SHEETS
from allocator.workbook.writer import write_plan

Rows = list[list[object]]
OFFICE = "http://schemas.microsoft.com/office/2006/relationships"
TYPES = "[Content_Types].xml"
# The parts a copy edits (adding entries, never changing the user's): all others are identical.
EDITED = {TYPES, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
STYLES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm"/></numFmts>'
          '<fonts count="2"><font><sz val="10"/><name val="Arial"/></font>'
          '<font><b/><sz val="10"/><name val="Arial"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
          '</cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
          'xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
          'applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" '
          'applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
          'builtinId="0"/></cellStyles></styleSheet>')


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fleet_sheets(formulas: bool = True) -> dict[str, Rows]:
    """The one-site fleet, its numbers typed as formulas with saved values when asked."""
    sites, market = [list(r) for r in SITES], [list(r) for r in MARKET]
    if formulas:
        sites[1][1] = ("=40+60", 100)
        sites[1][2] = ("=Notes!B1*0.4", 40)
        market[1][1] = ("=80/2", 40)
    return {"Sites": sites, "Miners": MINERS, "Market": market, "Contracts": CONTRACTS}


def add_parts(path: Path, parts: Mapping[str, bytes | str],
              rels: Sequence[tuple[str, str, str]] = (), types: Mapping[str, str] | None = None,
              replace: Mapping[str, bytes | str] | None = None) -> Path:
    """Add ``parts`` to the package at ``path`` with relationships (owner part, type, target
    part) and content-type overrides, as a spreadsheet program would wire them."""
    with zipfile.ZipFile(path) as src:
        entries = {n: src.read(n) for n in src.namelist()}
    entries.update({k: v.encode() if isinstance(v, str) else v for k, v in parts.items()})
    entries.update({k: v.encode() if isinstance(v, str) else v
                    for k, v in (replace or {}).items()})
    for n, (owner, kind, target) in enumerate(rels, start=1):
        folder, base = posixpath.split(owner)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        text = entries.get(rels_name, f'<Relationships xmlns="{PKG}"></Relationships>'.encode())
        item = f'<Relationship Id="rIdX{n}" Type="{kind}" Target="/{target}"/>'
        entries[rels_name] = text.decode().replace("</Relationships>",
                                                   item + "</Relationships>").encode()
    overrides = "".join(f'<Override PartName="/{p}" ContentType="{t}"/>'
                        for p, t in (types or {}).items())
    entries[TYPES] = entries[TYPES].decode().replace("</Types>", overrides + "</Types>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries.items():
            dst.writestr(name, data)
    return path


def make_book(path: Path, *, formulas: bool = True, extra: Mapping[str, Rows] | None = None,
              styles: bool = False, selected: bool = False) -> Path:
    """A fleet workbook as a spreadsheet program saves it: formulas with saved values, a Notes
    sheet, optionally a styles part with styled cells and a selected first tab."""
    sheets = {name: sheet_xml(rows) for name, rows in fleet_sheets(formulas).items()}
    notes = sheet_xml([["Total MW", 100, ("=Sites!B2*1", 100)], ["text", "=not a formula"]])
    if styles:
        notes = notes.replace('<c r="B1">', '<c r="B1" s="2">').replace(
            '<c r="A2" ', '<c r="A2" s="1" ')
    if selected:
        sheets["Sites"] = sheets["Sites"].replace(
            "<sheetData>", '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/>'
                           "</sheetViews><sheetData>")
    sheets["Notes"] = notes
    sheets.update({name: sheet_xml(rows) for name, rows in (extra or {}).items()})
    raw_xlsx(path, sheets, macro=path.suffix == ".xlsm")
    if styles:
        add_parts(path, {"xl/styles.xml": STYLES}, [("xl/workbook.xml", f"{REL}/styles",
                                                     "xl/styles.xml")],
                  {"xl/styles.xml": STYLES_TYPE})
    return path


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def assert_user_parts_kept(source: Path, copy: Path) -> None:
    """Every part of ``source`` is in ``copy`` byte for byte, but the few a copy must extend."""
    before, after = parts_of(source), parts_of(copy)
    for name, data in before.items():
        if name not in EDITED:
            assert after.get(name) == data, f"{name} changed or was dropped"
    for name in EDITED & set(before):
        kept = re.findall(rb"<(?:Relationship|Override|Default|sheet|xf|font|numFmt)\b[^>]*>",
                          before[name])
        for element in kept:
            assert element in after[name], (name, element)


# ------------------------------------------------------------------------ 2: saved values


def test_the_copy_keeps_formulas_with_their_saved_values_and_reads_back(tmp_path: Path) -> None:
    """The plan written into a copy of a workbook with formulas is read back to the same fleet
    (openpyxl stripped every saved value: 'capacity_mw is a formula (=40+60) with no saved
    value'), and writing over that output with --overwrite keeps it readable."""
    source = make_book(tmp_path / "fleet.xlsx")
    fleet = read_workbook(source).fleet
    plan = optimize(fleet)
    out = write_plan(plan, tmp_path / "fleet.plan.xlsx", source=source)
    assert read_workbook(out).fleet == fleet
    assert_user_parts_kept(source, out)
    again = write_plan(plan, tmp_path / "again.xlsx", source=out)
    assert read_workbook(again).fleet == fleet
    assert_user_parts_kept(source, again)
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["optimize", str(out), "-o", str(again), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["validate", str(again)]).exit_code == 0


# -------------------------------------------------------------------------- 3: part types


DRAWING = ('<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
           'spreadsheetDrawing"><xdr:twoCellAnchor><xdr:pic/></xdr:twoCellAnchor></xdr:wsDr>')
CT = "application/vnd.openxmlformats-officedocument"
MS = "application/vnd.ms-excel"
# part, content type, the part that refers to it, relationship type.
KEPT_PARTS: list[tuple[str, str, str, str]] = [
    ("xl/connections.xml", f"{CT}.spreadsheetml.connections+xml", "xl/workbook.xml",
     f"{REL}/connections"),
    ("customXml/item1.xml", "application/xml", "xl/workbook.xml", f"{REL}/customXml"),
    ("customXml/itemProps1.xml", f"{CT}.customXmlProperties+xml", "customXml/item1.xml",
     f"{REL}/customXmlProps"),
    ("xl/metadata.xml", f"{CT}.spreadsheetml.sheetMetadata+xml", "xl/workbook.xml",
     f"{REL}/sheetMetadata"),
    ("customUI/customUI14.xml", "application/xml", "", "http://schemas.microsoft.com/office/"
     "2007/relationships/ui/extensibility"),
    ("xl/vbaProjectSignature.bin", "application/vnd.ms-office.vbaProjectSignature",
     "xl/vbaProject.bin", f"{OFFICE}/vbaProjectSignature"),
    ("xl/drawings/drawing1.xml", f"{CT}.drawing+xml", "xl/worksheets/sheet5.xml",
     f"{REL}/drawing"),
    ("xl/charts/chart1.xml", f"{CT}.drawingml.chart+xml", "xl/drawings/drawing1.xml",
     f"{REL}/chart"),
    ("xl/media/image1.png", "image/png", "xl/drawings/drawing1.xml", f"{REL}/image"),
    ("xl/pivotCache/pivotCacheDefinition1.xml", f"{CT}.spreadsheetml.pivotCacheDefinition+xml",
     "xl/workbook.xml", f"{REL}/pivotCacheDefinition"),
    ("xl/pivotCache/pivotCacheRecords1.xml", f"{CT}.spreadsheetml.pivotCacheRecords+xml",
     "xl/pivotCache/pivotCacheDefinition1.xml", f"{REL}/pivotCacheRecords"),
    ("xl/pivotTables/pivotTable1.xml", f"{CT}.spreadsheetml.pivotTable+xml",
     "xl/worksheets/sheet5.xml", f"{REL}/pivotTable"),
    ("xl/tables/table1.xml", f"{CT}.spreadsheetml.table+xml", "xl/worksheets/sheet5.xml",
     f"{REL}/table"),
    ("xl/queryTables/queryTable1.xml", f"{CT}.spreadsheetml.queryTable+xml",
     "xl/tables/table1.xml", f"{REL}/queryTable"),
    ("xl/comments1.xml", f"{CT}.spreadsheetml.comments+xml", "xl/worksheets/sheet5.xml",
     f"{REL}/comments"),
    ("xl/drawings/vmlDrawing1.vml", f"{CT}.vmlDrawing", "xl/worksheets/sheet5.xml",
     f"{REL}/vmlDrawing"),
    ("xl/threadedComments/threadedComment1.xml", "application/vnd.ms-excel.threadedcomments+xml",
     "xl/worksheets/sheet5.xml", "http://schemas.microsoft.com/office/2017/10/relationships/"
     "threadedComment"),
    ("xl/persons/person.xml", "application/vnd.ms-excel.person+xml", "xl/workbook.xml",
     "http://schemas.microsoft.com/office/2017/10/relationships/person"),
    ("xl/externalLinks/externalLink1.xml", f"{CT}.spreadsheetml.externalLink+xml",
     "xl/workbook.xml", f"{REL}/externalLink"),
    ("xl/printerSettings/printerSettings1.bin", f"{CT}.spreadsheetml.printerSettings",
     "xl/worksheets/sheet5.xml", f"{REL}/printerSettings"),
    ("xl/calcChain.xml", f"{CT}.spreadsheetml.calcChain+xml", "xl/workbook.xml",
     f"{REL}/calcChain"),
    ("xl/sharedStrings.xml", f"{CT}.spreadsheetml.sharedStrings+xml", "xl/workbook.xml",
     f"{REL}/sharedStrings"),
    ("xl/theme/theme1.xml", f"{CT}.theme+xml", "xl/workbook.xml", f"{REL}/theme"),
    ("docProps/custom.xml", f"{CT}.custom-properties+xml", "", f"{REL}/custom-properties"),
    ("xl/slicers/slicer1.xml", "application/vnd.ms-excel.slicer+xml", "xl/worksheets/sheet5.xml",
     "http://schemas.microsoft.com/office/2007/relationships/slicer"),
    ("xl/slicerCaches/slicerCache1.xml", "application/vnd.ms-excel.slicerCache+xml",
     "xl/workbook.xml", "http://schemas.microsoft.com/office/2007/relationships/slicerCache"),
    ("xl/timelines/timeline1.xml", "application/vnd.ms-excel.timeline+xml",
     "xl/worksheets/sheet5.xml", "http://schemas.microsoft.com/office/2011/relationships/"
     "timeline"),
    ("xl/ctrlProps/ctrlProp1.xml", f"{MS}.controlproperties+xml", "xl/worksheets/sheet5.xml",
     f"{REL}/ctrlProp"),
    ("xl/activeX/activeX1.xml", "application/vnd.ms-office.activeX+xml",
     "xl/worksheets/sheet5.xml", f"{REL}/control"),
    ("xl/embeddings/oleObject1.bin", f"{CT}.oleObject", "xl/worksheets/sheet5.xml",
     f"{REL}/oleObject"),
    ("xl/webextensions/webextension1.xml", "application/vnd.ms-office.webextension+xml",
     "xl/workbook.xml", "http://schemas.microsoft.com/office/2011/relationships/webextension"),
    ("xl/richData/rdrichvalue.xml", "application/vnd.ms-excel.rdrichvalue+xml",
     "xl/workbook.xml", "http://schemas.microsoft.com/office/2017/06/relationships/rdRichValue"),
    ("xl/chartsheets/sheet1.xml", f"{CT}.spreadsheetml.chartsheet+xml", "xl/workbook.xml",
     f"{REL}/chartsheet"),
    ("xl/macrosheets/sheet1.xml", f"{MS}.macrosheet+xml", "xl/workbook.xml",
     "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"),
]
# The parts a copy cannot carry: the run is refused with their name.
REFUSED_PARTS: list[tuple[str, str, str, str, str]] = [
    ("_xmlsignatures/origin.sigs", "application/vnd.openxmlformats-package.digital-signature-"
     "origin", "", "http://schemas.openxmlformats.org/package/2006/relationships/"
     "digital-signature/origin", "a digital signature"),
]


def _part_body(name: str) -> bytes:
    if name == "xl/drawings/drawing1.xml":
        return DRAWING.encode()
    if name == "xl/sharedStrings.xml":
        return (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                b'count="1" uniqueCount="1"><si><t>unused</t></si></sst>')
    if name.endswith((".xml", ".vml")):
        return f'<?xml version="1.0"?><part name="{name}"/>'.encode()
    return b"\x00binary " + name.encode()


def kitchen_sink(path: Path, parts: Sequence[tuple[str, str, str, str]]) -> Path:
    """An .xlsm fleet workbook with every part in ``parts`` wired in, and a dynamic-array
    formula (``cm`` attribute with metadata) on the Notes sheet."""
    make_book(path, styles=True)
    notes = parts_of(path)["xl/worksheets/sheet5.xml"].decode().replace(
        '<c r="C1">', '<c r="C1" cm="1">')
    return add_parts(path, {name: _part_body(name) for name, *_ in parts},
                     [(owner, kind, name) for name, _, owner, kind in parts],
                     {name: ctype for name, ctype, *_ in parts},
                     replace={"xl/worksheets/sheet5.xml": notes})


def test_every_ooxml_part_type_is_kept_byte_for_byte(tmp_path: Path) -> None:
    """Power Query connections and customXml, dynamic-array metadata and the cm attribute,
    the custom ribbon, the VBA signature, charts, pictures, pivot tables, tables, comments,
    slicers, external links, ... all come back identical, and the fleet reads the same."""
    source = kitchen_sink(tmp_path / "fleet.xlsm", KEPT_PARTS)
    out = write_plan(make_plan(sites=("Alpha",)), tmp_path / "fleet.plan.xlsm", source=source)
    assert_user_parts_kept(source, out)
    after = parts_of(out)
    for name, *_ in KEPT_PARTS:
        assert name in after, name
    assert b'<c r="C1" cm="1">' in after["xl/worksheets/sheet5.xml"]
    assert read_workbook(out).fleet == read_workbook(source).fleet


@pytest.mark.parametrize(("name", "ctype", "owner", "kind", "label"), REFUSED_PARTS)
def test_parts_a_copy_cannot_carry_are_refused_by_name(tmp_path: Path, name: str, ctype: str,
                                                       owner: str, kind: str,
                                                       label: str) -> None:
    source = kitchen_sink(tmp_path / "fleet.xlsm", [(name, ctype, owner, kind)])
    target = tmp_path / "fleet.plan.xlsm"
    with pytest.raises(OutputError, match=re.escape(label)) as err:
        write_plan(make_plan(), target, source=source)
    assert "--results-only" in str(err.value)
    assert not target.exists()


def test_strict_open_xml_is_refused(tmp_path: Path) -> None:
    source = make_book(tmp_path / "fleet.xlsx")
    book = parts_of(source)["xl/workbook.xml"].decode().replace(
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main")
    add_parts(source, {}, replace={"xl/workbook.xml": book})
    with pytest.raises(OutputError, match="Strict Open XML"):
        write_plan(make_plan(), tmp_path / "out.xlsx", source=source)


# ---------------------------------------------------------------- 1: sheets named like ours


@pytest.mark.parametrize("name", ["Summary", "run info", "PLAN"])
def test_a_user_sheet_named_like_an_output_sheet_is_never_replaced(tmp_path: Path,
                                                                    name: str) -> None:
    """The user's own 'Summary' (any case) is refused by name instead of silently replaced;
    nothing is written and the command exits 1 naming the sheet."""
    source = make_book(tmp_path / "fleet.xlsx", extra={name: [["my own numbers", 42]]})
    target = tmp_path / "fleet.plan.xlsx"
    with pytest.raises(OutputError, match=rf"its sheet '{name}' would be replaced by plan "
                       r"output, and it is the workbook's own.*rename it"):
        write_plan(make_plan(), target, source=source)
    result = CliRunner().invoke(cli, ["optimize", str(source)])
    assert result.exit_code == 1
    assert f"'{name}'" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.xlsx"]


def test_earlier_output_is_known_by_its_marker_not_its_name(tmp_path: Path) -> None:
    """An earlier run's sheets are replaced; the same sheet renamed by the user is kept."""
    source = make_book(tmp_path / "fleet.xlsx")
    first = write_plan(make_plan(), tmp_path / "run1.xlsx", source=source)
    book = parts_of(first)["xl/workbook.xml"].decode().replace('name="Run Info"',
                                                               'name="Old Info"')
    add_parts(first, {}, replace={"xl/workbook.xml": book})
    second = write_plan(make_plan(scale=2.0), tmp_path / "run2.xlsx", source=first)
    with zipfile.ZipFile(second) as archive:
        names = re.findall(r'<sheet name="([^"]+)"', archive.read("xl/workbook.xml").decode())
    assert names == [*fleet_sheets(), "Notes", "Old Info", *OUTPUT_SHEETS]
    assert_user_parts_kept(source, second)


# -------------------------------------------------------------------- 4: input is output


@pytest.mark.parametrize("command", [["optimize"], ["sensitivity", "--pct", "10"]])
def test_the_input_is_never_the_output_even_with_overwrite(tmp_path: Path,
                                                           command: list[str]) -> None:
    source = make_book(tmp_path / "fleet.xlsx")
    before = sha(source)
    result = CliRunner().invoke(cli, [command[0], str(source), *command[1:], "-o", str(source),
                                      "--overwrite"])
    assert result.exit_code == 1
    assert "it is the input workbook itself, which is never modified" in result.output
    assert "choose another output file" in result.output
    assert sha(source) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.xlsx"]


# -------------------------------------------------------------------- 15: stale temp files


def test_stale_temp_files_of_killed_runs_are_removed(tmp_path: Path) -> None:
    """Files of the tool's naming that no live run holds are removed by the next save; a live
    run's (locked) file and other programs' files are left alone."""
    stale = [tmp_path / ".fleet.plan.xlsx.deadbeef.tmp", tmp_path / ".q1.xlsm.0badf00d.tmp",
             tmp_path / ".fleet.plan.xlsx.12345678.tmp.rows"]
    for path in stale:
        path.write_bytes(b"half a zip")
    live = tmp_path / ".other.xlsx.cafef00d.tmp"
    live.write_bytes(b"being written")
    foreign = [tmp_path / ".notes.txt.deadbeef.tmp", tmp_path / "keep.tmp"]
    for path in foreign:
        path.write_bytes(b"not ours")
    with open(live, "rb+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        write_plan(make_plan(), tmp_path / "fleet.plan.xlsx")
    assert not any(path.exists() for path in stale)
    assert live.exists() and all(path.exists() for path in foreign)


KILLER = """
import os, signal, sys, zipfile
from pathlib import Path
from test_writer import make_plan, make_source
from allocator.workbook.writer import write_plan

folder = Path(sys.argv[1])
source = make_source(folder / "fleet.xlsx")

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # killed in the middle of writing the workbook

zipfile.ZipFile.writestr = die
write_plan(make_plan(), folder / "fleet.plan.xlsx", source=source)
"""


@pytest.mark.slow
def test_a_killed_run_leaves_nothing_the_next_run_keeps(tmp_path: Path) -> None:
    here = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(here), str(here.parent), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-c", KILLER, str(tmp_path)], env=env, check=False,
                          capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr.decode()
    left = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert left, "the killed run was expected to leave its temporary files"
    write_plan(make_plan(), tmp_path / "fleet.plan.xlsx", source=tmp_path / "fleet.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.plan.xlsx", "fleet.xlsx"]


# ------------------------------------------------------------- the round-trip property


SHEET_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=12).filter(
    lambda s: bool(s.strip())).map(lambda s: "Note " + s.strip())
CELLS = st.one_of(
    st.integers(-10**6, 10**6), st.floats(-1e9, 1e9, allow_nan=False).map(lambda x: round(x, 6)),
    st.text(alphabet="abc =+-&<>\"'é", max_size=10),
    st.tuples(st.just("=1+1"), st.just(2)),
    st.tuples(st.just('=Sites!A2&"x"'), st.just("Alphax")),
)


@pytest.mark.slow
@settings(max_examples=12, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    formulas=st.booleans(), macro=st.booleans(), styles=st.booleans(), selected=st.booleans(),
    extra=st.dictionaries(SHEET_NAMES, st.lists(st.lists(CELLS, min_size=1, max_size=4),
                                                min_size=1, max_size=4), max_size=3),
)
def test_round_trip_keeps_the_fleet_and_the_users_parts(
        formulas: bool, macro: bool, styles: bool, selected: bool,
        extra: dict[str, Rows]) -> None:
    """read(optimize(book)) is the same fleet, twice over (the second run replaces the first
    run's sheets), and every part of the user's workbook is byte-for-byte the same."""
    with tempfile.TemporaryDirectory() as folder:
        suffix = ".xlsm" if macro else ".xlsx"
        source = make_book(Path(folder) / f"fleet{suffix}", formulas=formulas, extra=extra,
                           styles=styles, selected=selected)
        fleet = read_workbook(source).fleet
        plan = optimize(fleet)
        first = write_plan(plan, Path(folder) / f"run1{suffix}", source=source)
        second = write_plan(plan, Path(folder) / f"run2{suffix}", source=first)
        for out in (first, second):
            assert read_workbook(out).fleet == fleet
            assert_user_parts_kept(source, out)
        with zipfile.ZipFile(second) as archive:
            names = re.findall(r'<sheet name="([^"]+)"', archive.read("xl/workbook.xml").decode())
        assert names == [*fleet_sheets(), "Notes", *extra, *OUTPUT_SHEETS]


# --------------------------------------------------------------------- opening the copy


def _views(path: Path) -> tuple[list[str], list[bool]]:
    """The copy's active tab attributes and, per sheet in order, whether it is tab-selected."""
    parts = parts_of(path)
    book = parts["xl/workbook.xml"].decode()
    rels = dict(re.findall(r'Id="([^"]+)"[^>]*Target="/?(?:xl/)?([^"]+)"',
                           parts["xl/_rels/workbook.xml.rels"].decode()))
    selected = []
    for rel in re.findall(r'<sheet [^>]*r:id="([^"]+)"', book):
        sheet = parts["xl/" + rels[rel].removeprefix("xl/")].decode()
        selected.append('tabSelected="1"' in sheet)
    return re.findall(r'activeTab="(\d+)"', book), selected


@pytest.mark.parametrize("user_selected", [False, True])
def test_the_copy_never_opens_with_sheets_grouped(tmp_path: Path, user_selected: bool) -> None:
    """One sheet is selected: Summary when no user sheet is (a view is added if the workbook
    has none), else the user's own, whose part is not touched."""
    source = make_book(tmp_path / "fleet.xlsx", selected=user_selected)
    out = write_plan(make_plan(), tmp_path / "out.xlsx", source=source)
    active, selected = _views(out)
    summary = len(fleet_sheets()) + 1 + OUTPUT_SHEETS.index("Summary")  # after Notes
    if user_selected:
        assert active in ([], ["0"]) and selected.index(True) == 0
    else:
        assert active == [str(summary)] and selected.index(True) == summary
    assert selected.count(True) == 1


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_copy_with_its_values(tmp_path: Path) -> None:
    """A spreadsheet program opens the merged package: the user's styled formulas and the plan
    sheets come back after LibreOffice re-saves it."""
    source = make_book(tmp_path / "fleet.xlsx", styles=True)
    out = write_plan(make_plan(sites=("Alpha",)), tmp_path / "out.xlsx", source=source)
    (again,) = soffice_convert([out], "xlsx", tmp_path / "lo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(again, data_only=True)
    assert wb.sheetnames == [*fleet_sheets(), "Notes", *OUTPUT_SHEETS]
    assert wb["Sites"]["B2"].value == 100 and wb["Notes"]["B1"].font.b
    assert wb["Plan"]["A2"].value == "Alpha" and wb["Plan"]["C2"].value == 100
    assert read_workbook(again).fleet == read_workbook(source).fleet
    # LibreOffice keeps the markers: a new run into its copy replaces the plan sheets.
    third = write_plan(make_plan(), tmp_path / "third.xlsx", source=again)
    assert openpyxl.load_workbook(third).sheetnames == wb.sheetnames
