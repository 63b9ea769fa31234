"""A fixed-price PPA for part of a site's load (``ppa_mw``): a take-or-pay block; pure numpy.

A site with ``ppa_price_usd_mwh`` and ``ppa_mw`` B holds a block of B grid MW in every hour of
each month priced from hourly prices, at the PPA price ``p``, whether it draws the power or
not. Power of the block it does not draw is resold at the hourly price less
``ppa_resale_discount`` (``f = 1 - discount``; ``f = 0`` without ``ppa_resale``: it is lost).
Load beyond the block buys at the hourly price.

The plan assigns each month's block to the site's load: a miner MW or a leased grid MW on the
block is valued on the PPA's terms (exactly as a site whose PPA covers all its load values
every MW), the rest of the load on the index, and block MW assigned to nothing are paid for
and resold in every hour. Per MW-month (``h`` the month's hours, ``mean`` its full-hours
average price, ``e`` its emergency intervals):

- block MW left unassigned: ``(f x mean - p) x h``;
- a leased grid MW on the block (a gross lease) instead of the index:
  ``mean x h - Σ_e h x price - (p x h - f x Σ_e h x price)``: it pays the PPA price in every
  hour and its undrawn emergency hours are resold, where on the index it buys every hour it
  draws;
- a miner MW on the block: its PPA-terms margin less its index margin (computed by the
  coefficients, which value both).

The assignment is monthly: in an hour when the miners on the block stop, its power is resold
rather than handed to miners off the block. With one kind of load at the site (one miner
model, or HPC and one model) this loses nothing; with several models it can undervalue the
block slightly, never overvalue it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.domain import Fleet, PriceCurve, Site
from allocator.power.flexible import resale_factor

__all__ = ["PpaBlocks", "block_terms_usd_mw_month", "index_fleet", "ppa_block_arrays"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PpaBlocks:
    """The blocks of the plan's sites ``[S]`` and months ``[T]``.

    Attributes:
        block_mw: ``ppa_mw`` per site, 0 without a block ``[S]``.
        at: Site-months where a block applies (a block site, priced from hourly prices) ``[S, T]``.
        unused_usd_mw_month: Value of a block MW assigned to no load ``[S, T]``.
        hpc_gain_usd_mw_month: Value of a leased grid MW on the block over the index ``[S, T]``.
        mine_gain_usd_mw_month: Value of a running miner MW on the block over the index
            ``[M, T]`` (0 where no block applies).
    """

    block_mw: Array
    at: npt.NDArray[np.bool_]
    unused_usd_mw_month: Array
    hpc_gain_usd_mw_month: Array
    mine_gain_usd_mw_month: Array


def index_fleet(fleet: Fleet) -> Fleet:
    """``fleet`` with every block site's PPA taken away: its load valued on the index."""
    sites = tuple(s.model_copy(update={"ppa_price_usd_mwh": None, "ppa_resale": False,
                                       "ppa_resale_discount": 0.0, "ppa_mw": None})
                  if s.ppa_block else s for s in fleet.sites)
    return fleet.model_copy(update={"sites": sites})


def _emergency_usd_mwh_h(fleet: Fleet, months: list[str]) -> Array:
    """``Σ h x price`` over each site-month's emergency intervals ``[S, T]``."""
    s_of = {s.name: i for i, s in enumerate(fleet.sites)}
    t_of = {m: i for i, m in enumerate(months)}
    out = np.zeros((len(fleet.sites), len(months)))
    for c in fleet.price_curves:
        if c.emergency_hours and c.month in t_of:
            out[s_of[c.site], t_of[c.month]] = float(
                np.dot(c.emergency_hours, c.emergency_price_usd_mwh))
    return out


def ppa_block_arrays(fleet: Fleet, months: list[str], has_curve: npt.NDArray[np.bool_],
                     index_mean_usd_mwh: Array, curve_hours: Array,
                     mine_gain_usd_mw_month: Array) -> PpaBlocks:
    """The blocks of ``fleet`` on ``months``.

    Args:
        fleet: The fleet as given (its block sites with their PPA).
        months: The horizon.
        has_curve: Site-months priced from hourly prices ``[S, T]``.
        index_mean_usd_mwh: Their full-hours average price ``[S, T]``.
        curve_hours: Their hours ``[S, T]``.
        mine_gain_usd_mw_month: PPA-terms less index margin per running miner MW ``[M, T]``.
    """
    block = np.array([s.ppa_mw if s.ppa_block and s.ppa_mw is not None else 0.0
                      for s in fleet.sites], dtype=float)
    is_block = np.array([s.ppa_block for s in fleet.sites], dtype=bool)
    at = has_curve & is_block[:, None]
    price = np.array([s.ppa_price_usd_mwh if s.ppa_block else 0.0 for s in fleet.sites],
                     dtype=float)[:, None]
    factor = np.array([resale_factor(s) for s in fleet.sites], dtype=float)[:, None]
    mean = np.where(at, index_mean_usd_mwh, 0.0)
    hours = np.where(at, curve_hours, 0.0)
    emergency = np.where(at, _emergency_usd_mwh_h(fleet, months), 0.0)
    unused = (factor * mean - price) * hours
    hpc_gain = mean * hours - emergency - (price * hours - factor * emergency)
    return PpaBlocks(block_mw=block, at=at, unused_usd_mw_month=np.asarray(unused, dtype=float),
                     hpc_gain_usd_mw_month=np.asarray(hpc_gain, dtype=float),
                     mine_gain_usd_mw_month=mine_gain_usd_mw_month)


def block_terms_usd_mw_month(site: Site, curve: PriceCurve) -> tuple[float, float]:
    """``(unused, hpc_gain)`` per MW-month of one block site-month, from its curve alone: a
    block MW assigned to nothing, and a leased grid MW on the block over the index."""
    factor = resale_factor(site)
    price = float(site.ppa_price_usd_mwh or 0.0)
    hours = np.asarray(curve.hours, dtype=float)
    energy = float(np.dot(hours, curve.price_usd_mwh))  # Σ h x price, every hour
    emergency = float(np.dot(curve.emergency_hours, curve.emergency_price_usd_mwh))
    total = float(hours.sum())
    return (factor * energy - price * total,
            energy - emergency - (price * total - factor * emergency))
