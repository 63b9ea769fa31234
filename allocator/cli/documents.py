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

__all__ = ["run_convert", "run_schema"]


def run_schema(out: Path | None, overwrite: bool) -> None:
    """Do ``schema`` with its parsed command line (:mod:`allocator.cli.file_commands`)."""
    text = json.dumps(fleet_json_schema(), indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    with library_errors():
        write_text(out, text, overwrite=overwrite)
    OUT.print(f"Schema written to {out}", markup=False)


def run_convert(source: Path, target: Path, overwrite: bool) -> None:
    """Do ``convert`` with its parsed command line (:mod:`allocator.cli.file_commands`)."""
    with library_errors():
        written = convert_fleet(source, target, overwrite=overwrite)
    OUT.print(f"Fleet written to {written}", markup=False)
