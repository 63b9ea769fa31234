"""Hourly price curves inside the LP: flexible mining coefficients, firm HPC, re-pricing
(allocator.power.flexible, allocator.optimization.coefficients, allocator.results.accounting)."""

from __future__ import annotations

import numpy as np
import pytest
from fleetkit import contract, fleet, miners, site, verified

from allocator.domain import Fleet, MarketMonth, PriceCurve
from allocator.optimization.coefficients import compute_coefficients
from allocator.power.curve import summarize_prices
from allocator.scenarios.changes import Change, apply_changes

# April 2026 (720 h): 360 h at $20, 240 h at $40, 100 h at $100, 20 h at $1,000 (mean $65).
LEVELS = np.repeat([20.0, 40.0, 100.0, 1000.0], [360, 240, 100, 20])


def _curve(site_name: str, month: str, prices: np.ndarray) -> PriceCurve:
    c = summarize_prices(prices, 1.0, 48)
    return PriceCurve(site=site_name, month=month, hours=tuple(c.hours.tolist()),
                      price_usd_mwh=tuple(c.price_usd_mwh.tolist()))


def _one_site(curves: bool, **site_kw: object) -> Fleet:
    """10 MW of 20 J/TH miners (5,000 x 100 TH/s at 2,000 W), $48/PH/day, PUE 1.25, opex
    $5,000/MW-month, power $65/MWh flat (the curve's mean), one gross lease offer."""
    base = fleet(start="2026-04", months=1, hashprice=48.0,
                 sites=[site("A", mining_pue=1.25, mining_opex_usd_mw_month=5000.0,
                             power_price_usd_mwh=65.0, hpc_existing_mw=5.0, **site_kw)],
                 miner_rows=[miners("A", "Box", 5000, 100.0, 2000.0)],
                 contracts=[contract("K", rate_usd_kw_month=120.0, max_mw=5.0,
                                     start_month="2026-04", term_months=1)])
    if not curves:
        return base
    return base.model_copy(update={"price_curves": (_curve("A", "2026-04", LEVELS),)})


def test_the_lp_mines_only_the_hours_that_pay() -> None:
    """Proves the plan's mining margin is the hand-solved curtailed month: 10 MW x ($39,000
    - $5,000 opex) = $340,000, against 10 x (13,500 - 5,000) = $85,000 on the monthly
    average; the lease's cost is the same in both (5 MW x 720 h x $65 = $234,000)."""
    flexible, flat = verified(_one_site(True)), verified(_one_site(False))
    assert flexible.tranches["margin_usd"].sum() == pytest.approx(340_000.0, abs=0.01)
    assert flat.tranches["margin_usd"].sum() == pytest.approx(85_000.0, abs=0.01)
    assert flexible.leases["power_cost_usd"].sum() == pytest.approx(234_000.0, abs=0.01)
    assert flexible.leases["power_cost_usd"].sum() == flat.leases["power_cost_usd"].sum()
    assert flexible.objective_usd - flat.objective_usd == pytest.approx(255_000.0, abs=0.01)


@pytest.mark.parametrize("kw", [{"curtailment": "none"}, {"curtailment_capture": 0.5},
                                {"curtailment": "strike", "curtailment_strike_usd_mwh": 30.0}])
def test_hpc_cost_is_unchanged_by_curtailment_options(kw: dict[str, object]) -> None:
    """Proves HPC is firm: whatever the curtailment policy, the lease pays the full-hours
    average, and the policy moves the mining margin only (none: the flat $85,000; capture
    0.5: 10 x (13,500 + 0.5 x 25,500 - 5,000) = $212,500; strike $30: 10 x 22,000)."""
    plan = verified(_one_site(True, **kw))
    coef = compute_coefficients(_one_site(True, **kw))
    assert coef.contracts[0].cost_usd_mw_month[0, 0] == pytest.approx(720 * 65.0)
    assert plan.leases["power_cost_usd"].sum() == pytest.approx(234_000.0, abs=0.01)
    expected = {"none": 85_000.0, "curtailment_capture": 212_500.0, "strike": 220_000.0}
    key = str(kw.get("curtailment", "curtailment_capture"))
    assert plan.tranches["margin_usd"].sum() == pytest.approx(expected[key], abs=0.01)


def test_flat_hourly_prices_give_todays_plan() -> None:
    """Proves nothing changes when there is nothing to curtail: three sites over 12 months,
    two of them with flat hourly curves at their own monthly prices, solve to the plan without
    curves within 1e-9 (objective, every tranche and site-month figure)."""
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    sites = [site(n, power_price_usd_mwh=p, mining_pue=1.08, hpc_existing_mw=8.0,
                  mining_opex_usd_mw_month=3000.0) for n, p in (("A", 38.0), ("B", 61.5),
                                                                 ("C", 47.0))]
    base = fleet(start="2026-01", months=12, sites=sites,
                 miner_rows=[miners(n) for n in "ABC"],
                 market=[MarketMonth(month=m, hashprice_usd_ph_day=40.0 + i)
                         for i, m in enumerate(months)],
                 contracts=[contract("K", max_mw=12.0, rate_usd_kw_month=95.0)])
    curves = tuple(_curve(n, m, np.full(24 * d, p)) for n, p in (("A", 38.0), ("B", 61.5))
                   for m, d in zip(months, days, strict=True))
    plain = verified(base)
    flat = verified(base.model_copy(update={"price_curves": curves}))
    assert flat.objective_usd == pytest.approx(plain.objective_usd, rel=1e-9)
    for frame in ("tranches", "site_months"):
        a, b = getattr(plain, frame), getattr(flat, frame)
        numbers = a.select_dtypes("number").columns
        np.testing.assert_allclose(b[numbers].to_numpy(float), a[numbers].to_numpy(float),
                                   rtol=1e-9, atol=1e-6)


def test_a_hashprice_change_re_values_the_curve() -> None:
    """Proves a scenario re-values the same curves at its hashprice: at half the hashprice
    (R = $50/MWh, strike $40) the tranche runs the 600 h up to $40: 360 x (50 - 25) + 240 x
    (50 - 50) = $9,000 - $5,000 opex per MW-month."""
    half = apply_changes(_one_site(True), [Change("hashprice_usd_ph_day", "scale", 0.5)])
    assert half.price_curves == _one_site(True).price_curves
    coef = compute_coefficients(half)
    assert coef.mining_margin_usd_mw_month[0, 0] == pytest.approx(4_000.0, abs=1e-6)
    assert coef.curtailment is not None
    assert float(coef.curtailment.mined_hours[0, 0]) == pytest.approx(600.0)


def test_the_flexibility_sheet_reports_the_premium() -> None:
    """Proves the report's figures for the hand-solved month: 10 MW mine 600 h and leave
    1,500 grid MWh undrawn (120 h x 10 MW x 1.25); flat $85,000, flexible $340,000, premium
    $255,000 ($25,500 per MW-month), also the Summary's flexibility_premium_usd; a plan
    without hourly prices has neither the sheet nor the column."""
    plan = verified(_one_site(True))
    (row,) = plan.extra["Flexibility"].to_dict("records")
    assert row["site"] == "A" and row["month"] == "2026-04"
    assert row["hours_mined"] == pytest.approx(600.0)
    assert row["curtailed_mwh"] == pytest.approx(1_500.0)
    assert row["flat_margin_usd"] == pytest.approx(85_000.0, abs=0.01)
    assert row["flexible_margin_usd"] == pytest.approx(340_000.0, abs=0.01)
    assert row["flexibility_premium_usd"] == pytest.approx(255_000.0, abs=0.01)
    assert row["flexibility_premium_usd_mw_month"] == pytest.approx(25_500.0, abs=1e-6)
    assert plan.summary["flexibility_premium_usd"].tolist() == pytest.approx([255_000.0])
    flat = verified(_one_site(False))
    assert "Flexibility" not in flat.extra and "flexibility_premium_usd" not in flat.summary


# A dear month: the four levels with the top 20 h at $2,530 (mean $107.50, above the $80
# strike of an index-priced tranche).
DEAR = np.repeat([20.0, 40.0, 100.0, 2530.0], [360, 240, 100, 20])


def _ppa_site(**site_kw: object) -> Fleet:
    base = _one_site(True, ppa_price_usd_mwh=30.0, **site_kw)
    return base.model_copy(update={"price_curves": (_curve("A", "2026-04", DEAR),)})


def test_a_fixed_ppa_with_resale_earns_the_resale_value() -> None:
    """Proves the PPA case by hand, in a month whose average ($107.50) is above the strike:
    the PPA costs 1.25 x $30 x 720 = $27,000 per MW whatever runs; with resale at a 10 %
    discount the miners stop where 0.9 x price > $80 (the $100 and $2,530 hours) and resell
    1.25 x 0.9 x (100 x 100 + 20 x 2,530) = $68,175, so the MW-month earns 60,000 - 27,000 +
    68,175 - 5,000 opex = $96,175 (10 MW: $961,750); without resale $72,000 - 27,000 - 5,000 =
    $40,000 (index-priced: -$29,750 flat, $34,000 curtailed). HPC at the site pays the PPA
    price: 5 MW x 720 h x $30 = $108,000."""
    resale = verified(_ppa_site(ppa_resale=True, ppa_resale_discount=0.1))
    assert resale.tranches["margin_usd"].sum() == pytest.approx(961_750.0, abs=0.01)
    assert resale.leases["power_cost_usd"].sum() == pytest.approx(108_000.0, abs=0.01)
    (row,) = resale.extra["Flexibility"].to_dict("records")
    assert row["flat_margin_usd"] == pytest.approx(400_000.0, abs=0.01)
    assert row["flexibility_premium_usd"] == pytest.approx(561_750.0, abs=0.01)
    held = verified(_ppa_site())
    assert held.tranches["margin_usd"].sum() == pytest.approx(400_000.0, abs=0.01)
    assert held.extra["Flexibility"]["curtailed_mwh"].tolist() == [0.0]


def test_demand_response_credits_pay_curtailable_miners_only() -> None:
    """Proves the credit by hand: $2,000 per grid MW-month at PUE 1.25 adds $2,500 per running
    miner MW, so the hand-solved month's 10 MW earn 10 x (34,000 + 2,500) = $365,000; with
    curtailment none the miners are not curtailable and earn the flat $85,000; the lease's
    cost is unchanged."""
    credited = verified(_one_site(True, demand_response_usd_mw_month=2000.0))
    assert credited.tranches["margin_usd"].sum() == pytest.approx(365_000.0, abs=0.01)
    assert credited.leases["power_cost_usd"].sum() == pytest.approx(234_000.0, abs=0.01)
    firm = verified(_one_site(True, demand_response_usd_mw_month=2000.0, curtailment="none"))
    assert firm.tranches["margin_usd"].sum() == pytest.approx(85_000.0, abs=0.01)


def test_site_value_gives_the_premium_conversion_gives_up() -> None:
    """Proves Site Value's flexibility_premium_usd_mw_month is the site's premium per running
    miner MW-month ($25,500 in the hand-solved month), and is absent without hourly prices."""
    plan = verified(_one_site(True))
    assert plan.site_value["flexibility_premium_usd_mw_month"].tolist() == pytest.approx(
        [25_500.0])
    assert "flexibility_premium_usd_mw_month" not in verified(_one_site(False)).site_value
