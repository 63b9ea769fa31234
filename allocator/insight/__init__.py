"""Why the plan is what it is (breakevens, contract values, sensitivity, shadow values); no files.

Everything here re-solves the plan, or reads off its optimal basis what a re-solve would
find, rather than trusting one dual; nothing here writes a file. This module only re-exports
the public names: ``breakevens`` (site HPC and miner breakevens), ``contracts`` (value
added, drop and full-take rates), ``tornado`` (sensitivity), ``annotate`` (all of them
merged into a plan), ``duals`` (shadow values checked at +/-1 MW), ``resolve`` (the rate
search and the rebuilding re-solver), ``held`` (the LP held in HiGHS and varied in place)
and ``summary`` (the merged insight as plain values, for printing and JSON; no re-solve).
"""

from allocator.insight.annotate import add_insight
from allocator.insight.breakevens import miner_breakevens, probe_contract, site_breakevens
from allocator.insight.contracts import contract_insight
from allocator.insight.duals import check_site_duals
from allocator.insight.summary import insight_summary
from allocator.insight.tornado import add_sensitivity, sensitivity

__all__ = [
    "add_insight",
    "add_sensitivity",
    "check_site_duals",
    "contract_insight",
    "insight_summary",
    "miner_breakevens",
    "probe_contract",
    "sensitivity",
    "site_breakevens",
]
