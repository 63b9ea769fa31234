"""The validated field types every domain object shares; they know no Excel and no solver.

``Month`` (``YYYY-MM``), ``Day`` (``YYYY-MM-DD``), ``Finite`` (a finite float) and ``Name``
(a non-blank, stripped name) are annotated types; :class:`PercentAbove` is the field metadata
that lets a reader refuse a percent typed without its ``%`` (:func:`percent_typo`);
:class:`Frozen` is the base of every domain object.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from allocator.periods import is_month

__all__ = [
    "DAY_PATTERN",
    "GROWTH",
    "GROWTH_LIMIT",
    "SHARE",
    "SHARE_LIMIT",
    "Day",
    "Finite",
    "Frozen",
    "Month",
    "Name",
    "PercentAbove",
    "percent_limit",
    "percent_typo",
]


def _check_month(value: str) -> str:
    if not is_month(value):
        raise ValueError(f"month must be written YYYY-MM, got {value!r}")
    return value


DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_day(value: str) -> str:
    try:
        valid = bool(DAY_PATTERN.fullmatch(value)) and dt.date.fromisoformat(value).year > 0
    except ValueError:
        valid = False
    if not valid:
        raise ValueError(f"day must be written YYYY-MM-DD, got {value!r}")
    return value


def _check_finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value!r}")
    return value


def _check_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("name must not be blank")
    return value


Month = Annotated[str, AfterValidator(_check_month)]
Day = Annotated[str, AfterValidator(_check_day)]
Finite = Annotated[float, AfterValidator(_check_finite)]
Name = Annotated[str, AfterValidator(_check_name)]

@dataclass(frozen=True)
class PercentAbove:
    """Field metadata: a bare number above ``limit`` is taken for a percent typed without %.

    The field's own bounds may allow more (a 300 %/yr growth written ``300%``); the limit only
    says what a plain number typed by a person can mean.
    """

    limit: float


SHARE_LIMIT = 1.0
"""Shares and yearly rates (uptime, pool fee, discount rate, escalator): above 1 is a percent."""
GROWTH_LIMIT = 2.0
"""Growth rates and volatilities per year: above 2 (200 %/yr) is a percent."""


def percent_limit(model: type[BaseModel], field: str) -> float | None:
    """The :class:`PercentAbove` limit of ``model``'s ``field``; ``None`` when it has none."""
    info = model.model_fields.get(field)
    if info is None:
        return None
    return next((m.limit for m in info.metadata if isinstance(m, PercentAbove)), None)


def _show_number(value: float) -> str:
    return f"{value:.10g}"


def percent_typo(value: float, limit: float | None) -> str | None:
    """Why ``value`` looks like a percent typed as a number, or ``None`` when it does not.

    A value whose size is above ``limit`` but at most ``100 * limit`` reads as a percent:
    ``percent_typo(5, 2)`` is ``"5 looks like a percent: enter 0.05 for 5 %"``. Larger values
    are left to the field's bounds.
    """
    if limit is None or not math.isfinite(value) or not limit < abs(value) <= 100 * limit:
        return None
    shown = _show_number(value)
    return f"{shown} looks like a percent: enter {_show_number(value / 100)} for {shown} %"


SHARE = PercentAbove(SHARE_LIMIT)
GROWTH = PercentAbove(GROWTH_LIMIT)


class Frozen(BaseModel):
    """A domain object: frozen, strict, and refusing unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
