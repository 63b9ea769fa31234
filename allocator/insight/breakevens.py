"""Decision insight by re-solving the LP: breakeven HPC rates, contract value and flip rates,
miner breakeven hashprices and a sensitivity tornado; no file I/O and no printing here.

Every number that depends on the optimizer's choices is found by re-solving, not read off one
dual: a rate is changed, the LP solved again (warm, since only prices change) and the answer
looked at. Breakevens are located by bisection between a rate where the decision is one way
and a rate where it is the other; the reported rate is the upper end of the final bracket, so
a re-solve at the reported rate plus ``tol`` shows the new decision and one at the reported
rate minus ``tol`` the old one.

Public functions, each returning a DataFrame with units in every column name:

- :func:`site_breakevens`: per site, the HPC rate at which one more converted MW is leased;
- :func:`contract_insight`: per contract, the value it adds and the rates at which it would be
  taken in full or dropped;
- :func:`miner_breakevens`: per miner tranche, the hashprice at which it pays its power and
  opex (a formula, no solve);
- :func:`sensitivity`: NPV change for -pct / +pct of each main driver, in tornado order;

and :func:`add_insight`, which merges them all into a copy of a
:class:`~allocator.results.plan.Plan`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from allocator import economics as econ
from allocator.api import FleetSource, optimize
from allocator.domain import Contract, Fleet, safe_name
from allocator.errors import AllocatorError
from allocator.optimization.backends import Solution, WarmStart, solve_model
from allocator.optimization.coefficients import Coefficients, compute_coefficients
from allocator.optimization.lp import build_model
from allocator.optimization.solvers import SolverOptions
from allocator.periods import add_months
from allocator.results.plan import Plan

__all__ = [
    "DRIVERS",
    "MINER_BREAKEVEN_SHEET",
    "SENSITIVITY_SHEET",
    "add_insight",
    "add_sensitivity",
    "contract_insight",
    "miner_breakevens",
    "probe_contract",
    "sensitivity",
    "site_breakevens",
]

SENSITIVITY_SHEET = "Sensitivity"
"""Name of the ``plan.extra`` frame (and sheet) holding :func:`sensitivity`."""
MINER_BREAKEVEN_SHEET = "Miner Breakeven"
"""Name of the ``plan.extra`` frame (and sheet) holding :func:`miner_breakevens`."""

DRIVERS: tuple[tuple[str, str], ...] = (
    ("BTC price", "btc_price_usd"),
    ("Network hashrate", "network_hashrate_ehs"),
    ("Power price", "power_price_usd_mwh"),
    ("HPC rates", "rate_usd_kw_month"),
    ("Conversion capex", "conversion_capex_usd_mw"),
)
"""The sensitivity drivers: (label, the input field scaled)."""

TOL_USD_KW_MONTH = 0.01
"""Default bisection tolerance: one cent per kW-month."""
MAX_RATE_USD_KW_MONTH = 1000.0
"""Default highest rate a site probe is offered (about six times today's market rates)."""
RATE_BOUND_FACTOR = 10.0
"""Contract rates are searched between 0 and this multiple of the contract's own rate."""

_TAKEN_MW = 1e-6  # a commitment above this is "taken"; the solver's dust is far smaller

SITE_BREAKEVEN_COLUMNS = [
    "site", "breakeven_hpc_rate_usd_kw_month", "breakeven_probe_mw",
    "breakeven_lease_start_month", "breakeven_note",
]
CONTRACT_INSIGHT_COLUMNS = [
    "contract", "committed_mw", "value_added_usd", "full_take_rate_usd_kw_month",
    "drop_rate_usd_kw_month", "insight_note",
]
MINER_BREAKEVEN_COLUMNS = [
    "site", "model", "units", "efficiency_j_th", "available_mw",
    "first_month_breakeven_hashprice_usd_ph_day", "avg_breakeven_hashprice_usd_ph_day",
    "first_month_hashprice_usd_ph_day", "avg_hashprice_usd_ph_day",
    "months_above_breakeven", "avg_running_mw",
]
SENSITIVITY_COLUMNS = [
    "driver", "parameter", "low_change_pct", "high_change_pct", "base_npv_usd",
    "low_npv_usd", "high_npv_usd", "low_npv_change_usd", "high_npv_change_usd", "swing_usd",
    "note",
]


# ----------------------------------------------------------------------------- re-solving


def _fleet_of(source: Fleet | FleetSource) -> Fleet:
    return source if isinstance(source, Fleet) else source.fleet


def _options(fleet: Fleet, solver: str | SolverOptions | None) -> SolverOptions:
    if isinstance(solver, SolverOptions):
        return solver
    return SolverOptions(name=solver or fleet.settings.solver)


class _Resolver:
    """Solves variants of one fleet for a few numbers each, warm where only prices change.

    The bisections need one number per solve (a commitment), so they skip what
    :func:`~allocator.api.optimize` adds for a plan a user will read (DataFrames, re-pricing,
    invariant checks): about ten times faster. The plans and figures reported to the user
    come from verified solves or are confirmed by them in the tests.
    """

    def __init__(self, options: SolverOptions) -> None:
        self.options = options
        self.warm = WarmStart()
        self.solves = 0

    def solve(self, fleet: Fleet) -> tuple[Coefficients, Solution]:
        coef = compute_coefficients(fleet)
        solution = solve_model(build_model(coef), self.options, self.warm)
        self.solves += 1
        return coef, solution


def _with_rate(fleet: Fleet, k: int, rate: float) -> Fleet:
    """``fleet`` with contract ``k`` offered at ``rate`` (escalator and all else kept)."""
    contracts = list(fleet.contracts)
    contracts[k] = contracts[k].model_copy(update={"rate_usd_kw_month": float(rate)})
    return fleet.model_copy(update={"contracts": tuple(contracts)})


class _RateSearch:
    """Commitment of contract ``k`` as a function of its rate, by cached re-solves."""

    def __init__(self, resolver: _Resolver, fleet: Fleet, k: int) -> None:
        self.resolver, self.fleet, self.k = resolver, fleet, k
        self.seen: dict[float, float] = {}

    def commit_mw(self, rate: float) -> float:
        if rate not in self.seen:
            _, sol = self.resolver.solve(_with_rate(self.fleet, self.k, rate))
            self.seen[rate] = float(sol.commit_mw[self.k])
        return self.seen[rate]

    def flip(self, holds: Callable[[float], bool], lo: float, hi: float, tol: float) -> float:
        """Smallest rate, within ``tol``, at which ``holds(commit)`` is true.

        Needs ``holds`` false at ``lo`` and true at ``hi``. The commitment never falls as the
        contract's own rate rises (an LP's optimal value of a variable is monotone in its
        cost), so bisection finds the one flip; earlier solves narrow the bracket first.
        """
        for rate, mw in self.seen.items():
            if holds(mw):
                hi = min(hi, rate)
        for rate, mw in self.seen.items():
            if not holds(mw) and rate < hi:
                lo = max(lo, rate)
        while hi - lo > tol:
            mid = 0.5 * (lo + hi)
            if holds(self.commit_mw(mid)):
                hi = mid
            else:
                lo = mid
        return hi


def _money_rate(rate: float) -> str:
    return f"{rate:,.2f} USD/kW-month"


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
    taken = {safe_name(c.name) for c in fleet.contracts}
    name = name or f"probe {site}"
    while safe_name(name) in taken:
        name += "_"
    return Contract(
        name=name, tenant="breakeven probe", rate_usd_kw_month=float(rate_usd_kw_month),
        max_mw=size, start_month=add_months(st.start_month, s.conversion_lead_months),
        term_months=st.months - s.conversion_lead_months, sites=(s.name,),
        power_pass_through=True,
    )


@dataclass(frozen=True)
class _Probes:
    """The fleet with one probe per convertible site appended (all at rate 0)."""

    fleet: Fleet
    index: dict[str, int]  # site -> contract index of its probe


def _with_probes(fleet: Fleet, probe_mw: float) -> _Probes:
    """One probe per site, all in one model, so every bisection shares one structure.

    A probe at rate 0 is worth at most nothing (its rent is 0 and its opex is not negative),
    so dropping it from any solution loses nothing: the optimal value, and so every flip
    rate of another probe or contract, is the same as without it.
    """
    contracts = list(fleet.contracts)
    taken = {safe_name(c.name) for c in contracts}
    index: dict[str, int] = {}
    for s in fleet.sites:
        name = f"probe {s.name}"
        while safe_name(name) in taken:
            name += "_"
        probe = probe_contract(fleet, s.name, 0.0, mw=probe_mw, name=name)
        if probe is not None:
            taken.add(safe_name(name))
            index[s.name] = len(contracts)
            contracts.append(probe)
    return _Probes(fleet.model_copy(update={"contracts": tuple(contracts)}), index)


def _idle_hpc_mw(coef: Coefficients, sol: Solution, s: int, first: int) -> float:
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
            leased[terms.months] += sol.lease_mw[k][terms.sites.index(s), 0]
    return float((online - leased)[first:].min())


def _site_rows(resolver: _Resolver, fleet: Fleet, probes: _Probes, max_rate: float,
               tol: float) -> list[dict[str, Any]]:
    coef, base = resolver.solve(probes.fleet)
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
        search = _RateSearch(resolver, probes.fleet, k)

        def taken(mw: float) -> bool:
            return mw > _TAKEN_MW

        if taken(search.commit_mw(0.0)):
            row["breakeven_hpc_rate_usd_kw_month"] = 0.0
            notes.append("leased even at no rent")
        elif not taken(search.commit_mw(max_rate)):
            notes.insert(0, f"not leased even at {_money_rate(max_rate)}: firm contracts or "
                            "portfolio policies hold the space")
        else:
            row["breakeven_hpc_rate_usd_kw_month"] = search.flip(taken, 0.0, max_rate, tol)
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
    horizon end) is added and its rate bisected between 0 and ``max_rate_usd_kw_month``
    until the plan just takes it. The alternative it has to beat is whatever the optimizer
    would otherwise do with that grid power and space: mining, idling, or another lease.

    Returns:
        One row per site: ``site``, ``breakeven_hpc_rate_usd_kw_month`` (blank where there
        is none), ``breakeven_probe_mw``, ``breakeven_lease_start_month`` and
        ``breakeven_note`` (why a rate is blank, or what it measures when not conversion).
    """
    fleet = _fleet_of(source)
    _check_search(probe_mw=probe_mw, max_rate_usd_kw_month=max_rate_usd_kw_month,
                  tol_usd_kw_month=tol_usd_kw_month)
    resolver = _Resolver(_options(fleet, solver))
    probes = _with_probes(fleet, probe_mw)
    rows = _site_rows(resolver, fleet, probes, max_rate_usd_kw_month, tol_usd_kw_month)
    return pd.DataFrame(rows, columns=SITE_BREAKEVEN_COLUMNS)


def _check_search(**settings: float) -> None:
    for label, value in settings.items():
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{label} must be a positive number, got {value!r}")


# ------------------------------------------------------------------------ contract insight


def _contract_rows(resolver: _Resolver, fleet: Fleet, search_fleet: Fleet, base_npv: float,
                   bound_factor: float, max_rate: float, tol: float
                   ) -> list[dict[str, Any]]:
    coef, base = resolver.solve(search_fleet)
    rows: list[dict[str, Any]] = []
    outside: set[int] = set()
    for k, c in enumerate(fleet.contracts):
        mw = float(base.commit_mw[k])
        row: dict[str, Any] = {"contract": c.name, "committed_mw": mw if mw > _TAKEN_MW else 0.0,
                               "value_added_usd": math.nan,
                               "full_take_rate_usd_kw_month": math.nan,
                               "drop_rate_usd_kw_month": math.nan, "insight_note": ""}
        rows.append(row)
        if not len(coef.contracts[k].months):
            row["insight_note"] = "its term lies outside the horizon"
            outside.add(k)
            continue
        notes: list[str] = []
        bound = bound_factor * c.rate_usd_kw_month if c.rate_usd_kw_month > 0 else max_rate
        search = _RateSearch(resolver, search_fleet, k)

        def taken(mw: float) -> bool:
            return mw > _TAKEN_MW

        def full(mw: float, c: Contract = c) -> bool:
            return mw >= c.max_mw - _TAKEN_MW

        at_zero, at_bound = search.commit_mw(0.0), search.commit_mw(bound)
        if not taken(at_bound):
            row["insight_note"] = f"not taken even at {_money_rate(bound)}"
            continue
        if c.firm and c.min_mw > _TAKEN_MW:
            notes.append(f"firm: at least {c.min_mw:,.1f} MW is taken at any rate")
        elif taken(at_zero):
            notes.append("taken even at no rent")
        else:
            row["drop_rate_usd_kw_month"] = search.flip(taken, 0.0, bound, tol)
        if full(at_zero):
            notes.append("taken in full at any rate")
        elif not full(at_bound):
            notes.append(f"at most {max(at_bound, 0.0):,.1f} of {c.max_mw:,.1f} MW taken "
                         f"even at {_money_rate(bound)}")
        else:
            row["full_take_rate_usd_kw_month"] = search.flip(full, 0.0, bound, tol)
        row["insight_note"] = "; ".join(notes)
    # Removing a contract changes the model's structure: solved after all the warm searches.
    for k, row in enumerate(rows):
        if k in outside:
            row["value_added_usd"] = 0.0
            continue
        without = fleet.model_copy(
            update={"contracts": fleet.contracts[:k] + fleet.contracts[k + 1:]})
        try:
            _, sol = resolver.solve(without)
        except AllocatorError as exc:  # cannot happen for an LP: fewer offers, same limits
            row["insight_note"] = "; ".join(filter(None, [row["insight_note"],
                                                          f"no plan without it ({exc})"]))
            continue
        row["value_added_usd"] = base_npv - sol.objective_usd
    return rows


def contract_insight(
    source: Fleet | FleetSource,
    *,
    solver: str | SolverOptions | None = None,
    rate_bound_factor: float = RATE_BOUND_FACTOR,
    max_rate_usd_kw_month: float = MAX_RATE_USD_KW_MONTH,
    tol_usd_kw_month: float = TOL_USD_KW_MONTH,
) -> pd.DataFrame:
    """Per contract: MW taken, the value it adds, and the rates that flip its take.

    - ``value_added_usd``: NPV of the optimal plan with the contract minus that without it
      (re-solved without the offer; firm contracts too, whose value may be negative);
    - ``drop_rate_usd_kw_month``: the rate at or below which the plan takes none of it
      (for a contract not taken today, the rate it would need to be taken at all);
    - ``full_take_rate_usd_kw_month``: the lowest rate at which it is taken in full
      (``committed_mw = max_mw``).

    Both rates are bisected on the contract's own rate (escalator kept) between 0 and
    ``rate_bound_factor`` times its rate (``max_rate_usd_kw_month`` for a contract at 0);
    a rate never reached in that range is blank and ``insight_note`` says why.
    """
    fleet = _fleet_of(source)
    _check_search(rate_bound_factor=rate_bound_factor,
                  max_rate_usd_kw_month=max_rate_usd_kw_month, tol_usd_kw_month=tol_usd_kw_month)
    resolver = _Resolver(_options(fleet, solver))
    _, base = resolver.solve(fleet)
    rows = _contract_rows(resolver, fleet, fleet, base.objective_usd, rate_bound_factor,
                          max_rate_usd_kw_month, tol_usd_kw_month)
    return pd.DataFrame(rows, columns=CONTRACT_INSIGHT_COLUMNS)


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
    fleet = _fleet_of(source)
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
        breakeven = np.array([
            econ.breakeven_hashprice_usd_ph_day(
                float(coef.power_price_usd_mwh[s, t]), site.mining_pue,
                site.mining_opex_usd_mw_month, eff, float(coef.days[t]), st.pool_fee)
            for t in range(len(coef.months))
        ])
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


# ------------------------------------------------------------------------------ sensitivity


def _scaled(fleet: Fleet, parameter: str, factor: float) -> Fleet:
    """``fleet`` with every value of one driver multiplied by ``factor``.

    A Market row that gives ``hashprice_usd_ph_day`` directly has it scaled the way the
    formula would move it (with BTC price, inversely with network hashrate), so the driver
    moves every month of the horizon, given or projected.
    """
    if parameter in ("btc_price_usd", "network_hashrate_ehs"):
        hp_factor = factor if parameter == "btc_price_usd" else 1.0 / factor
        market = []
        for m in fleet.market:
            update: dict[str, float] = {}
            value = getattr(m, parameter)
            if value is not None:
                update[parameter] = value * factor
            if m.hashprice_usd_ph_day is not None:
                update["hashprice_usd_ph_day"] = m.hashprice_usd_ph_day * hp_factor
            market.append(m.model_copy(update=update))
        return fleet.model_copy(update={"market": tuple(market)})
    if parameter == "power_price_usd_mwh":
        sites = tuple(s.model_copy(update={parameter: s.power_price_usd_mwh * factor})
                      for s in fleet.sites)
        prices = tuple(p.model_copy(update={parameter: p.power_price_usd_mwh * factor})
                       for p in fleet.power_prices)
        return fleet.model_copy(update={"sites": sites, "power_prices": prices})
    if parameter == "rate_usd_kw_month":
        contracts = tuple(c.model_copy(update={parameter: c.rate_usd_kw_month * factor})
                          for c in fleet.contracts)
        return fleet.model_copy(update={"contracts": contracts})
    if parameter == "conversion_capex_usd_mw":
        sites = tuple(s.model_copy(update={parameter: s.conversion_capex_usd_mw * factor})
                      for s in fleet.sites)
        return fleet.model_copy(update={"sites": sites})
    known = ", ".join(p for _, p in DRIVERS)
    raise ValueError(f"Unknown sensitivity driver {parameter!r}. Available: {known}")


def sensitivity(
    source: Fleet | FleetSource,
    pct: float = 10.0,
    *,
    solver: str | SolverOptions | None = None,
    drivers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """NPV change for -``pct`` % and +``pct`` % of each driver, largest swing first.

    Drivers (:data:`DRIVERS`): BTC price, network hashrate (both move the hashprice of every
    month), power price (every site and every ``PowerPrices`` row), HPC rates (every
    contract) and conversion capex (every site). Each variant is re-optimized (warm where
    only prices change) and verified like any plan, so an NPV change includes the
    optimizer's response: NPV can only rise with BTC price and HPC rates and only fall with
    network hashrate, power price and capex.

    Args:
        source: A :class:`Fleet` or what ``read_workbook`` returned.
        pct: The change, in percent (0 < pct < 100).
        solver: Solver name or options (default the fleet's ``solver`` setting).
        drivers: Input fields to vary (default all of :data:`DRIVERS`).

    Returns:
        One row per driver, sorted by ``swing_usd`` (tornado order), columns
        ``SENSITIVITY_COLUMNS``; ``*_change_pct`` are fractions (-0.1 for -10 %). A variant
        with no feasible plan has blank NPVs and ``note`` says why.

    Raises:
        ValueError: ``pct`` outside (0, 100) or an unknown driver.
        AllocatorError: the base case itself cannot be optimized.
    """
    if not (math.isfinite(pct) and 0 < pct < 100):
        raise ValueError(f"pct must be between 0 and 100 (exclusive), got {pct!r}")
    fleet = _fleet_of(source)
    labels = dict((p, label) for label, p in DRIVERS)
    chosen = list(drivers) if drivers is not None else [p for _, p in DRIVERS]
    for parameter in chosen:
        if parameter not in labels:
            known = ", ".join(labels)
            raise ValueError(f"Unknown sensitivity driver {parameter!r}. Available: {known}")
    options = _options(fleet, solver)
    warm = WarmStart()
    base = optimize(fleet, solver=options, warm=warm).npv_usd
    step = pct / 100.0
    rows: list[dict[str, Any]] = []
    for parameter in chosen:
        npv: dict[str, float] = {}
        notes: list[str] = []
        for side, factor in (("low", 1.0 - step), ("high", 1.0 + step)):
            try:
                npv[side] = optimize(_scaled(fleet, parameter, factor), solver=options,
                                     warm=warm).npv_usd
            except AllocatorError as exc:
                npv[side] = math.nan
                reason = " ".join(line.strip() for line in str(exc).splitlines())
                notes.append(f"no plan at {factor - 1:+.0%}: {reason}")
        low, high = npv["low"] - base, npv["high"] - base
        rows.append({
            "driver": labels[parameter], "parameter": parameter,
            "low_change_pct": -step, "high_change_pct": step, "base_npv_usd": base,
            "low_npv_usd": npv["low"], "high_npv_usd": npv["high"],
            "low_npv_change_usd": low, "high_npv_change_usd": high,
            "swing_usd": abs(high - low), "note": "; ".join(notes),
        })
    frame = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    # NaN swings last; a stable sort keeps the drivers' own order among equal swings.
    order = frame["swing_usd"].fillna(-1.0).sort_values(ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


# ------------------------------------------------------------------------------ add_insight


def add_sensitivity(plan: Plan, source: Fleet | FleetSource, pct: float = 10.0, *,
                    solver: str | SolverOptions | None = None) -> Plan:
    """A copy of ``plan`` with :func:`sensitivity` as its ``Sensitivity`` extra frame.

    The workbook writer draws the frame's tornado chart on the ``Sensitivity`` sheet.
    """
    table = sensitivity(source, pct, solver=solver)
    return dataclasses.replace(plan, extra={**plan.extra, SENSITIVITY_SHEET: table})


def _merge(frame: pd.DataFrame, extra: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame`` with ``extra``'s columns joined on ``key`` (earlier copies replaced)."""
    new = [c for c in extra.columns if c != key]
    kept = frame.drop(columns=[c for c in new if c in frame.columns])
    return kept.merge(extra[[key, *new]], on=key, how="left", validate="one_to_one")


def add_insight(
    plan: Plan,
    source: Fleet | FleetSource,
    *,
    solver: str | SolverOptions | None = None,
    sensitivity_pct: float | None = 10.0,
    probe_mw: float = 1.0,
    max_rate_usd_kw_month: float = MAX_RATE_USD_KW_MONTH,
    rate_bound_factor: float = RATE_BOUND_FACTOR,
    tol_usd_kw_month: float = TOL_USD_KW_MONTH,
) -> Plan:
    """A copy of ``plan`` with the decision insight merged in.

    - ``site_value`` gains ``breakeven_hpc_rate_usd_kw_month``, ``breakeven_probe_mw``,
      ``breakeven_lease_start_month`` and ``breakeven_note`` (:func:`site_breakevens`);
    - ``contracts`` gains ``value_added_usd``, ``full_take_rate_usd_kw_month``,
      ``drop_rate_usd_kw_month`` and ``insight_note`` (:func:`contract_insight`);
    - ``extra`` gains ``Miner Breakeven`` (:func:`miner_breakevens`) and, unless
      ``sensitivity_pct`` is ``None``, ``Sensitivity`` (:func:`sensitivity`; the writer draws
      its tornado chart).

    All site and contract searches share one LP structure (every site's probe is in the
    model, idle at rate 0), so after the first solve each re-solve only swaps costs.

    Args:
        plan: The optimized plan of ``source``.
        source: The fleet (or workbook) the plan was made from.
        solver: Solver for the re-solves (default the fleet's ``solver`` setting).
        sensitivity_pct: The +/- change for the Sensitivity frame; ``None`` leaves it out.
        probe_mw: IT MW of each site's probe lease.
        max_rate_usd_kw_month: Highest rate a site probe is offered.
        rate_bound_factor: Contract rates are searched up to this multiple of their rate.
        tol_usd_kw_month: Bisection tolerance.

    Raises:
        ValueError: ``plan`` does not belong to ``source`` (other sites or contracts), or a
            search setting is not positive.
        AllocatorError: a re-solve failed (the plan's own solve succeeded, so this means the
            solver itself failed).
    """
    fleet = _fleet_of(source)
    sites = [s.name for s in fleet.sites]
    contracts = [c.name for c in fleet.contracts]
    if list(plan.site_value["site"]) != sites or list(plan.contracts["contract"]) != contracts:
        raise ValueError("add_insight: the plan's sites and contracts differ from the "
                         "source's; pass the fleet the plan was optimized from")
    _check_search(probe_mw=probe_mw, rate_bound_factor=rate_bound_factor,
                  max_rate_usd_kw_month=max_rate_usd_kw_month, tol_usd_kw_month=tol_usd_kw_month)
    resolver = _Resolver(_options(fleet, solver))
    probes = _with_probes(fleet, probe_mw)
    site_frame = pd.DataFrame(
        _site_rows(resolver, fleet, probes, max_rate_usd_kw_month, tol_usd_kw_month),
        columns=SITE_BREAKEVEN_COLUMNS)
    contract_frame = pd.DataFrame(
        _contract_rows(resolver, fleet, probes.fleet, plan.objective_usd, rate_bound_factor,
                       max_rate_usd_kw_month, tol_usd_kw_month),
        columns=CONTRACT_INSIGHT_COLUMNS)
    merged = dataclasses.replace(
        plan,
        site_value=_merge(plan.site_value, site_frame, "site"),
        contracts=_merge(plan.contracts, contract_frame.drop(columns=["committed_mw"]),
                         "contract"),
        extra={**plan.extra, MINER_BREAKEVEN_SHEET: miner_breakevens(fleet, plan)},
    )
    if sensitivity_pct is None:
        return merged
    return add_sensitivity(merged, fleet, sensitivity_pct, solver=solver)
