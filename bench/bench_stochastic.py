"""Benchmark: the stochastic plan of a synthetic fleet, per stage, with problem sizes and memory.

Run:  python bench/bench_stochastic.py                       (50 sites x 60 months, 100 futures)
      python bench/bench_stochastic.py --sites 10 --samples 20

Stages, timed in this process once (figures printed as they come): drawing the futures and
pricing every column in each (``monte_carlo_set`` + ``scenario_costs``), RP from the
expected-positive-margin LP (what ``stochastic_plan`` solves where the merit order holds),
its plan held in every future (its NPV distribution), the EV, wait-and-see and EEV solves
(held models, warm), and a 5-point CVaR frontier on the extensive form (build + solves, the
lambda = 1 point's held re-evaluation included; ``--frontier-samples`` to give it fewer
futures). Prints the sizes, the seconds, the measures and the peak resident memory.
Targets (issue 10): the risk-neutral plan with 100 futures in at most 10 s, the 5-point
frontier in at most 120 s.
Not a test, nothing asserts.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from allocator.domain import Fleet  # noqa: E402
from allocator.optimization.solvers import SolverOptions  # noqa: E402
from allocator.stochastic.extensive import Risk, build_extensive  # noqa: E402
from allocator.stochastic.first_stage import read_first_stage  # noqa: E402
from allocator.stochastic.frontier import held_npv_usd, risk_frontier  # noqa: E402
from allocator.stochastic.held import HeldHighs, solve_many  # noqa: E402
from allocator.stochastic.scenario_set import monte_carlo_set, scenario_costs  # noqa: E402
from allocator.synthetic import synthetic_fleet  # noqa: E402

FRONTIER = (0.0, 0.25, 0.5, 0.75, 1.0)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fleet(sites: int, months: int, seed: int) -> Fleet:
    base = synthetic_fleet(sites=sites, months=months, seed=seed)
    settings = base.settings.model_copy(update={
        "btc_price_volatility_pa": 0.5, "network_hashrate_volatility_pa": 0.15,
        "btc_hashrate_correlation": 0.5})
    return base.model_copy(update={"settings": settings})


def _timed(times: dict[str, float], name: str, started: float) -> None:
    times[name] = time.perf_counter() - started
    print(f"  {name:<44} {times[name]:8.2f} s   (peak {_peak_mib():,.0f} MiB)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--frontier-samples", type=int, default=None,
                        help="futures of the frontier (default --samples)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    fleet = _fleet(args.sites, args.months, args.seed)
    options = SolverOptions()
    times: dict[str, float] = {}
    print(f"fleet: {args.sites} sites x {args.months} months, {len(fleet.miners)} tranches, "
          f"{len(fleet.contracts)} contracts; {args.samples} futures (seed {args.seed})",
          flush=True)

    t = time.perf_counter()
    futures = monte_carlo_set(fleet, args.samples, args.seed)
    costs = scenario_costs(futures)
    _timed(times, "draw futures, price every column", t)
    det = costs.model
    print(f"deterministic LP: {det.n_cols:,} columns, {det.n_rows:,} rows", flush=True)
    t = time.perf_counter()
    rp = HeldHighs(det, options).solve(costs.expected_positive_margin())
    _timed(times, "RP: expected-positive-margin LP", t)
    t = time.perf_counter()
    rp_npv = held_npv_usd(costs, read_first_stage(det, rp.x), options)
    _timed(times, "RP plan held in every future (NPVs)", t)
    t = time.perf_counter()
    own = solve_many(det, costs.costs, options)
    ev = HeldHighs(det, options).solve(costs.expected)
    eev = held_npv_usd(costs, read_first_stage(det, ev.x), options)
    _timed(times, "EV, WS and EEV solves", t)
    risk_neutral = sum(times.values()) - times["EV, WS and EEV solves"]
    ws = float(futures.probabilities @ [one.objective_usd for one in own])
    eev_usd = float(futures.probabilities @ eev)
    print(f"risk-neutral stochastic plan with its NPV distribution: {risk_neutral:.2f} s "
          f"(target 10 s); with EV, WS and EEV: {sum(times.values()):.2f} s", flush=True)
    print(f"RP ${rp.objective_usd / 1e6:,.1f}M (mean of its NPVs "
          f"${float(futures.probabilities @ rp_npv) / 1e6:,.1f}M)  EEV ${eev_usd / 1e6:,.1f}M"
          f"  WS ${ws / 1e6:,.1f}M  VSS ${(rp.objective_usd - eev_usd) / 1e6:,.2f}M  "
          f"EVPI ${(ws - rp.objective_usd) / 1e6:,.2f}M", flush=True)
    print("converted MW, stochastic / mean-path plan: "
          f"{read_first_stage(det, rp.x).converted_mw().sum():,.1f} / "
          f"{read_first_stage(det, ev.x).converted_mw().sum():,.1f}", flush=True)

    count = args.frontier_samples or args.samples
    few = futures if count == args.samples else monte_carlo_set(fleet, count, args.seed)
    few_costs = costs if count == args.samples else scenario_costs(few)
    t = time.perf_counter()
    form = build_extensive(few_costs, few.names, Risk(0.5))
    _timed(times, f"build CVaR extensive form ({count} futures)", t)
    print(f"CVaR extensive form: {form.model.n_cols:,} columns, {form.model.n_rows:,} rows, "
          f"{len(form.model.entry_values):,} nonzeros", flush=True)
    t = time.perf_counter()
    points = risk_frontier(few_costs, few.names, FRONTIER, 0.05, options)
    _timed(times, f"5-point CVaR frontier ({count} futures)", t)
    for p in points:
        print(f"  lambda {p.lam:<4g} E[NPV] ${p.expected_npv_usd / 1e6:,.1f}M  "
              f"CVaR ${p.cvar_usd / 1e6:,.1f}M  converted "
              f"{p.first_stage.converted_mw().sum():,.1f} MW", flush=True)
    print(f"peak resident memory: {_peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
