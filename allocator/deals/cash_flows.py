"""Monthly cash flows of each conversion project of a solved plan, horizon and tail; pure.

A **project** is one site and one contract leased there (site x contract). Its cash flows,
month by month from the plan's first month:

- ``capex_usd``: the site's conversion capex in the month construction starts (the Build
  Schedule), shared among the contracts leased at the site in proportion to their leased IT
  MW; capex at a site that leases nothing is a project of its own with no contract;
- ``rent_usd``, ``power_cost_usd``, ``opex_usd``: inside the horizon the plan's own lease
  rows; after it (the **contracted tail**) the rent the signed lease still owes to the end of
  its term, with its escalator, and the operator's power and opex on the same MW, priced at
  the site's power price of the horizon's last month;
- ``tenant_capex_usd``: the part of that capex the tenant funds, ``tenant_capex_usd_mw`` per
  leased MW (at most the project's capex), taken off ``capex_usd`` one for one in the same
  months, so ``capex_usd`` is the owner's;
- ``prepayment_usd``: ``prepayment_share`` of the rent from the plan's first month to the end
  of the term, received at signing (the plan's first month, for a lease starting in the
  horizon), and the same share of each month's rent drawn from it (negative): the column adds
  up to 0 and only moves cash to signing;
- ``net_cash_flow_usd`` = rent - power - opex - capex + prepayment, discounted by
  ``(1 + discount_rate) ^ (-month offset / 12)`` as the plan discounts.

Rent is the expected rent the plan priced: nothing in the ``rent_free_months``, and scaled by
the tenant's credit (``default_probability_pa``, ``backstop_share``) where given. A lease
whose firm term reaches the horizon's end may carry **renewal options**
(``renewal_options`` of ``renewal_term_months`` each, blank = the firm term, its escalator
running on): the months of the j-th option count at ``renewal_probability ^ j`` (0 = ignored,
the default; 1 = certain), rent, power and opex alike. The plan itself plans the firm term.

The rows of a project run from its first to its last month with cash (months between with
none are kept, as 0), so IRR and payback read an unbroken monthly series.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator import economics as econ
from allocator.domain import Contract
from allocator.optimization.coefficients import Coefficients
from allocator.periods import days_in_month, month_from_index, month_index
from allocator.results.decisions import repeated_text
from allocator.results.plan import Plan

__all__ = ["CASH_FLOW_COLUMNS", "Project", "ProjectFlows", "cash_flow_frame",
           "project_cash_flows", "projects"]

Array = npt.NDArray[np.float64]
K = TypeVar("K")

CASH_FLOW_COLUMNS = ["site", "contract", "tenant", "month", "in_horizon", "leased_mw",
                     "capex_usd", "tenant_capex_usd", "prepayment_usd", "rent_usd",
                     "termination_fee_usd",
                     "power_cost_usd", "opex_usd", "net_cash_flow_usd", "discount_factor",
                     "discounted_cash_flow_usd"]


@dataclass(frozen=True)
class Project:
    """One site and the contract leased there (``None``: capex at a site leasing nothing).

    Attributes:
        site: Site index in the fleet.
        contract: Contract index in the fleet, or ``None``.
        leased_mw: IT MW the lease holds over its term.
        capex_share: Share of the site's conversion capex carried by this project.
    """

    site: int
    contract: int | None
    leased_mw: float
    capex_share: float


@dataclass(frozen=True)
class ProjectFlows:
    """One project's monthly cash flows as arrays over month offsets ``first .. last``.

    ``offset`` counts months from the plan's first month (the discount's ``t``).
    """

    project: Project
    offset: npt.NDArray[np.int64]
    capex_usd: Array
    tenant_capex_usd: Array
    prepayment_usd: Array
    rent_usd: Array
    power_cost_usd: Array
    opex_usd: Array
    discount_factor: Array
    horizon_months: int
    firm_end_offset: int = 2**62
    """Month offset just after the lease's firm term; months from it on are renewals."""
    renewal_mask: npt.NDArray[np.bool_] | None = None
    """The renewal months one by one, where a deal's phases end apart
    (:mod:`allocator.deals.phases`); ``None``: from ``firm_end_offset`` on."""
    fee_mask: Array | None = None
    """The part of ``rent_usd`` that is the expected termination fee, month by month
    (``None``: none, the lease has no termination right)."""

    @property
    def termination_fee_usd(self) -> Array:
        """The expected termination fee inside ``rent_usd``, month by month."""
        return np.zeros(len(self.offset)) if self.fee_mask is None else self.fee_mask

    @property
    def in_renewal(self) -> npt.NDArray[np.bool_]:
        """Months of renewal options, after the firm term (valued at their probability)."""
        if self.renewal_mask is not None:
            return self.renewal_mask
        return self.offset >= self.firm_end_offset

    @property
    def net_cash_flow_usd(self) -> Array:
        """Rent less power, opex and the owner's capex, plus prepayment, month by month."""
        return (self.rent_usd - self.power_cost_usd - self.opex_usd - self.capex_usd
                + self.prepayment_usd)

    @property
    def noi_usd(self) -> Array:
        """Net operating income: rent less power and opex (capex left out)."""
        return self.rent_usd - self.power_cost_usd - self.opex_usd

    @property
    def in_horizon(self) -> npt.NDArray[np.bool_]:
        """Months inside the plan horizon (the rest is the contracted tail)."""
        return self.offset < self.horizon_months


def projects(coef: Coefficients, plan: Plan) -> list[Project]:
    """The plan's conversion projects, by site then contract in the fleet's order."""
    contract_at = {c.name: k for k, c in enumerate(coef.fleet.contracts)}
    at_site: dict[str, dict[int, float]] = {}
    for site_name, contract_name, mw in zip(plan.leases["site"].tolist(),
                                            plan.leases["contract"].tolist(),
                                            plan.leases["leased_mw"].tolist(), strict=True):
        if float(mw) > 0:
            here = at_site.setdefault(str(site_name), {})
            k = contract_at[str(contract_name)]
            here[k] = max(here.get(k, 0.0), float(mw))
    capex: dict[str, float] = {}
    for site_name, usd in zip(plan.builds["site"].tolist(), plan.builds["capex_usd"].tolist(),
                              strict=True):
        capex[str(site_name)] = capex.get(str(site_name), 0.0) + float(usd)
    out: list[Project] = []
    for s, name in enumerate(coef.site.name):
        here = at_site.get(name, {})
        total = sum(here.values())
        out += [Project(s, k, mw, mw / total) for k, mw in sorted(here.items())]
        if not here and capex.get(name, 0.0) > 0:
            out.append(Project(s, None, 0.0, 1.0))
    return out


@functools.lru_cache(maxsize=4096)
def _days_at(index: int) -> float:
    """Days in the month of index ``index`` (cached: tails repeat the same months)."""
    return float(days_in_month(month_from_index(index)))


@functools.lru_cache(maxsize=4096)
def _month_at(index: int) -> str:
    """The ``YYYY-MM`` of month index ``index`` (cached)."""
    return month_from_index(index)


def _end_offset(coef: Coefficients, contract: Contract) -> int:
    """Month offset just after the lease's last month."""
    start = month_index(contract.start_month) - month_index(coef.months[0])
    return start + contract.term_months


def _renewal_months(coef: Coefficients, contract: Contract) -> int:
    """Months of renewal options valued after the firm term: only for a lease whose firm
    term reaches the horizon's end (earlier, the plan uses the space after the term) and
    with a probability above 0."""
    if (contract.renewal_options == 0 or contract.renewal_probability == 0
            or _end_offset(coef, contract) < len(coef.months)):
        return 0
    return contract.renewal_options * (contract.renewal_term_months or contract.term_months)


def _renewal_weights(coef: Coefficients, contract: Contract, offsets: npt.NDArray[np.int64]
                     ) -> Array:
    """Probability weight of each month: 1 in the firm term, ``p ^ j`` in the j-th option."""
    firm_end = _end_offset(coef, contract)
    term = contract.renewal_term_months or contract.term_months
    option = np.where(offsets >= firm_end, (offsets - firm_end) // term + 1, 0)
    return np.asarray(contract.renewal_probability ** option.astype(float), dtype=float)


def _tail_rows(coef: Coefficients, p: Project, contract: Contract,
               offsets: npt.NDArray[np.int64]) -> tuple[Array, Array, Array]:
    """Rent, power and opex of the lease's MW in the months after the horizon."""
    s = p.site
    first = month_index(coef.months[0])
    since = offsets - (month_index(contract.start_month) - first)
    days = np.array([_days_at(first + int(t)) for t in offsets.tolist()], dtype=float)
    rent = p.leased_mw * econ.lease_rent_usd_mw_month(contract, since.astype(float))
    def flat(value: float) -> Array:
        return np.full(len(offsets), float(value))

    power = p.leased_mw * econ.hpc_power_cost_usd_mw_month(
        flat(coef.power_price_usd_mwh[s, -1]), days, flat(coef.site.hpc_pue[s]),
        flat(coef.site.hpc_load_factor[s]), contract.power_pass_through)
    opex = p.leased_mw * float(coef.site.hpc_opex_usd_mw_month[s]) * np.ones(len(offsets))
    return np.asarray(rent, dtype=float), np.asarray(power, dtype=float), opex


@dataclass(frozen=True)
class _Rows:
    """The plan's lease and build rows as arrays, with each project's and site's row numbers."""

    month: npt.NDArray[np.int64]  # lease rows: horizon month offset
    rent: Array
    power: Array
    opex: Array
    lease_rows: dict[tuple[str, str], npt.NDArray[np.int64]]
    build_month: npt.NDArray[np.int64]
    build_capex: Array
    build_rows: dict[str, npt.NDArray[np.int64]]

    @classmethod
    def of(cls, coef: Coefficients, plan: Plan) -> _Rows:
        column = {m: t for t, m in enumerate(coef.months)}
        leases, builds = plan.leases, plan.builds
        lease_rows = _row_numbers(zip(leases["site"].tolist(), leases["contract"].tolist(),
                                      strict=True))
        build_rows = _row_numbers(builds["site"].tolist())
        return cls(
            month=np.array([column[m] for m in leases["month"].tolist()], dtype=np.int64),
            rent=leases["revenue_usd"].to_numpy(dtype=float),
            power=leases["power_cost_usd"].to_numpy(dtype=float),
            opex=leases["opex_usd"].to_numpy(dtype=float),
            lease_rows=lease_rows,
            build_month=np.array([column[m] for m in builds["month"].tolist()], dtype=np.int64),
            build_capex=builds["capex_usd"].to_numpy(dtype=float),
            build_rows=build_rows)


def _row_numbers(keys: Iterable[K]) -> dict[K, npt.NDArray[np.int64]]:
    """Each key's row numbers, in order: ``["a", "b", "a"]`` -> ``{"a": [0, 2], "b": [1]}``."""
    found: dict[K, list[int]] = {}
    for i, key in enumerate(keys):
        found.setdefault(key, []).append(i)
    return {key: np.array(rows, dtype=np.int64) for key, rows in found.items()}


def _flows(coef: Coefficients, rows: _Rows, p: Project) -> ProjectFlows:
    """One project's cash flows from its first to its last month with cash."""
    t_count = len(coef.months)
    site = coef.site.name[p.site]
    contract = None if p.contract is None else coef.fleet.contracts[p.contract]
    firm_end = 2**62 if contract is None else _end_offset(coef, contract)
    end = t_count if contract is None else max(
        t_count, firm_end + _renewal_months(coef, contract))
    capex, rent, power, opex = (np.zeros(end) for _ in range(4))
    built = rows.build_rows.get(site, np.zeros(0, dtype=np.int64))
    np.add.at(capex, rows.build_month[built], p.capex_share * rows.build_capex[built])
    if contract is not None:
        at = rows.lease_rows.get((site, contract.name), np.zeros(0, dtype=np.int64))
        month = rows.month[at]
        rent[month], power[month], opex[month] = rows.rent[at], rows.power[at], rows.opex[at]
        tail = np.arange(t_count, end, dtype=np.int64)
        if len(tail):
            weight = _renewal_weights(coef, contract, tail)
            rent[t_count:], power[t_count:], opex[t_count:] = (
                weight * column for column in _tail_rows(coef, p, contract, tail))
    firm = np.arange(end) < firm_end
    funded, prepaid = _deal_terms(coef, contract, p, capex, rent * firm)
    capex -= funded
    used = np.flatnonzero((capex != 0) | (funded != 0) | (prepaid != 0) | (rent != 0)
                          | (power != 0) | (opex != 0))
    keep = (np.arange(used[0], used[-1] + 1, dtype=np.int64) if len(used)
            else np.zeros(0, dtype=np.int64))
    discount = econ.discount_factor(keep.astype(float), coef.fleet.settings.discount_rate)
    return ProjectFlows(p, keep, capex[keep], funded[keep], prepaid[keep], rent[keep],
                        power[keep], opex[keep], np.asarray(discount, dtype=float), t_count,
                        firm_end, fee_mask=_fee_part(coef, contract, keep, rent[keep]))


def _deal_terms(coef: Coefficients, contract: Contract | None, p: Project, capex: Array,
                rent: Array) -> tuple[Array, Array]:
    """The tenant-funded part of ``capex`` and the prepayment column (module docstring)."""
    funded, prepaid = np.zeros_like(capex), np.zeros_like(rent)
    if contract is None:
        return funded, prepaid
    gross = float(capex.sum())
    if contract.tenant_capex_usd_mw > 0 and gross > 0:
        funded = capex * min(1.0, contract.tenant_capex_usd_mw * p.leased_mw / gross)
    if contract.prepayment_share > 0:
        prepaid = -contract.prepayment_share * rent
        if month_index(contract.start_month) >= month_index(coef.months[0]):
            prepaid[0] += contract.prepayment_share * float(rent.sum())
    return funded, prepaid


def project_cash_flows(coef: Coefficients, plan: Plan) -> list[ProjectFlows]:
    """Every project's monthly cash flows (see the module docstring)."""
    rows = _Rows.of(coef, plan)
    return [_flows(coef, rows, p) for p in projects(coef, plan)]


def _fee_part(coef: Coefficients, contract: Contract | None, offset: npt.NDArray[np.int64],
              rent: Array) -> Array | None:
    """The part of ``rent`` that is the expected termination fee, month by month.

    ``rent`` is the lease's expected rent and fee as the plan priced them
    (:func:`~allocator.economics.lease_rent_usd_mw_month`); the fee's share of each month's
    is the fee per MW over rent and fee per MW, so it holds for any leased MW and renewal
    weight (0 outside the firm term). ``None`` for a lease with no termination right.
    """
    if (contract is None or contract.termination_probability_pa == 0
            or contract.termination_fee_months == 0):
        return None
    since = (offset - (month_index(contract.start_month) - month_index(coef.months[0]))
             ).astype(float)
    fee = np.asarray(econ.termination_fee_usd_mw_month(contract, since), dtype=float)
    both = np.asarray(econ.lease_rent_usd_mw_month(contract, since), dtype=float)
    share = np.divide(fee, both, out=np.zeros(len(fee)), where=both > 0)
    return np.asarray(rent * share, dtype=float)


def cash_flow_frame(coef: Coefficients, flows: list[ProjectFlows]) -> pd.DataFrame:
    """The projects' cash flows as one long frame, :data:`CASH_FLOW_COLUMNS`."""
    if not flows:
        return pd.DataFrame(columns=CASH_FLOW_COLUMNS)
    first = month_index(coef.months[0])
    names = [(coef.site.name[f.project.site],
              *(("", "") if f.project.contract is None else
                (coef.fleet.contracts[f.project.contract].name,
                 coef.fleet.contracts[f.project.contract].tenant))) for f in flows]
    sizes = [len(f.offset) for f in flows]

    def joined(values: list[Array]) -> Array:
        return np.concatenate(values) if values else np.zeros(0)

    offsets = np.concatenate([f.offset for f in flows])
    net = joined([f.net_cash_flow_usd for f in flows])
    discount = joined([f.discount_factor for f in flows])
    return pd.DataFrame({
        "site": repeated_text((n[0] for n in names), np.array(sizes, dtype=np.int64)),
        "contract": repeated_text((n[1] for n in names), np.array(sizes, dtype=np.int64)),
        "tenant": repeated_text((n[2] for n in names), np.array(sizes, dtype=np.int64)),
        "month": [_month_at(first + t) for t in offsets.tolist()],
        "in_horizon": np.concatenate([f.in_horizon for f in flows]),
        "leased_mw": joined([np.where(f.rent_usd != 0, f.project.leased_mw, 0.0)
                             for f in flows]),
        "capex_usd": joined([f.capex_usd for f in flows]),
        "tenant_capex_usd": joined([f.tenant_capex_usd for f in flows]),
        "prepayment_usd": joined([f.prepayment_usd for f in flows]),
        "rent_usd": joined([f.rent_usd for f in flows]),
        "termination_fee_usd": joined([f.termination_fee_usd for f in flows]),
        "power_cost_usd": joined([f.power_cost_usd for f in flows]),
        "opex_usd": joined([f.opex_usd for f in flows]),
        "net_cash_flow_usd": net, "discount_factor": discount,
        "discounted_cash_flow_usd": net * discount,
    }, columns=CASH_FLOW_COLUMNS)
