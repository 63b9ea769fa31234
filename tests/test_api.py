"""The Python API takes what a user would pass: a workbook path (str or Path) as well as a
Fleet or what read_workbook returned; anything else is a clear TypeError, not an
AttributeError from inside."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from allocator import InputError, compare, optimize, read_workbook, sweep
from allocator.insight import sensitivity
from allocator.synthetic import synthetic_fleet

SAMPLE = Path(__file__).resolve().parent.parent / "sample_inputs" / "fleet.xlsx"


@pytest.fixture(scope="module")
def npv_usd() -> float:
    return optimize(read_workbook(SAMPLE)).npv_usd


@pytest.mark.parametrize("path", [str(SAMPLE), SAMPLE], ids=["str", "Path"])
def test_optimize_reads_a_path(path: str | Path, npv_usd: float) -> None:
    plan = optimize(path)
    assert plan.npv_usd == pytest.approx(npv_usd, rel=1e-9)
    assert plan.run_info.input_file == str(SAMPLE)


def test_a_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.xlsx"):
        optimize(tmp_path / "nope.xlsx")


@pytest.mark.parametrize("source", [None, 42, pd.DataFrame({"a": [1]})],
                         ids=["None", "int", "DataFrame"])
def test_optimize_names_what_it_takes(source: object) -> None:
    with pytest.raises(TypeError, match=r"optimize needs a Fleet, what read_workbook returned, "
                                        r"or the path of a fleet workbook"):
        optimize(source)  # type: ignore[arg-type]


def test_a_dataframe_gets_a_hint() -> None:
    with pytest.raises(TypeError, match=r"read the workbook with read_workbook"):
        optimize(pd.DataFrame())  # type: ignore[arg-type]


def test_solver_must_be_a_name_or_options() -> None:
    with pytest.raises(TypeError, match=r"solver must be a solver name such as 'highs' or "
                                        r"'cbc', or SolverOptions; got 123"):
        optimize(synthetic_fleet(sites=1, months=1), solver=123)  # type: ignore[arg-type]


def test_read_workbook_names_what_it_takes() -> None:
    with pytest.raises(TypeError, match=r"read_workbook needs the path of a workbook "
                                        r"\(str or pathlib.Path\); got NoneType"):
        read_workbook(None)  # type: ignore[arg-type]


def test_a_time_limit_beside_solver_options_counts() -> None:
    """It used to be ignored when solver was a SolverOptions."""
    from allocator import SolverOptions

    with pytest.raises(ValueError, match="time_limit_s"):
        optimize(synthetic_fleet(sites=1, months=1), solver=SolverOptions(), time_limit_s=-1)


def test_the_other_front_doors_read_a_path(npv_usd: float) -> None:
    """compare (with the path's own Scenarios sheet), sweep and sensitivity take a path."""
    # their annotations still say Fleet | FleetSource; fleet_of reads a path
    result = compare(str(SAMPLE), names=["BTC -30%"])  # type: ignore[arg-type]
    assert "BTC -30%" in result.npv_usd
    steps = sweep(SAMPLE, "btc_price_usd", 0.9, 1.1, 2,  # type: ignore[arg-type]
                  operation="scale")
    assert len(steps.table) == 2
    with pytest.raises(TypeError, match=r"needs a Fleet"):
        sensitivity(None)  # type: ignore[arg-type]
