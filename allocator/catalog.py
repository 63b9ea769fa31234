"""The miner hardware catalog (``models/asic_miners.csv``): load it and look models up.

Data only is read here; nothing is written. The CSV ships inside the wheel as
``allocator/_catalog_data``; in a source checkout it is the top-level ``models/`` folder.
"""

from __future__ import annotations

import csv
import difflib
import functools
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CatalogModel", "catalog_path", "closest_models", "find_model", "load_catalog"]

_FILE = "asic_miners.csv"
_BRANDS = ("antminer", "whatsminer", "avalon", "bitmain", "microbt", "canaan")


@dataclass(frozen=True)
class CatalogModel:
    """One ASIC model's nameplate figures."""

    manufacturer: str
    model: str
    hashrate_th: float
    power_w: float
    efficiency_j_th: float
    cooling: str
    source: str


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


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum() or ch == "+")


def _short_key(name: str) -> str:
    key = _key(name)
    for brand in _BRANDS:
        if key.startswith(brand):
            return key[len(brand) :]
    return key


@functools.cache
def load_catalog() -> tuple[CatalogModel, ...]:
    """Every catalog model, in file order."""
    with catalog_path().open(newline="", encoding="utf-8") as handle:
        return tuple(
            CatalogModel(
                manufacturer=row["manufacturer"].strip(),
                model=row["model"].strip(),
                hashrate_th=float(row["hashrate_th"]),
                power_w=float(row["power_w"]),
                efficiency_j_th=float(row["efficiency_j_th"]),
                cooling=row["cooling"].strip(),
                source=row["source"].strip(),
            )
            for row in csv.DictReader(handle)
        )


def find_model(name: str) -> CatalogModel | None:
    """The catalog model called ``name``, ignoring case, spaces, punctuation and brand prefix.

    ``"s21 xp"``, ``"Antminer S21XP"`` and ``"ANTMINER S21 XP"`` all find the S21 XP; the
    ``+`` of ``S21+`` counts.
    """
    key = _key(name)
    short = _short_key(name)
    for model in load_catalog():
        if _key(model.model) == key or _short_key(model.model) == short:
            return model
    return None


def closest_models(name: str, count: int = 3) -> list[str]:
    """Up to ``count`` catalog names most like ``name``, best first."""
    names = {_short_key(m.model): m.model for m in load_catalog()}
    matches = difflib.get_close_matches(_short_key(name), list(names), n=count, cutoff=0.4)
    return [names[m] for m in matches]
