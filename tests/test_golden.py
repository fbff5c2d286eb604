"""Golden packages: each ``tests/cases/<case>/expected/`` is exactly what dynagen builds.

They pin the shape of generated code for a reviewer to read (behaviour is proven by the
tests that run it). The run-time package is the same in every generated package, so no
case keeps a copy: each build's ``_runtime/`` is checked against dynagen's own instead. After a deliberate change: ``.venv/bin/python tests/cases/regenerate.py``
and read the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dynagen.output import check
from dynagen.pipeline import compile_schema
from dynagen.render import header
from dynagen.resources import RUNTIME_PACKAGE, runtime_files

CASES = Path(__file__).parent / "cases"
GOLDEN = sorted(p.parent for p in CASES.glob("*/expected"))


@pytest.mark.parametrize("case", GOLDEN, ids=[c.name for c in GOLDEN])
def test_golden_package_is_what_dynagen_builds(case: Path) -> None:
    result = compile_schema(case / "schema.yaml", "schema.yaml")
    assert result.files is not None, result.diagnostics
    runtime = {
        path: text
        for path, text in result.files.items()
        if path.startswith(f"{RUNTIME_PACKAGE}/")
    }
    # The run-time package: dynagen's own, file for file, each under the header.
    assert runtime == {
        path: f"{header('schema.yaml')}\n{source}"
        for path, source in runtime_files().items()
    }
    assert f"{RUNTIME_PACKAGE}/__init__.py" in runtime
    files = {path: text for path, text in result.files.items() if path not in runtime}
    changes = check(case / "expected", files)
    assert changes.clean, (
        f"{case.name}: missing {changes.missing}, stale {changes.stale}, "
        f"extra {changes.extra}; run tests/cases/regenerate.py and read the diff"
    )


def test_there_is_a_golden_case() -> None:
    assert GOLDEN, "no tests/cases/*/expected/ found"
