"""Read hourly price tables: a CSV or Parquet file (pyarrow), or values given as cells.

A price table has a ``timestamp`` and a ``price_usd_mwh`` column and a ``site`` column, and
may have the yes/no columns ``four_cp_peak`` and ``emergency_curtailment``, ``load_mw`` and
``ancillary_usd_mw_h`` (:mod:`allocator.power.ancillary`)
(headers match whatever their case, spaces or punctuation). pyarrow reads a year of
15-minute prices for 50 sites (1.75 million rows) in about a second when the columns are
clean; a column holding an unreadable value is parsed again value by value, so every bad value
is told by its row. Timestamps become wall-clock minutes in the series' zone here
(:func:`wall_clock`); the clock itself is normalized by :mod:`allocator.power.series`.
pyarrow is imported when a file is read, not before: reading a workbook without a price file
does not load it. Nothing here knows a workbook.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.power.ancillary import ANCILLARY_COLUMN, MAX_ANCILLARY_USD_MW_H, ancillary_of
from allocator.power.cell_numbers import is_blank, number_in
from allocator.power.clock import to_wall
from allocator.power.load_peaks import LOAD_COLUMN, loads_of
from allocator.power.peaks import flags_of

__all__ = ["COLUMNS", "EMERGENCY_COLUMN", "PEAK_COLUMN", "PRICE_FILE_SUFFIXES",
           "PriceFileError", "PriceTable", "factorize", "prices_of", "read_price_file",
           "wall_clock"]

COLUMNS = ("site", "timestamp", "price_usd_mwh")
PEAK_COLUMN = "four_cp_peak"
"""Optional: yes on a candidate 4CP peak interval (:mod:`allocator.power.peaks`)."""
EMERGENCY_COLUMN = "emergency_curtailment"
"""Optional: yes on an interval large loads are ordered off (:mod:`allocator.power.emergency`)."""
PRICE_FILE_SUFFIXES = (".csv", ".parquet", ".pq")
_OFFSET = re.compile(r"(?:(Z)|([+-])(\d\d):?(\d\d))$", re.IGNORECASE)
Faults = list[tuple[int, str]]
Wall = npt.NDArray[np.datetime64]


class PriceFileError(Exception):
    """The file cannot be read as a price table at all (missing, not CSV/Parquet, columns)."""


@dataclass
class PriceTable:
    """A price table's columns, one entry per data row, and the faults of single values.

    Attributes:
        site_codes: Each row's index into ``site_names``.
        site_names: The sites named, in order of first appearance.
        wall: Each row's wall-clock timestamp (``NaT`` where unreadable).
        prices: Each row's price (``nan`` where unreadable).
        problems: ``(row index, message)`` for values that could not be read.
        peak: Each row's ``four_cp_peak`` flag (all no without the column).
        emergency: Each row's ``emergency_curtailment`` flag (likewise).
        load: Each row's ``load_mw`` (``nan`` where blank); ``None`` without the column.
        ancillary: Each row's ``ancillary_usd_mw_h`` (0 where blank); ``None`` without it.
    """

    site_codes: npt.NDArray[np.int64]
    site_names: list[str]
    wall: Wall
    prices: npt.NDArray[np.float64]
    problems: Faults = field(default_factory=list)
    peak: npt.NDArray[np.bool_] | None = None
    emergency: npt.NDArray[np.bool_] | None = None
    load: npt.NDArray[np.float64] | None = None
    ancillary: npt.NDArray[np.float64] | None = None


def factorize(values: Sequence[object]) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Codes and names of ``values`` (names stripped), in order of first appearance."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(str(v).strip() if v is not None else "", len(index))
                         for v in values), dtype=np.int64, count=len(values))
    return codes, list(index)


def _key(text: str) -> str:
    return re.sub(r"[\W_]", "", str(text).strip().lower())


def _columns(names: Sequence[str]) -> dict[str, str]:
    by_key = {_key(n): n for n in names}
    optional = (PEAK_COLUMN, EMERGENCY_COLUMN, LOAD_COLUMN, ANCILLARY_COLUMN)
    found = {col: by_key[_key(col)] for col in (*COLUMNS, *optional) if _key(col) in by_key}
    needed = [c for c in COLUMNS if c not in found]
    if needed:
        raise PriceFileError(f"needs the column{'s' if len(needed) > 1 else ''} "
                             f"{', '.join(needed)}; it has {', '.join(map(str, names))}")
    return found


def _table(path: Path) -> Any:
    import pyarrow as pa  # slow to load: only when a price file is named
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    suffix = path.suffix.lower()
    if suffix not in PRICE_FILE_SUFFIXES:
        raise PriceFileError("is not a .csv or .parquet file")
    if not path.is_file():
        raise PriceFileError("is not found" if not path.exists() else "is not a file")
    try:
        if suffix == ".csv":
            return pacsv.read_csv(path)
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise PriceFileError(f"cannot be read: {exc}") from exc


def read_price_file(path: str | Path, zone: str) -> PriceTable:
    """The price table in the CSV or Parquet file at ``path``, timestamps on ``zone``'s clock.

    Raises:
        PriceFileError: the file is missing or unreadable, or lacks a needed column.
    """
    import pyarrow as pa  # slow to load: only when a price file is named
    import pyarrow.compute as pc
    table = _table(Path(path))
    names = _columns(table.column_names)
    sites = pc.utf8_trim_whitespace(table.column(names["site"]).cast(pa.string()))
    encoded = sites.combine_chunks().dictionary_encode()
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False),
                       dtype=np.int64)
    site_names = [str(s) for s in encoded.dictionary.to_pylist()]
    problems: Faults = [(int(i), "site is blank") for i in np.flatnonzero(codes < 0)]
    problems += [(int(i), "site is blank") for i in np.flatnonzero(
        np.isin(codes, [k for k, s in enumerate(site_names) if not s]))]
    stamps = table.column(names["timestamp"])
    if pa.types.is_timestamp(stamps.type):
        wall, bad = _arrow_stamps(stamps, zone)
    else:
        wall, bad = wall_clock(stamps.to_pylist(), zone)
    column = table.column(names["price_usd_mwh"])
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        prices = np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False),
                            dtype=float).copy()
        bad += [(int(i), "price_usd_mwh is blank") for i in np.flatnonzero(np.isnan(prices))]
    else:
        prices, more = prices_of(column.to_pylist())
        bad += more
    peak, emergency = (_flags(table, names, c, bad) for c in (PEAK_COLUMN, EMERGENCY_COLUMN))
    load, ancillary = _loads(table, names, bad), _ancillary(table, names, bad)
    return PriceTable(np.maximum(codes, 0), site_names, wall, prices, problems + bad, peak,
                      emergency, load, ancillary)


def _ancillary(table: Any, names: dict[str, str], bad: Faults
               ) -> npt.NDArray[np.float64] | None:
    """The ``ancillary_usd_mw_h`` column if the table has it (blank: 0); its bad values go
    to ``bad``."""
    import pyarrow as pa  # slow to load: only when a price file is named
    if ANCILLARY_COLUMN not in names:
        return None
    column = table.column(names[ANCILLARY_COLUMN])
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        values = np.asarray(np.nan_to_num(np.asarray(column.cast(pa.float64()).to_numpy(
            zero_copy_only=False), dtype=float), nan=0.0), dtype=float)
        if np.all((values >= 0) & (values <= MAX_ANCILLARY_USD_MW_H)):
            return values
    values, more = ancillary_of(column.to_pylist())
    bad += more
    return values


def _loads(table: Any, names: dict[str, str], bad: Faults) -> npt.NDArray[np.float64] | None:
    """The ``load_mw`` column if the table has it; its bad values go to ``bad``."""
    import pyarrow as pa  # slow to load: only when a price file is named
    if LOAD_COLUMN not in names:
        return None
    column = table.column(names[LOAD_COLUMN])
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        load = np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False),
                          dtype=float).copy()
        if np.all(np.isnan(load) | (load >= 0)):
            return load
    load, more = loads_of(column.to_pylist())
    bad += more
    return load


def _flags(table: Any, names: dict[str, str], column: str, bad: Faults
           ) -> npt.NDArray[np.bool_] | None:
    """The yes/no column ``column`` if the table has it; its bad values go to ``bad``."""
    import pyarrow as pa  # slow to load: only when a price file is named
    if column not in names:
        return None
    flags = table.column(names[column])
    if pa.types.is_boolean(flags.type):
        return np.asarray(flags.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    out, more = flags_of(flags.to_pylist(), column)
    bad += more
    return out


def _arrow_stamps(stamps: Any, zone: str) -> tuple[Wall, Faults]:
    """A timestamp column (naive: the zone's clock; with a zone: an instant) as wall time."""
    unit = stamps.type.unit
    raw = stamps.combine_chunks()
    values = np.asarray(raw.to_numpy(zero_copy_only=False)).astype(f"datetime64[{unit}]")
    minutes = values.astype("datetime64[m]")
    if stamps.type.tz is not None:
        ok = ~np.isnat(minutes)
        wall_minutes = to_wall(minutes[ok].astype(np.int64), zone)
        minutes = minutes.copy()
        minutes[ok] = wall_minutes.astype("datetime64[m]")
    return minutes, [(int(i), "timestamp is blank") for i in np.flatnonzero(np.isnat(minutes))]


def prices_of(values: Sequence[object]) -> tuple[npt.NDArray[np.float64], Faults]:
    """Prices from any values (numbers, or text such as ``45.2`` or ``$1,200``), with each
    bad one's row."""
    out = np.full(len(values), np.nan)
    problems: Faults = []
    for i, value in enumerate(values):
        if is_blank(value) or not isinstance(value, int | float | str):
            problems.append((i, "price_usd_mwh is blank"))
            continue
        number = number_in(value, money=True)
        if number is None:
            problems.append((i, f"price_usd_mwh must be a number in $/MWh (got {value!r})"))
        else:
            out[i] = number
    return out, problems


def _one_stamp(value: object) -> tuple[int | None, bool]:
    """``(minute, has an offset)``: an instant's UTC minute or a wall time's minute."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return int((value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds()
                       // 60), True
        return int(np.datetime64(value, "m").astype(np.int64)), False
    if isinstance(value, dt.date):  # a spreadsheet's midnight may come as a bare date
        return int(np.datetime64(value, "D").astype("datetime64[m]").astype(np.int64)), False
    if not isinstance(value, str) or not value.strip():
        return None, False
    text = value.strip()
    found = _OFFSET.search(text)
    shift = 0
    if found:
        text = text[:found.start()]
        if not found.group(1):
            sign = -1 if found.group(2) == "-" else 1
            shift = sign * (int(found.group(3)) * 60 + int(found.group(4)))
    try:
        minute = int(np.datetime64(text.replace(" ", "T", 1), "m").astype(np.int64))
    except ValueError:
        return None, False
    return minute - shift, found is not None


def wall_clock(values: Sequence[object], zone: str) -> tuple[Wall, Faults]:
    """Timestamps (datetimes or ISO text) as naive wall-clock ``datetime64[m]`` in ``zone``,
    and each bad one's row.

    Timestamps without an offset are taken as ``zone``'s clock already; with one (``Z``,
    ``-06:00``, a datetime with a time zone) they are converted to it. A column that mixes the
    two is refused value by value (the fewer kind).
    """
    parsed = [_one_stamp(v) for v in values]
    minutes = np.array([m if m is not None else 0 for m, _ in parsed], dtype=np.int64)
    aware = np.array([a for _, a in parsed], dtype=bool)
    ok = np.array([m is not None for m, _ in parsed], dtype=bool)
    mixed = bool(aware[ok].any()) and not bool(aware[ok].all())
    minority = aware if 2 * int(aware[ok].sum()) < int(ok.sum()) else ~aware
    minutes[aware & ok] = to_wall(minutes[aware & ok], zone)
    problems: Faults = []
    for i in np.flatnonzero(~ok | (mixed & minority & ok)).tolist():
        value = values[i]
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append((i, "timestamp is blank"))
        elif ok[i]:
            problems.append((i, f"timestamp {value!s} {'has' if aware[i] else 'lacks'} a UTC "
                             "offset, unlike most rows: give them all one way"))
        else:
            problems.append((i, "timestamp must be a date and time such as 2026-01-01 00:00 "
                             f"(got {value!r})"))
    wall = minutes.astype("datetime64[m]")
    wall[~ok | (mixed & minority)] = np.datetime64("NaT")
    return wall, problems
