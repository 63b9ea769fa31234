"""Sweeps: the flip points are named in plain words, and re-solving on either side of each
one confirms it; bad requests are input errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from scenariokit import small_fleet

from allocator import optimize
from allocator.errors import InputError
from allocator.scenarios.cases import plan_metrics
from allocator.scenarios.changes import Change, apply_changes
from allocator.scenarios.parameters import resolve_parameter
from allocator.scenarios.sweep import Sweep, format_value, sweep
from allocator.workbook.comparison_writer import SWEEP_SHEET, write_sweep


@pytest.fixture(scope="module")
def rate_sweep() -> Sweep:
    return sweep(small_fleet(), "rate_usd_kw_month", 100, 220, 4, target="Hyperscale-159")


def _state(value: float, subject: str, state: str) -> bool:
    fleet = apply_changes(small_fleet(),
                          [Change("rate_usd_kw_month", "set", value, "Hyperscale-159")])
    metrics = plan_metrics(optimize(fleet), fleet)
    name = subject.removeprefix("Contract ")
    metric = {"is taken": "committed_mw", "converts": "converted_mw",
              "mines": "avg_mining_mw"}[state]
    return metrics[(metric, name)] > 1e-3


def test_a_sweep_names_its_flip_points(rate_sweep: Sweep) -> None:
    texts = [f.text for f in rate_sweep.flips]
    assert "Contract Hyperscale-159 is taken once the rate of Hyperscale-159 exceeds " \
           "$184.9/kW-month" in texts
    assert "Site 0001 converts once the rate of Hyperscale-159 exceeds $184.9/kW-month" in texts
    assert rate_sweep.values == (100.0, 140.0, 180.0, 220.0)
    assert list(rate_sweep.table["rate_usd_kw_month"]) == [100.0, 140.0, 180.0, 220.0]
    assert rate_sweep.probes == 8  # one bisection chain of 8 halvings serves both flips


def test_re_solving_either_side_of_a_flip_confirms_it(rate_sweep: Sweep) -> None:
    """Bisection brackets the switch to 1/256 of a step; the state below the bracket differs
    from the state above it, and the bracket lies inside the step where the sweep saw it."""
    assert rate_sweep.flips
    for flip in rate_sweep.flips:
        assert 0 < flip.above - flip.below <= 40 / 256 + 1e-9
        assert 180 <= flip.below < flip.above <= 220
        assert _state(flip.below, flip.subject, flip.state) is not flip.turns_on
        assert _state(flip.above, flip.subject, flip.state) is flip.turns_on


@pytest.mark.slow
def test_whole_number_and_month_sweeps_step_by_whole_units() -> None:
    leads = sweep(small_fleet(), "conversion_lead_months", 0, 12, 4, bisections=8)
    assert leads.values == (0.0, 4.0, 8.0, 12.0)
    assert "Site 0003 stops converting once the conversion lead time reaches 6 months" in [
        f.text for f in leads.flips]
    for flip in leads.flips:
        assert flip.above - flip.below == 1
        assert " once the conversion lead time reaches " in flip.text
    factors = sweep(small_fleet(), "conversion_lead_months", 0.5, 1.5, 3, operation="scale",
                    bisections=0)
    assert factors.values == (0.5, 1.0, 1.5)  # factors, not whole months
    halving = sweep(small_fleet(), "halving_month", "2026-03", "2027-09", 4)
    assert list(halving.table["halving_month"]) == ["2026-03", "2026-09", "2027-03", "2027-09"]


def test_values_are_shown_in_the_parameters_unit() -> None:
    rate = resolve_parameter("rate_usd_kw_month", "K")
    assert format_value(rate, "set", 131.04, 0.1) == "$131.0/kW-month"
    assert format_value(resolve_parameter("btc_price_usd", None), "set", 61234.5, 40) == \
        "$61,234"
    assert format_value(resolve_parameter("discount_rate", None), "set", 0.125, 0.001) == \
        "12.5 %/yr"
    assert format_value(resolve_parameter("btc_price_usd", None), "scale", 0.8123, 0.004) == \
        "0.812x"
    assert format_value(resolve_parameter("power_price_usd_mwh", "A"), "add", 5.0, 1) == \
        "+$5/MWh"
    assert format_value(resolve_parameter("halving_month", None), "set", 24339.0) == "2028-04"


def test_bad_sweep_requests_are_input_errors() -> None:
    fleet = small_fleet()
    with pytest.raises(InputError, match="unknown parameter 'btc'"):
        sweep(fleet, "btc", 1, 2, 3)
    with pytest.raises(InputError) as caught:
        sweep(fleet, "rate_usd_kw_month", "a", 2, 1, target="Nope")
    assert [p.message for p in caught.value.problems] == [
        "unknown target 'Nope' for rate_usd_kw_month; valid targets (contracts): "
        "Retrofit-104, Neocloud-150, Hyperscale-159",
        "steps must be at least 2, got 1",
        "--from must be a number, got 'a'",
    ]
    with pytest.raises(InputError, match="sweep it with set"):
        sweep(fleet, "halving_month", 1, 2, 3, operation="scale")
    with pytest.raises(InputError, match="uptime scale 2 makes uptime"):
        sweep(fleet, "uptime", 1, 2, 2, operation="scale")


def test_the_sweep_sheet(rate_sweep: Sweep, tmp_path: Path) -> None:
    out = write_sweep(rate_sweep, tmp_path / "sweep.xlsx")
    ws = openpyxl.load_workbook(out)[SWEEP_SHEET]
    assert ws["A1"].value == "rate_usd_kw_month"
    assert ws["B1"].value == "npv_usd"
    column_a = [c.value for c in ws["A"]]
    title = column_a.index("Flip points: the switch lies between 'below' and 'above' "
                           "(rate_usd_kw_month)") + 1
    assert [c.value for c in ws[title + 1]][:3] == ["below", "above", "flip"]
    flips = [ws.cell(r, 3).value for r in range(title + 2, title + 2 + len(rate_sweep.flips))]
    assert flips == [f.text for f in rate_sweep.flips]
    with zipfile.ZipFile(out) as archive:
        assert sum(n.startswith("xl/charts/chart") for n in archive.namelist()) == 2
