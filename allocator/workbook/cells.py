"""Parse one workbook cell value by its column's ``kind``; no file access and no domain rules here.

Values arrive as python-calamine gives them: ``str``, ``float`` (every number, integers too),
``int``, ``bool``, ``datetime.date``/``datetime.datetime``/``datetime.time``/``timedelta``, or
``""`` for an empty cell. Each ``parse_*`` function returns the Python value the domain expects
or raises :class:`CellError` whose message is a short reason such as ``"must be a number"``,
written to follow the column name (``capacity_mw must be a number``).

Text is read the way a person types it, and refused where it could mean two things:

- numbers: `` 45 ``, ``1,200.5`` (comma thousands separators only in groups of three), ``$45``
  and ``-$1,200``, ``(1,200)`` as the accounting form of -1,200 (Excel reads it so when it is
  typed), and a typographic minus (U+2212) for ``-``. Not accepted: ``1,2`` or ``1.200,5``
  (a decimal comma is ambiguous next to thousands separators), other currency signs (amounts
  are USD), units such as ``45 MW``, ``nan`` and ``inf``;
- fractions: the above or a percentage, ``2%`` or ``2.5 %``; a cell formatted as a percentage
  already holds ``0.02``. A rate or share column refuses a plain number that looks like a
  percent without its sign (``uptime`` 97, ``btc_price_growth_pa`` 5), naming the fraction
  meant (:attr:`~allocator.workbook.schema.ColumnSpec.percent_above`);
- lists: names separated by commas or semicolons; a name holding one is quoted,
  ``"Abilene, TX", Bravo``;
- months: a date cell, or ``2026-01``, ``2026-01-15``, ``Jan 2026``, ``January 2026``,
  ``01/2026``, and ``d/m/yyyy`` or ``m/d/yyyy`` only when both readings give the same month
  (``15/01/2026``, ``1/15/2026``); ``01/02/2026`` is refused as ambiguous, as is a two-digit
  year (``Jan-26``);
- days (``halving_date``): a date cell, or ``2028-04-17`` text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import NoReturn

from allocator.domain import percent_typo
from allocator.periods import is_month
from allocator.workbook.schema import ColumnSpec

__all__ = [
    "CellError",
    "CellValue",
    "address_order",
    "cell_address",
    "column_index",
    "column_letter",
    "format_list",
    "is_blank",
    "parse_bool",
    "parse_cell",
    "parse_choice",
    "parse_date",
    "parse_fraction",
    "parse_integer",
    "parse_list",
    "parse_month",
    "parse_number",
    "parse_text",
    "show_value",
]

CellValue = str | int | float | bool | tuple[str, ...]
"""What a parsed, non-blank cell becomes: the type of the domain field it fills."""


class CellError(ValueError):
    """A cell's value does not fit its column's kind; ``str(error)`` is the short reason."""


_NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
# "1,000" and "12,500.5": thousands separators as Excel shows them in en-US text.
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_ACCOUNTING_RE = re.compile(r"^\((.*)\)$")  # (1,200) is -1,200
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
_OTHER_CURRENCY = re.compile(r"[€£¥₹₿]|\b(?:EUR|GBP|CAD|AUD|JPY|CNY)\b")
_DAY_MONTH_YEAR_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YEAR_MONTH_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_YEAR_MONTH_DAY_RE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_MONTH_YEAR_RE = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_NAMED_MONTH_RE = re.compile(r"^([A-Za-z]+)\.?[\s\-/,']*(\d{4})$")
_LIST_SPLIT_RE = re.compile(r"[,;]")
_QUOTE_CHARS = '"\u201c\u201d'
# One list item: a quoted name ("..." with "" for a quote, or curly quotes) or bare text
# up to the next separator, then the separator or the end of the text.
_LIST_ITEM_RE = re.compile(
    r'\s*(?:(?P<quoted>"(?:[^"]|"")*"|\u201c[^\u201c\u201d]*\u201d)'
    r'|(?P<bare>(?:[^,;\s"\u201c\u201d][^,;]*)?))\s*(?P<end>[,;]|$)'
)
_LIST_HINT = ('must be names separated by commas, with a name that holds a comma quoted: '
              '"Abilene, TX", Bravo')

_TRUE = frozenset({"yes", "y", "true", "1", "1.0"})
_FALSE = frozenset({"no", "n", "false", "0", "0.0"})

_MONTH_NAMES: dict[str, int] = {}
for _number in range(1, 13):
    _MONTH_NAMES[calendar.month_name[_number].lower()] = _number
    _MONTH_NAMES[calendar.month_abbr[_number].lower()] = _number
_MONTH_NAMES["sept"] = 9

_MONTH_HINT = "must be a month written YYYY-MM (e.g. 2026-01) or a date"


def is_blank(value: object) -> bool:
    """True for an empty cell: ``None``, ``""`` or text of spaces only."""
    return value is None or (isinstance(value, str) and not value.strip())


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index: 0 -> ``A``, 27 -> ``AB``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """0-based column index of Excel column letters, in any case: ``A`` -> 0, ``ab`` -> 27."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def address_order(address: str | None) -> tuple[int, int]:
    """``(row, 1-based column)`` of ``C7`` (or ``(7, 0)`` of the row reference ``7:7``), for
    sorting problems in reading order; ``(0, 0)`` when there is no address."""
    match = re.match(r"([A-Z]*)(\d+)", address or "")
    if not match:
        return (0, 0)
    letters, row = match.groups()
    return (int(row), column_index(letters) + 1)


def cell_address(row: int, column: int) -> str:
    """Excel address of a 1-based ``row`` and 0-based ``column``: ``(7, 2)`` -> ``C7``."""
    return f"{column_letter(column)}{row}"


def show_value(value: object) -> object:
    """A raw cell value as a user would recognise it in a message.

    Whole floats lose their ``.0`` (calamine reads every number as a float) and dates become
    ISO text, so ``Problem`` prints ``(got -5)`` rather than ``(got -5.0)``.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return value


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE/FALSE"
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return "a date or time"
    return type(value).__name__


def _plain_number(text: str) -> float | None:
    if _NUMBER_RE.match(text):
        return float(text)
    if _THOUSANDS_RE.match(text):
        return float(text.replace(",", ""))
    return None


def _number_from_text(text: str) -> float | None:
    """``45``, `` 1,200.5 ``, ``$45``, ``-$45``, ``$-45``, ``(1,200)``, ``($45)``; else None."""
    text = text.strip().translate(_MINUS_SIGNS)
    sign = 1.0
    if match := _ACCOUNTING_RE.match(text):
        text, sign = match.group(1).strip(), -1.0
        if text.startswith(("-", "+")):
            return None  # "(-5)" says minus twice
    if text[:1] in "+-" and text[1:2] == "$":
        text = text[0] + text[2:].lstrip()
    elif text.startswith("$"):
        text = text[1:].lstrip()
    number = _plain_number(text)
    return None if number is None else sign * number


def parse_number(value: object) -> float:
    """A finite number from a numeric cell or text such as ``" 45 "``, ``"1,000"``, ``"$45"``.

    ``(1,200)`` is -1,200, the accounting form Excel itself reads when it is typed.

    Raises:
        CellError: TRUE/FALSE, a date, non-numeric text, or a non-finite number.
    """
    number: float | None
    if isinstance(value, bool):
        raise CellError("must be a number, not TRUE/FALSE")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        number = _number_from_text(value)
        if number is None:
            if symbol := _OTHER_CURRENCY.search(value):
                raise CellError(f"must be a number in US dollars; convert {symbol.group()} "
                                "amounts first")
            raise CellError("must be a number")
    else:
        raise CellError(f"must be a number, not {_kind_of(value)}")
    if not math.isfinite(number):
        raise CellError("must be a finite number")
    return number


def parse_integer(value: object) -> int:
    """A whole number; ``12.0`` and ``"12"`` are fine, ``12.5`` is not.

    Raises:
        CellError: not a number, or not whole.
    """
    try:
        number = parse_number(value)
    except CellError as exc:
        raise CellError("must be a whole number") from exc
    if not number.is_integer():
        raise CellError("must be a whole number")
    return int(number)


def parse_fraction(value: object) -> float:
    """A fraction: ``0.02``, ``"0.02"`` or ``"2%"`` text.

    A cell formatted as a percentage already holds ``0.02``, so only text carries ``%``.

    Raises:
        CellError: not a number or percentage.
    """
    text = value.strip().translate(_MINUS_SIGNS) if isinstance(value, str) else ""
    sign = 1.0
    if (match := _ACCOUNTING_RE.match(text)) and match.group(1).strip().endswith("%"):
        text, sign = match.group(1).strip(), -1.0  # (2%) is -2%
    if text.endswith("%") and "$" not in text and not (sign < 0 and text[:1] in "+-"):
        number = _number_from_text(text[:-1])
        if number is None or not math.isfinite(number):
            raise CellError("must be a fraction such as 0.02 or a percentage such as 2%")
        return sign * number / 100
    try:
        return parse_number(value)
    except CellError as exc:
        raise CellError("must be a fraction such as 0.02 or a percentage such as 2%") from exc


def parse_bool(value: object) -> bool:
    """A yes/no answer: TRUE/FALSE cells, 1/0, or yes/no/true/false/y/n text (any case).

    Raises:
        CellError: anything else.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise CellError("must be yes or no")


def _month(year: int, month: int) -> str:
    text = f"{year:04d}-{month:02d}"
    if not is_month(text):
        raise CellError(_MONTH_HINT)
    return text


def parse_month(value: object) -> str:
    """A calendar month as ``YYYY-MM``.

    Accepts real dates (any day of the month), and text written ``2026-01``, ``2026-1``,
    ``2026/01``, ``2026-01-15``, ``01/2026``, ``Jan 2026`` or ``January 2026``, and
    ``15/01/2026`` or ``1/15/2026`` when day and month cannot be mistaken for each other.

    Raises:
        CellError: a bare number (a date cell that lost its date format), an ambiguous date
            such as ``01/02/2026``, or other text.
    """
    if isinstance(value, dt.date):  # datetime is a date too
        return _month(value.year, value.month)
    if isinstance(value, bool) or not isinstance(value, str):
        if isinstance(value, int | float):
            raise CellError(
                "is a bare number, not a month; format the cell as a date or write YYYY-MM text"
            )
        raise CellError(_MONTH_HINT)
    text = value.strip()
    if match := _YEAR_MONTH_RE.match(text):
        return _month(int(match.group(1)), int(match.group(2)))
    if match := _YEAR_MONTH_DAY_RE.match(text):
        year, month, day = (int(match.group(i)) for i in (1, 2, 3))
        try:
            dt.date(year, month, day)
        except ValueError as exc:
            raise CellError(_MONTH_HINT) from exc
        return _month(year, month)
    if match := _MONTH_YEAR_RE.match(text):
        return _month(int(match.group(2)), int(match.group(1)))
    if match := _DAY_MONTH_YEAR_RE.match(text):
        return _slashed_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if (match := _NAMED_MONTH_RE.match(text)) and match.group(1).lower() in _MONTH_NAMES:
        return _month(int(match.group(2)), _MONTH_NAMES[match.group(1).lower()])
    raise CellError(_MONTH_HINT)


def parse_date(value: object) -> str:
    """A day as ``YYYY-MM-DD``: a real date, or text written ``2028-04-17`` (``2028-4-17``).

    Raises:
        CellError: a bare number, a month without its day, or other text.
    """
    if isinstance(value, dt.date):  # datetime is a date too
        return value.strftime("%Y-%m-%d") if value.year >= 1000 else _day_hint(value)
    if isinstance(value, str) and (match := _YEAR_MONTH_DAY_RE.match(value.strip())):
        year, month, day = (int(match.group(i)) for i in (1, 2, 3))
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            pass
    return _day_hint(value)


def _day_hint(value: object) -> NoReturn:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError("is a bare number, not a day; format the cell as a date or write "
                        "YYYY-MM-DD text")
    raise CellError("must be a day written YYYY-MM-DD (2028-04-17) or a date cell")


def _slashed_date(first: int, second: int, year: int) -> str:
    """``d/m/yyyy`` or ``m/d/yyyy``: the month when the valid readings agree on it."""
    months = set()
    for month, day in ((first, second), (second, first)):
        try:
            dt.date(year, month, day)
        except ValueError:
            continue
        months.add(month)
    if len(months) == 1:
        return _month(year, months.pop())
    if not months:
        raise CellError(_MONTH_HINT)
    low, high = sorted(months)
    raise CellError(
        f"is ambiguous: {calendar.month_name[low]} or {calendar.month_name[high]} {year}? "
        f"Write {year}-{low:02d} or {year}-{high:02d}"
    )


def parse_text(value: object) -> str:
    """Text, stripped; a number becomes its text without a trailing ``.0`` (``7.0`` -> ``7``).

    Raises:
        CellError: TRUE/FALSE, a date or a time.
    """
    if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
        raise CellError(f"must be text, not {_kind_of(value)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("must be text")
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def parse_list(value: object) -> tuple[str, ...]:
    """Names separated by commas or semicolons, stripped, blanks dropped.

    A name that holds a comma or semicolon is quoted as in a CSV file: ``"Abilene, TX",
    Bravo`` (straight or curly double quotes; ``""`` inside a quoted name is one ``"``).

    Raises:
        CellError: TRUE/FALSE, a date or a time, an unclosed quote, or text after a quoted
            name before the next separator.
    """
    text = parse_text(value)
    names: list[str] = []
    at = 0
    while True:
        match = _LIST_ITEM_RE.match(text, at)
        if match is None:
            raise CellError(_LIST_HINT)
        quoted = match.group("quoted")
        if quoted is not None:
            names.append(quoted[1:-1].replace('""', '"').strip())
        else:
            names.append(match.group("bare").strip())
        if not match.group("end"):
            return tuple(name for name in names if name)
        at = match.end()


def format_list(names: Sequence[str]) -> str:
    """Names as :func:`parse_list` reads them back: ``Abilene, TX`` and ``Bravo`` give
    ``"Abilene, TX", Bravo``."""
    def one(name: str) -> str:
        if _LIST_SPLIT_RE.search(name) or name[:1] in _QUOTE_CHARS:
            return '"' + name.replace('"', '""') + '"'
        return name

    return ", ".join(one(name) for name in names)


def parse_choice(value: object, choices: Sequence[str]) -> str:
    """One of ``choices``, matched ignoring case and surrounding spaces; returns its spelling.

    Raises:
        CellError: not one of them.
    """
    if isinstance(value, str):
        wanted = value.strip().lower()
        for choice in choices:
            if choice.lower() == wanted:
                return choice
    raise CellError(f"must be one of {', '.join(choices)}")


def _not_a_percent(value: object, number: float, spec: ColumnSpec) -> float:
    """``number``, unless it is a plain number a rate column takes for a mistyped percent.

    Text with a ``%`` sign says what it means and is never refused here (``300%`` is 3).

    Raises:
        CellError: ``number`` is beyond the column's ``percent_above`` limit (see
            :func:`allocator.domain.percent_typo`).
    """
    if isinstance(value, str) and "%" in value:
        return number
    if typo := percent_typo(number, spec.percent_above):
        raise CellError(typo)
    return number


def parse_cell(value: object, spec: ColumnSpec) -> CellValue:
    """Parse a non-blank cell ``value`` of the column described by ``spec``.

    Callers test :func:`is_blank` first: blank cells take the domain default or are required.

    Raises:
        CellError: the value does not fit ``spec.kind``, or a rate or share column's plain
            number looks like a percent typed without ``%`` (``uptime`` 97).
    """
    match spec.kind:
        case "number":
            return _not_a_percent(value, parse_number(value), spec)
        case "integer":
            return parse_integer(value)
        case "fraction":
            return _not_a_percent(value, parse_fraction(value), spec)
        case "bool":
            return parse_bool(value)
        case "month":
            return parse_month(value)
        case "date":
            return parse_date(value)
        case "list":
            return parse_list(value)
        case "choice":
            return parse_choice(value, spec.choices)
        case "text":
            return parse_text(value)
    raise CellError(f"has unknown kind {spec.kind!r}")  # pragma: no cover - schema is typed
