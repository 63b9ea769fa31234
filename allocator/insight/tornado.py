"""The sensitivity tornado: NPV re-optimized at -pct and +pct of each main driver, largest
swing first; no file I/O and no printing here (the workbook writer draws the chart).

Every driver moves prices only, so on the default HiGHS path each variant is the held LP
(:class:`~allocator.insight.held.HeldModel`) with its cost vector swapped (computed without
building the matrix) and re-solved warm; a variant whose matrix differs (capex, where a capex
budget holds) is built, and optimized afresh if its structure differs. Other solvers
optimize every variant.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from allocator.api import FleetSource, optimize
from allocator.consistency import check_consistency, check_numerics
from allocator.domain import Fleet
from allocator.errors import AllocatorError, InputError
from allocator.insight.held import HeldModel
from allocator.optimization.backends import WarmStart, is_direct_highs
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.lp import build_model, objective
from allocator.optimization.solvers import SolverOptions
from allocator.power.shift import shift_curves
from allocator.results.plan import Plan
from allocator.scenarios.cases import fleet_of, solver_options

__all__ = ["DRIVERS", "SENSITIVITY_COLUMNS", "SENSITIVITY_SHEET", "add_sensitivity",
           "check_pct", "prices_only", "scaled", "sensitivity", "tornado"]

SENSITIVITY_SHEET = "Sensitivity"
"""Name of the ``plan.extra`` frame (and sheet) holding :func:`sensitivity`."""

DRIVERS: tuple[tuple[str, str], ...] = (
    ("BTC price", "btc_price_usd"),
    ("Network hashrate", "network_hashrate_ehs"),
    ("Power price", "power_price_usd_mwh"),
    ("HPC rates", "rate_usd_kw_month"),
    ("Conversion capex", "conversion_capex_usd_mw"),
)
"""The sensitivity drivers: (label, the input field scaled)."""

_LABELS = {p: label for label, p in DRIVERS}

SENSITIVITY_COLUMNS = [
    "driver", "parameter", "low_change_pct", "high_change_pct", "base_npv_usd",
    "low_npv_usd", "high_npv_usd", "low_npv_change_usd", "high_npv_change_usd", "swing_usd",
    "note",
]


def sensitivity(
    source: Fleet | FleetSource,
    pct: float = 10.0,
    *,
    solver: str | SolverOptions | None = None,
    drivers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """NPV change for -``pct`` % and +``pct`` % of each driver, largest swing first.

    Drivers (:data:`DRIVERS`): BTC price, network hashrate (both move the hashprice of every
    month), power price (every site and every ``PowerPrices`` row), HPC rates (every
    contract) and conversion capex (every site). Each variant is re-optimized (warm where
    only prices change) and verified like any plan, so an NPV change includes the
    optimizer's response: NPV can only rise with BTC price and HPC rates and only fall with
    network hashrate, power price and capex.

    Args:
        source: A :class:`Fleet` or what ``read_workbook`` returned.
        pct: The change, in percent (0 < pct < 100).
        solver: Solver name or options (default the fleet's ``solver`` setting).
        drivers: Input fields to vary (default all of :data:`DRIVERS`).

    Returns:
        One row per driver, sorted by ``swing_usd`` (tornado order), columns
        ``SENSITIVITY_COLUMNS``; ``*_change_pct`` are fractions (-0.1 for -10 %). A variant
        with no feasible plan has blank NPVs and ``note`` says why.

    Raises:
        ValueError: ``pct`` outside (0, 100) or an unknown driver.
        AllocatorError: the base case itself cannot be optimized.
    """
    check_pct(pct)
    fleet = fleet_of(source)[0]
    return tornado(fleet, pct, solver_options(fleet, solver), drivers)


def check_pct(pct: float) -> None:
    """Raises ValueError unless ``0 < pct < 100``."""
    if not (math.isfinite(pct) and 0 < pct < 100):
        raise ValueError(f"pct must be between 0 and 100 (exclusive), got {pct!r}")


def tornado(fleet: Fleet, pct: float, options: SolverOptions,
            drivers: Iterable[str] | None = None, held: HeldModel | None = None
            ) -> pd.DataFrame:
    """The :func:`sensitivity` table of ``fleet`` (``pct`` already checked).

    Args:
        fleet: The fleet.
        pct: The change, in percent.
        options: The solver.
        drivers: Input fields to vary (default all of :data:`DRIVERS`).
        held: A held model of ``fleet``, or of ``fleet`` with probes at rate 0 (which
            change no optimum), to vary instead of building one (HiGHS only).
    """
    chosen = _chosen(drivers)
    step = pct / 100.0
    npv_at: Callable[[str, float], float]
    if is_direct_highs(options):
        model = held or HeldModel(fleet, options)
        base = model.objective

        def npv_at(parameter: str, factor: float) -> float:
            return _held_npv(model, fleet, parameter, factor, options)
    else:
        warm = WarmStart()
        base = optimize(fleet, solver=options, warm=warm).npv_usd

        def npv_at(parameter: str, factor: float) -> float:
            return optimize(scaled(fleet, parameter, factor), solver=options,
                            warm=warm).npv_usd

    rows = [_driver_row(parameter, step, base, npv_at) for parameter in chosen]
    frame = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    # NaN swings last; a stable sort keeps the drivers' own order among equal swings.
    order = frame["swing_usd"].fillna(-1.0).sort_values(ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def add_sensitivity(plan: Plan, source: Fleet | FleetSource, pct: float = 10.0, *,
                    solver: str | SolverOptions | None = None) -> Plan:
    """A copy of ``plan`` with :func:`sensitivity` as its ``Sensitivity`` extra frame.

    The workbook writer draws the frame's tornado chart on the ``Sensitivity`` sheet.
    """
    table = sensitivity(source, pct, solver=solver)
    return dataclasses.replace(plan, extra={**plan.extra, SENSITIVITY_SHEET: table})


def _chosen(drivers: Iterable[str] | None) -> list[str]:
    """The driver fields to vary, in the order given (default every one of :data:`DRIVERS`).

    Raises:
        ValueError: an unknown driver.
    """
    chosen = list(drivers) if drivers is not None else [p for _, p in DRIVERS]
    for parameter in chosen:
        if parameter not in _LABELS:
            raise ValueError(_unknown_driver(parameter))
    return chosen


def _unknown_driver(parameter: str) -> str:
    return f"Unknown sensitivity driver {parameter!r}. Available: {', '.join(_LABELS)}"


def _held_npv(held: HeldModel, fleet: Fleet, parameter: str, factor: float,
              options: SolverOptions) -> float:
    """The optimum with one driver scaled, on ``held`` (its costs swapped, re-solved warm).

    The variant is refused as :func:`~allocator.api.optimize` would refuse it (consistency
    errors, numbers no solver can handle); one whose matrix or bounds differ from the held
    model's is optimized afresh.

    Raises:
        AllocatorError: the variant is refused or has no plan.
    """
    variant = scaled(fleet, parameter, factor)
    errors = check_consistency(variant).errors or check_numerics(compute_coefficients(variant))
    if errors:
        raise InputError(errors)
    coef = compute_coefficients(scaled(held.coef.fleet, parameter, factor))
    if prices_only(fleet, parameter):
        return held.with_costs(objective(coef, held.model))
    model = build_model(coef)
    if held.same_structure(model):
        return held.with_costs(model.col_cost)
    return optimize(variant, solver=options).npv_usd


def prices_only(fleet: Fleet, parameter: str) -> bool:
    """Whether scaling ``parameter`` changes the LP's costs alone (its matrix and bounds kept).

    Every driver is a price but capex, which is also the capex budget's coefficients.
    """
    return parameter != "conversion_capex_usd_mw" or (
        fleet.settings.capex_budget_usd_per_year is None)


def _driver_row(parameter: str, step: float, base_npv_usd: float,
                npv_at: Callable[[str, float], float]) -> dict[str, Any]:
    """One tornado row: NPV re-optimized at ``1 - step`` and ``1 + step`` times the driver."""
    npv: dict[str, float] = {}
    notes: list[str] = []
    for side, factor in (("low", 1.0 - step), ("high", 1.0 + step)):
        try:
            npv[side] = npv_at(parameter, factor)
        except AllocatorError as exc:
            npv[side] = math.nan
            reason = " ".join(line.strip() for line in str(exc).splitlines())
            notes.append(f"no plan at {factor - 1:+.0%}: {reason}")
    low, high = npv["low"] - base_npv_usd, npv["high"] - base_npv_usd
    return {
        "driver": _LABELS[parameter], "parameter": parameter,
        "low_change_pct": -step, "high_change_pct": step, "base_npv_usd": base_npv_usd,
        "low_npv_usd": npv["low"], "high_npv_usd": npv["high"],
        "low_npv_change_usd": low, "high_npv_change_usd": high,
        "swing_usd": abs(high - low), "note": "; ".join(notes),
    }


def scaled(fleet: Fleet, parameter: str, factor: float) -> Fleet:
    """``fleet`` with every value of one driver multiplied by ``factor``.

    A Market row that gives ``hashprice_usd_ph_day`` directly has it scaled the way the
    formula would move it (with BTC price, inversely with network hashrate), and a row that
    gives the network as ``difficulty`` has that scaled, so the driver moves every month of
    the horizon, given or projected.
    """
    if parameter in ("btc_price_usd", "network_hashrate_ehs"):
        hp_factor = factor if parameter == "btc_price_usd" else 1.0 / factor
        market = []
        for m in fleet.market:
            update: dict[str, float] = {}
            value = getattr(m, parameter)
            if value is not None:
                update[parameter] = value * factor
            if parameter == "network_hashrate_ehs" and m.difficulty is not None:
                update["difficulty"] = m.difficulty * factor  # hashrate is proportional
            if m.hashprice_usd_ph_day is not None:
                update["hashprice_usd_ph_day"] = m.hashprice_usd_ph_day * hp_factor
            market.append(m.model_copy(update=update))
        return fleet.model_copy(update={"market": tuple(market)})
    if parameter == "power_price_usd_mwh":
        sites = tuple(s.model_copy(update={parameter: s.power_price_usd_mwh * factor})
                      for s in fleet.sites)
        prices = tuple(p.model_copy(update={parameter: p.power_price_usd_mwh * factor})
                       for p in fleet.power_prices)
        return fleet.model_copy(update={"sites": sites, "power_prices": prices,
                                        "price_curves": shift_curves(fleet.price_curves,
                                                                     "scale", factor)})
    if parameter == "rate_usd_kw_month":
        contracts = tuple(c.model_copy(update={parameter: c.rate_usd_kw_month * factor})
                          for c in fleet.contracts)
        return fleet.model_copy(update={"contracts": contracts})
    if parameter == "conversion_capex_usd_mw":
        sites = tuple(s.model_copy(update={parameter: s.conversion_capex_usd_mw * factor})
                      for s in fleet.sites)
        return fleet.model_copy(update={"sites": sites})
    raise ValueError(_unknown_driver(parameter))
