"""A flood of faults: reading stops after the first thousand problems and says what it skipped.

A 990,000-cell sheet with a fault in every row took 40 s and 910 MiB to report 330,000
problems nobody reads. These tests pin the stop (a bounded count and the line saying where
reading stopped), not a time; an ordinary book still reports every fault.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fleetkit import write_book
from test_reader import SITES, base_sheets

from allocator.cli.common import error_text
from allocator.errors import InputError
from allocator.workbook.reader import read_workbook


def sites(count: int, capacity: object) -> list[list[object]]:
    """The Sites header and ``count`` rows, each site's capacity ``capacity``."""
    return [list(SITES[0][:3]), *([f"S{i}", capacity, 40] for i in range(count))]


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    return caught.value


def test_a_fault_in_every_row_stops_after_a_thousand_problems(tmp_path: Path) -> None:
    """1,500 rows of capacity 'big': the first 1,000 faults, then one line on what is left.

    Reading every row would give 1,500 problems and no ``stopped`` line."""
    path = write_book(tmp_path / "flood.xlsx", base_sheets(Sites=sites(1_500, "big")))
    error = refused(path)
    assert len(error.problems) == 1_000
    assert str(error.problems[0]) == "Sites!B2: capacity_mw must be a number (got 'big')"
    assert str(error.problems[-1]) == "Sites!B1001: capacity_mw must be a number (got 'big')"
    assert str(error.stopped) == (
        "Sites: stopped after 1,000 problems; rows 1,002 to 1,501 (500 rows) not checked, "
        "nor the sheets Miners, Market, Contracts")
    head = str(error).partition("\n")[0]
    assert head == f"1,000 problems in {path}; {error.stopped}:"
    assert str(error).endswith(f"\n  {error.stopped}")
    # The terminal shows 50 problems; the first line still says reading stopped.
    shown = error_text(error).splitlines()
    assert shown[0] == f"Error: {head}"
    assert len(shown) == 52


def test_a_flood_of_rule_faults_stops_too(tmp_path: Path) -> None:
    """Capacities that parse but break a rule (-5 MW) are found by the domain check, one per
    row; that stage stops at the thousand too, and names the sheets it did not check."""
    path = write_book(tmp_path / "rules.xlsx", base_sheets(Sites=sites(1_200, -5)))
    error = refused(path)
    assert len(error.problems) == 1_000
    assert str(error.problems[0]) == "Sites!B2: capacity_mw must be > 0 (got -5)"
    assert str(error.stopped) == (
        "Sites: stopped after 1,000 problems; rows 1,002 to 1,201 (200 rows) not checked, "
        "nor the sheets Market, Miners, Contracts, Settings")


def test_a_thousand_faults_are_all_reported_as_before(tmp_path: Path) -> None:
    """Exactly the cap: every fault, the usual message, nothing said about stopping."""
    rows = [*sites(1_000, "big"), ["Alpha", 100, 45], ["Beta", 60, 38.5]]  # named elsewhere
    path = write_book(tmp_path / "full.xlsx", base_sheets(Sites=rows))
    error = refused(path)
    assert len(error.problems) == 1_000
    assert error.stopped is None
    assert str(error).partition("\n")[0] == f"1000 problems in {path}:"
