"""Changes to a fleet's inputs that make its plan feasible, each checked by re-solving; no Excel.

A :class:`Fix` is one input given a new value (a firm minimum lowered, a contract made not
firm, a Settings policy eased, a site's grid capacity or convertible space grown) with the
sentence that says so. :func:`make_fix` rounds a change the elastic model found up to the
precision its sentence prints, so the fix that is checked is the one the user reads;
:func:`apply_fixes` returns the changed copy of a fleet and :func:`is_feasible` re-solves it.
A :class:`Relaxation` is what :func:`~allocator.optimization.infeasibility.relax` found: a
set of changes all needed together, single changes any one of which suffices, or a sentence
saying why none is suggested.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from allocator.consistency import Locate, check_consistency, named
from allocator.domain import Contract, Fleet, Site
from allocator.optimization.backends import highs_model
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.lp import build_model

__all__ = ["Fix", "Relaxation", "apply_fixes", "is_feasible", "make_fix", "not_firm"]

Key = tuple[str, str, str]
"""(input sheet, record name or "" for Settings, field) of the input a fix changes."""


@dataclass(frozen=True)
class Fix:
    """One input given a new value.

    Attributes:
        sheet: ``Contracts``, ``Sites`` or ``Settings``.
        record: The contract's or site's name; ``""`` for a setting.
        column: The field changed (``min_mw``, ``firm``, ``capacity_mw``, ...).
        value: Its new value.
        text: The change in words, naming the record and, from a workbook, its cell.
    """

    sheet: str
    record: str
    column: str
    value: float | bool
    text: str

    @property
    def key(self) -> Key:
        """The input this fix changes."""
        return self.sheet, self.record, self.column


@dataclass(frozen=True)
class _Knob:
    """How one input may give: the direction, the printed step, and the sentence."""

    sign: float  # +1 raise, -1 lower
    step: float  # the change is rounded up to this (what the sentence prints)
    what: str  # "the firm minimum of contract {name}"
    unit: str  # "{:,.1f} MW"
    low: float = 0.0
    high: float = math.inf


_KNOBS: dict[str, _Knob] = {
    "min_mw": _Knob(-1.0, 0.1, "the firm minimum of contract {name}", "{:,.1f} MW"),
    "capacity_mw": _Knob(+1.0, 0.1, "the grid capacity of site {name}", "{:,.1f} MW"),
    "hpc_convertible_mw": _Knob(+1.0, 0.1, "the convertible space of site {name}",
                                "{:,.1f} MW"),
    "min_fleet_hashrate_ehs": _Knob(-1.0, 1e-3, "setting {name}", "{:,.3f} EH/s"),
    "max_hpc_share": _Knob(+1.0, 1e-4, "setting {name}", "{:.4f}", high=1.0),
    "capex_budget_usd_per_year": _Knob(+1.0, 1.0, "setting {name}", "${:,.0f}"),
    "max_conversion_mw_per_year": _Knob(+1.0, 0.1, "setting {name}", "{:,.1f} MW"),
}


def _current(fleet: Fleet, key: Key) -> float:
    sheet, record, column = key
    if sheet == "Settings":
        return float(getattr(fleet.settings, column) or 0.0)
    rows: tuple[Site, ...] | tuple[Contract, ...] = (
        fleet.sites if sheet == "Sites" else fleet.contracts)
    return float(getattr(next(r for r in rows if r.name == record), column))


def make_fix(fleet: Fleet, key: Key, amount: float, locate: Locate | None = None) -> Fix | None:
    """Change the input ``key`` by ``amount`` (in its own unit) in the direction that eases it.

    The new value is rounded, in that direction, to the step the sentence prints (0.1 MW,
    0.001 EH/s, $1, a share of 0.0001) and kept within the field's range, so the value a
    re-solve checks is the one the user reads; ``None`` when nothing changes.
    """
    knob = _KNOBS[key[2]]
    old = _current(fleet, key)
    steps = (old + knob.sign * amount) / knob.step
    steps = math.ceil(steps - 1e-6) if knob.sign > 0 else math.floor(steps + 1e-6)
    new = min(max(round(steps * knob.step, 9), knob.low), knob.high)
    if amount <= 0 or new == old:
        return None
    verb = "Raise" if knob.sign > 0 else "Lower"
    what = knob.what.format(name=named(*key, locate=locate))
    text = (f"{verb} {what} by {knob.unit.format(abs(new - old))}, "
            f"to {knob.unit.format(new)}.")
    return Fix(*key, value=new, text=text)


def not_firm(contract: str, locate: Locate | None = None) -> Fix:
    """Make ``contract`` not firm: its minimum is then no longer required."""
    name = named("Contracts", contract, "firm", locate)
    return Fix("Contracts", contract, "firm", False, f"Make contract {name} not firm.")


def apply_fixes(fleet: Fleet, fixes: Iterable[Fix]) -> Fleet:
    """A copy of ``fleet`` with every one of ``fixes`` applied (``fleet`` is unchanged)."""
    by_record: dict[tuple[str, str], dict[str, float | bool]] = {}
    for fix in fixes:
        by_record.setdefault((fix.sheet, fix.record), {})[fix.column] = fix.value
    settings = fleet.settings.model_copy(update=by_record.get(("Settings", ""), {}))
    sites = tuple(s.model_copy(update=by_record.get(("Sites", s.name), {}))
                  for s in fleet.sites)
    contracts = tuple(c.model_copy(update=by_record.get(("Contracts", c.name), {}))
                      for c in fleet.contracts)
    return fleet.model_copy(update={"settings": settings, "sites": sites,
                                    "contracts": contracts})


def is_feasible(fleet: Fleet) -> bool:
    """Whether ``fleet`` passes the consistency pass and its plan solves (HiGHS)."""
    import highspy

    if check_consistency(fleet).errors:
        return False
    model = build_model(compute_coefficients(fleet))
    if model.n_cols == 0:
        return True
    h = highs_model(model)
    h.run()
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


@dataclass(frozen=True)
class Relaxation:
    """What makes an infeasible fleet feasible; every fix listed was checked by re-solving.

    Attributes:
        feasible: The fleet needs no change.
        together: The smallest change when it takes several: all of them are needed (the plan
            is feasible with all applied and infeasible with any one left out).
        any_one: Single changes, each of which makes the plan feasible on its own.
        note: Why no change is suggested, when none was confirmed.
    """

    feasible: bool = False
    together: tuple[Fix, ...] = ()
    any_one: tuple[Fix, ...] = ()
    note: str = ""

    def __bool__(self) -> bool:
        """True when some change is needed."""
        return not self.feasible

    def lines(self) -> list[str]:
        """The relaxation as printed: a heading, then each group under what it is."""
        if self.feasible:
            return ["No change is needed: the plan is feasible."]
        if not (self.together or self.any_one):
            return [self.note]
        out = ["Each fix below makes a plan feasible (checked by re-solving the plan with it):"]
        if self.together:
            out += ["All of these are needed together:", *(f"  - {f.text}" for f in self.together)]
        if self.any_one:
            out += ["Any one of these suffices:", *(f"  - {f.text}" for f in self.any_one)]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())
