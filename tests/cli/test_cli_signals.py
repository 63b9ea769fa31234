"""A terminated command takes its worker processes with it: SIGTERM to `allocator sweep
--samples 2000 --jobs 2` left four processes (two workers, the fork server and the resource
tracker) running, solving for nobody; after a SIGKILL the workers notice and exit."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from scenariokit import small_fleet, with_volatility, write_scenario_book

# psutil comes with the dask extra (distributed needs it); it has no type stubs.
psutil: Any = pytest.importorskip("psutil")

START_TIMEOUT_S = 60
GONE_TIMEOUT_S = 10


def workers_started(main: Any, count: int) -> list[Any]:
    """``main``'s descendants once ``count`` of them run (the pool has started)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        found: list[Any] = main.children(recursive=True)
        if len(found) >= count:
            return found
        if not main.is_running():
            break
        time.sleep(0.1)
    pytest.fail(f"the sweep did not start {count} processes in {START_TIMEOUT_S} s")


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "returncode"), [
    (signal.SIGTERM, 128 + signal.SIGTERM),  # unwinds: the pool terminates its workers
    (signal.SIGKILL, -signal.SIGKILL),  # no unwinding: each worker sees its parent go
])
def test_a_signal_stops_the_command_and_every_worker(tmp_path: Path, signum: int,
                                                     returncode: int) -> None:
    book = write_scenario_book(tmp_path / "fleet.xlsx", with_volatility(small_fleet()), None)
    command = subprocess.Popen(
        [sys.executable, "-m", "allocator", "sweep", str(book), "--samples", "2000", "--jobs",
         "2", "--no-write"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    main = psutil.Process(command.pid)
    children: list[Any] = []
    try:
        children = workers_started(main, 3)  # the fork server and two workers at least
        time.sleep(1.0)  # let them solve
        children = main.children(recursive=True)
        command.send_signal(signum)
        _, stderr = command.communicate(timeout=GONE_TIMEOUT_S)
        assert command.returncode == returncode, stderr
        assert "Traceback" not in stderr
        _, alive = psutil.wait_procs(children, timeout=GONE_TIMEOUT_S)
        assert alive == [], [p.cmdline() for p in alive]
    finally:
        command.kill()
        for child in children:  # only the processes this test started
            if child.is_running():
                child.kill()
