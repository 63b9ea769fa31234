"""The allocation linear program (docs/model.md): one function per family, each its math.

:func:`build_model` takes :class:`~allocator.optimization.coefficients.Coefficients` and
returns a frozen :class:`~allocator.optimization.model.MatrixModel`. Each ``add_*`` function
below states its inequality in its docstring and writes it with the builder's named index
sets, so the body can be read against the docstring. No file I/O, no printing, no DataFrames.

Index sets: sites ``S``, miner tranches ``M`` (each at one site), months ``T`` (ordered),
contracts ``K``, calendar years ``Y``. Variables (all >= 0):

- ``mine[m,t]``       running MW of tranche m, ``<= uptime * installed_mw`` (a bound);
- ``build[s,t]``      IT MW whose conversion starts in month t;
- ``converted[s,t]``  IT MW converted so far, ``= converted[s,t-1] + build[s,t]``: holds grid
                      power from the month construction starts and can be leased from
                      ``t + lead``; conversion is irreversible;
- ``commit[k]``       the contract's MW, constant over its term (take-or-pay);
- ``lease[s,k]``      IT MW at site s leased to contract k for its whole term, only at its
                      eligible sites (the lease occupies those MW in every month of the term);
- ``ppa_mine[m,t]``, ``ppa_hpc[s,t]``, ``ppa_unused[s,t]``: where a site holds a fixed PPA
                      block, its grid MW on running miners, on leases, and on nothing.

Objective: maximize ``sum_t df_t * (mining margin + HPC margin - capital charge)``. The
capital charge is paid on ``converted[s,t]`` each month, which equals the charge on
``build[s,tau]`` from tau to the horizon end, with O(T) instead of O(T^2) nonzeros.

Names follow one pattern, ``family__label__label`` (``site_power__Alpha__2026_01``), made
from the axes on demand, so a solve that needs no names pays nothing for them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.optimization.coefficients import Coefficients
from allocator.optimization.model import Axis, MatrixModel, ModelBuilder

__all__ = ["IndexSets", "build_model", "index_sets", "objective", "ppa_costs"]


@dataclass(frozen=True)
class IndexSets:
    """The LP's axes for one fleet, and which year each month falls in."""

    S: Axis
    M: Axis
    T: Axis
    K: Axis
    Y: Axis
    year_of: npt.NDArray[np.int64]


def index_sets(coef: Coefficients) -> IndexSets:
    """Sites, tranches (``site__number``), months, contracts and years of ``coef``.

    A tranche's label is its site's label and its own number, so it is unique too.
    """
    years = sorted({m[:4] for m in coef.months})
    sites = Axis.of("site", coef.site.name)
    return IndexSets(
        S=sites,
        M=Axis("tranche", tuple(f"{sites.labels[int(s)]}__{m}"
                                for m, s in enumerate(coef.tranche_site))),
        T=Axis.of("month", coef.months, ordered=True),
        K=Axis.of("contract", [t.contract.name for t in coef.contracts]),
        Y=Axis.of("year", years),
        year_of=np.array([years.index(m[:4]) for m in coef.months], dtype=np.int64),
    )


def _mining_value(c: Coefficients) -> npt.NDArray[np.float64]:
    """``[M, T]``: what a running MW earns, discounted: ``df_t * margin[m,t]``."""
    return c.mining_margin_usd_mw_month * c.discount[None, :]


def _conversion_charge(c: Coefficients) -> npt.NDArray[np.float64]:
    """``[S, T]``: the discounted capital charge on a converted MW, ``-df_t * charge[s]``."""
    return -c.capital_charge_usd_mw_month[:, None] * c.discount[None, :]


def add_mining(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """``0 <= mine[m,t] <= uptime_s * installed_mw[m]``, earning ``df_t * margin[m,t]``."""
    cap = c.tranche_available_mw
    b.variables("mine", (x.M, x.T), where=(cap > 0)[:, None], upper=cap[:, None],
                cost=_mining_value(c))


def add_conversion(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """``build[s,t]`` and ``converted[s,t]`` at sites with convertible space, paying
    ``df_t * capital_charge[s]`` on ``converted[s,t]``.

    - ``conversion_stock[s,t]``: ``converted[s,t] - converted[s,t-1] - build[s,t] == 0``;
    - ``convertible_space[s]``: ``converted[s,T-1] <= hpc_convertible_mw[s]``.
    """
    space = c.site.hpc_convertible_mw
    at = (space > 0)[:, None]
    build = b.variables("build", (x.S, x.T), where=at)
    converted = b.variables("converted", (x.S, x.T), where=at, cost=_conversion_charge(c))
    (b.constraints("conversion_stock", (x.S, x.T), where=at, sense="==", rhs=0.0)
     .add(converted, 1.0).add(converted, -1.0, lag=1).add(build, -1.0))
    last_month = np.arange(len(x.T)) == len(x.T) - 1
    (b.constraints("convertible_space", (x.S,), where=space > 0, sense="<=", rhs=space)
     .add(converted, 1.0, sum_over=x.T, when=last_month[None, :]))


def add_leasing(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """``commit[k]`` and ``lease[s,k]``; a lease holds the same IT MW for the whole term,
    earning ``sum_{t in term} df_t * ((rent - cost)[s,k,t] + credit[s,k])``, where
    ``credit[s,k]`` is the capital charge on the capex its tenant funds (0 without).

    - bounds: ``min_mw[k] (if firm) <= commit[k] <= max_mw[k]``;
    - ``contract_delivery[k]``: ``sum_s lease[s,k] - commit[k] == 0``;
    - ``hpc_capacity[s,t]``: ``sum_{k active in t} lease[s,k] - converted[s,t-lead_s]
      <= hpc_existing_mw[s]``.
    """
    terms = _LeaseTerms.of(c)
    commit = b.variables("commit", (x.K,), where=terms.has_months, lower=terms.min_mw,
                         upper=terms.max_mw)
    lease = b.variables("lease", (x.S, x.K), where=terms.eligible, cost=terms.value_usd_mw)
    (b.constraints("contract_delivery", (x.K,), where=terms.has_months, sense="==", rhs=0.0)
     .add(lease, 1.0, sum_over=x.S).add(commit, -1.0))
    leased_here = (terms.eligible.astype(np.int64) @ terms.active.astype(np.int64)) > 0
    (b.constraints("hpc_capacity", (x.S, x.T), where=leased_here, sense="<=",
                   rhs=c.site.hpc_existing_mw[:, None])
     .add(lease, 1.0, sum_over=x.K, when=terms.active[None, :, :])
     .add(b.col_families["converted"], -1.0, lag=c.site.conversion_lead_months[:, None]))


@dataclass(frozen=True)
class _LeaseTerms:
    """Per contract: sizes, active months, eligible sites and the discounted value of a MW."""

    has_months: npt.NDArray[np.bool_]  # [K]
    min_mw: npt.NDArray[np.float64]  # [K], 0 unless firm
    max_mw: npt.NDArray[np.float64]  # [K]
    eligible: npt.NDArray[np.bool_]  # [S, K]: allowed there, and the site has HPC room
    active: npt.NDArray[np.bool_]  # [K, T]
    value_usd_mw: npt.NDArray[np.float64]  # [S, K]

    @classmethod
    def of(cls, c: Coefficients) -> _LeaseTerms:
        s_count, t_count, k_count = len(c.sites), len(c.months), len(c.contracts)
        room = (c.site.hpc_existing_mw > 0) | (c.site.hpc_convertible_mw > 0)
        eligible = np.zeros((s_count, k_count), dtype=bool)
        value = np.zeros((s_count, k_count))
        active = np.zeros((k_count, t_count), dtype=bool)
        for k, terms in enumerate(c.contracts):
            if not len(terms.months):
                continue
            sites = np.array(terms.sites, dtype=np.int64)
            active[k, terms.months] = True
            if len(sites):
                eligible[sites, k] = room[sites]
                margin = terms.revenue_usd_mw_month[None, :] - terms.cost_usd_mw_month
                value[sites, k] = (margin * c.discount[terms.months][None, :]).sum(axis=1)
                if terms.capital_credit_usd_mw_month is not None:  # tenant-funded capex
                    value[sites, k] += (terms.capital_credit_usd_mw_month
                                        * c.discount[terms.months].sum())
        return cls(
            has_months=np.array([len(t.months) > 0 for t in c.contracts], dtype=bool),
            min_mw=np.array([t.contract.min_mw if t.contract.firm else 0.0
                             for t in c.contracts], dtype=float),
            max_mw=np.array([t.contract.max_mw for t in c.contracts], dtype=float),
            eligible=eligible, active=active, value_usd_mw=value)


def add_whole_halls(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """Where a site converts whole halls only (the model becomes a MILP only then):

    ``conversion_blocks[s,t]``: ``build[s,t] - conversion_block_mw[s] * halls[s,t] == 0``,
    with integer ``0 <= halls[s,t] <= floor(hpc_convertible_mw[s] / conversion_block_mw[s])``.
    """
    block = c.site.conversion_block_mw
    build = b.col_families["build"]
    lumpy = (block > 0)[:, None] & (build.index >= 0)
    if not lumpy.any():
        return
    most = np.floor(c.site.hpc_convertible_mw / np.where(block > 0, block, 1.0))
    halls = b.variables("halls", (x.S, x.T), where=lumpy, upper=most[:, None], integer=True)
    (b.constraints("conversion_blocks", (x.S, x.T), where=lumpy, sense="==", rhs=0.0)
     .add(build, 1.0).add(halls, -block[:, None]))


def add_all_or_nothing(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """Where a contract is taken in full or not at all (a MILP only then):

    ``all_or_nothing[k]``: ``commit[k] - max_mw[k] * take[k] == 0`` with binary ``take[k]``.
    """
    commit = b.col_families["commit"]
    whole = (np.array([t.contract.all_or_nothing for t in c.contracts], dtype=bool)
             & (commit.index >= 0))
    if not whole.any():
        return
    size = np.array([t.contract.max_mw for t in c.contracts], dtype=float)
    take = b.variables("take", (x.K,), where=whole, upper=1.0, integer=True)
    (b.constraints("all_or_nothing", (x.K,), where=whole, sense="==", rhs=0.0)
     .add(commit, 1.0).add(take, -size))


def add_site_power(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """``site_power[s,t]``: the grid MW in use stay within the connection:

    ``mining_pue[s] * sum_{m at s} mine[m,t] + hpc_pue[s] * converted[s,t]
    <= capacity_mw[s] - hpc_pue[s] * hpc_existing_mw[s]``.
    """
    mine, converted = b.col_families["mine"], b.col_families["converted"]
    uses_power: npt.NDArray[np.bool_] = np.asarray((converted.index >= 0).any(axis=1))
    uses_power[c.tranche_site[(mine.index >= 0).any(axis=1)]] = True
    site = c.site
    (b.constraints("site_power", (x.S, x.T), where=uses_power[:, None], sense="<=",
                   rhs=(site.capacity_mw - site.hpc_pue * site.hpc_existing_mw)[:, None])
     .add(mine, site.mining_pue[c.tranche_site][:, None], sum_over=x.M.to(x.S, c.tranche_site))
     .add(converted, site.hpc_pue[:, None]))


def add_ppa_blocks(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """Where a site holds a fixed PPA block (``ppa_mw``, :mod:`allocator.power.ppa_block`),
    in each month priced from hourly prices the block's grid MW are assigned to its load:

    - ``ppa_mine[m,t] <= mine[m,t]`` (``ppa_mine_cover``): running miner MW on the block,
      earning ``df_t * mine_gain[m,t]`` over their index margin;
    - ``ppa_hpc[s,t] <= sum_{gross k active in t} hpc_pue[s] * hpc_load_factor[s] *
      lease[s,k]`` (``ppa_hpc_cover``): leased grid MW on the block, earning
      ``df_t * hpc_gain[s,t]``;
    - ``ppa_unused[s,t]``: block MW assigned to nothing, earning ``df_t * unused[s,t]``
      (the block's price, less its resale: negative where the PPA costs more than resale);
    - ``ppa_block[s,t]``: ``sum_{m at s} mining_pue[s] * ppa_mine[m,t] + ppa_hpc[s,t]
      + ppa_unused[s,t] == ppa_mw[s]``.
    """
    blocks = c.ppa
    if blocks is None or not blocks.at.any():
        return
    mine = b.col_families["mine"]
    costs = ppa_costs(c)
    on_block = blocks.at[c.tranche_site] & (mine.index >= 0)
    ppa_mine = b.variables("ppa_mine", (x.M, x.T), where=on_block,
                           upper=c.tranche_available_mw[:, None],
                           cost=costs["ppa_mine"])
    (b.constraints("ppa_mine_cover", (x.M, x.T), where=on_block, sense="<=", rhs=0.0)
     .add(ppa_mine, 1.0).add(mine, -1.0))
    terms = _LeaseTerms.of(c)
    gross = np.array([not t.contract.power_pass_through for t in c.contracts], dtype=bool)
    draw = c.site.hpc_pue * c.site.hpc_load_factor  # grid MW per leased IT MW
    active = terms.active & gross[:, None]  # [K, T]
    leased = (terms.eligible.astype(np.int64) @ active.astype(np.int64)) > 0  # [S, T]
    hpc_at = blocks.at & leased & (draw > 0)[:, None]
    ppa_hpc = b.variables("ppa_hpc", (x.S, x.T), where=hpc_at, upper=blocks.block_mw[:, None],
                          cost=costs["ppa_hpc"])
    (b.constraints("ppa_hpc_cover", (x.S, x.T), where=hpc_at, sense="<=", rhs=0.0)
     .add(ppa_hpc, 1.0)
     .add(b.col_families["lease"], -draw[:, None, None], sum_over=x.K,
          when=active[None, :, :]))
    unused = b.variables("ppa_unused", (x.S, x.T), where=blocks.at,
                         upper=blocks.block_mw[:, None], cost=costs["ppa_unused"])
    (b.constraints("ppa_block", (x.S, x.T), where=blocks.at, sense="==",
                   rhs=blocks.block_mw[:, None])
     .add(ppa_mine, c.site.mining_pue[c.tranche_site][:, None],
          sum_over=x.M.to(x.S, c.tranche_site))
     .add(ppa_hpc, 1.0).add(unused, 1.0))


def ppa_costs(coef: Coefficients) -> dict[str, npt.NDArray[np.float64]]:
    """The discounted value per MW of the block families (none without a block)."""
    blocks = coef.ppa
    if blocks is None:
        return {}
    df = coef.discount[None, :]
    return {"ppa_mine": df * blocks.mine_gain_usd_mw_month,
            "ppa_hpc": df * blocks.hpc_gain_usd_mw_month,
            "ppa_unused": df * blocks.unused_usd_mw_month}


def add_min_fleet_hashrate(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """``min_fleet_hashrate[t]``: ``sum_m mine[m,t] / efficiency_j_th[m]
    >= min_fleet_hashrate_ehs`` (MW per J/TH is EH/s)."""
    floor = c.fleet.settings.min_fleet_hashrate_ehs
    if floor is None:
        return
    (b.constraints("min_fleet_hashrate", (x.T,), sense=">=", rhs=floor)
     .add(b.col_families["mine"], (1.0 / c.efficiency_j_th)[:, None], sum_over=x.M))


def add_max_hpc_share(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """``max_hpc_share[t]``: ``sum_s hpc_pue[s] * (hpc_existing_mw[s] + converted[s,t])
    <= max_hpc_share * sum_s capacity_mw[s]``."""
    share = c.fleet.settings.max_hpc_share
    if share is None:
        return
    site = c.site
    existing = sum((site.hpc_pue * site.hpc_existing_mw).tolist())  # summed as the docs do
    (b.constraints("max_hpc_share", (x.T,), sense="<=",
                   rhs=share * sum(site.capacity_mw.tolist()) - existing)
     .add(b.col_families["converted"], site.hpc_pue[:, None], sum_over=x.S))


def add_capex_budget(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """``capex_budget[y]``: ``sum_{s, t in y} conversion_capex_usd_mw[s] * build[s,t]
    <= capex_budget_usd_per_year``."""
    budget = c.fleet.settings.capex_budget_usd_per_year
    if budget is None:
        return
    (b.constraints("capex_budget", (x.Y,), sense="<=", rhs=budget)
     .add(b.col_families["build"], c.site.conversion_capex_usd_mw[:, None],
          sum_over=(x.S, x.T.to(x.Y, x.year_of))))


def add_max_conversion(b: ModelBuilder, c: Coefficients, x: IndexSets) -> None:
    """``max_conversion[y]``: ``sum_{s, t in y} build[s,t] <= max_conversion_mw_per_year``."""
    most = c.fleet.settings.max_conversion_mw_per_year
    if most is None:
        return
    (b.constraints("max_conversion", (x.Y,), sense="<=", rhs=most)
     .add(b.col_families["build"], 1.0, sum_over=(x.S, x.T.to(x.Y, x.year_of))))


def objective(coef: Coefficients, model: MatrixModel) -> npt.NDArray[np.float64]:
    """The cost vector :func:`build_model` would give ``coef``, placed in ``model``'s columns.

    For a fleet that differs from ``model``'s in prices only (BTC price, hashrate, power
    prices, HPC rates, capex without a capex budget), so that every family covers the same
    cells: then it equals ``build_model(coef).col_cost``, without building the matrix.
    """
    cost = np.zeros(model.n_cols)
    families = {"mine": _mining_value(coef), "converted": _conversion_charge(coef),
                "lease": _LeaseTerms.of(coef).value_usd_mw, **ppa_costs(coef)}
    for name, value in families.items():
        if name not in model.variables:
            continue
        index = model.variables[name].index
        at = index >= 0
        cost[index[at]] = np.broadcast_to(value, index.shape)[at]
    return cost


def build_model(coef: Coefficients) -> MatrixModel:
    """The LP for ``coef``, as a readable list of families."""
    started = time.perf_counter()
    b, x = ModelBuilder(coef), index_sets(coef)
    add_mining(b, coef, x)
    add_conversion(b, coef, x)
    add_leasing(b, coef, x)
    add_whole_halls(b, coef, x)
    add_all_or_nothing(b, coef, x)
    add_site_power(b, coef, x)
    add_ppa_blocks(b, coef, x)
    add_min_fleet_hashrate(b, coef, x)
    add_max_hpc_share(b, coef, x)
    add_capex_budget(b, coef, x)
    add_max_conversion(b, coef, x)
    return b.build(time.perf_counter() - started)

