"""All-in cost per BTC with miner depreciation and mining overhead (Settings
``miner_capex_usd_th``, ``miner_life_months``, ``mining_overhead_usd_month``): by hand, its
reconciliation, its validation at the Settings cells, and that the plan does not change."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fleetkit import fleet, miners, site, verified, write_book

from allocator import optimize
from allocator.deals.mining import fixed_cost_usd
from allocator.domain import Fleet, MarketMonth
from allocator.errors import InputError
from allocator.synthetic import synthetic_fleet
from allocator.workbook.reader import read_workbook

ALL_IN = {"miner_capex_usd_th": 15.0, "miner_life_months": 36,
          "mining_overhead_usd_month": 500_000.0}


def _april(**settings: float) -> Fleet:
    return fleet(start="2026-04", pool_fee=0.02, sites=[site(power_price_usd_mwh=50.0)],
                 miner_rows=[miners()], market=[MarketMonth(
                     month="2026-04", btc_price_usd=100_000, network_hashrate_ehs=1_000)],
                 **settings)


def test_all_in_cost_of_one_month_of_s21_xp_worked_by_hand() -> None:
    """The April 2026 month of test_mining_metrics (10,000 S21 XP, 270 TH each, 2.7M TH;
    power $1,312,200; BTC $100,000; 36.45 BTC before the 2 % pool fee, a $72,900 fee) with
    miners at $15/TH over 36 months ($1,125,000 of depreciation a month) and $500,000 of
    overhead: all-in = (1,312,200 + 72,900 + 1,125,000 + 500,000) / 36.45 = $82,581.62 per
    BTC, to the cent; the cash cost stays $36,734.69."""
    row = verified(_april(**ALL_IN)).summary.iloc[0]
    assert round(row["all_in_cost_usd_btc"], 2) == 82_581.62
    assert round(row["cash_cost_usd_btc"], 2) == 36_734.69


def test_depreciation_stops_after_the_miners_life() -> None:
    """2.7M TH at $15/TH over 2 months is $20.25M a month for months 0 and 1, then
    nothing; the $500,000 of overhead runs every month."""
    f = _april(miner_capex_usd_th=15.0, miner_life_months=2,
               mining_overhead_usd_month=500_000.0)
    got = fixed_cost_usd(f.settings, f.miners, 4)
    assert got.tolist() == [20_750_000.0, 20_750_000.0, 500_000.0, 500_000.0]


@pytest.mark.parametrize("seed", range(3))
def test_all_in_reconciles_with_every_cost_it_counts(seed: int) -> None:
    """On seeded synthetic fleets with depreciation and overhead, month by month: all-in
    cost per BTC x BTC before the pool fee = mining power + opex + pool fee + depreciation +
    overhead (exactly, to 1e-12); months with no BTC mined are blank, never infinite."""
    base = synthetic_fleet(sites=3, months=24, seed=seed)
    f = base.model_copy(update={"settings": base.settings.model_copy(update={
        "miner_capex_usd_th": 12.0, "miner_life_months": 18,
        "mining_overhead_usd_month": 3e6})})
    plan = optimize(f)
    fee = f.settings.pool_fee
    sm = plan.site_months.groupby("month", sort=False).sum(numeric_only=True)
    revenue = sm["mining_revenue_usd"].to_numpy()
    counted = (sm["mining_power_cost_usd"] + sm["mining_opex_usd"]).to_numpy() \
        + revenue * fee / (1 - fee) + fixed_cost_usd(f.settings, f.miners, 24)
    s = plan.summary
    mined = s["mined_btc"].to_numpy()
    runs = mined > 0
    assert runs.any()
    all_in = s["all_in_cost_usd_btc"].to_numpy()
    assert np.allclose((all_in * mined / (1 - fee))[runs], counted[runs], rtol=1e-12, atol=0)
    assert not np.isinf(all_in).any() and np.isnan(all_in[~runs]).all()


def test_a_month_with_no_btc_mined_shows_a_blank_all_in_cost() -> None:
    """Power too dear for any miner to run ($5,000/MWh): no BTC mined, so the all-in cost is
    blank even with overhead to spread, not infinite."""
    f = fleet(start="2026-04", sites=[site(power_price_usd_mwh=5_000.0)],
              miner_rows=[miners()], market=[MarketMonth(
                  month="2026-04", btc_price_usd=100_000, network_hashrate_ehs=1_000)],
              **ALL_IN)
    row = verified(f).summary.iloc[0]
    assert row["mined_btc"] == 0.0 and math.isnan(row["all_in_cost_usd_btc"])


@pytest.mark.parametrize("seed", range(2))
def test_depreciation_and_overhead_leave_the_plan_unchanged(seed: int) -> None:
    """They are reporting inputs: every plan frame, and every Summary column but the
    all-in cost, is the same to 1e-9 with and without them."""
    base = synthetic_fleet(sites=3, months=24, seed=seed)
    f = base.model_copy(update={"settings": base.settings.model_copy(update=ALL_IN)})
    without, with_ = optimize(base), optimize(f)
    assert with_.objective_usd == pytest.approx(without.objective_usd, rel=1e-9)
    for name in ("site_months", "allocation", "tranches", "leases", "builds", "contracts",
                 "deals"):
        pd.testing.assert_frame_equal(getattr(with_, name), getattr(without, name),
                                      rtol=1e-9)
    pd.testing.assert_frame_equal(with_.summary.drop(columns="all_in_cost_usd_btc"),
                                  without.summary.drop(columns="all_in_cost_usd_btc"),
                                  rtol=1e-9)
    assert (with_.summary["all_in_cost_usd_btc"].dropna()
            > without.summary["all_in_cost_usd_btc"].dropna()).all()


def test_bad_depreciation_and_overhead_are_reported_at_their_settings_cells(
        tmp_path: Path) -> None:
    """A negative miner cost, a zero life and a negative overhead: each reported at its
    Settings cell, all at once."""
    book = write_book(tmp_path / "bad.xlsx", {
        "Settings": [["key", "value"], ["miner_capex_usd_th", -15],
                     ["miner_life_months", 0], ["mining_overhead_usd_month", -1]],
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh"], ["Alpha", 100, 40]],
        "Market": [["month", "hashprice_usd_ph_day"], ["2026-01", 40]]})
    with pytest.raises(InputError) as caught:
        read_workbook(book)
    assert [str(p) for p in caught.value.problems] == [
        "Settings!B2: miner_capex_usd_th must be >= 0 (got -15)",
        "Settings!B3: miner_life_months must be >= 1 (got 0)",
        "Settings!B4: mining_overhead_usd_month must be >= 0 (got -1)"]
