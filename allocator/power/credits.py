"""Demand-response and ancillary-service credits for curtailable load; pure, no I/O.

A site's ``demand_response_usd_mw_month`` is what a grid operator or retailer pays per MW of
load that stands ready to be curtailed on call (ERCOT's ERS, or a capacity value of RRS and
ECRS: DOMAIN.md gives their 2024-25 clearing prices). Running miners are curtailable load,
per grid MW (``mining_pue`` per miner MW); HPC is firm and earns none. A site whose miners
do not curtail (``curtailment none``) earns none either. The credit is added to the mining
revenue of each running MW-month, so the LP weighs it against converting the MW.
"""

from __future__ import annotations

from allocator.domain import Site

__all__ = ["demand_response_usd_mw_month"]


def demand_response_usd_mw_month(site: Site) -> float:
    """The credit of one running miner MW for a month at ``site`` (0 without one)."""
    if site.demand_response_usd_mw_month is None or site.curtailment == "none":
        return 0.0
    return site.demand_response_usd_mw_month * site.mining_pue
