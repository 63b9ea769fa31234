"""Monte Carlo streams its samples: fleets are built and solved batch by batch (1,000,000
samples once built every fleet before the first solve: 4.9 GB after 60 s), progress counts
across the batches, and the numbers of a seed are those of drawing every sample at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pytest
from scenariokit import small_fleet, with_volatility

from allocator import optimize
from allocator.domain import Fleet
from allocator.scenarios import montecarlo
from allocator.scenarios.executors import Progress, SerialExecutor
from allocator.scenarios.montecarlo import draw_factors, factor_batches, monte_carlo, sample_fleet

T = TypeVar("T")
R = TypeVar("R")


class CountingExecutor(SerialExecutor):
    """Serial, recording per map call its size and how many sample fleets existed by then."""

    def __init__(self, built: list[int]) -> None:
        self.built = built
        self.calls: list[tuple[int, int]] = []

    def map(self, fn: Callable[[T], R], items: Sequence[T],
            progress: Progress | None = None) -> list[R]:
        self.calls.append((len(items), len(self.built)))
        return super().map(fn, items, progress)


def test_batches_stack_to_the_draw_of_every_sample_at_once() -> None:
    kw: dict[str, Any] = {"btc_volatility_pa": 0.5, "hashrate_volatility_pa": 0.15,
                          "correlation": 0.5}
    btc, hashrate = draw_factors(37, 24, 9, **kw)
    parts = list(factor_batches(37, 24, 9, 8, **kw))
    assert [len(b) for b, _ in parts] == [8, 8, 8, 8, 5]
    np.testing.assert_array_equal(np.concatenate([b for b, _ in parts]), btc)
    np.testing.assert_array_equal(np.concatenate([h for _, h in parts]), hashrate)


@pytest.mark.slow
def test_samples_are_built_and_solved_in_bounded_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """37 samples in batches of 8: no map call sees more than 8 cases, and when a batch is
    submitted only its own fleets and those of earlier batches were ever built."""
    built: list[int] = []
    real = montecarlo.sample_fleet

    def counting(fleet: Fleet, btc: Any, hashrate: Any) -> Fleet:
        built.append(1)
        return real(fleet, btc, hashrate)

    monkeypatch.setattr(montecarlo, "sample_fleet", counting)
    pool = CountingExecutor(built)
    seen: list[tuple[int, int]] = []
    monte_carlo(with_volatility(small_fleet()), 37, seed=9, executor=pool, batch_samples=8,
                progress=lambda done, total: seen.append((done, total)))
    assert pool.calls == [(8, 8), (8, 16), (8, 24), (8, 32), (5, 37)]
    assert seen == [(done, 37) for done in range(1, 38)]


@pytest.mark.slow
def test_a_seed_gives_the_numbers_of_solving_every_sample_drawn_at_once() -> None:
    """The unbatched algorithm, written out: draw all, build each, optimize each."""
    fleet = with_volatility(small_fleet())
    btc, hashrate = draw_factors(13, fleet.settings.months, 9, btc_volatility_pa=0.5,
                                 hashrate_volatility_pa=0.15, correlation=0.5)
    expected = [optimize(sample_fleet(fleet, btc[i], hashrate[i])).npv_usd for i in range(13)]
    small = monte_carlo(fleet, 13, seed=9, batch_samples=4)
    whole = monte_carlo(fleet, 13, seed=9, batch_samples=13)
    assert small.samples["npv_usd"].tolist() == expected
    assert small.samples["sample"].tolist() == list(range(1, 14))
    pd.testing.assert_frame_equal(small.samples, whole.samples, check_exact=True)
    pd.testing.assert_frame_equal(small.summary, whole.summary, check_exact=True)
    pd.testing.assert_frame_equal(small.sites, whole.sites, check_exact=True)
    pd.testing.assert_frame_equal(small.contracts, whole.contracts, check_exact=True)
