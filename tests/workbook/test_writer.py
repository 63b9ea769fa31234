"""The plan writer: output sheets, the user's sheets left alone, safe file replacement.

The plan here is built by hand (2 sites x 3 months), so these tests need no solver; each
says which writer bug would make it fail.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.workbook.defined_name import DefinedName

from allocator.errors import OutputError
from allocator.results.plan import Plan, RunInfo
from allocator.workbook.copy_losses import MARK_NAME, mark_value, source_losses
from allocator.workbook.frames import (
    FACTOR_FORMAT,
    INTEGER_FORMAT,
    MW_FORMAT,
    PCT_FORMAT,
    PRICE_FORMAT,
    USD_FORMAT,
    USD_M_FORMAT,
    number_format,
)
from allocator.workbook.schema import OUTPUT_SHEETS
from allocator.workbook.writer import CHART_SHEET, CHART_TITLE, write_plan

MONTHS = ("2026-01", "2026-02", "2026-03")

SITE_MONTH_COLUMNS = [
    "site", "month", "capacity_mw", "mining_mw", "mining_grid_mw", "hashrate_phs",
    "hpc_leased_mw", "hpc_online_mw", "hpc_under_construction_mw", "hpc_grid_mw", "idle_mw",
    "conversion_started_mw", "power_price_usd_mwh", "mining_revenue_usd",
    "mining_power_cost_usd", "mining_opex_usd", "hpc_revenue_usd", "hpc_power_cost_usd",
    "hpc_opex_usd", "capital_charge_usd", "margin_usd", "discount_factor",
    "discounted_margin_usd", "site_power_value_usd_mw_month",
]
SUMMARY_COLUMNS = [
    "month", "days", "hashprice_usd_ph_day", "fleet_hashrate_ehs", "mining_mw",
    "mining_grid_mw", "hpc_leased_mw", "hpc_grid_mw", "idle_mw", "conversion_started_mw",
    "mining_revenue_usd", "hpc_revenue_usd", "revenue_usd", "power_cost_usd", "opex_usd",
    "capital_charge_usd", "margin_usd", "margin_pct", "capex_usd", "discount_factor",
    "discounted_margin_usd", "cumulative_npv_usd",
]
CONTRACT_COLUMNS = [
    "contract", "tenant", "firm", "power_pass_through", "rate_usd_kw_month", "escalator_pa",
    "start_month", "term_months", "min_mw", "max_mw", "committed_mw", "months_in_horizon",
    "sites_used", "revenue_usd", "power_cost_usd", "opex_usd", "margin_usd", "npv_usd",
]
SITE_VALUE_COLUMNS = [
    "site", "capacity_mw", "avg_shadow_value_usd_mw_month", "max_shadow_value_usd_mw_month",
    "months_at_capacity", "marginal_model", "marginal_efficiency_j_th",
    "breakeven_hashprice_usd_ph_day", "avg_hashprice_usd_ph_day", "converted_mw", "npv_usd",
]


def make_plan(
    sites: Sequence[str] = ("Alpha", "Beta"),
    *,
    scale: float = 1.0,
    warnings: tuple[str, ...] = (),
) -> Plan:
    """A hand-made plan with every documented column: 2 sites x 3 months, one contract.

    Grid MW per site and month: mining 60, HPC 26, idle 14 of 100 (times ``scale``).
    """
    rows = []
    for s, name in enumerate(sites):
        for t, month in enumerate(MONTHS):
            cap = 100.0 * scale
            values = {
                "site": name, "month": month, "capacity_mw": cap, "mining_mw": 57.0 * scale,
                "mining_grid_mw": 60.0 * scale, "hashrate_phs": np.float64(3_000.5 + t),
                "hpc_leased_mw": 20.0 * scale, "hpc_online_mw": 20.0 * scale,
                "hpc_under_construction_mw": 0.0, "hpc_grid_mw": 26.0 * scale,
                "idle_mw": 14.0 * scale, "conversion_started_mw": 0.0,
                "power_price_usd_mwh": 38.5 + s, "mining_revenue_usd": 1_500_000.0 + t,
                "mining_power_cost_usd": 600_000.0, "mining_opex_usd": 50_000.0,
                "hpc_revenue_usd": 3_000_000.0, "hpc_power_cost_usd": 400_000.0,
                "hpc_opex_usd": 100_000.0, "capital_charge_usd": 0.0,
                "margin_usd": -250_000.0 if t == 2 else 3_350_000.0,
                "discount_factor": 1.0 / (1.01**t), "discounted_margin_usd": 3_000_000.0,
                "site_power_value_usd_mw_month": 12_345.6,
            }
            rows.append(values)
    site_months = pd.DataFrame(rows, columns=SITE_MONTH_COLUMNS)
    summary = pd.DataFrame(
        {
            "month": list(MONTHS), "days": np.array([31, 28, 31], dtype=np.int64),
            "hashprice_usd_ph_day": [37.02, 36.6, 36.19], "fleet_hashrate_ehs": [6.0, 6.0, 6.0],
            "mining_mw": [114.0 * scale] * 3, "mining_grid_mw": [120.0 * scale] * 3,
            "hpc_leased_mw": [40.0 * scale] * 3, "hpc_grid_mw": [52.0 * scale] * 3,
            "idle_mw": [28.0 * scale] * 3, "conversion_started_mw": [0.0, 5.0, 0.0],
            "mining_revenue_usd": [3e6] * 3, "hpc_revenue_usd": [6e6] * 3,
            "revenue_usd": [9e6, 9e6, 0.0], "power_cost_usd": [2e6] * 3, "opex_usd": [3e5] * 3,
            "capital_charge_usd": [0.0] * 3, "margin_usd": [6.7e6, 6.7e6, -2.3e6],
            "margin_pct": [0.7444, 0.7444, np.nan], "capex_usd": [0.0, 4e7, 0.0],
            "discount_factor": [1.0, 0.99, 0.98], "discounted_margin_usd": [6.7e6, 6.6e6, -2.2e6],
            "cumulative_npv_usd": [6.7e6, 13.3e6, 11.1e6],
        },
        columns=SUMMARY_COLUMNS,
    )
    contracts = pd.DataFrame(
        [[
            "Lease-A", "Neocloud", True, False, 150.0, 0.03, "2026-01", 120, 0.0, 50.0, 40.0,
            3, ", ".join(sites), 18e6, 2.4e6, 6e5, 15e6, 14.8e6,
        ]],
        columns=CONTRACT_COLUMNS,
    )
    site_value = pd.DataFrame(
        [
            [name, 100.0 * scale, 12_000.0, 15_000.0, 3, "Antminer S21 XP", 13.5, 28.4, 36.6,
             0.0 if s else np.nan, 1e7]
            for s, name in enumerate(sites)
        ],
        columns=SITE_VALUE_COLUMNS,
    )
    allocation = pd.DataFrame(
        [(r["site"], r["month"], use, r[f"{use}_grid_mw"] if use != "idle" else r["idle_mw"])
         for r in rows for use in ("mining", "hpc", "idle")],
        columns=["site", "month", "use", "grid_mw"],
    )
    run_info = RunInfo(
        version="0.0.test", solver="HiGHS", status="optimal", objective_usd=11.1e6,
        npv_usd=11.1e6, start_month=MONTHS[0], months=3, variables=42, constraints=17,
        build_seconds=0.01, solve_seconds=0.02, input_file=None, input_sha256=None,
        created_at="2026-01-01T00:00:00Z", warnings=warnings,
    )
    empty = pd.DataFrame()
    return Plan(
        site_months=site_months, allocation=allocation, tranches=empty, leases=empty,
        builds=empty, summary=summary, contracts=contracts, site_value=site_value,
        run_info=run_info,
    )


def make_source(path: Path, *, extra_sheets: bool = True) -> Path:
    """A user's workbook: input sheets, a formula, a styled cell and a stale ``Plan`` sheet
    (an earlier run's, so it carries the tool's marker)."""
    wb = openpyxl.Workbook()
    sites = wb.active
    sites.title = "Sites"
    sites.append(["site", "capacity_mw", "power_price_usd_mwh"])
    sites.append(["Alpha", 100, 38.5])
    sites.append(["Beta", 100, 39.5])
    sites["A1"].font = openpyxl.styles.Font(bold=True, color="FF0000")
    market = wb.create_sheet("Market")
    market.append(["month", "btc_price_usd", "network_hashrate_ehs"])
    for month in MONTHS:
        market.append([month, 83_570, 1_022])
    if extra_sheets:
        notes = wb.create_sheet("Notes")
        notes["A1"] = "Total capacity"
        notes["B1"] = "=SUM(Sites!B2:B3)"
        notes["A2"] = "=Plan!A1"  # refers to an output sheet; must stay a formula
        stale = wb.create_sheet("Plan")
        stale["A1"] = "old output"
        stale.defined_names[MARK_NAME] = DefinedName(MARK_NAME, attr_text=mark_value("Plan"),
                                                     hidden=True)
    wb.save(path)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def header(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[object]:
    return [c.value for c in ws[1]]


def test_plan_only_has_exactly_the_output_sheets_with_headers_and_values(tmp_path: Path) -> None:
    """Without a source the workbook holds the five output sheets in order, headers = the
    frames' unit-suffixed columns, values as in the frames. Fails if a sheet is missing, the
    default empty 'Sheet' is left behind or columns shift."""
    plan = make_plan()
    out = write_plan(plan, tmp_path / "plan.xlsx")
    assert out == tmp_path / "plan.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(OUTPUT_SHEETS)
    assert header(wb["Plan"]) == SITE_MONTH_COLUMNS
    assert header(wb["Summary"]) == SUMMARY_COLUMNS
    assert header(wb["Contract Result"]) == CONTRACT_COLUMNS
    assert header(wb["Site Value"]) == SITE_VALUE_COLUMNS
    assert header(wb["Run Info"]) == ["key", "value"]

    ws = wb["Plan"]
    assert ws.max_row == 1 + 6
    assert [ws["A2"].value, ws["B2"].value, ws["C2"].value] == ["Alpha", "2026-01", 100]
    assert ws["A7"].value == "Beta"
    assert ws.cell(row=2, column=SITE_MONTH_COLUMNS.index("hashrate_phs") + 1).value == 3000.5
    summary = wb["Summary"]
    assert [c.value for c in summary["A"][1:]] == list(MONTHS)
    assert summary.cell(row=2, column=2).value == 31
    info = {row[0]: row[1] for row in wb["Run Info"].iter_rows(min_row=2, values_only=True)}
    assert info["solver"] == "HiGHS"
    assert info["objective_usd"] == pytest.approx(11.1e6)
    assert info["variables"] == 42


def test_wide_result_sheets_print_their_key_columns_on_every_page(tmp_path: Path) -> None:
    """A wide table prints several pages across: each page repeats the header row and the
    key columns the frozen panes keep in view (Plan's site and month, Site Value's site),
    landscape. Fails if a page of Site Value's breakevens
    would print without the sites' names."""
    out = write_plan(make_plan(), tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(out)
    assert (wb["Plan"].print_title_rows, wb["Plan"].print_title_cols) == ("$1:$1", "$A:$B")
    sheet = wb["Site Value"]
    assert (sheet.print_title_rows, sheet.print_title_cols) == ("$1:$1", "$A:$A")
    assert sheet.page_setup.orientation == "landscape"


def test_cells_formatted_like_an_analysts_sheet(tmp_path: Path) -> None:
    """Bold filled frozen header, filter, number formats by unit suffix, widths from content.
    Fails if formats are keyed on the wrong suffix or the panes/filter are not set."""
    wb = openpyxl.load_workbook(write_plan(make_plan(), tmp_path / "plan.xlsx"))
    ws = wb["Plan"]
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == f"A1:X{1 + 6}"
    assert ws["A1"].font.b
    assert ws["A1"].fill.fill_type == "solid"
    col = {name: i + 1 for i, name in enumerate(SITE_MONTH_COLUMNS)}
    assert ws.cell(row=2, column=col["capacity_mw"]).number_format == MW_FORMAT
    assert ws.cell(row=2, column=col["margin_usd"]).number_format == USD_FORMAT
    assert ws.cell(row=2, column=col["discount_factor"]).number_format == "0.0000"
    assert ws.cell(row=2, column=col["hashrate_phs"]).number_format == "#,##0.00"
    assert ws.cell(row=2, column=col["site"]).number_format == "General"
    assert ws.column_dimensions["A"].width >= len("site") + 2
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(col["mining_revenue_usd"])]
    assert width.width >= len("Mining revenue")  # its label, on two lines
    summary = wb["Summary"]
    assert summary.freeze_panes == "B2"
    margin_pct = SUMMARY_COLUMNS.index("margin_pct") + 1
    assert summary.cell(row=2, column=margin_pct).number_format == PCT_FORMAT
    assert summary.cell(row=2, column=2).number_format == INTEGER_FORMAT  # days: a count
    assert wb["Run Info"].freeze_panes == "A2"
    contracts = wb["Contract Result"]
    escalator = CONTRACT_COLUMNS.index("escalator_pa") + 1
    assert contracts.cell(row=2, column=escalator).number_format == PCT_FORMAT


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("margin_usd", USD_FORMAT),
        ("cumulative_npv_usd", USD_M_FORMAT),
        ("npv_usd", USD_M_FORMAT),
        ("plus_1mw_npv_usd", USD_FORMAT),
        ("site_power_value_usd_mw_month", USD_FORMAT),
        ("rate_usd_kw_month", PRICE_FORMAT),
        ("power_price_usd_mwh", PRICE_FORMAT),
        ("hashprice_usd_ph_day", PRICE_FORMAT),
        ("breakeven_hashprice_usd_ph_day", PRICE_FORMAT),
        ("btc_price_usd_factor", FACTOR_FORMAT),
        ("rate_usd_kw_month_change", PRICE_FORMAT),
        ("probability_taken_pct", PCT_FORMAT),
        ("fleet_hashrate_ehs", "#,##0.00"),
        ("hashrate_phs", "#,##0.00"),
        ("marginal_efficiency_j_th", "#,##0.00"),
        ("idle_mw", MW_FORMAT),
        ("curtailed_mwh", MW_FORMAT),
        ("hours_mined", MW_FORMAT),
        ("margin_pct", PCT_FORMAT),
        ("escalator_pa", PCT_FORMAT),
        ("discount_factor", "0.0000"),
        ("days", INTEGER_FORMAT),
        ("term_months", INTEGER_FORMAT),
        ("months_in_horizon", INTEGER_FORMAT),
        ("site", None),
    ],
)
def test_number_format_by_unit_suffix(column: str, expected: str | None) -> None:
    """The unit in the name picks the format; a count is a whole number, text General."""
    assert number_format(column) == expected


def test_blanks_numpy_scalars_and_bools(tmp_path: Path) -> None:
    """NaN -> empty cell, numpy ints/floats -> numbers, bools as yes/no, inf kept as text.
    Fails if NaN is written as a number (Excel shows 65535 errors) or bools become 0/1."""
    plan = make_plan()
    site_value = plan.site_value.copy()
    site_value["npv_usd"] = [np.inf, 1e7]
    plan = Plan(**{**plan.__dict__, "site_value": site_value})
    wb = openpyxl.load_workbook(write_plan(plan, tmp_path / "plan.xlsx"))
    summary = wb["Summary"]
    margin_pct = SUMMARY_COLUMNS.index("margin_pct") + 1
    assert summary.cell(row=4, column=margin_pct).value is None
    assert summary.cell(row=2, column=margin_pct).value == pytest.approx(0.7444)
    days = summary.cell(row=2, column=2)
    assert days.value == 31 and days.data_type == "n"
    contracts = wb["Contract Result"]
    firm = contracts.cell(row=2, column=CONTRACT_COLUMNS.index("firm") + 1)
    passthrough = contracts.cell(row=2, column=CONTRACT_COLUMNS.index("power_pass_through") + 1)
    assert firm.value == "yes" and passthrough.value == "no"  # as the inputs write them
    sv = wb["Site Value"]
    converted = SITE_VALUE_COLUMNS.index("converted_mw") + 1
    assert sv.cell(row=2, column=converted).value is None
    assert sv.cell(row=3, column=converted).value == 0
    assert sv.cell(row=2, column=SITE_VALUE_COLUMNS.index("npv_usd") + 1).value == "inf"


def test_summary_has_stacked_chart_of_grid_mw_by_use(tmp_path: Path) -> None:
    """A native chart titled 'Grid MW by use' with mining, HPC and idle series from the
    Summary cells, at the top left of its own sheet. Fails if the chart is dropped or placed
    off-screen."""
    out = write_plan(make_plan(), tmp_path / "plan.xlsx")
    with zipfile.ZipFile(out) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/")]
        assert len(charts) == 1
        xml = archive.read(charts[0]).decode()
    assert CHART_TITLE in xml
    assert re.search(r"<areaChart><grouping val=\"stacked\"\s*/>", xml)
    assert "'Summary'!$F$2:$F$4" in xml  # mining_grid_mw
    assert "'Summary'!$H$2:$H$4" in xml and "'Summary'!$I$2:$I$4" in xml  # hpc, idle
    assert "<strRef><f>'Summary'!$A$2:$A$4</f></strRef>" in xml  # months, as text
    wb = openpyxl.load_workbook(out)
    assert wb["Summary"]._charts == []
    ws = wb[CHART_SHEET]
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    assert len(chart.series) == 3
    # top left, seen when the sheet opens (issue 14: it sat at column X of Summary)
    assert (chart.anchor._from.col, chart.anchor._from.row) == (1, 1)


def test_chart_falls_back_to_mining_mw(tmp_path: Path) -> None:
    """Without mining_grid_mw the chart uses mining_mw (column E)."""
    plan = make_plan()
    plan = Plan(**{**plan.__dict__, "summary": plan.summary.drop(columns="mining_grid_mw")})
    out = write_plan(plan, tmp_path / "plan.xlsx")
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/charts/chart1.xml").decode()
    assert "'Summary'!$E$2:$E$4" in xml


def test_copy_keeps_user_sheets_and_formulas(tmp_path: Path) -> None:
    """The user's sheets come back cell for cell, formulas as formulas, styles kept; the
    stale Plan sheet is replaced and output sheets follow the user's. Fails if the writer
    loads with data_only (formulas become values) or rebuilds the workbook from scratch."""
    source = make_source(tmp_path / "fleet.xlsx")
    before = sha256(source)
    out = write_plan(make_plan(), tmp_path / "fleet.plan.xlsx", source=source)
    assert sha256(source) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Sites", "Market", "Notes", *OUTPUT_SHEETS]
    original = openpyxl.load_workbook(source)
    for name in ("Sites", "Market", "Notes"):
        got = [[c.value for c in row] for row in wb[name].iter_rows()]
        want = [[c.value for c in row] for row in original[name].iter_rows()]
        assert got == want, name
    notes = wb["Notes"]
    assert notes["B1"].data_type == "f" and notes["B1"].value == "=SUM(Sites!B2:B3)"
    assert notes["A2"].data_type == "f" and notes["A2"].value == "=Plan!A1"
    assert wb["Sites"]["A1"].font.b and wb["Sites"]["A1"].font.color.rgb == "00FF0000"
    assert wb["Plan"]["A1"].value == "site"


def test_second_write_replaces_the_earlier_output_sheets(tmp_path: Path) -> None:
    """Writing into a copy of an earlier output replaces its five sheets (and their chart):
    no 'Plan1' duplicates, new numbers, user sheets still there, one chart."""
    source = make_source(tmp_path / "fleet.xlsx")
    first = write_plan(make_plan(), tmp_path / "run1.xlsx", source=source)
    assert source_losses(first) == []  # its chart is on Summary, which is rewritten
    second = write_plan(make_plan(scale=2.0), tmp_path / "run2.xlsx", source=first)
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames == ["Sites", "Market", "Notes", *OUTPUT_SHEETS]
    assert wb["Plan"]["C2"].value == 200
    assert len(wb[CHART_SHEET]._charts) == 1
    with zipfile.ZipFile(second) as archive:
        assert len([n for n in archive.namelist() if n.startswith("xl/charts/chart")]) == 1


def test_existing_target_is_not_touched_without_overwrite(tmp_path: Path) -> None:
    """An existing file is refused with a hint, and its bytes stay the same."""
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"precious")
    before = sha256(target)
    with pytest.raises(OutputError, match=r"plan\.xlsx exists; use --overwrite to replace it"):
        write_plan(make_plan(), target)
    assert sha256(target) == before
    source = make_source(tmp_path / "fleet.xlsx")
    with pytest.raises(OutputError, match="exists"):
        write_plan(make_plan(), target, source=source)
    assert sha256(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.xlsx", "plan.xlsx"]


def test_overwrite_replaces_the_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"old")
    write_plan(make_plan(), target, overwrite=True)
    assert openpyxl.load_workbook(target).sheetnames == list(OUTPUT_SHEETS)
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]


def test_writing_over_the_source_is_refused(tmp_path: Path) -> None:
    """path == source: refused even with overwrite (the input is never modified), naming the
    file and what to do; its bytes stay the same."""
    source = make_source(tmp_path / "fleet.xlsx")
    before = sha256(source)
    for overwrite in (False, True):
        with pytest.raises(OutputError, match=r"fleet\.xlsx: it is the input workbook itself, "
                           r"which is never modified .*choose another output file"):
            write_plan(make_plan(), source, source=source, overwrite=overwrite)
    assert sha256(source) == before
    assert [p.name for p in tmp_path.iterdir()] == ["fleet.xlsx"]


def test_suffix_must_match_the_source(tmp_path: Path) -> None:
    source = make_source(tmp_path / "fleet.xlsx")
    with pytest.raises(OutputError, match=r"must have the suffix \.xlsx \(got '\.xlsm'\)"):
        write_plan(make_plan(), tmp_path / "out.xlsm", source=source)
    with pytest.raises(OutputError, match=r"results-only workbook must be named \.xlsx or \.ods"):
        write_plan(make_plan(), tmp_path / "out.xlsm")
    with pytest.raises(OutputError, match=r"only \.xlsx, \.xlsm and \.ods workbooks can be "):
        write_plan(make_plan(), tmp_path / "out.xlsx", source=tmp_path / "fleet.xls")
    with pytest.raises(OutputError, match=r"must have the suffix \.ods \(got '\.xlsx'\)"):
        write_plan(make_plan(), tmp_path / "out.xlsx", source=tmp_path / "fleet.ods")
    assert [p.name for p in tmp_path.iterdir()] == ["fleet.xlsx"]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"folder .*nowhere does not exist"):
        write_plan(make_plan(), tmp_path / "nowhere" / "plan.xlsx")


def test_locked_target_is_a_clear_error_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the rename fails (Windows: the file is open in Excel) the old file stays and the
    temporary file is removed."""
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"open in Excel")

    def locked(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(OutputError, match="open in another program"):
        write_plan(make_plan(), target, overwrite=True)
    assert target.read_bytes() == b"open in Excel"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user"
)
def test_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="no permission to create files"):
            write_plan(make_plan(), folder / "plan.xlsx")
    finally:
        folder.chmod(0o700)


def test_unwritable_folder_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same message when creating the temporary file is refused (runs as root too)."""

    def refused(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refused)
    with pytest.raises(OutputError, match="no permission to create files in"):
        write_plan(make_plan(), tmp_path / "plan.xlsx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.example","x")', "=1+1", "+SUM(A1:A2)", "-cmd", "@SUM(A1)"],
)
def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path, name: str) -> None:
    """A site called '=HYPERLINK(...)' is shown, never evaluated: every place input text is
    written back (Plan, Site Value, Contract Result's sites_used, Run Info warnings) holds a
    string cell. Fails if the writer lets openpyxl turn '=' strings into formulas."""
    plan = make_plan(sites=(name, "Beta"), warnings=(f"{name}: odd name",))
    out = write_plan(plan, tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(out)
    for cell in (wb["Plan"]["A2"], wb["Site Value"]["A2"]):
        assert cell.value == name
        assert cell.data_type == "s"
    sites_used = wb["Contract Result"].cell(row=2, column=CONTRACT_COLUMNS.index("sites_used") + 1)
    assert sites_used.data_type == "s" and sites_used.value == f"{name}, Beta"
    warning = next(r for r in wb["Run Info"].iter_rows(min_row=2) if r[0].value == "warning_1")[1]
    assert warning.data_type == "s" and warning.value == f"{name}: odd name"
    with zipfile.ZipFile(out) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


def test_control_characters_are_dropped_not_fatal(tmp_path: Path) -> None:
    """openpyxl refuses control characters; a stray one in a name must not crash the write."""
    out = write_plan(make_plan(sites=("Al\x07pha", "Beta")), tmp_path / "plan.xlsx")
    assert openpyxl.load_workbook(out)["Plan"]["A2"].value == "Alpha"


def _with_chart(path: Path) -> Path:
    wb = openpyxl.load_workbook(path)
    dash = wb.create_sheet("Dashboard")
    dash.append(["x", "y"])
    dash.append([1, 2])
    chart = BarChart()
    chart.add_data(Reference(dash, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    dash.add_chart(chart, "D2")
    wb.save(path)
    return path


def test_source_with_a_chart_keeps_it_byte_for_byte(tmp_path: Path) -> None:
    """The copy keeps every part of the user's, so a chart on a user sheet survives exactly
    (openpyxl used to drop it, and the source was refused); the plan's own chart is added."""
    source = _with_chart(make_source(tmp_path / "fleet.xlsx"))
    before = sha256(source)
    assert source_losses(source) == []
    out = write_plan(make_plan(), tmp_path / "fleet.plan.xlsx", source=source)
    assert sha256(source) == before
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out) as copy:
        charts = [n for n in src.namelist() if n.startswith(("xl/charts/", "xl/drawings/"))]
        assert charts
        for name in charts:
            assert copy.read(name) == src.read(name), name
        assert len([n for n in copy.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)]) == 2
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Sites", "Market", "Notes", "Dashboard", *OUTPUT_SHEETS]


def test_source_with_images_and_pivots_keeps_them(tmp_path: Path) -> None:
    """Image and pivot table parts are carried byte for byte, even when no sheet points at them."""
    source = make_source(tmp_path / "fleet.xlsx")
    with zipfile.ZipFile(source, "a") as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG fake")
        archive.writestr("xl/pivotTables/pivotTable1.xml", "<pivotTableDefinition/>")
    assert source_losses(source) == []
    out = write_plan(make_plan(), tmp_path / "out.xlsx", source=source)
    with zipfile.ZipFile(out) as archive:
        assert archive.read("xl/media/image1.png") == b"\x89PNG fake"
        assert archive.read("xl/pivotTables/pivotTable1.xml") == b"<pivotTableDefinition/>"


def test_empty_drawing_parts_are_not_losses(tmp_path: Path) -> None:
    """LibreOffice writes an empty drawing part for every sheet with notes; those hold
    nothing to lose, so such a workbook can be copied."""
    source = make_source(tmp_path / "fleet.xlsx")
    with zipfile.ZipFile(source, "a") as archive:
        archive.writestr(
            "xl/drawings/drawing1.xml",
            '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
            'spreadsheetDrawing"></xdr:wsDr>',
        )
    assert source_losses(source) == []


def test_unreadable_source_is_an_output_error(tmp_path: Path) -> None:
    source = tmp_path / "fleet.xlsx"
    source.write_bytes(b"not a zip")
    with pytest.raises(OutputError, match="not a readable"):
        write_plan(make_plan(), tmp_path / "out.xlsx", source=source)


def _make_xlsm(path: Path, vba: bytes) -> Path:
    """A minimal macro workbook: an openpyxl .xlsx with a vbaProject part wired in."""
    plain = make_source(path.with_suffix(".tmp.xlsx"))
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                text = data.decode()
                text = text.replace(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
                text = text.replace(
                    "<Default ",
                    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"'
                    "/><Default ",
                    1,
                )
                data = text.encode()
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.decode().replace(
                    "</Relationships>",
                    '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                    'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                ).encode()
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", vba)
    plain.unlink()
    return path


def test_xlsm_keeps_its_macros(tmp_path: Path) -> None:
    """A .xlsm copy keeps vbaProject.bin byte for byte and its macro-enabled content type.
    Fails if the writer loads without keep_vba."""
    vba = bytes(range(256)) * 4
    source = _make_xlsm(tmp_path / "fleet.xlsm", vba)
    out = write_plan(make_plan(), tmp_path / "fleet.plan.xlsm", source=source)
    with zipfile.ZipFile(out) as archive:
        assert archive.read("xl/vbaProject.bin") == vba
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    assert "macroEnabled.main+xml" in types
    assert "vbaProject" in rels
    wb = openpyxl.load_workbook(out, keep_vba=True)
    assert wb.sheetnames == ["Sites", "Market", "Notes", *OUTPUT_SHEETS]
    with pytest.raises(OutputError, match=r"suffix \.xlsm"):
        write_plan(make_plan(), tmp_path / "fleet.plan.xlsx", source=source)


def test_extra_frames_become_sheets_and_cannot_replace_user_sheets(tmp_path: Path) -> None:
    """plan.extra (e.g. compare's 'Scenario Comparison') is written after the output sheets; a
    name that would replace one of the user's sheets is refused."""
    plan = make_plan()
    comparison = pd.DataFrame({"scenario": ["base", "bear"], "npv_usd": [1e7, math.pi * 1e6]})
    plan = Plan(**{**plan.__dict__, "extra": {"Scenario Comparison": comparison}})
    wb = openpyxl.load_workbook(write_plan(plan, tmp_path / "plan.xlsx"))
    assert wb.sheetnames == [*OUTPUT_SHEETS, "Scenario Comparison"]
    assert wb["Scenario Comparison"]["B3"].value == pytest.approx(math.pi * 1e6)
    clash = Plan(**{**plan.__dict__, "extra": {"Notes": comparison}})
    source = make_source(tmp_path / "fleet.xlsx")
    with pytest.raises(OutputError, match="sheet 'Notes' would be replaced"):
        write_plan(clash, tmp_path / "out.xlsx", source=source)


def test_write_plan_without_source_writes_only_the_plan_sheets(tmp_path: Path) -> None:
    out = write_plan(make_plan(), tmp_path / "plan.xlsx")
    assert openpyxl.load_workbook(out).sheetnames == list(OUTPUT_SHEETS)


@pytest.mark.parametrize("name", ["Plan", "summary", "a/b", "x" * 32, ""])
def test_extra_sheet_names_are_checked(tmp_path: Path, name: str) -> None:
    """An extra frame may not take an output sheet's name or one Excel rejects."""
    plan = make_plan()
    plan = Plan(**{**plan.__dict__, "extra": {name: pd.DataFrame({"a": [1]})}})
    with pytest.raises(OutputError, match="a sheet name must be 1-31 characters"):
        write_plan(plan, tmp_path / "plan.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_empty_frames_write_headers_only(tmp_path: Path) -> None:
    """No contracts: the sheet still has its header row; a frame with no columns is blank."""
    plan = make_plan()
    plan = Plan(**{**plan.__dict__, "contracts": plan.contracts.iloc[0:0],
                   "site_value": pd.DataFrame()})
    wb = openpyxl.load_workbook(write_plan(plan, tmp_path / "plan.xlsx"))
    assert header(wb["Contract Result"]) == CONTRACT_COLUMNS
    assert wb["Contract Result"].max_row == 1
    assert wb["Site Value"]["A1"].value is None


def test_run_info_rows_that_wrap_are_as_tall_as_their_lines_and_print_one_page_wide(
        tmp_path: Path) -> None:
    """A wrapped warning kept the default row height, so in LibreOffice its second line sat
    over the next row: each wrapping value's row is now tall enough for its lines (its key at
    the top beside the first), short rows keep the default, and the sheet prints one page wide."""
    long = "Market: " + "the hashprice is below every tranche's breakeven " * 4  # 4 lines
    out = write_plan(make_plan(warnings=(long, "short")), tmp_path / "p.xlsx")
    ws = openpyxl.load_workbook(out)["Run Info"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    tall = ws.row_dimensions[rows["warning_1"]]
    assert tall.height is not None and tall.height >= 4 * 15.0
    assert ws.cell(row=rows["warning_1"], column=1).alignment.vertical == "top"
    assert ws.row_dimensions[rows["warning_2"]].height is None
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
