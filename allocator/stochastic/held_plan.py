"""A plan given from outside (a plan workbook's decisions) as a first stage to hold.

A :class:`HeldPlan` is the decisions a plan made, each with where it was read from:
conversions started (site, month, MW), MW committed per contract, and IT MW leased per
site and contract. :func:`held_first_stage` checks that they fit the fleet being planned
(known sites, contracts and horizon months; conversions within a site's convertible space
and in whole halls where the site converts so; commitments within a contract's size, in
full where it is all-or-nothing, and equal to the MW leased for it; a lease the same MW in
every month, at a site the contract may use that has HPC room) and returns the first stage
to hold in every future. Every fault is reported at once at its cell; nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.errors import InputError, Problem
from allocator.optimization.coefficients import Coefficients
from allocator.optimization.model import MatrixModel
from allocator.stochastic.first_stage import FIRST_STAGE, FirstStage

__all__ = ["MW_TOLERANCE", "Decision", "HeldPlan", "held_first_stage"]

Array = npt.NDArray[np.float64]
MW_TOLERANCE = 1e-6
"""MW within this of a limit or of each other count as equal."""


@dataclass(frozen=True)
class Decision:
    """One decision of a plan, and where it was read from.

    Attributes:
        sheet: The sheet (or table) it is on.
        row: Its row there (1-based, the header being row 1).
        cells: Column name -> cell address of each of its values (``C7``).
        mw: Its MW.
        site / contract / month: What it is about (``None`` where the decision has none).
    """

    sheet: str
    row: int
    cells: dict[str, str]
    mw: float
    site: str | None = None
    contract: str | None = None
    month: str | None = None


@dataclass(frozen=True)
class HeldPlan:
    """A plan's decisions: conversions started, commitments and leases.

    Attributes:
        name: The plan's name (a row of the regret table).
        builds: Conversions started (site, month, ``build_mw``).
        commits: MW committed (contract, ``committed_mw``).
        leases: MW leased (contract, site, month, ``leased_mw``).
    """

    name: str
    builds: tuple[Decision, ...]
    commits: tuple[Decision, ...]
    leases: tuple[Decision, ...]


class _Faults:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, d: Decision, column: str, message: str, value: object) -> None:
        self.problems.append(Problem(d.sheet, message, cell=d.cells.get(column), column=column,
                                     value=value))


def _conversions(plan: HeldPlan, coef: Coefficients, faults: _Faults) -> Array:
    """``build[S, T]`` of the plan; faults for unknown sites and months, sites that cannot
    convert, space exceeded and part halls."""
    sites = {name: s for s, name in enumerate(coef.site.name)}
    months = {name: t for t, name in enumerate(coef.months)}
    build = np.zeros((len(sites), len(months)))
    last: dict[int, Decision] = {}
    for d in plan.builds:
        s, t = sites.get(d.site or ""), months.get(d.month or "")
        if s is None:
            faults.add(d, "site", f"site {d.site!r} is not a site of this fleet", d.site)
        if t is None:
            faults.add(d, "month", f"month {d.month!r} is not in this fleet's horizon "
                       f"({coef.months[0]} to {coef.months[-1]})", d.month)
        if s is None or t is None:
            continue
        space, block = coef.site.hpc_convertible_mw[s], coef.site.conversion_block_mw[s]
        if space <= 0:
            faults.add(d, "build_mw", f"site {d.site!r} has no convertible space in this "
                       "fleet", d.mw)
            continue
        if block > 0 and abs(d.mw / block - round(d.mw / block)) > MW_TOLERANCE:
            faults.add(d, "build_mw", f"site {d.site!r} converts whole halls of {block:g} "
                       f"MW; {d.mw:g} MW is not a whole number of them", d.mw)
        build[s, t] += d.mw
        last[s] = d
    for s, d in last.items():
        total, space = float(build[s].sum()), float(coef.site.hpc_convertible_mw[s])
        if total > space + MW_TOLERANCE:
            faults.add(d, "build_mw", f"site {d.site!r} converts {total:g} MW in all, more "
                       f"than its {space:g} MW of convertible space", d.mw)
    return build


def _leases(plan: HeldPlan, coef: Coefficients, faults: _Faults) -> Array:
    """``lease[S, K]``; faults for unknown names, a contract with no month in the horizon, a
    site the contract may not use and MW that change from month to month."""
    sites = {name: s for s, name in enumerate(coef.site.name)}
    contracts = {t.contract.name: k for k, t in enumerate(coef.contracts)}
    lease = np.full((len(sites), len(contracts)), np.nan)
    outside: set[tuple[int, int]] = set()
    for d in plan.leases:
        s, k = sites.get(d.site or ""), contracts.get(d.contract or "")
        if k is None:
            faults.add(d, "contract", f"contract {d.contract!r} is not a contract of this "
                       "fleet", d.contract)
        if s is None:
            faults.add(d, "site", f"site {d.site!r} is not a site of this fleet", d.site)
        if s is None or k is None:
            continue
        if not len(coef.contracts[k].months):  # no lease column: told once per lease
            if d.mw > MW_TOLERANCE and (s, k) not in outside:
                outside.add((s, k))
                faults.add(d, "contract", f"contract {d.contract!r} {_outside(coef)}, so "
                           f"its {d.mw:g} MW lease at {d.site!r} cannot be held", d.contract)
            continue
        if s not in coef.contracts[k].sites:
            faults.add(d, "site", f"contract {d.contract!r} cannot lease at site "
                       f"{d.site!r} in this fleet", d.site)
            continue
        if (d.mw > MW_TOLERANCE and coef.site.hpc_existing_mw[s] <= 0
                and coef.site.hpc_convertible_mw[s] <= 0 and np.isnan(lease[s, k])):
            faults.add(d, "leased_mw", f"site {d.site!r} has no HPC room in this fleet (no "
                       f"existing or convertible HPC space), so it cannot hold {d.mw:g} MW "
                       f"of {d.contract!r}", d.mw)
        if np.isnan(lease[s, k]):
            lease[s, k] = d.mw
        elif abs(lease[s, k] - d.mw) > MW_TOLERANCE:
            faults.add(d, "leased_mw", f"a lease holds the same MW for its whole term: "
                       f"{d.contract!r} at {d.site!r} is {lease[s, k]:g} MW on an earlier "
                       f"row and {d.mw:g} MW here", d.mw)
    out: Array = np.nan_to_num(lease, nan=0.0)
    return out


def _outside(coef: Coefficients) -> str:
    """What a contract with no month in the horizon is told: "has no month inside this
    fleet's horizon (2026-04 to 2026-05)"."""
    return f"has no month inside this fleet's horizon ({coef.months[0]} to {coef.months[-1]})"


def _commitments(plan: HeldPlan, coef: Coefficients, leased_mw: Array, faults: _Faults
                 ) -> Array:
    """``commit[K]``, the MW leased per contract; faults where the plan's commitment is
    outside the contract's size, not in full where all-or-nothing, or not what it leases."""
    contracts = {t.contract.name: k for k, t in enumerate(coef.contracts)}
    for d in plan.commits:
        k = contracts.get(d.contract or "")
        if k is None:
            faults.add(d, "contract", f"contract {d.contract!r} is not a contract of this "
                       "fleet", d.contract)
            continue
        c = coef.contracts[k].contract
        if d.mw > MW_TOLERANCE and not len(coef.contracts[k].months):
            faults.add(d, "committed_mw", f"{d.contract!r} {_outside(coef)}, so its {d.mw:g} "
                       "MW commitment cannot be held", d.mw)
            continue
        lowest = c.min_mw if c.firm else 0.0
        if d.mw > c.max_mw + MW_TOLERANCE or d.mw < lowest - MW_TOLERANCE:
            faults.add(d, "committed_mw", f"{d.contract!r} takes {lowest:g} to {c.max_mw:g} "
                       f"MW in this fleet, not {d.mw:g}", d.mw)
        elif c.all_or_nothing and min(d.mw, abs(d.mw - c.max_mw)) > MW_TOLERANCE:
            faults.add(d, "committed_mw", f"{d.contract!r} is taken in full "
                       f"({c.max_mw:g} MW) or not at all, not {d.mw:g} MW", d.mw)
        if abs(leased_mw[k] - d.mw) > MW_TOLERANCE:
            faults.add(d, "committed_mw", f"{d.contract!r} commits {d.mw:g} MW but its "
                       f"leases hold {leased_mw[k]:g} MW", d.mw)
    return leased_mw


def _family(model: MatrixModel, name: str, values: Array) -> Array:
    index = model.variables[name].index
    out = np.zeros(index.shape)
    out[index >= 0] = values[index >= 0]
    return out


def held_first_stage(plan: HeldPlan, coef: Coefficients, model: MatrixModel) -> FirstStage:
    """The first stage of ``plan`` in ``model`` (the deterministic LP of ``coef``).

    Raises:
        InputError: decisions that do not fit the fleet, every one at its cell.
    """
    faults = _Faults()
    build = _conversions(plan, coef, faults)
    lease = _leases(plan, coef, faults)
    commit = _commitments(plan, coef, lease.sum(axis=0), faults)
    if faults.problems:
        raise InputError(faults.problems)
    block = coef.site.conversion_block_mw
    sizes = np.array([t.contract.max_mw for t in coef.contracts], dtype=float)
    raw = {"build": build, "converted": np.cumsum(build, axis=1),
           "halls": np.round(build / np.where(block > 0, block, 1.0)[:, None]),
           "commit": commit, "take": np.round(commit / np.where(sizes > 0, sizes, 1.0)),
           "lease": lease}
    return FirstStage({name: _family(model, name, raw[name])
                       for name in FIRST_STAGE if name in model.variables})


def held_first_stages(plans: Sequence[HeldPlan], coef: Coefficients, model: MatrixModel
                      ) -> dict[str, FirstStage]:
    """:func:`held_first_stage` of each plan by name, every plan's faults at once.

    Raises:
        InputError: decisions that do not fit the fleet.
    """
    out: dict[str, FirstStage] = {}
    problems: list[Problem] = []
    for plan in plans:
        try:
            out[plan.name] = held_first_stage(plan, coef, model)
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    return out
