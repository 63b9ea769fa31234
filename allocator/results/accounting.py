"""Re-price a solved plan from its DataFrames and the inputs alone, without the LP.

This is the independent check on the optimizer: it walks the plan's decisions row by row and
prices each with the economics functions, taking nothing from the LP's coefficient arrays.
The capital charge is charged on each conversion from its start month to the horizon end
(docs/model.md), a different route from the LP's monthly charge on converted stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from allocator import economics as econ
from allocator.domain import Fleet
from allocator.market import project_fleet_market
from allocator.periods import days_in_month, month_index, month_indexes, month_range
from allocator.power.credits import demand_response_usd_mw_month
from allocator.power.emergency import hpc_emergency_saving_usd_mw, mining_emergency_cut
from allocator.power.flexible import firm_price_usd_mwh, row_curtailment
from allocator.power.four_cp import four_cp_usd_mw, mining_four_cp_usd_mw
from allocator.power.ppa_block import block_terms_usd_mw_month, index_fleet
from allocator.power.valuation import mining_revenue_usd_mwh
from allocator.results.plan import PPA_BLOCKS_SHEET, Plan

__all__ = ["Valuation", "reprice"]


def _records(frame: pd.DataFrame) -> list[Any]:
    """Rows with attribute access; values stay as pandas gives them."""
    return [SimpleNamespace(**{str(k): v for k, v in r.items()})
            for r in frame.to_dict("records")]


@dataclass(frozen=True)
class Valuation:
    """A plan's value by component, discounted USD."""

    mining_usd: float
    hpc_usd: float
    capital_charge_usd: float
    tenant_capex_credit_usd: float = 0.0
    ppa_block_usd: float = 0.0

    @property
    def npv_usd(self) -> float:
        """Mining margin plus HPC margin less capital charge, plus the charge on the capex
        tenants fund and what fixed PPA blocks add."""
        return (self.mining_usd + self.hpc_usd - self.capital_charge_usd
                + self.tenant_capex_credit_usd + self.ppa_block_usd)


@dataclass(frozen=True)
class _Inputs:
    """The fleet's inputs as tables the decision rows look up: months, sites, power prices."""

    fleet: Fleet
    horizon: list[str]
    months: pd.DataFrame  # hashprice, days, df; indexed by month
    sites: pd.DataFrame  # Site fields; indexed by name
    power_overrides: dict[tuple[str, str], float]

    @classmethod
    def of(cls, fleet: Fleet) -> _Inputs:
        st = fleet.settings
        first = month_index(st.start_month)
        horizon = month_range(st.start_month, st.months)
        points = project_fleet_market(fleet)
        months = pd.DataFrame({
            "hashprice": [p.hashprice_usd_ph_day for p in points],
            "days": [float(days_in_month(m)) for m in horizon],
            "df": [float(econ.discount_factor(float(month_index(m) - first), st.discount_rate))
                   for m in horizon],
        }, index=horizon)
        sites = pd.DataFrame([s.model_dump() for s in fleet.sites]).set_index("name")
        overrides = {(p.site, p.month): p.power_price_usd_mwh for p in fleet.power_prices}
        overrides.update({(c.site, c.month): firm_price_usd_mwh(fleet.site(c.site), c)
                          for c in fleet.price_curves})  # hourly: full-hours mean or PPA
        return cls(fleet, horizon, months, sites, overrides)

    def lookup(self, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
        """Each row's month and site inputs, and its power price (override or site flat)."""
        months = self.months.loc[rows["month"].to_numpy()]
        site = self.sites.loc[rows["site"].to_numpy()]
        power = site["power_price_usd_mwh"].to_numpy(dtype=float)
        if self.power_overrides:
            get = self.power_overrides.get
            power = np.array([get((s, m), base) for s, m, base in
                              zip(rows["site"], rows["month"], power, strict=True)],
                             dtype=float)
        return months, site, power


def reprice(fleet: Fleet, plan: Plan) -> Valuation:
    """The discounted value of ``plan``'s decisions, priced from ``fleet`` alone.

    Each decision row is priced with the economics functions applied to the inputs of its own
    site, tranche, contract and month (vectorised over rows with pandas lookups).

    Args:
        fleet: The inputs the plan was made from.
        plan: The plan to re-price.

    Where a site holds a fixed PPA block (``ppa_mw``) its rows are priced on the index, and
    the block separately (:func:`_ppa_block_usd`).

    Returns:
        Its discounted mining margin, HPC margin, capital charge, tenant capex credit and
        the value of its PPA blocks.
    """
    blocks = any(s.ppa_block for s in fleet.sites)
    inputs = _Inputs.of(index_fleet(fleet) if blocks else fleet)
    return Valuation(mining_usd=_mining_usd(inputs, plan.tranches),
                     hpc_usd=_hpc_usd(inputs, plan.leases),
                     capital_charge_usd=_capital_charge_usd(inputs, plan.builds),
                     tenant_capex_credit_usd=_tenant_credit_usd(inputs, plan.leases),
                     ppa_block_usd=_ppa_block_usd(fleet, inputs, plan) if blocks else 0.0)


def _ppa_block_usd(fleet: Fleet, index: _Inputs, plan: Plan) -> float:
    """Discounted value of the plan's PPA blocks: each covered running MW priced row by row
    with its site's PPA and without (the difference is its gain), and each site-month's
    leased and unassigned block MW priced from its curve."""
    gain = 0.0
    if "ppa_covered_mw" in plan.tranches:
        tranches = plan.tranches
        covered = tranches[tranches["ppa_covered_mw"] != 0]
        covered = covered.assign(running_mw=covered["ppa_covered_mw"])
        gain = _mining_usd(_Inputs.of(fleet), covered) - _mining_usd(index, covered)
    rows = plan.extra.get(PPA_BLOCKS_SHEET)
    if rows is None:
        return gain
    curves = {(c.site, c.month): c for c in fleet.price_curves}
    df = index.months["df"]
    for r in _records(rows):
        unused, hpc = block_terms_usd_mw_month(fleet.site(r.site), curves[(r.site, r.month)])
        gain += float(df[r.month]) * (r.ppa_unused_mw * unused + r.ppa_hpc_grid_mw * hpc)
    return gain


def _mining_usd(inputs: _Inputs, tranches: pd.DataFrame) -> float:
    """Discounted margin of the running tranche rows, each priced at its own site and month."""
    fleet = inputs.fleet
    running = tranches[tranches["running_mw"] != 0]
    if not len(running):
        return 0.0
    miners = [fleet.miners[int(i)] for i in running["tranche"]]
    months, site, power = inputs.lookup(running.assign(site=[m.site for m in miners]))
    eff = np.array([m.efficiency_j_th for m in miners])
    days = months["days"].to_numpy()
    revenue = econ.mining_revenue_usd_mw_month(
        months["hashprice"].to_numpy(), eff, days, fleet.settings.pool_fee)
    cost = econ.mining_cost_usd_mw_month(
        power, days, site["mining_pue"].to_numpy(), site["mining_opex_usd_mw_month"].to_numpy())
    if fleet.price_curves:  # curtailed in the hours dearer than the strike (allocator.power)
        pue = site["mining_pue"].to_numpy()
        cut = row_curtailment(fleet, [m.site for m in miners], running["month"].tolist(),
                              months["hashprice"].to_numpy(), eff)
        revenue = cut.revenue_usd(revenue)
        cost = (cut.power_cost_usd(econ.mining_power_cost_usd_mw_month(power, days, pue), pue)
                + site["mining_opex_usd_mw_month"].to_numpy())
    rate = mining_revenue_usd_mwh(months["hashprice"].to_numpy(), eff, fleet.settings.pool_fee)
    cost = cost + _mining_four_cp(fleet, [m.site for m in miners], running["month"].tolist(), rate)
    if any(c.emergency_hours for c in fleet.price_curves):  # ordered off (SB 6)
        curves = {(c.site, c.month): c for c in fleet.price_curves}
        lost = np.array([mining_emergency_cut(fleet.site(m.site), curves.get((m.site, month)),
                                             float(r))
                         for m, month, r in zip(miners, running["month"], rate, strict=True)],
                        dtype=float).reshape(-1, 2)
        revenue = revenue - rate * lost[:, 0]
        cost = cost - site["mining_pue"].to_numpy() * lost[:, 1]
    credit = {s.name: demand_response_usd_mw_month(s) for s in fleet.sites}
    revenue = revenue + np.array([credit[m.site] for m in miners], dtype=float)
    return float((running["running_mw"].to_numpy() * (revenue - cost)
                  * months["df"].to_numpy()).sum())


def _mining_four_cp(fleet: Fleet, sites: list[str], months: list[str],
                    revenue_usd_mwh: Any) -> Any:
    """Each running tranche row's 4CP cost per MW: in full, the uncurtailed share where the
    site-month is on hourly prices and its miners curtail, or what stopping in the candidate
    peak intervals costs (:func:`~allocator.power.four_cp.mining_four_cp_usd_mw`)."""
    if all(s.four_cp_usd_kw_year is None for s in fleet.sites):
        return np.zeros(len(sites))
    curves = {(c.site, c.month): c for c in fleet.price_curves}
    out = [mining_four_cp_usd_mw(fleet.site(name), month, curves.get((name, month)),
                                 float(revenue))
           for name, month, revenue in zip(sites, months, revenue_usd_mwh, strict=True)]
    return np.array(out, dtype=float)


def _hpc_usd(inputs: _Inputs, leases: pd.DataFrame) -> float:
    """Discounted margin of the lease rows, each priced by its contract, site and month."""
    if not len(leases):
        return 0.0
    hpc = 0.0
    contracts = {c.name: c for c in inputs.fleet.contracts}
    months, site, power = inputs.lookup(leases)
    days = months["days"].to_numpy()
    for name, group in leases.groupby("contract", sort=False):
        contract = contracts[str(name)]
        at = leases.index.get_indexer(group.index)
        since = np.array(month_indexes(group["month"].tolist())) - month_index(
            contract.start_month)
        rent = econ.lease_rent_usd_mw_month(contract, since.astype(float))
        cost = econ.hpc_cost_usd_mw_month(
            site["hpc_opex_usd_mw_month"].to_numpy()[at], power[at], days[at],
            site["hpc_pue"].to_numpy()[at], site["hpc_load_factor"].to_numpy()[at],
            contract.power_pass_through)
        if not contract.power_pass_through:  # HPC is firm: present at every 4CP peak
            cost = cost + _hpc_four_cp_usd_mw(inputs.fleet, group["site"].tolist(),
                                              group["month"].tolist())
        if any(c.emergency_hours for c in inputs.fleet.price_curves):  # not drawn (SB 6)
            cost = cost - np.array([hpc_emergency_saving_usd_mw(
                inputs.fleet, inputs.fleet.site(s), m, contract.power_pass_through)
                for s, m in zip(group["site"], group["month"], strict=True)])
        hpc += float((group["leased_mw"].to_numpy() * (rent - cost)
                      * months["df"].to_numpy()[at]).sum())
    return hpc


def _hpc_four_cp_usd_mw(fleet: Fleet, sites: list[str], months: list[str]) -> Any:
    """The 4CP charge of each lease row's leased MW at its site and month (the site's HPC
    PUE and load factor applied), each distinct site and month priced once."""
    known: dict[tuple[str, str], float] = {}
    out: list[float] = []
    for key in zip(sites, months, strict=True):
        found = known.get(key)
        if found is None:
            site = fleet.site(key[0])
            found = known[key] = (four_cp_usd_mw(site, key[1]) * site.hpc_pue
                                  * site.hpc_load_factor)
        out.append(found)
    return np.array(out)


def _capital_charge_usd(inputs: _Inputs, builds: pd.DataFrame) -> float:
    """Discounted capital charge of each conversion from its start month to the horizon end."""
    st = inputs.fleet.settings
    charge = 0.0
    discount = inputs.months["df"].to_numpy()
    for row in _records(builds):
        site_row = inputs.fleet.site(row.site)
        monthly = econ.capital_charge_usd_mw_month(
            site_row.conversion_capex_usd_mw, st.discount_rate, st.asset_life_years
        )
        remaining = discount[inputs.horizon.index(row.month):]
        charge += float(row.build_mw) * monthly * float(remaining.sum())
    return charge


def _tenant_credit_usd(inputs: _Inputs, leases: pd.DataFrame) -> float:
    """Discounted capital charge on the capex tenants fund, per lease row: its MW times the
    charge on its contract's ``tenant_capex_usd_mw`` (at most its site's capex per MW) in its
    month; nothing at a site with existing HPC space."""
    st = inputs.fleet.settings
    contracts = {c.name: c for c in inputs.fleet.contracts}
    funded = [c.name for c in inputs.fleet.contracts if c.tenant_capex_usd_mw > 0]
    credit = 0.0
    for row in _records(leases[leases["contract"].isin(funded)]):
        contract, site = contracts[str(row.contract)], inputs.fleet.site(str(row.site))
        if contract.tenant_capex_usd_mw <= 0:
            continue
        monthly = econ.tenant_capex_credit_usd_mw_month(
            contract.tenant_capex_usd_mw, site.conversion_capex_usd_mw, site.hpc_existing_mw,
            st.discount_rate, st.asset_life_years)
        credit += float(row.leased_mw) * monthly * float(inputs.months["df"][str(row.month)])
    return credit
