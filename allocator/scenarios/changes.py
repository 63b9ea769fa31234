"""What-if scenarios as validated changes to a Fleet; no solver, no Excel and no file I/O here.

A :class:`Scenario` is a name and a list of :class:`Change` rows (``parameter``, ``operation``
``set`` | ``scale`` | ``add``, ``value``, optional ``target``), as in the workbook's
``Scenarios`` sheet (read by :mod:`allocator.workbook.scenarios_sheet`).
:func:`apply_changes` returns the modified copy of a Fleet, validated like the original
(:func:`allocator.scenarios.input_diff.input_diff` lists what a scenario changed, field by
field).

The parameters (:data:`~allocator.scenarios.parameters.PARAMETERS`) cover every number of
the market, the sites, the contracts and Settings:

- market parameters (``btc_price_usd``, ``network_hashrate_ehs``, ``difficulty``,
  ``fees_btc_per_block``, ``hashprice_usd_ph_day``) apply to every Market row and so to the
  months filled between rows and projected after the last one; they take no target. Scaling
  or adding to ``hashprice_usd_ph_day`` where a row gives none starts from the hashprice the
  row implies; changing ``network_hashrate_ehs`` on a row that gives ``difficulty`` (or the
  other way round) starts from the figure the row implies and leaves the row in the new form;
- site parameters apply to the site named in ``target``, or to every site when it is blank;
  ``power_price_usd_mwh`` changes the site's ``PowerPrices`` rows too, and the bin prices of
  its hourly price curves (:mod:`allocator.power.shift`), so the change holds in every month;
- contract parameters apply to the contract named in ``target``, or to every contract;
- Settings keys take no target. ``start_month`` is the Settings key when ``target`` is blank
  and the contract's start when ``target`` names a contract.

Months (``halving_month``, ``start_month``) accept ``set`` to a month and ``add`` of whole
months; a ``halving_date`` moves with its ``halving_month`` (same day). Whole-number
parameters (``months``, ``term_months``, ``conversion_lead_months``) are rounded to the
nearest whole number after ``scale`` or ``add``. Settings changes apply first,
the others in the order given, so a hashprice derived for a market change uses the scenario's
own halving month.

Each field is changed by one row at most: two rows of one scenario that name the same
parameter for the same target (or for all, blank target) would compound (x0.9 then x0.8), so
they are refused, both rows' cells named. A ``set`` or ``add`` value of a rate or share beyond
its :class:`~allocator.domain.PercentAbove` limit (``btc_price_growth_pa set 5``) is refused as
a percent typed as a number, as in the workbook.

``construction_delay_months`` (a site's target, or every site) is no fleet number but a
slip of a future of a stochastic plan (:mod:`allocator.stochastic.delays`): it is checked
here (``set`` to whole months within the horizon) and applied only by
:func:`allocator.stochastic.sheet_set.sheet_scenario_set`; :func:`apply_changes` refuses it.

A scenario with no changes is the base case under that name; :data:`BASE` names the base case
when no scenario does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from allocator.domain import (
    Contract,
    Fleet,
    MarketMonth,
    PowerPrice,
    PriceCurve,
    Settings,
    Site,
    percent_typo,
)
from allocator.errors import InputError, Problem
from allocator.periods import add_months, is_month
from allocator.power.shift import shift_curves
from allocator.scenarios.market_rows import (
    market_base_value,
    shift_halving_date,
)
from allocator.scenarios.parameters import (
    OPERATIONS,
    Operation,
    Parameter,
    resolve_parameter,
    valid_targets,
)

__all__ = [
    "BASE",
    "SCENARIO_SHEET",
    "Change",
    "Operation",
    "Scenario",
    "apply_changes",
    "apply_scenario",
    "is_stochastic_only",
    "resolve_parameter",
    "scenario_problems",
    "select_scenarios",
    "with_base",
]
# Operation and resolve_parameter live in allocator.scenarios.parameters; they are exported
# here too because the Scenarios sheet reader imports them with the records they describe.

BASE = "Base"
"""Name of the unchanged case when no scenario without changes names it."""

SCENARIO_SHEET = "Scenarios"
"""``Problem.sheet`` for faults of scenarios built in code (the sheet reader uses its own)."""

_MAX_LISTED = 12


def _listing(names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f", ... ({len(names)} in all)" if len(names) > _MAX_LISTED else "")


# ----------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Change:
    """One row of a scenario: change ``parameter`` of ``target`` (or all) by ``operation``.

    Attributes:
        parameter: A name from :data:`PARAMETERS`.
        operation: ``set`` (to ``value``), ``scale`` (multiply by it) or ``add``.
        value: A number, or a ``YYYY-MM`` month when setting a month parameter.
        target: A site or contract name; ``None`` means every site or contract.
        sheet: Sheet the row came from, for problem reports.
        cells: Field name -> cell address (``value`` -> ``D5``), when read from a sheet.
    """

    parameter: str
    operation: Operation
    value: float | str
    target: str | None = None
    sheet: str = field(default=SCENARIO_SHEET, compare=False)
    cells: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def where(self, name: str = "value") -> str | None:
        """Cell address of ``name`` (``value`` by default), else of the scenario name."""
        return self.cells.get(name) or self.cells.get("scenario")

    def describe(self) -> str:
        """The row in words: ``btc_price_usd scale 0.7`` or ``rate_usd_kw_month of X set 140``."""
        of = f" of {self.target}" if self.target else ""
        return f"{self.parameter}{of} {self.operation} {_show(self.value)}"


@dataclass(frozen=True)
class Scenario:
    """A named set of changes; no changes means the base case under this name."""

    name: str
    changes: tuple[Change, ...] = ()
    probability: float | None = None
    """Its probability as a future of a stochastic plan, when the sheet gives one."""
    probability_cell: str | None = None
    """Where the probability is (or would be) given: ``Scenarios!F2``."""

    @property
    def is_base(self) -> bool:
        """True when the scenario changes nothing."""
        return not self.changes


def with_base(scenarios: Sequence[Scenario]) -> tuple[Scenario, ...]:
    """``scenarios`` with the base case first, named :data:`BASE`, unless one already is."""
    if any(s.is_base for s in scenarios):
        return tuple(scenarios)
    return (Scenario(BASE), *scenarios)


def select_scenarios(
    scenarios: Sequence[Scenario], names: Sequence[str] | None, reference: str | None = None
) -> tuple[tuple[Scenario, ...], str]:
    """The scenarios named in ``names`` (all when ``None``) and the reference case's name.

    The reference defaults to the first scenario without changes; it is kept in the selection
    even when ``names`` leaves it out, since every delta is taken against it.

    Raises:
        InputError: an unknown name; the message lists the available ones.
    """
    available = [s.name for s in scenarios]
    problems = []
    for name in [*(names or ()), *([reference] if reference else [])]:
        if name not in available:
            problems.append(Problem(
                SCENARIO_SHEET, f"Unknown scenario '{name}'. Available: {', '.join(available)}"))
    if problems:
        raise InputError(problems)
    ref = reference or next((s.name for s in scenarios if s.is_base), available[0])
    if names is None:
        return tuple(scenarios), ref
    wanted = {*names, ref}
    return tuple(s for s in scenarios if s.name in wanted), ref


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


# ---------------------------------------------------------------------------------- checking


def _change_problems(fleet: Fleet, change: Change, scenario: str) -> list[Problem]:
    """Faults of one change that do not need the change applied: names, targets, value kind."""
    sheet = change.sheet
    head = f"scenario '{scenario}': "
    try:
        param = resolve_parameter(change.parameter, change.target)
    except KeyError as exc:
        return [Problem(sheet, head + str(exc.args[0]), cell=change.where("parameter"),
                        column="parameter", record=scenario)]
    problems = []
    if change.operation not in OPERATIONS:
        problems.append(Problem(
            sheet, head + f"operation must be one of {', '.join(OPERATIONS)}",
            cell=change.where("operation"), column="operation", value=change.operation,
            record=scenario))
    targets = valid_targets(fleet, param)
    if change.target:
        if param.scope in ("market", "settings"):
            where = "every Market row" if param.scope == "market" else "Settings"
            problems.append(Problem(
                sheet, head + f"{param.name} applies to {where} and takes no target; leave "
                "target blank", cell=change.where("target"), column="target",
                value=change.target, record=scenario))
        elif change.target not in targets:
            kind = f"{param.scope}s"
            problems.append(Problem(
                sheet, head + f"unknown target '{change.target}' for {param.name}; valid "
                f"targets ({kind}): {_listing(targets) or 'none'}, or blank for all",
                cell=change.where("target"), column="target", record=scenario))
    if param.stochastic_only:
        problems += _slip_problems(fleet, change, param, head, scenario)
    elif param.kind == "month":
        if change.operation == "scale":
            problems.append(Problem(
                sheet, head + f"{param.name} is a month: use set (to a month) or add (whole "
                "months), not scale", cell=change.where("operation"), column="operation",
                value=change.operation, record=scenario))
        elif change.operation == "set" and not (
            isinstance(change.value, str) and is_month(change.value)
        ):
            problems.append(Problem(
                sheet, head + f"set {param.name} needs a month written YYYY-MM",
                cell=change.where("value"), column="value", value=change.value, record=scenario))
        elif change.operation == "add" and not _whole(change.value):
            problems.append(Problem(
                sheet, head + f"add to {param.name} needs a whole number of months",
                cell=change.where("value"), column="value", value=change.value, record=scenario))
    elif isinstance(change.value, str) or not math.isfinite(change.value):
        problems.append(Problem(sheet, head + f"{param.name} needs a number",
                                cell=change.where("value"), column="value", value=change.value,
                                record=scenario))
    elif change.operation != "scale" and (
        typo := percent_typo(float(change.value), param.percent_above)
    ):
        number = float(change.value)
        problems.append(Problem(sheet, head + f"{change.describe()}: {typo}",
                                cell=change.where("value"), column="value",
                                value=int(number) if number.is_integer() else number,
                                record=scenario))
    return problems


def _slip_problems(fleet: Fleet, change: Change, param: Parameter, head: str,
                   scenario: str) -> list[Problem]:
    """A future's slip: ``set`` to a whole number of months from 0 to the horizon."""
    if change.operation != "set":
        return [Problem(change.sheet, head + f"{param.name} is a slip of this future: use "
                        "set (to whole months)", cell=change.where("operation"),
                        column="operation", value=change.operation, record=scenario)]
    value, months = change.value, fleet.settings.months
    why = ("cannot be negative" if isinstance(value, int | float) and value < 0 else
           "must be a whole number of months" if not _whole(value) else
           f"is beyond the horizon of {months} months" if float(value) > months else None)
    return [] if why is None else [Problem(
        change.sheet, head + f"{param.name} {why} (got {_show(value)})",
        cell=change.where("value"), column="value", value=value, record=scenario)]


def is_stochastic_only(change: Change) -> bool:
    """True for a change that only a stochastic plan's futures take (a construction slip)."""
    try:
        return resolve_parameter(change.parameter, change.target).stochastic_only
    except KeyError:
        return False


def _repeat_problems(changes: Sequence[Change], scenario: str) -> list[Problem]:
    """Rows of one scenario that change the same field again, which would compound.

    Two rows overlap when they name the same parameter and the same target, or when either
    has no target (it changes every site or contract); each repeat is reported at its
    parameter cell, naming the earlier row's cell.
    """
    problems: list[Problem] = []
    seen: list[tuple[Parameter, Change]] = []
    for change in changes:
        try:
            param = resolve_parameter(change.parameter, change.target)
        except KeyError:
            continue  # reported by _change_problems
        for earlier_param, earlier in seen:
            if earlier_param != param or (
                earlier.target and change.target and earlier.target != change.target
            ):
                continue
            cell = earlier.where("parameter")
            where = f" ({earlier.sheet}!{cell})" if cell else ""
            problems.append(Problem(
                change.sheet, f"scenario '{scenario}': {change.describe()} changes what "
                f"{earlier.describe()}{where} already changes, and one scenario's rows would "
                "compound; give one row per parameter and target",
                cell=change.where("parameter"), column="parameter", record=scenario))
            break
        seen.append((param, change))
    return problems


def _whole(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and float(
        value).is_integer()


def scenario_problems(fleet: Fleet, scenarios: Sequence[Scenario]) -> list[Problem]:
    """Every fault of ``scenarios`` against ``fleet``, each at its cell when known.

    Covers unknown parameters and targets, wrong operations or value kinds, and results the
    domain rejects (``uptime`` scaled above 1, a start month before the Market sheet, ...).
    """
    problems: list[Problem] = []
    names: dict[str, Scenario] = {}
    for scenario in scenarios:
        names.setdefault(scenario.name, scenario)
    if BASE in names and not names[BASE].is_base:
        first = names[BASE].changes[0]
        problems.append(Problem(
            first.sheet, f"'{BASE}' names the unchanged case; give this scenario another name",
            cell=first.where("scenario"), column="scenario", value=BASE))
    for scenario in scenarios:
        found = [p for c in scenario.changes for p in _change_problems(fleet, c, scenario.name)]
        found += _repeat_problems(scenario.changes, scenario.name)
        if found:
            problems += found
            continue
        try:  # a slip is checked above; only a stochastic plan applies it
            apply_changes(fleet, [c for c in scenario.changes if not is_stochastic_only(c)],
                          scenario=scenario.name)
        except InputError as exc:
            problems += exc.problems
    return problems


# ---------------------------------------------------------------------------------- applying


@dataclass
class _Records:
    """A fleet as mutable dicts, and which change last touched each field."""

    settings: dict[str, Any]
    sites: list[dict[str, Any]]
    contracts: list[dict[str, Any]]
    market: list[dict[str, Any]]
    power_prices: list[dict[str, Any]]
    touched: dict[tuple[str, int, str], Change] = field(default_factory=dict)


def _operate(old: Any, change: Change, param: Parameter) -> Any:
    """The new value of one field."""
    if param.kind == "month":
        if change.operation == "set":
            return change.value
        return add_months(str(old), int(float(change.value)))
    value = float(change.value)
    if change.operation == "set":
        new = value
    elif old is None:
        raise _BlankBase()
    elif change.operation == "scale":
        new = float(old) * value
    else:
        new = float(old) + value
    if param.kind == "integer":
        return math.floor(new + 0.5)
    return new


class _BlankBase(Exception):
    """``scale`` or ``add`` on a field that is blank in the base case."""


def apply_changes(fleet: Fleet, changes: Iterable[Change], *, scenario: str = "") -> Fleet:
    """A copy of ``fleet`` with ``changes`` applied and validated like the original.

    Args:
        fleet: The base case.
        changes: The scenario's rows (see the module docstring for how each applies).
        scenario: Its name, for problem reports.

    Returns:
        The modified fleet (``fleet`` itself is frozen and unchanged).

    Raises:
        InputError: a change names an unknown parameter or target, has the wrong kind of
            value, sets or adds a rate as a percent number (``btc_price_growth_pa set 5``),
            changes a field an earlier change already changes, or gives a value the domain
            rejects; every fault is listed, each at the change's cell when it came from a
            sheet.
    """
    changes = tuple(changes)
    name = scenario or "?"
    problems = [p for c in changes for p in _change_problems(fleet, c, name)]
    problems += _repeat_problems(changes, name)
    problems += [Problem(c.sheet, f"scenario '{name}': {c.parameter} is a slip of a future of "
                         "a stochastic plan (it defers the rent of the site's leases); only "
                         "allocator stochastic --scenarios prices it", cell=c.where("parameter"),
                         column="parameter", record=name)
                 for c in changes if is_stochastic_only(c)]
    if problems:
        raise InputError(problems)
    rec = _Records(
        settings=fleet.settings.model_dump(),
        sites=[s.model_dump() for s in fleet.sites],
        contracts=[c.model_dump() for c in fleet.contracts],
        market=[m.model_dump() for m in fleet.market],
        power_prices=[p.model_dump() for p in fleet.power_prices],
    )
    ordered = sorted(changes, key=lambda c: resolve_parameter(c.parameter, c.target).scope
                     != "settings")  # stable: Settings first, the rest in the given order
    for change in ordered:
        param = resolve_parameter(change.parameter, change.target)
        try:
            _apply_one(rec, change, param)
        except _BlankBase:
            problems.append(Problem(
                change.sheet, f"scenario '{name}': {param.name} is blank in the base case, so "
                f"it cannot be {'scaled' if change.operation == 'scale' else 'added to'}; "
                "use set", cell=change.where("operation"), column="operation",
                value=change.operation, record=name))
    if problems:
        raise InputError(problems)
    return _rebuild(fleet, rec, changes, name)


def _apply_one(rec: _Records, change: Change, param: Parameter) -> None:
    key = param.name
    if param.scope == "settings":
        rec.settings[key] = _operate(rec.settings[key], change, param)
        rec.touched[("settings", 0, key)] = change
        if key == "halving_month":
            shift_halving_date(rec.settings)
    elif param.scope == "site":
        for site in _apply_named(rec, rec.sites, "sites", change, param):
            if key == "power_price_usd_mwh":
                for j, price in enumerate(rec.power_prices):
                    if price["site"] == site["name"]:
                        price[key] = _operate(price[key], change, param)
                        rec.touched[("power_prices", j, key)] = change
    elif param.scope == "contract":
        _apply_named(rec, rec.contracts, "contracts", change, param)
    else:
        for i, row in enumerate(rec.market):
            old = market_base_value(row, key, change.operation, rec.settings)
            row[key] = _operate(old, change, param)
            rec.touched[("market", i, key)] = change


def _apply_named(rec: _Records, records: list[dict[str, Any]], collection: str,
                 change: Change, param: Parameter) -> list[dict[str, Any]]:
    """Change the field of every record ``change.target`` names (all when blank); those."""
    changed = []
    for i, record in enumerate(records):
        if change.target and record["name"] != change.target:
            continue
        record[param.name] = _operate(record[param.name], change, param)
        rec.touched[(collection, i, param.name)] = change
        changed.append(record)
    return changed


def _rebuild(fleet: Fleet, rec: _Records, changes: Sequence[Change], name: str) -> Fleet:
    problems: list[Problem] = []

    def build(model: type[BaseModel], collection: str, index: int, data: dict[str, Any],
              record: str) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                loc = str(error["loc"][0]) if error["loc"] else ""
                change = rec.touched.get((collection, index, loc)) or next(
                    (c for (coll, i, _), c in rec.touched.items()
                     if coll == collection and i == index), changes[0])
                value = data.get(loc)
                what = f"{loc or 'the row'} of {record}" if record else (loc or "Settings")
                message = error["msg"].removeprefix("Value error, ")
                problems.append(Problem(
                    change.sheet, f"scenario '{name}': {change.describe()} makes {what} "
                    f"{_show(value)}, but it {_rule(message)}",
                    cell=change.where("value"), column="value", record=name))
            return None

    settings = build(Settings, "settings", 0, rec.settings, "")
    sites = [build(Site, "sites", i, d, f"site '{d['name']}'") for i, d in enumerate(rec.sites)]
    contracts = [build(Contract, "contracts", i, d, f"contract '{d['name']}'")
                 for i, d in enumerate(rec.contracts)]
    market = [build(MarketMonth, "market", i, d, f"Market {d['month']}")
              for i, d in enumerate(rec.market)]
    prices = [build(PowerPrice, "power_prices", i, d, f"PowerPrices {d['site']} {d['month']}")
              for i, d in enumerate(rec.power_prices)]
    if problems:
        raise InputError(_unique(problems))
    try:
        return Fleet(settings=settings, sites=tuple(sites), miners=fleet.miners,
                     market=tuple(market), power_prices=tuple(prices),
                     contracts=tuple(contracts), network_fleet=fleet.network_fleet,
                     price_curves=_shifted_curves(fleet, changes))
    except ValidationError as exc:
        first = changes[0]
        raise InputError([
            Problem(first.sheet, f"scenario '{name}': {error['msg'].removeprefix('Value error, ')}",
                    cell=first.where("scenario"), column="scenario", record=name)
            for error in exc.errors(include_url=False)
        ]) from exc


def _shifted_curves(fleet: Fleet, changes: Sequence[Change]) -> tuple[PriceCurve, ...]:
    """The hourly price curves with each ``power_price_usd_mwh`` change applied to their
    prices too (:mod:`allocator.power.shift`), so it holds in months priced hourly."""
    curves = fleet.price_curves
    for change in changes:
        if curves and resolve_parameter(change.parameter, change.target).name == \
                "power_price_usd_mwh":
            curves = shift_curves(curves, change.operation, float(change.value),
                                  change.target)
    return curves


def _rule(message: str) -> str:
    """A pydantic message as the end of a sentence: ``must be less than or equal to 1``."""
    text = message[0].lower() + message[1:] if message else message
    if text.startswith("input should be"):
        return "must be" + text.removeprefix("input should be")
    return f"fails: {text}"


def _unique(problems: list[Problem]) -> list[Problem]:
    """One problem per (cell, message): scaling a field of 12 Market rows fails once."""
    seen: dict[tuple[str | None, str], Problem] = {}
    for p in problems:
        key = (p.cell, p.message.split(" makes ")[0] + p.message.rsplit(" but it ", 1)[-1])
        seen.setdefault(key, p)
    return list(seen.values())


def apply_scenario(fleet: Fleet, scenario: Scenario) -> Fleet:
    """``fleet`` changed by ``scenario`` (``fleet`` itself for the base case).

    Raises:
        InputError: see :func:`apply_changes`.
    """
    if scenario.is_base:
        return fleet
    return apply_changes(fleet, scenario.changes, scenario=scenario.name)
