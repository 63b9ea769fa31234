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
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from allocator import economics as econ
from allocator.domain import Fleet, MarketGapFill, MarketMonth
from allocator.periods import month_from_index, month_index, month_range

__all__ = [
    "MarketBasis",
    "MarketPoint",
    "network_hashrate_ehs_of",
    "project_fleet_market",
    "project_market",
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


def project_market(
    rows: Iterable[MarketMonth],
    start_month: str,
    months: int,
    *,
    halving: str,
    btc_price_growth_pa: float,
    network_hashrate_growth_pa: float,
    gap_fill: MarketGapFill = "hold_and_grow",
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
            points.append(_grown(month, before, subsidy, growth, "projected"))
        elif gap_fill == "interpolate":
            points.append(_interpolated(month, before, after, subsidy))
        else:
            points.append(_grown(month, before, subsidy, growth, "hold_and_grow"))
    return points


def project_fleet_market(fleet: Fleet) -> list[MarketPoint]:
    """:func:`project_market` for ``fleet``'s horizon, with its Settings."""
    st = fleet.settings
    return project_market(
        fleet.market, st.start_month, st.months, halving=st.halving_day,
        btc_price_growth_pa=st.btc_price_growth_pa,
        network_hashrate_growth_pa=st.network_hashrate_growth_pa,
        gap_fill=st.market_gap_fill,
    )
