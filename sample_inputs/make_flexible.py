"""Regenerate ``flexible.xlsx`` and ``flexible_prices.parquet`` next to this script.

``flexible.xlsx`` is the ``fleet.xlsx`` plan (same sites, miners, market and offers, without
its PowerPrices and Scenarios rows) with Alpha Ridge on hourly real-time prices: five seeded
synthetic years shaped like ERCOT's LZ_WEST (``allocator.power.synthetic_prices``, seeds 2026
to 2030), written as a logger in Texas writes them: local clock time (America/Chicago), the
fall-back hour twice and the spring-forward hour missing. The workbook names the file in
``hourly_prices_file`` and the zone in ``hourly_prices_timezone``. Alpha Ridge is also short of
power here (8,000 S19 XP more than in ``fleet.xlsx``, so its miners could draw more than its
300 grid MW) and pays ERCOT's 4CP transmission tariff at $100/kW-year (DOMAIN.md: $50-150),
so converting a MW there displaces running, curtailing miners: the breakeven HPC rate shows
what their flexibility is worth.

    python sample_inputs/make_flexible.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from make_samples import (  # noqa: E402
    FLEET_CONTRACTS,
    FLEET_MINERS,
    FLEET_SETTINGS,
    FLEET_SITES,
    build,
    market_rows,
)

from allocator.power.clock import to_wall  # noqa: E402
from allocator.power.synthetic_prices import ercot_west_like, price_stats  # noqa: E402

SITE = "Alpha Ridge"
ZONE = "America/Chicago"
PRICES = "flexible_prices.parquet"
YEARS = range(2026, 2031)
FOUR_CP_USD_KW_YEAR = 100
EXTRA_MINERS = {"site": SITE, "model": "Antminer S19 XP", "units": 8_000}

SITES = [{**row, "four_cp_usd_kw_year": FOUR_CP_USD_KW_YEAR} if row["site"] == SITE else row
         for row in FLEET_SITES]
MINERS = [*FLEET_MINERS, EXTRA_MINERS]

ABOUT = [
    "Fleet allocator sample: the January 2026 plan with hourly prices at Alpha Ridge",
    "",
    "The fleet.xlsx fleet (without its PowerPrices and Scenarios rows), with Alpha Ridge on "
    "hourly real-time prices from flexible_prices.parquet (Settings hourly_prices_file):",
    "five seeded synthetic years shaped like ERCOT West (mean about $36/MWh, a few hours a "
    "year at thousands of dollars), in Central time with the daylight-saving hours as a "
    "logger writes them.",
    "Alpha Ridge's miners stop in the hours dearer than they earn; an HPC tenant there pays "
    "for every hour. The plan's Flexibility sheet shows what that is worth.",
    "Alpha Ridge also has 8,000 more S19 XP than in fleet.xlsx, more miners than its 300 grid "
    "MW can run, and pays ERCOT's 4CP transmission tariff ($100/kW-year), which curtailing "
    "miners avoid: run with --insight to see the HPC rate at which converting a MW there "
    "pays, with and without curtailment.",
]


def local_year(year: int) -> tuple[np.ndarray, np.ndarray]:
    """The year's hours as Central-time wall clock (fall-back hour twice, spring hour not at
    all) and one synthetic price per real hour."""
    start = np.datetime64(f"{year}-01-01T06:00", "m")  # local midnight, UTC-6
    end = np.datetime64(f"{year + 1}-01-01T06:00", "m")
    utc = np.arange(start, end, np.timedelta64(60, "m"))
    wall = to_wall(utc.astype(np.int64), ZONE).astype("datetime64[m]")
    prices = np.round(ercot_west_like(seed=year, hours=len(utc)), 2)
    return wall, prices


def write_prices(path: Path) -> list[tuple[int, object]]:
    stamps, prices, stats = [], [], []
    for year in YEARS:
        wall, p = local_year(year)
        stamps.append(wall)
        prices.append(p)
        stats.append((year, price_stats(p)))
    wall = np.concatenate(stamps).astype("datetime64[s]")
    table = pa.table({
        "site": pa.array([SITE] * len(wall)).dictionary_encode(),
        "timestamp": pa.array(wall, type=pa.timestamp("s")),
        "price_usd_mwh": pa.array(np.concatenate(prices)),
    })
    pq.write_table(table, path, compression="zstd")
    return stats


def main() -> None:
    stats = write_prices(HERE / PRICES)
    settings = {**FLEET_SETTINGS, "hourly_prices_file": PRICES, "hourly_prices_timezone": ZONE}
    build(HERE / "flexible.xlsx", ABOUT, settings, SITES, MINERS,
          market_rows(2026, 12), FLEET_CONTRACTS)
    for year, s in stats:
        print(f"{year}: mean {s.mean_usd_mwh:.2f}, median {s.median_usd_mwh:.2f}, p90 "
              f"{s.p90_usd_mwh:.1f}, p99 {s.p99_usd_mwh:.0f}, max {s.max_usd_mwh:,.0f}; hours "
              f"> 100 / 500 / 1000: {s.hours_above_100} / {s.hours_above_500} / "
              f"{s.hours_above_1000}; below 0: {s.hours_below_0}")
    print(f"wrote {HERE / 'flexible.xlsx'} and {HERE / PRICES}")


if __name__ == "__main__":
    main()
