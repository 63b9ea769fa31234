"""The insight figures in brief, as plain values: per site its HPC breakeven against the best
offer open to it, per contract the value it adds and its flip rates, the tornado's drivers;
no re-solve, no printing and no file I/O here.

:func:`insight_summary` reads what :func:`~allocator.insight.annotate.add_insight` merged into
a plan and returns lists of dicts with the frames' own unit-suffixed names and ``None`` for a
blank, ready for JSON; the command line prints their first rows under the headline.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from allocator.domain import Fleet
from allocator.insight.tornado import SENSITIVITY_SHEET
from allocator.results.plan import Plan

__all__ = ["SUMMARY_KEYS", "insight_summary"]

SUMMARY_KEYS = ("breakevens", "contracts", "sensitivities")
"""The keys of :func:`insight_summary`, in order."""

_SENSITIVITY_FIELDS = ("driver", "parameter", "low_change_pct", "high_change_pct",
                       "low_npv_usd", "high_npv_usd", "swing_usd", "note")


def insight_summary(plan: Plan, fleet: Fleet) -> dict[str, list[dict[str, Any]]]:
    """The plan's insight as three lists of plain values (``None`` where a figure is blank).

    - ``breakevens``, one per site, the lowest ``breakeven_hpc_rate_usd_kw_month`` first
      (sites without one last, in the fleet's order): ``site``,
      ``breakeven_hpc_rate_usd_kw_month``, ``best_offer_rate_usd_kw_month`` and
      ``best_offer_contract`` (the highest rate of the offers the site may carry whose term
      reaches into the horizon), ``convertible_mw``, ``converted_mw`` and ``note`` (and,
      for a site on hourly prices, ``flat_breakeven_hpc_rate_usd_kw_month``);
    - ``contracts``, one per offer, the largest ``value_added_usd`` in size first:
      ``contract``, ``rate_usd_kw_month``, ``committed_mw``, ``max_mw``, ``value_added_usd``,
      ``full_take_rate_usd_kw_month``, ``drop_rate_usd_kw_month`` and ``note``;
    - ``sensitivities``, the tornado's rows in its order (largest swing first): ``driver``,
      ``parameter``, ``low_change_pct`` and ``high_change_pct`` (fractions), ``low_npv_usd``,
      ``high_npv_usd``, ``swing_usd`` and ``note``; empty when the plan has no
      ``Sensitivity`` frame.

    Args:
        plan: A plan with :func:`~allocator.insight.annotate.add_insight` merged in.
        fleet: The fleet it was optimized from.

    Raises:
        ValueError: the plan carries no insight (``add_insight`` was not run on it).
    """
    if "breakeven_hpc_rate_usd_kw_month" not in plan.site_value.columns \
            or "value_added_usd" not in plan.contracts.columns:
        raise ValueError("insight_summary: the plan has no insight; run add_insight on it "
                         "first")
    table = plan.extra.get(SENSITIVITY_SHEET)
    return {
        "breakevens": _breakevens(plan, fleet),
        "contracts": _contracts(plan),
        "sensitivities": [] if table is None else _sensitivities(table),
    }


def _plain(value: Any) -> Any:
    """``value`` as a JSON-ready Python value: NaN and None become None, numbers floats."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return float(value)
    return None if pd.isna(value) else value


def _words(value: Any) -> str:
    """A text cell as a string; a blank (None, NaN) as ``""``."""
    return value if isinstance(value, str) else ""


def _best_offers(plan: Plan, fleet: Fleet) -> dict[str, tuple[float, str]]:
    """Per site: the highest rate among the offers it may carry, and that offer's name."""
    in_horizon = dict(zip(plan.contracts["contract"], plan.contracts["months_in_horizon"],
                          strict=True))
    best: dict[str, tuple[float, str]] = {}
    for contract in fleet.contracts:
        if not in_horizon.get(contract.name, 0):
            continue
        for site in fleet.sites:
            allowed = not contract.sites or site.name in contract.sites
            if allowed and contract.rate_usd_kw_month > best.get(site.name, (-1.0, ""))[0]:
                best[site.name] = (float(contract.rate_usd_kw_month), contract.name)
    return best


def _breakevens(plan: Plan, fleet: Fleet) -> list[dict[str, Any]]:
    best = _best_offers(plan, fleet)
    convertible = {s.name: float(s.hpc_convertible_mw) for s in fleet.sites}
    hourly = {c.site for c in fleet.price_curves}  # their rate without curtailing is shown too
    rows = []
    for row in plan.site_value.to_dict("records"):
        site = str(row["site"])
        rate, contract = best.get(site, (None, None))
        rows.append({
            "site": site,
            "breakeven_hpc_rate_usd_kw_month": _plain(row["breakeven_hpc_rate_usd_kw_month"]),
            "best_offer_rate_usd_kw_month": rate,
            "best_offer_contract": contract,
            "convertible_mw": convertible.get(site, 0.0),
            "converted_mw": _plain(row["converted_mw"]),
            "note": _words(row.get("breakeven_note")),
        })
        if site in hourly and "flat_breakeven_hpc_rate_usd_kw_month" in row:
            rows[-1]["flat_breakeven_hpc_rate_usd_kw_month"] = _plain(
                row["flat_breakeven_hpc_rate_usd_kw_month"])
    rows.sort(key=lambda r: (r["breakeven_hpc_rate_usd_kw_month"] is None,
                             r["breakeven_hpc_rate_usd_kw_month"] or 0.0))
    return rows


def _contracts(plan: Plan) -> list[dict[str, Any]]:
    rows = []
    for row in plan.contracts.to_dict("records"):
        rows.append({
            "contract": str(row["contract"]),
            "rate_usd_kw_month": _plain(row["rate_usd_kw_month"]),
            "committed_mw": _plain(row["committed_mw"]),
            "max_mw": _plain(row["max_mw"]),
            "value_added_usd": _plain(row["value_added_usd"]),
            "full_take_rate_usd_kw_month": _plain(row["full_take_rate_usd_kw_month"]),
            "drop_rate_usd_kw_month": _plain(row["drop_rate_usd_kw_month"]),
            "note": _words(row.get("insight_note")),
        })
    rows.sort(key=lambda r: -abs(r["value_added_usd"] or 0.0))
    return rows


def _sensitivities(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{name: (_words(row[name]) if name in ("driver", "parameter", "note")
                    else _plain(row[name])) for name in _SENSITIVITY_FIELDS}
            for row in table.to_dict("records")]
