"""Validated, frozen domain objects of a fleet plan; they know no Excel and no solver.

A :class:`Fleet` is everything the optimizer needs: :class:`Settings`, :class:`Site` rows,
:class:`MinerTranche` rows, :class:`MarketMonth` rows, optional :class:`PowerPrice` overrides,
:class:`Contract` offers and :class:`NetworkBand` rows (the world's fleet, for
``network_model marginal_cost``). Field names carry their unit (``capacity_mw``,
``rate_usd_kw_month``). The workbook reader builds these; pipelines may build them directly.

Every rate and share field carries a :class:`PercentAbove` limit: where a person types the
number (a workbook cell, a scenario row), a value above it is taken for a percent typed
without its ``%`` and refused with the fraction it likely means (:func:`percent_typo`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from allocator.fields import (
    DAY_PATTERN,
    GROWTH,
    SHARE,
    Day,
    Finite,
    Frozen,
    Month,
    Name,
    PercentAbove,
    percent_limit,
    percent_typo,
)
from allocator.names import by_name, name_key, safe_name
from allocator.periods import month_from_index, month_index

__all__ = [
    "CURTAILMENT_POLICIES",
    "DEFAULT_NETWORK_FLEET",
    "HOURLY_PRICE_FILLS",
    "LEASE_STRUCTURES",
    "LOAN_AMORTIZATIONS",
    "MARKET_GAP_FILLS",
    "NETWORK_MODELS",
    "SHARE_SUM_TOLERANCE",
    "Contract",
    "CurtailmentPolicy",
    "Fleet",
    "HourlyPriceFill",
    "LeaseStructure",
    "LoanAmortization",
    "MarketGapFill",
    "MarketMonth",
    "MinerTranche",
    "NetworkBand",
    "NetworkModel",
    "PercentAbove",
    "PowerPrice",
    "PriceCurve",
    "Settings",
    "Site",
    "lease_structure_conflict",
    "months_without_market",
    "name_key",
    "percent_limit",
    "percent_typo",
    "safe_name",
    "tranche_labels",
]


MarketGapFill = Literal["hold_and_grow", "interpolate"]
"""How Market months between two given rows are filled (``market_gap_fill``)."""
MARKET_GAP_FILLS: tuple[str, ...] = get_args(MarketGapFill)
LeaseStructure = Literal["nnn", "modified_gross", "gross"]
"""Who pays the HPC hall's power (``lease_structure``): the tenant under ``nnn`` and
``modified_gross``, the owner under ``gross``; the owner runs the hall (its opex) in all."""
LEASE_STRUCTURES: tuple[str, ...] = get_args(LeaseStructure)
LoanAmortization = Literal["bullet", "amortizing"]
"""How a project loan repays (``loan_amortization``): all at the end, or level payments."""
LOAN_AMORTIZATIONS: tuple[str, ...] = get_args(LoanAmortization)
NetworkModel = Literal["fixed_growth", "marginal_cost"]
"""How the network hashrate of filled and projected months is set (``network_model``)."""
NETWORK_MODELS: tuple[str, ...] = get_args(NetworkModel)
CurtailmentPolicy = Literal["optimal", "strike", "none"]
"""How a site with hourly prices curtails its miners (``curtailment``, allocator.power)."""
CURTAILMENT_POLICIES: tuple[str, ...] = get_args(CurtailmentPolicy)
HourlyPriceFill = Literal["error", "monthly"]
"""What a planned month the hourly prices do not cover gets (``hourly_prices_fill``)."""
HOURLY_PRICE_FILLS: tuple[str, ...] = get_args(HourlyPriceFill)


class Settings(Frozen):
    """Horizon, finance and policy settings (sheet ``Settings``).

    ``halving_date`` (a day) refines ``halving_month``: given alone it sets the month; given
    with it, it must fall in that month. Without a date the halving is on the month's 1st.
    """

    start_month: Month
    months: int = Field(ge=1, le=600)
    discount_rate: Annotated[Finite, SHARE] = Field(default=0.0, ge=0, le=1)
    pool_fee: Annotated[Finite, SHARE] = Field(default=0.0, ge=0, lt=1)
    halving_month: Month = "2028-04"
    halving_date: Day | None = None
    market_gap_fill: MarketGapFill = "hold_and_grow"
    network_model: NetworkModel = "fixed_growth"
    network_power_price_usd_mwh: Finite = Field(default=40.0, ge=0, le=1000)
    asset_life_years: Finite = Field(default=15.0, gt=0, le=100)
    btc_price_growth_pa: Annotated[Finite, GROWTH] = Field(default=0.0, gt=-1, le=10)
    network_hashrate_growth_pa: Annotated[Finite, GROWTH] = Field(default=0.0, gt=-1, le=10)
    solver: str = "highs"
    min_fleet_hashrate_ehs: Finite | None = Field(default=None, ge=0)
    max_hpc_share: Annotated[Finite | None, SHARE] = Field(default=None, ge=0, le=1)
    capex_budget_usd_per_year: Finite | None = Field(default=None, ge=0)
    max_conversion_mw_per_year: Finite | None = Field(default=None, ge=0)
    # Monte Carlo (``allocator sweep --samples``): annual volatility of the GBM paths around
    # the outlook, and the correlation of their shocks. The optimizer itself ignores them.
    btc_price_volatility_pa: Annotated[Finite | None, GROWTH] = Field(default=None, ge=0, le=5)
    network_hashrate_volatility_pa: Annotated[Finite | None, GROWTH] = Field(
        default=None, ge=0, le=5)
    btc_hashrate_correlation: Annotated[Finite | None, SHARE] = Field(default=None, ge=-1,
                                                                       le=1)
    # Hourly prices (allocator.power): where they are read from and how; the reader turns
    # them into the Fleet's price_curves, which is all the optimizer reads.
    hourly_prices_file: str | None = None
    hourly_prices_timezone: str = "UTC"
    hourly_prices_fill: HourlyPriceFill = "error"
    # Candidate 4CP peaks: the N highest-load hours of each summer month (load_mw column).
    four_cp_candidate_hours: int | None = Field(default=None, ge=1, le=744)
    # Project financing for the deal metrics (allocator.deals.financing); the LP ignores it.
    loan_to_cost: Annotated[Finite | None, SHARE] = Field(default=None, ge=0, le=1)
    loan_coupon_pa: Annotated[Finite, SHARE] = Field(default=0.0, ge=0, le=1)
    loan_amortization: LoanAmortization = "bullet"
    loan_term_months: int | None = Field(default=None, ge=1, le=600)
    cash_sweep_share: Annotated[Finite, SHARE] = Field(default=0.0, ge=0, le=1)
    # All-in cost per BTC (allocator.deals.mining): reporting only, the LP ignores them.
    miner_capex_usd_th: Finite = Field(default=0.0, ge=0, le=1000)
    miner_life_months: int = Field(default=36, ge=1, le=600)
    mining_overhead_usd_month: Finite = Field(default=0.0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _halving_month_of_date(cls, data: Any) -> Any:
        """A ``halving_date`` given alone sets ``halving_month``; with it, both must agree."""
        if not isinstance(data, dict) or not DAY_PATTERN.fullmatch(str(data.get("halving_date"))):
            return data  # no date, or one its own check refuses
        date, month = data["halving_date"], data.get("halving_month")
        if month is None:
            return {**data, "halving_month": date[:7]}
        if isinstance(month, str) and date[:7] != month:
            raise ValueError(f"halving_date {date} is not in halving_month {month}; give one "
                             "of them, or make them agree")
        return data

    @property
    def halving_day(self) -> str:
        """The first halving after April 2024 as a day, ``YYYY-MM-DD``: ``halving_date``, or
        the 1st of ``halving_month``."""
        return self.halving_date or f"{self.halving_month}-01"


class Site(Frozen):
    """One site's grid connection, costs and convertible space (sheet ``Sites``).

    ``hpc_*`` MW are critical-IT MW; ``capacity_mw`` is grid MW at the meter.
    """

    name: Name
    capacity_mw: Finite = Field(gt=0)
    power_price_usd_mwh: Finite = Field(ge=0)
    mining_pue: Finite = Field(default=1.0, ge=1, le=3)
    hpc_pue: Finite = Field(default=1.0, ge=1, le=3)
    uptime: Annotated[Finite, SHARE] = Field(default=1.0, gt=0, le=1)
    mining_opex_usd_mw_month: Finite = Field(default=0.0, ge=0)
    hpc_existing_mw: Finite = Field(default=0.0, ge=0)
    hpc_convertible_mw: Finite = Field(default=0.0, ge=0)
    conversion_capex_usd_mw: Finite = Field(default=0.0, ge=0)
    conversion_lead_months: int = Field(default=0, ge=0, le=120)
    hpc_opex_usd_mw_month: Finite = Field(default=0.0, ge=0)
    hpc_load_factor: Annotated[Finite, SHARE] = Field(default=1.0, ge=0, le=1)
    conversion_block_mw: Finite | None = Field(default=None, gt=0)
    curtailment: CurtailmentPolicy = "optimal"
    curtailment_strike_usd_mwh: Finite | None = Field(default=None, ge=-1000, le=20000)
    curtailment_capture: Annotated[Finite, SHARE] = Field(default=1.0, ge=0, le=1)
    ppa_price_usd_mwh: Finite | None = Field(default=None, ge=-1000, le=20000)
    ppa_resale: bool = False
    ppa_resale_discount: Annotated[Finite, SHARE] = Field(default=0.0, ge=0, le=1)
    ppa_mw: Finite | None = Field(default=None, ge=0, le=1e6)
    four_cp_usd_kw_year: Finite | None = Field(default=None, ge=0, le=1000)
    demand_response_usd_mw_month: Finite | None = Field(default=None, ge=0, le=1e6)

    @model_validator(mode="after")
    def _strike_given(self) -> Self:
        if self.curtailment == "strike" and self.curtailment_strike_usd_mwh is None:
            raise ValueError("curtailment 'strike' needs curtailment_strike_usd_mwh")
        return self

    @field_validator("ppa_mw")
    @classmethod
    def _block_priced(cls, mw: float | None, info: ValidationInfo) -> float | None:
        """A block needs its price (checked at the ``ppa_mw`` cell; a price that failed its
        own check is reported there instead)."""
        if (mw is not None and "ppa_price_usd_mwh" in info.data
                and info.data["ppa_price_usd_mwh"] is None):
            raise ValueError("a block needs ppa_price_usd_mwh, its price")
        return mw

    @property
    def ppa_block(self) -> bool:
        """Whether the site's PPA is a fixed block of ``ppa_mw`` grid MW (take-or-pay) rather
        than one that follows the site's load."""
        return self.ppa_mw is not None and self.ppa_price_usd_mwh is not None


class MinerTranche(Frozen):
    """Installed miners of one model at one site (sheet ``Miners``), per-unit nameplate."""

    site: Name
    model: Name
    units: int = Field(ge=0)
    hashrate_th: Finite = Field(gt=0)
    power_w: Finite = Field(gt=0)

    @property
    def efficiency_j_th(self) -> float:
        """Joules per terahash at the wall."""
        return self.power_w / self.hashrate_th

    @property
    def installed_mw(self) -> float:
        """Nameplate MW of all units."""
        return self.units * self.power_w / 1e6


class NetworkBand(Frozen):
    """One efficiency band of the world's mining fleet (sheet ``NetworkFleet``): the share
    of the network hashrate its machines carry when all of them run."""

    efficiency_j_th: Finite = Field(gt=0, le=500)
    share: Annotated[Finite, SHARE] = Field(ge=0, le=1)
    source: str = ""


SHARE_SUM_TOLERANCE = 1e-6
"""How far the NetworkFleet shares may sum from 1."""

DEFAULT_NETWORK_FLEET: tuple[NetworkBand, ...] = (
    NetworkBand(efficiency_j_th=13.5, share=0.15,
                source="Antminer S21 XP class, 13.5 J/TH (DOMAIN.md 2.3: S31, S33)"),
    NetworkBand(efficiency_j_th=17.5, share=0.30,
                source="Antminer S21 class, 17.5 J/TH; Hashrate Index tier <19 J/TH "
                       "(DOMAIN.md 2.3, 2.1: S31, S32, S20)"),
    NetworkBand(efficiency_j_th=21.5, share=0.25,
                source="Antminer S19 XP class, 21.5 J/TH; tier 19-25 J/TH (S38, S20)"),
    NetworkBand(efficiency_j_th=29.5, share=0.20,
                source="Antminer S19j Pro class, 29.5 J/TH; tier 25-38 J/TH (S38, S20)"),
    NetworkBand(efficiency_j_th=38.0, share=0.10,
                source="the 25-38 J/TH tier's upper edge (S20)"),
)
"""The network fleet ``network_model marginal_cost`` assumes when the workbook gives no
NetworkFleet rows. The efficiencies are the Hashrate Index tiers and the nameplates of the
models that fill them (docs/model.md); the shares are this project's assumption (no stored
source gives them), weighted to 22.4 J/TH, near the 21.2 J/TH Riot's whole fleet averaged
in June 2025 (S48) and a little above it, as the world's fleet is older than a listed
miner's."""


def tranche_labels(miners: Iterable[MinerTranche]) -> list[str]:
    """Each tranche's name in messages, in order: ``Alpha Ridge Antminer S21 XP``, and
    ``Alpha Ridge Antminer S21 XP #2`` for a later row of the same model at the same site
    (such rows stay separate tranches)."""
    seen: Counter[tuple[str, str]] = Counter()
    labels: list[str] = []
    for m in miners:
        seen[m.site, m.model] += 1
        count = seen[m.site, m.model]
        labels.append(f"{m.site} {m.model}" + (f" #{count}" if count > 1 else ""))
    return labels


class MarketMonth(Frozen):
    """Market outlook for one month (sheet ``Market``).

    Either ``hashprice_usd_ph_day``, or ``btc_price_usd`` with the network given as
    ``network_hashrate_ehs`` or as ``difficulty`` (not both); the hashprice, when given too,
    overrides the one they imply.
    """

    month: Month
    btc_price_usd: Finite | None = Field(default=None, gt=0)
    network_hashrate_ehs: Finite | None = Field(default=None, gt=0)
    difficulty: Finite | None = Field(default=None, gt=0)
    fees_btc_per_block: Finite = Field(default=0.0, ge=0)
    hashprice_usd_ph_day: Finite | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _price_or_hashprice(self) -> Self:
        if self.network_hashrate_ehs is not None and self.difficulty is not None:
            raise ValueError("give network_hashrate_ehs or difficulty, not both")
        network = self.network_hashrate_ehs is not None or self.difficulty is not None
        if self.hashprice_usd_ph_day is None and (self.btc_price_usd is None or not network):
            raise ValueError("give hashprice_usd_ph_day, or btc_price_usd and the network "
                             "(network_hashrate_ehs or difficulty)")
        return self


class PowerPrice(Frozen):
    """A site's power price for one month, overriding its flat price (sheet ``PowerPrices``)."""

    site: Name
    month: Month
    power_price_usd_mwh: Finite = Field(ge=0)

    @property
    def label(self) -> str:
        """The row's name in messages: ``Alpha Ridge 2026-06``."""
        return f"{self.site} {self.month}"


class PriceCurve(Frozen):
    """One site-month's hourly (or 15-minute) prices as a binned duration curve
    (:mod:`allocator.power.curve`): hours and mean price per bin, ascending. Made by the
    reader from the hourly prices; a site-month without one is priced flat, as before."""

    site: Name
    month: Month
    hours: tuple[Finite, ...] = Field(min_length=1, strict=False)
    price_usd_mwh: tuple[Finite, ...] = Field(min_length=1, strict=False)
    # Flagged intervals, each one's hours and price: 4CP candidates, emergency curtailment.
    peak_hours: tuple[Finite, ...] = Field(default=(), strict=False)
    peak_price_usd_mwh: tuple[Finite, ...] = Field(default=(), strict=False)
    emergency_hours: tuple[Finite, ...] = Field(default=(), strict=False)
    emergency_price_usd_mwh: tuple[Finite, ...] = Field(default=(), strict=False)
    peaks_from_load_hours: int | None = None  # the four_cp_candidate_hours that picked them
    # Mean ancillary (demand-response) price per bin, USD per MW per hour; empty = none (0).
    ancillary_usd_mw_h: tuple[Finite, ...] = Field(default=(), strict=False)

    @model_validator(mode="after")
    def _same_bins(self) -> Self:
        for hours, prices in ((self.hours, self.price_usd_mwh),
                              (self.peak_hours, self.peak_price_usd_mwh),
                              (self.emergency_hours, self.emergency_price_usd_mwh)):
            if len(hours) != len(prices) or any(h <= 0 for h in hours):
                raise ValueError("a price curve needs one positive hours figure per price")
        if self.ancillary_usd_mw_h and len(self.ancillary_usd_mw_h) != len(self.hours):
            raise ValueError("a price curve's ancillary prices need one figure per bin")
        return self

    @property
    def label(self) -> str:
        """The curve's name in messages: ``Alpha Ridge 2026-06``."""
        return f"{self.site} {self.month}"


class Contract(Frozen):
    """An HPC lease offer (sheet ``Contracts``): take-or-pay on critical-IT MW.

    ``sites`` empty means any site may carry it.
    """

    name: Name
    tenant: str = ""
    rate_usd_kw_month: Finite = Field(ge=0)
    min_mw: Finite = Field(default=0.0, ge=0)
    max_mw: Finite = Field(gt=0)
    start_month: Month
    term_months: int = Field(ge=1, le=600)
    escalator_pa: Annotated[Finite, SHARE] = Field(default=0.0, gt=-1, le=1)
    sites: tuple[Name, ...] = Field(default=(), strict=False)
    power_pass_through: bool = False
    firm: bool = False
    all_or_nothing: bool = False
    rent_free_months: int = Field(default=0, ge=0, le=600)
    prepayment_share: Annotated[Finite, SHARE] = Field(default=0.0, ge=0, le=1)
    tenant_capex_usd_mw: Finite = Field(default=0.0, ge=0)
    lease_structure: LeaseStructure | None = None
    default_probability_pa: Annotated[Finite, SHARE] = Field(default=0.0, ge=0, lt=1)
    backstop_share: Annotated[Finite, SHARE] = Field(default=0.0, ge=0, le=1)
    delay_penalty_usd_kw_month: Finite | None = Field(default=None, ge=0)
    """Paid per leased kW for each month a future's construction slip defers the rent
    (stochastic plans, :mod:`allocator.stochastic.delays`); blank = none."""
    renewal_options: int = Field(default=0, ge=0, le=10)
    renewal_term_months: int | None = Field(default=None, ge=1, le=600)
    renewal_probability: Annotated[Finite, SHARE] = Field(default=0.0, ge=0, le=1)
    termination_probability_pa: Annotated[Finite, SHARE] = Field(default=0.0, ge=0, lt=1)
    termination_fee_months: Finite = Field(default=0.0, ge=0, le=600)
    termination_fee_step_months: Finite = Field(default=0.0, ge=0, le=600)
    # Per-deal financing (allocator.deals.financing); None = the Settings value.
    loan_to_cost: Annotated[Finite | None, SHARE] = Field(default=None, ge=0, le=1)
    loan_coupon_pa: Annotated[Finite | None, SHARE] = Field(default=None, ge=0, le=1)
    loan_amortization: LoanAmortization | None = None
    loan_term_months: int | None = Field(default=None, ge=1, le=600)
    cash_sweep_share: Annotated[Finite | None, SHARE] = Field(default=None, ge=0, le=1)
    deal: str = ""
    """The deal this row is a phase of (blank: a deal of its own, named by ``name``)."""

    @model_validator(mode="before")
    @classmethod
    def _power_of_lease_structure(cls, data: Any) -> Any:
        """``lease_structure`` sets ``power_pass_through`` (``gross``: no; ``nnn`` and
        ``modified_gross``: yes); given both, they must agree."""
        if not isinstance(data, dict) or data.get("lease_structure") not in LEASE_STRUCTURES:
            return data
        passes = data["lease_structure"] != "gross"
        given = data.get("power_pass_through")
        if isinstance(given, bool) and given != passes:
            raise ValueError(lease_structure_conflict(data["lease_structure"], given))
        return {**data, "power_pass_through": passes}

    @model_validator(mode="after")
    def _min_below_max(self) -> Self:
        if self.min_mw > self.max_mw:
            raise ValueError(f"min_mw {self.min_mw} exceeds max_mw {self.max_mw}")
        if self.rent_free_months >= self.term_months:
            raise ValueError(f"rent_free_months {self.rent_free_months} must be below "
                             f"term_months {self.term_months}")
        return self


def lease_structure_conflict(structure: str, power_pass_through: bool) -> str:
    """Why a lease structure and a power_pass_through cell disagree, in words."""
    payer = "the owner pays the power" if structure == "gross" else "the tenant pays the power"
    return (f"lease_structure {structure} means {payer}, but power_pass_through says "
            f"{'yes' if power_pass_through else 'no'}; leave power_pass_through blank or "
            "make them agree")


def months_without_market(start_month: str, first_market_index: int) -> str:
    """Words for the plan's months before the first Market row: ``2025-11 to 2025-12 have no
    market outlook``."""
    last = month_from_index(first_market_index - 1)
    if last == start_month:
        return f"{start_month} has no market outlook; add a Market row for it or start later"
    return (f"{start_month} to {last} have no market outlook; add Market rows for them or "
            "start later")


def _duplicates(names: list[str]) -> list[str]:
    return sorted(name for name, count in Counter(names).items() if count > 1)


class Fleet(BaseModel):
    """Everything one optimization needs, cross-checked.

    Collections accept lists or tuples and are stored as tuples.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    settings: Settings
    sites: tuple[Site, ...]
    miners: tuple[MinerTranche, ...] = ()
    market: tuple[MarketMonth, ...]
    power_prices: tuple[PowerPrice, ...] = ()
    contracts: tuple[Contract, ...] = ()
    network_fleet: tuple[NetworkBand, ...] = ()
    """The NetworkFleet rows; empty means :data:`DEFAULT_NETWORK_FLEET`."""
    price_curves: tuple[PriceCurve, ...] = ()
    """Site-months valued on their hourly prices (allocator.power); empty: all flat."""

    @model_validator(mode="after")
    def _cross_check(self) -> Self:
        errors: list[str] = []
        if self.network_fleet and abs(sum(b.share for b in self.network_fleet) - 1.0) > (
                SHARE_SUM_TOLERANCE):
            total = sum(b.share for b in self.network_fleet)
            errors.append(f"network fleet shares sum to {total:.6g}, not 1")
        site_names = [s.name for s in self.sites]
        if not site_names:
            errors.append("at least one site is needed")
        for label, names in (
            ("site", site_names),
            ("contract", [c.name for c in self.contracts]),
            ("market month", [m.month for m in self.market]),
        ):
            if dup := _duplicates(names):
                errors.append(f"{label} named more than once: {', '.join(dup)}")
        for label, names in (("site", site_names), ("contract", [c.name for c in self.contracts])):
            by_key: dict[str, set[str]] = {}
            for name in names:
                by_key.setdefault(name_key(name), set()).add(name)
            for group in by_key.values():
                if len(group) > 1:
                    errors.append(f"{label} names {', '.join(sorted(group))} differ only in "
                                  "spaces or punctuation")
        known = set(site_names)
        for m in self.miners:
            if m.site not in known:
                errors.append(f"miners at unknown site {m.site!r}")
        for p in self.power_prices:
            if p.site not in known:
                errors.append(f"power price for unknown site {p.site!r}")
        for curve in self.price_curves:
            if curve.site not in known:
                errors.append(f"hourly prices for unknown site {curve.site!r}")
        if dup := _duplicates([curve.label for curve in self.price_curves]):
            errors.append(f"hourly price curve given more than once: {', '.join(dup)}")
        if {c.peaks_from_load_hours for c in self.price_curves} - {
                None, self.settings.four_cp_candidate_hours}:  # picked when the file is read
            errors.append("four_cp_candidate_hours picks the 4CP candidates as the hourly "
                          "prices are read: change it in the workbook, not in a scenario")
        for c in self.contracts:
            for s in c.sites:
                if s not in known:
                    errors.append(f"contract {c.name!r} names unknown site {s!r}")
        if not self.market:
            errors.append("the market needs at least one month")
        else:
            first = min(month_index(m.month) for m in self.market)
            if month_index(self.settings.start_month) < first:
                gap = months_without_market(self.settings.start_month, first)
                errors.append(f"start_month {self.settings.start_month} is before the first "
                              f"market month {month_from_index(first)}: {gap}")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    @property
    def network_bands(self) -> tuple[NetworkBand, ...]:
        """The network fleet's bands: the NetworkFleet rows, or the default table."""
        return self.network_fleet or DEFAULT_NETWORK_FLEET

    def site(self, name: str) -> Site:
        """The site called ``name``.

        Raises:
            KeyError: no such site.
        """
        found = by_name(self.sites).get(name)
        if found is None:
            raise KeyError(f"Unknown site {name!r}. "
                           f"Available: {', '.join(x.name for x in self.sites)}")
        return found

