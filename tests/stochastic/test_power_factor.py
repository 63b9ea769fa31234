"""A future's power-price factor, as the paths columns ``power_price_factor`` (every site)
and ``power_price_factor[Site]`` give it: hand-solved, equal to a Scenarios-sheet scale, a
no-op at 1, and faults at their cells."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from stochkit import hall_fleet

from allocator import read_workbook
from allocator.domain import Fleet
from allocator.errors import InputError
from allocator.scenarios.changes import Change, apply_changes
from allocator.stochastic import stochastic_plan
from allocator.stochastic.paths import read_paths
from allocator.stochastic.scenario_set import scenario_costs

HEAD = "scenario,probability,month,btc_price_usd,network_hashrate_ehs,hashprice_usd_ph_day"


def one_tranche() -> Fleet:
    """The hall fleet's tranche A alone: 2,000 PH/s drawing 30 MW in April (720 h) at
    $50/MWh and $60/PH/day; no hall to convert, no lease."""
    hall = hall_fleet(60.0)
    site = hall.sites[0].model_copy(update={"hpc_convertible_mw": 0.0})
    return hall.model_copy(update={"sites": (site,), "miners": hall.miners[:1],
                                   "contracts": ()})


def _write(tmp_path: Path, head: str, rows: list[str]) -> Path:
    where = tmp_path / "paths.csv"
    where.write_text(head + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return where


def test_power_at_twice_the_price_in_one_future_is_priced_by_hand(tmp_path: Path) -> None:
    """Revenue 2,000 PH x $60 x 30 days = $3,600,000; power 30 MW x 720 h x $50 =
    $1,080,000, or $2,160,000 at 2x. So NPV is $2,520,000 or $1,440,000, expected
    $1,980,000; mining is never switched off, so every plan agrees (VSS = EVPI = 0)."""
    where = _write(tmp_path, HEAD + ",power_price_factor",
                   ["base,,2026-04,,,60,", "dear,,2026-04,,,60,2"])
    futures = read_paths(where, one_tranche())
    assert futures.fleets[1].sites[0].power_price_usd_mwh == 100.0
    assert futures.fleets[0] == one_tranche()  # blank = 1: the fleet as it is
    result = stochastic_plan(one_tranche(), scenarios=futures)
    assert round(result.rp_usd) == 1_980_000
    assert round(result.ws_usd) == 1_980_000 and round(result.vss_usd) == 0


def _market_rows(fleet: Fleet, name: str, extra: str) -> list[str]:
    return [f"{name},,{m.month},{m.btc_price_usd},{m.network_hashrate_ehs},,{extra}"
            for m in fleet.market[:fleet.settings.months]]


def _sample(book: str) -> Fleet:
    fleet = read_workbook(f"sample_inputs/{book}").fleet
    return fleet.model_copy(update={"settings": fleet.settings.model_copy(
        update={"months": 3})})


@pytest.mark.parametrize("book", ["fleet.xlsx", "flexible.xlsx"])
def test_factor_equals_a_scenarios_sheet_scale_and_one_is_todays_set(
        tmp_path: Path, book: str) -> None:
    """On the sample fleets (monthly PowerPrices rows; hourly curves): the factor moves
    every cost exactly as ``power_price_usd_mwh scale`` does (2x everywhere, 0.5x at one
    site over it), and a factor of 1 on every row gives today's set to 1e-9."""
    fleet = _sample(book)
    plain = read_paths(_write(tmp_path, HEAD, _market_rows(fleet, "a", "")), fleet)
    head = HEAD + ",power_price_factor,power_price_factor[Bravo Flats]"
    ones = read_paths(_write(tmp_path, head, _market_rows(fleet, "a", "1,1")), fleet)
    assert np.allclose(scenario_costs(ones).costs, scenario_costs(plain).costs,
                       rtol=0, atol=1e-9)
    scaled = read_paths(_write(tmp_path, head, _market_rows(fleet, "a", "2,0.5")), fleet)
    by_hand = apply_changes(plain.fleets[0], [
        Change("power_price_usd_mwh", "scale", 2.0, target=s.name)
        for s in fleet.sites if s.name != "Bravo Flats"]
        + [Change("power_price_usd_mwh", "scale", 0.5, target="Bravo Flats")])
    assert scaled.fleets[0] == by_hand
    costs = scenario_costs(scaled).costs
    assert not np.allclose(costs, scenario_costs(plain).costs)


def test_a_factor_of_one_everywhere_gives_todays_plan(tmp_path: Path) -> None:
    """The hall's two hashprice futures with factor 1 in both: RP and VSS as without the
    column, to 1e-9."""
    rows = ["high,,2026-04,,,60,{}", "low,,2026-04,,,10,{}"]
    plain = stochastic_plan(hall_fleet(35.0), scenarios=read_paths(
        _write(tmp_path, HEAD, [r.rsplit(",", 1)[0] for r in rows]), hall_fleet(35.0)))
    ones = stochastic_plan(hall_fleet(35.0), scenarios=read_paths(
        _write(tmp_path, HEAD + ",power_price_factor", [r.format(1) for r in rows]),
        hall_fleet(35.0)))
    assert ones.rp_usd == pytest.approx(plain.rp_usd, rel=0, abs=1e-9)
    assert ones.vss_usd == pytest.approx(plain.vss_usd, rel=0, abs=1e-9)


def test_bad_factors_are_told_at_their_cells(tmp_path: Path) -> None:
    """Negative (G2), not a number (G3), two values for one future (H6) and an unknown
    site (I1), all at once."""
    fleet = hall_fleet(35.0).model_copy(update={
        "settings": hall_fleet(35.0).settings.model_copy(update={"months": 2})})
    head = HEAD + ",power_price_factor,power_price_factor[Hall],power_price_factor[Nowhere]"
    rows = ["a,,2026-04,,,60,-1,,", "b,,2026-04,,,60,dear,,", "b,,2026-05,,,60,,,",
            "c,,2026-04,,,60,,1.5,", "c,,2026-05,,,60,,2,", "a,,2026-05,,,60,,,"]
    with pytest.raises(InputError) as caught:
        read_paths(_write(tmp_path, head, rows), fleet)
    cells = {p.cell: str(p) for p in caught.value.problems}
    assert cells["G2"] == "paths.csv!G2: power_price_factor cannot be negative (got '-1')"
    assert cells["G3"] == "paths.csv!G3: power_price_factor must be a number (got 'dear')"
    assert "different power_price_factor[hall]" in cells["H6"].lower()
    assert "names no site" in cells["I1"] and "Nowhere" in cells["I1"]
