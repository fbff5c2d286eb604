"""The run-time package (issue 14, cold start of issue 16): ``_runtime/`` is one module per
concern, copied verbatim; its ``__init__`` re-exports exactly the concerns' ``__all__``,
importing a concern on first use; its names are listed once (each concern's ``__all__``)
and the generator reads them from there; mypy --strict sees every name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from dynagen import _runtime
from dynagen.model.build import RESERVED_CLASS_NAMES
from dynagen.render.package_view import RUNTIME_EXPORTS
from dynagen.resources import RUNTIME_PACKAGE, runtime_files, runtime_names

from tests.generated_package import imported_package
from tests.package._support import EXAMPLE, fresh, mypy_strict

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "generator" / "dynagen" / "_runtime"


def _tree(module: str) -> ast.Module:
    return ast.parse((SOURCE / f"{module}.py").read_text(encoding="utf-8"))


def _concerns() -> list[str]:
    return sorted(p.stem for p in SOURCE.glob("*.py") if p.stem != "__init__")


def _listed(module: str) -> list[str]:
    """The literal ``__all__`` of one module of the source package."""
    for node in _tree(module).body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__":
            value = ast.literal_eval(node.value)
            assert isinstance(value, list)
            return [str(v) for v in value]
    raise AssertionError(f"{module} has no __all__")


def test_the_names_are_listed_once_in_the_concerns() -> None:
    by_concern = {m: _listed(m) for m in _concerns()}
    union = [n for names in by_concern.values() for n in names]
    assert len(union) == len(set(union)), "a name is listed by two concerns"
    # What the generator reads is exactly that, each name with its concern.
    assert runtime_names() == {n: m for m, names in by_concern.items() for n in names}
    # Hand-checked spot values: where a reviewer would look for them.
    assert runtime_names()["Query"] == "query"
    assert runtime_names()["escape_key_text"] == "keys"
    assert runtime_names()["FastTransport"] == "fast"
    assert runtime_names()["ConditionFailedError"] == "errors"
    assert "decode_string_set" not in runtime_names()  # removed: nothing used it


def test_init_reexports_exactly_the_concerns_names() -> None:
    names = set(runtime_names())
    assert set(_runtime.__all__) == names
    assert len(_runtime.__all__) == len(names)
    assert runtime_names() == _runtime._MODULES  # what __getattr__ resolves
    # The names type checkers see: the imports under TYPE_CHECKING.
    aliases = [
        alias
        for node in ast.walk(_tree("__init__"))
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    ]
    assert all(alias.name == alias.asname for alias in aliases)  # re-exported as such
    checked = {
        (alias.asname, node.module)
        for node in ast.walk(_tree("__init__"))
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }
    assert checked == {(n, m) for n, m in runtime_names().items()}
    # Every exported name is the concern's own object.
    for name, module in runtime_names().items():
        value = getattr(_runtime, name)
        imported = __import__(f"dynagen._runtime.{module}", fromlist=[name])
        assert value is getattr(imported, name), name
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = _runtime.nothing_here  # type: ignore[attr-defined]
    assert names <= set(dir(_runtime))


def test_the_package_reexports_the_runtimes_public_names() -> None:
    assert set(_runtime.PUBLIC) <= set(runtime_names())
    assert set(RUNTIME_EXPORTS) == set(_runtime.PUBLIC) - {"CollectionQuery"}
    assert set(_runtime.PUBLIC) <= RESERVED_CLASS_NAMES
    with imported_package(EXAMPLE) as shop:  # the example has a collection
        from_runtime = {n for n, m in shop._modules().items() if m == "_runtime"}
        assert from_runtime == set(_runtime.PUBLIC)


def _imports_of(module: str) -> set[str]:
    """The concerns ``module`` imports when it is imported (not under TYPE_CHECKING,
    not inside a function)."""
    found: set[str] = set()
    for node in _tree(module).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module)
    return found


def test_the_concerns_import_one_way() -> None:
    graph = {m: _imports_of(m) for m in _concerns()}
    assert _imports_of("__init__") == set()  # only under TYPE_CHECKING
    seen: dict[str, int] = {}  # 1: visiting, 2: done

    def visit(module: str, path: tuple[str, ...]) -> None:
        state = seen.get(module)
        assert state != 1, f"import cycle: {' -> '.join((*path, module))}"
        if state is None:
            seen[module] = 1
            for target in sorted(graph[module]):
                visit(target, (*path, module))
            seen[module] = 2

    for module in graph:
        visit(module, ())
    # The error classes and the scalar codecs are leaves everything else builds on.
    assert graph["errors"] == set() and graph["scalars"] == set()
    assert graph["transport"] == {"scalars"}  # "fast" is imported when it is chosen


def test_importing_the_runtime_loads_no_concern_and_a_name_loads_its_own() -> None:
    loaded = fresh(
        "import json, sys\n"
        "from shop import _runtime as rt\n"
        "mods = lambda: sorted(m for m in sys.modules if m.startswith('shop._runtime'))\n"
        "first = mods()\n"
        "cursor = rt.encode_cursor\n"
        "second = mods()\n"
        "cached = 'encode_cursor' in vars(rt) and rt.encode_cursor is cursor\n"
        "print(json.dumps([first, second, cached]))"
    )
    assert loaded == [
        ["shop._runtime"],
        [
            "shop._runtime",
            "shop._runtime.cursors",
            "shop._runtime.documents",
            "shop._runtime.errors",
            "shop._runtime.scalars",
        ],
        True,  # the hook ran once: the name is now a global of the package
    ]


def test_generated_packages_hold_the_runtime_file_for_file() -> None:
    copied = sorted(
        p.relative_to(EXAMPLE).as_posix() for p in (EXAMPLE / RUNTIME_PACKAGE).iterdir()
    )
    assert copied == sorted(runtime_files())
    for path, source in runtime_files().items():
        text = (EXAMPLE / path).read_text(encoding="utf-8")
        first, rest = text.split("\n", 1)
        assert first == "# Code generated by dynagen from shop.yaml. DO NOT EDIT."
        assert rest == source, path


RUNTIME_PROBE = """\
from __future__ import annotations

from shop import _runtime as rt

{uses}
rt.format_int("1", "x")
rt.no_such_helper
"""


def test_mypy_strict_sees_every_runtime_name(tmp_path: Path) -> None:
    names = list(runtime_names())
    uses = "\n".join(f"reveal_type(rt.{name})" for name in names)
    report = mypy_strict(tmp_path, RUNTIME_PROBE.format(uses=uses))
    lines = report.splitlines()
    errors = [line for line in lines if ": error:" in line]
    # The two deliberate mistakes are caught: real signatures, and no catch-all
    # module __getattr__ that would make any name Any.
    assert len(errors) == 2, report
    assert '"format_int" has incompatible type "str"' in errors[0]
    assert 'has no attribute "no_such_helper"' in errors[1]
    notes = [line for line in lines if "Revealed type" in line]
    assert len(notes) == len(names)
    assert not any('"Any"' in note for note in notes), report
