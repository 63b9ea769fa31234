"""The checks on a deal delivered in phases (Contracts rows naming one ``deal``); pure.

Kept apart from :mod:`allocator.deals.phases` so the consistency pass (and ``validate``)
loads neither pandas nor the LP's coefficients. Refused, what would make "one deal"
ambiguous: phases of one deal with different tenants (at each differing ``tenant`` cell), and
a deal named like another row's contract that is not one of its phases (at the ``deal``
cell).
"""

from __future__ import annotations

from allocator.domain import Contract, Fleet
from allocator.errors import Problem

__all__ = ["deal_name", "phase_problems"]


def deal_name(contract: Contract) -> str:
    """The deal a Contracts row belongs to: its ``deal``, else its own name."""
    return contract.deal or contract.name


def phase_problems(fleet: Fleet) -> list[Problem]:
    """Every phase whose tenant differs from its deal's first phase, and every deal named
    like a contract outside it; empty when the phases are consistent."""
    out: list[Problem] = []
    first: dict[str, Contract] = {}
    for c in fleet.contracts:
        if not c.deal:
            continue
        lead = first.setdefault(c.deal, c)
        if c.tenant != lead.tenant:
            out.append(Problem(
                "Contracts", f"phase {c.name} of deal {c.deal} has tenant {c.tenant!r} but "
                f"its phase {lead.name} has {lead.tenant!r}; the phases of one deal share "
                "one tenant (give the other a deal of its own)", column="tenant",
                value=c.tenant, record=c.name))
    names = {c.name: c for c in fleet.contracts}
    for deal, lead in first.items():
        other = names.get(deal)
        if other is not None and other.deal != deal:
            out.append(Problem(
                "Contracts", f"deal {deal} is also the name of contract {deal}, which is not "
                "one of its phases; name the deal differently or give that row the same deal",
                column="deal", value=deal, record=lead.name))
    return out
