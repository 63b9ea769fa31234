"""The package's shape: the rules a newcomer relies on to find things stay true.

At most 14 modules directly under ``allocator/``; no module over 600 lines; no function over
80 lines; no import inside a function except the lazily loaded optional or slow libraries
(:data:`LAZY_IMPORTS`: the solvers, the cluster, Parquet, PyYAML; so nothing hides an import
cycle); and no import cycle among the modules.

``importlib.import_module`` inside a function names a lazy library too, except in the two lazy
loaders: the package (each public name from its module on first use) and the command group
(each command's module when it runs). Their tables of modules are checked in
``tests/cli/test_cli_imports.py``, and every module they name imports on its own in a fresh
interpreter (below), so a cycle still shows.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from pathlib import Path

import pytest

import allocator

PACKAGE = Path(allocator.__file__).resolve().parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
MAX_TOP_MODULES = 14
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
# Imported on first use only, because they are optional or slow to load: the solvers, the
# cluster, Parquet, and PyYAML (only a YAML document needs it; ``validate fleet.xlsx`` does
# not wait for it). Libraries only: none can hide a cycle among allocator's modules.
LAZY_IMPORTS = {"highspy", "pulp", "dask", "distributed", "pyarrow", "yaml"}
# May import an allocator module by name, from a table the tests check.
LAZY_LOADERS = {"__init__.py", "cli/main.py"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_at_most_fourteen_modules_directly_under_the_package() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_no_module_is_longer_than_600_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in MODULES
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long


@pytest.mark.slow
def test_no_function_is_longer_than_80_lines() -> None:
    long: dict[str, int] = {}
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(PACKAGE)}:{node.name}"] = lines
    assert not long


@pytest.mark.slow
def test_functions_import_only_the_lazy_libraries() -> None:
    inside: list[str] = []
    for path in MODULES:
        for fn in ast.walk(_tree(path)):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                inside += [f"{path.relative_to(PACKAGE)}:{fn.name} imports {n}" for n in names
                           if n.split(".")[0] not in LAZY_IMPORTS]
    assert not inside


def _imported_by_name(call: ast.Call) -> str | None:
    """What ``importlib.import_module(...)`` or ``__import__(...)`` imports: the module name,
    ``"?"`` when computed, ``None`` for another call."""
    fn = call.func
    if not ((isinstance(fn, ast.Attribute) and fn.attr == "import_module")
            or (isinstance(fn, ast.Name) and fn.id in ("import_module", "__import__"))):
        return None
    first = call.args[0] if call.args else None
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) \
        else "?"


@pytest.mark.slow
def test_functions_import_by_name_only_the_lazy_libraries_or_in_the_lazy_loaders() -> None:
    inside: list[str] = []
    for path in MODULES:
        where = path.relative_to(PACKAGE).as_posix()
        for fn in ast.walk(_tree(path)):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            names = [n for node in ast.walk(fn) if isinstance(node, ast.Call)
                     and (n := _imported_by_name(node)) is not None]
            inside += [f"{where}:{fn.name} imports {n} by name" for n in names
                       if n.split(".")[0] not in LAZY_IMPORTS and where not in LAZY_LOADERS]
    assert not inside


@pytest.mark.slow
def test_every_module_imports_on_its_own_in_a_fresh_interpreter() -> None:
    """A cycle shows as an ImportError when a module is the first one imported."""
    import subprocess

    names = [m.name for m in pkgutil.walk_packages([str(PACKAGE)], "allocator.")]
    script = ("import importlib, sys\n"
              "for name in sys.argv[1:]:\n"
              "    for loaded in [m for m in sys.modules if m.startswith('allocator')]:\n"
              "        del sys.modules[loaded]\n"
              "    importlib.import_module(name)\n")
    done = subprocess.run([sys.executable, "-c", script, *names], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_python_dash_m_allocator_is_the_command() -> None:
    import subprocess

    done = subprocess.run([sys.executable, "-m", "allocator", "--help"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "optimize" in done.stdout


def test_py_typed_ships_with_the_package() -> None:
    assert (PACKAGE / "py.typed").exists()
    assert importlib.import_module("allocator.__main__")
