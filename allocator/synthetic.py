"""Deterministic synthetic fleets for benchmarks and property tests; no I/O here.

``synthetic_fleet(sites=200, months=60, seed=7)`` gives a realistic mix: capacities 50-700 MW,
power $28-55/MWh, two or three miner tranches per site from the catalog's efficiency range,
about a fifth of each site convertible, and three HPC offers in the ranges of the 2024-2026
HPC lease deals.
"""

from __future__ import annotations

import numpy as np

from allocator.domain import Contract, Fleet, MarketMonth, MinerTranche, Settings, Site
from allocator.periods import add_months

__all__ = ["synthetic_fleet"]

_MODELS = (  # name, TH/s, W
    ("Antminer S21 XP", 270.0, 3645.0),
    ("Antminer S21 Pro", 234.0, 3510.0),
    ("Antminer S19 XP", 140.0, 3010.0),
    ("Antminer S19j Pro", 104.0, 3068.0),
)


def synthetic_fleet(sites: int = 50, months: int = 60, seed: int = 7,
                    start_month: str = "2026-01") -> Fleet:
    """A reproducible fleet of ``sites`` sites over ``months`` months."""
    rng = np.random.default_rng(seed)
    site_rows: list[Site] = []
    miner_rows: list[MinerTranche] = []
    for i in range(sites):
        name = f"Site {i + 1:04d}"
        capacity = float(rng.uniform(50, 700))
        mining_pue = float(rng.uniform(1.03, 1.12))
        convertible = float(capacity * rng.uniform(0.1, 0.3)) if rng.random() < 0.8 else 0.0
        site_rows.append(Site(
            name=name, capacity_mw=round(capacity, 1),
            power_price_usd_mwh=round(float(rng.uniform(28, 55)), 2),
            mining_pue=round(mining_pue, 3), hpc_pue=round(float(rng.uniform(1.2, 1.4)), 3),
            uptime=round(float(rng.uniform(0.93, 0.98)), 3),
            mining_opex_usd_mw_month=round(float(rng.uniform(3000, 8000))),
            hpc_existing_mw=round(float(rng.uniform(5, 25)), 1) if rng.random() < 0.1 else 0.0,
            hpc_convertible_mw=round(convertible, 1),
            conversion_capex_usd_mw=round(float(rng.uniform(3.6e6, 10e6)), -3),
            conversion_lead_months=int(rng.integers(4, 19)),
            hpc_opex_usd_mw_month=round(float(rng.uniform(15000, 30000))),
            hpc_load_factor=round(float(rng.uniform(0.75, 0.85)), 2),
        ))
        share_left = float(rng.uniform(0.7, 1.0)) * capacity / mining_pue
        picks = rng.choice(len(_MODELS), size=int(rng.integers(2, 4)), replace=False)
        weights = rng.dirichlet(np.ones(len(picks)))
        for pick, w in zip(picks, weights, strict=True):
            model, th, watts = _MODELS[int(pick)]
            units = int(share_left * float(w) * 1e6 / watts)
            if units > 0:
                miner_rows.append(MinerTranche(site=name, model=model, units=units,
                                               hashrate_th=th, power_w=watts))
    market = []
    btc, hashrate = 83_570.0, 1_022.0
    for t in range(min(12, months)):
        market.append(MarketMonth(month=add_months(start_month, t), btc_price_usd=btc,
                                  network_hashrate_ehs=round(hashrate, 1),
                                  fees_btc_per_block=0.019))
        hashrate *= 1.015
    total = sum(s.hpc_convertible_mw for s in site_rows)
    contracts = [
        Contract(name="Retrofit-104", tenant="Chipmaker", rate_usd_kw_month=104.0,
                 max_mw=round(0.1 * total + 1, 1), start_month=add_months(start_month, 6),
                 term_months=120, power_pass_through=True),
        Contract(name="Neocloud-150", tenant="Neocloud", rate_usd_kw_month=150.0,
                 max_mw=round(0.3 * total + 1, 1), start_month=add_months(start_month, 12),
                 term_months=120, escalator_pa=0.03,
                 sites=tuple(s.name for s in site_rows[::2])),
        Contract(name="Hyperscale-159", tenant="Hyperscaler", rate_usd_kw_month=159.0,
                 max_mw=round(0.4 * total + 1, 1), start_month=add_months(start_month, 18),
                 term_months=180, power_pass_through=True),
    ]
    return Fleet(
        settings=Settings(start_month=start_month, months=months, discount_rate=0.10,
                          pool_fee=0.02, network_hashrate_growth_pa=0.20),
        sites=site_rows, miners=miner_rows, market=market, contracts=contracts,
    )
