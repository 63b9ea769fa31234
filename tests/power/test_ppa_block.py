"""A fixed-price PPA for part of a site's load (``ppa_mw``): a take-or-pay block the plan
assigns to its load (allocator.power.ppa_block, the LP's ppa_* families, the re-pricing)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fleetkit import contract, fleet, miners, site, verified, write_book
from test_flexible_properties import _random_fleet

from allocator import read_workbook
from allocator.consistency import check_consistency
from allocator.domain import Fleet, PriceCurve
from allocator.errors import InputError
from allocator.optimization.coefficients import compute_coefficients
from allocator.power.curve import summarize_prices
from allocator.power.ppa_block import index_fleet
from allocator.scenarios.changes import Change, apply_changes
from allocator.stochastic.scenario_set import scenario_set

# April 2026 (720 h): 360 h at $20, 240 h at $40, 100 h at $100, 20 h at $2,530 (mean $107.50).
DEAR = np.repeat([20.0, 40.0, 100.0, 2530.0], [360, 240, 100, 20])


def _block_site(**site_kw: object) -> Fleet:
    """10 MW of 20 J/TH miners at $48/PH/day (R = $100/MWh), PUE 1.25, opex $5,000/MW-month,
    the dear April above, a PPA at $30/MWh, and 5 MW of existing HPC space for a gross lease
    at $120/kW-month (HPC PUE 1)."""
    c = summarize_prices(DEAR, 1.0, 48)
    curve = PriceCurve(site="A", month="2026-04", hours=tuple(c.hours.tolist()),
                       price_usd_mwh=tuple(c.price_usd_mwh.tolist()))
    terms: dict[str, object] = {"ppa_price_usd_mwh": 30.0, "ppa_resale": True,
                                "ppa_resale_discount": 0.1} | site_kw
    return fleet(start="2026-04", months=1, hashprice=48.0,
                 sites=[site("A", mining_pue=1.25, mining_opex_usd_mw_month=5000.0,
                             power_price_usd_mwh=107.5, hpc_existing_mw=5.0, **terms)],
                 miner_rows=[miners("A", "Box", 5000, 100.0, 2000.0)],
                 contracts=[contract("K", rate_usd_kw_month=120.0, max_mw=5.0,
                                     start_month="2026-04", term_months=1)]
                 ).model_copy(update={"price_curves": (curve,)})


def test_a_block_goes_to_the_load_it_saves_most_on() -> None:
    """Proves the block's value by hand. Per grid MW-month on the block instead of the index:
    the lease saves (107.50 - 30) x 720 = $55,800; a miner MW earns $96,175 on PPA terms
    (resold where 0.9 x price > $80) against $34,000 on the index (it runs the 600 h up to
    $40), $62,175, which is $49,740 per grid MW at PUE 1.25; a block MW left unassigned is
    paid and resold in every hour, (0.9 x 107.50 - 30) x 720 = $48,060. An 8 MW block goes to
    the 5 MW lease and 3 grid MW (2.4 MW) of miners: 5 x 55,800 + 2.4 x 62,175 = $428,220 on
    top of the index plan's 10 x 34,000 + 5 x (120,000 - 77,400) = $553,000."""
    plan = verified(_block_site(ppa_mw=8.0))
    (row,) = plan.extra["PPA Blocks"].to_dict("records")
    assert row["ppa_hpc_grid_mw"] == pytest.approx(5.0)
    assert row["ppa_mining_grid_mw"] == pytest.approx(3.0)
    assert row["ppa_unused_mw"] == pytest.approx(0.0, abs=1e-9)
    assert row["ppa_block_usd"] == pytest.approx(428_220.0, abs=0.01)
    assert plan.tranches["ppa_covered_mw"].sum() == pytest.approx(2.4)
    assert plan.tranches["margin_usd"].sum() == pytest.approx(340_000.0, abs=0.01)
    assert plan.site_months["ppa_block_usd"].sum() == pytest.approx(428_220.0, abs=0.01)
    assert plan.summary["ppa_block_usd"].sum() == pytest.approx(428_220.0, abs=0.01)
    assert plan.objective_usd == pytest.approx(553_000.0 + 428_220.0, abs=0.01)


def test_a_block_larger_than_the_load_resells_the_rest() -> None:
    """Proves the take-or-pay: a 20 MW block covers the lease (5 grid MW) and every miner
    (12.5 grid MW) and resells the other 2.5 MW in every hour, 2.5 x $48,060 = $120,150:
    5 x 55,800 + 10 x 62,175 + 120,150 = $1,020,900 over the index plan. Without resale the
    2.5 MW are lost, 2.5 x 30 x 720 = $54,000 paid for nothing, and a covered miner gains
    only $40,000 - $34,000 = $6,000 (it runs every hour on sunk power)."""
    plan = verified(_block_site(ppa_mw=20.0))
    (row,) = plan.extra["PPA Blocks"].to_dict("records")
    assert row["ppa_unused_mw"] == pytest.approx(2.5)
    assert row["ppa_block_usd"] == pytest.approx(1_020_900.0, abs=0.01)
    lost = verified(_block_site(ppa_mw=20.0, ppa_resale=False))
    assert lost.extra["PPA Blocks"]["ppa_block_usd"].sum() == pytest.approx(
        5 * 55_800.0 + 10 * 6_000.0 - 54_000.0, abs=0.01)


def test_a_block_the_size_of_the_load_is_the_whole_site_ppa() -> None:
    """Proves the two PPA forms agree where they should: a block of exactly the site's load
    (12.5 grid MW of miners and 5 of HPC) plans to the same value as a PPA covering all the
    load (ppa_mw blank), $1,453,750, and a 0 MW block to the index plan, $553,000."""
    whole = verified(_block_site())
    exact = verified(_block_site(ppa_mw=17.5))
    assert whole.objective_usd == pytest.approx(1_453_750.0, abs=0.01)
    assert exact.objective_usd == pytest.approx(whole.objective_usd, rel=1e-9)
    none = verified(_block_site(ppa_mw=0.0))
    index = verified(_block_site(ppa_price_usd_mwh=None, ppa_resale=False,
                                 ppa_resale_discount=0.0))
    assert none.objective_usd == pytest.approx(553_000.0, abs=0.01)
    assert index.objective_usd == pytest.approx(none.objective_usd, rel=1e-9)


def test_a_blank_block_keeps_the_plan_as_it_was() -> None:
    """Proves ``ppa_mw`` blank adds nothing: no PPA Blocks sheet, no ppa columns."""
    plan = verified(_block_site())
    assert "PPA Blocks" not in plan.extra
    assert "ppa_covered_mw" not in plan.tranches
    assert "ppa_block_usd" not in plan.site_months and "ppa_block_usd" not in plan.summary


def test_ppa_mw_without_a_ppa_price_is_refused_at_its_cell(tmp_path: Path) -> None:
    """Proves a block needs its price, and the workbook names the ppa_mw cell and its value
    (beside any other fault of the sheet, all at once)."""
    with pytest.raises(ValueError, match="a block needs ppa_price_usd_mwh"):
        site("A", ppa_mw=10.0)
    book = write_book(tmp_path / "b.xlsx", {
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh", "ppa_mw"],
                  ["A", 100, 40, 50], ["B", 100, 40, -5]],
        "Market": [["month", "hashprice_usd_ph_day"], ["2026-01", 50]],
        "Settings": [["key", "value"], ["start_month", "2026-01"], ["months", 1]]})
    with pytest.raises(InputError) as caught:
        read_workbook(book)
    text = [str(p) for p in caught.value.problems]
    assert any(t.startswith("Sites!D2:") and "a block needs ppa_price_usd_mwh" in t
               and "(got 50)" in t for t in text), text
    assert any(t.startswith("Sites!D3:") for t in text), text


@pytest.mark.parametrize("seed", range(8))
def test_random_block_fleets_reprice_to_their_objective(seed: int) -> None:
    """Proves on 8 seeded fleets (curtailment policies, resale or not, 4CP, credits, pass-
    through or gross leases) with blocks of 0-60 MW at every PPA site that the LP, PuLP's
    HiGHS and the row-by-row re-pricing agree and the invariants hold, and that assigning the
    block never costs: the plan is worth at least the index plan plus every block left
    unassigned (paid for and resold), a plan the LP could always have chosen."""
    base = _random_fleet(seed)
    rng = np.random.default_rng(1000 + seed)
    sites = tuple(s.model_copy(update={"ppa_price_usd_mwh": float(rng.uniform(20, 50)),
                                       "ppa_mw": float(rng.uniform(0, 60))})
                  if s.name == "B" or s.ppa_price_usd_mwh is not None else s
                  for s in base.sites)
    blocked = base.model_copy(update={"sites": sites})
    plan = verified(blocked)
    assert "PPA Blocks" in plan.extra
    blocks = compute_coefficients(blocked).ppa
    assert blocks is not None
    idle = float((blocks.block_mw[:, None] * blocks.unused_usd_mw_month
                  * compute_coefficients(blocked).discount[None, :]).sum())
    index = verified(index_fleet(blocked))
    assert plan.objective_usd >= index.objective_usd + idle - 1e-6 * abs(plan.objective_usd)


def test_a_scenario_sets_the_block() -> None:
    """Proves ``ppa_mw`` is a scenario parameter that re-plans: setting the 8 MW block to the
    site's load (17.5 MW) gives the whole-site PPA's $1,453,750."""
    moved = apply_changes(_block_site(ppa_mw=8.0), [Change("ppa_mw", "set", 17.5, "A")])
    assert verified(moved).objective_usd == pytest.approx(1_453_750.0, abs=0.01)


def test_a_stochastic_plan_refuses_a_block_at_its_cell() -> None:
    """Proves the extensive form, which has no block families, never values a block wrong:
    a scenario set with one is refused, naming the site and the column."""
    with pytest.raises(InputError) as caught:
        scenario_set([_block_site(ppa_mw=8.0), _block_site(ppa_mw=8.0)])
    (problem,) = caught.value.problems
    assert problem.location == "Sites[A].ppa_mw" and problem.value == 8.0


def test_the_headline_reports_the_blocks_in_the_npv() -> None:
    """Proves ``optimize``'s headline and ``--json`` carry the blocks' discounted value (the
    one-month plan: undiscounted, $428,220) and the sites that hold one; nothing without."""
    from allocator.cli.plan import _block_figures

    figures = _block_figures(verified(_block_site(ppa_mw=8.0)))
    assert figures["ppa_block_npv_usd"] == pytest.approx(428_220.0, abs=0.01)
    assert figures["ppa_block_sites"] == ["A"]
    assert _block_figures(verified(_block_site())) == {}


def test_a_block_larger_than_the_grid_or_without_hourly_prices_warns() -> None:
    """Proves the two silent surprises are said: a block above capacity_mw (a kW or IT-MW
    slip, or a hedge) pays for MW the site cannot draw, and a PPA at a site without hourly
    prices changes nothing."""
    big = check_consistency(_block_site(ppa_mw=150.0))
    assert any("larger than capacity_mw 100.0" in w for w in big.warnings)
    flat = check_consistency(_block_site(ppa_mw=8.0).model_copy(update={"price_curves": ()}))
    assert any("applies only in months priced from hourly prices" in w for w in flat.warnings)
    assert not check_consistency(_block_site(ppa_mw=8.0)).warnings
