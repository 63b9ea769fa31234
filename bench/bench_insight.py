"""Benchmark: ``optimize --insight`` against plain ``optimize`` on synthetic fleets, per stage.

Run:  python bench/bench_insight.py                    (50x60 and 200x60, best of 3)
      python bench/bench_insight.py --sizes 50x60 --repeat 1 --quick

For each size a synthetic workbook is written (setup, not timed), then timed ``--repeat``
times, each in a fresh process: the command line end to end (``allocator optimize BOOK -o
OUT``, without and with ``--insight``), and the stages of ``--insight`` through the library:
read, optimize, duals (``check_site_duals``: each site at +/-1 MW), sites and contracts
(``add_insight`` without the tornado: site breakevens, contract values and flip rates),
sensitivity (the tornado) and write. Each figure is the best time and, in brackets, the
slowest, since a shared machine's load varies. Targets (issue 16): insight at most 2 s at
50 sites and 10 s at 200. Prints a table; not a test, nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("read", "optimize", "duals", "sites_contracts", "sensitivity", "write")


def stages(book: Path, out: Path) -> dict[str, float]:
    """The insight stages of one run, in this process: seconds per stage."""
    from allocator.api import optimize
    from allocator.insight.annotate import add_insight
    from allocator.insight.duals import check_site_duals
    from allocator.insight.tornado import add_sensitivity
    from allocator.workbook.reader import read_workbook
    from allocator.workbook.writer import write_plan

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    source = read_workbook(book)
    t1 = time.perf_counter()
    plan = optimize(source)
    t2 = time.perf_counter()
    plan = check_site_duals(source.fleet, plan)
    t3 = time.perf_counter()
    plan = add_insight(plan, source, sensitivity_pct=None)
    t4 = time.perf_counter()
    plan = add_sensitivity(plan, source.fleet)
    t5 = time.perf_counter()
    write_plan(plan, out, source=book, overwrite=True)
    t6 = time.perf_counter()
    for name, (a, b) in zip(STAGES, [(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5),
                                     (t5, t6)], strict=True):
        times[name] = b - a
    times["variables"] = float(plan.run_info.variables)
    return times


def command(book: Path, out: Path, insight: bool) -> float:
    """Wall seconds of ``allocator optimize`` in a fresh interpreter."""
    args = [sys.executable, "-m", "allocator", "optimize", str(book), "-o", str(out),
            "--overwrite", *(["--insight"] if insight else [])]
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, cwd=ROOT,
                   env={**{k: v for k, v in os.environ.items()
                           if k != "PYTHONDONTWRITEBYTECODE"},  # bytecode kept, as for a user
                        "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - started


def best(values: list[float]) -> str:
    return f"{min(values):.2f} ({max(values):.2f})" if len(values) > 1 else f"{values[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50x60,200x60", help="comma-separated SITESxMONTHS")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; best kept")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="only the first size")
    parser.add_argument("--no-command", action="store_true", help="skip the command-line runs")
    parser.add_argument("--stages", nargs=2, metavar=("BOOK", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        print(json.dumps(stages(Path(args.stages[0]), Path(args.stages[1]))))
        return
    sys.path.insert(0, str(ROOT))
    from allocator.synthetic import synthetic_fleet
    from allocator.workbook.fleet_writer import write_fleet

    sizes = args.sizes.split(",")[:1] if args.quick else args.sizes.split(",")
    cols = ["size", "vars", "optimize", "--insight", *STAGES]
    print(f"cores: {os.cpu_count()}; best of {args.repeat} (slowest in brackets), seconds")
    print(" ".join(f"{c:>15}" for c in cols), flush=True)
    for size in sizes:
        sites, months = (int(x) for x in size.split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            book, out = Path(tmp) / "fleet.xlsx", Path(tmp) / "fleet.plan.xlsx"
            write_fleet(synthetic_fleet(sites=sites, months=months, seed=args.seed), book)
            runs: dict[str, list[float]] = {k: [] for k in ("plain", "insight", *STAGES)}
            variables = 0.0
            for _ in range(args.repeat):
                if not args.no_command:
                    runs["plain"].append(command(book, out, insight=False))
                    runs["insight"].append(command(book, out, insight=True))
                done = subprocess.run([sys.executable, __file__, "--stages", str(book),
                                       str(out)], capture_output=True, text=True, check=True,
                                      env={**{k: v for k, v in os.environ.items()
                           if k != "PYTHONDONTWRITEBYTECODE"},  # bytecode kept, as for a user
                        "PYTHONPATH": str(ROOT)})
                r = json.loads(done.stdout.strip().splitlines()[-1])
                variables = r["variables"]
                for name in STAGES:
                    runs[name].append(r[name])
        row = [size, f"{int(variables):,}"] + [
            best(runs[k]) if runs[k] else "-" for k in ("plain", "insight", *STAGES)]
        print(" ".join(f"{c:>15}" for c in row), flush=True)


if __name__ == "__main__":
    main()
