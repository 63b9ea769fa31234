"""Parsing one cell per column kind: the lenient forms accepted and the short reasons given."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from allocator.workbook.cells import (
    CellError,
    cell_address,
    column_letter,
    is_blank,
    parse_bool,
    parse_cell,
    parse_choice,
    parse_fraction,
    parse_integer,
    parse_list,
    parse_month,
    parse_number,
    parse_text,
    show_value,
)
from allocator.workbook.schema import sheet_spec


@pytest.mark.parametrize(
    ("value", "expected"),
    [(45, 45.0), (45.5, 45.5), (" 45 ", 45.0), ("-1e3", -1000.0), ("1,250.5", 1250.5),
     (".5", 0.5)],
)
def test_number_accepts_numbers_and_numeric_text(value: object, expected: float) -> None:
    assert parse_number(value) == expected


@pytest.mark.parametrize(
    "value", [True, "abc", "nan", "inf", math.inf, math.nan, dt.date(2026, 1, 1), "1,2", "2%"]
)
def test_number_rejects_the_rest(value: object) -> None:
    with pytest.raises(CellError, match="must be a"):
        parse_number(value)


def test_integer_takes_whole_numbers_only() -> None:
    assert parse_integer(12.0) == 12
    assert parse_integer(" 12 ") == 12
    for bad in (12.5, "twelve", False):
        with pytest.raises(CellError, match="must be a whole number"):
            parse_integer(bad)


@pytest.mark.parametrize(
    ("value", "expected"), [(0.02, 0.02), ("2%", 0.02), (" 2.5 % ", 0.025), ("0.1", 0.1)]
)
def test_fraction_accepts_decimals_and_percent_text(value: object, expected: float) -> None:
    assert parse_fraction(value) == pytest.approx(expected)


def test_fraction_rejects_other_text() -> None:
    with pytest.raises(CellError, match="percentage such as 2%"):
        parse_fraction("two%")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("YES", True), (" no ", False), ("y", True), ("N", False),
     ("true", True), ("False", False), (1, True), (0.0, False), ("1", True), ("0", False)],
)
def test_bool_forms(value: object, expected: bool) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, "", dt.date(2026, 1, 1)])
def test_bool_rejects_the_rest(value: object) -> None:
    with pytest.raises(CellError, match="must be yes or no"):
        parse_bool(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01", "2026-01"),
        ("2026-1", "2026-01"),
        ("2026/12", "2026-12"),
        ("2026-01-15", "2026-01"),
        ("2026-01-15 00:00:00", "2026-01"),
        ("01/2026", "2026-01"),
        ("Jan 2026", "2026-01"),
        ("january 2026", "2026-01"),
        ("Sept 2026", "2026-09"),
        ("Dec-2026", "2026-12"),
        (dt.date(2026, 3, 31), "2026-03"),
        (dt.datetime(2026, 4, 1, 12, 30), "2026-04"),
    ],
)
def test_month_forms(value: object, expected: str) -> None:
    assert parse_month(value) == expected


@pytest.mark.parametrize("value", ["2026-13", "2026-00", "Foo 2026", "2026-02-30", "26-01",
                                   True, dt.time(1, 2)])
def test_month_rejects_non_months(value: object) -> None:
    with pytest.raises(CellError, match="YYYY-MM"):
        parse_month(value)


def test_month_bare_number_explains_the_date_format() -> None:
    with pytest.raises(CellError, match="format the cell as a date or write YYYY-MM text"):
        parse_month(46023.0)


def test_text_and_list() -> None:
    assert parse_text("  Alpha ") == "Alpha"
    assert parse_text(7.0) == "7"
    assert parse_text(7.25) == "7.25"
    with pytest.raises(CellError, match="must be text"):
        parse_text(True)
    assert parse_list(" Alpha, Beta ;; Gamma ,") == ("Alpha", "Beta", "Gamma")
    assert parse_list(3.0) == ("3",)


def test_choice_is_case_insensitive_and_returns_the_schema_spelling() -> None:
    assert parse_choice(" Scale ", ("set", "scale", "add")) == "scale"
    with pytest.raises(CellError, match="must be one of set, scale, add"):
        parse_choice("times", ("set", "scale", "add"))


def test_parse_cell_dispatches_on_the_schema_kind() -> None:
    contracts = sheet_spec("Contracts")
    assert parse_cell("yes", contracts.column("firm")) is True
    assert parse_cell("3%", contracts.column("escalator_pa")) == pytest.approx(0.03)
    assert parse_cell("A, B", contracts.column("sites")) == ("A", "B")
    assert parse_cell(120.0, contracts.column("term_months")) == 120
    assert parse_cell("Jan 2027", contracts.column("start_month")) == "2027-01"
    operation = sheet_spec("Scenarios").column("operation")
    assert parse_cell("SET", operation) == "set"


def test_blank_addresses_and_display() -> None:
    assert all(is_blank(v) for v in (None, "", "   ", "\u00a0"))
    assert not any(is_blank(v) for v in (0, 0.0, False, "x"))
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A", "Z", "AA", "AB", "ZZ", "AAA"]
    assert cell_address(7, 2) == "C7"
    assert show_value(-5.0) == -5
    assert show_value(0.9) == 0.9
    assert show_value(dt.date(2026, 1, 1)) == "2026-01-01"


# --------------------------------------------------------------------------- typed by a person


@pytest.mark.parametrize(
    ("value", "expected"),
    [("$45", 45.0), ("$1,200.50", 1200.5), ("-$45", -45.0), ("$-45", -45.0), ("$ 45", 45.0),
     ("(1,200)", -1200.0), ("($1,200)", -1200.0), (" ( 45 ) ", -45.0), ("\u221245", -45.0),
     ("1,200,000", 1_200_000.0), ("\u00a045\u00a0", 45.0)],
)
def test_number_accepts_money_and_accounting_text(value: str, expected: float) -> None:
    """Currency-formatted text pasted from a report; (1,200) is -1,200 as Excel reads it."""
    assert parse_number(value) == expected


@pytest.mark.parametrize("value", ["1.200,5", "1 200", "(-5)", "$", "()", "45 MW", "$$45",
                                   "12,00", "1e400", "--5"])
def test_number_refuses_what_could_mean_two_things(value: str) -> None:
    with pytest.raises(CellError, match="must be a"):
        parse_number(value)


def test_other_currencies_are_named() -> None:
    with pytest.raises(CellError, match="US dollars; convert € amounts first"):
        parse_number("€45")


@pytest.mark.parametrize(
    ("value", "expected"), [("(2%)", -0.02), ("\u22123%", -0.03), ("-10 %", -0.1), ("150%", 1.5)]
)
def test_fraction_negative_forms(value: str, expected: float) -> None:
    assert parse_fraction(value) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("15/01/2026", "2026-01"), ("1/15/2026", "2026-01"), ("01/01/2026", "2026-01"),
     ("31.12.2026", "2026-12"), ("2026-01-15T00:00:00", "2026-01"), ("JAN 2026", "2026-01")],
)
def test_month_from_day_month_year_when_unambiguous(value: str, expected: str) -> None:
    assert parse_month(value) == expected


def test_month_refuses_a_day_month_swap_that_changes_the_month() -> None:
    with pytest.raises(CellError, match=r"is ambiguous: January or February 2026\? Write "
                                        r"2026-01 or 2026-02"):
        parse_month("01/02/2026")
    for bad in ("Jan-26", "31/02/2026", "13/13/2026"):
        with pytest.raises(CellError, match="YYYY-MM"):
            parse_month(bad)
