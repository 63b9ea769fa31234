"""Check each site's shadow value of grid power against re-solves, and say when it is not
meaningful; no Excel and no printing here.

An LP dual is the value of one more MW only where the optimum changes smoothly. At a kink
(a degenerate optimum: one more MW is worth less than one MW fewer costs) the solver returns
one subgradient among many, and for a MILP there is no dual at all. :func:`check_site_duals`
re-solves each site with its grid capacity one MW up and one MW down, over the whole horizon,
and labels the site's shadow value accordingly.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from allocator.api import optimize
from allocator.domain import Fleet
from allocator.errors import InfeasibleError, InputError
from allocator.results.plan import Plan

__all__ = ["check_site_duals"]

_REL_TOL = 1e-4


def check_site_duals(fleet: Fleet, plan: Plan, delta_mw: float = 1.0) -> Plan:
    """``plan`` with its Site Value checked by re-solving each site at capacity ± ``delta_mw``.

    Adds ``plus_1mw_npv_usd`` and ``minus_1mw_npv_usd`` (NPV change of one more / one less
    MW of grid at the site in every month) and ``shadow_value_check``. Where the two sides
    differ, the optimum is degenerate at that site: the averaged shadow value is blanked and
    the check says which value holds in which direction. For a MILP the re-solves keep the
    integers free, so the check states the discrete values.
    """
    base = plan.objective_usd
    sm = plan.site_months
    rows = []
    for i, site in enumerate(fleet.sites):
        own = sm[sm["site"] == site.name]
        predicted = float((own["site_power_value_usd_mw_month"] * own["discount_factor"]).sum())
        up = _value_at(fleet, i, site.capacity_mw + delta_mw)
        down = _value_at(fleet, i, site.capacity_mw - delta_mw)
        plus = (up - base) / delta_mw if up is not None else math.nan
        minus = (base - down) / delta_mw if down is not None else math.nan
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


def _value_at(fleet: Fleet, index: int, capacity_mw: float) -> float | None:
    """The optimum with site ``index``'s grid capacity set to ``capacity_mw``; None if none."""
    if capacity_mw <= 0:
        return None
    sites = list(fleet.sites)
    sites[index] = sites[index].model_copy(update={"capacity_mw": capacity_mw})
    try:
        return optimize(fleet.model_copy(update={"sites": tuple(sites)})).objective_usd
    except (InfeasibleError, InputError):
        return None
