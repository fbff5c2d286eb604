"""tables.py: physical_table_names, create_tables and delete_tables.

``create_tables`` applies TTL and point-in-time recovery once a table is ACTIVE, which
dynalite does not implement: those tests run where the backend can serve them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from tests.backends import Backend, delete_tables_with_prefix
from tests.repository._support import RequestLog, closed_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


@pytest.fixture
def client(backend: Backend, table_prefix: str) -> Iterator[DynamoDBClient]:
    """A client of ``backend``; at teardown, unprotects and deletes the test's tables."""
    c = backend.client()
    try:
        yield c
    finally:
        for page in c.get_paginator("list_tables").paginate():
            for name in page.get("TableNames", []):
                if name.startswith(table_prefix):
                    with contextlib.suppress(ClientError):
                        c.update_table(TableName=name, DeletionProtectionEnabled=False)
        delete_tables_with_prefix(c, table_prefix)
        c.close()


@pytest.fixture
def offline_client() -> Iterator[DynamoDBClient]:
    c = closed_client()
    yield c
    c.close()


# -- physical_table_names --------------------------------------------------------------


def test_physical_table_names(tables_module: Any) -> None:
    names = tables_module.physical_table_names
    assert names() == {"Shop": "shop", "Audit": "shop-audit"}
    assert names(table_prefix="dev-") == {"Shop": "dev-shop", "Audit": "dev-shop-audit"}
    assert names(table_prefix="dev-", table_names={"Audit": "audit-log"}) == {
        "Shop": "dev-shop",
        "Audit": "audit-log",
    }
    assert names(table_names={"Shop": "a", "Audit": "b"}) == {"Shop": "a", "Audit": "b"}
    with pytest.raises(ValueError, match="Unknown"):
        names(table_names={"Unknown": "x"})


def test_unknown_table_id_refused_before_any_request(
    tables_module: Any, offline_client: DynamoDBClient
) -> None:
    with pytest.raises(ValueError, match="Nope"):
        tables_module.create_tables(offline_client, table_names={"Nope": "x"})
    with pytest.raises(ValueError, match="Nope"):
        tables_module.delete_tables(offline_client, table_names={"Nope": "x"})


def test_create_tables_without_wait_refused_before_any_request(
    tables_module: Any, offline_client: DynamoDBClient
) -> None:
    # Both tables need TTL and point-in-time recovery, applied once ACTIVE.
    with pytest.raises(ValueError, match="wait"):
        tables_module.create_tables(offline_client, wait=False)


def test_table_definitions_create_on_every_backend(
    tables_module: Any, client: DynamoDBClient, table_prefix: str
) -> None:
    """The CreateTable inputs are valid as they stand (the repository tests use them)."""
    for table_id, definition in tables_module.TABLE_DEFINITIONS.items():
        name = f"{table_prefix}{table_id.lower()}"
        client.create_table(TableName=name, **definition)
        description = client.describe_table(TableName=name)["Table"]
        assert description["KeySchema"] == definition["KeySchema"]


# -- create_tables / delete_tables -----------------------------------------------------


@pytest.mark.needs("ttl")
@pytest.mark.needs("pitr")
def test_create_tables_applies_everything(
    tables_module: Any, client: DynamoDBClient, table_prefix: str
) -> None:
    with RequestLog(client) as log:
        tables_module.create_tables(client, table_prefix=table_prefix)
    assert log.operations.count("CreateTable") == 2
    for table_id, name in (("Shop", "shop"), ("Audit", "shop-audit")):
        physical = f"{table_prefix}{name}"
        table = client.describe_table(TableName=physical)["Table"]
        assert table["TableStatus"] == "ACTIVE"
        for index in table.get("GlobalSecondaryIndexes", []):
            assert index["IndexStatus"] == "ACTIVE"
        ttl = client.describe_time_to_live(TableName=physical)
        assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
        assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
        backups = client.describe_continuous_backups(TableName=physical)
        pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
        definition = tables_module.TABLE_DEFINITIONS[table_id]
        assert table["KeySchema"] == definition["KeySchema"]
        assert sorted(
            i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])
        ) == sorted(
            i["IndexName"] for i in definition.get("GlobalSecondaryIndexes", [])
        )
    shop = client.describe_table(TableName=f"{table_prefix}shop")["Table"]
    assert shop["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [i["IndexName"] for i in shop["LocalSecondaryIndexes"]] == ["by_total"]
    assert shop["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert shop["DeletionProtectionEnabled"] is True


@pytest.mark.needs("ttl")
@pytest.mark.needs("pitr")
def test_create_tables_with_table_names_override(
    tables_module: Any, client: DynamoDBClient, table_prefix: str
) -> None:
    audit = f"{table_prefix}custom-audit"
    tables_module.create_tables(
        client, table_prefix=table_prefix, table_names={"Audit": audit}
    )
    names = set(client.list_tables()["TableNames"])
    assert {f"{table_prefix}shop", audit} <= names
    assert f"{table_prefix}shop-audit" not in names
    ttl = client.describe_time_to_live(TableName=audit)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"


@pytest.mark.needs("ttl")
@pytest.mark.needs("pitr")
def test_delete_tables(
    tables_module: Any, client: DynamoDBClient, table_prefix: str
) -> None:
    audit = f"{table_prefix}custom-audit"
    tables_module.create_tables(
        client, table_prefix=table_prefix, table_names={"Audit": audit}
    )
    # The schema turns deletion protection on for Shop: DynamoDB refuses to delete it
    # until it is turned off.
    client.update_table(
        TableName=f"{table_prefix}shop", DeletionProtectionEnabled=False
    )
    tables_module.delete_tables(
        client, table_prefix=table_prefix, table_names={"Audit": audit}
    )
    names = client.list_tables()["TableNames"]
    assert not [n for n in names if n.startswith(table_prefix)]
    # Deleting tables that do not exist is not an error.
    tables_module.delete_tables(
        client, table_prefix=table_prefix, table_names={"Audit": audit}
    )


@pytest.mark.needs("ttl")
@pytest.mark.needs("deletion_protection")
def test_delete_tables_refuses_protected_table(
    tables_module: Any, client: DynamoDBClient, table_prefix: str
) -> None:
    tables_module.create_tables(client, table_prefix=table_prefix)
    with pytest.raises(ClientError):
        tables_module.delete_tables(client, table_prefix=table_prefix)
    assert f"{table_prefix}shop" in client.list_tables()["TableNames"]


def test_delete_tables_of_nothing(
    tables_module: Any, client: DynamoDBClient, table_prefix: str
) -> None:
    with RequestLog(client) as log:
        tables_module.delete_tables(client, table_prefix=table_prefix)
    assert log.operations == ["DeleteTable", "DeleteTable"]
