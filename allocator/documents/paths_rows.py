"""A fleet document's ``scenario_paths`` as a set of futures: the document form of a
``ScenarioPaths`` sheet (``stochastic fleet.yaml --paths fleet.yaml``); no file reading here.

Each record is one row of the sheet (``scenario``, ``probability``, ``month`` and the
rest, :data:`allocator.workbook.paths_columns.PATHS_COLUMNS`; also
``power_price_factor[Site name]`` and ``construction_delay_months[Site name]``). Cells are
read as the sheet's would be and checked by :func:`allocator.stochastic.paths.paths_set`;
every fault is told at its document path (``scenario_paths[3].month``).
"""

from __future__ import annotations

import datetime as dt

from allocator.documents.fleet_document import FleetDocument
from allocator.domain import Fleet
from allocator.errors import InputError, Problem
from allocator.stochastic.paths import paths_set
from allocator.stochastic.scenario_set import ScenarioSet
from allocator.workbook.paths_columns import PATHS_SHEET

__all__ = ["PATHS_KEY", "document_paths_set"]

PATHS_KEY = "scenario_paths"
"""The document's key for the rows."""


def _text(value: object) -> str:
    """A record's value as the sheet's cell text."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def document_paths_set(document: FleetDocument, fleet: Fleet) -> ScenarioSet:
    """The futures of ``document``'s ``scenario_paths`` for ``fleet``.

    Raises:
        InputError: the document has no ``scenario_paths``, or faults in them, each at
            its path.
    """
    source = str(document.path)
    if not document.scenario_paths:
        raise InputError([Problem(PATHS_KEY, f"{document.path.name} has no {PATHS_KEY} "
                                  "records")], source=source)
    lines = [[_text(v) for v in row] for row in document.scenario_paths]
    try:
        return paths_set(lines, PATHS_SHEET, fleet, source=source)
    except InputError as exc:
        raise InputError([document.layout.path_of(p) for p in exc.problems],
                         source=source) from exc
