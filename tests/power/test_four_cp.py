"""ERCOT 4CP: the summer-peak transmission charge, paid by firm load and avoided by miners
that curtail (allocator.power.four_cp, through the LP and the re-pricing)."""

from __future__ import annotations

import numpy as np
import pytest
from fleetkit import contract, fleet, miners, site, verified

from allocator.domain import Fleet, PriceCurve
from allocator.optimization.coefficients import compute_coefficients
from allocator.power.curve import summarize_prices

# July 2026 (744 h) at two prices, $30 and (the 62 dearest hours) $150: mean $40, 24 bins of
# 31 hours that keep the two prices apart.
JULY = np.repeat([30.0, 150.0], [682, 62])
MEAN = 40.0


def _july(curves: bool, pass_through: bool = False, **site_kw: object) -> Fleet:
    """10 MW of 20 J/TH miners at $48/PH/day (R = $100/MWh), PUE 1.25, opex $5,000; 5 MW
    of existing HPC leased at $120/kW-month (HPC PUE 1, load 1); 4CP $100/kW-year."""
    base = fleet(start="2026-07", months=1, hashprice=48.0,
                 sites=[site("A", mining_pue=1.25, mining_opex_usd_mw_month=5000.0,
                             power_price_usd_mwh=MEAN, hpc_existing_mw=5.0,
                             four_cp_usd_kw_year=100.0, **site_kw)],
                 miner_rows=[miners("A", "Box", 5000, 100.0, 2000.0)],
                 contracts=[contract("K", rate_usd_kw_month=120.0, max_mw=5.0,
                                     start_month="2026-07", term_months=1,
                                     power_pass_through=pass_through)])
    if not curves:
        return base
    c = summarize_prices(JULY, 1.0, 24)
    return base.model_copy(update={"price_curves": (PriceCurve(
        site="A", month="2026-07", hours=tuple(c.hours.tolist()),
        price_usd_mwh=tuple(c.price_usd_mwh.tolist())),)})


def test_a_4cp_month_is_avoided_only_where_mining_can_stop() -> None:
    """Proves the 4CP charge by hand: $100/kW-year is $25,000 per MW at July's peak. Miners
    on flat prices pay 1.25 x 25,000 = $31,250 per MW; curtailing on hourly prices they pay
    nothing, at capture 0.8 a fifth ($6,250); HPC pays $25,000 per IT MW either way (5 MW:
    $125,000 on top of 5 x 744 h x $40 = $148,800 of power), and nothing when the tenant
    pays its power."""
    flat, hourly = compute_coefficients(_july(False)), compute_coefficients(_july(True))
    base = 100.0 * 744 - (MEAN * 744 * 1.25 + 5000.0)  # $74,400 - 37,200 - 5,000
    assert flat.mining_margin_usd_mw_month[0, 0] == pytest.approx(base - 31_250.0)
    curtailed = 100.0 * 682 - 1.25 * 30.0 * 682 - 5000.0  # $37,625
    assert hourly.mining_margin_usd_mw_month[0, 0] == pytest.approx(curtailed)
    partial = compute_coefficients(_july(True, curtailment_capture=0.8))
    assert partial.mining_margin_usd_mw_month[0, 0] == pytest.approx(
        base + 0.8 * (curtailed - base) - 6_250.0)
    for coef in (flat, hourly, partial):
        assert coef.contracts[0].cost_usd_mw_month[0, 0] == pytest.approx(
            29_760.0 + 25_000.0)
    plan = verified(_july(True))
    assert plan.leases["power_cost_usd"].sum() == pytest.approx(148_800.0 + 125_000.0)
    assert verified(_july(True, pass_through=True)).leases["power_cost_usd"].sum() == 0.0


def test_no_4cp_charge_outside_june_to_september() -> None:
    """Proves the charge is a summer one: the same site in April pays none."""
    april = _july(False).model_copy(update={"settings": _july(False).settings.model_copy(
        update={"start_month": "2026-04"})})
    april = april.model_copy(update={"market": tuple(
        m.model_copy(update={"month": "2026-04"}) for m in april.market),
        "contracts": (contract("K", rate_usd_kw_month=120.0, max_mw=5.0,
                               start_month="2026-04", term_months=1),)})
    coef = compute_coefficients(april)
    assert coef.contracts[0].cost_usd_mw_month[0, 0] == pytest.approx(MEAN * 720)
