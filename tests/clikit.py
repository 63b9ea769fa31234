"""Run the ``allocator`` command in-process and spell the messages click prints; no asserts.

``run`` invokes the command as a user types it (program name ``allocator``), with stdout and
stderr kept apart, so a test can say exactly what each stream shows.
"""

from __future__ import annotations

from click.testing import CliRunner, Result

from allocator.cli.main import cli


def run(*args: str) -> Result:
    """Invoke ``allocator ARGS...``; ``.stdout``, ``.stderr`` and ``.exit_code`` are its output."""
    return CliRunner().invoke(cli, list(args), prog_name="allocator")


def usage_error(command: str | None, message: str, arguments: str = "[OPTIONS] BOOK") -> str:
    """What click prints on stderr (exit 2) when ``allocator COMMAND`` is used wrongly."""
    if command is None:
        return (f"Usage: allocator [OPTIONS] COMMAND [ARGS]...\nTry 'allocator --help' for help."
                f"\n\nError: {message}\n")
    return (f"Usage: allocator {command} {arguments}\nTry 'allocator {command} --help' for help."
            f"\n\nError: {message}\n")


def table_rows(text: str) -> dict[str, str]:
    """The rows of a rich table in ``text`` as first cell -> second cell."""
    rows: dict[str, str] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if line.lstrip().startswith("│") and len(cells) >= 2:
            rows[cells[0]] = cells[1]
    return rows
