"""Economics pinned to hand-computed numbers (docs/model.md and published January 2026 figures)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from allocator import economics as econ
from allocator.domain import MarketMonth
from allocator.market import project_market


def test_hashprice_january_2026() -> None:
    """BTC $83,570, 1,022 EH/s, 0.03 BTC fees -> 37.15 $/PH/day.

    (3.125 + 0.03) * 144 * 83,570 / 1,022,000 = 37.150...; a missing /1000 or a wrong
    blocks-per-day would move it by orders of magnitude.
    """
    hp = econ.hashprice_usd_ph_day(83_570.0, 1_022.0, 3.125, 0.03)
    assert hp == pytest.approx(37.1497, abs=1e-3)


def test_revenue_per_mwh_at_17_j_th() -> None:
    """$39.53/PH/day at 17 J/TH is about $97 per MWh before pool fee (Hashrate Index, 12 Jan 2026).

    Per MWh = revenue per MW-month / (24 * days). Using J/TH x $/MWh x 24 (the units trap)
    would be off by 1000.
    """
    per_mw_month = econ.mining_revenue_usd_mw_month(39.53, 17.0, 30.0, 0.0)
    assert per_mw_month / (24 * 30) == pytest.approx(96.88, abs=0.01)


def test_worked_example_1_per_mw_month() -> None:
    """Worked example 1 (docs/model.md): revenue $87,111.11 and cost $42,800 per MW-month."""
    assert econ.mining_revenue_usd_mw_month(40.0, 13.5, 30, 0.02) == pytest.approx(87_111.111, 1e-6)
    assert econ.mining_cost_usd_mw_month(50.0, 30, 1.05, 5_000.0) == pytest.approx(42_800.0)


def test_phs_per_mw() -> None:
    assert econ.phs_per_mw(17.5) == pytest.approx(57.142857, 1e-6)


@pytest.mark.parametrize(
    ("month", "subsidy"),
    [("2024-04", 3.125), ("2026-01", 3.125), ("2028-03", 3.125), ("2028-04", 1.5625),
     ("2032-03", 1.5625), ("2032-04", 0.78125), ("2024-03", 6.25), ("2020-03", 12.5)],
)
def test_block_subsidy_schedule(month: str, subsidy: float) -> None:
    """Halving at 2028-04 and every 48 months after; earlier epochs double."""
    assert econ.block_subsidy_btc(month, "2028-04") == subsidy


def test_early_halving_moves_the_step() -> None:
    assert econ.block_subsidy_btc("2028-02", "2028-01") == 1.5625


def test_hpc_rent_escalates_once_a_year() -> None:
    """Month 11 still base rent, month 12 steps up once, month 24 twice."""
    rents = econ.hpc_revenue_usd_mw_month(150.0, 0.03, np.array([0.0, 11.0, 12.0, 24.0]))
    assert rents.tolist() == pytest.approx([150_000, 150_000, 154_500, 159_135])


def test_hpc_cost_gross_vs_pass_through() -> None:
    gross = econ.hpc_cost_usd_mw_month(20_000.0, 40.0, 31, 1.3, 0.8, False)
    assert gross == pytest.approx(20_000 + 40 * 24 * 31 * 1.3 * 0.8)
    assert econ.hpc_cost_usd_mw_month(20_000.0, 40.0, 31, 1.3, 0.8, True) == 20_000.0


def test_capital_recovery() -> None:
    """crf(0, 10) = 1/10 -> $1.2M/MW gives $10,000/MW-month (worked example 4, docs/model.md)."""
    assert econ.capital_charge_usd_mw_month(1.2e6, 0.0, 10) == pytest.approx(10_000.0)
    assert econ.capital_recovery_factor(0.10, 15) == pytest.approx(0.131474, 1e-5)


def test_discount_factor_monthly() -> None:
    assert econ.discount_factor(12.0, 0.10) == pytest.approx(1 / 1.1)
    assert econ.discount_factor(0.0, 0.10) == 1.0


def test_breakeven_hashprice() -> None:
    """At breakeven the MW's revenue equals its cost."""
    be = econ.breakeven_hashprice_usd_ph_day(50.0, 1.05, 5_000.0, 13.5, 30, 0.02)
    assert econ.mining_revenue_usd_mw_month(be, 13.5, 30, 0.02) == pytest.approx(42_800.0)


def test_projection_grows_price_and_hashrate_and_halves() -> None:
    """Missing months grow from the last row; the halving month's subsidy halves hashprice."""
    rows = [MarketMonth(month="2028-01", btc_price_usd=100_000.0, network_hashrate_ehs=1_000.0,
                        fees_btc_per_block=0.0)]
    pts = project_market(rows, "2028-01", 13, halving="2028-04",
                              btc_price_growth_pa=0.10, network_hashrate_growth_pa=0.0)
    assert pts[0].hashprice_usd_ph_day == pytest.approx(3.125 * 144 * 100_000 / 1e6)
    assert pts[12].btc_price_usd == pytest.approx(110_000.0)
    assert pts[3].subsidy_btc == 1.5625 and pts[2].subsidy_btc == 3.125
    ratio = pts[3].hashprice_usd_ph_day / pts[2].hashprice_usd_ph_day
    assert ratio == pytest.approx(0.5 * 1.1 ** (1 / 12))
    assert pts[1].projected and not pts[0].projected


def test_projection_of_hashprice_only_rows() -> None:
    rows = [MarketMonth(month="2026-01", hashprice_usd_ph_day=40.0)]
    pts = project_market(rows, "2026-01", 2, halving="2028-04",
                              btc_price_growth_pa=0.0, network_hashrate_growth_pa=0.12)
    assert pts[1].hashprice_usd_ph_day == pytest.approx(40.0 / 1.12 ** (1 / 12))


def test_projection_refuses_months_before_data() -> None:
    rows = [MarketMonth(month="2026-03", hashprice_usd_ph_day=40.0)]
    with pytest.raises(ValueError, match="2026-01"):
        project_market(rows, "2026-01", 3, halving="2028-04",
                            btc_price_growth_pa=0, network_hashrate_growth_pa=0)
    assert math.isfinite(econ.breakeven_hashprice_usd_ph_day(1, 1, 0, 10, 30, 0))


def test_power_cost_split_adds_back_to_the_cost_exactly() -> None:
    """The power parts plus opex are bit for bit the combined costs, as first written."""
    rng = np.random.default_rng(7)
    price, days = rng.uniform(-20, 200, 500), rng.integers(28, 32, 500).astype(float)
    pue, load, opex = rng.uniform(1, 3, 500), rng.uniform(0, 1, 500), rng.uniform(0, 4e4, 500)
    mining = econ.mining_cost_usd_mw_month(price, days, pue, opex)
    assert (mining == price * 24 * days * pue + opex).all()
    assert (mining == econ.mining_power_cost_usd_mw_month(price, days, pue) + opex).all()
    hpc = econ.hpc_cost_usd_mw_month(opex, price, days, pue, load, False)
    assert (hpc == opex + price * 24 * days * pue * load).all()
    assert (hpc == opex + econ.hpc_power_cost_usd_mw_month(price, days, pue, load, False)).all()


def test_worked_example_1_power_part() -> None:
    """$50/MWh x 24 x 30 x 1.05 = $37,800 of the $42,800 (worked example 1)."""
    assert econ.mining_power_cost_usd_mw_month(50.0, 30.0, 1.05) == pytest.approx(37_800.0)
    mw = np.array([0.0, 2.0, 10.0])
    assert econ.mining_power_cost_usd(mw, np.full(3, 50.0), np.full(3, 30.0),
                                      np.full(3, 1.05)).tolist() == pytest.approx(
        [0.0, 75_600.0, 378_000.0])


def test_hpc_power_cost_is_zero_under_pass_through() -> None:
    gross = econ.hpc_power_cost_usd_mw_month(40.0, 31.0, 1.3, 0.8, False)
    assert gross == pytest.approx(40 * 24 * 31 * 1.3 * 0.8)
    paid = econ.hpc_power_cost_usd_mw_month(np.array([40.0, -5.0]), np.array([31.0, 30.0]),
                                            np.array([1.3, 1.3]), np.array([0.8, 0.8]), True)
    assert paid.tolist() == [0.0, 0.0]
    assert not np.signbit(paid).any()
