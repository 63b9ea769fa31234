"""The number in one value of an hourly-prices column (a sheet cell or a file's field); pure.

The price, load and ancillary columns all take numbers, or number text as a person or an
export writes it (``1,200``; money also ``$1,200``); a yes/no is never a number.
"""

from __future__ import annotations

import math

__all__ = ["is_blank", "number_in"]


def is_blank(value: object) -> bool:
    """``None`` or text of nothing but spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def number_in(value: object, *, money: bool = False) -> float | None:
    """``value`` as a finite number, or ``None`` when it is not one.

    Args:
        value: A number, or text such as ``45.2`` or ``1,200`` (``$1,200`` with ``money``).
        money: Whether a ``$`` may stand in the text.
    """
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        text = value.replace(",", "")
        if money:
            text = text.replace("$", "")
        try:
            number = float(text.strip())
        except ValueError:
            return None
    return number if number is not None and math.isfinite(number) else None
