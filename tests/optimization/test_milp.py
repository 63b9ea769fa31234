"""Lumpy decisions: whole halls (conversion_block_mw) and all-or-nothing contracts make the
model a MILP; everything else stays an LP, and MILP shadow values are labelled as such."""

from __future__ import annotations

import numpy as np
import pytest
from fleetkit import contract, fleet, miners, site, verified

from allocator.optimization.solvers import available_solvers


def test_whole_halls_only() -> None:
    """A 30 MW lease on 20 MW halls: the LP would convert exactly 30 MW; whole halls convert
    40 MW (two halls: rent $100k/MW beats the $10k/MW-month charge on the idle 10 MW), never
    30. A model ignoring the block size would build 30."""
    base = dict(months=3, asset_life_years=10,
                contracts=[contract(max_mw=30, power_pass_through=True)])
    lp = verified(fleet(sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=1.2e6)],
                        **base))
    assert lp.builds["build_mw"].sum() == pytest.approx(30)
    milp = verified(fleet(sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=1.2e6,
                                      conversion_block_mw=20)], **base))
    built = milp.builds["build_mw"].to_numpy()
    assert np.allclose(built / 20, np.round(built / 20))
    assert built.sum() == pytest.approx(40)
    assert milp.contracts["committed_mw"].iloc[0] == pytest.approx(30)
    assert milp.objective_usd == pytest.approx(3 * (30 * 100_000 - 40 * 10_000))
    assert milp.run_info.dual_kind == "fixed_integer_lp"
    assert milp.site_value["shadow_value_basis"].iloc[0] == "fixed-integer LP dual"
    assert lp.site_value["shadow_value_basis"].iloc[0] == "LP dual"


def test_all_or_nothing_contract_is_declined_when_it_cannot_be_filled() -> None:
    """20 MW of space and a 30 MW all-or-nothing offer: the LP takes 20 MW, the MILP none."""
    space = [site(hpc_existing_mw=20)]
    part = verified(fleet(sites=space, contracts=[contract(max_mw=30, power_pass_through=True)]))
    assert part.contracts["committed_mw"].iloc[0] == pytest.approx(20)
    whole = verified(fleet(sites=space, contracts=[
        contract(max_mw=30, power_pass_through=True, all_or_nothing=True)]))
    assert whole.contracts["committed_mw"].iloc[0] == 0.0
    taken = verified(fleet(sites=[site(hpc_existing_mw=40)], contracts=[
        contract(max_mw=30, power_pass_through=True, all_or_nothing=True)]))
    assert taken.contracts["committed_mw"].iloc[0] == pytest.approx(30)


def test_fixed_integer_duals_value_the_site_power() -> None:
    """With the integers fixed, one more grid MW at a power-bound mining site is worth its
    mining margin: 40 * 1000 / 13.5 * 31 - 40 * 24 * 31 per MW-month."""
    f = fleet(sites=[site(capacity_mw=20, hpc_convertible_mw=10, conversion_block_mw=10)],
              miner_rows=[miners()],
              contracts=[contract(max_mw=10, rate_usd_kw_month=1, all_or_nothing=True,
                                  power_pass_through=True)])
    plan = verified(f)
    assert plan.run_info.dual_kind == "fixed_integer_lp"
    assert plan.site_months["site_power_value_usd_mw_month"].iloc[0] == pytest.approx(
        40 * 1000 / 13.5 * 31 - 40 * 24 * 31)


@pytest.mark.skipif("COIN_CMD" not in available_solvers(), reason="CBC is not installed")
def test_milp_through_pulp_agrees() -> None:
    f = fleet(months=3, asset_life_years=10,
              sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=1.2e6,
                          conversion_block_mw=20)],
              contracts=[contract(max_mw=30, power_pass_through=True)])
    a, b = verified(f), verified(f, solver="cbc")
    assert b.objective_usd == pytest.approx(a.objective_usd, rel=1e-9)
    assert b.run_info.dual_kind == "none"
