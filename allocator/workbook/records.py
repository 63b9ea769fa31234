"""Turn parsed input tables into a validated ``Fleet``, checking rows against each other; no I/O.

Each record becomes a pydantic domain object (:mod:`allocator.domain`); its validation errors
become :class:`~allocator.errors.Problem` entries at the record's cells, reworded for a
spreadsheet user (``capacity_mw must be > 0``). Checks across rows (a name given twice, names
that differ only in spaces or punctuation, unknown sites and miner models, a Market row giving
both network_hashrate_ehs and difficulty) are made here too. Sheets are parsed by
:mod:`allocator.workbook.tables`; nothing here opens a file.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from allocator.catalog import Catalog
from allocator.domain import (
    DEFAULT_NETWORK_FLEET,
    SHARE_SUM_TOLERANCE,
    Contract,
    Fleet,
    MarketMonth,
    MinerTranche,
    NetworkBand,
    PowerPrice,
    Settings,
    Site,
    lease_structure_conflict,
    months_without_market,
    name_key,
    tranche_labels,
)
from allocator.periods import month_from_index, month_index, months_between
from allocator.workbook.cells import format_list
from allocator.workbook.parts import WORKBOOK
from allocator.workbook.schema import NETWORK_FLEET_SHEET, SETTINGS_KEYS
from allocator.workbook.tables import Report, Row, Table, listing

__all__ = ["CHECK_ORDER", "FleetRecords", "build_record"]

CHECK_ORDER = ("Sites", "Market", "Miners", "PowerPrices", "Contracts", "Settings",
               NETWORK_FLEET_SHEET)
"""The order :meth:`FleetRecords.read` checks the sheets in (sites first: others name them)."""

_Model = TypeVar("_Model", bound=BaseModel)


def _fmt(number: object) -> str:
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)



def _quote_hint(known: set[str], raw: object) -> str:
    """Advice when a listed name holding a comma or semicolon was split for want of quotes."""
    split = sorted(s for s in known if (";" in s or "," in s) and s in str(raw))
    if not split:
        return ""
    return f"; quote a name that holds a comma or semicolon: {format_list(split)}"


_BOUNDS = {
    "greater_than": ("gt", ">"),
    "greater_than_equal": ("ge", ">="),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
}


def _rephrase(error: ErrorDetails, header: str | None) -> str:
    """A pydantic error as a short ``capacity_mw must be > 0`` message."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    subject = header or "value"
    if kind in _BOUNDS:
        key, operator = _BOUNDS[kind]
        return f"{subject} must be {operator} {_fmt(ctx.get(key))}"
    if kind == "missing":
        return f"{subject} is required"
    if kind.startswith("int_"):
        return f"{subject} must be a whole number"
    if kind.startswith("float_") or kind == "finite_number":
        return f"{subject} must be a number"
    if kind == "string_too_short":
        return f"{subject} must not be blank"
    if kind.startswith("string_"):
        return f"{subject} must be text"
    if kind.startswith("bool_"):
        return f"{subject} must be yes or no"
    if kind in ("tuple_type", "list_type"):
        return f"{subject} must be a list of names"
    if kind == "value_error":
        text = str(ctx["error"]) if "error" in ctx else error["msg"].removeprefix("Value error, ")
        if header is None:
            return text
        return f"{header} {text}" if text.startswith("must") else f"{header}: {text}"
    return f"{header}: {error['msg']}" if header else error["msg"]


def build_record(
    model: type[_Model],
    record: Row,
    values: dict[str, Any],
    headers: dict[str, str],
    report: Report,
    anchor: str | None = None,
) -> _Model | None:
    """``model`` from one record's values; its validation errors become Problems at cells.

    Errors about a field already reported (bad cell, missing column) are dropped, and so are
    whole-record errors when any field was, since those are usually the same fault again.
    ``anchor`` is the field whose cell carries whole-record errors.
    """
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            name = str(loc[0]) if loc else None
            if (name in record.failed) if name else record.failed:
                continue
            where = name or anchor
            header = headers.get(where, where) if where else None
            report.problem(
                record.sheet,
                _rephrase(error, headers.get(name, name) if name else None),
                record.where(where),
                header,
                record.raw.get(name) if name else None,
            )
        return None


_build = build_record  # the short name this module's sheet readers use


def _market_anchor(table: Table, record: Row) -> str:
    """The cell a Market row's whole-row fault is reported at: the missing figure's."""
    blank = [name for name in ("btc_price_usd", "network_hashrate_ehs", "difficulty")
             if name in table.columns and name not in record.raw]
    if "btc_price_usd" in blank:
        return "btc_price_usd"
    if "network_hashrate_ehs" in record.raw or "difficulty" in record.raw:
        blank = []
    if blank:
        return blank[0]
    return "hashprice_usd_ph_day" if "hashprice_usd_ph_day" in table.columns else "month"


class FleetRecords:
    """Turns parsed tables into domain objects and checks the rows against each other.

    Attributes:
        report: Where faults and warnings are collected.
        known_sites: The Sites sheet's names; ``None`` when Sites could not be read.
        places: (input sheet, record name, field) -> (sheet as spelled, cell), for
            :meth:`allocator.workbook.reader.FleetWorkbook.locate`.
    """

    def __init__(self, report: Report, models: Catalog | None = None) -> None:
        self.report = report
        self.models = models if models is not None else Catalog()  # with the Catalog sheet
        self.known_sites: set[str] | None = None  # None when Sites could not be read
        self.places: dict[tuple[str, str, str], tuple[str, str]] = {}

    def _remember(self, spec_name: str, name: str, record: Row) -> None:
        for column, address in record.cells.items():
            self.places[spec_name, name, column] = (record.sheet, address)

    def read(self, tables: dict[str, Table], settings_row: Row) -> Fleet | None:
        """The fleet of the parsed ``tables`` and Settings record.

        Args:
            tables: Record sheets by schema name (``Sites``, ``Miners``, ...).
            settings_row: The Settings record.

        Returns:
            The fleet, or ``None`` when any fault was reported.
        """
        sites = self._sites(tables.get("Sites"))
        market, months = self._market(tables.get("Market"))
        miners = self._miners(tables.get("Miners"))
        power_prices = self._power_prices(tables.get("PowerPrices"))
        contracts = self._contracts(tables.get("Contracts"))
        settings = self._settings(settings_row, months)
        network_fleet = self._network_fleet(tables.get(NETWORK_FLEET_SHEET))
        if (settings is not None and settings.network_model == "fixed_growth"
                and network_fleet and tuple(network_fleet) != DEFAULT_NETWORK_FLEET):
            self.report.warn(tables[NETWORK_FLEET_SHEET].sheet, "A2",
                             "the bands are read only with network_model marginal_cost; "
                             "network_model is fixed_growth, so they are not used")
        if self.report.problems or settings is None:
            return None
        try:
            return Fleet(
                settings=settings,
                sites=tuple(sites),
                miners=tuple(miners),
                market=tuple(market),
                power_prices=tuple(power_prices),
                contracts=tuple(contracts),
                network_fleet=tuple(network_fleet),
            )
        except ValidationError as exc:  # checks the rows above should already have caught
            for error in exc.errors(include_url=False):
                for part in _rephrase(error, None).split("; "):
                    self.report.problem(WORKBOOK, part)
            return None

    # ----------------------------------------------------------------- cross-row checks

    def _twice(
        self, table: Table, items: Iterable[tuple[Hashable, str, Row, str]], what: str
    ) -> None:
        """Report each repeat of a key, naming its first cell; items: (key, label, row, field)."""
        first: dict[Hashable, str] = {}
        for key, label, record, name in items:
            address = record.where(name) or ""
            if key in first:
                self.report.problem(
                    table.sheet, f"{what} {label} is given twice (also {table.sheet}!{first[key]})",
                    address, table.headers.get(name, name),
                )
                record.failed.add(name)
            else:
                first[key] = address

    def _clashes(self, table: Table, names: list[tuple[str, Row]], what: str) -> None:
        """Names a reader would confuse: equal after :func:`~allocator.domain.name_key`."""
        first: dict[str, tuple[str, Row]] = {}
        for name, record in names:
            key = name_key(name)
            if key in first and first[key][0] != name:
                other, other_row = first[key]
                self.report.problem(
                    table.sheet,
                    f"{what} '{name}' and '{other}' ({table.sheet}!{other_row.where('name')}) "
                    "differ only in spaces or punctuation; the plan needs distinct names",
                    record.where("name"), table.headers["name"],
                )
                record.failed.add("name")
            first.setdefault(key, (name, record))

    def _check_site(self, table: Table, record: Row) -> None:
        name = record.text("site")
        if self.known_sites is None or name is None or name in self.known_sites:
            return
        self.report.problem(
            table.sheet,
            f"unknown site '{name}'; sites: {listing(sorted(self.known_sites))}",
            record.where("site"), "site",
        )
        record.failed.add("site")

    def _no_records(self, table: Table, what: str) -> bool:
        """Report a required sheet without records; True when there are none."""
        if table.rows:
            return False
        if table.usable and all(not c.required or c.field in table.columns
                                for c in table.spec.columns):
            self.report.problem(table.sheet, f"{what} is needed; add rows under the headers")
        return True

    # ----------------------------------------------------------------- sheets

    def _sites(self, table: Table | None) -> list[Site]:
        if table is None or not table.usable or "name" not in table.columns:
            return []
        if self._no_records(table, "at least one site"):
            return []  # no site list to check names against
        named = [(name, r) for r in table.rows if (name := r.text("name")) is not None]
        self.known_sites = {name for name, _ in named}
        for name, record in named:
            self._remember("Sites", name, record)
        self._twice(table, ((n, f"'{n}'", r, "name") for n, r in named), "site")
        self._clashes(table, named, "site names")
        built = (_build(Site, r, r.values, table.headers, self.report) for r in table.rows)
        return [site for site in built if site is not None]

    def _market(self, table: Table | None) -> tuple[list[MarketMonth], list[str]]:
        """The Market rows, any increasing set of months (a sparse deck is filled later)."""
        if table is None or not table.usable or self._no_records(table, "at least one month"):
            return [], []
        dated = [(month, r) for r in table.rows if (month := r.text("month")) is not None]
        self._twice(table, ((m, m, r, "month") for m, r in dated), "market month")
        market: list[MarketMonth] = []
        for record in table.rows:
            self._one_network(table, record)
            row = _build(MarketMonth, record, record.values, table.headers, self.report,
                         _market_anchor(table, record))
            if row is not None:
                market.append(row)
                self._remember("Market", row.month, record)
        indices = sorted({month_index(month) for month, _ in dated})
        return market, [month_from_index(i) for i in indices]

    def _one_network(self, table: Table, record: Row) -> None:
        """A row gives the network as network_hashrate_ehs or as difficulty, not both."""
        if "network_hashrate_ehs" in record.raw and "difficulty" in record.raw:
            other = record.where("network_hashrate_ehs")
            self.report.problem(
                table.sheet, f"give network_hashrate_ehs ({table.sheet}!{other}) or "
                "difficulty, not both: they are the same network quoted two ways",
                record.where("difficulty"), table.headers.get("difficulty", "difficulty"),
                record.raw.get("difficulty"),
            )
            record.failed.add("difficulty")

    def _miners(self, table: Table | None) -> list[MinerTranche]:
        if table is None or not table.usable:
            return []
        miners: list[MinerTranche] = []
        rows: list[Row] = []
        seen: dict[tuple[str, str], str] = {}
        for record in table.rows:
            values: dict[str, Any] = dict(record.values)
            if values.get("units") == 0:
                address = record.where("units") or ""
                self.report.warn(table.sheet, address, "units is 0; row skipped")
                continue
            self._check_site(table, record)
            model = record.text("model")
            if model is not None:
                found = self.models.find(model)
                if found is not None:
                    values["model"] = found.model
                    values.setdefault("hashrate_th", found.hashrate_th)
                    values.setdefault("power_w", found.power_w)
                else:
                    self._unknown_model(table, record, model)
                site = record.text("site")
                if site is not None:
                    address = record.where("model") or ""
                    key = (site, values["model"])
                    if key in seen:
                        self.report.warn(
                            table.sheet, address,
                            f"model '{values['model']}' at site '{site}' is listed twice "
                            f"(also {seen[key]}); the rows stay separate tranches",
                        )
                    seen.setdefault(key, address)
            tranche = _build(MinerTranche, record, values, table.headers, self.report)
            if tranche is not None:
                miners.append(tranche)
                rows.append(record)
        for label, record in zip(tranche_labels(miners), rows, strict=True):
            self._remember("Miners", label, record)
            for name in ("hashrate_th", "power_w"):  # the catalog's figure: the model cell
                if name not in record.raw and "model" in record.cells:
                    self.places["Miners", label, name] = (record.sheet, record.cells["model"])
        return miners

    def _unknown_model(self, table: Table, record: Row, model: str) -> None:
        missing = [name for name in ("hashrate_th", "power_w") if name not in record.raw]
        if not missing or self.models.is_faulty(model):
            record.failed.update(missing)
            return  # the row gives its own figures, or its Catalog row's faults say why
        suggestions = self.models.closest(model, count=2)
        use = (f"use a catalog model such as {', '.join(suggestions)}" if suggestions
               else "use a catalog model")
        give = "hashrate_th and power_w" if len(missing) == 2 else f"{missing[0]} too"
        self.report.problem(
            table.sheet, f"unknown miner model '{model}'; give {give} or {use}",
            record.where("model"), "model",
        )
        record.failed.update(missing)

    def _power_prices(self, table: Table | None) -> list[PowerPrice]:
        if table is None or not table.usable:
            return []
        for record in table.rows:
            self._check_site(table, record)
        pairs = [
            ((site, month), r)
            for r in table.rows
            if (site := r.text("site")) is not None and (month := r.text("month")) is not None
        ]
        self._twice(
            table,
            ((key, f"for site '{key[0]}' in {key[1]}", r, "month") for key, r in pairs),
            "power price",
        )
        prices: list[PowerPrice] = []
        for record in table.rows:
            price = _build(PowerPrice, record, record.values, table.headers, self.report)
            if price is not None:
                prices.append(price)
                self._remember("PowerPrices", price.label, record)
        return prices

    def _contracts(self, table: Table | None) -> list[Contract]:
        if table is None or not table.usable:
            return []
        named = [(name, r) for r in table.rows if (name := r.text("name")) is not None]
        for name, record in named:
            self._remember("Contracts", name, record)
        self._twice(table, ((n, f"'{n}'", r, "name") for n, r in named), "contract")
        self._clashes(table, named, "contract names")
        contracts: list[Contract] = []
        for record in table.rows:
            low, high = record.number_of("min_mw"), record.number_of("max_mw")
            if low is not None and high is not None and low > high:
                self.report.problem(
                    table.sheet, f"min_mw must be <= max_mw ({_fmt(high)})",
                    record.where("min_mw"), "min_mw", record.raw.get("min_mw"),
                )
                record.failed.add("min_mw")
            sites = record.values.get("sites")
            if self.known_sites is not None and isinstance(sites, tuple):
                unknown = [s for s in sites if s not in self.known_sites]
                if unknown:
                    self.report.problem(
                        table.sheet,
                        f"sites names unknown site{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(repr(s) for s in unknown)}; "
                        f"sites: {listing(format_list([s]) for s in sorted(self.known_sites))}"
                        + _quote_hint(self.known_sites, record.raw.get("sites")),
                        record.where("sites"), "sites",
                    )
                    record.failed.add("sites")
            self._deal_terms(table, record)
            contract = _build(Contract, record, record.values, table.headers, self.report,
                              anchor="min_mw")
            if contract is not None:
                contracts.append(contract)
        return contracts

    def _deal_terms(self, table: Table, record: Row) -> None:
        """A Contracts row's deal terms against each other, each fault at its cell:
        lease_structure against power_pass_through, rent_free_months against term_months."""
        structure = record.values.get("lease_structure")
        passes = record.values.get("power_pass_through")
        if isinstance(structure, str) and isinstance(passes, bool) \
                and (structure != "gross") != passes:
            self.report.problem(table.sheet, lease_structure_conflict(structure, passes),
                                record.where("lease_structure"), "lease_structure",
                                record.raw.get("lease_structure"))
            record.failed.add("lease_structure")
        free, term = record.number_of("rent_free_months"), record.number_of("term_months")
        if free is not None and term is not None and 1 <= term <= free:
            self.report.problem(table.sheet, f"rent_free_months must be below term_months "
                                f"({_fmt(term)})", record.where("rent_free_months"),
                                "rent_free_months", record.raw.get("rent_free_months"))
            record.failed.add("rent_free_months")

    def _network_fleet(self, table: Table | None) -> list[NetworkBand]:
        """The NetworkFleet bands; their shares must sum to 1 (reported at the share cells
        when every share could be read)."""
        if table is None or not table.usable or not table.rows:
            return []
        bands: list[NetworkBand] = []
        for record in table.rows:
            band = _build(NetworkBand, record, record.values, table.headers, self.report)
            if band is not None:
                bands.append(band)
        shares = [record.number_of("share") for record in table.rows]
        if len(bands) == len(table.rows) and all(share is not None for share in shares):
            total = sum(share for share in shares if share is not None)
            if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
                cells = [record.where("share") or "" for record in table.rows]
                span = cells[0] if len(cells) == 1 else f"{cells[0]}:{cells[-1]}"
                self.report.problem(
                    table.sheet, f"the shares ({span}) sum to {total:.6g}, not 1: each is "
                    "the band's share of the network hashrate, so together they make all of "
                    "it", cells[-1], table.headers.get("share", "share"),
                    table.rows[-1].raw.get("share"))
        return bands

    def _settings(self, record: Row, months: list[str]) -> Settings | None:
        if not months:
            return None  # Market's own problems say why
        self._remember("Settings", "", record)
        first, last = months[0], months[-1]
        values: dict[str, Any] = dict(record.values)
        start = record.text("start_month")
        if start is not None and month_index(start) < month_index(first):
            self.report.problem(
                record.sheet, f"start_month {start} is before the first Market month {first}: "
                + months_without_market(start, month_index(first)),
                record.where("start_month"), "start_month", record.raw.get("start_month"),
            )
            record.failed.add("start_month")
        values.setdefault("start_month", first)
        if "months" not in record.raw:
            values["months"] = max(1, months_between(values["start_month"], last) + 1)
        headers = {col.field: col.header for col in SETTINGS_KEYS}
        return _build(Settings, record, values, headers, self.report, anchor="halving_date")
