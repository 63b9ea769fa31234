"""The code passes the project's lint rules (pyproject's ``[tool.ruff]``), so CI catches what
a contributor's editor missed: a long line, an unused import, an unsorted import block."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing_in_the_package_the_tests_and_the_benchmarks() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                             "allocator", "tests", "bench", "docs", "sample_inputs"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
