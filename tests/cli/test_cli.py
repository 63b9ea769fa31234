"""The plan commands: exit codes, the exact text each stream shows, nothing written on bad input,
and the input workbook's bytes never changed.

Messages are compared whole: stdout and stderr apart, as ``allocator ...`` prints them
(``clikit.run``). Library errors are one ``Error:`` message on stderr and exit 1; usage errors
are click's usage text on stderr and exit 2.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from clikit import run, table_rows, usage_error
from fleetkit import CONTRACTS, MARKET, MINERS, SITES, write_book

from allocator.workbook.fleet_writer import write_fleet
from allocator.workbook.reader import read_workbook
from allocator.workbook.schema import OUTPUT_SHEETS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_inputs" / "fleet.xlsx"

BOTH_FIRM: list[list[object]] = [
    [*CONTRACTS[0], "firm", "min_mw"],
    ["K1", 100, 20, "2026-01", 12, "yes", "yes", 8],
    ["K2", 100, 20, "2026-01", 12, "yes", "yes", 8]]
# every contract and site is named by its name and the cell its figure comes from (a site's
# conversion_lead_months is left blank here, so the site is placed at its name)
WHY_BOTH_FIRM_FAIL = (
    'Contracts "K1" (Contracts!H2), "K2" (Contracts!H3) need 16 MW at sites Alpha from '
    "2026-01, but at most 10.0 MW can be converted and online there in time.\n"
    "These cannot all hold together:\n"
    '  - Site "Alpha" (Sites!A2) can lease in 2026-01 only its 10 MW of existing HPC space plus '
    "what it started converting by 2026-01 (0-month lead time).\n"
    '  - Contract "K1" (Contracts!H2) is firm: at least 8 MW from 2026-01 for 12 months, at any '
    "site.\n"
    '  - Contract "K2" (Contracts!H3) is firm: at least 8 MW from 2026-01 for 12 months, at any '
    "site.\n"
)
# either contract may give the 6 MW: single changes, each checked alone by a re-solve
SMALLEST_CHANGE = (
    "Each fix below makes a plan feasible (checked by re-solving the plan with it):\n"
    "Any one of these suffices:\n"
    '  - Lower the firm minimum of contract "K2" (Contracts!H3) by 6.0 MW, to 2.0 MW.\n'
    '  - Lower the firm minimum of contract "K1" (Contracts!H2) by 6.0 MW, to 2.0 MW.\n'
    '  - Make contract "K2" (Contracts!G3) not firm.\n'
    '  - Make contract "K1" (Contracts!G2) not firm.\n')
COMMANDS_WITH_BOOK = ["compare", "explain", "optimize", "sensitivity", "sweep", "validate"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_book(tmp_path: Path, **sheets: list[list[object]]) -> Path:
    content: dict[str, list[list[object]]] = {
        "Sites": SITES, "Miners": MINERS, "Market": MARKET, "Contracts": CONTRACTS}
    content.update(sheets)
    return write_book(tmp_path / "fleet.xlsx", content)


def test_optimize_writes_a_copy_with_the_plan_sheets(tmp_path: Path) -> None:
    book = small_book(tmp_path)
    before = sha(book)
    result = run("optimize", str(book))
    assert result.exit_code == 0, result.output
    written = tmp_path / "fleet.plan.xlsx"
    lines = result.stdout.splitlines()
    assert lines[0] == "Plan 2026-01 + 1 months"
    assert lines[-1] == f"Plan written to {written}"
    rows = table_rows(result.stdout)
    assert rows.pop("Solve time").endswith(" s (HiGHS, 3 variables)")
    # the one-month plan leases existing space for a 12-month lease: 11 months of $1M rent
    # are the contracted tail
    bridge = {key: rows.pop(key) for key in list(rows)
              if key[:1] in "+-=" or key.startswith(("Planning NPV", "Contracted", "Weighted",
                                                     "Rent by"))}
    assert bridge == {"Planning NPV (capital as a charge within the horizon)": "$3.3M",
                      "+ capital charge within the horizon": "$0.0M",
                      "- conversion capex when spent": "$0.0M",
                      "+ conversion capex funded by tenants": "$0.0M",
                      "+ contracted tail after the horizon (rent - power - opex)": "$11.0M",
                      "+ renewal options after the firm term, as valued": "$0.0M",
                      "+ prepayments at signing, less the rent they stand for": "$0.0M",
                      "= cash NPV incl. contracted tail": "$14.3M",
                      "Contracted backlog": "$12.0M", "Weighted average lease term": "1.0 years",
                      "Rent by tenant": "Lease-A 100.0 %"}
    assert rows.pop("Alpha") == "Lease-A"  # the Deals table's one project
    assert rows == {"NPV": "$3.3M",
                    "Fleet hashrate, first month": "2.70 EH/s",
                    "Fleet hashrate, average": "2.70 EH/s",
                    "HPC leased, last month": "10.0 IT MW", "Conversions started": "0.0 IT MW",
                    "Conversion capex": "$0.0M", "Idle grid, average": "53.5 MW",
                    "Contract Lease-A": "10.0 IT MW"}
    assert result.stderr == ""
    assert sha(book) == before
    names = openpyxl.load_workbook(written).sheetnames
    assert names[:4] == ["Sites", "Miners", "Market", "Contracts"]
    assert names[4:] == list(OUTPUT_SHEETS)


def test_optimize_json_headline(tmp_path: Path) -> None:
    result = run("optimize", str(small_book(tmp_path)), "--json", "--no-write")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    head = json.loads(result.stdout)  # stdout is the JSON and nothing else
    # 10 MW existing HPC at $100/kW-month + miners on the other 90 MW (36.45 MW installed)
    mining = 36.45 * (40 * 1000 / 13.5 * 31 - 40 * 24 * 31)
    assert head["npv_usd"] == pytest.approx(1_000_000 + mining, rel=1e-9)
    assert head["contracts_taken"] == [{"contract": "Lease-A", "committed_mw": 10.0}]
    assert head["output"] is None
    assert not (tmp_path / "fleet.plan.xlsx").exists()


def test_existing_output_is_kept_unless_overwrite(tmp_path: Path) -> None:
    book = small_book(tmp_path)
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"not mine to lose")
    result = run("optimize", str(book), "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target} exists; use --overwrite to replace it\n"
    assert result.stdout == ""
    assert target.read_bytes() == b"not mine to lose"
    result = run("optimize", str(book), "-o", str(target), "--overwrite")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"Plan written to {target}"
    assert "Plan" in openpyxl.load_workbook(target).sheetnames


def test_output_into_a_missing_folder_is_exit_1(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "plan.xlsx"
    result = run("optimize", str(small_book(tmp_path)), "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: Cannot write {target}: folder {target.parent} does not "
                             "exist\n")
    assert result.stdout == ""


def test_plan_only_writes_just_the_output_sheets(tmp_path: Path) -> None:
    target = tmp_path / "p.xlsx"
    result = run("optimize", str(small_book(tmp_path)), "--plan-only", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"Plan written to {target}"
    assert openpyxl.load_workbook(target).sheetnames == list(OUTPUT_SHEETS)


def test_bad_workbook_one_report_exit_1_no_file(tmp_path: Path) -> None:
    """Several faults in several sheets: one report naming every cell, nothing written."""
    book = small_book(
        tmp_path,
        Sites=[["site", "capacity_mw", "power_price_usd_mwh"], ["Alpha", -5, 40],
               ["Alpha", 50, "cheap"]],
        Miners=[["site", "model", "units"], ["Alpha", "S21 XPP", 100], ["Gamma", "S19 XP", 5]],
        Market=[["month", "hashprice_usd_ph_day"], ["2026-13", 40]],
    )
    before = sha(book)
    result = run("optimize", str(book))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: 6 problems in {book}:",
        "  Sites!B2: capacity_mw must be > 0 (got -5)",
        "  Sites!A3: site 'Alpha' is given twice (also Sites!A2)",
        "  Sites!C3: power_price_usd_mwh must be a number (got 'cheap')",
        # the closest catalog names are suggested
        "  Miners!B2: unknown miner model 'S21 XPP'; give hashrate_th and power_w or use a "
        "catalog model such as Antminer S21 XP, Antminer S19 XP",
        "  Miners!A3: unknown site 'Gamma'; sites: Alpha",
        "  Market!A2: month must be a month written YYYY-MM (e.g. 2026-01) or a date "
        "(got '2026-13')",
    ]
    assert result.stdout == ""
    assert not (tmp_path / "fleet.plan.xlsx").exists()
    assert sha(book) == before


@pytest.mark.parametrize(("content", "reason"), [
    (b"hello", "invalid Zip archive"),
    (b"a,b\n1,2\n", "Cannot detect file format"),
], ids=["text-named-xlsx", "csv"])
def test_a_file_that_is_no_workbook_is_exit_1(tmp_path: Path, content: bytes,
                                              reason: str) -> None:
    name = "fleet.xlsx" if reason.startswith("invalid") else "fleet.csv"
    book = tmp_path / name
    book.write_bytes(content)
    result = run("optimize", str(book))
    assert result.exit_code == 1
    first, second = result.stderr.splitlines()
    assert first == f"Error: 1 problem in {book}:"
    # the last words are python-calamine's own
    assert second.startswith(f"  workbook: {name} is not a workbook python-calamine can read "
                             f"(.xlsx, .xlsm, .xlsb, .xls or .ods): {reason}")
    assert result.stdout == ""


def test_validate_ok_and_bad(tmp_path: Path) -> None:
    book = small_book(tmp_path)
    result = run("validate", str(book))
    assert result.exit_code == 0
    assert result.stdout == (f"{book}: OK - 1 sites, 1 miner rows, 1 contracts, 1 months from "
                             "2026-01.\n")
    assert result.stderr == ""
    bad = small_book(tmp_path, Contracts=[CONTRACTS[0] + ["firm", "min_mw"],
                                          CONTRACTS[1] + ["yes", 15]])
    result = run("validate", str(bad))
    assert result.exit_code == 1
    # the consistency pass speaks of records; from a workbook it is placed at the cell
    assert result.stderr == (
        f"Error: 1 problem in {bad}:\n"
        "  Contracts!H2: firm contract needs 15 MW at sites Alpha from 2026-01, but at most "
        "10 MW can be converted and online there by then (got 15.0)\n")
    assert result.stdout == ""


def test_infeasible_model_exits_1_with_a_message(tmp_path: Path) -> None:
    book = small_book(tmp_path, Contracts=BOTH_FIRM)
    result = run("optimize", str(book))
    assert result.exit_code == 1
    assert result.stderr == f"Error: The model is infeasible. {WHY_BOTH_FIRM_FAIL}"
    assert result.stdout == ""
    assert not (tmp_path / "fleet.plan.xlsx").exists()
    result = run("optimize", str(book), "--relax")
    assert result.exit_code == 1
    assert result.stderr == f"Error: The model is infeasible. {WHY_BOTH_FIRM_FAIL}"
    assert result.stdout == SMALLEST_CHANGE
    assert not (tmp_path / "fleet.plan.xlsx").exists()


def test_explain_says_why_or_that_nothing_is_wrong(tmp_path: Path) -> None:
    book = small_book(tmp_path, Contracts=BOTH_FIRM)
    result = run("explain", str(book))
    assert result.exit_code == 1
    assert result.stdout == f"{book}: {WHY_BOTH_FIRM_FAIL}"
    assert result.stderr == ""
    result = run("explain", str(book), "--relax")
    assert result.exit_code == 1
    assert result.stdout == f"{book}: {WHY_BOTH_FIRM_FAIL}{SMALLEST_CHANGE}"
    (tmp_path / "ok").mkdir()
    fine = small_book(tmp_path / "ok")
    result = run("explain", str(fine))
    assert result.exit_code == 0
    assert result.stdout == f"{fine}: a feasible plan exists; nothing to explain.\n"


def test_explain_names_each_contract_at_its_cell_and_gives_the_changes_needed_together(
        tmp_path: Path) -> None:
    """Two firm leases, each 2 MW more than its own site holds: the consistency pass stops
    both, each line naming the contract beside its cell, and both minimums must give (re-solved
    with both lowered and with each alone), so they are given as needed together."""
    sites = [*SITES, ["Beta", 100, 40, 10]]
    contracts = [[*CONTRACTS[0], "firm", "min_mw", "sites"],
                 ["K1", 100, 20, "2026-01", 12, "yes", "yes", 12, "Alpha"],
                 ["K2", 100, 20, "2026-01", 12, "yes", "yes", 12, "Beta"]]
    book = small_book(tmp_path, Sites=sites, Contracts=contracts)
    result = run("explain", str(book), "--relax")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{book}: no plan is possible as the workbook stands:\n"
        '  - Contracts!H2 (contract "K1"): firm contract needs 12 MW at sites Alpha from '
        "2026-01, but at most 10 MW can be converted and online there by then (got 12.0)\n"
        '  - Contracts!H3 (contract "K2"): firm contract needs 12 MW at sites Beta from '
        "2026-01, but at most 10 MW can be converted and online there by then (got 12.0)\n"
        "Each fix below makes a plan feasible (checked by re-solving the plan with it):\n"
        "All of these are needed together:\n"
        '  - Lower the firm minimum of contract "K1" (Contracts!H2) by 2.0 MW, to 10.0 MW.\n'
        '  - Lower the firm minimum of contract "K2" (Contracts!H3) by 2.0 MW, to 10.0 MW.\n')
    assert result.stderr == ""


@pytest.mark.slow
def test_explain_gives_no_shortfall_headline_when_the_firm_minimums_fit(tmp_path: Path) -> None:
    """The sample's firm offers with AI Lab NNN at 138 MW: 243 MW of minimums against 244 MW
    that can be online is no shortfall (the conflict is in when and where), so no 'need ...
    but at most ...' headline is printed; the conflicting requirements are."""
    fleet = read_workbook(ROOT / "sample_inputs" / "infeasible.xlsx").fleet
    fleet = fleet.model_copy(update={"contracts": tuple(
        c.model_copy(update={"min_mw": 138.0}) if c.name == "AI Lab NNN" else c
        for c in fleet.contracts)})
    book = write_fleet(fleet, tmp_path / "near.xlsx")
    result = run("explain", str(book), "--relax")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"{book}: No plan meets every constraint.",
                         "These cannot all hold together:"]
    assert "can be converted and online there in time" not in result.stdout
    assert ('  - Contract "AI Lab NNN" (Contracts!D4) is firm: at least 138 MW from 2027-07 for '
            "180 months, at any site.") in lines
    fixes = lines[lines.index("Any one of these suffices:") + 1:]
    assert fixes[:3] == [
        '  - Lower the firm minimum of contract "Cedar Retrofit" (Contracts!D2) by 2.0 MW, to '
        "23.0 MW.",
        '  - Lower the firm minimum of contract "Neocloud MG" (Contracts!D3) by 4.0 MW, to '
        "76.0 MW.",
        '  - Lower the firm minimum of contract "AI Lab NNN" (Contracts!D4) by 4.0 MW, to '
        "134.0 MW."]


@pytest.mark.parametrize("command", COMMANDS_WITH_BOOK)
def test_a_missing_book_is_a_usage_error(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing.xlsx"
    result = run(command, str(missing))
    assert result.exit_code == 2
    assert result.stderr == usage_error(
        command, f"Invalid value for 'BOOK': Path '{missing}' does not exist.")  # or folder
    assert result.stdout == ""
    result = run(command)
    assert result.exit_code == 2
    assert result.stderr == usage_error(command, "Missing argument 'BOOK'.")


@pytest.mark.parametrize(("args", "message"), [
    (["--time-limit", "0"], "Invalid value for '--time-limit': 0.0 is not in the range x>0."),
    (["--zebra"], "No such option '--zebra'."),  # not close to any option: no 'Did you mean'
])
def test_optimize_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = run("optimize", str(small_book(tmp_path)), *args)
    assert result.exit_code == 2
    assert result.stderr == usage_error("optimize", message)
    assert result.stdout == ""
    assert not (tmp_path / "fleet.plan.xlsx").exists()


def test_an_option_missing_its_value_is_exit_2_in_one_line(tmp_path: Path) -> None:
    """click prints no usage line for this one."""
    result = run("optimize", str(small_book(tmp_path)), "--solver")
    assert result.exit_code == 2
    assert result.stderr == "Error: Option '--solver' requires an argument.\n"


def test_a_folder_as_book_and_an_unknown_command_are_usage_errors(tmp_path: Path) -> None:
    """A folder is read as a folder of sheet CSVs (issue 17): without them it is exit 1."""
    result = run("optimize", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path.name}: is a folder without the CSVs of a fleet's sheets" in result.stderr
    result = run("frobnicate")
    assert result.exit_code == 2
    assert result.stderr == usage_error(None, "No such command 'frobnicate'.")


def test_unknown_solver_is_exit_1(tmp_path: Path) -> None:
    result = run("optimize", str(small_book(tmp_path)), "--solver", "simplex9")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Unknown solver 'simplex9'. Available names: cbc, coin, copt, cplex, glpk, "
        "gurobi, highs, highs_cmd, highs_pulp, highspy, mosek, scip, xpress\n")
    assert result.stdout == ""


def test_template_then_validate_reports_what_is_missing(tmp_path: Path) -> None:
    target = tmp_path / "blank.xlsx"
    result = run("template", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Template written to {target}\n"
    before = sha(target)
    result = run("template", str(target))
    assert result.exit_code == 1  # never overwritten silently
    assert result.stderr == f"Error: {target} exists; use --overwrite to replace it\n"
    assert sha(target) == before
    result = run("template", str(target), "--overwrite")
    assert result.exit_code == 0
    assert result.stdout == f"Template written to {target}\n"
    result = run("validate", str(target))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: 2 problems in {target}:\n"
        "  Sites: at least one site is needed; add rows under the headers\n"
        "  Market: at least one month is needed; add rows under the headers\n")
    result = run("template", str(tmp_path / "nowhere" / "t.xlsx"))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: Cannot write {tmp_path / 'nowhere' / 't.xlsx'}: folder "
                             f"{tmp_path / 'nowhere'} does not exist\n")


@pytest.mark.slow
def test_sample_fleet_end_to_end(tmp_path: Path) -> None:
    """The Quickstart's job: the sample fleet solves and every output sheet is written."""
    book = tmp_path / "fleet.xlsx"
    shutil.copy(SAMPLE, book)
    before = sha(book)
    result = run("optimize", str(book), "-o", str(tmp_path / "plan.xlsx"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"Plan written to {tmp_path / 'plan.xlsx'}"
    wb = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    for name in OUTPUT_SHEETS:
        assert name in wb.sheetnames
    assert wb["Summary Chart"]._charts, "the Summary Chart sheet has the chart"
    assert sha(book) == before
