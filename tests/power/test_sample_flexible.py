"""The flexible sample (sample_inputs/flexible.xlsx) and the synthetic ERCOT-West-like prices
its Alpha Ridge series is drawn from."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator import Plan, optimize, read_workbook
from allocator.insight.annotate import add_insight
from allocator.insight.flat_breakeven import without_flexibility
from allocator.power.synthetic_prices import PRICE_CAP_USD_MWH, ercot_west_like, price_stats

SAMPLES = Path(__file__).resolve().parents[2] / "sample_inputs"


def test_the_synthetic_year_is_calibrated_to_ercot_west_2024() -> None:
    """Proves the default seed reproduces the 2024 LZ_WEST real-time statistics of the
    domain brief (mean $35.55, median $22.41, p90 $71.6, p99 $201; 387 / 18 / 10 hours above
    $100 / $500 / $1,000; 666 hours below $0; the $5,000 cap) within stated bands: mean and
    median within $1.5, p90 within $3, p99 within 5 %, hours above $1,000 exactly 10, above
    $500 within 3, above $100 within 20 %, below $0 within 15 %, never above the cap."""
    s = price_stats(ercot_west_like(2024))
    assert abs(s.mean_usd_mwh - 35.55) <= 1.5 and abs(s.median_usd_mwh - 22.41) <= 1.5
    assert abs(s.p90_usd_mwh - 71.6) <= 3.0 and abs(s.p99_usd_mwh / 201 - 1) <= 0.05
    assert s.hours_above_1000 == 10 and abs(s.hours_above_500 - 18) <= 3
    assert abs(s.hours_above_100 / 387 - 1) <= 0.2 and abs(s.hours_below_0 / 666 - 1) <= 0.15
    assert s.max_usd_mwh <= PRICE_CAP_USD_MWH
    assert (ercot_west_like(2024) == ercot_west_like(2024)).all()


def test_the_flexible_sample_shows_the_premium() -> None:
    """Proves the figures README.md and sample_inputs/README.md quote: Alpha Ridge on five
    synthetic years of Central-time hourly prices (DST hours as logged) reads as 60 whole
    months; its miners' flexibility premium is $139.5M over the plan ($8,296 per running
    MW-month) and they avoid $144.3M of 4CP charges; NPV $1,203.1M against $1,103.7M for the
    same fleet whose miners cannot curtail, which idles Alpha Ridge's mining in 27 months
    that curtailing keeps running. 114.0 IT MW are converted either way."""
    book = read_workbook(SAMPLES / "flexible.xlsx")
    assert len(book.fleet.price_curves) == 60
    assert {c.site for c in book.fleet.price_curves} == {"Alpha Ridge"}
    plan = optimize(book)
    flex = plan.extra["Flexibility"]
    premium = float(flex["flexibility_premium_usd"].sum())
    assert premium / 1e6 == pytest.approx(139.5, abs=0.05)
    assert premium / float(flex["mining_mw"].sum()) == pytest.approx(8_296, abs=0.5)
    assert float(flex["four_cp_avoided_usd"].sum()) / 1e6 == pytest.approx(144.3, abs=0.05)
    assert float(flex["mining_four_cp_paid_usd"].sum()) == 0.0
    assert plan.npv_usd / 1e6 == pytest.approx(1_203.1, abs=0.05)
    assert float(plan.builds["build_mw"].sum()) == pytest.approx(114.0, abs=0.05)
    assert not any("idles all mining" in w for w in plan.run_info.warnings)
    flat = optimize(without_flexibility(book.fleet))
    assert flat.npv_usd / 1e6 == pytest.approx(1_103.7, abs=0.05)
    assert float(flat.builds["build_mw"].sum()) == pytest.approx(114.0, abs=0.05)

    def idle_months(p: Plan) -> int:
        months = p.site_months
        return int((months.loc[months["site"] == "Alpha Ridge", "mining_mw"] < 1).sum())

    assert (idle_months(plan), idle_months(flat)) == (0, 27)


@pytest.mark.slow
def test_the_flexible_sample_shows_the_breakeven_shift() -> None:
    """Proves the README's breakeven figures: Alpha Ridge has more miners than grid MW, so a
    converted MW displaces running miners, and its breakeven HPC rate is $167.35/kW-month
    with curtailment against $161.13 if its miners could not curtail (every hour at the
    average price, the 4CP charge in full): flexibility raises the rate at which converting
    pays by $6.22/kW-month. Without the 8,000 extra S19 XP the site had idle grid MW and the
    shift was 0."""
    book = read_workbook(SAMPLES / "flexible.xlsx")
    site_value = add_insight(optimize(book), book.fleet, sensitivity_pct=None).site_value
    alpha = site_value.set_index("site").loc["Alpha Ridge"]
    assert float(alpha["breakeven_hpc_rate_usd_kw_month"]) == pytest.approx(167.35, abs=0.01)
    assert float(alpha["flat_breakeven_hpc_rate_usd_kw_month"]) == pytest.approx(161.13,
                                                                                abs=0.01)
    assert float(alpha["flexibility_breakeven_shift_usd_kw_month"]) == pytest.approx(
        6.22, abs=0.01)


def test_a_block_ppa_on_the_flexible_sample() -> None:
    """Proves the figures README.md quotes for a PPA on part of Alpha Ridge's load: a 150 MW
    block at $32/MWh with resale at a 5 % discount goes to its miners in every month and
    raises the NPV from $1,203.1M to $1,212.2M; the block costs money in the cheap months
    (as little as -$1.53M in one) and pays in the summer ones (up to +$4.06M)."""
    fleet = read_workbook(SAMPLES / "flexible.xlsx").fleet
    sites = tuple(s.model_copy(update={"ppa_price_usd_mwh": 32.0, "ppa_resale": True,
                                       "ppa_resale_discount": 0.05, "ppa_mw": 150.0})
                  if s.name == "Alpha Ridge" else s for s in fleet.sites)
    plan = optimize(fleet.model_copy(update={"sites": sites}))
    blocks = plan.extra["PPA Blocks"]
    assert len(blocks) == 60 and (blocks["ppa_mining_grid_mw"] == 150.0).all()
    assert plan.npv_usd / 1e6 == pytest.approx(1_212.2, abs=0.05)
    assert float(blocks["ppa_block_usd"].min()) / 1e6 == pytest.approx(-1.53, abs=0.005)
    assert float(blocks["ppa_block_usd"].max()) / 1e6 == pytest.approx(4.06, abs=0.005)
