"""Deal metrics of each conversion project: NOI, yield on cost, IRR, payback, NPV; pure.

Conventions (docs/model.md, "Deals"):

- **Stabilized NOI**: rent less the operator's power and opex over the 12 months from the
  first month of rent (rent commencement), in USD a year; a lease with fewer months of rent
  is annualized, ``x 12 / months``; an expected termination fee (a one-off) is left out.
- **Yield on cost**: stabilized NOI / the owner's capex of the project.
- **Unlevered IRR**: the monthly rate ``i`` at which the project's monthly net cash flows
  (capex when spent, rent, power, opex, horizon and contracted tail) have an NPV of 0,
  annualized as ``(1 + i) ^ 12 - 1``: the ``discount_rate`` at which the project's NPV under
  the plan's own discounting is 0. Blank where the flows do not change sign.
- **Payback**: the first month from which the cumulative net cash flow stays at or above 0;
  ``payback_months`` counts from the month of the project's first capex.
- **NPV**: the net cash flows discounted at ``discount_rate``, tail included.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.deals.cash_flows import ProjectFlows
from allocator.deals.financing import FINANCING_COLUMNS, Loan, financing_row
from allocator.deals.irr import irr_note, irr_pa, irr_pa_many, payback_offset
from allocator.deals.phases import DealFlows, merge_phases
from allocator.optimization.coefficients import Coefficients
from allocator.periods import add_months, month_index

__all__ = ["DEAL_COLUMNS", "deal_frame", "irr_pa", "payback_offset", "stabilized_noi_usd"]

Array = npt.NDArray[np.float64]

DEAL_COLUMNS = ["site", "contract", "tenant", "lease_structure", "lease_mw", "start_month",
                "end_month", "rent_start_month", "owner_capex_usd", "owner_capex_usd_mw",
                "tenant_capex_usd", "prepayment_usd",
                "stabilized_noi_usd", "yield_on_cost_pct", "unlevered_irr_pct",
                "payback_month", "payback_months", "project_npv_usd", "rent_in_horizon_usd",
                "contracted_tail_rent_usd", "tail_npv_usd", "renewal_rent_usd",
                "share_of_rent_pct", "irr_note"]

def stabilized_noi_usd(flows: ProjectFlows) -> float:
    """NOI over the 12 months from the first month of rent, a year's worth (module doc);
    the expected termination fee, a one-off, is left out."""
    paid = np.flatnonzero(flows.rent_usd > 0)
    if not len(paid):
        return math.nan
    year = (flows.noi_usd - flows.termination_fee_usd)[paid[0]: paid[0] + 12]
    return float(year.sum() * 12.0 / len(year))


def _structure(lease_structure: str | None, power_pass_through: bool) -> str:
    """The lease structure as given, else what power_pass_through says."""
    if lease_structure:
        return lease_structure
    return "power passed through" if power_pass_through else "gross"


def _prepaid_usd(coef: Coefficients, f: ProjectFlows) -> float:
    """Rent received at signing: the share prepaid of the lease's rent, for a lease starting
    in the horizon (one signed before it was prepaid before the plan)."""
    c = None if f.project.contract is None else coef.fleet.contracts[f.project.contract]
    if c is None or month_index(c.start_month) < month_index(coef.months[0]):
        return 0.0
    return c.prepayment_share * float(f.rent_usd[~f.in_renewal].sum())


def _deal_row(coef: Coefficients, f: ProjectFlows, total_rent_usd: float,
              irr: float) -> dict[str, object]:
    """The Deals row of one project, whose unlevered IRR is ``irr``."""
    p = f.project
    start = coef.months[0]
    contract = None if p.contract is None else coef.fleet.contracts[p.contract]
    capex = float(f.capex_usd.sum())
    noi = stabilized_noi_usd(f)
    cash = f.net_cash_flow_usd
    back = payback_offset(cash)
    first_capex = np.flatnonzero(f.capex_usd > 0)
    paid = np.flatnonzero(f.rent_usd > 0)
    tail = ~f.in_horizon & ~f.in_renewal
    rent = float(f.rent_usd[~f.in_renewal].sum())
    return {
        "site": coef.site.name[p.site],
        "contract": "" if contract is None else contract.name,
        "tenant": "" if contract is None else contract.tenant,
        "lease_structure": "" if contract is None else _structure(
            contract.lease_structure, contract.power_pass_through),
        "lease_mw": p.leased_mw,
        "start_month": "" if contract is None else contract.start_month,
        "end_month": "" if contract is None else add_months(contract.start_month,
                                                            contract.term_months - 1),
        "rent_start_month": add_months(start, int(f.offset[paid[0]])) if len(paid) else "",
        "owner_capex_usd": capex,
        "owner_capex_usd_mw": capex / p.leased_mw if p.leased_mw > 0 else math.nan,
        "tenant_capex_usd": float(f.tenant_capex_usd.sum()),
        "prepayment_usd": _prepaid_usd(coef, f),
        "stabilized_noi_usd": noi,
        "yield_on_cost_pct": noi / capex if capex > 0 else math.nan,
        "unlevered_irr_pct": irr,
        "payback_month": "" if back is None else add_months(start, int(f.offset[back])),
        "payback_months": (math.nan if back is None or not len(first_capex)
                           else float(back - first_capex[0])),
        "project_npv_usd": float((cash * f.discount_factor).sum()),
        "rent_in_horizon_usd": float(f.rent_usd[f.in_horizon].sum()),
        "contracted_tail_rent_usd": float(f.rent_usd[tail].sum()),
        "tail_npv_usd": float((cash[tail] * f.discount_factor[tail]).sum()),
        "renewal_rent_usd": float(f.rent_usd[f.in_renewal].sum()),
        "share_of_rent_pct": rent / total_rent_usd if total_rent_usd > 0 else math.nan,
        "irr_note": irr_note(irr, cash),
    }


def _phased(coef: Coefficients, d: DealFlows) -> dict[str, object]:
    """What a deal named in ``deal`` shows over its phases at the site: its name, the first
    phase's start and every phase's prepayment (nothing for a contract of its own)."""
    contracts = [coef.fleet.contracts[k] for k in d.phases]
    if not contracts or not contracts[0].deal:
        return {}
    return {"contract": d.deal,
            "start_month": min(contracts, key=lambda c: month_index(c.start_month)).start_month,
            "prepayment_usd": sum(_prepaid_usd(coef, f) for f in d.members)}


def _unfinanced(f: ProjectFlows) -> dict[str, float]:
    """The financing columns of a project without a loan (where another project has one)."""
    return {"loan_usd": 0.0, "equity_usd": float(f.capex_usd.sum()),
            "levered_irr_pct": math.nan, "min_dscr_factor": math.nan}


def deal_frame(coef: Coefficients, flows: list[ProjectFlows]) -> pd.DataFrame:
    """One row per project (site x deal: a deal's phases at a site are one project,
    :mod:`allocator.deals.phases`), :data:`DEAL_COLUMNS` (the ``Deals`` sheet), and with a
    loan in Settings the :data:`~allocator.deals.financing.FINANCING_COLUMNS` after them."""
    total = float(sum(f.rent_usd[~f.in_renewal].sum() for f in flows))
    settings, deals = coef.fleet.settings, merge_phases(coef, flows)
    loans = [Loan.of(settings, None if d.flows.project.contract is None
                     else coef.fleet.contracts[d.flows.project.contract]) for d in deals]
    irrs = irr_pa_many([d.flows.net_cash_flow_usd for d in deals])  # bisected together
    rows = [_deal_row(coef, d.flows, total, irr) | _phased(coef, d)
            | (_unfinanced(d.flows) if loan is None else financing_row(coef, d.flows, loan))
            for d, loan, irr in zip(deals, loans, irrs, strict=True)]
    financed = any(loan is not None for loan in loans)
    columns = DEAL_COLUMNS + (FINANCING_COLUMNS if financed else [])
    return pd.DataFrame(rows, columns=columns)
