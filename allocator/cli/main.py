"""The ``allocator`` group, ``--version`` and ``main()``, adding each command; it defines none.

The commands live in :mod:`allocator.cli.plan`, :mod:`allocator.cli.scenarios` and
:mod:`allocator.cli.insight`; each is added here with one ``cli.add_command(...)`` line.
``main()`` turns SIGTERM into ``SystemExit``, so a terminated command unwinds like Ctrl+C:
executors leave their ``with`` blocks and kill their worker processes.

Exit codes, the same for every command: 0 success; 1 the command line is well formed but
what it names or reads cannot be planned (bad input, an unknown parameter, target, scenario
or solver, no feasible plan, a solve cut short, an output that cannot be written); 2 a usage
error (an unknown option, a missing or malformed value, options that do not go together);
143 stopped by SIGTERM. Under ``--json`` a usage error is printed on stdout as JSON too
(:func:`allocator.cli.common.error_json`), as library errors are.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

import click

from allocator._version import __version__
from allocator.cli.common import error_json
from allocator.cli.insight import sensitivity
from allocator.cli.plan import explain, optimize, template, validate
from allocator.cli.scenarios import compare, sweep

__all__ = ["cli", "main"]


class _Group(click.Group):
    """The group: usage errors of a ``--json`` run are printed as JSON on stdout as well."""

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


cli.add_command(optimize)
cli.add_command(validate)
cli.add_command(template)
cli.add_command(explain)
cli.add_command(compare)
cli.add_command(sweep)
cli.add_command(sensitivity)


def _stop(signum: int, frame: FrameType | None) -> None:
    """SIGTERM handler: exit as a shell reports a signal (128 + its number), unwinding."""
    raise SystemExit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _stop)
    cli()
