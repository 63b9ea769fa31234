"""What curtailing on hourly prices is worth in a solved plan; no solver calls, no I/O.

For each site-month valued on a price curve (:mod:`allocator.power`), the ``Flexibility``
frame compares the miners the plan runs with the same MW run at the month's full-hours
average price: the hours they mine, the grid MWh they leave undrawn, the flat-average margin,
the flexible margin and the difference, the **flexibility premium** ($ and $ per running
MW-month). The premium is what a MW converted to HPC (firm, every hour) gives up on top of
the flat mining margin. Where a site has a 4CP tariff, the frame also shows the charges its
running miners avoid by stopping at the summer peaks, and those its miners and its HPC
leases pay (:mod:`allocator.power.four_cp`). Where the hourly prices carry an ancillary
price, ``ancillary_revenue_usd`` is what the running miners earn from it in the hours they
run; the flexible margin (and so the premium) includes it, the flat one does not.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator import economics as econ
from allocator.optimization.coefficients import Coefficients
from allocator.power.four_cp import four_cp_usd_mw, mining_four_cp_paid_usd_mw_month
from allocator.power.valuation import mining_revenue_usd_mwh
from allocator.results.decisions import Mining

__all__ = ["FLEXIBILITY_COLUMNS", "FLEXIBILITY_SHEET", "flexibility", "premium_by_month",
           "with_site_premium"]

Array = npt.NDArray[np.float64]

FLEXIBILITY_SHEET = "Flexibility"
FLEXIBILITY_COLUMNS = ["site", "month", "mining_mw", "power_price_usd_mwh", "hours_mined",
                       "curtailed_mwh", "flat_margin_usd", "flexible_margin_usd",
                       "flexibility_premium_usd", "flexibility_premium_usd_mw_month",
                       "ancillary_revenue_usd", "four_cp_avoided_usd", "mining_four_cp_paid_usd",
                       "hpc_four_cp_paid_usd"]


def _by_site(coef: Coefficients, values: Array) -> Array:
    out = np.zeros((len(coef.sites), len(coef.months)))
    np.add.at(out, coef.tranche_site, values)
    return out


def _flat_margin_usd_mw_month(coef: Coefficients) -> Array:
    """Each tranche's margin per running MW-month at the month's full-hours average."""
    at = coef.tranche_site
    revenue = econ.mining_revenue_usd_mw_month(
        coef.hashprice_usd_ph_day[None, :], coef.efficiency_j_th[:, None], coef.days[None, :],
        coef.fleet.settings.pool_fee)
    cost = econ.mining_cost_usd_mw_month(
        coef.power_price_usd_mwh[at], coef.days[None, :], coef.site.mining_pue[at, None],
        coef.site.mining_opex_usd_mw_month[at, None])
    return np.asarray(revenue - cost, dtype=float).reshape(len(at), len(coef.months))


def _mining_four_cp(coef: Coefficients, run: Array) -> tuple[Array, Array]:
    """The 4CP charges the running miners avoid and pay ``[S, T]`` (USD): the full charge
    of their grid MW at each summer peak less what they pay, and what they pay."""
    at = coef.tranche_site
    full = np.array([[four_cp_usd_mw(coef.sites[s], m) for m in coef.months]
                     for s in at.tolist()], dtype=float).reshape(len(at), len(coef.months))
    full = full * coef.site.mining_pue[at, None]
    rate = mining_revenue_usd_mwh(coef.hashprice_usd_ph_day[None, :],
                                  coef.efficiency_j_th[:, None], coef.fleet.settings.pool_fee)
    paid = mining_four_cp_paid_usd_mw_month(coef.fleet, at.tolist(), list(coef.months), rate)
    return _by_site(coef, run * (full - paid)), _by_site(coef, run * paid)


def _hpc_four_cp(coef: Coefficients, leases: pd.DataFrame | None) -> Array:
    """The 4CP charge the plan's leases pay ``[S, T]`` (USD): their grid MW at each summer
    peak (``hpc_pue x hpc_load_factor`` per IT MW) unless the tenant pays the power."""
    out = np.zeros((len(coef.sites), len(coef.months)))
    if leases is None or not len(leases):
        return out
    through = {c.name: c.power_pass_through for c in coef.fleet.contracts}
    s_of = {name: i for i, name in enumerate(coef.site.name)}
    t_of = {m: j for j, m in enumerate(coef.months)}
    for contract, name, month, mw in zip(leases["contract"], leases["site"], leases["month"],
                                         leases["leased_mw"], strict=True):
        site = coef.sites[s_of[name]]
        if not through[contract]:
            out[s_of[name], t_of[month]] += (float(mw) * four_cp_usd_mw(site, month)
                                             * site.hpc_pue * site.hpc_load_factor)
    return out


def premium_by_month(coef: Coefficients, mine: Mining) -> Array | None:
    """The fleet's flexibility premium per month ``[T]`` (USD), or None without curves."""
    if coef.curves is None or coef.curtailment is None:
        return None
    gain = coef.mining_margin_usd_mw_month - _flat_margin_usd_mw_month(coef)
    return np.asarray((mine.running_mw * gain).sum(axis=0), dtype=float)


def flexibility(coef: Coefficients, mine: Mining, leases: pd.DataFrame | None = None
                ) -> pd.DataFrame | None:
    """The ``Flexibility`` frame: one row per site-month with a price curve; None without.
    ``leases`` is the plan's lease rows (their 4CP charge is ``hpc_four_cp_paid_usd``)."""
    if coef.curves is None or coef.curtailment is None:
        return None
    run = mine.running_mw
    cut = coef.curtailment
    at = coef.tranche_site
    mined = _by_site(coef, run * cut.mined_hours)
    curtailed = _by_site(coef, run * cut.curtailed_mwh(coef.site.mining_pue[at, None]))
    flat = _by_site(coef, run * _flat_margin_usd_mw_month(coef))
    flexible = _by_site(coef, run * coef.mining_margin_usd_mw_month)
    ancillary = (np.zeros_like(mined) if cut.ancillary_usd is None
                 else _by_site(coef, run * cut.ancillary_usd))
    avoided, paid = _mining_four_cp(coef, run)
    hpc_paid = _hpc_four_cp(coef, leases)
    mw = mine.mining_mw
    with np.errstate(divide="ignore", invalid="ignore"):
        hours = np.where(mw > 0, mined / mw, 0.0)
        per_mw = np.where(mw > 0, (flexible - flat) / mw, 0.0)
    s, t = np.nonzero(coef.curves.has_curve)
    frame = pd.DataFrame({
        "site": [coef.site.name[i] for i in s.tolist()],
        "month": [coef.months[j] for j in t.tolist()],
        "mining_mw": mw[s, t],
        "power_price_usd_mwh": coef.power_price_usd_mwh[s, t],
        "hours_mined": hours[s, t],
        "curtailed_mwh": curtailed[s, t],
        "flat_margin_usd": flat[s, t],
        "flexible_margin_usd": flexible[s, t],
        "flexibility_premium_usd": (flexible - flat)[s, t],
        "flexibility_premium_usd_mw_month": per_mw[s, t],
        "ancillary_revenue_usd": ancillary[s, t],
        "four_cp_avoided_usd": avoided[s, t],
        "mining_four_cp_paid_usd": paid[s, t],
        "hpc_four_cp_paid_usd": hpc_paid[s, t],
    })
    return frame[FLEXIBILITY_COLUMNS]


def with_site_premium(site_value: pd.DataFrame, flex: pd.DataFrame) -> pd.DataFrame:
    """``site_value`` with ``flexibility_premium_usd_mw_month`` per site: the premium of its
    hourly-priced months per running miner MW-month (blank for sites without hourly prices
    or without miners running): what converting one of its mining MW to HPC gives up on top
    of the flat mining margin."""
    grouped = flex.groupby("site", sort=False)[["flexibility_premium_usd", "mining_mw"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        per_mw = grouped["flexibility_premium_usd"] / grouped["mining_mw"].where(
            grouped["mining_mw"] > 0)
    out = site_value.copy()
    out["flexibility_premium_usd_mw_month"] = out["site"].map(per_mw).astype(float)
    return out
