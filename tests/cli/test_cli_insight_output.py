"""``optimize --insight`` shows what it found: under the headline, the sites' HPC breakevens
against the best offer open to them, the contracts' values and flip rates and the largest
sensitivity swings, the rest counted; ``--json`` carries every row under ``insight``.

Bug (issue 14, item 7): ``--insight`` printed exactly what a plain run prints and its JSON had
the same keys, so the re-solves' figures were only in the written sheets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clikit import run

from allocator.cli.insight_summary import insight_lines

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"

SAMPLE_BLOCK = [
    "HPC breakeven by site ($/kW-month to convert 1 more MW), lowest first:",
    "  Cedar Creek      131.92  best offer 159.00 (AI Lab NNN); converts 24.0 of 24.0 MW",
    "  Glacier Point    144.95  best offer 159.00 (AI Lab NNN); converts 40.0 of 40.0 MW",
    "  Delta Basin      152.21  best offer 159.00 (AI Lab NNN); converts 50.0 of 50.0 MW",
    "  Alpha Ridge      154.52  best offer 159.00 (AI Lab NNN); converts 17.5 of 60.0 MW",
    "  Bravo Flats      178.48  best offer 159.00 (AI Lab NNN); converts 0.0 of 140.0 MW",
    "  ... and 2 more sites (2 with no convertible space): see the Site Value sheet",
    "Contracts, the largest NPV added first (rates in $/kW-month):",
    "  AI Lab NNN      126.5 of 200.0 MW  adds   $87.7M  159.00 now, full from 178.48, "
    "none at or below 69.30",
    "  Cedar Retrofit    25.0 of 40.0 MW  adds  -$21.8M  104.00 now, full from 135.39; "
    "firm: at least 25.0 MW is taken at any rate",
    # the drop rate is the flip itself, 170.274 (read off the basis): the bisection's bracket
    # end, 170.277, printed 170.28, at which 40 MW is taken
    "  Neocloud MG       0.0 of 150.0 MW  adds    $0.0M  150.00 now, full from 193.44, "
    "none at or below 170.27",
    "NPV at -10% / +10% of each driver (re-optimized), largest swing first:",
    "  Network hashrate    $1,338.0M / $944.0M  (swing $394.0M)",
    "  BTC price           $927.4M / $1,315.3M  (swing $387.9M)",
    "  Power price       $1,209.8M / $1,030.0M  (swing $179.8M)",
    "  ... and 2 more drivers: see the Sensitivity sheet",
]


def _steady(text: str) -> list[str]:
    """The lines of ``text`` but the solve time, which differs from run to run."""
    return [line for line in text.splitlines() if not line.startswith("│ Solve time")]


@pytest.fixture(scope="module")
def plain() -> str:
    result = run("optimize", str(SAMPLE), "--no-write")
    assert result.exit_code == 0, result.output
    return str(result.stdout)


@pytest.mark.slow
def test_insight_prints_its_figures_under_the_headline(plain: str, tmp_path: Path) -> None:
    out = tmp_path / "fleet.plan.xlsx"
    result = run("optimize", str(SAMPLE), "-o", str(out), "--insight")
    assert result.exit_code == 0, result.output
    assert _steady(result.stdout) == [*_steady(plain), *SAMPLE_BLOCK, f"Plan written to {out}"]
    assert result.stderr == plain_warning()


def plain_warning() -> str:
    return ("Warning: Market: months after 2026-12 are projected with btc_price_growth_pa 0.05 "
            "and network_hashrate_growth_pa 0.2.\n"
            "Warning: Market: from 2029-06 to 2030-12 (19 months) the hashprice, $9.66 to "
            "$11.80/PH/day, is below every miner tranche's breakeven (the lowest, $11.87 to "
            "$12.04/PH/day, is that of Bravo Flats Antminer S21 XP), so the plan idles all "
            "mining; check the Market rows and growth rates if that is not the outlook you "
            "mean.\n")


def test_insight_json_adds_every_row_under_insight(tmp_path: Path) -> None:
    bare = run("optimize", str(SAMPLE), "--no-write", "--json")
    result = run("optimize", str(SAMPLE), "--no-write", "--json", "--insight")
    assert result.exit_code == 0, result.output
    head, with_insight = json.loads(bare.stdout), json.loads(result.stdout)
    assert list(with_insight) == [*[k for k in head if k != "output"], "insight", "output"]
    insight = with_insight["insight"]
    assert list(insight) == ["breakevens", "contracts", "sensitivities"]
    assert [r["site"] for r in insight["breakevens"]] == [
        "Cedar Creek", "Glacier Point", "Delta Basin", "Alpha Ridge", "Bravo Flats",
        "Echo Mesa", "Foxtrot Hollow"]
    assert insight["breakevens"][0] == {
        "site": "Cedar Creek",
        "breakeven_hpc_rate_usd_kw_month": pytest.approx(131.92, abs=0.01),
        "best_offer_rate_usd_kw_month": 159.0, "best_offer_contract": "AI Lab NNN",
        "convertible_mw": 24.0, "converted_mw": pytest.approx(24.0),
        "note": "all convertible space is converted in the plan; the rate must beat the "
                "lease it would displace"}
    assert insight["breakevens"][-1]["breakeven_hpc_rate_usd_kw_month"] is None
    cedar = next(r for r in insight["contracts"] if r["contract"] == "Cedar Retrofit")
    assert cedar["drop_rate_usd_kw_month"] is None
    assert cedar["value_added_usd"] == pytest.approx(-21.81e6, abs=0.01e6)
    assert [r["parameter"] for r in insight["sensitivities"]] == [
        "network_hashrate_ehs", "btc_price_usd", "power_price_usd_mwh", "rate_usd_kw_month",
        "conversion_capex_usd_mw"]
    assert set(insight["sensitivities"][0]) == {
        "driver", "parameter", "low_change_pct", "high_change_pct", "low_npv_usd",
        "high_npv_usd", "swing_usd", "note"}


def test_without_insight_the_output_is_the_headline_alone(plain: str) -> None:
    assert _steady(plain)[-1].startswith("└")
    bare = json.loads(run("optimize", str(SAMPLE), "--no-write", "--json").stdout)
    assert "insight" not in bare


def _site(name: str, rate: float | None, mw: float, note: str = "") -> dict[str, Any]:
    return {"site": name, "breakeven_hpc_rate_usd_kw_month": rate,
            "best_offer_rate_usd_kw_month": 120.0, "best_offer_contract": "K [/]",
            "convertible_mw": mw, "converted_mw": 0.0, "note": note}


def test_blank_figures_print_their_reason_and_the_rest_points_at_json() -> None:
    summary = {
        "breakevens": [_site("A", 101.5, 10.0), _site("B [red]", None, 0.0, "no convertible "
                                                           "space (hpc_convertible_mw is 0)"),
                       *[_site(f"S{i}", 130.0 + i, 5.0) for i in range(5)]],
        "contracts": [{"contract": "K [/]", "rate_usd_kw_month": 120.0, "committed_mw": 0.0,
                       "max_mw": 10.0, "value_added_usd": 0.0,
                       "full_take_rate_usd_kw_month": None, "drop_rate_usd_kw_month": None,
                       "note": "not taken even at $360.00/kW-month"}],
        "sensitivities": [],
    }
    assert insight_lines(summary, None) == [
        "HPC breakeven by site ($/kW-month to convert 1 more MW), lowest first:",
        "  A          101.50  best offer 120.00 (K [/]); converts 0.0 of 10.0 MW",
        "  B [red]         -  no convertible space (hpc_convertible_mw is 0)",
        "  S0         130.00  best offer 120.00 (K [/]); converts 0.0 of 5.0 MW",
        "  S1         131.00  best offer 120.00 (K [/]); converts 0.0 of 5.0 MW",
        "  S2         132.00  best offer 120.00 (K [/]); converts 0.0 of 5.0 MW",
        "  ... and 2 more sites: see --json",
        "Contracts, the largest NPV added first (rates in $/kW-month):",
        "  K [/]     0.0 of 10.0 MW  adds    $0.0M  120.00 now; not taken even at "
        "$360.00/kW-month",
    ]
