"""fleet-allocator: split a mining fleet's power between bitcoin mining and HPC leasing.

Typical use::

    from allocator import optimize, read_workbook, write_plan

    book = read_workbook("fleet.xlsx")
    plan = optimize(book)
    plan.summary            # a pandas DataFrame per month
    write_plan(plan, "fleet.plan.xlsx", source="fleet.xlsx")
"""

from allocator._version import __version__
from allocator.api import FleetSource, optimize, optimize_many
from allocator.catalog import Catalog, CatalogModel
from allocator.domain import (
    Contract,
    Fleet,
    MarketMonth,
    MinerTranche,
    NetworkBand,
    PowerPrice,
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
from allocator.scenarios.executors import DaskExecutor, Executor, ProcessExecutor, SerialExecutor
from allocator.scenarios.montecarlo import MonteCarlo, monte_carlo
from allocator.scenarios.mw_changes import MwChange
from allocator.scenarios.parameters import Parameter
from allocator.scenarios.sweep import Flip, Sweep, sweep
from allocator.workbook.comparison_writer import write_comparison, write_monte_carlo, write_sweep
from allocator.workbook.guards import Limits
from allocator.workbook.reader import FleetWorkbook, read_workbook
from allocator.workbook.writer import write_plan

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
    "Problem",
    "ProcessExecutor",
    "Relaxation",
    "RunInfo",
    "Scenario",
    "SerialExecutor",
    "Settings",
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
    "explain_infeasibility",
    "monte_carlo",
    "optimize",
    "optimize_many",
    "read_workbook",
    "relax",
    "sensitivity",
    "sweep",
    "write_comparison",
    "write_monte_carlo",
    "write_plan",
    "write_sweep",
]
