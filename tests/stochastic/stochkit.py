"""Small fleets and scenario sets for the stochastic tests."""

from __future__ import annotations

from allocator.domain import Contract, Fleet, MarketMonth, MinerTranche, Settings, Site
from allocator.stochastic.scenario_set import ScenarioSet, scenario_set

HIGH_HASHPRICE = 60.0
LOW_HASHPRICE = 10.0


def hall_fleet(hashprice_usd_ph_day: float) -> Fleet:
    """One site, April 2026 (30 days), r = 0, no pool fee, PUEs 1, no opex:

    - tranche A: 10,000 x 3,000 W at 200 TH/s = 30 MW at 15 J/TH;
    - tranche B: 10,000 x 3,000 W at 120 TH/s = 30 MW at 25 J/TH;
    - grid 60 MW at $50/MWh; one convertible hall of 30 MW (``conversion_block_mw`` 30,
      so a MILP), no capex, no lead time;
    - an offer of $10/kW-month for up to 30 MW, that month only, power passed through.
    """
    return Fleet(
        settings=Settings(start_month="2026-04", months=1, discount_rate=0.0, pool_fee=0.0),
        sites=[Site(name="Hall", capacity_mw=60.0, power_price_usd_mwh=50.0, mining_pue=1.0,
                    hpc_pue=1.0, uptime=1.0, mining_opex_usd_mw_month=0.0,
                    hpc_convertible_mw=30.0, conversion_block_mw=30.0,
                    conversion_capex_usd_mw=0.0, conversion_lead_months=0,
                    hpc_opex_usd_mw_month=0.0)],
        miners=[MinerTranche(site="Hall", model="A", units=10_000, hashrate_th=200.0,
                             power_w=3000.0),
                MinerTranche(site="Hall", model="B", units=10_000, hashrate_th=120.0,
                             power_w=3000.0)],
        market=[MarketMonth(month="2026-04", hashprice_usd_ph_day=hashprice_usd_ph_day)],
        contracts=[Contract(name="Lease", rate_usd_kw_month=10.0, max_mw=30.0,
                            start_month="2026-04", term_months=1, power_pass_through=True)],
    )


def hall_set() -> ScenarioSet:
    """The hall fleet at $60 and at $10/PH/day, equally likely."""
    return scenario_set([hall_fleet(HIGH_HASHPRICE), hall_fleet(LOW_HASHPRICE)],
                        names=["high", "low"])


def two_month_hall(may_hashprice_usd_ph_day: float) -> Fleet:
    """The hall fleet over April (30 days, hashprice $35 in every future) and May (31 days,
    the uncertain month), the lease offered for May only."""
    one = hall_fleet(35.0)
    return one.model_copy(update={
        "settings": one.settings.model_copy(update={"months": 2}),
        "market": (MarketMonth(month="2026-04", hashprice_usd_ph_day=35.0),
                   MarketMonth(month="2026-05", hashprice_usd_ph_day=may_hashprice_usd_ph_day)),
        "contracts": (one.contracts[0].model_copy(update={"start_month": "2026-05"}),)})


def two_month_set() -> ScenarioSet:
    """May at $60 or at $10/PH/day, equally likely."""
    return scenario_set([two_month_hall(HIGH_HASHPRICE), two_month_hall(LOW_HASHPRICE)],
                        names=["high", "low"])
