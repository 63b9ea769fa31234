"""A spy on what python-calamine is asked to open and load, shared by the reader's tests.

:func:`spy_on_calamine` swaps the reader's ``python_calamine`` for a wrapper that records
every file opened by path (``opened``, by file name), every sheet loaded from a file opened
by path (``file``) and every sheet loaded from an in-memory copy (``copy``), and otherwise
behaves as python-calamine does.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest
import python_calamine

from allocator.workbook import reader


class _SpiedBook:
    """A calamine workbook that records the sheets loaded from it under ``where``."""

    def __init__(self, book: Any, seen: dict[str, list[str]], where: str) -> None:
        self.book, self.seen, self.where = book, seen, where

    def __getattr__(self, name: str) -> Any:
        return getattr(self.book, name)

    def __enter__(self) -> _SpiedBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.book.close()

    def get_sheet_by_name(self, name: str) -> Any:
        self.seen[self.where].append(name)
        return self.book.get_sheet_by_name(name)


def spy_on_calamine(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Record what the reader opens and loads: ``{"opened": [], "file": [], "copy": []}``."""
    seen: dict[str, list[str]] = {"opened": [], "file": [], "copy": []}
    real = python_calamine.CalamineWorkbook

    def from_path(path: str) -> _SpiedBook:
        seen["opened"].append(Path(path).name)
        return _SpiedBook(real.from_path(path), seen, "file")

    fake = types.SimpleNamespace(
        CalamineWorkbook=types.SimpleNamespace(
            from_path=from_path,
            from_filelike=lambda data: _SpiedBook(real.from_filelike(data), seen, "copy")),
        SheetVisibleEnum=python_calamine.SheetVisibleEnum,
    )
    monkeypatch.setattr(reader, "python_calamine", fake)
    return seen
