"""Calendar-month arithmetic on ``YYYY-MM`` strings; no I/O and no solver here."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable

__all__ = [
    "add_months",
    "days_in_month",
    "describe_months",
    "is_month",
    "month_from_index",
    "month_index",
    "month_indexes",
    "month_range",
    "months_between",
]

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def is_month(text: str) -> bool:
    """True when ``text`` is a month written ``YYYY-MM``."""
    return bool(_MONTH_RE.match(text))


def month_index(month: str) -> int:
    """Months since year 0: ``2026-01`` -> 2026 * 12 + 0.

    Raises:
        ValueError: ``month`` is not ``YYYY-MM``.
    """
    match = _MONTH_RE.match(month)
    if not match:
        raise ValueError(f"month must be written YYYY-MM, got {month!r}")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_indexes(months: Iterable[str]) -> list[int]:
    """:func:`month_index` of each of ``months``, each distinct month parsed once."""
    known: dict[str, int] = {}
    out: list[int] = []
    for month in months:
        found = known.get(month)
        if found is None:
            found = known[month] = month_index(month)
        out.append(found)
    return out


def month_from_index(index: int) -> str:
    """Inverse of :func:`month_index`."""
    year, month0 = divmod(index, 12)
    return f"{year:04d}-{month0 + 1:02d}"


def add_months(month: str, count: int) -> str:
    """``month`` shifted by ``count`` months (negative goes back)."""
    return month_from_index(month_index(month) + count)


def months_between(start: str, end: str) -> int:
    """Whole months from ``start`` to ``end`` (0 when equal, negative when ``end`` is earlier)."""
    return month_index(end) - month_index(start)


def month_range(start: str, count: int) -> list[str]:
    """``count`` consecutive months from ``start``."""
    first = month_index(start)
    return [month_from_index(first + i) for i in range(count)]


def days_in_month(month: str) -> int:
    """Calendar days of ``month`` (28-31)."""
    year, month0 = divmod(month_index(month), 12)
    return calendar.monthrange(year, month0 + 1)[1]


def describe_months(months: list[str]) -> str:
    """Months as runs: ``2026-02 to 2026-06, 2026-08 to 2026-12, 2027-03`` (sorted, each run
    of consecutive months once)."""
    indices = sorted({month_index(m) for m in months})
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and index == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return ", ".join(month_from_index(a) if a == b
                     else f"{month_from_index(a)} to {month_from_index(b)}" for a, b in runs)
