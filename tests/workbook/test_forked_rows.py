"""A long table's rows made half here, half in a forked child, and deflated in parts: the
sheet is byte for byte the one made in one process, and a failing child fails the write."""

from __future__ import annotations

import os
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from test_bulk_rows import seeded_frame, write

from allocator.workbook import bulk_rows, row_worker
from allocator.workbook.deflate_parts import crc32_combine

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

SHEET = (b'<worksheet><dimension ref="A1:A2"/><sheetData><row r="1"/>'
         b'<row r="2"><c r="A2" s="1"/><c r="B2" s="7"/><c r="C2" s="3"/></row>'
         b"</sheetData></worksheet>")


def kinds_frame() -> pd.DataFrame:
    """Every kind of cell: empty, number (whole, fraction, 1e15, -0.0), true/false, text,
    text with leading or trailing space, inf and NaN, over rows of both halves."""
    data = seeded_frame(bulk_rows._BLOCK_ROWS + 77)
    data["spaced"] = [" lead", "trail ", "plain", None] * (len(data) // 4) + [
        "x"] * (len(data) % 4)
    data["edge"] = np.resize([np.inf, -np.inf, np.nan, -0.0, 1e15, 0.1], len(data))
    return data


def zipped(tmp_path: Path, name: str, frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch,
           *, forked: bool) -> zipfile.ZipInfo:
    started: list[object] = []

    class Counted(row_worker.Child):
        def __init__(self, run):  # type: ignore[no-untyped-def]
            started.append(run)
            super().__init__(run)

    monkeypatch.setattr(bulk_rows, "can_fork", lambda cells: forked)
    monkeypatch.setattr(bulk_rows, "Child", Counted)
    with zipfile.ZipFile(tmp_path / name, "w") as archive:
        bulk_rows.write_table(archive, "sheet.xml", SHEET, frame, level=1)
    assert len(started) == (1 if forked else 0)
    with zipfile.ZipFile(tmp_path / name) as archive:
        assert archive.testzip() is None  # CRC checked
        return archive.getinfo("sheet.xml")


@needs_fork
def test_forked_sheet_is_byte_for_byte_the_sheet_made_in_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for frame in (kinds_frame(), kinds_frame().iloc[:1], kinds_frame().iloc[:0]):
        forked = zipped(tmp_path, "forked.zip", frame, monkeypatch, forked=True)
        here = zipped(tmp_path, "here.zip", frame, monkeypatch, forked=False)
        with zipfile.ZipFile(tmp_path / "forked.zip") as a, zipfile.ZipFile(
                tmp_path / "here.zip") as b:
            assert a.read("sheet.xml") == b.read("sheet.xml") == bulk_rows.fill_table(
                SHEET, frame)
        assert (forked.CRC, forked.file_size) == (here.CRC, here.file_size)


@needs_fork
def test_forked_workbook_reads_back_like_the_one_made_in_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = kinds_frame().drop(columns="note")
    monkeypatch.setattr(bulk_rows, "can_fork", lambda cells: True)
    (tmp_path / "forked").mkdir()
    forked = openpyxl.load_workbook(write(tmp_path / "forked", data))["Plan"]
    monkeypatch.setattr(bulk_rows, "can_fork", lambda cells: False)
    (tmp_path / "here").mkdir()
    here = openpyxl.load_workbook(write(tmp_path / "here", data))["Plan"]
    assert forked.max_row == here.max_row == len(data) + 1
    for got, want in zip(forked.iter_rows(), here.iter_rows(), strict=True):
        assert [(c.value, c.data_type, c.number_format) for c in got] == [
            (c.value, c.data_type, c.number_format) for c in want]


@needs_fork
@pytest.mark.parametrize("how", ["fails", "hangs"])
def test_a_child_that_fails_or_hangs_leaves_its_rows_made_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """A child that dies (out of memory) or never answers (a lock it inherited, say) costs
    nothing but time: it is reaped or killed and its half of the rows is made in this
    process, the sheet the same bytes as one made here alone."""
    parent = os.getpid()
    real = bulk_rows._row_blocks

    def broken_in_child(*args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            if how == "hangs":
                time.sleep(3600)
            raise MemoryError("the child ran out")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk_rows, "can_fork", lambda cells: True)
    monkeypatch.setattr(bulk_rows, "_row_blocks", broken_in_child)
    monkeypatch.setattr(bulk_rows, "_CHILD_GRACE_S", 0.5)
    monkeypatch.setattr(bulk_rows, "_CHILD_SLACK", 0.0)
    frame = kinds_frame()
    started = time.monotonic()
    with zipfile.ZipFile(tmp_path / "kept.zip", "w") as archive:
        bulk_rows.write_table(archive, "sheet.xml", SHEET, frame, level=1)
    assert time.monotonic() - started < 30
    with zipfile.ZipFile(tmp_path / "kept.zip") as archive:
        assert archive.read("sheet.xml") == bulk_rows.fill_table(SHEET, frame)


def test_crc32_combine_is_the_crc_of_the_joined_bytes() -> None:
    rng = np.random.default_rng(9)
    for left, right in ((100, 7), (0, 5), (5, 0), (1, 1), (70_000, 123_457)):
        a, b = rng.bytes(left), rng.bytes(right)
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_no_fork_below_the_size_or_without_a_free_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table under FORK_MIN_CELLS, or a machine whose other cores are busy (as many tasks
    running as cores, this one counted), is made in this process."""
    assert not row_worker.can_fork(row_worker.FORK_MIN_CELLS - 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(row_worker, "_running_tasks", lambda: 2)
    assert not row_worker.can_fork(row_worker.FORK_MIN_CELLS)
    monkeypatch.setattr(row_worker, "_running_tasks", lambda: 1)
    assert row_worker.can_fork(row_worker.FORK_MIN_CELLS) == (
        row_worker.sys.platform == "linux")


def test_running_tasks_count_this_one() -> None:
    if row_worker.sys.platform == "linux":
        assert 1 <= row_worker._running_tasks() < 1 << 30


def test_a_child_that_cannot_start_leaves_the_sheet_made_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No process to be had (fork fails, as at a process limit): the sheet is still written,
    the same bytes, in one part made in this process, and no pipe is left open."""
    def no_fork() -> int:
        raise BlockingIOError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork, raising=False)
    monkeypatch.setattr(bulk_rows, "can_fork", lambda cells: True)
    open_before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    frame = kinds_frame()
    with zipfile.ZipFile(tmp_path / "alone.zip", "w") as archive:
        bulk_rows.write_table(archive, "sheet.xml", SHEET, frame, level=1)
    with zipfile.ZipFile(tmp_path / "alone.zip") as archive:
        assert archive.testzip() is None
        assert archive.read("sheet.xml") == bulk_rows.fill_table(SHEET, frame)
    if open_before:
        assert len(os.listdir("/proc/self/fd")) == open_before
