"""A network that reacts (issue 13, item 4): with ``network_model marginal_cost`` the network
hashrate of filled and projected months runs only while its marginal band covers its power
cost; with ``fixed_growth`` (the default) the plan is today's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fleetkit import fleet, miners, verified

from allocator.domain import DEFAULT_NETWORK_FLEET, Fleet, MarketMonth, NetworkBand
from allocator.market import (
    MarketPoint,
    NetworkFleetModel,
    band_cash_cost_usd_ph_day,
    network_reaction,
    project_fleet_market,
    project_market,
)
from allocator.optimization.coefficients import compute_coefficients
from allocator.scenarios.changes import Change, apply_changes
from allocator.scenarios.montecarlo import sample_fleet

TWO_BANDS = NetworkFleetModel((NetworkBand(efficiency_j_th=40.0, share=0.5),
                               NetworkBand(efficiency_j_th=20.0, share=0.5)), 50.0)
"""20 J/TH costs $24/PH/day at $50/MWh, 40 J/TH $48; listed least efficient first on
purpose (bands run most efficient first whatever their order)."""


def test_a_band_of_20_j_th_at_50_usd_mwh_costs_24_usd_per_ph_day() -> None:
    """20 J/TH is 20 kW per PH/s, 0.48 MWh a day, $24 at $50/MWh."""
    assert band_cash_cost_usd_ph_day(20.0, 50.0) == pytest.approx(24.0, rel=1e-15)
    assert band_cash_cost_usd_ph_day(17.0, 1000.0 * 39.53 / (24 * 17)) == pytest.approx(39.53)


# ------------------------------------------------------------------------ two bands by hand


@pytest.mark.parametrize(("hashprice", "share", "after", "marginal"), [
    (60.0, 1.0, 60.0, 40.0),        # 60 covers $48: everything runs
    (48.0, 1.0, 48.0, 40.0),        # exactly the cost: still runs
    (30.0, 0.625, 48.0, 40.0),      # the 40 J/TH band runs in part: 30 / 0.625 = $48
    (20.0, 0.5, 40.0, 20.0),        # 20 / 0.5 = $40 < $48: the 40 J/TH band is off
    (6.0, 0.25, 24.0, 20.0),        # even 20 J/TH runs in part: 6 / 0.25 = $24
])
def test_two_bands_solved_by_hand(hashprice: float, share: float, after: float,
                                  marginal: float) -> None:
    got = network_reaction(hashprice, TWO_BANDS)
    assert got.running_share == pytest.approx(share, rel=1e-12)
    assert got.hashprice_usd_ph_day == pytest.approx(after, rel=1e-12)
    assert got.marginal_j_th == marginal
    assert got.marginal_cost_usd_ph_day == pytest.approx(marginal * 0.024 * 50.0)


def test_a_hashprice_of_zero_is_left_as_it_is() -> None:
    got = network_reaction(0.0, TWO_BANDS)
    assert (got.running_share, got.hashprice_usd_ph_day) == (1.0, 0.0)


def test_a_projected_month_runs_only_the_hashrate_that_covers_its_cost() -> None:
    """A row at $100k and 1,000 EH/s, hashrate growing 100 %/yr: by month 12 the projection
    doubles and the 40 J/TH band goes off; the row itself stays as given."""
    row = MarketMonth(month="2026-01", btc_price_usd=100_000.0, network_hashrate_ehs=1_000.0)
    kw = {"halving": "2028-04", "btc_price_growth_pa": 0.0, "network_hashrate_growth_pa": 1.0}
    off = project_market([row], "2026-01", 13, **kw)
    on = project_market([row], "2026-01", 13, network=TWO_BANDS, **kw)
    assert on[0] == off[0]
    full = off[12].hashprice_usd_ph_day  # 3.125 x 144 x 100,000 / 2,000,000 = $22.5
    assert full == pytest.approx(22.5)
    assert on[12].network_running_share == pytest.approx(0.5)  # 22.5 / 0.5 = $45 < $48
    assert on[12].network_hashrate_ehs == pytest.approx(1_000.0)
    assert on[12].hashprice_usd_ph_day == pytest.approx(45.0)
    assert on[12].label == "network_model (projected)"
    assert off[12].label == "projected"


def test_given_rows_are_facts_and_stay_as_given() -> None:
    rows = [MarketMonth(month="2026-01", hashprice_usd_ph_day=5.0),
            MarketMonth(month="2026-03", hashprice_usd_ph_day=5.0)]
    on = project_market(rows, "2026-01", 3, halving="2028-04", btc_price_growth_pa=0.0,
                        network_hashrate_growth_pa=0.0, network=TWO_BANDS)
    assert [p.hashprice_usd_ph_day for p in on] == pytest.approx([5.0, 24.0, 5.0])
    assert [p.network_running_share for p in on] == pytest.approx([1.0, 5.0 / 24.0, 1.0])


# ------------------------------------------------------------------------ the invariant


def _random_bands(rng: np.random.Generator) -> tuple[NetworkBand, ...]:
    count = int(rng.integers(1, 7))
    shares = rng.dirichlet(np.ones(count))
    shares[-1] = 1.0 - shares[:-1].sum()
    return tuple(NetworkBand(efficiency_j_th=float(e), share=float(s))
                 for e, s in zip(rng.uniform(8.0, 60.0, count), shares, strict=True))


def _random_deck(rng: np.random.Generator) -> list[MarketMonth]:
    """A BTC price path (a monthly GBM, 80 %/yr) given every 6 months from 2026-01."""
    prices = 90_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.8 / math.sqrt(12), 48)))
    return [MarketMonth(month=f"{2026 + t // 12}-{t % 12 + 1:02d}",
                        btc_price_usd=float(prices[t]),
                        network_hashrate_ehs=float(rng.uniform(600.0, 1_400.0)),
                        fees_btc_per_block=float(rng.uniform(0.0, 0.1)))
            for t in range(0, 48, 6)]


def _marginal_cost(point: MarketPoint, model: NetworkFleetModel) -> float:
    """The cost of the band that the running share ends in (bands most efficient first)."""
    running = 0.0
    for band in sorted((b for b in model.bands if b.share > 0),
                       key=lambda b: b.efficiency_j_th):
        running += band.share
        if running >= point.network_running_share - 1e-12:
            return band_cash_cost_usd_ph_day(band.efficiency_j_th, model.power_price_usd_mwh)
    raise AssertionError("the running share is above the bands' total")


@pytest.mark.parametrize("seed", range(40))
def test_hashprice_never_falls_below_the_marginal_running_band_s_cost(seed: int) -> None:
    """Over seeded random BTC paths, band tables and power prices: while a band runs the
    hashprice covers its cost; the block rewards are shared by less hashrate, never lost;
    and no more hashrate could run (the next sliver of hashrate would not cover its band)."""
    rng = np.random.default_rng(seed)
    model = NetworkFleetModel(_random_bands(rng), float(rng.uniform(20.0, 90.0)))
    deck = _random_deck(rng)
    kw = {"halving": "2028-04-20", "btc_price_growth_pa": float(rng.uniform(-0.5, 0.5)),
          "network_hashrate_growth_pa": float(rng.uniform(0.0, 0.6)),
          "gap_fill": "interpolate" if seed % 2 else "hold_and_grow"}
    off = project_market(deck, "2026-01", 60, **kw)
    on = project_market(deck, "2026-01", 60, network=model, **kw)
    cut = 0
    for before, after in zip(off, on, strict=True):
        if after.basis == "given":  # a fact: the invariant is the model's, not the world's
            assert after == before
            continue
        f = after.network_running_share
        assert 0 < f <= 1
        assert after.hashprice_usd_ph_day >= _marginal_cost(after, model) * (1 - 1e-9)
        assert after.hashprice_usd_ph_day * f == pytest.approx(before.hashprice_usd_ph_day,
                                                               rel=1e-12)
        assert after.network_hashrate_ehs == pytest.approx(
            (before.network_hashrate_ehs or 0.0) * f, rel=1e-12)
        if f < 1:
            cut += 1
            more = min(1.0, f + 1e-6)
            grown = dataclass_point(after, more)
            assert before.hashprice_usd_ph_day / more < _marginal_cost(grown, model) + 1e-9
        else:
            assert after == before
    assert cut or seed % 5  # most paths cut somewhere; some never need to


def dataclass_point(point: MarketPoint, share: float) -> MarketPoint:
    """``point`` with another running share, to ask which band a share ends in."""
    return MarketPoint(point.month, point.btc_price_usd, point.network_hashrate_ehs,
                       point.fees_btc_per_block, point.subsidy_btc,
                       point.hashprice_usd_ph_day, point.projected, point.basis, share)


# ------------------------------------------------------------------------ off is today


def _sample(**settings: object) -> Fleet:
    deck = [MarketMonth(month="2026-01", btc_price_usd=83_570.0, network_hashrate_ehs=1_022.0,
                        fees_btc_per_block=0.019)]
    return fleet(months=60, market=deck, miner_rows=[miners(units=20_000)],
                 btc_price_growth_pa=0.05, network_hashrate_growth_pa=0.20, **settings)


def test_fixed_growth_is_the_default_and_gives_today_s_coefficients_exactly() -> None:
    """Off (the default, or named) the market and every coefficient array are the
    projection's, bit for bit; so is the plan."""
    today = _sample()
    named = _sample(network_model="fixed_growth", network_power_price_usd_mwh=90.0)
    assert today.settings.network_model == "fixed_growth"
    raw = project_fleet_market(today, react=False)
    assert project_fleet_market(today) == raw == project_fleet_market(named)
    a, b = compute_coefficients(today), compute_coefficients(named)
    for name in ("hashprice_usd_ph_day", "mining_revenue_usd_mw_month",
                 "mining_cost_usd_mw_month", "power_price_usd_mwh"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert verified(today).npv_usd == verified(named).npv_usd


def test_on_with_free_power_every_band_covers_its_cost_and_the_plan_is_today_s() -> None:
    free = _sample(network_model="marginal_cost", network_power_price_usd_mwh=0.0)
    assert np.array_equal(compute_coefficients(free).hashprice_usd_ph_day,
                          compute_coefficients(_sample()).hashprice_usd_ph_day)
    assert verified(free).npv_usd == verified(_sample()).npv_usd


def test_on_the_network_stops_growing_when_its_marginal_band_loses_money() -> None:
    """The issue's sample outlook (BTC +5 %/yr, hashrate +20 %/yr): fixed, hashprice falls
    to about $10 by 2030 and mining stops; reacting, the default table at $40/MWh keeps it
    at the 17.5 J/TH band's $16.8 or above, and the S21 XP fleet at $40/MWh keeps mining."""
    off, on = _sample(), _sample(network_model="marginal_cost")
    hp_off = compute_coefficients(off).hashprice_usd_ph_day
    hp_on = compute_coefficients(on).hashprice_usd_ph_day
    assert hp_off[-1] < 10.5
    assert hp_on.min() >= 0.024 * 17.5 * 40.0 - 1e-9
    assert (hp_on >= hp_off - 1e-12).all() and (hp_on > hp_off).any()
    plan_off, plan_on = verified(off), verified(on)
    assert plan_on.npv_usd > plan_off.npv_usd
    late = plan_on.summary["month"] >= "2030-01"
    assert plan_off.summary.loc[late, "mining_mw"].max() == pytest.approx(0.0, abs=1e-6)
    assert plan_on.summary.loc[late, "mining_mw"].min() > 0


# ------------------------------------------------------------------------ the default table


def test_the_default_table_s_shares_sum_to_1_and_average_22_4_j_th() -> None:
    assert sum(b.share for b in DEFAULT_NETWORK_FLEET) == pytest.approx(1.0, abs=1e-12)
    mean = sum(b.share * b.efficiency_j_th for b in DEFAULT_NETWORK_FLEET)
    assert mean == pytest.approx(22.35)
    assert all(b.source for b in DEFAULT_NETWORK_FLEET)


def test_a_fleet_s_shares_must_sum_to_1() -> None:
    bands = (NetworkBand(efficiency_j_th=20.0, share=0.5),
             NetworkBand(efficiency_j_th=30.0, share=0.4))
    with pytest.raises(ValueError, match=r"network fleet shares sum to 0\.9, not 1"):
        Fleet(settings=_sample().settings, sites=_sample().sites, market=_sample().market,
              network_fleet=bands)


# ------------------------------------------------------------------------ scenarios, samples


def test_scenarios_keep_the_network_fleet_and_monte_carlo_samples_react() -> None:
    bands = (NetworkBand(efficiency_j_th=15.0, share=0.6),
             NetworkBand(efficiency_j_th=30.0, share=0.4))
    base = _sample(network_model="marginal_cost").model_copy(update={"network_fleet": bands})
    changed = apply_changes(base, [Change("btc_price_usd", "scale", 0.5)], scenario="down")
    assert changed.network_fleet == bands
    ones = np.ones(base.settings.months)
    down = np.full(base.settings.months, 0.5)
    sample = sample_fleet(base, down, ones)
    assert sample.network_fleet == bands
    hp = [p.hashprice_usd_ph_day for p in project_fleet_market(sample)]
    model = NetworkFleetModel(bands, 40.0)
    raw = [p.hashprice_usd_ph_day * 0.5 for p in project_fleet_market(base, react=False)]
    assert hp[0] == pytest.approx(raw[0])  # the given row: a fact, shocked, not reacted
    assert hp[1:] == pytest.approx(
        [network_reaction(x, model).hashprice_usd_ph_day for x in raw[1:]])
    assert [p.hashprice_usd_ph_day for p in project_fleet_market(
        sample_fleet(base, ones, ones))] == pytest.approx(
        [p.hashprice_usd_ph_day for p in project_fleet_market(base)])


def test_a_scenario_may_change_the_network_s_power_price() -> None:
    """Dearer power for the world's miners switches more of them off: a higher hashprice."""
    base = _sample(network_model="marginal_cost")
    dear = apply_changes(base, [Change("network_power_price_usd_mwh", "set", 60.0)],
                         scenario="dear")
    assert dear.settings.network_power_price_usd_mwh == 60.0
    hp_base = compute_coefficients(base).hashprice_usd_ph_day
    hp_dear = compute_coefficients(dear).hashprice_usd_ph_day
    assert (hp_dear >= hp_base - 1e-12).all() and (hp_dear > hp_base).any()
