"""Deal terms on a Contracts row: rent-free months, prepayment, tenant capex, lease structure
and tenant credit, each against hand arithmetic, and old workbooks planned exactly as before.

The base case is the one of ``test_deal_metrics``: 10 IT MW converted at $6M/MW in the first
month for a flat 10-year lease at $100/kW-month ($1M a month on the 10 MW), planned over 12
months at 8 %/yr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from fleetkit import contract, contract_faults, fleet, site, verified

from allocator import optimize
from allocator.deals.metrics import irr_pa
from allocator.deals.view import DealView, deal_view
from allocator.documents.conversion import convert
from allocator.documents.fleet_document import read_fleet_document
from allocator.domain import Contract, Fleet
from allocator.optimization.coefficients import compute_coefficients
from allocator.workbook.reader import read_workbook

SAMPLES = Path(__file__).resolve().parents[2] / "sample_inputs"


def _fleet(months: int = 12, **terms: Any) -> Fleet:
    k: dict[str, Any] = {"power_pass_through": True}
    k.update(terms)
    return fleet(months=months, discount_rate=0.08, sites=[site(
        hpc_convertible_mw=10, conversion_capex_usd_mw=6e6, conversion_lead_months=0,
        hpc_pue=1.3, hpc_load_factor=0.8, hpc_opex_usd_mw_month=10_000)],
        contracts=[contract(rate_usd_kw_month=100, max_mw=10, term_months=120, **k)])


def _view(f: Fleet) -> DealView:
    return deal_view(compute_coefficients(f), verified(f))


def test_rent_free_months_move_the_first_rent_and_lower_irr_by_the_right_amount() -> None:
    """Six rent-free months: rent starts in month 6 (2026-07) and the 120-month lease pays 114
    rents. The IRR is exactly that of -$60M then nothing for 6 months then 114 net rents (not
    a rough figure): the monthly rate solves 60M = sum_{t=6}^{119} NOI / (1 + i)^t. Stabilized
    NOI is still a full year of paid rent, so the yield on cost does not change; payback moves
    from month 66 (-$59.1M after month 0, then $0.9M of NOI a month) to month 73 (-$60.6M by
    month 5, the opex of the free months included, then 68 NOIs); the plan's own NPV loses
    the 6 discounted rents. (Planned over 24 months: over 12, six months of rent would not
    pay the year's capital charge.)"""
    base, free = _view(_fleet(24)), _view(_fleet(24, rent_free_months=6))
    f = free.flows[0]
    assert np.all(f.rent_usd[:6] == 0) and np.allclose(f.rent_usd[6:], 1e6)
    row, was = free.deals.iloc[0], base.deals.iloc[0]
    assert row["rent_start_month"] == "2026-07"
    noi = 1e6 - 10 * 10_000
    hand = np.array([-60e6 - 1e5] + [-1e5] * 5 + [noi] * 114)
    assert row["unlevered_irr_pct"] == pytest.approx(irr_pa(hand), rel=1e-9)
    i = (1 + row["unlevered_irr_pct"]) ** (1 / 12) - 1
    assert sum(noi / (1 + i) ** t for t in range(6, 120)) - sum(
        1e5 / (1 + i) ** t for t in range(6)) == pytest.approx(60e6, rel=1e-9)
    assert row["unlevered_irr_pct"] < was["unlevered_irr_pct"]
    assert row["stabilized_noi_usd"] == pytest.approx(was["stabilized_noi_usd"])
    assert (was["payback_months"], row["payback_months"]) == (66, 73)
    lost = sum(1e6 * 1.08 ** (-t / 12) for t in range(6))
    assert base.bridge.planning_npv_usd - free.bridge.planning_npv_usd == \
        pytest.approx(lost, rel=1e-9)


def test_prepayment_moves_cash_to_signing_and_nothing_else() -> None:
    """20 % of the $120M contract value arrives at signing (month 0, $24M) and 20 % of each
    month's rent is drawn from it: the prepayment column adds up to 0, month 0's net cash
    rises by $24M - $0.2M, the plan (LP) is the same to 1e-9, the IRR rises, the yield on
    cost does not change, and the bridge's prepayment line is the discounted shift."""
    base, pre = _view(_fleet()), _view(_fleet(prepayment_share=0.2))
    f, b = pre.flows[0], base.flows[0]
    assert f.prepayment_usd[0] == pytest.approx(24e6 - 0.2e6)
    assert np.allclose(f.prepayment_usd[1:], -0.2e6)
    assert f.prepayment_usd.sum() == pytest.approx(0.0, abs=1e-6)
    assert f.net_cash_flow_usd[0] - b.net_cash_flow_usd[0] == pytest.approx(23.8e6)
    assert pre.bridge.planning_npv_usd == pytest.approx(base.bridge.planning_npv_usd, rel=1e-9)
    row, was = pre.deals.iloc[0], base.deals.iloc[0]
    assert row["prepayment_usd"] == pytest.approx(24e6)
    assert row["unlevered_irr_pct"] > was["unlevered_irr_pct"]
    assert row["yield_on_cost_pct"] == pytest.approx(was["yield_on_cost_pct"])
    shift = 24e6 - sum(0.2e6 * 1.08 ** (-t / 12) for t in range(120))
    assert pre.bridge.prepayment_timing_usd == pytest.approx(shift, rel=1e-9)
    assert pre.bridge.cash_npv_usd - base.bridge.cash_npv_usd == pytest.approx(shift, rel=1e-9)


def test_tenant_capex_lowers_the_owners_capex_one_for_one() -> None:
    """The tenant funds $2M of each IT MW's $6M: the owner's capex is 10 x $4M = $40M, $20M
    less, in the same month; the yield on cost is the NOI over $40M; the bridge adds the $20M
    back (month 0, undiscounted)."""
    base, funded = _view(_fleet()), _view(_fleet(tenant_capex_usd_mw=2e6))
    row, was = funded.deals.iloc[0], base.deals.iloc[0]
    assert was["owner_capex_usd"] - row["owner_capex_usd"] == pytest.approx(20e6)
    assert row["owner_capex_usd_mw"] == pytest.approx(4e6)
    assert row["tenant_capex_usd"] == pytest.approx(20e6)
    assert row["yield_on_cost_pct"] == pytest.approx(12 * (1e6 - 1e5) / 40e6)
    assert funded.bridge.tenant_funded_capex_usd == pytest.approx(20e6)
    assert funded.bridge.cash_npv_usd - base.bridge.cash_npv_usd == pytest.approx(20e6)


def test_nnn_and_gross_differ_in_who_pays_power_and_nothing_else() -> None:
    """Under gross the owner pays the hall's power, 10 MW x $40 x 24 h x 31 days x PUE 1.3 x
    load 0.8 = $309,504 in January; under nnn (and modified_gross) the tenant does. Rent, opex
    and capex are the same month by month; nnn plans exactly as power_pass_through yes."""
    nnn = _view(_fleet(power_pass_through=None, lease_structure="nnn"))
    gross = _view(_fleet(power_pass_through=None, lease_structure="gross"))
    n, g = nnn.flows[0], gross.flows[0]
    assert np.all(n.power_cost_usd == 0)
    assert g.power_cost_usd[0] == pytest.approx(10 * 40 * 24 * 31 * 1.3 * 0.8)
    for name in ("rent_usd", "opex_usd", "capex_usd", "prepayment_usd", "tenant_capex_usd"):
        assert np.array_equal(getattr(n, name), getattr(g, name)), name
    assert (nnn.deals.iloc[0]["lease_structure"], gross.deals.iloc[0]["lease_structure"]) == (
        "nnn", "gross")
    same = verified(_fleet()).objective_usd
    assert verified(_fleet(power_pass_through=None, lease_structure="nnn")).objective_usd == same
    assert verified(_fleet(power_pass_through=None,
                           lease_structure="modified_gross")).objective_usd == same


def test_lease_structure_sets_power_pass_through_and_must_agree_with_it() -> None:
    """gross means no pass-through, nnn and modified_gross pass power through; a contract
    giving both that disagree is refused."""
    assert not Contract(name="K", rate_usd_kw_month=1, max_mw=1, start_month="2026-01",
                        term_months=1, lease_structure="gross").power_pass_through
    assert Contract(name="K", rate_usd_kw_month=1, max_mw=1, start_month="2026-01",
                    term_months=1, lease_structure="modified_gross").power_pass_through
    with pytest.raises(ValueError, match="lease_structure gross means the owner pays"):
        Contract(name="K", rate_usd_kw_month=1, max_mw=1, start_month="2026-01",
                 term_months=1, lease_structure="gross", power_pass_through=True)


def test_tenant_credit_scales_the_expected_rent() -> None:
    """A 5 %/yr default probability with half the rent backstopped: expected rent in month t
    is $1M x (0.5 + 0.5 x 0.95^(t/12)): $1M in month 0, $975,000 in month 12; the plan prices
    the same expected rent (it re-prices to the LP objective)."""
    f = _view(_fleet(default_probability_pa=0.05, backstop_share=0.5)).flows[0]
    t = np.arange(120)
    assert np.allclose(f.rent_usd, 1e6 * (0.5 + 0.5 * 0.95 ** (t / 12)), rtol=1e-12)
    assert f.rent_usd[12] == pytest.approx(975_000)
    plan = verified(_fleet(default_probability_pa=0.05, backstop_share=0.5))
    assert plan.leases["revenue_usd"].iloc[6] == pytest.approx(1e6 * (0.5 + 0.5 * 0.95**0.5))


@pytest.mark.parametrize(("book", "npv_usd"), [
    ("fleet.xlsx", 1115598221.8282106), ("spot.xlsx", 10211891.498470102),
    ("messy.xlsx", 35031888.890067786), ("messy_clean.xlsx", 35031888.890067786)])
def test_workbooks_without_the_new_columns_plan_exactly_as_before(book: str,
                                                                  npv_usd: float) -> None:
    """The samples have none of the new columns: their NPVs are those of the code before the
    deal terms (measured at commit 4fc22da), to 1e-9."""
    assert optimize(SAMPLES / book).npv_usd == pytest.approx(npv_usd, rel=1e-9)


def test_default_terms_written_out_change_nothing() -> None:
    """The sample with every new term given at its default value plans to the same NPV."""
    source = read_workbook(SAMPLES / "fleet.xlsx")
    f = source.fleet
    spelled = f.model_copy(update={"contracts": tuple(c.model_copy(update={
        "rent_free_months": 0, "prepayment_share": 0.0, "tenant_capex_usd_mw": 0.0,
        "default_probability_pa": 0.0, "backstop_share": 0.0}) for c in f.contracts)})
    assert optimize(spelled).npv_usd == optimize(f).npv_usd


def test_every_new_column_is_checked_at_its_cell(tmp_path: Path) -> None:
    """Each bad deal term is reported at its cell, all at once."""
    faults = contract_faults(tmp_path / "bad.xlsx", [
        ["contract", "rate_usd_kw_month", "max_mw", "start_month", "term_months",
         "power_pass_through", "lease_structure", "rent_free_months", "prepayment_share",
         "tenant_capex_usd_mw", "default_probability_pa", "backstop_share"],
        ["A", 100, 20, "2026-01", 12, "yes", "gross", 12, 20, 0, 1.5, "x"],
        ["B", 100, 20, "2026-01", 12, None, "triple", 2, 0.2, -5, 0.02, 0.5]])
    lines = faults
    assert lines == [
        "Contracts!G2: lease_structure gross means the owner pays the power, but "
        "power_pass_through says yes; leave power_pass_through blank or make them agree "
        "(got 'gross')",
        "Contracts!H2: rent_free_months must be below term_months (12) (got 12)",
        "Contracts!I2: prepayment_share 20 looks like a percent: enter 0.2 for 20 % (got 20)",
        "Contracts!K2: default_probability_pa 1.5 looks like a percent: enter 0.015 for "
        "1.5 % (got 1.5)",
        "Contracts!L2: backstop_share must be a fraction such as 0.02 or a percentage such "
        "as 2% (got 'x')",
        "Contracts!G3: lease_structure must be one of nnn, modified_gross, gross (got "
        "'triple')",
        "Contracts!J3: tenant_capex_usd_mw must be >= 0 (got -5)"]


def test_deal_terms_read_from_a_yaml_document(tmp_path: Path) -> None:
    """A fleet document takes the same columns: the sample as YAML with deal terms on a
    contract reads them into the same Contract fields."""
    document = convert(SAMPLES / "fleet.xlsx", tmp_path / "fleet.yaml")
    data = yaml.safe_load(document.read_text(encoding="utf-8"))
    data["contracts"][2].update({"lease_structure": "nnn", "rent_free_months": 3,
                                 "prepayment_share": 0.2, "tenant_capex_usd_mw": 1_000_000,
                                 "backstop_share": 1.0})
    data["contracts"][2].pop("power_pass_through", None)
    path = tmp_path / "terms.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    c = read_fleet_document(path).fleet.contracts[2]
    assert (c.lease_structure, c.power_pass_through, c.rent_free_months, c.prepayment_share,
            c.tenant_capex_usd_mw, c.backstop_share) == ("nnn", True, 3, 0.2, 1e6, 1.0)


def test_renewal_options_are_valued_at_their_probability_after_the_firm_term() -> None:
    """Two 60-month renewals at 50 %: months 120-179 count at 0.5, months 180-239 at 0.25,
    the 3 % escalator running on (month 120 pays $1M x 1.03^10 x 0.5). The backlog and the
    prepayment stay firm; the bridge's renewal line is their discounted NOI; ignored (p = 0)
    or certain (p = 1) are the ends; the plan (LP) does not change."""
    terms = {"escalator_pa": 0.03, "renewal_options": 2, "renewal_term_months": 60}
    base = _view(_fleet(escalator_pa=0.03))
    half = _view(_fleet(renewal_probability=0.5, **terms))
    f = half.flows[0]
    assert len(f.rent_usd) == 240 and f.in_renewal.sum() == 120
    assert f.rent_usd[120] == pytest.approx(1e6 * 1.03**10 * 0.5)
    assert f.rent_usd[180] == pytest.approx(1e6 * 1.03**15 * 0.25)
    assert half.portfolio.contracted_backlog_usd == pytest.approx(
        base.portfolio.contracted_backlog_usd)
    noi = f.noi_usd * f.discount_factor
    assert half.bridge.renewal_options_usd == pytest.approx(noi[120:].sum(), rel=1e-12)
    assert half.bridge.cash_npv_usd - base.bridge.cash_npv_usd == pytest.approx(
        half.bridge.renewal_options_usd, rel=1e-9)
    assert half.bridge.planning_npv_usd == pytest.approx(base.bridge.planning_npv_usd)
    ignored = _view(_fleet(renewal_probability=0.0, **terms))
    assert len(ignored.flows[0].rent_usd) == 120
    certain = _view(_fleet(renewal_probability=1.0, **terms)).flows[0]
    assert certain.rent_usd[239] == pytest.approx(1e6 * 1.03**19)
