"""The extensive form: one first stage shared by every future, mining per future.

Index sets are the deterministic LP's (:mod:`allocator.optimization.lp`) and futures ``W``
with probabilities ``p_w``. The first stage (``build``, ``converted``, ``halls``,
``commit``, ``take``, ``lease``) and every constraint on it alone (conversion stock,
convertible space, contract delivery, HPC capacity, whole halls, all-or-nothing, the HPC
share, capex and conversion policies) are written by the deterministic LP's own family
functions, once; so the first stage is one set of columns, the same in every future by
construction. Per future:

- ``mine[w,m,t]``: ``0 <= mine[w,m,t] <= uptime * installed_mw[m]``;
- ``site_power[w,s,t]``: ``mining_pue[s] * sum_{m at s} mine[w,m,t] + hpc_pue[s] *
  converted[s,t] <= capacity_mw[s] - hpc_pue[s] * hpc_existing_mw[s]``;
- ``min_fleet_hashrate[w,t]``: ``sum_m mine[w,m,t] / efficiency_j_th[m] >= floor``.

Risk-neutral objective: ``E[NPV] = sum_w p_w * NPV_w`` with
``NPV_w = c_w' x_first + sum_{m,t} c_w[m,t] * mine[w,m,t]``, ``c_w`` the deterministic
LP's costs in future w (:func:`~allocator.stochastic.scenario_set.scenario_costs`).

With risk (Rockafellar-Uryasev), a value-at-risk ``eta`` (free) and a shortfall
``shortfall[w] >= 0`` per future:

- ``cvar_shortfall[w]``: ``shortfall[w] - eta + NPV_w >= 0``;
- objective: ``(1 - lambda) * E[NPV] + lambda * (eta - sum_w p_w * shortfall[w] / alpha)``,
  whose second part is, at the optimum, ``CVaR_alpha[NPV]``: the mean of the worst
  ``alpha`` of the distribution.

Where the merit order holds, mining the first stage cannot change (a margin of 0 or less,
or a tranche that fits beside all convertible space) is no variable but a constant of each
future's NPV and grid (:mod:`allocator.stochastic.merit`); :attr:`ExtensiveForm.offset_usd`
adds it back to the objective. Otherwise (a fleet hashrate floor), with one future the
extensive form is the deterministic LP, column for column.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from allocator.optimization import lp
from allocator.optimization.lp import IndexSets
from allocator.optimization.model import INF, Axis, MatrixModel, ModelBuilder
from allocator.stochastic.merit import MiningCells, mining_cells
from allocator.stochastic.scenario_set import ScenarioCosts

__all__ = ["COST_FAMILIES", "ExtensiveForm", "Risk", "build_extensive", "scenario_npv_usd"]

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

COST_FAMILIES = ("converted", "lease")
"""First-stage families with a cost (the capital charge, the lease's margin)."""


@dataclass(frozen=True)
class Risk:
    """CVaR in the objective: weight ``lam`` in [0, 1] and tail ``alpha`` in (0, 1)."""

    lam: float
    alpha: float = 0.05


@dataclass(frozen=True)
class ExtensiveForm:
    """The built extensive form and how to read each future's NPV from its solution.

    Attributes:
        model: The LP.
        scenarios: The futures' axis.
        costs: The set's per-future costs (of the deterministic LP's columns).
        risk: The CVaR weighting the model was built with, or ``None`` (risk-neutral).
        constant_usd: ``[W]`` NPV of the mining that runs in every case in each future
            (:mod:`~allocator.stochastic.merit`), outside the LP's objective.
    """

    model: MatrixModel
    scenarios: Axis
    costs: ScenarioCosts
    risk: Risk | None = None
    constant_usd: Array = field(default_factory=lambda: np.zeros(0))

    def offset_usd(self, lam: float = 0.0) -> float:
        """What the LP's objective leaves out: ``(1 - lam) E[constant]``, the mining that
        runs in every case (the CVaR rows carry it themselves)."""
        return (1.0 - lam) * float(self.costs.probabilities @ self.constant_usd)

    def objective_for(self, lam: float, alpha: float) -> Array:
        """Costs giving ``(1 - lam) E[NPV] + lam CVaR_alpha`` (of a model built with risk)."""
        model = self.model
        cost = _place_costs(model, self.costs) * (1.0 - lam)
        cost[model.variables["value_at_risk"].index.reshape(-1)] = lam
        cost[model.variables["shortfall"].index.reshape(-1)] = (
            -lam * self.costs.probabilities / alpha)
        return cost


def add_scenario_mining(b: ModelBuilder, c: ScenarioCosts, x: IndexSets, w: Axis,
                        cells: MiningCells) -> None:
    """``0 <= mine[w,m,t] <= uptime * installed_mw[m]`` in every future w, where the first
    stage can change it (:mod:`~allocator.stochastic.merit`)."""
    cap = c.coefficients[0].tranche_available_mw
    b.variables("mine", (w, x.M, x.T), where=cells.free, upper=cap[None, :, None])


def add_scenario_site_power(b: ModelBuilder, c: ScenarioCosts, x: IndexSets, w: Axis,
                            cells: MiningCells) -> None:
    """``site_power[w,s,t]``: ``mining_pue[s] * sum_{m at s} mine[w,m,t] + hpc_pue[s] *
    converted[s,t] <= capacity_mw[s] - hpc_pue[s] * hpc_existing_mw[s] - run[w,s,t]``,
    ``run`` the grid MW of the mining that runs in every case."""
    coef = c.coefficients[0]
    mine, converted = b.col_families["mine"], b.col_families["converted"]
    uses_power: npt.NDArray[np.bool_] = np.asarray((converted.index >= 0).any(axis=1))
    uses_power[coef.tranche_site[(c.model.variables["mine"].index >= 0).any(axis=1)]] = True
    site = coef.site
    room = (site.capacity_mw - site.hpc_pue * site.hpc_existing_mw)[None, :, None]
    (b.constraints("site_power", (w, x.S, x.T), where=uses_power[None, :, None], sense="<=",
                   rhs=room - cells.grid_mw(c))
     .add(mine, site.mining_pue[coef.tranche_site][None, :, None],
          sum_over=x.M.to(x.S, coef.tranche_site))
     .add(converted, site.hpc_pue[:, None, None]))


def add_scenario_min_fleet_hashrate(b: ModelBuilder, c: ScenarioCosts, x: IndexSets,
                                    w: Axis) -> None:
    """``min_fleet_hashrate[w,t]``: ``sum_m mine[w,m,t] / efficiency_j_th[m] >= floor``."""
    coef = c.coefficients[0]
    floor = coef.fleet.settings.min_fleet_hashrate_ehs
    if floor is None:
        return
    (b.constraints("min_fleet_hashrate", (w, x.T), sense=">=", rhs=floor)
     .add(b.col_families["mine"], (1.0 / coef.efficiency_j_th)[None, :, None],
          sum_over=x.M))


def add_cvar(b: ModelBuilder, c: ScenarioCosts, w: Axis, risk: Risk,
             cells: MiningCells) -> None:
    """``cvar_shortfall[w]``: ``shortfall[w] - value_at_risk + NPV_w >= 0``, with
    ``value_at_risk`` free earning ``lam`` and ``shortfall[w] >= 0`` costing
    ``lam * p_w / alpha``; the NPV of the mining that runs in every case is the row's
    constant."""
    r = Axis("risk", ("value_at_risk",))
    eta = b.variables("value_at_risk", (r,), lower=-INF, cost=risk.lam)
    short = b.variables("shortfall", (w,), cost=-risk.lam * c.probabilities / risk.alpha)
    rows = (b.constraints("cvar_shortfall", (w,), sense=">=", rhs=-cells.constant_usd())
            .add(short, 1.0).add(eta, -1.0, sum_over=r))
    det = c.model
    for name in COST_FAMILIES:
        if name not in det.variables:
            continue
        family = b.col_families[name]
        index = det.variables[name].index
        value = np.zeros((*index.shape, len(w)))
        at = index >= 0
        value[at] = c.costs[:, index[at]].T
        rows.add(family, value, sum_over=family.axes)
    rows.add(b.col_families["mine"], cells.value, sum_over=(b.col_families["mine"].axes[1:]))


def _place_costs(model: MatrixModel, c: ScenarioCosts) -> Array:
    """Risk-neutral costs of the extensive form's columns: ``p_w * c_w`` on ``mine[w]``,
    ``sum_w p_w * c_w`` on the first stage."""
    det = c.model
    cost = np.zeros(model.n_cols)
    expected = c.expected
    for name in COST_FAMILIES:
        if name in det.variables:
            index, mine = det.variables[name].index, model.variables[name].index
            at = index >= 0
            cost[mine[at]] = expected[index[at]]
    det_mine, mine = det.variables["mine"].index, model.variables["mine"].index
    for w, p in enumerate(c.probabilities.tolist()):
        at = mine[w] >= 0
        cost[mine[w][at]] = p * c.costs[w, det_mine[at]]
    return cost


def build_extensive(c: ScenarioCosts, names: tuple[str, ...], risk: Risk | None = None, *,
                    reduce: bool = True) -> ExtensiveForm:
    """The extensive form of the futures priced in ``c`` (``names`` label them); without
    ``reduce`` every mining cell is a variable (the reduction is exact; tests compare)."""
    started = time.perf_counter()
    coef = c.coefficients[0]
    b, x = ModelBuilder(coef), lp.index_sets(coef)
    w = Axis.of("scenario", names)
    cells = mining_cells(c, reduce=reduce)
    add_scenario_mining(b, c, x, w, cells)
    lp.add_conversion(b, coef, x)
    lp.add_leasing(b, coef, x)
    lp.add_whole_halls(b, coef, x)
    lp.add_all_or_nothing(b, coef, x)
    add_scenario_site_power(b, c, x, w, cells)
    add_scenario_min_fleet_hashrate(b, c, x, w)
    lp.add_max_hpc_share(b, coef, x)
    lp.add_capex_budget(b, coef, x)
    lp.add_max_conversion(b, coef, x)
    if risk is not None:
        add_cvar(b, c, w, risk, cells)
    model = b.build(time.perf_counter() - started)
    form = ExtensiveForm(model, w, c, risk, cells.constant_usd())
    cost = (_place_costs(model, c) if risk is None
            else form.objective_for(risk.lam, risk.alpha))
    return ExtensiveForm(model.with_costs(cost), w, c, risk, form.constant_usd)


def scenario_npv_usd(form: ExtensiveForm, x: Array) -> Array:
    """``[W]``: each future's NPV of the extensive form's solution ``x``."""
    det, model, c = form.costs.model, form.model, form.costs
    out = np.zeros(len(form.scenarios))
    for name in COST_FAMILIES:
        if name in det.variables:
            index, here = det.variables[name].index, model.variables[name].index
            at = index >= 0
            out += c.costs[:, index[at]] @ x[here[at]]
    det_mine, mine = det.variables["mine"].index, model.variables["mine"].index
    for w in range(len(out)):
        at = mine[w] >= 0
        out[w] += c.costs[w, det_mine[at]] @ x[mine[w][at]]
    return out + form.constant_usd
