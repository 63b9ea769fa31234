"""The public surface: exported names, command help, docs in step with the schema; no solving.

``allocator.__all__`` is complete: every type named in a public signature of an exported name
(parameters and returns of functions, public methods, properties and attributes of classes)
is exported too, or comes from builtins, the standard library, pandas or numpy.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from clikit import run

import allocator
from allocator.catalog import find_model, load_catalog
from allocator.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parent.parent


def test_all_is_sorted_and_importable() -> None:
    names = [n for n in allocator.__all__ if n != "__version__"]
    assert names == sorted(names)
    for name in allocator.__all__:
        assert hasattr(allocator, name), name


# ------------------------------------------------------------------ __all__ completeness
# Types from these top-level modules may appear in a public signature without being exported.
FOREIGN = frozenset({"builtins", "numpy", "pandas", *sys.stdlib_module_names})


def _hints(obj: object, package: ModuleType) -> dict[str, object]:
    """Resolved annotations of ``obj``; a name the module cannot resolve stays a string."""
    try:
        return typing.get_type_hints(obj, localns=vars(package))
    except NameError:
        raw = getattr(obj, "__annotations__", {})
        return {k: typing.ForwardRef(v) if isinstance(v, str) else v for k, v in raw.items()}


def _types(annotation: object) -> Iterator[object]:
    """Every class an annotation names (``list[Plan] | None`` -> list, Plan)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return
    if origin is not None:
        if isinstance(origin, type):
            yield origin
        for arg in typing.get_args(annotation):
            yield from _types(arg)
    elif isinstance(annotation, list | tuple):  # Callable[[A, B], C]
        for arg in annotation:
            yield from _types(arg)
    elif isinstance(annotation, typing.TypeVar):
        yield from _types(annotation.__bound__)
        for arg in annotation.__constraints__:
            yield from _types(arg)
    elif annotation is not None and annotation is not Ellipsis:
        yield annotation


def _class_signatures(name: str, cls: type, package: ModuleType) -> Iterator[tuple[str, object]]:
    for klass in cls.__mro__:
        if not klass.__module__.startswith(package.__name__):
            continue  # what pydantic, Exception or Protocol bring is theirs
        hints = _hints(klass, package)
        for attr in inspect.get_annotations(klass):
            if not attr.startswith("_"):
                yield f"{name}.{attr}", hints.get(attr)
        for attr, member in vars(klass).items():
            if attr.startswith("_") and attr != "__init__":
                continue
            fn = member.fget if isinstance(member, property) else getattr(member, "__func__",
                                                                           member)
            if inspect.isfunction(fn):
                for param, annotation in _hints(fn, package).items():
                    yield f"{name}.{attr}({param})", annotation


def public_signatures(package: ModuleType) -> Iterator[tuple[str, object]]:
    """(where, annotation) for every public signature of every name in ``package.__all__``."""
    for name in package.__all__:
        obj = getattr(package, name)
        if inspect.isclass(obj):
            yield from _class_signatures(name, obj, package)
        elif inspect.isfunction(obj):
            for param, annotation in _hints(obj, package).items():
                yield f"{name}({param})", annotation


def unexported(package: ModuleType) -> list[str]:
    """``where -> module.Type`` for each type a public signature names but ``__all__`` lacks."""
    exported = {id(getattr(package, n)) for n in package.__all__}
    gaps = []
    for where, annotation in public_signatures(package):
        for found in _types(annotation):
            if isinstance(found, typing.ForwardRef):
                gaps.append(f"{where} -> unresolved {found.__forward_arg__}")
            elif id(found) not in exported and \
                    getattr(found, "__module__", "builtins").split(".")[0] not in FOREIGN:
                qualname = getattr(found, "__qualname__", found)
                gaps.append(f"{where} -> {found.__module__}.{qualname}")
    return sorted(set(gaps))


def test_every_type_in_a_public_signature_is_exported() -> None:
    assert unexported(allocator) == []


@pytest.mark.parametrize("name", ["FleetSource", "Plan", "SolverOptions", "Site", "RunInfo"])
def test_the_completeness_check_finds_a_missing_export(name: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    before = set(unexported(allocator))
    monkeypatch.setattr(allocator, "__all__", [n for n in allocator.__all__ if n != name])
    found = set(unexported(allocator)) - before
    assert found, f"removing {name} from __all__ went unnoticed"
    assert all(gap.endswith(f".{name}") for gap in found), found


# ------------------------------------------------------------------ the command line
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(command: str) -> None:
    for flag in ("--help", "-h"):
        result = run(command, flag)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"Usage: allocator {command} [OPTIONS] ")
        examples = [line.strip() for line in result.output.splitlines()
                    if line.strip().startswith("Example:")]
        assert len(examples) == 1, result.output
        assert examples[0].startswith(f"Example: allocator {command} "), examples


def test_the_group_help_lists_every_command_with_an_example() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "  Example: allocator optimize sample_inputs/fleet.xlsx\n" in result.output
    listed = result.output.split("Commands:\n", 1)[1].split()
    assert all(name in listed for name in COMMANDS)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"allocator, version {allocator.__version__}\n"


@pytest.mark.skipif(not (ROOT / "docs" / "make_workbook_doc.py").exists(),
                    reason="docs are not part of an installed package")
def test_workbook_doc_is_generated_from_the_schema() -> None:
    script = ROOT / "docs" / "make_workbook_doc.py"
    spec = importlib.util.spec_from_file_location("make_doc", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "workbook.md").read_text(encoding="utf-8") == module.render(), (
        "docs/workbook.md is stale: run python docs/make_workbook_doc.py")


def test_catalog_has_the_required_models() -> None:
    assert len(load_catalog()) >= 12
    for name in ("Antminer S21", "S21 Pro", "s21xp", "Antminer S21 XP Hydro", "S19 XP",
                 "S19j Pro", "Whatsminer M60S", "M66S", "Avalon A16"):
        model = find_model(name)
        assert model is not None, name
        assert model.efficiency_j_th == pytest.approx(model.power_w / model.hashrate_th, rel=0.02)
