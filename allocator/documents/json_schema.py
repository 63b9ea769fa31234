"""The JSON Schema of the fleet document, made from the workbook contract by pydantic.

Each input sheet of :data:`~allocator.workbook.schema.INPUT_SHEETS` becomes a pydantic model
whose fields are the sheet's columns, each with the column's description, bounds and unit
(the text ``docs/workbook.md`` shows), so the schema and the workbook docs are one table.
``allocator schema`` prints :func:`fleet_json_schema`. The schema's ``$id`` carries
:data:`~allocator.documents.fleet_document.SCHEMA_VERSION`; the rule for bumping it is given
there.

The schema is the document's shape; the reader's checks go further (bounds, one row per
site, the rows that must agree with each other), as they do for a workbook.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from allocator.documents.fleet_document import SCHEMA_VERSION, document_key
from allocator.workbook.schema import INPUT_SHEETS, ColumnSpec, SheetSpec

__all__ = ["SCHEMA_ID", "fleet_json_schema"]

SCHEMA_ID = f"urn:fleet-allocator:fleet-document:v{SCHEMA_VERSION}"
"""The schema's ``$id``; it names the version."""

_TYPES: dict[str, Any] = {
    "text": str,
    "number": float,
    "integer": int,
    "fraction": float | str,
    "bool": bool | str,
    "month": str | dt.date,
    "date": dt.date,
    "list": str | list[str],
}


_SCENARIO_VALUE: Any = float | str
"""A Scenarios row's ``value``: a number, or a month for a setting such as halving_month."""


def _type(col: ColumnSpec) -> Any:
    if col.header == "value" and col.unit == "unit of the parameter":
        return _SCENARIO_VALUE
    if col.kind == "choice" and col.choices:
        return Literal[col.choices]
    return _TYPES.get(col.kind, str)


def _field(col: ColumnSpec, required: bool) -> tuple[Any, Any]:
    text = col.description + (f" Bounds: {col.bounds}." if col.bounds else "")
    extra: dict[str, Any] = {"unit": col.unit} if col.unit else {}
    if col.example is not None and not isinstance(col.example, dt.date):
        extra["examples"] = [col.example]
    if required:
        return (_type(col), Field(description=text, json_schema_extra=extra))
    return (_type(col) | None, Field(default=None, description=text, json_schema_extra=extra))


def _model(spec: SheetSpec) -> type[BaseModel]:
    # A Scenarios row naming only its scenario is that scenario with no change (a baseline).
    fields: dict[str, Any] = {col.header: _field(col, col.required and (
        spec.name != "Scenarios" or col.field == "scenario")) for col in spec.columns}
    return create_model(
        f"{spec.name}Row" if not spec.key_value else spec.name,
        __config__=ConfigDict(title=spec.name), __doc__=spec.description, **fields)


def _document_model() -> type[BaseModel]:
    fields: dict[str, Any] = {"version": (int, Field(
        default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION,
        description="The schema version the document was written for."))}
    for spec in INPUT_SHEETS:
        kind: Any = _model(spec) if spec.key_value else list[_model(spec)]  # type: ignore[misc]
        text = f"The {spec.name} sheet: {spec.description}"
        fields[document_key(spec)] = ((kind, Field(description=text)) if spec.required
                                      else (kind | None, Field(default=None, description=text)))
    return create_model(
        "FleetDocument", __doc__="A fleet: what a fleet workbook holds, one key per sheet.",
        **fields)


def fleet_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the fleet document, version in ``$id``."""
    schema = _document_model().model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "version": SCHEMA_VERSION, **schema}
