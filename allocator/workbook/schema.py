"""The workbook contract as data: every input sheet, column, unit and meaning; no I/O here.

The reader, the template writer and the docs all read this one table, so a column is added
in one place. ``field`` is the domain attribute the column fills (see ``allocator.domain``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import annotated_types
from pydantic import BaseModel

from allocator.catalog import EFFICIENCY_TOLERANCE, CatalogModel
from allocator.domain import (
    CURTAILMENT_POLICIES,
    HOURLY_PRICE_FILLS,
    LEASE_STRUCTURES,
    LOAN_AMORTIZATIONS,
    MARKET_GAP_FILLS,
    NETWORK_MODELS,
    Contract,
    MarketMonth,
    MinerTranche,
    NetworkBand,
    PowerPrice,
    Settings,
    Site,
    percent_limit,
)
from allocator.workbook.column_spec import ColumnSpec, Kind
from allocator.workbook.hourly_columns import HOURLY_PRICES_COLUMNS, HOURLY_PRICES_SHEET
from allocator.workbook.output_columns import OUTPUT_COLUMNS, output_label, output_note
from allocator.workbook.paths_columns import PATHS_COLUMNS, PATHS_DESCRIPTION, PATHS_SHEET

__all__ = [
    "BAD_SHEET_CHARS",
    "CATALOG_SHEET",
    "HOURLY_PRICES_SHEET",
    "INPUT_SHEETS",
    "NETWORK_FLEET_SHEET",
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
               "Month the block subsidy halves to 1.5625 BTC (and every 48 months after), "
               "from its 1st unless halving_date gives the day; default 2028-04 (block "
               "1,050,000 is projected for about 1 to 15 April 2028).", example="2028-04"),
    ColumnSpec("halving_date", "halving_date", "date", False, "YYYY-MM-DD",
               "Day of the halving, when known; the halving month's subsidy is then "
               "day-weighted (a 30-day month halving on the 16th: 15 days at 3.125 BTC, 15 at "
               "1.5625). Sets halving_month, or must fall in it; blank = the 1st of "
               "halving_month.", example="2028-04-17"),
    ColumnSpec("asset_life_years", "asset_life_years", "number", False, "years",
               "Life over which conversion capex is recovered; default 15.", example=15),
    ColumnSpec("btc_price_growth_pa", "btc_price_growth_pa", "fraction", False, "per year",
               "Growth of BTC price for months after the last Market row (and, with "
               "hold_and_grow, between rows); default 0.", example=0.0),
    ColumnSpec("network_hashrate_growth_pa", "network_hashrate_growth_pa", "fraction", False,
               "per year", "Growth of network hashrate after the last Market row (and, with "
               "hold_and_grow, between rows); default 0.", example=0.20),
    ColumnSpec("market_gap_fill", "market_gap_fill", "choice", False, "rule",
               "How months between two Market rows are filled: hold_and_grow (default) grows "
               "the row before at the growth rates, as after the last row; interpolate steps "
               "log-linearly in BTC price and network hashrate to the row after, fees "
               "linearly.", choices=MARKET_GAP_FILLS, example="interpolate"),
    ColumnSpec("network_model", "network_model", "choice", False, "rule",
               "How the network hashrate of filled and projected months is set: "
               "fixed_growth (default) follows the Market rows and growth rates whatever "
               "hashprice does; marginal_cost lets it follow them only while the network's "
               "marginal machines cover their power cost (bands in NetworkFleet, power at "
               "network_power_price_usd_mwh): below that, the least efficient bands switch "
               "off and hashrate falls until hashprice covers the last band running. Given "
               "Market rows stay as given.", choices=NETWORK_MODELS, example="marginal_cost"),
    ColumnSpec("network_power_price_usd_mwh", "network_power_price_usd_mwh", "number", False,
               "USD/MWh", "With network_model marginal_cost: the all-in power price the "
               "world's miners pay; a band of e J/TH costs 0.024 x e x this per PH/s per day. "
               "Default 40: the 38 J/TH band then costs $36.5, which the January 2026 "
               "hashprice ($39.5) covers, so today's network runs (docs/model.md).",
               example=40),
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
    ColumnSpec("hourly_prices_file", "hourly_prices_file", "text", False, "path",
               "A CSV or Parquet file of hourly or 15-minute prices (columns site, "
               "timestamp, price_usd_mwh), relative to the workbook's folder. Its sites' "
               "miners are valued with curtailment and HPC pays the full-hours average "
               "(docs/model.md); blank = none (or the HourlyPrices sheet).",
               example="prices.parquet"),
    ColumnSpec("hourly_prices_timezone", "hourly_prices_timezone", "text", False,
               "IANA zone", "The clock of the hourly prices: timestamps without an offset are "
               "read as this zone's local time, the repeated fall-back hour averaged and the "
               "skipped spring hour filled; with an offset they are converted to it. "
               "Default UTC.", example="America/Chicago"),
    ColumnSpec("hourly_prices_fill", "hourly_prices_fill", "choice", False, "rule",
               "A planned month the hourly prices do not cover: error (default) refuses the "
               "workbook naming the month; monthly prices it flat at the Sites or "
               "PowerPrices price, with a warning.", choices=HOURLY_PRICE_FILLS,
               example="monthly"),
    ColumnSpec("four_cp_candidate_hours", "four_cp_candidate_hours", "integer", False, "hours",
               "4CP candidates: each summer month's N top hours of load_mw.", example=20),
    ColumnSpec("loan_to_cost", "loan_to_cost", "fraction", False, "fraction of owner capex",
               "Deals: each project borrows this share of its owner capex as it is spent "
               "(levered IRR, equity, minimum DSCR on the Deals sheet; the plan ignores it); "
               "blank = no financing.", example=0.8),
    ColumnSpec("loan_coupon_pa", "loan_coupon_pa", "fraction", False, "per year",
               "Deals: the loan's interest rate, paid monthly (coupon / 12 on the balance); "
               "default 0.", example=0.06),
    ColumnSpec("loan_amortization", "loan_amortization", "choice", False, "rule",
               "Deals: bullet (default) repays all principal in the loan's last month; "
               "amortizing pays level instalments from the month after the last draw.",
               choices=LOAN_AMORTIZATIONS, example="bullet"),
    ColumnSpec("loan_term_months", "loan_term_months", "integer", False, "months",
               "Deals: months from the first draw to the loan's last month; blank = to the "
               "lease's last month of rent.", example=60),
    ColumnSpec("cash_sweep_share", "cash_sweep_share", "fraction", False, "fraction of cash",
               "Deals: share of each month's cash after debt service (from the month after "
               "the last draw) that repays principal early; default 0.", example=0.5),
    ColumnSpec("miner_capex_usd_th", "miner_capex_usd_th", "number", False, "$ per TH",
               "All-in cost per BTC only: the Miners' cost per TH, depreciated straight-line "
               "over miner_life_months from the first month; default 0.", example=15),
    ColumnSpec("miner_life_months", "miner_life_months", "integer", False, "months",
               "Depreciation life of miner_capex_usd_th; default 36.", example=36),
    ColumnSpec("mining_overhead_usd_month", "mining_overhead_usd_month", "number", False,
               "$ per month", "All-in cost per BTC only: G&A of mining; default 0.", example=2e6),
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
    ColumnSpec("curtailment", "curtailment", "choice", False, "rule",
               "With hourly prices: optimal (default) stops each miner tranche in the hours "
               "dearer than it earns; strike stops every tranche above "
               "curtailment_strike_usd_mwh; none runs every hour (the monthly average).",
               choices=CURTAILMENT_POLICIES, example="optimal"),
    ColumnSpec("curtailment_strike_usd_mwh", "curtailment_strike_usd_mwh", "number", False,
               "USD/MWh", "With curtailment strike: the grid price above which miners stop.",
               example=80),
    ColumnSpec("curtailment_capture", "curtailment_capture", "fraction", False, "fraction",
               "Share of the hours worth curtailing that the site really curtails "
               "(imperfect response); default 1.", example=0.9),
    ColumnSpec("ppa_price_usd_mwh", "ppa_price_usd_mwh", "number", False, "USD/MWh",
               "With hourly prices: a fixed-price PPA. The site pays this for its power in "
               "every hour instead of the hourly price (HPC too); blank = index-priced.",
               example=30),
    ColumnSpec("ppa_resale", "ppa_resale", "bool", False, "yes/no",
               "With a PPA: power the miners do not draw may be resold at the hourly price "
               "(less ppa_resale_discount), so they stop whenever resale pays more than "
               "mining; default no.", choices=_YES_NO, example="yes"),
    ColumnSpec("ppa_resale_discount", "ppa_resale_discount", "fraction", False, "fraction",
               "Share of the hourly price lost on resale (fees, basis); default 0.",
               example=0.05),
    ColumnSpec("ppa_mw", "ppa_mw", "number", False, "grid MW",
               "With a PPA: a fixed block of this many grid MW in every hour, paid whether "
               "drawn or not (the undrawn part resold if ppa_resale); load above it buys at "
               "the hourly price. Blank = the PPA covers all the site draws.", example=150),
    ColumnSpec("four_cp_usd_kw_year", "four_cp_usd_kw_year", "number", False,
               "USD per kW-year", "ERCOT 4CP transmission tariff: each kW present at the "
               "system peak of June, July, August or September costs a quarter of it. HPC "
               "(unless it pays its power) is always present; miners on hourly prices that "
               "curtail avoid it (all but 1 - curtailment_capture); blank = none.",
               example=100),
    ColumnSpec("demand_response_usd_mw_month", "demand_response_usd_mw_month", "number",
               False, "USD per grid MW-month", "Demand-response or ancillary credit for load "
               "that can be curtailed on call: running miners earn it per grid MW (not with "
               "curtailment none), HPC never; blank = none.", example=2000),
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
               "Network hashrate; or give difficulty instead (not both).", example=1022),
    ColumnSpec("difficulty", "difficulty", "number", False, "hashes per block / 2^32",
               "Network difficulty, instead of network_hashrate_ehs: hashrate = difficulty x "
               "2^32 / 600 s (148.26 T, written 148260000000000, is 1,061 EH/s). The "
               "published hashprice indexes use difficulty; the quoted 7-day hashrate "
               "differs from it by a few %.", example=148_260_000_000_000),
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

_DEAL_LOAN_TERMS: tuple[tuple[str, Kind, str, tuple[str, ...], object], ...] = (
    ("loan_to_cost", "fraction", "fraction of owner capex", (), 0.6),
    ("loan_coupon_pa", "fraction", "per year", (), 0.07),
    ("loan_amortization", "choice", "rule", LOAN_AMORTIZATIONS, "amortizing"),
    ("loan_term_months", "integer", "months", (), 84),
    ("cash_sweep_share", "fraction", "fraction of cash", (), 0.5))
"""Contracts columns overriding the Settings loan for one deal's projects."""

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
    ColumnSpec("rent_free_months", "rent_free_months", "integer", False, "months",
               "Months at the start of the term with no rent (rent commences after them; "
               "the plan prices it so); below term_months; default 0.", example=6),
    ColumnSpec("prepayment_share", "prepayment_share", "fraction", False,
               "fraction of contract value",
               "Share of the lease's rent received at signing (the plan's first month) and "
               "drawn from each month's rent after: moves cash to signing in the deal "
               "metrics, not the plan; default 0.", example=0.2),
    ColumnSpec("tenant_capex_usd_mw", "tenant_capex_usd_mw", "number", False,
               "USD per IT MW",
               "Conversion capex the tenant funds per leased IT MW: lowers the owner's capex "
               "one for one in the deal metrics, and the plan credits each leased MW with "
               "the capital charge on it (at most the site's capex per MW; none at a site "
               "with existing HPC space; docs/model.md); default 0.", example=2_000_000),
    ColumnSpec("lease_structure", "lease_structure", "choice", False, "structure",
               "Who pays the hall's power: nnn and modified_gross the tenant, gross the "
               "owner (the owner runs the hall, its opex, in all three). Sets "
               "power_pass_through: give one, or make them agree; blank = "
               "power_pass_through.", choices=LEASE_STRUCTURES, example="nnn"),
    ColumnSpec("default_probability_pa", "default_probability_pa", "fraction", False,
               "per year",
               "Tenant's annual probability of default: the plan prices the expected rent, "
               "rent x (b + (1 - b) x (1 - p) ^ years into the term), b the backstop_share; "
               "default 0.", example=0.02),
    ColumnSpec("backstop_share", "backstop_share", "fraction", False, "fraction of rent",
               "Share of the rent a backstop (a rated guarantor) pays whatever the tenant "
               "does; default 0.", example=0.8),
    ColumnSpec("delay_penalty_usd_kw_month", "delay_penalty_usd_kw_month", "number", False,
               "USD per IT kW-month", "Owner pays it per leased kW per month a slip defers rent."),
    ColumnSpec("renewal_options", "renewal_options", "integer", False, "options",
               "Renewals the tenant may take after the firm term, one after another; valued "
               "in the deal metrics at renewal_probability, for a lease reaching the "
               "horizon's end (the plan plans the firm term); default 0.", example=3),
    ColumnSpec("renewal_term_months", "renewal_term_months", "integer", False, "months",
               "Length of each renewal; the escalator runs on; blank = term_months.",
               example=60),
    ColumnSpec("renewal_probability", "renewal_probability", "fraction", False,
               "probability",
               "Chance each renewal is taken, given the one before: the j-th counts at "
               "p ^ j; 0 = ignored (default), 1 = certain.", example=0.5),
    ColumnSpec("termination_probability_pa", "termination_probability_pa", "fraction", False,
               "per year",
               "Tenant's annual probability of ending the lease early (paying the "
               "termination fee; a default, which pays none, is default_probability_pa): the "
               "plan prices rent x (1 - q) ^ years into the term plus the expected fee "
               "(docs/model.md); default 0.", example=0.05),
    ColumnSpec("termination_fee_months", "termination_fee_months", "number", False,
               "months of rent",
               "Fee the tenant owes on ending the lease in its first year, in months of the "
               "month's rent; counts only with termination_probability_pa; default 0.",
               example=12),
    ColumnSpec("termination_fee_step_months", "termination_fee_step_months", "number", False,
               "months of rent per year",
               "How much the fee steps down each lease year, to 0 at the least (12 and 3: "
               "12, 9, 6, 3 months, then none); default 0 (the same fee every year).",
               example=3),
    *(ColumnSpec(key, key, kind, False, unit, f"This deal's {key} (Settings), for its "
                 "projects alone; blank = the Settings value.", choices=choices,
                 example=example)
      for key, kind, unit, choices, example in _DEAL_LOAN_TERMS),
    ColumnSpec("deal", "deal", "text", False, "name",
               "The deal this row is a phase of: rows naming the same deal are its phases, "
               "each with its own start_month, MW and term, planned as separate leases and "
               "reported as one project per site in Deals; they must share one tenant. "
               "Blank = a deal of its own.", example="Neocloud campus"),
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
    ColumnSpec("probability", "probability", "fraction", False, "0 to 1",
               "The scenario's probability as a future of allocator stochastic "
               "--scenarios (one value per scenario, on any of its rows; blank on every "
               "scenario = equally likely; they must sum to 1). compare ignores it.",
               example=0.25),
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

NETWORK_FLEET_SHEET = "NetworkFleet"
"""The sheet of the world's fleet for ``network_model marginal_cost``; the template lists the
default table there."""

_NETWORK_FLEET = _with_percent_rule(NetworkBand, (
    ColumnSpec("efficiency_j_th", "efficiency_j_th", "number", True, "J/TH",
               "Efficiency of one band of the world's mining fleet, at the wall.",
               example=21.5),
    ColumnSpec("share", "share", "fraction", True, "fraction of network hashrate",
               "Share of the projected network hashrate the band carries; the shares sum "
               "to 1.", example=0.25),
    ColumnSpec("source", "source", "text", False, "text",
               "Where the band's figures come from.", example="Hashrate Index tier 19-25 J/TH"),
))

INPUT_SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Settings", False, "Horizon, finance and policy settings as key | value rows.",
              SETTINGS_KEYS, key_value=True),
    SheetSpec("Sites", True, "One row per site.", _SITES),
    SheetSpec("Miners", False, "Installed miners: one row per site and model.", _MINERS),
    SheetSpec("Market", True, "Market outlook by month: any increasing months (a price deck); "
              "months between rows are filled by market_gap_fill, later months projected with "
              "the growth rates.", _MARKET),
    SheetSpec("PowerPrices", False, "Monthly power price overrides per site.", _POWER_PRICES),
    SheetSpec(HOURLY_PRICES_SHEET, False, "Hourly or 15-minute prices per site (or name a "
              "CSV/Parquet file in hourly_prices_file): every whole month of a site's "
              "series values its miners with curtailment (docs/model.md).",
              HOURLY_PRICES_COLUMNS),
    SheetSpec("Contracts", False, "HPC lease offers.", _CONTRACTS),
    SheetSpec("Scenarios", False, "What-if changes, used by compare.", _SCENARIOS),
    SheetSpec(PATHS_SHEET, False, PATHS_DESCRIPTION, PATHS_COLUMNS),
    SheetSpec(NETWORK_FLEET_SHEET, False, "The world's mining fleet as efficiency bands, "
              "for network_model marginal_cost: the template holds the default table "
              "(docs/model.md gives its sources); edit it, or leave the sheet out for the "
              "default.", _NETWORK_FLEET),
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
    "Deals",
    "Run Info",
)

RESULT_SHEETS: tuple[str, ...] = (
    *OUTPUT_SHEETS,
    "Sensitivity",
    "Miner Breakeven",
    "Flexibility",
    "PPA Blocks",
    "Scenario Comparison",
    "Sweep",
    "Monte Carlo",
    "Risk Summary",
    "Risk Frontier",
    "First Stage",
    "Regret",
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
