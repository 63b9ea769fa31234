"""Write a ``Plan``'s frames as formatted sheets, into a copy of the input workbook or a new one.

The user's own sheets are never changed: only the output sheets are added or replaced, a source
whose content openpyxl cannot carry over (charts, pictures, pivot tables, ...) is refused
before anything is written, and files are replaced atomically and only on request. Nothing here
solves or validates input.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import fractions
import math
import os
import posixpath
import re
import secrets
import shutil
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import AreaChart, BarChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import fromstring

from allocator.errors import InputError, OutputError
from allocator.results.plan import Plan
from allocator.workbook.bulk_rows import STREAM_MIN_ROWS, StreamedTable, stream_tables
from allocator.workbook.safety import check_file
from allocator.workbook.schema import OUTPUT_SHEETS, RESULT_SHEETS

__all__ = [
    "format_header",
    "number_format",
    "save_workbook",
    "set_widths",
    "source_losses",
    "start_workbook",
    "write_frame",
    "write_plan",
]

CHART_TITLE = "Grid MW by use"
TORNADO_SHEET = "Sensitivity"
"""An extra frame of this name (``allocator.insight.sensitivity``) gets a tornado chart."""
TORNADO_TITLE = "NPV change by driver"

USD_FORMAT = "#,##0;[Red]-#,##0"
PRICE_FORMAT = "#,##0.00;[Red]-#,##0.00"
MW_FORMAT = "#,##0.0"
RATE_FORMAT = "#,##0.00"
PCT_FORMAT = "0.0%"
FACTOR_FORMAT = "0.0000"
SECONDS_FORMAT = "0.00"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="DDEBF7")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="8EA9DB"))
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center")

_MAX_TEXT = 32_767  # Excel's limit on characters in a cell
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_WIDTH_SAMPLE = 2_000  # rows of a text column measured for its width

# Fractions shown as percentages although their names carry no ``_pct``.
_FRACTIONS = frozenset(
    {"pool_fee", "discount_rate", "uptime", "hpc_load_factor", "max_hpc_share", "margin_pct"}
)
# ``..._usd_<unit>`` prices small enough to need cents; other ``_usd_`` rates are whole dollars.
_PRICE_UNITS = ("_usd_mwh", "_usd_kw_month", "_usd_ph_day", "_usd_th_day")
# Frozen panes per sheet: keep the header row and the record's key columns in view.
_FREEZE = {"Plan": "C2", "Summary": "B2", "Contract Result": "B2", "Site Value": "B2"}

# Zip entries openpyxl cannot carry from a source workbook to its copy, by what a user calls them.
_UNSUPPORTED_PARTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^xl/charts/chart[^/]*\.xml$"), "charts"),
    (re.compile(r"^xl/chartsheets/[^/]+\.xml$"), "chart sheets"),
    (re.compile(r"^xl/media/[^/]+$"), "images"),
    (re.compile(r"^xl/pivotTables/[^/]+\.xml$"), "pivot tables"),
    (re.compile(r"^xl/slicers/[^/]+\.xml$"), "slicers"),
    (re.compile(r"^xl/slicerCaches/[^/]+\.xml$"), "slicers"),
    (re.compile(r"^xl/timelines/[^/]+\.xml$"), "timelines"),
    (re.compile(r"^xl/embeddings/[^/]+$"), "embedded objects"),
    (re.compile(r"^xl/activeX/[^/]+\.xml$"), "ActiveX controls"),
    (re.compile(r"^xl/ctrlProps/[^/]+\.xml$"), "form controls"),
    (re.compile(r"^xl/threadedComments/[^/]+\.xml$"), "threaded comments"),
)
# Drawing parts are judged by what they anchor: LibreOffice writes empty ones.
_DRAWING_PART = re.compile(r"^xl/drawings/[^/]+\.xml$")
# graphicData of charts and slicers, whose own parts are counted instead.
_DRAWING_CHART_URIS = ("/chart", "/chartex", "/slicer", "/timeslicer")
# openpyxl warnings, while loading, that mean part of a user's sheet would be dropped or altered.
# Its drawing warnings ("... will be lost") are not listed: the zip check already refuses those.
_LOSS_WARNING = re.compile(r"will be (removed|discarded|treated as an error)", re.IGNORECASE)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_FORMULA_PREFIXES = ("=",)  # openpyxl turns only these strings into formulas


# --------------------------------------------------------------------------------- public API


def write_plan(
    plan: Plan,
    path: str | Path,
    *,
    source: str | Path | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the plan's sheets to ``path``, into a copy of ``source`` when given.

    Sheets written, after the user's own: ``Plan``, ``Summary`` (with a chart of grid MW by
    use), ``Contract Result``, ``Site Value``, ``Run Info``, then one sheet per frame in
    ``plan.extra`` (named by its key; a ``Sensitivity`` frame gets a tornado chart). Earlier
    copies of these sheets in ``source`` are replaced; every other sheet is kept as it is,
    formulas included.

    Args:
        plan: The solved plan.
        path: Output workbook: ``.xlsx``, or ``.xlsm`` when ``source`` is ``.xlsm`` (its macros
            are kept).
        source: Input workbook to copy. Without it the output holds only the plan's sheets.
        overwrite: Replace ``path`` if it exists (atomically). Needed as well when ``path`` is
            ``source`` itself.

    Returns:
        The path written.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is false; its suffix does not match;
            ``source`` holds content that would be lost in the copy (charts, pictures, pivot
            tables, ...) or cannot be read; the folder is not writable or the file is locked.
            Nothing is written then.
    """
    target = Path(path)
    _check_extra_names(plan.extra)
    wb = start_workbook(target, source, sheets=list(plan.extra), overwrite=overwrite)

    sheets: list[tuple[str, pd.DataFrame]] = [
        ("Plan", plan.site_months),
        ("Summary", plan.summary),
        ("Contract Result", plan.contracts),
        ("Site Value", plan.site_value),
    ]
    streamed: list[StreamedTable] = []
    for title, frame in sheets:
        ws = wb.create_sheet(title)
        write_frame(ws, frame, freeze=_FREEZE.get(title, "A2"), stream=streamed)
        if title == "Summary":
            _add_mw_chart(ws, frame)
    _write_run_info(wb.create_sheet("Run Info"), plan.run_info.to_frame())
    for title, frame in plan.extra.items():
        ws = wb.create_sheet(title)
        write_frame(ws, frame, freeze="B2", stream=streamed)
        if title == TORNADO_SHEET:
            _add_tornado_chart(ws, frame)

    summary = wb["Summary"]
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is summary
    wb.active = summary
    return save_workbook(wb, target, overwrite=overwrite, stream=streamed)


def source_losses(source: str | Path, replaced: Iterable[str] = RESULT_SHEETS) -> list[str]:
    """What copying ``source`` with openpyxl would lose, as ``"charts (sheet 'Dash')"`` items.

    Content on the sheets in ``replaced`` (an earlier run's output) does not count: those
    sheets are rewritten anyway. Empty drawing parts (LibreOffice writes one per sheet with
    notes) do not count either.

    Raises:
        OutputError: ``source`` is not a readable .xlsx/.xlsm zip.
    """
    src = Path(source)
    skip = {_sheet_key(name) for name in replaced}
    where: dict[str, list[str]] = {}
    try:
        with zipfile.ZipFile(src) as archive:
            closure = {
                name: _reachable(archive, part) for name, part in _sheet_parts(archive).items()
            }
            excused: set[str] = set()
            for name, parts in closure.items():
                if _sheet_key(name) in skip:
                    excused |= parts
            for part in archive.namelist():
                if part in excused:
                    continue
                on = [n for n, ps in closure.items() if part in ps and _sheet_key(n) not in skip]
                for label in _part_labels(archive, part):
                    found = where.setdefault(label, [])
                    found += [n for n in on if n not in found]
    # ParseError is a SyntaxError; defusedxml's refusals are ValueErrors.
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as exc:
        raise OutputError(
            f"Cannot copy {src}: not a readable .xlsx/.xlsm workbook ({exc})"
        ) from exc
    return [
        f"{label} (sheet {', '.join(repr(n) for n in sheets)})" if sheets else label
        for label, sheets in where.items()
    ]


def save_workbook(wb: Workbook, path: str | Path, *, overwrite: bool = False,
                  stream: Sequence[StreamedTable] = ()) -> Path:
    """Save ``wb`` to ``path`` through a temporary file in the same folder, then rename it.

    A reader never sees a half-written file, and a failed save leaves ``path`` as it was.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is false, the folder is missing or not
            writable, or ``path`` is locked by another program.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"Cannot write {target}: folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"Cannot write {target}: it is a folder")
    if target.exists() and not overwrite:
        raise _exists_error(target)
    tmp = _create_temp(target)
    try:
        if target.exists():
            # Keep the replaced file's permission bits (e.g. group-writable shared folders).
            with contextlib.suppress(OSError):
                shutil.copymode(target, tmp)
        try:
            wb.save(str(tmp))
            if stream:
                with zipfile.ZipFile(tmp) as saved:
                    parts = _sheet_parts(saved)
                stream_tables(tmp, list(stream), parts)
        except OSError as exc:
            raise OutputError(f"Cannot write {target}: {_reason(exc)}") from exc
        _move_into_place(tmp, target, overwrite=overwrite)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return target


def write_frame(ws: Worksheet, frame: pd.DataFrame, *, freeze: str | None = "A2",
                stream: list[StreamedTable] | None = None) -> None:
    """Write ``frame`` to the empty sheet ``ws`` as a formatted table.

    Row 1 holds the column names (their unit suffixes are the units); numbers get a format
    chosen by :func:`number_format`; text is always stored as text, never as a formula.
    The header is styled, frozen (at ``freeze``) and filtered, and widths fit the content.

    With ``stream`` (a list the caller hands to :func:`save_workbook`'s ``stream``), a frame
    longer than ``STREAM_MIN_ROWS`` gets only its first data row here; every row is then
    streamed into the saved file, much faster than cell objects.
    """
    headers = [str(col) for col in frame.columns]
    ws.append([_text_cell(ws, h) for h in headers])
    formats = [number_format(h) for h in headers]
    styles = [_number_style(ws, fmt) for fmt in formats]
    rows = frame
    if stream is not None and len(frame) > STREAM_MIN_ROWS:
        stream.append(StreamedTable(ws.title, frame))
        rows = frame.iloc[:1]
    columns = [_column_values(rows.iloc[:, j]) for j in range(rows.shape[1])]
    for row in zip(*columns, strict=True):
        ws.append([_cell(ws, value, style) for value, style in zip(row, styles, strict=True)])
    format_header(ws, len(headers), freeze=freeze)
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(frame) + 1}"
    set_widths(ws, [_width(h, frame.iloc[:, j], formats[j]) for j, h in enumerate(headers)])


def number_format(column: str) -> str | None:
    """The Excel number format for a column, from its unit suffix; ``None`` = General.

    ``_usd`` money ``#,##0;[Red]-#,##0``; per-MWh/kW/PH prices with cents; ``_mw`` one
    decimal; ``_phs``/``_ehs``/``_j_th``/hashprice two decimals; ``_pct``, ``_pa`` and other
    fractions as percent; ``discount_factor`` four decimals; counts General.
    """
    name = column.strip().lower()
    if name == "discount_factor":
        return FACTOR_FORMAT
    if name in _FRACTIONS or name.endswith(("_pct", "_pa", "_share")):
        return PCT_FORMAT
    if "hashprice" in name or name.endswith(("_phs", "_ehs", "_ths", "_j_th", "_th")):
        return RATE_FORMAT
    if name.endswith(_PRICE_UNITS):
        return PRICE_FORMAT
    if name.endswith("_usd") or "_usd_" in name:
        return USD_FORMAT
    if name.endswith("_mw"):
        return MW_FORMAT
    if name.endswith("_seconds"):
        return SECONDS_FORMAT
    return None


def format_header(ws: Worksheet, columns: int, *, freeze: str | None = "A2") -> None:
    """Bold, filled header cells in row 1 and frozen panes at ``freeze``."""
    for j in range(1, columns + 1):
        cell = ws.cell(row=1, column=j)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _HEADER_ALIGN
    if freeze:
        ws.freeze_panes = freeze


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    """Set column widths (characters), first column A."""
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width


# ------------------------------------------------------------------------------ target checks


def _check_target(target: Path, source: Path | None, *, overwrite: bool,
                  separate: str) -> None:
    suffix = target.suffix.lower()
    if source is None:
        if suffix != ".xlsx":
            raise OutputError(
                f"Cannot write {target}: a results-only workbook must be named .xlsx "
                f"(got '{target.suffix or 'no suffix'}')"
            )
    else:
        src_suffix = source.suffix.lower()
        if src_suffix not in (".xlsx", ".xlsm"):
            raise OutputError(
                f"Cannot copy {source}: only .xlsx and .xlsm workbooks can be copied; "
                f"write the results to a separate file instead ({separate})"
            )
        if suffix != src_suffix:
            raise OutputError(
                f"Cannot write {target}: the copy of {source.name} must have the suffix "
                f"{src_suffix} (got '{target.suffix or 'no suffix'}')"
            )
        if not source.is_file():
            raise OutputError(f"Cannot copy {source}: no such file")
        if _same_file(target, source) and not overwrite:
            raise OutputError(
                f"{target} is the input workbook itself; use --overwrite to replace it, "
                "or choose another output file"
            )
    if target.exists() and not overwrite:
        raise _exists_error(target)


def _check_extra_names(extra: dict[str, pd.DataFrame]) -> None:
    """Extra frames need sheet names Excel accepts and that no output sheet already has."""
    taken = {_sheet_key(name) for name in OUTPUT_SHEETS}
    for name in extra:
        bad = _BAD_SHEET_CHARS.search(name)
        if not name.strip() or len(name) > 31 or bad or _sheet_key(name) in taken:
            raise OutputError(
                f"Cannot write plan.extra sheet {name!r}: a sheet name must be 1-31 characters "
                "without []:*?/\\ and differ from the output sheets "
                f"({', '.join(OUTPUT_SHEETS)})"
            )
        taken.add(_sheet_key(name))


def _exists_error(target: Path) -> OutputError:
    return OutputError(f"{target} exists; use --overwrite to replace it")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


# ----------------------------------------------------------------------------- source copying


def start_workbook(path: str | Path, source: str | Path | None, *, sheets: Sequence[str] = (),
                   overwrite: bool = False, separate: str = "--plan-only") -> Workbook:
    """The workbook to write results into: a copy of ``source``, or a new empty one.

    The target is checked first (exists without ``overwrite``, suffix, the source itself).
    The copy keeps every user sheet and drops the tool's earlier result sheets; a user sheet
    named like one of ``sheets`` (beyond the result sheets) is refused, never replaced.

    Args:
        path: Where the result will be saved.
        source: Input workbook to copy, or ``None`` for a results-only workbook.
        sheets: Further sheets the caller will add (e.g. per-scenario plans).
        overwrite: Whether ``path`` may be replaced.
        separate: The command-line flag that writes results alone, named in errors.

    Raises:
        OutputError: the target or the source is refused (see :func:`write_plan`).
    """
    target = Path(path)
    src = Path(source) if source is not None else None
    _check_target(target, src, overwrite=overwrite, separate=separate)
    if src is None:
        wb = Workbook()
        wb.remove(wb.active)
        return wb
    replaced = (*RESULT_SHEETS, *sheets)
    wb = _load_source(src, replaced, separate)
    keys = {_sheet_key(name) for name in replaced}
    for name in list(wb.sheetnames):
        if _sheet_key(name) in keys:
            wb.remove(wb[name])
    return wb


def _load_source(source: Path, replaced: Sequence[str], separate: str) -> Workbook:
    """Load ``source`` for copying, refusing it if the copy would lose anything.

    The reader's guards run first (size, zip bomb, DTD), so a library call that writes into
    a workbook it never read is as safe as the command line.
    """
    try:
        check_file(source)
    except InputError as exc:
        raise OutputError(f"Cannot copy {source}: {exc.problems[0].message}") from exc
    losses = source_losses(source, replaced)
    if losses:
        raise _loss_error(source, losses, separate)
    keep_vba = source.suffix.lower() == ".xlsm"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            wb = load_workbook(source, keep_vba=keep_vba, rich_text=True, keep_links=True)
        except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
            raise OutputError(f"Cannot copy {source}: openpyxl cannot read it ({exc})") from exc
    dropped = [str(w.message) for w in caught if _LOSS_WARNING.search(str(w.message))]
    if dropped:
        raise _loss_error(source, sorted(set(dropped)), separate)
    ours = {_sheet_key(n) for n in RESULT_SHEETS}
    extra = {_sheet_key(n) for n in replaced} - ours
    clash = [n for n in wb.sheetnames if _sheet_key(n) in extra]
    if clash:
        raise OutputError(
            f"Cannot write the plan into a copy of {source.name}: its sheet "
            f"{', '.join(repr(n) for n in clash)} would be replaced by plan output; rename it"
        )
    return wb


def _loss_error(source: Path, losses: Sequence[str], separate: str) -> OutputError:
    return OutputError(
        f"Cannot copy {source.name}: it has content that would be lost in the copy: "
        f"{'; '.join(losses)}. Write the results to a separate file instead ({separate})"
    )


def _part_labels(archive: zipfile.ZipFile, part: str) -> list[str]:
    """What a user would call the content of ``part`` that a copy would lose; ``[]`` = none."""
    if _DRAWING_PART.match(part):
        return _drawing_labels(fromstring(archive.read(part)))
    for pattern, label in _UNSUPPORTED_PARTS:
        if pattern.match(part):
            return [label]
    return []


def _drawing_labels(root: Any) -> list[str]:
    """Pictures, shapes and other graphics anchored in a drawing part (its charts are counted
    from their own parts)."""
    labels: list[str] = []
    for anchor in root:
        elements = list(_iter_choice(anchor))
        names = {_local(el.tag) for el in elements}
        uris = {el.get("uri", "") for el in elements if _local(el.tag) == "graphicData"}
        if "pic" in names:
            labels.append("images")
        if names & {"sp", "cxnSp", "grpSp"}:
            labels.append("shapes or text boxes")
        if "contentPart" in names:
            labels.append("ink drawings")
        if any(not uri.endswith(_DRAWING_CHART_URIS) for uri in uris):
            labels.append("SmartArt or other graphics")
    return list(dict.fromkeys(labels))


def _iter_choice(element: Any) -> Iterator[Any]:
    """``element`` and its descendants, leaving out ``mc:Fallback`` stand-ins (Excel puts a
    text box there for slicers, which is not a shape of the user's)."""
    yield element
    for child in element:
        if _local(child.tag) != "Fallback":
            yield from _iter_choice(child)


def _sheet_key(name: str) -> str:
    return name.strip().casefold()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rels_path(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _targets(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(id, type, zip path) of every internal relationship of ``part`` (``""`` = the package)."""
    rels = _rels_path(part)
    if rels not in archive.NameToInfo:
        return []
    found: list[tuple[str, str, str]] = []
    for rel in fromstring(archive.read(rels)):
        target = rel.get("Target")
        if rel.get("TargetMode") == "External" or not target:
            continue
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
        found.append((rel.get("Id", ""), rel.get("Type", ""), path))
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip path of its part, for worksheets and chart sheets."""
    book = next(
        (path for _, kind, path in _targets(archive, "") if kind.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    rels = {rid: path for rid, _, path in _targets(archive, book)}
    parts: dict[str, str] = {}
    for element in fromstring(archive.read(book)).iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        if rid in rels:
            parts[element.get("name", "")] = rels[rid]
    return parts


def _reachable(archive: zipfile.ZipFile, start: str) -> set[str]:
    """Every part ``start`` refers to, directly or through other parts."""
    seen = {start}
    todo = [start]
    while todo:
        for _, _, target in _targets(archive, todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


# ------------------------------------------------------------------------------------- cells


def _column_values(series: pd.Series[Any]) -> list[object]:
    """A column as plain Python values openpyxl can store; blanks become ``None``."""
    return [_plain(value) for value in series.tolist()]


def _plain(value: object) -> object:
    """One value as a cell value: numpy scalars unboxed, NaN/NA/NaT -> None, inf as text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal | fractions.Fraction):
        value = float(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_localize(None)
        return value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return value
    if isinstance(value, pd.Timedelta):
        return value.to_pytimedelta()
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return str(value)


def _clean_text(text: str) -> str:
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", text)
    return cleaned[:_MAX_TEXT]


def _text_cell(ws: Worksheet, text: str) -> object:
    """``text`` as a value for ``ws.append``, forced to a string cell if it looks like a formula."""
    text = _clean_text(text)
    if not text.startswith(_FORMULA_PREFIXES):
        return text
    cell = Cell(ws, value=text)
    cell.data_type = "s"  # text from the input is shown, never evaluated
    return cell


def _number_style(ws: Worksheet, fmt: str | None) -> StyleArray | None:
    """The style of a cell with number format ``fmt`` (``None`` for General)."""
    if fmt is None:
        return None
    proto = Cell(ws)
    proto.number_format = fmt
    return proto._style


def _cell(ws: Worksheet, value: object, style: StyleArray | None) -> object:
    """``value`` for ``ws.append``: text kept as text, numbers in the column's number style."""
    if isinstance(value, str):
        return _text_cell(ws, value)
    if style is None or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    # A copy per cell: openpyxl changes a cell's style array in place when it is restyled.
    return Cell(ws, value=value, style_array=StyleArray(style))


def _width(header: str, series: pd.Series[Any], fmt: str | None) -> float:
    """Column width in characters: the header or the widest value as displayed."""
    width = len(header)
    if len(series) == 0:
        pass
    elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        finite = pd.to_numeric(series, errors="coerce").replace([np.inf, -np.inf], np.nan)
        biggest = finite.abs().max()
        if pd.notna(biggest):
            width = max(width, len(_shown(float(biggest), fmt)) + 1)  # + 1 for a minus sign
    else:
        text = series.head(_WIDTH_SAMPLE).dropna().map(lambda v: str(_plain(v)))
        if len(text):
            width = max(width, int(text.str.len().max()))
    return float(min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH))


def _shown(value: float, fmt: str | None) -> str:
    if fmt == PCT_FORMAT:
        return f"{value * 100:.1f}%"
    if fmt == USD_FORMAT:
        return f"{value:,.0f}"
    if fmt == MW_FORMAT:
        return f"{value:,.1f}"
    if fmt in (RATE_FORMAT, PRICE_FORMAT, SECONDS_FORMAT):
        return f"{value:,.2f}"
    if fmt == FACTOR_FORMAT:
        return f"{value:.4f}"
    return f"{value:.10g}"


# ------------------------------------------------------------------------- special sheets


def _write_run_info(ws: Worksheet, frame: pd.DataFrame) -> None:
    """Key | value rows; each value formatted by its key's unit suffix."""
    ws.append(["key", "value"])
    widths = [len("key"), len("value")]
    for key, value in frame.itertuples(index=False, name=None):
        value = _plain(value)
        style = _number_style(ws, number_format(str(key)))
        ws.append([_text_cell(ws, str(key)), _cell(ws, value, style)])
        widths[0] = max(widths[0], len(str(key)))
        shown = _shown(value, number_format(str(key))) if isinstance(value, float) else value
        widths[1] = max(widths[1], len(str(shown if shown is not None else "")))
    format_header(ws, 2, freeze="A2")
    ws.auto_filter.ref = f"A1:B{len(frame) + 1}"
    set_widths(ws, [min(max(w + 2, _MIN_WIDTH), 100) for w in widths])


def _add_mw_chart(ws: Worksheet, summary: pd.DataFrame) -> None:
    """A stacked area chart of grid MW by use and month, right of the Summary table."""
    columns = list(map(str, summary.columns))
    if summary.empty or "month" not in columns:
        return
    mining = "mining_grid_mw" if "mining_grid_mw" in columns else "mining_mw"
    uses = [(mining, "Mining"), ("hpc_grid_mw", "HPC"), ("idle_mw", "Idle")]
    last_row = len(summary) + 1
    chart = AreaChart()
    chart.grouping = "stacked"
    chart.title = CHART_TITLE
    chart.style = 10
    for column, label in uses:
        if column in columns:
            col = columns.index(column) + 1
            values = Reference(ws, min_col=col, min_row=2, max_row=last_row)
            chart.series.append(Series(values, title=label))
    if not chart.series:
        return
    month = columns.index("month") + 1
    months = Reference(ws, min_col=month, min_row=2, max_row=last_row)
    for series in chart.series:
        # Months are text: a string reference, so Excel labels the axis 2026-01, not 1, 2, 3.
        series.cat = AxDataSource(strRef=StrRef(f=str(months)))
    chart.x_axis.axPos = "b"
    chart.x_axis.title = "Month"
    chart.y_axis.title = "Grid MW"
    chart.y_axis.number_format = "#,##0"
    _place_chart(ws, chart, len(columns), width=24, height=12)


def _place_chart(ws: Worksheet, chart: Any, table_columns: int, *, width: float,
                 height: float) -> None:
    """Common finish: no gridlines, visible axes, legend below, right of the table."""
    chart.y_axis.majorGridlines = None
    # openpyxl >= 3.1 hides axes unless told otherwise.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    chart.width = width
    chart.height = height
    ws.add_chart(chart, f"{get_column_letter(table_columns + 2)}2")


def _add_tornado_chart(ws: Worksheet, frame: pd.DataFrame) -> None:
    """A tornado chart right of the Sensitivity table: one bar pair per driver.

    Horizontal clustered bars of the NPV change at the low and the high value of each driver,
    overlapped so each driver is one band; the rows come sorted by swing, and the category
    axis runs top-down so the widest band is on top.
    """
    columns = list(map(str, frame.columns))
    needed = ("driver", "low_npv_change_usd", "high_npv_change_usd")
    if frame.empty or any(c not in columns for c in needed):
        return
    last_row = len(frame) + 1
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.overlap = 100
    chart.gapWidth = 40
    chart.title = TORNADO_TITLE
    chart.style = 10
    for column, label, color in (("low_npv_change_usd", "low", "C0504D"),
                                 ("high_npv_change_usd", "high", "4F81BD")):
        col = columns.index(column) + 1
        values = Reference(ws, min_col=col, min_row=2, max_row=last_row)
        series = Series(values, title=_tornado_label(frame, label))
        series.graphicalProperties.solidFill = color
        series.graphicalProperties.line.solidFill = color
        chart.series.append(series)
    drivers = Reference(ws, min_col=columns.index("driver") + 1, min_row=2, max_row=last_row)
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(drivers)))
    chart.x_axis.scaling.orientation = "maxMin"  # first row (largest swing) on top
    chart.x_axis.tickLblPos = "low"  # driver names left of the bars, clear of negative ones
    chart.x_axis.axPos = "l"
    chart.y_axis.axPos = "b"
    chart.y_axis.crosses = "max"  # with the categories reversed, keeps the USD axis below
    chart.y_axis.title = "NPV change, USD"
    chart.y_axis.number_format = '#,##0.0,,"M"'
    _place_chart(ws, chart, len(columns), width=20, height=max(7.5, 1.5 * len(frame) + 4))


def _tornado_label(frame: pd.DataFrame, side: str) -> str:
    """``"-10%"``-style series name from the frame's ``<side>_change_pct``, else the side."""
    column = f"{side}_change_pct"
    if column in frame.columns:
        value = pd.to_numeric(frame[column], errors="coerce").dropna()
        if len(value):
            return f"{float(value.iloc[0]):+.0%}"
    return side


# ------------------------------------------------------------------------------ file system


def _create_temp(target: Path) -> Path:
    """An empty temp file beside ``target``; permissions follow the umask like a new file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, flags, 0o666))
        except FileExistsError:
            continue
        except PermissionError as exc:
            raise OutputError(
                f"Cannot write {target}: no permission to create files in {target.parent}"
            ) from exc
        except OSError as exc:
            raise OutputError(f"Cannot write {target}: {_reason(exc)}") from exc
        return tmp
    raise OutputError(f"Cannot write {target}: no free temporary file name in {target.parent}")


def _move_into_place(tmp: Path, target: Path, *, overwrite: bool) -> None:
    """Rename ``tmp`` to ``target``; without ``overwrite`` never replace a file that appeared."""
    try:
        if not overwrite:
            try:
                os.link(tmp, target)  # atomic "create if absent"
                return
            except FileExistsError:
                raise _exists_error(target) from None
            except OSError:
                pass  # no hard links on this file system; the check above must do
            if target.exists():
                raise _exists_error(target)
        os.replace(tmp, target)
    except PermissionError as exc:
        raise OutputError(
            f"Cannot write {target}: permission denied; it may be open in another program "
            "(close it in Excel) or read-only"
        ) from exc
    except OSError as exc:
        raise OutputError(f"Cannot write {target}: {_reason(exc)}") from exc


def _reason(exc: OSError) -> str:
    return str(exc.strerror or exc)
