"""Mining as the industry reads it, per month: BTC mined, hashprice in BTC, cost per BTC; pure.

From the plan's own figures, so each reconciles exactly with them (docs/model.md):

- ``mined_btc``: the month's mining revenue (after the pool fee) / BTC price;
- ``hashprice_btc_ph_day``: hashprice / BTC price, so ``hashprice_btc_ph_day x btc_price_usd``
  is ``hashprice_usd_ph_day``;
- ``hashcost_usd_ph_day``: mining power and opex per PH/s running per day;
- ``cash_cost_usd_btc``: mining power and opex / ``mined_btc``;
- ``all_in_cost_usd_btc``: mining power, opex, the pool fee, miner depreciation and mining
  overhead / the BTC earned before the pool fee (``mined_btc / (1 - pool_fee)``). Depreciation
  and overhead are Settings inputs the LP ignores (:func:`fixed_cost_usd`); without them
  "all-in" stops at the costs the plan knows;
- ``fleet_efficiency_j_th``: running miner MW / fleet EH/s (MW per EH/s is J/TH).

Blank (NaN) where the month has no BTC price (a Market row giving only a hashprice) or no
miner runs, never infinite.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.domain import MinerTranche, Settings
from allocator.results.plan import Plan

__all__ = ["MINING_COLUMNS", "fixed_cost_usd", "mining_metrics"]

Array = npt.NDArray[np.float64]

MINING_COLUMNS = ["mined_btc", "hashprice_btc_ph_day", "hashcost_usd_ph_day",
                  "cash_cost_usd_btc", "all_in_cost_usd_btc", "fleet_efficiency_j_th"]


def _ratio(top: Array, bottom: Array) -> Array:
    """``top / bottom``, NaN where ``bottom`` is 0 or NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / bottom, np.nan)


_SUMMED = ("mining_power_cost_usd", "mining_opex_usd", "mining_revenue_usd", "hashrate_phs")


def _by_month(site_months: pd.DataFrame, months: list[str]) -> dict[str, Array]:
    """The site-month columns :data:`_SUMMED` added up per month, in ``months`` order.

    The plan's site months are site by site, each over the horizon's months in order
    (:mod:`allocator.results.rollups`), so a reshape adds them up; other frames are grouped.
    """
    t_count = len(months)
    laid_out = (t_count and len(site_months) % t_count == 0
                and site_months["month"].tolist() == months * (len(site_months) // t_count))
    if laid_out:
        return {name: site_months[name].to_numpy(float).reshape(-1, t_count).sum(axis=0)
                for name in _SUMMED}
    grouped = site_months.groupby("month", sort=False)[list(_SUMMED)].sum().reindex(months)
    return {name: grouped[name].to_numpy(float) for name in _SUMMED}


def fixed_cost_usd(settings: Settings, miners: Sequence[MinerTranche],
                   month_count: int) -> Array:
    """Each month's mining costs the LP does not see: the installed miners' TH x
    ``miner_capex_usd_th`` spread straight-line over the first ``miner_life_months`` months,
    plus ``mining_overhead_usd_month``."""
    installed_th = sum(m.units * m.hashrate_th for m in miners)
    monthly_usd = installed_th * settings.miner_capex_usd_th / settings.miner_life_months
    in_life = np.arange(month_count) < settings.miner_life_months
    return np.where(in_life, monthly_usd, 0.0) + settings.mining_overhead_usd_month


def mining_metrics(plan: Plan, pool_fee: float,
                   fixed_usd: Array | None = None) -> pd.DataFrame:
    """One row per month of ``plan.summary``: ``month`` and :data:`MINING_COLUMNS`;
    ``fixed_usd`` (:func:`fixed_cost_usd`, one per month) joins the all-in cost."""
    s = plan.summary
    months = s["month"].tolist()
    by_month = _by_month(plan.site_months, months)
    cost = by_month["mining_power_cost_usd"] + by_month["mining_opex_usd"]
    revenue = by_month["mining_revenue_usd"]
    price = s["btc_price_usd"].to_numpy(float)
    mined = _ratio(revenue, price)
    mined = np.where(revenue > 0, mined, np.where(np.isfinite(price), 0.0, np.nan))
    gross = mined / (1.0 - pool_fee)
    pool_fee_usd = revenue * pool_fee / (1.0 - pool_fee)
    phs_days = by_month["hashrate_phs"] * s["days"].to_numpy(float)
    fixed = np.zeros(len(months)) if fixed_usd is None else fixed_usd
    return pd.DataFrame({
        "month": months,
        "mined_btc": mined,
        "hashprice_btc_ph_day": _ratio(s["hashprice_usd_ph_day"].to_numpy(float), price),
        "hashcost_usd_ph_day": _ratio(cost, phs_days),
        "cash_cost_usd_btc": _ratio(cost, mined),
        "all_in_cost_usd_btc": _ratio(cost + pool_fee_usd + fixed, gross),
        "fleet_efficiency_j_th": _ratio(s["mining_mw"].to_numpy(float),
                                        s["fleet_hashrate_ehs"].to_numpy(float)),
    })
