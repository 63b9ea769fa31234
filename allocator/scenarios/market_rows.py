"""What a scenario's market or halving change starts from, on a fleet's rows as dicts; no I/O.

A Market row may leave a figure to be derived (a blank hashprice is the one its BTC price,
network and fees imply) or give it in another form (``difficulty`` for
``network_hashrate_ehs``). A change starts from the figure the row implies, and the row keeps
one form of the network. A ``halving_date`` moves with its ``halving_month``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from allocator import economics as econ
from allocator.periods import days_in_month

__all__ = [
    "implied_difficulty",
    "implied_hashprice",
    "implied_hashrate_ehs",
    "market_base_value",
    "shift_halving_date",
]


def implied_hashrate_ehs(row: Mapping[str, Any]) -> float | None:
    """A Market row's network hashrate in EH/s, as given or implied by its difficulty."""
    if row.get("network_hashrate_ehs") is not None:
        return float(row["network_hashrate_ehs"])
    if row.get("difficulty") is not None:
        return float(econ.network_hashrate_ehs_from_difficulty(float(row["difficulty"])))
    return None


def implied_difficulty(row: Mapping[str, Any]) -> float | None:
    """A Market row's difficulty, as given or implied by its network hashrate."""
    if row.get("difficulty") is not None:
        return float(row["difficulty"])
    hashrate = row.get("network_hashrate_ehs")
    if hashrate is None:
        return None
    return float(hashrate) / float(econ.network_hashrate_ehs_from_difficulty(1.0))


def implied_hashprice(row: Mapping[str, Any], halving: str) -> float | None:
    """The hashprice a Market row's BTC price, network and fees imply; ``None`` without them.

    ``halving`` is the Settings' halving day (``YYYY-MM-DD``) or month.
    """
    hashrate = implied_hashrate_ehs(row)
    if row.get("btc_price_usd") is None or hashrate is None:
        return None
    subsidy = econ.block_subsidy_btc(row["month"], halving)
    return float(econ.hashprice_usd_ph_day(
        float(row["btc_price_usd"]), hashrate, subsidy, float(row["fees_btc_per_block"])))


def _halving(settings: Mapping[str, Any]) -> str:
    return str(settings.get("halving_date") or settings["halving_month"])


def market_base_value(row: dict[str, Any], key: str, operation: str,
                      settings: Mapping[str, Any]) -> Any:
    """The value of ``row``'s ``key`` a market change starts from.

    A blank hashprice scaled or added to is the one the row implies. A network given in the
    other form is converted and that form blanked, so the row keeps one of them.
    """
    old = row[key]
    if old is None and key == "hashprice_usd_ph_day" and operation != "set":
        return implied_hashprice(row, _halving(settings))
    if key == "network_hashrate_ehs" and row.get("difficulty") is not None:
        old, row["difficulty"] = implied_hashrate_ehs(row), None
    elif key == "difficulty" and row.get("network_hashrate_ehs") is not None:
        old, row["network_hashrate_ehs"] = implied_difficulty(row), None
    return old


def shift_halving_date(settings: dict[str, Any]) -> None:
    """Keep a ``halving_date`` in a changed ``halving_month``: same day, the month's last at
    most."""
    date = settings.get("halving_date")
    month = settings["halving_month"]
    if date and date[:7] != month:
        settings["halving_date"] = f"{month}-{min(int(date[8:]), days_in_month(month)):02d}"
