"""One column of an input sheet, as :mod:`allocator.workbook.schema` describes it.

Lives apart from the schema so the schema module holds the sheets' columns, not their type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ColumnSpec", "Kind"]

Kind = Literal["text", "number", "integer", "month", "date", "fraction", "bool", "list",
               "choice"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input sheet (or one key of ``Settings``).

    Attributes:
        header: Canonical header text, e.g. ``capacity_mw``.
        field: Domain attribute it fills.
        kind: How a cell is parsed: ``fraction`` accepts ``0.02`` or ``2%``; ``bool`` accepts
            yes/no/true/false/1/0; ``list`` is comma-separated names (``"Abilene, TX", Bravo``
            quotes one holding a comma); ``month`` is ``YYYY-MM`` text or a real date;
            ``date`` is a day, ``YYYY-MM-DD`` text or a real date.
        required: A blank cell is an error (otherwise the domain default applies).
        unit: Unit shown in the template comment.
        description: Meaning shown in the template comment and the docs.
        choices: Fixed choices (template dropdown) for ``bool`` and ``choice`` kinds.
        example: A typical value, for the template and the docs.
        percent_above: For a rate or share, the domain field's
            :class:`~allocator.domain.PercentAbove` limit: a plain number above it (in
            size, up to 100 times it) is taken for a percent typed without ``%`` and refused
            (``97`` for uptime: enter 0.97). ``None`` for other columns.
        bounds: The domain field's bounds in words (``0 to 1``, ``above 0``), for the
            template notes; ``None`` when it has none.
    """

    header: str
    field: str
    kind: Kind
    required: bool
    unit: str
    description: str
    choices: tuple[str, ...] = ()
    example: object = None
    percent_above: float | None = None
    bounds: str | None = None
