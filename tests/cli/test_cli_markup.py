"""User names are printed as typed: rich markup in a contract or scenario name (``AI Lab [/]``,
``BTC [/bold] -30%``, ``[red]Neo``) neither crashes the output after the file is written
(``MarkupError``) nor vanishes, in optimize, compare, sweep, Monte Carlo and explain."""

from __future__ import annotations

from pathlib import Path

import pytest
from clikit import run, table_rows
from scenariokit import small_fleet, with_volatility, write_scenario_book

from allocator.domain import Fleet

TAKEN = "AI Lab [/]"
DROPPED = "[red]Neo"
BEAR = "BTC [/bold] -30%"


def marked_fleet() -> Fleet:
    """The small fleet with two contracts named in markup; AI Lab [/] pays enough to be taken."""
    fleet = with_volatility(small_fleet())
    contracts = list(fleet.contracts)
    contracts[0] = contracts[0].model_copy(update={"name": TAKEN, "rate_usd_kw_month": 400.0})
    contracts[1] = contracts[1].model_copy(update={"name": DROPPED})
    return fleet.model_copy(update={"contracts": tuple(contracts)})


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_scenario_book(tmp_path / "fleet.xlsx", marked_fleet(),
                               [[BEAR, "btc_price_usd", "scale", 0.7],
                                ["[red]", "btc_price_usd", "scale", 1.3]])


def test_optimize_prints_a_contract_named_in_markup_after_writing(book: Path) -> None:
    out = book.with_name("plan.xlsx")
    result = run("optimize", str(book), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert table_rows(result.stdout)[f"Contract {TAKEN}"] == "37.0 IT MW"
    assert result.stdout.splitlines()[-1] == f"Plan written to {out}"


def test_compare_prints_scenarios_named_in_markup(book: Path) -> None:
    result = run("compare", str(book), "--jobs", "1", "--no-write")
    assert result.exit_code == 0, result.output
    first_cells = [line.split("  ")[0].strip() for line in result.stdout.splitlines()[5:10]]
    # The 80-column table wraps the name over three lines; every bracket is still there.
    assert first_cells == ["Base", "BTC", "[/bold]", "-30%", "[red]"]
    assert result.stderr == ""


def test_sweep_titles_and_flips_keep_a_target_named_in_markup(book: Path) -> None:
    result = run("sweep", str(book), "--param", "rate_usd_kw_month", "--target", TAKEN,
                 "--from", "50", "--to", "400", "--steps", "3", "--jobs", "1", "--no-write")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Sweep of rate_usd_kw_month ({TAKEN})"
    assert lines[-3:] == [
        "Flip points:",
        f"  Contract {TAKEN} is taken once the rate of {TAKEN} exceeds $169.3/kW-month",
        f"  Site 0002 converts once the rate of {TAKEN} exceeds $169.3/kW-month",
    ]


def test_monte_carlo_lists_contracts_named_in_markup(book: Path) -> None:
    result = run("sweep", str(book), "--samples", "3", "--jobs", "1", "--no-write")
    assert result.exit_code == 0, result.output
    rows = table_rows(result.stdout)
    assert rows[f"P(contract {TAKEN} taken)"] == "100%"
    assert rows[f"P(contract {DROPPED} taken)"] == "0%"


def test_explain_names_a_site_in_markup(tmp_path: Path) -> None:
    fleet = marked_fleet()
    site = "[bold]Alpha"
    sites = (fleet.sites[0].model_copy(update={"name": site}), *fleet.sites[1:])
    miners = tuple(m.model_copy(update={"site": site}) if m.site == "Site 0001" else m
                   for m in fleet.miners)
    contracts = [c.model_copy(update={"sites": tuple(site if s == "Site 0001" else s
                                                     for s in c.sites)})
                 for c in fleet.contracts]
    contracts[0] = contracts[0].model_copy(update={"firm": True, "min_mw": 10_000.0,
                                                   "max_mw": 10_000.0})
    book = write_scenario_book(tmp_path / "fleet.xlsx", fleet.model_copy(update={
        "sites": sites, "miners": miners, "contracts": tuple(contracts)}), None)
    result = run("explain", str(book))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        f"{book}: no plan is possible as the workbook stands:",
        f'  - Contracts!D2 (contract "{fleet.contracts[0].name}"): firm contract needs 10000 MW '
        f"at sites {site}, Site 0002, Site 0003 "
        "from 2026-07, but at most 159.2 MW can be converted and online there by then (got "
        "10000.0)"]
    result = run("explain", str(book), "--relax")
    assert f'  - Make contract "{TAKEN}" (Contracts!K2) not firm.' in result.stdout.splitlines()
