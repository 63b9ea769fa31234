"""Builders for the scenario tests: small fleets written as workbooks with a Scenarios sheet."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import openpyxl

from allocator.domain import Fleet
from allocator.synthetic import synthetic_fleet
from allocator.workbook.fleet_writer import write_fleet

HEADER = ["scenario", "parameter", "operation", "value", "target"]


def small_fleet(seed: int = 1) -> Fleet:
    """Three sites over two years: solves in a few hundredths of a second."""
    return synthetic_fleet(sites=3, months=24, seed=seed)


def with_volatility(fleet: Fleet, btc: float = 0.5, hashrate: float = 0.15,
                    correlation: float = 0.5) -> Fleet:
    settings = fleet.settings.model_copy(update={
        "btc_price_volatility_pa": btc, "network_hashrate_volatility_pa": hashrate,
        "btc_hashrate_correlation": correlation})
    return fleet.model_copy(update={"settings": settings})


def write_scenario_book(path: Path, fleet: Fleet,
                        rows: Sequence[Sequence[object]] | None) -> Path:
    """``fleet`` as a workbook, plus a Scenarios sheet of ``rows`` (header added) if given."""
    write_fleet(fleet, path)
    if rows is None:
        return path
    book = openpyxl.load_workbook(path)
    sheet = book.create_sheet("Scenarios")
    sheet.append(HEADER)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as a user may type it
    book.save(path)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
