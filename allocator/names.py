"""Names as the software compares and prints them: the key two site or contract names must
differ in (:func:`name_key`) and the ASCII form used in LP names (:func:`safe_name`).

Pure string functions, no Fleet: :mod:`allocator.domain` checks its names with them and
re-exports both.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["name_key", "safe_name"]

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
