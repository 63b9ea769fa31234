"""The breakeven HPC rate with and without flexibility, side by side in Site Value
(allocator.insight.flat_breakeven, merged by allocator.insight.annotate.add_insight)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fleetkit import fleet, miners, site

from allocator import optimize
from allocator.domain import Fleet, PriceCurve
from allocator.insight.annotate import add_insight
from allocator.insight.flat_breakeven import without_flexibility
from allocator.insight.resolve import TOL_USD_KW_MONTH
from allocator.insight.summary import insight_summary
from allocator.power.curve import summarize_prices

# July 2026 (744 h): 682 h at $30 and the 62 dearest at $150 (mean $40/MWh).
JULY = np.repeat([30.0, 150.0], [682, 62])


def _converting(**site_kw: object) -> Fleet:
    """One 100 MW site filled by 110 MW of 20 J/TH miners at $48/PH/day (R = $100/MWh),
    PUEs 1, no opex; 50 MW convertible at $1.2M/MW over 10 years at r = 0 ($10,000 per
    MW-month), no lead time; July 2026 on the hourly prices above."""
    base = fleet(start="2026-07", months=1, hashprice=48.0, asset_life_years=10.0,
                 sites=[site("A", capacity_mw=100.0, power_price_usd_mwh=40.0,
                             hpc_convertible_mw=50.0, conversion_capex_usd_mw=1.2e6,
                             **site_kw)],
                 miner_rows=[miners("A", "Box", 55_000, 100.0, 2000.0)])
    c = summarize_prices(JULY, 1.0, 24)
    return base.model_copy(update={"price_curves": (PriceCurve(
        site="A", month="2026-07", hours=tuple(c.hours.tolist()),
        price_usd_mwh=tuple(c.price_usd_mwh.tolist())),)})


def _rates(f: Fleet) -> tuple[float, float, float]:
    sv = add_insight(optimize(f), f, sensitivity_pct=None).site_value.iloc[0]
    return (float(sv["breakeven_hpc_rate_usd_kw_month"]),
            float(sv["flat_breakeven_hpc_rate_usd_kw_month"]),
            float(sv["flexibility_breakeven_shift_usd_kw_month"]))


def test_breakeven_with_and_without_flexibility_by_hand() -> None:
    """Proves by hand: a converted MW costs $10,000 and displaces 1 MW of miners. Curtailing
    above $100 they earn 682 x (100 - 30) = $47,740, so the rate is $57.74/kW-month; running
    every hour at the $40 average they earn 744 x 60 = $44,640 ($54.64): flexibility moves
    the rate by $3.10. With 4CP at $100/kW-year the flat miners also pay $25,000 at the July
    peak ($29.64) while curtailing ones stop and pay nothing: a shift of $28.10."""
    tol = 2 * TOL_USD_KW_MONTH
    own, flat, shift = _rates(_converting())
    assert own == pytest.approx(57.74, abs=tol)
    assert flat == pytest.approx(54.64, abs=tol)
    assert shift == pytest.approx(own - flat)
    own, flat, shift = _rates(_converting(four_cp_usd_kw_year=100.0))
    assert own == pytest.approx(57.74, abs=tol)
    assert flat == pytest.approx(29.64, abs=tol)
    assert shift == pytest.approx(28.10, abs=2 * tol)


def test_without_flexibility_stops_only_the_hourly_sites_curtailing() -> None:
    """Proves the counterpart fleet differs only in the hourly site's curtailment, and that
    a plan without hourly prices gains no flat-breakeven columns."""
    f = _converting()
    other = site("B", hpc_convertible_mw=0.0)
    two = f.model_copy(update={"sites": (*f.sites, other)})
    flat = without_flexibility(two)
    assert [s.curtailment for s in flat.sites] == ["none", "optimal"]
    assert flat.sites[1] == two.sites[1] and flat.price_curves == two.price_curves
    plain = f.model_copy(update={"price_curves": ()})
    sv = add_insight(optimize(plain), plain, sensitivity_pct=None).site_value
    assert "flat_breakeven_hpc_rate_usd_kw_month" not in sv.columns
    assert not math.isnan(float(sv["breakeven_hpc_rate_usd_kw_month"].iloc[0]))


def test_no_shift_reads_zero_and_no_rate_stays_blank() -> None:
    """Proves a site without a rate (no convertible space) keeps a blank shift, not a zero,
    and a fleet that cannot curtail anyway shows a shift of 0; the insight summary (what
    optimize --insight prints) gives the flat rate of the hourly-priced site only."""
    f = _converting()
    f = f.model_copy(update={"sites": (*f.sites, site("B", hpc_convertible_mw=0.0))})
    plan = add_insight(optimize(f), f, sensitivity_pct=None)
    sv = plan.site_value
    assert math.isnan(float(sv["flexibility_breakeven_shift_usd_kw_month"].iloc[1]))
    rows = {r["site"]: r for r in insight_summary(plan, f)["breakevens"]}  # optimize --insight
    assert rows["A"]["flat_breakeven_hpc_rate_usd_kw_month"] == pytest.approx(54.64, abs=0.01)
    assert "flat_breakeven_hpc_rate_usd_kw_month" not in rows["B"]
    flat = without_flexibility(f)
    same = add_insight(optimize(flat), flat, sensitivity_pct=None).site_value
    assert same["flexibility_breakeven_shift_usd_kw_month"].iloc[0] == 0.0
