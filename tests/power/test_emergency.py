"""Emergency curtailment of large loads (Texas SB 6): in ``emergency_curtailment`` intervals
the miners stop and lose those hours' margin; HPC keeps its rent but draws no grid power
(allocator.power.emergency, through the LP, the reports and the re-pricing)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fleetkit import MINERS, contract, fleet, miners, site, verified, write_book

from allocator import optimize, read_workbook
from allocator.domain import Fleet, PriceCurve
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.power.curve import summarize_prices

# July 2026 (744 h): 682 h at $30 and the 62 dearest at $150 (mean $40/MWh).
JULY = np.repeat([30.0, 150.0], [682, 62])
CURTAILED = 100.0 * 682 - 1.25 * 30.0 * 682 - 5000.0  # $37,625 without emergencies
FLAT = 744 * (100.0 - 1.25 * 40.0) - 5000.0  # $32,200: running every hour


def _july(emergency: list[float], pass_through: bool = False, **site_kw: object) -> Fleet:
    """10 MW of 20 J/TH miners at $48/PH/day (R = $100/MWh, strike $80), PUE 1.25, opex
    $5,000; 5 MW of existing HPC at $120/kW-month (PUE 1, load 1); emergency hours (1 h
    each) at the prices ``emergency``."""
    base = fleet(start="2026-07", months=1, hashprice=48.0,
                 sites=[site("A", mining_pue=1.25, mining_opex_usd_mw_month=5000.0,
                             power_price_usd_mwh=40.0, hpc_existing_mw=5.0, **site_kw)],
                 miner_rows=[miners("A", "Box", 5000, 100.0, 2000.0)],
                 contracts=[contract("K", rate_usd_kw_month=120.0, max_mw=5.0,
                                     start_month="2026-07", term_months=1,
                                     power_pass_through=pass_through)])
    c = summarize_prices(JULY, 1.0, 24)
    return base.model_copy(update={"price_curves": (PriceCurve(
        site="A", month="2026-07", hours=tuple(c.hours.tolist()),
        price_usd_mwh=tuple(c.price_usd_mwh.tolist()),
        emergency_hours=tuple([1.0] * len(emergency)),
        emergency_price_usd_mwh=tuple(emergency)),)})


def test_emergency_hours_cost_mining_their_margin_and_spare_hpc_rent() -> None:
    """Proves by hand, emergencies at $30, $30 and $150: curtailing miners lose the two $30
    hours they would mine, 2 x (100 - 1.25 x 30) = $125, so earn $37,500 (the $150 hour is
    curtailed anyway); with curtailment none they lose all three, 300 - 1.25 x 210 =
    $37.50, so earn $32,162.50; at capture 0.8 they also lose a fifth of the $150 hour's
    (negative) margin. HPC's rent is unchanged and its bill is 744 x $40 - $210 per IT MW
    (nothing when the tenant pays its power)."""
    hours = [30.0, 30.0, 150.0]
    margin = compute_coefficients(_july(hours)).mining_margin_usd_mw_month[0, 0]
    assert margin == pytest.approx(CURTAILED - 125.0)
    none = compute_coefficients(_july(hours, curtailment="none"))
    assert none.mining_margin_usd_mw_month[0, 0] == pytest.approx(FLAT - 300.0 + 262.5)
    partial = compute_coefficients(_july(hours, curtailment_capture=0.8))
    assert partial.mining_margin_usd_mw_month[0, 0] == pytest.approx(
        FLAT + 0.8 * (CURTAILED - FLAT) - 220.0 + 1.25 * 90.0)
    plain = compute_coefficients(_july([]))
    for coef in (compute_coefficients(_july(hours)), none, partial):
        terms = coef.contracts[0]
        assert terms.cost_usd_mw_month[0, 0] == pytest.approx(744 * 40.0 - 210.0)
        assert terms.revenue_usd_mw_month[0] == plain.contracts[0].revenue_usd_mw_month[0]
    through = compute_coefficients(_july(hours, pass_through=True))
    assert through.contracts[0].cost_usd_mw_month[0, 0] == 0.0
    plan = verified(_july(hours))  # the re-pricing, row by row, equals the LP's objective
    assert plan.leases["power_cost_usd"].sum() == pytest.approx(5 * (744 * 40.0 - 210.0))


def _book(tmp_path: Path, flags: dict[int, object] | None, name: str = "book.xlsx") -> Path:
    start = pd.Timestamp("2026-07-01")
    rows = [["Alpha", (start + pd.Timedelta(hours=h)).to_pydatetime(),
             150.0 if h % 12 == 0 else 30.0] for h in range(744)]
    header = ["site", "timestamp", "price_usd_mwh"]
    if flags is not None:
        header.append("emergency_curtailment")
        rows = [[*r, flags.get(h)] for h, r in enumerate(rows)]
    return write_book(tmp_path / name, {
        "Settings": [["key", "value"], ["start_month", "2026-07"], ["months", 1]],
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh", "hpc_existing_mw"],
                  ["Alpha", 100, 40, 10]],
        "Miners": MINERS, "Market": [["month", "hashprice_usd_ph_day"], ["2026-07", 40]],
        "Contracts": [["contract", "rate_usd_kw_month", "max_mw", "start_month",
                       "term_months"], ["Lease-A", 100, 10, "2026-07", 12]],
        "HourlyPrices": [header, *rows]})


def test_flags_are_read_and_a_bad_one_is_told_by_its_cell(tmp_path: Path) -> None:
    """Proves the reader puts the flagged hours (with prices) on July's curve, a flag that is
    not yes/no is a fault at its cell (hour 9 is row 11, column D), and a column of noes
    gives the plan without the column to 1e-9."""
    (curve,) = read_workbook(_book(tmp_path, {12: "yes", 13: "yes"})).fleet.price_curves
    assert (curve.emergency_hours, curve.emergency_price_usd_mwh) == ((1.0, 1.0),
                                                                      (150.0, 30.0))
    with pytest.raises(InputError) as caught:
        read_workbook(_book(tmp_path, {9: "soon"}, "bad.xlsx"))
    assert any("HourlyPrices!D11" in str(p) and "emergency_curtailment must be yes or no"
               in str(p) for p in caught.value.problems)
    without = optimize(read_workbook(_book(tmp_path, None, "old.xlsx")).fleet)
    noes = optimize(read_workbook(_book(tmp_path, {h: "no" for h in range(744)},
                                        "noes.xlsx")).fleet)
    assert noes.objective_usd == pytest.approx(without.objective_usd, rel=1e-9, abs=1e-9)


def test_a_power_price_change_moves_the_emergency_intervals_too() -> None:
    """Proves a scenario's ``add 10`` on power_price_usd_mwh reaches the emergency intervals
    as it reaches the bins: the lease's bill is 744 x $50 - (40 + 40 + 160) = $36,960 per IT
    MW, and curtailing miners lose 2 x (100 - 1.25 x 40) = $100 of the two $40 hours. Before
    the change the intervals stayed at their read prices, so the lease was credited $210."""
    from allocator.scenarios.changes import Change, apply_changes

    moved = apply_changes(_july([30.0, 30.0, 150.0]),
                          [Change("power_price_usd_mwh", "add", 10.0)])
    coef = compute_coefficients(moved)
    assert coef.contracts[0].cost_usd_mw_month[0, 0] == pytest.approx(744 * 50.0 - 240.0)
    curtailed = 100.0 * 682 - 1.25 * 40.0 * 682 - 5000.0
    assert coef.mining_margin_usd_mw_month[0, 0] == pytest.approx(curtailed - 100.0)
    verified(moved)
