"""Benchmark: time every stage of a plan on synthetic fleets and compare with the HiGHS floor.

Run:  python bench/bench_fleet.py                     (50x60, 200x60, 1000x60, 1000x120)
      python bench/bench_fleet.py --sizes 50x60 --quick

Each size runs in its own process so peak memory (RSS) is per size. Stages: write the
synthetic workbook (setup, not timed in end to end), read, validate (consistency pass),
build (coefficients + PuLP model), solve, extract (Plan frames), verify (re-price + invariants),
write (plan sheets into a copy of the workbook). The floor is the same LP written as MPS and
solved by highspy directly. Prints a table; not a test, nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_one(sites: int, months: int, seed: int) -> dict[str, float]:
    """All stages for one size, in this process."""
    import highspy

    from allocator._version import __version__
    from allocator.consistency import check_consistency
    from allocator.optimization.backends import highs_model, solve_model
    from allocator.optimization.coefficients import compute_coefficients
    from allocator.optimization.lp import build_model
    from allocator.results.accounting import reprice
    from allocator.results.checks import plan_violations
    from allocator.results.extract import make_plan
    from allocator.synthetic import synthetic_fleet
    from allocator.workbook.fleet_writer import write_fleet
    from allocator.workbook.reader import read_workbook
    from allocator.workbook.writer import write_plan

    out: dict[str, float] = {"sites": sites, "months": months}
    with tempfile.TemporaryDirectory() as tmp:
        book_path = Path(tmp) / "fleet.xlsx"
        write_fleet(synthetic_fleet(sites=sites, months=months, seed=seed), book_path)
        t0 = time.perf_counter()
        book = read_workbook(book_path)
        t1 = time.perf_counter()
        check_consistency(book.fleet)
        t2 = time.perf_counter()
        coef = compute_coefficients(book.fleet)
        model = build_model(coef)
        t3 = time.perf_counter()
        sol = solve_model(model)
        t4 = time.perf_counter()
        plan = make_plan(coef, sol, version=__version__)
        t5 = time.perf_counter()
        reprice(book.fleet, plan)
        plan_violations(book.fleet, plan)
        t6 = time.perf_counter()
        write_plan(plan, Path(tmp) / "fleet.plan.xlsx", source=book_path)
        t7 = time.perf_counter()
        out.update(read=t1 - t0, validate=t2 - t1, build=t3 - t2, solve=t4 - t3,
                   extract=t5 - t4, verify=t6 - t5, write=t7 - t6, end_to_end=t7 - t0,
                   variables=sol.variables, constraints=sol.constraints)

        # the floor: the same LP handed to HiGHS directly
        mps = Path(tmp) / "model.mps"
        highs_model(model).writeModel(str(mps))
        f0 = time.perf_counter()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(mps))
        h.run()
        out["floor"] = time.perf_counter() - f0
        out["floor_status_ok"] = float(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50x60,200x60,1000x60,1000x120",
                        help="comma-separated SITESxMONTHS")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="only the first size")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        s, m = (int(x) for x in args.one.split("x"))
        print(json.dumps(run_one(s, m, args.seed)))
        return
    sizes = args.sizes.split(",")[:1] if args.quick else args.sizes.split(",")
    cols = ["size", "vars", "read", "valid", "build", "solve", "extract", "verify", "write",
            "e2e", "floor", "e2e/floor", "rss MiB"]
    print(" ".join(f"{c:>9}" for c in cols))
    for size in sizes:
        done = subprocess.run([sys.executable, __file__, "--one", size, "--seed", str(args.seed)],
                              capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        row = [size, f"{int(r['variables']):,}"] + [
            f"{r[k]:.2f}" for k in ("read", "validate", "build", "solve", "extract", "verify",
                                     "write", "end_to_end", "floor")
        ] + [f"{r['end_to_end'] / r['floor']:.2f}", f"{r['peak_rss_mib']:.0f}"]
        print(" ".join(f"{c:>9}" for c in row), flush=True)


if __name__ == "__main__":
    main()
