"""Site and contract names in any script: read, solved by every backend, written back as typed.

The LP needs names of ``[A-Za-z0-9_]``; users do not. These tests pin that two different
names (Arabic, Chinese, emoji, a comma inside a name) always coexist, that each backend gets
unique LP names for them, and that the plan shows the names exactly as the user typed them.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from fleetkit import contract, fleet, miners, site, verified, write_book

from allocator import domain, optimize, read_workbook, write_plan
from allocator.errors import InputError
from allocator.insight.breakevens import with_probes
from allocator.optimization.coefficients import compute_coefficients
from allocator.optimization.lp import build_model
from allocator.optimization.model import Axis
from allocator.workbook.fleet_writer import write_fleet

ARABIC = ("محطة ألفا", "محطة برافو")
CHINESE = ("德州矿场", "内蒙古矿场")
EMOJI = ("🔥", "🚀 Launch")
NAMES = (*ARABIC, *CHINESE, *EMOJI, "Alpha Ridge")
Rows = list[list[object]]


def _book(tmp_path: Path) -> Path:
    sites: Rows = [["site", "capacity_mw", "power_price_usd_mwh", "hpc_existing_mw"]]
    sites += [[name, 50 + 5 * i, 40 + i, 10] for i, name in enumerate(NAMES)]
    miner_rows: Rows = [["site", "model", "units"]]
    miner_rows += [[name, "Antminer S21 XP", 2_000] for name in NAMES]
    contracts: Rows = [["contract", "rate_usd_kw_month", "max_mw", "start_month", "term_months",
                        "sites", "power_pass_through"],
                       ["عقد ألف", 150, 15, "2026-01", 12, f"{ARABIC[0]}, {CHINESE[1]}", "yes"],
                       ["合同", 140, 10, "2026-01", 12, "", "yes"]]
    sheets: dict[str, Rows] = {
        "Sites": sites, "Miners": miner_rows,
        "Market": [["month", "hashprice_usd_ph_day"], ["2026-01", 40], ["2026-02", 41]],
        "Contracts": contracts,
    }
    return write_book(tmp_path / "names.xlsx", sheets)


def test_names_in_any_script_are_read_and_kept_as_typed(tmp_path: Path) -> None:
    """Bug it pins: every non-ASCII letter became ``x``, so ``德州矿场`` and ``内蒙古矿场``
    were refused as names that "differ only in spaces or punctuation"."""
    book = read_workbook(_book(tmp_path))
    assert [s.name for s in book.fleet.sites] == list(NAMES)
    assert book.fleet.contracts[0].sites == (ARABIC[0], CHINESE[1])


@pytest.mark.parametrize("solver", ["highs", "highs_pulp", "cbc"])
def test_every_backend_solves_them_and_the_plan_shows_them_exactly(
    tmp_path: Path, solver: str
) -> None:
    """Bug it pins: equal LP names (PuLP rejects duplicates) or names changed on the way."""
    fleet_ = read_workbook(_book(tmp_path)).fleet
    plan = verified(fleet_, solver=solver)
    assert list(dict.fromkeys(plan.site_months["site"])) == list(NAMES)
    assert set(plan.contracts["contract"]) == {"عقد ألف", "合同"}
    out = write_plan(plan, tmp_path / f"plan_{solver}.xlsx", overwrite=True)
    sheet = openpyxl.load_workbook(out)["Plan"]
    rows = list(sheet.iter_rows(values_only=True))
    column = list(rows[0]).index("site")
    assert list(dict.fromkeys(r[column] for r in rows[1:])) == list(NAMES)


def test_lp_names_are_unique_and_ascii_names_keep_their_form(tmp_path: Path) -> None:
    fleet_ = read_workbook(_book(tmp_path)).fleet
    model = build_model(compute_coefficients(fleet_))
    names = model.col_names() + model.row_names()
    assert len(names) == len(set(names))
    assert all(n.isascii() and n.replace("_", "").isalnum() for n in names)
    assert "mine__Alpha_Ridge__6__2026_01" in names
    assert "mine__s1__0__2026_01" in names  # محطة ألفا, the first site, by its number


def test_axis_labels_fall_back_to_the_position_and_never_collide() -> None:
    axis = Axis.of("site", ["Alpha", "德州矿场", "s2", "Café", "Cafe", "", "Montréal"])
    assert axis.labels == ("Alpha", "s2_2", "s2", "s4", "s5", "s6", "Montreal")
    assert domain.safe_name("محطة ألفا") == ""
    assert Axis.of("month", ["2026-01", "2026-02"]).labels == ("2026_01", "2026_02")


def test_names_that_differ_only_in_spaces_or_punctuation_are_still_refused(
    tmp_path: Path,
) -> None:
    assert domain.name_key(" محطة-ألفا ") == domain.name_key("محطة ألفا")
    assert domain.name_key("🔥 Site") != domain.name_key("🚀 Site")
    sheets: dict[str, Rows] = {
        "Sites": [["site", "capacity_mw", "power_price_usd_mwh"], ["德州 矿场", 10, 40],
                  ["德州-矿场", 10, 40]],
        "Market": [["month", "hashprice_usd_ph_day"], ["2026-01", 40]],
    }
    path = write_book(tmp_path / "twins.xlsx", sheets)
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert [str(p) for p in caught.value.problems] == [
        "Sites!A3: site names '德州-矿场' and '德州 矿场' (Sites!A2) differ only in spaces or "
        "punctuation; the plan needs distinct names"]


def test_fleets_built_in_code_take_such_names_and_insight_probes_them() -> None:
    """Bug it pins: the breakeven probes were named until their ASCII form was free, which
    never happens for ``probe 德州矿场`` beside ``probe 内蒙古矿场``."""
    f = fleet(sites=[site(CHINESE[0], hpc_convertible_mw=10), site(CHINESE[1],
                                                                  hpc_convertible_mw=10)],
              miner_rows=[miners(CHINESE[0], units=1000)],
              contracts=[contract("合同", sites=(CHINESE[1],))], months=3)
    probes = with_probes(f, 1.0)
    assert [c.name for c in probes.fleet.contracts] == ["合同", f"probe {CHINESE[0]}",
                                                        f"probe {CHINESE[1]}"]
    assert optimize(probes.fleet).run_info.solver


def test_a_fleet_with_a_comma_in_a_site_name_writes_and_reads_back_equal(tmp_path: Path) -> None:
    """Bug it pins: the fleet writer joined Contracts ``sites`` with bare commas."""
    f = fleet(sites=[site("Abilene, TX"), site(CHINESE[0])],
              contracts=[contract("K", sites=("Abilene, TX", CHINESE[0]))])
    path = write_fleet(f, tmp_path / "comma.xlsx")
    assert read_workbook(path).fleet == f
