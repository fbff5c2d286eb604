"""Fixtures of the codec tests: the generated ``all_types`` package and its table.

``generated`` builds ``tests/codecs/schema.yaml`` once per session with
``dynagen.pipeline.compile_schema`` + ``dynagen.output.write`` into a temporary
directory, puts that directory on ``sys.path`` and imports the package (its modules are
typed loosely, as ``Any``: they only exist at run time). ``things_table`` creates the
schema's table on a backend straight from ``tables.TABLE_DEFINITIONS`` (not through
``create_tables``: dynalite does not implement UpdateTimeToLive), once per backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from dynagen.output import write
from dynagen.pipeline import compile_schema

from tests.backends import (
    Backend,
    delete_tables_with_prefix,
    new_table_prefix,
    wait_active,
)
from tests.generated_package import imported_package

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

SCHEMA = Path(__file__).resolve().parent / "schema.yaml"
PACKAGE = "all_types"


@dataclass(frozen=True)
class Generated:
    """The imported generated package and its modules."""

    package: ModuleType
    models: Any
    runtime: Any
    tables: Any
    directory: Path


@dataclass(frozen=True)
class ThingsTable:
    """The ``Things`` table of one backend, with a client and a Transport over it."""

    backend: Backend
    client: DynamoDBClient
    transport: Any
    name: str


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """Build the all_types schema and import the package (session-wide)."""
    result = compile_schema(SCHEMA, SCHEMA.name)
    assert result.ok and result.files is not None, "\n".join(
        str(d) for d in result.diagnostics
    )
    root = tmp_path_factory.mktemp("generated")
    directory = root / PACKAGE
    write(directory, result.files)
    with imported_package(directory) as package:
        yield Generated(
            package=package,
            models=importlib.import_module(f"{PACKAGE}.models"),
            runtime=importlib.import_module(f"{PACKAGE}._runtime"),
            tables=importlib.import_module(f"{PACKAGE}.tables"),
            directory=directory,
        )


@pytest.fixture(scope="session")
def models(generated: Generated) -> Any:
    """The generated ``models`` module."""
    return generated.models


@pytest.fixture(scope="session")
def rt(generated: Generated) -> Any:
    """The generated ``_runtime`` module."""
    return generated.runtime


@pytest.fixture(scope="session")
def things_table(backend: Backend, generated: Generated) -> Iterator[ThingsTable]:
    """The ``Things`` table, created once per backend and deleted at session end."""
    prefix = new_table_prefix()
    client = backend.client()
    name = f"{prefix}things"
    definition = generated.tables.TABLE_DEFINITIONS["Things"]
    client.create_table(TableName=name, **definition)
    try:
        wait_active(client, name)
        yield ThingsTable(backend, client, generated.runtime.Transport(client), name)
    finally:
        delete_tables_with_prefix(client, prefix)
        client.close()
