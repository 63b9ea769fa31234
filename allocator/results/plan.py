"""The solved plan as pandas DataFrames; it knows no solver and writes no file itself.

A :class:`Plan` is what :func:`allocator.optimize` returns. Every frame uses the project's
unit-suffixed column names; money columns are nominal USD of that month unless the name says
``discounted``. Frames and their columns:

``site_months`` (sheet ``Plan``), one row per site and month:
    site, month, capacity_mw, mining_mw, mining_grid_mw, hashrate_phs, hpc_leased_mw,
    hpc_online_mw, hpc_converted_mw, hpc_under_construction_mw, hpc_grid_mw, idle_mw,
    conversion_started_mw, power_price_usd_mwh, mining_revenue_usd, mining_power_cost_usd,
    mining_opex_usd, hpc_revenue_usd, hpc_power_cost_usd, hpc_opex_usd, capital_charge_usd,
    margin_usd, discount_factor, discounted_margin_usd, site_power_value_usd_mw_month

``allocation``, long form of the grid MW by use (site, month, use, grid_mw); the uses
    ``mining``, ``hpc`` (existing plus converted space, at HPC PUE) and ``idle`` add up to
    ``capacity_mw`` at every site and month.

``tranches``, one row per site, miner model and month:
    site, model, tranche (the row's index in the fleet's miners), month, efficiency_j_th,
    available_mw, running_mw, hashrate_phs, hashprice_usd_ph_day, revenue_usd,
    power_cost_usd, opex_usd, margin_usd

``leases``, one row per contract, site and month in the contract's term:
    contract, site, month, leased_mw, rate_usd_kw_month, revenue_usd, power_cost_usd,
    opex_usd, margin_usd

``builds``, one row per site and month with a conversion started:
    site, month, build_mw, online_month, capex_usd, capital_charge_usd_mw_month

``summary`` (sheet ``Summary``), one row per month:
    month, days, hashprice_usd_ph_day, btc_price_usd, network_hashrate_ehs (the market the
    month used: given, filled between Market rows or projected; blank where only a hashprice
    is known), market_basis, fleet_hashrate_ehs, mining_mw, mining_grid_mw,
    hpc_leased_mw, hpc_grid_mw, idle_mw, conversion_started_mw, mining_revenue_usd,
    hpc_revenue_usd, revenue_usd, power_cost_usd, opex_usd, capital_charge_usd, margin_usd,
    margin_pct, capex_usd, discount_factor, discounted_margin_usd, cumulative_npv_usd
    (and flexibility_premium_usd when a site has hourly prices)

``contracts`` (sheet ``Contract Result``), one row per contract offer:
    contract, tenant, firm, power_pass_through, rate_usd_kw_month, escalator_pa,
    start_month, term_months, min_mw, max_mw, committed_mw, months_in_horizon, sites_used,
    revenue_usd, power_cost_usd, opex_usd, margin_usd, npv_usd

``deals`` (sheet ``Deals``), one row per conversion project (site x contract, by
``allocator.deals``): site, contract, tenant, lease_structure, lease_mw, start_month,
    end_month, rent_start_month, owner_capex_usd, owner_capex_usd_mw, tenant_capex_usd,
    prepayment_usd, stabilized_noi_usd,
    yield_on_cost_pct, unlevered_irr_pct, payback_month, payback_months, project_npv_usd,
    rent_in_horizon_usd, contracted_tail_rent_usd, tail_npv_usd, renewal_rent_usd,
    share_of_rent_pct (and with a loan in Settings: loan_usd, equity_usd, levered_irr_pct,
    min_dscr_factor)

``deal_cash_flows``, one row per project and month with cash, horizon and tail: site,
    contract, tenant, month, in_horizon, leased_mw, capex_usd, tenant_capex_usd,
    prepayment_usd, rent_usd, power_cost_usd, opex_usd, net_cash_flow_usd, discount_factor,
    discounted_cash_flow_usd

``summary`` also carries the month's mining metrics (``allocator.deals.mining``): mined_btc,
    hashprice_btc_ph_day, hashcost_usd_ph_day, cash_cost_usd_btc, all_in_cost_usd_btc,
    fleet_efficiency_j_th

``site_value`` (sheet ``Site Value``), one row per site:
    site, capacity_mw, avg_shadow_value_usd_mw_month, max_shadow_value_usd_mw_month,
    shadow_value_basis,
    months_at_capacity, marginal_model, marginal_efficiency_j_th,
    breakeven_hashprice_usd_ph_day, avg_hashprice_usd_ph_day, converted_mw, npv_usd
    (and flexibility_premium_usd_mw_month when a site has hourly prices)

``extra["Flexibility"]`` (sheet ``Flexibility``), only when a site has hourly prices, one row
    per site-month valued on its price curve (:mod:`allocator.results.flexibility`):
    site, month, mining_mw, power_price_usd_mwh, hours_mined, curtailed_mwh,
    flat_margin_usd, flexible_margin_usd, flexibility_premium_usd,
    flexibility_premium_usd_mw_month

``extra["PPA Blocks"]`` (sheet ``PPA Blocks``), only when a site holds a fixed PPA block
    (``ppa_mw``), one row per site-month it applies in (:mod:`allocator.results.ppa_blocks`):
    site, month, ppa_mw, ppa_mining_grid_mw, ppa_hpc_grid_mw, ppa_unused_mw,
    ppa_price_usd_mwh, ppa_block_usd; ``site_months`` and ``summary`` then gain
    ppa_block_usd (in margin_usd) and ``tranches`` ppa_covered_mw

Added on request (the command line's ``--insight``):

- ``allocator.insight.duals.check_site_duals`` adds to ``site_value``: plus_1mw_npv_usd,
  minus_1mw_npv_usd, shadow_value_check (degenerate sites get blank shadow values);
- ``allocator.insight.add_insight`` adds to ``site_value``: breakeven_hpc_rate_usd_kw_month,
  breakeven_note; to ``contracts``: value_added_usd, drop_rate_usd_kw_month,
  full_take_rate_usd_kw_month, insight_note; and the ``extra`` frames ``Miner Breakeven``
  and ``Sensitivity`` (written as sheets, the latter with a tornado chart).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from allocator.exports.results import write_plan_tables

__all__ = ["PPA_BLOCKS_SHEET", "Plan", "RunInfo"]

PPA_BLOCKS_SHEET = "PPA Blocks"
"""The ``extra`` frame (and sheet) of fixed PPA blocks (:mod:`allocator.results.ppa_blocks`)."""


_DUAL_LABELS = {
    "lp": "LP duals",
    "fixed_integer_lp": "MILP: duals of the LP with whole halls and all-or-nothing "
                        "contracts fixed at their optimum",
    "none": "not available from this solver",
}


@dataclass(frozen=True)
class RunInfo:
    """How a plan was made: for the ``Run Info`` sheet and for audit.

    Attributes:
        version: fleet-allocator version.
        solver: Solver name as PuLP knows it.
        status: ``optimal`` (plans are only returned when optimal).
        objective_usd: LP objective (discounted USD) as the solver reports it.
        npv_usd: Same value re-priced from the plan's frames.
        start_month: First month of the horizon.
        months: Horizon length.
        variables: LP columns.
        constraints: LP rows.
        build_seconds: Time to build the LP.
        solve_seconds: Time in the solver.
        input_file: Source workbook path, when there was one.
        input_sha256: Hash of the source workbook's bytes.
        workbook_models: Miner models the workbook's Catalog sheet added or overrode, e.g.
            ``Antminer S23 Hydro (added)``; empty when it planned with the shipped catalog.
        dual_kind: What the shadow values are: ``lp`` duals, ``fixed_integer_lp`` (a MILP's
            LP with the integers fixed) or ``none``.
        created_at: ISO timestamp (UTC).
        warnings: Input and consistency warnings, one sentence each.
        market: Where each month's market comes from, e.g. ``given 2026-01, 2026-07;
            interpolate 2026-02 to 2026-06; projected 2026-08 to 2030-12``.
        network: With ``network_model marginal_cost``, its bands, power price and the
            months it held the hashrate below the projection; ``""`` otherwise.
    """

    version: str
    solver: str
    status: str
    objective_usd: float
    npv_usd: float
    start_month: str
    months: int
    variables: int
    constraints: int
    build_seconds: float
    solve_seconds: float
    input_file: str | None = None
    input_sha256: str | None = None
    workbook_models: tuple[str, ...] = ()
    dual_kind: str = "lp"
    created_at: str = ""
    warnings: tuple[str, ...] = ()
    market: str = ""
    network: str = ""
    deal_figures: tuple[tuple[str, object], ...] = ()
    """The NPV bridge and portfolio metrics (``allocator.deals``) as key | value rows."""

    def to_frame(self) -> pd.DataFrame:
        """Key | value rows, one per field and one per warning."""
        rows: list[tuple[str, object]] = [
            ("version", self.version),
            ("solver", self.solver),
            ("status", self.status),
            ("objective_usd", self.objective_usd),
            ("npv_usd", self.npv_usd),
            ("start_month", self.start_month),
            ("months", self.months),
            ("variables", self.variables),
            ("constraints", self.constraints),
            ("build_seconds", self.build_seconds),
            ("solve_seconds", self.solve_seconds),
            ("input_file", self.input_file or ""),
            ("input_sha256", self.input_sha256 or ""),
            ("workbook_catalog", "; ".join(self.workbook_models) or "none"),
            ("shadow_values", _DUAL_LABELS.get(self.dual_kind, self.dual_kind)),
            ("created_at", self.created_at),
            *([("market", self.market)] if self.market else []),
            *([("network_model", self.network)] if self.network else []),
            *self.deal_figures,
            ("warnings", len(self.warnings)),
        ]
        rows += [(f"warning_{i + 1}", text) for i, text in enumerate(self.warnings)]
        return pd.DataFrame(rows, columns=["key", "value"])


@dataclass(frozen=True)
class Plan:
    """An optimized allocation: DataFrames by site, month, use, tranche and contract.

    See the module docstring for every frame's columns.
    """

    site_months: pd.DataFrame
    allocation: pd.DataFrame
    tranches: pd.DataFrame
    leases: pd.DataFrame
    builds: pd.DataFrame
    summary: pd.DataFrame
    contracts: pd.DataFrame
    site_value: pd.DataFrame
    run_info: RunInfo
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    deals: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per conversion project (site x contract), the ``Deals`` sheet."""
    deal_cash_flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Each project's monthly cash flows, horizon and contracted tail."""

    @property
    def npv_usd(self) -> float:
        """Net present value of the plan (discounted margin less capital charge)."""
        return float(self.summary["discounted_margin_usd"].sum())

    @property
    def objective_usd(self) -> float:
        """The LP objective as the solver reported it."""
        return self.run_info.objective_usd

    def to_parquet(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the plan as a folder of Parquet tables with ``metadata.json``
        (:mod:`allocator.exports`); ``overwrite`` replaces a results folder written earlier.

        Raises:
            OutputError: the folder exists and may not be replaced, or cannot be written.
        """
        return write_plan_tables(self, folder, file_format="parquet", overwrite=overwrite)

    def to_csv(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """As :meth:`to_parquet`, with CSV files.

        Raises:
            OutputError: the folder exists and may not be replaced, or cannot be written.
        """
        return write_plan_tables(self, folder, file_format="csv", overwrite=overwrite)

