"""Regenerate the YAML twins of the sample workbooks the README runs: ``fleet.yaml``,
``infeasible.yaml``, ``spot.yaml``, ``deals.yaml`` and ``flexible.yaml`` next to this script
(``flexible.yaml`` names the same ``flexible_prices.parquet`` as its workbook).

Run from the project root, after ``make_samples.py`` or ``make_infeasible.py``::

    python sample_inputs/make_twins.py

Each twin is ``allocator convert <book>.xlsx <book>.yaml``: the same fleet, Catalog models
and Scenarios as text, so every README example runs on either file and gives the same plan.
``tests/documents/test_sample_twins.py`` converts the workbooks again and fails when a twin
is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a plain checkout too

from allocator.documents.conversion import convert  # noqa: E402

TWINS = ("fleet", "infeasible", "spot", "deals", "flexible")
"""The samples with a YAML twin: every one a README example or the sample README names."""


def main() -> None:
    for name in TWINS:
        target = convert(HERE / f"{name}.xlsx", HERE / f"{name}.yaml", overwrite=True)
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
