"""4CP candidates from a load column: Settings four_cp_candidate_hours picks each summer
month's N highest-load hours of the hourly prices' load_mw as its candidate peaks, instead of
four_cp_peak flags (allocator.power.load_peaks, allocator.workbook.hourly_sheet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fleetkit import MINERS, write_book

from allocator import read_workbook
from allocator.errors import InputError
from allocator.scenarios.changes import Change, apply_changes

START = pd.Timestamp("2026-07-01")


def _load(h: int) -> float:
    """Hour h of July: an evening peak each day (62,300 MW at 23:00, the same every day),
    and two hotter hours, 300 (80,000 MW) and 301 (79,000 MW)."""
    return {300: 80_000.0, 301: 79_000.0}.get(h, 60_000.0 + (h % 24) * 100.0)


def _book(tmp_path: Path, settings: list[list[object]], load: bool = True,
          flags: dict[int, str] | None = None, bad: dict[int, object] | None = None,
          name: str = "book.xlsx") -> Path:
    """July 2026 at Alpha ($100/kW-year 4CP): $150 every 12th hour, else $30; columns
    load_mw (when ``load``) and four_cp_peak; ``bad`` overrides load cells."""
    header = ["site", "timestamp", "price_usd_mwh", "four_cp_peak"] + (["load_mw"] if load
                                                                        else [])
    rows = [["Alpha", (START + pd.Timedelta(hours=h)).to_pydatetime(),
             150.0 if h % 12 == 0 else 30.0, (flags or {}).get(h)]
            + ([(bad or {}).get(h, _load(h))] if load else []) for h in range(744)]
    return write_book(tmp_path / name, {
        "Settings": [["key", "value"], ["start_month", "2026-07"], ["months", 1], *settings],
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh", "four_cp_usd_kw_year"],
                  ["Alpha", 100, 40, 100]],
        "Miners": MINERS, "Market": [["month", "hashprice_usd_ph_day"], ["2026-07", 40]],
        "HourlyPrices": [header, *rows]})


def _file_book(tmp_path: Path) -> Path:
    """The July book at Alpha with its prices in ``prices.csv`` beside it and N = 1."""
    return write_book(tmp_path / "file.xlsx", {
        "Settings": [["key", "value"], ["start_month", "2026-07"], ["months", 1],
                     ["hourly_prices_file", "prices.csv"], ["four_cp_candidate_hours", 1]],
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh", "four_cp_usd_kw_year"],
                  ["Alpha", 100, 40, 100]],
        "Miners": MINERS, "Market": [["month", "hashprice_usd_ph_day"], ["2026-07", 40]]})


def test_the_n_highest_load_hours_are_the_candidates_by_hand(tmp_path: Path) -> None:
    """Proves by hand: N = 2 picks hours 300 ($150) and 301 ($30); N = 3 adds the first
    23:00 peak (hour 23, $30: ties go to the earlier day), in time order. The curve is the
    one the same rows flagged four_cp_peak give, so the plan values it alike. Without N the
    load column is ignored with a warning and there are no candidates."""
    two = read_workbook(_book(tmp_path, [["four_cp_candidate_hours", 2]], name="2.xlsx"))
    assert two.fleet.price_curves[0].peak_price_usd_mwh == (150.0, 30.0)
    three = read_workbook(_book(tmp_path, [["four_cp_candidate_hours", 3]], name="3.xlsx"))
    flagged = read_workbook(_book(tmp_path, [], load=False,
                                  flags={23: "yes", 300: "yes", 301: "yes"}, name="f.xlsx"))
    assert three.fleet.price_curves[0].peak_price_usd_mwh == (30.0, 150.0, 30.0)
    assert three.fleet.price_curves[0].model_copy(update={"peaks_from_load_hours": None}
                                                  ) == flagged.fleet.price_curves[0]
    plain = read_workbook(_book(tmp_path, [], name="plain.xlsx"))
    assert plain.fleet.price_curves[0].peak_hours == ()
    assert any("load_mw of the hourly prices is ignored" in w for w in plain.warnings)


def test_bad_candidate_inputs_are_faults_at_their_cells_all_at_once(tmp_path: Path) -> None:
    """Proves: N beside four_cp_peak flags is a fault at the Settings cell, reported with a
    load that is not a number (hour 5: row 7, column E) and a negative one (hour 6: E8);
    N without a load column is a fault; N = 0 is refused at its cell."""
    with pytest.raises(InputError) as caught:
        read_workbook(_book(tmp_path, [["four_cp_candidate_hours", 2]], flags={10: "yes"},
                            bad={5: "hot", 6: -3}))
    text = [str(p) for p in caught.value.problems]
    assert any("Settings!B4" in t and "four_cp_peak rows are given too" in t for t in text)
    assert any("HourlyPrices!E7" in t and "load_mw must be a number" in t for t in text)
    assert any("HourlyPrices!E8" in t and "load_mw must be a number" in t for t in text)
    with pytest.raises(InputError) as caught:
        read_workbook(_book(tmp_path, [["four_cp_candidate_hours", 2]], load=False,
                            name="noload.xlsx"))
    assert any("Settings!B4" in str(p) and "needs a load_mw column" in str(p)
               for p in caught.value.problems)
    with pytest.raises(InputError) as caught:
        read_workbook(_book(tmp_path, [["four_cp_candidate_hours", 0]], name="zero.xlsx"))
    assert any("Settings!B4" in str(p) for p in caught.value.problems)


def test_a_15_minute_price_file_takes_n_hours_of_intervals(tmp_path: Path) -> None:
    """Proves a CSV price file's load_mw column is read, and on 15-minute prices N = 1 hour
    is the 4 highest-load intervals: load rises through the month, so the last four."""
    stamps = [START + pd.Timedelta(minutes=15 * i) for i in range(744 * 4)]
    pd.DataFrame({"site": "Alpha", "timestamp": [str(t) for t in stamps],
                  "price_usd_mwh": [30.0 + (i % 7) for i in range(len(stamps))],
                  "load_mw": [50_000.0 + i for i in range(len(stamps))]}
                 ).to_csv(tmp_path / "prices.csv", index=False)
    book = _file_book(tmp_path)
    (curve,) = read_workbook(book).fleet.price_curves
    assert curve.peak_hours == (0.25, 0.25, 0.25, 0.25)
    assert curve.peak_price_usd_mwh == tuple(30.0 + (i % 7) for i in range(2972, 2976))


def test_a_scenario_cannot_change_the_candidate_count(tmp_path: Path) -> None:
    """Proves a scenario that changes four_cp_candidate_hours is refused with the reason
    (the candidates are picked as the prices are read, so it would silently do nothing),
    while other changes to the same fleet still apply."""
    fleet = read_workbook(_book(tmp_path, [["four_cp_candidate_hours", 2]])).fleet
    assert fleet.price_curves[0].peaks_from_load_hours == 2
    with pytest.raises(InputError) as caught:
        apply_changes(fleet, [Change("four_cp_candidate_hours", "set", 3)])
    assert any("change it in the workbook, not in a scenario" in str(p)
               for p in caught.value.problems)
    moved = apply_changes(fleet, [Change("pool_fee", "set", 0.02)])
    assert moved.price_curves == fleet.price_curves


def test_a_bad_load_in_a_price_file_is_a_fault_at_its_line(tmp_path: Path) -> None:
    """Proves a load_mw that is not a number of MW >= 0 in a CSV price file is refused at its
    file line (line 7 is hour 5: the header is line 1), beside the file's other faults,
    rather than dropped: the file reader once collected these faults after copying its list."""
    stamps = [START + pd.Timedelta(hours=h) for h in range(744)]
    load: list[object] = [60_000.0] * 744
    load[5] = "hot"
    load[6] = -3.0
    pd.DataFrame({"site": "Alpha", "timestamp": [str(t) for t in stamps],
                  "price_usd_mwh": [30.0] * 744, "load_mw": load}
                 ).to_csv(tmp_path / "prices.csv", index=False)
    book = _file_book(tmp_path)
    with pytest.raises(InputError) as caught:
        read_workbook(book)
    text = [str(p) for p in caught.value.problems]
    assert any("line 7" in t and "load_mw" in t and "hot" in t for t in text), text
    assert any("line 8" in t and "load_mw" in t for t in text), text
