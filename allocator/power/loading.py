"""Turn normalized site-months into the Fleet's price curves, checking the plan's months.

Every whole month a site's series holds becomes a :class:`~allocator.domain.PriceCurve`
(binned once, :func:`~allocator.power.curve.summarize_prices`). A planned month the series
does not cover is a fault naming the month, unless ``hourly_prices_fill`` is ``monthly``: the
month is then priced flat at the site's Sites or PowerPrices price, as without hourly prices,
with a warning. No file is read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allocator.domain import HourlyPriceFill, PriceCurve
from allocator.periods import month_index
from allocator.power.curve import summarize_prices
from allocator.power.series import Normalized

__all__ = ["CurveSet", "price_curves", "spans"]


@dataclass
class CurveSet:
    """The curves made, and what the plan's months lack (faults or, when filled, warnings)."""

    curves: list[PriceCurve] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def spans(months: list[str]) -> str:
    """``2026-07 to 2026-09, 2027-01``: months as runs of consecutive months."""
    out: list[str] = []
    run: list[str] = []
    for month in sorted(months, key=month_index):
        if run and month_index(month) != month_index(run[-1]) + 1:
            out.append(run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}")
            run = []
        run.append(month)
    if run:
        out.append(run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}")
    return ", ".join(out)


def price_curves(normalized: Normalized, sites: list[str], horizon: list[str],
                 fill: HourlyPriceFill, bins: int) -> CurveSet:
    """The curves of every whole site-month, and the planned months each site lacks.

    Args:
        normalized: The series, cut into clock months (:func:`normalize_series`).
        sites: The sites that have hourly prices, in the order to check them.
        horizon: The plan's months.
        fill: ``error`` (a planned month without prices is a fault) or ``monthly``.
        bins: Bins per site-month curve.
    """
    out = CurveSet()
    for (site, month), series in sorted(normalized.months.items(),
                                        key=lambda item: (item[0][0], month_index(item[0][1]))):
        curve = summarize_prices(series.prices_usd_mwh, series.hours_per_interval, bins)
        out.curves.append(PriceCurve(site=site, month=month, hours=tuple(curve.hours.tolist()),
                                     price_usd_mwh=tuple(curve.price_usd_mwh.tolist())))
    for site in sites:
        have = {m for s, m in normalized.months if s == site}
        lacking = [m for m in horizon if m not in have]
        if not lacking:
            continue
        part = [m for m in normalized.partial.get(site, []) if m in lacking]
        partly = f" ({spans(part)} only in part)" if part else ""
        covered = sorted(have, key=month_index)
        given = (f"they cover {spans(covered)}" if covered else "they cover no whole month")
        if fill == "monthly":
            out.warnings.append(f"site '{site}': no hourly prices for {spans(lacking)}"
                                f"{partly}; those months are priced flat at the Sites or "
                                "PowerPrices price (hourly_prices_fill monthly)")
        else:
            out.problems.append(f"site '{site}': the hourly prices do not cover the planned "
                                f"month{'s' if len(lacking) > 1 else ''} {spans(lacking)}"
                                f"{partly}; {given}. Give those months, or set "
                                "hourly_prices_fill to monthly to price them flat")
    return out
