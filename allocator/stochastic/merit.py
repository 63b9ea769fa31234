"""Which mining the first stage can change: the rest runs, or idles, in every future by itself.

Where the merit order holds (:attr:`~allocator.stochastic.scenario_set.ScenarioCosts.
merit_order_holds`), each future fills a site's grid with its tranches best J/TH first and
runs those with a positive margin, whatever was converted. So, per future w, tranche m and
month t:

- a tranche with a margin of 0 or less idles (``mine = 0``): running it only loses money;
- a tranche with a positive margin whose MW, with those of every better tranche of its
  site, fit in the grid left when all convertible space is converted
  (``mining_pue * sum <= capacity - hpc_pue * (existing + convertible)``) runs in full;
- only the others are decided with the first stage.

The extensive form keeps variables for the last kind only; the first two are constants of
each future's NPV and of its grid (an exact reduction: the optimum is the same). On the
50-site synthetic fleet with 100 futures a third of the mining cells have a positive margin
and three quarters of the tranches always fit. Without the merit order (a fleet hashrate
floor) every cell stays a variable. No solving here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.stochastic.scenario_set import ScenarioCosts

__all__ = ["MiningCells", "mining_cells"]

Array = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_FIT_SLACK_MW = 1e-9


@dataclass(frozen=True)
class MiningCells:
    """Per future, tranche and month (``[W, M, T]``).

    Attributes:
        free: Mining decided with the first stage (a variable of the extensive form).
        full_mw: MW that run in every case (the tranche's available MW), 0 elsewhere.
        value: Each cell's discounted margin per running MW in its future.
    """

    free: BoolArray
    full_mw: Array
    value: Array

    def constant_usd(self) -> Array:
        """``[W]``: what the mining that runs in every case earns in each future."""
        out: Array = (self.value * self.full_mw).sum(axis=(1, 2))
        return out

    def grid_mw(self, c: ScenarioCosts) -> Array:
        """``[W, S, T]``: the grid MW that mining takes at each site in every case."""
        coef = c.coefficients[0]
        pue = coef.site.mining_pue[coef.tranche_site]
        out = np.zeros((self.full_mw.shape[0], len(coef.sites), self.full_mw.shape[2]))
        grid = self.full_mw * pue[None, :, None]
        for s in range(len(coef.sites)):
            out[:, s, :] = grid[:, coef.tranche_site == s, :].sum(axis=1)
        return out


def _always_fit(c: ScenarioCosts) -> BoolArray:
    """``[M]``: the tranche and every better one at its site fit beside all convertible space."""
    coef = c.coefficients[0]
    site = coef.site
    room = site.capacity_mw - site.hpc_pue * (site.hpc_existing_mw + site.hpc_convertible_mw)
    fits = np.zeros(len(coef.tranche_site), dtype=bool)
    for s in range(len(coef.sites)):
        at = np.flatnonzero(coef.tranche_site == s)
        order = at[np.argsort(coef.efficiency_j_th[at], kind="stable")]
        used = np.cumsum(coef.tranche_available_mw[order] * site.mining_pue[s])
        fits[order] = used <= room[s] + _FIT_SLACK_MW
    return fits


def mining_cells(c: ScenarioCosts, *, reduce: bool = True) -> MiningCells:
    """The mining of ``c``'s futures split into what the first stage decides and the rest
    (with ``reduce`` false, or without the merit order, all of it is decided)."""
    index = c.model.variables["mine"].index  # [M, T]
    exists = index >= 0
    value = np.zeros((len(c.probabilities), *index.shape))
    value[:, exists] = c.costs[:, index[exists]]
    present = np.broadcast_to(exists[None], value.shape)
    if not (reduce and c.merit_order_holds):
        return MiningCells(present.copy(), np.zeros(value.shape), value)
    available = c.coefficients[0].tranche_available_mw
    runs = present & (value > 0)
    always = _always_fit(c)[None, :, None]
    full = np.where(runs & always, available[None, :, None], 0.0)
    return MiningCells(runs & ~always, full, value)
