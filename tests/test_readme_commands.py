"""The README's shell commands (Command line and Scenarios) run as written from the repo root.

Each runs as its own process (``python -m allocator``), in a temporary folder holding a copy
of ``sample_inputs/``, so what the commands write lands there and never in the checkout.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTIONS = ("Command line", "Scenarios")

EXIT_CODES = {"allocator explain sample_inputs/infeasible.xlsx --relax": 1}
"""Commands the README documents as ending with another exit code than 0."""


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def _commands() -> list[str]:
    """The ``allocator`` lines of the sections' ``sh`` blocks and ``$`` examples."""
    found: list[str] = []
    for title in SECTIONS:
        text = _section(title)
        for block in re.findall(r"```sh\n(.*?)```", text, re.S):
            found += [line for line in block.splitlines() if line.startswith("allocator ")]
        found += [line[2:] for line in re.findall(r"^\$ allocator .*$", text, re.M)]
    return [_without_comment(line) for line in found]


def _without_comment(line: str) -> str:
    words = shlex.split(line, comments=True)
    return shlex.join(words)


COMMANDS = _commands()


def test_the_readme_has_commands_in_both_sections() -> None:
    assert len(COMMANDS) >= 15
    assert all("fleet.xlsx" not in c.replace("sample_inputs/fleet.xlsx", "") for c in COMMANDS)


@pytest.fixture(scope="module")
def repo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder like the repo root, with its own copy of the sample inputs."""
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "sample_inputs", root / "sample_inputs",
                    ignore=shutil.ignore_patterns("*.plan.*", "*.compare.*", "*.sweep.*",
                                                  "*.sensitivity.*", "*.montecarlo.*"))
    return root


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs_as_written(command: str, repo_root: Path) -> None:
    words = shlex.split(command)
    assert words[0] == "allocator"
    done = subprocess.run([sys.executable, "-m", "allocator", *words[1:]], cwd=repo_root,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == EXIT_CODES.get(command, 0), done.stderr
    assert "Traceback" not in done.stderr
