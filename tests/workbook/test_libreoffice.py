"""Open the written workbooks in LibreOffice and save them again: the files are valid for a
spreadsheet program, numbers and the Summary chart survive, and user formulas compute.

Slow-ish (one ``soffice`` run converting both files, a few seconds) and skipped where
LibreOffice is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_writer import CONTRACT_COLUMNS, SITE_MONTH_COLUMNS, make_plan, make_source

from allocator import Plan, optimize, read_workbook
from allocator.workbook.schema import INPUT_SHEETS, OUTPUT_SHEETS
from allocator.workbook.template import CATALOG_SHEET, write_template
from allocator.workbook.writer import CHART_TITLE, write_plan

SOFFICE = shutil.which("soffice")

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed"),
]

SAMPLE = Path(__file__).resolve().parents[2] / "sample_inputs" / "fleet.xlsx"
INJECTED = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(scope="module")
def sample_plan() -> Plan:
    return optimize(read_workbook(SAMPLE))


@pytest.fixture(scope="module")
def converted(sample_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The plan (in a copy of a user workbook) and the template, saved again by LibreOffice."""
    work = tmp_path_factory.mktemp("lo")
    source = make_source(work / "fleet.xlsx")
    plan = write_plan(make_plan(sites=(INJECTED, "Beta")), work / "plan.xlsx", source=source)
    template = write_template(work / "template.xlsx")
    sample = write_plan(sample_plan, work / "sample.xlsx", source=SAMPLE)
    outdir = work / "converted"
    assert SOFFICE is not None
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(work / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(plan),
            str(template),
            str(sample),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    files = {"plan": outdir / "plan.xlsx", "template": outdir / "template.xlsx",
             "sample": outdir / "sample.xlsx"}
    for path in files.values():
        assert path.is_file(), f"LibreOffice wrote no {path.name}: {result.stdout}{result.stderr}"
    return files


def _load(path: Path, **kwargs: bool) -> openpyxl.Workbook:
    # openpyxl may warn about LibreOffice's extensions; reading them is not under test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, **kwargs)


def test_plan_numbers_and_text_survive(converted: dict[str, Path]) -> None:
    wb = _load(converted["plan"], data_only=True)
    assert wb.sheetnames == ["Sites", "Market", "Notes", *OUTPUT_SHEETS]
    ws = wb["Plan"]
    assert [c.value for c in ws[1]] == SITE_MONTH_COLUMNS
    col = {name: i + 1 for i, name in enumerate(SITE_MONTH_COLUMNS)}
    assert ws.cell(row=2, column=col["capacity_mw"]).value == 100
    assert ws.cell(row=2, column=col["hashrate_phs"]).value == pytest.approx(3000.5)
    assert ws.cell(row=4, column=col["margin_usd"]).value == pytest.approx(-250_000)
    # LibreOffice rewrites '"$"#,##0;[Red]-"$"#,##0' as '$#,##0;[RED]"-$"#,##0': same meaning.
    shown = ws.cell(row=2, column=col["margin_usd"]).number_format
    assert shown.lower().replace("\\", "").replace('"', "") == "$#,##0;[red]-$#,##0"
    site = ws["A2"]
    assert site.value == INJECTED and site.data_type == "s"  # still text, not a live link
    firm = wb["Contract Result"].cell(row=2, column=CONTRACT_COLUMNS.index("firm") + 1)
    assert firm.value == "yes"
    info = {r[0]: r[1] for r in wb["Run Info"].iter_rows(min_row=2, values_only=True)}
    assert info["objective_usd"] == pytest.approx(11.1e6)


def test_user_formulas_still_compute(converted: dict[str, Path]) -> None:
    """The copied Notes!B1 formula is still a formula and LibreOffice computes it."""
    assert _load(converted["plan"])["Notes"]["B1"].value == "=SUM(Sites!B2:B3)"
    assert _load(converted["plan"], data_only=True)["Notes"]["B1"].value == 200


def test_summary_chart_survives(converted: dict[str, Path]) -> None:
    with zipfile.ZipFile(converted["plan"]) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = archive.read(charts[0]).decode()
    assert CHART_TITLE in xml
    assert "areaChart" in xml and 'grouping val="stacked"' in xml


def test_template_survives_with_notes_and_dropdowns(converted: dict[str, Path]) -> None:
    wb = _load(converted["template"])
    assert wb.sheetnames == [spec.name for spec in INPUT_SHEETS]  # the catalog last
    contracts = wb["Contracts"]
    assert contracts["A1"].value == "contract"
    assert contracts["A1"].comment is not None
    formulas = {dv.formula1 for dv in contracts.data_validations.dataValidation}
    assert '"yes,no"' in formulas
    miners = {dv.formula1 for dv in wb["Miners"].data_validations.dataValidation}
    assert any(f and CATALOG_SHEET in f for f in miners)


def test_sample_fleet_plan_survives(converted: dict[str, Path], sample_plan: Plan) -> None:
    """The Quickstart's real output: every sheet, every Plan row and the NPV come back."""
    wb = _load(converted["sample"], data_only=True)
    for name in OUTPUT_SHEETS:
        assert name in wb.sheetnames
    info = {row[0]: row[1] for row in wb["Run Info"].iter_rows(min_row=2, values_only=True)}
    assert float(info["npv_usd"]) == pytest.approx(sample_plan.npv_usd, rel=1e-9)
    assert wb["Plan"].max_row == len(sample_plan.site_months) + 1
    with zipfile.ZipFile(converted["sample"]) as archive:
        assert any(n.startswith("xl/charts/") for n in archive.namelist())
