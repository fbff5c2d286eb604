"""Unversioned entities: Order (created_at in the sort key) and AuditEvent (plain keys).

Their ``put`` is an unconditional upsert, their ``update`` and ``delete`` take no
``expected_version``; ``auto: created`` is set on create, and on put when absent.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.repository._support import (
    START,
    UTC,
    FakeClock,
    RequestLog,
    ShopTables,
)

STAMP = "2024-05-01T12:00:00.123456Z"


def order(shop: Any, customer_id: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "order_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "customer_id": customer_id,
        "status": shop.OrderStatus.PENDING,
        "total": Decimal("59.90"),
        "lines": [
            shop.OrderLine(sku="BOOK-1", quantity=2, price=Decimal("29.95")),
            shop.OrderLine(sku="PEN", quantity=1, price=Decimal("0")),
        ],
    }
    values.update(fields)
    return shop.Order(**values)


def order_key(customer_id: str, created: str, order_id: uuid.UUID) -> dict[str, Any]:
    return {
        "pk": {"S": f"CUSTOMER#{customer_id}"},
        "sk": {"S": f"ORDER#{created}#{order_id}"},
    }


def raw_order(tables: ShopTables, key: dict[str, Any]) -> dict[str, Any] | None:
    response = tables.client.get_item(
        TableName=tables.shop, Key=key, ConsistentRead=True
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


def get_order(db: Any, o: Any) -> Any:
    return db.order.get(
        customer_id=o.customer_id,
        created_at=o.created_at,
        order_id=o.order_id,
        consistent=True,
    )


# -- Order -----------------------------------------------------------------------------


def test_order_create_get_and_raw_item(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    item = order(shop, uid, expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    before = copy.deepcopy(item)
    created = db.order.create(item)
    assert item == before and item.created_at is None
    assert created.created_at == START
    assert get_order(db, created) == created
    oid = created.order_id
    raw = raw_order(shop_tables, order_key(uid, STAMP, oid))
    assert raw is not None
    assert raw["gsi1pk"] == {"S": f"ORDER#{oid}"}
    assert raw["gsi1sk"] == {"S": "ORDER"}
    assert raw["_type"] == {"S": "Order"}
    assert raw["order_id"] == {"S": str(oid)}
    assert raw["total"]["N"] in ("59.90", "59.9")  # dynalite canonicalizes numbers
    assert raw["created_at"] == {"S": STAMP}
    assert raw["expires_at"] == {"N": "1893456000"}
    assert raw["status"] == {"S": "pending"}
    assert len(raw["lines"]["L"]) == 2
    assert "version" not in raw and "updated_at" not in raw


def test_order_create_existing_raises_with_item(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    first = db.order.create(order(shop, uid))
    with (
        RequestLog(shop_tables.client) as log,
        pytest.raises(shop.AlreadyExistsError) as caught,
    ):
        db.order.create(order(shop, uid, status=shop.OrderStatus.PAID))
    assert caught.value.item == first
    expected_ops = ["PutItem"]
    if shop_tables.backend.lacks("old_item_on_condition_failure"):
        expected_ops.append("GetItem")
    assert log.operations == expected_ops
    assert get_order(db, first) == first


def test_order_put_is_an_upsert(db: Any, shop: Any, clock: FakeClock, uid: str) -> None:
    item = order(shop, uid)
    put = db.order.put(item)
    assert item.created_at is None, "put changed its argument"
    assert put.created_at == START, "created_at is set on put when absent"
    assert get_order(db, put) == put
    clock.advance()
    changed = copy.deepcopy(put)
    changed.status = shop.OrderStatus.SHIPPED
    changed.lines = []
    again = db.order.put(changed)
    assert again.created_at == START, "created_at is kept on put when given"
    assert again == changed
    assert get_order(db, put) == again
    # The created_at a put keeps is the object's own, even when it is not the clock's.
    old = datetime(2020, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    kept = db.order.put(order(shop, uid, created_at=old))
    assert kept.created_at == old
    assert get_order(db, kept) == kept


def test_order_update_each_kind(
    db: Any, shop: Any, shop_tables: ShopTables, clock: FakeClock, uid: str
) -> None:
    created = db.order.create(order(shop, uid))
    key = {
        "customer_id": uid,
        "created_at": created.created_at,
        "order_id": created.order_id,
    }
    clock.advance()
    lines = [shop.OrderLine(sku="HAT", quantity=3, price=Decimal("1.5"))]
    expires = datetime(2031, 6, 1, 8, 30, 15, 999, tzinfo=UTC)
    updated = db.order.update(
        **key,
        status=shop.OrderStatus.PAID,
        total=Decimal("4.50"),
        lines=lines,
        expires_at=expires,
    )
    expected = copy.deepcopy(created)
    expected.status = shop.OrderStatus.PAID
    expected.total = Decimal("4.50")
    expected.lines = lines
    expected.expires_at = expires.replace(microsecond=0)  # epoch: whole seconds
    assert updated == expected
    assert get_order(db, created) == expected
    raw = raw_order(shop_tables, order_key(uid, STAMP, created.order_id))
    assert raw is not None
    assert raw["created_at"] == {"S": STAMP}, "update must not touch created_at"
    assert raw["lines"]["L"][0]["M"]["sku"] == {"S": "HAT"}

    unchanged = db.order.update(**key, expires_at=shop.UNSET, lines=shop.UNSET)
    assert unchanged == expected
    removed = db.order.update(**key, expires_at=None)
    assert removed.expires_at is None
    raw = raw_order(shop_tables, order_key(uid, STAMP, created.order_id))
    assert raw is not None and "expires_at" not in raw
    emptied = db.order.update(**key, lines=[])
    assert emptied.lines == []


def test_order_update_missing_raises_not_found(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    oid = uuid.uuid4()
    with pytest.raises(shop.NotFoundError) as caught:
        db.order.update(
            customer_id=uid,
            created_at=START,
            order_id=oid,
            status=shop.OrderStatus.PAID,
        )
    assert caught.value.key == shop.OrderKey(
        customer_id=uid, created_at=START, order_id=oid
    )
    with pytest.raises(shop.NotFoundError):
        db.order.update(customer_id=uid, created_at=START, order_id=oid)
    assert raw_order(shop_tables, order_key(uid, STAMP, oid)) is None


def test_order_update_without_arguments_returns_current(
    db: Any, shop: Any, uid: str
) -> None:
    created = db.order.create(order(shop, uid))
    assert (
        db.order.update(
            customer_id=uid, created_at=created.created_at, order_id=created.order_id
        )
        == created
    )


def test_order_delete(db: Any, shop: Any, uid: str) -> None:
    created = db.order.create(order(shop, uid))
    key = {
        "customer_id": uid,
        "created_at": created.created_at,
        "order_id": created.order_id,
    }
    assert db.order.delete(**key) == created
    assert db.order.delete(**key) is None
    assert db.order.get(**key, consistent=True) is None


def test_order_key_datetime_with_offset_is_the_same_key(
    db: Any, shop: Any, uid: str
) -> None:
    created = db.order.create(order(shop, uid))
    from datetime import timezone

    local = created.created_at.astimezone(timezone(timedelta(hours=-5)))
    found = db.order.get(customer_id=uid, created_at=local, order_id=created.order_id)
    assert found == created


# -- AuditEvent ------------------------------------------------------------------------


def event(shop: Any, entity_id: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "entity_id": entity_id,
        "event_id": "01HZX",
        "action": shop.AuditEventAction.UPDATE,
        "actor": "ann",
        "changes": {
            "points": [1, Decimal("2.5")],
            "name": {"old": None, "new": "Ann"},
            "flag": True,
        },
    }
    values.update(fields)
    return shop.AuditEvent(**values)


def audit_key(entity_id: str, event_id: str = "01HZX") -> dict[str, Any]:
    return {"entity_id": {"S": entity_id}, "event_id": {"S": event_id}}


def raw_audit(tables: ShopTables, key: dict[str, Any]) -> dict[str, Any] | None:
    response = tables.client.get_item(
        TableName=tables.audit, Key=key, ConsistentRead=True
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


def test_audit_create_get_put_update_delete(
    db: Any, shop: Any, shop_tables: ShopTables, clock: FakeClock, uid: str
) -> None:
    entity_id = f"Customer#{uid}"
    created = db.audit_event.create(event(shop, entity_id))
    assert created.occurred_at == START
    assert (
        db.audit_event.get(entity_id=entity_id, event_id="01HZX", consistent=True)
        == created
    )
    raw = raw_audit(shop_tables, audit_key(entity_id))
    assert raw is not None
    assert raw["changes"]["M"]["name"] == {
        "M": {"old": {"NULL": True}, "new": {"S": "Ann"}}
    }
    assert raw["_type"] == {"S": "AuditEvent"}

    clock.advance()
    with pytest.raises(shop.AlreadyExistsError) as caught:
        db.audit_event.create(event(shop, entity_id, actor="bob"))
    assert caught.value.item == created

    later = clock.advance()
    put = db.audit_event.put(event(shop, entity_id, actor="cy"))
    assert put.occurred_at == later, "occurred_at is set on put when absent"
    assert db.audit_event.get(entity_id=entity_id, event_id="01HZX") == put

    updated = db.audit_event.update(
        entity_id=entity_id,
        event_id="01HZX",
        action=shop.AuditEventAction.DELETE,
        actor="dee",
        changes=[1, "two", None],
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    assert updated.actor == "dee" and updated.changes == [1, "two", None]
    assert updated.action == shop.AuditEventAction.DELETE
    assert updated.occurred_at == later
    cleared = db.audit_event.update(
        entity_id=entity_id, event_id="01HZX", changes=None, expires_at=None
    )
    assert cleared.changes is None and cleared.expires_at is None
    raw = raw_audit(shop_tables, audit_key(entity_id))
    assert raw is not None and "changes" not in raw and "expires_at" not in raw

    with pytest.raises(shop.NotFoundError):
        db.audit_event.update(entity_id=entity_id, event_id="nope", actor="x")
    assert raw_audit(shop_tables, audit_key(entity_id, "nope")) is None

    assert db.audit_event.delete(entity_id=entity_id, event_id="01HZX") == cleared
    assert db.audit_event.delete(entity_id=entity_id, event_id="01HZX") is None
