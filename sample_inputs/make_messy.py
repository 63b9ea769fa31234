"""Regenerate ``messy.xlsx`` and its clean twin ``messy_clean.xlsx`` next to this script.

Run from the project root (needs LibreOffice, ``soffice``, on the PATH)::

    python sample_inputs/make_messy.py [OUTDIR]

Both files hold the same small fleet (three sites, six months from January 2026, two HPC
offers). ``messy_clean.xlsx`` is typed the way the workbook contract shows it. ``messy.xlsx`` is
typed the way people do: headers in any case with units in brackets and columns in another
order, ``$9,000,000``, ``20,000``, ``97%``, months as date cells and as ``Feb 2026`` or
``2026-03-15``, numbers stored as text, formulas, a notes column, blank rows in the middle, a
hidden helper column, a cover sheet, a user sheet with its own formula and a hidden lookup sheet.
The draft is written with openpyxl and then opened and saved by LibreOffice, so the committed
file is what a real spreadsheet program writes, formulas carrying the values it computed.

The script ends by reading both files with the allocator and checking they give the same fleet
(``tests/test_messy.py`` checks they also solve to the same plan). LibreOffice stamps the time
into the file, so a regenerated ``messy.xlsx`` differs in bytes, not in content.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a plain checkout too

from allocator.workbook.reader import read_workbook  # noqa: E402

JAN = dt.datetime(2026, 1, 1)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
Rows = Sequence[Sequence[object]]

# --------------------------------------------------------------------------------------------
# The fleet, once. Market and contract figures sit inside the ranges of sample_inputs/README.md.
# --------------------------------------------------------------------------------------------
SETTINGS: list[tuple[str, object]] = [
    ("start_month", "2026-01"),
    ("months", 6),
    ("discount_rate", 0.10),
    ("pool_fee", 0.02),
    ("halving_month", "2028-04"),
    ("asset_life_years", 15),
    ("btc_price_growth_pa", 0.05),
    ("network_hashrate_growth_pa", 0.20),
    ("solver", "highs"),
]
SITE_COLUMNS = ("site", "capacity_mw", "power_price_usd_mwh", "mining_pue", "hpc_pue", "uptime",
                "mining_opex_usd_mw_month", "hpc_existing_mw", "hpc_convertible_mw",
                "conversion_capex_usd_mw", "conversion_lead_months", "hpc_opex_usd_mw_month",
                "hpc_load_factor")
SITES: Rows = [
    ("Alpha Ridge", 120, 34, 1.05, 1.30, 0.97, 5_000, 0, 30, 6_000_000, 1, 20_000, 0.80),
    ("Bravo Flats", 80, 45.5, 1.08, 1.25, 0.95, 6_500, 10, None, None, None, 18_000, 0.85),
    ("Cedar Creek", 60, 52, 1.10, None, 0.96, 7_000, None, None, None, None, None, None),
]
MINER_COLUMNS = ("site", "model", "units", "hashrate_th", "power_w")
MINERS: Rows = [
    ("Alpha Ridge", "Antminer S21 XP", 20_000, None, None),
    ("Alpha Ridge", "Antminer S19 XP", 10_000, None, None),
    ("Bravo Flats", "Antminer S21 Pro", 12_000, None, None),
    ("Cedar Creek", "Custom S19k Pro", 8_000, 120, 2_760),
    ("Cedar Creek", "Antminer S19j Pro", 5_000, None, None),
]
MARKET_COLUMNS = ("month", "btc_price_usd", "network_hashrate_ehs", "fees_btc_per_block")
MARKET: Rows = [
    (f"2026-{m:02d}", price, 1_022 + 15 * (m - 1), 0.019)
    for m, price in zip(range(1, 7), (83_570, 83_910, 84_250, 84_590, 84_930, 85_270),
                        strict=True)
]
PRICE_COLUMNS = ("site", "month", "power_price_usd_mwh")
POWER_PRICES: Rows = [
    ("Alpha Ridge", "2026-06", 42.5),
    ("Cedar Creek", "2026-05", 60),
    ("Cedar Creek", "2026-06", 60),
]
CONTRACT_COLUMNS = ("contract", "tenant", "rate_usd_kw_month", "min_mw", "max_mw", "start_month",
                    "term_months", "escalator_pa", "sites", "power_pass_through", "firm")
CONTRACTS: Rows = [
    ("Bravo Lease", "Neocloud A", 104, 10, 10, "2026-01", 60, 0, "Bravo Flats", "yes", "yes"),
    ("Alpha Neocloud", "AI Lab", 150, 0, 30, "2026-04", 120, 0.03, "Alpha Ridge", "no", "no"),
]


# --------------------------------------------------------------------------------------------
# How a person types them.
# --------------------------------------------------------------------------------------------
def money(value: float) -> str:
    """``9000000`` -> ``$9,000,000``; ``45.5`` -> ``$45.50``."""
    return f"${value:,.2f}" if value != int(value) else f"${int(value):,}"


def pct(value: float) -> str:
    """``0.97`` -> ``97%`` (exact: no float noise such as 97.00000000000001)."""
    return f"{(Decimal(str(value)) * 100).normalize():f}%"


def put(ws: Worksheet, rows: Rows, *, start: int = 1) -> None:
    """Write rows from ``start``; ``("%", 0.02)`` is a number shown as a percentage, a
    ``datetime`` a date cell shown as ``Jan 2026``, a ``str`` starting with ``=`` a formula."""
    for r, row in enumerate(rows, start=start):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            if isinstance(value, tuple):
                cell = ws.cell(row=r, column=c, value=value[1])
                cell.number_format = "0%"
            else:
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, dt.datetime):
                    cell.number_format = "mmm yyyy"


def messy_book() -> Workbook:
    book = Workbook()
    about = book.active
    about.title = "About"
    put(about, [
        ["Fleet plan inputs - Q1 review (messy on purpose)"],
        ["Edited by ops, finance and the site leads; see Notes for the checks."],
        ["Amounts in USD. Power prices all-in."],
    ])

    settings = book.create_sheet("settings")
    put(settings, [
        ["Setting", "Value", "Comment"],
        ["Start month", JAN, "first month of the plan"],
        ["Months", "6"],
        ["Discount Rate", "10%", "WACC"],
        ["Pool fee", ("%", 0.02)],
        ["Halving month", "Apr 2028"],
        ["Asset life (years)", " 15 "],
        ["BTC price growth p.a.", "5%"],
        ["Network hashrate growth pa", ("%", 0.20)],
        ["Solver", "highs"],
    ])

    sites = book.create_sheet("Sites")
    # Columns in another order, units in brackets, a hidden helper column and a notes column.
    put(sites, [
        ["Site", "Power Price (USD/MWh)", "Capacity (MW)", "Mining PUE", "HPC-PUE", "Uptime",
         "Mining opex USD/MW/month", "HPC existing MW", "HPC Convertible MW",
         "Conversion Capex USD/MW", "Conversion lead months", "HPC Opex (USD/MW/month)",
         "HPC load factor", "grid check", "Notes"],
        ["Alpha Ridge", money(34), " 120 ", 1.05, "1.30", "97%", money(5_000), 0, "30",
         money(6_000_000), "1", money(20_000), pct(0.80), "=C2*0.9", "fiber on site"],
        [],
        ["Bravo Flats", money(45.5), 80, "1.08", 1.25, ("%", 0.95), 6_500, "10", None, None,
         None, "18,000", "85%", "=C4*0.9", "existing 10 MW hall is leased"],
        ["Cedar Creek", 52, "=40+20", 1.1, None, "96 %", "7,000", None, None, None, None,
         None, None, "=C5*0.9", None],
    ])
    sites.column_dimensions["N"].hidden = True

    miners = book.create_sheet("Miners")
    put(miners, [
        ["Site", "Model", "Units", "Hashrate TH", "Power W"],
        ["Alpha Ridge", "s21 xp", "20,000"],
        ["Alpha Ridge", "Antminer S19 XP", 10_000],
        ["Bravo Flats", "S21 Pro", "12000"],
        [],
        ["Cedar Creek", "Custom S19k Pro", "8,000", "120", "2,760"],
        ["Cedar Creek", "antminer s19j pro", 5_000],
    ])

    market = book.create_sheet("Market")
    months: list[object] = [JAN, "Feb 2026", "2026-03-15", dt.datetime(2026, 4, 1), "2026/05",
                            "June 2026"]
    rows: list[list[object]] = [["Month", "BTC Price (USD)", "Network Hashrate EH/s",
                                 "Fees BTC per block"]]
    previous = 0
    for i, (month, (_, price, hashrate, fees)) in enumerate(zip(months, MARKET, strict=True)):
        if i == 3:
            rows.append([])  # a blank row in the middle
        row_number = len(rows) + 1
        shown_hashrate: object = hashrate if i == 0 else f"=C{previous}+15"
        shown_price: object = money(price) if i % 2 == 0 else price
        rows.append([month, shown_price, shown_hashrate, "0.019" if i % 3 == 1 else fees])
        previous = row_number
    put(market, rows)

    prices = book.create_sheet("Power Prices")
    put(prices, [
        ["site", "Month", "Power price USD/MWh"],
        ["Alpha Ridge", "Jun 2026", money(42.5)],
        ["Cedar Creek", "05/2026", 60],
        ["Cedar Creek", dt.datetime(2026, 6, 1), "60"],
    ])

    contracts = book.create_sheet("Contracts")
    put(contracts, [
        ["Contract", "Tenant", "Rate USD/kW/month", "Min MW", "Max MW", "Start Month",
         "Term (months)", "Escalator p.a.", "Sites", "Power pass-through", "Firm", "Comment"],
        ["Bravo Lease", "Neocloud A", money(104), 10, "10", JAN, "60", 0, "Bravo Flats", "Yes",
         True, "signed"],
        ["Alpha Neocloud", "AI Lab", "$150.00", "0", "30", "April 2026", 120, "3%",
         "Alpha Ridge;", "no", "No", "verbal offer, needs the hall by April"],
    ])

    notes = book.create_sheet("Notes")
    put(notes, [
        ["Check", "Value"],
        ["Grid MW across sites", "=SUM(Sites!C2:C5)"],
        ["Sites", "=COUNTA(Sites!A2:A5)"],
    ])
    lookups = book.create_sheet("Lookups")
    put(lookups, [["model", "J/TH"], ["S21 XP", 13.5], ["S19 XP", 21.5]])
    lookups.sheet_state = "hidden"
    return book


def clean_book() -> Workbook:
    book = Workbook()
    settings = book.active
    settings.title = "Settings"
    put(settings, [["key", "value"], *([k, v] for k, v in SETTINGS)])
    for name, columns, rows in (
        ("Sites", SITE_COLUMNS, SITES),
        ("Miners", MINER_COLUMNS, MINERS),
        ("Market", MARKET_COLUMNS, MARKET),
        ("PowerPrices", PRICE_COLUMNS, POWER_PRICES),
        ("Contracts", CONTRACT_COLUMNS, CONTRACTS),
    ):
        put(book.create_sheet(name), [columns, *rows])
    return book


def save_pinned(book: Workbook, path: Path) -> None:
    """Save with pinned timestamps, so the clean twin's bytes change only with its content."""
    book.properties.creator = "fleet-allocator sample_inputs/make_messy.py"
    book.properties.created = JAN
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              rb"\g<1>2026-01-01T00:00:00Z", data)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)


def libreoffice_save(draft: Path, outdir: Path) -> Path:
    """Open ``draft`` in LibreOffice headless and save it as .xlsx into ``outdir``."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("make_messy.py needs LibreOffice (soffice) to compute the formulas")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
             "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(draft)],
            check=True, capture_output=True, timeout=180,
        )
    return outdir / draft.name


def main(outdir: Path = HERE) -> tuple[Path, Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    clean = outdir / "messy_clean.xlsx"
    save_pinned(clean_book(), clean)
    with tempfile.TemporaryDirectory() as folder:
        draft = Path(folder) / "messy.xlsx"
        messy_book().save(draft)
        messy = libreoffice_save(draft, outdir)
    twin, typed = read_workbook(clean), read_workbook(messy)
    if typed.fleet != twin.fleet:
        raise SystemExit("messy.xlsx and messy_clean.xlsx do not hold the same fleet")
    print(f"wrote {messy} and {clean}: the same fleet of {len(twin.fleet.sites)} sites")
    for warning in typed.warnings:
        print(f"  messy.xlsx warning: {warning}")
    return messy, clean


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
