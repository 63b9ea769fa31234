"""Sets of futures with probabilities, and each column's LP cost in every future; no solving.

A :class:`ScenarioSet` holds fleets that differ only in prices (the Market rows, the
PowerPrices rows, the sites' power prices and the bin prices of their hourly curves), one
per future, with probabilities summing to 1. :func:`monte_carlo_set` draws them as
``sweep --samples`` does (:mod:`allocator.scenarios.montecarlo`: seeded,
Settings volatilities and correlation, the outlook as the mean path), each with probability
1 / N. :func:`scenario_costs` prices every column of the deterministic LP in every future,
with the LP's own :func:`~allocator.optimization.lp.objective`, so a one-future set is
exactly the deterministic LP.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.consistency import check_consistency, check_numerics
from allocator.domain import Fleet
from allocator.errors import InputError, Problem
from allocator.optimization.coefficients import Coefficients, compute_coefficients
from allocator.optimization.lp import build_model, objective
from allocator.optimization.model import MatrixModel
from allocator.scenarios.montecarlo import draw_factors, sample_fleet
from allocator.stochastic.delays import DELAY_COLUMN, delay_fault, delayed_costs

__all__ = [
    "PROBABILITY_TOLERANCE",
    "ScenarioCosts",
    "ScenarioSet",
    "monte_carlo_set",
    "scenario_costs",
    "scenario_set",
]

Array = npt.NDArray[np.float64]
PROBABILITY_TOLERANCE = 1e-6
"""Probabilities must sum to 1 within this."""

_PRICE_FIELDS = ("market", "power_prices")
"""The fields of a Fleet the futures of one set may differ in (and prices: each site's
``power_price_usd_mwh`` and the bin prices of the hourly curves, not their hours)."""
_CURVE_PRICES = ("price_usd_mwh", "peak_price_usd_mwh", "emergency_price_usd_mwh",
                 "ancillary_usd_mw_h")


@dataclass(frozen=True)
class ScenarioSet:
    """Futures of one fleet: a name, a probability and a fleet each.

    Attributes:
        names: One per future (``sample 1``, ...).
        probabilities: One per future, each >= 0, summing to 1.
        fleets: The fleet in each future; they differ only in prices: Market and
            PowerPrices rows, sites' power prices and hourly curves' bin prices.
        seed: The random seed of a Monte Carlo set, else ``None``.
        delay_months: ``[W, S]``: each future's construction slip at each site
            (:mod:`~allocator.stochastic.delays`), or ``None`` for none.
    """

    names: tuple[str, ...]
    probabilities: Array
    fleets: tuple[Fleet, ...]
    seed: int | None = None
    delay_months: npt.NDArray[np.int64] | None = None

    def __len__(self) -> int:
        return len(self.names)


def scenario_set(fleets: Sequence[Fleet], probabilities: Sequence[float] | None = None,
                 names: Sequence[str] | None = None,
                 delay_months: Sequence[Sequence[int]] | None = None) -> ScenarioSet:
    """Futures given one by one; no probabilities means equally likely; ``delay_months``,
    one row per future and one whole number per site, slips their construction.

    Raises:
        InputError: no fleet, probabilities that are negative, not one per fleet or not
            summing to 1, fleets that differ in more than prices, or slips that are not a
            whole number of months within the horizon; every problem at once.
    """
    count = len(fleets)
    labels = tuple(names) if names is not None else tuple(f"scenario {i + 1}"
                                                         for i in range(count))
    problems: list[Problem] = []
    if count == 0:
        problems.append(Problem("scenarios", "a scenario set needs at least one scenario"))
    if len(labels) != count:
        problems.append(Problem("scenarios", f"{len(labels)} names for {count} scenarios"))
    probs = (np.full(count, 1.0 / max(count, 1)) if probabilities is None
             else np.array([float(p) for p in probabilities], dtype=float))
    problems += _probability_problems(probs, count, labels)
    problems += _structure_problems(fleets, labels)
    problems += _block_problems(fleets)
    delays = None if delay_months is None else np.array(delay_months, dtype=float)
    if delays is not None and fleets:
        problems += _delay_problems(delays, fleets[0], labels)
    if problems:
        raise InputError(problems)
    return ScenarioSet(labels, probs, tuple(fleets),
                       delay_months=None if delays is None else delays.astype(np.int64))


def _block_problems(fleets: Sequence[Fleet]) -> list[Problem]:
    """Fixed PPA blocks are not in the extensive form: refused at their cells."""
    if not fleets:
        return []
    return [Problem("Sites", "a stochastic plan does not value a fixed PPA block yet; leave "
                    "ppa_mw blank (the PPA then covers all the site draws) or plan the block "
                    "with optimize, compare or sweep", column="ppa_mw", value=s.ppa_mw,
                    record=s.name) for s in fleets[0].sites if s.ppa_block]


def _delay_problems(delays: Array, fleet: Fleet, names: Sequence[str]) -> list[Problem]:
    """Slips of ``[W, S]`` whole months, 0 to the horizon."""
    shape = (len(names), len(fleet.sites))
    if delays.shape != shape:
        return [Problem("scenarios", f"construction delays must be {shape[0]} x {shape[1]} "
                        f"(futures x sites), got {delays.shape}")]
    faults = ((w, s, delay_fault(float(delays[w, s]), fleet.settings.months))
              for w, s in np.ndindex(*shape))
    return [Problem("scenarios", f"{fault} (got {delays[w, s]:g})", column=DELAY_COLUMN,
                    value=float(delays[w, s]), record=f"{names[w]}, {fleet.sites[s].name}")
            for w, s, fault in faults if fault is not None]


def _probability_problems(probs: Array, count: int, names: Sequence[str]) -> list[Problem]:
    if len(probs) != count:
        return [Problem("scenarios", f"{len(probs)} probabilities for {count} scenarios")]
    out = [Problem("scenarios", f"probability of scenario '{name}' must be a number in "
                   f"[0, 1] (got {p})", column="probability", value=p, record=name)
           for name, p in zip(names, probs.tolist(), strict=False)
           if not (math.isfinite(p) and 0.0 <= p <= 1.0)]
    total = float(probs.sum())
    if not out and count and abs(total - 1.0) > PROBABILITY_TOLERANCE:
        out.append(Problem("scenarios", f"probabilities must sum to 1 (got {total:.6g})",
                           column="probability", value=total))
    return out


def _structure_problems(fleets: Sequence[Fleet], names: Sequence[str]) -> list[Problem]:
    """Futures may differ in prices only: one first stage must fit them all."""
    if not fleets:
        return []
    first = _shared(fleets[0])
    return [Problem("scenarios", f"scenario '{name}' differs from '{names[0]}' in more than "
                    "Market and PowerPrices rows and power prices; the futures of one set "
                    "share sites, miners, contracts and Settings", record=name)
            for name, fleet in zip(names[1:], fleets[1:], strict=False)
            if _shared(fleet) != first]


def _shared(fleet: Fleet) -> dict[str, object]:
    """What every future of a set must have alike: the fleet without its prices."""
    out = fleet.model_dump(exclude=set(_PRICE_FIELDS))
    for site in out["sites"]:
        site.pop("power_price_usd_mwh", None)
    for curve in out["price_curves"]:
        for key in _CURVE_PRICES:
            curve.pop(key, None)
    return out


def monte_carlo_set(fleet: Fleet, samples: int, seed: int = 0) -> ScenarioSet:
    """``samples`` equally likely futures drawn as ``sweep --samples`` draws them.

    Raises:
        InputError: fewer than one sample, or no volatility in Settings.
    """
    st = fleet.settings
    problems: list[Problem] = []
    if samples < 1:
        problems.append(Problem("stochastic", f"samples must be at least 1, got {samples}",
                                column="samples", value=samples))
    if st.btc_price_volatility_pa is None and st.network_hashrate_volatility_pa is None:
        problems.append(Problem(
            "Settings", "a stochastic plan needs btc_price_volatility_pa or "
            "network_hashrate_volatility_pa in Settings (e.g. 0.5 and 0.15)",
            column="btc_price_volatility_pa"))
    if problems:
        raise InputError(problems)
    btc, hashrate = draw_factors(
        samples, st.months, seed, btc_volatility_pa=st.btc_price_volatility_pa or 0.0,
        hashrate_volatility_pa=st.network_hashrate_volatility_pa or 0.0,
        correlation=st.btc_hashrate_correlation or 0.0)
    fleets = tuple(sample_fleet(fleet, btc[i], hashrate[i]) for i in range(samples))
    return ScenarioSet(tuple(f"sample {i + 1}" for i in range(samples)),
                       np.full(samples, 1.0 / samples), fleets, seed)


@dataclass(frozen=True)
class ScenarioCosts:
    """The deterministic LP of the set's fleets and every column's cost in every future.

    Attributes:
        model: The deterministic LP (:func:`~allocator.optimization.lp.build_model`) of the
            first future; every future has the same matrix and bounds.
        costs: ``[W, n_cols]``: the objective coefficient of each column in each future.
        probabilities: ``[W]``.
        coefficients: Each future's coefficients.
    """

    model: MatrixModel
    costs: Array
    probabilities: Array
    coefficients: tuple[Coefficients, ...]

    @property
    def expected(self) -> Array:
        """The probability-weighted cost of each column: the LP of the mean future."""
        out: Array = self.probabilities @ self.costs
        return out

    def expected_positive_margin(self) -> Array:
        """:attr:`expected` with each mining column's cost ``E[max(0, c_w)]``: a running MW
        valued as a strip of monthly options to switch off."""
        out = self.expected.copy()
        index = self.model.variables["mine"].index
        cols = index[index >= 0]
        out[cols] = self.probabilities @ np.maximum(self.costs[:, cols], 0.0)
        return out

    @property
    def merit_order_holds(self) -> bool:
        """True when the expected-positive-margin LP has the extensive form's optimum.

        Every tranche of a site pays the site's power price and opex and earns the fleet's
        hashprice, so its margin falls with its J/TH the same way in every future and each
        future fills a site's grid in one order; only a fleet hashrate floor, which ties the
        sites' mining together in each future, breaks that.
        """
        return self.coefficients[0].fleet.settings.min_fleet_hashrate_ehs is None


def scenario_costs(scenarios: ScenarioSet) -> ScenarioCosts:
    """Coefficients, the deterministic LP and per-future column costs of ``scenarios``.

    Raises:
        InputError: a future the consistency pass refuses or whose numbers outrun a solver,
            naming the future.
    """
    problems: list[Problem] = []
    coefs = []
    for name, fleet in zip(scenarios.names, scenarios.fleets, strict=True):
        found = [*check_consistency(fleet).errors]
        coef = compute_coefficients(fleet)
        found += check_numerics(coef)
        problems += [Problem(p.sheet, f"scenario '{name}': {p.message}", cell=p.cell,
                             column=p.column, value=p.value, record=p.record) for p in found]
        coefs.append(coef)
    if problems:
        raise InputError(problems)
    model = build_model(coefs[0])
    costs = np.vstack([objective(coef, model) for coef in coefs])
    if scenarios.delay_months is not None:
        costs = delayed_costs(costs, tuple(coefs), model, scenarios.delay_months)
    return ScenarioCosts(model, costs, scenarios.probabilities, tuple(coefs))
