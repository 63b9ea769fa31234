"""An LP in matrix form over named index sets, and the builder that writes it; no economics here.

Variables and constraints come in *families*, each over named axes (``site``, ``tranche``,
``month``, ``contract``, ...). A constraint family is written as a sum of terms, each a
variable family times a coefficient, summed over the axes the row does not have, in the
spirit of linopy's ``add_constraints``::

    rows = builder.constraints("contract_delivery", over=(K,), sense="==", rhs=0.0)
    rows.add(lease, 1.0, sum_over=S).add(commit, -1.0)

reads ``sum_s lease[s,k] - commit[k] == 0`` for every contract ``k``. ``lag=`` shifts the
ordered axis (months): ``add(converted, -1.0, lag=lead)`` puts ``converted[s, t - lead]``
into row ``[s, t]``. ``sum_over=T.to(Y, year_of)`` sums months into the year rows they fall
in. Every LP name comes from :func:`lp_name` through the family's axes.

:class:`ModelBuilder` collects families and entries; :meth:`ModelBuilder.build` returns a
frozen :class:`MatrixModel`, which callers vary only through :meth:`MatrixModel.with_costs`,
:meth:`MatrixModel.with_bounds` and :meth:`MatrixModel.extend`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from allocator.domain import safe_name
from allocator.optimization.coefficients import Coefficients

__all__ = ["INF", "Axis", "AxisMap", "Family", "MatrixModel", "ModelBuilder", "Rows", "lp_name"]

INF = float("inf")
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ArrayLike = float | npt.ArrayLike
Sense = Literal["<=", ">=", "=="]


def lp_name(family: str, *labels: str) -> str:
    """The one naming pattern for every LP name: ``family__label__label``.

    Labels come from :class:`Axis`, already in the safe form ``[A-Za-z0-9_]`` and unique
    within their axis, so two members of one family never share a name.
    """
    return "__".join([family, *labels])


@dataclass(frozen=True)
class Axis:
    """A named index set: its labels (safe for LP names, unique) and whether it is ordered."""

    name: str
    labels: tuple[str, ...]
    ordered: bool = False

    @classmethod
    def of(cls, name: str, labels: Sequence[str], *, ordered: bool = False) -> Axis:
        """An axis whose labels are users' names, unique by construction.

        A name keeps its :func:`~allocator.domain.safe_name` (``Alpha Ridge`` ->
        ``Alpha_Ridge``) when that is not empty and no other name of the axis has the same
        one; otherwise it is labelled by its position, the axis's initial and its 1-based
        number (``s3`` for the third site: ``محطة ألفا``, ``德州矿场``, ``🔥``), with ``_2``,
        ``_3``... appended should a kept label already read so.
        """
        safe = [safe_name(label) for label in labels]
        counts = Counter(safe)
        kept = [bool(s) and counts[s] == 1 for s in safe]
        used = {s for s, keep in zip(safe, kept, strict=True) if keep}
        out: list[str] = []
        for number, (label, keep) in enumerate(zip(safe, kept, strict=True), start=1):
            if not keep:
                stem = label = f"{name[:1] or 'x'}{number}"
                again = 1
                while label in used:
                    again += 1
                    label = f"{stem}_{again}"
                used.add(label)
            out.append(label)
        return cls(name, tuple(out), ordered)

    def __len__(self) -> int:
        return len(self.labels)

    def to(self, target: Axis, by: npt.ArrayLike) -> AxisMap:
        """Group this axis into ``target``: item ``i`` belongs to ``target[by[i]]``."""
        return AxisMap(self, target, np.asarray(by, dtype=np.int64))


@dataclass(frozen=True)
class AxisMap:
    """``source`` items grouped into ``target`` items (tranches into sites, months into years)."""

    source: Axis
    target: Axis
    by: IntArray


@dataclass(frozen=True)
class Family:
    """A family of columns or rows over ``axes``.

    ``index`` has one cell per combination of axis items and holds the column (or row)
    number of that member, ``-1`` where the family has none.
    """

    name: str
    axes: tuple[Axis, ...]
    index: IntArray
    start: int
    count: int

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(axis) for axis in self.axes)

    def cell(self, number: int) -> tuple[int, ...]:
        """The axis positions (e.g. ``(s, t)``) of column/row ``number``."""
        found = np.flatnonzero(self.index.reshape(-1) == number)
        if not len(found):
            raise IndexError(number)
        return tuple(int(x) for x in np.unravel_index(int(found[0]), self.index.shape))

    def label(self, number: int) -> str:
        """The LP name of column/row ``number``."""
        cell = self.cell(number)
        return lp_name(self.name, *(axis.labels[i] for axis, i in zip(self.axes, cell,
                                                                      strict=True)))

    def labels(self) -> list[str]:
        """Every member's LP name, in number order."""
        cells = np.argwhere(self.index >= 0)  # C order, which is number order
        return [lp_name(self.name, *(axis.labels[int(i)] for axis, i in zip(self.axes, cell,
                                                                            strict=True)))
                for cell in cells]


def _spread(values: ArrayLike, shape: tuple[int, ...], mask: BoolArray) -> FloatArray:
    return np.broadcast_to(np.asarray(values, dtype=float), shape).reshape(-1)[mask]


class Rows:
    """A constraint family being written: ``sum of terms (sense) rhs`` for every row."""

    def __init__(self, builder: ModelBuilder, family: Family) -> None:
        self._builder = builder
        self.family = family

    def add(self, var: Family, coef: ArrayLike = 1.0, *,
            sum_over: Axis | AxisMap | Sequence[Axis | AxisMap] = (),
            lag: ArrayLike | None = None, when: npt.ArrayLike | None = None) -> Rows:
        """Add the term ``coef * var`` to each row.

        The term's index space is ``var``'s axes followed by any row axis ``var`` lacks (the
        variable then appears in every row along that axis). ``coef``, ``lag`` and ``when``
        broadcast over that space.

        Args:
            var: The variable family.
            coef: Coefficient per cell of the term.
            sum_over: Axes of ``var`` the row sums over; an :class:`AxisMap` sums its source
                axis into the row's target axis (``M.to(S, tranche_site)``).
            lag: On the ordered axis, row ``t`` takes ``var[t - lag]``.
            when: Only cells where this is true enter the rows.
        """
        sums = [sum_over] if isinstance(sum_over, Axis | AxisMap) else list(sum_over)
        summed = {a.name for a in sums if isinstance(a, Axis)}
        maps = {m.source.name: m for m in sums if isinstance(m, AxisMap)}
        var_names = [a.name for a in var.axes]
        row_axes = self.family.axes
        for axis in var.axes:
            if axis.name not in summed and axis.name not in maps and axis not in row_axes:
                raise ValueError(f"{self.family.name}: term {var.name} runs over "
                                 f"{axis.name}, which the rows neither have nor sum over")
        targets = {m.target.name for m in maps.values()}
        extra = [a for a in row_axes if a.name not in var_names and a.name not in targets]
        shape = (*var.shape, *(len(a) for a in extra))
        grid = np.indices(shape, sparse=True)
        cols = np.broadcast_to(var.index[tuple(grid[:len(var.axes)])], shape)
        ok = np.ones(shape, dtype=bool)
        coords = []
        for axis in row_axes:
            if axis.name in var_names:
                at = grid[var_names.index(axis.name)]
                if axis.ordered and lag is not None:
                    at = at + np.asarray(lag, dtype=np.int64)
            elif axis.name in targets:
                source = next(m for m in maps.values() if m.target.name == axis.name)
                at = source.by[grid[var_names.index(source.source.name)]]
            else:
                at = grid[len(var.axes) + extra.index(axis)]
            at = np.broadcast_to(at, shape)
            ok &= (at >= 0) & (at < len(axis))
            coords.append(np.clip(at, 0, max(len(axis) - 1, 0)))
        if when is not None:
            ok &= np.broadcast_to(np.asarray(when, dtype=bool), shape)
        rows = (self.family.index[tuple(coords)] if self.family.index.size
                else np.full(shape, -1, dtype=np.int64))
        rows = np.where(ok, rows, -1)
        self._builder.add_entries(rows.reshape(-1), cols.reshape(-1),
                                  np.broadcast_to(np.asarray(coef, dtype=float),
                                                  shape).reshape(-1))
        return self


class ModelBuilder:
    """Collects variable and constraint families and matrix entries; :meth:`build` freezes."""

    def __init__(self, coef: Coefficients) -> None:
        self.coef = coef
        self.col_families: dict[str, Family] = {}
        self.row_families: dict[str, Family] = {}
        self._col_lower: list[FloatArray] = []
        self._col_upper: list[FloatArray] = []
        self._col_cost: list[FloatArray] = []
        self._col_integer: list[BoolArray] = []
        self._row_lower: list[FloatArray] = []
        self._row_upper: list[FloatArray] = []
        self._entries: list[tuple[IntArray, IntArray, FloatArray]] = []
        self.n_cols = 0
        self.n_rows = 0

    def _family(self, name: str, over: tuple[Axis, ...], where: npt.ArrayLike,
                start: int) -> tuple[Family, BoolArray]:
        shape = tuple(len(a) for a in over)
        flat = np.broadcast_to(np.asarray(where, dtype=bool), shape).reshape(-1)
        count = int(flat.sum())
        index = np.full(flat.shape, -1, dtype=np.int64)
        index[flat] = np.arange(start, start + count)
        return Family(name, over, index.reshape(shape), start, count), flat

    def variables(self, name: str, over: tuple[Axis, ...], *, where: npt.ArrayLike = True,
                       lower: ArrayLike = 0.0, upper: ArrayLike = INF, cost: ArrayLike = 0.0,
                       integer: bool = False) -> Family:
        """One column per cell of ``over`` where ``where`` holds; bounds and cost per cell."""
        family, flat = self._family(name, over, where, self.n_cols)
        shape = family.shape
        self._col_lower.append(_spread(lower, shape, flat))
        self._col_upper.append(_spread(upper, shape, flat))
        self._col_cost.append(_spread(cost, shape, flat))
        self._col_integer.append(np.full(family.count, integer, dtype=bool))
        self.n_cols += family.count
        self.col_families[name] = family
        return family

    def constraints(self, name: str, over: tuple[Axis, ...], *, sense: Sense, rhs: ArrayLike,
                    where: npt.ArrayLike = True) -> Rows:
        """One row per cell of ``over`` where ``where`` holds: ``terms (sense) rhs``."""
        family, flat = self._family(name, over, where, self.n_rows)
        bound = _spread(rhs, family.shape, flat)
        lower = bound if sense in (">=", "==") else np.full(family.count, -INF)
        upper = bound if sense in ("<=", "==") else np.full(family.count, INF)
        self._row_lower.append(lower)
        self._row_upper.append(upper)
        self.n_rows += family.count
        self.row_families[name] = family
        return Rows(self, family)

    def rows(self, name: str) -> Rows:
        """The constraint family ``name`` already built, to add more terms to."""
        return Rows(self, self.row_families[name])

    def seed(self, model: MatrixModel) -> None:
        """Start from ``model``'s families, bounds and entries (see :meth:`MatrixModel.extend`)."""
        self.col_families.update(model.variables)
        self.row_families.update(model.constraints)
        self._col_lower, self._col_upper = [model.col_lower], [model.col_upper]
        self._col_cost, self._col_integer = [model.col_cost], [model.col_integer]
        self._row_lower, self._row_upper = [model.row_lower], [model.row_upper]
        self._entries = [(model.entry_rows, model.entry_cols, model.entry_values)]
        self.n_cols, self.n_rows = model.n_cols, model.n_rows

    def add_entries(self, rows: IntArray, cols: IntArray, values: FloatArray) -> None:
        """Matrix coefficients ``A[rows, cols] = values``; -1 indices and zeros are skipped."""
        keep = (rows >= 0) & (cols >= 0) & (values != 0)
        self._entries.append((rows[keep], cols[keep], values[keep]))

    def build(self, build_seconds: float = 0.0) -> MatrixModel:
        """The finished, frozen model."""
        return MatrixModel(
            coef=self.coef,
            variables=dict(self.col_families),
            constraints=dict(self.row_families),
            col_lower=_floats(self._col_lower),
            col_upper=_floats(self._col_upper),
            col_cost=_floats(self._col_cost),
            col_integer=(np.concatenate(self._col_integer) if self._col_integer
                         else np.zeros(0, dtype=bool)),
            row_lower=_floats(self._row_lower),
            row_upper=_floats(self._row_upper),
            entry_rows=_ints([e[0] for e in self._entries]),
            entry_cols=_ints([e[1] for e in self._entries]),
            entry_values=_floats([e[2] for e in self._entries]),
            build_seconds=build_seconds,
        )


def _floats(parts: Sequence[FloatArray]) -> FloatArray:
    return np.concatenate(parts).astype(float, copy=False) if parts else np.zeros(0)


def _ints(parts: Sequence[IntArray]) -> IntArray:
    return (np.concatenate(parts).astype(np.int64, copy=False) if parts
            else np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class MatrixModel:
    """The LP ``max c'x`` s.t. ``row_lower <= A x <= row_upper``, ``col_lower <= x <= col_upper``.

    Frozen: vary it with :meth:`with_costs`, :meth:`with_bounds` or :meth:`extend`.
    """

    coef: Coefficients
    variables: Mapping[str, Family]
    constraints: Mapping[str, Family]
    col_lower: FloatArray
    col_upper: FloatArray
    col_cost: FloatArray
    col_integer: BoolArray
    row_lower: FloatArray
    row_upper: FloatArray
    entry_rows: IntArray
    entry_cols: IntArray
    entry_values: FloatArray
    build_seconds: float = 0.0

    def __post_init__(self) -> None:
        for array in (self.col_lower, self.col_upper, self.col_cost, self.col_integer,
                      self.row_lower, self.row_upper, self.entry_rows, self.entry_cols,
                      self.entry_values):
            array.setflags(write=False)

    @property
    def n_cols(self) -> int:
        return len(self.col_cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    @property
    def is_mip(self) -> bool:
        """True when some column must be integer (whole halls, all-or-nothing contracts)."""
        return bool(self.col_integer.any())

    def with_costs(self, cost: npt.ArrayLike) -> MatrixModel:
        """The same model with objective coefficients ``cost`` (one per column)."""
        cost = np.array(cost, dtype=float)
        if cost.shape != (self.n_cols,):
            raise ValueError(f"with_costs needs {self.n_cols} costs, got shape {cost.shape}")
        return dataclasses.replace(self, col_cost=cost)

    def with_bounds(self, cols: npt.ArrayLike, *, lower: ArrayLike | None = None,
                    upper: ArrayLike | None = None) -> MatrixModel:
        """The same model with new bounds on columns ``cols``."""
        at = np.asarray(cols, dtype=np.int64)
        new_lower, new_upper = self.col_lower.copy(), self.col_upper.copy()
        if lower is not None:
            new_lower[at] = lower
        if upper is not None:
            new_upper[at] = upper
        return dataclasses.replace(self, col_lower=new_lower, col_upper=new_upper)

    def extend(self) -> ModelBuilder:
        """A builder holding this model, to add families to (elastic slacks)."""
        builder = ModelBuilder(self.coef)
        builder.seed(self)
        return builder

    def coo(self) -> tuple[IntArray, IntArray, FloatArray]:
        """All matrix entries as (row, col, value) arrays."""
        return self.entry_rows, self.entry_cols, self.entry_values

    def csc(self) -> tuple[IntArray, IntArray, FloatArray]:
        """Column-wise (start, row index, value) arrays, as HiGHS takes them."""
        rows, cols, vals = self.coo()
        order = np.lexsort((rows, cols))
        start = np.searchsorted(cols[order], np.arange(self.n_cols + 1)).astype(np.int64)
        return start, rows[order], vals[order]

    def col_names(self) -> list[str]:
        """Every column's name, in column order."""
        return [n for f in self.variables.values() for n in f.labels()]

    def row_names(self) -> list[str]:
        """Every row's name, in row order."""
        return [n for f in self.constraints.values() for n in f.labels()]

    def row_family(self, row: int) -> Family:
        """The constraint family holding ``row``."""
        return _holding(self.constraints, row)

    def col_family(self, col: int) -> Family:
        """The variable family holding column ``col``."""
        return _holding(self.variables, col)


def _holding(families: Mapping[str, Family], number: int) -> Family:
    for family in families.values():
        if family.start <= number < family.start + family.count:
            return family
    raise IndexError(number)
