"""A folder of CSVs named like the sheets, as a third input form beside workbooks and documents.

What these prove: every sample converts to such a folder and back losing nothing (the same
Fleet, Catalog models and Scenarios, the same plan to 1e-12); five faults in its files are
all reported at once by file, line and column, exit 1, nothing written; every command that
reads BOOK reads a folder (validate, optimize, compare, explain); explain names each fact
at its path in a document or folder as at its cell in a workbook; a folder with files of
the user's is never replaced by ``convert``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from clikit import run

from allocator.api import optimize
from allocator.documents.conversion import convert
from allocator.documents.fleet_document import FleetDocument, fleet_folder, read_fleet_source
from allocator.domain import Fleet
from allocator.errors import InputError, OutputError
from allocator.workbook.reader import FleetWorkbook, read_workbook

SAMPLES = Path(__file__).resolve().parents[2] / "sample_inputs"
BOOKS = sorted(SAMPLES.glob("*.xlsx"))
FEASIBLE = [p for p in BOOKS if p.stem != "infeasible"]


def _located(source: FleetWorkbook | FleetDocument) -> Fleet:
    """The fleet with its hourly_prices_file resolved: a converted copy names the same file
    relative to its own folder (a CSV folder's is the folder itself)."""
    name = source.fleet.settings.hourly_prices_file
    if not name:
        return source.fleet
    where = str((fleet_folder(source.path) / name).resolve())
    settings = source.fleet.settings.model_copy(update={"hourly_prices_file": where})
    return source.fleet.model_copy(update={"settings": settings})


@pytest.mark.parametrize("book", BOOKS, ids=lambda p: p.stem)
def test_a_sample_as_a_csv_folder_and_back_is_the_same_fleet(book: Path,
                                                             tmp_path: Path) -> None:
    original = read_workbook(book)
    folder = convert(book, tmp_path / "fleet")
    assert (folder / "Settings.csv").exists() and (folder / "Sites.csv").exists()
    read = read_fleet_source(folder)
    back = read_workbook(convert(folder, tmp_path / "back.xlsx"))
    yaml_again = read_fleet_source(convert(folder, tmp_path / "fleet.yaml"))
    assert _located(read) == _located(original) == _located(back) == _located(yaml_again)
    assert read.catalog == original.catalog
    assert read.read_scenarios() == original.read_scenarios() == back.read_scenarios()
    assert not read.warnings


@pytest.mark.parametrize("book", FEASIBLE, ids=lambda p: p.stem)
def test_a_sample_as_a_csv_folder_gives_the_same_plan(book: Path, tmp_path: Path) -> None:
    expected = optimize(book)
    folder = convert(book, tmp_path / "fleet")
    assert folder.is_dir()
    plan = optimize(folder)
    assert plan.npv_usd == pytest.approx(expected.npv_usd, rel=1e-12)
    assert plan.summary.equals(expected.summary)


def _edit(path: Path, record: int, column: str, value: str) -> None:
    """Set ``column`` of data row ``record`` (from 0; for Settings.csv the row whose key is
    ``column``) to ``value``."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if path.name == "Settings.csv":
        next(r for r in rows if r[0] == column)[1] = value
    else:
        rows[record + 1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


FIVE_FAULTS = [
    "Settings.csv:5.pool_fee: 2 looks like a percent: enter 0.02 for 2 % (got '2')",
    "Sites.csv:5.capacity_mw: must be > 0 (got '-5')",
    "Miners.csv:2.units: must be a whole number (got 'many')",
    "Market.csv:3.btc_price_usd: give hashprice_usd_ph_day, or btc_price_usd and the network "
    "(network_hashrate_ehs or difficulty)",
    "Contracts.csv:2.term_months: must be >= 1 (got '-3')",
]


def test_five_faults_in_the_csvs_are_all_told_by_file_line_and_column(tmp_path: Path) -> None:
    folder = convert(SAMPLES / "fleet.xlsx", tmp_path / "bad")
    _edit(folder / "Settings.csv", 0, "pool_fee", "2")
    _edit(folder / "Sites.csv", 3, "capacity_mw", "-5")
    _edit(folder / "Miners.csv", 0, "units", "many")
    _edit(folder / "Market.csv", 1, "btc_price_usd", "")
    _edit(folder / "Contracts.csv", 0, "term_months", "-3")
    with pytest.raises(InputError) as caught:
        read_fleet_source(folder)
    assert [str(p) for p in caught.value.problems] == FIVE_FAULTS
    before = sorted(p.name for p in tmp_path.iterdir())
    done = run("optimize", str(folder))
    assert done.exit_code == 1
    assert all(line in done.stderr for line in FIVE_FAULTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_a_folder_without_the_required_sheets_names_them(tmp_path: Path) -> None:
    folder = tmp_path / "settings-only"
    folder.mkdir()
    (folder / "Settings.csv").write_text("key,value\nmonths,12\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_fleet_source(folder)
    assert [p.location for p in caught.value.problems] == ["Sites.csv", "Market.csv"]
    (folder / "Settings.csv").unlink()
    (folder / "notes.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="settings-only: is a folder without the CSVs"):
        read_fleet_source(folder)


@pytest.mark.slow
def test_every_command_reads_a_csv_folder(tmp_path: Path) -> None:
    """validate, optimize (results-only workbook beside it), compare and explain."""
    folder = convert(SAMPLES / "fleet.xlsx", tmp_path / "fleet")
    (folder / "README.csv").write_text("x\n", encoding="utf-8")
    done = run("validate", str(folder))
    assert done.exit_code == 0, done.stderr
    assert "README.csv: not a sheet of a fleet, ignored" in done.stderr
    book = json.loads(run("optimize", str(SAMPLES / "fleet.xlsx"), "--no-write",
                          "--json").stdout)
    done = run("optimize", str(folder), "--json")
    assert done.exit_code == 0, done.stderr
    head = json.loads(done.stdout)
    assert head["npv_usd"] == pytest.approx(book["npv_usd"], rel=1e-12)
    assert head["output"] == str(tmp_path / "fleet.plan.xlsx")
    workbook = json.loads(run("compare", str(SAMPLES / "fleet.xlsx"), "--no-write", "--json",
                              "--jobs", "1").stdout)
    figures = json.loads(run("compare", str(folder), "--no-write", "--json", "--jobs",
                             "1").stdout)
    assert figures["scenarios"].keys() == workbook["scenarios"].keys()
    for name, expected in workbook["scenarios"].items():
        assert figures["scenarios"][name] == pytest.approx(expected, rel=1e-12), name
    infeasible = convert(SAMPLES / "infeasible.xlsx", tmp_path / "infeasible")
    done = run("explain", str(infeasible))
    assert done.exit_code == 1
    assert 'Contract "AI Lab NNN" (Contracts.csv:4.min_mw) is firm' in done.stdout


@pytest.mark.parametrize(("name", "where"), [
    ("infeasible", ("Contracts.csv:4.min_mw", "Sites.csv:4.hpc_convertible_mw",
                    "Settings.csv:14.max_conversion_mw_per_year")),
    ("infeasible.yaml", ("contracts[2].min_mw", "sites[2].hpc_convertible_mw",
                         "settings.max_conversion_mw_per_year")),
])
@pytest.mark.slow
def test_explain_names_where_a_document_or_folder_holds_each_fact(
        name: str, where: tuple[str, str, str], tmp_path: Path) -> None:
    """As it names the cell for a workbook (Contracts!D4, Sites!I4, Settings!B11)."""
    source = convert(SAMPLES / "infeasible.xlsx", tmp_path / name)
    done = run("explain", str(source))
    assert done.exit_code == 1
    contract, site, setting = where
    assert f'Contract "AI Lab NNN" ({contract}) is firm' in done.stdout
    assert f'at site "Cedar Creek" ({site})' in done.stdout
    assert f"max_conversion_mw_per_year ({setting})" in done.stdout


def test_convert_never_replaces_a_folder_of_the_users(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match="never replaced"):
        convert(SAMPLES / "fleet.xlsx", mine, overwrite=True)
    assert [p.name for p in mine.iterdir()] == ["thesis.docx"]
    folder = convert(SAMPLES / "spot.xlsx", tmp_path / "fleet")
    with pytest.raises(OutputError, match="pass --overwrite"):
        convert(SAMPLES / "fleet.xlsx", folder)
    convert(SAMPLES / "fleet.xlsx", folder, overwrite=True)
    assert read_fleet_source(folder).fleet == read_workbook(SAMPLES / "fleet.xlsx").fleet
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet", "mine"]
