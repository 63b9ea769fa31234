"""Post-solve invariants of a plan, checked from its DataFrames; no solver here.

:func:`plan_violations` returns one sentence per broken rule, so a caller can fail loudly
(``optimize`` does) and tests can assert the list is empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.domain import Fleet
from allocator.periods import month_index, month_range
from allocator.results.plan import Plan

__all__ = ["plan_violations"]


def plan_violations(fleet: Fleet, plan: Plan, tol_mw: float = 1e-6) -> list[str]:
    """Every broken invariant of ``plan`` against ``fleet``; empty when all hold.

    Checked: site power within ``capacity_mw``; each tranche within ``uptime * installed``;
    each contract delivers exactly its commitment in every horizon month of its term, only at
    eligible sites, with ``min_mw`` (firm) <= commitment <= ``max_mw``; leased IT MW within
    the space online; conversion irreversible and within ``hpc_convertible_mw``; grid MW by
    use adds up to capacity.
    """
    out: list[str] = []
    sm = plan.site_months
    over = sm[sm["mining_grid_mw"] + sm["hpc_grid_mw"] > sm["capacity_mw"] + tol_mw]
    out += [f"site_power: {r.site} {r.month} uses more than {r.capacity_mw} MW"
            for r in over.itertuples()]
    lease_over = sm[sm["hpc_leased_mw"] > sm["hpc_online_mw"] + tol_mw]
    out += [f"hpc_capacity: {r.site} {r.month} leases {r.hpc_leased_mw:.6f} MW with only "
            f"{r.hpc_online_mw:.6f} MW online" for r in lease_over.itertuples()]
    neg = sm[(sm[["mining_mw", "hpc_leased_mw", "idle_mw", "hpc_converted_mw"]] < -tol_mw)
             .any(axis=1)]
    out += [f"negative MW at {r.site} {r.month}" for r in neg.itertuples()]

    tr = plan.tranches
    bad = tr[(tr["running_mw"] > tr["available_mw"] + tol_mw) | (tr["running_mw"] < -tol_mw)]
    out += [f"tranche: {r.site} {r.model} {r.month} runs {r.running_mw} of {r.available_mw} MW"
            for r in bad.itertuples()]

    horizon = month_range(fleet.settings.start_month, fleet.settings.months)
    first, last = month_index(horizon[0]), month_index(horizon[-1])
    delivered = plan.leases.groupby(["contract", "month"])["leased_mw"].sum()
    committed = dict(zip(plan.contracts["contract"], plan.contracts["committed_mw"], strict=True))
    for c in fleet.contracts:
        commit = float(committed.get(c.name, 0.0))
        lo = c.min_mw if c.firm else 0.0
        start = month_index(c.start_month)
        in_horizon = [m for m in horizon if start <= month_index(m) < start + c.term_months]
        if in_horizon and not (lo - tol_mw <= commit <= c.max_mw + tol_mw):
            out.append(f"contract_size: {c.name} commits {commit} MW outside [{lo}, {c.max_mw}]")
        for m in in_horizon:
            got = float(delivered.get((c.name, m), 0.0))
            if abs(got - commit) > tol_mw * max(1.0, commit):
                out.append(f"contract_delivery: {c.name} {m} delivers {got} MW, commits {commit}")
        leases = plan.leases[plan.leases["contract"] == c.name]
        if c.sites:
            wrong = set(leases["site"]) - set(c.sites)
            if wrong:
                out.append(f"contract_sites: {c.name} leased at ineligible {sorted(wrong)}")
        outside = [m for m in leases["month"] if not (start <= month_index(m) < start
                                                      + c.term_months)
                   or not first <= month_index(m) <= last]
        if outside:
            out.append(f"contract_term: {c.name} leased outside its term in {outside[:3]}")

    converted = sm.pivot(index="site", columns="month", values="hpc_converted_mw")
    limit = pd.Series({s.name: s.hpc_convertible_mw for s in fleet.sites})
    peak = converted.max(axis=1)
    for name in peak.index[peak > limit.reindex(peak.index) + tol_mw]:
        out.append(f"convertible_space: {name} converts {peak[name]} MW of {limit[name]}")
    if converted.shape[1] > 1:
        drops = np.asarray((np.diff(converted.to_numpy(), axis=1) < -tol_mw).any(axis=1),
                           dtype=bool)
        out += [f"irreversible: converted MW at {name} goes down"
                for name in converted.index[drops]]

    total = plan.allocation.groupby(["site", "month"])["grid_mw"].sum()
    cap = sm.set_index(["site", "month"])["capacity_mw"]
    gap = (total - cap).abs()
    out += [f"allocation: {s} {m} uses add up to {total[(s, m)]}, capacity {cap[(s, m)]}"
            for (s, m) in gap[gap > tol_mw].index]
    return out
