"""fleet-allocator: split a mining fleet's power between bitcoin mining and HPC leasing.

Typical use::

    from allocator import optimize, read_fleet_source, read_workbook, write_plan

    book = read_workbook("fleet.xlsx")  # or read_fleet_source("fleet.yaml" or a CSV folder)
    plan = optimize(book)
    plan.summary            # a pandas DataFrame per month
    write_plan(plan, "fleet.plan.xlsx", source="fleet.xlsx")

Every name is loaded when first used (PEP 562): ``import allocator`` costs a few milliseconds
and loads neither pandas, openpyxl, pydantic nor a solver, so ``allocator --help`` is quick;
``from allocator import optimize`` loads what ``optimize`` needs. ``__all__``, ``dir()`` and
type checkers see every name as if it were imported here (the ``TYPE_CHECKING`` block);
``tests/cli/test_cli_imports.py`` keeps that block, :data:`_EXPORTS` and ``__all__`` in step.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from allocator._version import __version__

if TYPE_CHECKING:
    from allocator.api import FleetSource, optimize, optimize_many
    from allocator.catalog import Catalog, CatalogModel
    from allocator.documents.conversion import convert
    from allocator.documents.fleet_document import (
        FleetDocument,
        SheetLayout,
        read_fleet_source,
    )
    from allocator.domain import (
        Contract,
        Fleet,
        MarketMonth,
        MinerTranche,
        NetworkBand,
        PowerPrice,
        PriceCurve,
        Settings,
        Site,
    )
    from allocator.errors import (
        AllocatorError,
        ExecutorError,
        InfeasibleError,
        InputError,
        OutputError,
        Problem,
        SolveError,
        SolverNotAvailableError,
    )
    from allocator.insight.annotate import add_insight
    from allocator.insight.duals import check_site_duals
    from allocator.insight.tornado import sensitivity
    from allocator.optimization.backends import WarmStart
    from allocator.optimization.fixes import Fix, Relaxation
    from allocator.optimization.infeasibility import Explanation, explain_infeasibility, relax
    from allocator.optimization.solvers import SolverOptions
    from allocator.results.plan import Plan, RunInfo
    from allocator.scenarios.changes import Change, Scenario, apply_changes, apply_scenario
    from allocator.scenarios.compare import Comparison, compare
    from allocator.scenarios.executors import (
        DaskExecutor,
        Executor,
        ProcessExecutor,
        SerialExecutor,
    )
    from allocator.scenarios.montecarlo import MonteCarlo, monte_carlo
    from allocator.scenarios.mw_changes import MwChange
    from allocator.scenarios.parameters import Parameter
    from allocator.scenarios.sweep import Flip, Sweep, sweep
    from allocator.workbook.comparison_writer import (
        write_comparison,
        write_monte_carlo,
        write_sweep,
    )
    from allocator.workbook.guards import Limits
    from allocator.workbook.reader import FleetWorkbook, read_workbook
    from allocator.workbook.writer import write_plan

_EXPORTS: dict[str, str] = {
    "FleetSource": "allocator.api",
    "optimize": "allocator.api",
    "optimize_many": "allocator.api",
    "Catalog": "allocator.catalog",
    "CatalogModel": "allocator.catalog",
    "convert": "allocator.documents.conversion",
    "FleetDocument": "allocator.documents.fleet_document",
    "SheetLayout": "allocator.documents.fleet_document",
    "read_fleet_source": "allocator.documents.fleet_document",
    "Contract": "allocator.domain",
    "Fleet": "allocator.domain",
    "MarketMonth": "allocator.domain",
    "MinerTranche": "allocator.domain",
    "NetworkBand": "allocator.domain",
    "PowerPrice": "allocator.domain",
    "PriceCurve": "allocator.domain",
    "Settings": "allocator.domain",
    "Site": "allocator.domain",
    "AllocatorError": "allocator.errors",
    "ExecutorError": "allocator.errors",
    "InfeasibleError": "allocator.errors",
    "InputError": "allocator.errors",
    "OutputError": "allocator.errors",
    "Problem": "allocator.errors",
    "SolveError": "allocator.errors",
    "SolverNotAvailableError": "allocator.errors",
    "add_insight": "allocator.insight.annotate",
    "check_site_duals": "allocator.insight.duals",
    "sensitivity": "allocator.insight.tornado",
    "WarmStart": "allocator.optimization.backends",
    "Fix": "allocator.optimization.fixes",
    "Relaxation": "allocator.optimization.fixes",
    "Explanation": "allocator.optimization.infeasibility",
    "explain_infeasibility": "allocator.optimization.infeasibility",
    "relax": "allocator.optimization.infeasibility",
    "SolverOptions": "allocator.optimization.solvers",
    "Plan": "allocator.results.plan",
    "RunInfo": "allocator.results.plan",
    "Change": "allocator.scenarios.changes",
    "Scenario": "allocator.scenarios.changes",
    "apply_changes": "allocator.scenarios.changes",
    "apply_scenario": "allocator.scenarios.changes",
    "Comparison": "allocator.scenarios.compare",
    "compare": "allocator.scenarios.compare",
    "DaskExecutor": "allocator.scenarios.executors",
    "Executor": "allocator.scenarios.executors",
    "ProcessExecutor": "allocator.scenarios.executors",
    "SerialExecutor": "allocator.scenarios.executors",
    "MonteCarlo": "allocator.scenarios.montecarlo",
    "monte_carlo": "allocator.scenarios.montecarlo",
    "MwChange": "allocator.scenarios.mw_changes",
    "Parameter": "allocator.scenarios.parameters",
    "Flip": "allocator.scenarios.sweep",
    "Sweep": "allocator.scenarios.sweep",
    "sweep": "allocator.scenarios.sweep",
    "write_comparison": "allocator.workbook.comparison_writer",
    "write_monte_carlo": "allocator.workbook.comparison_writer",
    "write_sweep": "allocator.workbook.comparison_writer",
    "Limits": "allocator.workbook.guards",
    "FleetWorkbook": "allocator.workbook.reader",
    "read_workbook": "allocator.workbook.reader",
    "write_plan": "allocator.workbook.writer",
}
"""Each public name -> the module that defines it, imported on the name's first use."""

__all__ = [
    "AllocatorError",
    "Catalog",
    "CatalogModel",
    "Change",
    "Comparison",
    "Contract",
    "DaskExecutor",
    "Executor",
    "ExecutorError",
    "Explanation",
    "Fix",
    "Fleet",
    "FleetDocument",
    "FleetSource",
    "FleetWorkbook",
    "Flip",
    "InfeasibleError",
    "InputError",
    "Limits",
    "MarketMonth",
    "MinerTranche",
    "MonteCarlo",
    "MwChange",
    "NetworkBand",
    "OutputError",
    "Parameter",
    "Plan",
    "PowerPrice",
    "PriceCurve",
    "Problem",
    "ProcessExecutor",
    "Relaxation",
    "RunInfo",
    "Scenario",
    "SerialExecutor",
    "Settings",
    "SheetLayout",
    "Site",
    "SolveError",
    "SolverNotAvailableError",
    "SolverOptions",
    "Sweep",
    "WarmStart",
    "__version__",
    "add_insight",
    "apply_changes",
    "apply_scenario",
    "check_site_duals",
    "compare",
    "convert",
    "explain_infeasibility",
    "monte_carlo",
    "optimize",
    "optimize_many",
    "read_fleet_source",
    "read_workbook",
    "relax",
    "sensitivity",
    "sweep",
    "write_comparison",
    "write_monte_carlo",
    "write_plan",
    "write_sweep",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use, then keep it here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
