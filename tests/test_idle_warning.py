"""A market that idles the whole fleet is said, not done silently (issue 13, item 5).

At $40/MWh an Antminer S21 XP (13.5 J/TH) breaks even at 40 x 24 / (1000 / 13.5) =
$12.96/PH/day, an S19 XP (21.5 J/TH) at $20.64; a hashprice of $10 idles both.
"""

from __future__ import annotations

import pytest
from fleetkit import fleet, miners, verified

from allocator.consistency import IDLE_WARNING_MONTHS, check_consistency
from allocator.domain import Fleet, MarketMonth
from allocator.periods import add_months


def low_market(low_months: int) -> Fleet:
    """$40 in 2026-01, $10 from 2026-03 for ``low_months`` months, $40 again after."""
    return fleet(months=14, miner_rows=[miners(), miners(model="Antminer S19 XP", units=5_000,
                                                         hashrate_th=140.0, power_w=3010.0)],
                 market=[MarketMonth(month="2026-01", hashprice_usd_ph_day=40.0),
                         MarketMonth(month="2026-03", hashprice_usd_ph_day=10.0),
                         MarketMonth(month=add_months("2026-03", low_months),
                                     hashprice_usd_ph_day=40.0)])


def idle_warnings(f: Fleet) -> list[str]:
    return [w for w in check_consistency(f).warnings if "below every miner" in w]


def test_seven_months_below_every_breakeven_warn_with_months_price_and_breakeven() -> None:
    f = low_market(7)
    assert idle_warnings(f) == [
        "Market: from 2026-03 to 2026-09 (7 months) the hashprice, $10.00/PH/day, is below "
        "every miner tranche's breakeven (the lowest, $12.96/PH/day, is that of A Antminer S21 "
        "XP), so the plan idles all mining; check the Market rows and growth rates if that is "
        "not the outlook you mean."]
    plan = verified(f)
    assert plan.summary["mining_mw"].iloc[2:9].tolist() == [0.0] * 7
    assert idle_warnings(f)[0] in plan.run_info.warnings


def test_five_months_below_are_no_warning() -> None:
    assert IDLE_WARNING_MONTHS == 6
    assert idle_warnings(low_market(5)) == []
    assert len(idle_warnings(low_market(6))) == 1


def test_a_falling_projection_warns_with_its_hashprice_range() -> None:
    """Hashrate +300 %/yr from $20: month k is 20 / 4^(k/12), below $12.96 from k = 4
    ($12.60, 2026-05) to k = 11 ($5.61, 2026-12)."""
    f = fleet(months=12, miner_rows=[miners()], network_hashrate_growth_pa=3.0,
              market=[MarketMonth(month="2026-01", hashprice_usd_ph_day=20.0)])
    [warning] = idle_warnings(f)
    assert warning.startswith("Market: from 2026-05 to 2026-12 (8 months) the hashprice, "
                              "$5.61 to $12.60/PH/day, is below every miner tranche's "
                              "breakeven (the lowest, $12.96/PH/day, is that of A Antminer S21 "
                              "XP)")


@pytest.mark.parametrize("hashprice", [12.0, 40.0])
def test_no_miners_no_warning(hashprice: float) -> None:
    assert idle_warnings(fleet(months=12, hashprice=hashprice)) == []
