"""An hourly ancillary (demand-response) price beside the hourly power prices: the net-cost
duration curve, the curtailment it moves, the plan, the Flexibility report and the reader
(allocator.power.ancillary, curve, valuation, flexible; allocator.workbook.hourly_sheet)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fleetkit import MARKET, MINERS, SITES, contract, fleet, miners, site, verified, write_book

from allocator import read_workbook
from allocator.domain import Fleet, PriceCurve
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.power.curve import summarize_prices
from allocator.power.shift import shift_curve
from allocator.power.valuation import curtail

# April 2026 (720 h), every run a multiple of the 15-hour bin so the curve is exact:
# 120 h at $20 with an ancillary price of $10, 240 h at $20 without, 240 h at $40, 90 h at
# $100 with $30, 30 h at $1,000 with $200 (mean price $77.50).
PRICE = np.repeat([20.0, 20.0, 40.0, 100.0, 1000.0], [120, 240, 240, 90, 30])
CREDIT = np.repeat([10.0, 0.0, 0.0, 30.0, 200.0], [120, 240, 240, 90, 30])


def _curve(ancillary: bool) -> PriceCurve:
    c = summarize_prices(PRICE, 1.0, 48, CREDIT if ancillary else None)
    extra = ({"ancillary_usd_mw_h": tuple(c.ancillary_usd_mw_h.tolist())}
             if c.ancillary_usd_mw_h is not None else {})
    return PriceCurve(site="A", month="2026-04", hours=tuple(c.hours.tolist()),
                      price_usd_mwh=tuple(c.price_usd_mwh.tolist()), **extra)


def _one_site(ancillary: bool, **site_kw: object) -> Fleet:
    """10 MW of 20 J/TH miners at $48/PH/day ($100 per miner MWh), PUE 1.25 (strike $80),
    opex $5,000/MW-month, one 5 MW gross lease offer; April on the curve above."""
    base = fleet(start="2026-04", months=1, hashprice=48.0,
                 sites=[site("A", mining_pue=1.25, mining_opex_usd_mw_month=5000.0,
                             power_price_usd_mwh=77.5, hpc_existing_mw=5.0, **site_kw)],
                 miner_rows=[miners("A", "Box", 5000, 100.0, 2000.0)],
                 contracts=[contract("K", rate_usd_kw_month=120.0, max_mw=5.0,
                                     start_month="2026-04", term_months=1)])
    return base.model_copy(update={"price_curves": (_curve(ancillary),)})


def test_without_an_ancillary_series_the_curve_is_todays() -> None:
    """Proves the net-cost binning changes nothing it need not: without a series the curve is
    the price-sorted one bit for bit, and an all-zero series bins the same prices (1e-12)."""
    rng = np.random.default_rng(3)
    prices = rng.gamma(2.0, 20.0, 744) - 5
    today = summarize_prices(prices, 1.0, 48)
    assert today.ancillary_usd_mw_h is None
    again = summarize_prices(prices, 1.0, 48, None)
    assert np.array_equal(today.price_usd_mwh, again.price_usd_mwh)
    zero = summarize_prices(prices, 1.0, 48, np.zeros(744))
    assert np.array_equal(today.hours, zero.hours)
    assert np.max(np.abs(today.price_usd_mwh - zero.price_usd_mwh)) <= 1e-12
    assert zero.ancillary_usd_mw_h is not None and not zero.ancillary_usd_mw_h.any()


def test_the_curve_is_binned_by_price_less_credit() -> None:
    """Proves the bins sort by net cost: the $100 hours with $30 (net $70) come after the $40
    hours, the 30 dearest hours ($1,000 less $200) last, each bin keeping both means."""
    c = summarize_prices(PRICE, 1.0, 48, CREDIT)
    assert c.ancillary_usd_mw_h is not None
    net = c.price_usd_mwh - c.ancillary_usd_mw_h
    assert np.all(np.diff(net) >= 0)
    assert c.price_usd_mwh[:8].tolist() == [20.0] * 8 and c.ancillary_usd_mw_h[:8].tolist() == [
        10.0] * 8
    assert c.price_usd_mwh[40:46].tolist() == [100.0] * 6
    assert c.ancillary_usd_mw_h[-2:].tolist() == [200.0, 200.0]


def test_an_hour_curtailed_on_price_runs_when_its_credit_covers_the_gap() -> None:
    """Proves the run-or-stop rule ``R + pue x a >= pue x p``: at a strike of $80 the $100
    bin (credit $30, net $70) runs and earns 1.25 x 90 h x $30 = $3,375; with capture 0.5 the
    curtailed $1,000 bin's other half still runs and earns 0.5 x 1.25 x 30 x $200 = $3,750."""
    hours, price, credit = [90.0, 30.0], [100.0, 1000.0], [30.0, 200.0]
    alone = curtail(hours, price, 80.0)
    assert float(alone.curtailed_hours) == 120.0 and alone.ancillary_usd is None
    cut = curtail(hours, price, 80.0, 1.0, credit, 1.25)
    assert float(cut.curtailed_hours) == 30.0
    assert float(cut.avoided_energy_usd) == 30_000.0
    assert float(cut.ancillary_usd) == pytest.approx(3_375.0, abs=1e-9)
    half = curtail(hours, price, 80.0, 0.5, credit, 1.25)
    assert float(half.ancillary_usd) == pytest.approx(3_375.0 + 3_750.0, abs=1e-9)


def test_the_plan_runs_the_hours_the_credit_pays_for() -> None:
    """Proves the hand-solved month through allocator.optimize, re-priced by the plan's own
    check (fleetkit.verified). Per running MW: without the credit the miners run the 600 h at
    $20-$40: 60,000 - 1.25 x 16,800 = $39,000, less $5,000 opex = $34,000, x 10 MW = $340,000.
    With it they also run the $100 hours (net $70 < $80): 690 h x $100 = $69,000 revenue,
    1.25 x (7,200 + 9,600 + 9,000) = $32,250 power, credit 1.25 x (120 x 10 + 90 x 30) =
    $4,875 ($200 hours curtailed earn none): $41,625 - $5,000 = $36,625, x 10 = $366,250.
    The lease pays the full-hours average either way: 5 MW x 720 h x $77.50 = $279,000."""
    with_credit, without = verified(_one_site(True)), verified(_one_site(False))
    assert without.tranches["margin_usd"].sum() == pytest.approx(340_000.0, abs=0.01)
    assert with_credit.tranches["margin_usd"].sum() == pytest.approx(366_250.0, abs=0.01)
    for plan in (with_credit, without):
        assert plan.leases["power_cost_usd"].sum() == pytest.approx(279_000.0, abs=0.01)
    coef = compute_coefficients(_one_site(True))
    assert coef.curtailment is not None
    assert float(coef.curtailment.mined_hours[0, 0]) == pytest.approx(690.0)
    assert coef.contracts[0].cost_usd_mw_month[0, 0] == pytest.approx(720 * 77.5)
    (row,) = with_credit.extra["Flexibility"].to_dict("records")
    assert row["ancillary_revenue_usd"] == pytest.approx(48_750.0, abs=0.01)
    assert row["hours_mined"] == pytest.approx(690.0)
    (plain,) = without.extra["Flexibility"].to_dict("records")
    assert plain["ancillary_revenue_usd"] == 0.0


def test_a_site_that_does_not_curtail_earns_no_credit() -> None:
    """Proves curtailment ``none`` earns no ancillary credit: the miners run all 720 h at the
    flat margin, 72,000 - 1.25 x 720 x 77.5 = $2,250 less $5,000 per MW (a loss, so the plan
    runs none) and the Flexibility credit is 0."""
    coef = compute_coefficients(_one_site(True, curtailment="none"))
    assert coef.curtailment is not None and coef.curtailment.ancillary_usd is not None
    assert float(coef.curtailment.ancillary_usd[0, 0]) == 0.0
    assert float(coef.mining_margin_usd_mw_month[0, 0]) == pytest.approx(-2_750.0, abs=1e-6)


def _book(tmp_path: Path, hourly: list[list[object]], header: list[str],
          settings: list[list[object]] | None = None, name: str = "b.xlsx") -> Path:
    sheets: dict[str, list[list[object]]] = {"Sites": SITES, "Miners": MINERS,
                                              "Market": MARKET}
    if settings:
        sheets["Settings"] = [["key", "value"], *settings]
    if hourly:
        sheets["HourlyPrices"] = [header, *hourly]
    return write_book(tmp_path / name, sheets)


def _january(credit: bool) -> list[list[object]]:
    """January's 744 hours at Alpha: $30, the first 100 at $130 with a $60 credit."""
    start = pd.Timestamp("2026-01-01")
    rows: list[list[object]] = []
    for h in range(744):
        row: list[object] = ["Alpha", (start + pd.Timedelta(hours=h)).to_pydatetime(),
                             130.0 if h < 100 else 30.0]
        rows.append([*row, 60.0 if h < 100 else None] if credit else row)
    return rows


def test_the_reader_takes_the_column_from_the_sheet_and_a_csv(tmp_path: Path) -> None:
    """Proves the sheet's ancillary_usd_mw_h column becomes the curve's per-bin means (100 h
    at $60: mean credit 100 x 60 / 744), the same rows in a CSV give the same curve, and a
    sheet without the column gives the price-sorted curve with no ancillary figures."""
    header = ["site", "timestamp", "price_usd_mwh", "ancillary_usd_mw_h"]
    (curve,) = read_workbook(_book(tmp_path, _january(True), header)).fleet.price_curves
    assert len(curve.ancillary_usd_mw_h) == 48
    mean = sum(h * a for h, a in zip(curve.hours, curve.ancillary_usd_mw_h, strict=True)) / 744
    assert mean == pytest.approx(100 * 60.0 / 744, abs=1e-9)
    frame = pd.DataFrame(_january(True), columns=header)
    frame.to_csv(tmp_path / "p.csv", index=False)
    csv = read_workbook(_book(tmp_path, [], header, [["hourly_prices_file", "p.csv"]],
                              "c.xlsx")).fleet.price_curves
    assert csv == (curve,)
    (plain,) = read_workbook(_book(tmp_path, _january(False), header[:3], name="p.xlsx")
                             ).fleet.price_curves
    today = summarize_prices([130.0] * 100 + [30.0] * 644, 1.0, 48)
    assert plain.ancillary_usd_mw_h == ()
    assert plain.price_usd_mwh == tuple(today.price_usd_mwh.tolist())


def test_a_bad_ancillary_price_is_told_by_its_cell_and_line(tmp_path: Path) -> None:
    """Proves a non-numeric, a negative and an absurd (over 10,000) ancillary price are each
    a fault at their cell, and in a CSV at their file line."""
    header = ["site", "timestamp", "price_usd_mwh", "ancillary_usd_mw_h"]
    rows = _january(True)
    rows[2][3], rows[3][3], rows[4][3] = "lots", -5.0, 20_000.0
    with pytest.raises(InputError) as caught:
        read_workbook(_book(tmp_path, rows, header))
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "HourlyPrices!D4: ancillary_usd_mw_h must be a number of USD per MW-hour" in text
    assert "HourlyPrices!D5: ancillary_usd_mw_h" in text and "(got -5.0)" in text
    assert "HourlyPrices!D6: ancillary_usd_mw_h" in text and "(got 20000.0)" in text
    pd.DataFrame(rows, columns=header).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(InputError) as caught:
        read_workbook(_book(tmp_path, [], header, [["hourly_prices_file", "p.csv"]], "c.xlsx"))
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "p.csv line 4: ancillary_usd_mw_h must be a number" in text
    assert "p.csv line 6: ancillary_usd_mw_h" in text


def test_flagged_intervals_earn_no_credit(tmp_path: Path) -> None:
    """Proves the miners earn nothing in intervals they are ordered off: 10 of the 100
    credited hours flagged emergency_curtailment leave 90 x $60 of credit in the month."""
    header = ["site", "timestamp", "price_usd_mwh", "ancillary_usd_mw_h",
              "emergency_curtailment"]
    rows = [[*r, "yes" if h < 10 else None] for h, r in enumerate(_january(True))]
    (curve,) = read_workbook(_book(tmp_path, rows, header)).fleet.price_curves
    assert len(curve.emergency_hours) == 10
    credit = sum(h * a for h, a in zip(curve.hours, curve.ancillary_usd_mw_h, strict=True))
    assert credit == pytest.approx(90 * 60.0, abs=1e-9)


def test_the_credit_takes_the_prices_clock(tmp_path: Path) -> None:
    """Proves the series is normalized like the prices on America/Chicago's clock: the
    repeated fall-back hour's credits $10 and $30 average to $20 (November's total 20), and
    the skipped spring hour takes the mean $20 of $10 and $30 either side (March's 60)."""
    utc = pd.date_range("2026-03-01", "2026-12-01", freq="h", tz="America/Chicago",
                        inclusive="left")
    wall = utc.tz_localize(None)
    credit = np.zeros(len(wall))
    fall = np.flatnonzero(wall == pd.Timestamp("2026-11-01 01:00"))
    credit[fall] = [10.0, 30.0]
    before = int(np.flatnonzero(wall == pd.Timestamp("2026-03-08 01:00"))[0])
    credit[before], credit[before + 1] = 10.0, 30.0  # 01:00, then 03:00 (02:00 skipped)
    pd.DataFrame({"site": "Alpha", "timestamp": wall, "price_usd_mwh": 30.0,
                  "ancillary_usd_mw_h": credit}).to_csv(tmp_path / "p.csv", index=False)
    settings = [["start_month", "2026-03"], ["months", 9], ["hourly_prices_file", "p.csv"],
                ["hourly_prices_timezone", "America/Chicago"]]
    curves = {c.month: c for c in read_workbook(_book(tmp_path, [], [], settings)).fleet
              .price_curves}
    totals = {m: sum(h * a for h, a in zip(c.hours, c.ancillary_usd_mw_h, strict=True))
              for m, c in curves.items() if c.ancillary_usd_mw_h}
    assert totals == pytest.approx({"2026-03": 60.0, "2026-11": 20.0}, abs=1e-9)
    assert sum(curves["2026-11"].hours) == 720.0 and sum(curves["2026-03"].hours) == 744.0


def test_a_price_shift_leaves_the_credit_on_its_hours() -> None:
    """Proves a scenario's price change moves the prices only: ``add 10`` keeps every bin's
    credit, ``scale -1`` reverses the bins and their credits together (the $30 bins, once
    after the $40 ones, now sit with their -$100 prices)."""
    curve = _curve(True)
    added = shift_curve(curve, "add", 10.0)
    assert added.ancillary_usd_mw_h == curve.ancillary_usd_mw_h
    flipped = shift_curve(curve, "scale", -1.0)
    pairs = set(zip(flipped.price_usd_mwh, flipped.ancillary_usd_mw_h, strict=True))
    assert pairs == {(-20.0, 10.0), (-20.0, 0.0), (-40.0, 0.0), (-100.0, 30.0),
                     (-1000.0, 200.0)}
