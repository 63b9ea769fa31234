"""ERCOT's four coincident peaks (4CP): a transmission charge on the load present at the
system's peak interval of each month June to September; pure numpy, no I/O.

A site's ``four_cp_usd_kw_year`` is the tariff: each kW drawn at one of the four peaks adds a
quarter of it to the next year's transmission bill. The plan charges that in the peak's own
month, per MW present at the peak: ``tariff x 1000 / 4`` USD.

- HPC is firm, so it is present: ``hpc_pue x hpc_load_factor`` grid MW per leased IT MW pay,
  unless the tenant pays the power (``power_pass_through``).
- Miners at a site valued on hourly prices with a curtailment policy stop in the peak
  interval, so they pay only the share they fail to curtail (``1 - curtailment_capture``);
  miners that do not curtail (``curtailment none``, or no hourly prices) pay in full, per
  grid MW (``mining_pue``). The peak hour's lost mining is not charged: it is one interval
  of the month, and the dearest hours are curtailed anyway.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.domain import Fleet, Site

__all__ = ["FOUR_CP_MONTHS", "four_cp_usd_mw", "hpc_four_cp_usd_mw_month",
           "mining_four_cp_usd_mw_month"]

Array = npt.NDArray[np.float64]

FOUR_CP_MONTHS = ("06", "07", "08", "09")
"""Calendar months whose system peak sets ERCOT's transmission charge."""


def four_cp_usd_mw(site: Site, month: str) -> float:
    """USD per grid MW present at the site's 4CP peak of ``month`` (0 outside Jun-Sep)."""
    if site.four_cp_usd_kw_year is None or month[5:7] not in FOUR_CP_MONTHS:
        return 0.0
    return site.four_cp_usd_kw_year * 1000.0 / len(FOUR_CP_MONTHS)


def hpc_four_cp_usd_mw_month(site: Site, months: list[str], power_pass_through: bool
                             ) -> Array:
    """The 4CP charge of one leased IT MW in each of ``months``."""
    if power_pass_through:
        return np.zeros(len(months))
    per_mw = np.array([four_cp_usd_mw(site, m) for m in months], dtype=float)
    return np.asarray(per_mw * site.hpc_pue * site.hpc_load_factor, dtype=float)


def mining_four_cp_usd_mw_month(fleet: Fleet, sites: list[int], months: list[str],
                                has_curve: npt.NDArray[np.bool_] | None) -> Array:
    """The 4CP charge of one running miner MW ``[len(sites), len(months)]``; ``has_curve``
    ``[S, T]`` says which site-months are on hourly prices (``None``: none are)."""
    out = np.zeros((len(sites), len(months)))
    for i, s in enumerate(sites):
        site = fleet.sites[s]
        if site.four_cp_usd_kw_year is None:
            continue
        for t, month in enumerate(months):
            curtails = (has_curve is not None and bool(has_curve[s, t])
                        and site.curtailment != "none")
            share = 1.0 - site.curtailment_capture if curtails else 1.0
            out[i, t] = four_cp_usd_mw(site, month) * site.mining_pue * share
    return out
