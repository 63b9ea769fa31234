"""Every per-month number the LP needs, computed from a Fleet with the economics functions.

Pure and vectorised with numpy: no solver, no I/O. Money arrays are nominal USD per MW-month;
the LP multiplies them by the discount factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator import economics as econ
from allocator.domain import Contract, Fleet, MinerTranche, Site
from allocator.periods import days_in_month, month_index, month_range

__all__ = ["Coefficients", "ContractTerms", "compute_coefficients"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ContractTerms:
    """One contract's numbers over the horizon.

    Attributes:
        contract: The offer.
        months: Horizon month offsets inside the term.
        sites: Site indices allowed to carry it.
        revenue_usd_mw_month: Rent per IT MW for each of ``months``.
        cost_usd_mw_month: Array ``[len(sites), len(months)]`` of cost per leased IT MW.
    """

    contract: Contract
    months: npt.NDArray[np.int64]
    sites: tuple[int, ...]
    revenue_usd_mw_month: Array
    cost_usd_mw_month: Array


@dataclass(frozen=True)
class Coefficients:
    """The fleet turned into arrays indexed by site ``s``, tranche ``m`` and month ``t``."""

    fleet: Fleet
    months: tuple[str, ...]
    days: Array
    discount: Array
    market: tuple[econ.MarketPoint, ...]
    hashprice_usd_ph_day: Array
    sites: tuple[Site, ...]
    power_price_usd_mwh: Array  # [S, T]
    tranches: tuple[MinerTranche, ...]
    tranche_site: npt.NDArray[np.int64]  # [M]
    tranche_available_mw: Array  # [M] uptime x installed
    efficiency_j_th: Array  # [M]
    mining_revenue_usd_mw_month: Array  # [M, T]
    mining_cost_usd_mw_month: Array  # [M, T]
    capital_charge_usd_mw_month: Array  # [S]
    contracts: tuple[ContractTerms, ...]

    @property
    def mining_margin_usd_mw_month(self) -> Array:
        """Revenue less cost per running MW, ``[M, T]``."""
        return self.mining_revenue_usd_mw_month - self.mining_cost_usd_mw_month


def _power_prices(fleet: Fleet, months: list[str]) -> Array:
    col = {m: i for i, m in enumerate(months)}
    row = {s.name: i for i, s in enumerate(fleet.sites)}
    prices = np.array([[s.power_price_usd_mwh] * len(months) for s in fleet.sites], dtype=float)
    for p in fleet.power_prices:
        if p.month in col:
            prices[row[p.site], col[p.month]] = p.power_price_usd_mwh
    return prices


def compute_coefficients(fleet: Fleet) -> Coefficients:
    """All LP coefficients of ``fleet`` (docs/model.md).

    Raises:
        ValueError: the market does not cover the horizon (the reader reports this earlier).
    """
    st = fleet.settings
    months = month_range(st.start_month, st.months)
    t_count = len(months)
    days = np.array([days_in_month(m) for m in months], dtype=float)
    discount = econ.discount_factor(np.arange(t_count, dtype=float), st.discount_rate)
    market = econ.project_market(
        fleet.market,
        st.start_month,
        st.months,
        halving_month=st.halving_month,
        btc_price_growth_pa=st.btc_price_growth_pa,
        network_hashrate_growth_pa=st.network_hashrate_growth_pa,
    )
    hashprice = np.array([p.hashprice_usd_ph_day for p in market], dtype=float)
    site_index = {s.name: i for i, s in enumerate(fleet.sites)}
    power = _power_prices(fleet, months)

    tranches = tuple(m for m in fleet.miners if m.units > 0)
    tranche_site = np.array([site_index[m.site] for m in tranches], dtype=np.int64)
    uptime = np.array([s.uptime for s in fleet.sites], dtype=float)
    installed = np.array([m.installed_mw for m in tranches], dtype=float)
    available = installed * uptime[tranche_site] if tranches else installed
    eff = np.array([m.efficiency_j_th for m in tranches], dtype=float)
    pue = np.array([s.mining_pue for s in fleet.sites], dtype=float)
    opex = np.array([s.mining_opex_usd_mw_month for s in fleet.sites], dtype=float)
    revenue = econ.mining_revenue_usd_mw_month(
        hashprice[None, :], eff[:, None], days[None, :], st.pool_fee
    ).reshape(len(tranches), t_count)
    cost = econ.mining_cost_usd_mw_month(
        power[tranche_site, :], days[None, :], pue[tranche_site, None], opex[tranche_site, None]
    ).reshape(len(tranches), t_count)

    charge = np.array(
        [
            econ.capital_charge_usd_mw_month(
                s.conversion_capex_usd_mw, st.discount_rate, st.asset_life_years
            )
            for s in fleet.sites
        ],
        dtype=float,
    )

    first = month_index(st.start_month)
    terms: list[ContractTerms] = []
    for c in fleet.contracts:
        offset = month_index(c.start_month) - first
        in_term = np.arange(max(offset, 0), min(offset + c.term_months, t_count), dtype=np.int64)
        allowed = (
            tuple(sorted(site_index[n] for n in c.sites))
            if c.sites
            else tuple(range(len(fleet.sites)))
        )
        rev = econ.hpc_revenue_usd_mw_month(
            c.rate_usd_kw_month, c.escalator_pa, (in_term - offset).astype(float)
        )
        site_arr = np.array(allowed, dtype=np.int64)
        cost_k = np.vstack(
            [
                econ.hpc_cost_usd_mw_month(
                    fleet.sites[s].hpc_opex_usd_mw_month,
                    power[s, in_term],
                    days[in_term],
                    fleet.sites[s].hpc_pue,
                    fleet.sites[s].hpc_load_factor,
                    c.power_pass_through,
                )
                * np.ones(len(in_term))
                for s in site_arr
            ]
        ) if len(site_arr) else np.zeros((0, len(in_term)))
        terms.append(ContractTerms(c, in_term, allowed, np.asarray(rev, dtype=float), cost_k))

    return Coefficients(
        fleet=fleet,
        months=tuple(months),
        days=days,
        discount=np.asarray(discount, dtype=float),
        market=tuple(market),
        hashprice_usd_ph_day=hashprice,
        sites=fleet.sites,
        power_price_usd_mwh=power,
        tranches=tranches,
        tranche_site=tranche_site,
        tranche_available_mw=available,
        efficiency_j_th=eff,
        mining_revenue_usd_mw_month=np.asarray(revenue, dtype=float),
        mining_cost_usd_mw_month=np.asarray(cost, dtype=float),
        capital_charge_usd_mw_month=charge,
        contracts=tuple(terms),
    )
