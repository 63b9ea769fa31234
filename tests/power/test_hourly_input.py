"""Hourly prices read from a workbook: the HourlyPrices sheet, a CSV or Parquet file, DST
normalization, and every fault at its cell or file line (allocator.workbook.hourly_sheet)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fleetkit import MARKET, MINERS, SITES, write_book

from allocator import read_workbook
from allocator.documents.conversion import convert
from allocator.documents.fleet_document import read_fleet_document
from allocator.errors import InputError, OutputError


def _hours(month: str, days: int, price: float = 30.0) -> list[list[object]]:
    start = pd.Timestamp(f"{month}-01")
    return [["Alpha", (start + pd.Timedelta(hours=h)).to_pydatetime(), price]
            for h in range(24 * days)]


def _book(tmp_path: Path, settings: list[list[object]] | None = None,
          hourly: list[list[object]] | None = None, name: str = "book.xlsx") -> Path:
    sheets: dict[str, list[list[object]]] = {"Sites": SITES, "Miners": MINERS,
                                              "Market": MARKET}
    if settings:
        sheets["Settings"] = [["key", "value"], *settings]
    if hourly is not None:
        sheets["HourlyPrices"] = [["site", "timestamp", "price_usd_mwh"], *hourly]
    return write_book(tmp_path / name, sheets)


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    return [str(p) for p in caught.value.problems]


def test_an_hourly_prices_sheet_becomes_the_months_curve(tmp_path: Path) -> None:
    """Proves a sheet of January's 744 hours at two prices becomes one binned curve of 744 h
    whose mean is the hours' mean, and that a workbook without hourly prices has none."""
    rows = _hours("2026-01", 31)
    for r in rows[:100]:
        r[2] = 130.0
    fleet = read_workbook(_book(tmp_path, hourly=rows)).fleet
    (curve,) = fleet.price_curves
    assert (curve.site, curve.month, len(curve.hours)) == ("Alpha", "2026-01", 48)
    assert sum(curve.hours) == 744.0
    mean = sum(h * p for h, p in zip(curve.hours, curve.price_usd_mwh, strict=True)) / 744
    assert mean == pytest.approx((100 * 130 + 644 * 30) / 744)
    assert read_workbook(_book(tmp_path, name="old.xlsx")).fleet.price_curves == ()


def test_faults_in_the_sheet_are_told_by_cell_all_at_once(tmp_path: Path) -> None:
    """Proves a non-numeric price, an absurd price, an unreadable timestamp, a duplicate and
    an unknown site are each reported at their cell, together."""
    rows = _hours("2026-01", 31)
    rows[3][2] = "abc"
    rows[4][2] = 95_000
    rows[6][1] = "not a time"
    rows[10][1] = rows[9][1]
    rows.append(["Nowhere", rows[0][1], 20.0])
    found = _problems(_book(tmp_path, hourly=rows))
    text = "\n".join(found)
    assert "HourlyPrices!C5: price_usd_mwh must be a number in $/MWh (got 'abc')" in text
    assert "HourlyPrices!C6: price 95000 $/MWh is outside -1,000 to 20,000" in text
    assert "HourlyPrices!B8: timestamp must be a date and time" in text
    assert "HourlyPrices!B12: site 'Alpha': duplicate timestamp 2026-01-01 09:00" in text
    assert "HourlyPrices!A746: hourly prices for unknown site 'Nowhere'" in text


def test_a_gap_and_an_uncovered_month_name_their_row_and_month(tmp_path: Path) -> None:
    """Proves a missing hour inside the series is a gap told at the row after it, and a
    planned month the series does not cover is a fault naming it, unless hourly_prices_fill
    is monthly (then a warning, and the month is flat)."""
    rows = _hours("2026-01", 31)
    del rows[50]
    found = _problems(_book(tmp_path, hourly=rows))
    assert any(p.startswith("HourlyPrices!B52: site 'Alpha': no price for 2026-01-03 02:00")
               for p in found), found
    two = [["start_month", "2026-01"], ["months", 2]]
    found = _problems(_book(tmp_path, two, _hours("2026-01", 31), "two.xlsx"))
    assert found == ["HourlyPrices: site 'Alpha': the hourly prices do not cover the planned "
                     "month 2026-02; they cover 2026-01. Give those months, or set "
                     "hourly_prices_fill to monthly to price them flat"]
    book = read_workbook(_book(tmp_path, [*two, ["hourly_prices_fill", "monthly"]],
                               _hours("2026-01", 31), "fill.xlsx"))
    assert [c.month for c in book.fleet.price_curves] == ["2026-01"]
    assert any("no hourly prices for 2026-02" in w for w in book.warnings)


def _local_year(zone: str, freq: str) -> pd.DataFrame:
    """A year of local wall-clock timestamps as a logger in ``zone`` writes them: the
    fall-back hour twice, the spring-forward hour not at all."""
    utc = pd.date_range("2026-01-01", "2027-01-01", freq=freq, tz=zone, inclusive="left")
    wall = utc.tz_localize(None)
    rng = np.random.default_rng(5)
    return pd.DataFrame({"site": "Alpha", "timestamp": wall,
                         "price_usd_mwh": rng.gamma(2.0, 18.0, len(wall)) - 5})


def test_a_local_time_parquet_year_with_dst_is_normalized(tmp_path: Path) -> None:
    """Proves a Parquet year of 15-minute local prices (America/Chicago: 35,036 rows, the
    fall-back hour twice, the spring hour missing) reads as twelve whole months of 24 x days
    clock hours each, and the same series in UTC with offsets converts to the same curves."""
    frame = _local_year("America/Chicago", "15min")
    assert len(frame) == 365 * 96 - 4 + 4  # every quarter hour, 4 skipped, 4 given twice
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "p.parquet")
    settings = [["start_month", "2026-01"], ["months", 12],
                ["hourly_prices_file", "p.parquet"],
                ["hourly_prices_timezone", "America/Chicago"]]
    fleet = read_workbook(_book(tmp_path, settings)).fleet
    hours = {c.month: sum(c.hours) for c in fleet.price_curves}
    assert hours == {f"2026-{m:02d}": 24.0 * d for m, d in zip(
        range(1, 13), [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], strict=True)}
    aware = pd.date_range("2026-01-01", "2027-01-01", freq="15min", tz="America/Chicago",
                          inclusive="left")
    offsets = frame.assign(timestamp=[t.isoformat() for t in aware])
    offsets.to_csv(tmp_path / "p.csv", index=False)
    settings[2] = ["hourly_prices_file", "p.csv"]
    again = read_workbook(_book(tmp_path, settings, name="csv.xlsx")).fleet
    assert again.price_curves == fleet.price_curves


def test_a_local_series_read_as_utc_is_refused_with_its_dst_rows(tmp_path: Path) -> None:
    """Proves the DST rule is the zone's: read as UTC, the repeated hour is a duplicate and
    the skipped hour a gap, each at its file line."""
    _local_year("America/Chicago", "h").to_csv(tmp_path / "p.csv", index=False)
    settings = [["start_month", "2026-01"], ["months", 12], ["hourly_prices_file", "p.csv"]]
    found = _problems(_book(tmp_path, settings))
    assert any(p.startswith("p.csv line 7299: site 'Alpha': duplicate timestamp 2026-11-01 "
                            "01:00") for p in found), found
    assert any(p.startswith("p.csv line 1588: site 'Alpha': no price for 2026-03-08 02:00")
               for p in found), found


def test_a_file_that_cannot_be_read_is_told_at_its_setting(tmp_path: Path) -> None:
    """Proves a missing file and a file without a price column are faults at the Settings
    cell naming the file, and a bad time zone at its own."""
    found = _problems(_book(tmp_path, [["hourly_prices_file", "nope.csv"]]))
    assert found == ["Settings!B2: hourly_prices_file nope.csv is not found"]
    (tmp_path / "cols.csv").write_text("site,timestamp,cost\nAlpha,2026-01-01 00:00,3\n")
    found = _problems(_book(tmp_path, [["hourly_prices_file", "cols.csv"]], name="c.xlsx"))
    assert found == ["Settings!B2: hourly_prices_file cols.csv needs the column price_usd_mwh; "
                     "it has site, timestamp, cost"]
    found = _problems(_book(tmp_path, [["hourly_prices_file", "cols.csv"],
                                       ["hourly_prices_timezone", "Mars/Olympus"]], name="z.xlsx"))
    assert found == ["Settings!B3: hourly_prices_timezone 'Mars/Olympus' is not a time zone; "
                     "give an IANA name such as America/Chicago, or UTC"]


def test_a_fleet_document_takes_hourly_prices_as_rows(tmp_path: Path) -> None:
    """Proves a YAML fleet reads its hourly_prices rows like the sheet, and tells a bad
    price by its path in the document."""
    rows = "\n".join(f"  - {{site: Alpha, timestamp: '2026-01-{1 + h // 24:02d} "
                     f"{h % 24:02d}:00', price_usd_mwh: {20 + h % 7}}}" for h in range(744))
    doc = (f"sites:\n  - {{site: Alpha, capacity_mw: 100, power_price_usd_mwh: 40}}\n"
           f"market:\n  - {{month: 2026-01, hashprice_usd_ph_day: 40}}\n"
           f"hourly_prices:\n{rows}\n")
    (tmp_path / "fleet.yaml").write_text(doc)
    fleet = read_fleet_document(tmp_path / "fleet.yaml").fleet
    assert [sum(c.hours) for c in fleet.price_curves] == [744.0]
    (tmp_path / "bad.yaml").write_text(doc.replace("price_usd_mwh: 23}", "price_usd_mwh: x}",
                                                   1))
    with pytest.raises(InputError) as caught:
        read_fleet_document(tmp_path / "bad.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "hourly_prices[3].price_usd_mwh: must be a number in $/MWh (got 'x')"]


def test_convert_refuses_hourly_rows_it_cannot_carry(tmp_path: Path) -> None:
    """Proves ``convert`` of a workbook whose hourly prices are HourlyPrices rows alone is
    refused with the way out, and nothing is written: the fleet keeps only the binned
    curves, so a copy would otherwise plan the site on flat prices without a word."""
    book = _book(tmp_path, settings=[["start_month", "2026-01"], ["months", 1]],
                 hourly=_hours("2026-01", 31))
    assert read_workbook(book).fleet.price_curves
    with pytest.raises(OutputError, match=r"HourlyPrices rows.*hourly_prices_file"):
        convert(book, tmp_path / "fleet.yaml")
    assert not (tmp_path / "fleet.yaml").exists()
