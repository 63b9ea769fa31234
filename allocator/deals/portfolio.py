"""Portfolio metrics of a solved plan's leases and the bridge from planning to cash NPV; pure.

- **Contracted backlog**: rent the plan's leases are owed from its first month to the end of
  their terms (nominal USD; inside the horizon and the contracted tail after it).
- **Weighted average lease term** (WALT): each lease's months of rent from the plan's first
  month (or its own start, if later) to its end, in years, weighted by its annual rent at
  commencement (``leased MW x rate x 12,000``).
- **Share of rent by tenant**: each tenant's part of the backlog (a blank tenant is named by
  its contract).
- **NPV bridge**: the planning NPV counts conversion capital as a monthly charge inside the
  horizon and no rent after it; the cash NPV counts capex when spent and the contracted tail.
  Line by line, in discounted USD::

      Planning NPV (capital as a charge within the horizon)
    + capital charge within the horizon
    - conversion capex when spent
    + conversion capex funded by tenants
    + contracted tail after the horizon (rent - power - opex of signed leases)
    + renewal options after the firm term, as valued (renewal_probability)
    + prepayments at signing, less the rent they stand for
    = cash NPV incl. contracted tail
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.deals.cash_flows import ProjectFlows
from allocator.optimization.coefficients import Coefficients
from allocator.periods import month_index
from allocator.results.plan import Plan

__all__ = ["BRIDGE_LABELS", "NpvBridge", "Portfolio", "npv_bridge", "portfolio"]

BRIDGE_LABELS: dict[str, str] = {
    "planning_npv_usd": "Planning NPV (capital as a charge within the horizon)",
    "capital_charge_in_horizon_usd": "+ capital charge within the horizon",
    "capex_when_spent_usd": "- conversion capex when spent",
    "tenant_funded_capex_usd": "+ conversion capex funded by tenants",
    "contracted_tail_usd": "+ contracted tail after the horizon (rent - power - opex)",
    "renewal_options_usd": "+ renewal options after the firm term, as valued",
    "prepayment_timing_usd": "+ prepayments at signing, less the rent they stand for",
    "cash_npv_usd": "= cash NPV incl. contracted tail",
}
"""Each bridge line's words, in order; the values are discounted USD, added as signed."""


@dataclass(frozen=True)
class NpvBridge:
    """The planning NPV reconciled with the cash NPV, discounted USD (module docstring)."""

    planning_npv_usd: float
    capital_charge_in_horizon_usd: float
    capex_when_spent_usd: float
    tenant_funded_capex_usd: float
    contracted_tail_usd: float
    prepayment_timing_usd: float
    renewal_options_usd: float = 0.0

    @property
    def cash_npv_usd(self) -> float:
        """Planning NPV + capital charge - capex when spent + tenant-funded capex +
        contracted tail + prepayment timing."""
        return (self.planning_npv_usd + self.capital_charge_in_horizon_usd
                - self.capex_when_spent_usd + self.tenant_funded_capex_usd
                + self.contracted_tail_usd + self.renewal_options_usd
                + self.prepayment_timing_usd)

    def lines(self) -> list[tuple[str, float]]:
        """``(key, value)`` in :data:`BRIDGE_LABELS` order, each value as printed (unsigned)."""
        return [(key, float(getattr(self, key))) for key in BRIDGE_LABELS]


@dataclass(frozen=True)
class Portfolio:
    """The leases' backlog, WALT and tenant concentration."""

    contracted_backlog_usd: float
    backlog_after_horizon_usd: float
    walt_years: float
    rent_share_by_tenant: dict[str, float]

    def tenant_text(self) -> str:
        """``AI Lab C 86.1 %, Chip Designer A 13.9 %``, largest first."""
        return ", ".join(f"{name} {100 * share:.1f} %"
                         for name, share in self.rent_share_by_tenant.items())


def npv_bridge(plan: Plan, flows: list[ProjectFlows]) -> NpvBridge:
    """The plan's planning NPV and the lines leading from it to the cash NPV."""
    s = plan.summary
    discount = s["discount_factor"].to_numpy(dtype=float)
    tail = sum(float((f.noi_usd * f.discount_factor)[~f.in_horizon & ~f.in_renewal].sum())
               for f in flows)
    renewals = sum(float((f.noi_usd * f.discount_factor)[f.in_renewal].sum()) for f in flows)
    return NpvBridge(
        planning_npv_usd=plan.npv_usd,
        capital_charge_in_horizon_usd=float(
            (s["capital_charge_usd"].to_numpy(dtype=float) * discount).sum()),
        capex_when_spent_usd=float((s["capex_usd"].to_numpy(dtype=float) * discount).sum()),
        tenant_funded_capex_usd=sum(float((f.tenant_capex_usd * f.discount_factor).sum())
                                    for f in flows),
        contracted_tail_usd=tail,
        renewal_options_usd=renewals,
        prepayment_timing_usd=sum(float((f.prepayment_usd * f.discount_factor).sum())
                                  for f in flows),
    )


def portfolio(coef: Coefficients, flows: list[ProjectFlows]) -> Portfolio:
    """Backlog, WALT and rent share by tenant of the projects' leases."""
    first = month_index(coef.months[0])
    weights: list[float] = []
    years: list[float] = []
    by_tenant: dict[str, float] = {}
    backlog = after = 0.0
    for f in flows:
        if f.project.contract is None:
            continue
        c = coef.fleet.contracts[f.project.contract]
        rent = float(f.rent_usd[~f.in_renewal].sum())
        backlog += rent
        after += float(f.rent_usd[~f.in_horizon & ~f.in_renewal].sum())
        name = c.tenant or c.name
        by_tenant[name] = by_tenant.get(name, 0.0) + rent
        start = max(month_index(c.start_month), first)
        end = month_index(c.start_month) + c.term_months
        weights.append(f.project.leased_mw * c.rate_usd_kw_month * 12_000.0)
        years.append(max(end - start, 0) / 12.0)
    total_weight = float(np.sum(weights)) if weights else 0.0
    walt = float(np.dot(weights, years) / total_weight) if total_weight > 0 else float("nan")
    shares = {name: rent / backlog for name, rent in
              sorted(by_tenant.items(), key=lambda item: -item[1])} if backlog > 0 else {}
    return Portfolio(backlog, after, walt, shares)
