"""Shadow values of grid power against finite-difference re-solves, including degenerate
optima where no single dual exists and the Site Value sheet must say so."""

from __future__ import annotations

import math

import pytest
from fleetkit import contract, fleet, miners, site, verified

from allocator.insight.duals import check_site_duals
from allocator.synthetic import synthetic_fleet


def test_power_bound_mining_site_dual_is_the_mining_margin() -> None:
    """20 MW site, 36.45 MW of S21 XP wanting more: +1 MW runs one more MW of miners."""
    f = fleet(sites=[site(capacity_mw=20)], miner_rows=[miners()])
    plan = check_site_duals(f, verified(f))
    margin = 40 * 1000 / 13.5 * 31 - 40 * 24 * 31
    row = plan.site_value.iloc[0]
    assert row["avg_shadow_value_usd_mw_month"] == pytest.approx(margin)
    assert row["plus_1mw_npv_usd"] == pytest.approx(margin)
    assert row["minus_1mw_npv_usd"] == pytest.approx(margin)
    assert row["shadow_value_check"] == "LP dual, confirmed by re-solving at +/-1 MW"


def test_degenerate_site_is_labelled_not_priced() -> None:
    """Capacity exactly equal to the miners' power: one more MW is worth nothing (no more
    miners), one MW less costs a full margin. The solver's dual is one of many; the sheet
    blanks it and says so."""
    f = fleet(sites=[site(capacity_mw=36.45)], miner_rows=[miners()])
    plan = check_site_duals(f, verified(f))
    row = plan.site_value.iloc[0]
    assert row["plus_1mw_npv_usd"] == pytest.approx(0.0, abs=1e-6)
    assert row["minus_1mw_npv_usd"] == pytest.approx(40 * 1000 / 13.5 * 31 - 40 * 24 * 31)
    assert math.isnan(row["avg_shadow_value_usd_mw_month"])
    assert row["shadow_value_check"].startswith("degenerate: +1 MW adds $0")


def test_idle_site_has_zero_value() -> None:
    f = fleet(sites=[site(capacity_mw=100)], miner_rows=[miners()])
    row = check_site_duals(f, verified(f)).site_value.iloc[0]
    assert row["avg_shadow_value_usd_mw_month"] == 0.0
    assert row["shadow_value_check"].startswith("LP dual, confirmed")


def test_lease_bound_site_dual() -> None:
    """Grid power limits HPC space (PUE 1.25): one more grid MW allows 0.8 IT MW of lease."""
    f = fleet(months=2, sites=[site(capacity_mw=10, hpc_convertible_mw=50, hpc_pue=1.25)],
              contracts=[contract(max_mw=30, power_pass_through=True, term_months=2)])
    plan = check_site_duals(f, verified(f))
    row = plan.site_value.iloc[0]
    assert row["plus_1mw_npv_usd"] == pytest.approx(0.8 * 2 * 100_000)
    assert row["shadow_value_check"].startswith("LP dual, confirmed")


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_synthetic_fleets_every_site_checked(seed: int) -> None:
    """On realistic fleets every site's dual is either confirmed or labelled degenerate."""
    f = synthetic_fleet(sites=2, months=12, seed=seed)
    plan = check_site_duals(f, verified(f))
    for row in plan.site_value.itertuples():
        if row.shadow_value_check.startswith("LP dual, confirmed"):
            predicted = row.plus_1mw_npv_usd
            assert predicted == pytest.approx(row.minus_1mw_npv_usd, rel=1e-4, abs=1e-3)
        else:
            assert row.shadow_value_check.startswith("degenerate")
            assert math.isnan(row.avg_shadow_value_usd_mw_month)


def test_milp_check_is_labelled() -> None:
    f = fleet(sites=[site(capacity_mw=20, hpc_convertible_mw=10, conversion_block_mw=10)],
              miner_rows=[miners()],
              contracts=[contract(max_mw=10, rate_usd_kw_month=1, all_or_nothing=True,
                                  power_pass_through=True)])
    row = check_site_duals(f, verified(f)).site_value.iloc[0]
    assert row["shadow_value_check"].startswith("MILP: +1 MW adds $")
