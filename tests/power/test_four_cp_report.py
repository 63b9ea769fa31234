"""The Flexibility sheet's 4CP columns: per site-month, the charge the running miners avoid
by stopping at the summer peak, what they pay, and what the site's leases pay
(allocator.results.flexibility, allocator.power.four_cp)."""

from __future__ import annotations

import pytest
from test_four_cp_peaks import CHARGE, _july

from allocator import optimize
from allocator.domain import Fleet


def _july_row(f: Fleet) -> dict[str, float]:
    frame = optimize(f).extra["Flexibility"]
    assert len(frame) == 1
    return {c: float(frame[c].iloc[0]) for c in
            ("mining_mw", "four_cp_avoided_usd", "mining_four_cp_paid_usd",
             "hpc_four_cp_paid_usd")}


def test_4cp_avoided_and_paid_per_site_month_by_hand() -> None:
    """Proves by hand, on the July month of 682 h at $30 and 62 h at $150 ($100/kW-year:
    $31,250 per running MW at PUE 1.25, $25,000 per leased IT MW at hpc_pue 1): 10 running
    MW with cheap candidates ($30/$60/$150) avoid all of it, $312,500, and pay nothing; at
    capture 0.8 they avoid $250,000 and pay $62,500; 600 candidate hours at $30 cost more
    margin than the charge, so they run and pay $312,500; with curtailment none they cannot
    stop. The 5 MW lease pays 5 x $25,000 = $125,000 in every case."""
    cases = [
        (_july([30.0, 60.0, 150.0]), 10 * CHARGE, 0.0),
        (_july([30.0, 60.0, 150.0], curtailment_capture=0.8), 8 * CHARGE, 2 * CHARGE),
        (_july([30.0] * 600), 0.0, 10 * CHARGE),
        (_july([30.0, 60.0, 150.0], curtailment="none"), 0.0, 10 * CHARGE),
    ]
    for f, avoided, paid in cases:
        row = _july_row(f)
        assert row["mining_mw"] == pytest.approx(10.0)
        assert row["four_cp_avoided_usd"] == pytest.approx(avoided)
        assert row["mining_four_cp_paid_usd"] == pytest.approx(paid)
        assert row["hpc_four_cp_paid_usd"] == pytest.approx(125_000.0)


def test_no_tariff_no_4cp_figures() -> None:
    """Proves a site without a 4CP tariff shows zeros, not blanks or stray charges."""
    row = _july_row(_july([30.0]).model_copy(update={"sites": tuple(
        s.model_copy(update={"four_cp_usd_kw_year": None}) for s in _july([30.0]).sites)}))
    assert (row["four_cp_avoided_usd"], row["mining_four_cp_paid_usd"],
            row["hpc_four_cp_paid_usd"]) == (0.0, 0.0, 0.0)
