"""The ``allocator`` group, ``--version`` and ``main()``, naming each command; it defines none.

The commands are declared in :mod:`allocator.cli.plan_commands`,
:mod:`allocator.cli.study_commands` and :mod:`allocator.cli.file_commands`; each is named
here with one
line of :data:`COMMANDS` (its module and the first paragraph of its help), and its module is
imported only when the command runs or its own ``--help`` is asked (click's "lazy loading
subcommands" pattern). So ``allocator --help``, ``--version`` and a usage error of the group
(an unknown command or option) load click and nothing heavy: no pandas, openpyxl, pydantic or
solver. Every command goes further: its module (:mod:`allocator.cli.plan_commands`,
:mod:`allocator.cli.study_commands`, :mod:`allocator.cli.file_commands`) declares only its
command line, and :func:`run` imports what does the work (:data:`RUNS`) once the command line
has parsed, so its own usage errors load nothing heavy either.
``tests/cli/test_cli_imports.py`` checks that, that each line of :data:`COMMANDS` says what the
command's own docstring says, and that each ``run_<command>`` takes what its command parses.

``main()`` turns SIGTERM into ``SystemExit``, so a terminated command unwinds like Ctrl+C:
executors leave their ``with`` blocks and kill their worker processes.

Exit codes, the same for every command: 0 success; 1 the command line is well formed but
what it names or reads cannot be planned (bad input, an unknown parameter, target, scenario
or solver, no feasible plan, a solve cut short, an output that cannot be written); 2 a usage
error (an unknown option, a missing or malformed value, options that do not go together);
143 stopped by SIGTERM. Under ``--json`` a usage error is printed on stdout as JSON too
(:func:`allocator.cli.json_errors.error_json`), as library errors are.
"""

from __future__ import annotations

import importlib
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

import click

from allocator._version import __version__
from allocator.cli.json_errors import error_json

__all__ = ["COMMANDS", "RUNS", "cli", "load_command", "main", "run"]

COMMANDS: dict[str, tuple[str, str]] = {
    "compare": ("allocator.cli.study_commands",
                "Solve every scenario of BOOK's Scenarios sheet and compare them side by side."),
    "convert": ("allocator.cli.file_commands",
                "Convert a fleet between a workbook, a YAML or JSON document and a folder "
                "of sheet CSVs, losing nothing."),
    "explain": ("allocator.cli.plan_commands",
                "Say in plain words why BOOK has no feasible plan; exit 1 when it has none."),
    "optimize": ("allocator.cli.plan_commands",
                 "Optimize BOOK and write the plan as new sheets in a copy of it."),
    "schema": ("allocator.cli.file_commands",
               "Print the JSON Schema of the fleet document (YAML or JSON), with units and "
               "meanings."),
    "sensitivity": ("allocator.cli.study_commands",
                    "Show how NPV moves with -/+PCT % of BTC price, network hashrate, power "
                    "price, HPC rates and conversion capex, largest swing first (a tornado)."),
    "stochastic": ("allocator.cli.study_commands",
                   "Choose one plan of conversions, leases and commitments across Monte Carlo "
                   "futures, and say what it is worth against planning on the outlook and "
                   "against perfect foresight."),
    "sweep": ("allocator.cli.study_commands",
              "Sweep one parameter across a range and find where the allocation flips; or, "
              "with --samples, run a Monte Carlo over BTC price and network hashrate paths."),
    "template": ("allocator.cli.plan_commands",
                 "Write a blank fleet workbook with every sheet, unit notes and dropdowns."),
    "validate": ("allocator.cli.file_commands",
                 "Check BOOK without solving: every input problem is listed at once."),
}
"""Command name -> (the module defining it, as a function of that name; its help's first
paragraph). The group's ``--help`` lists the commands from here, importing none of them."""

RUNS: dict[str, str] = {
    **{name: "allocator.cli.plan" for name in ("explain", "optimize", "template")},
    "compare": "allocator.cli.scenarios", "sweep": "allocator.cli.scenarios",
    "stochastic": "allocator.cli.stochastic", "sensitivity": "allocator.cli.insight",
    "validate": "allocator.cli.checks", "convert": "allocator.cli.documents",
    "schema": "allocator.cli.documents",
}
"""Command name -> the module of its ``run_<name>``: every command's module only declares its
command line and hands the parsed values to :func:`run`, so a usage error of a command loads
nothing its work needs."""


def load_command(name: str) -> click.Command:
    """The command ``name`` of :data:`COMMANDS`, importing its module (once; Python keeps it)."""
    command = getattr(importlib.import_module(COMMANDS[name][0]), name)
    if not isinstance(command, click.Command):
        raise TypeError(f"{COMMANDS[name][0]}.{name} is not a click command")
    return command


def run(name: str, values: dict[str, Any]) -> None:
    """Do command ``name`` of :data:`RUNS` with its parsed ``values``, importing its module."""
    getattr(importlib.import_module(RUNS[name]), f"run_{name}")(**values)


class _Group(click.Group):
    """The group: each command loaded on use; usage errors of a ``--json`` run are printed as
    JSON on stdout as well."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:  # "Did you mean ...?" from the table
            raise click.exceptions.NoSuchCommand(exc.command_name, possibilities=COMMANDS,
                                                 ctx=ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The ``Commands:`` section as click writes it, each line from :data:`COMMANDS`.

        A help-only stand-in shortens each line with click's own rule, so the group's help
        reads exactly as it would with every command imported.
        """
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        with formatter.section("Commands"):
            formatter.write_dl([(name, click.Command(name, help=COMMANDS[name][1])
                                 .get_short_help_str(limit)) for name in sorted(COMMANDS)])

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        words = argv[:argv.index("--")] if "--" in argv else argv
        if "--json" not in words or not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            return super().main(argv, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            exc.show()
            click.echo(error_json(exc.format_message(), exc.exit_code, "UsageError"))
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="allocator")
def cli() -> None:
    """Decide, per site and month, how many MW mine bitcoin and how many are leased to HPC.

    Example: allocator optimize sample_inputs/fleet.xlsx
    """


def _stop(signum: int, frame: FrameType | None) -> None:
    """SIGTERM handler: exit as a shell reports a signal (128 + its number), unwinding."""
    raise SystemExit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _stop)
    cli()
