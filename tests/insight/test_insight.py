"""Decision insight: breakevens re-solve to the flip they claim, contract value is NPV with
minus NPV without, miner breakevens follow the formula, and add_insight merges it all.

The flip checks re-solve cold with :func:`allocator.optimize` (verified plans, no warm start,
no other probes in the model), so they also prove that the insight's shortcuts (warm
re-solves, every site's probe in one model) do not move a breakeven.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from fleetkit import contract, fleet, miners, site, verified

from allocator import Fleet, optimize
from allocator.insight.annotate import add_insight
from allocator.insight.breakevens import (
    MINER_BREAKEVEN_COLUMNS,
    MINER_BREAKEVEN_SHEET,
    SITE_BREAKEVEN_COLUMNS,
    miner_breakevens,
    probe_contract,
    site_breakevens,
)
from allocator.insight.contracts import CONTRACT_INSIGHT_COLUMNS, contract_insight
from allocator.insight.resolve import TOL_USD_KW_MONTH
from allocator.insight.tornado import SENSITIVITY_SHEET
from allocator.synthetic import synthetic_fleet
from allocator.workbook.writer import TORNADO_SHEET

TOL = TOL_USD_KW_MONTH
STEP = 2 * TOL  # far enough from the bracket's ends to see the flip on each side


def with_probe(f: Fleet, site_name: str, rate: float) -> tuple[Fleet, int]:
    probe = probe_contract(f, site_name, rate)
    assert probe is not None
    return f.model_copy(update={"contracts": (*f.contracts, probe)}), len(f.contracts)


def committed(f: Fleet, k: int) -> float:
    return float(optimize(f).contracts["committed_mw"].iloc[k])


def with_rate(f: Fleet, k: int, rate: float) -> Fleet:
    contracts = list(f.contracts)
    contracts[k] = contracts[k].model_copy(update={"rate_usd_kw_month": rate})
    return f.model_copy(update={"contracts": tuple(contracts)})


def without(f: Fleet, k: int) -> Fleet:
    return f.model_copy(update={"contracts": f.contracts[:k] + f.contracts[k + 1:]})


@pytest.fixture(scope="module")
def mixed() -> Fleet:
    """Four synthetic sites over three years plus a firm offer: sites that convert all their
    space, sites that convert none, contracts taken in part or not at all, one that cannot be
    taken in full, and a firm contract that costs money."""
    base = synthetic_fleet(sites=4, months=36, seed=5)
    firm = contract("Firm-90", rate_usd_kw_month=90.0, min_mw=5.0, max_mw=10.0,
                    start_month="2026-12", term_months=60, power_pass_through=True, firm=True)
    return base.model_copy(update={"contracts": (*base.contracts, firm)})


# ---------------------------------------------------------------------------- hand-solved


def converting_site_fleet() -> Fleet:
    """One 100 MW site full of miners (109 MW installed), 50 MW convertible at $1.2M/MW over
    10 years (r = 0: $10,000 per MW-month), no lead time, 12 months of 2026, hashprice 40."""
    return fleet(
        months=12, asset_life_years=10.0,
        sites=[site(capacity_mw=100.0, power_price_usd_mwh=40.0, hpc_convertible_mw=50.0,
                    conversion_capex_usd_mw=1.2e6)],
        miner_rows=[miners(units=30_000)],
    )


def test_site_breakeven_is_capital_charge_plus_the_mining_it_displaces() -> None:
    """Converting 1 MW costs 12 x $10,000 and the margin of the 1 MW of miners it displaces
    (PUEs 1.0): sum over 2026 of days x (40 x 1000 / 13.5 - 40 x 24) = $731,081.48. A probe
    lease of 1 MW for 12 months breaks even at (120,000 + 731,081.48) / 12,000 per kW-month.
    A bug that ignored the displaced mining (a breakeven from the capital charge alone, $10)
    or priced rent per MW instead of per kW would move it far away."""
    f = converting_site_fleet()
    margin = 365 * (40 * 1000 / 13.5 - 40 * 24)
    expected = (120_000 + margin) / 12_000
    table = site_breakevens(f)
    assert list(table.columns) == SITE_BREAKEVEN_COLUMNS
    row = table.iloc[0]
    assert row["breakeven_hpc_rate_usd_kw_month"] == pytest.approx(expected, abs=TOL)
    assert row["breakeven_lease_start_month"] == "2026-01"
    assert row["breakeven_probe_mw"] == 1.0
    low, k = with_probe(f, "A", expected - STEP)
    high, _ = with_probe(f, "A", expected + STEP)
    assert verified(low).contracts["committed_mw"].iloc[k] == 0.0
    assert verified(high).contracts["committed_mw"].iloc[k] == pytest.approx(1.0)


def test_sites_without_room_to_convert_are_blank_with_a_reason() -> None:
    """No convertible space, or a lead time as long as the horizon: no rate, and a note."""
    f = fleet(months=6, sites=[site("Plain"),
                               site("Slow", hpc_convertible_mw=10.0, conversion_lead_months=6)])
    table = site_breakevens(f).set_index("site")
    assert table["breakeven_hpc_rate_usd_kw_month"].isna().all()
    assert table.loc["Plain", "breakeven_note"] == "no convertible space (hpc_convertible_mw is 0)"
    assert table.loc["Slow", "breakeven_note"] == (
        "conversion lead time of 6 months leaves no month in the horizon to lease converted "
        "space")
    assert probe_contract(f, "Slow", 100.0) is None


def test_contract_value_and_flip_rates_by_hand() -> None:
    """10 MW of existing HPC with $1,000/MW-month opex and a 20 MW pass-through offer at $100
    for three months: 10 MW taken, adding 10 x (100,000 - 1,000) x 3. Rent covers the opex
    above $1/kW-month (the drop rate); only 10 MW exist, so it is never taken in full."""
    f = fleet(months=3, sites=[site(hpc_existing_mw=10.0, hpc_opex_usd_mw_month=1000.0)],
              contracts=[contract(max_mw=20.0, term_months=3, power_pass_through=True)])
    row = contract_insight(f).iloc[0]
    assert row["committed_mw"] == pytest.approx(10.0)
    assert row["value_added_usd"] == pytest.approx(10 * 99_000 * 3, rel=1e-9)
    assert row["drop_rate_usd_kw_month"] == pytest.approx(1.0, abs=TOL)
    assert math.isnan(row["full_take_rate_usd_kw_month"])
    assert row["insight_note"] == "at most 10.0 of 20.0 MW taken even at 1,000.00 USD/kW-month"


def test_firm_contract_has_no_drop_rate_and_its_value_can_be_negative() -> None:
    """A firm 5 MW minimum at a rent below its opex is a loss the plan must carry: value added
    5 x (1,000 - 5,000) x 3, no drop rate, and a full take above the opex."""
    f = fleet(months=3, sites=[site(hpc_existing_mw=10.0, hpc_opex_usd_mw_month=5000.0)],
              contracts=[contract(rate_usd_kw_month=1.0, min_mw=5.0, max_mw=8.0, firm=True,
                                  term_months=3, power_pass_through=True)])
    row = contract_insight(f).iloc[0]
    assert row["committed_mw"] == pytest.approx(5.0)
    assert row["value_added_usd"] == pytest.approx(5 * -4000 * 3, rel=1e-9)
    assert math.isnan(row["drop_rate_usd_kw_month"])
    assert row["insight_note"] == "firm: at least 5.0 MW is taken at any rate"
    assert row["full_take_rate_usd_kw_month"] == pytest.approx(5.0, abs=TOL)


def test_miner_breakeven_is_the_formula() -> None:
    """S21 XP (13.5 J/TH) at $40/MWh, PUE 1, no opex or pool fee: 40 x 24 x 13.5 / 1000 =
    12.96 $/PH/day in every month, whatever its days; hashprice 40 is above it all year."""
    f = fleet(months=12, sites=[site(power_price_usd_mwh=40.0)], miner_rows=[miners()])
    table = miner_breakevens(f, optimize(f))
    assert list(table.columns) == MINER_BREAKEVEN_COLUMNS
    row = table.iloc[0]
    assert row["first_month_breakeven_hashprice_usd_ph_day"] == pytest.approx(12.96)
    assert row["avg_breakeven_hashprice_usd_ph_day"] == pytest.approx(12.96)
    assert row["avg_hashprice_usd_ph_day"] == pytest.approx(40.0)
    assert row["months_above_breakeven"] == 12
    assert row["avg_running_mw"] == pytest.approx(36.45)


def test_miner_breakeven_follows_monthly_power_prices() -> None:
    """A PowerPrices row for February moves that month only: the first month is unchanged,
    the average moves by the February difference over two months."""
    from allocator import PowerPrice

    f = fleet(months=2, sites=[site(power_price_usd_mwh=40.0, mining_pue=1.1,
                                    mining_opex_usd_mw_month=3100.0)],
              miner_rows=[miners()], pool_fee=0.02)
    f = f.model_copy(update={"power_prices": (PowerPrice(site="A", month="2026-02",
                                                         power_price_usd_mwh=60.0),)})
    row = miner_breakevens(f).iloc[0]

    def breakeven(price: float, days: int) -> float:
        return (price * 24 * days * 1.1 + 3100) / (1000 / 13.5 * days * 0.98)

    assert row["first_month_breakeven_hashprice_usd_ph_day"] == pytest.approx(breakeven(40, 31))
    assert row["avg_breakeven_hashprice_usd_ph_day"] == pytest.approx(
        (breakeven(40, 31) + breakeven(60, 28)) / 2)


# ------------------------------------------------------------------- flips on a mixed fleet


@pytest.fixture(scope="module")
def insight_plan(mixed: Fleet) -> tuple[pd.DataFrame, pd.DataFrame]:
    plan = add_insight(optimize(mixed), mixed, sensitivity_pct=None)
    return plan.site_value, plan.contracts


def test_every_site_breakeven_re_solves_to_its_flip(
        mixed: Fleet, insight_plan: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Just below each reported breakeven the probe is not leased, just above it is."""
    site_value, _ = insight_plan
    found = 0
    for row in site_value.itertuples(index=False):
        rate = float(row.breakeven_hpc_rate_usd_kw_month)
        if math.isnan(rate):
            assert row.breakeven_note
            continue
        found += 1
        high, k = with_probe(mixed, str(row.site), rate + STEP)
        assert committed(high, k) > 1e-6, row.site
        if rate - STEP > 0:
            low, _ = with_probe(mixed, str(row.site), rate - STEP)
            assert committed(low, k) == 0.0, row.site
    assert found == 4


def test_every_contract_flip_rate_re_solves_to_its_flip(
        mixed: Fleet, insight_plan: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Below the drop rate nothing is taken and above it something is; below the full-take
    rate less than max_mw is taken and above it all of it."""
    _, contracts = insight_plan
    checked = 0
    for k, c in enumerate(mixed.contracts):
        row = contracts.iloc[k]
        drop, full = row["drop_rate_usd_kw_month"], row["full_take_rate_usd_kw_month"]
        if not math.isnan(drop):
            assert committed(with_rate(mixed, k, drop + STEP), k) > 1e-6
            assert committed(with_rate(mixed, k, max(drop - STEP, 0.0)), k) == 0.0
            checked += 1
        if not math.isnan(full):
            assert committed(with_rate(mixed, k, full + STEP), k) == pytest.approx(c.max_mw)
            assert committed(with_rate(mixed, k, max(full - STEP, 0.0)), k) < c.max_mw - 1e-6
            checked += 1
        if math.isnan(drop) or math.isnan(full):
            assert row["insight_note"], c.name
    assert checked == 6


def test_contract_value_added_is_npv_with_minus_npv_without(
        mixed: Fleet, insight_plan: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Every contract, the firm one included, against a cold re-solve without it."""
    _, contracts = insight_plan
    base = optimize(mixed).npv_usd
    for k, c in enumerate(mixed.contracts):
        expected = base - optimize(without(mixed, k)).npv_usd
        got = float(contracts.loc[contracts["contract"] == c.name, "value_added_usd"].iloc[0])
        assert got == pytest.approx(expected, rel=1e-6, abs=1.0), c.name
    firm = contracts.set_index("contract").loc["Firm-90"]
    assert firm["committed_mw"] == pytest.approx(5.0)
    assert firm["value_added_usd"] < 0


# ------------------------------------------------------------------------------ add_insight


def test_add_insight_returns_a_new_plan_with_every_column_and_frame() -> None:
    f = converting_site_fleet()
    plan = optimize(f)
    out = add_insight(plan, f, sensitivity_pct=5.0)
    assert out is not plan
    assert "breakeven_hpc_rate_usd_kw_month" not in plan.site_value.columns
    assert plan.extra == {}
    assert list(out.site_value.columns) == [*plan.site_value.columns,
                                            *SITE_BREAKEVEN_COLUMNS[1:]]
    assert list(out.contracts.columns) == [*plan.contracts.columns,
                                           *CONTRACT_INSIGHT_COLUMNS[2:]]
    assert list(out.extra) == [MINER_BREAKEVEN_SHEET, SENSITIVITY_SHEET]
    assert SENSITIVITY_SHEET == TORNADO_SHEET
    assert out.npv_usd == plan.npv_usd
    again = add_insight(out, f, sensitivity_pct=None)  # columns replaced, not duplicated
    assert list(again.site_value.columns) == list(out.site_value.columns)


def test_add_insight_refuses_a_plan_of_another_fleet() -> None:
    plan = optimize(converting_site_fleet())
    other = fleet(sites=[site("Other")])
    with pytest.raises(ValueError, match="differ from the source"):
        add_insight(plan, other)


@pytest.mark.parametrize("kwargs", [{"probe_mw": 0.0}, {"tol_usd_kw_month": -1.0},
                                    {"max_rate_usd_kw_month": math.inf}])
def test_search_settings_must_be_positive(kwargs: dict[str, float]) -> None:
    (name, value), = kwargs.items()
    with pytest.raises(ValueError, match=f"{name} must be a positive number, got {value}"):
        site_breakevens(converting_site_fleet(), **kwargs)
    with pytest.raises(ValueError, match="rate_bound_factor must be a positive number"):
        contract_insight(converting_site_fleet(), rate_bound_factor=0.0)


def test_idle_online_space_is_leased_before_converting_and_says_so() -> None:
    """10 MW of existing HPC stand idle: the probe leases them at any rent above their
    $1,000/MW-month opex, $1/kW-month, and the note says the rate is not for converting."""
    f = fleet(months=6, sites=[site(hpc_existing_mw=10.0, hpc_convertible_mw=10.0,
                                    hpc_opex_usd_mw_month=1000.0)])
    row = site_breakevens(f).iloc[0]
    assert row["breakeven_hpc_rate_usd_kw_month"] == pytest.approx(1.0, abs=TOL)
    assert row["breakeven_note"] == ("idle online HPC space serves the probe, so this is the "
                                     "rate to lease it rather than to convert more")
