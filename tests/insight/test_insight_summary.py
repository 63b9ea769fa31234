"""insight_summary: the insight merged into a plan as plain values in a fixed order, each
site against the best offer it may carry; a plan without insight is refused."""

from __future__ import annotations

import math

import pytest
from scenariokit import small_fleet

from allocator import optimize
from allocator.insight.annotate import add_insight
from allocator.insight.summary import SUMMARY_KEYS, insight_summary


def test_a_plan_without_insight_is_refused() -> None:
    fleet = small_fleet()
    with pytest.raises(ValueError, match="the plan has no insight; run add_insight on it"):
        insight_summary(optimize(fleet), fleet)


def test_sites_meet_the_best_offer_open_to_them_and_rows_come_sorted() -> None:
    base = small_fleet()
    contracts = list(base.contracts)  # Hyperscale-159 (any site) only at Site 0002
    contracts[2] = contracts[2].model_copy(update={"sites": ("Site 0002",)})
    fleet = base.model_copy(update={"contracts": tuple(contracts)})
    summary = insight_summary(add_insight(optimize(fleet), fleet, sensitivity_pct=None), fleet)
    assert tuple(summary) == SUMMARY_KEYS
    offers = {r["site"]: (r["best_offer_contract"], r["best_offer_rate_usd_kw_month"])
              for r in summary["breakevens"]}
    assert offers == {"Site 0001": ("Neocloud-150", 150.0), "Site 0002": ("Hyperscale-159", 159.0),
                      "Site 0003": ("Neocloud-150", 150.0)}
    rates = [r["breakeven_hpc_rate_usd_kw_month"] for r in summary["breakevens"]]
    assert rates == sorted(rates)
    sizes = [abs(r["value_added_usd"]) for r in summary["contracts"]]
    assert sizes == sorted(sizes, reverse=True)
    assert summary["sensitivities"] == []
    for row in summary["contracts"]:  # blanks are None, never NaN, so JSON can carry them
        assert all(not (isinstance(v, float) and math.isnan(v)) for v in row.values())
