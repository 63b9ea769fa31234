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
from allocator.periods import days_in_month, month_index, month_range
from allocator.results.plan import Plan

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
    """The discounted value of ``plan``'s decisions, priced from ``fleet`` alone.

    Each decision row is priced with the economics functions applied to the inputs of its own
    site, tranche, contract and month (vectorised over rows with pandas lookups).
    """
    st = fleet.settings
    first = month_index(st.start_month)
    horizon = month_range(st.start_month, st.months)
    points = econ.project_market(
        fleet.market, st.start_month, st.months, halving_month=st.halving_month,
        btc_price_growth_pa=st.btc_price_growth_pa,
        network_hashrate_growth_pa=st.network_hashrate_growth_pa,
    )
    month_table = pd.DataFrame({
        "hashprice": [p.hashprice_usd_ph_day for p in points],
        "days": [float(days_in_month(m)) for m in horizon],
        "df": [float(econ.discount_factor(float(month_index(m) - first), st.discount_rate))
               for m in horizon],
    }, index=horizon)
    sites = pd.DataFrame([s.model_dump() for s in fleet.sites]).set_index("name")
    overrides = {(p.site, p.month): p.power_price_usd_mwh for p in fleet.power_prices}

    def lookup(rows: pd.DataFrame, site_col: str) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
        months = month_table.loc[rows["month"].to_numpy()]
        site = sites.loc[rows[site_col].to_numpy()]
        power = np.array([
            overrides.get((s, m), base) for s, m, base in
            zip(rows[site_col], rows["month"], site["power_price_usd_mwh"], strict=True)
        ], dtype=float)
        return months, site, power

    tranches = plan.tranches[plan.tranches["running_mw"] != 0]
    mining = 0.0
    if len(tranches):
        miners = [fleet.miners[int(i)] for i in tranches["tranche"]]
        rows = tranches.assign(site=[m.site for m in miners])
        months, site, power = lookup(rows, "site")
        eff = np.array([m.efficiency_j_th for m in miners])
        days = months["days"].to_numpy()
        revenue = econ.mining_revenue_usd_mw_month(
            months["hashprice"].to_numpy(), eff, days, st.pool_fee)
        cost = econ.mining_cost_usd_mw_month(
            power, days, site["mining_pue"].to_numpy(), site["mining_opex_usd_mw_month"].to_numpy())
        mining = float((tranches["running_mw"].to_numpy() * (revenue - cost)
                        * months["df"].to_numpy()).sum())

    hpc = 0.0
    leases = plan.leases
    if len(leases):
        contracts = {c.name: c for c in fleet.contracts}
        months, site, power = lookup(leases, "site")
        days = months["days"].to_numpy()
        for name, group in leases.groupby("contract", sort=False):
            contract = contracts[str(name)]
            at = leases.index.get_indexer(group.index)
            since = np.array([month_index(m) for m in group["month"]]) - month_index(
                contract.start_month)
            rent = econ.hpc_revenue_usd_mw_month(contract.rate_usd_kw_month,
                                                 contract.escalator_pa, since.astype(float))
            cost = econ.hpc_cost_usd_mw_month(
                site["hpc_opex_usd_mw_month"].to_numpy()[at], power[at], days[at],
                site["hpc_pue"].to_numpy()[at], site["hpc_load_factor"].to_numpy()[at],
                contract.power_pass_through)
            hpc += float((group["leased_mw"].to_numpy() * (rent - cost)
                          * months["df"].to_numpy()[at]).sum())

    charge = 0.0
    for row in _records(plan.builds):
        site_row = fleet.site(row.site)
        monthly = econ.capital_charge_usd_mw_month(
            site_row.conversion_capex_usd_mw, st.discount_rate, st.asset_life_years
        )
        remaining = month_table["df"].to_numpy()[horizon.index(row.month):]
        charge += float(row.build_mw) * monthly * float(remaining.sum())

    return Valuation(mining_usd=mining, hpc_usd=hpc, capital_charge_usd=charge)
