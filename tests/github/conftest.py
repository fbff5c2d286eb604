"""Fixtures of the GitHub-like model (``tests/github/schema.yaml``).

``gh`` builds the schema once per session (package ``github``) into a temporary directory
and imports it; ``gh_tables`` creates its table once per backend; ``db`` is a
``Database`` over it whose clock is a controllable :class:`FakeClock`. Every test writes
under its own unique names (``uid``).
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from dynagen.output import write
from dynagen.pipeline import compile_schema

from tests.backends import Backend
from tests.generated_package import imported_package
from tests.repository._support import FakeClock, schema_tables

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

SCHEMA = Path(__file__).resolve().with_name("schema.yaml")


@dataclass(frozen=True)
class GitHubTables:
    backend: Backend
    client: DynamoDBClient
    name: str  # the physical table name


def build_package(root: Path) -> Path:
    result = compile_schema(SCHEMA, SCHEMA.name)
    assert result.ok and result.files is not None, "\n".join(
        str(d) for d in result.diagnostics
    )
    directory = root / "github"
    write(directory, result.files)
    return directory


@pytest.fixture(scope="session")
def gh_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = build_package(tmp_path_factory.mktemp("github"))
    with imported_package(directory):
        yield directory


@pytest.fixture(scope="session")
def gh(gh_dir: Path) -> Any:
    """The generated ``github`` package."""
    return importlib.import_module("github")


@pytest.fixture(scope="session")
def gh_tables(backend: Backend, gh: Any) -> Iterator[GitHubTables]:
    tables = importlib.import_module("github.tables")
    with schema_tables(backend, tables) as (client, _, names):
        yield GitHubTables(backend, client, names["GitHub"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(gh: Any, gh_tables: GitHubTables, clock: FakeClock) -> Any:
    """A ``Database`` over the backend's table, with the fake clock."""
    return gh.Database(
        gh_tables.client,
        table_names={"GitHub": gh_tables.name},
        clock=clock,
    )


@pytest.fixture
def uid() -> str:
    """A unique name for this test's items."""
    return "u" + uuid.uuid4().hex[:10]


def raw(tables: GitHubTables, pk: str, sk: str) -> dict[str, Any]:
    """The stored item, as boto3 parses it (consistent read)."""
    response = tables.client.get_item(
        TableName=tables.name,
        Key={"PK": {"S": pk}, "SK": {"S": sk}},
        ConsistentRead=True,
    )
    item: dict[str, Any] = response["Item"]
    return item
