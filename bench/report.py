"""Benchmark report: every speed figure of issue 16 against its target, as one table.

Run:  python bench/report.py              (best of 3; about 90 s on 2 cores)
      python bench/report.py --quick      (smaller sizes, one run each; about 20 s; CI)

Figures, each timed in fresh processes (the other bench scripts do the work):

- ``allocator --help``, ``allocator validate sample_inputs/fleet.xlsx`` and a usage error
  inside a command (``optimize --no-such-option``, answered before the command's libraries
  load, so held to ``--help``'s target): wall time of ``python -m allocator ...``, Python
  start-up included;
- ``optimize --insight`` on a synthetic 50-site fleet (and 200 sites unless ``--quick``):
  ``bench_insight.command``, the command end to end;
- end to end / HiGHS floor at 1,000 x 60 (200 x 60 with ``--quick``): ``bench_fleet.py``,
  read to written workbook in the library over the same LP solved by highspy from MPS; the
  write stage is shown beside it;
- the hostile fault flood (a 990,000-cell sheet with a fault per row, under the cell cap):
  ``allocator validate`` on it (``bench_hostile.py``), watched without a target.

Each figure is the best of ``--repeat`` runs with the slowest beside it, since a shared
machine's load varies. The stochastic plan (``bench_stochastic.py``: the risk-neutral plan
and the 5-point CVaR frontier, 50 sites x 100 futures; 10 x 20 with ``--quick``) and the hourly
prices (``bench_hourly.py``: a year of 15-minute prices loaded and summarized, 50 sites; 5
with ``--quick``) are rows too. Prints the table with the date and the machine's core count;
a figure that fails prints its error in its row, and the exit code is then 1. Nothing asserts a
target: speed is watched, not enforced.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
# Bytecode is written and kept, as on a user's machine (a shell may set
# PYTHONDONTWRITEBYTECODE, which recompiles every module in every run: +60 ms for validate).
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
       "PYTHONPATH": str(ROOT)}


def bench_module(name: str) -> ModuleType:
    """One of the bench scripts, imported by path (``bench/`` is no package)."""
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Figure:
    """One row: what is timed, its target (``None``: watched only), and how to time one run.

    ``run`` returns the figure (seconds, or a ratio) and a note for the row."""

    name: str
    target: float | None
    unit: str
    run: Callable[[], tuple[float, str]]


def wall(args: list[str], exit_code: int = 0) -> float:
    """Wall seconds of ``python -m allocator ARGS`` in a fresh interpreter, which must exit
    with ``exit_code`` (2 for a usage error); after one untimed run, so the modules' bytecode
    is cached as after a user's first run."""
    subprocess.run([sys.executable, "-m", "allocator", *args], check=False,
                   capture_output=True, cwd=ROOT, env=ENV)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "allocator", *args], check=False,
                          capture_output=True, cwd=ROOT, env=ENV)
    seconds = time.perf_counter() - started
    if done.returncode != exit_code:
        raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr)
    return seconds


def insight_figure(sites: int, folder: Path) -> Callable[[], tuple[float, str]]:
    """``optimize --insight`` end to end on a synthetic fleet written once."""
    insight = bench_module("bench_insight")
    book, out = folder / f"fleet{sites}.xlsx", folder / f"fleet{sites}.plan.xlsx"

    def run() -> tuple[float, str]:
        if not book.exists():
            from allocator.synthetic import synthetic_fleet
            from allocator.workbook.fleet_writer import write_fleet

            write_fleet(synthetic_fleet(sites=sites, months=60, seed=7), book)
        return insight.command(book, out, insight=True), ""
    return run


def fleet_figure(size: str) -> Callable[[], tuple[float, str]]:
    """End to end over the HiGHS floor, from one ``bench_fleet.py --one`` process."""
    def run() -> tuple[float, str]:
        done = subprocess.run([sys.executable, str(BENCH / "bench_fleet.py"), "--one", size],
                              capture_output=True, text=True, check=True, cwd=ROOT, env=ENV)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        note = (f"end to end {r['end_to_end']:.2f} s, write {r['write']:.2f} s, "
                f"floor {r['floor']:.2f} s, {r['peak_rss_mib']:.0f} MiB")
        return r["end_to_end"] / r["floor"], note
    return run


def flood_figure(folder: Path) -> Callable[[], tuple[float, str]]:
    """``allocator validate`` on the 990,000-cell fault flood, built once."""
    hostile = bench_module("bench_hostile")
    built: list[Path] = []

    def run() -> tuple[float, str]:
        if not built:
            built.append(hostile.build("cap", folder))
        done = hostile.measure("flood", "validate", built[0], folder / "out.xlsx", 120.0)
        return done.seconds, f"exit {done.exit_code}, {done.peak_rss_mib:.0f} MiB"
    return run


def _script(args: list[str]) -> str:
    """The printed output of one bench script run in a fresh process."""
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True,
                          cwd=ROOT, env=ENV)
    return done.stdout


def _seconds(text: str, pattern: str) -> float:
    """The seconds a bench script printed on the line matching ``pattern``."""
    found = re.search(pattern + r"\s*:?\s+([0-9.]+) s", text)
    if found is None:
        raise RuntimeError(f"no figure matching {pattern!r} in the script's output")
    return float(found.group(1))


def stochastic_figure(sites: int, samples: int, frontier: bool
                      ) -> Callable[[], tuple[float, str]]:
    """``bench_stochastic.py``: the risk-neutral plan, or the 5-point CVaR frontier."""
    def run() -> tuple[float, str]:
        out = _script([str(BENCH / "bench_stochastic.py"), "--sites", str(sites),
                       "--samples", str(samples)])
        memory = re.search(r"peak resident memory: ([0-9,]+) MiB", out)
        note = f"{memory.group(1) if memory else '?'} MiB peak"
        if frontier:
            return _seconds(out, r"5-point CVaR frontier \(\d+ futures\)"), note
        return _seconds(out, r"risk-neutral stochastic plan with its NPV distribution"), note
    return run


def hourly_figure(sites: int) -> Callable[[], tuple[float, str]]:
    """``bench_hourly.py``: loading and summarizing a year of 15-minute prices."""
    def run() -> tuple[float, str]:
        out = _script([str(BENCH / "bench_hourly.py"), "--sites", str(sites)])
        plan = _seconds(out, r"plan, hourly")
        return _seconds(out, r"load \+ summarize \(difference\)"), f"then the plan {plan:.2f} s"
    return run


def figures(quick: bool, folder: Path) -> list[Figure]:
    """The rows of the report (issue 16's table, then what it watches)."""
    sample = str(ROOT / "sample_inputs" / "fleet.xlsx")
    rows = [
        Figure("allocator --help", 0.15, "s", lambda: (wall(["--help"]), "")),
        Figure("allocator validate sample_inputs/fleet.xlsx", 0.3, "s",
               lambda: (wall(["validate", sample]), "")),
        Figure("allocator optimize --no-such-option (a usage error)", 0.15, "s",
               lambda: (wall(["optimize", "--no-such-option", sample], 2), "")),
        Figure("optimize --insight, 50 sites x 60 months", 2.0, "s", insight_figure(50, folder)),
    ]
    if not quick:
        rows.append(Figure("optimize --insight, 200 sites x 60 months", 10.0, "s",
                           insight_figure(200, folder)))
    size = "200x60" if quick else "1000x60"
    rows += [
        Figure(f"bench_fleet {size.replace('x', ' x ')}: end to end / HiGHS floor",
               None if quick else 1.2, "x", fleet_figure(size)),
        Figure("validate, 990,000-cell fault flood", None, "s", flood_figure(folder)),
    ]
    sites, samples = (10, 20) if quick else (50, 100)
    rows += [
        Figure(f"stochastic plan, {sites} sites x 60 months, {samples} futures, risk-neutral",
               None if quick else 10.0, "s", stochastic_figure(sites, samples, False)),
        Figure(f"5-point CVaR frontier, {sites} sites, {samples} futures",
               None if quick else 120.0, "s", stochastic_figure(sites, samples, True)),
        Figure(f"hourly prices, {5 if quick else 50} sites x a year of 15-minute rows: "
               "load + summarize", None, "s", hourly_figure(5 if quick else 50)),
    ]
    return rows


def measure(figure: Figure, repeat: int) -> list[str]:
    """The figure's row: best, slowest, target and whether it holds, and the best run's note."""
    results: list[tuple[float, str]] = []
    try:
        for _ in range(repeat):
            results.append(figure.run())
    except (subprocess.CalledProcessError, OSError, ValueError, KeyError) as exc:
        detail = exc.stderr.strip().splitlines()[-1:] if isinstance(
            exc, subprocess.CalledProcessError) and exc.stderr else [str(exc)]
        return [figure.name, "failed", "", _target(figure), "", " ".join(detail)[:120]]
    values = [value for value, _ in results]
    best = min(values)
    held = "" if figure.target is None else ("yes" if best <= figure.target else "NO")
    note = results[values.index(best)][1]
    return [figure.name, _number(best, figure.unit),
            _number(max(values), figure.unit) if repeat > 1 else "", _target(figure), held, note]


def _number(value: float, unit: str) -> str:
    return f"{value:.2f}x" if unit == "x" else f"{value:.2f} s"


def _target(figure: Figure) -> str:
    return "watched" if figure.target is None else f"<= {_number(figure.target, figure.unit)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes and one run each (what CI runs)")
    parser.add_argument("--repeat", type=int, help="runs per figure (default 3, 1 with --quick)")
    args = parser.parse_args()
    repeat = max(1, args.repeat or (1 if args.quick else 3))
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    print(f"benchmark report{' (quick)' if args.quick else ''}, "
          f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"best of {repeat}{' (slowest beside it)' if repeat > 1 else ''}", flush=True)
    head = ["figure", "best", "slowest", "target", "holds", "note"]
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for figure in figures(args.quick, Path(tmp)):
            rows.append(measure(figure, repeat))
            print("  " + " | ".join(rows[-1]), flush=True)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    print()
    for row in [head, ["-" * w for w in widths], *rows]:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print(f"report took {time.perf_counter() - started:.0f} s")
    if any(row[1] == "failed" for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
