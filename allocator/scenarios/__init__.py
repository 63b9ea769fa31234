"""Many solves of one fleet (scenario changes, comparisons, sweeps, Monte Carlo); no files.

``parameters`` names what a change may touch and ``changes`` turns a :class:`Scenario` into a
modified fleet; ``compare``, ``sweep`` and ``montecarlo`` build ``cases``, send them to an
``executors`` back end and gather the figures. This module only re-exports.
"""

from allocator.scenarios.changes import Change, Scenario, apply_changes, apply_scenario
from allocator.scenarios.compare import Comparison, compare
from allocator.scenarios.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from allocator.scenarios.montecarlo import MonteCarlo, monte_carlo
from allocator.scenarios.sweep import Flip, Sweep, sweep

__all__ = [
    "Change",
    "Comparison",
    "DaskExecutor",
    "Flip",
    "MonteCarlo",
    "ProcessExecutor",
    "Scenario",
    "SerialExecutor",
    "Sweep",
    "apply_changes",
    "apply_scenario",
    "compare",
    "monte_carlo",
    "sweep",
]
