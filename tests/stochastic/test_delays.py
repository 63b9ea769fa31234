"""Construction delay: a slip in a future defers the rent of the site's leases (a cost only)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from allocator import read_workbook
from allocator.cli.main import cli
from allocator.domain import Contract, Fleet, MarketMonth, MinerTranche, Settings, Site
from allocator.errors import InputError
from allocator.scenarios.changes import Change, Scenario, apply_scenario, scenario_problems
from allocator.stochastic import stochastic_plan
from allocator.stochastic.delays import DELAY_COLUMN
from allocator.stochastic.paths import read_paths
from allocator.stochastic.scenario_set import scenario_set
from allocator.stochastic.sheet_set import sheet_scenario_set
from allocator.workbook.paths_sheet import read_paths_sheet
from allocator.workbook.scenarios_sheet import read_scenarios

HIGH, LOW = 15.0, 3.0
SAMPLE = Path(__file__).resolve().parents[2] / "sample_inputs" / "fleet.xlsx"


def slip_fleet(hashprice_usd_ph_day: float, penalty_usd_kw_month: float | None = 15.0
               ) -> Fleet:
    """2026 (365 days), r = 0, no pool fee, PUEs 1, grid 30 MW at $0/MWh:

    - one tranche of 30 MW at 15 J/TH (66.667 PH per MW): $1,000 per MW-day at $15/PH/day,
      $200 at $3; opex $20,000 per MW-month. So a MW mines $365,000 - $240,000 = $125,000 a
      year at $15 (every month positive) and loses money every month at $3 (idles: $0);
    - 30 MW convertible, no capex, no lead time: converting takes the whole grid;
    - a lease of up to 30 MW at $10/kW-month ($120,000 per MW-year) for the twelve months,
      power passed through, no HPC opex, delay penalty $15/kW-month.
    """
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    return Fleet(
        settings=Settings(start_month="2026-01", months=12, discount_rate=0.0, pool_fee=0.0),
        sites=[Site(name="Hall", capacity_mw=30.0, power_price_usd_mwh=0.0, mining_pue=1.0,
                    hpc_pue=1.0, uptime=1.0, mining_opex_usd_mw_month=20_000.0,
                    hpc_convertible_mw=30.0, conversion_capex_usd_mw=0.0,
                    conversion_lead_months=0, hpc_opex_usd_mw_month=0.0)],
        miners=[MinerTranche(site="Hall", model="A", units=10_000, hashrate_th=200.0,
                             power_w=3000.0)],
        market=[MarketMonth(month=m, hashprice_usd_ph_day=hashprice_usd_ph_day)
                for m in months],
        contracts=[Contract(name="Lease", rate_usd_kw_month=10.0, max_mw=30.0,
                            start_month="2026-01", term_months=12, power_pass_through=True,
                            delay_penalty_usd_kw_month=penalty_usd_kw_month)],
    )


def test_a_six_month_slip_prices_the_hand_solved_hall() -> None:
    """Futures 'high' ($15/PH/day, the hall's construction slips 6 months) and 'low' ($3,
    no slip), equally likely. Per MW: the lease earns $120,000 without the slip and
    $60,000 - 6 x $15,000 = -$30,000 with it (E = $45,000); mining earns $125,000 at $15 and
    idles at $3 (E[max(0, margin)] = $62,500; the mean path's margin is -$21,000).
    RP mines: 30 x 62,500 = $1,875,000. The mean-path plan leases (45,000 > 0): EEV =
    30 x 45,000 = $1,350,000, so VSS = $525,000. WS mines at 'high' ($3.75M) and leases at
    'low' ($3.6M): $3,675,000, EVPI = $1,800,000."""
    futures = scenario_set([slip_fleet(HIGH), slip_fleet(LOW)], names=["high", "low"],
                           delay_months=[[6], [0]])
    result = stochastic_plan(slip_fleet(HIGH), scenarios=futures)
    assert result.rp_usd == pytest.approx(1_875_000.0, abs=0.5)
    assert result.eev_usd == pytest.approx(1_350_000.0, abs=0.5)
    assert result.vss_usd == pytest.approx(525_000.0, abs=0.5)
    assert result.ws_usd == pytest.approx(3_675_000.0, abs=0.5)
    assert result.evpi_usd == pytest.approx(1_800_000.0, abs=0.5)
    assert result.expected_value.npv_usd.tolist() == pytest.approx([-900_000.0,
                                                                       3_600_000.0], abs=0.5)


def test_without_a_penalty_the_slip_only_defers_rent() -> None:
    """No penalty: the slipped lease earns 6 x $10,000 = $60,000 per MW, E = $90,000, which
    beats mining's $62,500: RP leases, 30 x 90,000 = $2,700,000, as the mean-path plan does
    (VSS 0: a slip alone is a first-stage cost, which the mean path prices exactly)."""
    futures = scenario_set([slip_fleet(HIGH, None), slip_fleet(LOW, None)],
                           names=["high", "low"], delay_months=[[6], [0]])
    result = stochastic_plan(slip_fleet(HIGH, None), scenarios=futures)
    assert result.rp_usd == pytest.approx(2_700_000.0, abs=0.5)
    assert result.vss_usd == pytest.approx(0.0, abs=0.5)


def test_zero_delay_is_the_set_without_delays() -> None:
    """A slip of 0 in every future gives the measures of the same set without slips, to
    1e-9."""
    fleets = [slip_fleet(HIGH), slip_fleet(LOW)]
    plain = stochastic_plan(fleets[0], scenarios=scenario_set(fleets, names=["a", "b"]))
    zero = stochastic_plan(fleets[0], scenarios=scenario_set(fleets, names=["a", "b"],
                                                             delay_months=[[0], [0]]))
    for name in ("rp_usd", "ev_usd", "eev_usd", "ws_usd"):
        assert getattr(zero, name) == pytest.approx(getattr(plain, name), rel=1e-9, abs=1e-9)


def test_bad_slips_are_refused_all_at_once() -> None:
    """Negative, fractional and beyond-the-horizon slips are each an error naming the
    future and the site."""
    fleets = [slip_fleet(HIGH), slip_fleet(LOW), slip_fleet(LOW)]
    with pytest.raises(InputError) as caught:
        scenario_set(fleets, delay_months=[[-1], [2.5], [13]])
    text = str(caught.value)
    assert "cannot be negative" in text and "whole number" in text
    assert "beyond the horizon of 12 months" in text and "scenario 3, Hall" in text


def _paths(tmp_path: Path, rows: list[str]) -> Path:
    where = tmp_path / "paths.csv"
    body = "scenario,probability,month,btc_price_usd,network_hashrate_ehs," \
           "hashprice_usd_ph_day,construction_delay_months\n"
    where.write_text(body + "\n".join(rows) + "\n", encoding="utf-8")
    return where


def _rows(name: str, hashprice: float, delay: str, every_row: bool) -> list[str]:
    return [f"{name},0.5,2026-{m:02d},,,{hashprice},{delay if every_row or m == 3 else ''}"
            for m in range(1, 13)]


def test_paths_column_gives_the_hand_solved_slip(tmp_path: Path) -> None:
    """The paths file's construction_delay_months (on one row of 'high', on every row of
    'low') gives the hand-solved set's RP and VSS."""
    where = _paths(tmp_path, _rows("high", HIGH, "6", False) + _rows("low", LOW, "0", True))
    futures = read_paths(where, slip_fleet(HIGH))
    assert futures.delay_months is not None and futures.delay_months.tolist() == [[6], [0]]
    result = stochastic_plan(slip_fleet(HIGH), scenarios=futures)
    assert result.rp_usd == pytest.approx(1_875_000.0, abs=0.5)
    assert result.vss_usd == pytest.approx(525_000.0, abs=0.5)


def test_paths_without_the_column_have_no_delays(tmp_path: Path) -> None:
    """No construction_delay_months column: no slips (the set of before)."""
    where = tmp_path / "paths.csv"
    where.write_text("scenario,probability,month,hashprice_usd_ph_day,btc_price_usd,"
                     "network_hashrate_ehs\n"
                     + "\n".join(f"a,,2026-{m:02d},15,," for m in range(1, 13)) + "\n",
                     encoding="utf-8")
    assert read_paths(where, slip_fleet(HIGH)).delay_months is None


def test_bad_slips_in_paths_are_told_at_their_cells(tmp_path: Path) -> None:
    """Negative, fractional, beyond the horizon and two values for one future: each at its
    cell in column G."""
    rows = (_rows("a", HIGH, "-1", False) + _rows("b", HIGH, "2.5", False)
            + _rows("c", HIGH, "13", False) + _rows("d", HIGH, "1", True))
    rows[-1] = rows[-1].rsplit(",", 1)[0] + ",2"
    with pytest.raises(InputError) as caught:
        read_paths(_paths(tmp_path, rows), slip_fleet(HIGH))
    cells = {p.cell: p.message for p in caught.value.problems}
    assert "cannot be negative" in cells["G4"]
    assert "whole number" in cells["G16"]
    assert "beyond the horizon" in cells["G28"]
    assert "different" in cells["G49"]


def test_per_site_columns_slip_one_site(tmp_path: Path) -> None:
    """``construction_delay_months[Hall]`` slips that site; an unknown site is an error at
    its header cell."""
    where = tmp_path / "paths.csv"
    head = "scenario,probability,month,hashprice_usd_ph_day,btc_price_usd,network_hashrate_ehs,"
    where.write_text(head + "construction_delay_months[Hall]\n"
                     + "\n".join(f"a,,2026-{m:02d},15,,,4" for m in range(1, 13)) + "\n",
                     encoding="utf-8")
    assert np.array_equal(read_paths(where, slip_fleet(HIGH)).delay_months, [[4]])
    where.write_text(head + "construction_delay_months[Nowhere]\n"
                     + "\n".join(f"a,,2026-{m:02d},15,,,4" for m in range(1, 13)) + "\n",
                     encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_paths(where, slip_fleet(HIGH))
    assert caught.value.problems[0].cell == "G1"
    assert "Nowhere" in caught.value.problems[0].message


def _slip_scenarios(delay: object, operation: str = "set") -> tuple[Scenario, Scenario]:
    cells = {"value": "D2", "operation": "C2", "parameter": "B2", "scenario": "A2"}
    return (Scenario("high", (Change("hashprice_usd_ph_day", "set", HIGH),
                              Change(DELAY_COLUMN, operation, delay, "Hall",  # type: ignore
                                     cells=cells))),
            Scenario("low", (Change("hashprice_usd_ph_day", "set", LOW),)))


def test_scenarios_sheet_slip_gives_the_hand_solved_set() -> None:
    """Scenarios 'high' (hashprice $15 and construction_delay_months set 6 at Hall) and
    'low' ($3) give the hand-solved RP and VSS: the sheet's form of the slip."""
    fleet = slip_fleet(LOW)
    rows = _slip_scenarios(6)
    assert scenario_problems(fleet, rows) == []
    futures = sheet_scenario_set(fleet, rows)
    assert futures.delay_months is not None and futures.delay_months.tolist() == [[6], [0]]
    result = stochastic_plan(fleet, scenarios=futures)
    assert result.rp_usd == pytest.approx(1_875_000.0, abs=0.5)
    assert result.vss_usd == pytest.approx(525_000.0, abs=0.5)


@pytest.mark.parametrize(("delay", "operation", "cell", "words"), [
    (-1, "set", "D2", "cannot be negative"), (2.5, "set", "D2", "whole number"),
    (13, "set", "D2", "beyond the horizon of 12 months"), (2, "scale", "C2", "use set")])
def test_bad_sheet_slips_are_told_at_their_cells(delay: float, operation: str, cell: str,
                                                 words: str) -> None:
    """A negative, fractional or beyond-the-horizon slip, or one scaled, is refused at its
    cell."""
    problems = scenario_problems(slip_fleet(LOW), _slip_scenarios(delay, operation))
    assert [p.cell for p in problems] == [cell] and words in problems[0].message


def test_a_slip_is_refused_outside_a_stochastic_plan() -> None:
    """compare and optimize plan one known future: applying a slip is an error at its
    parameter cell, pointing to stochastic --scenarios."""
    with pytest.raises(InputError) as caught:
        apply_scenario(slip_fleet(LOW), _slip_scenarios(6)[0])
    assert caught.value.problems[0].cell == "B2"
    assert "stochastic --scenarios" in caught.value.problems[0].message


def _sample_with_slip(tmp_path: Path, value: object, target: str | None = None) -> Path:
    """The sample with one more Scenarios row: 'BTC -30%' slips construction ``value``
    months (at ``target``, or every site)."""
    book = tmp_path / "fleet.xlsx"
    shutil.copy(SAMPLE, book)
    wb = openpyxl.load_workbook(book)
    ws = wb["Scenarios"]
    ws.append(["BTC -30%", DELAY_COLUMN, "set", value, target])
    wb.save(book)
    return book


def test_a_sheet_row_slips_the_sites_it_targets(tmp_path: Path) -> None:
    """A Scenarios row (row 9) slipping Delta Basin 9 months in 'BTC -30%' reads as that
    future's slip there and nowhere else; a slip beyond the 60-month horizon is an error at
    its value cell, D9."""
    book = _sample_with_slip(tmp_path, 9, "Delta Basin")
    fleet = read_workbook(book).fleet
    futures = sheet_scenario_set(fleet, read_scenarios(book, fleet))
    assert futures.delay_months is not None
    w, s = futures.names.index("BTC -30%"), [x.name for x in fleet.sites].index("Delta Basin")
    assert futures.delay_months[w, s] == 9 and int(futures.delay_months.sum()) == 9
    (tmp_path / "late").mkdir()
    late = _sample_with_slip(tmp_path / "late", 61)
    with pytest.raises(InputError) as caught:
        read_scenarios(late, fleet)
    assert [p.cell for p in caught.value.problems] == ["D9"]
    assert "beyond the horizon of 60 months" in caught.value.problems[0].message


@pytest.mark.slow
def test_cli_prices_the_slip_and_compare_refuses_it(tmp_path: Path) -> None:
    """stochastic --scenarios on the sample with a 9-month slip at every site in 'BTC -30%'
    prints the library's RP (below the sample's $967.5M without the slip); compare on the
    same workbook exits 1 naming the row's parameter cell and writes nothing."""
    book = _sample_with_slip(tmp_path, 9)
    runner = CliRunner()
    done = runner.invoke(cli, ["stochastic", str(book), "--scenarios", "--frontier", "",
                               "--json", "--no-write"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    source = read_workbook(book)
    want = stochastic_plan(source, scenarios=sheet_scenario_set(
        source.fleet, read_scenarios(book, source.fleet)))
    got = json.loads(done.stdout)
    assert got["rp_usd"] == pytest.approx(want.rp_usd, rel=1e-9)
    assert want.rp_usd < 967.4e6
    refused = runner.invoke(cli, ["compare", str(book), "--jobs", "1"])
    assert refused.exit_code == 1
    assert "Scenarios!B9" in refused.output and "stochastic --scenarios" in refused.output
    assert not list(tmp_path.glob("fleet.compare*"))


def test_scenario_paths_sheet_takes_the_delay_column(tmp_path: Path) -> None:
    """A workbook's ScenarioPaths sheet with construction_delay_months (6 on one of 'high''s
    rows, blank for 'low') gives the hand-solved slip's RP, as the CSV does."""
    book = tmp_path / "paths.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "ScenarioPaths"
    ws.append(["scenario", "probability", "month", "btc_price_usd", "network_hashrate_ehs",
               "hashprice_usd_ph_day", DELAY_COLUMN])
    for name, hashprice, delay in (("high", HIGH, 6), ("low", LOW, None)):
        for m in range(1, 13):
            ws.append([name, 0.5, f"2026-{m:02d}", None, None, hashprice,
                       delay if m == 1 else None])
    wb.save(book)
    futures = read_paths_sheet(book, slip_fleet(HIGH))
    assert futures.delay_months is not None and futures.delay_months.tolist() == [[6], [0]]
    assert stochastic_plan(slip_fleet(HIGH), scenarios=futures).rp_usd == pytest.approx(
        1_875_000.0, abs=0.5)
