"""Small builders for hand-solved test fleets, and the verification every test solve runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from allocator import optimize
from allocator.domain import Contract, Fleet, MarketMonth, MinerTranche, Settings, Site
from allocator.errors import InputError
from allocator.results.accounting import reprice
from allocator.results.checks import plan_violations
from allocator.results.plan import Plan
from allocator.workbook.reader import read_workbook


def site(name: str = "A", **kw: Any) -> Site:
    values: dict[str, Any] = {"capacity_mw": 100.0, "power_price_usd_mwh": 40.0}
    values.update(kw)
    return Site(name=name, **values)


def miners(site_name: str = "A", model: str = "Antminer S21 XP", units: int = 10_000,
           hashrate_th: float = 270.0, power_w: float = 3645.0) -> MinerTranche:
    return MinerTranche(site=site_name, model=model, units=units, hashrate_th=hashrate_th,
                        power_w=power_w)


def contract(name: str = "K", **kw: Any) -> Contract:
    values: dict[str, Any] = {"rate_usd_kw_month": 100.0, "max_mw": 20.0,
                              "start_month": "2026-01", "term_months": 12}
    values.update(kw)
    return Contract(name=name, **values)


def fleet(*, start: str = "2026-01", months: int = 1, sites: list[Site] | None = None,
          miner_rows: list[MinerTranche] | None = None, contracts: list[Contract] | None = None,
          hashprice: float | None = 40.0, market: list[MarketMonth] | None = None,
          **settings: Any) -> Fleet:
    return Fleet(
        settings=Settings(start_month=start, months=months, **settings),
        sites=sites or [site()],
        miners=miner_rows or [],
        market=market or [MarketMonth(month=start, hashprice_usd_ph_day=hashprice)],
        contracts=contracts or [],
    )


def verified(f: Fleet, **kw: Any) -> Plan:
    """Optimize and check what every test solve must satisfy: invariants and re-pricing.

    A default (direct HiGHS) solve is repeated through PuLP's HiGHS interface: the two
    backends must agree within 1e-9 relative.
    """
    plan = optimize(f, **kw)
    if "solver" not in kw:
        other = optimize(f, solver="highs_pulp")
        assert other.run_info.solver == "HiGHS"
        scale = max(1.0, abs(plan.objective_usd))
        assert abs(other.objective_usd - plan.objective_usd) <= 1e-9 * scale
    assert plan_violations(f, plan) == []
    value = reprice(f, plan).npv_usd
    assert abs(value - plan.objective_usd) <= 1e-6 * max(1.0, abs(plan.objective_usd))
    assert abs(plan.npv_usd - plan.objective_usd) <= 1e-6 * max(1.0, abs(plan.objective_usd))
    return plan


def write_book(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]]
               | Iterable[tuple[str, Sequence[Sequence[object]]]]) -> Path:
    """Write ``sheets`` (name -> rows, row 1 first) as an .xlsx file at ``path``.

    A sequence of (name, rows) pairs may repeat a name; openpyxl then renames it ("Sites1").
    """
    book = openpyxl.Workbook()
    book.remove(book.active)
    pairs = sheets.items() if isinstance(sheets, Mapping) else sheets
    for name, rows in pairs:
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
    book.save(path)
    return path


# A one-site book as sheet rows, for command-line and file-handling tests.
SITES: list[list[object]] = [
    ["site", "capacity_mw", "power_price_usd_mwh", "hpc_existing_mw"], ["Alpha", 100, 40, 10]]
MINERS: list[list[object]] = [["site", "model", "units"], ["Alpha", "Antminer S21 XP", 10_000]]
MARKET: list[list[object]] = [["month", "hashprice_usd_ph_day"], ["2026-01", 40]]
CONTRACTS: list[list[object]] = [
    ["contract", "rate_usd_kw_month", "max_mw", "start_month", "term_months",
     "power_pass_through"],
    ["Lease-A", 100, 20, "2026-01", 12, "yes"]]


def contract_faults(path: Path, contracts: Sequence[Sequence[object]]) -> list[str]:
    """The problems the reader reports, in order, for a one-site book whose Contracts sheet
    is ``contracts`` (header row first); fails if the book reads without one."""
    book = write_book(path, {
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh", "hpc_existing_mw"],
                  ["Alpha", 100, 40, 10]],
        "Market": [["month", "hashprice_usd_ph_day"], ["2026-01", 40]],
        "Contracts": contracts})
    with pytest.raises(InputError) as caught:
        read_workbook(book)
    return [str(p) for p in caught.value.problems]
