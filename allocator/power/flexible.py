"""The fleet's price curves turned into the LP's flexible mining coefficients; pure numpy.

For every site-month with a :class:`~allocator.domain.PriceCurve`:

- the month's power price (what HPC and the flat mining figures use) is the curve's
  full-hours average;
- each tranche's running MW is curtailed above its strike (the site's ``curtailment``
  policy and ``curtailment_capture``, :mod:`allocator.power.valuation`), which takes revenue
  and grid bill off its flat figures.

A site with a fixed-price PPA (``ppa_price_usd_mwh``) pays that price in every hour instead
(HPC too); with ``ppa_resale`` its miners stop whenever reselling the hour's power at the
hourly price less ``ppa_resale_discount`` pays more than mining it, and the resale income
comes off the bill: the same valuation on the curve's prices times ``1 - discount``. Without
resale a PPA leaves nothing to curtail. Site-months without a curve keep today's numbers bit
for bit. The curves are re-valued at
each hashprice, so a scenario, sweep or sample that moves the hashprice moves the strikes and
the curtailed hours with it; no file is read again.

A curve with an hourly ancillary price adds its credit to the revenue of the hours run, at
sites that curtail (not ``none``), and moves the run-or-stop choice to the hour's value less
that credit (:func:`earned_ancillary`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.domain import Fleet, PriceCurve, Site
from allocator.power.valuation import Curtailment, curtail, mining_revenue_usd_mwh

__all__ = ["CurveArrays", "curve_arrays", "curve_mean_usd_mwh", "earned_ancillary",
           "firm_price_usd_mwh", "policy_strike", "resale_factor", "row_curtailment",
           "tranche_curtailment"]

Array = npt.NDArray[np.float64]


def curve_mean_usd_mwh(curve: PriceCurve) -> float:
    """The curve's full-hours average price (exactly the price when it is flat)."""
    prices = np.asarray(curve.price_usd_mwh, dtype=float)
    if np.all(prices == prices[0]):
        return float(prices[0])
    hours = np.asarray(curve.hours, dtype=float)
    return float((hours * prices).sum() / hours.sum())


def firm_price_usd_mwh(site: Site, curve: PriceCurve) -> float:
    """What firm load (HPC, and mining's flat figures) pays per MWh in the curve's month: the
    PPA price, or the curve's full-hours average."""
    if site.ppa_price_usd_mwh is not None:
        return float(site.ppa_price_usd_mwh)
    return curve_mean_usd_mwh(curve)


def resale_factor(site: Site) -> float:
    """What an hour's price is worth to the site when its miners stop: all of it on index
    power, ``1 - discount`` when a PPA's power is resold, nothing under a PPA without resale."""
    if site.ppa_price_usd_mwh is None:
        return 1.0
    return 1.0 - site.ppa_resale_discount if site.ppa_resale else 0.0


@dataclass(frozen=True)
class CurveArrays:
    """The fleet's curves on the plan's sites ``[S]`` and months ``[T]``, padded to ``B``.

    Attributes:
        has_curve: Site-months valued on a curve ``[S, T]``.
        mean_usd_mwh: What firm load pays there: the full-hours average, or the site's PPA
            price (``nan`` without a curve) ``[S, T]``.
        hours: Hours per bin ``[S, T, B]`` (0 in padding and without a curve).
        price_usd_mwh: Mean price per bin ``[S, T, B]``.
        ancillary_usd_mw_h: Mean ancillary price per bin ``[S, T, B]``, or ``None`` when no
            curve has one.
    """

    has_curve: npt.NDArray[np.bool_]
    mean_usd_mwh: Array
    hours: Array
    price_usd_mwh: Array
    ancillary_usd_mw_h: Array | None = None

    def with_means(self, power_usd_mwh: Array) -> Array:
        """``power_usd_mwh`` ``[S, T]`` with each curve's month at the curve's average."""
        return np.asarray(np.where(self.has_curve, self.mean_usd_mwh, power_usd_mwh),
                          dtype=float)


def curve_arrays(fleet: Fleet, months: list[str]) -> CurveArrays:
    """The fleet's curves laid out on its sites and the months ``months``."""
    s_of = {s.name: i for i, s in enumerate(fleet.sites)}
    t_of = {m: i for i, m in enumerate(months)}
    used = [c for c in fleet.price_curves if c.month in t_of]
    bins = max((len(c.hours) for c in used), default=1)
    shape = (len(fleet.sites), len(months))
    has = np.zeros(shape, dtype=bool)
    mean = np.full(shape, np.nan)
    hours = np.zeros((*shape, bins))
    price = np.zeros((*shape, bins))
    ancillary = np.zeros((*shape, bins)) if any(c.ancillary_usd_mw_h for c in used) else None
    for c in used:
        s, t = s_of[c.site], t_of[c.month]
        has[s, t] = True
        mean[s, t] = firm_price_usd_mwh(fleet.sites[s], c)
        hours[s, t, :len(c.hours)] = c.hours
        price[s, t, :len(c.hours)] = c.price_usd_mwh
        if ancillary is not None and c.ancillary_usd_mw_h:
            ancillary[s, t, :len(c.hours)] = c.ancillary_usd_mw_h
    return CurveArrays(has, mean, hours, price, ancillary)


def earned_ancillary(site: Site, curve: PriceCurve) -> Array:
    """The ancillary price per bin the site's running miners earn: the curve's, or zeros
    where the site does not curtail (``none``) or the curve has none."""
    if site.curtailment == "none" or not curve.ancillary_usd_mw_h:
        return np.zeros(len(curve.hours))
    return np.asarray(curve.ancillary_usd_mw_h, dtype=float)


def policy_strike(site: Site, revenue_usd_mwh: Array, pue: float) -> Array:
    """The strike on the hour's value to the site (its price x :func:`resale_factor`)."""
    factor = resale_factor(site)
    if factor == 0.0 or site.curtailment == "none":
        return np.full_like(revenue_usd_mwh, np.inf)
    if site.curtailment == "strike" and site.curtailment_strike_usd_mwh is not None:
        return np.full_like(revenue_usd_mwh, site.curtailment_strike_usd_mwh * factor)
    return np.asarray(revenue_usd_mwh / pue, dtype=float)


def tranche_curtailment(fleet: Fleet, curves: CurveArrays, tranche_site: npt.NDArray[np.int64],
                        efficiency_j_th: Array, hashprice_usd_ph_day: Array) -> Curtailment:
    """What curtailment takes off each running tranche MW and month ``[M, T]``.

    Without a curve the month curtails nothing (0 hours, $0), so its flat figures stand.
    """
    m_count, t_count = len(tranche_site), hashprice_usd_ph_day.size
    revenue = mining_revenue_usd_mwh(hashprice_usd_ph_day[None, :], efficiency_j_th[:, None],
                                     fleet.settings.pool_fee).reshape(m_count, t_count)
    strike = np.empty((m_count, t_count))
    capture = np.empty(m_count)
    factor = np.empty(m_count)
    for m, s in enumerate(tranche_site.tolist()):
        site = fleet.sites[s]
        strike[m] = policy_strike(site, revenue[m], site.mining_pue)
        capture[m] = site.curtailment_capture
        factor[m] = resale_factor(site)
    strike = np.where(curves.has_curve[tranche_site], strike, np.inf)
    value = curves.price_usd_mwh[tranche_site] * factor[:, None, None]
    ancillary, pue = None, np.array([fleet.sites[s].mining_pue for s in tranche_site.tolist()])
    if curves.ancillary_usd_mw_h is not None:  # earned where the site curtails
        earns = np.array([fleet.sites[s].curtailment != "none" for s in tranche_site.tolist()])
        ancillary = curves.ancillary_usd_mw_h[tranche_site] * earns[:, None, None]
    cut = curtail(curves.hours[tranche_site], value, strike, capture[:, None], ancillary,
                  pue[:, None])
    hours = np.where(curves.has_curve[tranche_site], cut.hours, 1.0)  # no 0 / 0 without one
    return Curtailment(hours=np.asarray(hours, dtype=float),
                       curtailed_hours=cut.curtailed_hours,
                       avoided_energy_usd=cut.avoided_energy_usd,
                       ancillary_usd=cut.ancillary_usd)


def row_curtailment(fleet: Fleet, sites: list[str], months: list[str],
                    hashprice_usd_ph_day: Array, efficiency_j_th: Array) -> Curtailment:
    """The curtailment of plan rows (one running tranche in one month each), looked up row
    by row from the fleet's curves: the independent route the plan's re-pricing takes."""
    by_key = {(c.site, c.month): c for c in fleet.price_curves}
    found = [by_key.get((s, m)) for s, m in zip(sites, months, strict=True)]
    bins = max((len(c.hours) for c in found if c is not None), default=1)
    hours = np.zeros((len(sites), bins))
    price = np.zeros((len(sites), bins))
    ancillary = (np.zeros((len(sites), bins))
                 if any(c is not None and c.ancillary_usd_mw_h for c in found) else None)
    pue = np.ones(len(sites))
    strike = np.full(len(sites), np.inf)
    capture = np.ones(len(sites))
    revenue = mining_revenue_usd_mwh(hashprice_usd_ph_day, efficiency_j_th,
                                     fleet.settings.pool_fee)
    for i, curve in enumerate(found):
        if curve is None:
            hours[i, 0] = 1.0  # a dummy hour at price 0, never curtailed
            continue
        site = fleet.site(sites[i])
        hours[i, :len(curve.hours)] = curve.hours
        price[i, :len(curve.hours)] = np.asarray(curve.price_usd_mwh) * resale_factor(site)
        strike[i] = float(policy_strike(site, revenue[i:i + 1], site.mining_pue)[0])
        capture[i] = site.curtailment_capture
        pue[i] = site.mining_pue
        if ancillary is not None:
            ancillary[i, :len(curve.hours)] = earned_ancillary(site, curve)
    return curtail(hours, price, strike, capture, ancillary, pue)
