"""Workbook round trip: fleets written as workbooks read back equal and solve the same.

The hand-solved cases run again through Excel, so a reader or writer bug that shifts a
column, a unit or a default shows up as a different objective.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fleetkit import contract, fleet, miners, site, verified, write_book

from allocator import optimize, read_workbook
from allocator.domain import Fleet, PowerPrice
from allocator.synthetic import synthetic_fleet
from allocator.workbook.fleet_writer import write_fleet
from allocator.workbook.template import CATALOG_COLUMNS, CATALOG_SHEET

CASES = {
    "spot": fleet(start="2026-04", pool_fee=0.02,
                  sites=[site(power_price_usd_mwh=50, mining_pue=1.05, uptime=0.97,
                              mining_opex_usd_mw_month=5_000)],
                  miner_rows=[miners()]),
    "lead_time": fleet(months=3, asset_life_years=10,
                       sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=1.2e6,
                                   conversion_lead_months=1)],
                       contracts=[contract(start_month="2026-02", power_pass_through=True)]),
    "gross_lease": fleet(months=3, sites=[site(hpc_existing_mw=10)], contracts=[contract()]),
    "synthetic": synthetic_fleet(sites=4, months=18, seed=11),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fleet_survives_the_workbook(name: str, tmp_path: Path) -> None:
    original: Fleet = CASES[name]
    path = write_fleet(original, tmp_path / f"{name}.xlsx")
    book = read_workbook(path)
    assert book.fleet == original
    assert optimize(book).objective_usd == pytest.approx(verified(original).objective_usd,
                                                         rel=1e-12)


def test_power_price_overrides_round_trip(tmp_path: Path) -> None:
    base = CASES["synthetic"]
    with_prices = base.model_copy(update={"power_prices": (
        PowerPrice(site=base.sites[0].name, month="2026-07", power_price_usd_mwh=90.0),)})
    book = read_workbook(write_fleet(with_prices, tmp_path / "pp.xlsx"))
    assert book.fleet == with_prices
    plan = verified(book.fleet)
    row = plan.site_months[(plan.site_months["site"] == base.sites[0].name)
                           & (plan.site_months["month"] == "2026-07")]
    assert float(row["power_price_usd_mwh"].iloc[0]) == 90.0


def test_a_books_own_catalog_rows_survive_the_round_trip(tmp_path: Path) -> None:
    """write_fleet with the book's catalog writes its added and overriding models back to the
    Catalog sheet: the copy reads to the same fleet, catalog and override warning."""
    header = list(CATALOG_COLUMNS)
    path = write_book(tmp_path / "own.xlsx", {
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh"], ["A", 50, 40]],
        "Miners": [["site", "model", "units"], ["A", "Antminer S23 Hydro", 500],
                   ["A", "Antminer S21 XP", 100]],
        "Market": [["month", "btc_price_usd", "network_hashrate_ehs"], ["2026-01", 9e4, 1e3]],
        CATALOG_SHEET: [header, ["Bitmain", "Antminer S23 Hydro", 580, 5510, None, "hydro"],
                        [None, "Antminer S21 XP", 280, 3645]],
    })
    book = read_workbook(path)
    again = read_workbook(write_fleet(book.fleet, tmp_path / "again.xlsx", catalog=book.catalog))
    assert again.fleet == book.fleet
    assert again.catalog == book.catalog
    assert [m.model for m in again.catalog.own] == ["Antminer S23 Hydro", "Antminer S21 XP"]
    assert again.warnings == book.warnings != ()
