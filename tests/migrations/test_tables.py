"""``create_tables(exist_ok=...)`` of a generated ``tables.py`` (SPEC §5), on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.backends import Backend
from tests.generated_package import imported_package
from tests.migrations._support import Project, changed, library
from tests.repository._support import RequestLog


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    project = Project(tmp_path_factory.mktemp("tables"), package="lib_tables")
    schema = changed(library("lib_tables"), tables__Extra={"partition_key": "id"})
    project.built(schema)
    with imported_package(project.package_dir) as package:
        yield package.tables


def test_exist_ok_leaves_existing_tables_alone(
    tables: Any, backend: Backend, table_prefix: str
) -> None:
    client = backend.client()
    # One table exists already, with another key: exist_ok must not touch it.
    client.create_table(
        TableName=f"{table_prefix}library",
        AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "other", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    backend.wait_active(client, f"{table_prefix}library")
    with pytest.raises(ClientError) as raised:
        tables.create_tables(client, table_prefix=table_prefix)
    assert raised.value.response["Error"]["Code"] == "ResourceInUseException"
    with RequestLog(client) as log:
        tables.create_tables(client, table_prefix=table_prefix, exist_ok=True)
    assert log.operations.count("CreateTable") == 2
    assert "UpdateTable" not in log.operations
    kept = client.describe_table(TableName=f"{table_prefix}library")["Table"]
    assert [k["AttributeName"] for k in kept["KeySchema"]] == ["other"]
    extra = client.describe_table(TableName=f"{table_prefix}Extra")["Table"]
    assert extra["TableStatus"] == "ACTIVE"
    # Everything exists now: a second call changes nothing and raises nothing.
    tables.create_tables(client, table_prefix=table_prefix, exist_ok=True)
    client.close()


def test_table_definitions_are_typed(tables: Any) -> None:
    """The TypedDict that types each definition names CreateTable's parameters."""
    keys = set(tables.TableDefinition.__annotations__) | set(
        tables._TableKeys.__annotations__
    )
    for definition in tables.TABLE_DEFINITIONS.values():
        assert set(definition) <= keys
