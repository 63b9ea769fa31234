"""Power price in a future: a factor on each site's power price, as a paths column gives it.

A future may price a site's power at ``f`` times the plan's (``f >= 0``): its flat
``power_price_usd_mwh``, its ``PowerPrices`` rows and the bin prices of its hourly price
curves all scale by ``f``, exactly as a Scenarios-sheet change ``power_price_usd_mwh scale f``
moves them (:func:`allocator.scenarios.changes.apply_changes`). The matrix stays the same, so
the futures still share one first stage: the factor moves only that future's costs (the
power its mining draws, and any other power the owner pays for).
A factor of 1 everywhere leaves the fleet as it is. No solving, no files here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from allocator.domain import Fleet
from allocator.scenarios.changes import Change, apply_changes

__all__ = ["FACTOR_COLUMN", "factor_fault", "scaled_power_fleet"]

FACTOR_COLUMN = "power_price_factor"
"""The name of a future's power-price factor, as a paths column."""


def factor_fault(value: float) -> str | None:
    """Why ``value`` is no power-price factor (``power_price_factor cannot be negative``),
    or ``None`` when it is one: a finite number >= 0."""
    if not math.isfinite(value):
        return f"{FACTOR_COLUMN} must be a number"
    if value < 0:
        return f"{FACTOR_COLUMN} cannot be negative"
    return None


def scaled_power_fleet(fleet: Fleet, factors: Sequence[float], *, scenario: str = "",
                       sheet: str = "paths") -> Fleet:
    """``fleet`` with each site's power price times its factor (one per site, in order);
    ``fleet`` itself when every factor is 1.

    Raises:
        InputError: a scaled price the domain refuses, naming the scenario.
    """
    changes = [Change("power_price_usd_mwh", "scale", float(f), target=site.name, sheet=sheet)
               for site, f in zip(fleet.sites, factors, strict=True) if f != 1.0]
    return apply_changes(fleet, changes, scenario=scenario) if changes else fleet
