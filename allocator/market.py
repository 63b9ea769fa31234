"""The market outlook for every month of the plan, from the Market rows; no solver, no I/O.

Market rows may be any increasing set of months (a price deck: quarterly, half-yearly). Each
horizon month is one of:

- ``given``: a Market row's own month;
- ``hold_and_grow`` or ``interpolate``: between two given rows, filled by the Settings key
  ``market_gap_fill`` (docs/model.md). ``hold_and_grow`` (the default) projects from the row
  before with the growth rates, as months after the last row are; ``interpolate`` steps
  log-linearly in BTC price and network hashrate from the row before to the row after, fees
  linearly;
- ``projected``: after the last row, grown from it at ``btc_price_growth_pa`` and
  ``network_hashrate_growth_pa``.

A row may give the network as ``network_hashrate_ehs`` or as ``difficulty`` (converted by
:func:`~allocator.economics.network_hashrate_ehs_from_difficulty`). Every month takes the
subsidy of its own days (:func:`~allocator.economics.block_subsidy_btc`).

With ``network_model marginal_cost`` the network reacts (:func:`network_reaction`): in a
filled or projected month the projected hashrate runs only while its marginal band of
machines covers its power cost; the least efficient bands switch off until the hashprice of
what still runs covers the last band running. Given rows are facts and stay as given.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from allocator import economics as econ
from allocator.domain import Fleet, MarketGapFill, MarketMonth, NetworkBand
from allocator.periods import describe_months, month_from_index, month_index, month_range

__all__ = [
    "MarketBasis",
    "MarketPoint",
    "NetworkFleetModel",
    "NetworkReaction",
    "band_cash_cost_usd_ph_day",
    "describe_network_model",
    "fleet_network_model",
    "network_hashrate_ehs_of",
    "network_reaction",
    "project_fleet_market",
    "project_market",
    "react_point",
]

MarketBasis = Literal["given", "hold_and_grow", "interpolate", "projected"]
"""Where a month's market comes from (the Summary's ``market_basis``)."""


@dataclass(frozen=True)
class MarketPoint:
    """The market in one month of the horizon, given, filled or projected.

    ``btc_price_usd`` and ``network_hashrate_ehs`` are ``None`` when the month only has a
    hashprice (given, or filled or projected from one). ``network_hashrate_ehs`` is the
    hashrate a given ``difficulty`` implies when the row gives that.
    """

    month: str
    btc_price_usd: float | None
    network_hashrate_ehs: float | None
    fees_btc_per_block: float
    subsidy_btc: float
    hashprice_usd_ph_day: float
    projected: bool
    basis: MarketBasis = "given"
    network_running_share: float = 1.0
    """The share of the projected network hashrate that runs (below 1 only where
    ``network_model marginal_cost`` switched bands off); ``network_hashrate_ehs`` and
    ``hashprice_usd_ph_day`` are already those of the running share."""

    @property
    def label(self) -> str:
        """The Summary's ``market_basis``: the basis, and ``network_model`` where the network
        model held the hashrate below the projection (``network_model (projected)``)."""
        return self.basis if self.network_running_share >= 1.0 else (
            f"network_model ({self.basis})")


def network_hashrate_ehs_of(row: MarketMonth) -> float | None:
    """``row``'s network hashrate: as given, or implied by its difficulty; ``None`` for a row
    with neither (a hashprice only)."""
    if row.network_hashrate_ehs is not None:
        return row.network_hashrate_ehs
    if row.difficulty is not None:
        return float(econ.network_hashrate_ehs_from_difficulty(row.difficulty))
    return None


@dataclass(frozen=True)
class _Anchor:
    """A given Market row as the months around it are filled from it."""

    index: int
    point: MarketPoint
    override: bool  # the row gives its own hashprice

    @property
    def per_reward(self) -> float:
        """Hashprice per BTC of block reward: what the price and hashrate alone set."""
        p = self.point
        return p.hashprice_usd_ph_day / (p.subsidy_btc + p.fees_btc_per_block)


@dataclass(frozen=True)
class _Growth:
    btc_price_pa: float
    network_hashrate_pa: float


def _given(row: MarketMonth, halving: str) -> _Anchor:
    subsidy = econ.block_subsidy_btc(row.month, halving)
    hashrate = network_hashrate_ehs_of(row)
    if row.hashprice_usd_ph_day is not None:
        hp = row.hashprice_usd_ph_day
    else:  # the MarketMonth validator guarantees price and network here
        hp = econ.hashprice_usd_ph_day(float(row.btc_price_usd or 0.0), float(hashrate or 1.0),
                                       subsidy, row.fees_btc_per_block)
    point = MarketPoint(row.month, row.btc_price_usd, hashrate, row.fees_btc_per_block,
                        subsidy, hp, projected=False)
    return _Anchor(month_index(row.month), point, row.hashprice_usd_ph_day is not None)


def _grown(month: str, start: _Anchor, subsidy: float, growth: _Growth,
           basis: MarketBasis) -> MarketPoint:
    """``month`` grown from ``start`` at the yearly rates (compounded monthly), fees flat.

    A hashprice the row gives moves by the same growth ratio and the subsidy change.
    """
    k = month_index(month) - start.index
    btc = (1.0 + growth.btc_price_pa) ** (k / 12.0)
    network = (1.0 + growth.network_hashrate_pa) ** (k / 12.0)
    p = start.point
    fees = p.fees_btc_per_block
    price = None if p.btc_price_usd is None else p.btc_price_usd * btc
    hashrate = None if p.network_hashrate_ehs is None else p.network_hashrate_ehs * network
    if price is not None and hashrate is not None and not start.override:
        hp = econ.hashprice_usd_ph_day(price, hashrate, subsidy, fees)
    else:
        hp = p.hashprice_usd_ph_day * btc / network * (
            (subsidy + fees) / (p.subsidy_btc + fees))
    return MarketPoint(month, price, hashrate, fees, subsidy, hp, projected=True, basis=basis)


def _log_linear(a: float, b: float, w: float) -> float:
    """``a`` to ``b`` by share ``w`` on a log scale (linear when either is 0)."""
    if a > 0 and b > 0:
        return math.exp(math.log(a) + w * (math.log(b) - math.log(a)))
    return a + w * (b - a)


def _interpolated(month: str, before: _Anchor, after: _Anchor, subsidy: float) -> MarketPoint:
    """``month`` between two given rows: BTC price and hashrate log-linear, fees linear.

    Where a row gives only a hashprice, or overrides the one it implies, the hashprice per
    BTC of reward (``hashprice / (subsidy + fees)``) steps log-linearly instead, so a halving
    between the rows still halves the subsidy part.
    """
    w = (month_index(month) - before.index) / (after.index - before.index)
    a, b = before.point, after.point
    fees = a.fees_btc_per_block + w * (b.fees_btc_per_block - a.fees_btc_per_block)
    price = (None if a.btc_price_usd is None or b.btc_price_usd is None
             else _log_linear(a.btc_price_usd, b.btc_price_usd, w))
    hashrate = (None if a.network_hashrate_ehs is None or b.network_hashrate_ehs is None
                else _log_linear(a.network_hashrate_ehs, b.network_hashrate_ehs, w))
    if price is not None and hashrate is not None and not (before.override or after.override):
        hp = econ.hashprice_usd_ph_day(price, hashrate, subsidy, fees)
    else:
        hp = (subsidy + fees) * _log_linear(before.per_reward, after.per_reward, w)
    return MarketPoint(month, price, hashrate, fees, subsidy, hp, projected=True,
                       basis="interpolate")


@dataclass(frozen=True)
class NetworkFleetModel:
    """The world's fleet as ``network_model marginal_cost`` sees it: efficiency bands and
    their shares of the projected hashrate, and the power price every band pays."""

    bands: tuple[NetworkBand, ...]
    power_price_usd_mwh: float


@dataclass(frozen=True)
class NetworkReaction:
    """What runs of one month's projected network hashrate.

    Attributes:
        running_share: Share of the projected hashrate that runs (0 to 1).
        hashprice_usd_ph_day: The hashprice of the running hashrate (the projection's
            divided by ``running_share``: the same block rewards shared by less hashrate).
        marginal_j_th: Efficiency of the least efficient band still running.
        marginal_cost_usd_ph_day: That band's power cost; ``hashprice_usd_ph_day`` is at
            least this.
    """

    running_share: float
    hashprice_usd_ph_day: float
    marginal_j_th: float
    marginal_cost_usd_ph_day: float


def band_cash_cost_usd_ph_day(efficiency_j_th: float, power_price_usd_mwh: float) -> float:
    """Power cost of one PH/s for a day at ``efficiency_j_th``: 1 PH/s draws
    ``efficiency_j_th`` kW, so ``0.024 * J/TH`` MWh a day (20 J/TH at $50/MWh: $24)."""
    return 0.024 * efficiency_j_th * power_price_usd_mwh


def network_reaction(hashprice_usd_ph_day: float, model: NetworkFleetModel) -> NetworkReaction:
    """The share of a month's projected hashrate that covers its power cost.

    Bands run most efficient first. Hashprice is inversely proportional to the running
    hashrate, ``hashprice(f) = hashprice_usd_ph_day / f`` for a running share ``f``. Every
    band whose cost the hashprice of all bands up to it covers runs; the next band runs in
    part, up to the share at which the hashprice falls to its cost (or not at all, when
    that share is below what already runs). A hashprice of 0 is left as it is: nothing
    can cover a cost with it, and no share of the network brings it up.
    """
    bands = sorted((b for b in model.bands if b.share > 0), key=lambda b: b.efficiency_j_th)
    running, last = 0.0, bands[0]
    for band in bands:
        cost = band_cash_cost_usd_ph_day(band.efficiency_j_th, model.power_price_usd_mwh)
        if hashprice_usd_ph_day <= 0 or hashprice_usd_ph_day >= cost * (running + band.share):
            running, last = running + band.share, band
            continue
        covered = hashprice_usd_ph_day / cost  # the share at which hashprice = this cost
        if covered > running:
            running, last = covered, band
        break
    else:
        running = 1.0  # every band runs: the whole projection (shares sum to 1 within 1e-6)
    hashprice = hashprice_usd_ph_day / running if running > 0 else hashprice_usd_ph_day
    return NetworkReaction(running, hashprice, last.efficiency_j_th,
                           band_cash_cost_usd_ph_day(last.efficiency_j_th,
                                                     model.power_price_usd_mwh))


def react_point(point: MarketPoint, model: NetworkFleetModel) -> MarketPoint:
    """``point`` with only the share of its hashrate that covers its cost running
    (:func:`network_reaction`); ``point`` itself when all of it does."""
    reaction = network_reaction(point.hashprice_usd_ph_day, model)
    if reaction.running_share >= 1.0:
        return point
    hashrate = (None if point.network_hashrate_ehs is None
                else point.network_hashrate_ehs * reaction.running_share)
    return dataclasses.replace(point, network_hashrate_ehs=hashrate,
                               hashprice_usd_ph_day=reaction.hashprice_usd_ph_day,
                               network_running_share=reaction.running_share)


def project_market(
    rows: Iterable[MarketMonth],
    start_month: str,
    months: int,
    *,
    halving: str,
    btc_price_growth_pa: float,
    network_hashrate_growth_pa: float,
    gap_fill: MarketGapFill = "hold_and_grow",
    network: NetworkFleetModel | None = None,
) -> list[MarketPoint]:
    """The market for every horizon month: given rows, months between them filled by
    ``gap_fill``, months after the last projected (see the module docstring).

    Args:
        rows: The Market rows, in any order.
        start_month: First month of the plan.
        months: Months in the plan.
        halving: The first halving after April 2024, ``YYYY-MM-DD`` or ``YYYY-MM`` (its 1st).
        btc_price_growth_pa: Yearly BTC price growth after a row (projection, hold_and_grow).
        network_hashrate_growth_pa: Yearly network hashrate growth, likewise.
        gap_fill: ``hold_and_grow`` or ``interpolate``, for months between two rows.
        network: The network fleet, when the network reacts (``network_model
            marginal_cost``): each filled or projected month then keeps only the hashrate
            that covers its cost (:func:`network_reaction`), against that month's own
            projection (the network has no memory: a month after a cut is projected from
            the given rows as before). ``None``: the projection stands.

    Raises:
        ValueError: no rows, or a horizon month before the first row (named).
    """
    anchors = sorted((_given(row, halving) for row in rows), key=lambda a: a.index)
    if not anchors:
        raise ValueError("the market needs at least one month")
    indices = [a.index for a in anchors]
    growth = _Growth(btc_price_growth_pa, network_hashrate_growth_pa)
    points: list[MarketPoint] = []
    for month in month_range(start_month, months):
        t = month_index(month)
        at = bisect.bisect_right(indices, t) - 1
        if at < 0:
            raise ValueError(f"no market data for {month}: it is before the first Market "
                             f"month, {month_from_index(indices[0])}")
        before = anchors[at]
        if before.index == t:
            points.append(before.point)
            continue
        subsidy = econ.block_subsidy_btc(month, halving)
        after = anchors[at + 1] if at + 1 < len(anchors) else None
        if after is None:
            point = _grown(month, before, subsidy, growth, "projected")
        elif gap_fill == "interpolate":
            point = _interpolated(month, before, after, subsidy)
        else:
            point = _grown(month, before, subsidy, growth, "hold_and_grow")
        points.append(point if network is None else react_point(point, network))
    return points


def project_fleet_market(fleet: Fleet, *, react: bool = True) -> list[MarketPoint]:
    """:func:`project_market` for ``fleet``'s horizon, with its Settings; ``react=False``
    gives the projection before the network model (for Monte Carlo, which shocks it first)."""
    st = fleet.settings
    return project_market(
        fleet.market, st.start_month, st.months, halving=st.halving_day,
        btc_price_growth_pa=st.btc_price_growth_pa,
        network_hashrate_growth_pa=st.network_hashrate_growth_pa,
        gap_fill=st.market_gap_fill,
        network=fleet_network_model(fleet) if react else None,
    )


def fleet_network_model(fleet: Fleet) -> NetworkFleetModel | None:
    """``fleet``'s network fleet when its network reacts (``network_model
    marginal_cost``); ``None`` for ``fixed_growth``."""
    st = fleet.settings
    if st.network_model != "marginal_cost":
        return None
    return NetworkFleetModel(fleet.network_bands, st.network_power_price_usd_mwh)


def describe_network_model(fleet: Fleet, points: Iterable[MarketPoint]) -> str:
    """Run Info's ``network_model`` line: the bands, their power price and the months the
    network model held the hashrate below the projection; ``""`` for ``fixed_growth``."""
    model = fleet_network_model(fleet)
    if model is None:
        return ""
    effs = sorted(b.efficiency_j_th for b in model.bands if b.share > 0)
    head = (f"marginal_cost: {len(effs)} bands of {effs[0]:g} to {effs[-1]:g} J/TH "
            f"({'NetworkFleet sheet' if fleet.network_fleet else 'the default table'}), "
            f"power at ${model.power_price_usd_mwh:g}/MWh")
    cut = [p for p in points if p.network_running_share < 1.0]
    if not cut:
        return f"{head}; every month's projected hashrate covers its cost"
    low = min(cut, key=lambda p: p.network_running_share)
    months = describe_months([p.month for p in cut])
    return (f"{head}; hashrate held below the projection in {months}"
            f" (down to {100 * low.network_running_share:.0f} % of it in {low.month})")
