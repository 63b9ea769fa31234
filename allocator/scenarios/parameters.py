"""The registry of inputs a scenario can change, and name lookup; it changes no fleet itself.

:data:`PARAMETERS` lists every number of the market, the sites, the contracts and Settings
that a :class:`~allocator.scenarios.changes.Change` (or a sweep) may name, with its scope,
the kind of value it takes, plain words and unit. :func:`resolve_parameter` finds the one a
change means (``start_month`` is the Settings key without a target and the contract field
with one); an unknown name raises a :class:`KeyError` that lists the valid ones.
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
    "find_parameter",
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
    """

    name: str
    scope: Scope
    kind: ValueKind
    label: str
    unit: str = ""

    @property
    def percent_above(self) -> float | None:
        """The domain field's :class:`~allocator.domain.PercentAbove` limit, for rates and
        shares: a ``set`` or ``add`` value beyond it looks like a percent typed as a number."""
        model = _MODELS.get(self.scope)
        return percent_limit(model, self.name) if model is not None else None


_MODELS: dict[str, type[BaseModel]] = {"site": Site, "contract": Contract, "settings": Settings}


def _p(name: str, scope: Scope, kind: ValueKind, label: str, unit: str = "") -> Parameter:
    return Parameter(name, scope, kind, label, unit)


PARAMETERS: tuple[Parameter, ...] = (
    # Market: every row, and so the months projected from the last one.
    _p("btc_price_usd", "market", "number", "the BTC price", "$"),
    _p("network_hashrate_ehs", "market", "number", "network hashrate", "EH/s"),
    _p("fees_btc_per_block", "market", "number", "fees per block", "BTC"),
    _p("hashprice_usd_ph_day", "market", "number", "hashprice", "$/PH/day"),
    # Sites.
    _p("capacity_mw", "site", "number", "grid capacity", "MW"),
    _p("power_price_usd_mwh", "site", "number", "the power price", "$/MWh"),
    _p("mining_pue", "site", "number", "mining PUE"),
    _p("hpc_pue", "site", "number", "HPC PUE"),
    _p("uptime", "site", "fraction", "uptime", "%"),
    _p("mining_opex_usd_mw_month", "site", "number", "mining opex", "$/MW-month"),
    _p("hpc_existing_mw", "site", "number", "existing HPC space", "MW"),
    _p("hpc_convertible_mw", "site", "number", "convertible space", "MW"),
    _p("conversion_capex_usd_mw", "site", "number", "conversion capex", "$/MW"),
    _p("conversion_lead_months", "site", "integer", "the conversion lead time", "months"),
    _p("hpc_opex_usd_mw_month", "site", "number", "HPC opex", "$/MW-month"),
    _p("hpc_load_factor", "site", "fraction", "the HPC load factor", "%"),
    _p("conversion_block_mw", "site", "number", "the conversion block", "MW"),
    # Contracts.
    _p("rate_usd_kw_month", "contract", "number", "the rate", "$/kW-month"),
    _p("min_mw", "contract", "number", "the minimum commitment", "MW"),
    _p("max_mw", "contract", "number", "the maximum commitment", "MW"),
    _p("start_month", "contract", "month", "the start month"),
    _p("term_months", "contract", "integer", "the term", "months"),
    _p("escalator_pa", "contract", "fraction", "the escalator", "%/yr"),
    # Settings.
    _p("start_month", "settings", "month", "the plan's start month"),
    _p("months", "settings", "integer", "the horizon", "months"),
    _p("discount_rate", "settings", "fraction", "the discount rate", "%/yr"),
    _p("pool_fee", "settings", "fraction", "the pool fee", "%"),
    _p("halving_month", "settings", "month", "the halving month"),
    _p("asset_life_years", "settings", "number", "the asset life", "years"),
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
