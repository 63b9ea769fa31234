"""Solver choice: HiGHS by default, other PuLP solvers by name, clear errors otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from fleetkit import contract, fleet, miners, site, verified

from allocator.errors import SolverNotAvailableError
from allocator.optimization.solvers import (
    BUNDLED_CBC,
    SolverOptions,
    available_solvers,
    make_solver,
    pulp_solver_name,
    solver_notice,
)
from allocator.synthetic import synthetic_fleet

HAS_CBC = "COIN_CMD" in available_solvers()


def test_friendly_names() -> None:
    assert pulp_solver_name("highs") == "HiGHS"
    assert pulp_solver_name("CBC") == "COIN_CMD"
    assert pulp_solver_name("gurobi_cmd") == "GUROBI_CMD"


def test_unknown_solver_lists_the_choices() -> None:
    with pytest.raises(SolverNotAvailableError, match=r"Unknown solver 'simplex9'\. Available"):
        make_solver(SolverOptions(name="simplex9"))


def test_solver_not_installed_says_what_is() -> None:
    if "CPLEX_PY" in available_solvers():
        pytest.skip("CPLEX is installed here")
    with pytest.raises(SolverNotAvailableError, match=r"not installed here\. Installed: .*HiGHS"):
        make_solver(SolverOptions(name="cplex"))


@pytest.mark.skipif(not HAS_CBC, reason="CBC (the cbc program, COIN_CMD) is not installed")
def test_cbc_agrees_with_highs_on_value_and_duals() -> None:
    """Same optimum and the same site_power dual sign through PuLP's COIN_CMD interface."""
    f = fleet(start="2026-04", sites=[site(capacity_mw=40, hpc_existing_mw=20)],
              miner_rows=[miners(units=10974)],
              contracts=[contract(start_month="2026-04", power_pass_through=True)])
    a, b = verified(f), verified(f, solver="cbc")
    assert b.run_info.solver == "COIN_CMD"
    assert b.objective_usd == pytest.approx(a.objective_usd, rel=1e-7)
    assert b.site_months["site_power_value_usd_mw_month"].iloc[0] == pytest.approx(
        a.site_months["site_power_value_usd_mw_month"].iloc[0], rel=1e-6)
    big = synthetic_fleet(sites=3, months=12, seed=5)
    assert verified(big, solver="cbc").objective_usd == pytest.approx(
        verified(big).objective_usd, rel=1e-7)


@pytest.mark.slow
def test_warm_resolves_match_cold_solves() -> None:
    """Price-only variants re-use the HiGHS model (costs swapped) and reach the same optimum;
    a structural change (more convertible space) loads a fresh model."""
    from allocator.api import optimize_many
    from allocator.optimization.backends import WarmStart

    base = synthetic_fleet(sites=3, months=24, seed=2)
    variants = [
        base.model_copy(update={"market": tuple(
            m.model_copy(update={"btc_price_usd": (m.btc_price_usd or 0) * f})
            for m in base.market)})
        for f in (0.7, 1.0, 1.4)
    ]
    bigger = base.model_copy(update={"sites": tuple(
        s.model_copy(update={"hpc_convertible_mw": s.hpc_convertible_mw + 5}) for s in base.sites)})
    cold = [verified(v).objective_usd for v in [*variants, bigger]]
    hot = optimize_many([*variants, bigger])
    for plan, value in zip(hot, cold, strict=True):
        assert plan.objective_usd == pytest.approx(value, rel=1e-9)
    warm = WarmStart()
    from allocator import optimize

    for v in variants:
        optimize(v, warm=warm)
    assert (warm.loaded, warm.reused) == (1, 2)


def test_cbc_means_the_bundled_cbc_when_none_is_on_path(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """No cbc program on PATH: `cbc` was refused although PuLP ships one (issue 14); now the
    bundled PULP_CBC_CMD solves, and solver_notice says, once, that PuLP deprecates it."""
    if BUNDLED_CBC not in available_solvers():
        pytest.skip("this PuLP bundles no CBC")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pulp_solver_name("cbc") == BUNDLED_CBC
    notice = solver_notice("cbc")
    assert notice is not None and notice.startswith("No cbc program on PATH, so the CBC "
                                                    "bundled with PuLP (PULP_CBC_CMD) solves")
    f = fleet(start="2026-04", sites=[site(capacity_mw=40, hpc_existing_mw=20)],
              miner_rows=[miners(units=10974)])
    plan = verified(f, solver="cbc")
    assert plan.run_info.solver == BUNDLED_CBC
    assert plan.objective_usd == pytest.approx(verified(f).objective_usd, rel=1e-7)
    assert solver_notice("highs") is None
