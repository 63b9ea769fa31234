"""Monte Carlo: seeded and reproducible, mean-one GBM factors with the asked correlation, and
no noise giving the base case back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scenariokit import small_fleet, with_volatility

from allocator import optimize
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.scenarios.montecarlo import draw_factors, monte_carlo, sample_fleet
from allocator.workbook.comparison_writer import MONTE_CARLO_SHEET, write_monte_carlo


@pytest.mark.slow
def test_the_same_seed_gives_the_same_numbers_twice() -> None:
    fleet = with_volatility(small_fleet())
    first = monte_carlo(fleet, 12, seed=42)
    second = monte_carlo(fleet, 12, seed=42)
    pd.testing.assert_frame_equal(first.samples, second.samples, check_exact=True)
    pd.testing.assert_frame_equal(first.summary, second.summary, check_exact=True)
    pd.testing.assert_frame_equal(first.sites, second.sites, check_exact=True)
    pd.testing.assert_frame_equal(first.contracts, second.contracts, check_exact=True)
    other = monte_carlo(fleet, 12, seed=43)
    assert not np.array_equal(other.samples["npv_usd"], first.samples["npv_usd"])
    assert first.p5 <= first.p50 <= first.p95
    assert first.p50 == pytest.approx(float(np.median(first.samples["npv_usd"])))
    assert list(first.summary["statistic"]) == ["mean", "P5", "P50", "P95", "min", "max"]
    assert first.sites["probability_converts"].between(0, 1).all()
    assert first.contracts["probability_taken"].between(0, 1).all()


def test_factors_are_mean_one_gbm_with_the_given_correlation() -> None:
    btc, hashrate = draw_factors(20_000, 25, seed=1, btc_volatility_pa=0.5,
                                 hashrate_volatility_pa=0.2, correlation=0.6)
    assert btc.shape == hashrate.shape == (20_000, 25)
    assert (btc[:, 0] == 1).all() and (hashrate[:, 0] == 1).all()
    assert btc[:, -1].mean() == pytest.approx(1.0, abs=0.03)
    assert hashrate[:, -1].mean() == pytest.approx(1.0, abs=0.01)
    steps_b = np.diff(np.log(btc), axis=1).ravel()
    steps_h = np.diff(np.log(hashrate), axis=1).ravel()
    assert np.std(steps_b) == pytest.approx(0.5 / np.sqrt(12), rel=0.01)
    assert np.corrcoef(steps_b, steps_h)[0, 1] == pytest.approx(0.6, abs=0.01)


def test_a_sample_moves_every_month_of_the_outlook() -> None:
    fleet = small_fleet()
    btc = np.linspace(1.0, 0.5, 24)
    hashrate = np.linspace(1.0, 1.25, 24)
    sampled = compute_coefficients(sample_fleet(fleet, btc, hashrate)).hashprice_usd_ph_day
    base = compute_coefficients(fleet).hashprice_usd_ph_day
    np.testing.assert_allclose(sampled / base, btc / hashrate, rtol=1e-12)


def test_no_volatility_gives_the_base_case() -> None:
    fleet = with_volatility(small_fleet(), btc=0.0, hashrate=0.0)
    result = monte_carlo(fleet, 2, seed=0)
    np.testing.assert_allclose(result.samples["npv_usd"], optimize(fleet).npv_usd, rtol=1e-9)


def test_volatility_must_be_given() -> None:
    with pytest.raises(InputError, match="Monte Carlo needs btc_price_volatility_pa or "
                                         "network_hashrate_volatility_pa in Settings"):
        monte_carlo(small_fleet(), 5)


def test_the_monte_carlo_sheet(tmp_path: Path) -> None:
    result = monte_carlo(with_volatility(small_fleet()), 6, seed=5)
    out = write_monte_carlo(result, tmp_path / "mc.xlsx")
    ws = openpyxl.load_workbook(out)[MONTE_CARLO_SHEET]
    assert ws["A1"].value == "Monte Carlo: 6 samples, seed 5"
    assert [ws.cell(r, 1).value for r in range(3, 9)] == ["mean", "P5", "P50", "P95", "min",
                                                          "max"]
    assert ws["B5"].value == pytest.approx(result.p50)
    column_a = [c.value for c in ws["A"]]
    assert "site" in column_a and "contract" in column_a and "Samples" in column_a
