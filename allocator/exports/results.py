"""Write a plan, a comparison, a sweep or a Monte Carlo run as a results folder.

Each function takes the tables of :mod:`allocator.exports.tables` and writes them with
:func:`~allocator.exports.folder.write_tables`, recording what was run in ``metadata.json``
(``kind`` and its settings). ``Plan.to_parquet``, ``Plan.to_csv`` and the same methods of
``Comparison``, ``Sweep`` and ``MonteCarlo`` call these; so does ``--format`` on the command
line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from allocator.exports.folder import FileFormat, write_tables
from allocator.exports.stochastic import stochastic_tables
from allocator.exports.tables import (
    comparison_tables,
    monte_carlo_tables,
    plan_tables,
    sweep_tables,
)

if TYPE_CHECKING:  # for annotations only: the results import this module to write themselves
    from allocator.results.plan import Plan
    from allocator.scenarios.compare import Comparison
    from allocator.scenarios.montecarlo import MonteCarlo
    from allocator.scenarios.sweep import Sweep
    from allocator.stochastic.measures import StochasticResult

__all__ = ["write_comparison_tables", "write_monte_carlo_tables", "write_plan_tables",
           "write_stochastic_tables", "write_sweep_tables"]

Folder = str | os.PathLike[str]


def write_plan_tables(plan: Plan, folder: Folder, *, file_format: FileFormat = "parquet",
                      overwrite: bool = False) -> Path:
    """Write ``plan``'s tables in ``folder`` (see :func:`~allocator.exports.folder.write_tables`).

    Raises:
        OutputError: the folder exists and may not be replaced, or cannot be written.
    """
    info = plan.run_info
    run = {"kind": "plan", "input_file": info.input_file, "input_sha256": info.input_sha256,
           "npv_usd": plan.npv_usd}
    return write_tables(plan_tables(plan), folder, file_format=file_format,
                        overwrite=overwrite, run=run)


def write_comparison_tables(comparison: Comparison, folder: Folder, *,
                            file_format: FileFormat = "parquet",
                            overwrite: bool = False) -> Path:
    """Write ``comparison``'s tables in ``folder``; its plans too when it kept them.

    Raises:
        OutputError: the folder exists and may not be replaced, or cannot be written.
    """
    run = {"kind": "comparison", "input_file": _source(comparison.source),
           "reference": comparison.reference, "scenarios": comparison.names}
    return write_tables(comparison_tables(comparison), folder, file_format=file_format,
                        overwrite=overwrite, run=run)


def write_sweep_tables(result: Sweep, folder: Folder, *, file_format: FileFormat = "parquet",
                       overwrite: bool = False) -> Path:
    """Write the sweep's tables in ``folder``.

    Raises:
        OutputError: the folder exists and may not be replaced, or cannot be written.
    """
    run = {"kind": "sweep", "input_file": _source(result.source),
           "parameter": result.parameter.name, "target": result.target,
           "operation": result.operation, "value_column": result.column,
           "steps": len(result.values), "probes": result.probes}
    return write_tables(sweep_tables(result), folder, file_format=file_format,
                        overwrite=overwrite, run=run)


def write_monte_carlo_tables(result: MonteCarlo, folder: Folder, *,
                             file_format: FileFormat = "parquet",
                             overwrite: bool = False) -> Path:
    """Write the Monte Carlo run's tables in ``folder``.

    Raises:
        OutputError: the folder exists and may not be replaced, or cannot be written.
    """
    run = {"kind": "monte_carlo", "input_file": _source(result.source), "seed": result.seed,
           "samples": len(result.samples), "settings": dict(result.settings)}
    return write_tables(monte_carlo_tables(result), folder, file_format=file_format,
                        overwrite=overwrite, run=run)


def write_stochastic_tables(result: StochasticResult, folder: Folder, *,
                            file_format: FileFormat = "parquet",
                            overwrite: bool = False) -> Path:
    """Write the stochastic plan's tables in ``folder``.

    Raises:
        OutputError: the folder exists and may not be replaced, or cannot be written.
    """
    run = {"kind": "stochastic", "input_file": _source(result.source), "seed": result.seed,
           "futures": len(result.names), "alpha": result.alpha, "method": result.method,
           "rp_usd": result.rp_usd, "ev_usd": result.ev_usd, "eev_usd": result.eev_usd,
           "ws_usd": result.ws_usd, "vss_usd": result.vss_usd, "evpi_usd": result.evpi_usd}
    return write_tables(stochastic_tables(result), folder, file_format=file_format,
                        overwrite=overwrite, run=run)


def _source(path: Path | None) -> str | None:
    return str(path) if path is not None else None
