"""A stochastic plan as stable-named tables (``allocator stochastic --format parquet``).

- ``measures`` (measure): RP, EV, EEV, WS, VSS, EVPI (and ``waiting`` with
  ``--decide-months``), then each plan's NPV P5/P50/P95/CVaR, in USD;
- ``futures`` (scenario): each future's probability and the NPV there of the stochastic
  plan, of the mean-path plan held in it and of its own perfect-foresight plan;
- ``frontier`` (lambda_weight): E[NPV], CVaR and the objective of each weight;
- ``frontier_decisions`` (lambda_weight, decision, name): MW converted per site and
  committed per contract at each weight, long form;
- ``first_stage``: the conversions started, commitments and leases of the stochastic plan
  beside the mean-path plan's;
- ``regret`` (plan, scenario): each candidate plan's NPV and regret in each future.

The frames are also the ones the Risk sheets show (:mod:`allocator.workbook.risk_writer`),
so a sheet and its table say the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from allocator.exports.tables import SCENARIO, Table

if TYPE_CHECKING:  # for annotations only: the result imports this module to write itself
    from allocator.stochastic.distribution import Distribution
    from allocator.stochastic.measures import StochasticResult

__all__ = ["first_stage_frame", "frontier_frame", "futures_frame", "regret_frame",
           "stochastic_tables", "summary_frame"]

_EPS_MW = 1e-6


def summary_frame(result: StochasticResult) -> pd.DataFrame:
    """measure | value_usd | meaning: the measures, then each plan's NPV statistics."""
    rows: list[tuple[str, float, str]] = [
        ("RP", result.rp_usd, "expected NPV of the stochastic plan"),
        ("EV", result.ev_usd, "NPV of the plan made on the mean path, on that path"),
        ("EEV", result.eev_usd, "expected NPV of the mean-path plan held in every future"),
        ("WS", result.ws_usd, "expected NPV with perfect foresight (each future's own plan)"),
        ("VSS", result.vss_usd, "RP - EEV: what deciding with the uncertainty in view adds"),
        ("EVPI", result.evpi_usd, "WS - RP: what perfect foresight would add"),
    ]
    if result.adaptive is not None:
        rows.append(("waiting", result.waiting_usd or 0.0,
                     f"E[NPV] deciding from month {result.adaptive.decide_months} on as the "
                     "future unfolds, less RP"))
    plans: tuple[tuple[str, Distribution], ...] = (
        ("stochastic plan", result.stochastic), ("mean-path plan", result.expected_value),
        ("perfect foresight", result.wait_and_see))
    for name, d in plans:
        rows += [(f"{name} {stat}", value, f"NPV {stat} across the futures")
                 for stat, value in (("P5", d.p5_usd), ("P50", d.p50_usd),
                                     ("P95", d.p95_usd),
                                     (f"CVaR {result.alpha:.0%}", d.cvar_usd))]
    return pd.DataFrame(rows, columns=["measure", "value_usd", "meaning"])


def frontier_frame(result: StochasticResult) -> pd.DataFrame:
    """One row per weight: lambda, E[NPV], CVaR, objective, MW converted and committed."""
    rows = []
    for p in result.frontier:
        row: dict[str, object] = {"lambda_weight": p.lam,
                                  "expected_npv_usd": p.expected_npv_usd,
                                  "cvar_usd": p.cvar_usd, "objective_usd": p.objective_usd}
        row.update({f"{site}: converted_mw": float(mw)
                    for site, mw in zip(result.sites, p.first_stage.converted_mw(),
                                        strict=True)})
        row.update({f"{name}: committed_mw": float(mw)
                    for name, mw in zip(result.contracts, p.first_stage.committed_mw(),
                                        strict=True)})
        rows.append(row)
    return pd.DataFrame(rows)


def first_stage_frame(result: StochasticResult) -> pd.DataFrame:
    """decision | site | contract | month | stochastic_plan_mw | mean_path_plan_mw: the
    conversions started per site and month, then the commitments, then the leases."""
    ours, theirs = result.first_stage.values, result.ev_first_stage.values
    rows: list[tuple[str, str, str, str, float, float]] = []
    build, other = ours["build"], theirs["build"]
    for s, site in enumerate(result.sites):
        for t, month in enumerate(result.months):
            if max(build[s, t], other[s, t]) > _EPS_MW:
                rows.append(("conversion started", site, "", month, float(build[s, t]),
                             float(other[s, t])))
    for k, name in enumerate(result.contracts):
        rows.append(("commitment", "", name, "", float(ours["commit"][k]),
                     float(theirs["commit"][k])))
    lease, held = ours["lease"], theirs["lease"]
    for s, site in enumerate(result.sites):
        for k, name in enumerate(result.contracts):
            if max(lease[s, k], held[s, k]) > _EPS_MW:
                rows.append(("lease", site, name, "", float(lease[s, k]), float(held[s, k])))
    return pd.DataFrame(rows, columns=["decision", "site", "contract", "month",
                                       "stochastic_plan_mw", "mean_path_plan_mw"])


def futures_frame(result: StochasticResult) -> pd.DataFrame:
    """One row per future: its probability and the NPV there of the stochastic plan, of the
    mean-path plan held in it, and of its own perfect-foresight plan."""
    return pd.DataFrame({
        "scenario": list(result.names),
        "probability": [float(p) for p in result.probabilities],
        "stochastic_plan_npv_usd": result.stochastic.npv_usd.astype(float),
        "mean_path_plan_npv_usd": result.expected_value.npv_usd.astype(float),
        "perfect_foresight_npv_usd": result.wait_and_see.npv_usd.astype(float),
    })


def regret_frame(result: StochasticResult) -> pd.DataFrame:
    """One row per candidate plan and future: the plan's NPV held in that future and its
    regret against the future's own best (empty without a regret table)."""
    table = result.regret
    columns = ["plan", "scenario", "probability", "npv_usd", "regret_usd"]
    if table is None:
        return pd.DataFrame(columns=columns)
    regret = table.regret_usd
    rows = [(plan, name, float(table.probabilities[w]), float(table.npv_usd[i, w]),
             float(regret[i, w]))
            for i, plan in enumerate(table.plans) for w, name in enumerate(table.scenarios)]
    return pd.DataFrame(rows, columns=columns)



def _frontier_frames(result: StochasticResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frontier's points, and their first-stage MW in long form."""
    points = pd.DataFrame({
        "lambda_weight": [p.lam for p in result.frontier],
        "expected_npv_usd": [p.expected_npv_usd for p in result.frontier],
        "cvar_usd": [p.cvar_usd for p in result.frontier],
        "objective_usd": [p.objective_usd for p in result.frontier]})
    rows: list[tuple[float, str, str, float]] = []
    for p in result.frontier:
        rows += [(p.lam, "converted_mw", site, float(mw) + 0.0)
                 for site, mw in zip(result.sites, p.first_stage.converted_mw(), strict=True)]
        rows += [(p.lam, "committed_mw", name, float(mw) + 0.0)
                 for name, mw in zip(result.contracts, p.first_stage.committed_mw(),
                                     strict=True)]
    decisions = pd.DataFrame(rows, columns=["lambda_weight", "decision", "name", "mw"])
    return points, decisions


def stochastic_tables(result: StochasticResult) -> list[Table]:
    """The tables of a stochastic plan (see the module docstring)."""
    points, decisions = _frontier_frames(result)
    warnings = pd.DataFrame({"warning": list(result.warnings)}, dtype=str)
    return [
        Table("measures", summary_frame(result), ("measure",),
              "One row per measure of the scenario set, in USD, with its meaning."),
        Table("futures", futures_frame(result), (SCENARIO,),
              "One row per future: its probability and each plan's NPV there."),
        Table("frontier", points, ("lambda_weight",),
              "One row per CVaR weight: expected NPV, CVaR and the objective."),
        Table("frontier_decisions", decisions, ("lambda_weight", "decision", "name"),
              "One row per CVaR weight and site (MW converted) or contract (MW committed)."),
        Table("first_stage", first_stage_frame(result), (),
              "One row per first-stage decision: the stochastic plan's and the mean-path "
              "plan's MW."),
        Table("regret", regret_frame(result), ("plan", SCENARIO),
              "One row per candidate plan and future: its NPV there and its regret."),
        Table("warnings", warnings, (), "One row per input warning."),
    ]
