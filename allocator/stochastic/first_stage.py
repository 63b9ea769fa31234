"""A plan's first-stage decisions: read from one model's solution, held fixed in another.

The first stage is what must be decided before the future is known: conversions
(``build``, ``converted`` and whole ``halls``), leases (``lease``) and commitments
(``commit``, all-or-nothing ``take``). These families have the same cells in the
deterministic LP and in the extensive form, so a first stage read from either can be held
in either. No solving here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.optimization.model import MatrixModel

__all__ = ["FIRST_STAGE", "FirstStage", "first_stage_columns", "read_first_stage"]

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FIRST_STAGE = ("build", "converted", "halls", "commit", "take", "lease")
"""The variable families decided now, shared by every future."""


def first_stage_columns(model: MatrixModel) -> IntArray:
    """The columns of ``model``'s first-stage families, family by family in cell order."""
    parts = [model.variables[name].index for name in FIRST_STAGE if name in model.variables]
    cols = [index[index >= 0] for index in parts]
    return np.concatenate(cols).astype(np.int64) if cols else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class FirstStage:
    """First-stage values per family, each over its family's axes (0 where no column).

    Attributes:
        values: Family name -> array over its axes (``converted`` is ``[S, T]``, ``commit``
            ``[K]``, ``lease`` ``[S, K]``).
    """

    values: Mapping[str, Array]

    def converted_mw(self) -> Array:
        """``[S]``: IT MW converted by the horizon's end (0 where a site cannot convert)."""
        converted = self.values["converted"]
        out: Array = converted[:, -1] if converted.size else np.zeros(len(converted))
        return out

    def committed_mw(self) -> Array:
        """``[K]``: MW committed to each contract."""
        return self.values["commit"]

    def held_in(self, model: MatrixModel) -> tuple[IntArray, Array]:
        """``model``'s first-stage columns and the values holding this first stage there.

        Whole halls and takes are rounded to their integers.
        """
        cols: list[IntArray] = []
        vals: list[Array] = []
        for name in FIRST_STAGE:
            if name not in model.variables:
                continue
            index = model.variables[name].index
            at = index >= 0
            value = self.values[name][at]
            if name in ("halls", "take"):
                value = np.round(value)
            cols.append(index[at])
            vals.append(value)
        if not cols:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(cols).astype(np.int64), np.concatenate(vals)


def read_first_stage(model: MatrixModel, x: Array) -> FirstStage:
    """The first stage of solution ``x`` of ``model`` (the deterministic LP or the
    extensive form)."""
    values: dict[str, Array] = {}
    for name in FIRST_STAGE:
        if name not in model.variables:
            continue
        index = model.variables[name].index
        out = np.zeros(index.shape)
        at = index >= 0
        out[at] = x[index[at]]
        values[name] = out
    return FirstStage(values)
