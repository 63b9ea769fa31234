"""Every deal figure of a solved plan in one record; pure, no I/O.

:func:`deal_view` gathers the projects' cash flows, the Deals rows, the portfolio metrics and
the NPV bridge, so the workbook, the terminal, ``--json`` and the Python API show the same
numbers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from allocator.deals.cash_flows import ProjectFlows, cash_flow_frame, project_cash_flows
from allocator.deals.metrics import deal_frame
from allocator.deals.mining import MINING_COLUMNS, fixed_cost_usd, mining_metrics
from allocator.deals.portfolio import NpvBridge, Portfolio, npv_bridge, portfolio
from allocator.optimization.coefficients import Coefficients
from allocator.results.plan import Plan

__all__ = ["DealView", "deal_view", "with_deals"]


@dataclass(frozen=True)
class DealView:
    """A plan's deals: per project, per month, the portfolio and the NPV bridge.

    Attributes:
        flows: Each project's monthly cash flows as arrays.
        deals: One row per project (the ``Deals`` sheet).
        cash_flows: Every project's months, one row each.
        portfolio: Backlog, WALT, rent share by tenant.
        bridge: Planning NPV to cash NPV, line by line.
    """

    flows: list[ProjectFlows]
    deals: pd.DataFrame
    cash_flows: pd.DataFrame
    portfolio: Portfolio
    bridge: NpvBridge

    def figures(self) -> list[tuple[str, object]]:
        """The bridge and the portfolio as ``(key, value)`` rows (Run Info, ``--json``)."""
        p = self.portfolio
        return [*self.bridge.lines(),
                ("contracted_backlog_usd", p.contracted_backlog_usd),
                ("backlog_after_horizon_usd", p.backlog_after_horizon_usd),
                ("walt_years", p.walt_years),
                ("rent_share_by_tenant", p.tenant_text())]


def deal_view(coef: Coefficients, plan: Plan) -> DealView:
    """Every deal figure of ``plan``, solved from ``coef``."""
    flows = project_cash_flows(coef, plan)
    return DealView(flows=flows, deals=deal_frame(coef, flows),
                    cash_flows=cash_flow_frame(coef, flows), portfolio=portfolio(coef, flows),
                    bridge=npv_bridge(plan, flows))


def with_deals(coef: Coefficients, plan: Plan) -> Plan:
    """``plan`` with its deals: the ``deals`` and ``deal_cash_flows`` frames, the mining
    metrics as ``summary`` columns and the bridge and portfolio rows in its run info."""
    view = deal_view(coef, plan)
    settings = coef.fleet.settings
    fixed = fixed_cost_usd(settings, coef.fleet.miners, len(plan.summary))
    mining = mining_metrics(plan, settings.pool_fee, fixed)
    summary = plan.summary.assign(**{name: mining[name].to_numpy() for name in MINING_COLUMNS})
    info = dataclasses.replace(plan.run_info, deal_figures=tuple(view.figures()))
    return dataclasses.replace(plan, summary=summary, deals=view.deals,
                               deal_cash_flows=view.cash_flows, run_info=info)
