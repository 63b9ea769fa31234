"""Read a fleet's hourly prices (HourlyPrices sheet and/or ``hourly_prices_file``) into it.

The prices are parsed and normalized by :mod:`allocator.power` (files with pyarrow); this
module finds them, tells each fault by its cell (``HourlyPrices!B5``) or file line
(``prices.csv line 7``), and puts the binned curves on the fleet (``Fleet.price_curves``).
Every fault is collected in the reader's :class:`~allocator.workbook.tables.Report`, so they
come with the workbook's other faults, all at once.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from allocator.domain import Fleet, PriceCurve
from allocator.periods import month_range
from allocator.power.ancillary import ANCILLARY_COLUMN, ancillary_of, with_ancillary
from allocator.power.curve import DEFAULT_BINS
from allocator.power.files import (
    EMERGENCY_COLUMN,
    PEAK_COLUMN,
    PriceFileError,
    factorize,
    prices_of,
    read_price_file,
    wall_clock,
)
from allocator.power.four_cp import FOUR_CP_MONTHS
from allocator.power.load_peaks import LOAD_COLUMN, eligible_months, load_peak_flags, loads_of
from allocator.power.loading import price_curves
from allocator.power.peaks import flags_of, peak_prices
from allocator.power.series import Normalized, normalize_series
from allocator.workbook.cells import cell_address, is_blank
from allocator.workbook.scans import SheetFacts
from allocator.workbook.schema import HOURLY_PRICES_SHEET, sheet_spec
from allocator.workbook.tables import Report, Rows, match_key

__all__ = ["read_hourly_prices"]

_Place = Mapping[tuple[str, str, str], tuple[str, str]]


@dataclass
class _Part:
    """One source's rows: sites, wall-clock times, prices, and where row ``i`` is."""

    sites: list[str]  # each row's site, or "" where blank
    wall: npt.NDArray[np.datetime64]
    prices: npt.NDArray[np.float64]
    where: Callable[[int, str], tuple[str, str | None]]  # row, column -> (sheet/line, cell)
    peak: npt.NDArray[np.bool_]  # each row's four_cp_peak flag
    emergency: npt.NDArray[np.bool_]  # each row's emergency_curtailment flag
    load: npt.NDArray[np.float64] | None = None  # each row's load_mw, without the column None
    ancillary: npt.NDArray[np.float64] | None = None  # ancillary_usd_mw_h, None without it


def read_hourly_prices(fleet: Fleet, sheet: tuple[str, Rows, SheetFacts] | None,
                       folder: Path, places: _Place, report: Report) -> Fleet:
    """``fleet`` with the curves of its hourly prices; faults go to ``report``.

    Args:
        fleet: The fleet read from the other sheets.
        sheet: The HourlyPrices sheet as loaded (name, rows, facts), if any.
        folder: The workbook's folder, which ``hourly_prices_file`` is relative to.
        places: The reader's cells of records, to tell the Settings cell.
        report: Where faults and warnings go.
    """
    st = fleet.settings
    settings_at = places.get(("Settings", "", "hourly_prices_file"), ("Settings", None))
    zone = st.hourly_prices_timezone
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        cell = places.get(("Settings", "", "hourly_prices_timezone"), ("Settings", None))
        report.problem(cell[0], f"hourly_prices_timezone '{zone}' is not a time zone; give an "
                       "IANA name such as America/Chicago, or UTC", cell[1],
                       "hourly_prices_timezone")
        return fleet
    parts: list[_Part] = []
    if sheet is not None:
        part = _sheet_part(sheet, zone, report)
        if part is not None:
            parts.append(part)
    if st.hourly_prices_file:
        part = _file_part(folder / st.hourly_prices_file, zone, settings_at, report)
        if part is not None:
            parts.append(part)
    if not parts:
        return fleet
    candidates_at = places.get(("Settings", "", "four_cp_candidate_hours"), ("Settings", None))
    return _attach(fleet, parts, zone, report, candidates_at)


def _sheet_part(sheet: tuple[str, Rows, SheetFacts], zone: str, report: Report
                ) -> _Part | None:
    """The HourlyPrices sheet's rows; each unreadable cell reported at its address."""
    name, rows, _ = sheet
    spec = sheet_spec(HOURLY_PRICES_SHEET)
    header = rows[0] if rows else []
    index = {match_key(h): i for i, h in enumerate(header) if not is_blank(h)}
    columns = {col.field: index.get(match_key(col.header)) for col in spec.columns}
    required = {col.field for col in spec.columns if col.required}
    missing = [f for f, i in columns.items() if i is None and f in required]
    body = [r for r in rows[1:]]
    if missing and (body or header):
        for field in missing:
            report.problem(name, f"required column '{field}' is missing", "1:1", field)
        return None
    numbers = [n for n, r in enumerate(body, start=2) if any(not is_blank(v) for v in r)]
    if not numbers:
        return None

    def cells(field: str) -> list[object]:
        i = columns[field]
        if i is None:  # an optional column left out
            return [None] * len(numbers)
        return [rows[n - 1][i] if i < len(rows[n - 1]) else None for n in numbers]

    letter = {f: cell_address(1, i)[:-1] for f, i in columns.items() if i is not None}
    sites = [str(v).strip() if not is_blank(v) else "" for v in cells("site")]
    wall, stamp_faults = wall_clock(cells("timestamp"), zone)
    prices, price_faults = prices_of(cells("price_usd_mwh"))
    peak, peak_faults = flags_of(cells(PEAK_COLUMN))
    emergency, emergency_faults = flags_of(cells(EMERGENCY_COLUMN), EMERGENCY_COLUMN)
    load, load_faults = (loads_of(cells(LOAD_COLUMN)) if columns.get(LOAD_COLUMN) is not None
                         else (None, []))
    ancillary, ancillary_faults = (ancillary_of(cells(ANCILLARY_COLUMN))
                                   if columns.get(ANCILLARY_COLUMN) is not None else (None, []))
    for faults, field in ((stamp_faults, "timestamp"), (price_faults, "price_usd_mwh"),
                          (peak_faults, PEAK_COLUMN), (emergency_faults, EMERGENCY_COLUMN),
                          (load_faults, LOAD_COLUMN), (ancillary_faults, ANCILLARY_COLUMN)):
        for i, message in faults:
            report.problem(name, message, f"{letter[field]}{numbers[i]}", field)
    for i in [k for k, site in enumerate(sites) if not site]:
        report.problem(name, "site is required", f"{letter['site']}{numbers[i]}", "site")

    def where(i: int, field: str) -> tuple[str, str | None]:
        return name, f"{letter[field]}{numbers[i]}" if i >= 0 else None

    return _Part(sites, wall, prices, where, peak, emergency, load, ancillary)


def _file_part(path: Path, zone: str, settings_at: tuple[str, str | None], report: Report
               ) -> _Part | None:
    """The price file's rows; a file that cannot be read at all is one fault at the setting."""
    try:
        table = read_price_file(path, zone)
    except PriceFileError as exc:
        report.problem(settings_at[0], f"hourly_prices_file {path.name} {exc}", settings_at[1],
                       "hourly_prices_file")
        return None
    label = path.name

    def where(i: int, field: str) -> tuple[str, str | None]:
        del field  # a line holds every column
        return (f"{label} line {i + 2}" if i >= 0 else label), None

    for i, message in table.problems:
        report.problem(where(i, "")[0], message)
    none = np.zeros(len(table.prices), dtype=bool)
    return _Part([table.site_names[c] for c in table.site_codes.tolist()], table.wall,
                 table.prices, where, table.peak if table.peak is not None else none,
                 table.emergency if table.emergency is not None else none, table.load,
                 table.ancillary)


def _attach(fleet: Fleet, parts: list[_Part], zone: str, report: Report,
            candidates_at: tuple[str, str | None]) -> Fleet:
    """Normalize every part's rows, check the plan's months, and put the curves on."""
    known = [s.name for s in fleet.sites]
    codes, names = factorize([site for p in parts for site in p.sites])
    offsets = np.cumsum([0, *(len(p.sites) for p in parts)])

    def where(i: int, field: str = "timestamp") -> tuple[str, str | None]:
        k = int(np.searchsorted(offsets, max(i, 0), side="right")) - 1
        return parts[k].where(i - int(offsets[k]) if i >= 0 else -1, field)

    def label(i: int) -> str:
        sheet, cell = where(i)
        return f"{sheet}!{cell}" if cell else sheet

    for code, name in enumerate(names):
        if name and name not in known:
            first = int(np.flatnonzero(codes == code)[0])
            sheet, cell = where(first, "site")
            report.problem(sheet, f"hourly prices for unknown site '{name}'; sites: "
                           f"{', '.join(known)}", cell, "site" if cell else None)
    wall = np.concatenate([p.wall for p in parts])
    prices = np.concatenate([p.prices for p in parts])
    peak = np.concatenate([p.peak for p in parts])
    load = _check_candidates(fleet, parts, peak, candidates_at, report)
    normalized = normalize_series(codes, names, wall,
                                  prices, zone, readable=~np.isnat(wall), label=label)
    for i, field, message in normalized.problems:
        sheet, cell = where(i, field) if i >= 0 else (where(0)[0].split(" line ")[0], None)
        report.problem(sheet, message, cell, field if cell else None)
    if normalized.problems or report.problems:
        return fleet  # a series with faults: what it covers is not yet known
    st = fleet.settings
    with_prices = [n for n in names if n in known]
    made = price_curves(normalized, with_prices, month_range(st.start_month, st.months),
                        st.hourly_prices_fill, DEFAULT_BINS)
    for message in made.problems:
        report.problem(where(0)[0].split(" line ")[0], message)
    report.warnings.extend(made.warnings)
    if report.problems:
        return fleet
    curves = tuple(c for c in made.curves if c.site in known)
    if load is not None and st.four_cp_candidate_hours is not None:
        peak = load_peak_flags(codes, names, wall, load, st.four_cp_candidate_hours, {
            key: normalized.months[key].hours_per_interval for key in eligible_months(
                [(c.site, c.month) for c in curves], [s.name for s in fleet.sites
                                                      if s.four_cp_usd_kw_year is not None],
                FOUR_CP_MONTHS)})
    peaks = peak_prices(codes, names, wall, prices, peak)
    if peaks:
        curves = _with_peaks(fleet, curves, peaks, normalized, report,
                             st.four_cp_candidate_hours if load is not None else None)
    emergency = np.concatenate([p.emergency for p in parts])
    emergencies = peak_prices(codes, names, wall, prices, emergency)
    if emergencies:
        curves = _with_emergencies(curves, emergencies, normalized, report)
    if any(p.ancillary is not None for p in parts):  # binned again by price less credit
        ancillary = np.concatenate([p.ancillary if p.ancillary is not None
                                    else np.zeros(len(p.prices)) for p in parts])
        curves = with_ancillary(curves, normalized, codes, names, wall, ancillary,
                                peak, emergency, zone, DEFAULT_BINS)
    return fleet.model_copy(update={"price_curves": curves})


def _check_candidates(fleet: Fleet, parts: list[_Part], peak: npt.NDArray[np.bool_],
                      at: tuple[str, str | None], report: Report
                      ) -> npt.NDArray[np.float64] | None:
    """Every row's load (``nan`` where none), or ``None`` where no source has the column; a
    count without a load column, or beside ``four_cp_peak`` flags, is a fault at the
    Settings cell, a load column without the count a warning."""
    hours = fleet.settings.four_cp_candidate_hours
    if all(p.load is None for p in parts):
        if hours is not None:
            report.problem(at[0], f"four_cp_candidate_hours {hours} needs a load_mw column "
                           "in the HourlyPrices sheet or hourly_prices_file", at[1],
                           "four_cp_candidate_hours")
        return None
    if hours is None:
        report.warnings.append("load_mw of the hourly prices is ignored: set Settings "
                               "four_cp_candidate_hours to pick 4CP candidates from it")
    elif peak.any():
        report.problem(at[0], "four_cp_candidate_hours picks the candidate 4CP peaks from "
                       "load_mw, but four_cp_peak rows are given too: use one or the other",
                       at[1], "four_cp_candidate_hours")
    return np.concatenate([p.load if p.load is not None else np.full(len(p.prices), np.nan)
                           for p in parts])


def _with_emergencies(curves: tuple[PriceCurve, ...], found: dict[tuple[str, str], list[float]],
                      normalized: Normalized, report: Report) -> tuple[PriceCurve, ...]:
    """``curves`` with each month's emergency intervals; flags in a month not priced from
    its hourly prices are a warning."""
    have = {(c.site, c.month) for c in curves}
    ignored = [f"{s} {m}" for s, m in sorted(found) if (s, m) not in have]
    if ignored:
        report.warnings.append("emergency_curtailment rows of " + ", ".join(ignored) + " are "
                               "ignored: those months are not priced from hourly prices")
    out = []
    for curve in curves:
        prices = found.get((curve.site, curve.month))
        if prices is None:
            out.append(curve)
            continue
        step = normalized.months[curve.site, curve.month].hours_per_interval
        out.append(curve.model_copy(update={"emergency_hours": tuple([step] * len(prices)),
                                            "emergency_price_usd_mwh": tuple(prices)}))
    return tuple(out)


def _with_peaks(fleet: Fleet, curves: tuple[PriceCurve, ...],
                peaks: dict[tuple[str, str], list[float]], normalized: Normalized,
                report: Report, picked: int | None = None) -> tuple[PriceCurve, ...]:
    """``curves`` with each month's candidate 4CP peak intervals; flags that cannot count
    (no tariff, outside June to September, a month not on hourly prices) are warnings.
    ``picked`` is the four_cp_candidate_hours that chose them from load_mw, if it did."""
    have = {(c.site, c.month) for c in curves}
    ignored: list[str] = []
    for site, month in sorted(peaks):
        tariff = fleet.site(site).four_cp_usd_kw_year
        if (site, month) not in have or tariff is None or month[5:7] not in FOUR_CP_MONTHS:
            ignored.append(f"{site} {month}")
    if ignored:
        report.warnings.append(
            "four_cp_peak rows of " + ", ".join(ignored) + " are ignored: candidate peak "
            "intervals count in June to September, at a site with four_cp_usd_kw_year, in a "
            "month priced from its hourly prices")
    out = []
    for curve in curves:
        found = peaks.get((curve.site, curve.month))
        if found is None or f"{curve.site} {curve.month}" in ignored:
            out.append(curve)
            continue
        step = normalized.months[curve.site, curve.month].hours_per_interval
        out.append(curve.model_copy(update={"peak_hours": tuple([step] * len(found)),
                                            "peak_price_usd_mwh": tuple(found),
                                            "peaks_from_load_hours": picked}))
    return tuple(out)
