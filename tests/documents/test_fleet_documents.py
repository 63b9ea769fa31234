"""Fleet documents (YAML and JSON): the samples' round trip, path-addressed faults, the schema.

Every sample workbook that reads cleanly is converted to YAML and JSON and back to a
workbook: each gives an equal Fleet, the same scenarios and the same plan (NPV to 1e-12).
A YAML fleet with five faults reports all five at their paths, exits 1 and writes nothing.
``allocator schema`` is a valid JSON Schema that every converted sample satisfies.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from clikit import run

from allocator.api import optimize
from allocator.documents.conversion import convert
from allocator.documents.fleet_document import (
    SCHEMA_VERSION,
    FleetDocument,
    read_fleet_document,
)
from allocator.documents.json_schema import SCHEMA_ID, fleet_json_schema
from allocator.domain import Fleet
from allocator.errors import InputError
from allocator.workbook.reader import FleetWorkbook, read_workbook
from allocator.workbook.schema import sheet_spec

SAMPLES = Path(__file__).resolve().parents[2] / "sample_inputs"
BOOKS = sorted(SAMPLES.glob("*.xlsx"))
FEASIBLE = [p for p in BOOKS if p.stem != "infeasible"]


def _located(source: FleetWorkbook | FleetDocument) -> Fleet:
    """The fleet with its hourly_prices_file resolved: a converted copy names the same file
    relative to its own folder (flexible.xlsx)."""
    name = source.fleet.settings.hourly_prices_file
    if not name:
        return source.fleet
    where = str((source.path.parent / name).resolve())
    settings = source.fleet.settings.model_copy(update={"hourly_prices_file": where})
    return source.fleet.model_copy(update={"settings": settings})


def test_the_samples_are_all_here() -> None:
    assert {p.stem for p in BOOKS} >= {"fleet", "infeasible", "messy", "messy_clean", "spot"}


@pytest.mark.parametrize("book", BOOKS, ids=lambda p: p.stem)
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_sample_converted_and_back_is_the_same_fleet(book: Path, suffix: str,
                                                       tmp_path: Path) -> None:
    original = read_workbook(book)
    document = convert(book, tmp_path / f"fleet{suffix}")
    read = read_fleet_document(document)
    back = read_workbook(convert(document, tmp_path / "back.xlsx"))
    assert _located(read) == _located(original)
    assert _located(back) == _located(original)
    assert read.catalog == original.catalog
    assert read.read_scenarios() == original.read_scenarios() == back.read_scenarios()
    assert not read.warnings


@pytest.mark.parametrize("book", FEASIBLE, ids=lambda p: p.stem)
def test_a_sample_as_yaml_gives_the_same_plan(book: Path, tmp_path: Path) -> None:
    document = convert(book, tmp_path / "fleet.yaml")
    expected = optimize(book)
    for plan in (optimize(document), optimize(convert(document, tmp_path / "back.xlsx"))):
        assert plan.npv_usd == pytest.approx(expected.npv_usd, rel=1e-12)
        assert plan.summary.equals(expected.summary)


def _bad_fleet(tmp_path: Path) -> Path:
    good = tmp_path / "fleet.yaml"
    convert(SAMPLES / "fleet.xlsx", good)
    data = yaml.safe_load(good.read_text(encoding="utf-8"))
    data["settings"]["pool_fee"] = 2
    data["sites"][3]["capacity_mw"] = -5
    data["miners"][0]["units"] = "many"
    data["market"][1]["btc_price_usd"] = None
    data["contracts"][0]["term_months"] = -3
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return bad


FIVE_FAULTS = [
    "settings.pool_fee: 2 looks like a percent: enter 0.02 for 2 % (got 2)",
    "sites[3].capacity_mw: must be > 0 (got -5)",
    "miners[0].units: must be a whole number (got 'many')",
    "market[1].btc_price_usd: give hashprice_usd_ph_day, or btc_price_usd and the network "
    "(network_hashrate_ehs or difficulty)",
    "contracts[0].term_months: must be >= 1 (got -3)",
]


def test_five_faults_are_reported_at_once_at_their_paths(tmp_path: Path) -> None:
    bad = _bad_fleet(tmp_path)
    with pytest.raises(InputError) as caught:
        read_fleet_document(bad)
    assert [str(p) for p in caught.value.problems] == FIVE_FAULTS


@pytest.mark.parametrize("command", [["validate"], ["optimize", "--results-only"]])
def test_the_cli_prints_the_five_faults_exits_1_and_writes_nothing(
        command: list[str], tmp_path: Path) -> None:
    bad = _bad_fleet(tmp_path)
    before = sorted(tmp_path.iterdir())
    extra = ["-o", str(tmp_path / "out.xlsx")] if command[0] == "optimize" else []
    result = run(*command, str(bad), *extra)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"Error: 5 problems in {bad}:\n"
                             + "".join(f"  {line}\n" for line in FIVE_FAULTS))
    assert sorted(tmp_path.iterdir()) == before


def test_a_document_that_is_not_a_mapping_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    path.write_text("[1, 2]", encoding="utf-8")
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: 1 problem in {path}:\n  document: must be a "
                                    "mapping of sheets")


def test_a_later_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    convert(SAMPLES / "fleet.xlsx", path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["version"] = SCHEMA_VERSION + 1
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_fleet_document(path)
    assert [str(p) for p in caught.value.problems] == [
        f"version: this allocator reads fleet documents up to version {SCHEMA_VERSION} "
        f"(got {SCHEMA_VERSION + 1})"]


def test_cli_convert_validate_and_optimize_a_document(tmp_path: Path) -> None:
    target = tmp_path / "fleet.yaml"
    assert run("convert", str(SAMPLES / "fleet.xlsx"), str(target)).stdout == (
        f"Fleet written to {target}\n")
    again = run("convert", str(SAMPLES / "fleet.xlsx"), str(target))
    assert again.exit_code == 1
    assert again.stderr == f"Error: {target} exists; pass --overwrite to replace it\n"
    assert run("convert", str(SAMPLES / "fleet.xlsx"), str(target), "--overwrite"
               ).exit_code == 0
    checked = run("validate", str(target))
    assert checked.exit_code == 0
    assert checked.stdout.startswith(f"{target}: OK - 7 sites")
    solved = run("optimize", str(target))  # a document's plan is results-only by default
    assert solved.exit_code == 0, solved.stderr
    assert (tmp_path / "fleet.plan.xlsx").exists()


def test_the_schema_is_valid_versioned_and_holds_every_converted_sample(
        tmp_path: Path) -> None:
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema == fleet_json_schema()
    assert schema["$id"] == SCHEMA_ID and schema["version"] == SCHEMA_VERSION
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    capacity = schema["$defs"]["SitesRow"]["properties"]["capacity_mw"]
    column = sheet_spec("Sites").column("capacity_mw")  # the text docs/workbook.md shows
    assert capacity["unit"] == column.unit == "MW at the meter"
    assert capacity["description"].startswith(column.description)
    for book in BOOKS:
        yaml_doc = yaml.safe_load(convert(book, tmp_path / f"{book.stem}.yaml")
                                  .read_text(encoding="utf-8"))
        json_doc = json.loads(convert(book, tmp_path / f"{book.stem}.json")
                              .read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(yaml_doc)), book.name
        assert not list(validator.iter_errors(json_doc)), book.name
    assert list(validator.iter_errors({"sites": [{"capacity_mw": 5}]}))


def test_schema_writes_out_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "fleet.schema.json"
    assert run("schema", str(out)).stdout == f"Schema written to {out}\n"
    assert json.loads(out.read_text(encoding="utf-8")) == fleet_json_schema()
    again = run("schema", str(out))
    assert again.exit_code == 1
    assert again.stderr == f"Error: {out} exists; pass --overwrite to replace it\n"


@pytest.mark.parametrize("command", [["compare"], ["sensitivity", "--pct", "20"],
                                     ["sweep", "--param", "btc_price_usd", "--operation",
                                      "scale", "--from", "0.5", "--to", "1.5", "--steps", "3"]],
                         ids=lambda c: c[0])
@pytest.mark.slow
def test_the_multi_solve_commands_read_a_document_as_its_workbook(command: list[str],
                                                                  tmp_path: Path) -> None:
    document = convert(SAMPLES / "fleet.xlsx", tmp_path / "fleet.yaml")
    runs = [run(*command, str(path), "--json", "--no-write")
            for path in (SAMPLES / "fleet.xlsx", document)]
    assert [r.exit_code for r in runs] == [0, 0], runs[1].stderr
    workbook, yaml_run = (json.loads(r.stdout) for r in runs)
    assert yaml_run == workbook
