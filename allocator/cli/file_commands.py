"""The command lines of ``validate``, ``convert`` and ``schema``: arguments, options and help,
declared with click alone; what the commands do is :mod:`allocator.cli.checks` and
:mod:`allocator.cli.documents`. A usage error here loads click and nothing heavy, as in
:mod:`allocator.cli.plan_commands`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from allocator.cli.main import run

__all__ = ["convert", "schema", "validate"]


@click.command()
@click.argument("book", type=click.Path(exists=True, path_type=Path))
def validate(**values: Any) -> None:
    """Check BOOK without solving: every input problem is listed at once.

    The checks are those ``optimize`` makes before it solves, numbers too large for a solver
    included.

    Example: allocator validate sample_inputs/fleet.xlsx
    """
    run("validate", values)


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace TARGET if it exists.")
def convert(**values: Any) -> None:
    """Convert a fleet between a workbook, a YAML or JSON document and a folder of sheet
    CSVs, losing nothing.

    SOURCE is read and checked as validate reads it; TARGET's suffix (.yaml, .yml, .json or
    a workbook's) says what is written: a folder of Settings.csv, Sites.csv, ... where
    TARGET is a folder or has no suffix.

    Example: allocator convert sample_inputs/fleet.xlsx fleet.yaml
    """
    run("convert", values)


@click.command()
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
def schema(**values: Any) -> None:
    """Print the JSON Schema of the fleet document (YAML or JSON), with units and meanings.

    With OUT the schema is written there instead.

    Example: allocator schema fleet.schema.json
    """
    run("schema", values)
