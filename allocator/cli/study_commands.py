"""The command lines of ``compare``, ``sweep``, ``stochastic`` and ``sensitivity``: arguments,
options and help, declared with click alone; what the commands do is
:mod:`allocator.cli.scenarios`, :mod:`allocator.cli.stochastic` and :mod:`allocator.cli.insight`.

As in :mod:`allocator.cli.plan_commands`, click parses a command line before it calls the
command, so a usage error here (an unknown option, a value out of range, a missing BOOK) is
reported having loaded click and nothing heavy; only a command line that parses reaches
:func:`allocator.cli.main.run`, which imports the command's module and calls its
``run_<command>`` with the parsed values. Checks that need several options at once (``sweep``'s
``--samples`` against ``--param``) are made there.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from allocator.cli.main import run
from allocator.cli.options import (
    CVAR_ALPHA,
    FRONTIER_WEIGHTS,
    OPERATION_CHOICES,
    SWEEP_STEPS,
    results_only_options,
    run_options,
)

__all__ = ["compare", "sensitivity", "stochastic", "sweep"]


def _check_alpha(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not (math.isfinite(value) and 0.0 < value < 1.0):
        raise click.BadParameter(f"alpha must be in (0, 1), got {value}")
    return value


@click.command()
@click.argument("book", type=click.Path(exists=True, path_type=Path))
@click.option("--reference", metavar="NAME",
              help="Scenario the deltas are taken against (default: the base case).")
@click.option("--scenarios", "names", metavar="A,B",
              help="Compare only these scenarios (comma-separated; the reference is kept).")
@click.option("--plans", is_flag=True, help="Add a Plan sheet per scenario.")
@run_options
def compare(**values: Any) -> None:
    """Solve every scenario of BOOK's Scenarios sheet and compare them side by side.

    Writes a copy of BOOK with a Scenario Comparison sheet (default: BOOK with .compare
    before the suffix): one column per scenario, changes against the reference, the input
    diff, and charts of NPV and HPC MW by scenario. With --format parquet or csv: a folder
    of tables instead, every scenario's plan tables included.

    Example: allocator compare sample_inputs/fleet.xlsx -o cmp.xlsx --reference "Jan 2026"
    """
    run("compare", values)


@click.command()
@click.argument("book", type=click.Path(exists=True, path_type=Path))
@click.option("--param", "parameter", metavar="NAME",
              help="Parameter to sweep, e.g. rate_usd_kw_month or btc_price_usd.")
@click.option("--target", metavar="NAME", help="The site or contract it applies to (default all).")
@click.option("--operation", type=click.Choice(OPERATION_CHOICES), default="set", show_default=True,
              help="Whether the values set the parameter, scale it or add to it.")
@click.option("--from", "start", metavar="X", help="First value (a month YYYY-MM for months).")
@click.option("--to", "stop", metavar="Y", help="Last value.")
@click.option("--steps", type=click.IntRange(min=2), default=SWEEP_STEPS, show_default=True,
              help="Number of evenly spaced values.")
@click.option("--bisections", type=click.IntRange(min=0, max=30), default=8, show_default=True,
              help="Halvings of a step to locate each flip point.")
@click.option("--samples", type=click.IntRange(min=1),
              help="Monte Carlo instead: number of BTC price and hashrate paths.")
@click.option("--seed", type=int, default=0, show_default=True, help="Monte Carlo random seed.")
@run_options
def sweep(**values: Any) -> None:
    """Sweep one parameter across a range and find where the allocation flips; or, with
    --samples, run a Monte Carlo over BTC price and network hashrate paths.

    A sweep writes a Sweep sheet (MW by use against the parameter, flip points, charts) into
    a copy of BOOK (default: BOOK with .sweep before the suffix). Monte Carlo reads the
    volatilities from Settings (btc_price_volatility_pa, network_hashrate_volatility_pa,
    btc_hashrate_correlation) and writes a Monte Carlo sheet (.montecarlo): NPV P5/P50/P95,
    the probability each site converts and each contract is taken. With --format parquet or
    csv either writes a folder of tables instead (per step or sample, by month too).

    Example: allocator sweep fleet.xlsx --param rate_usd_kw_month --target "AI Lab NNN" --from 100 --to 200 --steps 11
    """  # noqa: E501
    run("sweep", values)


@click.command()
@click.argument("book", type=click.Path(exists=True, path_type=Path))
@click.option("--samples", type=click.IntRange(min=1),
              help="Monte Carlo futures of BTC price and network hashrate (as sweep --samples).")
@click.option("--paths", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Futures given as market paths instead: a CSV of scenario, probability, "
                   "month, btc_price_usd, network_hashrate_ehs[, hashprice_usd_ph_day], or "
                   "a workbook (BOOK itself too) whose ScenarioPaths sheet has them, or a "
                   "fleet document whose scenario_paths records do.")
@click.option("--scenarios", "use_scenarios", is_flag=True,
              help="Futures from the Scenarios sheet instead: each scenario one future, "
                   "with its probability column (blank: equally likely).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--alpha", type=float, default=CVAR_ALPHA, show_default=True,
              callback=_check_alpha, help="CVaR tail: the worst share of futures, in (0, 1).")
@click.option("--frontier", "weights", default=FRONTIER_WEIGHTS, show_default=True,
              metavar="L1,L2", help="CVaR weights lambda in [0, 1], one frontier point each "
                                     "(blank: none).")
@click.option("--decide-months", "decide_months", type=click.IntRange(min=0), metavar="F",
              help="Also plan deciding only the first F months now, later decisions "
                   "adapting to each future; says what must be decided now and what can "
                   "wait.")
@click.option("--hold", "hold", multiple=True, metavar="[NAME=]PLAN.xlsx",
              help="A plan workbook written by optimize, held in every future as a row of "
                   "the regret table (NAME, default the file's stem); repeatable.")
@run_options
def stochastic(**values: Any) -> None:
    """Choose one plan of conversions, leases and commitments across Monte Carlo futures,
    and say what it is worth against planning on the outlook and against perfect foresight.

    Mining is re-optimized in every future. Prints RP, EV, EEV, WS, VSS = RP - EEV and
    EVPI = WS - RP, each plan's NPV P5/P50/P95 and CVaR, and the risk frontier (E[NPV]
    against CVaR for each weight, with MW converted per site and committed per contract);
    writes Risk Summary, Risk Frontier, First Stage and Regret sheets into a copy of BOOK
    (default: BOOK with .stochastic before the suffix).

    The futures are Monte Carlo draws (--samples, --seed), paths of your own (--paths) or
    the scenarios of BOOK's Scenarios sheet (--scenarios, with its probability column).
    --hold PLAN.xlsx adds a plan written by optimize to the regret table: its conversions,
    commitments and leases held in every future, mining re-optimized there.

    Example: allocator stochastic sample_inputs/fleet.xlsx --samples 30 --seed 7
    """
    run("stochastic", values)


@click.command()
@click.argument("book", type=click.Path(exists=True, path_type=Path))
@click.option("--pct", type=click.FloatRange(min=0, max=100, min_open=True, max_open=True),
              default=10.0, show_default=True,
              help="Change applied down and up to each driver, in percent.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Workbook to write (default: BOOK with .sensitivity before the suffix).")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists (atomically).")
@results_only_options
@click.option("--no-write", is_flag=True, help="Solve and print, write no workbook.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option("--solver", help="Solver: highs (default), cbc, glpk or any installed PuLP solver.")
def sensitivity(**values: Any) -> None:
    """Show how NPV moves with -/+PCT % of BTC price, network hashrate, power price, HPC
    rates and conversion capex, largest swing first (a tornado).

    Each variant is re-optimized. Writes the plan with a Sensitivity sheet and a tornado
    chart into a copy of BOOK (default: BOOK with .sensitivity before the suffix).

    Example: allocator sensitivity fleet.xlsx --pct 20 -o fleet.sensitivity.xlsx
    """
    run("sensitivity", values)
