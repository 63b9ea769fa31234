"""Names as the software compares and prints them: the key two site or contract names must
differ in (:func:`name_key`), the ASCII form used in LP names (:func:`safe_name`), and a
lookup of named records by name (:func:`by_name`).

No Fleet here: :mod:`allocator.domain` checks its names with these and re-exports the first
two.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol, TypeVar

__all__ = ["by_name", "name_key", "safe_name"]

_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def safe_name(name: str) -> str:
    """The ASCII form of a user's name for LP names: ``[A-Za-z0-9_]`` only, no ``__``.

    Accents are dropped (``Montréal`` -> ``Montreal``); every other run of characters outside
    ``[A-Za-z0-9]`` becomes one ``_``. A name in another script may have no ASCII form at all
    (``""``), and two different names may share one: LP labels are made unique by
    :meth:`allocator.optimization.model.Axis.of`, not by this function.
    """
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", name)
                    if not unicodedata.combining(ch))
    return _UNSAFE.sub("_", plain).strip("_")


def _separates(ch: str) -> bool:
    """True for a character that only separates words: ASCII punctuation, any space or dash."""
    if ch.isascii():
        return not ch.isalnum()
    return unicodedata.category(ch)[0] in "PZC"


def name_key(name: str) -> str:
    """What two site or contract names must differ in: their words, in any script.

    Spaces and punctuation between words do not count (``Alpha Ridge``, ``Alpha-Ridge`` and
    `` Alpha  Ridge`` share a key); letters, digits and symbols of every script do (``محطة
    ألفا`` and ``محطة برافو``, ``德州矿场`` and ``内蒙古矿场``, ``🔥 Site`` and ``🚀 Site`` differ).
    """
    text = unicodedata.normalize("NFKC", name)
    words = "".join(" " if _separates(ch) else ch for ch in text).split()
    return "_".join(words)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_N = TypeVar("_N", bound=_Named)

_INDEXES: dict[int, tuple[tuple[_Named, ...], dict[str, _Named]]] = {}


def by_name(records: tuple[_N, ...]) -> dict[str, _N]:
    """``records`` by name (the first of a repeated name), kept per tuple by identity.

    Re-pricing a 1,000-site plan asks for a site by name about 150,000 times; a scan of the
    tuple each time took 5.5 s of it. A frozen Fleet's tuples never change, so the index is
    made once per tuple (a changed copy of the fleet has new tuples and gets its own); the
    entry holds the tuple itself, so its id cannot be reused while the entry lives.
    """
    entry = _INDEXES.get(id(records))
    if entry is None or entry[0] is not records:
        if len(_INDEXES) >= 32:
            _INDEXES.clear()
        index: dict[str, _Named] = {}
        for record in records:
            index.setdefault(record.name, record)
        entry = _INDEXES[id(records)] = (records, index)
    return entry[1]  # type: ignore[return-value]  # built from records of type _N
