"""A one-key table of items on a backend, for the expression tests that send compiled
expressions themselves."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from tests.backends import (
    Backend,
    delete_tables_with_prefix,
    new_table_prefix,
    put_items,
    wait_active,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

Table = tuple["DynamoDBClient", str]


@contextmanager
def pk_table(
    backend: Backend, suffix: str, items: Iterable[Mapping[str, Any]]
) -> Iterator[Table]:
    """A table keyed by the string ``pk`` holding ``items``; deleted afterwards."""
    client = backend.client()
    prefix = new_table_prefix()
    name = f"{prefix}{suffix}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        wait_active(client, name)
        put_items(client, name, items)
        yield client, name
    finally:
        delete_tables_with_prefix(client, prefix)
