"""The ``validate`` command: read BOOK and check it as ``optimize`` does, without solving.

It lives apart from :mod:`allocator.cli.plan` so that it loads only the reader
(python-calamine) and the checks (numpy, pydantic): no pandas, no openpyxl, no solver, which
``allocator validate`` would otherwise wait for before reading a cell; and it prints plain
lines with click, so it loads no rich either (nor PyYAML, for a workbook).
"""

from __future__ import annotations

from pathlib import Path

import click

from allocator.cli.failures import library_errors
from allocator.consistency import check_consistency, check_numerics
from allocator.documents.fleet_document import read_fleet_source
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients

__all__ = ["run_validate"]


def run_validate(book: Path) -> None:
    """Do ``validate`` with its parsed command line (:mod:`allocator.cli.file_commands`)."""
    with library_errors():
        source = read_fleet_source(book)
        report = check_consistency(source.fleet)
        problems = report.errors or check_numerics(compute_coefficients(source.fleet))
        if problems:
            raise InputError([source.locate(p) for p in problems], source=str(book))
    fleet = source.fleet
    for w in (*source.warnings, *report.warnings):
        click.echo(f"Warning: {w}", err=True)
    click.echo(f"{book}: OK - {len(fleet.sites)} sites, {len(fleet.miners)} miner rows, "
               f"{len(fleet.contracts)} contracts, {fleet.settings.months} months from "
               f"{fleet.settings.start_month}.")
