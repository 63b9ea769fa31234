"""Sparse price decks (issue 13, item 1): Market rows for any increasing months, the months
between them filled by ``market_gap_fill``, every value pinned by hand.

The deck: 2026-01 ($100,000, 1,000 EH/s, 0.02 BTC fees), 2026-07 ($110,000, 1,100 EH/s,
0.04) and 2027-01 ($120,000, 1,300 EH/s, 0.03); growth 12 %/yr BTC, 24 %/yr hashrate.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from fleetkit import fleet, miners, verified, write_book

from allocator import optimize
from allocator.domain import Fleet, MarketMonth, Settings
from allocator.errors import InputError
from allocator.market import project_fleet_market, project_market
from allocator.scenarios.changes import Change, apply_changes
from allocator.scenarios.montecarlo import sample_fleet
from allocator.workbook.reader import read_workbook

DECK = [
    MarketMonth(month="2026-01", btc_price_usd=100_000.0, network_hashrate_ehs=1_000.0,
                fees_btc_per_block=0.02),
    MarketMonth(month="2026-07", btc_price_usd=110_000.0, network_hashrate_ehs=1_100.0,
                fees_btc_per_block=0.04),
    MarketMonth(month="2027-01", btc_price_usd=120_000.0, network_hashrate_ehs=1_300.0,
                fees_btc_per_block=0.03),
]
GROWTH = {"btc_price_growth_pa": 0.12, "network_hashrate_growth_pa": 0.24}
MARKET_ROWS: list[list[object]] = [
    ["month", "btc_price_usd", "network_hashrate_ehs", "fees_btc_per_block"],
    ["2026-01", 100_000, 1_000, 0.02],
    ["2026-07", 110_000, 1_100, 0.04],
    ["2027-01", 120_000, 1_300, 0.03],
]


def deck_fleet(gap_fill: str, months: int = 15) -> Fleet:
    return fleet(months=months, market=DECK, miner_rows=[miners()], market_gap_fill=gap_fill,
                 **GROWTH)


def book(tmp_path: Path, settings: list[list[object]], market: list[list[object]] | None = None
         ) -> Path:
    return write_book(tmp_path / "deck.xlsx", {
        "Settings": [["key", "value"], ["months", 15], *settings],
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh"], ["A", 100, 40]],
        "Miners": [["site", "model", "units"], ["A", "Antminer S21 XP", 10_000]],
        "Market": market or MARKET_ROWS,
    })


def growth_settings() -> list[list[object]]:
    return [["btc_price_growth_pa", 0.12], ["network_hashrate_growth_pa", 0.24]]


# ------------------------------------------------------------------------ filled values


def test_hold_and_grow_grows_the_row_before_as_after_the_last_row() -> None:
    """2026-03 is 2026-01 grown two months: $100,000 x 1.12^(2/12) = $101,906.76 and
    1,000 x 1.24^(2/12) = 1,036.50 EH/s, fees 0.02 -> 3.145 x 144 x 101,906.76 / 1,036,502.3
    = $44.526/PH/day. 2026-10 is 2026-07 grown three: $113,161.11, 1,160.78 EH/s, fees 0.04,
    $44.431. 2027-02 is projected from 2027-01 as before."""
    points = {p.month: p for p in project_fleet_market(deck_fleet("hold_and_grow"))}
    march, october = points["2026-03"], points["2026-10"]
    assert (march.btc_price_usd, march.network_hashrate_ehs) == pytest.approx(
        (101_906.76, 1_036.502), abs=0.01)
    assert (march.fees_btc_per_block, march.hashprice_usd_ph_day) == pytest.approx(
        (0.02, 44.5262), abs=1e-4)
    assert (october.btc_price_usd, october.network_hashrate_ehs) == pytest.approx(
        (113_161.11, 1_160.775), abs=0.01)
    assert (october.fees_btc_per_block, october.hashprice_usd_ph_day) == pytest.approx(
        (0.04, 44.4309), abs=1e-4)
    assert march.basis == "hold_and_grow" and points["2026-07"].basis == "given"
    assert points["2027-02"].basis == "projected"
    assert points["2027-02"].btc_price_usd == pytest.approx(120_000 * 1.12 ** (1 / 12))


def test_interpolate_steps_log_linearly_between_the_rows() -> None:
    """2026-03 is a third of the way from 2026-01 to 2026-07: $100,000 x 1.1^(1/3) =
    $103,228.01 and 1,000 x 1.1^(1/3) = 1,032.28 EH/s (so price / hashrate stays 100), fees
    0.02 + 0.02 / 3 -> hashprice (3.125 + 0.026667) x 144 x 100 / 1,000 = $45.384. 2026-10 is
    halfway to 2027-01: sqrt(110,000 x 120,000) = $114,891.25, sqrt(1,100 x 1,300) = 1,195.83
    EH/s, fees 0.035 -> $43.719."""
    points = {p.month: p for p in project_fleet_market(deck_fleet("interpolate"))}
    march, october = points["2026-03"], points["2026-10"]
    assert (march.btc_price_usd, march.network_hashrate_ehs) == pytest.approx(
        (103_228.01, 1_032.28), abs=0.01)
    assert march.fees_btc_per_block == pytest.approx(0.02 + 0.02 / 3)
    assert march.hashprice_usd_ph_day == pytest.approx(45.384, abs=1e-9)
    assert (october.btc_price_usd, october.network_hashrate_ehs) == pytest.approx(
        (114_891.25, 1_195.826), abs=0.01)
    assert (october.fees_btc_per_block, october.hashprice_usd_ph_day) == pytest.approx(
        (0.035, 43.7188), abs=1e-4)
    assert {p.basis for p in points.values()} == {"given", "interpolate", "projected"}


def test_hashprice_only_rows_interpolate_their_hashprice_per_btc_of_reward() -> None:
    """$40 and $30 four months apart (fees 0): halfway is 3.125 x sqrt(12.8 x 9.6) = $34.64.
    Across a halving the subsidy part still halves: $40 in 2028-02 and $20 in 2028-06 are the
    same $12.8 per BTC of reward, so 2028-03 is $40 and 2028-04 $20."""
    rows = [MarketMonth(month="2026-01", hashprice_usd_ph_day=40.0),
            MarketMonth(month="2026-05", hashprice_usd_ph_day=30.0)]
    pts = project_market(rows, "2026-01", 5, halving="2028-04", btc_price_growth_pa=0.0,
                         network_hashrate_growth_pa=0.0, gap_fill="interpolate")
    assert pts[2].hashprice_usd_ph_day == pytest.approx(math.sqrt(40 * 30))
    assert pts[2].btc_price_usd is None and pts[2].network_hashrate_ehs is None
    rows = [MarketMonth(month="2028-02", hashprice_usd_ph_day=40.0),
            MarketMonth(month="2028-06", hashprice_usd_ph_day=20.0)]
    pts = project_market(rows, "2028-02", 5, halving="2028-04", btc_price_growth_pa=0.0,
                         network_hashrate_growth_pa=0.0, gap_fill="interpolate")
    assert [p.hashprice_usd_ph_day for p in pts] == pytest.approx([40, 40, 20, 20, 20])


# ------------------------------------------------------------------------ the workbook run


@pytest.mark.parametrize("gap_fill", ["hold_and_grow", "interpolate"])
def test_a_half_year_deck_runs_from_the_workbook(tmp_path: Path, gap_fill: str) -> None:
    """The deck plans under both rules; Summary shows the BTC price and network hashrate each
    month used, the warnings and Run Info say which months were filled and how."""
    source = read_workbook(book(tmp_path, [*growth_settings(), ["market_gap_fill", gap_fill]]))
    assert source.fleet.settings.market_gap_fill == gap_fill
    plan = optimize(source)
    summary = plan.summary.set_index("month")
    expected = {p.month: p for p in project_fleet_market(deck_fleet(gap_fill))}
    for month in ("2026-01", "2026-03", "2026-10", "2027-03"):
        row, point = summary.loc[month], expected[month]
        assert row["btc_price_usd"] == pytest.approx(point.btc_price_usd)
        assert row["network_hashrate_ehs"] == pytest.approx(point.network_hashrate_ehs)
        assert row["hashprice_usd_ph_day"] == pytest.approx(point.hashprice_usd_ph_day)
        assert row["market_basis"] == point.basis
    filled = [w for w in plan.run_info.warnings if "have no row" in w]
    assert len(filled) == 1
    assert filled[0].startswith("Market: 2026-02 to 2026-06, 2026-08 to 2026-12 have no row "
                                "and are ")
    assert f"(market_gap_fill {gap_fill})" in filled[0]
    info = dict(plan.run_info.to_frame().itertuples(index=False))
    assert info["market"] == (f"given 2026-01, 2026-07, 2027-01; {gap_fill} 2026-02 to "
                              "2026-06, 2026-08 to 2026-12; projected 2027-02 to 2027-03")
    assert filled[0] in info.values()


def test_the_fill_rules_give_different_plans_on_the_same_deck() -> None:
    hold = verified(deck_fleet("hold_and_grow"))
    linear = verified(deck_fleet("interpolate"))
    assert hold.summary["hashprice_usd_ph_day"].iloc[2] == pytest.approx(44.5262, abs=1e-4)
    assert linear.summary["hashprice_usd_ph_day"].iloc[2] == pytest.approx(45.384)
    assert linear.npv_usd > hold.npv_usd  # interpolation climbs to the next row's price


def test_an_unknown_fill_rule_is_an_error_at_its_cell(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_workbook(book(tmp_path, [["market_gap_fill", "linear"]]))
    assert [str(p) for p in caught.value.problems] == [
        "Settings!B3: market_gap_fill must be one of hold_and_grow, interpolate (got 'linear')"]


# ------------------------------------------------------------------------ before the first row


def test_months_before_the_first_row_are_an_error_naming_the_months(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_workbook(book(tmp_path, [["start_month", "2025-11"]]))
    assert [str(p) for p in caught.value.problems] == [
        "Settings!B3: start_month 2025-11 is before the first Market month 2026-01: 2025-11 "
        "to 2025-12 have no market outlook; add Market rows for them or start later "
        "(got '2025-11')"]
    with pytest.raises(ValueError, match="2025-12 has no market outlook"):
        Fleet(settings=Settings(start_month="2025-12", months=3), sites=fleet().sites,
              market=DECK)
    with pytest.raises(ValueError, match="no market data for 2025-12: it is before the first "
                                         "Market month, 2026-01"):
        project_market(DECK, "2025-12", 2, halving="2028-04", btc_price_growth_pa=0,
                       network_hashrate_growth_pa=0)


# ------------------------------------------------------------------------ scenarios and samples


@pytest.mark.parametrize("gap_fill", ["hold_and_grow", "interpolate"])
def test_a_market_scenario_moves_every_month_of_a_sparse_deck(gap_fill: str) -> None:
    """Scaling the BTC price by 1.1 scales every month's hashprice by 1.1, filled ones too."""
    base = deck_fleet(gap_fill)
    changed = apply_changes(base, [Change("btc_price_usd", "scale", 1.1)], scenario="up")
    before = np.array([p.hashprice_usd_ph_day for p in project_fleet_market(base)])
    after = np.array([p.hashprice_usd_ph_day for p in project_fleet_market(changed)])
    assert after == pytest.approx(before * 1.1, rel=1e-12)


def test_monte_carlo_samples_of_a_sparse_deck_keep_the_filled_months() -> None:
    """A sample path with factors 1 is the deck as filled, one row per horizon month."""
    base = deck_fleet("interpolate")
    ones = np.ones(base.settings.months)
    sample = sample_fleet(base, ones, ones)
    assert len(sample.market) == base.settings.months
    assert [p.hashprice_usd_ph_day for p in project_fleet_market(sample)] == pytest.approx(
        [p.hashprice_usd_ph_day for p in project_fleet_market(base)])
