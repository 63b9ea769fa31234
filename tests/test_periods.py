"""Month arithmetic on YYYY-MM text."""

from __future__ import annotations

import pytest

from allocator.periods import month_index, month_indexes


def test_month_indexes_are_month_index_of_each_month_in_order() -> None:
    """Repeated months (a lease's month at every site) give the same index each time, in the
    order given: 2026-01 is 2026 x 12 + 0 = 24312."""
    assert month_indexes(["2026-01", "2025-12", "2026-01", "2027-03"]) == [
        24312, 24311, 24312, 24326]
    assert month_indexes(["2027-03"]) == [month_index("2027-03")]
    assert month_indexes([]) == []


def test_month_indexes_refuse_a_month_not_written_yyyy_mm() -> None:
    with pytest.raises(ValueError, match="2026-13"):
        month_indexes(["2026-01", "2026-13"])
