"""ERCOT's four coincident peaks (4CP): a transmission charge on the load present at the
system's peak interval of each month June to September; pure numpy, no I/O.

A site's ``four_cp_usd_kw_year`` is the tariff: each kW drawn at one of the four peaks adds a
quarter of it to the next year's transmission bill. The plan charges that in the peak's own
month, per MW present at the peak: ``tariff x 1000 / 4`` USD.

- HPC is firm, so it is present: ``hpc_pue x hpc_load_factor`` grid MW per leased IT MW pay,
  unless the tenant pays the power (``power_pass_through``).
- Miners at a site valued on hourly prices with a curtailment policy stop in the peak
  interval, so they pay only the share they fail to curtail (``1 - curtailment_capture``);
  miners that do not curtail (``curtailment none``, or no hourly prices) pay in full, per
  grid MW (``mining_pue``). Without peak intervals the peak hour's lost mining is not
  charged: it is one interval of the month, and the dearest hours are curtailed anyway.
- Candidate peak intervals (``four_cp_peak`` rows of the hourly prices, kept on the month's
  :class:`~allocator.domain.PriceCurve`): the peak is one of them, so miners avoid the
  charge by stopping in all of them, and give up those intervals' margin,
  ``Σ h_i x (R - mining_pue x v_i)`` over the candidates they would otherwise run in
  (``v_i`` the interval's price, as resold under a PPA; at or below the strike). They stop
  only where that costs less than the charge: each running MW pays
  ``(1 - capture) x charge + capture x min(charge, lost margin)``. Miners that cannot stop
  (``curtailment none``, or the month not on hourly prices) pay the charge in full.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from allocator.domain import Fleet, PriceCurve, Site
from allocator.power.flexible import policy_strike, resale_factor

__all__ = ["FOUR_CP_MONTHS", "four_cp_usd_mw", "hpc_four_cp_usd_mw_month",
           "mining_four_cp_paid_usd_mw", "mining_four_cp_paid_usd_mw_month",
           "mining_four_cp_usd_mw", "mining_four_cp_usd_mw_month", "peak_lost_margin_usd_mw"]

Array = npt.NDArray[np.float64]

FOUR_CP_MONTHS = ("06", "07", "08", "09")
"""Calendar months whose system peak sets ERCOT's transmission charge."""


def four_cp_usd_mw(site: Site, month: str) -> float:
    """USD per grid MW present at the site's 4CP peak of ``month`` (0 outside Jun-Sep)."""
    if site.four_cp_usd_kw_year is None or month[5:7] not in FOUR_CP_MONTHS:
        return 0.0
    return site.four_cp_usd_kw_year * 1000.0 / len(FOUR_CP_MONTHS)


def hpc_four_cp_usd_mw_month(site: Site, months: list[str], power_pass_through: bool
                             ) -> Array:
    """The 4CP charge of one leased IT MW in each of ``months``."""
    if power_pass_through:
        return np.zeros(len(months))
    per_mw = np.array([four_cp_usd_mw(site, m) for m in months], dtype=float)
    return np.asarray(per_mw * site.hpc_pue * site.hpc_load_factor, dtype=float)


def peak_lost_margin_usd_mw(site: Site, curve: PriceCurve, revenue_usd_mwh: float) -> float:
    """Margin one running miner MW gives up by stopping in each candidate peak interval of
    ``curve`` it would otherwise run in: ``Σ h_i x (R - mining_pue x v_i)``, ``v_i`` the
    interval's value to the site (its price, or the resale price under a PPA), over the
    intervals whose value is at or below the tranche's strike."""
    hours = np.asarray(curve.peak_hours, dtype=float)
    value = np.asarray(curve.peak_price_usd_mwh, dtype=float) * resale_factor(site)
    strike = float(policy_strike(site, np.array([revenue_usd_mwh]), site.mining_pue)[0])
    runs = value <= strike
    return float(np.where(runs, hours * (revenue_usd_mwh - site.mining_pue * value), 0.0).sum())


def mining_four_cp_usd_mw(site: Site, month: str, curve: PriceCurve | None,
                          revenue_usd_mwh: float) -> float:
    """The 4CP cost of one running miner MW of ``site`` in ``month``: the charge, or what
    avoiding it costs (module docstring); ``curve`` is the month's hourly prices, if any, and
    ``revenue_usd_mwh`` the tranche's ``R`` that month."""
    charge, capture, lost = _peak_response(site, month, curve, revenue_usd_mwh)
    return charge * (1.0 - capture) + (0.0 if lost is None else capture * min(charge, lost))


def mining_four_cp_paid_usd_mw(site: Site, month: str, curve: PriceCurve | None,
                               revenue_usd_mwh: float) -> float:
    """The 4CP charge one running miner MW of ``site`` actually pays in ``month``: the share
    it fails to curtail, and all of it where stopping in the candidates would cost more than
    the charge (the rest of :func:`mining_four_cp_usd_mw` is margin given up, not a charge)."""
    charge, capture, lost = _peak_response(site, month, curve, revenue_usd_mwh)
    stays = lost is not None and lost >= charge
    return charge * (1.0 - capture) + (capture * charge if stays else 0.0)


def _peak_response(site: Site, month: str, curve: PriceCurve | None,
                   revenue_usd_mwh: float) -> tuple[float, float, float | None]:
    """One running miner MW's 4CP charge in ``month``, the share of it its curtailment
    captures (0 where it cannot stop: no charge, no hourly curve, or ``curtailment none``),
    and the margin stopping in the candidate peaks would cost (``None`` without flagged
    candidates: the captured share is then avoided at no margin lost)."""
    charge = four_cp_usd_mw(site, month) * site.mining_pue
    if charge == 0.0 or curve is None or site.curtailment == "none":
        return charge, 0.0, None
    lost = (peak_lost_margin_usd_mw(site, curve, revenue_usd_mwh) if curve.peak_hours
            else None)
    return charge, site.curtailment_capture, lost


def mining_four_cp_paid_usd_mw_month(fleet: Fleet, sites: list[int], months: list[str],
                                     revenue_usd_mwh: Array) -> Array:
    """:func:`mining_four_cp_paid_usd_mw` of one running miner MW
    ``[len(sites), len(months)]``; ``revenue_usd_mwh`` is each row's ``R`` per month."""
    return _per_row(fleet, sites, months, revenue_usd_mwh, mining_four_cp_paid_usd_mw)


def mining_four_cp_usd_mw_month(fleet: Fleet, sites: list[int], months: list[str],
                                revenue_usd_mwh: Array) -> Array:
    """The 4CP cost of one running miner MW ``[len(sites), len(months)]``
    (:func:`mining_four_cp_usd_mw`); ``revenue_usd_mwh`` is each row's ``R`` per month."""
    return _per_row(fleet, sites, months, revenue_usd_mwh, mining_four_cp_usd_mw)


def _per_row(fleet: Fleet, sites: list[int], months: list[str], revenue_usd_mwh: Array,
             per_mw: Callable[[Site, str, PriceCurve | None, float], float]) -> Array:
    """``per_mw`` of each row's site and each month, 0 where the site has no tariff."""
    curves = {(c.site, c.month): c for c in fleet.price_curves}
    out = np.zeros((len(sites), len(months)))
    for i, s in enumerate(sites):
        site = fleet.sites[s]
        if site.four_cp_usd_kw_year is None:
            continue
        for t, month in enumerate(months):
            out[i, t] = per_mw(site, month, curves.get((site.name, month)),
                               float(revenue_usd_mwh[i, t]))
    return out
