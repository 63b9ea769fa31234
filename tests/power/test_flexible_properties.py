"""Seeded random fleets on hourly prices: every plan re-prices to its objective and keeps its
invariants whatever the curtailment, PPA, 4CP and credit terms; curtailing never earns less
than the monthly average."""

from __future__ import annotations

import numpy as np
import pytest
from fleetkit import contract, miners, site, verified

from allocator.domain import Fleet, MarketMonth, PriceCurve, Settings
from allocator.optimization.coefficients import compute_coefficients
from allocator.power.curve import summarize_prices
from allocator.power.synthetic_prices import ercot_west_like

MONTHS = ["2026-06", "2026-07", "2026-08"]
HOURS = [720, 744, 744]


def _random_fleet(seed: int) -> Fleet:
    rng = np.random.default_rng(seed)
    terms = []
    for _ in range(3):
        kw: dict[str, object] = {"curtailment": str(rng.choice(["optimal", "strike", "none"])),
                                 "curtailment_capture": float(rng.uniform(0.5, 1.0))}
        if kw["curtailment"] == "strike":
            kw["curtailment_strike_usd_mwh"] = float(rng.uniform(20, 120))
        if rng.random() < 0.4:
            kw |= {"ppa_price_usd_mwh": float(rng.uniform(20, 50)),
                   "ppa_resale": bool(rng.random() < 0.7),
                   "ppa_resale_discount": float(rng.uniform(0, 0.2))}
        if rng.random() < 0.5:
            kw["four_cp_usd_kw_year"] = float(rng.uniform(50, 150))
        if rng.random() < 0.5:
            kw["demand_response_usd_mw_month"] = float(rng.uniform(0, 3000))
        terms.append(kw)
    terms[0] = {"curtailment": "optimal",  # A: index-priced, the property's case
                "curtailment_capture": float(rng.uniform(0.5, 1.0))}
    sites = [site(n, mining_pue=1.05, hpc_pue=1.3, hpc_existing_mw=10.0,
                  hpc_convertible_mw=10.0, conversion_capex_usd_mw=2e6,
                  mining_opex_usd_mw_month=4000.0, **kw) for n, kw in zip("ABC", terms,
                                                                          strict=True)]
    year = ercot_west_like(seed, 8784)
    curves = []
    for s in "AB":  # C stays flat
        start = 151 * 24
        for month, hours in zip(MONTHS, HOURS, strict=True):
            c = summarize_prices(year[start:start + hours], 1.0, 48)
            curves.append(PriceCurve(site=s, month=month, hours=tuple(c.hours.tolist()),
                                     price_usd_mwh=tuple(c.price_usd_mwh.tolist())))
            start += hours
    return Fleet(settings=Settings(start_month=MONTHS[0], months=3, discount_rate=0.08,
                                   pool_fee=0.02),
                 sites=sites, miners=[miners(n) for n in "ABC"],
                 market=[MarketMonth(month=m, hashprice_usd_ph_day=float(rng.uniform(30, 60)))
                         for m in MONTHS],
                 contracts=[contract("K", max_mw=15.0, start_month=MONTHS[0], term_months=3,
                                     rate_usd_kw_month=float(rng.uniform(80, 200)),
                                     power_pass_through=bool(rng.random() < 0.5))],
                 price_curves=tuple(curves))


@pytest.mark.parametrize("seed", range(12))
def test_random_hourly_fleets_reprice_to_their_objective(seed: int) -> None:
    """Proves on 12 seeded fleets (curtailment optimal/strike/none, capture 0.5-1, PPAs with
    and without resale, 4CP, credits) that the LP and the independent re-pricing agree (and
    HiGHS through PuLP, and the invariants hold), and that index-priced optimal curtailment
    never earns less than the same MW at the monthly average (site A of each fleet), and more
    in some month."""
    fleet = _random_fleet(seed)
    verified(fleet)
    coef = compute_coefficients(fleet)
    checked = 0
    for m, s in enumerate(coef.tranche_site.tolist()):
        terms = fleet.sites[s]
        if s == 2 or terms.curtailment != "optimal" or terms.ppa_price_usd_mwh is not None:
            continue  # flat, or not index-priced optimal curtailment
        if terms.four_cp_usd_kw_year is not None or terms.demand_response_usd_mw_month:
            continue  # 4CP and credits favour curtailing by themselves
        steady = fleet.model_copy(update={"sites": tuple(
            x.model_copy(update={"curtailment": "none"}) if i == s else x
            for i, x in enumerate(fleet.sites))})
        flat = compute_coefficients(steady).mining_margin_usd_mw_month[m]
        assert np.all(coef.mining_margin_usd_mw_month[m] >= flat - 1e-6)
        assert np.any(coef.mining_margin_usd_mw_month[m] > flat)
        checked += 1
    assert checked >= 1
