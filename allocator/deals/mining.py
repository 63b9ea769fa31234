"""Mining as the industry reads it, per month: BTC mined, hashprice in BTC, cost per BTC; pure.

From the plan's own figures, so each reconciles exactly with them (docs/model.md):

- ``mined_btc``: the month's mining revenue (after the pool fee) / BTC price;
- ``hashprice_btc_ph_day``: hashprice / BTC price, so ``hashprice_btc_ph_day x btc_price_usd``
  is ``hashprice_usd_ph_day``;
- ``hashcost_usd_ph_day``: mining power and opex per PH/s running per day;
- ``cash_cost_usd_btc``: mining power and opex / ``mined_btc``;
- ``all_in_cost_usd_btc``: mining power, opex and the pool fee / the BTC earned before the
  pool fee (``mined_btc / (1 - pool_fee)``). The workbook holds no miner capex,
  depreciation or overhead, so "all-in" here stops at the costs the plan knows;
- ``fleet_efficiency_j_th``: running miner MW / fleet EH/s (MW per EH/s is J/TH).

Blank (NaN) where the month has no BTC price (a Market row giving only a hashprice) or no
miner runs.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.results.plan import Plan

__all__ = ["MINING_COLUMNS", "mining_metrics"]

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


def mining_metrics(plan: Plan, pool_fee: float) -> pd.DataFrame:
    """One row per month of ``plan.summary``: ``month`` and :data:`MINING_COLUMNS`."""
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
    return pd.DataFrame({
        "month": months,
        "mined_btc": mined,
        "hashprice_btc_ph_day": _ratio(s["hashprice_usd_ph_day"].to_numpy(float), price),
        "hashcost_usd_ph_day": _ratio(cost, phs_days),
        "cash_cost_usd_btc": _ratio(cost, mined),
        "all_in_cost_usd_btc": _ratio(cost + pool_fee_usd, gross),
        "fleet_efficiency_j_th": _ratio(s["mining_mw"].to_numpy(float),
                                        s["fleet_hashrate_ehs"].to_numpy(float)),
    })
