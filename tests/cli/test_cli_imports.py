"""What the command line loads: ``--help``, ``--version`` and a usage error load nothing heavy.

Each case runs in a fresh interpreter (``sys.modules`` of this one already holds pandas) and
reports every module loaded by the time the command exits. The group knows its commands from
:data:`allocator.cli.main.COMMANDS`; the tests here keep that table and the lazy
``allocator`` package in step with what they stand for.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

import allocator
from allocator.cli.main import COMMANDS, RUNS, cli, load_command
from allocator.cli.options import (
    CVAR_ALPHA,
    EXECUTOR_CHOICES,
    FRONTIER_WEIGHTS,
    OPERATION_CHOICES,
    SWEEP_STEPS,
    TABLE_FORMATS,
)
from allocator.cli.stochastic import frontier_weights
from allocator.exports.folder import FILE_FORMATS
from allocator.scenarios.executors import EXECUTORS
from allocator.scenarios.parameters import OPERATIONS
from allocator.scenarios.sweep import DEFAULT_STEPS
from allocator.stochastic.measures import DEFAULT_ALPHA

HEAVY = frozenset({"pandas", "numpy", "openpyxl", "python_calamine", "pydantic", "highspy",
                   "pulp"})
"""Libraries a quick answer must not load: each costs tens to hundreds of milliseconds."""
SAMPLE = Path(__file__).resolve().parents[2] / "sample_inputs" / "fleet.xlsx"

MARK = "\n@@modules "
RUN_MAIN = ("import json, sys\n"
            "from allocator.cli.main import main\n"
            "sys.argv = ['allocator', *sys.argv[1:]]\n"
            "code = 0\n"
            "try:\n"
            "    main()\n"
            "except SystemExit as exc:\n"
            "    code = exc.code\n"
            f"sys.stdout.write({MARK!r} + json.dumps([code, sorted(sys.modules)]))\n")


def _run(*args: str) -> tuple[object, str, set[str]]:
    """``allocator ARGS...`` in a fresh interpreter: exit code, output, top-level modules."""
    done = subprocess.run([sys.executable, "-c", RUN_MAIN, *args], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    output, _, tail = done.stdout.rpartition(MARK)
    code, modules = json.loads(tail)
    return code, output + done.stderr, {name.split(".")[0] for name in modules}


@pytest.mark.parametrize(("args", "code", "shown"), [
    (("--help",), 0, "Commands:"),
    (("-h",), 0, "Commands:"),
    (("--version",), 0, f"allocator, version {allocator.__version__}"),
    (("optimise", "fleet.xlsx"), 2, "No such command 'optimise'. Did you mean 'optimize'?"),
    (("--bogus",), 2, "No such option '--bogus'"),
    (("--json", "nosuch"), 2, '"type": "UsageError"'),
])
def test_help_version_and_usage_errors_load_nothing_heavy(args: tuple[str, ...], code: int,
                                                           shown: str) -> None:
    exit_code, output, modules = _run(*args)
    assert exit_code == code, output
    assert shown in output
    assert not modules & HEAVY, sorted(modules & HEAVY)


@pytest.mark.parametrize(("args", "shown"), [
    (("optimize", "--no-such-option", str(SAMPLE)), "No such option '--no-such-option'"),
    (("optimize", str(SAMPLE), "--format", "xls"), "'xls' is not one of 'xlsx', 'parquet'"),
    (("optimize", "--help"), "Example: allocator optimize "),
    (("explain",), "Missing argument 'BOOK'"),
    (("template", "--bogus", "t.xlsx"), "No such option '--bogus'"),
    (("compare", "--bogus", str(SAMPLE)), "No such option '--bogus'"),
    (("sweep", str(SAMPLE), "--operation", "times"), "'times' is not one of 'set'"),
    (("sweep", "--help"), "[default: 11; x>=2]"),
    (("sensitivity", str(SAMPLE), "--pct", "150"), "--pct"),
    (("stochastic", str(SAMPLE), "--alpha", "2"), "alpha must be in (0, 1), got 2.0"),
    (("stochastic", str(SAMPLE), "--executor", "gpu"), "'gpu' is not one of 'auto'"),
    (("stochastic", "--help"), "[default: 0,0.25,0.5,0.75,1]"),
    (("validate",), "Missing argument 'BOOK'"),
    (("convert", str(SAMPLE)), "Missing argument 'TARGET'"),
    (("schema", "--bogus"), "No such option '--bogus'"),
])
def test_a_usage_error_inside_a_command_loads_nothing_its_work_needs(args: tuple[str, ...],
                                                                       shown: str) -> None:
    """click parses every command's line before the module doing its work (pandas,
    openpyxl, the solver) is imported, so a mistyped option or an out-of-range value is
    answered at once, and a command's help shows the defaults of its work without it."""
    exit_code, output, modules = _run(*args)
    assert exit_code == (0 if "--help" in args else 2), output
    assert " ".join(shown.split()) in " ".join(output.split())  # help wraps its lines
    assert not modules & HEAVY, sorted(modules & HEAVY)


def test_python_dash_m_allocator_help_loads_nothing_heavy() -> None:
    """``python -m allocator`` imports the package first; the package is lazy too."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "allocator", "--help"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Commands:" in done.stdout
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
              if line.startswith("import time:") and "|" in line}
    assert "click" in loaded  # the parse worked
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


@pytest.mark.slow
def test_a_command_line_that_parses_loads_the_work() -> None:
    """The other half: ``schema`` prints a schema made from the pydantic models, so a command
    line that parses does reach the module that does the work."""
    exit_code, output, modules = _run("schema")
    assert exit_code == 0, output
    assert '"$schema"' in output
    assert "pydantic" in modules


VALIDATE_SKIPS = frozenset({"pandas", "openpyxl", "highspy", "pulp", "rich", "yaml", "pyarrow",
                            "dask", "distributed", "scipy", "matplotlib"})
"""What ``allocator validate BOOK.xlsx`` does without: a solver, the writers, rich (it prints
plain lines) and PyYAML (a workbook is no YAML document)."""


@pytest.mark.slow
def test_validate_loads_the_reader_and_the_checks_and_no_more() -> None:
    """The reader (python-calamine), the checks (numpy, pydantic) and none of
    :data:`VALIDATE_SKIPS`, which once cost it about a third of its 0.4 s."""
    exit_code, output, modules = _run("validate", str(SAMPLE))
    assert exit_code == 0, output
    assert ": OK - 7 sites" in output
    assert {"python_calamine", "numpy", "pydantic", "click"} <= modules
    assert not modules & VALIDATE_SKIPS, sorted(modules & VALIDATE_SKIPS)


def test_importing_the_package_loads_nothing_heavy() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, allocator; "
                           "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"],
                          capture_output=True, text=True, check=True)
    assert not set(done.stdout.split()) & HEAVY, done.stdout


# ------------------------------------------------------------------ the table of commands
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_line_of_the_table_is_the_commands_own_first_paragraph(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert command.callback is not None
    assert command.callback.__module__ == COMMANDS[name][0]
    assert command.help is not None
    first = command.help.split("\n\n")[0]
    assert COMMANDS[name][1] == " ".join(first.split())
    assert not command.hidden and command.short_help is None  # the table mirrors neither


@pytest.mark.parametrize("name", sorted(RUNS))
def test_each_run_takes_what_its_command_parses(name: str) -> None:
    """A command of :data:`RUNS` hands click's values to ``run_<name>`` by keyword: an option
    added to one half and not the other fails here, not at a user's first run."""
    command = load_command(name)
    run = getattr(importlib.import_module(RUNS[name]), f"run_{name}")
    assert name in COMMANDS
    assert list(inspect.signature(run).parameters) == [p.name for p in command.params]


def test_the_format_option_offers_the_folder_formats_the_exports_write() -> None:
    assert TABLE_FORMATS == FILE_FORMATS


def test_the_command_lines_show_the_defaults_their_work_uses() -> None:
    """The click-only declarations name the library's choices and defaults without importing
    it; these keep the two in step."""
    assert OPERATION_CHOICES == OPERATIONS
    assert SWEEP_STEPS == DEFAULT_STEPS
    assert CVAR_ALPHA == DEFAULT_ALPHA
    assert EXECUTOR_CHOICES == EXECUTORS
    assert frontier_weights(FRONTIER_WEIGHTS) == (0.0, 0.25, 0.5, 0.75, 1.0)


def _help(group: click.Group, width: int) -> str:
    with click.Context(group, info_name="allocator", terminal_width=width,
                       max_content_width=width, **group.context_settings) as ctx:
        return group.get_help(ctx)


@pytest.mark.parametrize("width", [50, 80, 120])
def test_the_group_help_reads_as_with_every_command_imported(width: int) -> None:
    eager = click.Group("allocator", help=cli.help, params=cli.params,
                        commands=[load_command(name) for name in COMMANDS],
                        context_settings=cli.context_settings)
    text = _help(cli, width)
    assert text == _help(eager, width)
    assert all(f"\n  {name} " in text for name in COMMANDS)


# ------------------------------------------------------------------ the lazy package
def _type_checking_imports() -> dict[str, str]:
    """name -> module of the ``if TYPE_CHECKING:`` imports of ``allocator/__init__.py``."""
    tree = ast.parse(Path(allocator.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    return {alias.asname or alias.name: node.module or ""
            for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}


def test_the_package_table_type_checking_block_and_all_agree() -> None:
    exports = vars(allocator)["_EXPORTS"]
    assert _type_checking_imports() == exports
    assert set(allocator.__all__) == {*exports, "__version__"}
    assert set(allocator.__all__) <= set(dir(allocator))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'optimise'"):
        _ = allocator.optimise
    assert not hasattr(allocator, "optimise")
