"""A discrete NPV distribution's quantiles and CVaR; pure numpy, no solving.

Quantiles are of the distribution itself (the inverted CDF): the ``q`` quantile is the
smallest NPV whose cumulative probability reaches ``q``, so P5 of 20 equally likely NPVs is
the lowest. ``CVaR_alpha`` is the Rockafellar-Uryasev value,
``max_eta eta - E[(eta - NPV)+] / alpha``, attained at ``eta = VaR_alpha`` (the ``alpha``
quantile): the mean of the worst ``alpha`` of the probability, the quantile's own atom
counted only in part. It is what the extensive form's CVaR part equals at its optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Distribution", "cvar_usd", "distribution", "quantile_usd"]

Array = npt.NDArray[np.float64]
_CUMULATIVE_SLACK = 1e-12
"""Cumulative probabilities within this of ``q`` count as reaching it (round-off)."""


def quantile_usd(values: Array, probabilities: Array, q: float) -> float:
    """The smallest value whose cumulative probability reaches ``q`` (in (0, 1])."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(probabilities[order])
    at = int(np.searchsorted(cumulative, q - _CUMULATIVE_SLACK))
    return float(values[order][min(at, len(values) - 1)])


def cvar_usd(values: Array, probabilities: Array, alpha: float) -> float:
    """``CVaR_alpha``: ``VaR - E[(VaR - value)+] / alpha``, VaR the ``alpha`` quantile."""
    var = quantile_usd(values, probabilities, alpha)
    shortfall = np.maximum(var - values, 0.0)
    return float(var - float(probabilities @ shortfall) / alpha)


@dataclass(frozen=True)
class Distribution:
    """One plan's NPV across the futures.

    Attributes:
        npv_usd: ``[W]`` NPV in each future.
        mean_usd: Probability-weighted mean.
        p5_usd, p50_usd, p95_usd: Quantiles (inverted CDF).
        cvar_usd: ``CVaR_alpha`` at the set's ``alpha``.
        alpha: The tail.
    """

    npv_usd: Array
    mean_usd: float
    p5_usd: float
    p50_usd: float
    p95_usd: float
    cvar_usd: float
    alpha: float


def distribution(values: Array, probabilities: Array, alpha: float) -> Distribution:
    """The NPV distribution of one plan."""
    values = np.asarray(values, dtype=float)
    return Distribution(
        npv_usd=values, mean_usd=float(probabilities @ values),
        p5_usd=quantile_usd(values, probabilities, 0.05),
        p50_usd=quantile_usd(values, probabilities, 0.50),
        p95_usd=quantile_usd(values, probabilities, 0.95),
        cvar_usd=cvar_usd(values, probabilities, alpha), alpha=alpha)
