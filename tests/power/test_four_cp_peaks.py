"""4CP candidate peak intervals as input (``four_cp_peak`` rows of the hourly prices): miners
avoid the charge by stopping in every candidate of the month and give up those intervals'
margin; miners that cannot stop, and HPC, pay (allocator.power.four_cp, allocator.power.peaks,
allocator.workbook.hourly_sheet)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fleetkit import MINERS, contract, fleet, miners, site, verified, write_book

from allocator import read_workbook
from allocator.domain import Fleet, PriceCurve
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.power.curve import summarize_prices

# July 2026 (744 h): 682 h at $30 and the 62 dearest at $150 (mean $40/MWh).
JULY = np.repeat([30.0, 150.0], [682, 62])
CHARGE = 25_000.0 * 1.25  # $100/kW-year: $25,000 per grid MW at the peak, PUE 1.25
CURTAILED = 100.0 * 682 - 1.25 * 30.0 * 682 - 5000.0  # $37,625 with no 4CP at all


def _july(peaks: list[float], **site_kw: object) -> Fleet:
    """10 MW of 20 J/TH miners at $48/PH/day (R = $100/MWh, strike $80), PUE 1.25, opex
    $5,000; 5 MW of existing HPC at $120/kW-month; 4CP $100/kW-year; candidate peak hours
    at the prices ``peaks`` (1 h each)."""
    base = fleet(start="2026-07", months=1, hashprice=48.0,
                 sites=[site("A", mining_pue=1.25, mining_opex_usd_mw_month=5000.0,
                             power_price_usd_mwh=40.0, hpc_existing_mw=5.0,
                             four_cp_usd_kw_year=100.0, **site_kw)],
                 miner_rows=[miners("A", "Box", 5000, 100.0, 2000.0)],
                 contracts=[contract("K", rate_usd_kw_month=120.0, max_mw=5.0,
                                     start_month="2026-07", term_months=1)])
    c = summarize_prices(JULY, 1.0, 24)
    return base.model_copy(update={"price_curves": (PriceCurve(
        site="A", month="2026-07", hours=tuple(c.hours.tolist()),
        price_usd_mwh=tuple(c.price_usd_mwh.tolist()), peak_hours=tuple([1.0] * len(peaks)),
        peak_price_usd_mwh=tuple(peaks)),)})


def _margin(f: Fleet) -> float:
    return float(compute_coefficients(f).mining_margin_usd_mw_month[0, 0])


def test_a_4cp_month_avoids_the_tariff_only_where_mining_can_stop() -> None:
    """Proves by hand: candidates at $30, $60 and $150. Stopping in them gives up
    (100 - 1.25 x 30) + (100 - 1.25 x 60) = $87.50 per MW (the $150 hour is curtailed
    anyway), far below the $31,250 charge, so curtailing miners earn $37,625 - 87.50; at
    capture 0.8 they pay a fifth of the charge and 0.8 of the lost margin; with curtailment
    none they cannot stop and pay it all; HPC pays $25,000 per IT MW in every case."""
    peaks = [30.0, 60.0, 150.0]
    assert _margin(_july(peaks)) == pytest.approx(CURTAILED - 87.5)
    base = 744 * (100.0 - 1.25 * 40.0) - 5000.0
    partial = _july(peaks, curtailment_capture=0.8)
    assert _margin(partial) == pytest.approx(
        base + 0.8 * (CURTAILED - base) - 0.2 * CHARGE - 0.8 * 87.5)
    assert _margin(_july(peaks, curtailment="none")) == pytest.approx(base - CHARGE)
    for f in (_july(peaks), partial, _july(peaks, curtailment="none")):
        assert compute_coefficients(f).contracts[0].cost_usd_mw_month[0, 0] == pytest.approx(
            744 * 40.0 + 25_000.0)
        verified(f)  # the re-pricing, row by row, equals the LP's objective


def test_stopping_dearer_than_the_charge_pays_the_charge() -> None:
    """Proves the miners weigh the two: 600 candidate hours at $30 would cost 600 x 62.50 =
    $37,500 of margin, more than the $31,250 charge, so they run and pay it; 400 such hours
    ($25,000) they stop for."""
    assert _margin(_july([30.0] * 600)) == pytest.approx(CURTAILED - CHARGE)
    assert _margin(_july([30.0] * 400)) == pytest.approx(CURTAILED - 25_000.0)


def _book(tmp_path: Path, flags: dict[int, object], name: str = "book.xlsx",
          month: str = "2026-07") -> Path:
    start = pd.Timestamp(f"{month}-01")
    hours = [["Alpha", (start + pd.Timedelta(hours=h)).to_pydatetime(),
              150.0 if h % 12 == 0 else 30.0, flags.get(h)] for h in range(24 * 31)]
    return write_book(tmp_path / name, {
        "Settings": [["key", "value"], ["start_month", month], ["months", 1]],
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh", "four_cp_usd_kw_year"],
                  ["Alpha", 100, 40, 100]],
        "Miners": MINERS, "Market": [["month", "hashprice_usd_ph_day"], [month, 40]],
        "HourlyPrices": [["site", "timestamp", "price_usd_mwh", "four_cp_peak"], *hours]})


def test_flagged_rows_become_the_months_candidates(tmp_path: Path) -> None:
    """Proves the reader keeps the flagged intervals with their prices on July's curve, in
    time order, and that the same rows with no flag keep the fixed rule (no candidates)."""
    fleet = read_workbook(_book(tmp_path, {24: "yes", 17: True, 30: 1, 40: "no"})).fleet
    (curve,) = fleet.price_curves
    assert curve.peak_hours == (1.0, 1.0, 1.0)
    assert curve.peak_price_usd_mwh == (30.0, 150.0, 30.0)  # hours 17, 24, 30
    (plain,) = read_workbook(_book(tmp_path, {}, "plain.xlsx")).fleet.price_curves
    assert plain.peak_hours == ()


def test_a_bad_flag_is_told_by_its_cell_and_a_winter_flag_warns(tmp_path: Path) -> None:
    """Proves a flag that is not yes/no is a fault at its cell (hour 5 is row 7, column D),
    and candidates in January are ignored with a warning naming the site-month."""
    with pytest.raises(InputError) as caught:
        read_workbook(_book(tmp_path, {5: "maybe"}))
    assert any("HourlyPrices!D7" in str(p) and "four_cp_peak must be yes or no" in str(p)
               for p in caught.value.problems)
    winter = read_workbook(_book(tmp_path, {5: "yes"}, "jan.xlsx", month="2026-01"))
    assert winter.fleet.price_curves[0].peak_hours == ()
    assert any("four_cp_peak rows of Alpha 2026-01 are ignored" in w for w in winter.warnings)


def test_a_price_file_column_gives_the_candidates(tmp_path: Path) -> None:
    """Proves a CSV price file's four_cp_peak column (yes/blank) is read like the sheet's."""
    start = pd.Timestamp("2026-07-01")
    frame = pd.DataFrame({"site": "Alpha",
                          "timestamp": [str(start + pd.Timedelta(hours=h)) for h in range(744)],
                          "price_usd_mwh": 30.0,
                          "four_cp_peak": ["yes" if h in (400, 401) else "" for h in range(744)]})
    frame.to_csv(tmp_path / "prices.csv", index=False)
    book = write_book(tmp_path / "file.xlsx", {
        "Settings": [["key", "value"], ["start_month", "2026-07"], ["months", 1],
                     ["hourly_prices_file", "prices.csv"]],
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh", "four_cp_usd_kw_year"],
                  ["Alpha", 100, 40, 100]],
        "Miners": MINERS, "Market": [["month", "hashprice_usd_ph_day"], ["2026-07", 40]]})
    (curve,) = read_workbook(book).fleet.price_curves
    assert curve.peak_price_usd_mwh == (30.0, 30.0)
