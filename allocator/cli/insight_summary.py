"""The few lines ``optimize --insight`` prints under the headline; no figures of its own.

The figures come from :func:`allocator.insight.summary.insight_summary`: the first sites by
HPC breakeven against the best offer open to them, the contracts the plan depends on most, and
the largest tornado swings, each list cut short with a count of the rest and where to find
them (the written sheets, or ``--json``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

__all__ = ["SHOWN_CONTRACTS", "SHOWN_DRIVERS", "SHOWN_SITES", "insight_lines"]

SHOWN_SITES = 5
SHOWN_CONTRACTS = 3
SHOWN_DRIVERS = 3


def _rate(x: float | None) -> str:
    return "-" if x is None else f"{x:,.2f}"


def _money(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{'-' if x < 0 else ''}${abs(x) / 1e6:,.1f}M"


def _more(rest: int, noun: str, sheet: str, written: Path | None, why: str = "") -> str:
    where = f"the {sheet} sheet" if written is not None else "--json"
    return f"  ... and {rest} more {noun}{'s' if rest != 1 else ''}{why}: see {where}"


def _site_lines(rows: list[dict[str, Any]], written: Path | None) -> list[str]:
    lines = ["HPC breakeven by site ($/kW-month to convert 1 more MW), lowest first:"]
    shown = rows[:SHOWN_SITES]
    width = max((len(r["site"]) for r in shown), default=0)
    for r in shown:
        rate = r["breakeven_hpc_rate_usd_kw_month"]
        if rate is None:
            lines.append(f"  {r['site']:<{width}}  {'-':>8}  {r['note']}")
            continue
        offer = (f"best offer {_rate(r['best_offer_rate_usd_kw_month'])} "
                 f"({r['best_offer_contract']})" if r["best_offer_contract"] else "no offer")
        flat = r.get("flat_breakeven_hpc_rate_usd_kw_month")
        if flat is not None:  # hourly prices: the rate if the miners could not curtail
            offer = f"{_rate(flat)} without curtailing; {offer}"
        lines.append(f"  {r['site']:<{width}}  {_rate(rate):>8}  {offer}; converts "
                     f"{r['converted_mw'] or 0.0:,.1f} of {r['convertible_mw']:,.1f} MW")
    rest = rows[SHOWN_SITES:]
    if rest:
        blank = sum(r["convertible_mw"] <= 0 for r in rest)
        why = f" ({blank} with no convertible space)" if blank else ""
        lines.append(_more(len(rest), "site", "Site Value", written, why))
    return lines


def _contract_line(r: dict[str, Any], width: int) -> str:
    rates = [f"{_rate(r['rate_usd_kw_month'])} now"]
    if r["full_take_rate_usd_kw_month"] is not None:
        rates.append(f"full from {_rate(r['full_take_rate_usd_kw_month'])}")
    if r["drop_rate_usd_kw_month"] is not None:
        rates.append(f"none at or below {_rate(r['drop_rate_usd_kw_month'])}")
    note = f"; {r['note']}" if r["note"] else ""
    taken = f"{r['committed_mw'] or 0.0:,.1f} of {r['max_mw']:,.1f} MW"
    return (f"  {r['contract']:<{width}}  {taken:>17}  adds {_money(r['value_added_usd']):>8}"
            f"  {', '.join(rates)}{note}")


def _contract_lines(rows: list[dict[str, Any]], written: Path | None) -> list[str]:
    lines = ["Contracts, the largest NPV added first (rates in $/kW-month):"]
    shown = rows[:SHOWN_CONTRACTS]
    width = max((len(r["contract"]) for r in shown), default=0)
    lines += [_contract_line(r, width) for r in shown]
    if len(rows) > SHOWN_CONTRACTS:
        lines.append(_more(len(rows) - SHOWN_CONTRACTS, "contract", "Contract Result", written))
    return lines


def _driver_lines(rows: list[dict[str, Any]], written: Path | None) -> list[str]:
    if not rows:
        return []
    low, high = rows[0]["low_change_pct"] or 0.0, rows[0]["high_change_pct"] or 0.0
    lines = [f"NPV at {low:+.0%} / {high:+.0%} of each driver (re-optimized), largest swing "
             "first:"]
    shown = rows[:SHOWN_DRIVERS]
    width = max(len(r["driver"]) for r in shown)
    for r in shown:
        pair = f"{_money(r['low_npv_usd'])} / {_money(r['high_npv_usd'])}"
        note = f"; {r['note']}" if r["note"] else ""
        lines.append(f"  {r['driver']:<{width}}  {pair:>21}  (swing "
                     f"{_money(r['swing_usd'])}){note}")
    if len(rows) > SHOWN_DRIVERS:
        lines.append(_more(len(rows) - SHOWN_DRIVERS, "driver", "Sensitivity", written))
    return lines


def insight_lines(summary: dict[str, list[dict[str, Any]]], written: Path | None) -> list[str]:
    """The insight block: sites, contracts and sensitivity drivers, the rest counted.

    Args:
        summary: What :func:`~allocator.insight.summary.insight_summary` returned.
        written: The workbook written (the rest is "in the ... sheet"), or ``None`` (the
            rest is in ``--json``).
    """
    return [*_site_lines(summary["breakevens"], written),
            *_contract_lines(summary["contracts"], written),
            *_driver_lines(summary["sensitivities"], written)]
