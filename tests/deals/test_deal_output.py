"""The deal figures reach every output the same: Python API, ``--json``, terminal, workbook."""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pytest
from clikit import run, table_rows

from allocator import optimize
from allocator.results.plan import Plan

SAMPLE = Path(__file__).resolve().parents[2] / "sample_inputs" / "fleet.xlsx"
BRIDGE = ("planning_npv_usd", "capital_charge_in_horizon_usd", "capex_when_spent_usd",
          "tenant_funded_capex_usd", "contracted_tail_usd", "renewal_options_usd",
          "prepayment_timing_usd", "cash_npv_usd")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return optimize(SAMPLE)


def test_sample_bridge_reconciles_planning_and_cash_npv(plan: Plan) -> None:
    """The sample's planning NPV ($1,115.6M) + capital charge ($412.2M) - capex when spent
    ($887.0M) + contracted tail ($982.0M) is its cash NPV ($1,622.7M) (no tenant funds capex
    or prepays), and the planning line is the plan's own NPV."""
    rows = dict(plan.run_info.deal_figures)
    assert [key for key in rows if key in BRIDGE] == list(BRIDGE)
    assert rows["planning_npv_usd"] == plan.npv_usd
    total = (rows["planning_npv_usd"] + rows["capital_charge_in_horizon_usd"]
             - rows["capex_when_spent_usd"] + rows["tenant_funded_capex_usd"]
             + rows["contracted_tail_usd"] + rows["renewal_options_usd"]
             + rows["prepayment_timing_usd"])
    assert rows["cash_npv_usd"] == pytest.approx(total, rel=1e-12)
    assert [round(float(rows[k]) / 1e6, 1) for k in BRIDGE] == [1115.6, 412.2, 887.0, 0.0,
                                                                 982.0, 0.0, 0.0, 1622.7]


def test_json_carries_the_api_figures(plan: Plan) -> None:
    """``--json`` gives the bridge, the portfolio and every project exactly as the Python API
    has them (NaN as null), and the horizon's BTC mined as the Summary's sum."""
    result = run("optimize", str(SAMPLE), "--no-write", "--json")
    assert result.exit_code == 0, result.output
    head = json.loads(result.stdout)
    rows = dict(plan.run_info.deal_figures)
    assert head["deals"]["npv_bridge"] == {key: rows[key] for key in BRIDGE}
    assert head["deals"]["portfolio"]["walt_years"] == rows["walt_years"]
    assert len(head["deals"]["projects"]) == len(plan.deals)
    for got, want in zip(head["deals"]["projects"], plan.deals.to_dict("records"), strict=True):
        assert got == {k: None if isinstance(v, float) and math.isnan(v) else v
                       for k, v in want.items()}
    assert head["mining"]["mined_btc"] == pytest.approx(plan.summary["mined_btc"].sum())


def test_terminal_prints_the_bridge_line_by_line() -> None:
    """``optimize`` prints the eight bridge lines in order with the figures in $M."""
    result = run("optimize", str(SAMPLE), "--no-write")
    assert result.exit_code == 0, result.output
    rows = table_rows(result.stdout)
    words = [key for key in rows if key.startswith(("Planning NPV", "+ ", "- ", "= "))]
    starts = ["Planning NPV (capital", "+ capital charge", "- conversion capex when",
              "+ conversion capex funded", "+ contracted tail after", "+ renewal options",
              "+ prepayments at",
              "= cash NPV incl."]  # long lines wrap at 80
    assert [w for w, start in zip(words, starts, strict=True) if w.startswith(start)] == words
    assert [rows[key] for key in words] == ["$1,115.6M", "$412.2M", "$887.0M", "$0.0M",
                                            "$982.0M", "$0.0M", "$0.0M", "$1,622.7M"]


@pytest.mark.slow
def test_workbook_has_the_deals_sheet_and_mining_columns(plan: Plan, tmp_path: Path) -> None:
    """The Deals sheet holds plan.deals row for row; Summary has the mining columns; Run Info
    the bridge rows."""
    result = run("optimize", str(SAMPLE), "--results-only", "-o", str(tmp_path / "p.xlsx"))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "p.xlsx")
    ws = wb["Deals"]
    assert [c.value for c in ws[1]] == list(plan.deals.columns)
    irr = [c.value for c in ws[1]].index("unlevered_irr_pct") + 1
    assert [ws.cell(row=r, column=irr).value for r in range(2, ws.max_row + 1)] == \
        pytest.approx(plan.deals["unlevered_irr_pct"].tolist(), rel=1e-12)
    summary = [c.value for c in wb["Summary"][1]]
    assert {"mined_btc", "hashprice_btc_ph_day", "cash_cost_usd_btc",
            "all_in_cost_usd_btc", "hashcost_usd_ph_day", "fleet_efficiency_j_th"} <= set(summary)
    info = {r[0]: r[1] for r in wb["Run Info"].iter_rows(min_row=2, values_only=True)}
    assert info["cash_npv_usd"] == pytest.approx(dict(plan.run_info.deal_figures)["cash_npv_usd"])
