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
from allocator.domain import Contract, Fleet, MarketMonth, MinerTranche, PowerPrice, Settings, Site
from allocator.errors import (
    AllocatorError,
    InfeasibleError,
    InputError,
    OutputError,
    Problem,
    SolveError,
    SolverNotAvailableError,
)
from allocator.plan import Plan, RunInfo
from allocator.solvers import SolverOptions
from allocator.workbook.reader import FleetWorkbook, read_workbook

__all__ = [
    "AllocatorError",
    "Contract",
    "Fleet",
    "FleetWorkbook",
    "InfeasibleError",
    "InputError",
    "MarketMonth",
    "MinerTranche",
    "OutputError",
    "Plan",
    "PowerPrice",
    "Problem",
    "RunInfo",
    "Settings",
    "Site",
    "SolveError",
    "SolverNotAvailableError",
    "SolverOptions",
    "__version__",
    "optimize",
    "optimize_many",
    "read_workbook",
]
