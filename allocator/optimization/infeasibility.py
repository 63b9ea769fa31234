"""Explain an infeasible plan in the user's words, and find the smallest change that fixes it.

:func:`explain_infeasibility` asks HiGHS for an irreducible infeasible subsystem (IIS) and
turns each named row and bound in it back into a sentence about sites, months, contracts and
settings, each named by its name and, given a ``locate``, the cell its figure comes from.
:func:`relax` solves an elastic copy of the model (firm minimums, policies, grid and
convertible space may give, at a price), turns what had to give into changes of the inputs,
and keeps only the changes a re-solve with them applied confirms. No Excel here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from allocator.consistency import Locate, leasable_space_mw, named
from allocator.domain import Fleet
from allocator.optimization.backends import highs_model
from allocator.optimization.coefficients import Coefficients, compute_coefficients
from allocator.optimization.fixes import (
    Fix,
    Key,
    Relaxation,
    apply_fixes,
    is_feasible,
    make_fix,
    not_firm,
)
from allocator.optimization.lp import IndexSets, build_model, index_sets
from allocator.optimization.model import Family, MatrixModel, ModelBuilder
from allocator.periods import add_months

__all__ = ["Explanation", "explain_infeasibility", "relax"]

_IRREDUCIBLE = 4  # highspy.IisStrategy.kIisStrategyIrreducible
_BOUND_LOWER, _BOUND_UPPER, _BOUND_BOXED = 2, 3, 4
_SHORTFALL_MW = 0.05  # a headline states a shortfall its one-decimal figures show

Name = Callable[[str, str, str], str]
"""(input sheet, record or "" for a setting, field) -> ``"Alpha" (Sites!B2)``."""


@dataclass(frozen=True)
class Explanation:
    """Why no plan exists.

    Attributes:
        summary: One sentence an analyst can act on: the firm MW needed against the MW that
            can be online, when they differ; else that no plan meets every constraint.
        reasons: The requirements that cannot all hold together, one sentence each.
        constraints: The LP names behind them (for a modeller).
    """

    summary: str
    reasons: tuple[str, ...]
    constraints: tuple[str, ...]

    def __str__(self) -> str:
        lines = [self.summary]
        if self.reasons:
            lines.append("These cannot all hold together:")
            lines += [f"  - {r}" for r in self.reasons]
        return "\n".join(lines)


def _sites(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def explain_infeasibility(fleet: Fleet, locate: Locate | None = None) -> Explanation | None:
    """Why ``fleet`` has no feasible plan, or ``None`` when it has one.

    Args:
        fleet: The inputs.
        locate: Finds an input's cell (``FleetWorkbook.locate``), so each sentence names the
            cell beside the contract, site or setting: ``contract "K1" (Contracts!H2)``.
    """
    import highspy

    name: Name = partial(named, locate=locate)
    coef = compute_coefficients(fleet)
    model = build_model(coef)
    if model.n_cols == 0:
        return None  # nothing to decide is trivially feasible
    h = highs_model(model)
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        return None
    h.setOptionValue("iis_strategy", _IRREDUCIBLE)
    _, iis = h.getIis()
    rows = [int(r) for r in iis.row_index_] if iis.valid_ else []
    cols = [int(c) for c in iis.col_index_] if iis.valid_ else []
    col_bounds = [int(b) for b in iis.col_bound_] if iis.valid_ else []
    if not rows and not cols:
        return Explanation(
            "No plan meets every constraint, and the solver could not isolate why"
            + (" (whole halls or all-or-nothing contracts may be the cause: try without them)."
               if model.is_mip else "."),
            (), ())
    reasons: list[str] = []
    names: list[str] = []
    firm: list[int] = []
    capacity_cells: list[tuple[int, int]] = []
    for row in rows:
        family = model.row_family(row)
        names.append(family.label(row))
        sentence = _row_sentence(coef, family.name, family.cell(row), name)
        if family.name == "hpc_capacity":
            s, t = family.cell(row)
            capacity_cells.append((s, t))
        if sentence and sentence not in reasons:
            reasons.append(sentence)
    for col, bound in zip(cols, col_bounds, strict=True):
        family = model.col_family(col)
        names.append(family.label(col))
        if family.name == "commit" and bound in (_BOUND_LOWER, _BOUND_BOXED):
            firm.append(family.cell(col)[0])
        sentence = _col_sentence(coef, family.name, family.cell(col), bound, name)
        if sentence and sentence not in reasons:
            reasons.append(sentence)
    policies = [model.row_family(r).name for r in rows
                if model.row_family(r).name in _POLICY_NAMES]
    summary = _summary(coef, firm, capacity_cells, _max_firm_mw(fleet, firm), policies, name)
    return Explanation(summary, tuple(reasons), tuple(names))


_POLICY_NAMES = {
    "min_fleet_hashrate": "min_fleet_hashrate_ehs",
    "max_hpc_share": "max_hpc_share",
    "capex_budget": "capex_budget_usd_per_year",
    "max_conversion": "max_conversion_mw_per_year",
}


def _max_firm_mw(fleet: Fleet, firm: list[int]) -> float | None:
    """Most MW the ``firm`` contracts can take together, every other rule kept."""
    import highspy

    if not firm:
        return None
    model = build_model(compute_coefficients(fleet))
    cols = model.variables["commit"].index[np.array(firm)]
    cols = cols[cols >= 0]
    cost = np.zeros(model.n_cols)
    cost[cols] = 1.0
    h = highs_model(model.with_costs(cost).with_bounds(cols, lower=0.0))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(h.getInfo().objective_function_value)


def _summary(coef: Coefficients, firm: list[int], cells: list[tuple[int, int]],
             most: float | None, policies: list[str], name: Name) -> str:
    """The firm MW needed against the MW that can be online, when that is the shortfall.

    When the firm contracts' minimums together fit what can be online (the conflict is in
    when or where, or with a policy), no MW figure explains it and the plain sentence stands.
    """
    unknown = "No plan meets every constraint."
    if not firm or not (cells or most is not None):
        return unknown
    contracts = [coef.contracts[k].contract for k in firm]
    need = sum(c.min_mw for c in contracts)
    # the first month in which every one of these firm contracts runs
    starts = [max(int(coef.contracts[k].months.min()), 0) for k in firm
              if len(coef.contracts[k].months)]
    t = max(starts) if starts else min(t for _, t in cells)
    sites = sorted({s for s, _ in cells})
    room = most if most is not None else sum(leasable_space_mw(coef.sites[s], t) for s in sites)
    if need < room + _SHORTFALL_MW:
        return unknown
    label = "Contract" if len(contracts) == 1 else "Contracts"
    verb = "needs" if len(contracts) == 1 else "need"
    where = f" at sites {_sites([coef.sites[s].name for s in sites])}" if sites else ""
    given = ""
    if policies:
        given = " within " + ", ".join(dict.fromkeys(
            name("Settings", "", _POLICY_NAMES[p]) for p in policies))
    which = ", ".join(name("Contracts", c.name, "min_mw") for c in contracts)
    return (f"{label} {which} {verb} {need:g} MW{where} from {coef.months[t]}, but at most "
            f"{room:,.1f} MW can be converted and online there in time{given}.")


def _row_sentence(coef: Coefficients, family: str, cell: tuple[int, ...],
                  name: Name) -> str | None:
    if family == "site_power":
        site, month = coef.sites[cell[0]], coef.months[cell[1]]
        return (f"Site {name('Sites', site.name, 'capacity_mw')} has {site.capacity_mw:g} MW "
                f"of grid power in {month}, {site.hpc_pue * site.hpc_existing_mw:g} MW of it "
                "held by existing HPC space.")
    if family == "hpc_capacity":
        site, t = coef.sites[cell[0]], cell[1]
        lead = site.conversion_lead_months
        start = add_months(coef.months[t], -lead)
        which = name("Sites", site.name, "conversion_lead_months")
        if t - lead < 0:
            return (f"Site {which} has {site.hpc_existing_mw:g} MW of HPC space in "
                    f"{coef.months[t]}: conversions take {lead} months, so none started in "
                    "the plan is online by then.")
        return (f"Site {which} can lease in {coef.months[t]} only its "
                f"{site.hpc_existing_mw:g} MW of existing HPC space plus what it started "
                f"converting by {start} ({lead}-month lead time).")
    if family == "convertible_space":
        site = coef.sites[cell[0]]
        return (f"At most {site.hpc_convertible_mw:g} MW can be converted at site "
                f"{name('Sites', site.name, 'hpc_convertible_mw')}.")
    if family == "conversion_blocks":
        site = coef.sites[cell[0]]
        return (f"Site {name('Sites', site.name, 'conversion_block_mw')} converts in whole "
                f"halls of {site.conversion_block_mw:g} MW.")
    if family == "all_or_nothing":
        c = coef.contracts[cell[0]].contract
        return (f"Contract {name('Contracts', c.name, 'all_or_nothing')} is all or nothing: "
                f"{c.max_mw:g} MW or none.")
    if family in _POLICY_NAMES:
        return _policy_sentence(coef, family, cell[0], name("Settings", "", _POLICY_NAMES[family]))
    return None  # definitional rows (conversion_stock, contract_delivery) say nothing new


def _policy_sentence(coef: Coefficients, family: str, at: int, setting: str) -> str:
    """A Settings policy row of month (or year) ``at``, naming ``setting``."""
    st = coef.fleet.settings
    years = sorted({m[:4] for m in coef.months})
    if family == "min_fleet_hashrate":
        return (f"Setting {setting} asks for {st.min_fleet_hashrate_ehs:g} EH/s in "
                f"{coef.months[at]}.")
    if family == "max_hpc_share":
        return (f"Setting {setting} limits HPC to {st.max_hpc_share:g} of fleet grid power in "
                f"{coef.months[at]}.")
    if family == "capex_budget":
        return (f"Setting {setting} allows ${st.capex_budget_usd_per_year:,.0f} of "
                f"conversions started in {years[at]}.")
    return (f"Setting {setting} allows {st.max_conversion_mw_per_year:g} MW of conversions "
            f"started in {years[at]}.")


def _col_sentence(coef: Coefficients, family: str, cell: tuple[int, ...],
                  bound: int, name: Name) -> str | None:
    if family == "commit":
        c = coef.contracts[cell[0]].contract
        where = _sites(list(c.sites)) if c.sites else "any site"
        if bound in (_BOUND_LOWER, _BOUND_BOXED) and c.firm:
            return (f"Contract {name('Contracts', c.name, 'min_mw')} is firm: at least "
                    f"{c.min_mw:g} MW from {c.start_month} for {c.term_months} months, at "
                    f"{where}.")
        return f"Contract {name('Contracts', c.name, 'max_mw')} takes at most {c.max_mw:g} MW."
    if family == "mine" and bound in (_BOUND_UPPER, _BOUND_BOXED):
        tranche = coef.tranches[cell[0]]
        return (f"The {tranche.model} miners at site {name('Sites', tranche.site, 'uptime')} "
                f"can run at most {float(coef.tranche_available_mw[cell[0]]):.1f} MW "
                "(uptime x installed).")
    return None


# --- elastic mode ----------------------------------------------------------------------------

Target = Callable[[tuple[int, ...]], tuple[Key, float]]
"""A slack column's cell -> the input that gives, and how much per unit of slack."""
Slack = tuple[Family, float, Target]

_SOFT = 1.0      # per MW (or EH/s, or $M): firm minimums and policies give first
_PHYSICAL = 10.0  # per MW: more grid or convertible space is the last resort
_MAX_SINGLES = 24  # inputs tried alone; each costs an elastic solve and a re-solve
_GIVEN = 1e-6  # slack below this is solver noise


def relax(fleet: Fleet, locate: Locate | None = None) -> Relaxation:
    """The changes that make ``fleet`` feasible, each checked by re-solving with it applied.

    Firm minimums and Settings policies may give (cost 1 per MW, EH/s or $M); grid capacity
    and convertible space may grow (cost 10 per MW). The elastic model's cheapest way out,
    one change per input (a setting or a site's capacity changed by the most any month
    needs), is the smallest change. When it takes several, they are given as all needed
    together once re-solves confirm the plan is feasible with all of them applied and
    infeasible with any one left out. Then each input that may give is tried alone (at most
    24, those of the smallest change first): the single changes a re-solve confirms (and, for
    a firm contract that can be lowered, making it not firm) are given as any one suffices.
    A change no re-solve confirms is not given.

    Args:
        fleet: The inputs.
        locate: Finds an input's cell (``FleetWorkbook.locate``), for the sentences.
    """
    elastic = _Elastic.of(fleet)
    if elastic is None or is_feasible(fleet):
        return Relaxation(feasible=True)
    give = elastic.give()
    if give is None:
        return Relaxation(note="No relaxation of firm minimums, policies, grid or convertible "
                               "space makes the plan feasible.")
    smallest = [fix for key, amount in give.items()
                if (fix := make_fix(fleet, key, amount, locate)) is not None]
    together = _needed_together(fleet, smallest) if smallest else ()
    keys = [*give, *(k for k in elastic.inputs() if k not in give)][:_MAX_SINGLES]
    singles = _single_fixes(fleet, elastic, keys, locate)
    if not (together or singles):
        return Relaxation(note="No change is suggested: a re-solve with the elastic model's "
                               "changes applied still finds no feasible plan.")
    if len(together) == 1:
        singles = singles or [together[0]]
        together = ()
    return Relaxation(together=together, any_one=tuple(singles))


def _needed_together(fleet: Fleet, fixes: list[Fix]) -> tuple[Fix, ...]:
    """``fixes`` less any a re-solve shows is not needed; ``()`` when all of them fail."""
    if not is_feasible(apply_fixes(fleet, fixes)):
        return ()
    needed = list(fixes)
    for fix in fixes:
        if len(needed) == 1:
            break
        rest = [f for f in needed if f is not fix]
        if is_feasible(apply_fixes(fleet, rest)):
            needed = rest
    return tuple(needed)


def _single_fixes(fleet: Fleet, elastic: _Elastic, keys: list[Key],
                  locate: Locate | None) -> list[Fix]:
    """The least change of each input in ``keys`` that makes a plan feasible on its own,
    then making each firm contract so lowered not firm; only what a re-solve confirms."""
    out: list[Fix] = []
    for key in keys:
        give = elastic.give(only=key)
        fix = make_fix(fleet, key, give[key], locate) if give and key in give else None
        if fix is not None and is_feasible(apply_fixes(fleet, [fix])):
            out.append(fix)
    firm = [not_firm(f.record, locate) for f in out if f.column == "min_mw"]
    return out + [f for f in firm if is_feasible(apply_fixes(fleet, [f]))]


@dataclass(frozen=True)
class _Elastic:
    """The elastic model, and for each slack column the input it eases and by how much."""

    model: MatrixModel
    cols: np.ndarray
    keys_of: tuple[Key, ...]
    per_unit: np.ndarray

    @classmethod
    def of(cls, fleet: Fleet) -> _Elastic | None:
        """``None`` when there is nothing to decide (trivially feasible)."""
        coef = compute_coefficients(fleet)
        model = build_model(coef)
        if model.n_cols == 0:
            return None
        builder = model.extend()
        slacks = _add_slack(builder, coef, index_sets(coef))
        elastic = builder.build()
        cost = np.zeros(elastic.n_cols)
        cols: list[int] = []
        keys: list[Key] = []
        per_unit: list[float] = []
        for family, weight, target in slacks:
            cost[family.start:family.start + family.count] = -weight
            for cell in np.argwhere(family.index >= 0):  # C order is column order
                key, factor = target(tuple(int(i) for i in cell))
                keys.append(key)
                per_unit.append(factor)
            cols += range(family.start, family.start + family.count)
        commit = elastic.variables["commit"].index
        # only the slack counts; firm minimums live in firm_minimum rows now
        priced = elastic.with_costs(cost).with_bounds(commit[commit >= 0], lower=0.0)
        return cls(priced, np.array(cols, dtype=np.int64), tuple(keys),
                   np.array(per_unit, dtype=float))

    def inputs(self) -> list[Key]:
        """Every input that may give, once each, firm contracts first."""
        return list(dict.fromkeys(self.keys_of))

    def give(self, only: Key | None = None) -> dict[Key, float] | None:
        """How much each input must give (the most any of its months needs), in its unit.

        With ``only``, no other input may give. ``None`` when no relaxation is feasible.
        """
        import highspy

        model = self.model
        if only is not None:
            shut = [c for c, k in zip(self.cols.tolist(), self.keys_of, strict=True)
                    if k != only]
            model = model.with_bounds(shut, upper=0.0)
        h = highs_model(model)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(h.getSolution().col_value)[self.cols]
        out: dict[Key, float] = {}
        for i in np.flatnonzero(x > _GIVEN).tolist():
            key = self.keys_of[i]
            out[key] = max(out.get(key, 0.0), float(x[i] * self.per_unit[i]))
        return out


def _add_slack(b: ModelBuilder, coef: Coefficients, x: IndexSets) -> list[Slack]:
    """Slack columns on every row that may give; returns (family, weight, target).

    ``firm_minimum[k]``: ``commit[k] + firm_shortfall[k] >= min_mw[k]`` replaces the firm
    lower bound; every policy, site power and convertible space row gets a slack column.
    """
    out: list[Slack] = []
    commit = b.col_families["commit"]
    firm = np.array([t.contract.firm and t.contract.min_mw > 0 for t in coef.contracts],
                    dtype=bool) & (commit.index >= 0)
    if firm.any():
        mins = np.array([t.contract.min_mw for t in coef.contracts], dtype=float)
        knames = [t.contract.name for t in coef.contracts]
        short = b.variables("firm_shortfall", (x.K,), where=firm, upper=mins)
        (b.constraints("firm_minimum", (x.K,), where=firm, sense=">=", rhs=mins)
         .add(commit, 1.0).add(short, 1.0))
        out.append((short, _SOFT, lambda c: (("Contracts", knames[c[0]], "min_mw"), 1.0)))
    grid_mw = sum(s.capacity_mw for s in coef.sites)
    policies: dict[str, tuple[float, float, float]] = {  # sign, weight, setting per slack
        "min_fleet_hashrate": (+1.0, 1.0, 1.0),
        "max_hpc_share": (-1.0, 1.0, 1.0 / grid_mw),
        "capex_budget": (-1.0, 1e-6, 1.0),
        "max_conversion": (-1.0, 1.0, 1.0),
    }
    for family, (sign, weight, factor) in policies.items():
        if family in b.row_families:
            setting = _setting(_POLICY_NAMES[family], factor)
            out.append(_row_slack(b, family, sign, _SOFT * weight, setting))
    names = [s.name for s in coef.sites]
    if "site_power" in b.row_families:
        out.append(_row_slack(b, "site_power", -1.0, _PHYSICAL,
                              lambda c: (("Sites", names[c[0]], "capacity_mw"), 1.0)))
    if "convertible_space" in b.row_families:
        out.append(_row_slack(b, "convertible_space", -1.0, _PHYSICAL,
                              lambda c: (("Sites", names[c[0]], "hpc_convertible_mw"), 1.0)))
    return out


def _setting(column: str, factor: float) -> Target:
    """Every row of a policy eases the one setting ``column``, by ``factor`` per unit."""
    return lambda _cell: (("Settings", "", column), factor)


def _row_slack(b: ModelBuilder, family: str, sign: float, weight: float,
               target: Target) -> Slack:
    """``family_slack``: one column per row of ``family``, entering it with ``sign``."""
    rows = b.row_families[family]
    slack = b.variables(f"{family}_slack", rows.axes, where=rows.index >= 0)
    b.rows(family).add(slack, sign)
    return slack, weight, target
