"""Mining margin with curtailment, valued on a duration curve; pure numpy, no I/O.

One running MW of miners earns ``R = hashprice x 1000 / J_TH / 24 x (1 - pool_fee)`` per
hour and pays ``mining_pue x price`` for the grid energy of that hour. A site that curtails
stops its miners in the hours whose price is above the strike:

- ``optimal``: the tranche's own breakeven, ``R / mining_pue`` (each tranche its own strike);
- ``strike``: a fixed price the operator set (``curtailment_strike_usd_mwh``);
- ``none``: never curtails (the monthly-average margin).

``capture`` is the share of the curtailable hours actually curtailed (imperfect response):
the margin is the flat margin plus ``capture`` times the full premium. The flat (monthly
average) figures are the LP's coefficients of today; the functions here return what
curtailment takes off them, so with nothing curtailed the flexible figures are the flat ones
exactly.

An hourly ancillary price ``a`` (``ancillary_usd_mw_h``: what a grid operator pays per MW of
curtailable load running and offered in that hour) is earned by every running grid MW, so
the miners run iff ``R + pue x a >= pue x price``: a bin is curtailed when its price less its
ancillary price is above the strike, and :attr:`Curtailment.ancillary_usd` is the credit of
the hours run, added to the revenue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.domain import CURTAILMENT_POLICIES, CurtailmentPolicy
from allocator.economics import HOURS_PER_DAY

__all__ = [
    "CURTAILMENT_POLICIES",
    "Curtailment",
    "CurtailmentPolicy",
    "curtail",
    "mining_revenue_usd_mwh",
    "strike_usd_mwh",
]

Array = npt.NDArray[np.float64]

def mining_revenue_usd_mwh(hashprice_usd_ph_day: npt.ArrayLike, efficiency_j_th: npt.ArrayLike,
                           pool_fee: float) -> Array:
    """Revenue of one running miner MW for one hour: ``hp x 1000 / J_TH / 24 x (1 - fee)``.

    At $48/PH/day and 20 J/TH with no pool fee: $100 per MWh of miner energy.
    """
    hp = np.asarray(hashprice_usd_ph_day, dtype=float)
    eff = np.asarray(efficiency_j_th, dtype=float)
    return np.asarray(hp * 1000.0 / eff / HOURS_PER_DAY * (1.0 - pool_fee), dtype=float)


def strike_usd_mwh(revenue_usd_mwh: npt.ArrayLike, mining_pue: npt.ArrayLike,
                   policy: CurtailmentPolicy, fixed_strike_usd_mwh: float | None = None) -> Array:
    """The grid price above which the miners stop, per tranche and month.

    Args:
        revenue_usd_mwh: ``R`` per tranche and month.
        mining_pue: Grid MW per miner MW, broadcastable to ``R``.
        policy: ``optimal`` (``R / pue``), ``strike`` (``fixed_strike_usd_mwh``) or ``none``
            (infinite: never stops).
        fixed_strike_usd_mwh: The operator's strike, for ``policy="strike"``.

    Raises:
        ValueError: an unknown policy, or ``strike`` without a strike price.
    """
    revenue = np.asarray(revenue_usd_mwh, dtype=float)
    if policy == "optimal":
        return np.asarray(revenue / np.asarray(mining_pue, dtype=float), dtype=float)
    if policy == "strike":
        if fixed_strike_usd_mwh is None:
            raise ValueError("curtailment 'strike' needs curtailment_strike_usd_mwh")
        return np.full_like(revenue, float(fixed_strike_usd_mwh))
    if policy == "none":
        return np.full_like(revenue, np.inf)
    raise ValueError(f"unknown curtailment policy {policy!r}; use one of "
                     f"{', '.join(CURTAILMENT_POLICIES)}")


@dataclass(frozen=True)
class Curtailment:
    """What curtailment takes off one running miner MW in a month (arrays of one shape).

    Attributes:
        hours: The month's hours ``H``.
        curtailed_hours: Hours the MW is off, capture-weighted: ``capture x Σ h_b`` over the
            bins priced above the strike.
        avoided_energy_usd: ``capture x Σ h_b x price_b`` over those bins: the energy bill
            avoided per MW at PUE 1 (multiply by the mining PUE for the grid bill).
        ancillary_usd: The ancillary credit one running miner MW earns in the hours it runs
            (``mining_pue x Σ h_b x a_b``, the curtailed share of the curtailed bins left
            out); ``None`` without an ancillary price.
    """

    hours: Array
    curtailed_hours: Array
    avoided_energy_usd: Array
    ancillary_usd: Array | None = None

    @property
    def mined_share(self) -> Array:
        """Share of the month's hours the MW runs: exactly 1 when nothing is curtailed."""
        return np.asarray(1.0 - self.curtailed_hours / self.hours, dtype=float)

    @property
    def mined_hours(self) -> Array:
        """Hours the MW runs."""
        return np.asarray(self.hours - self.curtailed_hours, dtype=float)

    def revenue_usd(self, flat_revenue_usd: npt.ArrayLike) -> Array:
        """Mining revenue of the MW-month: the flat (all-hours) revenue times the mined share,
        plus any ancillary credit of the hours run."""
        mined = np.asarray(np.asarray(flat_revenue_usd, dtype=float) * self.mined_share,
                           dtype=float)
        if self.ancillary_usd is None:
            return mined
        return np.asarray(mined + self.ancillary_usd, dtype=float)

    def power_cost_usd(self, flat_power_cost_usd: npt.ArrayLike,
                       mining_pue: npt.ArrayLike) -> Array:
        """Grid bill of the MW-month: the flat (all-hours) bill less the avoided hours'."""
        return np.asarray(np.asarray(flat_power_cost_usd, dtype=float)
                          - np.asarray(mining_pue, dtype=float) * self.avoided_energy_usd,
                          dtype=float)

    def curtailed_mwh(self, mining_pue: npt.ArrayLike) -> Array:
        """Grid MWh not drawn per running miner MW: curtailed hours x PUE."""
        return np.asarray(self.curtailed_hours * np.asarray(mining_pue, dtype=float),
                          dtype=float)


def curtail(hours: npt.ArrayLike, price_usd_mwh: npt.ArrayLike, strike: npt.ArrayLike,
            capture: npt.ArrayLike = 1.0, ancillary_usd_mw_h: npt.ArrayLike | None = None,
            mining_pue: npt.ArrayLike = 1.0) -> Curtailment:
    """Curtail every bin priced above ``strike`` (a bin at the strike runs); with an
    ancillary price, every bin whose price less its ancillary price is above it.

    Args:
        hours: Hours per bin ``[..., B]`` (one duration curve per leading index).
        price_usd_mwh: Mean price per bin ``[..., B]``.
        strike: The strike per curve ``[...]`` (``inf``: never curtail).
        capture: Share of the curtailable hours actually curtailed, 0 to 1, per curve.
        ancillary_usd_mw_h: Mean ancillary price per bin ``[..., B]`` (per grid MW-hour), or
            ``None``: no credit, and the result is exactly that of the prices alone.
        mining_pue: Grid MW per miner MW per curve ``[...]``, for the credit.

    Returns:
        The :class:`Curtailment` per curve ``[...]``.
    """
    h = np.asarray(hours, dtype=float)
    p = np.asarray(price_usd_mwh, dtype=float)
    k = np.asarray(strike, dtype=float)[..., None]
    share = np.asarray(capture, dtype=float)
    a = None if ancillary_usd_mw_h is None else np.asarray(ancillary_usd_mw_h, dtype=float)
    off = p > k if a is None else p - a > k
    cut_hours = np.where(off, h, 0.0).sum(axis=-1)
    cut_cost = np.where(off, h * p, 0.0).sum(axis=-1)
    credit = None
    if a is not None:
        ran = (h * a).sum(axis=-1) - share * np.where(off, h * a, 0.0).sum(axis=-1)
        credit = np.asarray(np.asarray(mining_pue, dtype=float) * ran, dtype=float)
    return Curtailment(hours=np.asarray(h.sum(axis=-1), dtype=float),
                       curtailed_hours=np.asarray(share * cut_hours, dtype=float),
                       avoided_energy_usd=np.asarray(share * cut_cost, dtype=float),
                       ancillary_usd=credit)
