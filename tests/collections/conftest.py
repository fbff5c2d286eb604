"""Fixtures of the collection tests: the package generated from ``schema.yaml`` (package
``collectiontests``), built once per session and imported from a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dynagen.output import write
from dynagen.pipeline import compile_schema

from tests.generated_package import imported_package

SCHEMA = Path(__file__).resolve().with_name("schema.yaml")


def build_into(schema: Path, directory: Path) -> None:
    """Build ``schema``'s package into ``directory`` (the package folder itself)."""
    result = compile_schema(schema, schema.name)
    assert result.ok and result.files is not None, "\n".join(
        str(d) for d in result.diagnostics
    )
    write(directory, result.files)


@pytest.fixture(scope="session")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The generated ``collectiontests`` package, imported."""
    directory = tmp_path_factory.mktemp("collections") / "collectiontests"
    build_into(SCHEMA, directory)
    with imported_package(directory) as package:
        yield package
