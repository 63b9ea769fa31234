"""The ``stochastic`` command: one plan chosen across Monte Carlo futures; no model logic here.

It validates the flags (a bad ``--alpha``, ``--frontier`` weight or ``--samples`` is a usage
error, exit 2, before anything is read), calls
:func:`allocator.stochastic.measures.stochastic_plan` on the executor asked for, prints the
measures, the NPV distributions and the frontier (or ``--json``), and writes the risk sheets
(:mod:`allocator.workbook.risk_writer`). Library errors exit 1.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table

from allocator.cli.common import OUT, add_row, literal, note_ods_charts
from allocator.cli.failures import library_errors
from allocator.cli.formats import data_format
from allocator.cli.progress import progress as _progress
from allocator.cli.solving import default_output_path, executor_for, read_for, warn
from allocator.documents.fleet_document import (
    DOCUMENT_SUFFIXES,
    FleetDocument,
    is_document,
    read_fleet_document,
)
from allocator.documents.paths_rows import document_paths_set
from allocator.errors import InputError, Problem
from allocator.scenarios.compare import ScenarioBook
from allocator.stochastic.distribution import Distribution
from allocator.stochastic.first_stage import FirstStage
from allocator.stochastic.held_plan import HeldPlan
from allocator.stochastic.measures import StochasticResult, stochastic_plan
from allocator.stochastic.paths import read_paths
from allocator.stochastic.scenario_set import ScenarioSet
from allocator.stochastic.sheet_set import sheet_scenario_set
from allocator.workbook.paths_sheet import read_paths_sheet
from allocator.workbook.plan_decisions import read_held_plan
from allocator.workbook.risk_writer import RISK_SUMMARY_SHEET, write_risk

__all__ = ["frontier_weights", "held_plans", "result_json", "run_stochastic"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods")
"""A --paths file with one of these is a workbook: its ScenarioPaths sheet is read."""


def _money(x: float) -> str:
    """``$1,276.1M``; a figure that rounds to zero is ``$0.0M``, never ``-$0.0M``."""
    if not math.isfinite(x):
        return "-"
    millions = round(x / 1e6, 1) + 0.0
    return f"{'-' if millions < 0 else ''}${abs(millions):,.1f}M"


def frontier_weights(text: str) -> tuple[float, ...]:
    """``"0,0.5,1"`` as weights, each in [0, 1]; blank gives none.

    Raises:
        click.BadParameter: a weight that is not a number in [0, 1].
    """
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            lam = float(part)
        except ValueError:
            raise click.BadParameter(f"{part!r} is not a number", param_hint="--frontier"
                                     ) from None
        if not (math.isfinite(lam) and 0.0 <= lam <= 1.0):
            raise click.BadParameter(f"each weight lambda must be in [0, 1], got {part}",
                                     param_hint="--frontier")
        out.append(lam)
    return tuple(sorted(set(out)))


def held_plans(values: tuple[str, ...]) -> list[tuple[str, Path]]:
    """``--hold`` values, ``[NAME=]PLAN.xlsx``, as (name, path); a name defaults to the
    file's stem, and a name given twice gets `` (2)``, `` (3)``...

    Raises:
        click.BadParameter: a plan workbook that does not exist.
    """
    out: list[tuple[str, Path]] = []
    for value in values:
        name, sep, rest = value.partition("=")
        path = Path(rest if sep and not Path(value).exists() else value)
        if not path.is_file():
            raise click.BadParameter(f"no plan workbook {str(path)!r}", param_hint="--hold")
        name = name.strip() if sep and path != Path(value) else path.stem
        taken = {n for n, _ in out}
        unique, count = name, 1
        while unique in taken:
            count += 1
            unique = f"{name} ({count})"
        out.append((unique, path))
    return out


def run_stochastic(book: Path, samples: int | None, paths: Path | None, use_scenarios: bool,
               seed: int, alpha: float,
               weights: str, decide_months: int | None, hold: tuple[str, ...],
               output: Path | None, out_format: str, overwrite: bool, results_only: bool,
               no_write: bool,
               as_json: bool, solver: str | None, jobs: int | None, executor_kind: str,
               scheduler: str | None) -> None:
    """Do ``stochastic`` with its parsed command line (:mod:`allocator.cli.study_commands`)."""
    lams = frontier_weights(weights)
    holds = held_plans(hold)
    if [samples is not None, paths is not None, use_scenarios].count(True) != 1:
        raise click.UsageError("give --samples N (Monte Carlo futures), --paths FILE.csv "
                               "(futures of your own) or --scenarios (the Scenarios sheet), "
                               "one of them")
    results_only = results_only or is_document(book)
    folder = data_format(out_format)
    target = output or default_output_path(book, "stochastic", results_only, folder)
    with library_errors(as_json):
        source, options = read_for(target, book, RISK_SUMMARY_SHEET, solver=solver,
                                    write=not no_write, results_only=results_only,
                                    overwrite=overwrite, folder=folder)
        with executor_for(executor_kind, jobs, scheduler) as pool, \
                _progress("Stochastic plan") as update:
            futures = _futures(source, paths, use_scenarios)
            held: list[HeldPlan] = [read_held_plan(path, name) for name, path in holds]
            result = stochastic_plan(source, samples, seed, scenarios=futures, alpha=alpha,
                                     frontier=lams, executor=pool, solver=options,
                                     decide_months=decide_months, hold=held)
            update(1, 1)
        written = None
        if not no_write and folder:
            written = result.to_parquet(target, overwrite=overwrite) if folder == "parquet" \
                else result.to_csv(target, overwrite=overwrite)
        elif not no_write:
            written = write_risk(result, target, source=None if results_only else book,
                                 overwrite=overwrite)
            note_ods_charts(written)
    if as_json:
        click.echo(json.dumps(result_json(result, written), indent=2))
        return
    _print_result(result)
    warn(result.warnings)
    if written is not None:
        OUT.print(f"Stochastic plan written to {written}", markup=False)


def _futures(source: object, paths: Path | None, use_scenarios: bool) -> ScenarioSet | None:
    """The futures asked for: the --paths CSV, the Scenarios sheet, or ``None`` (Monte
    Carlo)."""
    fleet = getattr(source, "fleet", None)
    if paths is not None and fleet is not None:
        if paths.suffix.lower() in WORKBOOK_SUFFIXES:
            return read_paths_sheet(paths, fleet)
        if paths.suffix.lower() in DOCUMENT_SUFFIXES:
            document = (source if isinstance(source, FleetDocument) and source.path.resolve()
                        == paths.resolve() else read_fleet_document(paths))
            return document_paths_set(document, fleet)
        return read_paths(paths, fleet)
    if not use_scenarios or fleet is None:
        return None
    if not isinstance(source, ScenarioBook):
        raise InputError([Problem("Scenarios", "this input holds no Scenarios sheet")])
    return sheet_scenario_set(fleet, source.read_scenarios())


def _first_stage_json(result: StochasticResult, first: FirstStage) -> dict[str, Any]:
    return {
        "converted_mw": dict(zip(result.sites, (float(x) for x in first.converted_mw()),
                                 strict=True)),
        "committed_mw": dict(zip(result.contracts, (float(x) for x in first.committed_mw()),
                                 strict=True)),
    }


def _distribution_json(d: Distribution) -> dict[str, float]:
    return {"mean_usd": d.mean_usd, "p5_usd": d.p5_usd, "p50_usd": d.p50_usd,
            "p95_usd": d.p95_usd, "cvar_usd": d.cvar_usd}


def result_json(result: StochasticResult, written: Path | None = None) -> dict[str, Any]:
    """The figures of ``result`` as JSON-ready values (what ``--json`` prints)."""
    return {
        "samples": len(result.names), "seed": result.seed, "alpha": result.alpha,
        "rp_usd": result.rp_usd, "ev_usd": result.ev_usd, "eev_usd": result.eev_usd,
        "ws_usd": result.ws_usd, "vss_usd": result.vss_usd, "evpi_usd": result.evpi_usd,
        "npv_usd": {"stochastic": _distribution_json(result.stochastic),
                    "expected_value": _distribution_json(result.expected_value),
                    "wait_and_see": _distribution_json(result.wait_and_see)},
        "first_stage": _first_stage_json(result, result.first_stage),
        "ev_first_stage": _first_stage_json(result, result.ev_first_stage),
        "frontier": [{"lambda": p.lam, "expected_npv_usd": p.expected_npv_usd,
                      "cvar_usd": p.cvar_usd, "objective_usd": p.objective_usd,
                      **_first_stage_json(result, p.first_stage)} for p in result.frontier],
        "regret": _regret_json(result),
        "adaptive": _adaptive_json(result),
        "method": result.method, "variables": result.variables,
        "constraints": result.constraints,
        "output": str(written) if written else None,
    }


def _adaptive_json(result: StochasticResult) -> dict[str, Any] | None:
    plan = result.adaptive
    if plan is None:
        return None

    def per(names: tuple[str, ...], values: Any) -> dict[str, float | None]:
        return {n: (None if math.isnan(float(v)) else float(v))
                for n, v in zip(names, values, strict=True)}

    return {"decide_months": plan.decide_months, "expected_npv_usd": plan.expected_npv_usd,
            "waiting_usd": result.waiting_usd,
            "converted_now_mw": per(result.sites, plan.converted_now_mw),
            "converted_later_mw": per(result.sites, plan.converted_later_mw),
            "converts_later_probability": per(result.sites, plan.converts_later_probability),
            "committed_now_mw": per(result.contracts, plan.committed_now_mw),
            "committed_later_mw": per(result.contracts, plan.committed_later_mw)}


def _regret_json(result: StochasticResult) -> list[dict[str, Any]]:
    table = result.regret
    if table is None:
        return []
    regret = table.regret_usd
    return [{"plan": plan, "npv_usd": dict(zip(table.scenarios, map(float, table.npv_usd[i]),
                                               strict=True)),
             "regret_usd": dict(zip(table.scenarios, map(float, regret[i]), strict=True))}
            for i, plan in enumerate(table.plans)]


def _print_result(result: StochasticResult) -> None:
    seed = "" if result.seed is None else f", seed {result.seed}"
    OUT.print(f"Stochastic plan: {len(result.names)} futures{seed}, "
              f"CVaR at {result.alpha:.0%}; RP from the {result.method} "
              f"({result.variables:,} columns, {result.constraints:,} rows)", markup=False)
    measures = Table(title="What deciding now is worth", title_justify="left")
    measures.add_column("measure")
    measures.add_column("value", justify="right")
    for name, value in (("RP (stochastic plan, E[NPV])", result.rp_usd),
                        ("EV (plan on the mean path, its own NPV)", result.ev_usd),
                        ("EEV (EV plan held in every future)", result.eev_usd),
                        ("WS (perfect foresight)", result.ws_usd),
                        ("VSS = RP - EEV", result.vss_usd), ("EVPI = WS - RP", result.evpi_usd)):
        add_row(measures, name, _money(value))
    OUT.print(measures)
    spread = Table(title="NPV across the futures", title_justify="left")
    for name in ("plan", "mean", "P5", "P50", "P95", f"CVaR {result.alpha:.0%}"):
        spread.add_column(name, justify="left" if name == "plan" else "right")
    for name, d in (("stochastic", result.stochastic), ("EV plan", result.expected_value),
                    ("wait and see", result.wait_and_see)):
        add_row(spread, name, *(_money(x) for x in (d.mean_usd, d.p5_usd, d.p50_usd,
                                                    d.p95_usd, d.cvar_usd)))
    OUT.print(spread)
    if result.regret is not None:
        _print_regret(result)
    if result.frontier:
        _print_frontier(result)
    if result.adaptive is not None:
        _print_adaptive(result)


def _print_adaptive(result: StochasticResult) -> None:
    """What must be decided now, what can wait until month F, and what waiting adds."""
    plan = result.adaptive
    if plan is None:
        return
    OUT.print(f"Deciding only the first {plan.decide_months} months now and the rest as the "
              f"future unfolds: E[NPV] {_money(plan.expected_npv_usd)}, "
              f"{_money(result.waiting_usd or 0.0)} more than deciding everything now.",
              markup=False)
    table = Table(title="Now and later (MW; later = mean over the futures)",
                  title_justify="left")
    for name in ("site or contract", "now", "later", "P(later)"):
        table.add_column(name, justify="left" if name == "site or contract" else "right")
    for i, site in enumerate(result.sites):
        if max(plan.converted_now_mw[i], plan.converted_later_mw[i]) > 1e-6:
            add_row(table, f"{site} converted", f"{plan.converted_now_mw[i]:,.1f}",
                    f"{plan.converted_later_mw[i]:,.1f}",
                    f"{plan.converts_later_probability[i]:.0%}")
    for k, name in enumerate(result.contracts):
        now, later = plan.committed_now_mw[k], plan.committed_later_mw[k]
        add_row(table, f"{name} committed", "waits" if math.isnan(now) else f"{now:,.1f}",
                "" if math.isnan(later) else f"{later:,.1f}", "")
    OUT.print(table)


def _print_regret(result: StochasticResult) -> None:
    """Each candidate plan held in every future: E[NPV], expected and largest regret."""
    table = result.regret
    if table is None:
        return
    out = Table(title="Regret: each plan held in every future, against that future's best",
                title_justify="left")
    for name in ("plan", "E[NPV]", "expected regret", "largest regret"):
        out.add_column(name, justify="left" if name == "plan" else "right")
    regret = table.regret_usd
    for i, plan in enumerate(table.plans):
        add_row(out, plan, _money(float(table.probabilities @ table.npv_usd[i])),
                _money(float(table.probabilities @ regret[i])), _money(float(regret[i].max())))
    OUT.print(out)


def _print_frontier(result: StochasticResult) -> None:
    """One column per weight: E[NPV], CVaR, MW converted per site that converts at any
    weight, MW committed per contract."""
    points = result.frontier
    table = Table(title=literal("Risk frontier, (1 - lambda) E[NPV] + lambda CVaR; MW "
                                "converted per site and committed per contract; money in $M"),
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("lambda", no_wrap=True)
    for p in points:
        table.add_column(f"{p.lam:g}", justify="right")
    add_row(table, "E[NPV]", *(f"{p.expected_npv_usd / 1e6:,.1f}" for p in points))
    add_row(table, f"CVaR {result.alpha:.0%}", *(f"{p.cvar_usd / 1e6:,.1f}" for p in points))
    for i, site in enumerate(result.sites):
        mw = [float(p.first_stage.converted_mw()[i]) for p in points]
        if max(mw) > 1e-6:
            add_row(table, f"{site} converted", *(f"{x:,.1f}" for x in mw))
    for k, name in enumerate(result.contracts):
        add_row(table, f"{name} committed",
                *(f"{float(p.first_stage.committed_mw()[k]):,.1f}" for p in points))
    OUT.print(table)
