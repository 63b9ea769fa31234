"""A scenario, sweep or tornado that moves ``power_price_usd_mwh`` moves the months priced
from hourly prices too (allocator.power.shift): ``scale``, ``add`` and ``set`` apply to the
curve's bin prices, so the firm price, the strikes' curtailed hours and the margins follow."""

from __future__ import annotations

import numpy as np
import pytest
from fleetkit import contract, fleet, miners, site, verified

from allocator.domain import Fleet, PriceCurve
from allocator.insight.tornado import scaled
from allocator.optimization.coefficients import compute_coefficients
from allocator.power.curve import summarize_prices
from allocator.scenarios.changes import Change, apply_changes

# July 2026 (744 h): 682 h at $30 and 62 h at $150 (mean $40/MWh).
JULY = np.repeat([30.0, 150.0], [682, 62])


def _july() -> Fleet:
    """Sites A (on the curve) and B (flat $40); 10 MW of 20 J/TH miners at A at $48/PH/day
    (R = $100/MWh, strike $80 at PUE 1.25), opex $5,000; 5 MW of HPC at A (PUE 1, load 1)."""
    base = fleet(start="2026-07", months=1, hashprice=48.0,
                 sites=[site("A", mining_pue=1.25, mining_opex_usd_mw_month=5000.0,
                             power_price_usd_mwh=40.0, hpc_existing_mw=5.0),
                        site("B", power_price_usd_mwh=40.0)],
                 miner_rows=[miners("A", "Box", 5000, 100.0, 2000.0)],
                 contracts=[contract("K", rate_usd_kw_month=120.0, max_mw=5.0, sites=("A",),
                                     start_month="2026-07", term_months=1)])
    c = summarize_prices(JULY, 1.0, 24)
    return base.model_copy(update={"price_curves": (PriceCurve(
        site="A", month="2026-07", hours=tuple(c.hours.tolist()),
        price_usd_mwh=tuple(c.price_usd_mwh.tolist())),)})


def _margin_and_hpc_cost(f: Fleet) -> tuple[float, float]:
    coef = compute_coefficients(f)
    return (float(coef.mining_margin_usd_mw_month[0, 0]),
            float(coef.contracts[0].cost_usd_mw_month[0, 0]))


@pytest.mark.parametrize(("operation", "value", "margin", "hpc"), [
    # +$10: $40 and $160; the 62 h still above $80 are curtailed; HPC pays 744 x $50
    ("add", 10.0, 100.0 * 682 - 1.25 * 40.0 * 682 - 5000.0, 744 * 50.0),
    # x2: $60 and $300; mining 682 h at $60; HPC pays 744 x $80
    ("scale", 2.0, 100.0 * 682 - 1.25 * 60.0 * 682 - 5000.0, 744 * 80.0),
    # set $45: flat, nothing to curtail: 744 x (100 - 1.25 x 45) - 5,000
    ("set", 45.0, 744 * (100.0 - 1.25 * 45.0) - 5000.0, 744 * 45.0),
])
def test_a_power_price_change_moves_the_hourly_curve(operation: str, value: float,
                                                     margin: float, hpc: float) -> None:
    """Proves by hand that add/scale/set on power_price_usd_mwh apply to the bin prices: the
    base margin is 100 x 682 - 1.25 x 30 x 682 - 5,000 = $37,625 and HPC pays 744 x $40;
    each change gives the figures worked in its row, not the base ones."""
    base = _july()
    assert _margin_and_hpc_cost(base) == pytest.approx((37_625.0, 744 * 40.0))
    changed = apply_changes(base, [Change("power_price_usd_mwh", operation, value)])
    assert _margin_and_hpc_cost(changed) == pytest.approx((margin, hpc))
    targeted = apply_changes(base, [Change("power_price_usd_mwh", operation, value, "A")])
    assert _margin_and_hpc_cost(targeted) == pytest.approx((margin, hpc))
    verified(changed)


def test_a_change_to_another_site_leaves_the_curve() -> None:
    """Proves the change follows its target: moving site B's price leaves A's curve as it
    was, so A's margin and HPC cost are the base ones to the cent."""
    base = _july()
    other = apply_changes(base, [Change("power_price_usd_mwh", "add", 10.0, "B")])
    assert other.price_curves == base.price_curves
    assert _margin_and_hpc_cost(other) == _margin_and_hpc_cost(base)


def test_the_tornado_scales_the_curve() -> None:
    """Proves the tornado's power-price driver scales the hourly prices like the flat ones:
    +20 % makes July $36 and $180, so the margin is 100 x 682 - 1.25 x 36 x 682 - 5,000."""
    up = scaled(_july(), "power_price_usd_mwh", 1.2)
    margin, hpc = _margin_and_hpc_cost(up)
    assert margin == pytest.approx(100.0 * 682 - 1.25 * 36.0 * 682 - 5000.0)
    assert hpc == pytest.approx(744 * 48.0)
