"""Turn a solved LP's arrays into the Plan's DataFrames, stage by stage; no solver calls, no I/O.

The stages live in :mod:`allocator.results.decisions` (miners run, leases, conversions, each
priced) and :mod:`allocator.results.rollups` (site months, allocation, summary, site value);
:func:`make_plan` calls them in order and adds the run info.
"""

from __future__ import annotations

from collections.abc import Iterable

from allocator.deals.view import with_deals
from allocator.market import MarketPoint, describe_network_model
from allocator.optimization.backends import Solution
from allocator.optimization.coefficients import Coefficients
from allocator.periods import describe_months
from allocator.results import decisions, flexibility, ppa_blocks, rollups
from allocator.results.plan import Plan, RunInfo

__all__ = ["make_plan", "market_bases"]


def make_plan(
    coef: Coefficients,
    sol: Solution,
    *,
    version: str,
    warnings: tuple[str, ...] = (),
    input_file: str | None = None,
    input_sha256: str | None = None,
    workbook_models: tuple[str, ...] = (),
    created_at: str = "",
) -> Plan:
    """The :class:`Plan` of ``sol``: every frame documented in :mod:`allocator.results.plan`.

    Args:
        coef: The coefficients the LP was built from.
        sol: The solved LP.
        version: fleet-allocator version, for the run info.
        warnings: Input and consistency warnings, one sentence each.
        input_file: Source workbook path, when there was one.
        input_sha256: Hash of the source workbook's bytes.
        workbook_models: Miner models the workbook's Catalog sheet added or overrode.
        created_at: ISO timestamp (UTC).

    Returns:
        The plan, with ``run_info.npv_usd`` re-added from its site-month margins, and its
        deals (:func:`allocator.deals.view.with_deals`).
    """
    mine = decisions.mining(coef, sol)
    lease = decisions.leases(coef, sol)
    conv = decisions.conversions(coef, sol)
    sm = rollups.site_months(coef, sol, mine, lease, conv)
    run_info = _run_info(
        coef, sol, npv_usd=float(sm.discounted_margin_usd.sum()), version=version,
        warnings=warnings, input_file=input_file, input_sha256=input_sha256,
        workbook_models=workbook_models, created_at=created_at,
    )
    summary = rollups.summary(coef, mine, lease, conv, sm)
    premium = flexibility.premium_by_month(coef, mine)
    if premium is not None:  # only where hourly prices were given: old plans keep their shape
        summary["flexibility_premium_usd"] = premium
    flex = flexibility.flexibility(coef, mine, lease.leases)
    site_value = rollups.site_value(coef, sol, mine, conv, sm)
    if flex is not None:
        site_value = flexibility.with_site_premium(site_value, flex)
    extra = {} if flex is None else {flexibility.FLEXIBILITY_SHEET: flex}
    blocks = ppa_blocks.ppa_blocks(coef, sol)
    if blocks is not None:  # fixed PPA blocks (ppa_mw)
        extra[ppa_blocks.PPA_BLOCKS_SHEET] = blocks
    plan = Plan(
        site_months=sm.frame,
        allocation=rollups.allocation(sm),
        tranches=mine.tranches,
        leases=lease.leases,
        builds=conv.builds,
        summary=summary,
        contracts=lease.contracts,
        site_value=site_value,
        run_info=run_info,
        extra=extra,
    )
    return with_deals(coef, plan)


def _run_info(coef: Coefficients, sol: Solution, *, npv_usd: float, version: str,
              warnings: tuple[str, ...], input_file: str | None, input_sha256: str | None,
              workbook_models: tuple[str, ...], created_at: str) -> RunInfo:
    """How the plan was made: the solver's report, the horizon and the caller's details."""
    st = coef.fleet.settings
    return RunInfo(
        version=version,
        solver=sol.solver,
        status=sol.status,
        objective_usd=sol.objective_usd,
        npv_usd=npv_usd,
        start_month=st.start_month,
        months=st.months,
        variables=sol.variables,
        constraints=sol.constraints,
        build_seconds=sol.build_seconds,
        solve_seconds=sol.solve_seconds,
        input_file=input_file,
        input_sha256=input_sha256,
        workbook_models=workbook_models,
        dual_kind=sol.dual_kind,
        created_at=created_at,
        warnings=warnings,
        market=market_bases(coef.market),
        network=describe_network_model(coef.fleet, coef.market),
    )


def market_bases(points: Iterable[MarketPoint]) -> str:
    """Which months are given, filled (and by which rule) and projected, and where the
    network model held the hashrate down, in words."""
    months: dict[str, list[str]] = {}
    for p in points:
        months.setdefault(p.label, []).append(p.month)
    return "; ".join(f"{basis} {describe_months(found)}" for basis, found in months.items())
