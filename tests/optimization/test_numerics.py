"""Inputs that are legal but make the LP's numbers hopeless for a solver are refused before
the solve, naming the cell, instead of ending in "status: error" (HiGHS) or a feasible model
called infeasible (CBC)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from allocator import optimize, read_workbook
from allocator.consistency import check_numerics
from allocator.domain import Fleet
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.solvers import available_solvers
from allocator.synthetic import synthetic_fleet
from allocator.workbook.reader import FleetWorkbook

SAMPLE = Path(__file__).resolve().parents[2] / "sample_inputs" / "fleet.xlsx"


@pytest.fixture(scope="module")
def book() -> FleetWorkbook:
    return read_workbook(SAMPLE)


def _market(fleet: Fleet, **fields: Any) -> Fleet:
    rows = tuple(m.model_copy(update={**fields, "hashprice_usd_ph_day": None})
                 for m in fleet.market)
    return fleet.model_copy(update={"market": rows})


def _refused(book: FleetWorkbook, fleet: Fleet, solver: str = "highs") -> list[str]:
    with pytest.raises(InputError) as caught:
        optimize(dataclasses.replace(book, fleet=fleet), solver=solver)
    return [str(p) for p in caught.value.problems]


def test_a_tiny_network_hashrate_is_named(book: FleetWorkbook) -> None:
    """1e-6 EH/s: one MW-month of mining worth $8.5e13; HiGHS stopped with "Solve error"."""
    problems = _refused(book, _market(book.fleet, network_hashrate_ehs=1e-6))
    assert problems[0].startswith("Market!C2: makes mining in 2026-01")  # the cell, not the field
    assert "more than the $1e+09 an LP solver can handle" in problems[0]


def test_a_huge_btc_price_is_named(book: FleetWorkbook) -> None:
    problems = _refused(book, _market(book.fleet, btc_price_usd=1e12))
    assert problems[0].startswith("Market!B2: makes mining in")


def test_growth_over_600_months_is_named_at_its_cell(book: FleetWorkbook) -> None:
    """10x a year for 50 years: the projected months are the problem, so Settings' growth
    rate is named at its cell (the consistency pass's Settings.btc_price_growth_pa)."""
    settings = book.fleet.settings.model_copy(update={"months": 600,
                                                      "btc_price_growth_pa": 10.0})
    problems = _refused(book, book.fleet.model_copy(update={"settings": settings}))
    assert len(problems) == 1
    assert problems[0].startswith("Settings!B")
    assert "(projected from" in problems[0] and problems[0].endswith("(got 10.0)")


@pytest.mark.skipif("COIN_CMD" not in available_solvers(), reason="CBC is not installed")
def test_cbc_gets_the_same_answer_not_a_crash(book: FleetWorkbook) -> None:
    """CBC used to fail with a PulpSolverError on these inputs."""
    settings = book.fleet.settings.model_copy(update={"months": 600,
                                                      "btc_price_growth_pa": 10.0})
    fleet = _market(book.fleet.model_copy(update={"settings": settings}),
                    network_hashrate_ehs=1e-6, btc_price_usd=1e12)
    problems = _refused(book, fleet, solver="cbc")
    assert any(p.startswith("Market!C") for p in problems)  # network_hashrate_ehs
    assert any(p.startswith("Settings!B") for p in problems)


def test_huge_capex_and_rate_are_named() -> None:
    f = synthetic_fleet(sites=2, months=12, seed=3)
    assert f.sites[0].hpc_convertible_mw == 0 < f.sites[1].hpc_convertible_mw
    sites = (f.sites[0], f.sites[1].model_copy(update={"conversion_capex_usd_mw": 1e15}))
    contracts = (f.contracts[0].model_copy(update={"rate_usd_kw_month": 1e9}),
                 *f.contracts[1:])
    f = f.model_copy(update={"sites": sites, "contracts": contracts})
    where = [p.location for p in check_numerics(compute_coefficients(f))]
    assert f"Sites[{sites[1].name}].conversion_capex_usd_mw" in where
    assert f"Contracts[{contracts[0].name}].rate_usd_kw_month" in where


def test_real_fleets_pass(book: FleetWorkbook) -> None:
    assert check_numerics(compute_coefficients(book.fleet)) == []
    assert check_numerics(compute_coefficients(synthetic_fleet(sites=20, months=120))) == []
