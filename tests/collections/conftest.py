"""Fixtures of the collection tests: the package generated from ``schema.yaml`` (package
``collectiontests``), built once per session and imported from a temporary directory;
helpers shared with ``tests/corpus``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dynagen.output import write
from dynagen.pipeline import compile_schema

from tests.backends import Backend, delete_tables_with_prefix, new_table_prefix
from tests.generated_package import imported_package

SCHEMA = Path(__file__).resolve().with_name("schema.yaml")


def build_into(schema: Path, directory: Path) -> None:
    """Build ``schema``'s package into ``directory`` (the package folder itself)."""
    result = compile_schema(schema, schema.name)
    assert result.ok and result.files is not None, "\n".join(
        str(d) for d in result.diagnostics
    )
    write(directory, result.files)


@contextmanager
def built_package(
    tmp_path_factory: pytest.TempPathFactory, schema: Path, package: str
) -> Iterator[Any]:
    """``schema``'s package (named ``package``), built into a temporary directory and
    imported."""
    directory = tmp_path_factory.mktemp(package) / package
    build_into(schema, directory)
    with imported_package(directory) as imported:
        yield imported


@dataclass
class Tables:
    """A package's tables on one backend, and a ``Database`` over them."""

    client: Any
    prefix: str
    db: Any
    queries: list[str]  # one entry per Query request ``client`` sent (before-call)


@contextmanager
def tables_on(backend: Backend, pkg: Any) -> Iterator[Tables]:
    """Create ``pkg``'s tables on ``backend`` (deleted afterwards), counting Queries."""
    prefix = new_table_prefix()
    client = backend.client()
    try:
        pkg.create_tables(client, table_prefix=prefix)
        queries: list[str] = []
        client.meta.events.register(
            "before-call.dynamodb.Query", lambda **kwargs: queries.append("Query")
        )
        yield Tables(client, prefix, pkg.Database(client, table_prefix=prefix), queries)
    finally:
        delete_tables_with_prefix(client, prefix)
        client.close()


@pytest.fixture(scope="session")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The generated ``collectiontests`` package, imported."""
    with built_package(tmp_path_factory, SCHEMA, "collectiontests") as package:
        yield package
