"""The workbook contract as data: every input sheet, column, unit and meaning; no I/O here.

The reader, the template writer and the docs all read this one table, so a column is added
in one place. ``field`` is the domain attribute the column fills (see ``allocator.domain``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Literal

import annotated_types
from pydantic import BaseModel

from allocator.catalog import EFFICIENCY_TOLERANCE, CatalogModel
from allocator.domain import (
    Contract,
    MarketMonth,
    MinerTranche,
    PowerPrice,
    Settings,
    Site,
    percent_limit,
)

__all__ = [
    "BAD_SHEET_CHARS",
    "CATALOG_SHEET",
    "INPUT_SHEETS",
    "OUTPUT_COLUMNS",
    "OUTPUT_SHEETS",
    "RESULT_SHEETS",
    "SETTINGS_KEYS",
    "ColumnSpec",
    "Kind",
    "SheetSpec",
    "normalize_header",
    "output_label",
    "output_note",
    "sheet_key",
    "sheet_spec",
]

Kind = Literal["text", "number", "integer", "month", "fraction", "bool", "list", "choice"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input sheet (or one key of ``Settings``).

    Attributes:
        header: Canonical header text, e.g. ``capacity_mw``.
        field: Domain attribute it fills.
        kind: How a cell is parsed: ``fraction`` accepts ``0.02`` or ``2%``; ``bool`` accepts
            yes/no/true/false/1/0; ``list`` is comma-separated names (``"Abilene, TX", Bravo``
            quotes one holding a comma); ``month`` is ``YYYY-MM`` text or a real date.
        required: A blank cell is an error (otherwise the domain default applies).
        unit: Unit shown in the template comment.
        description: Meaning shown in the template comment and the docs.
        choices: Fixed choices (template dropdown) for ``bool`` and ``choice`` kinds.
        example: A typical value, for the template and the docs.
        percent_above: For a rate or share, the domain field's
            :class:`~allocator.domain.PercentAbove` limit: a plain number above it (in
            size, up to 100 times it) is taken for a percent typed without ``%`` and refused
            (``97`` for uptime: enter 0.97). ``None`` for other columns.
        bounds: The domain field's bounds in words (``0 to 1``, ``above 0``), for the
            template notes; ``None`` when it has none.
    """

    header: str
    field: str
    kind: Kind
    required: bool
    unit: str
    description: str
    choices: tuple[str, ...] = ()
    example: object = None
    percent_above: float | None = None
    bounds: str | None = None


@dataclass(frozen=True)
class SheetSpec:
    """One input sheet: its name, whether it must exist, and its columns."""

    name: str
    required: bool
    description: str
    columns: tuple[ColumnSpec, ...]
    key_value: bool = False  # Settings is written as key | value rows

    def column(self, header: str) -> ColumnSpec:
        """The column whose normalized header is ``header``."""
        wanted = normalize_header(header)
        for col in self.columns:
            if normalize_header(col.header) == wanted:
                return col
        raise KeyError(header)


def normalize_header(text: object) -> str:
    """Case- and space-insensitive header key: ``' Capacity MW '`` -> ``capacity_mw``."""
    return "_".join(str(text).strip().lower().replace("-", " ").replace("_", " ").split())


_YES_NO = ("yes", "no")


def _percent_note(limit: float) -> str:
    """The sentence the docs and template notes give a column with a percent limit."""
    note = (f"A plain number above {limit:g} in size (up to {100 * limit:g}) is taken for a "
            "percent typed without % and refused: enter 0.05 or 5% for 5 %.")
    if limit > 1:
        note += f" A rate above {100 * limit:g} % needs its % sign (300%)."
    return note


def _bounds(model: type[BaseModel], field: str) -> str | None:
    """``model``'s bounds on ``field`` in words: ``0 to 1``, ``above 0``, ``above -1, at most
    10``; ``None`` when it has none."""
    info = model.model_fields.get(field)
    found: dict[str, float] = {}
    for item in info.metadata if info is not None else ():
        for name in ("gt", "ge", "lt", "le"):
            if isinstance(item, getattr(annotated_types, name.capitalize())):
                found[name] = getattr(item, name)
    low = (f"at least {found['ge']:g}" if "ge" in found
           else f"above {found['gt']:g}" if "gt" in found else None)
    high = (f"at most {found['le']:g}" if "le" in found
            else f"below {found['lt']:g}" if "lt" in found else None)
    if "ge" in found and "le" in found:
        return f"{found['ge']:g} to {found['le']:g}"
    return ", ".join(part for part in (low, high) if part) or None


def _with_percent_rule(model: type[BaseModel],
                       columns: tuple[ColumnSpec, ...]) -> tuple[ColumnSpec, ...]:
    """``columns`` with each field's bounds, and each rate's or share's limit, from
    ``model``'s field metadata."""
    out = []
    for col in columns:
        col = dataclasses.replace(col, bounds=_bounds(model, col.field))
        limit = percent_limit(model, col.field)
        if limit is not None:
            col = dataclasses.replace(col, percent_above=limit,
                                      description=f"{col.description} {_percent_note(limit)}")
        out.append(col)
    return tuple(out)

SETTINGS_KEYS: tuple[ColumnSpec, ...] = _with_percent_rule(Settings, (
    ColumnSpec("start_month", "start_month", "month", False, "YYYY-MM",
               "First month of the plan; default: the first Market month.", example="2026-01"),
    ColumnSpec("months", "months", "integer", False, "months",
               "Plan horizon in months; default: every Market month from start_month.",
               example=60),
    ColumnSpec("discount_rate", "discount_rate", "fraction", False, "per year",
               "Annual discount rate for NPV and the capital charge; default 0.", example=0.10),
    ColumnSpec("pool_fee", "pool_fee", "fraction", False, "fraction of revenue",
               "Mining pool fee; default 0.", example=0.02),
    ColumnSpec("halving_month", "halving_month", "month", False, "YYYY-MM",
               "Month the block subsidy halves to 1.5625 BTC (and every 48 months after); "
               "default 2028-04.", example="2028-04"),
    ColumnSpec("asset_life_years", "asset_life_years", "number", False, "years",
               "Life over which conversion capex is recovered; default 15.", example=15),
    ColumnSpec("btc_price_growth_pa", "btc_price_growth_pa", "fraction", False, "per year",
               "Growth of BTC price for months after the last Market row; default 0.",
               example=0.0),
    ColumnSpec("network_hashrate_growth_pa", "network_hashrate_growth_pa", "fraction", False,
               "per year", "Growth of network hashrate after the last Market row; default 0.",
               example=0.20),
    ColumnSpec("solver", "solver", "text", False, "name",
               "LP solver: highs (default), cbc, glpk or any installed PuLP solver.",
               example="highs"),
    ColumnSpec("min_fleet_hashrate_ehs", "min_fleet_hashrate_ehs", "number", False, "EH/s",
               "Policy: keep at least this fleet hashrate running every month; blank = none."),
    ColumnSpec("max_hpc_share", "max_hpc_share", "fraction", False, "fraction of grid MW",
               "Policy: HPC (existing + converted, at HPC PUE) at most this share of fleet "
               "capacity_mw in every month; blank = none."),
    ColumnSpec("capex_budget_usd_per_year", "capex_budget_usd_per_year", "number", False,
               "USD per calendar year",
               "Policy: conversion capex started in a calendar year at most this; blank = none."),
    ColumnSpec("max_conversion_mw_per_year", "max_conversion_mw_per_year", "number", False,
               "IT MW per calendar year",
               "Policy: IT MW whose conversion starts in a calendar year at most this; "
               "blank = none."),
    ColumnSpec("btc_price_volatility_pa", "btc_price_volatility_pa", "fraction", False,
               "per year", "Monte Carlo: annual volatility of BTC price around the outlook "
               "(sweep --samples); blank = none.", example=0.5),
    ColumnSpec("network_hashrate_volatility_pa", "network_hashrate_volatility_pa", "fraction",
               False, "per year", "Monte Carlo: annual volatility of network hashrate around "
               "the outlook; blank = none.", example=0.15),
    ColumnSpec("btc_hashrate_correlation", "btc_hashrate_correlation", "number", False,
               "-1 to 1", "Monte Carlo: correlation of the BTC price and network hashrate "
               "shocks; blank = 0.", example=0.5),
))

_SITES = _with_percent_rule(Site, (
    ColumnSpec("site", "name", "text", True, "name", "Unique site name.", example="Alpha"),
    ColumnSpec("capacity_mw", "capacity_mw", "number", True, "MW at the meter",
               "Grid power available to the site.", example=300),
    ColumnSpec("power_price_usd_mwh", "power_price_usd_mwh", "number", True, "USD/MWh",
               "All-in power price (PowerPrices overrides it month by month).", example=38),
    ColumnSpec("mining_pue", "mining_pue", "number", False, "ratio",
               "Facility overhead of mining (grid MW per miner MW); default 1.0.", example=1.05),
    ColumnSpec("hpc_pue", "hpc_pue", "number", False, "ratio",
               "Grid MW per HPC critical-IT MW; default 1.0.", example=1.3),
    ColumnSpec("uptime", "uptime", "fraction", False, "fraction",
               "Share of installed miners that can run; default 1.", example=0.97),
    ColumnSpec("mining_opex_usd_mw_month", "mining_opex_usd_mw_month", "number", False,
               "USD per MW-month", "Mining opex besides power, per running MW; default 0.",
               example=5000),
    ColumnSpec("hpc_existing_mw", "hpc_existing_mw", "number", False, "IT MW",
               "HPC space already built and ready to lease; default 0.", example=0),
    ColumnSpec("hpc_convertible_mw", "hpc_convertible_mw", "number", False, "IT MW",
               "Further IT MW that could be converted to HPC; default 0.", example=100),
    ColumnSpec("conversion_capex_usd_mw", "conversion_capex_usd_mw", "number", False,
               "USD per IT MW", "Capex to convert one IT MW; default 0.", example=8_000_000),
    ColumnSpec("conversion_lead_months", "conversion_lead_months", "integer", False, "months",
               "Months from construction start until the space can be leased; default 0.",
               example=12),
    ColumnSpec("hpc_opex_usd_mw_month", "hpc_opex_usd_mw_month", "number", False,
               "USD per IT MW-month", "HPC operating cost per leased IT MW; default 0.",
               example=20000),
    ColumnSpec("hpc_load_factor", "hpc_load_factor", "fraction", False, "fraction",
               "Average IT load on leased MW, for power cost of gross leases; default 1.",
               example=0.8),
    ColumnSpec("conversion_block_mw", "conversion_block_mw", "number", False, "IT MW",
               "Convert in whole halls of this size only (makes the model a MILP); "
               "blank = any MW."),
))

_MINERS = _with_percent_rule(MinerTranche, (
    ColumnSpec("site", "site", "text", True, "name", "Site the miners are installed at.",
               example="Alpha"),
    ColumnSpec("model", "model", "text", True, "name",
               "Miner model; a catalog name needs only units.", example="Antminer S21 XP"),
    ColumnSpec("units", "units", "integer", True, "machines", "Number of machines.",
               example=20000),
    ColumnSpec("hashrate_th", "hashrate_th", "number", False, "TH/s per unit",
               "Nameplate hashrate; required when the model is not in the catalog."),
    ColumnSpec("power_w", "power_w", "number", False, "W per unit",
               "Nameplate power at the wall; required when the model is not in the catalog."),
))

_MARKET = _with_percent_rule(MarketMonth, (
    ColumnSpec("month", "month", "month", True, "YYYY-MM", "Calendar month.",
               example="2026-01"),
    ColumnSpec("btc_price_usd", "btc_price_usd", "number", False, "USD", "BTC price.",
               example=83570),
    ColumnSpec("network_hashrate_ehs", "network_hashrate_ehs", "number", False, "EH/s",
               "Network hashrate.", example=1022),
    ColumnSpec("fees_btc_per_block", "fees_btc_per_block", "number", False, "BTC per block",
               "Average transaction fees per block; default 0.", example=0.02),
    ColumnSpec("hashprice_usd_ph_day", "hashprice_usd_ph_day", "number", False,
               "USD per PH/s per day",
               "Overrides the hashprice computed from price, hashrate and fees."),
))

_POWER_PRICES = _with_percent_rule(PowerPrice, (
    ColumnSpec("site", "site", "text", True, "name", "Site.", example="Alpha"),
    ColumnSpec("month", "month", "month", True, "YYYY-MM", "Calendar month.",
               example="2026-07"),
    ColumnSpec("power_price_usd_mwh", "power_price_usd_mwh", "number", True, "USD/MWh",
               "Power price for that site and month.", example=45),
))

_CONTRACTS = _with_percent_rule(Contract, (
    ColumnSpec("contract", "name", "text", True, "name", "Unique contract name.",
               example="Lease-A"),
    ColumnSpec("tenant", "tenant", "text", False, "name", "Counterparty.", example="Neocloud"),
    ColumnSpec("rate_usd_kw_month", "rate_usd_kw_month", "number", True,
               "USD per IT kW-month", "Rent per kW of critical IT, take-or-pay.", example=150),
    ColumnSpec("min_mw", "min_mw", "number", False, "IT MW",
               "Smallest commitment (binding only when firm); default 0.", example=0),
    ColumnSpec("max_mw", "max_mw", "number", True, "IT MW", "Largest commitment.",
               example=100),
    ColumnSpec("start_month", "start_month", "month", True, "YYYY-MM",
               "First month of rent.", example="2027-01"),
    ColumnSpec("term_months", "term_months", "integer", True, "months", "Lease term.",
               example=120),
    ColumnSpec("escalator_pa", "escalator_pa", "fraction", False, "per year",
               "Rent step-up once a year from the start; default 0.", example=0.03),
    ColumnSpec("sites", "sites", "list", False, "names",
               "Comma-separated sites that may carry it; quote a name that holds a comma "
               "or semicolon (\"Abilene, TX\", Bravo); blank = any site.",
               example="Alpha, Beta"),
    ColumnSpec("power_pass_through", "power_pass_through", "bool", False, "yes/no",
               "Tenant pays the power; default no (gross lease).", choices=_YES_NO,
               example="yes"),
    ColumnSpec("firm", "firm", "bool", False, "yes/no",
               "Offer must be taken at least at min_mw; default no.", choices=_YES_NO,
               example="no"),
    ColumnSpec("all_or_nothing", "all_or_nothing", "bool", False, "yes/no",
               "Take max_mw in full or not at all (makes the model a MILP); default no.",
               choices=_YES_NO),
))

_SCENARIOS = (
    ColumnSpec("scenario", "scenario", "text", True, "name", "Scenario name.",
               example="BTC -30%"),
    ColumnSpec("parameter", "parameter", "text", True, "name",
               "Input number to change, e.g. btc_price_usd.", example="btc_price_usd"),
    ColumnSpec("operation", "operation", "choice", True, "set|scale|add",
               "How value applies.", choices=("set", "scale", "add"), example="scale"),
    ColumnSpec("value", "value", "number", True, "unit of the parameter", "The new value, "
               "factor or increment.", example=0.7),
    ColumnSpec("target", "target", "text", False, "name",
               "One site or contract; blank = all."),
)

CATALOG_SHEET = "Catalog"
"""The sheet of miner models; the template lists the shipped catalog there."""

_CATALOG = _with_percent_rule(CatalogModel, (
    ColumnSpec("manufacturer", "manufacturer", "text", False, "name", "Maker of the model.",
               example="Bitmain"),
    ColumnSpec("model", "model", "text", True, "name",
               "Model name as Miners rows give it (case, spaces and the brand prefix do not "
               "matter). A name the shipped catalog lacks adds the model to this workbook; "
               "a shipped name with other hashrate_th or power_w overrides the shipped "
               "figures, with a warning. One row per model.", example="Antminer S23 Hydro"),
    ColumnSpec("hashrate_th", "hashrate_th", "number", True, "TH/s per unit",
               "Nameplate hashrate.", example=580),
    ColumnSpec("power_w", "power_w", "number", True, "W per unit",
               "Nameplate power at the wall.", example=5510),
    ColumnSpec("efficiency_j_th", "efficiency_j_th", "number", False, "J/TH",
               f"power_w / hashrate_th; blank = computed, a value given must agree within "
               f"{100 * EFFICIENCY_TOLERANCE:g} %.", example=9.5),
    ColumnSpec("cooling", "cooling", "choice", False, "air/hydro/immersion",
               "How the model is cooled; for reference.",
               choices=("air", "hydro", "immersion"), example="hydro"),
    ColumnSpec("source", "source", "text", False, "text",
               "Where the figures come from.", example="vendor spec sheet"),
))

INPUT_SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Settings", False, "Horizon, finance and policy settings as key | value rows.",
              SETTINGS_KEYS, key_value=True),
    SheetSpec("Sites", True, "One row per site.", _SITES),
    SheetSpec("Miners", False, "Installed miners: one row per site and model.", _MINERS),
    SheetSpec("Market", True, "Market outlook by month; later months are projected.", _MARKET),
    SheetSpec("PowerPrices", False, "Monthly power price overrides per site.", _POWER_PRICES),
    SheetSpec("Contracts", False, "HPC lease offers.", _CONTRACTS),
    SheetSpec("Scenarios", False, "What-if changes, used by compare.", _SCENARIOS),
    SheetSpec(CATALOG_SHEET, False, "Miner models: the shipped catalog as reference rows; "
              "a row of yours adds a model, or overrides a shipped one's figures, for this "
              "workbook.", _CATALOG),
)

OUTPUT_SHEETS: tuple[str, ...] = (
    "Plan",
    "Summary",
    "Summary Chart",
    "Contract Result",
    "Site Value",
    "Build Schedule",
    "Miner Tranches",
    "Leases",
    "Run Info",
)

RESULT_SHEETS: tuple[str, ...] = (
    *OUTPUT_SHEETS,
    "Sensitivity",
    "Miner Breakeven",
    "Scenario Comparison",
    "Sweep",
    "Monte Carlo",
)
"""Every sheet the tool writes. A copy of a workbook replaces its own earlier result sheets
of these names, and the reader never takes them for input."""

BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
"""Characters Excel refuses in a sheet name."""


def sheet_key(name: str) -> str:
    """How Excel tells sheet names apart: case and surrounding spaces ignored."""
    return name.strip().casefold()


def sheet_spec(name: str) -> SheetSpec:
    """The input sheet called ``name`` (case- and space-insensitive).

    Raises:
        KeyError: not an input sheet.
    """
    wanted = normalize_header(name)
    for spec in INPUT_SHEETS:
        if normalize_header(spec.name) == wanted:
            return spec
    raise KeyError(name)


# ------------------------------------------------------------------ output columns, for people

_UNITS: tuple[tuple[str, str], ...] = (
    ("_usd_ph_day", "$/PH/day"), ("_usd_th_day", "$/TH/day"), ("_usd_kw_month", "$/kW-month"),
    ("_usd_mw_month", "$/MW-month"), ("_usd_mwh", "$/MWh"), ("_usd_mw", "$/MW"),
    ("_usd", "$"), ("_mwh", "MWh"), ("_mw", "MW"), ("_ehs", "EH/s"), ("_phs", "PH/s"),
    ("_j_th", "J/TH"), ("_pct", "%"), ("_pa", "%/yr"), ("_share", "%"), ("_seconds", "s"),
)
_WORDS = {"hpc": "HPC", "npv": "NPV", "btc": "BTC", "it": "IT", "pue": "PUE", "1mw": "1 MW",
          "ehs": "EH/s", "phs": "PH/s", "mw": "MW", "usd": "$", "pa": "per year"}
_LABELS = {
    "discount_factor": "Discount factor", "uptime": "Uptime (%)", "pool_fee": "Pool fee (%)",
    "discount_rate": "Discount rate (%/yr)", "hpc_load_factor": "HPC load factor (%)",
    "plus_1mw_npv_usd": "NPV with +1 MW ($)", "minus_1mw_npv_usd": "NPV with -1 MW ($)",
    "from_usd": "From ($)", "probability_converts_pct": "Probability it converts (%)",
    "probability_taken_pct": "Probability it is taken (%)", "months": "Months",
}


def _words(stem: str) -> str:
    text = " ".join(_WORDS.get(w, w) for w in stem.split("_") if w)
    return text[:1].upper() + text[1:]


def output_label(name: str) -> str:
    """An output column's readable header: ``hashprice_usd_ph_day`` -> ``Hashprice ($/PH/day)``.

    Output sheets keep the machine name as the header cell's value (the DataFrame column) and
    show this label through the cell's number format.
    """
    item, colon, metric = name.rpartition(": ")
    if colon and item:  # a per-site or per-contract column: "Alpha: converted_mw"
        return f"{item}: {output_label(metric)}"
    key = name.strip().lower()
    if key in _LABELS:
        return _LABELS[key]
    for ending, word in (("_factor", "factor"), ("_change", "change")):
        if key.endswith(ending) and len(key) > len(ending):
            base = output_label(key[: -len(ending)])
            stem, _, unit = base.partition(" (")
            unit = "x base" if ending == "_factor" else unit.rstrip(")")
            return f"{stem} {word} ({unit})" if unit else f"{stem} {word}"
    for suffix, unit in _UNITS:
        if key.endswith(suffix) and len(key) > len(suffix):
            return f"{_words(key[: -len(suffix)])} ({unit})"
    return _words(key) if key else name


_SITE_MONTH = "per site and month"
OUTPUT_COLUMNS: dict[str, str] = {
    "site": "Site name, as in the Sites sheet.",
    "month": "Calendar month (YYYY-MM).",
    "contract": "Contract offer, as in the Contracts sheet.",
    "model": "Miner model of the tranche.",
    "tranche": "The miner row's number in the fleet (one model at one site).",
    "capacity_mw": "Grid connection of the site, MW at the meter (Sites).",
    "mining_mw": "Miner MW running (IT load, before mining PUE).",
    "mining_grid_mw": "Grid MW drawn by mining: mining_mw x mining_pue.",
    "hashrate_phs": "Hashrate of the running miners: running MW / efficiency (J/TH).",
    "hpc_leased_mw": "Critical-IT MW leased to HPC tenants.",
    "hpc_online_mw": "Critical-IT MW of HPC space built and usable (existing + converted).",
    "hpc_converted_mw": "IT MW converted by the plan so far (started conversions).",
    "hpc_under_construction_mw": "IT MW whose conversion has started but is not usable yet.",
    "hpc_grid_mw": "Grid MW held by HPC: online (or building) IT MW x hpc_pue.",
    "idle_mw": "Grid MW used by nothing: capacity - mining grid MW - HPC grid MW.",
    "conversion_started_mw": "IT MW whose conversion starts this month (the build schedule).",
    "power_price_usd_mwh": "All-in power price (Sites, or PowerPrices for the month).",
    "mining_revenue_usd": "Mining revenue: hashrate x hashprice x days, less the pool fee.",
    "mining_power_cost_usd": "Power cost of mining: grid MW x hours x power price.",
    "mining_opex_usd": "Mining opex: running MW x mining_opex_usd_mw_month.",
    "hpc_revenue_usd": "Lease rent: leased MW x 1,000 x rate (with its escalator).",
    "hpc_power_cost_usd": "Power of gross leases: leased MW x load factor x hpc_pue x hours x "
                          "price.",
    "hpc_opex_usd": "HPC opex: leased MW x hpc_opex_usd_mw_month.",
    "capital_charge_usd": "Monthly capital recovery of conversion capex over the asset life.",
    "margin_usd": "Revenue - power - opex - capital charge, nominal USD of the month.",
    "discount_factor": "1 / (1 + discount_rate) ^ (months from start / 12).",
    "discounted_margin_usd": "margin_usd x discount_factor.",
    "site_power_value_usd_mw_month": "Shadow value of one more grid MW at the site that month.",
    "days": "Days in the month.",
    "hashprice_usd_ph_day": "Hashprice: BTC earned per PH/s per day (subsidy + fees) x BTC price.",
    "fleet_hashrate_ehs": "Hashrate of every running miner of the fleet.",
    "revenue_usd": "Mining revenue + HPC revenue.",
    "power_cost_usd": "Mining and HPC power cost.",
    "opex_usd": "Mining and HPC opex.",
    "margin_pct": "(Mining + HPC margin before capital charge) / revenue.",
    "capex_usd": "Conversion capex started this month: build MW x conversion_capex_usd_mw.",
    "cumulative_npv_usd": "Running sum of discounted_margin_usd.",
    "tenant": "Counterparty of the offer.",
    "firm": "yes: the offer must be taken at least at min_mw.",
    "power_pass_through": "yes: the tenant pays the power (net lease).",
    "rate_usd_kw_month": "Rent per kW of critical IT per month (Contracts).",
    "escalator_pa": "Yearly rent step-up from the start month.",
    "start_month": "First month of rent.",
    "term_months": "Lease term in months.",
    "min_mw": "Smallest commitment (binding only when firm).",
    "max_mw": "Largest commitment.",
    "committed_mw": "IT MW the plan commits, the same in every month of the term.",
    "months_in_horizon": "Months of the term inside the plan horizon.",
    "sites_used": "Sites carrying the lease.",
    "npv_usd": "Net present value: the sum of discounted margins.",
    "avg_shadow_value_usd_mw_month": "Average over months of site_power_value_usd_mw_month.",
    "max_shadow_value_usd_mw_month": "Largest monthly shadow value of the site's grid power.",
    "shadow_value_basis": "What the shadow values are (LP duals, fixed-integer duals).",
    "months_at_capacity": "Months in which the site uses all its grid power.",
    "marginal_model": "Least efficient miner model that still runs at the site.",
    "marginal_efficiency_j_th": "Efficiency of the marginal model.",
    "breakeven_hashprice_usd_ph_day": "Hashprice at which the marginal miners just pay power "
                                      "and opex.",
    "avg_hashprice_usd_ph_day": "Average hashprice over the horizon.",
    "converted_mw": "IT MW the plan converts at the site over the horizon.",
    "build_mw": "IT MW whose conversion starts in the month.",
    "online_month": "First month the converted space can be leased (start + lead time).",
    "capital_charge_usd_mw_month": "Monthly capital recovery per converted IT MW.",
    "efficiency_j_th": "Energy per terahash of the model (J/TH).",
    "available_mw": "Installed miner MW x uptime: what can run.",
    "running_mw": "Miner MW the plan runs (best J/TH first).",
    "leased_mw": "IT MW of the contract leased at the site that month.",
    "plus_1mw_npv_usd": "NPV re-optimized with 1 MW more grid power at the site.",
    "minus_1mw_npv_usd": "NPV re-optimized with 1 MW less grid power at the site.",
    "shadow_value_check": "Whether the re-solves confirm the shadow value.",
    "breakeven_hpc_rate_usd_kw_month": "HPC rate from which converting one more MW here pays.",
    "breakeven_note": "Why the breakeven rate is blank, when it is.",
    "value_added_usd": "NPV with the offer minus NPV without it.",
    "drop_rate_usd_kw_month": "At or below this rate the plan takes none of the offer.",
    "full_take_rate_usd_kw_month": "From this rate on the plan takes all of max_mw.",
    "insight_note": "Why a rate is blank, when it is.",
    "breakeven_probe_mw": "IT MW of the small probe lease used to find the breakeven rate.",
    "breakeven_lease_start_month": "First month the probe lease could start (after lead time).",
    "units": "Machines of the model at the site.",
    "first_month_breakeven_hashprice_usd_ph_day": "Breakeven hashprice of the tranche in the "
                                                  "first month: (power + opex) / PH/s / days.",
    "avg_breakeven_hashprice_usd_ph_day": "Average over months of the breakeven hashprice.",
    "first_month_hashprice_usd_ph_day": "Hashprice in the first month.",
    "months_above_breakeven": "Months in which hashprice is above the tranche's breakeven.",
    "avg_running_mw": "Average over months of the tranche's running MW.",
    "low_change_pct": "The driver's low move (-pct).",
    "high_change_pct": "The driver's high move (+pct).",
    "base_npv_usd": "NPV of the plan as solved.",
    "low_npv_usd": "NPV re-optimized with the driver at -pct.",
    "high_npv_usd": "NPV re-optimized with the driver at +pct.",
    "note": "Why an NPV is blank (no plan at that move), when it is.",
    "driver": "Input moved by -/+ pct for the tornado.",
    "low_npv_change_usd": "NPV change, re-optimized, with the driver at -pct.",
    "high_npv_change_usd": "NPV change, re-optimized, with the driver at +pct.",
    "swing_usd": "high_npv_change_usd - low_npv_change_usd, in size.",
    "avg_mining_grid_mw": "Average over months of the fleet's mining grid MW.",
    "avg_hpc_grid_mw": "Average over months of the fleet's HPC grid MW.",
    "avg_idle_mw": "Average over months of the fleet's idle grid MW.",
    "avg_fleet_hashrate_ehs": "Average over months of the fleet hashrate.",
    "avg_hpc_leased_mw": "Average over months of the IT MW leased.",
    "statistic": "Mean, percentile, min or max over the samples.",
    "probability_converts_pct": "Share of samples in which the site converts any MW.",
    "probability_taken_pct": "Share of samples in which the contract is taken.",
    "mean_converted_mw": "Average over the samples of the IT MW converted.",
    "mean_committed_mw": "Average over the samples of the IT MW committed.",
    "bin": "Lower edge of the NPV bin, $M (the bin runs to the next one's edge).",
    "percentile_samples": "The bin's samples again if it holds P5, P50 or P95 (marked in the "
                          "chart).",
    "percentile": "Which of P5, P50, P95 falls in the bin.",
    "below": "Last swept value before the switch (flips), or the lower of two neighbouring "
             "steps (MW changes).",
    "above": "First swept value after the switch (flips), or the higher of two neighbouring "
             "steps (MW changes).",
    "flip": "What switches between below and above, located by bisection.",
    "before_mw": "The site's converted IT MW or average mining IT MW at the lower step.",
    "after_mw": "The same MW at the higher step.",
    "change": "The material MW change in words: at least max(5 MW, 10 % of the site's "
              "capacity_mw), the site converting or mining on both sides.",
    "setting": "Monte Carlo setting from the Settings sheet.",
    "value": "Its value.",
    "key": "What the row records about the run (Run Info).",
    "metric": "Headline figure of each scenario's plan.",
    "item": "The site or contract of a per-site or per-contract figure.",
    "scenario": "Scenario name.",
    "sheet": "Input sheet of the changed field.",
    "record": "Site, contract or month of the changed field (blank for Settings).",
    "parameter": "The input field changed (or moved, for the tornado).",
    "base_value": "Its value in the base case.",
    "scenario_value": "Its value in the scenario.",
    "from_usd": "Lower edge of the bin.",
    "samples": "Samples whose NPV falls in the bin.",
}
"""What each output column is and how it is computed, for the header notes."""


def output_note(name: str) -> str:
    """The note on an output header: the label, the machine name and what the column is."""
    key = name.rpartition(": ")[2].strip().lower()
    text = OUTPUT_COLUMNS.get(key)
    if text is None and key.endswith(("_factor", "_change")):
        text = ("Swept value as a factor on the base input." if key.endswith("_factor")
                else "Swept value added to the base input.")
    head = f"{output_label(name)}\nColumn name: {name}"
    return f"{head}\n{text}" if text else head
