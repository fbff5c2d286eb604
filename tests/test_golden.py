"""Golden packages: each ``tests/cases/<case>/expected/`` is exactly what dynagen builds,
and the run-time module(s) it copies are dynagen's own source, byte for byte.

A golden case is small and shows one feature (the list, and which case took over each
construct of the old single ``all_types`` case, is in ``tests/cases/README.md``). Its
``expected/`` pins the shape of generated code for a reviewer to read (behaviour is
proven by the tests that run it); it holds no run-time module: those are checked here by
identity with the files dynagen ships (``_runtime.py``, ``_stream_runtime.py``, or a
``_runtime/`` package directory: every file under it). After a deliberate change:
``.venv/bin/python tests/cases/regenerate.py`` and read the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dynagen import resources
from dynagen.output import check, generated_files, write
from dynagen.pipeline import compile_schema
from dynagen.render import header
from mypy import api as mypy_api

from tests.cases.regenerate import golden_files, is_runtime

CASES = Path(__file__).parent / "cases"
GOLDEN = sorted(p.parent for p in CASES.glob("*/expected"))
#: Where dynagen's run-time sources live: the folder of its ``resources`` module.
SOURCE = Path(resources.__file__).resolve().parent


def built(case: Path) -> dict[str, str]:
    """Every file dynagen builds from the case's schema, run-time copies included."""
    return package_of(case)[1]


def package_of(case: Path) -> tuple[str, dict[str, str]]:
    """The package name the case's schema declares, and its files."""
    result = compile_schema(case / "schema.yaml", "schema.yaml")
    assert result.files is not None and result.model is not None, result.diagnostics
    return result.model.package, result.files


def runtime_sources() -> dict[str, str]:
    """dynagen's run-time files by package-relative path (a module or a whole package)."""
    files = (f for f in sorted(SOURCE.rglob("*")) if "__pycache__" not in f.parts)
    return {
        f.relative_to(SOURCE).as_posix(): f.read_text(encoding="utf-8")
        for f in files
        if f.is_file() and is_runtime(f.relative_to(SOURCE).as_posix())
    }


@pytest.mark.parametrize("case", GOLDEN, ids=[c.name for c in GOLDEN])
def test_golden_package_is_what_dynagen_builds(case: Path) -> None:
    changes = check(case / "expected", golden_files(built(case)))
    assert changes.clean, (
        f"{case.name}: missing {changes.missing}, stale {changes.stale}, "
        f"extra {changes.extra}; run tests/cases/regenerate.py and read the diff"
    )


@pytest.mark.parametrize("case", GOLDEN, ids=[c.name for c in GOLDEN])
def test_runtime_is_dynagen_source(case: Path) -> None:
    """Every generated run-time file is its source with the header line prepended, and a
    run-time package is copied whole (no file left out, none added)."""
    files = built(case)
    runtime = {path: text for path, text in files.items() if is_runtime(path)}
    assert any(path.split("/")[0] in ("_runtime", "_runtime.py") for path in runtime)
    sources = runtime_sources()
    head = header("schema.yaml")
    for path, text in sorted(runtime.items()):
        assert path in sources, f"{path}: no such run-time file in {SOURCE}"
        assert text == f"{head}\n{sources[path]}", f"{path} differs from its source"
    copied = {path.split("/")[0] for path in runtime}
    shipped = {path for path in sources if path.split("/")[0] in copied}
    assert set(runtime) == shipped


@pytest.mark.parametrize("case", GOLDEN, ids=[c.name for c in GOLDEN])
def test_expected_holds_no_runtime(case: Path) -> None:
    kept = sorted(p for p in generated_files(case / "expected") if is_runtime(p))
    assert not kept, f"{case.name}: remove {kept} (checked against dynagen's source)"


def test_golden_packages_pass_mypy_strict(tmp_path: Path) -> None:
    """Every golden package as built (run-time copy included) passes ``mypy --strict``,
    in one run over all of them."""
    packages = []
    for case in GOLDEN:
        name, files = package_of(case)
        write(tmp_path / name, files)
        packages.append(str(tmp_path / name))
    cache = f"--cache-dir={tmp_path / '.mypy_cache'}"
    stdout, stderr, status = mypy_api.run(["--strict", cache, *packages])
    assert status == 0, stdout + stderr


def test_runtime_paths() -> None:
    """What counts as a copied run-time file, and what does not."""
    assert is_runtime("_runtime.py")
    assert is_runtime("_stream_runtime.py")
    assert is_runtime("_runtime/__init__.py")
    assert is_runtime("_runtime/keys.py")
    assert not is_runtime("runtime.py")
    assert not is_runtime("thing_runtime_repository.py")
    assert not is_runtime("migrations/_runtime.py")
    assert not is_runtime("_model_runtime.py")
    assert not is_runtime("_runtime.txt")


def test_there_is_a_golden_case() -> None:
    assert GOLDEN, "no tests/cases/*/expected/ found"
