"""Re-price a solved plan from its DataFrames and the inputs alone, without the LP.

This is the independent check on the optimizer: it walks the plan's decisions row by row and
prices each with the economics functions, taking nothing from the LP's coefficient arrays.
The capital charge is charged on each conversion from its start month to the horizon end
(DESIGN.md §2), a different route from the LP's monthly charge on converted stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pandas as pd

from allocator import economics as econ
from allocator.domain import Fleet
from allocator.periods import days_in_month, month_index, month_range
from allocator.plan import Plan

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

    @property
    def npv_usd(self) -> float:
        """Mining margin plus HPC margin less capital charge."""
        return self.mining_usd + self.hpc_usd - self.capital_charge_usd


def reprice(fleet: Fleet, plan: Plan) -> Valuation:
    """The discounted value of ``plan``'s decisions, priced from ``fleet`` alone."""
    st = fleet.settings
    first = month_index(st.start_month)
    horizon = month_range(st.start_month, st.months)
    market = {
        p.month: p
        for p in econ.project_market(
            fleet.market, st.start_month, st.months, halving_month=st.halving_month,
            btc_price_growth_pa=st.btc_price_growth_pa,
            network_hashrate_growth_pa=st.network_hashrate_growth_pa,
        )
    }
    sites = {s.name: s for s in fleet.sites}
    overrides = {(p.site, p.month): p.power_price_usd_mwh for p in fleet.power_prices}

    def power_price(site: str, month: str) -> float:
        return overrides.get((site, month), sites[site].power_price_usd_mwh)

    def df(month: str) -> float:
        return float(econ.discount_factor(float(month_index(month) - first), st.discount_rate))

    mining = 0.0
    for row in _records(plan.tranches):
        if row.running_mw == 0:
            continue
        tranche = fleet.miners[int(row.tranche)]
        site = sites[tranche.site]
        days = days_in_month(row.month)
        revenue = econ.mining_revenue_usd_mw_month(
            market[row.month].hashprice_usd_ph_day, tranche.efficiency_j_th, days, st.pool_fee
        )
        cost = econ.mining_cost_usd_mw_month(
            power_price(site.name, row.month), days, site.mining_pue,
            site.mining_opex_usd_mw_month,
        )
        mining += float(row.running_mw) * (revenue - cost) * df(row.month)

    contracts = {c.name: c for c in fleet.contracts}
    hpc = 0.0
    for row in _records(plan.leases):
        contract = contracts[row.contract]
        site = sites[row.site]
        days = days_in_month(row.month)
        rent = econ.hpc_revenue_usd_mw_month(
            contract.rate_usd_kw_month, contract.escalator_pa,
            float(month_index(row.month) - month_index(contract.start_month)),
        )
        cost = econ.hpc_cost_usd_mw_month(
            site.hpc_opex_usd_mw_month, power_price(site.name, row.month), days, site.hpc_pue,
            site.hpc_load_factor, contract.power_pass_through,
        )
        hpc += float(row.leased_mw) * (float(rent) - float(cost)) * df(row.month)

    charge = 0.0
    for row in _records(plan.builds):
        site = sites[row.site]
        monthly = econ.capital_charge_usd_mw_month(
            site.conversion_capex_usd_mw, st.discount_rate, st.asset_life_years
        )
        remaining = horizon[horizon.index(row.month):]
        charge += float(row.build_mw) * monthly * sum(df(m) for m in remaining)

    return Valuation(mining_usd=mining, hpc_usd=hpc, capital_charge_usd=charge)
