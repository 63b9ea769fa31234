"""fleet-allocator: split a mining fleet's power between bitcoin mining and HPC leasing.

Typical use::

    from allocator import optimize, read_workbook

    book = read_workbook("fleet.xlsx")
    plan = optimize(book)
    plan.summary            # a pandas DataFrame per month
    plan.to_excel("fleet.plan.xlsx", source="fleet.xlsx")
"""

from allocator._version import __version__
from allocator.api import optimize, optimize_many
from allocator.compare import Comparison, compare
from allocator.domain import Contract, Fleet, MarketMonth, MinerTranche, PowerPrice, Settings, Site
from allocator.duals import check_site_duals
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
from allocator.infeasibility import Explanation, explain_infeasibility, relax
from allocator.insight import add_insight, sensitivity
from allocator.montecarlo import MonteCarlo, monte_carlo
from allocator.plan import Plan, RunInfo
from allocator.scenarios import Change, Scenario
from allocator.solvers import SolverOptions
from allocator.sweep import Sweep, sweep
from allocator.workbook.reader import FleetWorkbook, read_workbook

__all__ = [
    "AllocatorError",
    "Change",
    "Comparison",
    "Contract",
    "ExecutorError",
    "Explanation",
    "Fleet",
    "FleetWorkbook",
    "InfeasibleError",
    "InputError",
    "MarketMonth",
    "MinerTranche",
    "MonteCarlo",
    "OutputError",
    "Plan",
    "PowerPrice",
    "Problem",
    "RunInfo",
    "Scenario",
    "Settings",
    "Site",
    "SolveError",
    "SolverNotAvailableError",
    "SolverOptions",
    "Sweep",
    "__version__",
    "add_insight",
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
]
