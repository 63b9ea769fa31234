"""Breakevens: the HPC rate at which each site converts one more MW, by re-solving with a
small probe lease, and the hashprice at which each miner tranche pays its way, by formula; no
file I/O and no printing here.

A site's breakeven is the rate of its probe at which the plan starts to take it: read off the
optimal basis where that basis proves it (:func:`probe_rate`), else bisected between a rate
where the plan leaves the probe and one where it takes it (the reported rate is then the
upper end of the final bracket). Either way a re-solve at the reported rate plus ``tol``
takes the probe and one at the reported rate minus ``tol`` does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from allocator import economics as econ
from allocator.api import FleetSource
from allocator.domain import Contract, Fleet, name_key
from allocator.insight.held import resolves_for
from allocator.insight.resolve import (
    MAX_RATE_USD_KW_MONTH,
    TOL_USD_KW_MONTH,
    Base,
    Resolves,
    check_search,
    is_taken,
    money_rate,
)
from allocator.optimization.coefficients import Coefficients, compute_coefficients
from allocator.optimization.solvers import SolverOptions
from allocator.periods import add_months
from allocator.results.plan import Plan
from allocator.scenarios.cases import fleet_of, solver_options

__all__ = [
    "MINER_BREAKEVEN_COLUMNS",
    "MINER_BREAKEVEN_SHEET",
    "SITE_BREAKEVEN_COLUMNS",
    "Probes",
    "miner_breakevens",
    "probe_contract",
    "probe_rate",
    "site_breakevens",
    "site_rows",
    "with_probes",
]

MINER_BREAKEVEN_SHEET = "Miner Breakeven"
"""Name of the ``plan.extra`` frame (and sheet) holding :func:`miner_breakevens`."""

SITE_BREAKEVEN_COLUMNS = [
    "site", "breakeven_hpc_rate_usd_kw_month", "breakeven_probe_mw",
    "breakeven_lease_start_month", "breakeven_note",
]
MINER_BREAKEVEN_COLUMNS = [
    "site", "model", "units", "efficiency_j_th", "available_mw",
    "first_month_breakeven_hashprice_usd_ph_day", "avg_breakeven_hashprice_usd_ph_day",
    "first_month_hashprice_usd_ph_day", "avg_hashprice_usd_ph_day",
    "months_above_breakeven", "avg_running_mw",
]


# -------------------------------------------------------------------------- site breakevens


def probe_contract(fleet: Fleet, site: str, rate_usd_kw_month: float, *,
                   mw: float = 1.0, name: str | None = None) -> Contract | None:
    """The small lease offer a site's breakeven HPC rate is found with.

    ``mw`` IT MW (a whole conversion block where the site converts in blocks) at ``site``
    only, power passed through, from the earliest month a conversion started in the first
    month can be online to the end of the horizon; not firm. ``None`` where the site has no
    convertible space or its lead time leaves no month to lease.

    Args:
        fleet: The fleet.
        site: Site name.
        rate_usd_kw_month: The probe's rate.
        mw: Probe size, IT MW.
        name: Contract name (default ``probe <site>``, made unique among the fleet's).

    Raises:
        KeyError: no such site.
    """
    s = fleet.site(site)
    st = fleet.settings
    if s.hpc_convertible_mw <= 0 or s.conversion_lead_months >= st.months:
        return None
    block = getattr(s, "conversion_block_mw", None)
    size = max(float(mw), float(block or 0.0))
    name = _unused_name(name or f"probe {site}", {name_key(c.name) for c in fleet.contracts})
    return Contract(
        name=name, tenant="breakeven probe", rate_usd_kw_month=float(rate_usd_kw_month),
        max_mw=size, start_month=add_months(st.start_month, s.conversion_lead_months),
        term_months=st.months - s.conversion_lead_months, sites=(s.name,),
        power_pass_through=True,
    )


def _unused_name(name: str, taken: set[str]) -> str:
    """``name``, numbered (``probe A 2``) until its name key is not in ``taken``."""
    candidate, number = name, 1
    while name_key(candidate) in taken:
        number += 1
        candidate = f"{name} {number}"
    return candidate


@dataclass(frozen=True)
class Probes:
    """The fleet with one probe per convertible site appended (all at rate 0)."""

    fleet: Fleet
    index: dict[str, int]  # site -> contract index of its probe


def with_probes(fleet: Fleet, probe_mw: float) -> Probes:
    """One probe per site, all in one model, so every bisection shares one structure.

    A probe at rate 0 is worth at most nothing (its rent is 0 and its opex is not negative),
    so dropping it from any solution loses nothing: the optimal value, and so every flip
    rate of another probe or contract, is the same as without it.

    Args:
        fleet: The fleet.
        probe_mw: IT MW of each probe (:func:`probe_contract`).
    """
    contracts = list(fleet.contracts)
    taken = {name_key(c.name) for c in contracts}
    index: dict[str, int] = {}
    for s in fleet.sites:
        name = _unused_name(f"probe {s.name}", taken)
        probe = probe_contract(fleet, s.name, 0.0, mw=probe_mw, name=name)
        if probe is not None:
            taken.add(name_key(name))
            index[s.name] = len(contracts)
            contracts.append(probe)
    return Probes(fleet.model_copy(update={"contracts": tuple(contracts)}), index)


def _idle_hpc_mw(coef: Coefficients, sol: Base, s: int, first: int) -> float:
    """Least online HPC MW at site ``s`` left unleased from month ``first`` on."""
    t_count = len(coef.months)
    if first >= t_count:
        return 0.0
    site = coef.sites[s]
    lead = site.conversion_lead_months
    online = np.full(t_count, site.hpc_existing_mw)
    if lead < t_count:
        online[lead:] += sol.converted_mw[s, : t_count - lead]
    leased = np.zeros(t_count)
    for k, terms in enumerate(coef.contracts):
        if s in terms.sites and len(terms.months):
            leased[terms.months] += sol.lease_mw[s, k]
    return float((online - leased)[first:].min())


Told = tuple[float, bool] | None
"""What a basis says of a probe: ``(rate, decided)`` (not leased below ``rate``; the flip is
``rate`` when ``decided``), or ``None``: nothing."""


def probe_rate(resolves: Resolves, k: int, entry: Told, forced: Told, max_rate: float,
               tol: float) -> float | None:
    """The rate at which probe ``k`` is first leased: 0 when leased at no rent, ``None`` when
    not even at ``max_rate``.

    Every probe is at rate 0 in the base solve. ``entry`` is what its basis says
    (:meth:`~allocator.insight.resolve.Resolves.entry_rate`): below that rate the probe is
    not leased; where the ratio test also shows it then enters by more than a trace, that
    rate is the flip and nothing is re-solved. Otherwise a re-solve with a trace of the
    probe forced in gives its marginal cost (``forced``, from the re-solve with every such
    probe forced in at once, :meth:`~allocator.insight.resolve.Resolves.forced_rates`;
    else one of its own), which is the flip where that basis holds down to no probe at
    all. Only where none of these decides is the rate bisected.
    """
    if is_taken(float(resolves.base.commit_mw[k])):
        return 0.0
    if entry is not None:
        rate, decided = entry
        if rate >= max_rate:
            return None
        if decided:
            return rate
    if forced is None or not forced[1]:
        forced = resolves.forced_rates([k]).get(k)
    if forced is not None and forced[1]:
        return None if forced[0] >= max_rate else forced[0]
    return resolves.search(k, ranging=False).flip(is_taken, 0.0, max_rate, tol)


def site_rows(resolves: Resolves, fleet: Fleet, probes: Probes, max_rate: float,
              tol: float) -> list[dict[str, Any]]:
    """The :func:`site_breakevens` rows, searched with ``resolves`` of ``probes.fleet``.

    Args:
        resolves: The re-solves of ``probes.fleet`` (shared with the caller's other searches).
        fleet: The fleet without probes (its sites name the rows).
        probes: The fleet with every site's probe (:func:`with_probes`).
        max_rate: Highest rate a probe is offered, USD/kW-month.
        tol: Bisection tolerance, USD/kW-month.

    Returns:
        One dict per site, keys :data:`SITE_BREAKEVEN_COLUMNS`.
    """
    coef, base = resolves.coef, resolves.base
    # what the base basis says, read for every probe before any re-solve moves it
    entries = {k: resolves.entry_rate(k) for k in probes.index.values()}
    # then one re-solve with a trace of every probe the base basis could not settle
    forced = resolves.forced_rates([
        k for k, told in entries.items() if not is_taken(float(base.commit_mw[k]))
        and (told is None or (not told[1] and told[0] < max_rate))])
    rows: list[dict[str, Any]] = []
    for s, site in enumerate(fleet.sites):
        row: dict[str, Any] = {"site": site.name, "breakeven_hpc_rate_usd_kw_month": math.nan,
                               "breakeven_probe_mw": math.nan,
                               "breakeven_lease_start_month": "", "breakeven_note": ""}
        rows.append(row)
        if site.hpc_convertible_mw <= 0:
            row["breakeven_note"] = "no convertible space (hpc_convertible_mw is 0)"
            continue
        if site.name not in probes.index:
            row["breakeven_note"] = (
                f"conversion lead time of {site.conversion_lead_months} months leaves no "
                "month in the horizon to lease converted space")
            continue
        k = probes.index[site.name]
        probe = probes.fleet.contracts[k]
        row["breakeven_probe_mw"] = probe.max_mw
        row["breakeven_lease_start_month"] = probe.start_month
        notes: list[str] = []
        if _idle_hpc_mw(coef, base, s, site.conversion_lead_months) >= probe.max_mw - 1e-6:
            notes.append("idle online HPC space serves the probe, so this is the rate to "
                         "lease it rather than to convert more")
        elif float(base.converted_mw[s, -1]) >= site.hpc_convertible_mw - 1e-6:
            notes.append("all convertible space is converted in the plan; the rate must beat "
                         "the lease it would displace")
        rate = probe_rate(resolves, k, entries[k], forced.get(k), max_rate, tol)
        if rate == 0.0:
            notes.append("leased even at no rent")
        elif rate is None:
            notes.insert(0, f"not leased even at {money_rate(max_rate)}: firm contracts or "
                            "portfolio policies hold the space")
        row["breakeven_hpc_rate_usd_kw_month"] = math.nan if rate is None else rate
        row["breakeven_note"] = "; ".join(notes)
    return rows


def site_breakevens(
    source: Fleet | FleetSource,
    *,
    solver: str | SolverOptions | None = None,
    probe_mw: float = 1.0,
    max_rate_usd_kw_month: float = MAX_RATE_USD_KW_MONTH,
    tol_usd_kw_month: float = TOL_USD_KW_MONTH,
) -> pd.DataFrame:
    """Per site, the HPC rate at which converting one more MW there beats its best alternative.

    Found by parametric re-solve: a :func:`probe_contract` of ``probe_mw`` IT MW at the site
    only (power passed through, from the earliest month a conversion can be online to the
    horizon end) is added and its rate searched between 0 and ``max_rate_usd_kw_month`` for
    the one at which the plan just takes it. The alternative it has to beat is whatever the
    optimizer would otherwise do with that grid power and space: mining, idling, or another
    lease.

    Returns:
        One row per site: ``site``, ``breakeven_hpc_rate_usd_kw_month`` (blank where there
        is none), ``breakeven_probe_mw``, ``breakeven_lease_start_month`` and
        ``breakeven_note`` (why a rate is blank, or what it measures when not conversion).
    """
    fleet = fleet_of(source)[0]
    check_search(probe_mw=probe_mw, max_rate_usd_kw_month=max_rate_usd_kw_month,
                 tol_usd_kw_month=tol_usd_kw_month)
    probes = with_probes(fleet, probe_mw)
    resolves = resolves_for(probes.fleet, solver_options(fleet, solver))
    rows = site_rows(resolves, fleet, probes, max_rate_usd_kw_month, tol_usd_kw_month)
    return pd.DataFrame(rows, columns=SITE_BREAKEVEN_COLUMNS)


# -------------------------------------------------------------------------- miner breakevens


def miner_breakevens(source: Fleet | FleetSource, plan: Plan | None = None) -> pd.DataFrame:
    """Per miner tranche, the hashprice at which it just pays its power and opex.

    ``economics.breakeven_hashprice_usd_ph_day`` for each horizon month (power price of that
    month at the site, the site's mining PUE and opex, the pool fee), reported for the first
    month and averaged over the horizon, beside the hashprice itself. No solve: the formula
    does not depend on the plan. With ``plan``, ``avg_running_mw`` shows what the plan runs.

    Returns:
        One row per ``Miners`` row, columns ``MINER_BREAKEVEN_COLUMNS``.
    """
    fleet = fleet_of(source)[0]
    coef = compute_coefficients(fleet)
    st = fleet.settings
    site_index = {s.name: i for i, s in enumerate(fleet.sites)}
    hashprice = coef.hashprice_usd_ph_day
    running: dict[int, float] = {}
    if plan is not None and "tranche" in plan.tranches.columns and len(plan.tranches):
        means = plan.tranches.groupby("tranche")["running_mw"].mean()
        running = dict(zip(means.index.astype(int).tolist(), means.astype(float).tolist(),
                           strict=True))
    rows: list[dict[str, Any]] = []
    for i, m in enumerate(fleet.miners):
        s = site_index[m.site]
        site = fleet.sites[s]
        eff = m.efficiency_j_th
        breakeven = econ.breakeven_hashprice_usd_ph_day(
            coef.power_price_usd_mwh[s], site.mining_pue, site.mining_opex_usd_mw_month, eff,
            coef.days, st.pool_fee)
        rows.append({
            "site": m.site, "model": m.model, "units": m.units, "efficiency_j_th": eff,
            "available_mw": m.installed_mw * site.uptime,
            "first_month_breakeven_hashprice_usd_ph_day": float(breakeven[0]),
            "avg_breakeven_hashprice_usd_ph_day": float(breakeven.mean()),
            "first_month_hashprice_usd_ph_day": float(hashprice[0]),
            "avg_hashprice_usd_ph_day": float(hashprice.mean()),
            "months_above_breakeven": int((hashprice > breakeven).sum()),
            "avg_running_mw": running.get(i, 0.0 if m.units == 0 else math.nan),
        })
    return pd.DataFrame(rows, columns=MINER_BREAKEVEN_COLUMNS)
