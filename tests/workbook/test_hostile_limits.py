"""Hostile files the first guards let through: 100,000 sheets, millions of shared strings or
values, paths that are no file (a FIFO, /dev/zero). Each ends in one InputError naming the
file and the cap, before a spreadsheet library opens it and with work bounded by the cap."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bookkit import MAIN, raw_xlsx, rows_xlsx, sheet_xml
from clikit import run
from fleetkit import fleet
from test_hostile import calamine_spy, minimal_ods, problems
from test_reader import base_sheets

from allocator import optimize
from allocator.errors import OutputError
from allocator.workbook import scans
from allocator.workbook.guards import DEFAULT_LIMITS, Limits, check_file
from allocator.workbook.writer import write_plan

__all__ = ["calamine_spy"]  # the fixture, imported for its use here

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SUBPROCESS_TIMEOUT_S = 60


def many_sheets(path: Path, count: int) -> Path:
    """The clean book with ``count`` sheet entries in workbook.xml (extra ones share a part)."""
    rows_xlsx(path, base_sheets())
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    extra = count - len(base_sheets())
    entries = "".join(f'<sheet name="N{i}" sheetId="{100 + i}" r:id="rIdN{i}"/>'
                      for i in range(extra))
    rels = "".join(f'<Relationship Id="rIdN{i}" Type="{REL}/worksheet" '
                   'Target="worksheets/sheet1.xml"/>' for i in range(extra))
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>", entries.encode() + b"</sheets>")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rels.encode() + b"</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_hundred_thousand_sheets_are_refused_before_openpyxl_sees_them(
    tmp_path: Path, calamine_spy: dict[str, list[str]]
) -> None:
    """openpyxl checks each new title against every earlier one: 100,000 sheets hung the
    copy for minutes after `validate` had passed. Counting stops at the cap."""
    path = many_sheets(tmp_path / "sheets.xlsx", 100_000)
    expected = ("workbook: sheets.xlsx lists more than 1,000 sheets; the reader accepts at most "
                "1,000 (a fleet workbook needs 7); it is not opened")
    assert problems(path) == [expected]
    assert calamine_spy["opened"] == []
    with pytest.raises(OutputError) as caught:  # the writer's own guard, for library callers
        write_plan(optimize(fleet()), tmp_path / "out.xlsx", source=path)
    assert str(caught.value) == f"Cannot copy {path}: {expected.removeprefix('workbook: ')}"


def test_the_sheet_cap_is_exact(tmp_path: Path) -> None:
    path = many_sheets(tmp_path / "sheets.xlsx", 12)
    assert check_file(path, Limits(max_sheets=12)) == "ooxml"
    assert problems(path, limits=Limits(max_sheets=11)) == [
        "workbook: sheets.xlsx lists more than 11 sheets; the reader accepts at most 11 (a "
        "fleet workbook needs 7); it is not opened"]


def test_an_ods_with_too_many_tables(tmp_path: Path, calamine_spy: dict[str, list[str]]) -> None:
    """Tables of one name still count one each."""
    path = minimal_ods(tmp_path / "t.ods", '<table:table table:name="T"/>' * 1_001)
    assert problems(path) == [
        "workbook: t.ods lists more than 1,000 sheets; the reader accepts at most 1,000 (a "
        "fleet workbook needs 7); it is not opened"]
    assert calamine_spy["opened"] == []


def strings_part(count: int, declared: int | None, prefix: str = "") -> str:
    tag = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    counts = f' count="{declared}" uniqueCount="{declared}"' if declared is not None else ""
    items = "".join(f"<{tag}si><{tag}t>s{i}</{tag}t></{tag}si>" for i in range(count))
    return f'<?xml version="1.0"?><{tag}sst {xmlns}="{MAIN}"{counts}>{items}</{tag}sst>'


def with_strings(path: Path, part: str) -> Path:
    return raw_xlsx(path, {n: sheet_xml(r) for n, r in base_sheets().items()},
                    shared_strings=part)


def test_millions_of_shared_strings_are_refused_from_the_declared_count(
    tmp_path: Path, calamine_spy: dict[str, list[str]]
) -> None:
    """8.8 M strings took 62 s and 1.5 GB to copy; the table says how many it holds."""
    path = with_strings(tmp_path / "strings.xlsx", strings_part(3, 8_800_000))
    assert problems(path) == [
        "workbook: strings.xlsx: part xl/sharedStrings.xml holds 8,800,000 shared strings; the "
        "reader accepts at most 1,000,000; it is not opened"]
    assert calamine_spy["opened"] == []


@pytest.mark.parametrize("prefix", ["", "x"])
def test_a_table_that_understates_its_strings_is_counted(tmp_path: Path, prefix: str) -> None:
    """uniqueCount says 1 (or nothing); the <si> tags, prefixed or not, are what count."""
    path = with_strings(tmp_path / "lies.xlsx", strings_part(11, 1, prefix))
    assert problems(path, limits=Limits(max_shared_strings=10)) == [
        "workbook: lies.xlsx: part xl/sharedStrings.xml holds more than 10 shared strings; the "
        "reader accepts at most 10; it is not opened"]
    quiet = with_strings(tmp_path / "quiet.xlsx", strings_part(11, None, prefix))
    assert check_file(quiet, Limits(max_shared_strings=11)) == "ooxml"
    assert problems(quiet, limits=Limits(max_shared_strings=10))[0].startswith(
        "workbook: quiet.xlsx: part xl/sharedStrings.xml holds more than 10 shared strings")


def test_a_sheet_of_too_many_values_is_refused_before_its_xml_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A million-cell sheet took the scan 4 us a cell and then printed a fault per row; its
    values are counted in the bytes first, and the expat pass never starts."""
    assert DEFAULT_LIMITS.max_cells == 1_000_000
    parsed: list[str] = []
    real = scans._OoxmlSheet.start

    def spy(self: scans._OoxmlSheet, name: str, attrs: dict[str, str]) -> None:
        parsed.append(name)
        real(self, name, attrs)

    monkeypatch.setattr(scans._OoxmlSheet, "start", spy)
    sites: list[list[object]] = [["site", "capacity_mw", "power_price_usd_mwh"],
             *([f"S{i}", "big", 40] for i in range(2_000))]
    path = rows_xlsx(tmp_path / "cells.xlsx", base_sheets(Sites=sites))
    assert problems(path, limits=Limits(max_cells=1_000)) == [
        "Sites: the sheet holds more than 992 cells with values (8 more in the sheets before "
        "it), more than the 1,000 the reader accepts; it is not opened (delete what the plan "
        "does not need, or keep it in another workbook)"]
    assert len(parsed) < 50  # Settings only


def allocator_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``allocator ARGS`` in a subprocess: a read that never ends fails the test, not the run."""
    try:
        return subprocess.run([sys.executable, "-m", "allocator", *args], capture_output=True,
                              text=True, timeout=SUBPROCESS_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"allocator {' '.join(args)} still running after {SUBPROCESS_TIMEOUT_S} s")


def test_dev_zero_is_refused_unread() -> None:
    """`allocator validate /dev/zero` read zeros without end."""
    result = allocator_cli("validate", "/dev/zero")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: 1 problem in /dev/zero:\n  workbook: /dev/zero is a character device, not a "
        "workbook file; give the path of an .xlsx, .xlsm or .ods file\n")


@pytest.mark.slow
def test_a_fifo_is_refused_unopened(tmp_path: Path) -> None:
    """Opening a named pipe to read blocks until someone writes; nobody will."""
    pipe = tmp_path / "fleet.xlsx"
    os.mkfifo(pipe)
    result = allocator_cli("optimize", str(pipe), "-o", str(tmp_path / "out.xlsx"))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: 1 problem in {pipe}:\n  workbook: {pipe} is a named pipe (FIFO), not a "
        "workbook file; give the path of an .xlsx, .xlsm or .ods file\n")
    assert not (tmp_path / "out.xlsx").exists()


def test_a_long_report_shows_fifty_problems_and_counts_the_rest(tmp_path: Path) -> None:
    """A sheet of faults printed one line per fault (499,000 lines for a 5 M-cell sheet); the
    terminal shows the first 50 and the count, the error keeps every problem."""
    sites: list[list[object]] = [["site", "capacity_mw", "power_price_usd_mwh"],
                                 *([f"S{i:02}", "big", 40] for i in range(60))]
    path = rows_xlsx(tmp_path / "fleet.xlsx", base_sheets(Sites=sites, Miners=None,
                                                          Contracts=None))
    every = problems(path)
    assert len(every) == 60
    result = run("validate", str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"Error: 60 problems in {path}:",
        *(f"  {line}" for line in every[:50]),
        "  ... and 10 more problems (the first 50 are shown; fix these and run again)",
    ]
