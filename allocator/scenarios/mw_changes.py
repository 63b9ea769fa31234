"""Material MW changes between a sweep's neighbouring steps; no solving, printing or files.

A flip says when a site starts or stops converting or mining; it says nothing when a site
that converts 17.5 MW at one step converts 60 MW at the next. :func:`material_changes`
reports those: between two neighbouring steps, a site's converted IT MW (``converted_mw``) or
average mining IT MW (``avg_mining_mw``) moves by at least :func:`material_mw` of the site,
``max(5 MW, 10 % of its grid capacity_mw)``, while the site holds the state on both sides (a
change to or from none is a flip and reported as one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from allocator.domain import Fleet
from allocator.scenarios.cases import CONVERTED_EPS_MW, CaseResult

__all__ = ["MATERIAL_MIN_MW", "MATERIAL_SHARE", "MwChange", "material_changes", "material_mw"]

MATERIAL_MIN_MW = 5.0
"""A change smaller than this many MW is never material."""

MATERIAL_SHARE = 0.10
"""A change is material from this share of the site's grid ``capacity_mw`` (or from
:data:`MATERIAL_MIN_MW`, whichever is larger)."""

_QUANTITIES = (("converted_mw", "converts", "IT MW"), ("avg_mining_mw", "mines", "MW on average"))


@dataclass(frozen=True)
class MwChange:
    """A site's MW moving materially between two neighbouring sweep steps.

    Attributes:
        subject: ``Site Alpha Ridge``.
        quantity: ``converted_mw`` (IT MW whose conversion starts in the horizon) or
            ``avg_mining_mw`` (average IT MW of miners running).
        below: The lower step's value.
        above: The higher step's value.
        before_mw: The quantity at ``below``.
        after_mw: The quantity at ``above``.
        text: The change in plain words.
    """

    subject: str
    quantity: str
    below: float
    above: float
    before_mw: float
    after_mw: float
    text: str

    @property
    def change_mw(self) -> float:
        """``after_mw - before_mw``."""
        return self.after_mw - self.before_mw


def material_mw(capacity_mw: float) -> float:
    """The smallest material change at a site of ``capacity_mw`` grid MW."""
    return max(MATERIAL_MIN_MW, MATERIAL_SHARE * capacity_mw)


def material_changes(fleet: Fleet, xs: Sequence[float], results: Sequence[CaseResult],
                     span: Callable[[float, float], str]) -> tuple[MwChange, ...]:
    """Every material MW change between neighbouring steps, by site, quantity and value.

    Args:
        fleet: The fleet swept (for each site's capacity).
        xs: The step values, ascending.
        results: The solved step at each value of ``xs``.
        span: Words for the move from one value to the next ("as the rate of K goes from
            $170/kW-month to $180/kW-month").
    """
    found = []
    for site in fleet.sites:
        subject = site.name if site.name.lower().startswith("site") else f"Site {site.name}"
        least = material_mw(site.capacity_mw)
        for metric, verb, unit in _QUANTITIES:
            for k in range(len(xs) - 1):
                before = results[k].metrics.get((metric, site.name), 0.0)
                after = results[k + 1].metrics.get((metric, site.name), 0.0)
                held = before > CONVERTED_EPS_MW and after > CONVERTED_EPS_MW
                if held and abs(after - before) >= least:
                    text = (f"{subject} {verb} {before:,.1f} -> {after:,.1f} {unit} "
                            f"{span(xs[k], xs[k + 1])}")
                    found.append(MwChange(subject, metric, xs[k], xs[k + 1], before, after,
                                          text))
    return tuple(found)
