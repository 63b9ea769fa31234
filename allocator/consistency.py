"""Catch plain-word infeasibility between reading and building; domain objects only, no solver.

No Excel either. One function per check, run in order by :func:`check_consistency`. Errors
are :class:`Problem` records that name the site or contract; warnings are sentences a user
should read but may accept. :func:`check_numerics` reads the LP's coefficients (numbers, not
a model) and names the input that makes them too large for a solver to handle.

:func:`named` and :func:`problem_line` name a record the way every plain-word sentence does:
by its name in quotes and, when a ``locate`` (a workbook's ``FleetWorkbook.locate``) knows it,
the cell its figure comes from: ``contract "AI Lab NNN" (Contracts!D4)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from allocator import economics as econ
from allocator.deals.phase_checks import phase_problems
from allocator.domain import Contract, Fleet, MinerTranche, Site, tranche_labels
from allocator.errors import Problem
from allocator.market import project_fleet_market
from allocator.optimization.coefficients import Coefficients
from allocator.periods import (
    days_in_month,
    describe_months,
    month_from_index,
    month_index,
    month_range,
)

__all__ = [
    "IDLE_WARNING_MONTHS",
    "MAX_MW",
    "MAX_OBJECTIVE_USD_MW_MONTH",
    "Consistency",
    "Locate",
    "check_consistency",
    "check_numerics",
    "leasable_space_mw",
    "named",
    "problem_line",
]

Locate = Callable[[Problem], Problem]
"""Gives a problem its cell when the input came from a workbook (``FleetWorkbook.locate``)."""

# what a record of each input sheet is called in a sentence
_KINDS = {"sites": "site", "contracts": "contract", "miners": "miners", "market": "month",
          "powerprices": "power price"}

MAX_OBJECTIVE_USD_MW_MONTH = 1e9
"""Largest discounted USD one MW-month may be worth in the LP objective. HiGHS works to a
dual feasibility tolerance of 1e-7; a cost of 1e9 puts the ratio at 1e16, the end of double
precision (the sample fleet solves at 1e9 and fails at 3e9 with "Solve error"). A real fleet's
MW-month is worth about 1e5 (a 600-month lease at $1,000/kW-month, 6e8)."""

MAX_MW = 1e7
"""Largest MW figure the LP takes (10 TW: more than the world's generating capacity)."""

# a typical value per field, to say which of several inputs is the extreme one
_TYPICAL = {"btc_price_usd": 1e5, "network_hashrate_ehs": 1e3, "difficulty": 1.5e14,
            "fees_btc_per_block": 0.05}
_TYPICAL_EFFICIENCY_J_TH = 20.0
_TYPICAL_UNIT = {"hashrate_th": 200.0, "power_w": 3500.0}  # a miner's nameplate


def named(sheet: str, record: str, column: str, locate: Locate | None = None) -> str:
    """A record (``"AI Lab NNN"``) or, with ``record`` empty, a setting (``max_hpc_share``), with
    the cell of its ``column`` when ``locate`` knows it: ``"AI Lab NNN" (Contracts!D4)``, or
    its path in a fleet document (``contracts[2].min_mw``) or CSV folder
    (``Contracts.csv:4.min_mw``).

    A field left blank (its default applies) has no cell; a record is then placed at its name.
    """
    text = f'"{record}"' if record else column
    if locate is None:
        return text
    for field_name in (column, "name") if record else (column,):
        place = locate(Problem(sheet, "", column=field_name, record=record or None))
        if place.cell:
            return f"{text} ({place.sheet}!{place.cell})"
        if place.sheet != sheet:  # a document's or CSV folder's path: contracts[2].min_mw
            return f"{text} ({place.location})"
    return text


def problem_line(problem: Problem) -> str:
    """``problem`` as one line that names its record beside its cell.

    ``Contracts!D4 (contract "AI Lab NNN"): firm contract needs ...``; a problem with no cell
    already names its record (``Contracts[AI Lab NNN].min_mw: ...``) and reads as it is.
    """
    text = str(problem)
    if not (problem.cell and problem.record):
        return text
    kind = _KINDS.get(problem.sheet.lower().replace(" ", ""), "record")
    where = problem.location
    return f'{where} ({kind} "{problem.record}"){text[len(where):]}'


@dataclass
class Consistency:
    """What the pass found."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _eligible(fleet: Fleet, contract: Contract) -> list[Site]:
    """The sites ``contract`` may be leased at, in the fleet's order."""
    if not contract.sites:
        return list(fleet.sites)
    names = set(contract.sites)
    return [s for s in fleet.sites if s.name in names]


def leasable_space_mw(site: Site, months_before_start: int) -> float:
    """IT MW at ``site`` that can be leasable when a contract starts, within its grid power."""
    space = site.hpc_existing_mw
    if site.conversion_lead_months <= months_before_start:
        space += site.hpc_convertible_mw
    return min(space, site.capacity_mw / site.hpc_pue)


@dataclass(frozen=True)
class _Horizon:
    """The plan's months, and the first and last as month indices."""

    months: list[str]
    first: int
    last: int

    @classmethod
    def of(cls, fleet: Fleet) -> _Horizon:
        months = month_range(fleet.settings.start_month, fleet.settings.months)
        return cls(months, month_index(months[0]), month_index(months[-1]))


def check_consistency(fleet: Fleet) -> Consistency:
    """Every plain-word reason the LP would be infeasible, and warnings worth reading.

    Args:
        fleet: The validated inputs.

    Returns:
        The errors (each names its sheet, record and column) and warnings, in the order the
        checks run: sites, contracts, HPC share, fleet hashrate, market, power prices.
    """
    out = Consistency()
    horizon = _Horizon.of(fleet)
    installed: dict[str, float] = {}
    for miner in fleet.miners:  # added in the fleet's order, as a sum per site would
        installed[miner.site] = installed.get(miner.site, 0) + miner.installed_mw
    hourly = {c.site for c in fleet.price_curves}
    for site in fleet.sites:
        _check_site(site, installed.get(site.name, 0), site.name in hourly, out)
    for contract in fleet.contracts:
        _check_contract(fleet, contract, horizon, out)
    out.errors.extend(phase_problems(fleet))  # phases of one deal (allocator.deals)
    _check_hpc_share(fleet, out)
    _check_min_fleet_hashrate(fleet, out)
    _warn_projected_market(fleet, horizon, out)
    _warn_hashprice_below_breakeven(fleet, horizon, out)
    _warn_power_prices_outside(fleet, horizon, out)
    return out


def _check_site(site: Site, installed: float, hourly: bool, out: Consistency) -> None:
    """Existing HPC must fit the site's grid power; ``installed`` miner MW that cannot fit
    warn, and so do a PPA without ``hourly`` prices and a PPA block above the grid."""
    if site.hpc_pue * site.hpc_existing_mw > site.capacity_mw + 1e-9:
        out.errors.append(Problem(
            "Sites", f"existing HPC needs {site.hpc_pue * site.hpc_existing_mw:g} grid MW "
            f"(hpc_existing_mw x hpc_pue) but capacity_mw is {site.capacity_mw:g}",
            record=site.name, column="hpc_existing_mw", value=site.hpc_existing_mw))
    if installed * site.mining_pue > site.capacity_mw + 1e-9:
        out.warnings.append(
            f"Site {site.name}: installed miners need {installed * site.mining_pue:,.1f} grid "
            f"MW but capacity_mw is {site.capacity_mw:,.1f}; some cannot run."
        )
    if site.ppa_price_usd_mwh is not None and not hourly:
        out.warnings.append(
            f"Site {site.name}: a PPA (ppa_price_usd_mwh) applies only in months priced from "
            "hourly prices, and the site has none; it is planned on power_price_usd_mwh.")
    if site.ppa_block and (site.ppa_mw or 0.0) > site.capacity_mw + 1e-9:
        out.warnings.append(
            f"Site {site.name}: the PPA block (ppa_mw {site.ppa_mw:,.1f}) is larger than "
            f"capacity_mw {site.capacity_mw:,.1f}; the MW the site cannot draw are paid for "
            "and resold (lost without ppa_resale) in every hour.")


def _check_contract(fleet: Fleet, c: Contract, horizon: _Horizon, out: Consistency) -> None:
    """A contract outside the horizon warns; a firm minimum needs space, and budget, in time."""
    start = month_index(c.start_month)
    in_horizon = max(0, min(start + c.term_months - 1, horizon.last)
                     - max(start, horizon.first) + 1)
    if in_horizon == 0:
        out.warnings.append(
            f"Contract {c.name}: its term ({c.start_month}, {c.term_months} months) lies "
            "outside the plan horizon; it is ignored."
        )
        return
    if not (c.firm and c.min_mw > 0):
        return
    sites = _eligible(fleet, c)
    lead_room = max(start, horizon.first) - horizon.first
    if _check_firm_space(c, sites, lead_room, horizon, out):
        _check_firm_budget(fleet, c, sites, lead_room, horizon, out)


def _check_firm_space(c: Contract, sites: list[Site], lead_room: int, horizon: _Horizon,
                      out: Consistency) -> bool:
    """Whether the eligible sites can have ``min_mw`` leasable by the contract's first month."""
    space = sum(leasable_space_mw(s, lead_room) for s in sites)
    if c.min_mw > space + 1e-9:
        names = ", ".join(s.name for s in sites) or "none"
        out.errors.append(Problem(
            "Contracts",
            f"firm contract needs {c.min_mw:g} MW at sites {names} from "
            f"{horizon.months[lead_room]}, but at most "
            f"{space:g} MW can be converted and online there by then",
            record=c.name, column="min_mw", value=c.min_mw))
        return False
    return True


def _check_firm_budget(fleet: Fleet, c: Contract, sites: list[Site], lead_room: int,
                       horizon: _Horizon, out: Consistency) -> None:
    """The capex budget of the years before the contract starts must pay its conversions."""
    budget = fleet.settings.capex_budget_usd_per_year
    existing = sum(s.hpc_existing_mw for s in sites)
    need_mw = max(0.0, c.min_mw - existing)
    if budget is None or need_mw <= 0:
        return
    cheapest = min(s.conversion_capex_usd_mw for s in sites if s.hpc_convertible_mw > 0)
    lead = min(s.conversion_lead_months for s in sites if s.hpc_convertible_mw > 0)
    years = {m[:4] for m in horizon.months[: max(0, lead_room - lead + 1)]}
    if need_mw * cheapest > budget * len(years) + 1e-6:
        names = ", ".join(s.name for s in sites) or "none"
        out.errors.append(Problem(
            "Contracts",
            f"firm contract needs {need_mw:g} MW converted at sites {names} by "
            f"{horizon.months[lead_room]}, "
            f"costing at least ${need_mw * cheapest:,.0f}, but capex_budget_usd_per_year "
            f"allows ${budget * len(years):,.0f} before then",
            record=c.name, column="min_mw", value=c.min_mw))


def _check_hpc_share(fleet: Fleet, out: Consistency) -> None:
    """Existing HPC space must fit within ``max_hpc_share`` of the fleet's grid power."""
    st = fleet.settings
    if st.max_hpc_share is None:
        return
    total = sum(s.capacity_mw for s in fleet.sites)
    existing = sum(s.hpc_pue * s.hpc_existing_mw for s in fleet.sites)
    if existing > st.max_hpc_share * total + 1e-9:
        out.errors.append(Problem(
            "Settings", f"max_hpc_share allows {st.max_hpc_share * total:g} grid MW of HPC "
            f"but existing HPC space already holds {existing:g} MW",
            column="max_hpc_share", value=st.max_hpc_share))


def _check_min_fleet_hashrate(fleet: Fleet, out: Consistency) -> None:
    """``min_fleet_hashrate_ehs`` must be reachable by the installed fleet within site power."""
    st = fleet.settings
    if not st.min_fleet_hashrate_ehs:
        return
    best = _max_fleet_hashrate_ehs(fleet)
    if st.min_fleet_hashrate_ehs > best + 1e-9:
        out.errors.append(Problem(
            "Settings", f"min_fleet_hashrate_ehs asks for {st.min_fleet_hashrate_ehs:g} EH/s "
            f"but the installed fleet can run at most {best:.3f} EH/s within site power",
            column="min_fleet_hashrate_ehs", value=st.min_fleet_hashrate_ehs))


def _warn_projected_market(fleet: Fleet, horizon: _Horizon, out: Consistency) -> None:
    """Warn which horizon months are filled between Market rows and projected after the
    last one, and how."""
    st = fleet.settings
    given = {month_index(m.month) for m in fleet.market}
    last = max(given, default=horizon.last)
    rates = (f"btc_price_growth_pa {st.btc_price_growth_pa:g} and network_hashrate_growth_pa "
             f"{st.network_hashrate_growth_pa:g}")
    filled = [m for m in horizon.months if month_index(m) not in given and month_index(m) < last]
    if filled:
        how = (f"grown from the row before with {rates} (market_gap_fill hold_and_grow)"
               if st.market_gap_fill == "hold_and_grow" else
               "interpolated between the rows around them: BTC price and network hashrate "
               "log-linear, fees linear (market_gap_fill interpolate)")
        out.warnings.append(f"Market: {describe_months(filled)} have no row and are {how}.")
    if horizon.last > last:
        out.warnings.append(
            f"Market: months after {month_from_index(last)} are projected with {rates}.")


IDLE_WARNING_MONTHS = 6
"""Consecutive months of hashprice below every tranche's breakeven that earn a warning."""


def _warn_hashprice_below_breakeven(fleet: Fleet, horizon: _Horizon, out: Consistency
                                    ) -> None:
    """Warn of runs of :data:`IDLE_WARNING_MONTHS` or more months in which the hashprice is
    below every miner tranche's breakeven, so the plan idles all mining."""
    tranches = [m for m in fleet.miners if m.units > 0]
    hourly = {c.site for c in fleet.price_curves}  # these mine the cheap hours of any month
    if not tranches or any(m.site in hourly for m in tranches):
        return
    hashprice = np.array([p.hashprice_usd_ph_day for p in project_fleet_market(fleet)])
    breakeven = _breakevens_usd_ph_day(fleet, tranches, horizon)
    best = breakeven.argmin(axis=0)
    lowest = breakeven[best, np.arange(len(horizon.months))]
    below = hashprice < lowest
    labels = dict(zip(map(id, fleet.miners), tranche_labels(fleet.miners), strict=True))
    for start, stop in _runs(below, IDLE_WARNING_MONTHS):
        span = slice(start, stop)
        names = sorted({labels[id(tranches[i])] for i in best[span].tolist()})
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        out.warnings.append(
            f"Market: from {horizon.months[start]} to {horizon.months[stop - 1]} "
            f"({stop - start} months) the hashprice, {_range_usd(hashprice[span])}/PH/day, "
            f"is below every miner tranche's breakeven (the lowest, "
            f"{_range_usd(lowest[span])}/PH/day, is that of {', '.join(names[:3])}{more}), "
            "so the plan idles all mining; check the Market rows and growth rates if that is "
            "not the outlook you mean.")


def _breakevens_usd_ph_day(fleet: Fleet, tranches: list[MinerTranche], horizon: _Horizon
                           ) -> npt.NDArray[np.float64]:
    """``[tranche, month]`` breakeven hashprice: power (at the month's price) and opex."""
    days = np.array([days_in_month(m) for m in horizon.months], dtype=float)
    column = {m: t for t, m in enumerate(horizon.months)}
    row = {s.name: i for i, s in enumerate(fleet.sites)}
    power = np.array([[s.power_price_usd_mwh] * len(days) for s in fleet.sites], dtype=float)
    for p in fleet.power_prices:
        if p.month in column:
            power[row[p.site], column[p.month]] = p.power_price_usd_mwh
    at = np.array([row[m.site] for m in tranches])
    pue = np.array([s.mining_pue for s in fleet.sites])[at, None]
    opex = np.array([s.mining_opex_usd_mw_month for s in fleet.sites])[at, None]
    cost = econ.mining_cost_usd_mw_month(power[at], days[None, :], pue, opex)
    eff = np.array([m.efficiency_j_th for m in tranches])[:, None]
    per_hashprice = econ.mining_revenue_usd_mw_month(np.ones_like(cost), eff, days[None, :],
                                                     fleet.settings.pool_fee)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(per_hashprice > 0, cost / per_hashprice, math.inf)


def _runs(flags: npt.NDArray[np.bool_], least: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each run of True at least ``least`` long."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate([*flags.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= least:
                runs.append((start, i))
            start = None
    return runs


def _range_usd(values: npt.NDArray[np.float64]) -> str:
    low, high = float(values.min()), float(values.max())
    return f"${low:,.2f}" if f"{low:,.2f}" == f"{high:,.2f}" else f"${low:,.2f} to ${high:,.2f}"


def _warn_power_prices_outside(fleet: Fleet, horizon: _Horizon, out: Consistency) -> None:
    """Warn about PowerPrices rows for months outside the horizon (they are ignored)."""
    outside = sorted({p.month for p in fleet.power_prices
                      if not horizon.first <= month_index(p.month) <= horizon.last})
    if outside:
        out.warnings.append(
            f"PowerPrices: {len(outside)} month(s) outside the horizon are ignored "
            f"({', '.join(outside[:3])}{', ...' if len(outside) > 3 else ''})."
        )


def _max_fleet_hashrate_ehs(fleet: Fleet) -> float:
    """Most EH/s the fleet can run in a month: best machines first within each site's power."""
    total = 0.0
    for site in fleet.sites:
        room = (site.capacity_mw - site.hpc_pue * site.hpc_existing_mw) / site.mining_pue
        for m in sorted((m for m in fleet.miners if m.site == site.name),
                        key=lambda m: m.efficiency_j_th):
            run = min(room, m.installed_mw * site.uptime)
            if run <= 0:
                break
            total += run / m.efficiency_j_th
            room -= run
    return total


def check_numerics(coef: Coefficients) -> list[Problem]:
    """Inputs whose LP coefficients no solver can handle, each naming the field to fix.

    Legal but extreme inputs (a network hashrate of 1e-6 EH/s, BTC at $1e12, 10x growth a
    year over 600 months) make one MW-month worth more than
    :data:`MAX_OBJECTIVE_USD_MW_MONTH`; the solver then fails without a cause, or calls a
    feasible model infeasible. Checked: mining revenue and cost per tranche and month, lease
    rent and cost per contract, site and month, the capital charge, and every MW figure
    against :data:`MAX_MW`. At most one problem per input field.
    """
    out: dict[tuple[str, str | None, str], Problem] = {}
    for problem in [*_check_mining(coef), *_check_leases(coef), *_check_capital(coef),
                    *_check_sizes(coef.fleet)]:
        out.setdefault((problem.sheet, problem.record, problem.column or ""), problem)
    return list(out.values())


def _too_large(what: str, usd: float, month: str, why: str = "") -> str:
    return (f"makes {what} in {month}{why} worth ${usd:.3g} (discounted) per MW-month, more "
            f"than the ${MAX_OBJECTIVE_USD_MW_MONTH:.0e} an LP solver can handle in double "
            "precision; check the value and its unit")


def _check_mining(coef: Coefficients) -> list[Problem]:
    """The largest mining revenue (given and projected months apart) and cost per MW-month,
    traced back to their inputs."""
    if not len(coef.tranches):
        return []
    df = coef.discount[None, :]
    revenue, cost = coef.mining_revenue_usd_mw_month * df, coef.mining_cost_usd_mw_month * df
    given = np.array([m in {row.month for row in coef.fleet.market} for m in coef.months])
    out: list[Problem] = []
    for months in (given, ~given):
        part = np.where(months[None, :], revenue, 0.0)
        m, t = np.unravel_index(int(np.argmax(part)), part.shape)
        if part[m, t] <= MAX_OBJECTIVE_USD_MW_MONTH:
            continue
        at_typical = part[m, t] * coef.efficiency_j_th[m] / _TYPICAL_EFFICIENCY_J_TH
        if at_typical > MAX_OBJECTIVE_USD_MW_MONTH:
            out.append(_market_cause(coef, int(t), float(part[m, t])))
        else:
            tranche = coef.tranches[m]
            labels = dict(zip(map(id, coef.fleet.miners), tranche_labels(coef.fleet.miners),
                              strict=True))
            column = max(_TYPICAL_UNIT,
                         key=lambda name: _distance(getattr(tranche, name), _TYPICAL_UNIT[name]))
            out.append(Problem("Miners", _too_large("mining", float(part[m, t]),
                                                    coef.months[t]),
                               record=labels[id(tranche)], column=column,
                               value=getattr(tranche, column)))
    m, t = np.unravel_index(int(np.argmax(cost)), cost.shape)
    if cost[m, t] > MAX_OBJECTIVE_USD_MW_MONTH:
        site = coef.sites[int(coef.tranche_site[m])]
        column = ("mining_opex_usd_mw_month" if site.mining_opex_usd_mw_month
                  > coef.mining_cost_usd_mw_month[m, t] / 2 else "power_price_usd_mwh")
        out.append(_cost_cause(coef, site, column, coef.months[t],
                               _too_large("mining's cost", float(cost[m, t]), coef.months[t])))
    return out


def _cost_cause(coef: Coefficients, site: Site, column: str, month: str, text: str) -> Problem:
    """The problem at ``site``'s ``column``, or at the PowerPrices row that sets its power
    price in ``month`` when there is one."""
    if column == "power_price_usd_mwh":
        row = next((p for p in coef.fleet.power_prices
                    if p.site == site.name and p.month == month), None)
        if row is not None:
            return Problem("PowerPrices", text, record=row.label, column=column,
                           value=row.power_price_usd_mwh)
    return Problem("Sites", text, record=site.name, column=column, value=getattr(site, column))


def _market_cause(coef: Coefficients, t: int, usd: float) -> Problem:
    """The Market row or Settings growth rate that sets month ``t``'s hashprice."""
    fleet, month = coef.fleet, coef.months[t]
    given = {m.month: m for m in fleet.market}
    row = given.get(month)
    if row is None:  # filled or projected from the row before by the growth rates
        last = max((m for m in given.values() if month_index(m.month) < month_index(month)),
                   key=lambda m: month_index(m.month))
        years = (month_index(month) - month_index(last.month)) / 12
        st = fleet.settings
        btc = years * math.log1p(st.btc_price_growth_pa)
        hashrate = -years * math.log1p(st.network_hashrate_growth_pa)
        grown = coef.market[t].basis != "interpolate"  # interpolated months use no rate
        if grown and max(btc, hashrate) > math.log(10):
            column = "btc_price_growth_pa" if btc >= hashrate else "network_hashrate_growth_pa"
            text = _too_large("mining", usd, month, f" (projected from {last.month})")
            return Problem("Settings", text, column=column, value=getattr(st, column))
        row = last
    if row.hashprice_usd_ph_day is not None:
        column = "hashprice_usd_ph_day"
    else:
        column = max(_TYPICAL, key=lambda name: _distance(getattr(row, name), _TYPICAL[name]))
    return Problem("Market", _too_large("mining", usd, month), record=row.month, column=column,
                   value=getattr(row, column))


def _distance(value: float | None, typical: float) -> float:
    """How many powers of ten ``value`` is from ``typical`` (0 for none or 0)."""
    return abs(math.log10(value / typical)) if value else 0.0


def _check_leases(coef: Coefficients) -> list[Problem]:
    """The largest rent or lease cost per MW-month of each contract."""
    out: list[Problem] = []
    for terms in coef.contracts:
        if not len(terms.months):
            continue
        df = coef.discount[terms.months]
        rent = terms.revenue_usd_mw_month * df
        t = int(np.argmax(rent))
        if rent[t] > MAX_OBJECTIVE_USD_MW_MONTH:
            c = terms.contract
            out.append(Problem("Contracts", _too_large(f"a lease of {c.name}", float(rent[t]),
                                                       coef.months[terms.months[t]]),
                               record=c.name, column="rate_usd_kw_month",
                               value=c.rate_usd_kw_month))
        cost = terms.cost_usd_mw_month * df[None, :]
        if cost.size and cost.max() > MAX_OBJECTIVE_USD_MW_MONTH:
            i, j = np.unravel_index(int(np.argmax(cost)), cost.shape)
            site = coef.sites[terms.sites[i]]
            column = ("hpc_opex_usd_mw_month" if site.hpc_opex_usd_mw_month
                      > terms.cost_usd_mw_month[i, j] / 2 else "power_price_usd_mwh")
            month = coef.months[terms.months[j]]
            out.append(_cost_cause(coef, site, column, month,
                                   _too_large("HPC's cost", float(cost[i, j]), month)))
    return out


def _check_capital(coef: Coefficients) -> list[Problem]:
    """The capital charge per converted MW-month of each site (largest in the first month)."""
    first = coef.discount[0] if len(coef.discount) else 1.0
    return [
        Problem("Sites", _too_large("the capital charge", float(charge * first),
                                    coef.months[0]),
                record=site.name, column="conversion_capex_usd_mw",
                value=site.conversion_capex_usd_mw)
        for site, charge in zip(coef.sites, coef.capital_charge_usd_mw_month.tolist(),
                                strict=True)
        if charge * first > MAX_OBJECTIVE_USD_MW_MONTH and site.hpc_convertible_mw > 0
    ]


def _check_sizes(fleet: Fleet) -> list[Problem]:
    """Every MW figure within :data:`MAX_MW`."""
    def big(sheet: str, record: str, column: str, mw: float | None,
            what: str = "", value: float | None = None) -> list[Problem]:
        if mw is None or mw <= MAX_MW:
            return []
        return [Problem(sheet, f"{what or column} of {mw:.3g} MW is more than the "
                        f"{MAX_MW:.0e} MW an LP solver can handle beside the fleet's other "
                        "figures; check the value and its unit", record=record, column=column,
                        value=mw if value is None else value)]

    out: list[Problem] = []
    for s in fleet.sites:
        for column in ("capacity_mw", "hpc_existing_mw", "hpc_convertible_mw",
                       "conversion_block_mw"):
            out += big("Sites", s.name, column, getattr(s, column))
    for c in fleet.contracts:
        out += big("Contracts", c.name, "max_mw", c.max_mw)
        out += big("Contracts", c.name, "min_mw", c.min_mw)
    for m, label in zip(fleet.miners, tranche_labels(fleet.miners), strict=True):
        out += big("Miners", label, "units", m.installed_mw,
                   "installed power (units x power_w)", m.units)
    return out
