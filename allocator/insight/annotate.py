"""Merge every decision insight into a copy of a plan (site and contract columns, extra
frames); no figures of its own and no file I/O here.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from allocator.api import FleetSource
from allocator.domain import Fleet
from allocator.insight.breakevens import (
    MINER_BREAKEVEN_SHEET,
    miner_breakevens,
    site_rows,
    with_probes,
)
from allocator.insight.contracts import CONTRACT_INSIGHT_COLUMNS, contract_rows
from allocator.insight.duals import site_duals_on
from allocator.insight.flat_breakeven import with_flat_breakevens
from allocator.insight.held import HeldModel, resolves_for
from allocator.insight.resolve import (
    MAX_RATE_USD_KW_MONTH,
    RATE_BOUND_FACTOR,
    TOL_USD_KW_MONTH,
    check_search,
)
from allocator.insight.tornado import SENSITIVITY_SHEET, check_pct, tornado
from allocator.optimization.solvers import SolverOptions
from allocator.results.plan import Plan
from allocator.scenarios.cases import fleet_of, solver_options

__all__ = ["add_insight"]


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
    check_duals: bool = False,
) -> Plan:
    """A copy of ``plan`` with the decision insight merged in.

    - ``site_value`` gains ``breakeven_hpc_rate_usd_kw_month``, ``breakeven_probe_mw``,
      ``breakeven_lease_start_month`` and ``breakeven_note``
      (:func:`~allocator.insight.breakevens.site_breakevens`; :mod:`~.flat_breakeven`);
    - ``contracts`` gains ``value_added_usd``, ``full_take_rate_usd_kw_month``,
      ``drop_rate_usd_kw_month`` and ``insight_note``
      (:func:`~allocator.insight.contracts.contract_insight`);
    - ``extra`` gains ``Miner Breakeven``
      (:func:`~allocator.insight.breakevens.miner_breakevens`) and, unless
      ``sensitivity_pct`` is ``None``, ``Sensitivity``
      (:func:`~allocator.insight.tornado.sensitivity`; the writer draws its tornado chart);
    - with ``check_duals``, ``site_value`` is first checked at +/-1 MW per site
      (:func:`~allocator.insight.duals.check_site_duals`, on the same held model where the
      solver is the fleet's own).

    All site and contract searches and the tornado share one LP (every site's probe is in
    the model, idle at rate 0): on the default HiGHS path it is built and solved once and
    then varied in place (:class:`~allocator.insight.held.HeldModel`).

    Args:
        plan: The optimized plan of ``source``.
        source: The fleet (or workbook) the plan was made from.
        solver: Solver for the re-solves (default the fleet's ``solver`` setting).
        sensitivity_pct: The +/- change for the Sensitivity frame; ``None`` leaves it out.
        probe_mw: IT MW of each site's probe lease.
        max_rate_usd_kw_month: Highest rate a site probe is offered.
        rate_bound_factor: Contract rates are searched up to this multiple of their rate.
        tol_usd_kw_month: Bisection tolerance.
        check_duals: Also check the shadow values (what ``optimize --insight`` shows).

    Raises:
        ValueError: ``plan`` does not belong to ``source`` (other sites or contracts), a
            search setting is not positive, or ``sensitivity_pct`` is not in (0, 100).
        AllocatorError: a re-solve failed (the plan's own solve succeeded, so this means the
            solver itself failed).
    """
    fleet = fleet_of(source)[0]
    _check_plan(plan, fleet)
    check_search(probe_mw=probe_mw, rate_bound_factor=rate_bound_factor,
                 max_rate_usd_kw_month=max_rate_usd_kw_month, tol_usd_kw_month=tol_usd_kw_month)
    if sensitivity_pct is not None:
        check_pct(sensitivity_pct)
    options = solver_options(fleet, solver)
    probes = with_probes(fleet, probe_mw)
    resolves = resolves_for(probes.fleet, options)
    held = resolves if isinstance(resolves, HeldModel) else None
    if check_duals:  # first, while the held model's basis is the base's
        own = held if options == SolverOptions(name=fleet.settings.solver) else None
        plan = site_duals_on(own, fleet, plan)
    site_frame = with_flat_breakevens(  # on hourly prices, beside the rates without them
        fleet, site_rows(resolves, fleet, probes, max_rate_usd_kw_month, tol_usd_kw_month),
        options, probe_mw, max_rate_usd_kw_month, tol_usd_kw_month)
    contract_frame = pd.DataFrame(
        contract_rows(resolves, fleet, rate_bound_factor, max_rate_usd_kw_month,
                      tol_usd_kw_month),
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
    table = tornado(fleet, sensitivity_pct, options, held=held)
    return dataclasses.replace(merged, extra={**merged.extra, SENSITIVITY_SHEET: table})


def _check_plan(plan: Plan, fleet: Fleet) -> None:
    """Raises ValueError unless ``plan`` has ``fleet``'s sites and contracts, in order."""
    sites = [s.name for s in fleet.sites]
    contracts = [c.name for c in fleet.contracts]
    if list(plan.site_value["site"]) != sites or list(plan.contracts["contract"]) != contracts:
        raise ValueError("add_insight: the plan's sites and contracts differ from the "
                         "source's; pass the fleet the plan was optimized from")


def _merge(frame: pd.DataFrame, extra: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame`` with ``extra``'s columns joined on ``key`` (earlier copies replaced)."""
    new = [c for c in extra.columns if c != key]
    kept = frame.drop(columns=[c for c in new if c in frame.columns])
    return kept.merge(extra[[key, *new]], on=key, how="left", validate="one_to_one")
