"""Wall clocks of IANA time zones as numpy minute arithmetic; the standard library's zoneinfo.

Minutes count from 1970-01-01 00:00 (UTC for instants, the zone's clock for wall times).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import numpy.typing as npt

__all__ = ["clock_changes", "offset_changes", "to_wall"]

Ints = npt.NDArray[np.int64]
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_DAY = 1440


def _offset(zone: zoneinfo.ZoneInfo, utc_minute: int) -> int:
    at = _EPOCH + dt.timedelta(minutes=utc_minute)
    delta = at.astimezone(zone).utcoffset()
    return int(delta.total_seconds() // 60) if delta is not None else 0


def offset_changes(zone: str, first_utc_minute: int, last_utc_minute: int
                   ) -> tuple[int, list[tuple[int, int]]]:
    """The zone's UTC offset at ``first_utc_minute`` and every change up to the last.

    Returns:
        ``(offset at the start, [(UTC minute of the change, offset from then on), ...])``,
        offsets in minutes east of UTC.
    """
    if zone.upper() == "UTC":
        return 0, []
    tz = zoneinfo.ZoneInfo(zone)
    start = first_utc_minute - _DAY
    current = _offset(tz, start)
    first = current
    changes: list[tuple[int, int]] = []
    day = start
    while day < last_utc_minute + _DAY:
        later = _offset(tz, day + _DAY)
        if later != current:
            low, high = day, day + _DAY  # the change is in (low, high]: bisect to 15 minutes
            while high - low > 15:
                mid = (low + high) // 2 // 15 * 15
                if mid <= low:
                    break
                if _offset(tz, mid) == current:
                    low = mid
                else:
                    high = mid
            changes.append((high, later))
            current = later
        day += _DAY
    return first, changes


def to_wall(utc_minutes: Ints, zone: str) -> Ints:
    """UTC minutes as the zone's wall-clock minutes."""
    if utc_minutes.size == 0 or zone.upper() == "UTC":
        return utc_minutes.copy()
    first, changes = offset_changes(zone, int(utc_minutes.min()), int(utc_minutes.max()))
    at = np.array([c for c, _ in changes], dtype=np.int64)
    offsets = np.array([first, *(o for _, o in changes)], dtype=np.int64)
    return np.asarray(utc_minutes + offsets[np.searchsorted(at, utc_minutes, side="right")],
                      dtype=np.int64)


def clock_changes(zone: str, first_wall_minute: int, last_wall_minute: int
                  ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The wall-clock spans the zone repeats (fall back) and skips (spring forward).

    Returns:
        ``(repeated, skipped)``: lists of ``[start, end)`` wall-clock minute spans.
    """
    first, changes = offset_changes(zone, first_wall_minute - _DAY, last_wall_minute + _DAY)
    repeated: list[tuple[int, int]] = []
    skipped: list[tuple[int, int]] = []
    before = first
    for at, after in changes:
        if after < before:
            repeated.append((at + after, at + before))
        else:
            skipped.append((at + before, at + after))
        before = after
    return repeated, skipped
