"""Turn a solved LP's arrays into the Plan's DataFrames; no solver calls and no I/O here."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from allocator import economics as econ
from allocator.optimization.backends import Solution
from allocator.optimization.coefficients import Coefficients
from allocator.periods import add_months
from allocator.results.plan import Plan, RunInfo

__all__ = ["make_plan"]

_TINY_MW = 1e-7
_BASIS = {"lp": "LP dual", "fixed_integer_lp": "fixed-integer LP dual",
          "none": "not available"}


def _clean(values: np.ndarray) -> np.ndarray:
    """Zero the solver's round-off dust (|x| < 1e-7 MW) so sheets show 0, not -3e-12."""
    out = np.array(values, dtype=float, copy=True)
    out[np.abs(out) < _TINY_MW] = 0.0
    return out


def _online_mw(coef: Coefficients, converted: np.ndarray) -> np.ndarray:
    """IT MW ready to lease: existing plus conversions whose lead time has passed."""
    t_count = converted.shape[1]
    online = np.zeros_like(converted)
    for s, site in enumerate(coef.sites):
        lead = site.conversion_lead_months
        if lead < t_count:
            online[s, lead:] = converted[s, : t_count - lead]
        online[s] += site.hpc_existing_mw
    return online


def make_plan(
    coef: Coefficients,
    sol: Solution,
    *,
    version: str,
    warnings: tuple[str, ...] = (),
    input_file: str | None = None,
    input_sha256: str | None = None,
    created_at: str = "",
) -> Plan:
    """The :class:`Plan` of ``sol``: every frame documented in :mod:`allocator.results.plan`."""
    st = coef.fleet.settings
    months = list(coef.months)
    s_count, t_count = len(coef.sites), len(months)
    site_names = [s.name for s in coef.sites]
    days = coef.days
    df = coef.discount
    power = coef.power_price_usd_mwh

    # --- tranches (arrays [M, T]) -----------------------------------------------------------
    mine = _clean(sol.mine_mw)
    eff = coef.efficiency_j_th
    ts = coef.tranche_site
    m_count = len(coef.tranches)
    site_pue = np.array([s.mining_pue for s in coef.sites])
    site_opex = np.array([s.mining_opex_usd_mw_month for s in coef.sites])
    phs = mine * econ.phs_per_mw(eff)[:, None] if m_count else np.zeros((0, t_count))
    t_rev = mine * coef.mining_revenue_usd_mw_month
    t_pcost = mine * power[ts] * econ.HOURS_PER_DAY * days[None, :] * site_pue[ts][:, None]
    t_opex = mine * site_opex[ts][:, None]

    def by_site(values: np.ndarray) -> np.ndarray:
        out = np.zeros((s_count, t_count))
        np.add.at(out, ts, values)
        return out

    mining_mw, hashrate_phs = by_site(mine), by_site(phs)
    mining_rev, mining_power, mining_opex = by_site(t_rev), by_site(t_pcost), by_site(t_opex)
    miner_index = {id(m): i for i, m in enumerate(coef.fleet.miners)}
    tranches = pd.DataFrame({
        "site": np.repeat([t.site for t in coef.tranches], t_count),
        "model": np.repeat([t.model for t in coef.tranches], t_count),
        "tranche": np.repeat([miner_index[id(t)] for t in coef.tranches], t_count).astype(int),
        "month": np.tile(months, m_count),
        "efficiency_j_th": np.repeat(eff, t_count),
        "available_mw": np.repeat(coef.tranche_available_mw, t_count),
        "running_mw": mine.reshape(-1),
        "hashrate_phs": phs.reshape(-1),
        "hashprice_usd_ph_day": np.tile(coef.hashprice_usd_ph_day, m_count),
        "revenue_usd": t_rev.reshape(-1),
        "power_cost_usd": t_pcost.reshape(-1),
        "opex_usd": t_opex.reshape(-1),
        "margin_usd": (t_rev - t_pcost - t_opex).reshape(-1),
    })

    # --- leases ---------------------------------------------------------------------------
    hpc_leased = np.zeros((s_count, t_count))
    hpc_rev = np.zeros((s_count, t_count))
    hpc_power = np.zeros((s_count, t_count))
    hpc_opex = np.zeros((s_count, t_count))
    lease_rows: list[dict[str, object]] = []
    contract_rows: list[dict[str, object]] = []
    for k, terms in enumerate(coef.contracts):
        c = terms.contract
        arr = _clean(sol.lease_mw.get(k, np.zeros((len(terms.sites), len(terms.months)))))
        totals = {"revenue_usd": 0.0, "power_cost_usd": 0.0, "opex_usd": 0.0, "npv_usd": 0.0}
        used: list[str] = []
        for i, s in enumerate(terms.sites):
            site = coef.sites[s]
            if arr[i].max(initial=0.0) > 0:
                used.append(site.name)
            for j, t in enumerate(terms.months.tolist()):
                mw = float(arr[i, j])
                if mw == 0.0:
                    continue
                rent = float(terms.revenue_usd_mw_month[j])
                opex = site.hpc_opex_usd_mw_month
                pcost = float(terms.cost_usd_mw_month[i, j]) - opex
                rev, pc, ox = mw * rent, mw * pcost, mw * opex
                hpc_leased[s, t] += mw
                hpc_rev[s, t] += rev
                hpc_power[s, t] += pc
                hpc_opex[s, t] += ox
                totals["revenue_usd"] += rev
                totals["power_cost_usd"] += pc
                totals["opex_usd"] += ox
                totals["npv_usd"] += (rev - pc - ox) * float(df[t])
                lease_rows.append(
                    {"contract": c.name, "site": site.name, "month": months[t], "leased_mw": mw,
                     "rate_usd_kw_month": rent / 1000.0, "revenue_usd": rev,
                     "power_cost_usd": pc, "opex_usd": ox, "margin_usd": rev - pc - ox}
                )
        committed = float(sol.commit_mw[k]) if k < len(sol.commit_mw) else 0.0
        contract_rows.append(
            {
                "contract": c.name, "tenant": c.tenant, "firm": c.firm,
                "power_pass_through": c.power_pass_through,
                "rate_usd_kw_month": c.rate_usd_kw_month, "escalator_pa": c.escalator_pa,
                "start_month": c.start_month, "term_months": c.term_months,
                "min_mw": c.min_mw, "max_mw": c.max_mw,
                "committed_mw": 0.0 if abs(committed) < _TINY_MW else committed,
                "months_in_horizon": len(terms.months), "sites_used": ", ".join(used),
                "revenue_usd": totals["revenue_usd"], "power_cost_usd": totals["power_cost_usd"],
                "opex_usd": totals["opex_usd"],
                "margin_usd": totals["revenue_usd"] - totals["power_cost_usd"]
                - totals["opex_usd"],
                "npv_usd": totals["npv_usd"],
            }
        )
    lease_cols = ["contract", "site", "month", "leased_mw", "rate_usd_kw_month", "revenue_usd",
                  "power_cost_usd", "opex_usd", "margin_usd"]
    leases = pd.DataFrame(lease_rows, columns=lease_cols)
    contract_cols = ["contract", "tenant", "firm", "power_pass_through", "rate_usd_kw_month",
                     "escalator_pa", "start_month", "term_months", "min_mw", "max_mw",
                     "committed_mw", "months_in_horizon", "sites_used", "revenue_usd",
                     "power_cost_usd", "opex_usd", "margin_usd", "npv_usd"]
    contracts = pd.DataFrame(contract_rows, columns=contract_cols)

    # --- conversions ----------------------------------------------------------------------
    build = _clean(sol.build_mw)
    converted = _clean(sol.converted_mw)
    online = _online_mw(coef, converted)
    existing = np.array([s.hpc_existing_mw for s in coef.sites])[:, None]
    hpc_pue = np.array([s.hpc_pue for s in coef.sites])[:, None]
    mining_pue = np.array([s.mining_pue for s in coef.sites])[:, None]
    capacity = np.array([s.capacity_mw for s in coef.sites])[:, None]
    charge = coef.capital_charge_usd_mw_month[:, None] * converted
    build_rows = []
    for s, t in zip(*np.nonzero(build), strict=True):
        site = coef.sites[int(s)]
        online_at = int(t) + site.conversion_lead_months
        build_rows.append(
            {"site": site.name, "month": months[int(t)], "build_mw": float(build[s, t]),
             "online_month": add_months(st.start_month, online_at),
             "capex_usd": float(build[s, t]) * site.conversion_capex_usd_mw,
             "capital_charge_usd_mw_month": float(coef.capital_charge_usd_mw_month[s])}
        )
    builds = pd.DataFrame(
        build_rows,
        columns=["site", "month", "build_mw", "online_month", "capex_usd",
                 "capital_charge_usd_mw_month"],
    )

    # --- site x month ---------------------------------------------------------------------
    mining_grid = mining_mw * mining_pue
    hpc_grid = hpc_pue * (existing + converted)
    idle = _clean(capacity - mining_grid - hpc_grid)
    margin = (mining_rev - mining_power - mining_opex) + (hpc_rev - hpc_power - hpc_opex) - charge
    disc_margin = margin * df[None, :]
    flat = {
        "site": np.repeat(site_names, t_count),
        "month": np.tile(months, s_count),
        "capacity_mw": np.repeat(capacity[:, 0], t_count),
    }
    grids = {
        "mining_mw": mining_mw, "mining_grid_mw": mining_grid, "hashrate_phs": hashrate_phs,
        "hpc_leased_mw": hpc_leased, "hpc_online_mw": online,
        "hpc_converted_mw": converted,
        "hpc_under_construction_mw": _clean(existing + converted - online),
        "hpc_grid_mw": hpc_grid, "idle_mw": idle, "conversion_started_mw": build,
        "power_price_usd_mwh": power, "mining_revenue_usd": mining_rev,
        "mining_power_cost_usd": mining_power, "mining_opex_usd": mining_opex,
        "hpc_revenue_usd": hpc_rev, "hpc_power_cost_usd": hpc_power, "hpc_opex_usd": hpc_opex,
        "capital_charge_usd": charge, "margin_usd": margin,
        "discount_factor": np.broadcast_to(df[None, :], (s_count, t_count)),
        "discounted_margin_usd": disc_margin,
        "site_power_value_usd_mw_month": sol.site_power_dual_usd_mw_month,
    }
    site_months = pd.DataFrame(
        {**flat, **{name: np.asarray(v, dtype=float).reshape(-1) for name, v in grids.items()}}
    )

    allocation = pd.DataFrame(
        {
            "site": np.tile(flat["site"], 3),
            "month": np.tile(flat["month"], 3),
            "use": np.repeat(["mining", "hpc", "idle"], s_count * t_count),
            "grid_mw": np.concatenate(
                [mining_grid.reshape(-1), hpc_grid.reshape(-1), idle.reshape(-1)]
            ),
        }
    )

    # --- summary --------------------------------------------------------------------------
    revenue = mining_rev.sum(0) + hpc_rev.sum(0)
    power_cost = mining_power.sum(0) + hpc_power.sum(0)
    opex_total = mining_opex.sum(0) + hpc_opex.sum(0)
    margin_m = margin.sum(0)
    capex = (build * np.array([s.conversion_capex_usd_mw for s in coef.sites])[:, None]).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        margin_pct = np.where(revenue > 0, margin_m / revenue, np.nan)
    summary = pd.DataFrame(
        {
            "month": months,
            "days": days.astype(int),
            "hashprice_usd_ph_day": coef.hashprice_usd_ph_day,
            "fleet_hashrate_ehs": hashrate_phs.sum(0) / 1000.0,
            "mining_mw": mining_mw.sum(0),
            "mining_grid_mw": mining_grid.sum(0),
            "hpc_leased_mw": hpc_leased.sum(0),
            "hpc_grid_mw": hpc_grid.sum(0),
            "idle_mw": idle.sum(0),
            "conversion_started_mw": build.sum(0),
            "mining_revenue_usd": mining_rev.sum(0),
            "hpc_revenue_usd": hpc_rev.sum(0),
            "revenue_usd": revenue,
            "power_cost_usd": power_cost,
            "opex_usd": opex_total,
            "capital_charge_usd": charge.sum(0),
            "margin_usd": margin_m,
            "margin_pct": margin_pct,
            "capex_usd": capex,
            "discount_factor": df,
            "discounted_margin_usd": disc_margin.sum(0),
            "cumulative_npv_usd": np.cumsum(disc_margin.sum(0)),
        }
    )

    # --- site value -----------------------------------------------------------------------
    value_rows = []
    duals = sol.site_power_dual_usd_mw_month
    at_site: list[list[int]] = [[] for _ in coef.sites]
    for m, s in enumerate(ts.tolist()):
        at_site[s].append(m)
    for s, site in enumerate(coef.sites):
        marginal = _marginal_tranche(coef, mine, at_site[s])
        breakeven = math.nan
        model_name, model_eff = "", math.nan
        if marginal is not None:
            tr = coef.tranches[marginal]
            model_name, model_eff = tr.model, float(eff[marginal])
            breakeven = float(np.mean([
                econ.breakeven_hashprice_usd_ph_day(
                    float(power[s, t]), site.mining_pue, site.mining_opex_usd_mw_month,
                    model_eff, float(days[t]), st.pool_fee,
                )
                for t in range(t_count)
            ]))
        d = duals[s]
        value_rows.append(
            {
                "site": site.name,
                "capacity_mw": site.capacity_mw,
                "avg_shadow_value_usd_mw_month": float(np.nanmean(d)) if np.isfinite(d).any()
                else math.nan,
                "max_shadow_value_usd_mw_month": float(np.nanmax(d)) if np.isfinite(d).any()
                else math.nan,
                "shadow_value_basis": _BASIS.get(sol.dual_kind, sol.dual_kind),
                "months_at_capacity": int((idle[s] <= 1e-6).sum()),
                "marginal_model": model_name,
                "marginal_efficiency_j_th": model_eff,
                "breakeven_hashprice_usd_ph_day": breakeven,
                "avg_hashprice_usd_ph_day": float(coef.hashprice_usd_ph_day.mean()),
                "converted_mw": float(converted[s, -1]) if t_count else 0.0,
                "npv_usd": float(disc_margin[s].sum()),
            }
        )
    site_value = pd.DataFrame(value_rows)

    run_info = RunInfo(
        version=version,
        solver=sol.solver,
        status=sol.status,
        objective_usd=sol.objective_usd,
        npv_usd=float(disc_margin.sum()),
        start_month=st.start_month,
        months=st.months,
        variables=sol.variables,
        constraints=sol.constraints,
        build_seconds=sol.build_seconds,
        solve_seconds=sol.solve_seconds,
        input_file=input_file,
        input_sha256=input_sha256,
        dual_kind=sol.dual_kind,
        created_at=created_at,
        warnings=warnings,
    )
    return Plan(
        site_months=site_months,
        allocation=allocation,
        tranches=tranches,
        leases=leases,
        builds=builds,
        summary=summary,
        contracts=contracts,
        site_value=site_value,
        run_info=run_info,
    )


def _marginal_tranche(coef: Coefficients, mine: np.ndarray, at_site: list[int]) -> int | None:
    """The least efficient of the site's tranches that runs, else its best idle one.

    That is the tranche a change in hashprice or power price turns on or off first.
    """
    if not at_site:
        return None
    running = [m for m in at_site if mine[m].max(initial=0.0) > 0]
    if running:
        return max(running, key=lambda m: float(coef.efficiency_j_th[m]))
    return min(at_site, key=lambda m: float(coef.efficiency_j_th[m]))
