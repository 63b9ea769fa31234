"""Executors: results come back in the order of the work, not of completion, and a
comparison, sweep or Monte Carlo gives identical numbers on serial, local processes and Dask
(a LocalCluster stands in for a real cluster)."""

from __future__ import annotations

import importlib.util
import time
from typing import Any

import pandas as pd
import pytest
from scenariokit import small_fleet, with_volatility

from allocator.scenarios.changes import Change, Scenario
from allocator.scenarios.compare import compare
from allocator.scenarios.executors import (
    DaskExecutor,
    Executor,
    ExecutorError,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from allocator.scenarios.montecarlo import monte_carlo
from allocator.scenarios.sweep import sweep

HAS_DASK = importlib.util.find_spec("distributed") is not None
needs_dask = pytest.mark.skipif(not HAS_DASK, reason="dask.distributed is not installed "
                                "(pip install 'fleet-allocator[dask]')")

SCENARIOS = [Scenario(f"BTC x{f:.1f}", (Change("btc_price_usd", "scale", f),))
             for f in (0.6, 0.8, 1.2, 1.4)] + [
    Scenario("Offer 185", (Change("rate_usd_kw_month", "set", 185, "Hyperscale-159"),))]


def slow_identity(item: tuple[int, float]) -> int:
    """Sleeps, then returns the index: later items finish first."""
    time.sleep(item[1])
    return item[0]


def _runs(executor: Executor) -> dict[str, Any]:
    fleet = with_volatility(small_fleet())
    return {
        "compare": compare(fleet, SCENARIOS, executor=executor).table,
        "sweep": sweep(fleet, "rate_usd_kw_month", 100, 220, 4, target="Hyperscale-159",
                       executor=executor),
        "monte_carlo": monte_carlo(fleet, 6, seed=9, executor=executor).samples,
    }


def _assert_identical(a: dict[str, Any], b: dict[str, Any]) -> None:
    pd.testing.assert_frame_equal(a["compare"], b["compare"], check_exact=True)
    pd.testing.assert_frame_equal(a["sweep"].table, b["sweep"].table, check_exact=True)
    assert a["sweep"].flips == b["sweep"].flips
    pd.testing.assert_frame_equal(a["monte_carlo"], b["monte_carlo"], check_exact=True)


@pytest.fixture(scope="module")
def serial() -> dict[str, Any]:
    return _runs(SerialExecutor())


@pytest.mark.slow
def test_processes_give_results_in_order_and_identical_numbers(serial: dict[str, Any]) -> None:
    with ProcessExecutor(jobs=2) as pool:
        assert pool.map(slow_identity, [(0, 0.3), (1, 0.0), (2, 0.1), (3, 0.0)]) == [0, 1, 2, 3]
        seen: list[tuple[int, int]] = []
        pool.map(slow_identity, [(0, 0.0), (1, 0.0)], lambda d, t: seen.append((d, t)))
        assert seen == [(1, 2), (2, 2)]
        _assert_identical(_runs(pool), serial)


@needs_dask
@pytest.mark.slow
def test_dask_local_cluster_gives_identical_numbers(serial: dict[str, Any]) -> None:
    import distributed

    # dashboard_address=None still opens the scheduler's HTTP server on 8787: with another
    # cluster on the machine that port is taken, and the retry leaks a socket (a warning)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        executor = DaskExecutor(client=client)
        assert executor.workers == 2
        done: list[int] = []
        _assert_identical(_runs(executor), serial)
        compare(small_fleet(), SCENARIOS, executor=executor,
                progress=lambda d, t: done.append(d))
        assert sorted(done) == [1, 2, 3, 4, 5, 6]
        executor.close()
        assert client.status == "running"  # a client passed in is left open


def test_make_executor_choices() -> None:
    assert isinstance(make_executor("auto", jobs=1), SerialExecutor)
    assert isinstance(make_executor("serial"), SerialExecutor)
    pool = make_executor("auto", jobs=3)
    assert isinstance(pool, ProcessExecutor) and pool.workers == 3
    assert make_executor().workers >= 1
    with pytest.raises(ExecutorError, match=r"Unknown executor 'gpu'\. Available: auto, "
                                            r"serial, processes, dask"):
        make_executor("gpu")
    with pytest.raises(ExecutorError, match="--scheduler needs the dask executor"):
        make_executor("processes", scheduler="tcp://127.0.0.1:8786")


def test_dask_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def no_dask(name: str, package: str | None = None) -> Any:
        if name == "distributed":
            raise ImportError("No module named 'distributed'")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_dask)
    with pytest.raises(ExecutorError, match=r"pip install 'fleet-allocator\[dask\]'"):
        DaskExecutor("tcp://127.0.0.1:8786")
