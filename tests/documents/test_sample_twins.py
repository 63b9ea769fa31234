"""The YAML twins in ``sample_inputs/``: every sample the README runs has one, kept in sync.

What these prove: each twin is exactly what ``allocator convert`` makes of its workbook today
(so a change to a workbook or to the writer without ``make_twins.py`` fails here); it holds
the same fleet, Catalog models and Scenarios; it gives the same plan (NPV to 1e-12, every
Summary and Plan figure equal) or, for ``infeasible``, no plan either; it satisfies the
published schema; and every README command runs on the twins with the exit code it has on
the workbooks. The schema published in docs is the one ``allocator schema`` prints.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from allocator.api import optimize
from allocator.documents.conversion import convert
from allocator.documents.fleet_document import read_fleet_document
from allocator.documents.json_schema import fleet_json_schema
from allocator.errors import InfeasibleError
from allocator.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_inputs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
TWINS = ("fleet", "infeasible", "spot", "deals", "flexible")


def test_every_sample_the_readme_names_has_a_twin() -> None:
    named = set(re.findall(r"sample_inputs/(\w+)\.xlsx", README))
    assert {"fleet", "infeasible", "deals", "flexible"} <= named
    assert named <= set(TWINS)
    for name in TWINS:
        assert (SAMPLES / f"{name}.yaml").is_file(), name


@pytest.mark.parametrize("name", TWINS)
def test_a_twin_is_what_convert_makes_of_its_workbook(name: str, tmp_path: Path) -> None:
    """Byte for byte: run ``python sample_inputs/make_twins.py`` when this fails. Converted
    elsewhere, a named price file is the one line that differs: ``convert`` rewrites it
    relative to the new folder, so it must lead to the same file."""
    fresh = convert(SAMPLES / f"{name}.xlsx", tmp_path / f"{name}.yaml")
    twin_text = (SAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    fresh_text = fresh.read_text(encoding="utf-8")
    key = re.compile(r"^(\s*hourly_prices_file: )(.+)$", re.M)
    ours, theirs = key.search(twin_text), key.search(fresh_text)
    if ours is not None and theirs is not None:
        assert ((SAMPLES / ours.group(2)).resolve()
                == (tmp_path / theirs.group(2)).resolve())
        fresh_text = key.sub(lambda m: m.group(1) + ours.group(2), fresh_text)
    assert twin_text == fresh_text


@pytest.mark.parametrize("name", TWINS)
def test_a_twin_holds_the_workbooks_fleet_and_validates(name: str) -> None:
    book = read_workbook(SAMPLES / f"{name}.xlsx")
    twin = read_fleet_document(SAMPLES / f"{name}.yaml")
    assert twin.fleet == book.fleet
    assert twin.catalog == book.catalog
    assert twin.read_scenarios() == book.read_scenarios()
    assert not twin.warnings
    document = yaml.safe_load((SAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft202012Validator(fleet_json_schema()).iter_errors(document))


@pytest.mark.parametrize("name", [n for n in TWINS if n != "infeasible"])
def test_a_twin_gives_the_workbooks_plan(name: str) -> None:
    expected = optimize(SAMPLES / f"{name}.xlsx")
    plan = optimize(SAMPLES / f"{name}.yaml")
    assert plan.npv_usd == pytest.approx(expected.npv_usd, rel=1e-12)
    assert plan.summary.equals(expected.summary)
    assert plan.site_months.equals(expected.site_months)
    assert plan.contracts.equals(expected.contracts)


@pytest.mark.slow
def test_the_infeasible_twin_has_no_plan_either() -> None:
    for suffix in (".xlsx", ".yaml"):
        with pytest.raises(InfeasibleError, match="need 255 MW"):
            optimize(SAMPLES / f"infeasible{suffix}")


def _readme_commands() -> list[str]:
    """The README's ``allocator`` lines that read a sample workbook, run on its twin."""
    lines = re.findall(r"^(?:\$ )?(allocator .*sample_inputs/\w+\.xlsx.*)$", README, re.M)
    return [shlex.join(shlex.split(re.sub(r"(sample_inputs/\w+)\.xlsx", r"\1.yaml", line),
                                   comments=True)) for line in lines]


def _write_held_plans(words: list[str], cwd: Path) -> None:
    """A ``--hold [NAME=]PLAN.xlsx`` the README writes with the ``optimize`` line before it
    is written here the same way (the plan of the command's own book), as each command runs
    alone."""
    for flag, value in itertools.pairwise(words):
        plan = cwd / (value.partition("=")[2] or value)
        if flag == "--hold" and not plan.exists():
            subprocess.run([sys.executable, "-m", "allocator", "optimize", words[2], "-o",
                            str(plan)], cwd=cwd, capture_output=True, timeout=300, check=True)


@pytest.mark.slow
@pytest.mark.parametrize("command", _readme_commands())
def test_a_readme_command_runs_on_the_twin(command: str, tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "sample_inputs",
                    ignore=shutil.ignore_patterns("*.plan.*", "*.compare.*", "*.sweep.*",
                                                  "*.sensitivity.*", "*.montecarlo.*"))
    words = shlex.split(command)
    _write_held_plans(words, tmp_path)
    done = subprocess.run([sys.executable, "-m", "allocator", *words[1:]], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    expected = 1 if words[1] == "explain" else 0
    assert done.returncode == expected, done.stderr
    assert "Traceback" not in done.stderr


def test_the_published_schema_in_docs_is_current() -> None:
    """docs/fleet-document.schema.json, linked from the docs, is what ``allocator schema``
    prints; run ``allocator schema docs/fleet-document.schema.json --overwrite`` when not."""
    published = json.loads((ROOT / "docs" / "fleet-document.schema.json").read_text(
        encoding="utf-8"))
    assert published == fleet_json_schema()
    assert "fleet-document.schema.json" in (ROOT / "docs" / "documents.md").read_text(
        encoding="utf-8")
