"""A problem the checks before the solve find in Market, Miners or PowerPrices names its cell.

The numerics check spoke of ``Market[2026-01].network_hashrate_ehs`` and ``Miners[Alpha Ridge
Antminer S21 XP].power_w``: the reader kept no cell places for those sheets, as it did for
Sites, Contracts and Settings. Every record of every sheet read now has its places, so each
problem reads ``Market!C2: ... (got 1e-06)``, from the library and from the command line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import pytest
from clikit import run

from allocator import optimize, read_workbook
from allocator.consistency import check_numerics
from allocator.domain import tranche_labels
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.synthetic import synthetic_fleet

SAMPLE = Path(__file__).resolve().parents[2] / "sample_inputs" / "fleet.xlsx"
LIMIT = ("more than the $1e+09 an LP solver can handle in double precision; check the value "
         "and its unit")


def edited(path: Path, cells: Mapping[tuple[str, str], object],
           rows: Sequence[tuple[str, list[object]]] = ()) -> Path:
    """The sample workbook with ``cells`` ((sheet, address) -> value) set and ``rows``
    ((sheet, values)) added at the end of their sheets."""
    book = openpyxl.load_workbook(SAMPLE)
    for (sheet, address), value in cells.items():
        book[sheet][address] = value
    for sheet, values in rows:
        book[sheet].append(values)
    book.save(path)
    return path


def refused(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        optimize(read_workbook(path))
    return [str(p) for p in caught.value.problems]


def test_a_tiny_network_hashrate_names_its_market_cell(tmp_path: Path) -> None:
    path = edited(tmp_path / "hashrate.xlsx", {("Market", "C2"): 1e-6})
    assert refused(path) == [
        f"Market!C2: makes mining in 2026-01 worth $8.51e+13 (discounted) per MW-month, {LIMIT} "
        "(got 1e-06)"]


def test_a_huge_btc_price_names_its_market_cell_in_a_later_row(tmp_path: Path) -> None:
    path = edited(tmp_path / "btc.xlsx", {("Market", "B5"): 1e12})
    assert refused(path) == [
        f"Market!B5: makes mining in 2026-04 worth $9e+11 (discounted) per MW-month, {LIMIT} "
        "(got 1000000000000.0)"]


def test_a_market_month_written_as_a_date_is_located_too(tmp_path: Path) -> None:
    path = edited(tmp_path / "dated.xlsx", {("Market", "A2"): dt.datetime(2026, 1, 1),
                                            ("Market", "D2"): 1e9})
    assert refused(path) == [
        f"Market!D2: makes mining in 2026-01 worth $2.65e+13 (discounted) per MW-month, {LIMIT} "
        "(got 1000000000.0)"]


def test_a_miner_figure_names_its_cell(tmp_path: Path) -> None:
    """0.01 W a unit: the miner's own power_w, not the market, is what is off."""
    path = edited(tmp_path / "power.xlsx", {("Miners", "E2"): 0.01})
    assert refused(path) == [
        f"Miners!E2: makes mining in 2026-01 worth $3.04e+10 (discounted) per MW-month, {LIMIT} "
        "(got 0.01)"]


def test_a_huge_hashrate_names_the_hashrate_cell_not_power_w(tmp_path: Path) -> None:
    """The efficiency is power_w / hashrate_th: the figure farther from a miner's is named."""
    path = edited(tmp_path / "hashrate_th.xlsx", {("Miners", "D2"): 1e8})
    problems = refused(path)
    assert len(problems) == 1
    assert problems[0].startswith("Miners!D2: makes mining in 2026-01 worth $")
    assert problems[0].endswith("(got 100000000.0)")


def test_a_repeated_model_row_is_told_from_the_first(tmp_path: Path) -> None:
    """A second Alpha Ridge Antminer S21 XP row (a tranche of its own) is named at its row,
    not at the first row of that model and site."""
    path = edited(tmp_path / "twice.xlsx", {},
                  [("Miners", ["Alpha Ridge", "Antminer S21 XP", 100, None, 0.01])])
    assert refused(path) == [
        f"Miners!E17: makes mining in 2026-01 worth $3.04e+10 (discounted) per MW-month, "
        f"{LIMIT} (got 0.01)"]


def test_units_beyond_the_mw_cap_name_the_units_cell_and_value(tmp_path: Path) -> None:
    path = edited(tmp_path / "units.xlsx", {("Miners", "C3"): 10**12})
    assert refused(path) == [
        "Miners!C3: installed power (units x power_w) of 3.51e+09 MW is more than the 1e+07 "
        "MW an LP solver can handle beside the fleet's other figures; check the value and its "
        "unit (got 1000000000000)"]


def test_a_monthly_power_price_names_its_powerprices_cell(tmp_path: Path) -> None:
    """Alpha Ridge's June price comes from PowerPrices!C2, not from its Sites row."""
    path = edited(tmp_path / "price.xlsx", {("PowerPrices", "C2"): 1e12})
    assert refused(path) == [
        f"PowerPrices!C2: makes mining's cost in 2026-06 worth $7.27e+14 (discounted) per "
        f"MW-month, {LIMIT} (got 1000000000000.0)"]


def test_every_record_of_every_sheet_read_has_its_cells() -> None:
    """Each field of each record of the sample maps to the cell it was read from."""
    book = read_workbook(SAMPLE)
    fleet = book.fleet
    names = {  # sheet -> (a field of each record, the records' names)
        "Sites": ("name", [s.name for s in fleet.sites]),
        "Market": ("month", [m.month for m in fleet.market]),
        "Miners": ("site", tranche_labels(fleet.miners)),
        "PowerPrices": ("site", [p.label for p in fleet.power_prices]),
        "Contracts": ("name", [c.name for c in fleet.contracts]),
    }
    for sheet, (field, records) in names.items():
        assert all((sheet, record, field) in book.places for record in records), sheet
    assert book.places["Market", "2026-03", "btc_price_usd"] == ("Market", "B4")
    assert book.places["Miners", "Alpha Ridge Antminer S21 Pro", "units"] == ("Miners", "C3")
    assert book.places["Miners", "Alpha Ridge Antminer S21 Pro", "power_w"] == ("Miners", "B3")
    assert book.places["PowerPrices", "Alpha Ridge 2026-07", "power_price_usd_mwh"] == (
        "PowerPrices", "C3")
    assert book.places["Settings", "", "months"] == ("Settings", "B3")


def test_the_command_line_names_the_cell_in_validate_and_optimize(tmp_path: Path) -> None:
    """``validate`` makes the checks ``optimize`` makes before solving, and both name the cell
    (``validate`` used to say OK)."""
    path = edited(tmp_path / "fleet.xlsx", {("Market", "C2"): 1e-6})
    expected = (f"Error: 1 problem in {path}:\n  Market!C2: makes mining in 2026-01 worth "
                f"$8.51e+13 (discounted) per MW-month, {LIMIT} (got 1e-06)\n")
    checked = run("validate", str(path))
    assert (checked.exit_code, checked.stdout, checked.stderr) == (1, "", expected)
    solved = run("optimize", str(path), "-o", str(tmp_path / "plan.xlsx"))
    assert (solved.exit_code, solved.stderr) == (1, expected)
    assert not (tmp_path / "plan.xlsx").exists()


def test_a_fleet_built_in_python_still_names_the_record() -> None:
    """No workbook, no cells: the record and field, with ``#2`` for a repeated tranche."""
    f = synthetic_fleet(sites=2, months=12, seed=3)
    again = f.miners[0].model_copy(update={"power_w": 0.01})
    f = f.model_copy(update={"miners": (*f.miners, again)})
    where = [p.location for p in check_numerics(compute_coefficients(f))]
    assert where == [f"Miners[{again.site} {again.model} #2].power_w"]
