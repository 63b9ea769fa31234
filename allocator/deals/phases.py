"""Deals delivered in phases: Contracts rows naming one ``deal`` are its phases; pure.

Each phase is its own contract to the LP (its own ``start_month``, MW and term, so halls
handed over 12 months apart are leased from their own month). The deal metrics read them as
one deal: :func:`merge_phases` adds the phases' cash flows at a site month by month into one
project (one Deals row per site x deal); the portfolio metrics (backlog, WALT, rent by
tenant) already run over every phase's lease. A row with a blank ``deal`` is a deal of its
own, named by its contract.
The checks on the phases are in :mod:`allocator.deals.phase_checks`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator import economics as econ
from allocator.deals.cash_flows import Project, ProjectFlows
from allocator.deals.phase_checks import deal_name
from allocator.domain import Contract
from allocator.optimization.coefficients import Coefficients
from allocator.periods import month_index

__all__ = ["DealFlows", "deal_name", "merge_phases"]


@dataclass(frozen=True)
class DealFlows:
    """One site x deal: its phases' flows (in the fleet's order) and their sum."""

    deal: str
    members: tuple[ProjectFlows, ...]
    flows: ProjectFlows

    @property
    def phases(self) -> tuple[int, ...]:
        """The phases' contract indices."""
        return tuple(int(f.project.contract) for f in self.members
                     if f.project.contract is not None)


def _end_index(c: Contract) -> int:
    """Month index of the contract's last month."""
    return month_index(c.start_month) + c.term_months - 1


def merge_phases(coef: Coefficients, flows: list[ProjectFlows]) -> list[DealFlows]:
    """The projects grouped by site x deal, in order of first appearance; a deal of one
    phase at a site keeps its flows as they are."""
    groups: dict[tuple[int, str], list[ProjectFlows]] = {}
    for f in flows:
        k = f.project.contract
        name = "" if k is None else deal_name(coef.fleet.contracts[k])
        groups.setdefault((f.project.site, name), []).append(f)
    out: list[DealFlows] = []
    for (_, name), members in groups.items():
        no_cash = not any(len(f.offset) for f in members)
        merged = members[0] if len(members) == 1 or no_cash else _added(coef, members)
        out.append(DealFlows(name, tuple(members), merged))
    return out


def _added(coef: Coefficients, members: list[ProjectFlows]) -> ProjectFlows:
    """The phases' flows added month by month over the union of their months; the project
    leases the phases' MW together, carries their capex shares together and is named by the
    phase ending last (its term ends the deal's). A month counts as renewal only where every
    phase with cash in it is in its renewal options."""
    first = min(int(f.offset[0]) for f in members if len(f.offset))
    last = max(int(f.offset[-1]) for f in members if len(f.offset))
    offset = np.arange(first, last + 1, dtype=np.int64)
    columns = ("capex_usd", "tenant_capex_usd", "prepayment_usd", "rent_usd",
               "power_cost_usd", "opex_usd", "termination_fee_usd")
    summed = {name: np.zeros(len(offset)) for name in columns}
    present, firm = np.zeros(len(offset), dtype=bool), np.zeros(len(offset), dtype=bool)
    for f in members:
        at = f.offset - first
        for name in columns:
            summed[name][at] += getattr(f, name)
        present[at] = True
        firm[at] |= ~f.in_renewal
    contracts = coef.fleet.contracts
    p0 = max(members, key=lambda f: _end_index(contracts[int(f.project.contract or 0)])).project
    project = Project(p0.site, p0.contract, sum(f.project.leased_mw for f in members),
                      sum(f.project.capex_share for f in members))
    discount = econ.discount_factor(offset.astype(float), coef.fleet.settings.discount_rate)
    return ProjectFlows(project, offset, capex_usd=summed["capex_usd"],
                        tenant_capex_usd=summed["tenant_capex_usd"],
                        prepayment_usd=summed["prepayment_usd"], rent_usd=summed["rent_usd"],
                        power_cost_usd=summed["power_cost_usd"], opex_usd=summed["opex_usd"],
                        discount_factor=np.asarray(discount, dtype=float),
                        horizon_months=members[0].horizon_months,
                        renewal_mask=present & ~firm,
                        fee_mask=summed["termination_fee_usd"])
