"""Helpers shared by the ``Query`` tests: tables, a recording transport, page reading."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from dynagen import _runtime as rt

from tests.backends import (
    Backend,
    delete_tables_with_prefix,
    new_table_prefix,
    put_items,
    wait_active,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

T = TypeVar("T")

SCAN_THREAD_PREFIX = "dynagen-scan"


class RecordingTransport(rt.Transport):
    """A real ``Transport`` (of ``kind``, sending through the ``kind`` transport) that
    records every request (deep copies) before sending it.

    ``fail(operation, request)``, when given, runs before each request and may raise to
    simulate a failing call.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        fail: Callable[[str, dict[str, Any]], None] | None = None,
        kind: str = "fast",
    ) -> None:
        super().__init__(client)
        self._inner = rt.Transport.from_client(client, kind)
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._fail = fail

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.requests.append((operation, copy.deepcopy(request)))
        if self._fail is not None:
            self._fail(operation, request)
        return self._inner.call(operation, request)

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)


@dataclass(frozen=True)
class Seeded:
    """Tables seeded once per module on one backend."""

    backend: Backend
    client: DynamoDBClient
    prefix: str
    table: str
    rows: list[dict[str, Any]]
    """The seeded items in plain Python form (``pk``, ``sk``, ``n``, ``f``, ...)."""
    kind: str = "fast"
    """The transport ``transport()`` sends through."""

    def transport(
        self, fail: Callable[[str, dict[str, Any]], None] | None = None
    ) -> RecordingTransport:
        return RecordingTransport(self.client, fail, self.kind)


def create_table(client: DynamoDBClient, name: str) -> None:
    """Table ``name``: key pk (S) / sk (S), GSI ``gsi1`` on gsi1pk (S) / gsi1sk (S)."""
    client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "gsi1pk", "AttributeType": "S"},
            {"AttributeName": "gsi1sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    wait_active(client, name)


def wire(row: dict[str, Any]) -> dict[str, Any]:
    """The wire-form item of a plain row (str → S, int → N)."""
    item: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, str):
            item[name] = {"S": value}
        else:
            item[name] = {"N": str(value)}
    return item


def seed(
    backend: Backend, table_id: str, rows: list[dict[str, Any]], kind: str = "fast"
) -> Iterator[Seeded]:
    """Body of a module-scoped fixture: create, seed, yield, delete the table."""
    prefix = new_table_prefix()
    client = backend.client()
    name = f"{prefix}{table_id}"
    create_table(client, name)
    put_items(client, name, (wire(row) for row in rows))
    try:
        yield Seeded(backend, client, prefix, name, rows, kind)
    finally:
        delete_tables_with_prefix(client, prefix)


def sk_of(item: dict[str, Any]) -> str:
    """The decode function of most tests: an item's sort key."""
    value: str = item["sk"]["S"]
    return value


def make_query(
    transport: rt.Transport,
    request: dict[str, Any],
    *,
    operation: str = "Query",
    query_id: str = "Item.test",
    params_digest: str | None = None,
    cursor_secret: bytes | None = None,
    decode: Callable[[dict[str, Any]], str] = sk_of,
) -> rt.Query[str]:
    return rt.Query(
        transport,
        operation,
        request,
        decode,
        query_id=query_id,
        params_digest=rt.digest_params("p") if params_digest is None else params_digest,
        cursor_secret=cursor_secret,
    )


def read_pages(query: rt.Query[T], limit: int) -> list[rt.Page[T]]:
    """Every page of ``query`` with ``limit``, following cursors until one is None."""
    pages: list[rt.Page[T]] = []
    cursor: str | None = None
    while True:
        page = query.page(limit, cursor)
        pages.append(page)
        if page.cursor is None:
            return pages
        cursor = page.cursor
        assert len(pages) < 10_000, "the cursor never became None"


def flatten(pages: Iterable[rt.Page[T]]) -> list[T]:
    return [item for page in pages for item in page.items]


def scan_threads() -> list[threading.Thread]:
    """Live worker threads of ``Query.parallel``."""
    return [
        t
        for t in threading.enumerate()
        if t.name.startswith(SCAN_THREAD_PREFIX) and t.is_alive()
    ]
