"""Benchmark: a year of 15-minute prices for 50 sites (1.75 million rows) into a 50 x 60 plan.

Run:  python bench/bench_hourly.py [--sites 50] [--format parquet|csv]

Writes, in a temporary folder, a synthetic 50-site, 60-month fleet workbook
(``allocator.synthetic``) naming a price file of one ERCOT-West-like year of 15-minute prices
per site (``allocator.power.synthetic_prices``, 2026, Central time with the DST hours as a
logger writes them; the other 48 months are priced flat: ``hourly_prices_fill monthly``).
Times: the file read alone (pyarrow + wall clock), the workbook read with and without the
prices (the difference is load + normalize + summarize), the plan (build, solve, extract,
verify) with and without the curves. Prints a table; not a test, nothing asserts.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from allocator import optimize, read_workbook
from allocator.power.clock import to_wall
from allocator.power.files import read_price_file
from allocator.power.synthetic_prices import ercot_west_like
from allocator.synthetic import synthetic_fleet
from allocator.workbook.fleet_writer import write_fleet

ZONE = "America/Chicago"


def _prices(sites: list[str]) -> pa.Table:
    start = np.datetime64("2026-01-01T06:00", "m")
    utc = np.arange(start, np.datetime64("2027-01-01T06:00", "m"), np.timedelta64(15, "m"))
    wall = to_wall(utc.astype(np.int64), ZONE).astype("datetime64[m]").astype("datetime64[s]")
    prices = [np.round(ercot_west_like(seed=i, hours=len(utc)), 2) for i in range(len(sites))]
    return pa.table({
        "site": pa.array(np.repeat(sites, len(utc))).dictionary_encode(),
        "timestamp": pa.array(np.tile(wall, len(sites)), type=pa.timestamp("s")),
        "price_usd_mwh": pa.array(np.concatenate(prices)),
    })


def _timed(label: str, times: dict[str, float], fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    times[label] = time.perf_counter() - t0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    args = parser.parse_args()
    fleet = synthetic_fleet(args.sites, 60)
    names = [s.name for s in fleet.sites]
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        table = _timed("make prices (setup)", times, lambda: _prices(names))
        path = root / f"prices.{args.format}"
        if args.format == "csv":
            pacsv.write_csv(table, path)
        else:
            pq.write_table(table, path)
        write_fleet(fleet, root / "plain.xlsx")
        settings = fleet.settings.model_copy(update={
            "hourly_prices_file": path.name, "hourly_prices_timezone": ZONE,
            "hourly_prices_fill": "monthly"})
        write_fleet(fleet.model_copy(update={"settings": settings}), root / "hourly.xlsx")
        _timed("read price file", times, lambda: read_price_file(path, ZONE))
        plain = _timed("read workbook, flat", times, lambda: read_workbook(root / "plain.xlsx"))
        hourly = _timed("read workbook, hourly", times,
                        lambda: read_workbook(root / "hourly.xlsx"))
        _timed("plan, flat", times, lambda: optimize(plain))
        plan = _timed("plan, hourly", times, lambda: optimize(hourly))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = table.num_rows
    print(f"{args.sites} sites x 60 months; {rows:,} price rows ({args.format}, "
          f"{path.name}); {len(hourly.fleet.price_curves)} site-month curves")
    for label, seconds in times.items():
        print(f"  {label:28s} {seconds:7.2f} s")
    load = times["read workbook, hourly"] - times["read workbook, flat"]
    print(f"  {'load + summarize (difference)':28s} {load:7.2f} s")
    flex = plan.extra["Flexibility"]
    print(f"  flexibility premium {flex['flexibility_premium_usd'].sum() / 1e6:,.1f} $M over "
          f"{len(flex)} site-months; peak RSS {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
