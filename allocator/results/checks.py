"""Post-solve invariants of a plan, checked from its DataFrames; no solver here.

:func:`plan_violations` returns one sentence per broken rule, so a caller can fail loudly
(``optimize`` does) and tests can assert the list is empty. Every comparison allows
``FEASIBILITY_TOL_MW + RTOL x`` the size of the quantities compared, never a fixed MW margin:
a solver meets a row within its feasibility tolerance, and CBC hands PuLP its values with 8
significant digits (686.2 MW comes back up to 5e-6 MW off, 7e-9 of the cap).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

from allocator.domain import Fleet
from allocator.periods import month_index, month_indexes, month_range
from allocator.results.plan import PPA_BLOCKS_SHEET, Plan

__all__ = ["FEASIBILITY_TOL_MW", "RTOL", "plan_violations"]

RTOL = 1e-6
"""Allowed error relative to the quantities compared (CBC's 8 digits are 5e-8 of a value)."""

FEASIBILITY_TOL_MW = 1e-7
"""HiGHS's and CBC's default primal feasibility tolerance: the margin at quantities near 0."""


def _margin(rtol: float, feasibility_tol_mw: float, *sizes: Any) -> Any:
    """The margin allowed when comparing quantities of these sizes (arrays or numbers)."""
    size = np.maximum.reduce([np.abs(np.asarray(x, dtype=float)) for x in sizes])
    return feasibility_tol_mw + rtol * size


def plan_violations(fleet: Fleet, plan: Plan, rtol: float = RTOL,
                    feasibility_tol_mw: float = FEASIBILITY_TOL_MW) -> list[str]:
    """Every broken invariant of ``plan`` against ``fleet``; empty when all hold.

    Checked: site power within ``capacity_mw``; each tranche within ``uptime * installed``;
    each contract delivers exactly its commitment in every horizon month of its term, only at
    eligible sites, with ``min_mw`` (firm) <= commitment <= ``max_mw``; leased IT MW within
    the space online; conversion irreversible and within ``hpc_convertible_mw``; grid MW by
    use adds up to capacity. Each allows ``feasibility_tol_mw + rtol x`` the larger of the
    two sides' sizes.
    """
    slack = functools.partial(_margin, rtol, feasibility_tol_mw)
    out: list[str] = []
    sm = plan.site_months
    used = sm["mining_grid_mw"] + sm["hpc_grid_mw"]
    over = sm[used > sm["capacity_mw"] + slack(sm["capacity_mw"], used)]
    out += [f"site_power: {r.site} {r.month} uses more than {r.capacity_mw} MW"
            for r in over.itertuples()]
    lease_over = sm[sm["hpc_leased_mw"] > sm["hpc_online_mw"]
                    + slack(sm["hpc_online_mw"], sm["hpc_leased_mw"])]
    out += [f"hpc_capacity: {r.site} {r.month} leases {r.hpc_leased_mw:.6f} MW with only "
            f"{r.hpc_online_mw:.6f} MW online" for r in lease_over.itertuples()]
    neg = sm[(sm[["mining_mw", "hpc_leased_mw", "idle_mw", "hpc_converted_mw"]]
              .lt(-slack(sm["capacity_mw"]), axis=0)).any(axis=1)]
    out += [f"negative MW at {r.site} {r.month}" for r in neg.itertuples()]

    tr = plan.tranches
    margin = slack(tr["available_mw"], tr["running_mw"])
    bad = tr[(tr["running_mw"] > tr["available_mw"] + margin) | (tr["running_mw"] < -margin)]
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
        margin = float(slack(c.max_mw, commit))
        if in_horizon and not (lo - margin <= commit <= c.max_mw + margin):
            out.append(f"contract_size: {c.name} commits {commit} MW outside [{lo}, {c.max_mw}]")
        for m in in_horizon:
            got = float(delivered.get((c.name, m), 0.0))
            if abs(got - commit) > margin:
                out.append(f"contract_delivery: {c.name} {m} delivers {got} MW, commits {commit}")
        leases = plan.leases[plan.leases["contract"] == c.name]
        if c.sites:
            wrong = set(leases["site"].tolist()) - set(c.sites)
            if wrong:
                out.append(f"contract_sites: {c.name} leased at ineligible {sorted(wrong)}")
        months = leases["month"].tolist()
        outside = [m for m, at in zip(months, month_indexes(months), strict=True)
                   if not (start <= at < start + c.term_months and first <= at <= last)]
        if outside:
            out.append(f"contract_term: {c.name} leased outside its term in {outside[:3]}")

    converted = sm.pivot(index="site", columns="month", values="hpc_converted_mw")
    limit = pd.Series({s.name: s.hpc_convertible_mw for s in fleet.sites})
    peak = converted.max(axis=1)
    room = limit.reindex(peak.index)
    for name in peak.index[peak > room + slack(room, peak)]:
        out.append(f"convertible_space: {name} converts {peak[name]} MW of {limit[name]}")
    if converted.shape[1] > 1:
        stock = converted.to_numpy()
        drops = np.asarray((np.diff(stock, axis=1) < -slack(stock[:, 1:])).any(axis=1),
                           dtype=bool)
        out += [f"irreversible: converted MW at {name} goes down"
                for name in converted.index[drops]]

    total = plan.allocation.groupby(["site", "month"])["grid_mw"].sum()
    cap = sm.set_index(["site", "month"])["capacity_mw"]
    gap = (total - cap).abs()
    out += [f"allocation: {s} {m} uses add up to {total[(s, m)]}, capacity {cap[(s, m)]}"
            for (s, m) in gap[gap > slack(cap.reindex(gap.index))].index]
    return out + _ppa_block_violations(plan, slack)


def _ppa_block_violations(plan: Plan, slack: Any) -> list[str]:
    """A fixed PPA block's grid MW on miners, leases and nothing add up to ``ppa_mw``; no
    more running MW are on it than run, nor more leased grid MW than its site's leases draw."""
    out: list[str] = []
    if "ppa_covered_mw" in plan.tranches:
        tr = plan.tranches
        over = tr[tr["ppa_covered_mw"] > tr["running_mw"] + slack(tr["running_mw"])]
        out += [f"ppa_mine_cover: {r.site} {r.model} {r.month} has {r.ppa_covered_mw} MW on "
                f"the PPA block, running {r.running_mw}" for r in over.itertuples()]
    blocks = plan.extra.get(PPA_BLOCKS_SHEET)
    if blocks is None:
        return out
    used = blocks["ppa_mining_grid_mw"] + blocks["ppa_hpc_grid_mw"] + blocks["ppa_unused_mw"]
    bad = blocks[(used - blocks["ppa_mw"]).abs() > slack(blocks["ppa_mw"], used)]
    out += [f"ppa_block: {r.site} {r.month} assigns {used[i]} of its {r.ppa_mw} MW block"
            for i, r in zip(bad.index, bad.itertuples(), strict=True)]
    drawn = plan.site_months.set_index(["site", "month"])["hpc_grid_mw"]
    hpc = blocks.set_index(["site", "month"])["ppa_hpc_grid_mw"]
    limit = drawn.reindex(hpc.index)
    out += [f"ppa_hpc_cover: {s} {m} has {hpc[(s, m)]} leased grid MW on the PPA block, "
            f"{limit[(s, m)]} MW of HPC space" for (s, m) in hpc.index[hpc > limit + slack(limit)]]
    return out
