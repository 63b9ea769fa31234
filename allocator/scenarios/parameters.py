"""The registry of inputs a scenario can change, and name lookup; it changes no fleet itself.

:data:`PARAMETERS` lists every number of the market, the sites, the contracts and Settings
that a :class:`~allocator.scenarios.changes.Change` (or a sweep) may name, with its scope,
the kind of value it takes, plain words and unit. :func:`resolve_parameter` finds the one a
change means (``start_month`` is the Settings key without a target and the contract field
with one); an unknown name raises a :class:`KeyError` that lists the valid ones. A
parameter may have a plausible range (:attr:`Parameter.plausible`): :func:`implausible` says
when values far outside it, or orders of magnitude from the fleet's own (:func:`base_values`),
look like a slip, such as factors given to ``set`` where ``scale`` was meant.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import BaseModel

from allocator.domain import Contract, Fleet, Settings, Site, percent_limit

__all__ = [
    "OPERATIONS",
    "PARAMETERS",
    "Operation",
    "Parameter",
    "Scope",
    "ValueKind",
    "base_values",
    "find_parameter",
    "implausible",
    "parameter_names",
    "resolve_parameter",
    "valid_targets",
]

Operation = Literal["set", "scale", "add"]
OPERATIONS: tuple[str, ...] = get_args(Operation)
Scope = Literal["market", "site", "contract", "settings"]
ValueKind = Literal["number", "integer", "fraction", "month"]


@dataclass(frozen=True)
class Parameter:
    """One input number a scenario can change.

    Attributes:
        name: The input's name (a workbook header or Settings key).
        scope: Which records it lives in: ``market``, ``site``, ``contract`` or ``settings``.
        kind: ``number``, ``integer`` (rounded), ``fraction`` (``5%`` accepted) or ``month``.
        label: Plain words for sentences: ``the BTC price``.
        unit: How a value is shown: ``$/kW-month``, ``MW``, ``%/yr``...
        plausible: ``(low, high)``: values outside this range are no real input (a BTC
            price of $1.50), or ``None`` when any value the domain accepts may be meant.
        stochastic_only: A property of a future of a stochastic plan, not of the fleet
            (``construction_delay_months``): only ``stochastic --scenarios`` takes it.
    """

    name: str
    scope: Scope
    kind: ValueKind
    label: str
    unit: str = ""
    plausible: tuple[float, float] | None = None
    stochastic_only: bool = False

    @property
    def percent_above(self) -> float | None:
        """The domain field's :class:`~allocator.domain.PercentAbove` limit, for rates and
        shares: a ``set`` or ``add`` value beyond it looks like a percent typed as a number."""
        model = _MODELS.get(self.scope)
        return percent_limit(model, self.name) if model is not None else None


_MODELS: dict[str, type[BaseModel]] = {"site": Site, "contract": Contract, "settings": Settings}


def _p(name: str, scope: Scope, kind: ValueKind, label: str, unit: str = "",
       plausible: tuple[float, float] | None = None) -> Parameter:
    return Parameter(name, scope, kind, label, unit, plausible)


PARAMETERS: tuple[Parameter, ...] = (
    # Market: every row, and so the months filled between rows and projected after the last.
    _p("btc_price_usd", "market", "number", "the BTC price", "$", (100, 1e8)),
    _p("network_hashrate_ehs", "market", "number", "network hashrate", "EH/s", (1, 1e6)),
    _p("difficulty", "market", "number", "the difficulty", "", (1e12, 1e18)),
    _p("fees_btc_per_block", "market", "number", "fees per block", "BTC", (0, 100)),
    _p("hashprice_usd_ph_day", "market", "number", "hashprice", "$/PH/day", (0.1, 1e5)),
    # Sites.
    _p("capacity_mw", "site", "number", "grid capacity", "MW"),
    _p("power_price_usd_mwh", "site", "number", "the power price", "$/MWh", (-1e4, 1e5)),
    _p("mining_pue", "site", "number", "mining PUE", "", (1, 5)),
    _p("hpc_pue", "site", "number", "HPC PUE", "", (1, 5)),
    _p("uptime", "site", "fraction", "uptime", "%"),
    _p("mining_opex_usd_mw_month", "site", "number", "mining opex", "$/MW-month"),
    _p("hpc_existing_mw", "site", "number", "existing HPC space", "MW"),
    _p("hpc_convertible_mw", "site", "number", "convertible space", "MW"),
    _p("conversion_capex_usd_mw", "site", "number", "conversion capex", "$/MW"),
    _p("conversion_lead_months", "site", "integer", "the conversion lead time", "months"),
    _p("hpc_opex_usd_mw_month", "site", "number", "HPC opex", "$/MW-month"),
    _p("hpc_load_factor", "site", "fraction", "the HPC load factor", "%"),
    _p("curtailment_strike_usd_mwh", "site", "number", "the curtailment strike", "$/MWh",
       (-1000, 20000)),
    _p("curtailment_capture", "site", "fraction", "the curtailment capture", "%"),
    _p("ppa_price_usd_mwh", "site", "number", "the PPA price", "$/MWh", (-1000, 20000)),
    _p("ppa_resale_discount", "site", "fraction", "the PPA resale discount", "%"),
    _p("ppa_mw", "site", "number", "the PPA block", "MW"),
    _p("four_cp_usd_kw_year", "site", "number", "the 4CP tariff", "$/kW-year", (0, 1000)),
    _p("demand_response_usd_mw_month", "site", "number", "the demand-response credit",
       "$/MW-month", (0, 1e6)),
    _p("conversion_block_mw", "site", "number", "the conversion block", "MW"),
    Parameter("construction_delay_months", "site", "integer", "the construction delay",
              "months", (0, 600), stochastic_only=True),
    # Contracts.
    _p("rate_usd_kw_month", "contract", "number", "the rate", "$/kW-month", (0, 1e4)),
    _p("min_mw", "contract", "number", "the minimum commitment", "MW"),
    _p("max_mw", "contract", "number", "the maximum commitment", "MW"),
    _p("start_month", "contract", "month", "the start month"),
    _p("term_months", "contract", "integer", "the term", "months"),
    _p("escalator_pa", "contract", "fraction", "the escalator", "%/yr"),
    _p("rent_free_months", "contract", "integer", "the rent-free months", "months"),
    _p("prepayment_share", "contract", "fraction", "the prepayment", "%"),
    _p("tenant_capex_usd_mw", "contract", "number", "the tenant-funded capex", "$/MW"),
    _p("default_probability_pa", "contract", "fraction", "the tenant's default probability",
       "%/yr"),
    _p("backstop_share", "contract", "fraction", "the backstop share", "%"),
    _p("delay_penalty_usd_kw_month", "contract", "number", "the delay penalty",
       "$/kW-month", (0, 1e4)),
    _p("renewal_options", "contract", "integer", "the renewal options", "options"),
    _p("renewal_term_months", "contract", "integer", "the renewal term", "months"),
    _p("renewal_probability", "contract", "fraction", "the renewal probability", "%"),
    _p("termination_probability_pa", "contract", "fraction",
       "the tenant's termination probability", "%/yr"),
    _p("termination_fee_months", "contract", "number", "the termination fee", "months"),
    _p("termination_fee_step_months", "contract", "number", "the termination fee's step",
       "months"),
    # Settings.
    _p("start_month", "settings", "month", "the plan's start month"),
    _p("months", "settings", "integer", "the horizon", "months"),
    _p("discount_rate", "settings", "fraction", "the discount rate", "%/yr"),
    _p("pool_fee", "settings", "fraction", "the pool fee", "%"),
    _p("halving_month", "settings", "month", "the halving month"),
    _p("asset_life_years", "settings", "number", "the asset life", "years", (1, 100)),
    _p("btc_price_growth_pa", "settings", "fraction", "BTC price growth", "%/yr"),
    _p("network_hashrate_growth_pa", "settings", "fraction", "network hashrate growth", "%/yr"),
    _p("min_fleet_hashrate_ehs", "settings", "number", "the minimum fleet hashrate", "EH/s"),
    _p("max_hpc_share", "settings", "fraction", "the maximum HPC share", "%"),
    _p("capex_budget_usd_per_year", "settings", "number", "the yearly capex budget", "$"),
    _p("max_conversion_mw_per_year", "settings", "number", "the yearly conversion limit", "MW"),
    _p("btc_price_volatility_pa", "settings", "fraction", "BTC price volatility", "%/yr"),
    _p("network_hashrate_volatility_pa", "settings", "fraction", "network hashrate volatility",
       "%/yr"),
    _p("btc_hashrate_correlation", "settings", "number", "the BTC-hashrate correlation"),
    _p("loan_to_cost", "settings", "fraction", "the loan-to-cost", "%"),
    _p("loan_coupon_pa", "settings", "fraction", "the loan coupon", "%/yr"),
    _p("loan_term_months", "settings", "integer", "the loan term", "months"),
    _p("four_cp_candidate_hours", "settings", "integer", "the 4CP candidate hours", "hours"),
    _p("cash_sweep_share", "settings", "fraction", "the cash sweep", "%"),
    _p("miner_capex_usd_th", "settings", "number", "the miner cost", "$/TH", (0, 1000)),
    _p("miner_life_months", "settings", "integer", "the miner life", "months"),
    _p("mining_overhead_usd_month", "settings", "number", "the mining overhead", "$/month"),
    _p("network_power_price_usd_mwh", "settings", "number", "the network's power price",
       "$/MWh", (0, 1000)),
)


def parameter_names() -> list[str]:
    """Every parameter name, once each, in the order of :data:`PARAMETERS`."""
    return list(dict.fromkeys(p.name for p in PARAMETERS))


def find_parameter(name: str) -> list[Parameter]:
    """The parameters called ``name`` (case and spaces ignored); ``[]`` when none.

    Only ``start_month`` has two: the Settings key and the contract field.
    """
    key = _normalize(name)
    return [p for p in PARAMETERS if p.name == key]


def resolve_parameter(name: str, target: str | None) -> Parameter:
    """The parameter a change means: ``start_month`` with a target is the contract's.

    Raises:
        KeyError: unknown name; the message lists the valid ones.
    """
    found = find_parameter(name)
    if not found:
        raise KeyError(_unknown_parameter(name))
    if len(found) > 1:
        wanted: Scope = "contract" if target else "settings"
        found = [p for p in found if p.scope == wanted]
    return found[0]


def valid_targets(fleet: Fleet, parameter: Parameter) -> list[str]:
    """Names a change of ``parameter`` may target (empty: it takes no target)."""
    if parameter.scope == "site":
        return [s.name for s in fleet.sites]
    if parameter.scope == "contract":
        return [c.name for c in fleet.contracts]
    return []


def base_values(fleet: Fleet, parameter: Parameter, target: str | None = None) -> list[float]:
    """The numbers ``parameter`` has in ``fleet`` (of ``target`` only, when given); blanks
    and months are left out."""
    if parameter.scope == "settings":
        records: list[BaseModel] = [fleet.settings]
    elif parameter.scope == "site":
        records = [s for s in fleet.sites if not target or s.name == target]
    elif parameter.scope == "contract":
        records = [c for c in fleet.contracts if not target or c.name == target]
    else:
        records = list(fleet.market)
    values = [getattr(r, parameter.name, None) for r in records]
    return [float(v) for v in values
            if isinstance(v, int | float) and not isinstance(v, bool)]


FAR_FACTOR = 100.0
"""Values this many times above or below every one of the fleet's are called far from it."""


def implausible(parameter: Parameter, operation: str, low: float, high: float,
                base: list[float]) -> tuple[bool, str] | None:
    """Whether values ``low`` to ``high`` applied by ``operation`` look like a slip.

    Returns:
        ``None`` when they look meant; else ``(refuse, reason)``: ``refuse`` when the values
        leave the plausible range (a BTC price of $0.50), otherwise they are only orders of
        magnitude (:data:`FAR_FACTOR`) from every base value, which deserves a warning. The
        reason names the likely intent (``did you mean --operation scale?``).
    """
    if parameter.kind == "month" or not base:
        return None
    new = _results(operation, low, high, base)
    outside = parameter.plausible is not None and not _within(new, parameter.plausible)
    far = not outside and _far(new, base)
    if not outside and not far:
        return None
    shown = f"{_show(parameter, min(new))} to {_show(parameter, max(new))}"
    have = f"{_show(parameter, min(base))} to {_show(parameter, max(base))}"
    if min(base) == max(base):
        have = _show(parameter, base[0])
    reason = f"{operation} {low:g} to {high:g} makes {parameter.label} {shown}"
    if outside and parameter.plausible is not None:
        lo, hi = parameter.plausible
        reason += (f", outside its plausible range of {_show(parameter, lo)} to "
                   f"{_show(parameter, hi)} (the fleet has {have})")
    else:
        reason += f", over {FAR_FACTOR:g} times away from the fleet's {have}"
    for other in OPERATIONS:
        if other == operation:
            continue
        guess = _results(other, low, high, base)
        if (parameter.plausible is None or _within(guess, parameter.plausible)) and \
                not _far(guess, base):
            reason += f"; did you mean --operation {other}?"
            break
    return outside, reason


def _results(operation: str, low: float, high: float, base: list[float]) -> list[float]:
    if operation == "scale":
        return [b * x for b in (min(base), max(base)) for x in (low, high)]
    if operation == "add":
        return [b + x for b in (min(base), max(base)) for x in (low, high)]
    return [low, high]


def _within(values: list[float], bounds: tuple[float, float]) -> bool:
    return all(bounds[0] <= v <= bounds[1] for v in values)


def _far(values: list[float], base: list[float]) -> bool:
    """Some value is over FAR_FACTOR times from every positive base value."""
    positive = [b for b in base if b > 0]
    if not positive:
        return False
    lo, hi = min(positive), max(positive)
    return any(0 < abs(v) < lo / FAR_FACTOR or abs(v) > hi * FAR_FACTOR for v in values)


def _show(parameter: Parameter, x: float) -> str:
    unit = parameter.unit
    number = f"{x:,.2f}" if abs(x) < 100 else f"{x:,.0f}"
    if unit.startswith("$"):
        sign, number = ("-", number[1:]) if number.startswith("-") else ("", number)
        return f"{sign}${number}{'' if unit == '$' else unit[1:]}"
    return f"{number} {unit}".rstrip()


def _normalize(text: str) -> str:
    return "_".join(str(text).strip().lower().replace("-", " ").replace("_", " ").split())


def _unknown_parameter(name: str) -> str:
    names = parameter_names()
    close = difflib.get_close_matches(_normalize(name), names, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    groups = []
    for scope, title in (("market", "market"), ("site", "site"), ("contract", "contract"),
                         ("settings", "Settings")):
        group = [p.name for p in PARAMETERS if p.scope == scope]
        groups.append(f"{title}: {', '.join(group)}")
    return f"unknown parameter '{name}'{hint or '.'} Parameters - " + "; ".join(groups)
