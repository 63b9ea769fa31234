"""The ``allocator`` group, ``--version`` and ``main()``, adding each command; it defines none.

The commands live in :mod:`allocator.cli.plan`, :mod:`allocator.cli.scenarios` and
:mod:`allocator.cli.insight`; each is added here with one ``cli.add_command(...)`` line.
``main()`` turns SIGTERM into ``SystemExit``, so a terminated command unwinds like Ctrl+C:
executors leave their ``with`` blocks and kill their worker processes.
"""

from __future__ import annotations

import signal
from types import FrameType

import click

from allocator._version import __version__
from allocator.cli.insight import sensitivity
from allocator.cli.plan import explain, optimize, template, validate
from allocator.cli.scenarios import compare, sweep

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
