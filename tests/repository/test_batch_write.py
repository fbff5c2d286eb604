"""``with db.batch_write() as batch:``: mixed entities over the example's two tables,
chunked at 25 writes across tables, encoded as ``batch_put``/``batch_delete`` encode,
duplicates refused when added, nothing sent when the block raises, and leftovers (the
caller's own objects) reported through a fault-injecting proxy."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.faults import DENIED, FaultProxy
from tests.repository._support import SentBodies, ShopTables, raw_item
from tests.repository.test_batch import customer
from tests.repository.test_batch_faults import (
    on_call,
    proxied_db,
    stored_ids,
)
from tests.repository.test_batch_faults import proxy as proxy  # a fixture


def audit(shop: Any, uid: str, n: int) -> Any:
    return shop.AuditEvent(
        entity_id=f"Customer#{uid}",
        event_id=f"e{n:03d}",
        action=shop.AuditEventAction.CREATE,
        actor="ann",
    )


def stored_events(db: Any, uid: str) -> list[str]:
    return sorted(
        e.event_id for e in db.audit_event.for_entity(entity_id=f"Customer#{uid}").all()
    )


def test_mixed_entities_over_two_tables_chunked_at_25(
    shop: Any, db: Any, shop_tables: ShopTables, uid: str
) -> None:
    old = [customer(shop, uid, n) for n in range(100, 105)]
    db.customer.batch_put(old)
    customers = [customer(shop, uid, n) for n in range(20)]
    events = [audit(shop, uid, n) for n in range(12)]
    sent = SentBodies(shop_tables.client)
    with sent, db.batch_write() as batch:
        for c, e in zip(customers, events, strict=False):
            batch.customer.put(c)
            batch.audit_event.put(e)
        for c in customers[len(events) :]:
            batch.customer.put(c)
        for n in range(100, 105):
            batch.customer.delete(customer_id=f"{uid}-{n}")
        assert sent.bodies == [], "nothing is sent inside the block"
    writes = [b["RequestItems"] for op, b in sent.bodies if op == "BatchWriteItem"]
    # 37 writes: 25 then 12, each request spanning both tables where they fall
    assert [sum(len(v) for v in w.values()) for w in writes] == [25, 12]
    assert set(writes[0]) == {shop_tables.shop, shop_tables.audit}
    assert len(writes[0][shop_tables.audit]) == 12
    assert len(writes[1][shop_tables.shop]) == 12
    ids = [f"{uid}-{n}" for n in [*range(20), *range(100, 105)]]
    assert stored_ids(db, shop, ids) == {f"{uid}-{n}" for n in range(20)}
    assert stored_events(db, uid) == [f"e{n:03d}" for n in range(12)]


def test_put_encodes_as_batch_put(
    shop: Any, db: Any, shop_tables: ShopTables, uid: str
) -> None:
    """Versioned entities write version+1, with the auto timestamps and derived keys."""
    with db.batch_write() as batch:
        batch.customer.put(customer(shop, uid, 1))
        batch.customer.put(
            shop.Customer(customer_id=f"{uid}-2", email="x@y.z", version=4)
        )
    raw = raw_item(
        shop_tables, {"pk": {"S": f"CUSTOMER#{uid}-1"}, "sk": {"S": "PROFILE"}}
    )
    assert raw is not None
    assert raw["version"] == {"N": "1"}
    assert raw["gsi1pk"] == {"S": f"EMAIL#{uid}-1@example.com"}
    assert "created_at" in raw and "updated_at" in raw
    got = db.customer.get(customer_id=f"{uid}-2")
    assert got is not None and got.version == 5


def test_duplicate_key_refused_when_added(shop: Any, offline_db: Any, uid: str) -> None:
    with (
        pytest.raises(
            ValueError, match=r"batch\.customer\.delete: two writes to one key"
        ),
        offline_db.batch_write() as batch,
    ):
        batch.customer.put(customer(shop, uid, 1))
        batch.audit_event.put(audit(shop, uid, 1))  # another table: no clash
        batch.customer.delete(customer_id=f"{uid}-1")
    with pytest.raises(TypeError), offline_db.batch_write() as batch:
        batch.customer.put(audit(shop, uid, 1))


def test_nothing_sent_when_the_block_raises(
    shop: Any, db: Any, shop_tables: ShopTables, uid: str
) -> None:
    sent = SentBodies(shop_tables.client)
    with sent, pytest.raises(RuntimeError, match="stop"), db.batch_write() as batch:
        batch.customer.put(customer(shop, uid, 1))
        batch.audit_event.put(audit(shop, uid, 1))
        raise RuntimeError("stop")
    assert sent.bodies == []
    assert db.customer.get(customer_id=f"{uid}-1") is None
    assert stored_events(db, uid) == []


def test_empty_block_sends_nothing(db: Any, shop_tables: ShopTables) -> None:
    sent = SentBodies(shop_tables.client)
    with sent, db.batch_write():
        pass
    assert sent.bodies == []


def test_leftovers_reported_and_resumed(
    shop: Any, shop_tables: ShopTables, proxy: FaultProxy, uid: str, transport_kind: str
) -> None:
    db = proxied_db(shop, shop_tables, proxy, transport_kind, attempts=3)
    customers = [customer(shop, uid, n) for n in range(40)]
    events = [audit(shop, uid, n) for n in range(20)]
    on_call(proxy, "BatchWriteItem", {1: DENIED})  # the second of 3 requests
    with (
        pytest.raises(shop.BatchIncompleteError) as caught,
        db.batch_write() as batch,
    ):
        for c in customers:
            batch.customer.put(c)
        for e in events:
            batch.audit_event.put(e)
    error = caught.value
    # the caller's own objects, in order: the denied chunk and the one after it
    assert all(
        a is b
        for a, b in zip(error.unprocessed, [*customers, *events][25:], strict=True)
    )
    assert isinstance(error.__cause__, ClientError)
    assert error.__cause__.response["Error"]["Code"] == "AccessDeniedException"
    proxy.decide = None
    ids = [c.customer_id for c in customers]
    assert stored_ids(db, shop, ids) == set(ids[:25])
    with db.batch_write() as batch:  # resumed with the leftovers
        for left in error.unprocessed:
            getattr(
                batch, "customer" if isinstance(left, shop.Customer) else "audit_event"
            ).put(left)
    assert stored_ids(db, shop, ids) == set(ids)
    assert stored_events(db, uid) == [f"e{n:03d}" for n in range(20)]
