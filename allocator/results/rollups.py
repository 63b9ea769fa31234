"""Roll the priced decisions up into site months, allocation, summary and site value; no I/O.

Nothing here prices a decision again: every number is a sum, product or ratio of the arrays
in the :mod:`allocator.results.decisions` records, the solution's duals and the
coefficients. No solver calls and no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator import economics as econ
from allocator.optimization.backends import Solution
from allocator.optimization.coefficients import Coefficients
from allocator.results.decisions import (
    Conversions,
    Leases,
    Mining,
    clean_mw,
    repeated_text,
    tiled_text,
)
from allocator.results.ppa_blocks import block_value_usd

__all__ = ["SiteMonths", "allocation", "site_months", "site_value", "summary"]

Array = npt.NDArray[np.float64]

_BASIS = {"lp": "LP dual", "fixed_integer_lp": "fixed-integer LP dual",
          "none": "not available"}
_AT_CAPACITY_MW = 1e-6
"""A site with less idle grid power than this is at capacity that month."""


@dataclass(frozen=True)
class SiteMonths:
    """The ``site_months`` frame and the ``[S, T]`` grid and margin arrays behind it.

    Attributes:
        frame: The plan's ``site_months`` frame.
        mining_grid_mw: Grid MW drawn by running miners (at the mining PUE).
        hpc_grid_mw: Grid MW held by existing plus converted HPC space (at the HPC PUE).
        idle_mw: Grid MW left unused.
        margin_usd: Mining plus HPC margin less the capital charge, plus what a fixed PPA
            block adds (``ppa_block_usd``).
        discounted_margin_usd: ``margin_usd`` times the month's discount factor.
        ppa_block_usd: What fixed PPA blocks add, in ``margin_usd``; ``None`` without one.
    """

    frame: pd.DataFrame
    mining_grid_mw: Array
    hpc_grid_mw: Array
    idle_mw: Array
    margin_usd: Array
    discounted_margin_usd: Array
    ppa_block_usd: Array | None = None


def site_months(coef: Coefficients, sol: Solution, mine: Mining, lease: Leases,
                conv: Conversions) -> SiteMonths:
    """Balance every site's grid power by use and its margin, per month.

    Args:
        coef: The LP's coefficients.
        sol: The solved LP (for the site power duals).
        mine: Priced miners.
        lease: Priced leases.
        conv: Conversions.

    Returns:
        The :class:`SiteMonths` record.
    """
    s_count, t_count = len(coef.sites), len(coef.months)
    capacity = coef.site.capacity_mw[:, None]
    existing = coef.site.hpc_existing_mw[:, None]
    mining_grid = mine.mining_mw * coef.site.mining_pue[:, None]
    hpc_grid = coef.site.hpc_pue[:, None] * (existing + conv.converted_mw)
    idle = clean_mw(capacity - mining_grid - hpc_grid)
    margin = ((mine.revenue_usd - mine.power_cost_usd - mine.opex_usd)
              + (lease.revenue_usd - lease.power_cost_usd - lease.opex_usd)
              - conv.capital_charge_usd)
    block = block_value_usd(coef, sol)  # fixed PPA blocks: only then a column
    if block is not None:
        margin = margin + block
    discount = coef.discount
    discounted = margin * discount[None, :]
    grids = {
        "mining_mw": mine.mining_mw, "mining_grid_mw": mining_grid,
        "hashrate_phs": mine.hashrate_phs, "hpc_leased_mw": lease.leased_mw,
        "hpc_online_mw": conv.online_mw, "hpc_converted_mw": conv.converted_mw,
        "hpc_under_construction_mw": clean_mw(existing + conv.converted_mw - conv.online_mw),
        "hpc_grid_mw": hpc_grid, "idle_mw": idle, "conversion_started_mw": conv.started_mw,
        "power_price_usd_mwh": coef.power_price_usd_mwh,
        "mining_revenue_usd": mine.revenue_usd, "mining_power_cost_usd": mine.power_cost_usd,
        "mining_opex_usd": mine.opex_usd, "hpc_revenue_usd": lease.revenue_usd,
        "hpc_power_cost_usd": lease.power_cost_usd, "hpc_opex_usd": lease.opex_usd,
        "capital_charge_usd": conv.capital_charge_usd,
        **({} if block is None else {"ppa_block_usd": block}),
        "margin_usd": margin,
        "discount_factor": np.broadcast_to(discount[None, :], (s_count, t_count)),
        "discounted_margin_usd": discounted,
        "site_power_value_usd_mw_month": sol.site_power_dual_usd_mw_month,
    }
    frame = pd.DataFrame({
        "site": repeated_text(coef.site.name, t_count),
        "month": tiled_text(coef.months, s_count),
        "capacity_mw": np.repeat(coef.site.capacity_mw, t_count),
        **{name: np.asarray(v, dtype=float).reshape(-1) for name, v in grids.items()},
    })
    return SiteMonths(frame, mining_grid, hpc_grid, idle, margin, discounted, block)


def allocation(sm: SiteMonths) -> pd.DataFrame:
    """The ``allocation`` frame: grid MW by site, month and use (mining, hpc, idle).

    Args:
        sm: The site-month balance.

    Returns:
        Three rows per site and month, all mining rows first, then hpc, then idle.
    """
    n = len(sm.frame)
    return pd.DataFrame({
        "site": sm.frame["site"].array.take(np.tile(np.arange(n), 3)),
        "month": sm.frame["month"].array.take(np.tile(np.arange(n), 3)),
        "use": repeated_text(["mining", "hpc", "idle"], n),
        "grid_mw": np.concatenate(
            [sm.mining_grid_mw.reshape(-1), sm.hpc_grid_mw.reshape(-1), sm.idle_mw.reshape(-1)]
        ),
    })


def summary(coef: Coefficients, mine: Mining, lease: Leases, conv: Conversions,
            sm: SiteMonths) -> pd.DataFrame:
    """The ``summary`` frame: every site-month total added up per month.

    Args:
        coef: The LP's coefficients.
        mine: Priced miners.
        lease: Priced leases.
        conv: Conversions.
        sm: The site-month balance.

    Returns:
        One row per horizon month.
    """
    revenue = mine.revenue_usd.sum(0) + lease.revenue_usd.sum(0)
    margin = sm.margin_usd.sum(0)
    capex = (conv.started_mw * coef.site.conversion_capex_usd_mw[:, None]).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        margin_pct = np.where(revenue > 0, margin / revenue, np.nan)
    discounted = sm.discounted_margin_usd.sum(0)
    block = {} if sm.ppa_block_usd is None else {"ppa_block_usd": sm.ppa_block_usd.sum(0)}
    return pd.DataFrame({
        "month": list(coef.months),
        "days": coef.days.astype(int),
        "hashprice_usd_ph_day": coef.hashprice_usd_ph_day,
        "btc_price_usd": _or_nan(p.btc_price_usd for p in coef.market),
        "network_hashrate_ehs": _or_nan(p.network_hashrate_ehs for p in coef.market),
        "market_basis": [p.label for p in coef.market],
        "fleet_hashrate_ehs": mine.hashrate_phs.sum(0) / 1000.0,
        "mining_mw": mine.mining_mw.sum(0),
        "mining_grid_mw": sm.mining_grid_mw.sum(0),
        "hpc_leased_mw": lease.leased_mw.sum(0),
        "hpc_grid_mw": sm.hpc_grid_mw.sum(0),
        "idle_mw": sm.idle_mw.sum(0),
        "conversion_started_mw": conv.started_mw.sum(0),
        "mining_revenue_usd": mine.revenue_usd.sum(0),
        "hpc_revenue_usd": lease.revenue_usd.sum(0),
        "revenue_usd": revenue,
        "power_cost_usd": mine.power_cost_usd.sum(0) + lease.power_cost_usd.sum(0),
        "opex_usd": mine.opex_usd.sum(0) + lease.opex_usd.sum(0),
        "capital_charge_usd": conv.capital_charge_usd.sum(0),
        **block,
        "margin_usd": margin,
        "margin_pct": margin_pct,
        "capex_usd": capex,
        "discount_factor": coef.discount,
        "discounted_margin_usd": discounted,
        "cumulative_npv_usd": np.cumsum(discounted),
    })


def _or_nan(values: Iterable[float | None]) -> Array:
    """``values`` as floats, ``None`` (a month given only as a hashprice) as NaN."""
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def _marginal_tranche(coef: Coefficients, running_mw: Array, at_site: list[int]) -> int | None:
    """The least efficient of the site's tranches that runs, else its best idle one.

    That is the tranche a change in hashprice or power price turns on or off first.
    """
    if not at_site:
        return None
    running = [m for m in at_site if running_mw[m].max(initial=0.0) > 0]
    if running:
        return max(running, key=lambda m: float(coef.efficiency_j_th[m]))
    return min(at_site, key=lambda m: float(coef.efficiency_j_th[m]))


def _breakevens_usd_ph_day(coef: Coefficients, sites: npt.NDArray[np.intp],
                           efficiency_j_th: Array) -> Array:
    """Each of ``sites``'s breakeven hashprice for a miner of its ``efficiency_j_th``,
    averaged over months (row by row: each the mean of its own site's months)."""
    def column(values: Array) -> Any:  # one per site, against the months: its formulas
        return values[:, None]  # are element by element, typed for one site's floats

    per_month = econ.breakeven_hashprice_usd_ph_day(
        coef.power_price_usd_mwh[sites], column(coef.site.mining_pue[sites]),
        column(coef.site.mining_opex_usd_mw_month[sites]), column(efficiency_j_th),
        coef.days, coef.fleet.settings.pool_fee)
    return np.asarray(np.mean(per_month, axis=1), dtype=float)


def _shadow_values(dual: Array) -> tuple[Array, Array]:
    """Each site's mean and largest monthly site-power dual (NaN where it has none)."""
    mean, peak = np.full(len(dual), math.nan), np.full(len(dual), math.nan)
    known = np.isfinite(dual).any(axis=1)
    if known.any():
        mean[known] = np.nanmean(dual[known], axis=1)
        peak[known] = np.nanmax(dual[known], axis=1)
    return mean, peak


def site_value(coef: Coefficients, sol: Solution, mine: Mining, conv: Conversions,
               sm: SiteMonths) -> pd.DataFrame:
    """The ``site_value`` frame: each site's shadow value, marginal miner and NPV.

    Args:
        coef: The LP's coefficients.
        sol: The solved LP (duals and their kind).
        mine: Priced miners.
        conv: Conversions.
        sm: The site-month balance.

    Returns:
        One row per site, computed for all sites at once.
    """
    count = len(coef.sites)
    if not count:
        return pd.DataFrame([])
    at_site: list[list[int]] = [[] for _ in coef.sites]
    for m, s in enumerate(coef.tranche_site.tolist()):
        at_site[s].append(m)
    marginal = [_marginal_tranche(coef, mine.running_mw, at_site[s]) for s in range(count)]
    has = np.array([m is not None for m in marginal])
    efficiency = np.array([math.nan if m is None else float(coef.efficiency_j_th[m])
                           for m in marginal], dtype=float)
    breakeven = np.full(count, math.nan)
    if has.any():
        breakeven[has] = _breakevens_usd_ph_day(coef, np.flatnonzero(has), efficiency[has])
    mean, peak = _shadow_values(np.asarray(sol.site_power_dual_usd_mw_month, dtype=float))
    t_count = len(coef.months)
    return pd.DataFrame({
        "site": list(coef.site.name),
        "capacity_mw": np.asarray(coef.site.capacity_mw, dtype=float),
        "avg_shadow_value_usd_mw_month": mean,
        "max_shadow_value_usd_mw_month": peak,
        "shadow_value_basis": [_BASIS.get(sol.dual_kind, sol.dual_kind)] * count,
        "months_at_capacity": (sm.idle_mw <= _AT_CAPACITY_MW).sum(axis=1).astype(np.int64),
        "marginal_model": ["" if m is None else coef.tranches[m].model for m in marginal],
        "marginal_efficiency_j_th": efficiency,
        "breakeven_hashprice_usd_ph_day": breakeven,
        "avg_hashprice_usd_ph_day": np.full(count, float(coef.hashprice_usd_ph_day.mean())),
        "converted_mw": (np.asarray(conv.converted_mw[:, -1], dtype=float) if t_count
                         else np.zeros(count)),
        "npv_usd": np.asarray(sm.discounted_margin_usd, dtype=float).sum(axis=1),
    })
