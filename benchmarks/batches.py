"""Batch writes and reads of many ``Account`` items against the loopback endpoint.

* put: N items written 25 per BatchWriteItem: dynagen's ``db.account.batch_put`` (and
  the ``db.batch_write()`` block) under each transport, boto3's resource
  ``Table.batch_writer()`` (with the typed-to-plain conversion), PynamoDB 6's
  ``Model.batch_write()`` (instances built in advance: they are its typed objects).
* get: N items read 100 per BatchGetItem (N / 100 calls of the same 100 keys, which the
  loopback answers with those 100 items): dynagen's ``db.account.batch_get`` under each
  transport, the raw boto3 client's ``batch_get_item`` with hand-written keys and
  decoding (the floor), PynamoDB 6's ``Model.batch_get``.

The loopback answers every BatchWriteItem with no unprocessed items, so every contender
sends exactly N / 25 requests; each result is checked once before timing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from benchmarks import orms
from benchmarks.calls import PYNAMODB_TABLE, TABLE, CallContext, _client, _session
from benchmarks.calls import loopback as calls_loopback
from benchmarks.data import make_accounts
from benchmarks.handwritten import boto3_types_codec, low_level_codec
from benchmarks.loopback import LoopbackServer
from benchmarks.report import format_table, ratio
from benchmarks.timing import Timing, best_of

__all__ = ["BatchResult", "format_batches", "run_batches"]

PUT, GET = "batch_put", "batch_get"
KEYS_PER_GET = 100
OURS = "dynagen, fast transport"


@dataclass(slots=True)
class BatchResult:
    items: int
    repeats: int
    #: (operation, contender) -> time for all ``items``
    times: dict[tuple[str, str], Timing] = field(default_factory=dict)


def _responses(models: ModuleType, page: list[Any]) -> dict[Any, Any]:
    """BatchWriteItem: nothing unprocessed; BatchGetItem: the ``page`` items, in
    PynamoDB's own form for its table (routed by its table name in the body)."""
    pynamo = orms.make_pynamodb_model(
        models.Tier, table=PYNAMODB_TABLE, endpoint_url="http://127.0.0.1:9"
    )
    ours = [models.encode_account(a) for a in page]
    theirs = [orms.to_pynamodb(pynamo, a).to_dynamodb_dict() for a in page]
    return {
        ("BatchWriteItem", None): {"UnprocessedItems": {}},
        ("BatchGetItem", None): [
            (
                f'"{PYNAMODB_TABLE}"',
                {"Responses": {PYNAMODB_TABLE: theirs}, "UnprocessedKeys": {}},
            ),
            ("", {"Responses": {TABLE: ours}, "UnprocessedKeys": {}}),
        ],
    }


@contextmanager
def _server(package: ModuleType, page: list[Any]) -> Iterator[CallContext]:
    """The calls benchmark's context (environment, package) with this benchmark's own
    loopback endpoint."""
    models = importlib.import_module(package.__name__ + ".models")
    with (
        calls_loopback(package) as base,
        LoopbackServer(_responses(models, page)) as server,
    ):
        yield CallContext(
            package, models, base.runtime, server.endpoint_url, page[0], page
        )


def _contenders(
    ctx: CallContext, items: list[Any], gets: int
) -> dict[tuple[str, str], Callable[[], object]]:
    page = ctx.page
    database = ctx.package.Database
    fast = database(_client(ctx), table_names={"Bench": TABLE}, transport="fast")
    slow = database(_client(ctx), table_names={"Bench": TABLE}, transport="botocore")
    key = fast.account.key
    keys = [key(account_id=a.account_id) for a in page]

    def block() -> None:
        with fast.batch_write() as batch:
            put = batch.account.put
            for item in items:
                put(item)

    table = _session().resource("dynamodb", endpoint_url=ctx.endpoint_url).Table(TABLE)
    to_python = boto3_types_codec(ctx.models).to_python

    def boto3_put() -> None:
        with table.batch_writer() as writer:
            for item in items:
                writer.put_item(Item=to_python(item))

    client = _client(ctx)
    decode = low_level_codec(ctx.models).decode
    wire_keys = [
        {"pk": {"S": "ACCOUNT#" + a.account_id}, "sk": {"S": "PROFILE"}} for a in page
    ]

    def floor_get() -> list[Any]:
        found: list[Any] = []
        request: dict[str, Any] = {TABLE: {"Keys": wire_keys}}
        while request:
            response = client.batch_get_item(RequestItems=request)
            found += [decode(i) for i in response["Responses"].get(TABLE, ())]
            request = response.get("UnprocessedKeys") or {}
        return found

    model = orms.make_pynamodb_model(
        ctx.models.Tier, table=PYNAMODB_TABLE, endpoint_url=ctx.endpoint_url
    )
    instances = [orms.to_pynamodb(model, a) for a in items]
    pynamo_keys = [("ACCOUNT#" + a.account_id, "PROFILE") for a in page]

    def pynamodb_put() -> None:
        with model.batch_write() as batch:
            for instance in instances:
                batch.save(instance)

    def pynamodb_get() -> list[Any]:
        return list(model.batch_get(pynamo_keys))

    want = orms.account_fields
    _check([want(a) for a in fast.account.batch_get(keys)], [want(a) for a in page])
    _check([want(a) for a in slow.account.batch_get(keys)], [want(a) for a in page])
    _check([want(a) for a in floor_get()], [want(a) for a in page])
    got = sorted(orms.pynamodb_fields(i) for i in pynamodb_get())
    _check(got, sorted(want(a) for a in page))

    def repeated(call: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(gets):
                call()

        return run

    return {
        (PUT, OURS): lambda: fast.account.batch_put(items),
        (PUT, "dynagen batch_write() block, fast"): block,
        (PUT, "dynagen, botocore transport"): lambda: slow.account.batch_put(items),
        (PUT, "boto3 Table.batch_writer + conversion"): boto3_put,
        (PUT, "PynamoDB 6 Model.batch_write"): pynamodb_put,
        (GET, OURS): repeated(lambda: fast.account.batch_get(keys)),
        (GET, "dynagen, botocore transport"): repeated(
            lambda: slow.account.batch_get(keys)
        ),
        (GET, "boto3 client batch_get_item + decoding"): repeated(floor_get),
        (GET, "PynamoDB 6 Model.batch_get"): repeated(pynamodb_get),
    }


def _check(got: object, want: object) -> None:
    if got != want:
        raise RuntimeError("a batch contender returned the wrong items")


def run_batches(package: ModuleType, *, items: int, repeats: int) -> BatchResult:
    """Time every contender writing and reading ``items`` items, best of ``repeats``."""
    models = importlib.import_module(package.__name__ + ".models")
    page = make_accounts(models, KEYS_PER_GET, seed=11)
    written = make_accounts(models, items, seed=12)
    with _server(package, page) as ctx:
        contenders = _contenders(ctx, written, max(1, items // KEYS_PER_GET))
        for run in contenders.values():  # warm-up: connections, lazy imports
            run()
        timings = best_of(list(contenders.values()), repeats)
    return BatchResult(items, repeats, dict(zip(contenders, timings, strict=True)))


def format_batches(result: BatchResult) -> str:
    """One row per contender: ms for all items (wall, CPU), items/s, and how many
    times dynagen's fast transport is faster (wall, CPU)."""
    rows: list[list[str]] = []
    for (operation, label), timing in result.times.items():
        ours = result.times[operation, OURS]
        rows.append(
            [
                f"{operation}: {label}",
                f"{timing.wall * 1e3:.1f}",
                f"{timing.cpu * 1e3:.1f}",
                f"{result.items / timing.wall:,.0f}",
                ratio(timing.wall, ours.wall),
                ratio(timing.cpu, ours.cpu),
            ]
        )
    headers = ["contender", "ms", "cpu ms", "items/s", "fast speed-up", "(cpu)"]
    return (
        f"batches: {result.items:,} items, 25 per BatchWriteItem, 100 per BatchGetItem"
        f" (best of {result.repeats})\n" + format_table(headers, rows)
    )
