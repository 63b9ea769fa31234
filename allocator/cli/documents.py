"""The ``schema`` and ``convert`` commands: the fleet as a YAML or JSON document or CSVs.

See :mod:`allocator.documents` and ``docs/documents.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from allocator.cli.common import OUT
from allocator.cli.failures import library_errors
from allocator.documents.conversion import convert as convert_fleet
from allocator.documents.conversion import write_text
from allocator.documents.json_schema import fleet_json_schema

__all__ = ["convert", "schema"]


@click.command()
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
def schema(out: Path | None, overwrite: bool) -> None:
    """Print the JSON Schema of the fleet document (YAML or JSON), with units and meanings.

    With OUT the schema is written there instead.

    Example: allocator schema fleet.schema.json
    """
    text = json.dumps(fleet_json_schema(), indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    with library_errors():
        write_text(out, text, overwrite=overwrite)
    OUT.print(f"Schema written to {out}", markup=False)


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace TARGET if it exists.")
def convert(source: Path, target: Path, overwrite: bool) -> None:
    """Convert a fleet between a workbook, a YAML or JSON document and a folder of sheet
    CSVs, losing nothing.

    SOURCE is read and checked as validate reads it; TARGET's suffix (.yaml, .yml, .json or
    a workbook's) says what is written: a folder of Settings.csv, Sites.csv, ... where
    TARGET is a folder or has no suffix.

    Example: allocator convert sample_inputs/fleet.xlsx fleet.yaml
    """
    with library_errors():
        written = convert_fleet(source, target, overwrite=overwrite)
    OUT.print(f"Fleet written to {written}", markup=False)
