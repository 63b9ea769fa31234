"""Regenerate the sample workbooks ``fleet.xlsx``, ``spot.xlsx`` and ``deals.xlsx`` next to this
script.

Run from the project root::

    python sample_inputs/make_samples.py

The figures are fictional but sit inside the ranges of published industry figures (January
2026 market, ASIC nameplates, HPC lease deals at converted mining sites). Sheet and column
names come from ``allocator.workbook.schema`` so the samples follow the workbook contract
when it changes.
Timestamps inside the files are pinned, so with the same library versions the output is
byte-for-byte reproducible.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a plain checkout too

from allocator.catalog import find_model  # noqa: E402
from allocator.domain import (  # noqa: E402
    Contract,
    Fleet,
    MarketMonth,
    MinerTranche,
    PowerPrice,
    Settings,
    Site,
)
from allocator.workbook.schema import ColumnSpec, SheetSpec, sheet_spec  # noqa: E402

FIXED_TIME = datetime(2026, 1, 1)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
AUTHOR = "fleet-allocator sample_inputs/make_samples.py"

Row = Mapping[str, object]

# --------------------------------------------------------------------------------------------
# Shared market figures (January 2026).
# --------------------------------------------------------------------------------------------
BTC_JAN_2026 = 83_570
HASHRATE_JAN_2026 = 1_022
# Fees ~0.6 % of the block reward (0.55 % in the week to 12 Jan 2026): 3.125 * 0.006 / 0.994.
FEES_BTC_PER_BLOCK = 0.019
BTC_GROWTH_PA = 0.05
HASHRATE_GROWTH_PA = 0.20


def market_rows(first_year: int, count: int) -> list[Row]:
    """``count`` months from January of ``first_year``, growing at the Settings rates.

    The explicit rows use the same growth as the projection after them, so the outlook has no
    kink where the tool takes over.
    """
    rows: list[Row] = []
    for i in range(count):
        rows.append(
            {
                "month": f"{first_year + i // 12}-{i % 12 + 1:02d}",
                "btc_price_usd": round(BTC_JAN_2026 * (1 + BTC_GROWTH_PA) ** (i / 12)),
                "network_hashrate_ehs": round(
                    HASHRATE_JAN_2026 * (1 + HASHRATE_GROWTH_PA) ** (i / 12)
                ),
                "fees_btc_per_block": FEES_BTC_PER_BLOCK,
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# fleet.xlsx: the January 2026 five-year planning case.
# --------------------------------------------------------------------------------------------
FLEET_SETTINGS: Row = {
    "start_month": "2026-01",
    "months": 60,
    "discount_rate": 0.10,
    "pool_fee": 0.02,
    "halving_month": "2028-04",
    "asset_life_years": 15,
    "btc_price_growth_pa": BTC_GROWTH_PA,
    "network_hashrate_growth_pa": HASHRATE_GROWTH_PA,
    "solver": "highs",
    "max_conversion_mw_per_year": 200,
    # Monte Carlo (allocator sweep --samples): BTC's realised volatility has run at roughly
    # 45-60 %/yr; network hashrate moves far less and follows the price with a lag.
    "btc_price_volatility_pa": 0.50,
    "network_hashrate_volatility_pa": 0.15,
    "btc_hashrate_correlation": 0.5,
}

_SITE_COLUMNS = (
    "site", "capacity_mw", "power_price_usd_mwh", "mining_pue", "hpc_pue", "uptime",
    "mining_opex_usd_mw_month", "hpc_existing_mw", "hpc_convertible_mw",
    "conversion_capex_usd_mw", "conversion_lead_months", "hpc_opex_usd_mw_month",
    "hpc_load_factor",
)  # fmt: skip


def _sites(rows: Iterable[Sequence[object]]) -> list[Row]:
    return [dict(zip(_SITE_COLUMNS, row, strict=True)) for row in rows]


# None = blank cell (the domain default applies; the remote sites have no fiber to convert).
FLEET_SITES = _sites([
    # site, cap MW, $/MWh, mPUE, hPUE, uptime, mine opex, HPC exist, HPC conv, capex/MW, lead,
    # HPC opex, load factor
    ("Alpha Ridge", 300, 34, 1.05, 1.30, 0.97, 4_500, 0, 60, 9_000_000, 12, 20_000, 0.80),
    ("Bravo Flats", 700, 30, 1.04, 1.25, 0.95, 3_500, 0, 140, 9_500_000, 18, 18_000, 0.85),
    ("Cedar Creek", 120, 45, 1.08, 1.30, 0.96, 5_500, 20, 24, 3_600_000, 4, 25_000, 0.80),
    ("Delta Basin", 250, 38, 1.06, 1.35, 0.97, 5_000, 0, 50, 8_500_000, 10, 22_000, 0.80),
    ("Echo Mesa", 80, 28, 1.03, 1.40, 0.93, 7_000, 0, 0, None, None, None, None),
    ("Foxtrot Hollow", 50, 55, 1.12, 1.40, 0.94, 8_000, 0, 0, None, None, None, None),
    ("Glacier Point", 200, 42, 1.10, 1.20, 0.98, 6_000, 0, 40, 7_000_000, 8, 15_000, 0.75),
])  # fmt: skip

FLEET_MINERS: list[Row] = [
    {"site": "Alpha Ridge", "model": "Antminer S21 XP", "units": 40_000},
    {"site": "Alpha Ridge", "model": "Antminer S21 Pro", "units": 36_000},
    {"site": "Bravo Flats", "model": "Antminer S21 XP", "units": 80_000},
    {"site": "Bravo Flats", "model": "Antminer S21 Pro", "units": 30_000},
    {"site": "Bravo Flats", "model": "Antminer S19 XP", "units": 70_000},
    {"site": "Cedar Creek", "model": "Antminer S19 XP", "units": 25_000},
    {"site": "Cedar Creek", "model": "Custom S19k Pro", "units": 5_000,
     "hashrate_th": 120, "power_w": 2_760},
    {"site": "Delta Basin", "model": "Antminer S21 Pro", "units": 30_000},
    {"site": "Delta Basin", "model": "Antminer S19 XP", "units": 32_000},
    {"site": "Echo Mesa", "model": "Antminer S19 XP", "units": 15_000},
    {"site": "Echo Mesa", "model": "Antminer S19j Pro", "units": 10_000},
    {"site": "Foxtrot Hollow", "model": "Antminer S19j Pro", "units": 13_000},
    {"site": "Glacier Point", "model": "Antminer S21 XP", "units": 20_000},
    {"site": "Glacier Point", "model": "Antminer S19 XP", "units": 16_000},
    {"site": "Glacier Point", "model": "Antminer S19j Pro", "units": 8_000},
]  # fmt: skip

# Alpha Ridge sits in a 4CP-style market: summer months cost more.
FLEET_POWER_PRICES: list[Row] = [
    {"site": "Alpha Ridge", "month": f"{year}-{month:02d}", "power_price_usd_mwh": price}
    for year in (2026, 2027)
    for month, price in ((6, 42), (7, 52), (8, 58), (9, 46))
]

FLEET_CONTRACTS: list[Row] = [
    {   # Riot-AMD-like retrofit of existing halls: small, quick, firm.
        "contract": "Cedar Retrofit", "tenant": "Chip Designer A", "rate_usd_kw_month": 104,
        "min_mw": 25, "max_mw": 40, "start_month": "2026-06", "term_months": 120,
        "escalator_pa": 0.0, "sites": "Cedar Creek", "power_pass_through": "yes", "firm": "yes",
    },
    {   # TeraWulf/Cipher-Fluidstack-like modified gross lease with escalators.
        "contract": "Neocloud MG", "tenant": "Neocloud B", "rate_usd_kw_month": 150,
        "min_mw": 0, "max_mw": 150, "start_month": "2027-01", "term_months": 120,
        "escalator_pa": 0.03, "sites": "Alpha Ridge, Delta Basin, Glacier Point",
        "power_pass_through": "no", "firm": "no",
    },
    {   # Hut 8 / Galaxy-like triple-net, 15 years, power passed through, any site.
        "contract": "AI Lab NNN", "tenant": "AI Lab C (backstopped)", "rate_usd_kw_month": 159,
        "min_mw": 0, "max_mw": 200, "start_month": "2027-07", "term_months": 180,
        "escalator_pa": 0.0, "sites": None, "power_pass_through": "yes", "firm": "no",
    },
]  # fmt: skip

# deals.xlsx: fleet.xlsx with the three offers as their deals would be signed (issue 12).
DEALS_TERMS: dict[str, Row] = {
    # CoreWeave funded most of Core Scientific's fit-out: the tenant pays $1M of each MW.
    # An illustrative early-termination right (not from a source): a 2 %/yr chance the
    # tenant leaves, paying 12 months of rent in year one, 2 fewer each year after.
    "Cedar Retrofit": {"tenant_capex_usd_mw": 1_000_000, "termination_probability_pa": 0.02,
                       "termination_fee_months": 12, "termination_fee_step_months": 2},
    # Fluidstack at TeraWulf and Cipher: a rated guarantor (Google) backstops the rent.
    "Neocloud MG": {"default_probability_pa": 0.03, "backstop_share": 0.8},
    # IREN-Microsoft-like: 20 % prepaid, rent from three months after delivery, triple-net;
    # three 5-year renewal options, each taken at even odds.
    "AI Lab NNN": {"lease_structure": "nnn", "power_pass_through": None,
                   "rent_free_months": 3, "prepayment_share": 0.2, "renewal_options": 3,
                   "renewal_term_months": 60, "renewal_probability": 0.5,
                   # Financed on its own terms (illustrative, not from a source): 70 % of
                   # cost at 7 %, amortizing over 10 years, half the spare cash swept.
                   "loan_to_cost": 0.7, "loan_coupon_pa": 0.07,
                   "loan_amortization": "amortizing", "loan_term_months": 120,
                   "cash_sweep_share": 0.5},
}
DEALS_CONTRACTS: list[Row] = [{**row, **DEALS_TERMS[str(row["contract"])]}
                              for row in FLEET_CONTRACTS]
# Illustrative project debt (not from a source): 60 % of cost at 8 %, repaid at lease end.
# Illustrative all-in cost inputs: miners at $20/TH (the stale mid-2023 ASIC price index,
# docs DOMAIN S73) over 36 months, and $5M a month of G&A charged to mining (not sourced).
DEALS_SETTINGS: Row = {**FLEET_SETTINGS, "loan_to_cost": 0.6, "loan_coupon_pa": 0.08,
                       "loan_amortization": "bullet", "miner_capex_usd_th": 20.0,
                       "miner_life_months": 36, "mining_overhead_usd_month": 5e6}

# The January 2026 board questions. A row with only a scenario name
# is the base case under that name; every delta in the comparison is taken against it.
FLEET_SCENARIOS: list[Row] = [
    # JPMorgan: hashprice was up ~11 % by mid-January against end-December.
    {"scenario": "Dec 2025", "parameter": "hashprice_usd_ph_day", "operation": "scale",
     "value": 0.89},
    {"scenario": "Jan 2026"},
    {"scenario": "BTC -30%", "parameter": "btc_price_usd", "operation": "scale", "value": 0.7},
    # The Market sheet gives 2026; the faster growth applies from 2027 on.
    {"scenario": "Hashrate +25%/yr", "parameter": "network_hashrate_growth_pa",
     "operation": "set", "value": 0.25},
    # Projections put block 1,050,000 in March-April 2028; faster blocks bring it forward.
    {"scenario": "Early halving", "parameter": "halving_month", "operation": "set",
     "value": "2028-01"},
    {"scenario": "Lower HPC offers", "parameter": "rate_usd_kw_month", "operation": "set",
     "value": 140, "target": "Neocloud MG"},
    {"scenario": "Lower HPC offers", "parameter": "rate_usd_kw_month", "operation": "set",
     "value": 143, "target": "AI Lab NNN"},
]  # fmt: skip

FLEET_ABOUT = [
    "Fleet allocator sample: January 2026 five-year plan (fictional fleet)",
    "",
    "Story",
    "A listed bitcoin miner with seven sites (1,700 MW at the meter) plans 2026-01 to 2030-12.",
    "Mining margins are thin after the late-2025 hashprice low, the April 2028 halving cuts the "
    "block subsidy to 1.5625 BTC, and three HPC tenants have made lease offers for converted "
    "halls.",
    "Question: how many MW keep mining, month by month, and which halls should be converted and "
    "leased to which tenant?",
    "",
    "Sites",
    "Bravo Flats (700 MW, $30/MWh) and Alpha Ridge (300 MW, $34/MWh) are the large, cheap "
    "sites; ~20 % of each site with fiber can be converted.",
    "Cedar Creek already has a 20 MW HPC hall standing empty and 24 MW more that a quick "
    "retrofit ($3.6M/MW, 4 months) can add.",
    "Echo Mesa (cheap hydro) and Foxtrot Hollow ($55/MWh) are remote: no fiber, no conversion.",
    "Foxtrot Hollow runs old S19j Pro machines that lose money at today's hashprice.",
    "Alpha Ridge pays more in summer (PowerPrices sheet, a 4CP-style tariff).",
    "",
    "HPC offers (Contracts sheet)",
    "Cedar Retrofit: $104/kW-month, 10 years, 25-40 MW at Cedar Creek from 2026-06, power "
    "passed through, firm (already agreed in principle) - like Riot-AMD.",
    "Neocloud MG: $150/kW-month, modified gross (the landlord pays power), 3 %/yr escalator, "
    "10 years, up to 150 MW at Alpha Ridge, Delta Basin or Glacier Point from 2027-01 - like "
    "TeraWulf/Cipher-Fluidstack.",
    "AI Lab NNN: $159/kW-month, triple-net, power passed through, 15 years, up to 200 MW at any "
    "site from 2027-07 - like Hut 8 / Galaxy.",
    "",
    "Market (Market sheet)",
    "2026-01: BTC $83,570, network 1,022 EH/s, fees 0.019 BTC/block (~0.6 % of the reward) -> "
    "hashprice about $37.0/PH/day.",
    "The Market sheet gives 2026; later months are projected with the Settings growth rates "
    "(BTC +5 %/yr, network hashrate +20 %/yr).",
    "",
    "Scenarios (Scenarios sheet: allocator compare fleet.xlsx)",
    "Jan 2026 is the base case. Dec 2025: hashprice 11 % lower, as at the end of December. "
    "BTC -30%: every BTC price 30 % lower. Hashrate +25%/yr: network growth of 25 % instead of "
    "20 % a year after 2026. Early halving: the subsidy halves in 2028-01, not 2028-04. Lower "
    "HPC offers: Neocloud MG at $140 and AI Lab NNN at $143/kW-month.",
    "Monte Carlo (allocator sweep fleet.xlsx --samples 200): BTC price volatility 50 %/yr, "
    "network hashrate volatility 15 %/yr, correlation 0.5 (Settings).",
    "",
    "Sources",
    "ASIC nameplates via models/asic_miners.csv. PUE, conversion capex ($3.6M-10M per IT MW), "
    "lead times (4-18 months) and lease rates ($104-159/kW-month) follow the HPC deals at "
    "converted mining sites announced in 2024-2026. Pool fee 2 % (FPPS pools charge 0.7-4 %).",
    "Sites, tenants and contract names are invented. Regenerate this file with "
    "python sample_inputs/make_samples.py.",
]

# --------------------------------------------------------------------------------------------
# spot.xlsx: one month, no conversions - the merit order of miners at today's hashprice.
# --------------------------------------------------------------------------------------------
SPOT_SETTINGS: Row = {
    "start_month": "2026-01",
    "months": 1,
    "discount_rate": 0.10,
    "pool_fee": 0.02,
    "halving_month": "2028-04",
    "solver": "highs",
}

SPOT_SITES = _sites([
    ("Alpha Ridge", 120, 32, 1.05, None, 0.97, 4_500, 0, 0, None, None, None, None),
    ("Bravo Flats", 80, 55, 1.08, None, 0.96, 5_000, 0, 0, None, None, None, None),
    ("Cedar Creek", 60, 42, 1.06, None, 0.96, 4_000, 0, 0, None, None, None, None),
    ("Delta Basin", 100, 38, 1.06, 1.30, 0.97, 5_000, 20, 0, None, None, 20_000, 0.80),
])  # fmt: skip

SPOT_MINERS: list[Row] = [
    {"site": "Alpha Ridge", "model": "Antminer S21 XP", "units": 20_000},
    {"site": "Alpha Ridge", "model": "Antminer S19 XP", "units": 18_000},
    {"site": "Bravo Flats", "model": "Antminer S21 XP", "units": 8_000},
    {"site": "Bravo Flats", "model": "Antminer S19j Pro", "units": 15_000},
    {"site": "Cedar Creek", "model": "Antminer S19j Pro", "units": 18_000},
    {"site": "Delta Basin", "model": "Antminer S21 Pro", "units": 20_000},
]

SPOT_CONTRACTS: list[Row] = [
    {
        "contract": "Delta Hall Lease", "tenant": "Chip Designer A", "rate_usd_kw_month": 104,
        "min_mw": 20, "max_mw": 20, "start_month": "2025-06", "term_months": 120,
        "escalator_pa": 0.0, "sites": "Delta Basin", "power_pass_through": "yes", "firm": "yes",
    },
]  # fmt: skip

SPOT_ABOUT = [
    "Fleet allocator sample: January 2026 spot allocation (fictional fleet)",
    "",
    "Story",
    "One month (2026-01), nothing can be built: which miners should run at today's hashprice?",
    "Hashprice: BTC $83,570, network 1,022 EH/s, fees 0.019 BTC/block -> about $37.0/PH/day "
    "(January 2026).",
    "",
    "Sites",
    "Alpha Ridge (120 MW, $32/MWh): S21 XP and S19 XP; installed miners need more power than "
    "the site has, so the least efficient tranche (S19 XP) is trimmed and the site's power "
    "has a positive shadow price.",
    "Bravo Flats (80 MW, $55/MWh): S21 XP earns about $83k per MW-month against about $49k of "
    "cost and runs; the S19j Pro (29.5 J/TH) earns about $38k and should stay off.",
    "Cedar Creek (60 MW, $42/MWh): S19j Pro only, just above breakeven (about $36/PH/day).",
    "Delta Basin (100 MW, $38/MWh): S21 Pro plus a 20 MW HPC hall leased since 2025-06 at "
    "$104/kW-month, power passed through (Delta Hall Lease, firm: already signed).",
    "",
    "Sources",
    "ASIC nameplates via models/asic_miners.csv. The lease is priced like a quick retrofit "
    "deal of early 2026 ($104/kW-month). Pool fee 2 %.",
    "Sites and tenants are invented. Regenerate with python sample_inputs/make_samples.py.",
]

# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
TEXT = "@"

# Number formats by header; anything else falls back on the column kind.
FORMATS = {
    "capacity_mw": "#,##0",
    "power_price_usd_mwh": "#,##0.00",
    "mining_pue": "0.00",
    "hpc_pue": "0.00",
    "mining_opex_usd_mw_month": "#,##0",
    "hpc_existing_mw": "#,##0",
    "hpc_convertible_mw": "#,##0",
    "conversion_capex_usd_mw": "#,##0",
    "hpc_opex_usd_mw_month": "#,##0",
    "hashrate_th": "#,##0.0",
    "power_w": "#,##0",
    "btc_price_usd": "#,##0",
    "network_hashrate_ehs": "#,##0",
    "fees_btc_per_block": "0.0000",
    "hashprice_usd_ph_day": "0.00",
    "rate_usd_kw_month": "#,##0.00",
    "min_mw": "#,##0",
    "max_mw": "#,##0",
    "asset_life_years": "0",
    "min_fleet_hashrate_ehs": "#,##0.0",
    "capex_budget_usd_per_year": "#,##0",
    "max_conversion_mw_per_year": "#,##0",
    "btc_hashrate_correlation": "0.00",
    "value": "General",
}
KIND_FORMATS = {
    "fraction": "0.0%",
    "integer": "#,##0",
    "number": "#,##0.00",
    "text": TEXT,
    "month": TEXT,
    "list": TEXT,
    "bool": TEXT,
    "choice": TEXT,
}


def number_format(col: ColumnSpec) -> str:
    return FORMATS.get(col.header, KIND_FORMATS[col.kind])


def header_comment(col: ColumnSpec) -> Comment:
    text = f"{col.description}\nUnit: {col.unit}."
    if col.required:
        text += " Required."
    comment = Comment(text, AUTHOR)
    comment.width, comment.height = 300, 110
    return comment


def style_header(ws: Worksheet, count: int) -> None:
    for cell in ws[1][:count]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=False)
    ws.freeze_panes = "A2"


def display_width(value: object, fmt: str) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value)
    if fmt.endswith("%"):
        return len(f"{value:.1%}")
    if "," in fmt:
        return len(f"{value:,.2f}") if ".00" in fmt else len(f"{value:,.0f}")
    return len(str(value))


def write_table(wb: Workbook, spec: SheetSpec, rows: Sequence[Row]) -> None:
    """A record sheet: every canonical column of ``spec``, in order, one row per record."""
    unknown = {key for row in rows for key in row} - {c.header for c in spec.columns}
    if unknown:
        raise KeyError(f"{spec.name}: not in the schema: {sorted(unknown)}")
    ws = wb.create_sheet(spec.name)
    columns = spec.columns
    ws.append([c.header for c in columns])
    for row in rows:
        ws.append([row.get(c.header) for c in columns])
    style_header(ws, len(columns))
    for j, col in enumerate(columns, start=1):
        letter = get_column_letter(j)
        ws.cell(1, j).comment = header_comment(col)
        fmt = number_format(col)
        width = len(col.header)
        for i, row in enumerate(rows, start=2):
            ws.cell(i, j).number_format = fmt
            width = max(width, display_width(row.get(col.header), fmt))
        ws.column_dimensions[letter].width = width + 3
        if col.choices:
            dv = DataValidation(
                type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True
            )
            dv.add(f"{letter}2:{letter}{max(len(rows) + 1, 50)}")
            ws.add_data_validation(dv)


def write_settings(wb: Workbook, values: Row) -> None:
    """``Settings`` as key | value rows, in the schema's key order."""
    spec = sheet_spec("Settings")
    keys = {c.header: c for c in spec.columns}
    if unknown := set(values) - set(keys):
        raise KeyError(f"Settings: not in the schema: {sorted(unknown)}")
    ws = wb.create_sheet(spec.name)
    ws.append(["key", "value"])
    style_header(ws, 2)
    for col in spec.columns:
        if col.header not in values:
            continue
        ws.append([col.header, values[col.header]])
        key_cell, value_cell = ws[ws.max_row]
        key_cell.comment = header_comment(col)
        value_cell.number_format = number_format(col)
        value_cell.alignment = Alignment(horizontal="right")
    ws.column_dimensions["A"].width = max(len(k) for k in values) + 3
    ws.column_dimensions["B"].width = 14


def write_about(wb: Workbook, lines: Sequence[str]) -> None:
    ws = wb.active
    ws.title = "About"
    ws.column_dimensions["A"].width = 120
    headings = {"Story", "Sites", "Sources"}
    headings |= {ln for ln in lines
                 if ln.startswith(("HPC offers", "Market (", "Scenarios (", "Monte Carlo ("))}
    for i, line in enumerate(lines, start=1):
        cell = ws.cell(i, 1, line or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if i == 1:
            cell.font = Font(bold=True, size=14)
        elif line in headings:
            cell.font = Font(bold=True)


def save_deterministic(wb: Workbook, path: Path) -> None:
    """Save with pinned timestamps (document properties and zip entries) for stable bytes."""
    wb.properties.creator = AUTHOR
    wb.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, data
                )
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(out.getvalue())
    tmp.replace(path)


def build(
    path: Path,
    about: Sequence[str],
    settings: Row,
    sites: Sequence[Row],
    miners: Sequence[Row],
    market: Sequence[Row],
    contracts: Sequence[Row],
    power_prices: Sequence[Row] = (),
    scenarios: Sequence[Row] = (),
) -> None:
    wb = Workbook()
    write_about(wb, about)
    write_settings(wb, settings)
    write_table(wb, sheet_spec("Sites"), sites)
    write_table(wb, sheet_spec("Miners"), miners)
    write_table(wb, sheet_spec("Market"), market)
    if power_prices:
        write_table(wb, sheet_spec("PowerPrices"), power_prices)
    write_table(wb, sheet_spec("Contracts"), contracts)
    if scenarios:
        write_table(wb, sheet_spec("Scenarios"), scenarios)
    save_deterministic(wb, path)


# --------------------------------------------------------------------------------------------
# Self-check: the samples must make a valid Fleet and tell the story they claim.
# --------------------------------------------------------------------------------------------
def _fields(spec_name: str, row: Row) -> dict[str, object]:
    spec = sheet_spec(spec_name)
    out: dict[str, object] = {}
    for key, value in row.items():
        if value is None:
            continue
        col = spec.column(key)
        if col.kind == "bool":
            value = value == "yes"
        elif col.kind == "list":
            value = tuple(s.strip() for s in str(value).split(",") if s.strip())
        elif col.kind in ("number", "fraction") and isinstance(value, int):
            value = float(value)
        out[col.field] = value
    return out


def to_fleet(
    settings: Row,
    sites: Sequence[Row],
    miners: Sequence[Row],
    market: Sequence[Row],
    contracts: Sequence[Row],
    power_prices: Sequence[Row] = (),
) -> Fleet:
    tranches = []
    for row in miners:
        fields = _fields("Miners", row)
        if "hashrate_th" not in fields:
            model = find_model(str(row["model"]))
            if model is None:
                raise KeyError(f"{row['model']!r} is not in the catalog; give hashrate_th/power_w")
            fields |= {"hashrate_th": model.hashrate_th, "power_w": model.power_w}
        tranches.append(MinerTranche(**fields))
    return Fleet(
        settings=Settings(**_fields("Settings", settings)),
        sites=[Site(**_fields("Sites", r)) for r in sites],
        miners=tranches,
        market=[MarketMonth(**_fields("Market", r)) for r in market],
        power_prices=[PowerPrice(**_fields("PowerPrices", r)) for r in power_prices],
        contracts=[Contract(**_fields("Contracts", r)) for r in contracts],
    )


def check_scenarios(fleet: Fleet, rows: Sequence[Row]) -> None:
    """Every scenario row must apply to the fleet (the same checks as allocator compare)."""
    from allocator.errors import InputError
    from allocator.scenarios.changes import Change, Scenario, scenario_problems

    by_name: dict[str, list[Change]] = {}
    for row in rows:
        changes = by_name.setdefault(str(row["scenario"]), [])
        if "parameter" in row:
            value = row["value"]
            changes.append(Change(
                str(row["parameter"]), row["operation"],  # type: ignore[arg-type]
                value if isinstance(value, str) else float(value),  # type: ignore[arg-type]
                row.get("target")))  # type: ignore[arg-type]
    scenarios = [Scenario(name, tuple(changes)) for name, changes in by_name.items()]
    problems = scenario_problems(fleet, scenarios)
    if problems:
        raise InputError(problems, source="FLEET_SCENARIOS")


def hashprice(m: MarketMonth, subsidy: float = 3.125) -> float:
    assert m.btc_price_usd is not None and m.network_hashrate_ehs is not None
    return (
        (subsidy + m.fees_btc_per_block) * 144 * m.btc_price_usd / (m.network_hashrate_ehs * 1000)
    )


def report(name: str, fleet: Fleet) -> None:
    m0 = fleet.market[0]
    hp = hashprice(m0)
    days, fee = 31, fleet.settings.pool_fee
    print(f"{name}: hashprice {m0.month} = {hp:.2f} $/PH/day")
    total_ph = 0.0
    for site in fleet.sites:
        here = [t for t in fleet.miners if t.site == site.name]
        mw = sum(t.installed_mw for t in here)
        total_ph += sum(t.units * t.hashrate_th for t in here) / 1000
        hpc_grid = site.hpc_pue * (site.hpc_existing_mw + site.hpc_convertible_mw)
        print(
            f"  {site.name:15s} {site.capacity_mw:5.0f} MW  miners {mw:6.1f} MW "
            f"({mw * site.mining_pue / site.capacity_mw:4.0%} of grid at mining PUE; "
            f"with all HPC {(mw * site.mining_pue + hpc_grid) / site.capacity_mw:4.0%})"
        )
        cost = site.power_price_usd_mwh * 24 * days * site.mining_pue
        cost += site.mining_opex_usd_mw_month
        for t in here:
            revenue = hp * 1000 / t.efficiency_j_th * days * (1 - fee)
            print(
                f"      {t.model:18s} {t.efficiency_j_th:5.1f} J/TH  revenue {revenue:8,.0f}"
                f"  cost {cost:8,.0f}  margin {revenue - cost:+9,.0f} $/MW-month"
            )
    print(f"  fleet installed hashrate {total_ph / 1000:.1f} EH/s")


DEALS_ABOUT = [
    "Fleet allocator sample: fleet.xlsx with its HPC offers as deals are signed",
    "",
    "The same fleet, market and offers as fleet.xlsx; the Contracts rows carry deal terms:",
    "Cedar Retrofit: the tenant funds $1M of each IT MW's fit-out (tenant_capex_usd_mw), "
    "and may end the lease early, a 2 %/yr chance, paying 12 months of rent in its first "
    "year and 2 fewer each year after (termination_probability_pa, termination_fee_months, "
    "termination_fee_step_months: an illustration, not a quoted term).",
    "Neocloud MG: a 3 %/yr default probability with 80 % of the rent backstopped by a rated "
    "guarantor (default_probability_pa, backstop_share).",
    "AI Lab NNN: triple-net (lease_structure nnn), rent from three months into the term "
    "(rent_free_months 3), 20 % of the contract value prepaid at signing "
    "(prepayment_share) and three 5-year renewal options, each taken at even odds "
    "(renewal_options, renewal_term_months, renewal_probability 0.5); financed on its own "
    "terms: 70 % of its owner capex at 7 %, amortizing over 10 years, half the cash left "
    "after debt service swept to repay early (the Contracts loan columns and "
    "cash_sweep_share: an illustration, not a quoted financing).",
    "",
    "Settings: each project borrows 60 % of its owner capex at 8 %, repaid at the end of its "
    "lease (loan_to_cost, loan_coupon_pa, loan_amortization bullet): an illustration, not a "
    "quoted financing.",
    "All-in cost per BTC (Summary): miners at $20/TH depreciated over 36 months and $5M a "
    "month of mining G&A (miner_capex_usd_th, miner_life_months, mining_overhead_usd_month: "
    "illustrations; the plan ignores them).",
    "",
    "allocator optimize deals.xlsx writes the Deals sheet: owner capex, yield on cost, IRR "
    "(unlevered and levered), equity, DSCR, payback and NPV per project, and the bridge from "
    "the planning NPV to the cash NPV.",
    "Regenerate this file with python sample_inputs/make_samples.py.",
]


def main() -> None:
    fleet_market = market_rows(2026, 12)
    spot_market = market_rows(2026, 1)
    fleet = to_fleet(
        FLEET_SETTINGS, FLEET_SITES, FLEET_MINERS, fleet_market, FLEET_CONTRACTS, FLEET_POWER_PRICES
    )
    spot = to_fleet(SPOT_SETTINGS, SPOT_SITES, SPOT_MINERS, spot_market, SPOT_CONTRACTS)
    check_scenarios(fleet, FLEET_SCENARIOS)
    build(
        HERE / "fleet.xlsx",
        FLEET_ABOUT,
        FLEET_SETTINGS,
        FLEET_SITES,
        FLEET_MINERS,
        fleet_market,
        FLEET_CONTRACTS,
        FLEET_POWER_PRICES,
        FLEET_SCENARIOS,
    )
    build(
        HERE / "spot.xlsx",
        SPOT_ABOUT,
        SPOT_SETTINGS,
        SPOT_SITES,
        SPOT_MINERS,
        spot_market,
        SPOT_CONTRACTS,
    )
    to_fleet(DEALS_SETTINGS, FLEET_SITES, FLEET_MINERS, fleet_market, DEALS_CONTRACTS,
             FLEET_POWER_PRICES)
    build(HERE / "deals.xlsx", DEALS_ABOUT, DEALS_SETTINGS, FLEET_SITES, FLEET_MINERS,
          fleet_market, DEALS_CONTRACTS, FLEET_POWER_PRICES)
    report("fleet.xlsx", fleet)
    report("spot.xlsx", spot)
    print(f"wrote {HERE / 'fleet.xlsx'}, {HERE / 'spot.xlsx'} and {HERE / 'deals.xlsx'}")


if __name__ == "__main__":
    main()
