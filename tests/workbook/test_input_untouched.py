"""Never lose the user's work: the input workbook's bytes (SHA-256) and its folder's other files
are the same after every command and option that does not explicitly target the input itself,
for .xlsx, .xlsm and .ods inputs, whether the command succeeds or fails."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from bookkit import SOFFICE, raw_xlsx, sheet_xml, soffice_convert
from click.testing import CliRunner
from fleetkit import CONTRACTS, MARKET, MINERS, SITES

from allocator.cli.main import cli

SHEETS: dict[str, list[list[object]]] = {
    "Sites": SITES, "Miners": MINERS, "Market": MARKET, "Contracts": CONTRACTS}
BAD_SITES: list[list[object]] = [SITES[0], ["Alpha", -5, 40, 10]]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_book(folder: Path, suffix: str, *, bad: bool = False) -> Path:
    sheets = dict(SHEETS, Sites=BAD_SITES) if bad else SHEETS
    parts = {name: sheet_xml(rows) for name, rows in sheets.items()}
    return raw_xlsx(folder / f"fleet{suffix}", parts, macro=suffix == ".xlsm")


# Each case: (arguments after the book, expected exit code); "{out}" is a new file beside it.
CASES = [
    pytest.param(["optimize"], 0, id="optimize"),
    pytest.param(["optimize", "-o", "{out}"], 0, id="optimize -o"),
    pytest.param(["optimize", "-o", "{existing}", "--overwrite"], 0, id="optimize --overwrite"),
    pytest.param(["optimize", "-o", "{existing}"], 1, id="optimize onto existing"),
    pytest.param(["optimize", "--plan-only", "-o", "{plan}"], 0, id="optimize --plan-only"),
    pytest.param(["optimize", "--no-write", "--json"], 0, id="optimize --no-write"),
    pytest.param(["validate"], 0, id="validate"),
    pytest.param(["optimize", "--insight", "--no-write"], 0, id="optimize --insight"),
    pytest.param(["explain"], 0, id="explain"),
    pytest.param(["sensitivity", "--pct", "10"], 0, id="sensitivity"),
    # this book has no Scenarios sheet: compare refuses it (the sample-fleet test covers success)
    pytest.param(["compare", "--jobs", "1"], 1, id="compare without scenarios"),
    pytest.param(["sweep", "--param", "power_price_usd_mwh", "--operation", "scale",
                  "--from", "0.8", "--to", "1.2", "--steps", "3", "--jobs", "1"], 0, id="sweep"),
]


def run_case(book: Path, args: list[str]) -> tuple[int, str]:
    folder = book.parent
    existing = folder / f"existing{book.suffix}"
    existing.write_bytes(b"an earlier plan")
    filled = [a.format(out=folder / f"new{book.suffix}", existing=existing,
                       plan=folder / "plan.xlsx") for a in args]
    result = CliRunner().invoke(cli, [filled[0], str(book), *filled[1:]])
    return result.exit_code, result.output


def check_untouched(book: Path, action: Callable[[], tuple[int, str]], code: int) -> None:
    before = sha(book)
    others = {p.name: sha(p) for p in book.parent.iterdir() if p.is_file() and p != book}
    mtime = book.stat().st_mtime_ns
    exit_code, output = action()
    assert exit_code == code, output
    assert sha(book) == before
    assert book.stat().st_mtime_ns == mtime
    after = {p.name: sha(p) for p in book.parent.iterdir() if p.is_file() and p != book}
    # Files that were there are either unchanged or the one output replaced on request.
    changed = {name for name in others if after.get(name) != others[name]}
    assert changed <= {"existing" + book.suffix}
    assert not any(".tmp" in name or name.startswith(".") for name in after), after


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
@pytest.mark.parametrize(("args", "code"), CASES)
def test_input_bytes_unchanged(tmp_path: Path, suffix: str, args: list[str], code: int) -> None:
    book = make_book(tmp_path, suffix)
    check_untouched(book, lambda: run_case(book, args), code)


@pytest.mark.parametrize("command", [["optimize"], ["validate"]])
def test_input_bytes_unchanged_when_the_input_is_bad(tmp_path: Path, command: list[str]) -> None:
    book = make_book(tmp_path, ".xlsx", bad=True)
    check_untouched(book, lambda: run_case(book, command), 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.xlsx", "fleet.xlsx"]


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_ods_input_bytes_unchanged(tmp_path: Path) -> None:
    """An .ods is read, validated and optimized (into a copy, fleet.plan.ods, or a separate
    .xlsx); its bytes never change."""
    source = tmp_path / "source"
    source.mkdir()
    (ods,) = soffice_convert([make_book(source, ".xlsx")], "ods", tmp_path)
    for args, code in (
        (["validate"], 0),
        (["optimize", "--plan-only", "-o", "{plan}"], 0),
        (["optimize", "--no-write"], 0),
        (["optimize"], 0),  # the plan goes into a copy, fleet.plan.ods
        (["optimize", "-o", "{existing}"], 1),  # refused without --overwrite, nothing lost
    ):
        check_untouched(ods, lambda args=args: run_case(ods, args), code)
