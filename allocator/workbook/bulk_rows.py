"""Stream the rows of long tables straight into a saved workbook's sheet XML; it knows no solver.

openpyxl makes a Python object per cell, which costs seconds per 100,000 cells. For a long
table the writer lets openpyxl write the header and the first data row (so the sheet, its
styles, widths, filter and frozen panes are all openpyxl's), then this module replaces that
first row with every row of the frame, written as XML text in the same cell styles, while the
saved file is copied to its final temporary file (never rewritten in place). Text is written as
inline strings, never as formulas. No PuLP, no solver here.
"""

from __future__ import annotations

import itertools
import math
import queue
import re
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from allocator.workbook.deflate_parts import Deflated, deflate, write_parts
from allocator.workbook.row_worker import Child, can_fork

__all__ = ["STREAM_MIN_ROWS", "StreamedTable", "fill_table", "stream_tables", "table_chunks",
           "write_table"]

STREAM_MIN_ROWS = 20
"""Frames longer than this are streamed; shorter ones are written cell by cell by openpyxl.

Streaming is about 5x faster than openpyxl's cell objects already at the sample's 420-row Plan
(a whole in-process ``optimize`` of the sample: 1.15 s -> 0.21 s), and its numbers are Python's
shortest exact repr where openpyxl rounds to 16 digits, so only the last digit of a few cells
differs (3935.9999999999995 where openpyxl wrote 3936); formats and styles are the same."""

_BLOCK_ROWS = 4096  # rows made and deflated at a time
_QUEUED_BLOCKS = 4  # blocks made but not yet written, at most
_HERE_SHARE = 0.5  # of a forked table's rows, made in this process (the rest in the child)
_CHILD_GRACE_S = 30.0  # the child's half takes about as long as this process's: beyond this
_CHILD_SLACK = 10.0  # plus ten times that, it is taken for hung, killed and made here
_ZIP64_CELLS = 8_000_000  # a sheet this large may pass 2 GiB of XML: its entry is zip64

_MAX_TEXT = 32_767
_ROW2 = re.compile(r'<row r="2"[^>]*>.*?</row>', re.S)
_CELL_STYLE = re.compile(r'<c r="([A-Z]+)2"([^>]*?)(/?)>')
_STYLE_ATTR = re.compile(r'\bs="(\d+)"')
_DIMENSION = re.compile(r'<dimension ref="[^"]*"\s*/>')


@dataclass(frozen=True)
class StreamedTable:
    """A sheet whose rows 2.. are to be streamed from ``frame`` after openpyxl saved it."""

    sheet: str
    frame: pd.DataFrame


def stream_tables(source: Path, dest: Path, tables: Sequence[StreamedTable],
                  sheet_parts: dict[str, str]) -> None:
    """Write ``source`` (an .xlsx openpyxl just saved) to ``dest`` with every row of each table.

    Args:
        source: The saved workbook; left as it is.
        dest: Where the workbook with the rows goes (an existing file is overwritten).
        tables: Sheets whose second row is a placeholder for the frame's rows.
        sheet_parts: Sheet name -> zip part, from the saved workbook.
    """
    by_part = {sheet_parts[t.sheet]: t for t in tables}
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            table = by_part.get(info.filename)
            if table is None:
                dst.writestr(info, data, compress_type=info.compress_type)
                continue
            # fast deflate: these parts are large and compress well even at level 1
            write_table(dst, info, data, table.frame, level=1)


def fill_table(xml: bytes, frame: pd.DataFrame) -> bytes:
    """Sheet XML with its placeholder row 2 replaced by every row of ``frame``.

    The cells of row 2 give each column's style; the dimension is set to the full table.

    Raises:
        ValueError: the sheet has no placeholder row 2.
    """
    return b"".join(table_chunks(xml, frame))


def table_chunks(xml: bytes, frame: pd.DataFrame) -> Iterator[bytes]:
    """:func:`fill_table` in pieces: the head, blocks of rows, the tail (checked at once).

    Raises:
        ValueError: the sheet has no placeholder row 2.
    """
    head, styles, tail = _split(xml, frame)
    return itertools.chain([head], _row_blocks(frame, styles), [tail])


def _split(xml: bytes, frame: pd.DataFrame) -> tuple[bytes, dict[str, str], bytes]:
    """The sheet before its placeholder row (dimension set to the full table), the style of
    each column's cell in that row, and the sheet after the row."""
    text = xml.decode("utf-8")
    match = _ROW2.search(text)
    if match is None:
        raise ValueError("the streamed sheet has no placeholder row 2")
    styles: dict[str, str] = {}
    for letter, attrs, _ in _CELL_STYLE.findall(match.group(0)):
        style = _STYLE_ATTR.search(attrs)
        if style:
            styles[letter] = style.group(1)
    last = f"{get_column_letter(max(frame.shape[1], 1))}{len(frame) + 1}"
    # the dimension comes before the rows: only the head is searched, never the table
    head = _DIMENSION.sub(f'<dimension ref="A1:{last}"/>', text[: match.start()], count=1)
    return head.encode("utf-8"), styles, text[match.end():].encode("utf-8")


def _row_blocks(frame: pd.DataFrame, styles: dict[str, str], *,
                first: int = 2) -> Iterator[bytes]:
    return (rows.encode("utf-8") for rows in _rows(frame, styles, first))


def write_table(archive: zipfile.ZipFile, name: str | zipfile.ZipInfo, xml: bytes,
                frame: pd.DataFrame, *, level: int = 1) -> None:
    """Write entry ``name`` of ``archive``: ``xml`` filled with ``frame`` (:func:`fill_table`).

    A large table's rows are made in a child process while this one deflates them
    (:mod:`allocator.workbook.row_worker`); otherwise they are made in blocks on this thread
    while another deflates and writes the blocks before. The whole sheet is never held in
    memory. The entry is what ``archive.writestr(name, fill_table(xml, frame),
    compresslevel=level)`` writes.

    Raises:
        ValueError: the sheet has no placeholder row 2 (before anything is written).
        OSError: writing failed (a child process that fails or hangs has its rows made
            here instead).
    """
    head, styles, tail = _split(xml, frame)
    if isinstance(name, zipfile.ZipInfo):  # its name, date and attributes, like writestr
        entry = zipfile.ZipInfo(name.filename, date_time=name.date_time)
        entry.external_attr = name.external_attr
    else:
        entry = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
        entry.external_attr = 0o600 << 16  # as writestr sets it
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry._compresslevel = level  # type: ignore[attr-defined]  # what writestr sets
    with archive.open(entry, "w", force_zip64=frame.size > _ZIP64_CELLS) as stream:
        if can_fork(frame.size):
            write_parts(stream, _deflate_halves(head, styles, tail, frame, level))
            return
        stream.write(head)
        _deflate_beside(_row_blocks(frame, styles), stream)
        stream.write(tail)


def _deflate_halves(head: bytes, styles: dict[str, str], tail: bytes, frame: pd.DataFrame,
                    level: int) -> list[Deflated]:
    """The sheet deflated in three parts: the head and the first rows here, the other rows
    in a child process at the same time, then the tail (:mod:`allocator.workbook.row_worker`,
    :mod:`allocator.workbook.deflate_parts`). Where no child can be started (no process or
    pipe to be had), the whole sheet is one part made here."""
    cut = int(len(frame) * _HERE_SHARE)
    try:
        child = Child(lambda: deflate(_row_blocks(frame.iloc[cut:], styles, first=cut + 2),
                                      level=level, final=False).to_bytes())
    except OSError:
        return [deflate(itertools.chain([head], _row_blocks(frame, styles), [tail]),
                        level=level, final=True)]
    started = time.perf_counter()
    try:
        mine = deflate(itertools.chain([head], _row_blocks(frame.iloc[:cut], styles)),
                       level=level, final=False)
    except BaseException:
        child.stop()
        raise
    wait_s = _CHILD_GRACE_S + _CHILD_SLACK * (time.perf_counter() - started)
    try:
        theirs = Deflated.from_bytes(child.result(wait_s))
    except OSError:  # the child failed, was killed or hangs: its half is made here instead
        theirs = deflate(_row_blocks(frame.iloc[cut:], styles, first=cut + 2), level=level,
                         final=False)
    return [mine, theirs, deflate([tail], level=level, final=True)]


def _deflate_beside(chunks: Iterator[bytes], stream: IO[bytes]) -> None:
    """Write ``chunks`` to ``stream`` on a second thread while the next ones are made."""
    waiting: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUED_BLOCKS)
    with ThreadPoolExecutor(1, thread_name_prefix="deflate") as pool:
        written = pool.submit(_drain, waiting, stream)
        try:
            for chunk in chunks:
                waiting.put(chunk)
        finally:
            waiting.put(None)
        written.result()


def _drain(waiting: queue.Queue[bytes | None], stream: IO[bytes]) -> None:
    """Write blocks until ``None``; after a failed write keep taking them (so the maker never
    waits on a full queue), then raise the failure."""
    failure: BaseException | None = None
    while (chunk := waiting.get()) is not None:
        if failure is None:
            try:
                stream.write(chunk)
            except BaseException as exc:  # re-raised below, on the caller's thread
                failure = exc
    if failure is not None:
        raise failure


# What a cell holds, and so how it is written: nothing, a number, a true/false, text, text
# with leading or trailing space (kept), and text without the column's style (an infinite
# number, written as "inf" or "-inf").
_EMPTY, _NUMBER, _BOOL, _TEXT, _SPACED, _BARE = range(6)


def _rows(frame: pd.DataFrame, styles: dict[str, str], first: int) -> Iterator[str]:
    """Every row's XML, in blocks of rows, the first numbered ``first``.

    Each column's cells are made at once, as two pieces around the row number: the cell's
    start (``<c r="A``, none for an empty cell) and its end (style, type and value, made once
    per distinct value). A block is then a grid of pieces, row by row, joined by one
    ``str.join``, so no Python code runs per row or per cell."""
    n, width = frame.shape
    if n == 0 or width == 0:
        return
    columns = [_cells(frame.iloc[:, j], get_column_letter(j + 1), styles)
               for j in range(width)]
    numbers = np.arange(first, first + n).astype(str).astype(object)
    for start in range(0, n, _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, n)
        grid = np.empty((stop - start, 3 * width + 4), dtype=object)
        grid[:, 0], grid[:, 2], grid[:, -1] = '<row r="', '">', "</row>"
        grid[:, 1] = numbers[start:stop]
        for j, (opening, ends, empty) in enumerate(columns):
            grid[:, 3 * j + 3] = opening
            grid[:, 3 * j + 4] = numbers[start:stop]
            grid[:, 3 * j + 5] = ends[start:stop]
            if empty is not None and (gaps := empty[start:stop]).any():
                grid[gaps, 3 * j + 3: 3 * j + 5] = ""
        yield "".join(grid.ravel().tolist())


def _cells(series: pd.Series, letter: str, styles: dict[str, str]) -> tuple[str, np.ndarray,
                                                                            np.ndarray | None]:
    """One column's cells: the start of a cell, each cell's end, and which cells are empty
    (``None`` when none is)."""
    style = f' s="{styles[letter]}"' if letter in styles else ""
    inline = f'{style} t="inlineStr"><is><t'
    around = [("", ""),
              (f'"{style}><v>', "</v></c>"),
              (f'"{style} t="b"><v>', "</v></c>"),
              (f'"{inline}>', "</t></is></c>"),
              (f'"{inline} xml:space="preserve">', "</t></is></c>"),
              ('" t="inlineStr"><is><t>', "</t></is></c>")]
    codes, kinds, ends = _column(series, around)
    empty = np.append(kinds == _EMPTY, True)[codes]  # code -1, a missing value, is empty
    return f'<c r="{letter}', ends[codes], empty if empty.any() else None


def _column(series: pd.Series, around: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray,
                                                                      np.ndarray]:
    """Each cell's code (-1 for missing) into the column's distinct values, those values'
    kinds, and their cell ends (``around`` each kind's text, escaped), with an empty end last
    for code -1.

    Plan columns repeat their values (a month's price at every site, whole megawatts), so
    numbers and text are made once per distinct value."""
    if series.dtype == np.bool_:
        codes = series.to_numpy().astype(np.intp)
        return codes, *_ends(np.full(2, _BOOL, dtype=np.int8), ["0", "1"], around)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        codes, seen = pd.factorize(series.to_numpy(dtype=float))
        return codes, *_numbers(np.asarray(seen, dtype=float), around)
    if isinstance(series.dtype, pd.StringDtype):  # str or missing, nothing else
        codes, words = pd.factorize(series)
        made = [_text(str(value)) for value in words]
        return codes, *_ends(np.array([k for k, _ in made], dtype=np.int8),
                             [t for _, t in made], around)
    memo: dict[str, int] = {}
    found: list[tuple[int, str]] = []
    codes_of: list[int] = []
    for value in series.tolist():
        if type(value) is str:
            code = memo.get(value)
            if code is None:
                code = memo[value] = len(found)
                found.append(_text(value))
        else:
            code = len(found)
            found.append(_scalar(value))
        codes_of.append(code)
    return np.array(codes_of, dtype=np.intp), *_ends(
        np.array([k for k, _ in found], dtype=np.int8), [t for _, t in found], around)


def _ends(kinds: np.ndarray, texts: list[str], around: list[tuple[str, str]]
          ) -> tuple[np.ndarray, np.ndarray]:
    made = [around[k][0] + text + around[k][1] if k != _EMPTY else ""
            for k, text in zip(kinds.tolist(), texts, strict=True)]
    return kinds, np.array([*made, ""], dtype=object)


def _numbers(values: np.ndarray, around: list[tuple[str, str]]) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Whole numbers below 1e15 as integers, others as Python's shortest repr, infinities
    as text, NaN empty; each made into its cell's end at once."""
    kinds = np.full(len(values), _NUMBER, dtype=np.int8)
    ends = np.full(len(values) + 1, "", dtype=object)
    missing, infinite = np.isnan(values), np.isinf(values)
    kinds[missing] = _EMPTY
    kinds[infinite] = _BARE
    pre, post = around[_BARE]
    ends[:-1][infinite] = [f"{pre}{'inf' if v > 0 else '-inf'}{post}"
                           for v in values[infinite].tolist()]
    finite = ~(missing | infinite)
    with np.errstate(invalid="ignore"):
        whole = finite & (np.trunc(values) == values) & (np.abs(values) < 1e15)
    pre, post = around[_NUMBER]
    ends[:-1][whole] = _objects(f"{pre}{v}{post}" for v in values[whole].astype(np.int64).tolist())
    rest = finite & ~whole
    ends[:-1][rest] = _objects(f"{pre}{v!r}{post}" for v in values[rest].tolist())
    return kinds, ends


def _objects(texts: Iterable[str]) -> np.ndarray:
    return np.fromiter(texts, dtype=object)


def _scalar(value: object) -> tuple[int, str]:
    """A cell of a column that is not all numbers: what the value is decides its kind."""
    if value is None or value is pd.NA or value is pd.NaT:
        return _EMPTY, ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return _BOOL, str(int(value))
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return _EMPTY, ""
        if math.isinf(number):
            return _BARE, "inf" if number > 0 else "-inf"
        if number.is_integer() and abs(number) < 1e15:
            return _NUMBER, str(int(number))
        return _NUMBER, repr(number)
    return _text(str(value))


def _text(text: str) -> tuple[int, str]:
    text = ILLEGAL_CHARACTERS_RE.sub("", text)[:_MAX_TEXT]
    return (_SPACED if text != text.strip() else _TEXT), escape(text)
