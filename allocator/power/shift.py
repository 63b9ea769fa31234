"""A change to a site's power price carried onto its hourly price curves; pure, no I/O.

A scenario, sweep or tornado that moves ``power_price_usd_mwh`` moves the flat and
``PowerPrices`` prices; on a month priced from hourly prices the same operation is applied to
every bin price of the month's curve, so the change holds there too:

- ``scale x``: every price times ``x`` (the average, and each spike, times ``x``);
- ``add x``: every price plus ``x`` (the shape kept, the average moved by ``x``);
- ``set x``: the month flat at ``x`` (nothing left to curtail).

The month's candidate 4CP peak intervals (``peak_price_usd_mwh``) and emergency intervals
(``emergency_price_usd_mwh``) move the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from allocator.domain import PriceCurve

__all__ = ["shift_curve", "shift_curves"]


def shift_curve(curve: PriceCurve, operation: str, value: float) -> PriceCurve:
    """``curve`` with ``operation`` (``set``, ``scale`` or ``add``) applied to its prices.

    Raises:
        ValueError: an unknown operation.
    """
    prices = curve.price_usd_mwh
    hours = curve.hours
    if operation == "scale":
        moved = tuple(p * value for p in prices)
    elif operation == "add":
        moved = tuple(p + value for p in prices)
    elif operation == "set":
        moved = tuple(float(value) for _ in prices)
    else:
        raise ValueError(f"unknown operation {operation!r}; use set, scale or add")
    ancillary = curve.ancillary_usd_mw_h  # a price shift leaves the ancillary price be
    if value < 0 and operation == "scale":  # keep the bins ascending
        moved, hours, ancillary = moved[::-1], hours[::-1], ancillary[::-1]
    return curve.model_copy(update={
        "hours": hours, "price_usd_mwh": moved, "ancillary_usd_mw_h": ancillary,
        "peak_price_usd_mwh": _moved(curve.peak_price_usd_mwh, operation, value),
        "emergency_price_usd_mwh": _moved(curve.emergency_price_usd_mwh, operation, value)})


def _moved(prices: tuple[float, ...], operation: str, value: float) -> tuple[float, ...]:
    """Interval prices kept beside the curve (4CP candidates, emergencies), moved alike."""
    return tuple(p * value if operation == "scale" else p + value if operation == "add"
                 else float(value) for p in prices)


def shift_curves(curves: Iterable[PriceCurve], operation: str, value: float,
                 site: str | None = None) -> tuple[PriceCurve, ...]:
    """Every curve of ``site`` (of every site when ``None`` or blank) shifted by
    :func:`shift_curve`; the others unchanged."""
    return tuple(shift_curve(c, operation, value) if not site or c.site == site else c
                 for c in curves)
