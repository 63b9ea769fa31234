"""Monte Carlo over BTC price and network hashrate paths; seeded, no printing, no files.

Each sample multiplies the fleet's market outlook (the Market rows, then the months projected
with the Settings growth rates) by a geometric Brownian motion factor per series:
``factor[t] = exp(sigma * W[t] - sigma**2 * t / 24)`` over months ``t`` from the first horizon
month (factor 1), so the outlook is the expected path and its growth rates are the drift.
Annual volatilities come from Settings ``btc_price_volatility_pa`` and
``network_hashrate_volatility_pa``; ``btc_hashrate_correlation`` correlates the two series'
monthly shocks. The shocks are drawn here, in the calling process, from
``numpy.random.default_rng(seed)``, so the same seed gives the same numbers on any executor.

:func:`monte_carlo` solves every sample and reports the NPV distribution (P5/P50/P95), the
probability that each site converts and the probability that each contract is taken. Samples
are drawn, built and solved in bounded batches (:func:`factor_batches`), so the fleets alive
at once do not grow with the number of samples; the stream of shocks, and so every number,
is the same whatever the batch size.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.api import FleetSource
from allocator.domain import Fleet, MarketMonth
from allocator.errors import InputError, Problem
from allocator.exports.results import write_monte_carlo_tables
from allocator.market import fleet_network_model, project_fleet_market, react_point
from allocator.optimization.solvers import SolverOptions
from allocator.scenarios.cases import (
    CONVERTED_EPS_MW,
    Case,
    CaseResult,
    consistency_problems,
    fleet_of,
    monthly_frame,
    run_cases,
    solver_options,
)
from allocator.scenarios.executors import Executor, Progress

__all__ = ["MonteCarlo", "draw_factors", "factor_batches", "monte_carlo", "sample_fleet"]

Array = npt.NDArray[np.float64]
PERCENTILES = (5, 50, 95)
MIN_BATCH_SAMPLES = 64
"""Samples built and solved together at least; more (8 per worker) on a larger executor."""


def draw_factors(samples: int, months: int, seed: int, *, btc_volatility_pa: float,
                 hashrate_volatility_pa: float, correlation: float = 0.0) -> tuple[Array, Array]:
    """Mean-one GBM factors for BTC price and network hashrate, each ``[samples, months]``.

    Month 0 is 1 (today is known); month ``t`` carries ``t`` correlated monthly shocks.
    """
    return next(factor_batches(samples, months, seed, max(samples, 1),
                               btc_volatility_pa=btc_volatility_pa,
                               hashrate_volatility_pa=hashrate_volatility_pa,
                               correlation=correlation))


def factor_batches(samples: int, months: int, seed: int, batch_samples: int, *,
                   btc_volatility_pa: float, hashrate_volatility_pa: float,
                   correlation: float = 0.0) -> Iterator[tuple[Array, Array]]:
    """:func:`draw_factors` in batches of at most ``batch_samples`` rows, drawn as needed.

    One generator draws the shocks sample after sample, so the batches stacked are exactly
    ``draw_factors(samples, ...)``, whatever ``batch_samples`` is.
    """
    rng = np.random.default_rng(seed)
    for start in range(0, max(samples, 1), batch_samples):
        rows = min(batch_samples, samples - start) if samples else 0
        shocks = rng.standard_normal((rows, max(months - 1, 0), 2))
        yield _paths(shocks, months, btc_volatility_pa, hashrate_volatility_pa, correlation)


def _paths(shocks: Array, months: int, btc_volatility_pa: float, hashrate_volatility_pa: float,
           correlation: float) -> tuple[Array, Array]:
    """GBM factors ``[rows, months]`` of both series from standard normal ``shocks``."""
    rows = len(shocks)
    z_btc = shocks[:, :, 0]
    z_hash = correlation * z_btc + np.sqrt(max(0.0, 1.0 - correlation**2)) * shocks[:, :, 1]

    def path(z: Array, sigma: float) -> Array:
        step = sigma / np.sqrt(12.0)
        walk = np.concatenate([np.zeros((rows, 1)), np.cumsum(z, axis=1)], axis=1)
        t = np.arange(months, dtype=float)[None, :]
        out: Array = np.exp(step * walk - 0.5 * step**2 * t)
        return out

    return path(z_btc, btc_volatility_pa), path(z_hash, hashrate_volatility_pa)


def sample_fleet(fleet: Fleet, btc_factor: Array, hashrate_factor: Array) -> Fleet:
    """``fleet`` with every horizon month's market multiplied by the given factors.

    Every horizon month gets its own Market row; a given hashprice (or one projected from a
    hashprice-only row) moves by ``btc_factor / hashrate_factor``, like the formula's. With
    ``network_model marginal_cost`` the network reacts to the sampled path: in each month
    not given by a Market row only the hashrate that covers its cost at the sampled prices
    runs (the sample's rows are then written as it runs).
    """
    network = fleet_network_model(fleet)
    given = {m.month: m for m in fleet.market}
    rows = []
    for t, point in enumerate(project_fleet_market(fleet, react=False)):
        fb, fh = float(btc_factor[t]), float(hashrate_factor[t])
        row = given.get(point.month)
        override = (row.hashprice_usd_ph_day is not None) if row is not None else (
            point.btc_price_usd is None)
        shocked = dataclasses.replace(
            point,
            btc_price_usd=None if point.btc_price_usd is None else point.btc_price_usd * fb,
            network_hashrate_ehs=(None if point.network_hashrate_ehs is None
                                  else point.network_hashrate_ehs * fh),
            hashprice_usd_ph_day=point.hashprice_usd_ph_day * fb / fh)
        if network is not None and row is None:
            shocked = react_point(shocked, network)
        rows.append(MarketMonth(
            month=point.month, btc_price_usd=shocked.btc_price_usd,
            network_hashrate_ehs=shocked.network_hashrate_ehs,
            fees_btc_per_block=point.fees_btc_per_block,
            hashprice_usd_ph_day=shocked.hashprice_usd_ph_day if override else None,
        ))
    return Fleet(settings=fleet.settings, sites=fleet.sites, miners=fleet.miners,
                 market=tuple(rows), power_prices=fleet.power_prices, contracts=fleet.contracts,
                 network_fleet=fleet.network_fleet,
                 price_curves=fleet.price_curves)


@dataclass(frozen=True)
class MonteCarlo:
    """A solved Monte Carlo run.

    Attributes:
        seed: The random seed.
        samples: One row per sample: sample, btc_price_factor_end, hashrate_factor_end,
            avg_hashprice_usd_ph_day, npv_usd, and per site and contract the converted and
            committed MW.
        summary: ``statistic`` | ``npv_usd``: mean, P5, P50, P95, min, max.
        sites: site, probability_converts, mean_converted_mw.
        contracts: contract, probability_taken, mean_committed_mw.
        settings: The volatilities and correlation used.
        source: The workbook, when there was one.
        warnings: The reader's warnings.
        monthly: One row per sample and month: ``scenario`` (``sample 1``, ...), ``month``
            and the :data:`~allocator.scenarios.cases.MONTHLY_COLUMNS` of its plan.
    """

    seed: int
    samples: pd.DataFrame
    summary: pd.DataFrame
    sites: pd.DataFrame
    contracts: pd.DataFrame
    settings: dict[str, float] = field(default_factory=dict)
    source: Path | None = None
    warnings: tuple[str, ...] = ()
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)

    def npv_percentile(self, p: float) -> float:
        """The ``p``-th percentile of NPV (linear interpolation)."""
        return float(np.percentile(self.samples["npv_usd"], p))

    @property
    def p5(self) -> float:
        """5th percentile of NPV."""
        return self.npv_percentile(5)

    @property
    def p50(self) -> float:
        """Median NPV."""
        return self.npv_percentile(50)

    @property
    def p95(self) -> float:
        """95th percentile of NPV."""
        return self.npv_percentile(95)

    def to_parquet(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the Monte Carlo run as a folder of Parquet tables with ``metadata.json``
        (:mod:`allocator.exports`); ``overwrite`` replaces a results folder written earlier.

        Raises:
            OutputError: the folder exists and may not be replaced, or cannot be written.
        """
        return write_monte_carlo_tables(self, folder, file_format="parquet", overwrite=overwrite)

    def to_csv(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """As :meth:`to_parquet`, with CSV files.

        Raises:
            OutputError: the folder exists and may not be replaced, or cannot be written.
        """
        return write_monte_carlo_tables(self, folder, file_format="csv", overwrite=overwrite)


def monte_carlo(
    source: Fleet | FleetSource,
    samples: int,
    seed: int = 0,
    *,
    executor: Executor | None = None,
    solver: str | SolverOptions | None = None,
    progress: Progress | None = None,
    batch_samples: int | None = None,
) -> MonteCarlo:
    """Solve ``samples`` random market paths and summarise the outcomes.

    Args:
        source: A fleet, or what ``read_workbook`` returned. Its Settings must give
            ``btc_price_volatility_pa`` or ``network_hashrate_volatility_pa``.
        samples: Number of paths, at least 1.
        seed: Random seed; the same seed gives the same numbers.
        executor: Where the solves run; default one after another here.
        solver: Solver name or options; default the workbook's ``solver`` setting.
        progress: ``progress(done, total)`` after each solve.
        batch_samples: Samples built and solved at a time (memory is bounded by it, not by
            ``samples``); default 8 per worker, at least :data:`MIN_BATCH_SAMPLES`.

    Raises:
        InputError: no volatility in Settings, or fewer than one sample.
        InfeasibleError: a sample has no feasible plan.
    """
    fleet, warnings, path = fleet_of(source)
    used = _check_request(fleet, samples, path)
    options = solver_options(fleet, solver)
    batch = batch_samples or max(MIN_BATCH_SAMPLES, 8 * (executor.workers if executor else 1))
    batches = factor_batches(
        samples, fleet.settings.months, seed, batch,
        btc_volatility_pa=used["btc_price_volatility_pa"],
        hashrate_volatility_pa=used["network_hashrate_volatility_pa"],
        correlation=used["btc_hashrate_correlation"])
    frames: list[pd.DataFrame] = []
    months: list[pd.DataFrame] = []
    done = 0
    for btc, hashrate in batches:
        # Only this batch's fleets exist at once; its results are kept as a frame of numbers.
        cases = _sample_cases(fleet, btc, hashrate, options, path, first=done)
        step = None if progress is None else _offset(progress, done, samples)
        results = run_cases(cases, executor, step, what="Monte Carlo")
        frames.append(_sample_table(results, btc, hashrate, first=done))
        months.append(monthly_frame(results))
        done += len(cases)
    table = pd.concat(frames, ignore_index=True)
    return MonteCarlo(seed, table, _npv_summary(table), _sites(fleet, table),
                      _contracts(fleet, table), used, path, warnings,
                      monthly=pd.concat(months, ignore_index=True))


def _offset(progress: Progress, before: int, total: int) -> Progress:
    """``progress`` for one batch: its ``done`` counted after the ``before`` earlier samples."""
    def update(done: int, _: int) -> None:
        progress(before + done, total)
    return update


def _check_request(fleet: Fleet, samples: int, path: Path | None) -> dict[str, float]:
    """The volatilities and correlation to draw with (blank ones 0).

    Raises:
        InputError: fewer than one sample, or no volatility in Settings.
    """
    st = fleet.settings
    if samples < 1:
        raise InputError([Problem("sweep", f"samples must be at least 1, got {samples}")])
    if st.btc_price_volatility_pa is None and st.network_hashrate_volatility_pa is None:
        raise InputError([Problem(
            "Settings", "Monte Carlo needs btc_price_volatility_pa or "
            "network_hashrate_volatility_pa in Settings (e.g. 0.5 and 0.15)",
            column="btc_price_volatility_pa")], source=str(path) if path else None)
    return {
        "btc_price_volatility_pa": st.btc_price_volatility_pa or 0.0,
        "network_hashrate_volatility_pa": st.network_hashrate_volatility_pa or 0.0,
        "btc_hashrate_correlation": st.btc_hashrate_correlation or 0.0,
    }


def _sample_cases(fleet: Fleet, btc: Array, hashrate: Array, options: SolverOptions,
                  path: Path | None, first: int = 0) -> list[Case]:
    """One case per sample path of a batch (numbered after ``first``); the consistency faults
    of all its samples at once."""
    cases = []
    problems: list[Problem] = []
    for i in range(len(btc)):
        name = f"sample {first + i + 1}"
        changed = sample_fleet(fleet, btc[i], hashrate[i])
        problems += consistency_problems(name, changed, what="Monte Carlo")
        cases.append(Case(name, changed, options))
    if problems:
        raise InputError(problems, source=str(path) if path else None)
    return cases


def _sample_table(results: list[CaseResult], btc: Array, hashrate: Array,
                  first: int = 0) -> pd.DataFrame:
    """One row per sample of a batch (numbered after ``first``): its end factors, hashprice,
    NPV and per-item MW."""
    rows = []
    for i, result in enumerate(results):
        m = result.metrics
        row: dict[str, object] = {
            "sample": first + i + 1,
            "btc_price_factor_end": float(btc[i, -1]),
            "hashrate_factor_end": float(hashrate[i, -1]),
            "avg_hashprice_usd_ph_day": m[("avg_hashprice_usd_ph_day", "")],
            "npv_usd": m[("npv_usd", "")],
        }
        for (metric, item), value in m.items():
            if item and metric in ("converted_mw", "committed_mw"):
                row[f"{item}: {metric}"] = value
        rows.append(row)
    return pd.DataFrame(rows)


def _npv_summary(table: pd.DataFrame) -> pd.DataFrame:
    """``statistic`` | ``npv_usd``: mean, the :data:`PERCENTILES`, min and max."""
    npv = table["npv_usd"].to_numpy(dtype=float)
    return pd.DataFrame({
        "statistic": ["mean", *(f"P{p}" for p in PERCENTILES), "min", "max"],
        "npv_usd": [float(npv.mean()), *(float(np.percentile(npv, p)) for p in PERCENTILES),
                    float(npv.min()), float(npv.max())],
    })


def _sites(fleet: Fleet, table: pd.DataFrame) -> pd.DataFrame:
    """site, probability_converts, mean_converted_mw."""
    return _shares(table, [s.name for s in fleet.sites], "converted_mw",
                   ["site", "probability_converts", "mean_converted_mw"])


def _contracts(fleet: Fleet, table: pd.DataFrame) -> pd.DataFrame:
    """contract, probability_taken, mean_committed_mw."""
    return _shares(table, [c.name for c in fleet.contracts], "committed_mw",
                   ["contract", "probability_taken", "mean_committed_mw"])


def _shares(table: pd.DataFrame, names: list[str], metric: str,
            columns: list[str]) -> pd.DataFrame:
    """Per item, the share of samples where its ``metric`` is above zero, and its mean."""
    values = [table[f"{name}: {metric}"] for name in names]
    return pd.DataFrame({
        columns[0]: names,
        columns[1]: [float((v > CONVERTED_EPS_MW).mean()) for v in values],
        columns[2]: [float(v.mean()) for v in values],
    }, columns=columns)
