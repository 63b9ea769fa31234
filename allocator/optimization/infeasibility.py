"""Explain an infeasible plan in the user's words, and find the smallest change that fixes it.

:func:`explain_infeasibility` asks HiGHS for an irreducible infeasible subsystem (IIS) and
turns each named row and bound in it back into a sentence about sites, months, contracts and
settings. :func:`relax` solves an elastic copy of the model (firm minimums, policies, grid
and convertible space may give, at a price) and reports what had to give. No Excel here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from allocator.consistency import leasable_space_mw
from allocator.domain import Fleet
from allocator.optimization.backends import highs_model
from allocator.optimization.coefficients import Coefficients, compute_coefficients
from allocator.optimization.lp import IndexSets, build_model, index_sets
from allocator.optimization.model import Family, ModelBuilder
from allocator.periods import add_months

__all__ = ["Explanation", "explain_infeasibility", "relax"]

_IRREDUCIBLE = 4  # highspy.IisStrategy.kIisStrategyIrreducible
_BOUND_LOWER, _BOUND_UPPER, _BOUND_BOXED = 2, 3, 4


@dataclass(frozen=True)
class Explanation:
    """Why no plan exists.

    Attributes:
        summary: One sentence an analyst can act on.
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


def explain_infeasibility(fleet: Fleet) -> Explanation | None:
    """Why ``fleet`` has no feasible plan, or ``None`` when it has one."""
    import highspy

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
        sentence = _row_sentence(coef, family.name, family.cell(row))
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
        sentence = _col_sentence(coef, family.name, family.cell(col), bound)
        if sentence and sentence not in reasons:
            reasons.append(sentence)
    policies = [model.row_family(r).name for r in rows
                if model.row_family(r).name in _POLICY_NAMES]
    summary = _summary(coef, firm, capacity_cells, _max_firm_mw(fleet, firm), policies)
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
             most: float | None, policies: list[str]) -> str:
    if firm and (cells or most is not None):
        contracts = [coef.contracts[k].contract for k in firm]
        need = sum(c.min_mw for c in contracts)
        # the first month in which every one of these firm contracts runs
        starts = [max(int(coef.contracts[k].months.min()), 0) for k in firm
                  if len(coef.contracts[k].months)]
        t = max(starts) if starts else min(t for _, t in cells)
        sites = sorted({s for s, _ in cells})
        room = most if most is not None else sum(leasable_space_mw(coef.sites[s], t) for s in sites)
        label = "Contract" if len(contracts) == 1 else "Contracts"
        verb = "needs" if len(contracts) == 1 else "need"
        where = f" at sites {_sites([coef.sites[s].name for s in sites])}" if sites else ""
        given = ""
        if policies:
            given = " within " + ", ".join(dict.fromkeys(_POLICY_NAMES[p] for p in policies))
        return (f"{label} {', '.join(c.name for c in contracts)} {verb} {need:g} MW{where} "
                f"from {coef.months[t]}, but at most {room:,.1f} MW can be converted and "
                f"online there in time{given}.")
    return "No plan meets every constraint."


def _row_sentence(coef: Coefficients, family: str, cell: tuple[int, ...]) -> str | None:
    st = coef.fleet.settings
    if family == "site_power":
        site, month = coef.sites[cell[0]], coef.months[cell[1]]
        return (f"Site {site.name} has {site.capacity_mw:g} MW of grid power in {month}, "
                f"{site.hpc_pue * site.hpc_existing_mw:g} MW of it held by existing HPC space.")
    if family == "hpc_capacity":
        site, t = coef.sites[cell[0]], cell[1]
        lead = site.conversion_lead_months
        start = add_months(coef.months[t], -lead)
        if t - lead < 0:
            return (f"Site {site.name} has {site.hpc_existing_mw:g} MW of HPC space in "
                    f"{coef.months[t]}: conversions take {lead} months, so none started in "
                    "the plan is online by then.")
        return (f"Site {site.name} can lease in {coef.months[t]} only its "
                f"{site.hpc_existing_mw:g} MW of existing HPC space plus what it started "
                f"converting by {start} ({lead}-month lead time).")
    if family == "convertible_space":
        site = coef.sites[cell[0]]
        return f"At most {site.hpc_convertible_mw:g} MW can be converted at site {site.name}."
    if family == "min_fleet_hashrate":
        return (f"Settings: min_fleet_hashrate_ehs asks for {st.min_fleet_hashrate_ehs:g} EH/s "
                f"in {coef.months[cell[0]]}.")
    if family == "max_hpc_share":
        return (f"Settings: max_hpc_share limits HPC to {st.max_hpc_share:g} of fleet grid "
                f"power in {coef.months[cell[0]]}.")
    if family == "capex_budget":
        years = sorted({m[:4] for m in coef.months})
        return (f"Settings: capex_budget_usd_per_year allows "
                f"${st.capex_budget_usd_per_year:,.0f} of conversions started in "
                f"{years[cell[0]]}.")
    if family == "max_conversion":
        years = sorted({m[:4] for m in coef.months})
        return (f"Settings: max_conversion_mw_per_year allows {st.max_conversion_mw_per_year:g}"
                f" MW of conversions started in {years[cell[0]]}.")
    if family == "conversion_blocks":
        site = coef.sites[cell[0]]
        return f"Site {site.name} converts in whole halls of {site.conversion_block_mw:g} MW."
    if family == "all_or_nothing":
        c = coef.contracts[cell[0]].contract
        return f"Contract {c.name} is all or nothing: {c.max_mw:g} MW or none."
    return None  # definitional rows (conversion_stock, contract_delivery) say nothing new


def _col_sentence(coef: Coefficients, family: str, cell: tuple[int, ...],
                  bound: int) -> str | None:
    if family == "commit":
        c = coef.contracts[cell[0]].contract
        where = _sites(list(c.sites)) if c.sites else "any site"
        if bound in (_BOUND_LOWER, _BOUND_BOXED) and c.firm:
            return (f"Contract {c.name} is firm: at least {c.min_mw:g} MW from {c.start_month} "
                    f"for {c.term_months} months, at {where}.")
        return f"Contract {c.name} takes at most {c.max_mw:g} MW."
    if family == "mine" and bound in (_BOUND_UPPER, _BOUND_BOXED):
        tranche = coef.tranches[cell[0]]
        return (f"The {tranche.model} miners at site {tranche.site} can run at most "
                f"{float(coef.tranche_available_mw[cell[0]]):.1f} MW (uptime x installed).")
    return None


# --- elastic mode ----------------------------------------------------------------------------

Describe = Callable[[tuple[int, ...], float], str]
Slack = tuple[Family, float, Describe]

_SOFT = 1.0      # per MW (or EH/s, or $M): firm minimums and policies give first
_PHYSICAL = 10.0  # per MW: more grid or convertible space is the last resort


def relax(fleet: Fleet) -> list[str]:
    """The smallest changes that make ``fleet`` feasible, one sentence each.

    Firm minimums and Settings policies may give (cost 1 per MW, EH/s or $M); grid capacity
    and convertible space may grow (cost 10 per MW). The elastic model minimizes the total;
    an empty list means the fleet is feasible as it is.
    """
    import highspy

    coef = compute_coefficients(fleet)
    model = build_model(coef)
    if model.n_cols == 0:
        return []
    builder = model.extend()
    slacks = _add_slack(builder, coef, index_sets(coef))
    elastic = builder.build()
    cost = np.zeros(elastic.n_cols)
    for family, weight, _ in slacks:
        cost[family.start:family.start + family.count] = -weight
    commit = elastic.variables["commit"].index
    # only the slack counts; firm minimums live in firm_minimum rows now
    h = highs_model(elastic.with_costs(cost).with_bounds(commit[commit >= 0], lower=0.0))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return ["No relaxation of firm minimums, policies, grid or convertible space makes "
                "the plan feasible."]
    x = np.asarray(h.getSolution().col_value)
    changes: list[str] = []
    for family, _, describe in slacks:
        for col in range(family.start, family.start + family.count):
            if x[col] > 1e-6:
                changes.append(describe(family.cell(col), float(x[col])))
    return changes


def _add_slack(b: ModelBuilder, coef: Coefficients, x: IndexSets) -> list[Slack]:
    """Slack columns on every row that may give; returns (family, weight, describer).

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
        out.append((short, _SOFT, lambda c, v: (
            f"Lower the firm minimum of contract {knames[c[0]]} by {v:,.1f} MW "
            f"(to {mins[c[0]] - v:,.1f} MW), or make it not firm.")))
    years = sorted({m[:4] for m in coef.months})
    policies: dict[str, tuple[float, float, Describe]] = {
        "min_fleet_hashrate": (+1.0, 1.0, lambda c, v: (
            f"Ask for {v:,.3f} EH/s less fleet hashrate in {coef.months[c[0]]} "
            "(min_fleet_hashrate_ehs).")),
        "max_hpc_share": (-1.0, 1.0, lambda c, v: (
            f"Allow {v:,.1f} MW more HPC grid power in {coef.months[c[0]]} (max_hpc_share).")),
        "capex_budget": (-1.0, 1e-6, lambda c, v: (
            f"Raise capex_budget_usd_per_year for {years[c[0]]} by ${v:,.0f}.")),
        "max_conversion": (-1.0, 1.0, lambda c, v: (
            f"Raise max_conversion_mw_per_year for {years[c[0]]} by {v:,.1f} MW.")),
    }
    for family, (sign, weight, describe) in policies.items():
        if family in b.row_families:
            out.append(_row_slack(b, family, sign, _SOFT * weight, describe))
    names = [s.name for s in coef.sites]
    if "site_power" in b.row_families:
        out.append(_row_slack(b, "site_power", -1.0, _PHYSICAL, lambda c, v: (
            f"Site {names[c[0]]} would need {v:,.1f} MW more grid capacity in "
            f"{coef.months[c[1]]}.")))
    if "convertible_space" in b.row_families:
        out.append(_row_slack(b, "convertible_space", -1.0, _PHYSICAL, lambda c, v: (
            f"Site {names[c[0]]} would need {v:,.1f} MW more convertible space.")))
    return out


def _row_slack(b: ModelBuilder, family: str, sign: float, weight: float,
               describe: Describe) -> Slack:
    """``family_slack``: one column per row of ``family``, entering it with ``sign``."""
    rows = b.row_families[family]
    slack = b.variables(f"{family}_slack", rows.axes, where=rows.index >= 0)
    b.rows(family).add(slack, sign)
    return slack, weight, describe
