"""The deal figures ``optimize`` prints and puts in ``--json``; no model logic here.

Every figure comes from the plan as :mod:`allocator.deals` left it: ``plan.deals`` (one row
per project), ``plan.run_info.deal_figures`` (the NPV bridge and the portfolio) and the
Summary's mining columns, so the terminal, ``--json``, the workbook and the Python API agree.
"""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table

from allocator.cli.common import OUT, add_row, literal
from allocator.deals.portfolio import BRIDGE_LABELS
from allocator.results.plan import Plan

__all__ = ["deal_figures", "mining_figures", "print_deals"]

def _plain(value: object) -> object:
    """A JSON-ready value: floats stay floats, NaN becomes None, numpy scalars plain."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def deal_figures(plan: Plan) -> dict[str, Any]:
    """``{"npv_bridge": {...}, "portfolio": {...}, "projects": [...]}`` of ``plan``."""
    rows = dict(plan.run_info.deal_figures)
    bridge = {key: _plain(rows[key]) for key in BRIDGE_LABELS if key in rows}
    portfolio = {key: _plain(value) for key, value in rows.items() if key not in BRIDGE_LABELS}
    projects = [{key: _plain(row.get(key)) for key in plan.deals.columns}
                for row in plan.deals.to_dict("records")]
    return {"npv_bridge": bridge, "portfolio": portfolio, "projects": projects}


def mining_figures(plan: Plan) -> dict[str, Any]:
    """Horizon totals of the Summary's mining columns: BTC mined, cost per BTC, J/TH."""
    s = plan.summary
    if "mined_btc" not in s.columns:
        return {}
    mined = float(s["mined_btc"].sum(min_count=1))
    cost = s["cash_cost_usd_btc"] * s["mined_btc"]
    return {
        "mined_btc": _plain(mined),
        "cash_cost_usd_btc": _plain(float(cost.sum()) / mined if mined > 0 else math.nan),
        "first_month_hashprice_btc_ph_day": _plain(float(s["hashprice_btc_ph_day"].iloc[0])),
        "avg_fleet_efficiency_j_th": _plain(float(s["fleet_efficiency_j_th"].mean())),
    }


def _money(x: object) -> str:
    return f"${x / 1e6:,.1f}M" if isinstance(x, float) and math.isfinite(x) else "-"


def _pct(x: object) -> str:
    return f"{100 * x:.1f} %" if isinstance(x, float) and math.isfinite(x) else "-"


def print_deals(deals: dict[str, Any]) -> None:
    """The NPV bridge, then one line per project (yield, IRR, payback); an IRR that is not
    meaningful (``irr_note``) prints ``n.m.``."""
    bridge = deals["npv_bridge"]
    if not bridge:
        return
    table = Table(title="Planning NPV vs cash NPV (discounted)", title_justify="left")
    table.add_column("line")
    table.add_column("value", justify="right")
    for key, words in BRIDGE_LABELS.items():
        add_row(table, words, _money(bridge.get(key)))
    p = deals["portfolio"]
    add_row(table, "Contracted backlog", _money(p.get("contracted_backlog_usd")))
    walt = p.get("walt_years")
    add_row(table, "Weighted average lease term",
            f"{walt:.1f} years" if isinstance(walt, float) else "-")
    if p.get("rent_share_by_tenant"):
        add_row(table, "Rent by tenant", p["rent_share_by_tenant"])
    OUT.print(table)
    if not deals["projects"]:
        return
    projects = Table(title="Deals", title_justify="left")
    for name in ("site", "contract", "IT MW", "capex", "yield on cost", "IRR", "payback",
                 "NPV"):
        projects.add_column(name, justify="left" if name in ("site", "contract") else "right")
    for d in deals["projects"]:
        projects.add_row(literal(str(d["site"])), literal(str(d["contract"])),
                         f"{d['lease_mw']:,.1f}", _money(d["owner_capex_usd"]),
                         _pct(d["yield_on_cost_pct"]),
                         "n.m." if d.get("irr_note") else _pct(d["unlevered_irr_pct"]),
                         str(d["payback_month"] or "-"), _money(d["project_npv_usd"]))
    OUT.print(projects)
