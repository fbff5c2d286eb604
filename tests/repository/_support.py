"""Helpers of the repository tests (fixtures are in ``conftest.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from tests.backends import (
    DEFAULT_REGION,
    DUMMY_CREDENTIALS,
    Backend,
    delete_tables_with_prefix,
    free_port,
    new_table_prefix,
    wait_active,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

UTC = timezone.utc
START = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


@dataclass(frozen=True)
class Shop:
    """The imported generated package and its modules."""

    package: Any
    models: Any
    runtime: Any
    tables: Any
    directory: Path


@dataclass(frozen=True)
class ShopTables:
    """The schema's tables on one backend, created with the prefix, and a client."""

    backend: Backend
    client: DynamoDBClient
    prefix: str
    names: dict[str, str]  # logical table id -> physical name

    @property
    def shop(self) -> str:
        return self.names["Shop"]

    @property
    def audit(self) -> str:
        return self.names["Audit"]


@dataclass
class FakeClock:
    """A controllable clock returning aware UTC datetimes; records every call."""

    now: datetime = START
    calls: int = 0
    returned: list[datetime] = field(default_factory=list)

    def __call__(self) -> datetime:
        self.calls += 1
        self.returned.append(self.now)
        return self.now

    def advance(self, seconds: float = 1.0) -> datetime:
        self.now = self.now + timedelta(seconds=seconds)
        return self.now


def closed_client() -> DynamoDBClient:
    """A client pointing at a port nothing listens on: any request fails to connect.

    A test that expects a TypeError/ValueError from it proves that the error was raised
    before any request was sent (otherwise EndpointConnectionError would come out).
    """
    key_id, secret = DUMMY_CREDENTIALS
    return boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region_name=DEFAULT_REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(
            connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 1}
        ),
    )


def raw_item(tables: ShopTables, key: dict[str, Any]) -> dict[str, Any] | None:
    """The stored item as boto3 parses it (consistent read), or None."""
    response = tables.client.get_item(
        TableName=tables.shop, Key=key, ConsistentRead=True
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


def customer_key(customer_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "PROFILE"}}


def product_key(sku: str) -> dict[str, Any]:
    return {"pk": {"S": f"PRODUCT#{sku}"}, "sk": {"S": "PRODUCT"}}


@contextmanager
def schema_tables(
    backend: Backend, tables: Any
) -> Iterator[tuple[DynamoDBClient, str, dict[str, str]]]:
    """The tables of a generated ``tables`` module on ``backend`` under a fresh prefix:
    (client, prefix, logical id -> physical name); deleted, and the client closed, after.
    """
    prefix = new_table_prefix()
    client = backend.client()
    try:
        yield client, prefix, create_schema_tables(client, tables, prefix)
    finally:
        delete_tables_with_prefix(client, prefix)
        client.close()


def create_schema_tables(
    client: DynamoDBClient, tables: Any, prefix: str
) -> dict[str, str]:
    """Create every table of ``tables.TABLE_DEFINITIONS`` named ``prefix + name``.

    Deletion protection is left off (the schema turns it on) so that the tables can be
    deleted at teardown.
    """
    names: dict[str, str] = tables.physical_table_names(table_prefix=prefix)
    for table_id, definition in tables.TABLE_DEFINITIONS.items():
        request = dict(definition)
        request["DeletionProtectionEnabled"] = False
        client.create_table(TableName=names[table_id], **request)
    for name in names.values():
        wait_active(client, name)
    return names


class RequestLog:
    """Records the name of every operation a client sends while registered."""

    def __init__(self, client: DynamoDBClient) -> None:
        self.client = client
        self.operations: list[str] = []

    def _handler(self, model: Any, **kwargs: Any) -> None:
        self.operations.append(model.name)

    def __enter__(self) -> RequestLog:
        self.client.meta.events.register("before-call.dynamodb", self._handler)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.meta.events.unregister("before-call.dynamodb", self._handler)


class SentBodies:
    """Records the JSON body of every request a client sends while registered.

    Hooks ``before-send``, after signing: this is exactly what reached the server.
    """

    def __init__(self, client: DynamoDBClient) -> None:
        self.client = client
        self.bodies: list[tuple[str, dict[str, Any]]] = []

    def _handler(self, request: Any, **kwargs: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        if isinstance(target, bytes):
            target = target.decode()
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        self.bodies.append((str(target).rsplit(".", 1)[-1], json.loads(body or "{}")))

    def __enter__(self) -> SentBodies:
        self.client.meta.events.register("before-send.dynamodb", self._handler)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.meta.events.unregister("before-send.dynamodb", self._handler)
