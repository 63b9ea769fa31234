"""Tiny hand-solved LPs; each docstring says what it proves and which bug would change it.

Every solve goes through ``fleetkit.verified``: post-solve invariants hold and the plan
re-prices independently to the LP objective.
"""

from __future__ import annotations

import pytest
from fleetkit import contract, fleet, miners, site, verified

from allocator.domain import MarketMonth
from allocator.errors import InfeasibleError, InputError


def test_worked_example_1_spot_mining() -> None:
    """Worked example 1 (docs/model.md): 35.3565 MW run (uptime cap), objective $1,566,685.80.

    Proves uptime caps a tranche and the mining margin formula; ignoring uptime would give
    36.45 MW, ignoring the pool fee or PUE changes the dollars.
    """
    f = fleet(start="2026-04", pool_fee=0.02,
              sites=[site(power_price_usd_mwh=50, mining_pue=1.05, uptime=0.97,
                          mining_opex_usd_mw_month=5_000)],
              miner_rows=[miners()])
    plan = verified(f)
    assert plan.objective_usd == pytest.approx(1_566_685.80, abs=0.01)
    assert plan.site_months["mining_mw"].iloc[0] == pytest.approx(35.3565)


def test_worked_example_2_existing_hpc_pass_through() -> None:
    """Worked example 2 (docs/model.md): 10 MW existing, $100/kW-month, three months -> $3,000,000.

    Proves take-or-pay leasing of existing space with power passed through costs nothing;
    charging power on a pass-through lease would lower it.
    """
    f = fleet(months=3, sites=[site(hpc_existing_mw=10)],
              contracts=[contract(power_pass_through=True)])
    plan = verified(f)
    assert plan.objective_usd == pytest.approx(3_000_000.0)
    assert plan.contracts["committed_mw"].iloc[0] == pytest.approx(10.0)


def test_worked_example_3_gross_lease_pays_power() -> None:
    """Worked example 3 (docs/model.md): gross lease at $40/MWh over 31, 28, 31 days -> $2,136,000.

    Proves the power cost uses each month's own days; a flat 30-day month would give
    $2,136,000 only by accident of the sum, so the per-month rows are checked too.
    """
    f = fleet(months=3, sites=[site(hpc_existing_mw=10)],
              contracts=[contract(power_pass_through=False)])
    plan = verified(f)
    assert plan.objective_usd == pytest.approx(2_136_000.0)
    power = plan.leases["power_cost_usd"].tolist()
    assert power == pytest.approx([10 * 40 * 24 * d for d in (31, 28, 31)])


def test_worked_example_4_lead_time_delays_lease_revenue() -> None:
    """Worked example 4 (docs/model.md): build 20 MW in January, lease February-March -> $3,400,000.

    Proves conversion lead time (usable from t + lead), the capital charge from the month
    construction starts, and r = 0 capital recovery of 1/n.
    """
    f = fleet(months=3, asset_life_years=10,
              sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=1.2e6,
                          conversion_lead_months=1)],
              contracts=[contract(start_month="2026-02", power_pass_through=True)])
    plan = verified(f)
    assert plan.objective_usd == pytest.approx(3_400_000.0)
    assert plan.builds[["month", "build_mw"]].values.tolist() == [["2026-01", 20.0]]
    sm = plan.site_months
    assert sm["hpc_leased_mw"].tolist() == pytest.approx([0, 20, 20])
    assert sm["hpc_under_construction_mw"].tolist() == pytest.approx([20, 0, 0])


def test_worked_example_4b_contract_starting_too_soon_is_worth_nothing() -> None:
    """Worked example 4 (docs/model.md): the same contract from January cannot be served in
    January, and take-or-pay makes the whole commitment 0 -> $0. A model that let the
    commitment vary by month would lease 20 MW from February instead."""
    f = fleet(months=3, asset_life_years=10,
              sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=1.2e6,
                          conversion_lead_months=1)],
              contracts=[contract(start_month="2026-01", power_pass_through=True)])
    plan = verified(f)
    assert plan.objective_usd == pytest.approx(0.0, abs=1e-6)
    assert plan.contracts["committed_mw"].iloc[0] == 0.0
    assert plan.builds.empty


def test_tranche_merit_order() -> None:
    """Power for only part of the fleet runs the most efficient tranche first.

    40 MW of grid; 30 MW of 13.5 J/TH and 30 MW of 21.5 J/TH installed. Both profitable at
    $40/PH/day and $40/MWh, so the optimum runs all 30 MW efficient + 10 MW of the old ones.
    A model that ordered tranches by row (or ignored efficiency) would fail this.
    """
    old = miners(model="S19 XP", units=10_000, hashrate_th=140, power_w=3000)  # 30 MW
    new = miners(model="S21 XP", units=10_000, hashrate_th=270 * 3000 / 3645, power_w=3000)
    f = fleet(sites=[site(capacity_mw=40)], miner_rows=[old, new])
    plan = verified(f)
    run = dict(zip(plan.tranches["model"], plan.tranches["running_mw"], strict=True))
    assert run["S21 XP"] == pytest.approx(30.0)
    assert run["S19 XP"] == pytest.approx(10.0)
    # the marginal tranche is the old one, and its breakeven is below the hashprice
    sv = plan.site_value.iloc[0]
    assert sv["marginal_model"] == "S19 XP"
    assert sv["breakeven_hashprice_usd_ph_day"] < 40.0


def test_unprofitable_tranche_stays_off() -> None:
    """29.5 J/TH miners at $80/MWh lose money at $40/PH/day: they do not run even with room.

    Revenue 40 * 1000/29.5 * 31 = $42,034/MW-month; cost 80 * 24 * 31 = $59,520.
    """
    f = fleet(sites=[site(power_price_usd_mwh=80)],
              miner_rows=[miners(model="S19j Pro", units=1000, hashrate_th=104, power_w=3068)])
    plan = verified(f)
    assert plan.objective_usd == pytest.approx(0.0, abs=1e-6)
    assert plan.site_months["idle_mw"].iloc[0] == pytest.approx(100.0)


def test_contract_beats_mining_for_shared_power() -> None:
    """A lease worth more per grid MW takes the power from mining.

    Site 40 MW, 40 MW of miners earning ~$44k/MW-month margin; 20 MW existing HPC space at
    PUE 1.0 leased at $100/kW-month pass-through = $100k per MW. The optimum leases all 20
    MW and mines the remaining 20 MW. Charging existing HPC power only when leased, or
    ignoring hpc_pue in site power, would change the split.
    """
    f = fleet(start="2026-04", sites=[site(capacity_mw=40, hpc_existing_mw=20, hpc_pue=1.0)],
              miner_rows=[miners(units=10974)],  # ~40 MW
              contracts=[contract(start_month="2026-04", power_pass_through=True)])
    plan = verified(f)
    sm = plan.site_months.iloc[0]
    assert sm["hpc_leased_mw"] == pytest.approx(20.0)
    assert sm["mining_grid_mw"] == pytest.approx(20.0)
    assert sm["idle_mw"] == pytest.approx(0.0, abs=1e-6)
    # the marginal grid MW runs miners, so its value is the mining margin per MW
    assert plan.site_months["site_power_value_usd_mw_month"].iloc[0] == pytest.approx(
        40 * 1000 / 13.5 * 30 - 40 * 24 * 30, rel=1e-6)


def test_firm_minimum_forces_conversion() -> None:
    """A firm contract's min_mw must be served even when it loses money.

    Rent $10/kW-month ($10k/MW) against a capital charge of $20k/MW-month: optional, it
    would be declined; firm at 5 MW it forces 5 MW of conversion and a negative NPV.
    """
    base = dict(months=2, asset_life_years=10,
                sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=2.4e6)])
    loose = verified(fleet(**base, contracts=[contract(rate_usd_kw_month=10, min_mw=5,
                                                         power_pass_through=True)]))
    assert loose.contracts["committed_mw"].iloc[0] == 0.0
    firm = verified(fleet(**base, contracts=[contract(rate_usd_kw_month=10, min_mw=5,
                                                        firm=True, power_pass_through=True)]))
    assert firm.contracts["committed_mw"].iloc[0] == pytest.approx(5.0)
    assert firm.objective_usd == pytest.approx(2 * 5 * (10_000 - 20_000))


def test_conversion_holds_power_from_construction_start() -> None:
    """Converted space holds grid power while under construction, leased or not.

    Site 30 MW, 30 MW of miners; 20 MW conversion with lead 1: in the construction month
    only 10 MW can mine. A model that reserved power only once space is online would mine
    30 MW in January.
    """
    f = fleet(months=2, sites=[site(capacity_mw=30, hpc_convertible_mw=20,
                                    conversion_lead_months=1)],
              miner_rows=[miners(units=8230)],  # ~30 MW
              contracts=[contract(rate_usd_kw_month=500, start_month="2026-02",
                                  power_pass_through=True)])
    plan = verified(f)
    sm = plan.site_months
    assert sm["hpc_converted_mw"].tolist() == pytest.approx([20, 20])
    assert sm["mining_grid_mw"].tolist() == pytest.approx([10, 10], abs=1e-6)


def test_eligible_sites_only() -> None:
    """A contract limited to site B is never carried at site A, even though A has space."""
    f = fleet(sites=[site("A", hpc_existing_mw=20), site("B", hpc_existing_mw=5)],
              contracts=[contract(sites=("B",), power_pass_through=True)])
    plan = verified(f)
    assert set(plan.leases["site"]) == {"B"}
    assert plan.contracts["committed_mw"].iloc[0] == pytest.approx(5.0)


def test_discounting_and_escalator() -> None:
    """Rent steps up after 12 months and later months are discounted monthly.

    10 MW existing, $100/kW-month, 3 % escalator, 13 months at r = 12 %: month 12 earns
    $1.03M nominal and counts (1.12)^-1.
    """
    f = fleet(months=13, discount_rate=0.12, sites=[site(hpc_existing_mw=10)],
              contracts=[contract(term_months=24, power_pass_through=True, max_mw=10,
                                  escalator_pa=0.03)])
    plan = verified(f)
    expected = sum(1e6 * (1.03 if t >= 12 else 1.0) * 1.12 ** (-t / 12) for t in range(13))
    assert plan.objective_usd == pytest.approx(expected)


def test_min_fleet_hashrate_policy_keeps_losing_miners_on() -> None:
    """A hashrate floor runs miners that lose money; without it they stay off."""
    rows = [miners(model="S19j Pro", units=1000, hashrate_th=104, power_w=3068)]
    base = dict(sites=[site(power_price_usd_mwh=80)], miner_rows=rows)
    assert verified(fleet(**base)).objective_usd == pytest.approx(0.0, abs=1e-6)
    plan = verified(fleet(**base, min_fleet_hashrate_ehs=0.05))
    assert plan.summary["fleet_hashrate_ehs"].iloc[0] == pytest.approx(0.05)
    assert plan.objective_usd < 0


def test_max_conversion_per_year_policy() -> None:
    """The yearly conversion cap limits the MW a lucrative contract can take."""
    base = dict(months=3, sites=[site(hpc_convertible_mw=50)],
                contracts=[contract(max_mw=40, power_pass_through=True)])
    assert verified(fleet(**base)).contracts["committed_mw"].iloc[0] == pytest.approx(40)
    capped = verified(fleet(**base, max_conversion_mw_per_year=15))
    assert capped.contracts["committed_mw"].iloc[0] == pytest.approx(15)


def test_capex_budget_and_hpc_share_policies() -> None:
    base = dict(months=3, sites=[site(hpc_convertible_mw=50, conversion_capex_usd_mw=1e6)],
                contracts=[contract(max_mw=40, power_pass_through=True, rate_usd_kw_month=500)])
    budget = verified(fleet(**base, capex_budget_usd_per_year=12e6))
    assert budget.contracts["committed_mw"].iloc[0] == pytest.approx(12)
    share = verified(fleet(**base, max_hpc_share=0.25))
    assert share.contracts["committed_mw"].iloc[0] == pytest.approx(25)


def test_firm_contract_without_room_is_explained_before_solving() -> None:
    """The consistency pass names the contract, sites and month instead of 'infeasible'."""
    f = fleet(months=6, sites=[site(hpc_convertible_mw=30, conversion_lead_months=6)],
              contracts=[contract(name="Lease-B", min_mw=20, firm=True, start_month="2026-03")])
    with pytest.raises(InputError) as err:
        verified(f)
    text = str(err.value)
    assert "Contracts[Lease-B].min_mw" in text and "2026-03" in text and "A" in text


def test_infeasible_firm_contracts_competing_for_space() -> None:
    """Two firm contracts each fit alone but not together: the LP reports infeasible."""
    f = fleet(sites=[site(hpc_existing_mw=10)],
              contracts=[contract("K1", min_mw=8, firm=True), contract("K2", min_mw=8, firm=True)])
    with pytest.raises(InfeasibleError):
        verified(f)


def test_hashprice_from_market_and_halving_inside_horizon() -> None:
    """Mining revenue halves at the halving month with price and hashrate flat."""
    market = [MarketMonth(month="2028-03", btc_price_usd=100_000.0,
                          network_hashrate_ehs=1_000.0)]
    f = fleet(start="2028-03", months=2, market=market, miner_rows=[miners()])
    plan = verified(f)
    hp = plan.summary["hashprice_usd_ph_day"].tolist()
    assert hp == pytest.approx([45.0, 22.5])


def test_site_power_duals_match_a_finite_difference() -> None:
    """Σ_t dual[s,t] * df_t equals the objective gain of +0.01 MW at site s (all months).

    Proves the dual's sign and its conversion to nominal $/MW-month; a sign flip or a
    missing discount factor breaks it.
    """
    from allocator.synthetic import synthetic_fleet

    base = synthetic_fleet(sites=2, months=6, seed=3)
    plan = verified(base)
    sm = plan.site_months
    for i, s in enumerate(base.sites):
        rows = sm[sm["site"] == s.name]
        predicted = float((rows["site_power_value_usd_mw_month"] * rows["discount_factor"]).sum())
        bumped = list(base.sites)
        bumped[i] = s.model_copy(update={"capacity_mw": s.capacity_mw + 0.01})
        gain = verified(base.model_copy(update={"sites": tuple(bumped)})).objective_usd \
            - plan.objective_usd
        assert gain / 0.01 == pytest.approx(predicted, rel=1e-4, abs=1e-3)
