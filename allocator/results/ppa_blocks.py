"""What fixed PPA blocks (``ppa_mw``) add to a solved plan, per site-month; no I/O.

The plan's tranche and lease rows are priced on the index at a block site
(:mod:`allocator.power.ppa_block`); the block's own value, its payment, its resale and what the
load assigned to it saves over the index, is one figure per site-month, ``ppa_block_usd``,
added to the site-month margin. The ``PPA Blocks`` sheet shows how each month's block was used.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.optimization.backends import Solution
from allocator.optimization.coefficients import Coefficients
from allocator.power.ppa_block import PpaBlocks
from allocator.results.decisions import clean_mw, text_array
from allocator.results.plan import PPA_BLOCKS_SHEET

__all__ = ["PPA_BLOCKS_COLUMNS", "PPA_BLOCKS_SHEET", "block_value_usd", "ppa_blocks"]

Array = npt.NDArray[np.float64]

PPA_BLOCKS_COLUMNS = ("site", "month", "ppa_mw", "ppa_mining_grid_mw", "ppa_hpc_grid_mw",
                      "ppa_unused_mw", "ppa_price_usd_mwh", "ppa_block_usd")


def _on_block(coef: Coefficients, sol: Solution) -> tuple[Array, Array, Array]:
    """Grid MW of each site-month's block on miners, on leases and on nothing ``[S, T]``."""
    shape = (len(coef.sites), len(coef.months))
    mining = np.zeros(shape)
    if sol.ppa_mine_mw is not None:
        np.add.at(mining, coef.tranche_site,
                  clean_mw(sol.ppa_mine_mw) * coef.site.mining_pue[coef.tranche_site][:, None])
    hpc = clean_mw(sol.ppa_hpc_mw) if sol.ppa_hpc_mw is not None else np.zeros(shape)
    unused = clean_mw(sol.ppa_unused_mw) if sol.ppa_unused_mw is not None else np.zeros(shape)
    return mining, hpc, unused


def block_value_usd(coef: Coefficients, sol: Solution) -> Array | None:
    """``[S, T]`` nominal USD each block adds to its site-month over the index pricing of the
    plan's rows; ``None`` without a block."""
    if coef.ppa is None:
        return None
    return _value_usd(coef.ppa, coef, sol, *_on_block(coef, sol)[1:])


def _value_usd(blocks: PpaBlocks, coef: Coefficients, sol: Solution, hpc: Array,
               unused: Array) -> Array:
    """:func:`block_value_usd` given the blocks' leased and unassigned grid MW."""
    out = np.zeros((len(coef.sites), len(coef.months)))
    if sol.ppa_mine_mw is not None:
        np.add.at(out, coef.tranche_site, clean_mw(sol.ppa_mine_mw)
                  * blocks.mine_gain_usd_mw_month)
    return np.asarray(out + hpc * blocks.hpc_gain_usd_mw_month
                      + unused * blocks.unused_usd_mw_month, dtype=float)


def ppa_blocks(coef: Coefficients, sol: Solution) -> pd.DataFrame | None:
    """The ``PPA Blocks`` frame, one row per site-month a block applies in; ``None`` without."""
    blocks = coef.ppa
    if blocks is None or not blocks.at.any():
        return None
    mining, hpc, unused = _on_block(coef, sol)
    value = _value_usd(blocks, coef, sol, hpc, unused)
    s, t = np.nonzero(blocks.at)
    price = np.array([site.ppa_price_usd_mwh or 0.0 for site in coef.sites], dtype=float)
    return pd.DataFrame({
        "site": text_array([coef.site.name[i] for i in s.tolist()]),
        "month": text_array([coef.months[i] for i in t.tolist()]),
        "ppa_mw": blocks.block_mw[s],
        "ppa_mining_grid_mw": mining[s, t],
        "ppa_hpc_grid_mw": hpc[s, t],
        "ppa_unused_mw": unused[s, t],
        "ppa_price_usd_mwh": price[s],
        "ppa_block_usd": value[s, t],
    })
