"""The workbook reader: a clean workbook end to end, lenient cell forms, and one report of faults.

Workbooks are built with openpyxl in ``tmp_path``; each test says which reader rule it pins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from fleetkit import write_book

from allocator.errors import InputError
from allocator.workbook.reader import FleetWorkbook, read_workbook

Rows = Sequence[Sequence[object]]

SETTINGS: Rows = [
    ["key", "value"],
    ["discount_rate", 0.08],
    ["pool_fee", "2%"],
    ["halving_month", "2028-04"],
]
SITES: Rows = [
    ["site", "capacity_mw", "power_price_usd_mwh", "mining_pue", "hpc_pue", "uptime",
     "hpc_convertible_mw", "conversion_capex_usd_mw", "conversion_lead_months"],
    ["Alpha", 100, 45, 1.05, 1.3, 0.97, 50, 1_200_000, 12],
    ["Beta", 60, 38.5, None, None, None, None, None, None],
]
MINERS: Rows = [
    ["site", "model", "units", "hashrate_th", "power_w"],
    ["Alpha", "Antminer S21 XP", 10_000, None, None],
    ["Beta", "Custom Rig", 500, 100, 2000],
]
MARKET: Rows = [
    ["month", "btc_price_usd", "network_hashrate_ehs", "fees_btc_per_block"],
    [dt.date(2026, 1, 1), 90_000, 1000, 0.02],
    ["2026-02", 91_000, 1010, 0.02],
    ["Mar 2026", 92_000, 1020, 0.02],
]
CONTRACTS: Rows = [
    ["contract", "tenant", "rate_usd_kw_month", "min_mw", "max_mw", "start_month",
     "term_months", "escalator_pa", "sites", "power_pass_through", "firm"],
    ["Lease-A", "Neocloud", 150, 10, 40, "2027-01", 120, "3%", "Alpha; Beta", "yes", "No"],
]


def base_sheets(**changes: Rows | None) -> dict[str, Rows]:
    """The clean workbook's sheets, with some replaced (or dropped when given ``None``)."""
    sheets: dict[str, Rows | None] = {
        "Settings": SETTINGS,
        "Sites": SITES,
        "Miners": MINERS,
        "Market": MARKET,
        "Contracts": CONTRACTS,
    }
    sheets.update(changes)
    return {name: rows for name, rows in sheets.items() if rows is not None}


def read(tmp_path: Path, **changes: Rows | None) -> FleetWorkbook:
    return read_workbook(write_book(tmp_path / "fleet.xlsx", base_sheets(**changes)))


def problems(tmp_path: Path, **changes: Rows | None) -> InputError:
    with pytest.raises(InputError) as caught:
        read(tmp_path, **changes)
    return caught.value


def locations(error: InputError) -> list[str]:
    return [p.location for p in error.problems]


# --------------------------------------------------------------------------- clean input


def test_clean_workbook_reads_end_to_end(tmp_path: Path) -> None:
    """Every sheet reaches the domain; a catalog name alone gives the S21 XP's 13.5 J/TH."""
    path = write_book(tmp_path / "fleet.xlsx", base_sheets())
    result = read_workbook(path)
    fleet = result.fleet

    assert result.warnings == ()
    assert result.path == path
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()

    assert fleet.settings.start_month == "2026-01"  # default: first Market month
    assert fleet.settings.months == 3  # default: every Market month from start_month
    assert fleet.settings.pool_fee == pytest.approx(0.02)
    assert fleet.settings.discount_rate == pytest.approx(0.08)

    alpha, beta = fleet.sites
    assert (alpha.name, alpha.capacity_mw, alpha.uptime) == ("Alpha", 100, 0.97)
    assert alpha.conversion_lead_months == 12
    assert (beta.mining_pue, beta.uptime, beta.hpc_convertible_mw) == (1.0, 1.0, 0.0)

    s21, custom = fleet.miners
    assert s21.model == "Antminer S21 XP"
    assert s21.efficiency_j_th == pytest.approx(13.5)
    assert s21.installed_mw == pytest.approx(36.45)
    assert (custom.model, custom.efficiency_j_th) == ("Custom Rig", 20.0)

    assert [m.month for m in fleet.market] == ["2026-01", "2026-02", "2026-03"]
    assert fleet.market[2].btc_price_usd == 92_000

    (lease,) = fleet.contracts
    assert lease.name == "Lease-A"
    assert lease.sites == ("Alpha", "Beta")
    assert lease.escalator_pa == pytest.approx(0.03)
    assert (lease.power_pass_through, lease.firm) == (True, False)
    assert lease.term_months == 120


def test_settings_sheet_is_optional_and_start_month_sets_the_horizon(tmp_path: Path) -> None:
    """Without Settings the defaults apply; a start_month shortens the default months."""
    assert read(tmp_path, Settings=None).fleet.settings.months == 3
    result = read(tmp_path, Settings=[["Start Month", "2026-02"]])  # no header row
    assert (result.fleet.settings.start_month, result.fleet.settings.months) == ("2026-02", 2)


def test_headers_and_sheet_names_ignore_case_spaces_and_punctuation(tmp_path: Path) -> None:
    sites: Rows = [
        ["  SITE ", "Capacity MW", "power price (USD/MWh)", "Mining-PUE"],
        ["Alpha", 100, 45, 1.1],
    ]
    path = write_book(
        tmp_path / "fleet.xlsx",
        {"sites ": sites, "MARKET": MARKET, "power prices": [
            ["Site", "MONTH", "Power_Price_USD_MWh"], ["Alpha", "2026-02", 50],
        ]},
    )
    result = read_workbook(path)
    assert result.warnings == ()
    site = result.fleet.sites[0]
    assert (site.name, site.capacity_mw, site.power_price_usd_mwh, site.mining_pue) == (
        "Alpha", 100, 45, 1.1)
    assert result.fleet.power_prices[0].power_price_usd_mwh == 50


def test_months_as_real_dates_and_text_forms(tmp_path: Path) -> None:
    market: Rows = [
        ["month", "hashprice_usd_ph_day"],
        [dt.datetime(2026, 1, 1), 50],
        [dt.date(2026, 2, 15), 50],
        ["2026-3", 50],
        ["April 2026", 50],
        ["2026-05-01", 50],
        [" 2026-06 ", 50],
    ]
    fleet = read(tmp_path, Market=market, Settings=[["start_month", dt.date(2026, 2, 1)]]).fleet
    assert [m.month for m in fleet.market] == [
        "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert (fleet.settings.start_month, fleet.settings.months) == ("2026-02", 5)


def test_percent_text_and_percent_formatted_cells(tmp_path: Path) -> None:
    """'2%' text and a 0.02 cell shown as 2% both mean 0.02."""
    path = write_book(tmp_path / "fleet.xlsx", base_sheets(Settings=[
        ["pool_fee", "2%"], ["discount_rate", 0.1], ["max_hpc_share", " 40 % "]]))
    book = openpyxl.load_workbook(path)
    book["Settings"]["B2"].number_format = "0%"
    book.save(path)
    settings = read_workbook(path).fleet.settings
    assert settings.pool_fee == pytest.approx(0.02)
    assert settings.discount_rate == pytest.approx(0.1)
    assert settings.max_hpc_share == pytest.approx(0.4)


def test_yes_no_booleans_in_any_form(tmp_path: Path) -> None:
    header = CONTRACTS[0]
    row = list(CONTRACTS[1])
    rows = [header]
    for index, (passes, firm) in enumerate(
        [("YES", "n"), (True, False), ("y", 0), (1, "false"), (" No ", "True")]
    ):
        rows.append([f"C{index}", *row[1:9], passes, firm])
    contracts = read(tmp_path, Contracts=rows).fleet.contracts
    assert [(c.power_pass_through, c.firm) for c in contracts] == [
        (True, False), (True, False), (True, False), (True, False), (False, True)]


def test_blank_rows_in_the_middle_and_at_the_end_are_ignored(tmp_path: Path) -> None:
    sites = [SITES[0], [], SITES[1], [None, None, "   "], SITES[2], [], [], ["  "]]
    path = write_book(tmp_path / "fleet.xlsx", base_sheets(Sites=sites))
    book = openpyxl.load_workbook(path)
    book["Sites"]["D40"].number_format = "0.00"  # a formatted but empty cell far below
    book.save(path)
    result = read_workbook(path)
    assert [s.name for s in result.fleet.sites] == ["Alpha", "Beta"]
    assert result.warnings == ()


def test_unknown_column_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    sites = [[*SITES[0], "capcity mw", "notes"], [*SITES[1], 5, "x"], [*SITES[2], 6, ""]]
    result = read(tmp_path, Sites=sites)
    assert result.warnings == (
        "Sites!J1: unknown column 'capcity mw' ignored; did you mean 'capacity_mw'?",
        "Sites!K1: unknown column 'notes' ignored",
    )
    assert result.fleet.sites[0].capacity_mw == 100


def test_odd_but_harmless_input_gives_warnings(tmp_path: Path) -> None:
    """Unknown setting, zero units, a sheet named like an input sheet, Scenarios, result sheets."""
    miners = [*MINERS, ["Beta", "Antminer S21", 0, None, None]]
    sheets = base_sheets(Settings=[["pool fees", 0.02]], Miners=miners)
    sheets["Contract"] = [["anything"]]
    sheets["Scenarios"] = [["scenario", "parameter"], ["bear", "btc_price_usd"]]
    sheets["Summary"] = [["month"], ["2026-01"]]
    result = read_workbook(write_book(tmp_path / "fleet.xlsx", sheets))
    assert result.warnings == (
        "Contract: sheet 'Contract' is not read; did you mean 'Contracts'?",
        "Settings!A1: unknown setting 'pool fees' ignored; did you mean 'pool_fee'?",
        "Miners!C4: units is 0; row skipped",
    )
    assert len(result.fleet.miners) == 2
    assert result.fleet.settings.pool_fee == 0


# --------------------------------------------------------------------------- faults


def test_every_fault_is_reported_in_one_error(tmp_path: Path) -> None:
    """Negative capacity, unknown model, duplicate site, bad month, missing column: one report."""
    sites = [SITES[0], SITES[1], ["Beta", -5, 38], ["Alpha", 10, 40]]
    miners = [MINERS[0], ["Alpha", "S21 XPP", 100, None, None]]
    market = [MARKET[0], MARKET[1], ["2026-13", 1, 1, 0]]
    contracts = [[h for h in CONTRACTS[0] if h != "max_mw"],
                 [v for h, v in zip(CONTRACTS[0], CONTRACTS[1], strict=True) if h != "max_mw"]]
    error = problems(tmp_path, Sites=sites, Miners=miners, Market=market, Contracts=contracts)

    assert locations(error) == [
        "Sites!B3", "Sites!A4", "Miners!B2", "Market!A3", "Contracts!1:1"]
    messages = [str(p) for p in error.problems]
    assert messages[0] == "Sites!B3: capacity_mw must be > 0 (got -5)"
    assert messages[1] == "Sites!A4: site 'Alpha' is given twice (also Sites!A2)"
    assert messages[2] == (
        "Miners!B2: unknown miner model 'S21 XPP'; give hashrate_th and power_w or use a "
        "catalog model such as Antminer S21 XP, Antminer S19 XP"
    )
    assert messages[3].startswith("Market!A3: month must be a month written YYYY-MM")
    assert messages[4] == "Contracts!1:1: required column 'max_mw' is missing"
    assert str(error).startswith(f"5 problems in {tmp_path / 'fleet.xlsx'}:")


def test_bad_cells_are_named_with_their_values(tmp_path: Path) -> None:
    sites = [SITES[0], ["Alpha", "lots", 45, 0.9, None, 150, None, None, 2.5], ["", 60, 38.5]]
    settings: Rows = [["months", 0], ["pool_fee", "two"], ["solver", None]]
    error = problems(tmp_path, Sites=sites, Settings=settings, Miners=None, Contracts=None)
    assert [str(p) for p in error.problems] == [
        "Settings!B1: months must be >= 1 (got 0)",
        "Settings!B2: pool_fee must be a fraction such as 0.02 or a percentage such as 2% "
        "(got 'two')",
        "Sites!B2: capacity_mw must be a number (got 'lots')",
        "Sites!D2: mining_pue must be >= 1 (got 0.9)",
        "Sites!F2: uptime must be <= 1 (got 150)",
        "Sites!I2: conversion_lead_months must be a whole number (got 2.5)",
        "Sites!A3: site is required",
    ]


def test_a_month_as_a_bare_number_asks_for_a_date_format(tmp_path: Path) -> None:
    market = [MARKET[0], [46023, 90_000, 1000, 0]]
    (problem,) = problems(tmp_path, Market=market).problems
    assert str(problem) == (
        "Market!A2: month is a bare number, not a month; format the cell as a date or write "
        "YYYY-MM text (got 46023)"
    )


def test_cross_row_faults(tmp_path: Path) -> None:
    """Repeats, unknown sites, look-alike names, min > max, start before the market (a gap
    in the Market months is no fault: tests/test_market_deck.py)."""
    sites = [*SITES, ["Site A", 10, 40], ["Site-A", 10, 40]]
    miners = [MINERS[0], ["Gamma", "Antminer S21", 10, None, None]]
    market = [MARKET[0], MARKET[1], ["2026-05", 1, 1, 0], ["2026-05", 1, 1, 0]]
    prices: Rows = [["site", "month", "power_price_usd_mwh"], ["Alpha", "2026-02", 50],
              ["Alpha", "2026-02", 55], ["Delta", "2026-02", 55]]
    row = list(CONTRACTS[1])
    contracts = [CONTRACTS[0], row, [*row[:3], 50, 40, *row[5:8], "Alpha, Omega", *row[9:]]]
    error = problems(tmp_path, Sites=sites, Miners=miners, Market=market, PowerPrices=prices,
                     Contracts=contracts, Settings=[["start_month", "2025-12"]])
    assert [str(p) for p in error.problems] == [
        "Settings!B1: start_month 2025-12 is before the first Market month 2026-01: 2025-12 "
        "has no market outlook; add a Market row for it or start later (got '2025-12')",
        "Sites!A5: site names 'Site-A' and 'Site A' (Sites!A4) differ only in spaces or "
        "punctuation; the plan needs distinct names",
        "Miners!A2: unknown site 'Gamma'; sites: Alpha, Beta, Site A, Site-A",
        "Market!A4: market month 2026-05 is given twice (also Market!A3)",
        "PowerPrices!B3: power price for site 'Alpha' in 2026-02 is given twice "
        "(also PowerPrices!B2)",
        "PowerPrices!A4: unknown site 'Delta'; sites: Alpha, Beta, Site A, Site-A",
        "Contracts!A3: contract 'Lease-A' is given twice (also Contracts!A2)",
        "Contracts!D3: min_mw must be <= max_mw (40) (got 50)",
        "Contracts!I3: sites names unknown site 'Omega'; sites: Alpha, Beta, Site A, Site-A",
    ]


def test_header_faults(tmp_path: Path) -> None:
    """A duplicate header is an error; a column of values without a header is a warning."""
    sites = [[*SITES[0][:3], "Capacity MW"], ["Alpha", 100, 45, 90]]
    error = problems(tmp_path, Sites=sites, Miners=None, Contracts=None)
    assert [str(p) for p in error.problems] == [
        "Sites!D1: duplicate column 'capacity_mw' (also Sites!B1)"]

    sites = [[*SITES[0][:3], None], ["Alpha", 100, 45, "stray"]]
    assert read(tmp_path, Sites=sites, Miners=None, Contracts=None).warnings == (
        "Sites!D1: column D has values but no header; ignored",)


def test_settings_faults(tmp_path: Path) -> None:
    """A settings header row with extra columns is skipped; a key given twice is an error."""
    settings: Rows = [["Setting", "Value", "unit"], ["pool_fee", 0.02, "fraction"],
                      ["Pool Fee", 0.03], [None, 5], ["solver", True]]
    error = problems(tmp_path, Settings=settings)
    assert [str(p) for p in error.problems] == [
        "Settings!A3: setting 'pool_fee' is given twice (also Settings!A2)",
        "Settings!B5: solver must be text, not TRUE/FALSE (got True)",
    ]


def test_missing_required_sheet_lists_the_sheets_found(tmp_path: Path) -> None:
    sheets = base_sheets(Sites=None)
    sheets["Site"] = SITES
    error = read_workbook_error(write_book(tmp_path / "fleet.xlsx", sheets))
    assert [str(p) for p in error.problems] == [
        "Sites: required sheet 'Sites' is missing; the workbook has: Settings, Miners, Market, "
        "Contracts, Site (rename 'Site' to 'Sites')",
    ]


def test_empty_required_sheet(tmp_path: Path) -> None:
    error = problems(tmp_path, Market=[], Sites=[SITES[0]])
    assert [str(p) for p in error.problems] == [
        "Sites: at least one site is needed; add rows under the headers",
        "Market!1:1: the sheet is empty; row 1 needs the headers month",
    ]


def read_workbook_error(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    return caught.value


def test_missing_file_and_non_workbook_are_input_errors(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xlsx"
    error = read_workbook_error(missing)
    assert str(error.problems[0]) == f"workbook: file not found: {missing}"
    assert error.source == str(missing)

    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip", encoding="utf-8")
    error = read_workbook_error(fake)
    assert error.problems[0].message.startswith("fake.xlsx is not a workbook")

    assert "is a folder" in read_workbook_error(tmp_path).problems[0].message


def test_an_unexpected_failure_is_still_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing but InputError leaves the reader, even when a helper breaks."""

    def broken(name: str) -> None:
        raise RuntimeError("catalog is broken")

    monkeypatch.setattr("allocator.catalog.find_model", broken)
    error = problems(tmp_path)
    assert [str(p) for p in error.problems] == [
        "workbook: could not read the workbook: RuntimeError: catalog is broken"]
    assert isinstance(error.__cause__, RuntimeError)


def test_reader_writes_nothing(tmp_path: Path) -> None:
    path = write_book(tmp_path / "fleet.xlsx", base_sheets())
    before = (path.read_bytes(), sorted(tmp_path.iterdir()))
    read_workbook(path)
    assert (path.read_bytes(), sorted(tmp_path.iterdir())) == before


# --------------------------------------------------------------------------- percents and lists


def test_rates_and_shares_typed_as_percent_numbers_are_refused_with_the_fraction_meant(
    tmp_path: Path,
) -> None:
    """Bug it pins: ``btc_price_growth_pa`` 5 (meaning 5 %) was read as +500 %/yr. One rule,
    the domain field's PercentAbove limit, covers every rate and share: shares and yearly
    rates above 1, growth rates and volatilities above 2 (so 1.5 = 150 %/yr stays legal)."""
    settings: Rows = [["discount_rate", 8], ["pool_fee", 2], ["btc_price_growth_pa", 5],
                      ["network_hashrate_growth_pa", 1.5], ["max_hpc_share", 40],
                      ["btc_price_volatility_pa", 60], ["network_hashrate_volatility_pa", "60%"],
                      ["btc_hashrate_correlation", -30]]
    sites = [SITES[0], [*SITES[1][:5], 97, *SITES[1][6:]], SITES[2]]
    sites = [[*row, head] for row, head in zip(sites, ["hpc_load_factor", 80, None],
                                               strict=True)]
    contracts = [CONTRACTS[0], [*CONTRACTS[1][:7], 3, *CONTRACTS[1][8:]]]
    error = problems(tmp_path, Settings=settings, Sites=sites, Contracts=contracts)
    assert [str(p) for p in error.problems] == [
        "Settings!B1: discount_rate 8 looks like a percent: enter 0.08 for 8 % (got 8)",
        "Settings!B2: pool_fee 2 looks like a percent: enter 0.02 for 2 % (got 2)",
        "Settings!B3: btc_price_growth_pa 5 looks like a percent: enter 0.05 for 5 % (got 5)",
        "Settings!B5: max_hpc_share 40 looks like a percent: enter 0.4 for 40 % (got 40)",
        "Settings!B6: btc_price_volatility_pa 60 looks like a percent: enter 0.6 for 60 % "
        "(got 60)",
        "Settings!B8: btc_hashrate_correlation -30 looks like a percent: enter -0.3 for -30 % "
        "(got -30)",
        "Sites!F2: uptime 97 looks like a percent: enter 0.97 for 97 % (got 97)",
        "Sites!J2: hpc_load_factor 80 looks like a percent: enter 0.8 for 80 % (got 80)",
        "Contracts!H2: escalator_pa 3 looks like a percent: enter 0.03 for 3 % (got 3)",
    ]


def test_legal_rates_stay_legal_and_a_percent_sign_says_what_it_means(tmp_path: Path) -> None:
    settings: Rows = [["network_hashrate_growth_pa", 1.5], ["btc_price_growth_pa", "300%"],
                      ["btc_price_volatility_pa", 2]]
    fleet = read(tmp_path, Settings=settings).fleet
    assert fleet.settings.network_hashrate_growth_pa == 1.5
    assert fleet.settings.btc_price_growth_pa == pytest.approx(3.0)
    assert fleet.settings.btc_price_volatility_pa == 2
    # 1 is within the limit, so the domain's own bound (pool_fee < 1) answers
    with pytest.raises(InputError, match=r"Settings!B1: pool_fee must be < 1 \(got 1\)"):
        read(tmp_path, Settings=[["pool_fee", 1]])


def test_a_site_name_with_a_comma_is_named_in_contracts_by_quoting_it(tmp_path: Path) -> None:
    """Bug it pins: ``Abilene, TX`` was accepted in Sites but split into ``Abilene`` and
    ``TX`` in Contracts ``sites``, so no contract could name it."""
    sites = [SITES[0], ["Abilene, TX", *SITES[1][1:]], SITES[2]]
    miners = [MINERS[0], ["Abilene, TX", *MINERS[1][1:]], MINERS[2]]
    quoted = [CONTRACTS[0], [*CONTRACTS[1][:8], '"Abilene, TX"; Beta', *CONTRACTS[1][9:]],
              ["Lease-B", "Neocloud", 150, 0, 40, "2027-01", 120, 0, "\u201cAbilene, TX\u201d",
               "yes", "no"]]
    fleet = read(tmp_path, Sites=sites, Miners=miners, Contracts=quoted).fleet
    assert [c.sites for c in fleet.contracts] == [("Abilene, TX", "Beta"), ("Abilene, TX",)]
    bare = [CONTRACTS[0], [*CONTRACTS[1][:8], "Abilene, TX, Beta", *CONTRACTS[1][9:]]]
    error = problems(tmp_path, Sites=sites, Miners=miners, Contracts=bare)
    assert [str(p) for p in error.problems] == [
        "Contracts!I2: sites names unknown sites 'Abilene', 'TX'; sites: \"Abilene, TX\", Beta; "
        "quote a name that holds a comma or semicolon: \"Abilene, TX\""]
    unclosed = [CONTRACTS[0], [*CONTRACTS[1][:8], '"Abilene, TX; Beta', *CONTRACTS[1][9:]]]
    error = problems(tmp_path, Sites=sites, Miners=miners, Contracts=unclosed)
    assert [str(p) for p in error.problems] == [
        "Contracts!I2: sites must be names separated by commas, with a name that holds a comma "
        "quoted: \"Abilene, TX\", Bravo (got '\"Abilene, TX; Beta')"]
