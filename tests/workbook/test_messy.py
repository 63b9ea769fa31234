"""The messy sample: a workbook typed the way people type, saved by LibreOffice, solves to the
same plan as its clean twin. If a forgiving rule of the reader breaks (``$9,000,000``, ``97%``,
``Feb 2026``, a formula's saved value, a hidden helper column), the fleets differ here."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from bookkit import SOFFICE
from fleetkit import verified

from allocator import Plan, read_workbook

SAMPLES = Path(__file__).resolve().parents[2] / "sample_inputs"
MESSY = SAMPLES / "messy.xlsx"
CLEAN = SAMPLES / "messy_clean.xlsx"

pytestmark = pytest.mark.skipif(not MESSY.exists(), reason="sample_inputs are not installed")


def test_messy_and_clean_twin_hold_the_same_fleet() -> None:
    messy, clean = read_workbook(MESSY), read_workbook(CLEAN)
    assert messy.fleet == clean.fleet
    assert clean.warnings == ()
    # The two visible notes columns are reported; the hidden helper column, the cover sheet,
    # the user's Notes and the hidden Lookups sheet are not.
    assert messy.warnings == (
        "Sites!O1: unknown column 'Notes' ignored",
        "Contracts!L1: unknown column 'Comment' ignored",
    )


def test_messy_solves_to_the_same_plan_as_its_clean_twin() -> None:
    """Same objective and the same allocation, build and contract decisions."""
    messy: Plan = verified(read_workbook(MESSY).fleet)
    clean: Plan = verified(read_workbook(CLEAN).fleet)
    assert messy.objective_usd == pytest.approx(clean.objective_usd, rel=1e-12)
    for frame in ("allocation", "site_months", "builds", "contracts", "summary"):
        left, right = getattr(messy, frame), getattr(clean, frame)
        assert left.equals(right), frame
    # The sample exercises every decision: mining, existing HPC, a conversion, both offers.
    assert (clean.builds["build_mw"] > 0).any()
    assert (clean.contracts["committed_mw"] > 0).all()


def test_messy_is_a_real_spreadsheet_programs_file() -> None:
    """Written by LibreOffice, with formulas and the values it computed, a hidden column and
    a hidden sheet: the things openpyxl-made test books do not have."""
    with zipfile.ZipFile(MESSY) as archive:
        app = archive.read("docProps/app.xml").decode()
        book = archive.read("xl/workbook.xml").decode()
        sites = archive.read("xl/worksheets/sheet3.xml").decode()
    assert "LibreOffice" in app
    assert 'name="Lookups"' in book and 'state="hidden"' in book
    assert "<f" in sites and 'hidden="true"' in sites
    assert '<c r="C5" s="' in sites and "<f aca=\"false\">40+20</f><v>60</v>" in sites


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_messy", SAMPLES / "make_messy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    """make_messy.py and the committed files agree in content (bytes depend on the XML
    library openpyxl finds, and LibreOffice stamps the time into its file)."""
    messy, clean = _generator().main(tmp_path)
    assert read_workbook(clean).fleet == read_workbook(CLEAN).fleet
    assert read_workbook(messy).fleet == read_workbook(MESSY).fleet
    assert read_workbook(messy).warnings == read_workbook(MESSY).warnings
