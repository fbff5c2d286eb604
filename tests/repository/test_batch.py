"""batch_get / batch_put / batch_delete on every backend: chunking at DynamoDB's limits,
input order, distinct keys, duplicate refusal before any request, unprocessed leftovers.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest

from tests.repository._support import FakeClock, SentBodies, ShopTables


def customer(shop: Any, uid: str, n: int) -> Any:
    return shop.Customer(customer_id=f"{uid}-{n}", email=f"{uid}-{n}@example.com")


def test_batch_put_then_get_in_input_order(
    shop: Any, db: Any, shop_tables: ShopTables, uid: str
) -> None:
    items = [customer(shop, uid, n) for n in range(130)]  # 6 BatchWriteItem requests
    sent = SentBodies(shop_tables.client)
    with sent:
        db.customer.batch_put(items)
    writes = [b for op, b in sent.bodies if op == "BatchWriteItem"]
    assert [len(next(iter(b["RequestItems"].values()))) for b in writes] == [
        25,
        25,
        25,
        25,
        25,
        5,
    ]
    keys = [db.customer.key(customer_id=f"{uid}-{n}") for n in (129, 0, 7)]
    missing = db.customer.key(customer_id=f"{uid}-missing")
    got = db.customer.batch_get([*keys, missing, keys[0]], consistent=True)
    assert [c.customer_id if c else None for c in got] == [
        f"{uid}-129",
        f"{uid}-0",
        f"{uid}-7",
        None,
        f"{uid}-129",
    ]
    assert got[0] is got[4], "a repeated key is read once"
    assert all(c.version == 1 for c in got if c is not None)


def test_batch_get_reads_each_distinct_key_once_in_chunks_of_100(
    shop: Any, db: Any, shop_tables: ShopTables, uid: str
) -> None:
    db.customer.batch_put([customer(shop, uid, n) for n in range(150)])
    keys = [db.customer.key(customer_id=f"{uid}-{n}") for n in range(150)] * 2
    sent = SentBodies(shop_tables.client)
    with sent:
        got = db.customer.batch_get(keys)
    reads = [b for op, b in sent.bodies if op == "BatchGetItem"]
    assert [len(next(iter(b["RequestItems"].values()))["Keys"]) for b in reads] == [
        100,
        50,
    ]
    assert [c.customer_id for c in got if c] == [f"{uid}-{n}" for n in range(150)] * 2


def test_batch_put_steps_the_version_and_sets_timestamps(
    shop: Any, db: Any, clock: FakeClock, uid: str
) -> None:
    stored = db.customer.create(customer(shop, uid, 1))
    db.customer.batch_put([stored, customer(shop, uid, 2)])
    first, second = db.customer.batch_get(
        [db.customer.key(customer_id=f"{uid}-{n}") for n in (1, 2)], consistent=True
    )
    assert first.version == stored.version + 1
    assert first.created_at == stored.created_at
    assert second.version == 1 and second.created_at == clock.now
    with pytest.raises(shop.VersionConflictError):
        db.customer.put(stored)  # the holder of the old version conflicts


def test_batch_delete(shop: Any, db: Any, uid: str) -> None:
    db.customer.batch_put([customer(shop, uid, n) for n in range(30)])
    keys = [db.customer.key(customer_id=f"{uid}-{n}") for n in range(30)]
    db.customer.batch_delete(keys[:27])
    got = db.customer.batch_get(keys, consistent=True)
    assert [c.customer_id for c in got if c] == [f"{uid}-{n}" for n in (27, 28, 29)]


def test_duplicates_and_bad_values_raise_before_any_request(
    shop: Any, offline_db: Any, uid: str
) -> None:
    one = customer(shop, uid, 1)
    with pytest.raises(ValueError, match="two writes to one key"):
        offline_db.customer.batch_put([one, customer(shop, uid, 1)])
    key = offline_db.customer.key(customer_id="k")
    with pytest.raises(ValueError, match="two writes to one key"):
        offline_db.customer.batch_delete([key, key])
    with pytest.raises(TypeError, match="Customer"):
        offline_db.customer.batch_put(
            [shop.Product(sku="s", name="n", category="c", price_cents=1)]
        )
    with pytest.raises(TypeError, match="CustomerKey"):
        offline_db.customer.batch_get([{"customer_id": "c"}])


class _Unprocessing:
    """A transport that processes one key (or write) per request and leaves the rest."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        ((table, body),) = request["RequestItems"].items()
        if operation == "BatchGetItem":
            keys = body["Keys"]
            kept, left = keys[:1], keys[1:]
            response: dict[str, Any] = self.inner.call(
                operation, {"RequestItems": {table: {**body, "Keys": kept}}}
            )
            if left:
                response["UnprocessedKeys"] = {table: {**body, "Keys": left}}
            return response
        kept, left = body[:1], body[1:]
        written: dict[str, Any] = self.inner.call(
            operation, {"RequestItems": {table: kept}}
        )
        if left:
            written["UnprocessedItems"] = {table: left}
        return written


def test_leftovers_are_retried_then_raised(
    shop: Any, rt: Any, db: Any, shop_tables: ShopTables, uid: str, monkeypatch: Any
) -> None:
    """Unprocessed entries are retried (one gets through per attempt here) until the
    attempts run out; what is left comes back on BatchIncompleteError as the caller's
    own objects."""
    monkeypatch.setattr(import_module(f"{rt.__name__}.batch"), "_BACKOFF_BASE", 0.0)
    transport = _Unprocessing(rt.Transport(shop_tables.client))
    table = shop_tables.shop
    items = [customer(shop, uid, n) for n in range(3)]
    repo = shop.customer_repository.CustomerRepository(transport, table, lambda: None)
    stored = [db.customer.create(i) for i in items]
    keys = [db.customer.key(customer_id=s.customer_id) for s in stored]
    got = repo.batch_get(keys, consistent=True)  # 3 keys: 3 attempts suffice
    assert [c.customer_id for c in got] == [s.customer_id for s in stored]
    many = [db.customer.key(customer_id=f"{uid}-{n}") for n in range(300)]
    with pytest.raises(shop.BatchIncompleteError) as caught:
        repo.batch_get(many)
    assert caught.value.unprocessed, "the keys still unread are carried"
    left = caught.value.unprocessed
    # one key per request got through; the unread keys of later chunks are carried too
    assert len(left) == 300 - rt.BATCH_ATTEMPTS
    assert all(isinstance(k, shop.CustomerKey) for k in left)
    writes = [customer(shop, uid, n) for n in range(100, 112)]
    with pytest.raises(shop.BatchIncompleteError) as caught_write:
        repo.batch_put(writes)
    assert len(caught_write.value.unprocessed) == 12 - rt.BATCH_ATTEMPTS
    assert all(isinstance(w, shop.Customer) for w in caught_write.value.unprocessed)


def test_throttled_requests_end_in_batch_incomplete_with_the_cause(
    shop: Any, rt: Any, monkeypatch: Any
) -> None:
    """Throttling of whole requests is retried like unprocessed keys; when the attempts
    run out, BatchIncompleteError carries everything, with the last ClientError."""
    from botocore.exceptions import ClientError

    monkeypatch.setattr(import_module(f"{rt.__name__}.batch"), "_BACKOFF_BASE", 0.0)

    class Throttled:
        calls = 0

        def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
            Throttled.calls += 1
            error = {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}
            raise ClientError(error, operation)  # type: ignore[arg-type]

    repo = shop.customer_repository.CustomerRepository(Throttled(), "t", lambda: None)
    keys = [shop.CustomerKey(customer_id=f"c{n}") for n in range(3)]
    with pytest.raises(shop.BatchIncompleteError) as caught:
        repo.batch_get(keys)
    assert caught.value.unprocessed == keys
    assert isinstance(caught.value.__cause__, ClientError)
    assert Throttled.calls == rt.BATCH_ATTEMPTS
