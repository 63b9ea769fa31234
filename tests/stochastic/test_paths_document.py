"""The ScenarioPaths sheet as the contract knows it: declared in the schema (template,
docs, JSON Schema) and carried by a fleet document's ``scenario_paths``, which gives the
same futures and the same stochastic plan as the workbook sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from allocator.cli.main import cli
from allocator.documents.fleet_document import read_fleet_document
from allocator.documents.json_schema import fleet_json_schema
from allocator.documents.paths_rows import document_paths_set
from allocator.errors import InputError
from allocator.stochastic import stochastic_plan
from allocator.stochastic.paths import PATH_COLUMNS
from allocator.stochastic.scenario_set import scenario_costs
from allocator.workbook.paths_sheet import read_paths_sheet
from allocator.workbook.schema import sheet_spec
from allocator.workbook.template import build_template

ROOT = Path(__file__).resolve().parents[2]
HEAD = [*PATH_COLUMNS[:5], "power_price_factor[Alpha Ridge]"]
ROWS: list[list[Any]] = [["bear", 0.4, "2026-01", 60_000, 900, 1.5],
                         ["bear", 0.4, "2026-02", 55_000, 910, None],
                         ["bull", 0.6, "2026-01", 140_000, 900, None],
                         ["bull", 0.6, "2026-02", 150_000, 920, None]]


def test_the_schema_declares_the_sheet_with_the_readers_columns() -> None:
    """Every column the paths reader takes is declared, in order, and the template and the
    document schema have the sheet."""
    spec = sheet_spec("ScenarioPaths")
    assert tuple(c.header for c in spec.columns) == PATH_COLUMNS
    assert all(c.unit for c in spec.columns)
    template = build_template()
    assert [c.value for c in template["ScenarioPaths"][1]][:len(PATH_COLUMNS)] == list(
        PATH_COLUMNS)
    assert "scenario_paths" in fleet_json_schema()["properties"]


def _document(tmp_path: Path, rows: list[list[Any]]) -> Path:
    data = yaml.safe_load((ROOT / "sample_inputs" / "fleet.yaml").read_text())
    data["settings"]["months"] = 2
    data["scenario_paths"] = [{h: v for h, v in zip(HEAD, row, strict=True) if v is not None}
                              for row in rows]
    where = tmp_path / "fleet.yaml"
    where.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return where


def _book(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "ScenarioPaths"
    for row in [HEAD, *ROWS]:
        ws.append(row)
    wb.save(tmp_path / "paths.xlsx")
    return tmp_path / "paths.xlsx"


@pytest.mark.slow
def test_document_paths_equal_the_sheets(tmp_path: Path) -> None:
    """The sample fleet over two months with two paths (0.4 / 0.6, power at 1.5x at Alpha
    Ridge in 'bear'): the document's records and the sheet's rows give the same names,
    probabilities and costs, and the same RP to 1e-9."""
    document = read_fleet_document(_document(tmp_path, ROWS))
    from_document = document_paths_set(document, document.fleet)
    from_sheet = read_paths_sheet(_book(tmp_path), document.fleet)
    assert from_document.names == from_sheet.names == ("bear", "bull")
    assert from_document.probabilities.tolist() == [0.4, 0.6]
    assert np.array_equal(scenario_costs(from_document).costs,
                          scenario_costs(from_sheet).costs)
    assert from_document.fleets[0].sites[0].power_price_usd_mwh == pytest.approx(
        1.5 * document.fleet.sites[0].power_price_usd_mwh)
    got = stochastic_plan(document, scenarios=from_document)
    want = stochastic_plan(document, scenarios=from_sheet)
    assert got.rp_usd == pytest.approx(want.rp_usd, rel=1e-9)
    done = CliRunner().invoke(cli, ["stochastic", str(document.path), "--paths",
                                    str(document.path), "--frontier", "", "--json",
                                    "--no-write"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert f'"rp_usd": {want.rp_usd!r}' in done.output


def test_document_faults_are_told_at_their_paths(tmp_path: Path) -> None:
    """A month outside the horizon and a negative factor, at their records' fields; no
    records at all names the key."""
    rows = [list(r) for r in ROWS]
    rows[1][2], rows[0][5] = "2031-01", -1
    document = read_fleet_document(_document(tmp_path, rows))
    with pytest.raises(InputError) as caught:
        document_paths_set(document, document.fleet)
    text = str(caught.value)
    assert "scenario_paths[1].month" in text and "outside the horizon" in text
    assert "scenario_paths[0].power_price_factor[Alpha Ridge]" in text
    empty = read_fleet_document(ROOT / "sample_inputs" / "fleet.yaml")
    with pytest.raises(InputError, match=r"fleet\.yaml has no scenario_paths records"):
        document_paths_set(empty, empty.fleet)
