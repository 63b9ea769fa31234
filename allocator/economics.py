"""Mining and HPC economics as pure functions (docs/model.md); no solver and no I/O here.

Each function works on Python floats and, where it makes sense, on numpy arrays, so the LP
builder uses them vectorised for coefficients and :mod:`allocator.results.accounting` uses
them again, row by row, to re-price a solved plan independently.
"""

from __future__ import annotations

import math
from typing import Protocol, TypeVar, overload

import numpy as np
import numpy.typing as npt

from allocator.periods import days_in_month, month_index

__all__ = [
    "BLOCKS_PER_DAY",
    "BLOCK_INTERVAL_S",
    "HASHES_PER_DIFFICULTY",
    "HOURS_PER_DAY",
    "SUBSIDY_EPOCH_MONTH",
    "RentTerms",
    "block_subsidy_btc",
    "breakeven_hashprice_usd_ph_day",
    "capital_charge_usd_mw_month",
    "capital_recovery_factor",
    "discount_factor",
    "escalation_factor",
    "expected_rent_share",
    "hashprice_usd_ph_day",
    "hpc_cost_usd_mw_month",
    "hpc_power_cost_usd_mw_month",
    "hpc_revenue_usd_mw_month",
    "lease_rent_usd_mw_month",
    "mining_cost_usd_mw_month",
    "mining_power_cost_usd",
    "mining_power_cost_usd_mw_month",
    "mining_revenue_usd_mw_month",
    "network_hashrate_ehs_from_difficulty",
    "phs_per_mw",
    "tenant_capex_credit_usd_mw_month",
    "termination_fee_usd_mw_month",
]

BLOCKS_PER_DAY = 144
BLOCK_INTERVAL_S = 600.0
HASHES_PER_DIFFICULTY = 2.0**32
"""Expected hashes to find a block at difficulty 1."""
HOURS_PER_DAY = 24
SUBSIDY_EPOCH_MONTH = "2024-04"
"""The April 2024 halving, from which the subsidy is 3.125 BTC."""
_EPOCH_SUBSIDY_BTC = 3.125
_HALVING_INTERVAL_MONTHS = 48

F = TypeVar("F", float, npt.NDArray[np.float64])


def _halving_day(halving: str) -> tuple[int, int]:
    """``(month index, day of month)`` of ``halving``: ``YYYY-MM-DD``, or ``YYYY-MM`` (its 1st)."""
    if len(halving) == len("YYYY-MM"):
        return month_index(halving), 1
    return month_index(halving[:7]), int(halving[8:10])


def _subsidy_on_day_btc(t: int, day: int, halving_index: int, halving_day: int) -> float:
    """The subsidy on ``day`` of month index ``t``, from the April 2024 epoch on."""
    since = t - halving_index
    if since < 0:
        return _EPOCH_SUBSIDY_BTC
    halvings = since // _HALVING_INTERVAL_MONTHS + (
        1 if since % _HALVING_INTERVAL_MONTHS or day >= halving_day else 0)
    return float(_EPOCH_SUBSIDY_BTC / 2**halvings)


def block_subsidy_btc(month: str, halving: str = "2028-04") -> float:
    """Block subsidy in BTC during ``month``, averaged over its days.

    3.125 BTC from the April 2024 halving; halves on ``halving`` (a day ``YYYY-MM-DD``, or a
    month ``YYYY-MM`` meaning its 1st) and every 48 months after, on the same day of the
    month (the last day in a shorter month). In a halving month the days before the halving
    earn the old subsidy: a 30-day month halving on day 16 gives
    ``(15 * 3.125 + 15 * 1.5625) / 30``. Months before April 2024 get the earlier epochs'
    subsidies (6.25, 12.5, ...), whole months.
    """
    t = month_index(month)
    halving_index, halving_day = _halving_day(halving)
    epoch = month_index(SUBSIDY_EPOCH_MONTH)
    if t < halving_index and t < epoch:
        return float(_EPOCH_SUBSIDY_BTC * 2 ** (1 + (epoch - 1 - t) // _HALVING_INTERVAL_MONTHS))
    days = days_in_month(month)
    day = min(halving_day, days)
    first = _subsidy_on_day_btc(t, 1, halving_index, day)
    last = _subsidy_on_day_btc(t, days, halving_index, day)
    if first == last:
        return first
    return ((day - 1) * first + (days - day + 1) * last) / days


def network_hashrate_ehs_from_difficulty(difficulty: F) -> F:
    """The network hashrate a difficulty implies, in EH/s: ``difficulty * 2**32 / 600 s``.

    Difficulty 148.26 T (set 8 January 2026) gives 1,061 EH/s.
    """
    return difficulty * HASHES_PER_DIFFICULTY / BLOCK_INTERVAL_S / 1e18


def hashprice_usd_ph_day(
    btc_price_usd: F, network_hashrate_ehs: F, subsidy_btc: F, fees_btc_per_block: F
) -> F:
    """USD earned per PH/s per day: ``(subsidy + fees) * 144 * price / (EH/s * 1000)``."""
    return (
        (subsidy_btc + fees_btc_per_block)
        * BLOCKS_PER_DAY
        * btc_price_usd
        / (network_hashrate_ehs * 1000.0)
    )


def phs_per_mw(efficiency_j_th: F) -> F:
    """PH/s delivered by one MW of miners: ``1000 / J/TH`` (17.5 J/TH -> 57.1 PH/s)."""
    return 1000.0 / efficiency_j_th


def mining_revenue_usd_mw_month(
    hashprice: F, efficiency_j_th: F, days: F, pool_fee: float
) -> F:
    """Revenue of one running miner MW for a month, after the pool fee."""
    return hashprice * phs_per_mw(efficiency_j_th) * days * (1.0 - pool_fee)


def mining_power_cost_usd(
    running_mw: float | F, power_price_usd_mwh: F, days: F, mining_pue: F
) -> F:
    """Grid power bill of ``running_mw`` miner MW for a month, at the mining PUE.

    Args:
        running_mw: Miner MW running all month.
        power_price_usd_mwh: Site power price that month.
        days: Days in the month.
        mining_pue: Grid MW per miner MW.

    Returns:
        ``mw * price * 24 * days * pue`` USD, multiplied left to right (the plan's tranche
        rows use this order); the opex is not included.
    """
    return running_mw * power_price_usd_mwh * HOURS_PER_DAY * days * mining_pue


def mining_power_cost_usd_mw_month(power_price_usd_mwh: F, days: F, mining_pue: F) -> F:
    """Grid power of one running miner MW for a month, at the mining PUE.

    Args:
        power_price_usd_mwh: Site power price that month.
        days: Days in the month.
        mining_pue: Grid MW per miner MW.

    Returns:
        ``price * 24 * days * pue`` USD per miner MW-month; the opex is not included.
    """
    return mining_power_cost_usd(1.0, power_price_usd_mwh, days, mining_pue)


def mining_cost_usd_mw_month(
    power_price_usd_mwh: F, days: F, mining_pue: F, mining_opex_usd_mw_month: F
) -> F:
    """Power (at the mining PUE) and opex of one running miner MW for a month."""
    return (
        mining_power_cost_usd_mw_month(power_price_usd_mwh, days, mining_pue)
        + mining_opex_usd_mw_month
    )


def escalation_factor(escalator_pa: float, months_since_start: F) -> F:
    """Rent multiplier: ``(1 + g) ** floor(months / 12)``; escalators step once a year."""
    return (1.0 + escalator_pa) ** np.floor_divide(months_since_start, 12)  # type: ignore[no-any-return]


def hpc_revenue_usd_mw_month(
    rate_usd_kw_month: float, escalator_pa: float, months_since_start: F,
    rent_free_months: int = 0, default_probability_pa: float = 0.0,
    backstop_share: float = 0.0,
) -> F:
    """Expected rent of one leased IT MW for a month (per kW of critical IT, take-or-pay).

    ``rate x 1000 x escalation``, nothing in the first ``rent_free_months`` of the term, and
    times :func:`expected_rent_share` where the tenant may default. With the defaults the
    rent is the rate and its escalator alone, computed as before.
    """
    rent = rate_usd_kw_month * 1000.0 * escalation_factor(escalator_pa, months_since_start)
    if rent_free_months == 0 and default_probability_pa == 0.0 and backstop_share == 0.0:
        return rent
    paid = np.asarray(months_since_start) >= rent_free_months
    share = expected_rent_share(months_since_start, default_probability_pa, backstop_share)
    return rent * paid * share  # type: ignore[return-value]


def expected_rent_share(months_since_start: F, default_probability_pa: float,
                        backstop_share: float) -> F:
    """Share of the contracted rent expected in a month of the term, given tenant credit.

    The tenant still pays with probability ``(1 - p) ^ (months / 12)`` (``p`` the annual
    default probability); ``backstop_share`` of the rent is guaranteed by a backstop (a
    rated guarantor) whatever the tenant does: ``b + (1 - b) x (1 - p) ^ (months / 12)``.
    """
    survival = (1.0 - default_probability_pa) ** (months_since_start / 12.0)
    return backstop_share + (1.0 - backstop_share) * survival  # type: ignore[no-any-return]


class RentTerms(Protocol):
    """A lease's rent terms, as a :class:`~allocator.domain.Contract` holds them."""

    @property
    def rate_usd_kw_month(self) -> float: ...
    @property
    def escalator_pa(self) -> float: ...
    @property
    def term_months(self) -> int: ...
    @property
    def rent_free_months(self) -> int: ...
    @property
    def default_probability_pa(self) -> float: ...
    @property
    def backstop_share(self) -> float: ...
    @property
    def termination_probability_pa(self) -> float: ...
    @property
    def termination_fee_months(self) -> float: ...
    @property
    def termination_fee_step_months(self) -> float: ...


def lease_rent_usd_mw_month(terms: RentTerms, months_since_start: F,
                            rate_usd_kw_month: float | None = None) -> F:
    """Expected rent and termination fee of one leased IT MW for a month of the term.

    :func:`hpc_revenue_usd_mw_month` of the lease's terms (``rate_usd_kw_month`` in place of
    its rate where given), and where the tenant may end the lease early
    (``termination_probability_pa`` = q above 0) that rent times the chance the lease still
    runs, ``(1 - q) ^ (months / 12)``, plus :func:`termination_fee_usd_mw_month`. With
    q = 0 it is :func:`hpc_revenue_usd_mw_month`'s rent exactly.
    """
    rate = terms.rate_usd_kw_month if rate_usd_kw_month is None else rate_usd_kw_month
    rent = hpc_revenue_usd_mw_month(rate, terms.escalator_pa, months_since_start,
                                    terms.rent_free_months, terms.default_probability_pa,
                                    terms.backstop_share)
    q = terms.termination_probability_pa
    if q == 0.0:
        return rent
    running = (1.0 - q) ** (np.asarray(months_since_start, dtype=float) / 12.0)
    return rent * running + termination_fee_usd_mw_month(  # type: ignore[return-value]
        terms, months_since_start, rate)


def termination_fee_usd_mw_month(terms: RentTerms, months_since_start: F,
                                 rate_usd_kw_month: float | None = None) -> F:
    """Expected termination fee of one leased IT MW in a month of the term.

    A tenant ends the lease at the end of month ``m`` of the term (before its last month)
    with probability ``h = 1 - (1 - q) ^ (1 / 12)`` given it still runs, ``(1 - q) ^ (m /
    12)``, and pays ``max(f - s x floor(m / 12), 0)`` months of the month's contracted rent
    (``rate x 1000 x escalation``; ``f`` = ``termination_fee_months``, ``s`` =
    ``termination_fee_step_months``), unless it has defaulted (a defaulting tenant pays no
    fee, and the backstop guarantees rent, not the fee): times ``(1 - p) ^ (m / 12)``.
    """
    rate = terms.rate_usd_kw_month if rate_usd_kw_month is None else rate_usd_kw_month
    m = np.asarray(months_since_start, dtype=float)
    q, p = terms.termination_probability_pa, terms.default_probability_pa
    fee_months = np.maximum(terms.termination_fee_months
                            - terms.termination_fee_step_months * np.floor_divide(m, 12), 0.0)
    may_end = (m >= 0) & (m < terms.term_months - 1)
    chance = (1.0 - (1.0 - q) ** (1.0 / 12.0)) * ((1.0 - q) * (1.0 - p)) ** (m / 12.0)
    rent = rate * 1000.0 * escalation_factor(terms.escalator_pa, m)
    return rent * fee_months * chance * may_end  # type: ignore[no-any-return]


def hpc_cost_usd_mw_month(
    hpc_opex_usd_mw_month: F,
    power_price_usd_mwh: F,
    days: F,
    hpc_pue: F,
    hpc_load_factor: F,
    power_pass_through: bool,
) -> F:
    """Cost of one leased IT MW for a month: opex, plus power unless the tenant pays it."""
    if power_pass_through:
        return hpc_opex_usd_mw_month
    return hpc_opex_usd_mw_month + hpc_power_cost_usd_mw_month(
        power_price_usd_mwh, days, hpc_pue, hpc_load_factor, power_pass_through
    )


def hpc_power_cost_usd_mw_month(
    power_price_usd_mwh: F,
    days: F,
    hpc_pue: F,
    hpc_load_factor: F,
    power_pass_through: bool,
) -> F:
    """The operator's grid power bill for one leased IT MW for a month; 0 under pass-through.

    Args:
        power_price_usd_mwh: Site power price that month.
        days: Days in the month.
        hpc_pue: Grid MW per critical-IT MW.
        hpc_load_factor: Share of the leased IT MW the tenant draws on average.
        power_pass_through: The tenant pays the power bill itself.

    Returns:
        ``price * 24 * days * pue * load`` USD per IT MW-month, or 0 (same shape) when the
        tenant pays; the opex is not included.
    """
    cost = power_price_usd_mwh * HOURS_PER_DAY * days * hpc_pue * hpc_load_factor
    if power_pass_through:
        return cost * 0.0 + 0.0  # zero of the same shape; + 0.0 turns -0.0 into 0.0
    return cost


def capital_recovery_factor(rate: float, years: float) -> float:
    """``r / (1 - (1 + r) ** -n)``; ``1 / n`` at ``r = 0``."""
    if rate == 0:
        return 1.0 / years
    return float(rate / (1.0 - (1.0 + rate) ** -years))


def capital_charge_usd_mw_month(capex_usd_mw: float, rate: float, life_years: float) -> float:
    """Monthly capital recovery charge of one converted IT MW."""
    return capex_usd_mw * capital_recovery_factor(rate, life_years) / 12.0


def tenant_capex_credit_usd_mw_month(tenant_capex_usd_mw: float, conversion_capex_usd_mw: float,
                                     hpc_existing_mw: float, rate: float,
                                     life_years: float) -> float:
    """Monthly credit to a leased IT MW whose tenant funds ``tenant_capex_usd_mw`` of the
    fit-out: the capital charge on that amount, capped at the site's conversion capex per MW,
    paid back in every month the lease holds the MW. 0 at a site with existing HPC space,
    where a leased MW need not be a converted one (docs/model.md)."""
    if hpc_existing_mw > 0 or tenant_capex_usd_mw <= 0:
        return 0.0
    return capital_charge_usd_mw_month(min(tenant_capex_usd_mw, conversion_capex_usd_mw),
                                       rate, life_years)


def discount_factor(month_offset: F, rate: float) -> F:
    """``(1 + r) ** (-t / 12)`` for month ``t`` of the horizon (0 for the first)."""
    return (1.0 + rate) ** (-month_offset / 12.0)  # type: ignore[no-any-return,unused-ignore]


@overload
def breakeven_hashprice_usd_ph_day(
    power_price_usd_mwh: float, mining_pue: float, mining_opex_usd_mw_month: float,
    efficiency_j_th: float, days: float, pool_fee: float,
) -> float: ...


@overload
def breakeven_hashprice_usd_ph_day(
    power_price_usd_mwh: npt.NDArray[np.float64], mining_pue: float,
    mining_opex_usd_mw_month: float, efficiency_j_th: float, days: npt.NDArray[np.float64],
    pool_fee: float,
) -> npt.NDArray[np.float64]: ...


def breakeven_hashprice_usd_ph_day(
    power_price_usd_mwh: float | npt.NDArray[np.float64],
    mining_pue: float,
    mining_opex_usd_mw_month: float,
    efficiency_j_th: float,
    days: float | npt.NDArray[np.float64],
    pool_fee: float,
) -> float | npt.NDArray[np.float64]:
    """Hashprice at which one running MW of miners just pays its power and opex.

    Floats, or arrays with one value per month; infinite where a MW earns nothing.
    """
    def array(x: float | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(x, dtype=float)

    length = array(days)
    cost = mining_cost_usd_mw_month(array(power_price_usd_mwh), length, array(mining_pue),
                                    array(mining_opex_usd_mw_month))
    per_hashprice = mining_revenue_usd_mw_month(np.ones_like(length), array(efficiency_j_th),
                                                length, pool_fee)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(per_hashprice > 0, cost / per_hashprice, math.inf)
    return out if out.ndim else float(out)
