"""Every per-month number the LP needs, computed from a Fleet with the economics functions.

Pure and vectorised with numpy: no solver, no I/O. Money arrays are nominal USD per MW-month;
the LP multiplies them by the discount factor.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator import economics as econ
from allocator.domain import Contract, Fleet, MinerTranche, Site
from allocator.market import MarketPoint, project_fleet_market
from allocator.periods import days_in_month, month_index, month_range
from allocator.power.credits import demand_response_usd_mw_month
from allocator.power.emergency import hpc_emergency_saving_usd_mw, mining_emergency_cut_month
from allocator.power.flexible import CurveArrays, curve_arrays, tranche_curtailment
from allocator.power.four_cp import hpc_four_cp_usd_mw_month, mining_four_cp_usd_mw_month
from allocator.power.ppa_block import PpaBlocks, index_fleet, ppa_block_arrays
from allocator.power.valuation import Curtailment, mining_revenue_usd_mwh

__all__ = ["Coefficients", "ContractTerms", "SiteArrays", "compute_coefficients"]

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
        capital_credit_usd_mw_month: ``[len(sites)]``: the capital charge on the
            tenant-funded capex a leased IT MW earns back each month of the term
            (:func:`~allocator.economics.tenant_capex_credit_usd_mw_month`); None: no
            tenant capex.
    """

    contract: Contract
    months: npt.NDArray[np.int64]
    sites: tuple[int, ...]
    revenue_usd_mw_month: Array
    cost_usd_mw_month: Array
    capital_credit_usd_mw_month: Array | None = None


@dataclass(frozen=True)
class SiteArrays:
    """Every site's numbers as arrays indexed by site ``s``, built once per fleet.

    Attributes mirror :class:`~allocator.domain.Site` fields (same names, same units);
    ``conversion_block_mw`` is 0 where the site converts MW by MW.
    """

    name: tuple[str, ...]
    capacity_mw: Array
    mining_pue: Array
    hpc_pue: Array
    uptime: Array
    mining_opex_usd_mw_month: Array
    hpc_existing_mw: Array
    hpc_convertible_mw: Array
    conversion_capex_usd_mw: Array
    conversion_lead_months: npt.NDArray[np.int64]
    hpc_opex_usd_mw_month: Array
    hpc_load_factor: Array
    conversion_block_mw: Array

    @classmethod
    def of(cls, sites: tuple[Site, ...]) -> SiteArrays:
        """The arrays of ``sites``, in their order."""
        def column(field: str) -> Array:
            return np.array([getattr(s, field) for s in sites], dtype=float)

        return cls(
            name=tuple(s.name for s in sites),
            capacity_mw=column("capacity_mw"),
            mining_pue=column("mining_pue"),
            hpc_pue=column("hpc_pue"),
            uptime=column("uptime"),
            mining_opex_usd_mw_month=column("mining_opex_usd_mw_month"),
            hpc_existing_mw=column("hpc_existing_mw"),
            hpc_convertible_mw=column("hpc_convertible_mw"),
            conversion_capex_usd_mw=column("conversion_capex_usd_mw"),
            conversion_lead_months=np.array([s.conversion_lead_months for s in sites],
                                            dtype=np.int64),
            hpc_opex_usd_mw_month=column("hpc_opex_usd_mw_month"),
            hpc_load_factor=column("hpc_load_factor"),
            conversion_block_mw=np.array([s.conversion_block_mw or 0.0 for s in sites],
                                         dtype=float),
        )


@dataclass(frozen=True)
class Coefficients:
    """The fleet turned into arrays indexed by site ``s``, tranche ``m`` and month ``t``."""

    fleet: Fleet
    months: tuple[str, ...]
    days: Array
    discount: Array
    market: tuple[MarketPoint, ...]
    hashprice_usd_ph_day: Array
    sites: tuple[Site, ...]
    site: SiteArrays  # the sites' fields as arrays [S]
    power_price_usd_mwh: Array  # [S, T]
    tranches: tuple[MinerTranche, ...]
    tranche_site: npt.NDArray[np.int64]  # [M]
    tranche_available_mw: Array  # [M] uptime x installed
    efficiency_j_th: Array  # [M]
    mining_revenue_usd_mw_month: Array  # [M, T]
    mining_cost_usd_mw_month: Array  # [M, T]
    capital_charge_usd_mw_month: Array  # [S]
    contracts: tuple[ContractTerms, ...]
    curves: CurveArrays | None = None  # hourly price curves [S, T, B]; None: none given
    curtailment: Curtailment | None = None  # [M, T] what curtailment takes off a running MW
    mining_power_cost_usd_mw_month: Array | None = None  # [M, T] grid bill, with curtailment
    ppa: PpaBlocks | None = None  # fixed PPA blocks (ppa_mw); the arrays above are on the index

    @property
    def mining_margin_usd_mw_month(self) -> Array:
        """Revenue less cost per running MW, ``[M, T]``."""
        return self.mining_revenue_usd_mw_month - self.mining_cost_usd_mw_month


def _power_prices(fleet: Fleet, months: list[str]) -> Array:
    """``[S, T]`` USD/MWh: each site's flat price, overridden by its PowerPrices rows."""
    col = {m: i for i, m in enumerate(months)}
    row = {s.name: i for i, s in enumerate(fleet.sites)}
    prices = np.array([[s.power_price_usd_mwh] * len(months) for s in fleet.sites], dtype=float)
    for p in fleet.power_prices:
        if p.month in col:
            prices[row[p.site], col[p.month]] = p.power_price_usd_mwh
    return prices


@dataclass(frozen=True)
class _Mining:
    tranches: tuple[MinerTranche, ...]
    tranche_site: npt.NDArray[np.int64]
    available_mw: Array
    efficiency_j_th: Array
    revenue_usd_mw_month: Array
    cost_usd_mw_month: Array
    curtailment: Curtailment | None = None
    power_cost_usd_mw_month: Array | None = None


def _flexible(fleet: Fleet, site: SiteArrays, mining: _Mining, curves: CurveArrays,
              hashprice: Array, power: Array, days: Array) -> _Mining:
    """``mining`` with each tranche curtailed on its site's hourly price curves
    (:mod:`allocator.power.flexible`): revenue and grid bill less what the stopped hours
    would have earned and cost; months without a curve keep their figures exactly."""
    at = mining.tranche_site
    cut = tranche_curtailment(fleet, curves, at, mining.efficiency_j_th, hashprice)
    pue = site.mining_pue[at, None]
    flat_power = econ.mining_power_cost_usd_mw_month(power[at, :], days[None, :], pue)
    power_cost = cut.power_cost_usd(flat_power, pue)
    return _Mining(mining.tranches, at, mining.available_mw, mining.efficiency_j_th,
                   cut.revenue_usd(mining.revenue_usd_mw_month),
                   power_cost + site.mining_opex_usd_mw_month[at, None], cut,
                   np.asarray(power_cost, dtype=float))


def _mining(fleet: Fleet, site: SiteArrays, hashprice: Array, power: Array,
            days: Array) -> _Mining:
    """Per tranche and month: revenue and cost of one running MW (docs/model.md)."""
    index = {name: i for i, name in enumerate(site.name)}
    tranches = tuple(m for m in fleet.miners if m.units > 0)
    at = np.array([index[m.site] for m in tranches], dtype=np.int64)
    installed = np.array([m.installed_mw for m in tranches], dtype=float)
    available = installed * site.uptime[at] if tranches else installed
    eff = np.array([m.efficiency_j_th for m in tranches], dtype=float)
    revenue = econ.mining_revenue_usd_mw_month(
        hashprice[None, :], eff[:, None], days[None, :], fleet.settings.pool_fee
    ).reshape(len(tranches), len(days))
    cost = econ.mining_cost_usd_mw_month(
        power[at, :], days[None, :], site.mining_pue[at, None],
        site.mining_opex_usd_mw_month[at, None],
    ).reshape(len(tranches), len(days))
    return _Mining(tranches, at, available, eff, np.asarray(revenue, dtype=float),
                   np.asarray(cost, dtype=float))


def _with_four_cp(fleet: Fleet, site: SiteArrays, mining: _Mining, hashprice: Array,
                  months: list[str], power: Array, days: Array) -> _Mining:
    """``mining`` with the 4CP charge of the MW present at each summer peak (or the margin
    given up avoiding it) added to its grid bill (:mod:`allocator.power.four_cp`)."""
    at = mining.tranche_site
    revenue = mining_revenue_usd_mwh(hashprice[None, :], mining.efficiency_j_th[:, None],
                                     fleet.settings.pool_fee)
    charge = mining_four_cp_usd_mw_month(fleet, at.tolist(), months, revenue)
    bill = (mining.power_cost_usd_mw_month if mining.power_cost_usd_mw_month is not None
            else econ.mining_power_cost_usd_mw_month(power[at, :], days[None, :],
                                                     site.mining_pue[at, None]))
    return dataclasses.replace(mining, cost_usd_mw_month=mining.cost_usd_mw_month + charge,
                               power_cost_usd_mw_month=np.asarray(bill + charge, dtype=float))


def _with_emergency(fleet: Fleet, site: SiteArrays, mining: _Mining, hashprice: Array,
                    months: list[str], power: Array, days: Array) -> _Mining:
    """``mining`` less what each running MW loses to its months' emergency-curtailment
    intervals: their revenue, and their grid bill (:mod:`allocator.power.emergency`)."""
    at = mining.tranche_site
    rate = mining_revenue_usd_mwh(hashprice[None, :], mining.efficiency_j_th[:, None],
                                  fleet.settings.pool_fee)
    hours, value = mining_emergency_cut_month(fleet, at.tolist(), months, rate)
    saved = site.mining_pue[at, None] * value
    bill = (mining.power_cost_usd_mw_month if mining.power_cost_usd_mw_month is not None
            else econ.mining_power_cost_usd_mw_month(power[at, :], days[None, :],
                                                     site.mining_pue[at, None]))
    return dataclasses.replace(mining, revenue_usd_mw_month=mining.revenue_usd_mw_month
                               - rate * hours, cost_usd_mw_month=mining.cost_usd_mw_month - saved,
                               power_cost_usd_mw_month=np.asarray(bill - saved, dtype=float))


def _contract_terms(fleet: Fleet, contract: Contract, power: Array, days: Array) -> ContractTerms:
    """One contract's months inside the horizon, its eligible sites, rent and cost per MW
    (with the 4CP charge where a site has a tariff, :mod:`allocator.power.four_cp`)."""
    st = fleet.settings
    months = month_range(st.start_month, len(days))
    t_count = len(days)
    offset = month_index(contract.start_month) - month_index(st.start_month)
    in_term = np.arange(max(offset, 0), min(offset + contract.term_months, t_count),
                        dtype=np.int64)
    site_index = {s.name: i for i, s in enumerate(fleet.sites)}
    allowed = (tuple(sorted(site_index[n] for n in contract.sites)) if contract.sites
               else tuple(range(len(fleet.sites))))
    rent = econ.lease_rent_usd_mw_month(contract, (in_term - offset).astype(float))
    rows = [
        econ.hpc_cost_usd_mw_month(
            fleet.sites[s].hpc_opex_usd_mw_month, power[s, in_term], days[in_term],
            fleet.sites[s].hpc_pue, fleet.sites[s].hpc_load_factor,
            contract.power_pass_through,
        ) * np.ones(len(in_term))
        + (hpc_four_cp_usd_mw_month(fleet.sites[s], [months[t] for t in in_term.tolist()],
                                    contract.power_pass_through)
           if fleet.sites[s].four_cp_usd_kw_year is not None else 0.0)
        - (np.array([hpc_emergency_saving_usd_mw(fleet, fleet.sites[s], months[t],
                                                 contract.power_pass_through)
                     for t in in_term.tolist()])
           if any(c.emergency_hours for c in fleet.price_curves) else 0.0)
        for s in allowed
    ]
    cost = np.vstack(rows) if rows else np.zeros((0, len(in_term)))
    credit = (np.array([econ.tenant_capex_credit_usd_mw_month(
        contract.tenant_capex_usd_mw, fleet.sites[s].conversion_capex_usd_mw,
        fleet.sites[s].hpc_existing_mw, st.discount_rate, st.asset_life_years)
        for s in allowed], dtype=float) if contract.tenant_capex_usd_mw > 0 else None)
    return ContractTerms(contract, in_term, allowed, np.asarray(rent, dtype=float), cost,
                         credit)


def compute_coefficients(fleet: Fleet) -> Coefficients:
    """All LP coefficients of ``fleet`` (docs/model.md).

    Where a site's PPA is a fixed block (``ppa_mw``), its miners and leases are valued on the
    index and :attr:`Coefficients.ppa` holds what the block adds
    (:mod:`allocator.power.ppa_block`): the fleet is valued twice, with and without its
    block sites' PPAs, and the difference is a covered miner MW's gain.

    Raises:
        ValueError: the market does not cover the horizon (the reader reports this earlier).
    """
    if not any(s.ppa_block for s in fleet.sites):
        return _coefficients(fleet)
    index = _coefficients(index_fleet(fleet))
    covered = _coefficients(fleet)
    at = np.array([s.ppa_block for s in fleet.sites], dtype=bool)[index.tranche_site]
    curves = index.curves
    has = (curves.has_curve if curves is not None
           else np.zeros((len(fleet.sites), len(index.months)), dtype=bool))
    gain = np.where(at[:, None] & has[index.tranche_site],
                    covered.mining_margin_usd_mw_month - index.mining_margin_usd_mw_month, 0.0)
    blocks = ppa_block_arrays(
        fleet, list(index.months), has,
        curves.mean_usd_mwh if curves is not None else np.zeros(has.shape),
        curves.hours.sum(axis=2) if curves is not None else np.zeros(has.shape),
        np.asarray(gain, dtype=float))
    return dataclasses.replace(index, fleet=fleet, sites=fleet.sites, ppa=blocks)


def _coefficients(fleet: Fleet) -> Coefficients:
    """:func:`compute_coefficients` with every PPA covering all its site's load."""
    st = fleet.settings
    months = month_range(st.start_month, st.months)
    days = np.array([days_in_month(m) for m in months], dtype=float)
    discount = econ.discount_factor(np.arange(len(months), dtype=float), st.discount_rate)
    market = project_fleet_market(fleet)
    hashprice = np.array([p.hashprice_usd_ph_day for p in market], dtype=float)
    site = SiteArrays.of(fleet.sites)
    power = _power_prices(fleet, months)
    curves = curve_arrays(fleet, months) if fleet.price_curves else None
    if curves is not None:  # HPC and the flat figures pay the full-hours average
        power = curves.with_means(power)
    mining = _mining(fleet, site, hashprice, power, days)
    if curves is not None and mining.tranches:
        mining = _flexible(fleet, site, mining, curves, hashprice, power, days)
    if any(s.four_cp_usd_kw_year is not None for s in fleet.sites) and mining.tranches:
        mining = _with_four_cp(fleet, site, mining, hashprice, months, power, days)
    if any(c.emergency_hours for c in fleet.price_curves) and mining.tranches:
        mining = _with_emergency(fleet, site, mining, hashprice, months, power, days)
    if any(s.demand_response_usd_mw_month is not None for s in fleet.sites) and mining.tranches:
        credit = np.array([demand_response_usd_mw_month(fleet.sites[s])
                           for s in mining.tranche_site.tolist()], dtype=float)[:, None]
        mining = dataclasses.replace(mining,  # curtailable load's credit (allocator.power)
                                     revenue_usd_mw_month=mining.revenue_usd_mw_month + credit)
    charge = np.array(
        [econ.capital_charge_usd_mw_month(capex, st.discount_rate, st.asset_life_years)
         for capex in site.conversion_capex_usd_mw.tolist()],
        dtype=float,
    )
    return Coefficients(
        fleet=fleet,
        months=tuple(months),
        days=days,
        discount=np.asarray(discount, dtype=float),
        market=tuple(market),
        hashprice_usd_ph_day=hashprice,
        sites=fleet.sites,
        site=site,
        power_price_usd_mwh=power,
        tranches=mining.tranches,
        tranche_site=mining.tranche_site,
        tranche_available_mw=mining.available_mw,
        efficiency_j_th=mining.efficiency_j_th,
        mining_revenue_usd_mw_month=mining.revenue_usd_mw_month,
        mining_cost_usd_mw_month=mining.cost_usd_mw_month,
        capital_charge_usd_mw_month=charge,
        contracts=tuple(_contract_terms(fleet, c, power, days) for c in fleet.contracts),
        curves=curves,
        curtailment=mining.curtailment,
        mining_power_cost_usd_mw_month=mining.power_cost_usd_mw_month,
    )
