"""Futures given as market paths (a CSV), faults at their cells, and the regret table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from stochkit import hall_fleet, hall_set

from allocator import read_workbook
from allocator.errors import InputError
from allocator.stochastic.measures import MEAN_PATH_PLAN, STOCHASTIC_PLAN, stochastic_plan
from allocator.stochastic.paths import read_paths
from allocator.stochastic.scenario_set import scenario_costs

HEADER = "scenario,probability,month,btc_price_usd,network_hashrate_ehs,hashprice_usd_ph_day\n"


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "paths.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_paths_give_the_hand_solved_hall_set(tmp_path: Path) -> None:
    """The CSV's two hashprice paths are the hand-solved hall's futures: same costs, same
    VSS ($240,000) and EVPI ($150,000)."""
    path = _csv(tmp_path, "high,0.5,2026-04,,,60\nlow,0.5,2026-04,,,10\n")
    futures = read_paths(path, hall_fleet(35.0))
    assert futures.names == ("high", "low")
    assert np.array_equal(scenario_costs(futures).costs, scenario_costs(hall_set()).costs)
    result = stochastic_plan(hall_fleet(35.0), scenarios=futures)
    assert round(result.vss_usd) == 240_000 and round(result.evpi_usd) == 150_000


def test_blank_probabilities_are_equal_and_btc_and_hashrate_set_the_market(
        tmp_path: Path) -> None:
    fleet = read_workbook("sample_inputs/fleet.xlsx").fleet.model_copy(
        update={"settings": read_workbook("sample_inputs/fleet.xlsx").fleet.settings
                .model_copy(update={"months": 2})})
    body = ("bull,,2026-01,120000,1000,\nbull,,2026-02,125000,1010,\n"
            "bear,,2026-01,60000,1000,\nbear,,2026-02,55000,990,\n"
            "flat,,2026-02,90000,1000,\nflat,,2026-01,90000,1000,\n")
    futures = read_paths(_csv(tmp_path, body), fleet)
    assert futures.probabilities.tolist() == pytest.approx([1 / 3] * 3)
    bear = futures.fleets[1].market
    assert [m.btc_price_usd for m in bear] == [60000.0, 55000.0]
    assert bear[0].fees_btc_per_block == fleet.market[0].fees_btc_per_block
    assert [m.month for m in futures.fleets[2].market] == ["2026-01", "2026-02"]


def test_every_fault_is_reported_at_its_cell(tmp_path: Path) -> None:
    fleet = hall_fleet(35.0).model_copy(update={
        "settings": hall_fleet(35.0).settings.model_copy(update={"months": 2})})
    body = ("high,0.5,2026-04,,,60\nhigh,0.5,2026-04,,,61\n"  # 2026-04 twice, no 2026-05
            "low,0.7,2026-04,,,10\nlow,0.7,2026-05,-3,1000,\n"  # sums to 1.2; a bad price
            "odd,,2027-01,,,5\n")  # outside the horizon, no probability
    with pytest.raises(InputError) as caught:
        read_paths(_csv(tmp_path, body), fleet)
    text = str(caught.value)
    assert "paths.csv!C3: scenario 'high' gives 2026-04 twice (also line 2)" in text
    assert "scenario 'high' has no row for 2026-05" in text
    assert "paths.csv!D5: btc_price_usd must be > 0 (got '-3')\n" in text  # the value once
    assert "paths.csv!C6: month 2027-01 is outside the horizon" in text
    (tmp_path / "bad.csv").write_text("scenario,month\nx,2026-04\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing columns probability, btc_price_usd"):
        read_paths(tmp_path / "bad.csv", fleet)


def test_probabilities_must_sum_to_one(tmp_path: Path) -> None:
    body = "high,0.5,2026-04,,,60\nlow,0.6,2026-04,,,10\n"
    with pytest.raises(InputError, match=r"paths.csv!B2: probabilities must sum to 1 \(got 1.1\)"):
        read_paths(_csv(tmp_path, body), hall_fleet(35.0))


def test_regret_table_of_the_hand_solved_hall() -> None:
    """Rows: the stochastic plan (mine: 3.6M / 0), the mean-path plan (convert: 2.82M /
    0.3M) and each future's own plan; the futures' best are 3.6M and 0.3M. So the
    stochastic plan regrets 0.3M when hashprice is low, the mean-path plan 0.78M when it is
    high; the stochastic plan's expected regret is EVPI ($150,000), the mean-path plan's
    WS - EEV ($390,000); each future's own plan regrets nothing there."""
    result = stochastic_plan(hall_fleet(35.0), scenarios=hall_set())
    table = result.regret
    assert table is not None
    assert table.plans == (STOCHASTIC_PLAN, MEAN_PATH_PLAN, "high's own plan",
                           "low's own plan")
    assert table.regret_usd.round().tolist() == [[0, 300_000], [780_000, 0], [0, 300_000],
                                                 [780_000, 0]]
    frame = table.frame().set_index("plan")
    assert frame.loc[STOCHASTIC_PLAN, "expected_regret_usd"] == pytest.approx(result.evpi_usd)
    assert frame.loc[MEAN_PATH_PLAN, "expected_regret_usd"] == pytest.approx(
        result.ws_usd - result.eev_usd)
    assert frame.loc["low's own plan", "low: regret_usd"] == pytest.approx(0.0, abs=1e-6)
