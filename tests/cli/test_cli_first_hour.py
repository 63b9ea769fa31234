"""An analyst's first hour (issue 14): each stumble of the command line, as its exact text.

``--solver cbc`` solves wherever CBC is installed; an output that would be refused is refused
before any solve; a sweep whose values look like a slip is refused or warned about; ``--json``
errors are JSON; one flag vocabulary and one exit-code rule; a wrong Dask address is one
sentence; a run without a terminal logs its progress.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from clikit import run, usage_error
from scenariokit import small_fleet, with_volatility, write_scenario_book

import allocator.cli.insight
import allocator.cli.plan
import allocator.cli.scenarios

BUNDLED_CBC_NOTE = (
    "Warning: No cbc program on PATH, so the CBC bundled with PuLP (PULP_CBC_CMD) solves; "
    "PuLP deprecates it and PuLP 4 removes it: install CBC (apt install coinor-cbc, brew "
    "install cbc or conda install coin-or-cbc) to keep using --solver cbc\n")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_scenario_book(tmp_path / "fleet.xlsx", with_volatility(small_fleet()),
                               [["Bear", "btc_price_usd", "scale", 0.7]])


def no_cbc_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


# ------------------------------------------------------------------ 1. cbc means CBC


def test_solver_cbc_falls_back_to_the_bundled_cbc_and_says_so(
        book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a cbc program on PATH, `--solver cbc` was refused: "Solver 'cbc' (COIN_CMD) is
    not installed here. Installed: PULP_CBC_CMD, HiGHS"."""
    no_cbc_on_path(monkeypatch, tmp_path)
    result = run("optimize", str(book), "--solver", "cbc", "--json", "--no-write")
    assert result.exit_code == 0, result.output
    assert result.stderr == BUNDLED_CBC_NOTE
    assert json.loads(result.stdout)["solver"] == "PULP_CBC_CMD"


def test_settings_solver_cbc_falls_back_too(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = small_fleet()
    fleet = fleet.model_copy(update={"settings": fleet.settings.model_copy(
        update={"solver": "cbc"})})
    path = write_scenario_book(tmp_path / "cbc.xlsx", fleet, None)
    no_cbc_on_path(monkeypatch, tmp_path)
    result = run("optimize", str(path), "--json", "--no-write")
    assert result.exit_code == 0, result.output
    assert result.stderr == BUNDLED_CBC_NOTE
    assert json.loads(result.stdout)["solver"] == "PULP_CBC_CMD"


# ------------------------------------------------ 3. the output is checked before solving


def _no_solve(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("solved although the output would be refused")


NO_SOLVE = [(allocator.cli.plan, "optimize_fleet"), (allocator.cli.insight, "optimize"),
            (allocator.cli.scenarios, "compare_scenarios"),
            (allocator.cli.scenarios, "sweep_parameter"),
            (allocator.cli.scenarios, "monte_carlo")]

WRITING = {
    "optimize": [],
    "optimize --insight": ["--insight"],
    "sensitivity": [],
    "compare": ["--jobs", "1"],
    "sweep": ["--param", "btc_price_usd", "--operation", "scale", "--from", "0.5", "--to",
              "1.5", "--jobs", "1"],
    "sweep --samples": ["--samples", "3", "--jobs", "1"],
}


@pytest.fixture
def never_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    for module, name in NO_SOLVE:
        monkeypatch.setattr(module, name, _no_solve)


@pytest.mark.usefixtures("never_solve")
@pytest.mark.parametrize("command", list(WRITING))
def test_an_existing_output_is_refused_before_any_solve(book: Path, tmp_path: Path,
                                                        command: str) -> None:
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"keep me")
    result = run(command.split()[0], str(book), *WRITING[command], "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target} exists; use --overwrite to replace it\n"
    assert result.stdout == ""
    assert target.read_bytes() == b"keep me"


@pytest.mark.usefixtures("never_solve")
@pytest.mark.parametrize("command", list(WRITING))
def test_the_input_as_output_and_a_missing_folder_are_refused_before_any_solve(
        book: Path, tmp_path: Path, command: str) -> None:
    name, args = command.split()[0], WRITING[command]
    result = run(name, str(book), *args, "-o", str(book), "--overwrite")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Cannot write {book}: it is the input workbook itself, which is never "
        "modified (not even with --overwrite); choose another output file\n")
    missing = tmp_path / "nowhere" / "out.xlsx"
    result = run(name, str(book), *args, "-o", str(missing))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: Cannot write {missing}: folder {missing.parent} does "
                             "not exist\n")
    result = run(name, str(book), *args, "-o", str(tmp_path / "out.csv"), "--results-only")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: Cannot write {tmp_path / 'out.csv'}: a results-only "
                             "workbook must be named .xlsx or .ods (got '.csv')\n")


# --------------------------------------------- 4. sweep values that look like a slip


def test_a_sweep_setting_factors_is_refused_naming_the_likely_intent(book: Path) -> None:
    """`--param btc_price_usd --from 0.5 --to 1.5` without `--operation scale` swept BTC at
    $0.50-$1.50, printed a flat NPV and exited 0."""
    result = run("sweep", str(book), "--param", "btc_price_usd", "--from", "0.5", "--to",
                 "1.5", "--jobs", "1", "--no-write")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: 1 problem in {book}:\n"
        "  sweep: btc_price_usd set 0.5 to 1.5 makes the BTC price $0.50 to $1.50, outside "
        "its plausible range of $100 to $100,000,000 (the fleet has $83,570); did you mean "
        "--operation scale?\n")
    assert result.stdout == ""


def test_a_sweep_far_from_the_fleet_is_swept_with_a_warning(book: Path) -> None:
    result = run("sweep", str(book), "--param", "rate_usd_kw_month", "--target",
                 "Hyperscale-159", "--from", "1", "--to", "2", "--steps", "2", "--jobs", "1",
                 "--no-write")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Warning: sweep: rate_usd_kw_month set 1 to 2 makes the rate $1.00/kW-month to "
        "$2.00/kW-month, over 100 times away from the fleet's $159/kW-month; did you mean "
        "--operation scale?\n")


# ------------------------------------------------------------- 8. --json errors are JSON


def test_json_input_errors_are_json_on_stdout_with_every_cell(tmp_path: Path) -> None:
    bad = write_scenario_book(tmp_path / "bad.xlsx", small_fleet(),
                              [["Bear", "btc", "scale", 0.7],
                               ["Bear", "capacity_mw", "set", 10, "Nowhere"]])
    result = run("compare", str(bad), "--no-write", "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "InputError"
    assert error["message"] == f"2 problems in {bad}:"
    assert error["exit_code"] == 1
    assert [(p["location"], p["sheet"], p["cell"], p["column"]) for p in error["problems"]] == [
        ("Scenarios!B2", "Scenarios", "B2", "parameter"),
        ("Scenarios!E3", "Scenarios", "E3", "target")]
    assert error["problems"][1]["message"] == (
        "scenario 'Bear': unknown target 'Nowhere' for capacity_mw; valid targets (sites): "
        "Site 0001, Site 0002, Site 0003, or blank for all")
    assert result.stderr.splitlines()[0] == f"Error: 2 problems in {bad}:"


def test_json_output_and_usage_errors_are_json_too(book: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"")
    result = run("optimize", str(book), "-o", str(target), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"error": {
        "type": "OutputError", "message": f"{target} exists; use --overwrite to replace it",
        "exit_code": 1, "problems": []}}
    result = run("sweep", str(book), "--param", "btc_price_usd", "--from", "1", "--to", "2",
                 "--steps", "1", "--json")
    assert result.exit_code == 2
    message = "Invalid value for '--steps': 1 is not in the range x>=2."
    assert json.loads(result.stdout) == {"error": {
        "type": "UsageError", "message": message, "exit_code": 2, "problems": []}}
    assert result.stderr == usage_error("sweep", message)


# -------------------------------------------------- 9. one vocabulary, one exit-code rule


@pytest.mark.parametrize("command", ["optimize", "sensitivity"])
def test_results_only_is_the_flag_everywhere_plan_only_a_hidden_alias(
        command: str, book: Path, tmp_path: Path) -> None:
    for flag in ("--results-only", "--plan-only"):
        target = tmp_path / f"{flag[2:]}.xlsx"
        result = run(command, str(book), flag, "-o", str(target))
        assert result.exit_code == 0, result.output
        assert target.exists()
    shown = run(command, "--help").stdout
    assert "--results-only" in shown
    assert "--plan-only" not in shown


@pytest.mark.slow
def test_sweep_steps_default_to_eleven(book: Path) -> None:
    result = run("sweep", str(book), "--param", "btc_price_usd", "--operation", "scale",
                 "--from", "0.5", "--to", "1.5", "--jobs", "1", "--json", "--no-write")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["steps"]) == 11


@pytest.mark.parametrize(("args", "problem"), [
    (["--param", "btc"], "unknown parameter 'btc'. Parameters - market: btc_price_usd, "),
    (["--param", "rate_usd_kw_month", "--target", "Nowhere"],
     "unknown target 'Nowhere' for rate_usd_kw_month; valid targets (contracts): "
     "Retrofit-104, Neocloud-150, Hyperscale-159"),
    (["--param", "halving_month", "--from", "2027", "--to", "2028-06"],
     "--from must be a month written YYYY-MM, got '2027'"),
], ids=["unknown-param", "unknown-target", "bad-month"])
def test_names_and_values_the_library_refuses_are_exit_1_alike(book: Path, args: list[str],
                                                               problem: str) -> None:
    """An unknown --param exited 2, an unknown --target 1: both name something the
    library does not know, so both are input errors now."""
    full = ["--from", "1", "--to", "2", *args] if "--from" not in args else args
    result = run("sweep", str(book), *full, "--no-write")
    assert result.exit_code == 1
    first, second = result.stderr.splitlines()
    assert first == "Error: 1 problem in the input:"
    assert second.startswith(f"  sweep: {problem}")
    assert result.stdout == ""


# ---------------------------------------------- 10. a wrong Dask address is one sentence


@pytest.mark.parametrize(("address", "reason"), [
    ("not an address", "missing port number in address 'not an address'"),
], ids=["no-port"])
def test_a_wrong_scheduler_address_is_one_sentence(book: Path, address: str,
                                                   reason: str) -> None:
    pytest.importorskip("distributed")
    result = run("compare", str(book), "--no-write", "--scheduler", address)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Cannot connect to a Dask scheduler at {address}: {reason}; check the "
        "address (tcp://HOST:PORT of a running dask scheduler, e.g. tcp://10.0.0.5:8786)\n")
    assert result.stdout == ""


def test_something_else_listening_is_not_a_dask_scheduler(book: Path) -> None:
    """An HTTP server at the address once ended a 40-line traceback with "Unable to allocate
    3.07 EiB": dask read its reply as a message length."""
    pytest.importorskip("distributed")
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]

    def answer() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 10)

    threading.Thread(target=answer, daemon=True).start()
    try:
        result = run("compare", str(book), "--no-write", "--scheduler",
                     f"tcp://127.0.0.1:{port}")
    finally:
        server.close()
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Cannot connect to a Dask scheduler at tcp://127.0.0.1:{port}: what answers "
        "there is not a Dask scheduler; check the address (tcp://HOST:PORT of a running dask "
        "scheduler, e.g. tcp://10.0.0.5:8786)\n")


# ------------------------------------------------ 12. progress without a terminal


def test_a_run_without_a_terminal_logs_progress_lines(book: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A piped 20-30 s run printed nothing until it was done: every 10 % is a line now
    (the clock here says 4 s pass between two looks at it)."""
    ticks = iter(range(0, 1000, 4))
    progress = importlib.import_module("allocator.cli.progress")  # new in issue 14
    monkeypatch.setattr(progress, "clock", lambda: float(next(ticks)))
    result = run("sweep", str(book), "--samples", "4", "--jobs", "1", "--no-write")
    assert result.exit_code == 0, result.output
    assert result.stderr == ("Monte Carlo samples: 1/4 (25%) after 4 s\n"
                             "Monte Carlo samples: 2/4 (50%) after 8 s\n"
                             "Monte Carlo samples: 3/4 (75%) after 12 s\n"
                             "Monte Carlo samples: 4/4 (100%) after 16 s\n")


def test_a_short_run_without_a_terminal_stays_silent(book: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that ends before QUIET_S (the clock here says 0.5 s pass between two looks)
    prints no progress line at all."""
    ticks = (k / 2 for k in range(1000))
    progress = importlib.import_module("allocator.cli.progress")
    monkeypatch.setattr(progress, "clock", lambda: float(next(ticks)))
    result = run("sweep", str(book), "--samples", "3", "--jobs", "1", "--no-write")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
