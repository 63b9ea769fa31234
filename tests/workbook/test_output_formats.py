"""Output sheets read like a board deck (issue 14): formats by unit, readable headers, notes.

Each test names the bug it pins. The plan is the sample fleet's, with insight, so every
documented column is written; comparisons, sweeps and Monte Carlo runs use the small fleet.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from scenariokit import small_fleet, with_volatility

from allocator import optimize, read_workbook
from allocator.insight import add_insight
from allocator.results.plan import Plan
from allocator.scenarios.changes import Change, Scenario
from allocator.scenarios.compare import compare
from allocator.scenarios.executors import SerialExecutor
from allocator.scenarios.montecarlo import monte_carlo
from allocator.scenarios.sweep import sweep
from allocator.workbook import schema
from allocator.workbook.comparison_writer import (
    COMPARISON_SHEET,
    MONTE_CARLO_SHEET,
    SWEEP_SHEET,
    write_comparison,
    write_monte_carlo,
    write_sweep,
)
from allocator.workbook.writer import write_plan

SAMPLE = Path(__file__).resolve().parents[2] / "sample_inputs" / "fleet.xlsx"
TABLE_SHEETS = ("Plan", "Summary", "Contract Result", "Site Value", "Miner Breakeven",
                "Sensitivity")
NEW_SHEETS = {"Build Schedule": "builds", "Miner Tranches": "tranches", "Leases": "leases",
              "Deals": "deals"}
COUNTS = ("days", "tranche", "units")


@pytest.fixture(scope="module")
def plan() -> Plan:
    book = read_workbook(SAMPLE)
    return add_insight(optimize(book), book)


@pytest.fixture(scope="module")
def written(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plan(plan, tmp_path_factory.mktemp("out") / "plan.xlsx")


@pytest.fixture(scope="module")
def book(written: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(written)


def _expected(name: str, fmt: str) -> bool:
    """Whether ``fmt`` suits the unit in ``name`` (a table of its own, not the writer's)."""
    key = name.rpartition(": ")[2]
    if key == "discount_factor":
        return fmt == "0.0000"
    if key.endswith("_factor"):
        return fmt == "0.00"
    if key.endswith(("_pct", "_pa")) or key.startswith("probability"):
        return "%" in fmt
    if key.endswith(("_usd_ph_day", "_usd_mwh", "_usd_kw_month")):
        return fmt.startswith('"$"#,##0.00')
    if key.endswith("_usd") or "_usd_" in key:
        return fmt.startswith('"$"#,##0')
    if key.endswith("_mw"):
        return fmt == "#,##0.0"
    if key.endswith(("_ehs", "_phs", "_j_th")):
        return fmt == "#,##0.00"
    if key in COUNTS or key.startswith("months_") or key.endswith("_months"):
        return fmt == "#,##0"
    if key.endswith("_btc_ph_day"):
        return fmt == "0.0000000"
    if key.endswith("_btc"):
        return fmt == "#,##0.00"
    return False


def _numeric_columns(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, str]:
    """Header -> number format of the first numeric cell below it."""
    out: dict[str, str] = {}
    for j, head in enumerate(ws[1], start=1):
        for r in range(2, min(ws.max_row, 400) + 1):
            cell = ws.cell(row=r, column=j)
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                out[str(head.value)] = cell.number_format
                break
    return out


def test_every_numeric_output_column_has_the_format_of_its_unit(
        book: openpyxl.Workbook) -> None:
    """Bug: a column formatted by the wrong suffix (a factor as a whole number, money with
    no $), or a numeric column left in General."""
    wrong = []
    for title in (*TABLE_SHEETS, *NEW_SHEETS):
        if title not in book.sheetnames:
            wrong.append(f"{title}: missing")
            continue
        for name, fmt in _numeric_columns(book[title]).items():
            if not _expected(name, fmt):
                wrong.append(f"{title}!{name}: {fmt}")
    assert wrong == []


@pytest.mark.slow
def test_the_sweep_factor_shows_its_decimals_in_the_table_flips_and_axes(
        tmp_path: Path) -> None:
    """Bug (issue 14, item 13): btc_price_usd_factor had the integer money format, so
    0.5 ... 1.5 showed as 1 1 1 ... 2 in the table, the flip table and both chart axes."""
    result = sweep(small_fleet(), "btc_price_usd", 0.5, 1.5, 5, operation="scale",
                   executor=SerialExecutor())
    out = write_sweep(result, tmp_path / "sweep.xlsx")
    ws = openpyxl.load_workbook(out)[SWEEP_SHEET]
    assert ws["A1"].value == "btc_price_usd_factor"
    assert {ws.cell(row=r, column=1).number_format for r in range(2, 7)} == {"0.00"}
    for name, fmt in _numeric_columns(ws).items():
        assert _expected(name, fmt) or name.startswith("avg_fleet"), (name, fmt)
    with zipfile.ZipFile(out) as archive:
        charts = [archive.read(n).decode() for n in archive.namelist()
                  if n.startswith("xl/charts/chart")]
    assert len(charts) == 2
    for xml in charts:
        assert re.search(r'<(c:)?catAx>.*?formatCode="0.00" sourceLinked="0".*?</(c:)?catAx>',
                         xml, re.S)


def test_headers_show_labels_with_units_and_keep_the_machine_name(
        book: openpyxl.Workbook) -> None:
    """Bug: snake_case headers for people, or labels that replace the names pipelines read
    (the cell value stays the DataFrame column; the label is shown by the number format)."""
    ws = book["Summary"]
    heads = {c.value: c for c in ws[1]}
    hashprice = heads["hashprice_usd_ph_day"]
    assert hashprice.number_format == ';;;"Hashprice ($/PH/day)"'
    assert heads["margin_usd"].number_format == ';;;"Margin ($)"'
    assert heads["fleet_hashrate_ehs"].number_format == ';;;"Fleet hashrate (EH/s)"'
    assert schema.output_label("btc_price_usd_factor") == "BTC price factor (x base)"
    assert schema.output_label("Alpha Ridge: converted_mw") == "Alpha Ridge: Converted (MW)"
    for title in (*TABLE_SHEETS, *NEW_SHEETS):
        for cell in book[title][1]:
            assert cell.font.name == "Calibri", (title, cell.value)  # no serif fallback
            assert cell.number_format.startswith(';;;"'), (title, cell.value)


def test_money_is_dollars_and_npv_millions(book: openpyxl.Workbook) -> None:
    """Bug: money as bare whole numbers, so $ and $M had to be guessed."""
    formats = _numeric_columns(book["Summary"])
    assert formats["margin_usd"] == '"$"#,##0;[Red]-"$"#,##0'
    assert formats["cumulative_npv_usd"] == '"$"#,##0.0,,"M";[Red]-"$"#,##0.0,,"M"'
    assert formats["hashprice_usd_ph_day"] == '"$"#,##0.00;[Red]-"$"#,##0.00'


def test_booleans_are_yes_no_like_the_inputs(book: openpyxl.Workbook) -> None:
    """Bug: TRUE/FALSE cells where the Contracts sheet says yes/no."""
    ws = book["Contract Result"]
    heads = [c.value for c in ws[1]]
    for name in ("firm", "power_pass_through"):
        values = {ws.cell(row=r, column=heads.index(name) + 1).value
                  for r in range(2, ws.max_row + 1)}
        assert values <= {"yes", "no"} and values, name


def test_run_info_value_column_is_not_100_characters_wide(book: openpyxl.Workbook) -> None:
    """Bug: a long warning made the value column 100 characters wide; long text wraps."""
    ws = book["Run Info"]
    assert ws.column_dimensions["B"].width <= 68
    assert all(ws.cell(row=r, column=2).alignment.wrap_text for r in range(2, ws.max_row + 1))
    assert ws["A5"].value == "objective_usd" and ws["A5"].number_format == ';;;"Objective ($)"'


def test_every_output_header_has_a_note_saying_what_it_is(book: openpyxl.Workbook) -> None:
    """Bug (item 17): output columns with no explanation. Each header's note names the
    label, the machine name, and what the column is and how it is computed."""
    missing = []
    for title in (*TABLE_SHEETS, *NEW_SHEETS, "Run Info"):
        for cell in book[title][1]:
            note = cell.comment.text if cell.comment else ""
            lines = note.split("\n")
            if len(lines) < 3 or lines[1] != f"Column name: {cell.value}":
                missing.append(f"{title}!{cell.value}")
    assert missing == []


def test_build_schedule_miner_tranches_and_leases_are_written(plan: Plan,
                                                              book: openpyxl.Workbook) -> None:
    """Bug (item 16): plan.builds, plan.tranches and plan.leases never reached the
    workbook."""
    for title, attr in NEW_SHEETS.items():
        frame: pd.DataFrame = getattr(plan, attr)
        ws = book[title]
        assert [c.value for c in ws[1]] == list(frame.columns), title
        assert ws.max_row == len(frame) + 1, title
    assert len(plan.builds) > 0 and len(plan.leases) > 0


def test_the_summary_chart_is_where_its_sheet_opens(book: openpyxl.Workbook) -> None:
    """Bug (item 15): the chart sat at column X of Summary, off-screen on open."""
    ws = book["Summary Chart"]
    assert len(ws._charts) == 1
    anchor = ws._charts[0].anchor._from
    assert (anchor.col, anchor.row) == (1, 1)


@pytest.fixture(scope="module")
def comparison_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fleet = small_fleet()
    scenarios = [Scenario("Base", ()),
                 Scenario("Same HPC", (Change("pool_fee", "set", 0.021),)),
                 Scenario("Bear", (Change("btc_price_usd", "scale", 0.5),)),
                 Scenario("Cheap rent", (Change("rate_usd_kw_month", "scale", 0.5),))]
    result = compare(fleet, scenarios, executor=SerialExecutor())
    return write_comparison(result, tmp_path_factory.mktemp("cmp") / "cmp.xlsx")


def test_identical_hpc_series_are_merged_in_the_legend(comparison_book: Path) -> None:
    """Bug (item 15): one line per scenario although most coincide, so the legend lied."""
    ws = openpyxl.load_workbook(comparison_book)[COMPARISON_SHEET]
    hpc = next(c for c in ws._charts if "HPC" in str(c.title.tx.rich.p[0].r[0].t))
    titles = [s.tx.v for s in hpc.series]
    assert len(titles) < 4
    assert any(" = " in t for t in titles)


def test_input_diff_values_have_their_parameters_formats(comparison_book: Path) -> None:
    """Bug (item 15): the input diff printed raw floats (32.9484161377691) and left the
    reference scenario unmarked; the values are right-aligned so none runs into the next."""
    ws = openpyxl.load_workbook(comparison_book)[COMPARISON_SHEET]
    rows = [r for r in ws.iter_rows() if r[0].value == "scenario"]
    assert rows, "no input diff header"
    top = rows[-1][0].row
    heads = [c.value for c in rows[-1]]
    base = heads.index("base_value") + 1
    param = heads.index("parameter") + 1
    seen = 0
    for r in range(top + 1, ws.max_row + 1):
        value = ws.cell(row=r, column=base).value
        if isinstance(value, float):
            fmt = ws.cell(row=r, column=base).number_format
            assert fmt != "General", ws.cell(row=r, column=param).value
            assert ws.cell(row=r, column=base).alignment.horizontal == "right"
            seen += 1
    assert seen
    reference = next(c for c in ws[1] if c.value == "Base")
    assert reference.fill.fgColor.rgb.endswith("FFE699")
    assert reference.number_format == ';;;"Base (reference)"'


@pytest.mark.slow
def test_monte_carlo_histogram_marks_the_percentiles(tmp_path: Path) -> None:
    """Bug (item 15): no P5/P50/P95 markers and bin labels long enough to wrap."""
    result = monte_carlo(with_volatility(small_fleet()), samples=12, seed=7,
                         executor=SerialExecutor())
    out = write_monte_carlo(result, tmp_path / "mc.xlsx")
    ws = openpyxl.load_workbook(out)[MONTE_CARLO_SHEET]
    chart = ws._charts[0]
    assert len(chart.series) == 2
    heads = next(r for r in ws.iter_rows() if r[0].value == "bin")
    names = [c.value for c in heads]
    marks = names.index("percentile") + 1
    labels, held = [], []
    for r in range(heads[0].row + 1, heads[0].row + 16):
        labels.append(ws.cell(row=r, column=1).value)
        held.append(ws.cell(row=r, column=marks).value or "")
    assert {"P5", "P50", "P95"} <= set(", ".join(held).split(", "))
    assert all(" " not in label for label in labels)  # "414 to 632" wrapped on the axis
