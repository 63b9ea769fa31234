"""The Site Value frame, all sites at once: a site without miners has no marginal miner."""

from __future__ import annotations

import math

import numpy as np
from fleetkit import fleet, miners, site, verified

from allocator import economics as econ


def test_site_without_miners_has_no_marginal_miner_and_the_other_its_breakeven() -> None:
    """Site A runs an Antminer S21 XP (13.5 J/TH) at $40/MWh, site B at $50/MWh has none.
    A's breakeven is the month-by-month formula averaged over its 3 months; B's is blank,
    and each row's NPV is its own site's discounted margin."""
    f = fleet(months=3, sites=[site("A"), site("B", power_price_usd_mwh=50.0)],
              miner_rows=[miners("A")])
    plan = verified(f)
    value = plan.site_value.set_index("site")
    a, b = value.loc["A"], value.loc["B"]
    assert (a["marginal_model"], b["marginal_model"]) == ("Antminer S21 XP", "")
    assert math.isnan(b["marginal_efficiency_j_th"])
    assert math.isnan(b["breakeven_hashprice_usd_ph_day"])
    days = np.array([31.0, 28.0, 31.0])
    alone = econ.breakeven_hashprice_usd_ph_day(np.full(3, 40.0), f.sites[0].mining_pue,
                                                f.sites[0].mining_opex_usd_mw_month, 13.5,
                                                days, f.settings.pool_fee)
    assert a["breakeven_hashprice_usd_ph_day"] == float(np.mean(alone))
    months = plan.site_months.groupby("site")["discounted_margin_usd"].sum()
    assert a["npv_usd"] == months["A"] and b["npv_usd"] == months["B"]
