"""Why the plan is what it is: breakevens, contract values, sensitivity, checked shadow values.

Everything here re-solves the plan (warm where only a rate changes) rather than reading one
dual; nothing here writes a file.
"""

from allocator.insight.breakevens import (
    add_insight,
    add_sensitivity,
    contract_insight,
    miner_breakevens,
    probe_contract,
    sensitivity,
    site_breakevens,
)
from allocator.insight.duals import check_site_duals

__all__ = [
    "add_insight",
    "add_sensitivity",
    "check_site_duals",
    "contract_insight",
    "miner_breakevens",
    "probe_contract",
    "sensitivity",
    "site_breakevens",
]
