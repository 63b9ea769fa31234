"""Mining metrics per month: a hand-worked month, and exact reconciliation on seeded fleets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fleetkit import fleet, miners, site, verified

from allocator.deals.mining import mining_metrics
from allocator.domain import MarketMonth
from allocator.synthetic import synthetic_fleet


def test_one_month_of_s21_xp_worked_by_hand() -> None:
    """April 2026 (30 days), BTC $100,000, 1,000 EH/s, no fees: hashprice 3.125 x 144 x
    100,000 / 1e6 = $45/PH/day = 0.00045 BTC/PH/day. 10,000 S21 XP (13.5 J/TH, 36.45 MW)
    run 2,700 PH/s: BTC mined 2,700 x 0.00045 x 30 x (1 - 2 %) = 35.721; power 36.45 MW x
    $50 x 720 h = $1,312,200, so $36,734.69 per BTC and a hashcost of $16.20/PH/day (the rule
    of thumb 13.5 J/TH x $50/MWh x 24 / 1000); fleet efficiency 13.5 J/TH."""
    f = fleet(start="2026-04", pool_fee=0.02, sites=[site(power_price_usd_mwh=50.0)],
              miner_rows=[miners()], market=[MarketMonth(
                  month="2026-04", btc_price_usd=100_000, network_hashrate_ehs=1_000)])
    row = mining_metrics(verified(f), 0.02).iloc[0]
    assert row["hashprice_btc_ph_day"] == pytest.approx(0.00045, rel=1e-12)
    assert row["mined_btc"] == pytest.approx(35.721, rel=1e-12)
    assert row["cash_cost_usd_btc"] == pytest.approx(1_312_200 / 35.721, rel=1e-12)
    assert row["hashcost_usd_ph_day"] == pytest.approx(16.2, rel=1e-12)
    assert row["fleet_efficiency_j_th"] == pytest.approx(13.5, rel=1e-12)
    # all-in adds the pool's 2 % of the gross revenue over the gross BTC (36.45)
    assert row["all_in_cost_usd_btc"] == pytest.approx(
        (1_312_200 + 0.02 * 36.45 * 100_000) / 36.45, rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_cost_per_btc_and_hashprice_in_btc_reconcile_exactly(seed: int) -> None:
    """On seeded synthetic fleets, month by month: cash cost per BTC x BTC mined = mining
    power + opex; all-in x BTC before the fee = power + opex + pool fee; hashprice in BTC x
    BTC price = hashprice in USD; hashcost x PH/s x days = power + opex."""
    f = synthetic_fleet(sites=3, months=24, seed=seed)
    plan = verified(f)
    fee = f.settings.pool_fee
    m = mining_metrics(plan, fee)
    sm = plan.site_months.groupby("month", sort=False).sum(numeric_only=True)
    cost = (sm["mining_power_cost_usd"] + sm["mining_opex_usd"]).to_numpy()
    s = plan.summary
    mined = m["mined_btc"].to_numpy()
    runs = mined > 0
    assert runs.any()
    assert np.allclose((m["cash_cost_usd_btc"] * mined)[runs], cost[runs], rtol=1e-12, atol=0)
    revenue = sm["mining_revenue_usd"].to_numpy()
    all_in = m["all_in_cost_usd_btc"] * mined / (1 - fee)
    assert np.allclose(all_in[runs], (cost + revenue * fee / (1 - fee))[runs], rtol=1e-12)
    assert np.allclose(m["hashprice_btc_ph_day"] * s["btc_price_usd"],
                       s["hashprice_usd_ph_day"], rtol=1e-12, atol=0)
    phs_days = sm["hashrate_phs"].to_numpy() * s["days"].to_numpy()
    assert np.allclose((m["hashcost_usd_ph_day"] * phs_days)[runs], cost[runs], rtol=1e-12)


def test_month_with_only_a_hashprice_has_no_btc_figures() -> None:
    """A Market row giving only a hashprice has no BTC price: BTC mined and cost per BTC are
    blank, the hashcost and J/TH are not."""
    f = fleet(start="2026-04", sites=[site()], miner_rows=[miners()], hashprice=40.0)
    row = mining_metrics(verified(f), 0.0).iloc[0]
    assert math.isnan(row["mined_btc"]) and math.isnan(row["cash_cost_usd_btc"])
    assert row["fleet_efficiency_j_th"] == pytest.approx(13.5)
    assert row["hashcost_usd_ph_day"] == pytest.approx(13.5 * 40 * 24 / 1000)
