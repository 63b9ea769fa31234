"""Check each site's shadow value of grid power against re-solves, and say when it is not
meaningful; no Excel and no printing here.

An LP dual is the value of one more MW only where the optimum changes smoothly. At a kink
(a degenerate optimum: one more MW is worth less than one MW fewer costs) the solver returns
one subgradient among many, and for a MILP there is no dual at all. :func:`check_site_duals`
finds the optimum with each site's grid capacity one MW up and one MW down, over the whole
horizon, and labels the site's shadow value accordingly.

On the default HiGHS path the fleet's LP is held (:class:`~allocator.insight.held.HeldModel`)
and a side needs no re-solve where the optimal basis stays feasible with the capacity moved:
the optimum then moves by exactly the duals times the change. Only the other sides re-solve
(warm, bounds changed in place); a MILP re-solves every side. Other solvers rebuild each
variant and optimize it.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from allocator.api import optimize
from allocator.consistency import check_consistency
from allocator.domain import Fleet
from allocator.errors import InfeasibleError, InputError
from allocator.insight.held import HeldModel
from allocator.optimization.backends import is_direct_highs
from allocator.optimization.solvers import SolverOptions
from allocator.results.plan import Plan

__all__ = ["check_site_duals", "site_duals_on"]

_REL_TOL = 1e-4


def check_site_duals(fleet: Fleet, plan: Plan, delta_mw: float = 1.0) -> Plan:
    """``plan`` with its Site Value checked by re-solving each site at capacity ± ``delta_mw``.

    Adds ``plus_1mw_npv_usd`` and ``minus_1mw_npv_usd`` (NPV change of one more / one less
    MW of grid at the site in every month) and ``shadow_value_check``. Where the two sides
    differ, the optimum is degenerate at that site: the averaged shadow value is blanked and
    the check says which value holds in which direction. For a MILP the re-solves keep the
    integers free, so the check states the discrete values.
    """
    return site_duals_on(None, fleet, plan, delta_mw)


def site_duals_on(held: HeldModel | None, fleet: Fleet, plan: Plan,
                  delta_mw: float = 1.0) -> Plan:
    """:func:`check_site_duals` on ``held``: a held model of ``fleet`` (or of ``fleet`` with
    idle probes, which change no optimum) on the fleet's own solver, instead of building one
    (``None``: build one, or rebuild each variant off HiGHS)."""
    sm = plan.site_months
    rows = []
    gains = _gains(fleet, plan, delta_mw, held)
    for site, (up, down) in zip(fleet.sites, gains, strict=True):
        own = sm[sm["site"] == site.name]
        predicted = float((own["site_power_value_usd_mw_month"] * own["discount_factor"]).sum())
        plus = up / delta_mw if up is not None else math.nan
        minus = -down / delta_mw if down is not None else math.nan
        scale = max(1.0, abs(plus), abs(minus))
        smooth = math.isfinite(plus) and math.isfinite(minus) and abs(plus - minus) <= (
            _REL_TOL * scale)
        if plan.run_info.dual_kind == "fixed_integer_lp":
            note = (f"MILP: +{delta_mw:g} MW adds ${plus:,.0f}, -{delta_mw:g} MW costs "
                    f"${minus:,.0f} (NPV); the number shown is the fixed-integer LP dual")
        elif smooth and abs(predicted - plus) <= _REL_TOL * scale:
            note = "LP dual, confirmed by re-solving at +/-1 MW"
        elif smooth:
            note = (f"LP dual differs from the re-solve (${plus:,.0f} NPV per MW); "
                    "the re-solve is right")
        else:
            note = (f"degenerate: +{delta_mw:g} MW adds ${plus:,.0f}, -{delta_mw:g} MW costs "
                    f"${minus:,.0f} (NPV); no single shadow value")
        rows.append({"site": site.name, "plus_1mw_npv_usd": plus, "minus_1mw_npv_usd": minus,
                     "shadow_value_check": note, "smooth": smooth})
    checks = pd.DataFrame(rows)
    value = plan.site_value.drop(
        columns=[c for c in ("plus_1mw_npv_usd", "minus_1mw_npv_usd", "shadow_value_check")
                 if c in plan.site_value.columns])
    merged = value.merge(checks, on="site", how="left")
    blank = ~merged["smooth"].astype(bool) & (plan.run_info.dual_kind == "lp")
    for column in ("avg_shadow_value_usd_mw_month", "max_shadow_value_usd_mw_month"):
        merged[column] = merged[column].where(~blank, np.nan)
    merged = merged.drop(columns=["smooth"])
    return dataclasses.replace(plan, site_value=merged)


Gain = float | None
"""Change of the optimum, USD; ``None`` where the variant has no plan (or is refused)."""


def _gains(fleet: Fleet, plan: Plan, delta_mw: float,
           held: HeldModel | None) -> list[tuple[Gain, Gain]]:
    """Per site, the optimum's change at capacity + and - ``delta_mw`` (the fleet's solver)."""
    options = SolverOptions(name=fleet.settings.solver)
    if held is None and not is_direct_highs(options):
        base = plan.objective_usd
        values = [(_value_at(fleet, i, site.capacity_mw + delta_mw),
                   _value_at(fleet, i, site.capacity_mw - delta_mw))
                  for i, site in enumerate(fleet.sites)]
        return [(None if up is None else up - base, None if down is None else down - base)
                for up, down in values]
    held = held or HeldModel(fleet, options)
    # what the base basis says, for every site before any re-solve moves it
    told = [held.capacity_gain(i, delta_mw) for i in range(len(fleet.sites))]
    out: list[tuple[Gain, Gain]] = []
    for i, (site, sides) in enumerate(zip(fleet.sites, told, strict=True)):
        pair: list[Gain] = []
        for d, gain in zip((delta_mw, -delta_mw), sides, strict=True):
            if _refused(fleet, i, site.capacity_mw + d):
                pair.append(None)
            elif gain is not None:
                pair.append(gain)
            else:
                try:
                    pair.append(held.with_capacity(i, d) - held.objective)
                except InfeasibleError:
                    pair.append(None)
        out.append((pair[0], pair[1]))
    return out


def _with_capacity(fleet: Fleet, index: int, capacity_mw: float) -> Fleet:
    sites = list(fleet.sites)
    sites[index] = sites[index].model_copy(update={"capacity_mw": capacity_mw})
    return fleet.model_copy(update={"sites": tuple(sites)})


def _refused(fleet: Fleet, index: int, capacity_mw: float) -> bool:
    """Whether :func:`~allocator.api.optimize` would refuse the fleet at that capacity.

    No capacity at all, or a consistency error. More grid breaks no consistency check, and
    less grid can only break those that read it: the site's existing HPC, the fleet's HPC
    share, its hashrate floor and firm contracts' space; the pass runs only when one of them
    is in play.
    """
    site = fleet.sites[index]
    if capacity_mw <= 0:
        return True
    if capacity_mw >= site.capacity_mw:
        return False
    st = fleet.settings
    if not (site.hpc_existing_mw > 0 or st.max_hpc_share is not None
            or st.min_fleet_hashrate_ehs or any(c.firm and c.min_mw > 0
                                                for c in fleet.contracts)):
        return False
    return bool(check_consistency(_with_capacity(fleet, index, capacity_mw)).errors)


def _value_at(fleet: Fleet, index: int, capacity_mw: float) -> float | None:
    """The optimum with site ``index``'s grid capacity set to ``capacity_mw``; None if none."""
    if capacity_mw <= 0:
        return None
    try:
        return optimize(_with_capacity(fleet, index, capacity_mw)).objective_usd
    except (InfeasibleError, InputError):
        return None
