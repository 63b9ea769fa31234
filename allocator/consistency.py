"""Catch plain-word infeasibility between reading and building; domain objects only, no solver.

No Excel either. One function per check, run in order by :func:`check_consistency`. Errors
are :class:`Problem` records that name the site or contract; warnings are sentences a user
should read but may accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allocator.domain import Contract, Fleet, Site
from allocator.errors import Problem
from allocator.periods import month_from_index, month_index, month_range

__all__ = ["Consistency", "check_consistency", "leasable_space_mw"]


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
    for site in fleet.sites:
        _check_site(fleet, site, out)
    for contract in fleet.contracts:
        _check_contract(fleet, contract, horizon, out)
    _check_hpc_share(fleet, out)
    _check_min_fleet_hashrate(fleet, out)
    _warn_projected_market(fleet, horizon, out)
    _warn_power_prices_outside(fleet, horizon, out)
    return out


def _check_site(fleet: Fleet, site: Site, out: Consistency) -> None:
    """Existing HPC must fit the site's grid power; installed miners that cannot fit warn."""
    if site.hpc_pue * site.hpc_existing_mw > site.capacity_mw + 1e-9:
        out.errors.append(Problem(
            "Sites", f"existing HPC needs {site.hpc_pue * site.hpc_existing_mw:g} grid MW "
            f"(hpc_existing_mw x hpc_pue) but capacity_mw is {site.capacity_mw:g}",
            record=site.name, column="hpc_existing_mw", value=site.hpc_existing_mw))
    installed = sum(m.installed_mw for m in fleet.miners if m.site == site.name)
    if installed * site.mining_pue > site.capacity_mw + 1e-9:
        out.warnings.append(
            f"Site {site.name}: installed miners need {installed * site.mining_pue:,.1f} grid "
            f"MW but capacity_mw is {site.capacity_mw:,.1f}; some cannot run."
        )


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
    """Warn when horizon months beyond the last Market row are projected, and how."""
    st = fleet.settings
    given = sorted(month_index(m.month) for m in fleet.market)
    if given and horizon.last > given[-1]:
        out.warnings.append(
            f"Market: months after {month_from_index(given[-1])} are projected with "
            f"btc_price_growth_pa {st.btc_price_growth_pa:g} and network_hashrate_growth_pa "
            f"{st.network_hashrate_growth_pa:g}."
        )


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
