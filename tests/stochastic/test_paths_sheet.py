"""The ScenarioPaths sheet: the paths CSV's rows inside a workbook, read by the same checks,
faults at the sheet's cells."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from stochkit import hall_fleet, hall_set

from allocator import read_workbook
from allocator.cli.main import cli
from allocator.errors import InputError
from allocator.stochastic import stochastic_plan
from allocator.stochastic.paths import read_paths
from allocator.workbook.paths_sheet import read_paths_sheet

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"
HEADER = ["scenario", "probability", "month", "btc_price_usd", "network_hashrate_ehs",
          "hashprice_usd_ph_day"]


def _book(tmp_path: Path, rows: list[list[object]], source: Path | None = None) -> Path:
    book = tmp_path / "paths.xlsx"
    if source is None:
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "ScenarioPaths"
    else:
        shutil.copy(source, book)
        wb = openpyxl.load_workbook(book)
        ws = wb.create_sheet("ScenarioPaths")
    for row in [HEADER, *rows]:
        ws.append(row)
    wb.save(book)
    return book


def test_the_sheet_gives_the_hand_solved_hall_set(tmp_path: Path) -> None:
    """$60 and $10/PH/day, equally likely, one row each (the month typed as a date): the
    hall set of the hand-solved case, so the same RP and WS to 1e-9."""
    book = _book(tmp_path, [["high", 0.5, dt.datetime(2026, 4, 1), None, None, 60],
                            ["low", 0.5, "2026-04", None, None, 10]])
    futures = read_paths_sheet(book, hall_fleet(35.0))
    assert futures.names == ("high", "low")
    got = stochastic_plan(hall_fleet(35.0), scenarios=futures)
    want = stochastic_plan(hall_fleet(35.0), scenarios=hall_set())
    assert got.rp_usd == pytest.approx(want.rp_usd, rel=1e-9)
    assert got.ws_usd == pytest.approx(want.ws_usd, rel=1e-9)


def test_faults_are_told_at_the_sheets_cells(tmp_path: Path) -> None:
    """The CSV's checks, addressed on the sheet: a month twice and a sum of 1.1."""
    book = _book(tmp_path, [["high", 0.6, "2026-04", None, None, 60],
                            ["high", 0.6, "2026-04", None, None, 60],
                            ["low", 0.5, "2026-04", None, None, 10]])
    with pytest.raises(InputError) as caught:
        read_paths_sheet(book, hall_fleet(35.0))
    assert [str(p) for p in caught.value.problems] == [
        "ScenarioPaths!C3: scenario 'high' gives 2026-04 twice (also line 2) "
        "(got '2026-04')",
        "ScenarioPaths!B2: probabilities must sum to 1 (got 1.1)"]


def test_a_workbook_without_the_sheet_is_an_error_naming_it() -> None:
    with pytest.raises(InputError, match=r"fleet\.xlsx has no ScenarioPaths sheet"):
        read_paths_sheet(SAMPLE, read_workbook(SAMPLE).fleet)


def test_cli_paths_in_book_itself_equals_the_same_rows_as_a_csv(tmp_path: Path) -> None:
    """The sample with a ScenarioPaths sheet of two flat paths, given as --paths BOOK: the
    same RP as those rows written as a CSV."""
    fleet = read_workbook(SAMPLE).fleet
    months = [f"{2026 + (m // 12)}-{m % 12 + 1:02d}" for m in range(fleet.settings.months)]
    rows = [[name, None, month, btc, 900, None] for name, btc in (("bear", 60_000),
                                                                   ("bull", 140_000))
            for month in months]
    book = _book(tmp_path, rows, source=SAMPLE)
    csv_path = tmp_path / "paths.csv"
    csv_path.write_text("\n".join(",".join("" if v is None else str(v) for v in r)
                                  for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    want = stochastic_plan(read_workbook(SAMPLE),
                           scenarios=read_paths(csv_path, read_workbook(SAMPLE).fleet))
    done = CliRunner().invoke(cli, ["stochastic", str(book), "--paths", str(book),
                                    "--frontier", "", "--json", "--no-write"],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert f'"rp_usd": {want.rp_usd!r}' in done.output
