"""What each HPC contract is worth to the plan, and the rates that flip its take, by re-solving;
no file I/O and no printing here.

The value a contract adds is the NPV with it minus the NPV re-solved without the offer. Its
drop and full-take rates are searched on the contract's own rate (escalator kept): bisected,
where each held-model re-solve also brackets the flip by the rates its basis stays optimal
over (:class:`~allocator.insight.resolve.RateSearch`); a re-solve at the reported rate plus
``tol`` shows the new take and one at the reported rate minus ``tol`` the old one.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from allocator.api import FleetSource
from allocator.domain import Contract, Fleet
from allocator.errors import AllocatorError
from allocator.insight.held import resolves_for
from allocator.insight.resolve import (
    MAX_RATE_USD_KW_MONTH,
    RATE_BOUND_FACTOR,
    TAKEN_MW,
    TOL_USD_KW_MONTH,
    RateSearch,
    Resolves,
    check_search,
    is_taken,
    money_rate,
)
from allocator.optimization.solvers import SolverOptions
from allocator.scenarios.cases import fleet_of, solver_options

__all__ = ["CONTRACT_INSIGHT_COLUMNS", "contract_insight", "contract_rows"]

CONTRACT_INSIGHT_COLUMNS = [
    "contract", "committed_mw", "value_added_usd", "full_take_rate_usd_kw_month",
    "drop_rate_usd_kw_month", "insight_note",
]


def contract_insight(
    source: Fleet | FleetSource,
    *,
    solver: str | SolverOptions | None = None,
    rate_bound_factor: float = RATE_BOUND_FACTOR,
    max_rate_usd_kw_month: float = MAX_RATE_USD_KW_MONTH,
    tol_usd_kw_month: float = TOL_USD_KW_MONTH,
) -> pd.DataFrame:
    """Per contract: MW taken, the value it adds, and the rates that flip its take.

    - ``value_added_usd``: NPV of the optimal plan with the contract minus that without it
      (re-solved without the offer; firm contracts too, whose value may be negative);
    - ``drop_rate_usd_kw_month``: the rate at or below which the plan takes none of it
      (for a contract not taken today, the rate it would need to be taken at all);
    - ``full_take_rate_usd_kw_month``: the lowest rate at which it is taken in full
      (``committed_mw = max_mw``).

    Both rates are searched on the contract's own rate (escalator kept) between 0 and
    ``rate_bound_factor`` times its rate (``max_rate_usd_kw_month`` for a contract at 0);
    a rate never reached in that range is blank and ``insight_note`` says why.
    """
    fleet = fleet_of(source)[0]
    check_search(rate_bound_factor=rate_bound_factor,
                 max_rate_usd_kw_month=max_rate_usd_kw_month, tol_usd_kw_month=tol_usd_kw_month)
    resolves = resolves_for(fleet, solver_options(fleet, solver))
    rows = contract_rows(resolves, fleet, rate_bound_factor, max_rate_usd_kw_month,
                         tol_usd_kw_month)
    return pd.DataFrame(rows, columns=CONTRACT_INSIGHT_COLUMNS)


def contract_rows(resolves: Resolves, fleet: Fleet, bound_factor: float, max_rate: float,
                  tol: float) -> list[dict[str, Any]]:
    """The :func:`contract_insight` rows: the rate searches first, then the values added.

    Args:
        resolves: The re-solves of ``fleet``, or of ``fleet`` with probes appended at rate 0
            (which changes no optimum); shared with the caller's other searches.
        fleet: The fleet (its contracts name the rows; each is withdrawn in turn).
        bound_factor: Rates are searched up to this multiple of the contract's rate.
        max_rate: The bound for a contract at rate 0, USD/kW-month.
        tol: Bisection tolerance, USD/kW-month.

    Returns:
        One dict per contract, keys :data:`CONTRACT_INSIGHT_COLUMNS`.
    """
    coef, base = resolves.coef, resolves.base
    rows: list[dict[str, Any]] = []
    outside: set[int] = set()
    for k, c in enumerate(fleet.contracts):
        mw = float(base.commit_mw[k])
        row: dict[str, Any] = {"contract": c.name, "committed_mw": mw if is_taken(mw) else 0.0,
                               "value_added_usd": math.nan,
                               "full_take_rate_usd_kw_month": math.nan,
                               "drop_rate_usd_kw_month": math.nan, "insight_note": ""}
        rows.append(row)
        if not len(coef.contracts[k].months):
            row["insight_note"] = "its term lies outside the horizon"
            outside.add(k)
            continue
        bound = bound_factor * c.rate_usd_kw_month if c.rate_usd_kw_month > 0 else max_rate
        _take_rates(row, resolves.search(k), c, bound, tol)
    _values_added(rows, resolves, base.objective_usd, outside)
    return rows


def _take_rates(row: dict[str, Any], search: RateSearch, c: Contract, bound: float,
                tol: float) -> None:
    """Fill ``row``'s drop and full-take rates (or its note on why there is none)."""

    def full(mw: float) -> bool:
        return mw >= c.max_mw - TAKEN_MW

    notes: list[str] = []
    if c.firm and c.min_mw > TAKEN_MW:
        notes.append(f"firm: at least {c.min_mw:,.1f} MW is taken at any rate")
    elif search.holds(is_taken, 0.0):
        notes.append("taken even at no rent")
    else:
        drop = search.flip(is_taken, 0.0, bound, tol)
        if drop is None:
            row["insight_note"] = f"not taken even at {money_rate(bound)}"
            return
        row["drop_rate_usd_kw_month"] = drop
    if search.holds(full, 0.0):
        notes.append("taken in full at any rate")
    elif (rate := search.flip(full, 0.0, bound, tol)) is None:
        notes.append(f"at most {max(search.commit_mw(bound), 0.0):,.1f} of {c.max_mw:,.1f} "
                     f"MW taken even at {money_rate(bound)}")
    else:
        row["full_take_rate_usd_kw_month"] = rate
    row["insight_note"] = "; ".join(notes)


def _values_added(rows: list[dict[str, Any]], resolves: Resolves, base_npv: float,
                  outside: set[int]) -> None:
    """Fill each row's ``value_added_usd``: ``base_npv`` minus the NPV without the contract."""
    for k, row in enumerate(rows):
        if k in outside:
            row["value_added_usd"] = 0.0
            continue
        try:
            without = resolves.without(k)
        except AllocatorError as exc:  # cannot happen for an LP: fewer offers, same limits
            row["insight_note"] = "; ".join(filter(None, [row["insight_note"],
                                                          f"no plan without it ({exc})"]))
            continue
        row["value_added_usd"] = base_npv - without
