"""The breakeven HPC rate without flexibility, beside the plan's own (which, found by
re-solving the LP, already counts curtailment on hourly prices); no file I/O here.

"Without flexibility" is the same fleet with the miners of every site on hourly prices
unable to stop (``curtailment none``): they run every hour at the month's full-hours average
price (the PPA price under a PPA, with nothing resold), pay the 4CP charge in full and earn
no demand-response credit. Emergency curtailment orders still apply: they are not the
miners' choice. The difference of the two rates is how much flexibility raises the HPC rate
at which converting a MW pays.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from allocator.domain import Fleet
from allocator.insight.breakevens import SITE_BREAKEVEN_COLUMNS, site_rows, with_probes
from allocator.insight.held import resolves_for
from allocator.optimization.solvers import SolverOptions

__all__ = ["FLAT_BREAKEVEN_COLUMNS", "flat_breakevens", "with_flat_breakevens",
           "without_flexibility"]

FLAT_BREAKEVEN_COLUMNS = ["site", "flat_breakeven_hpc_rate_usd_kw_month",
                          "flexibility_breakeven_shift_usd_kw_month"]


def without_flexibility(fleet: Fleet) -> Fleet:
    """``fleet`` with the miners of its sites on hourly prices set to ``curtailment none``."""
    hourly = {c.site for c in fleet.price_curves}
    sites = tuple(s.model_copy(update={"curtailment": "none"}) if s.name in hourly else s
                  for s in fleet.sites)
    return fleet.model_copy(update={"sites": sites})


def flat_breakevens(fleet: Fleet, rates: pd.DataFrame, options: SolverOptions,
                    probe_mw: float, max_rate: float, tol: float) -> pd.DataFrame | None:
    """Per site the breakeven HPC rate of :func:`without_flexibility` and how far the
    plan's own (``rates``: ``site``, ``breakeven_hpc_rate_usd_kw_month``) lies above it,
    columns :data:`FLAT_BREAKEVEN_COLUMNS`; ``None`` for a fleet without hourly prices.
    Searched as :func:`~allocator.insight.breakevens.site_breakevens` is."""
    if not fleet.price_curves:
        return None
    flat = without_flexibility(fleet)
    probes = with_probes(flat, probe_mw)
    rows = site_rows(resolves_for(probes.fleet, options), flat, probes, max_rate, tol)
    frame = pd.DataFrame({"site": [r["site"] for r in rows],
                          "flat_breakeven_hpc_rate_usd_kw_month": [
                              float(r["breakeven_hpc_rate_usd_kw_month"]) for r in rows]})
    own = frame["site"].map(dict(zip(rates["site"], rates["breakeven_hpc_rate_usd_kw_month"],
                                     strict=True))).astype(float)
    shift = own - frame["flat_breakeven_hpc_rate_usd_kw_month"]
    # two searches landing on the same basis differ by rounding only: show no shift, not -0.00
    frame["flexibility_breakeven_shift_usd_kw_month"] = shift.where(~(shift.abs() <= 1e-9), 0.0)
    return frame[FLAT_BREAKEVEN_COLUMNS]


def with_flat_breakevens(fleet: Fleet, rows: list[dict[str, Any]], options: SolverOptions,
                         probe_mw: float, max_rate: float, tol: float) -> pd.DataFrame:
    """The site breakeven ``rows`` (:func:`~allocator.insight.breakevens.site_rows`) as a
    frame, with :func:`flat_breakevens`'s columns joined on ``site`` where the fleet has
    hourly prices (Site Value's breakeven columns)."""
    rates = pd.DataFrame(rows, columns=SITE_BREAKEVEN_COLUMNS)
    flat = flat_breakevens(fleet, rates, options, probe_mw, max_rate, tol)
    if flat is None:
        return rates
    return rates.merge(flat, on="site", how="left", validate="one_to_one")
