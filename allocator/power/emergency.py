"""Emergency curtailment of large loads (Texas SB 6 and the like); pure numpy, no I/O.

In an emergency interval (``emergency_curtailment`` rows of the hourly prices, kept on the
month's :class:`~allocator.domain.PriceCurve`) the grid operator may order large loads off:
neither the miners nor HPC without its own backup may draw.

- Miners stop whatever their curtailment policy. Each running MW gives up the margin of the
  emergency intervals it would otherwise mine in, ``h x (R - mining_pue x v)`` (``v`` the
  interval's price, as resold under a PPA): in full where the interval is at or below its
  strike, ``1 - capture`` of it where the site curtails that interval anyway. Revenue falls
  by ``R x h``, the grid bill by ``mining_pue x v x h``.
- HPC: the rent is due as in any other hour (the tenant rides through on backup power or
  takes the outage under its SLA; neither is modelled), but its power is not drawn from the
  grid, so a gross lease's bill falls by ``hpc_pue x hpc_load_factor x h x price`` (the PPA
  price under a PPA) per leased IT MW. A tenant that pays its own power saves it, not the site.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.domain import Fleet, PriceCurve, Site
from allocator.power.flexible import policy_strike, resale_factor

__all__ = ["hpc_emergency_saving_usd_mw", "mining_emergency_cut",
           "mining_emergency_cut_month"]

Array = npt.NDArray[np.float64]


def mining_emergency_cut(site: Site, curve: PriceCurve | None, revenue_usd_mwh: float
                         ) -> tuple[float, float]:
    """``(hours, value)`` one running miner MW loses to the month's emergency intervals: the
    hours it is ordered off beyond its own curtailment, and ``Σ h x v`` of those hours (the
    grid energy not bought, or resold, per MW at PUE 1). ``(0, 0)`` without any."""
    if curve is None or not curve.emergency_hours:
        return 0.0, 0.0
    hours = np.asarray(curve.emergency_hours, dtype=float)
    value = np.asarray(curve.emergency_price_usd_mwh, dtype=float) * resale_factor(site)
    strike = float(policy_strike(site, np.array([revenue_usd_mwh]), site.mining_pue)[0])
    if site.curtailment == "none":
        strike = float("inf")
    ran = np.where(value <= strike, 1.0, 1.0 - site.curtailment_capture) * hours
    return float(ran.sum()), float((ran * value).sum())


def mining_emergency_cut_month(fleet: Fleet, sites: list[int], months: list[str],
                               revenue_usd_mwh: Array) -> tuple[Array, Array]:
    """:func:`mining_emergency_cut` per row ``[len(sites), len(months)]``."""
    curves = {(c.site, c.month): c for c in fleet.price_curves if c.emergency_hours}
    hours = np.zeros((len(sites), len(months)))
    value = np.zeros((len(sites), len(months)))
    for i, s in enumerate(sites):
        site = fleet.sites[s]
        for t, month in enumerate(months):
            curve = curves.get((site.name, month))
            if curve is not None:
                hours[i, t], value[i, t] = mining_emergency_cut(site, curve,
                                                                float(revenue_usd_mwh[i, t]))
    return hours, value


def hpc_emergency_saving_usd_mw(fleet: Fleet, site: Site, month: str,
                                power_pass_through: bool) -> float:
    """The grid bill one leased IT MW does not pay in ``month``'s emergency intervals."""
    if power_pass_through:
        return 0.0
    curve = next((c for c in fleet.price_curves
                  if c.site == site.name and c.month == month and c.emergency_hours), None)
    if curve is None:
        return 0.0
    hours = np.asarray(curve.emergency_hours, dtype=float)
    prices = (np.full(hours.size, site.ppa_price_usd_mwh) if site.ppa_price_usd_mwh is not None
              else np.asarray(curve.emergency_price_usd_mwh, dtype=float))
    return float(site.hpc_pue * site.hpc_load_factor * (hours * prices).sum())
