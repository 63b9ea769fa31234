"""Futures a user supplies as market paths: a CSV of rows, read into a scenario set.

Columns (headers in the first row, case and spacing ignored, in any order; others are
ignored): ``scenario``, ``probability``, ``month`` (``YYYY-MM``), ``btc_price_usd``,
``network_hashrate_ehs`` and optionally ``hashprice_usd_ph_day`` (which, as in Market,
overrides the hashprice the price and hashrate imply, or stands alone where they are blank)
and ``construction_delay_months``: the future's slip of HPC construction at every site, or,
headed ``construction_delay_months[Site name]``, at that site (:mod:`~allocator.stochastic.
delays`); like the probability, on one of the scenario's rows or the same on each, blank =
no slip; a whole number of months within the horizon; and ``power_price_factor``, a factor
on every site's power price in the future (flat, ``PowerPrices`` and hourly curves, as a
Scenarios-sheet ``power_price_usd_mwh scale`` moves them; :mod:`~allocator.stochastic.
power_factor`), or, headed ``power_price_factor[Site name]``, on that site's; given the same
way as a slip, blank = 1, a number >= 0. A site's own column wins over the every-site one.
One row per scenario and horizon month: every month of the horizon is needed, none twice.
A scenario's probability may be on each of its rows (the same) or on one; blank on every
row means equally likely; otherwise the probabilities must sum to 1. Fees per block are the
outlook's for each month. Every fault is reported at once, at its cell (``paths.csv!C4``),
and nothing is planned. Each scenario becomes the fleet with those Market rows
(:func:`~allocator.stochastic.scenario_set.scenario_set`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter

from allocator.domain import Fleet, MarketMonth
from allocator.errors import InputError, Problem
from allocator.market import project_fleet_market
from allocator.periods import describe_months, is_month, month_range
from allocator.stochastic.delays import DELAY_COLUMN, delay_fault
from allocator.stochastic.power_factor import FACTOR_COLUMN, factor_fault, scaled_power_fleet
from allocator.stochastic.scenario_set import PROBABILITY_TOLERANCE, ScenarioSet, scenario_set

__all__ = ["PATH_COLUMNS", "paths_set", "read_paths"]

PATH_COLUMNS = ("scenario", "probability", "month", "btc_price_usd", "network_hashrate_ehs",
                "hashprice_usd_ph_day", DELAY_COLUMN, FACTOR_COLUMN)
_REQUIRED = PATH_COLUMNS[:5]
_PER_SCENARIO = (DELAY_COLUMN, FACTOR_COLUMN)
"""Columns with one value per scenario, for every site or, headed ``name[Site]``, for one."""


@dataclass(frozen=True)
class _Row:
    scenario: str
    month: str
    probability: float | None
    btc_price_usd: float | None
    network_hashrate_ehs: float | None
    hashprice_usd_ph_day: float | None
    line: int
    delays: dict[str, float]
    """Header of each per-scenario column (slips, power-price factors) -> its number on
    this row (blank cells left out)."""


class _Faults:
    """Problems of one file, each at its cell."""

    def __init__(self, sheet: str, columns: dict[str, int]) -> None:
        self.sheet, self.columns, self.problems = sheet, columns, list[Problem]()

    def add(self, line: int, column: str | None, message: str, value: object = None) -> None:
        cell = (f"{get_column_letter(self.columns[column] + 1)}{line}"
                if column in self.columns else None)
        self.problems.append(Problem(self.sheet, message, cell=cell, column=column,
                                     value=value))


def _number(text: str, faults: _Faults, line: int, column: str, *, positive: bool
            ) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text.replace(",", "").replace("$", "").strip())
    except ValueError:
        faults.add(line, column, f"{column} must be a number", text)
        return None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        faults.add(line, column, f"{column} must be {'> 0' if positive else '>= 0'}", text)
        return None
    return value


def _row(cells: Sequence[str], line: int, faults: _Faults, months: set[str]) -> _Row | None:
    def text(column: str) -> str:
        at = faults.columns.get(column)
        return cells[at].strip() if at is not None and at < len(cells) else ""

    name, month = text("scenario"), text("month")[:7]
    if not name:
        faults.add(line, "scenario", "scenario must be given")
    if not is_month(month):
        faults.add(line, "month", "month must be YYYY-MM", text("month"))
    elif month not in months:
        faults.add(line, "month", f"month {month} is outside the horizon", month)
    probability = _number(text("probability"), faults, line, "probability", positive=False)
    if probability is not None and probability > 1:
        faults.add(line, "probability", "probability must be in [0, 1]", probability)
    values = [_number(text(c), faults, line, c, positive=True)
              for c in ("btc_price_usd", "network_hashrate_ehs")]
    hashprice = _number(text("hashprice_usd_ph_day"), faults, line, "hashprice_usd_ph_day",
                        positive=False)
    if not text("hashprice_usd_ph_day") and not (text("btc_price_usd")
                                                 and text("network_hashrate_ehs")):
        faults.add(line, "btc_price_usd", "give btc_price_usd and network_hashrate_ehs, or "
                   "hashprice_usd_ph_day")
    if not name or not is_month(month):
        return None
    return _Row(name, month, probability, values[0], values[1], hashprice, line,
                _delays(text, faults, line, months))


def _delays(text: Callable[[str], str], faults: _Faults, line: int, months: set[str]
            ) -> dict[str, float]:
    """The row's slips, each a whole number of months within the horizon, and its power-price
    factors, each >= 0."""
    out: dict[str, float] = {}
    for column in faults.columns:
        if _kind(column) is not None and text(column):
            fault = (delay_fault(_float(text(column)), len(months))
                     if _kind(column) == DELAY_COLUMN else factor_fault(_float(text(column))))
            if fault is not None:
                faults.add(line, column, fault, text(column))
            else:
                out[column] = _float(text(column))
    return out


def _kind(column: str) -> str | None:
    """The per-scenario column ``column`` is one of (``power_price_factor[A]`` is a
    ``power_price_factor``), or ``None``."""
    return next((k for k in _PER_SCENARIO if column == k or column.startswith(k + "[")),
                None)


def _header_key(text: str) -> str:
    """A header as a column name: case and spacing ignored, a delay's site kept."""
    head, bracket, site = text.strip().partition("[")
    key = head.strip().lower().replace(" ", "_")
    return f"{key}[{site.rstrip(']').strip()}]" if bracket else key


def _float(text: str) -> float:
    """``text`` as a number, NaN when it is none."""
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return math.nan


def _read_rows(lines: list[list[str]], sheet: str, months: list[str]
               ) -> tuple[list[_Row], _Faults]:
    header = [_header_key(h) for h in (lines[0] if lines else [])]
    faults = _Faults(sheet, {h: j for j, h in enumerate(header)
                             if h in PATH_COLUMNS or _kind(h) is not None})
    missing = [c for c in _REQUIRED if c not in faults.columns]
    if missing:
        faults.add(1, None, f"missing column{'s' if len(missing) > 1 else ''} "
                   f"{', '.join(missing)} (the columns are {', '.join(PATH_COLUMNS)})")
        return [], faults
    rows = [_row(cells, line, faults, set(months))
            for line, cells in enumerate(lines[1:], start=2) if any(c.strip() for c in cells)]
    return [r for r in rows if r is not None], faults


def _probabilities(groups: dict[str, list[_Row]], faults: _Faults) -> list[float] | None:
    """One probability per scenario, or ``None`` for equally likely."""
    out: list[float | None] = []
    for name, rows in groups.items():
        given = {r.probability for r in rows if r.probability is not None}
        if len(given) > 1:
            faults.add(rows[0].line, "probability", f"scenario '{name}' has different "
                       f"probabilities on its rows ({', '.join(map(str, sorted(given)))})")
        out.append(next(iter(given)) if given else None)
    if all(p is None for p in out):
        return None
    blank = [name for name, p in zip(groups, out, strict=True) if p is None]
    if blank:
        faults.add(groups[blank[0]][0].line, "probability",
                   f"scenario '{blank[0]}' has no probability while others have one "
                   "(give every scenario one, or none for equally likely)")
        return None
    total = sum(p for p in out if p is not None)
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        faults.add(2, "probability", "probabilities must sum to 1", round(total, 12))
    return [p for p in out if p is not None]


def _check_months(groups: dict[str, list[_Row]], months: list[str], faults: _Faults) -> None:
    for name, rows in groups.items():
        seen: dict[str, int] = {}
        for r in rows:
            if r.month in seen:
                faults.add(r.line, "month", f"scenario '{name}' gives {r.month} twice (also "
                           f"line {seen[r.month]})", r.month)
            seen.setdefault(r.month, r.line)
        lacking = [m for m in months if m not in seen]
        if lacking:
            faults.add(rows[0].line, "month", f"scenario '{name}' has no row for "
                       f"{describe_months(lacking)}; every horizon month is needed")


def _fleet(fleet: Fleet, rows: list[_Row]) -> Fleet:
    fees = {p.month: p.fees_btc_per_block for p in project_fleet_market(fleet, react=False)}
    market = tuple(MarketMonth(
        month=r.month, fees_btc_per_block=fees[r.month],
        btc_price_usd=r.btc_price_usd if r.network_hashrate_ehs is not None else None,
        network_hashrate_ehs=r.network_hashrate_ehs if r.btc_price_usd is not None else None,
        hashprice_usd_ph_day=r.hashprice_usd_ph_day) for r in sorted(rows,
                                                                     key=lambda r: r.month))
    return fleet.model_copy(update={"market": market})


def read_paths(path: str | Path, fleet: Fleet) -> ScenarioSet:
    """The scenario set of the CSV at ``path`` for ``fleet``.

    Raises:
        InputError: the file is missing or has faults; every problem at its cell.
    """
    where = Path(path)
    if not where.is_file():
        raise InputError([Problem(where.name, f"no scenario paths file at {where}")])
    with where.open(newline="", encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    return paths_set(lines, where.name, fleet, source=str(where))


def paths_set(lines: list[list[str]], sheet: str, fleet: Fleet, *,
              source: str | None = None) -> ScenarioSet:
    """The scenario set of rows of text cells (the header first), as a CSV file or a
    ``ScenarioPaths`` sheet gives them; faults are told at ``sheet!C4``.

    Raises:
        InputError: faults in the rows; every problem at its cell.
    """
    months = month_range(fleet.settings.start_month, fleet.settings.months)
    rows, faults = _read_rows(lines, sheet, months)
    groups: dict[str, list[_Row]] = {}
    for r in rows:
        groups.setdefault(r.scenario, []).append(r)
    if not groups and not faults.problems:
        faults.add(2, "scenario", f"{sheet} has no scenario rows")
    _check_months(groups, months, faults)
    probabilities = _probabilities(groups, faults)
    delays = _site_table(groups, faults, fleet, DELAY_COLUMN, 0.0)
    factors = _site_table(groups, faults, fleet, FACTOR_COLUMN, 1.0)
    if faults.problems:
        raise InputError(faults.problems, source=source)
    fleets = [_fleet(fleet, group) for group in groups.values()]
    if factors is not None:
        fleets = [scaled_power_fleet(f, row, scenario=name, sheet=sheet)
                  for f, row, name in zip(fleets, factors, groups, strict=True)]
    return scenario_set(fleets, probabilities, list(groups),
                        None if delays is None else [[int(d) for d in row] for row in delays])


def _column_sites(faults: _Faults, fleet: Fleet, kind: str) -> dict[str, list[int]]:
    """Each column of ``kind`` -> the sites it applies to (every site without a
    ``[site]``); a column naming no site is a fault at its header."""
    index = {s.name.strip().lower(): i for i, s in enumerate(fleet.sites)}
    out: dict[str, list[int]] = {}
    for column in faults.columns:
        if column == kind:
            out[column] = list(range(len(fleet.sites)))
        elif column.startswith(kind + "["):
            site = column[len(kind) + 1:-1]
            if site.strip().lower() in index:
                out[column] = [index[site.strip().lower()]]
            else:
                names = ", ".join(s.name for s in fleet.sites)
                faults.add(1, column, f"{column} names no site (the sites are {names})",
                           site)
    return out


def _site_table(groups: dict[str, list[_Row]], faults: _Faults, fleet: Fleet, kind: str,
                blank: float) -> list[list[float]] | None:
    """``[W, S]`` values of the ``kind`` columns (a site's own column over the every-site
    one, ``blank`` where neither gives one), or ``None`` when no column of it is there."""
    sites = _column_sites(faults, fleet, kind)
    if not sites:
        return None
    table = [[blank] * len(fleet.sites) for _ in groups]
    order = sorted(sites, key=lambda c: c != kind)  # every site first, then one
    for w, (name, rows) in enumerate(groups.items()):
        for column in order:
            given = [(r.line, r.delays[column]) for r in rows if column in r.delays]
            other = next((line for line, v in given if v != given[0][1]), None)
            if other is not None:
                shown = ", ".join(dict.fromkeys(f"{v:g}" for _, v in given))
                faults.add(other, column, f"scenario '{name}' has different {column} on "
                           f"its rows ({shown}); give one, on any row, or the same on each")
            for s in sites[column] if given else []:
                table[w][s] = given[0][1]
    return table
