"""The public surface: exported names, command help, docs in step with the schema."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

import allocator
from allocator.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent


def test_all_is_sorted_and_importable() -> None:
    names = [n for n in allocator.__all__ if n != "__version__"]
    assert names == sorted(names)
    for name in allocator.__all__:
        assert hasattr(allocator, name), name


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert allocator.__version__ in result.output


@pytest.mark.skipif(not (ROOT / "docs" / "make_workbook_doc.py").exists(),
                    reason="docs are not part of an installed package")
def test_workbook_doc_is_generated_from_the_schema() -> None:
    script = ROOT / "docs" / "make_workbook_doc.py"
    spec = importlib.util.spec_from_file_location("make_doc", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "workbook.md").read_text(encoding="utf-8") == module.render(), (
        "docs/workbook.md is stale: run python docs/make_workbook_doc.py")


def test_catalog_has_the_required_models() -> None:
    from allocator.catalog import find_model, load_catalog

    assert len(load_catalog()) >= 12
    for name in ("Antminer S21", "S21 Pro", "s21xp", "Antminer S21 XP Hydro", "S19 XP",
                 "S19j Pro", "Whatsminer M60S", "M66S", "Avalon A16"):
        model = find_model(name)
        assert model is not None, name
        assert model.efficiency_j_th == pytest.approx(model.power_w / model.hashrate_th, rel=0.02)
