"""A stochastic plan's independent solves (wait-and-see, EEV, regret, frontier points) give
the same measures on local processes and on Dask (a LocalCluster stands in for a cluster)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from scenariokit import small_fleet, with_volatility

from allocator.scenarios.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from allocator.stochastic import StochasticResult, stochastic_plan
from allocator.stochastic.measures import STOCHASTIC_PLAN

HAS_DASK = importlib.util.find_spec("distributed") is not None


def _plan(executor: SerialExecutor | ProcessExecutor | DaskExecutor) -> StochasticResult:
    fleet = with_volatility(small_fleet(4), btc=0.8, hashrate=0.3)
    return stochastic_plan(fleet, samples=8, seed=5, frontier=(0.0, 0.5, 1.0), alpha=0.25,
                           executor=executor)


def _measures(result: StochasticResult) -> dict[str, object]:
    regret = result.regret
    assert regret is not None
    return {
        "rp": result.rp_usd, "ev": result.ev_usd, "eev": result.eev_usd, "ws": result.ws_usd,
        "npv": result.stochastic.npv_usd.tolist(),
        "eev_npv": result.expected_value.npv_usd.tolist(),
        "ws_npv": result.wait_and_see.npv_usd.tolist(),
        "frontier": [(p.expected_npv_usd, p.cvar_usd) for p in result.frontier],
        "regret": regret.frame().to_dict("list"),
    }


def _same(a: dict[str, object], b: dict[str, object]) -> None:
    assert a.keys() == b.keys()
    for key, want in a.items():
        if key == "regret":
            got = b[key]
            assert isinstance(want, dict) and isinstance(got, dict)
            assert want.keys() == got.keys()
            for column, values in want.items():
                if isinstance(values[0], float):
                    np.testing.assert_allclose(got[column], values, rtol=1e-9, atol=1e-6)
                else:
                    assert got[column] == values
        else:
            np.testing.assert_allclose(np.asarray(b[key], dtype=float),
                                       np.asarray(want, dtype=float), rtol=1e-9, atol=1e-6)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_DASK, reason="dask.distributed is not installed")
def test_dask_gives_the_measures_of_local_processes() -> None:
    """Eight Monte Carlo futures with a 3-point frontier: RP, EV, EEV, WS, each plan's NPV
    in every future, the frontier and the regret table agree to 1e-9 between two local
    processes and a two-worker Dask LocalCluster, and with the serial run."""
    import distributed

    serial = _measures(_plan(SerialExecutor()))
    with ProcessExecutor(jobs=2) as pool:
        local = _measures(_plan(pool))
    # dashboard_address=None still opens the scheduler's HTTP server on 8787: with another
    # cluster on the machine that port is taken, and the retry leaks a socket (a warning)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=50) as cluster, \
            distributed.Client(cluster) as client:
        executor = DaskExecutor(client=client)
        assert executor.workers == 2
        dask = _measures(_plan(executor))
        executor.close()
    _same(local, dask)
    _same(serial, local)
    regret = local["regret"]
    assert isinstance(regret, dict) and STOCHASTIC_PLAN in set(regret["plan"])
