"""Decide now, adapt later: one plan chosen across many futures, its risk and its worth.

The modules, one job each:

- :mod:`~allocator.stochastic.scenario_set`: a set of futures with probabilities (Monte
  Carlo draws of BTC price and network hashrate, or fleets given one by one) and the LP cost
  of every column in every future;
- :mod:`~allocator.stochastic.paths`: futures a user gives as market paths (a CSV);
- :mod:`~allocator.stochastic.extensive`: the extensive form, one first stage (conversions,
  leases, commitments, whole halls, all-or-nothing takes) shared by every future and mining
  per future, risk-neutral or with CVaR (Rockafellar-Uryasev);
- :mod:`~allocator.stochastic.merit`: which mining the first stage can change (the rest
  is a constant of each future);
- :mod:`~allocator.stochastic.adaptive`: only the first F months decided now, the rest
  adapting to each future;
- :mod:`~allocator.stochastic.held`: solving LPs of one structure many times (costs and
  fixed first stages changed in place), on any executor;
- :mod:`~allocator.stochastic.first_stage`: a plan's first-stage decisions, read from one
  model and held in another;
- :mod:`~allocator.stochastic.distribution`: P5/P50/P95 and CVaR of a discrete NPV
  distribution;
- :mod:`~allocator.stochastic.regret`: candidate plans held in every future, and their
  regret;
- :mod:`~allocator.stochastic.measures`: RP, EV, EEV, WS, VSS, EVPI and the risk frontier,
  gathered by :func:`~allocator.stochastic.measures.stochastic_plan`.

The model and the measures are in docs/model.md ("Decide now, adapt later"). This module
only re-exports the public names.
"""

from allocator.stochastic.distribution import Distribution, cvar_usd, distribution
from allocator.stochastic.first_stage import FirstStage
from allocator.stochastic.frontier import FrontierPoint, risk_frontier
from allocator.stochastic.measures import StochasticResult, stochastic_plan
from allocator.stochastic.paths import read_paths
from allocator.stochastic.regret import RegretTable, regret_table
from allocator.stochastic.scenario_set import ScenarioSet, monte_carlo_set, scenario_set

__all__ = [
    "Distribution",
    "FirstStage",
    "FrontierPoint",
    "RegretTable",
    "ScenarioSet",
    "StochasticResult",
    "cvar_usd",
    "distribution",
    "monte_carlo_set",
    "read_paths",
    "regret_table",
    "risk_frontier",
    "scenario_set",
    "stochastic_plan",
]
