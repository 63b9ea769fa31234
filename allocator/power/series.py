"""Normalize hourly or 15-minute price series into whole site-months; numpy only.

A series is read as clock time at the site (``hourly_prices_timezone``, default ``UTC``):
timestamps without an offset are that zone's wall clock; timestamps with one are converted
to it. The plan counts every month as ``24 x days`` clock hours, so the daylight-saving days
are normalized to that clock:

- the hour the clocks repeat (fall back) may be given twice (or once); its readings are
  averaged into the one clock hour;
- the hour the clocks skip (spring forward) may be left out; it takes the mean of the
  interval before and the interval after.

Any other repeated timestamp is a duplicate, any other missing interval inside the series a
gap; both are faults, each with its row. Nothing here reads a file or knows a workbook: rows
are told by their index, and callers turn that into a file line or a cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from allocator.power.clock import clock_changes

__all__ = [
    "MAX_PRICE_USD_MWH",
    "MIN_PRICE_USD_MWH",
    "STEP_MINUTES",
    "Normalized",
    "SiteMonth",
    "normalize_series",
]

Array = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

STEP_MINUTES = (15, 30, 60)
"""Interval lengths read: 15-minute, half-hourly and hourly prices."""
MIN_PRICE_USD_MWH = -1_000.0
MAX_PRICE_USD_MWH = 20_000.0
"""Prices outside these are taken for a typo or a unit slip ($/kWh, cents) and refused."""
_MAX_PER_KIND = 200  # faults of one kind listed per site before "... and N more"


@dataclass(frozen=True)
class SiteMonth:
    """One whole month of one site's prices on the clock, one per interval."""

    site: str
    month: str
    prices_usd_mwh: Array
    hours_per_interval: float


@dataclass
class Normalized:
    """What :func:`normalize_series` made of the rows.

    Attributes:
        months: Every whole month of every site, by ``(site, month)``.
        partial: Months a site's series touches but does not fill (it starts or ends in
            them), by site.
        problems: ``(row index, column, message)``; row ``-1`` where no single row is at
            fault; column ``timestamp`` or ``price_usd_mwh``.
        notes: What was normalized (DST hours merged or filled), for warnings.
    """

    months: dict[tuple[str, str], SiteMonth] = field(default_factory=dict)
    partial: dict[str, list[str]] = field(default_factory=dict)
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _minutes(values: npt.NDArray[np.datetime64]) -> Ints:
    return np.asarray(values.astype("datetime64[m]").astype(np.int64), dtype=np.int64)


def _show(minute: int) -> str:
    return str(np.datetime64(int(minute), "m")).replace("T", " ")


def _in_spans(minutes: Ints, spans: list[tuple[int, int]]) -> npt.NDArray[np.bool_]:
    inside = np.zeros(minutes.shape, dtype=bool)
    for low, high in spans:
        inside |= (minutes >= low) & (minutes < high)
    return inside


def _capped(problems: list[tuple[int, str, str]], found: list[tuple[int, str]], what: str,
            column: str = "timestamp") -> None:
    problems.extend((row, column, message) for row, message in found[:_MAX_PER_KIND])
    if len(found) > _MAX_PER_KIND:
        problems.append((-1, column, f"... and {len(found) - _MAX_PER_KIND:,} more {what}"))


def normalize_series(site_codes: Ints, site_names: list[str],
                     wall: npt.NDArray[np.datetime64], prices: Array, zone: str = "UTC",
                     readable: npt.NDArray[np.bool_] | None = None,
                     label: Callable[[int], str] = str) -> Normalized:
    """Each site's rows as whole months of clock-time prices, and every fault at its row.

    Args:
        site_codes: Per row, the index of its site in ``site_names``.
        site_names: The sites' names.
        wall: Per row, the wall-clock timestamp in ``zone`` (naive ``datetime64``).
        prices: Per row, the price in $/MWh (``nan`` where it could not be read).
        zone: The IANA time zone of the clock (``America/Chicago``), or ``UTC``.
        readable: Per row, whether its timestamp could be read (the others are skipped,
            and gaps are not reported for their site, since the row may be the gap).
        label: How a message names another row (a file line, a cell); default its index.

    Returns:
        The :class:`Normalized` months, partial months, faults and notes.
    """
    out = Normalized()
    ok = np.ones(len(prices), dtype=bool) if readable is None else readable
    bad = np.flatnonzero(np.isfinite(prices) & ((prices < MIN_PRICE_USD_MWH)
                                                | (prices > MAX_PRICE_USD_MWH)))
    _capped(out.problems, [(int(i), f"price {prices[i]:g} $/MWh is outside "
                            f"{MIN_PRICE_USD_MWH:,.0f} to {MAX_PRICE_USD_MWH:,.0f}: a typo, "
                            "or a price in $/kWh or cents?") for i in bad], "prices out of range",
            "price_usd_mwh")
    for code, name in enumerate(site_names):
        rows = np.flatnonzero((site_codes == code) & ok)
        if rows.size:
            _one_site(out, name, rows, _minutes(wall[rows]), prices[rows], zone, label,
                      report_gaps=bool(np.all(ok[site_codes == code])))
    return out


def _step(name: str, uniq: Ints, first_row: int, out: Normalized) -> int | None:
    """The site's interval in minutes (the commonest spacing), or None with a fault."""
    if uniq.size < 2:
        return 60
    gaps, counts = np.unique(np.diff(uniq), return_counts=True)
    step = int(gaps[int(np.argmax(counts))])
    if step not in STEP_MINUTES:
        out.problems.append((first_row, "timestamp", f"site '{name}': prices are {step} "
                             "minutes apart; "
                             "hourly, half-hourly or 15-minute prices are read"))
        return None
    return step


def _one_site(out: Normalized, name: str, rows: Ints, minutes: Ints, prices: Array, zone: str,
              label: Callable[[int], str], *, report_gaps: bool) -> None:
    order = np.argsort(minutes, kind="stable")
    rows, minutes, prices = rows[order], minutes[order], prices[order]
    uniq, first, counts = np.unique(minutes, return_index=True, return_counts=True)
    step = _step(name, uniq, int(rows[0]), out)
    if step is None:
        return
    off_grid = np.flatnonzero(minutes % step)
    _capped(out.problems, [(int(rows[i]), f"site '{name}': {_show(int(minutes[i]))} is not "
                            f"on the {step}-minute grid of the series") for i in off_grid],
            "timestamps off the grid")
    repeated, skipped = clock_changes(zone, int(uniq[0]), int(uniq[-1]))
    twice_ok = _in_spans(uniq, repeated)
    extra = np.flatnonzero(counts > np.where(twice_ok, 2, 1))
    found = []
    for u in extra.tolist():
        allowed = 2 if twice_ok[u] else 1
        for k in range(first[u] + allowed, first[u] + counts[u]):
            found.append((int(rows[k]), f"site '{name}': duplicate timestamp "
                          f"{_show(int(uniq[u]))} (also {label(int(rows[first[u]]))})"))
    _capped(out.problems, found, "duplicate timestamps")
    ghost = np.flatnonzero(_in_spans(uniq, skipped))
    _capped(out.problems, [(int(rows[first[u]]), f"site '{name}': {_show(int(uniq[u]))} does "
                            f"not exist in {zone} (the clocks skip it)") for u in ghost],
            "timestamps the clocks skip")
    means = np.add.reduceat(prices, first) / counts
    if np.any(twice_ok & (counts == 2)):
        out.notes.append(f"site '{name}': the repeated daylight-saving hour's readings are "
                         "averaged into one clock hour")
    _months(out, name, uniq, means, step, skipped, rows[first], report_gaps=report_gaps)


def _months(out: Normalized, name: str, uniq: Ints, means: Array, step: int,
            skipped: list[tuple[int, int]], first_rows: Ints, *, report_gaps: bool) -> None:
    """Cut the site's clock slots into months; fill skipped hours; report interior gaps."""
    first_month = np.datetime64(int(uniq[0]), "m").astype("datetime64[M]")
    last_month = np.datetime64(int(uniq[-1]), "m").astype("datetime64[M]")
    for month in np.arange(first_month, last_month + 1):
        lo = int(month.astype("datetime64[m]").astype(np.int64))
        hi = int((month + 1).astype("datetime64[m]").astype(np.int64))
        slots = np.arange(lo, hi, step, dtype=np.int64)
        at = np.searchsorted(uniq, slots)
        present = (at < uniq.size) & (uniq[np.minimum(at, uniq.size - 1)] == slots)
        skip = _in_spans(slots, skipped) & ~present
        missing = ~present & ~skip
        inside = (slots > uniq[0]) & (slots < uniq[-1])
        label = str(month)
        if np.any(missing & inside) and report_gaps:
            _gaps(out, name, slots, missing & inside, step, uniq, first_rows)
        if np.any(missing):
            out.partial.setdefault(name, []).append(label)
            continue
        values = np.where(present, means[np.minimum(at, uniq.size - 1)], np.nan)
        if np.any(skip):
            values = _fill_skipped(values)
            out.notes.append(f"site '{name}' {label}: the skipped daylight-saving hour takes "
                             "the mean of the intervals either side")
        out.months[name, label] = SiteMonth(name, label, values, step / 60.0)


def _fill_skipped(values: Array) -> Array:
    """Each nan takes the mean of the nearest readings before and after it."""
    idx = np.arange(values.size)
    known = ~np.isnan(values)
    prev = np.maximum.accumulate(np.where(known, idx, -1))
    nxt = np.minimum.accumulate(np.where(known, idx, values.size)[::-1])[::-1]
    left = values[np.clip(prev, 0, values.size - 1)]
    right = values[np.clip(nxt, 0, values.size - 1)]
    fill = np.where(prev < 0, right, np.where(nxt >= values.size, left, (left + right) / 2))
    return np.asarray(np.where(known, values, fill), dtype=float)


def _gaps(out: Normalized, name: str, slots: Ints, missing: npt.NDArray[np.bool_], step: int,
          uniq: Ints, first_rows: Ints) -> None:
    """One fault per run of missing intervals, at the row of the reading after it."""
    idx = np.flatnonzero(missing)
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    found = []
    for run in runs:
        start, end = int(slots[run[0]]), int(slots[run[-1]])
        after = int(np.searchsorted(uniq, end, side="right"))
        row = int(first_rows[after]) if after < uniq.size else -1
        span = _show(start) if start == end else f"{_show(start)} to {_show(end)}"
        found.append((row, f"site '{name}': no price for {span} ({len(run)} interval"
                      f"{'s' if len(run) > 1 else ''} of {step} minutes missing before this "
                      "row); give every interval, or leave the whole month out"))
    _capped(out.problems, found, "gaps")
