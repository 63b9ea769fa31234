"""A result as stable-named tables: pandas DataFrames with a grain, for files and warehouses.

Every table has fixed column names (the frames' own, unit-suffixed) and a grain: the
columns that make a row unique. A plan gives ``plan`` (site, month), ``summary`` (month),
``contracts`` (contract), ``site_value`` (site), ``builds``, ``tranches``, ``leases``,
``allocation``, ``deals`` (site, contract), ``deal_cash_flows`` (site, contract, month),
``run_info`` (one row) and ``warnings``, then one table per extra sheet (``flexibility`` with
hourly prices; ``miner_breakeven`` and ``sensitivity`` of ``--insight``). Several solves (a
comparison, a sweep, a Monte Carlo run) give tables with a leading ``scenario`` column, the
case's name (a scenario, ``btc_price_usd scale 0.5``, ``sample 17``):

- ``scenarios``: one row per scenario with its headline figures
  (:func:`~allocator.scenarios.cases.plan_metrics`; a sweep adds ``step`` and ``value``, a
  Monte Carlo run ``sample`` and the end factors);
- ``scenario_sites`` (scenario, site) and ``scenario_contracts`` (scenario, contract): the
  per-site and per-contract figures;
- ``summary`` (scenario, month): the monthly figures of each scenario's plan.

A comparison adds ``inputs`` (the input diff) and, when its plans were kept, every plan
table per scenario; a sweep adds ``flips`` and ``mw_changes``; a Monte Carlo run adds
``npv_summary``, ``site_probabilities``, ``contract_probabilities`` and ``settings``. Nothing
here writes a file (:mod:`allocator.exports.folder` does).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # for annotations only: the results import this package to write themselves
    from allocator.results.plan import Plan
    from allocator.scenarios.compare import Comparison
    from allocator.scenarios.montecarlo import MonteCarlo
    from allocator.scenarios.sweep import Sweep

__all__ = ["SCENARIO", "Table", "comparison_tables", "monte_carlo_tables", "plan_tables",
           "sweep_tables", "table_name"]

SCENARIO = "scenario"
"""The column naming the case in a table of several solves."""


@dataclass(frozen=True)
class Table:
    """One exported table.

    Attributes:
        name: Its stable name (the file's stem): ``plan``, ``summary``, ...
        frame: The rows.
        grain: The columns that make a row unique (empty: the table is one row, or a list).
        description: What one row is.
    """

    name: str
    frame: pd.DataFrame
    grain: tuple[str, ...]
    description: str


_PLAN_FRAMES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("plan", "site_months", ("site", "month"),
     "One row per site and month: grid MW by use, hashrate, money and the shadow value."),
    ("summary", "summary", ("month",), "One row per month: the fleet's totals and market."),
    ("contracts", "contracts", ("contract",), "One row per contract offer: what is taken."),
    ("site_value", "site_value", ("site",), "One row per site: the value of its grid power."),
    ("builds", "builds", ("site", "month"),
     "One row per site and month with a conversion started."),
    ("tranches", "tranches", ("tranche", "month"),
     "One row per miner row of the fleet (a model at a site) and month."),
    ("leases", "leases", ("contract", "site", "month"),
     "One row per contract, site and month of the contract's term."),
    ("allocation", "allocation", ("site", "month", "use"),
     "Grid MW by use, long form: mining, hpc and idle add up to capacity_mw."),
    ("deals", "deals", ("site", "contract"),
     "One row per conversion project (site x contract): capex, yield on cost, IRR, payback, "
     "NPV and the contracted tail (the Deals sheet)."),
    ("deal_cash_flows", "deal_cash_flows", ("site", "contract", "month"),
     "One row per project and month, in the horizon and after it: capex, prepayment, rent, "
     "power, opex and their discounted net."),
)


def table_name(title: str) -> str:
    """A sheet title as a table name: ``Miner Breakeven`` -> ``miner_breakeven``."""
    return re.sub(r"[^0-9a-z]+", "_", title.lower()).strip("_") or "table"


def _run_info_frame(plan: Plan) -> pd.DataFrame:
    """The Run Info sheet's key | value rows as one row, a typed column per key."""
    pairs = plan.run_info.to_frame().itertuples(index=False, name=None)
    row = {str(k): v for k, v in pairs if not str(k).startswith("warning_")}
    return pd.DataFrame([row])


def plan_tables(plan: Plan) -> list[Table]:
    """The tables of one plan (see the module docstring)."""
    tables = [Table(name, getattr(plan, attr), grain, text)
              for name, attr, grain, text in _PLAN_FRAMES]
    tables.append(Table("run_info", _run_info_frame(plan), (),
                        "One row: how the plan was made (the Run Info sheet)."))
    tables.append(Table("warnings", pd.DataFrame({"warning": list(plan.run_info.warnings)},
                                                 dtype=str), (),
                        "One row per input or consistency warning of the plan."))
    taken = {t.name for t in tables}
    for title, frame in plan.extra.items():
        name = table_name(title)
        while name in taken:
            name += "_extra"
        taken.add(name)
        tables.append(Table(name, frame, (), f"The {title} sheet."))
    return tables


_ONE_ROW = frozenset({"run_info"})
"""Plan tables of one row: stacked, they have one row per scenario."""


def _stacked(cases: Sequence[tuple[str, list[Table]]]) -> list[Table]:
    """Each case's tables stacked into one per name, a ``scenario`` column first."""
    if not cases:
        return []
    out = []
    for index, first in enumerate(cases[0][1]):
        frames = [tables[index].frame.assign(**{SCENARIO: name}) for name, tables in cases]
        frame = pd.concat(frames, ignore_index=True)
        frame = frame[[SCENARIO, *(c for c in frame.columns if c != SCENARIO)]]
        grain = (SCENARIO, *first.grain) if first.grain or first.name in _ONE_ROW else ()
        out.append(Table(first.name, frame, grain,
                         f"Per scenario: {first.description[0].lower()}"
                         f"{first.description[1:]}"))
    return out


_ITEM_TABLES = (("scenario_sites", "site", ("converted_mw", "avg_mining_mw"),
                 "One row per scenario and site: the site's converted and mining IT MW."),
                ("scenario_contracts", "contract", ("committed_mw",),
                 "One row per scenario and contract: the IT MW committed."))


def _split_items(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Table]]:
    """``frame`` (one row per scenario) without its ``<item>: <metric>`` columns, and those
    as the ``scenario_sites`` and ``scenario_contracts`` tables."""
    item_columns = [c for c in frame.columns if ": " in str(c)]
    wide = frame.drop(columns=item_columns)
    tables = []
    for name, key, metrics, text in _ITEM_TABLES:
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for column in item_columns:
            item, _, metric = str(column).rpartition(": ")
            if metric not in metrics:
                continue
            for scenario, value in zip(frame[SCENARIO], frame[column], strict=True):
                rows.setdefault((scenario, item), {SCENARIO: scenario, key: item})[metric] = value
        long = pd.DataFrame(list(rows.values()), columns=[SCENARIO, key, *metrics])
        tables.append(Table(name, long, (SCENARIO, key), text))
    return wide, tables


def _scenario_tables(wide: pd.DataFrame, grain_text: str,
                     monthly: pd.DataFrame) -> list[Table]:
    """``scenarios``, ``scenario_sites``, ``scenario_contracts`` and ``summary``."""
    scenarios, items = _split_items(wide)
    return [Table("scenarios", scenarios, (SCENARIO,), grain_text), *items,
            Table("summary", monthly, (SCENARIO, "month"),
                  "One row per scenario and month: the monthly figures of its plan.")]


def _text_values(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with ``columns`` as text (a base value may be a number, a month or a name)."""
    out = frame.copy()
    for column in columns:
        out[column] = [None if v is None or (isinstance(v, float) and v != v) else str(v)
                       for v in out[column]]
        out[column] = out[column].astype("string")
    return out


def comparison_tables(comparison: Comparison) -> list[Table]:
    """The tables of a comparison (see the module docstring)."""
    table = comparison.table
    rows = []
    for name in comparison.names:
        row: dict[str, Any] = {SCENARIO: name, "reference": name == comparison.reference}
        for key, value in zip(table.index, table[name], strict=True):
            metric, item = str(key[0]), str(key[1])
            row[f"{item}: {metric}" if item else metric] = float(value)
        rows.append(row)
    monthly = (comparison.hpc_leased_mw.rename_axis("month").reset_index()
               .melt(id_vars="month", var_name=SCENARIO, value_name="hpc_leased_mw"))
    monthly = monthly[[SCENARIO, "month", "hpc_leased_mw"]]
    tables = _scenario_tables(pd.DataFrame(rows), "One row per scenario: its headline "
                              "figures; reference is the case the workbook's deltas take.",
                              monthly)
    inputs = _text_values(comparison.inputs, ("base_value", "scenario_value"))
    tables.append(Table("inputs", inputs, (), "One row per input field a scenario changes."))
    if set(comparison.names) <= set(comparison.plans):
        plans = _stacked([(n, plan_tables(comparison.plans[n])) for n in comparison.names])
        tables = [t for t in tables if t.name != "summary"] + plans
    return tables


def sweep_tables(result: Sweep) -> list[Table]:
    """The tables of a sweep (see the module docstring)."""
    wide = result.table.rename(columns={result.column: "value"})
    names = [str(s) for s in dict.fromkeys(result.monthly.get(SCENARIO, pd.Series()))]
    wide.insert(0, "step", range(1, len(wide) + 1))
    wide.insert(0, SCENARIO, names if len(names) == len(wide) else
                [f"step {i}" for i in range(1, len(wide) + 1)])
    wide.insert(2, "parameter", result.column)
    wide.insert(3, "operation", result.operation)
    tables = _scenario_tables(wide, "One row per sweep step: its value and figures.",
                              result.monthly)
    flips = pd.DataFrame([{"subject": f.subject, "state": f.state, "turns_on": f.turns_on,
                           "below": f.below, "above": f.above, "text": f.text}
                          for f in result.flips],
                         columns=["subject", "state", "turns_on", "below", "above", "text"])
    changes = pd.DataFrame([{"subject": c.subject, "quantity": c.quantity, "below": c.below,
                             "above": c.above, "before_mw": c.before_mw,
                             "after_mw": c.after_mw, "change_mw": c.change_mw, "text": c.text}
                            for c in result.mw_changes],
                           columns=["subject", "quantity", "below", "above", "before_mw",
                                    "after_mw", "change_mw", "text"])
    warnings = pd.DataFrame({"warning": list(result.warnings)}, dtype=str)
    return [*tables,
            Table("flips", flips, ("subject", "state", "below"),
                  "One row per switch of a site's or contract's state along the sweep."),
            Table("mw_changes", changes, ("subject", "quantity", "below"),
                  "One row per material MW change between neighbouring steps."),
            Table("warnings", warnings, (), "One row per input or plausibility warning.")]


def monte_carlo_tables(result: MonteCarlo) -> list[Table]:
    """The tables of a Monte Carlo run (see the module docstring)."""
    wide = result.samples.copy()
    wide.insert(0, SCENARIO, [f"sample {int(n)}" for n in wide["sample"]])
    tables = _scenario_tables(wide, "One row per sample: its end factors, hashprice and NPV.",
                              result.monthly)
    settings = pd.DataFrame({"setting": list(result.settings),
                             "value": [float(v) for v in result.settings.values()]})
    settings = pd.concat([settings, pd.DataFrame({"setting": ["seed", "samples"], "value": [
        float(result.seed), float(len(result.samples))]})], ignore_index=True)
    warnings = pd.DataFrame({"warning": list(result.warnings)}, dtype=str)
    return [*tables,
            Table("npv_summary", result.summary, ("statistic",),
                  "One row per statistic of NPV over the samples (mean, P5, P50, P95, ...)."),
            Table("site_probabilities", result.sites, ("site",),
                  "One row per site: how often it converts, and its mean converted MW."),
            Table("contract_probabilities", result.contracts, ("contract",),
                  "One row per contract: how often it is taken, and its mean MW."),
            Table("settings", settings, ("setting",),
                  "The volatilities, correlation, seed and sample count of the run."),
            Table("warnings", warnings, (), "One row per input warning.")]
