"""The miner hardware catalog (``models/asic_miners.csv``): load it and look models up.

Data only is read here; nothing is written. The CSV ships inside the wheel as
``allocator/_catalog_data``; in a source checkout it is the top-level ``models/`` folder. A
workbook may extend it with its own ``Catalog`` sheet: :class:`Catalog` looks a name up among
that sheet's models first, then in the shipped file. Shipped rows and workbook rows pass the
same checks, those of :class:`CatalogModel`.
"""

from __future__ import annotations

import csv
import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from allocator.fields import Finite, Name

__all__ = ["EFFICIENCY_TOLERANCE", "Catalog", "CatalogModel", "catalog_path", "closest_models",
           "find_model", "load_catalog", "model_key"]

_FILE = "asic_miners.csv"
_BRANDS = ("antminer", "whatsminer", "avalon", "bitmain", "microbt", "canaan")

EFFICIENCY_TOLERANCE = 0.01
"""How far a model's ``efficiency_j_th`` may be from ``power_w / hashrate_th``: 1 %, room for
the one decimal the figures are published with (18.4 J/TH for 3,420 W / 186 TH/s)."""

Cooling = Literal["air", "hydro", "immersion"]


class CatalogModel(BaseModel):
    """One ASIC model's nameplate figures, per unit at the wall."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    manufacturer: str = ""
    model: Name
    hashrate_th: Finite = Field(gt=0)
    power_w: Finite = Field(gt=0)
    efficiency_j_th: Finite = Field(gt=0)
    cooling: Cooling | None = None
    source: str = ""

    @field_validator("efficiency_j_th")
    @classmethod
    def _efficiency_is_power_over_hashrate(cls, value: float, info: ValidationInfo) -> float:
        power, hashrate = info.data.get("power_w"), info.data.get("hashrate_th")
        if power is None or hashrate is None:
            return value  # their own errors say why
        expected = power / hashrate
        if abs(value - expected) > EFFICIENCY_TOLERANCE * expected:
            raise ValueError(f"must be power_w / hashrate_th ({power:g} / {hashrate:g} = "
                             f"{expected:.4g} J/TH) within {100 * EFFICIENCY_TOLERANCE:g} %; "
                             "leave it blank to have it computed")
        return value


def catalog_path() -> Path:
    """Where the catalog CSV is: inside the installed package, else the checkout's ``models/``.

    Raises:
        FileNotFoundError: neither place has it (a broken install).
    """
    here = Path(__file__).resolve().parent
    for folder in (here / "_catalog_data", here.parent / "models"):
        if (folder / _FILE).is_file():
            return folder / _FILE
    raise FileNotFoundError(f"miner catalog {_FILE} is missing from the installation")


@functools.lru_cache(maxsize=4096)  # a fleet's tranches repeat a few model names
def model_key(name: str) -> str:
    """What two model names must differ in: case, spaces, punctuation (but ``+``) and the
    brand prefix do not count, so ``s21 xp`` and ``Antminer S21XP`` share a key."""
    key = "".join(ch for ch in name.lower() if ch.isalnum() or ch == "+")
    for brand in _BRANDS:
        if key.startswith(brand):
            return key[len(brand) :]
    return key


@functools.cache
def load_catalog() -> tuple[CatalogModel, ...]:
    """Every shipped catalog model, in file order.

    Raises:
        pydantic.ValidationError: a row breaks the rules of :class:`CatalogModel` (a broken
            install or a bad edit of the file).
    """
    with catalog_path().open(newline="", encoding="utf-8") as handle:
        return tuple(
            CatalogModel.model_validate({
                "manufacturer": row["manufacturer"].strip(),
                "model": row["model"].strip(),
                "hashrate_th": float(row["hashrate_th"]),
                "power_w": float(row["power_w"]),
                "efficiency_j_th": float(row["efficiency_j_th"]),
                "cooling": row["cooling"].strip() or None,
                "source": row["source"].strip(),
            })
            for row in csv.DictReader(handle)
        )


def _find(name: str, models: Iterable[CatalogModel]) -> CatalogModel | None:
    key = model_key(name)
    return next((model for model in models if model_key(model.model) == key), None)


def find_model(name: str) -> CatalogModel | None:
    """The shipped catalog model called ``name``, ignoring case, spaces, punctuation and brand
    prefix.

    ``"s21 xp"``, ``"Antminer S21XP"`` and ``"ANTMINER S21 XP"`` all find the S21 XP; the
    ``+`` of ``S21+`` counts.
    """
    return _find(name, load_catalog())


def _closest(name: str, models: Iterable[CatalogModel], count: int) -> list[str]:
    names: dict[str, str] = {}
    for model in models:
        names.setdefault(model_key(model.model), model.model)
    matches = difflib.get_close_matches(model_key(name), list(names), n=count, cutoff=0.4)
    return [names[m] for m in matches]


def closest_models(name: str, count: int = 3) -> list[str]:
    """Up to ``count`` shipped catalog names most like ``name``, best first."""
    return _closest(name, load_catalog(), count)


@dataclass(frozen=True)
class Catalog:
    """The shipped catalog extended by one workbook's ``Catalog`` sheet.

    Attributes:
        added: Models the sheet adds, named like no shipped model.
        overrides: Sheet rows naming a shipped model with other figures; they win over it.
        faulty: :func:`model_key` of each model whose sheet row has faults (already reported).
    """

    added: tuple[CatalogModel, ...] = ()
    overrides: tuple[CatalogModel, ...] = ()
    faulty: frozenset[str] = frozenset()

    @property
    def own(self) -> tuple[CatalogModel, ...]:
        """The workbook's models, added and overriding, in sheet order within each."""
        return (*self.added, *self.overrides)

    @functools.cached_property
    def _by_key(self) -> dict[str, CatalogModel]:
        return {model_key(model.model): model for model in reversed(self.own)}

    def find(self, name: str) -> CatalogModel | None:
        """The model called ``name``: the workbook's first, then the shipped one."""
        found = self._by_key.get(model_key(name))
        return found if found is not None else find_model(name)

    def is_faulty(self, name: str) -> bool:
        """Whether ``name`` is a model whose Catalog sheet row has faults."""
        return model_key(name) in self.faulty

    def closest(self, name: str, count: int = 3) -> list[str]:
        """Up to ``count`` names, the workbook's and the shipped ones, most like ``name``."""
        return _closest(name, (*self.own, *load_catalog()), count)

    def sources(self) -> tuple[str, ...]:
        """What the workbook changed, for the run record: ``Antminer S23 (added)``, ..."""
        return (*(f"{m.model} (added)" for m in self.added),
                *(f"{m.model} (overrides the shipped figures)" for m in self.overrides))
