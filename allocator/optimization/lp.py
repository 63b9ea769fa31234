"""The allocation linear program (docs/model.md), built as a sparse matrix with numpy.

Takes :class:`~allocator.optimization.coefficients.Coefficients` and returns a
:class:`MatrixModel`: column bounds and costs, row bounds and the constraint matrix, with every
column and row belonging to a named family. :mod:`allocator.optimization.backends` hands it to
HiGHS directly (default) or, through PuLP, to any other solver. No file I/O, no printing, no
DataFrames here.

Index sets: sites ``s``, miner tranches ``m`` (each at one site), months ``t``, contracts
``k``. Variables (all >= 0):

- ``mine[m,t]``       running MW of tranche m, ``<= uptime * installed_mw`` (a bound);
- ``build[s,t]``      IT MW whose conversion starts in month t;
- ``converted[s,t]``  IT MW converted so far, ``= converted[s,t-1] + build[s,t]``: holds grid
                      power from the month construction starts and can be leased from
                      ``t + lead``; conversion is irreversible;
- ``commit[k]``       the contract's MW, constant over its term (take-or-pay);
- ``lease[s,k]``      IT MW at site s leased to contract k for its whole term, only at its
                      eligible sites (the lease occupies those MW in every month of the term).

Objective: maximize ``sum_t df_t * (mining margin + HPC margin - capital charge)``. The
capital charge is paid on ``converted[s,t]`` each month, which equals the charge on
``build[s,tau]`` from tau to the horizon end, with O(T) instead of O(T^2) nonzeros.

Names follow one pattern, ``family__part__part`` (``site_power__Alpha__2026_01``), made on
demand by :meth:`MatrixModel.col_names` / :meth:`MatrixModel.row_names` so a solve that needs
no names pays nothing for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from allocator.domain import safe_name
from allocator.optimization.coefficients import Coefficients

__all__ = ["INF", "Block", "MatrixModel", "build_model", "lp_name"]

INF = float("inf")
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def lp_name(family: str, *parts: str) -> str:
    """One naming pattern for every LP name: ``family__part__part`` in ``[A-Za-z0-9_]``."""
    return "__".join([family, *(safe_name(p) for p in parts)])


@dataclass(frozen=True)
class Block:
    """A family of columns or rows: where they start and how to name them.

    ``index`` maps the family's own indices (e.g. ``[m, t]``) to column/row numbers, ``-1``
    where the family has no member.
    """

    family: str
    start: int
    count: int
    index: IntArray
    namer: Callable[[int], str]

    def cell(self, number: int) -> tuple[int, ...]:
        """The family's own indices (e.g. ``(s, t)``) of column/row ``number``."""
        found = np.flatnonzero(self.index.reshape(-1) == number)
        if not len(found):
            raise IndexError(number)
        return tuple(int(x) for x in np.unravel_index(int(found[0]), self.index.shape))


@dataclass
class MatrixModel:
    """The LP in matrix form: ``max c'x`` s.t. ``row_lower <= A x <= row_upper``,
    ``col_lower <= x <= col_upper``."""

    coef: Coefficients
    col_blocks: dict[str, Block] = field(default_factory=dict)
    row_blocks: dict[str, Block] = field(default_factory=dict)
    _col_lower: list[FloatArray] = field(default_factory=list)
    _col_upper: list[FloatArray] = field(default_factory=list)
    _col_cost: list[FloatArray] = field(default_factory=list)
    _col_integer: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    _row_lower: list[FloatArray] = field(default_factory=list)
    _row_upper: list[FloatArray] = field(default_factory=list)
    _entries: list[tuple[IntArray, IntArray, FloatArray]] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0
    build_seconds: float = 0.0
    _frozen: dict[str, np.ndarray] = field(default_factory=dict)

    # --- building ------------------------------------------------------------------------

    def add_cols(self, family: str, shape: tuple[int, ...], mask: npt.NDArray[np.bool_],
                 lower: FloatArray, upper: FloatArray, cost: FloatArray,
                 namer: Callable[[tuple[int, ...]], str], *, integer: bool = False) -> Block:
        """Add one column per True cell of ``mask`` (C order); bounds and costs per cell."""
        block = self._add(family, shape, mask, namer, cols=(lower, upper, cost))
        self._col_integer.append(np.full(block.count, integer, dtype=bool))
        return block

    def add_rows(self, family: str, shape: tuple[int, ...], mask: npt.NDArray[np.bool_],
                 lower: FloatArray, upper: FloatArray,
                 namer: Callable[[tuple[int, ...]], str]) -> Block:
        """Add one row per True cell of ``mask``; bounds per cell."""
        return self._add(family, shape, mask, namer, rows=(lower, upper))

    def _add(self, family: str, shape: tuple[int, ...], mask: npt.NDArray[np.bool_],
             namer: Callable[[tuple[int, ...]], str],
             cols: tuple[FloatArray, FloatArray, FloatArray] | None = None,
             rows: tuple[FloatArray, FloatArray] | None = None) -> Block:
        flat = np.broadcast_to(mask, shape).reshape(-1)
        count = int(flat.sum())
        start = self.n_cols if cols is not None else self.n_rows
        index = np.full(flat.shape, -1, dtype=np.int64)
        index[flat] = np.arange(start, start + count)
        cells = np.flatnonzero(flat)

        def name(i: int) -> str:
            return namer(tuple(int(x) for x in np.unravel_index(cells[i - start], shape)))

        def pick(values: FloatArray) -> FloatArray:
            return np.broadcast_to(np.asarray(values, dtype=float), shape).reshape(-1)[flat]

        block = Block(family, start, count, index.reshape(shape), name)
        if cols is not None:
            self._col_lower.append(pick(cols[0]))
            self._col_upper.append(pick(cols[1]))
            self._col_cost.append(pick(cols[2]))
            self.n_cols += count
        elif rows is not None:
            self._row_lower.append(pick(rows[0]))
            self._row_upper.append(pick(rows[1]))
            self.n_rows += count
        return block

    def add_entries(self, rows: IntArray, cols: IntArray, values: FloatArray) -> None:
        """Matrix coefficients ``A[rows, cols] = values`` (pairs with a -1 index are skipped)."""
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        values = np.broadcast_to(np.asarray(values, dtype=float), rows.shape)
        keep = (rows >= 0) & (cols >= 0) & (values != 0)
        self._entries.append((rows[keep], cols[keep], values[keep]))

    # --- the finished model ----------------------------------------------------------------

    def _cat(self, key: str, parts: list[FloatArray]) -> FloatArray:
        if key not in self._frozen:
            self._frozen[key] = np.concatenate(parts) if parts else np.zeros(0)
        return self._frozen[key]

    @property
    def col_lower(self) -> FloatArray:
        return self._cat("col_lower", self._col_lower)

    @property
    def col_upper(self) -> FloatArray:
        return self._cat("col_upper", self._col_upper)

    @property
    def col_cost(self) -> FloatArray:
        return self._cat("col_cost", self._col_cost)

    @property
    def col_integer(self) -> npt.NDArray[np.bool_]:
        """True for integer columns (whole halls, all-or-nothing contracts)."""
        if "col_integer" not in self._frozen:
            self._frozen["col_integer"] = (np.concatenate(self._col_integer)
                                           if self._col_integer else np.zeros(0, dtype=bool))
        return self._frozen["col_integer"]

    @property
    def is_mip(self) -> bool:
        """True when some column must be integer."""
        return bool(self.col_integer.any())

    @property
    def row_lower(self) -> FloatArray:
        return self._cat("row_lower", self._row_lower)

    @property
    def row_upper(self) -> FloatArray:
        return self._cat("row_upper", self._row_upper)

    def coo(self) -> tuple[IntArray, IntArray, FloatArray]:
        """All matrix entries as (row, col, value) arrays."""
        if not self._entries:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        rows = np.concatenate([e[0] for e in self._entries])
        cols = np.concatenate([e[1] for e in self._entries])
        vals = np.concatenate([e[2] for e in self._entries])
        return rows, cols, vals

    def csc(self) -> tuple[IntArray, IntArray, FloatArray]:
        """Column-wise (start, row index, value) arrays, as HiGHS takes them."""
        rows, cols, vals = self.coo()
        order = np.lexsort((rows, cols))
        start = np.searchsorted(cols[order], np.arange(self.n_cols + 1)).astype(np.int64)
        return start, rows[order], vals[order]

    def _names(self, blocks: list[Block], total: int) -> list[str]:
        names = [""] * total
        for block in blocks:
            for i in range(block.start, block.start + block.count):
                names[i] = block.namer(i)
        return names

    def col_names(self) -> list[str]:
        """Every column's name, in column order."""
        return self._names(list(self.col_blocks.values()), self.n_cols)

    def row_names(self) -> list[str]:
        """Every row's name, in row order."""
        return self._names(list(self.row_blocks.values()), self.n_rows)

    def row_name(self, row: int) -> str:
        """One row's name."""
        return self.row_block(row).namer(row)

    def row_block(self, row: int) -> Block:
        """The family holding ``row``."""
        for block in self.row_blocks.values():
            if block.start <= row < block.start + block.count:
                return block
        raise IndexError(row)

    def col_block(self, col: int) -> Block:
        """The family holding column ``col``."""
        for block in self.col_blocks.values():
            if block.start <= col < block.start + block.count:
                return block
        raise IndexError(col)


# --- families ----------------------------------------------------------------------------


def add_mining(model: MatrixModel) -> None:
    """Columns ``mine[m,t]`` with ``0 <= mine[m,t] <= uptime_s * installed_mw[m]``.

    Objective: ``df_t * (revenue - cost)[m,t] * mine[m,t]``.
    """
    c = model.coef
    m_count, t_count = len(c.tranches), len(c.months)
    cap = c.tranche_available_mw
    mask = np.repeat((cap > 0)[:, None], t_count, axis=1)
    model.col_blocks["mine"] = model.add_cols(
        "mine", (m_count, t_count), mask, np.zeros(1), cap[:, None],
        c.mining_margin_usd_mw_month * c.discount[None, :],
        lambda i: lp_name("mine", c.tranches[i[0]].site, str(i[0]), c.months[i[1]]),
    )


def add_conversion(model: MatrixModel) -> None:
    """Columns ``build[s,t]`` and ``converted[s,t]`` at sites with convertible space.

    - ``conversion_stock[s,t]``: ``converted[s,t] - converted[s,t-1] - build[s,t] = 0``;
    - ``convertible_space[s]``: ``converted[s,T-1] <= hpc_convertible_mw[s]``.

    Objective: ``-df_t * capital_charge[s] * converted[s,t]``.
    """
    c = model.coef
    s_count, t_count = len(c.sites), len(c.months)
    convertible = np.array([s.hpc_convertible_mw for s in c.sites])
    mask = np.repeat((convertible > 0)[:, None], t_count, axis=1)
    shape = (s_count, t_count)
    names = [s.name for s in c.sites]
    build = model.add_cols("build", shape, mask, np.zeros(1), np.full(1, INF), np.zeros(1),
                           lambda i: lp_name("build", names[i[0]], c.months[i[1]]))
    converted = model.add_cols(
        "converted", shape, mask, np.zeros(1), np.full(1, INF),
        -c.capital_charge_usd_mw_month[:, None] * c.discount[None, :],
        lambda i: lp_name("converted", names[i[0]], c.months[i[1]]),
    )
    model.col_blocks["build"], model.col_blocks["converted"] = build, converted
    stock = model.add_rows("conversion_stock", shape, mask, np.zeros(1), np.zeros(1),
                           lambda i: lp_name("conversion_stock", names[i[0]], c.months[i[1]]))
    model.row_blocks["conversion_stock"] = stock
    model.add_entries(stock.index, converted.index, np.ones(1))
    model.add_entries(stock.index, build.index, -np.ones(1))
    model.add_entries(stock.index[:, 1:], converted.index[:, :-1], -np.ones(1))
    space = model.add_rows("convertible_space", (s_count,), convertible > 0,
                           np.full(1, -INF), convertible,
                           lambda i: lp_name("convertible_space", names[i[0]]))
    model.row_blocks["convertible_space"] = space
    if t_count:
        model.add_entries(space.index, converted.index[:, -1], np.ones(1))


def add_leasing(model: MatrixModel) -> None:
    """Columns ``commit[k]`` and ``lease[s,k]`` with their families.

    A lease occupies the same IT MW at a site for the contract's whole term: tenants do not
    move between sites month to month.

    - ``contract_size`` (bounds): ``min_mw[k] (if firm) <= commit[k] <= max_mw[k]``;
    - ``contract_delivery[k]``: ``sum_s lease[s,k] - commit[k] = 0``;
    - ``hpc_capacity[s,t]``: ``sum_{k active in t} lease[s,k] - converted[s,t-lead]
      <= hpc_existing_mw[s]``.

    Objective: ``sum_{t in term} df_t * (rent - cost)[s,k,t] * lease[s,k]``.
    """
    c = model.coef
    s_count, t_count = len(c.sites), len(c.months)
    k_count = len(c.contracts)
    has_months = np.array([len(t.months) > 0 for t in c.contracts], dtype=bool)
    lower = np.array([t.contract.min_mw if t.contract.firm else 0.0 for t in c.contracts])
    upper = np.array([t.contract.max_mw for t in c.contracts])
    knames = [t.contract.name for t in c.contracts]
    site_names = [s.name for s in c.sites]
    commit = model.add_cols("commit", (k_count,), has_months, lower, upper, np.zeros(1),
                            lambda i: lp_name("commit", knames[i[0]]))
    model.col_blocks["commit"] = commit
    hpc_room = np.array([s.hpc_existing_mw > 0 or s.hpc_convertible_mw > 0 for s in c.sites])
    eligible = np.zeros((s_count, k_count), dtype=bool)
    value = np.zeros((s_count, k_count))
    active = np.zeros((k_count, t_count), dtype=bool)
    for k, terms in enumerate(c.contracts):
        if not len(terms.months):
            continue
        sites = np.array(terms.sites, dtype=np.int64)
        active[k, terms.months] = True
        if len(sites):
            eligible[sites, k] = hpc_room[sites]
            margin = terms.revenue_usd_mw_month[None, :] - terms.cost_usd_mw_month
            value[sites, k] = (margin * c.discount[terms.months][None, :]).sum(axis=1)
    lease = model.add_cols("lease", (s_count, k_count), eligible, np.zeros(1), np.full(1, INF),
                           value,
                           lambda i: lp_name("lease", site_names[i[0]], knames[i[1]]))
    model.col_blocks["lease"] = lease
    delivery = model.add_rows("contract_delivery", (k_count,), has_months, np.zeros(1),
                              np.zeros(1), lambda i: lp_name("contract_delivery", knames[i[0]]))
    model.row_blocks["contract_delivery"] = delivery
    model.add_entries(np.broadcast_to(delivery.index[None, :], lease.index.shape), lease.index,
                      np.ones(1))
    model.add_entries(delivery.index, commit.index, -np.ones(1))
    # hpc_capacity rows where some eligible contract is active at the site
    present = (eligible.astype(np.int64) @ active.astype(np.int64)) > 0
    existing = np.array([s.hpc_existing_mw for s in c.sites])
    capacity = model.add_rows("hpc_capacity", (s_count, t_count), present, np.full(1, -INF),
                              existing[:, None],
                              lambda i: lp_name("hpc_capacity", site_names[i[0]], c.months[i[1]]))
    model.row_blocks["hpc_capacity"] = capacity
    s_idx, k_idx = np.nonzero(eligible)
    for_t = active[k_idx]  # [pairs, T]
    pair, t_idx = np.nonzero(for_t)
    model.add_entries(capacity.index[s_idx[pair], t_idx], lease.index[s_idx[pair], k_idx[pair]],
                      np.ones(1))
    lead = np.array([s.conversion_lead_months for s in c.sites])
    s_row, t_row = np.nonzero(present)
    ready = t_row - lead[s_row]
    ok = ready >= 0
    conv = model.col_blocks["converted"].index
    model.add_entries(capacity.index[s_row[ok], t_row[ok]], conv[s_row[ok], ready[ok]],
                      -np.ones(1))


def add_lumpy_decisions(model: MatrixModel) -> None:
    """Integer columns where a row asks for them (the model becomes a MILP only then).

    - ``conversion_blocks[s,t]``: ``build[s,t] - conversion_block_mw[s] * halls[s,t] = 0``
      with integer ``halls[s,t] >= 0``: whole halls only;
    - ``all_or_nothing[k]``: ``commit[k] - max_mw[k] * take[k] = 0`` with binary ``take[k]``.
    """
    c = model.coef
    s_count, t_count = len(c.sites), len(c.months)
    block = np.array([s.conversion_block_mw or 0.0 for s in c.sites])
    build = model.col_blocks["build"].index
    lumpy = (block > 0)[:, None] & (build >= 0)
    names = [s.name for s in c.sites]
    if lumpy.any():
        most = np.floor(np.array([s.hpc_convertible_mw for s in c.sites])
                        / np.where(block > 0, block, 1.0))
        halls = model.add_cols("halls", (s_count, t_count), lumpy, np.zeros(1), most[:, None],
                               np.zeros(1),
                               lambda i: lp_name("halls", names[i[0]], c.months[i[1]]),
                               integer=True)
        model.col_blocks["halls"] = halls
        rows = model.add_rows("conversion_blocks", (s_count, t_count), lumpy, np.zeros(1),
                              np.zeros(1),
                              lambda i: lp_name("conversion_blocks", names[i[0]],
                                                c.months[i[1]]))
        model.row_blocks["conversion_blocks"] = rows
        model.add_entries(rows.index, build, np.ones(1))
        model.add_entries(rows.index, halls.index, -block[:, None])
    commit = model.col_blocks["commit"].index
    whole = np.array([t.contract.all_or_nothing for t in c.contracts], dtype=bool) & (commit >= 0)
    if whole.any():
        knames = [t.contract.name for t in c.contracts]
        size = np.array([t.contract.max_mw for t in c.contracts])
        take = model.add_cols("take", (len(c.contracts),), whole, np.zeros(1), np.ones(1),
                              np.zeros(1), lambda i: lp_name("take", knames[i[0]]),
                              integer=True)
        model.col_blocks["take"] = take
        rows = model.add_rows("all_or_nothing", (len(c.contracts),), whole, np.zeros(1),
                              np.zeros(1), lambda i: lp_name("all_or_nothing", knames[i[0]]))
        model.row_blocks["all_or_nothing"] = rows
        model.add_entries(rows.index, commit, np.ones(1))
        model.add_entries(rows.index, take.index, -size)


def add_site_power(model: MatrixModel) -> None:
    """``site_power[s,t]``: grid MW within the connection.

    ``mining_pue * sum_m mine[m,t] + hpc_pue * converted[s,t]
    <= capacity_mw - hpc_pue * hpc_existing_mw``.
    """
    c = model.coef
    s_count, t_count = len(c.sites), len(c.months)
    mine = model.col_blocks["mine"].index
    converted = model.col_blocks["converted"].index
    has: npt.NDArray[np.bool_] = np.asarray((converted >= 0).any(axis=1), dtype=bool)
    if len(c.tranches):
        with_miners = np.zeros(s_count, dtype=bool)
        with_miners[c.tranche_site[(mine >= 0).any(axis=1)]] = True
        has |= with_miners
    rhs = np.array([s.capacity_mw - s.hpc_pue * s.hpc_existing_mw for s in c.sites])
    names = [s.name for s in c.sites]
    power = model.add_rows("site_power", (s_count, t_count),
                           np.repeat(has[:, None], t_count, axis=1), np.full(1, -INF),
                           rhs[:, None],
                           lambda i: lp_name("site_power", names[i[0]], c.months[i[1]]))
    model.row_blocks["site_power"] = power
    mining_pue = np.array([s.mining_pue for s in c.sites])
    hpc_pue = np.array([s.hpc_pue for s in c.sites])
    if len(c.tranches):
        rows = power.index[c.tranche_site, :]
        model.add_entries(rows, mine, mining_pue[c.tranche_site][:, None])
    model.add_entries(power.index, converted, hpc_pue[:, None])


def add_policies(model: MatrixModel) -> None:
    """Optional portfolio policies from Settings.

    - ``min_fleet_hashrate[t]``: ``sum_m mine[m,t] / eff_m >= min_fleet_hashrate_ehs``;
    - ``max_hpc_share[t]``: ``sum_s hpc_pue_s * (existing_s + converted[s,t])
      <= max_hpc_share * sum_s capacity_mw``;
    - ``capex_budget[y]``: ``sum_{t in y, s} capex_s * build[s,t] <= capex_budget_usd_per_year``;
    - ``max_conversion[y]``: ``sum_{t in y, s} build[s,t] <= max_conversion_mw_per_year``.
    """
    c = model.coef
    st = c.fleet.settings
    t_count = len(c.months)
    months = c.months
    all_months = np.ones(t_count, dtype=bool)
    if st.min_fleet_hashrate_ehs is not None:
        rows = model.add_rows("min_fleet_hashrate", (t_count,), all_months,
                              np.full(1, st.min_fleet_hashrate_ehs), np.full(1, INF),
                              lambda i: lp_name("min_fleet_hashrate", months[i[0]]))
        model.row_blocks["min_fleet_hashrate"] = rows
        mine = model.col_blocks["mine"].index
        model.add_entries(np.broadcast_to(rows.index[None, :], mine.shape), mine,
                          (1.0 / c.efficiency_j_th)[:, None] if len(c.tranches) else np.ones(1))
    converted = model.col_blocks["converted"].index
    build = model.col_blocks["build"].index
    if st.max_hpc_share is not None:
        total = sum(s.capacity_mw for s in c.sites)
        existing = sum(s.hpc_pue * s.hpc_existing_mw for s in c.sites)
        rows = model.add_rows("max_hpc_share", (t_count,), all_months, np.full(1, -INF),
                              np.full(1, st.max_hpc_share * total - existing),
                              lambda i: lp_name("max_hpc_share", months[i[0]]))
        model.row_blocks["max_hpc_share"] = rows
        model.add_entries(np.broadcast_to(rows.index[None, :], converted.shape), converted,
                          np.array([s.hpc_pue for s in c.sites])[:, None])
    years = sorted({m[:4] for m in months})
    year_of = np.array([years.index(m[:4]) for m in months], dtype=np.int64)
    for limit, family, weights in (
        (st.capex_budget_usd_per_year, "capex_budget",
         np.array([s.conversion_capex_usd_mw for s in c.sites])),
        (st.max_conversion_mw_per_year, "max_conversion", np.ones(len(c.sites))),
    ):
        if limit is None:
            continue
        def year_name(i: tuple[int, ...], family: str = family) -> str:
            return lp_name(family, years[i[0]])

        rows = model.add_rows(family, (len(years),), np.ones(len(years), dtype=bool),
                              np.full(1, -INF), np.full(1, limit), year_name)
        model.row_blocks[family] = rows
        model.add_entries(np.broadcast_to(rows.index[year_of][None, :], build.shape), build,
                          weights[:, None])


def build_model(coef: Coefficients) -> MatrixModel:
    """The LP for ``coef``, as a readable list of families."""
    started = time.perf_counter()
    model = MatrixModel(coef)
    add_mining(model)
    add_conversion(model)
    add_leasing(model)
    add_lumpy_decisions(model)
    add_site_power(model)
    add_policies(model)
    model.build_seconds = time.perf_counter() - started
    return model
