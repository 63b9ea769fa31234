"""A solve a time limit cuts short is never called optimal: CBC's own status is read, the run
ends with status ``time_limit`` (and the gap when known), the command exits 1 and writes
nothing, and the best plan so far is returned only when asked for explicitly."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pulp
import pytest
from clikit import run

from allocator import optimize
from allocator.domain import Fleet
from allocator.errors import SolveError, SolverNotAvailableError
from allocator.optimization.backends import SolveStatus, _cbc_gap, _pulp_status, solve_model
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.lp import build_model
from allocator.optimization.solvers import SolverOptions, available_solvers
from allocator.synthetic import synthetic_fleet
from allocator.workbook.fleet_writer import write_fleet

HAS_CBC = "COIN_CMD" in available_solvers()
needs_cbc = pytest.mark.skipif(not HAS_CBC, reason="CBC (the cbc program, COIN_CMD) is not "
                                                   "installed")


def lumpy_fleet() -> Fleet:
    """20 sites converting in 7 MW halls and three all-or-nothing offers: a MILP CBC does not
    finish in 5 minutes (measured), so a 1 s limit always cuts it short."""
    f = synthetic_fleet(sites=20, months=60, seed=7)
    return f.model_copy(update={
        "sites": tuple(s.model_copy(update={"conversion_block_mw": 7.0}) for s in f.sites),
        "contracts": tuple(c.model_copy(update={"all_or_nothing": True}) for c in f.contracts),
    })


@needs_cbc
@pytest.mark.slow
def test_cbc_stopped_by_its_time_limit_is_not_optimal() -> None:
    """PuLP calls CBC's "Stopped on time" Optimal; the plan used to come back as optimal with
    a worse NPV than HiGHS's. Now it is a SolveError with status time_limit."""
    with pytest.raises(SolveError, match=r"stopped at its time limit of 1 s") as caught:
        optimize(lumpy_fleet(), solver="cbc", time_limit_s=1)
    assert caught.value.status == "time_limit"
    assert "no plan is returned" in str(caught.value)


@needs_cbc
@pytest.mark.slow
def test_command_with_a_cut_short_solve_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    book = write_fleet(lumpy_fleet(), tmp_path / "lumpy.xlsx")
    out = tmp_path / "lumpy.plan.xlsx"
    result = run("optimize", str(book), "-o", str(out), "--solver", "cbc", "--time-limit", "1")
    assert result.exit_code == 1, result.output
    assert "stopped at its time limit of 1 s" in result.stderr
    assert not out.exists()


@needs_cbc
@pytest.mark.slow
def test_the_incumbent_only_when_asked_and_labelled() -> None:
    """accept_incumbent=True returns CBC's best plan so far, status time_limit, with a
    warning; it is verified like any plan (re-priced, invariants)."""
    options = SolverOptions(name="cbc", time_limit_s=1, accept_incumbent=True)
    try:
        plan = optimize(lumpy_fleet(), solver=options)
    except SolveError as exc:  # CBC found no plan at all within the second
        assert exc.status == "time_limit"
        assert "before finding any plan" in str(exc)
        return
    assert plan.run_info.status == "time_limit"
    assert any("not proven optimal" in w for w in plan.run_info.warnings)


def _prob(status: int, sol_status: int) -> SimpleNamespace:
    return SimpleNamespace(status=status, sol_status=sol_status)


@pytest.mark.parametrize(("status", "sol_status", "limited", "expected"), [
    (pulp.LpStatusOptimal, pulp.LpSolutionOptimal, True, SolveStatus.OPTIMAL),
    (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, True, SolveStatus.TIME_LIMIT),
    (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, False, SolveStatus.ITERATION_LIMIT),
    (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, True, SolveStatus.TIME_LIMIT),
    (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, False, SolveStatus.ERROR),
    (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible, False, SolveStatus.INFEASIBLE),
])
def test_pulp_status_reads_the_solution_status(status: int, sol_status: int, limited: bool,
                                               expected: SolveStatus) -> None:
    """"Optimal" with an integer-feasible solution is what PuLP makes of CBC's "Stopped on
    time - objective value ..." line: a solution, not an optimum."""
    options = SolverOptions(name="cbc", time_limit_s=1 if limited else None)
    got, _ = _pulp_status(_prob(status, sol_status), SimpleNamespace(name="COIN_CMD"), status,
                          options)
    assert got is expected


def test_cbc_gap_from_its_final_report() -> None:
    log = ("Result - Stopped on time limit\n\nObjective value:                3550650054.64\n"
           "Upper bound:                    3564286685.026\nGap:                  -0.00\n")
    assert _cbc_gap(log) == pytest.approx((3564286685.026 - 3550650054.64) / 3550650054.64)
    assert _cbc_gap("Result - Optimal solution found\n") is None


def test_a_solver_that_cannot_say_it_stopped_early_gets_no_time_limit() -> None:
    """GLPK_CMD maps "INTEGER NON-OPTIMAL" to Optimal and sets no solution status."""
    model = build_model(compute_coefficients(synthetic_fleet(sites=2, months=3, seed=1)))
    with pytest.raises(SolverNotAvailableError, match=r"cannot be given a time limit"):
        solve_model(model, SolverOptions(name="glpk", time_limit_s=5))


@pytest.mark.parametrize("bad", [-1.0, 0.0, math.nan, math.inf])
def test_a_time_limit_must_be_a_positive_number(bad: float) -> None:
    """-1 and NaN used to be passed to HiGHS, which ignored them."""
    with pytest.raises(ValueError, match=r"time_limit_s must be a number of seconds > 0"):
        SolverOptions(time_limit_s=bad)
    with pytest.raises(ValueError, match=r"time_limit_s must be"):
        optimize(synthetic_fleet(sites=1, months=1), time_limit_s=bad)


def test_a_time_limit_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match=r"time_limit_s must be a number of seconds > 0; "
                                        r"got '5'"):
        SolverOptions(time_limit_s="5")  # type: ignore[arg-type]
