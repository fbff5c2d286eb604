"""Building the test schema, seeding its table, and comparing query results.

The generated package only exists at run time, so its modules are typed as ``Any``.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

SCHEMA = Path(__file__).resolve().with_name("schema.yaml")
PACKAGE = "querytests"


@dataclass(frozen=True)
class Generated:
    """The imported generated package and its modules."""

    package: Any
    models: Any
    runtime: Any
    tables: Any
    repositories: Mapping[str, Any]  # entity name -> its repository module
    directory: Path


def build() -> dict[str, str]:
    """The files of schema.yaml's package."""
    result = compile_schema(SCHEMA, SCHEMA.name)
    assert result.ok and result.files is not None, "\n".join(
        str(d) for d in result.diagnostics
    )
    return result.files


@contextmanager
def imported(root: Path) -> Iterator[Generated]:
    """Build the package under ``root``, put it on sys.path and import it."""
    files = build()
    directory = root / "out" / PACKAGE
    write(directory, files)
    with imported_package(directory) as package:
        yield Generated(
            package=package,
            models=importlib.import_module(f"{PACKAGE}.models"),
            runtime=importlib.import_module(f"{PACKAGE}._runtime"),
            tables=importlib.import_module(f"{PACKAGE}.tables"),
            repositories={
                entity: importlib.import_module(f"{PACKAGE}.{module}_repository")
                for entity, module in (
                    ("Event", "event"),
                    ("Customer", "customer"),
                    ("Order", "order"),
                    ("Task", "task"),
                )
            },
            directory=directory,
        )


# --------------------------------------------------------------------------------------
# A transport that counts what DynamoDB read
# --------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Wraps a generated ``Transport``; records every request (before it is sent) and
    the counts of each Query/Scan response (``Count`` after the filter,
    ``ScannedCount`` before it)."""

    inner: Any
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    counts: list[tuple[int, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.requests.append((operation, copy.deepcopy(request)))
        response: dict[str, Any] = self.inner.call(operation, request)
        if operation in ("Query", "Scan"):
            with self.lock:
                self.counts.append(
                    (
                        int(response.get("Count", 0)),
                        int(response.get("ScannedCount", 0)),
                    )
                )
        return response

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.counts.clear()

    @property
    def scanned(self) -> int:
        """Items DynamoDB read (before the filter) since the last ``reset``."""
        with self.lock:
            return sum(scanned for _, scanned in self.counts)


# --------------------------------------------------------------------------------------
# Tables on a backend
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """The schema's table on one backend, seeded with ``objects`` (entity -> objects)."""

    backend: Backend
    client: DynamoDBClient
    prefix: str
    table: str
    gen: Generated
    objects: Mapping[str, Sequence[Any]]
    recorder: Recorder
    repos: Mapping[str, Any]
    """entity name -> repository over ``recorder`` (no cursor secret)."""
    kind: str = "fast"
    """The transport of ``recorder`` and ``database()``."""

    def database(self, cursor_secret: bytes | None = None) -> Any:
        return self.gen.package.Database(
            self.client,
            table_prefix=self.prefix,
            cursor_secret=cursor_secret,
            transport=self.kind,
        )


def create_schema_tables(client: DynamoDBClient, tables: Any, prefix: str) -> str:
    """Create the schema's tables from ``TABLE_DEFINITIONS`` (no TTL: dynalite has
    none); return the physical name of ``Main``."""
    names: dict[str, str] = tables.physical_table_names(table_prefix=prefix)
    definitions: dict[str, dict[str, Any]] = tables.TABLE_DEFINITIONS
    for logical, definition in definitions.items():
        client.create_table(TableName=names[logical], **definition)
    for name in names.values():
        wait_active(client, name)
    return names["Main"]


def batch_write(transport: Any, table: str, items: Iterable[dict[str, Any]]) -> int:
    """BatchWriteItem through the generated ``Transport``, 25 a request, resending
    unprocessed items."""
    written = 0
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        pending: list[Any] = [{"PutRequest": {"Item": item}} for item in chunk]
        for attempt in range(20):
            response = transport.call(
                "BatchWriteItem", {"RequestItems": {table: pending}}
            )
            pending = response.get("UnprocessedItems", {}).get(table, [])
            if not pending:
                return
            time.sleep(min(0.05 * 2**attempt, 1.0))
        raise RuntimeError(f"{len(pending)} items still unprocessed")

    for item in items:
        chunk.append(item)
        if len(chunk) == 25:
            flush()
            written += len(chunk)
            chunk = []
    if chunk:
        flush()
        written += len(chunk)
    return written


ENCODERS = {
    "Event": "encode_event",
    "Customer": "encode_customer",
    "Order": "encode_order",
    "Task": "encode_task",
}
REPOSITORIES = {
    "Event": "EventRepository",
    "Customer": "CustomerRepository",
    "Order": "OrderRepository",
    "Task": "TaskRepository",
}


@contextmanager
def seeded_table(
    backend: Backend,
    gen: Generated,
    objects: Mapping[str, Sequence[Any]],
    kind: str = "fast",
) -> Iterator[Seeded]:
    """Create and seed the table on ``backend``; delete it afterwards. Repositories
    and ``database()`` use the ``kind`` transport."""
    prefix = new_table_prefix()
    client = backend.client()
    try:
        table = create_schema_tables(client, gen.tables, prefix)
        transport = gen.runtime.Transport(client)
        items = [
            getattr(gen.models, ENCODERS[entity])(obj)
            for entity, objs in objects.items()
            for obj in objs
        ]
        assert batch_write(transport, table, items) == len(items)
        recorder = Recorder(gen.runtime.Transport.from_client(client, kind))
        repos = {
            entity: getattr(gen.repositories[entity], cls)(
                recorder, table, gen.runtime.utc_now, None
            )
            for entity, cls in REPOSITORIES.items()
        }
        yield Seeded(
            backend, client, prefix, table, gen, objects, recorder, repos, kind
        )
    finally:
        delete_tables_with_prefix(client, prefix)
        client.close()


# --------------------------------------------------------------------------------------
# Comparing results
# --------------------------------------------------------------------------------------


def key_of(gen: Generated, entity: str, obj: Any) -> Any:
    """The ``<Entity>Key`` of an entity object."""
    cls = getattr(gen.models, f"{entity}Key")
    return cls(**{f.name: getattr(obj, f.name) for f in dataclasses.fields(cls)})


def object_for(gen: Generated, entity: str, objects: Sequence[Any], result: Any) -> Any:
    """The object among ``objects`` a query result (entity, view, projection) is of."""
    if isinstance(result, getattr(gen.models, entity)):
        key = key_of(gen, entity, result)
    else:
        key = result.key()
    return next(o for o in objects if key_of(gen, entity, o) == key)


def describe(obj: Any) -> str:
    return repr(obj)[:300]


def assert_selection(
    gen: Generated,
    entity: str,
    results: Sequence[Any],
    expected: Sequence[Any],
    order: Callable[[Any], tuple[Any, ...]] | None,
    *,
    desc: bool = False,
    context: str = "",
) -> None:
    """``results`` are exactly ``expected`` (entity objects), in order.

    Each result is the entity itself (equal to the object) or a view/projection (equal
    ``key()`` and every field equal to the object's attribute of that name). With
    ``order`` None (a scan) the order is free; otherwise results come sorted by
    ``order`` (reversed with ``desc``), and items with equal ``order`` (ties of a
    non-unique index key, whose order DynamoDB leaves open) in any order among
    themselves.
    """
    entity_cls = getattr(gen.models, entity)
    keys = [key_of(gen, entity, obj) for obj in expected]
    by_key = dict(zip(keys, expected, strict=True))
    assert len(by_key) == len(expected), "duplicate keys in the expected selection"

    def key_of_result(result: Any) -> Any:
        if isinstance(result, entity_cls):
            return key_of(gen, entity, result)
        return result.key()

    got_keys = [key_of_result(r) for r in results]
    missing = [k for k in keys if k not in set(got_keys)]
    extra = [k for k in got_keys if k not in by_key]
    dups = len(got_keys) - len(set(got_keys))
    assert not missing and not extra and not dups, (
        f"{context}: {len(results)} results, {len(expected)} expected; "
        f"missed {len(missing)} {[describe(k) for k in missing[:5]]}; "
        f"extra {len(extra)} {[describe(k) for k in extra[:5]]}; duplicates {dups}"
    )
    for result, key in zip(results, got_keys, strict=True):
        obj = by_key[key]
        if isinstance(result, entity_cls):
            assert result == obj, f"{context}: {describe(result)} != {describe(obj)}"
        else:
            for f in dataclasses.fields(result):
                assert getattr(result, f.name) == getattr(obj, f.name), (
                    f"{context}: {type(result).__name__}.{f.name} of {describe(key)}: "
                    f"{getattr(result, f.name)!r} != {getattr(obj, f.name)!r}"
                )
    if order is None:
        return
    got_order = [order(by_key[k]) for k in got_keys]
    want_order = sorted(got_order, reverse=desc)
    assert got_order == want_order, (
        f"{context}: results not in {'descending' if desc else 'ascending'} "
        f"sort-key order: {got_order[:10]}..."
    )
