"""The risk sheets of the hand-solved two-month hall: the measures in words and figures, the
decisions now and later, the regret rows."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from stochkit import two_month_hall, two_month_set

from allocator.stochastic.measures import stochastic_plan
from allocator.workbook.risk_writer import (
    FIRST_STAGE_SHEET,
    REGRET_SHEET,
    RISK_SUMMARY_SHEET,
    write_risk,
)


def test_the_summary_says_the_measures_and_what_waiting_is_worth(tmp_path: Path) -> None:
    """RP $3,060,000 (mine in May whatever comes), the mean-path plan converts for May
    (EEV: April's 1,200,000 + ((30 x 86,800 + 300,000) + 300,000) / 2 = 2,802,000, so VSS
    is $258,000), WS $3,210,000 (EVPI $150,000), and deciding May in May is worth the
    same $150,000."""
    result = stochastic_plan(two_month_hall(35.0), scenarios=two_month_set(), decide_months=1)
    assert round(result.eev_usd) == 2_802_000 and round(result.vss_usd) == 258_000
    path = write_risk(result, tmp_path / "risk.xlsx")
    book = openpyxl.load_workbook(path)
    summary = book[RISK_SUMMARY_SHEET]
    figures = {row[0].value: row[1].value for row in summary.iter_rows(min_row=2)
               if row[0].value and row[1].value is not None}
    assert round(figures["VSS"]) == 258_000 and round(figures["EVPI"]) == 150_000
    assert round(figures["waiting"]) == 150_000
    words = " ".join(str(c.value) for c in summary["A"] if isinstance(c.value, str))
    assert ("Deciding with the uncertainty in view is worth $0.3M over planning on the "
            "outlook") in words
    assert "perfect foresight would be worth $0.1M more" in words
    assert "Deciding only the first 1 months now" in words
    first = book[FIRST_STAGE_SHEET]
    rows = [tuple(c.value for c in row) for row in first.iter_rows(min_row=2)]
    assert ("conversion started", "Hall", None, "2026-05", 0, 30) in rows
    regret = book[REGRET_SHEET]
    assert [c.value for c in regret["A"]][1:3] == ["stochastic plan", "mean-path plan"]
