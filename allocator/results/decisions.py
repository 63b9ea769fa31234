"""Price the solver's decisions as plan frames and per-site arrays; no solver calls, no I/O.

The decisions are miners run, HPC leases and conversions started.

Each stage takes the coefficients and the solution and returns one frozen record: the
plan frames it owns plus the per-site, per-month arrays the roll-ups in
:mod:`allocator.results.rollups` add up. Power cost and opex come from the
:mod:`allocator.economics` functions, not from the LP's combined cost arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator import economics as econ
from allocator.optimization.backends import Solution
from allocator.optimization.coefficients import Coefficients, ContractTerms
from allocator.periods import add_months
from allocator.power.emergency import hpc_emergency_saving_usd_mw
from allocator.power.four_cp import hpc_four_cp_usd_mw_month

__all__ = [
    "TINY_MW",
    "Conversions",
    "Leases",
    "Mining",
    "clean_mw",
    "conversions",
    "leases",
    "mining",
    "repeated_text",
    "text_array",
    "tiled_text",
]

Array = npt.NDArray[np.float64]

TINY_MW = 1e-7
"""Solver round-off below this many MW is shown as 0."""

_LEASE_COLUMNS = ["contract", "site", "month", "leased_mw", "rate_usd_kw_month", "revenue_usd",
                  "power_cost_usd", "opex_usd", "margin_usd"]
_CONTRACT_COLUMNS = ["contract", "tenant", "firm", "power_pass_through", "rate_usd_kw_month",
                     "escalator_pa", "start_month", "term_months", "min_mw", "max_mw",
                     "committed_mw", "months_in_horizon", "sites_used", "revenue_usd",
                     "power_cost_usd", "opex_usd", "margin_usd", "npv_usd"]
_BUILD_COLUMNS = ["site", "month", "build_mw", "online_month", "capex_usd",
                  "capital_charge_usd_mw_month"]


def text_array(values: Iterable[str]) -> npt.NDArray[np.object_]:
    """``values`` as an object array, for a long text column made by ``np.repeat``/``np.tile``.

    pandas turns an object array of str into its string column about 6 times faster than
    numpy's fixed-width ``<U`` array, which a list of str otherwise becomes (0.06 s against
    0.01 s for 150,000 site names: a 1,000-site plan's frames have 1.5 million such cells).
    """
    return np.array(list(values), dtype=object)


def repeated_text(values: Iterable[str], repeats: int | npt.NDArray[np.int64]) -> Any:
    """``values`` as a text column, each repeated ``repeats`` times (as ``np.repeat``).

    The column of the distinct values is made once and its cells taken, several times faster
    than pandas converting the long object array cell by cell (10 ms -> 2 ms for 150,000
    site names); the dtype is the one pandas gives that object array."""
    small = pd.Series(text_array(values)).array
    return small.take(np.repeat(np.arange(len(small)), repeats))


def tiled_text(values: Iterable[str], reps: int) -> Any:
    """``values`` as a text column, all of them ``reps`` times over (as ``np.tile``), made as
    :func:`repeated_text` is."""
    small = pd.Series(text_array(values)).array
    return small.take(np.tile(np.arange(len(small)), reps))


def clean_mw(values: npt.ArrayLike) -> Array:
    """A float copy of ``values`` with the solver's round-off dust (``|x| < 1e-7`` MW) zeroed.

    Args:
        values: MW from the solution.

    Returns:
        The copy, so sheets show 0 rather than -3e-12.
    """
    out = np.array(values, dtype=float, copy=True)
    out[np.abs(out) < TINY_MW] = 0.0
    return out


@dataclass(frozen=True)
class Mining:
    """Miners run: the ``tranches`` frame and its totals per site and month ``[S, T]``.

    Attributes:
        running_mw: MW run per tranche and month ``[M, T]`` (cleaned).
        tranches: The plan's ``tranches`` frame.
        mining_mw: Miner MW running per site ``[S, T]``.
        hashrate_phs: PH/s per site ``[S, T]``.
        revenue_usd: Mining revenue after the pool fee ``[S, T]``.
        power_cost_usd: Grid power of the running miners ``[S, T]``.
        opex_usd: Mining opex ``[S, T]``.
    """

    running_mw: Array
    tranches: pd.DataFrame
    mining_mw: Array
    hashrate_phs: Array
    revenue_usd: Array
    power_cost_usd: Array
    opex_usd: Array


def mining(coef: Coefficients, sol: Solution) -> Mining:
    """Price every tranche's running MW per month and add the tranches up by site.

    Args:
        coef: The LP's coefficients.
        sol: The solved LP.

    Returns:
        The :class:`Mining` record.
    """
    months, t_count, m_count = list(coef.months), len(coef.months), len(coef.tranches)
    run_mw = clean_mw(sol.mine_mw)
    at = coef.tranche_site
    eff = coef.efficiency_j_th
    phs = run_mw * econ.phs_per_mw(eff)[:, None] if m_count else np.zeros((0, t_count))
    revenue = run_mw * coef.mining_revenue_usd_mw_month
    power_cost = econ.mining_power_cost_usd(
        run_mw, coef.power_price_usd_mwh[at], coef.days[None, :],
        coef.site.mining_pue[at][:, None])
    if coef.mining_power_cost_usd_mw_month is not None:  # curtailed on hourly prices
        power_cost = run_mw * coef.mining_power_cost_usd_mw_month
    opex = run_mw * coef.site.mining_opex_usd_mw_month[at][:, None]
    miner_index = {id(m): i for i, m in enumerate(coef.fleet.miners)}
    tranches = pd.DataFrame({
        "site": repeated_text([t.site for t in coef.tranches], t_count),
        "model": repeated_text([t.model for t in coef.tranches], t_count),
        "tranche": np.repeat([miner_index[id(t)] for t in coef.tranches], t_count).astype(int),
        "month": tiled_text(months, m_count),
        "efficiency_j_th": np.repeat(eff, t_count),
        "available_mw": np.repeat(coef.tranche_available_mw, t_count),
        "running_mw": run_mw.reshape(-1),
        "hashrate_phs": phs.reshape(-1),
        "hashprice_usd_ph_day": np.tile(coef.hashprice_usd_ph_day, m_count),
        "revenue_usd": revenue.reshape(-1),
        "power_cost_usd": power_cost.reshape(-1),
        "opex_usd": opex.reshape(-1),
        "margin_usd": (revenue - power_cost - opex).reshape(-1),
    })
    if sol.ppa_mine_mw is not None:  # running MW on a fixed PPA block (priced in ppa_block_usd)
        tranches["ppa_covered_mw"] = clean_mw(sol.ppa_mine_mw).reshape(-1)

    def by_site(values: Array) -> Array:
        out = np.zeros((len(coef.sites), t_count))
        np.add.at(out, at, values)
        return out

    return Mining(
        running_mw=run_mw, tranches=tranches, mining_mw=by_site(run_mw),
        hashrate_phs=by_site(phs), revenue_usd=by_site(revenue),
        power_cost_usd=by_site(power_cost), opex_usd=by_site(opex),
    )


@dataclass(frozen=True)
class Leases:
    """HPC leases: the ``leases`` and ``contracts`` frames and their totals ``[S, T]``.

    Attributes:
        leases: The plan's ``leases`` frame.
        contracts: The plan's ``contracts`` frame.
        leased_mw: IT MW leased per site and month ``[S, T]``.
        revenue_usd: Rent ``[S, T]``.
        power_cost_usd: The operator's power bill for leased MW ``[S, T]``.
        opex_usd: HPC opex ``[S, T]``.
    """

    leases: pd.DataFrame
    contracts: pd.DataFrame
    leased_mw: Array
    revenue_usd: Array
    power_cost_usd: Array
    opex_usd: Array


@dataclass(frozen=True)
class _Leases:
    """One contract's nonzero leases, site by site then month by month, each priced."""

    s: npt.NDArray[np.int64]
    t: npt.NDArray[np.int64]
    leased_mw: Array
    rent_usd_mw_month: Array
    revenue_usd: Array
    power_cost_usd: Array
    opex_usd: Array

    @property
    def margin_usd(self) -> Array:
        return self.revenue_usd - self.power_cost_usd - self.opex_usd


def _priced_leases(coef: Coefficients, terms: ContractTerms, lease_mw: Array) -> _Leases:
    """The contract's nonzero leases (C order: site, then month), each priced."""
    sites = np.asarray(terms.sites, dtype=np.int64)
    power = econ.hpc_power_cost_usd_mw_month(
        coef.power_price_usd_mwh[np.ix_(sites, terms.months)], coef.days[terms.months][None, :],
        coef.site.hpc_pue[sites][:, None], coef.site.hpc_load_factor[sites][:, None],
        terms.contract.power_pass_through)
    if any(coef.sites[s].four_cp_usd_kw_year is not None for s in sites.tolist()):
        months = [coef.months[t] for t in terms.months.tolist()]
        power = power + np.array([hpc_four_cp_usd_mw_month(
            coef.sites[s], months, terms.contract.power_pass_through) for s in sites.tolist()])
    if any(c.emergency_hours for c in coef.fleet.price_curves):  # not drawn in emergencies
        power = power - np.array([[hpc_emergency_saving_usd_mw(
            coef.fleet, coef.sites[s], coef.months[t], terms.contract.power_pass_through)
            for t in terms.months.tolist()] for s in sites.tolist()])
    i, j = np.nonzero(lease_mw)
    mw = lease_mw[i, j]
    rent = terms.revenue_usd_mw_month[j]
    return _Leases(s=sites[i], t=terms.months[j], leased_mw=mw, rent_usd_mw_month=rent,
                   revenue_usd=mw * rent, power_cost_usd=mw * power[i, j],
                   opex_usd=mw * coef.site.hpc_opex_usd_mw_month[sites[i]])


def _in_order(values: Array) -> float:
    """The sum taken left to right, as a running total adds the lease rows up."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


def _contract_row(coef: Coefficients, terms: ContractTerms, lease_mw: Array,
                  priced: _Leases, committed_mw: float) -> dict[str, object]:
    """The ``contracts`` row of one offer: its terms, commitment and priced totals."""
    c = terms.contract
    used = [coef.site.name[s] for i, s in enumerate(terms.sites)
            if lease_mw[i].max(initial=0.0) > 0]
    revenue, power_cost = _in_order(priced.revenue_usd), _in_order(priced.power_cost_usd)
    opex = _in_order(priced.opex_usd)
    return {
        "contract": c.name, "tenant": c.tenant, "firm": c.firm,
        "power_pass_through": c.power_pass_through,
        "rate_usd_kw_month": c.rate_usd_kw_month, "escalator_pa": c.escalator_pa,
        "start_month": c.start_month, "term_months": c.term_months,
        "min_mw": c.min_mw, "max_mw": c.max_mw,
        "committed_mw": 0.0 if abs(committed_mw) < TINY_MW else committed_mw,
        "months_in_horizon": len(terms.months), "sites_used": ", ".join(used),
        "revenue_usd": revenue, "power_cost_usd": power_cost, "opex_usd": opex,
        "margin_usd": revenue - power_cost - opex,
        "npv_usd": _in_order(priced.margin_usd * coef.discount[priced.t]),
    }


def _lease_rows(coef: Coefficients, terms: ContractTerms, priced: _Leases) -> pd.DataFrame:
    """The ``leases`` rows of one contract."""
    return pd.DataFrame({
        "contract": [terms.contract.name] * len(priced.s),
        "site": [coef.site.name[s] for s in priced.s.tolist()],
        "month": [coef.months[t] for t in priced.t.tolist()],
        "leased_mw": priced.leased_mw, "rate_usd_kw_month": priced.rent_usd_mw_month / 1000.0,
        "revenue_usd": priced.revenue_usd, "power_cost_usd": priced.power_cost_usd,
        "opex_usd": priced.opex_usd, "margin_usd": priced.margin_usd,
    }, columns=_LEASE_COLUMNS)


def leases(coef: Coefficients, sol: Solution) -> Leases:
    """Price every contract's leases, and add them up by site and month.

    Args:
        coef: The LP's coefficients.
        sol: The solved LP.

    Returns:
        The :class:`Leases` record.
    """
    shape = (len(coef.sites), len(coef.months))
    leased, revenue, power_cost, opex = (np.zeros(shape) for _ in range(4))
    lease_frames: list[pd.DataFrame] = []
    contract_rows: list[dict[str, object]] = []
    for k, terms in enumerate(coef.contracts):
        lease_mw = clean_mw(sol.lease_mw.get(k, np.zeros((len(terms.sites),
                                                          len(terms.months)))))
        priced = _priced_leases(coef, terms, lease_mw)
        at = (priced.s, priced.t)  # each (site, month) at most once per contract
        leased[at] += priced.leased_mw
        revenue[at] += priced.revenue_usd
        power_cost[at] += priced.power_cost_usd
        opex[at] += priced.opex_usd
        if len(priced.s):
            lease_frames.append(_lease_rows(coef, terms, priced))
        committed = float(sol.commit_mw[k]) if k < len(sol.commit_mw) else 0.0
        contract_rows.append(_contract_row(coef, terms, lease_mw, priced, committed))
    table = (pd.concat(lease_frames, ignore_index=True) if lease_frames
             else pd.DataFrame(columns=_LEASE_COLUMNS))
    return Leases(
        leases=table,
        contracts=pd.DataFrame(contract_rows, columns=_CONTRACT_COLUMNS),
        leased_mw=leased, revenue_usd=revenue, power_cost_usd=power_cost, opex_usd=opex,
    )


@dataclass(frozen=True)
class Conversions:
    """Conversions to HPC space: the ``builds`` frame and the space by site ``[S, T]``.

    Attributes:
        builds: The plan's ``builds`` frame.
        started_mw: IT MW whose conversion starts that month.
        converted_mw: IT MW converted or converting (cumulative).
        online_mw: IT MW ready to lease: existing plus conversions past their lead time.
        capital_charge_usd: Monthly capital charge on the converted MW, less the charge on
            the capex tenants fund for the MW leased to them that month.
    """

    builds: pd.DataFrame
    started_mw: Array
    converted_mw: Array
    online_mw: Array
    capital_charge_usd: Array


def _online_mw(coef: Coefficients, converted_mw: Array) -> Array:
    """IT MW ready to lease: existing plus conversions whose lead time has passed."""
    t_count = converted_mw.shape[1]
    online = np.zeros_like(converted_mw)
    for s, lead in enumerate(coef.site.conversion_lead_months.tolist()):
        if lead < t_count:
            online[s, lead:] = converted_mw[s, : t_count - lead]
        online[s] += coef.site.hpc_existing_mw[s]
    return online


def conversions(coef: Coefficients, sol: Solution) -> Conversions:
    """The conversions started, the space they bring online and its capital charge.

    Args:
        coef: The LP's coefficients.
        sol: The solved LP.

    Returns:
        The :class:`Conversions` record.
    """
    start_month = coef.fleet.settings.start_month
    started = clean_mw(sol.build_mw)
    converted = clean_mw(sol.converted_mw)
    monthly_charge = coef.capital_charge_usd_mw_month
    rows = [
        {"site": coef.site.name[s], "month": coef.months[t], "build_mw": float(started[s, t]),
         "online_month": add_months(start_month,
                                    t + int(coef.site.conversion_lead_months[s])),
         "capex_usd": float(started[s, t]) * float(coef.site.conversion_capex_usd_mw[s]),
         "capital_charge_usd_mw_month": float(monthly_charge[s])}
        for s, t in zip(*(ix.tolist() for ix in np.nonzero(started)), strict=True)
    ]
    return Conversions(
        builds=pd.DataFrame(rows, columns=_BUILD_COLUMNS),
        started_mw=started,
        converted_mw=converted,
        online_mw=_online_mw(coef, converted),
        capital_charge_usd=monthly_charge[:, None] * converted - _tenant_credit_usd(coef, sol),
    )


def _tenant_credit_usd(coef: Coefficients, sol: Solution) -> Array:
    """``[S, T]``: the capital charge on tenant-funded capex each site-month earns back, the
    leased MW times their contract's credit (docs/model.md); never above the site's charge."""
    credit = np.zeros((len(coef.sites), len(coef.months)))
    for k, terms in enumerate(coef.contracts):
        if terms.capital_credit_usd_mw_month is None or k not in sol.lease_mw:
            continue
        sites = np.asarray(terms.sites, dtype=np.int64)
        lease_mw = clean_mw(sol.lease_mw[k])
        credit[np.ix_(sites, terms.months)] += (lease_mw
                                                * terms.capital_credit_usd_mw_month[:, None])
    return credit
