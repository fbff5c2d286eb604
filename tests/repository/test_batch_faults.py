"""Batches that account for every item, through a fault-injecting proxy between the
client and the server (``tests/faults.py``), under both transports.

Every item of a batch call ends either known done or in ``BatchIncompleteError``'s
``unprocessed``, with the error as its cause; a call resumed with the leftovers
completes the set; dynagen's retries and the transport's share one budget.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.backends import Backend
from tests.faults import (
    DENIED,
    DROP,
    DROP_AFTER,
    ERROR_500,
    FORWARD,
    PARTIAL,
    FaultProxy,
)
from tests.repository._support import ShopTables
from tests.repository.test_batch import customer


@pytest.fixture
def proxy(shop_tables: ShopTables) -> Iterator[FaultProxy]:
    with FaultProxy(shop_tables.backend.endpoint_url) as running:
        yield running


@pytest.fixture
def quick_backoff(rt: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The generated runtime, with dynagen's batch backoff at 1 ms."""
    monkeypatch.setattr(import_module(f"{rt.__name__}.batch"), "_BACKOFF_BASE", 0.001)
    return rt


def proxied_db(
    shop: Any, shop_tables: ShopTables, proxy: FaultProxy, kind: str, attempts: int
) -> Any:
    through = Backend(shop_tables.backend.name, proxy.url, shop_tables.backend.region)
    retries: Any = {"mode": "standard", "total_max_attempts": attempts}
    client = through.client(Config(retries=retries))
    return shop.Database(client, table_prefix=shop_tables.prefix, transport=kind)


def on_call(proxy: FaultProxy, target: str, faults: dict[int, str]) -> None:
    """Apply ``faults[n]`` to the n-th request (from 0) to ``target``."""
    seen = [0]

    def decide(request_target: str, body: bytes) -> str:
        if request_target != target:
            return FORWARD
        n = seen[0]
        seen[0] += 1
        return faults.get(n, FORWARD)

    proxy.decide = decide


def stored_ids(db: Any, shop: Any, ids: list[str]) -> set[str]:
    keys = [db.customer.key(customer_id=i) for i in ids]
    return {c.customer_id for c in db.customer.batch_get(keys, consistent=True) if c}


def test_denied_part_way_reports_every_write_not_done(
    shop: Any, shop_tables: ShopTables, proxy: FaultProxy, uid: str, transport_kind: str
) -> None:
    db = proxied_db(shop, shop_tables, proxy, transport_kind, attempts=3)
    items = [customer(shop, uid, n) for n in range(60)]  # chunks of 25, 25, 10
    on_call(proxy, "BatchWriteItem", {1: DENIED})
    with pytest.raises(shop.BatchIncompleteError) as caught:
        db.customer.batch_put(items)
    error = caught.value
    assert error.unprocessed == items[25:]  # the denied chunk and the one after it
    assert isinstance(error.__cause__, ClientError)
    assert error.__cause__.response["Error"]["Code"] == "AccessDeniedException"
    ids = [i.customer_id for i in items]
    proxy.decide = None
    assert stored_ids(db, shop, ids) == set(ids[:25])
    db.customer.batch_put(error.unprocessed)  # resumed: the set is complete
    assert stored_ids(db, shop, ids) == set(ids)


def test_denied_before_anything_is_done_propagates(
    shop: Any, shop_tables: ShopTables, proxy: FaultProxy, uid: str, transport_kind: str
) -> None:
    db = proxied_db(shop, shop_tables, proxy, transport_kind, attempts=3)
    items = [customer(shop, uid, n) for n in range(30)]
    on_call(proxy, "BatchWriteItem", {0: DENIED})
    with pytest.raises(ClientError) as caught:
        db.customer.batch_put(items)
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert not isinstance(caught.value, shop.BatchIncompleteError)
    proxy.decide = None
    assert stored_ids(db, shop, [i.customer_id for i in items]) == set()


def test_dropped_connection_part_way_through_batch_get(
    shop: Any, shop_tables: ShopTables, proxy: FaultProxy, uid: str, transport_kind: str
) -> None:
    db = proxied_db(shop, shop_tables, proxy, transport_kind, attempts=1)
    items = [customer(shop, uid, n) for n in range(150)]
    db.customer.batch_put(items)
    keys = [db.customer.key(customer_id=i.customer_id) for i in items]
    on_call(proxy, "BatchGetItem", {1: DROP})
    with pytest.raises(shop.BatchIncompleteError) as caught:
        db.customer.batch_get(keys)
    assert caught.value.unprocessed == keys[100:]
    assert type(caught.value.__cause__).__name__ == "ConnectionClosedError"


def test_one_budget_for_dynagen_and_the_transport(
    shop: Any,
    quick_backoff: Any,
    shop_tables: ShopTables,
    proxy: FaultProxy,
    uid: str,
    transport_kind: str,
) -> None:
    """A chunk that always fails costs BATCH_ATTEMPTS requests in all, not dynagen's
    attempts times the client's (4 here): "fast" caps its own attempts to what is
    left; botocore's are counted, so its last call may run over by up to 3."""
    rt = quick_backoff
    db = proxied_db(shop, shop_tables, proxy, transport_kind, attempts=4)
    proxy.decide = lambda target, body: ERROR_500
    items = [customer(shop, uid, n) for n in range(3)]
    with pytest.raises(shop.BatchIncompleteError) as caught:
        db.customer.batch_put(items)
    assert caught.value.unprocessed == items
    sent = len(proxy.bodies("BatchWriteItem"))
    if transport_kind == "fast":
        assert sent == rt.BATCH_ATTEMPTS
    else:
        assert rt.BATCH_ATTEMPTS <= sent <= rt.BATCH_ATTEMPTS + 3


def test_thousands_of_items_under_faults_end_written_exactly_once(
    shop: Any,
    quick_backoff: Any,
    shop_tables: ShopTables,
    proxy: FaultProxy,
    uid: str,
    transport_kind: str,
) -> None:
    """Random unprocessed entries, 500s, dropped connections (before and after the
    server applied the request) and refusals: every item ends written or reported,
    and resuming with the leftovers completes the set."""
    db = proxied_db(shop, shop_tables, proxy, transport_kind, attempts=2)
    chooser = random.Random(f"{uid}-{transport_kind}")
    faults = [FORWARD] * 12 + [PARTIAL] * 4 + [ERROR_500, DROP, DROP_AFTER, DENIED]

    def decide(target: str, body: bytes) -> str:
        return chooser.choice(faults) if target == "BatchWriteItem" else FORWARD

    items = [customer(shop, uid, n) for n in range(2000)]
    pending = list(items)
    reported = 0
    for _ in range(50):
        proxy.decide = decide
        try:
            db.customer.batch_put(pending)
        except shop.BatchIncompleteError as error:
            assert error.__cause__ is not None or error.unprocessed
            assert {id(i) for i in error.unprocessed} <= {id(i) for i in pending}
            reported += 1
            pending = error.unprocessed
            continue
        except ClientError as error:  # refused before anything was written
            assert error.response["Error"]["Code"] == "AccessDeniedException"
            continue
        except Exception as error:  # a failed connection before anything was written
            assert type(error).__name__ in ("ConnectionClosedError",)
            continue
        break
    else:
        pytest.fail(f"{len(pending)} items still pending after 50 resumed calls")
    assert reported > 0, "the faults never ended a call: the test proves nothing"
    proxy.decide = None
    ids = [i.customer_id for i in items]
    stored = {
        c.customer_id: c
        for c in db.customer.batch_get(
            [db.customer.key(customer_id=i) for i in ids], consistent=True
        )
        if c is not None
    }
    assert set(stored) == set(ids)
    assert all(stored[i.customer_id].email == i.email for i in items)
    writes = proxy.bodies("BatchWriteItem")
    assert len(writes) > 80  # 2,000 items are at least 80 requests of 25
