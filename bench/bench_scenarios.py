"""Benchmark: scenarios per second when comparing many scenarios of the sample fleet.

Run:  python bench/bench_scenarios.py                 (200 scenarios; jobs 1 and 2; Dask)
      python bench/bench_scenarios.py --scenarios 50 --no-dask

Each run is ``allocator.scenarios.compare.compare`` end to end (apply the changes, consistency pass,
solve, figures, input diff) on ``sample_inputs/fleet.xlsx`` with generated scenarios: BTC
price x0.6-1.4, the AI Lab NNN rate $120-200/kW-month and power prices x0.8-1.2, drawn with a
fixed seed. Executors: serial (``--jobs 1``), local processes (``--jobs 2``, pool start-up
timed apart), and Dask on a ``LocalCluster`` of 2 single-threaded workers (cluster start-up
timed apart). Each executor runs ``--repeat`` times and the best time is kept, since a
shared machine's load varies. The Dask overhead is its time minus the local processes' time.
Every executor must give identical numbers. Prints a table; not a test, nothing asserts but
that.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def scenarios(count: int, seed: int = 11) -> list[object]:
    import numpy as np

    from allocator.scenarios.changes import Change, Scenario

    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        btc, rate, power = rng.uniform(0.6, 1.4), rng.uniform(120, 200), rng.uniform(0.8, 1.2)
        out.append(Scenario(f"case {i + 1:03d}", (
            Change("btc_price_usd", "scale", round(float(btc), 3)),
            Change("rate_usd_kw_month", "set", round(float(rate), 1), "AI Lab NNN"),
            Change("power_price_usd_mwh", "scale", round(float(power), 3)),
        )))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=200)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster run")
    parser.add_argument("--repeat", type=int, default=2, help="runs per executor; best kept")
    parser.add_argument("--book", type=Path, default=ROOT / "sample_inputs" / "fleet.xlsx")
    args = parser.parse_args()

    import pandas as pd

    from allocator import read_workbook
    from allocator.scenarios.compare import compare
    from allocator.scenarios.executors import DaskExecutor, make_executor

    source = read_workbook(args.book)
    cases = scenarios(args.scenarios)
    n = len(cases) + 1  # the base case is solved too
    print(f"{args.book.name}: {len(source.fleet.sites)} sites, {source.fleet.settings.months} "
          f"months; {len(cases)} scenarios + base = {n} solves; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.2f}; best of {args.repeat}")
    rows: list[tuple[str, float, float]] = []
    tables = {}
    for jobs in args.jobs:
        best, startup = math.inf, 0.0
        for _ in range(args.repeat):
            start = time.perf_counter()
            with make_executor("auto", jobs=jobs) as executor:
                executor.map(abs, list(range(jobs)))  # start the workers
                ready = time.perf_counter()
                result = compare(source, cases, executor=executor)  # type: ignore[arg-type]
                seconds = time.perf_counter() - ready
            if seconds < best:
                best, startup = seconds, ready - start
        label = f"--jobs {jobs}" + (" (serial)" if jobs == 1 else " (processes)")
        rows.append((label, best, startup))
        tables[label] = result.table

    if not args.no_dask:
        if importlib.util.find_spec("distributed") is None:
            print("dask.distributed is not installed: pip install 'fleet-allocator[dask]'")
        else:
            import distributed

            best, startup = math.inf, 0.0
            for _ in range(args.repeat):
                start = time.perf_counter()
                with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                              processes=True, dashboard_address=None) as cluster, \
                        distributed.Client(cluster) as client:
                    executor = DaskExecutor(client=client)
                    executor.map(abs, [0, 1])
                    ready = time.perf_counter()
                    result = compare(source, cases, executor=executor)  # type: ignore[arg-type]
                    seconds = time.perf_counter() - ready
                if seconds < best:
                    best, startup = seconds, ready - start
            rows.append(("dask LocalCluster x2", best, startup))
            tables["dask LocalCluster x2"] = result.table

    first = next(iter(tables.values()))
    identical = all(t.equals(first) for t in tables.values())
    base = rows[0][1]
    print(f"\n{'executor':<24}{'seconds':>10}{'scenarios/s':>14}{'speed-up':>10}"
          f"{'start-up s':>12}{'with start-up':>16}")
    for label, seconds, startup in rows:
        print(f"{label:<24}{seconds:>10.2f}{n / seconds:>14.1f}{base / seconds:>9.2f}x"
              f"{startup:>12.2f}{n / (seconds + startup):>12.1f} /s")
    procs = next((s for label, s, _ in rows if "processes" in label), None)
    procs_up = next((up for label, _, up in rows if "processes" in label), 0.0)
    dask = next(((s, up) for label, s, up in rows if label.startswith("dask")), None)
    if procs is not None and dask is not None:
        extra = dask[0] - procs
        print(f"\nDask overhead against local processes: {extra:+.2f} s for {n} solves "
              f"({extra / n * 1000:+.1f} ms per scenario), plus {dask[1]:.2f} s to start the "
              f"cluster (local processes: {procs_up:.2f} s)")
    print(f"Identical results on every executor: {'yes' if identical else 'NO'}")
    pd.set_option("display.width", 120)
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
