"""Build a small schema written in a test into a package, import it, and create its
tables on a backend (issue 17: the compiler's edges).

The generated package only exists at run time, so it is typed as ``Any``.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dynagen.diagnostics import Diagnostic
from dynagen.output import write
from dynagen.pipeline import compile_schema

from tests.backends import Backend, delete_tables_with_prefix, new_table_prefix
from tests.generated_package import imported_package
from tests.repository._support import create_schema_tables


@dataclass(frozen=True)
class Built:
    package: Any
    runtime: Any
    tables: Any
    directory: Path

    def module(self, name: str) -> Any:
        return importlib.import_module(f"{self.directory.name}.{name}")


def diagnostics(root: Path, schema: str) -> list[Diagnostic]:
    """The diagnostics of a schema that must not build."""
    path = root / "schema.yaml"
    path.write_text(schema, encoding="utf-8")
    result = compile_schema(path, path.name)
    assert not result.ok, "the schema built"
    return list(result.diagnostics)


def compile_files(root: Path, schema: str) -> dict[str, str]:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "schema.yaml"
    path.write_text(schema, encoding="utf-8")
    result = compile_schema(path, path.name)
    assert result.ok and result.files is not None, "\n".join(
        str(d) for d in result.diagnostics
    )
    return result.files


@contextmanager
def built(root: Path, schema: str) -> Iterator[Built]:
    """Build ``schema`` (its ``package:`` names the folder) under ``root``, import it."""
    files = compile_files(root / "schema", schema)
    package = next(
        line.split(":", 1)[1].strip()
        for line in schema.splitlines()
        if line.startswith("package:")
    )
    directory = root / "out" / package
    write(directory, files)
    with imported_package(directory) as module:
        yield Built(
            package=module,
            runtime=importlib.import_module(f"{package}._runtime"),
            tables=importlib.import_module(f"{package}.tables"),
            directory=directory,
        )


@contextmanager
def database(backend: Backend, pkg: Built, **options: Any) -> Iterator[Any]:
    """A ``Database`` of ``pkg`` over freshly created tables on ``backend``."""
    prefix = new_table_prefix()
    client = backend.client()
    try:
        create_schema_tables(client, pkg.tables, prefix)
        yield pkg.package.Database(client, table_prefix=prefix, **options)
    finally:
        delete_tables_with_prefix(client, prefix)
        client.close()


def assert_mypy_strict(pkg: Built) -> None:
    """The generated package passes ``mypy --strict`` (SPEC principle 4)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "-p", pkg.directory.name],
        cwd=pkg.directory.parent,
        env={"MYPYPATH": str(pkg.directory.parent), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def long_condition(target: int) -> str:
    """A condition over `a` whose compiled text is at most ``target`` bytes and less
    than 20 under: IN lists of one repeated parameter (``#n0 IN (:p0, ...)``)."""
    terms: list[int] = []
    size = -4  # no " OR " before the first term
    while True:
        room = target - size - 4 - len("#n0 IN (:p0)")
        if room < 0:
            break
        extra = min(99, room // 5)
        terms.append(extra)
        size += 4 + len("#n0 IN (:p0)") + 5 * extra
        if extra < 99:
            break
    assert target - 20 < size <= target, (size, target)
    return " OR ".join("a IN (" + ", ".join([":v"] * (1 + n)) + ")" for n in terms)
