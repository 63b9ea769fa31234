"""Decide the first F months now, the rest as the future unfolds: non-anticipativity for F.

The extensive form (:mod:`allocator.stochastic.extensive`) shares the whole first stage. Here
each future gets its own copy of the deterministic LP (every column, costs ``p_w * c_w``),
and only the decisions that must be taken before month F are tied across the futures by
non-anticipativity rows ``x[w, j] - x[0, j] == 0``:

- conversions started (``build``, ``halls``) and converted MW (``converted``) in the
  horizon's months ``t < F``;
- commitments, takes and leases of the contracts whose first month in the horizon is
  before F (a lease signed later can wait for what the market did).

Everything from month F on adapts per future. With F = 0 nothing is shared (the optimum is
WS); with F = the horizon every conversion is shared and so is every contract, the risk-neutral
extensive form's optimum (RP). The gain over RP is what waiting until month F to take the
later decisions is worth. The matrix is the deterministic one's, block by block, so its
size is N times the deterministic LP's plus the tying rows. :func:`adaptive_plan` solves it
and says what must be decided now and what can wait.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.optimization.model import MatrixModel
from allocator.optimization.solvers import SolverOptions
from allocator.stochastic.distribution import Distribution, distribution
from allocator.stochastic.first_stage import FIRST_STAGE, read_first_stage
from allocator.stochastic.held import HeldHighs
from allocator.stochastic.scenario_set import ScenarioCosts

__all__ = ["AdaptiveForm", "AdaptivePlan", "adaptive_plan", "build_adaptive", "shared_columns"]

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_MONTHLY = ("build", "converted", "halls")
_BY_CONTRACT = {"commit": 0, "take": 0, "lease": 1}  # the family's contract axis


def shared_columns(costs: ScenarioCosts, decide_months: int) -> BoolArray:
    """``[n_cols]`` of the deterministic LP: True where the decision is taken before month
    ``decide_months`` and so is the same in every future."""
    det, coef = costs.model, costs.coefficients[0]
    shared = np.zeros(det.n_cols, dtype=bool)
    early = np.array([len(t.months) > 0 and int(t.months[0]) < decide_months
                      for t in coef.contracts], dtype=bool)
    for name in FIRST_STAGE:
        if name not in det.variables:
            continue
        index = det.variables[name].index
        if name in _MONTHLY:
            before = (np.arange(index.shape[1]) < decide_months)[None, :]
        else:
            axis = _BY_CONTRACT[name]
            before = early if axis == 0 else early[None, :]
        at = (index >= 0) & before
        shared[index[at]] = True
    return shared


@dataclass(frozen=True)
class AdaptiveForm:
    """The futures' copies of the deterministic LP tied for the first ``decide_months``.

    Attributes:
        model: The LP: future ``w``'s columns are ``w * n + j`` for the deterministic
            LP's column ``j`` (``n`` its column count).
        decide_months: F.
        shared: ``[n]``: the deterministic columns tied across the futures.
    """

    model: MatrixModel
    decide_months: int
    shared: BoolArray

    def per_future(self, x: Array) -> Array:
        """``[W, n]``: each future's deterministic columns of solution ``x``."""
        n = len(self.shared)
        return x.reshape(-1, n)


def build_adaptive(costs: ScenarioCosts, decide_months: int) -> AdaptiveForm:
    """The adaptive form of ``costs``'s futures, tied for the months before ``decide_months``."""
    det = costs.model
    futures, n, m = len(costs.probabilities), det.n_cols, det.n_rows
    shared = shared_columns(costs, decide_months)
    tied = np.flatnonzero(shared).astype(np.int64)
    links = len(tied) * (futures - 1)
    rows, cols, vals = det.coo()
    block = np.arange(futures, dtype=np.int64)
    entry_rows = [(rows[None, :] + m * block[:, None]).reshape(-1)]
    entry_cols = [(cols[None, :] + n * block[:, None]).reshape(-1)]
    entry_vals = [np.tile(vals, futures)]
    if links:
        later = block[1:]
        link_rows = futures * m + np.arange(links, dtype=np.int64)
        entry_rows += [link_rows, link_rows]
        entry_cols += [(tied[None, :] + n * later[:, None]).reshape(-1), np.tile(tied,
                                                                                 futures - 1)]
        entry_vals += [np.ones(links), -np.ones(links)]
    model = MatrixModel(
        coef=det.coef, variables={}, constraints={},
        col_lower=np.tile(det.col_lower, futures), col_upper=np.tile(det.col_upper, futures),
        col_cost=(costs.probabilities[:, None] * costs.costs).reshape(-1),
        col_integer=np.tile(det.col_integer, futures),
        row_lower=np.concatenate([np.tile(det.row_lower, futures), np.zeros(links)]),
        row_upper=np.concatenate([np.tile(det.row_upper, futures), np.zeros(links)]),
        entry_rows=np.concatenate(entry_rows), entry_cols=np.concatenate(entry_cols),
        entry_values=np.concatenate(entry_vals))
    return AdaptiveForm(model, decide_months, shared)


@dataclass(frozen=True)
class AdaptivePlan:
    """What to decide now, what can wait until month F, and what waiting is worth.

    Attributes:
        decide_months: F.
        expected_npv_usd: E[NPV] when the decisions from month F on adapt to each future.
        npv: Its NPV distribution.
        converted_now_mw: ``[S]`` IT MW converted (construction started) before month F, the
            same in every future.
        committed_now_mw: ``[K]`` MW committed now to the contracts whose first month is
            before F; NaN for a contract that can wait.
        converted_later_mw: ``[S]`` mean IT MW started from month F on, over the futures.
        converts_later_probability: ``[S]`` probability that a site starts a conversion from
            month F on.
        committed_later_mw: ``[K]`` mean MW committed to the contracts that can wait (NaN
            for those decided now).
    """

    decide_months: int
    expected_npv_usd: float
    npv: Distribution
    converted_now_mw: Array
    committed_now_mw: Array
    converted_later_mw: Array
    converts_later_probability: Array
    committed_later_mw: Array


_LATER_EPS_MW = 1e-3


def adaptive_plan(costs: ScenarioCosts, decide_months: int, options: SolverOptions,
                  alpha: float) -> AdaptivePlan:
    """Solve the adaptive form for ``decide_months`` and read off now and later."""
    form = build_adaptive(costs, decide_months)
    solved = HeldHighs(form.model, options).solve()
    xs = form.per_future(solved.x)
    det, probs = costs.model, costs.probabilities
    npv = np.einsum("wj,wj->w", costs.costs, xs)
    firsts = [read_first_stage(det, x) for x in xs]
    converted = np.stack([f.values["converted"] for f in firsts])  # [W, S, T]
    last_now = decide_months - 1
    now = converted[0, :, last_now] if last_now >= 0 else np.zeros(converted.shape[1])
    later = converted[:, :, -1] - now[None, :]
    early = np.array([len(t.months) > 0 and int(t.months[0]) < decide_months
                      for t in costs.coefficients[0].contracts], dtype=bool)
    commits = np.stack([f.committed_mw() for f in firsts])  # [W, K]
    return AdaptivePlan(
        decide_months=decide_months, expected_npv_usd=float(probs @ npv),
        npv=distribution(npv, probs, alpha), converted_now_mw=now,
        committed_now_mw=np.where(early, commits[0], np.nan),
        converted_later_mw=probs @ later,
        converts_later_probability=probs @ (later > _LATER_EPS_MW).astype(float),
        committed_later_mw=np.where(early, np.nan, probs @ commits))
