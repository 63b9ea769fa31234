"""The command tests' one shared set-up: progress lines never depend on how busy the machine is.

Progress without a terminal prints once a run has lasted ``QUIET_S`` (3 s) of real time, so a
command test that expects silent stderr would fail whenever a loaded machine (or the two test
workers of ``pytest -n auto``) made the run take longer. Every command test here sees a clock
that stands still; a test about progress lines sets its own clock.
"""

from __future__ import annotations

import pytest

from allocator.cli import progress


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "clock", lambda: 0.0)
