"""Declared updates (``updates:`` in the schema) and the ``card`` view of Product.

Declared updates step the version and ``updated_at`` like ``update``, take
``expected_version``, return the new item, raise ``NotFoundError`` for a missing item and
``ConditionFailedError`` (with the stored item) when their condition fails; one that sets
a field of an index key template rewrites the derived attribute in the same request.
"""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest

from tests.repository._support import (
    FakeClock,
    RequestLog,
    SentBodies,
    ShopTables,
    customer_key,
    product_key,
    raw_item,
)


def product(shop: Any, sku: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "sku": sku,
        "name": "Mug",
        "category": "kitchen",
        "price_cents": 450,
        "count": 5,
    }
    values.update(fields)
    return shop.Product(**values)


# -- Customer.add_points: ADD points :points if status = :status -------------------------


def test_add_points(
    db: Any, shop: Any, shop_tables: ShopTables, clock: FakeClock, uid: str
) -> None:
    created = db.customer.create(shop.Customer(customer_id=uid, email="a@b.c"))
    later = clock.advance()
    with RequestLog(shop_tables.client) as log:
        updated = db.customer.add_points(
            customer_id=uid, points=5, status=shop.CustomerStatus.ACTIVE
        )
    assert log.operations == ["UpdateItem"]
    expected = copy.deepcopy(created)
    expected.points, expected.version, expected.updated_at = 5, 2, later
    assert updated == expected
    assert db.customer.get(customer_id=uid, consistent=True) == expected
    again = db.customer.add_points(
        customer_id=uid,
        points=-2,
        status=shop.CustomerStatus.ACTIVE,
        expected_version=2,
    )
    assert again.points == 3 and again.version == 3


def test_add_points_condition_failure(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    created = db.customer.create(
        shop.Customer(
            customer_id=uid, email="a@b.c", status=shop.CustomerStatus.SUSPENDED
        )
    )
    with pytest.raises(shop.ConditionFailedError) as caught:
        db.customer.add_points(
            customer_id=uid, points=5, status=shop.CustomerStatus.ACTIVE
        )
    assert type(caught.value) is shop.ConditionFailedError
    assert caught.value.item == created
    # The version matches, so it is the declared condition that failed.
    with pytest.raises(shop.ConditionFailedError) as caught:
        db.customer.add_points(
            customer_id=uid,
            points=5,
            status=shop.CustomerStatus.ACTIVE,
            expected_version=1,
        )
    assert type(caught.value) is shop.ConditionFailedError
    assert db.customer.get(customer_id=uid, consistent=True) == created


def test_add_points_version_conflict_and_missing(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    created = db.customer.create(shop.Customer(customer_id=uid, email="a@b.c"))
    with pytest.raises(shop.VersionConflictError) as caught:
        db.customer.add_points(
            customer_id=uid,
            points=1,
            status=shop.CustomerStatus.ACTIVE,
            expected_version=7,
        )
    assert caught.value.item == created
    with pytest.raises(shop.NotFoundError) as missing:
        db.customer.add_points(
            customer_id=uid + "-no", points=1, status=shop.CustomerStatus.ACTIVE
        )
    assert missing.value.key == shop.CustomerKey(customer_id=uid + "-no")
    assert raw_item(shop_tables, customer_key(uid + "-no")) is None


def test_add_points_on_item_written_by_other_code(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    """No points, no version: ADD starts from the default 0, the version becomes 1."""
    shop_tables.client.put_item(
        TableName=shop_tables.shop,
        Item={
            **customer_key(uid),
            "customer_id": {"S": uid},
            "email": {"S": "e"},
            "status": {"S": "active"},
        },
    )
    updated = db.customer.add_points(
        customer_id=uid, points=4, status=shop.CustomerStatus.ACTIVE, expected_version=0
    )
    assert updated.points == 4 and updated.version == 1


def test_add_points_condition_sees_stored_item_as_it_is(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    """An item without `status` reads as active, but the condition sees no status."""
    shop_tables.client.put_item(
        TableName=shop_tables.shop,
        Item={**customer_key(uid), "customer_id": {"S": uid}, "email": {"S": "e"}},
    )
    assert db.customer.get(customer_id=uid).status == shop.CustomerStatus.ACTIVE
    with pytest.raises(shop.ConditionFailedError):
        db.customer.add_points(
            customer_id=uid, points=1, status=shop.CustomerStatus.ACTIVE
        )


def test_add_points_bad_arguments_send_nothing(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    with RequestLog(shop_tables.client) as log:
        with pytest.raises(TypeError):
            db.customer.add_points(
                customer_id=uid, points="1", status=shop.CustomerStatus.ACTIVE
            )
        with pytest.raises(TypeError):
            db.customer.add_points(customer_id=uid, points=1, status="active")
    assert log.operations == []


# -- Product.reserve_stock / restock / set_price -----------------------------------------


def test_reserve_stock(db: Any, shop: Any, clock: FakeClock, uid: str) -> None:
    db.product.create(product(shop, uid, count=5))
    later = clock.advance()
    reserved = db.product.reserve_stock(
        sku=uid, quantity=3, on_sale=shop.ProductStatus.ACTIVE
    )
    assert reserved.count == 2 and reserved.version == 2
    assert reserved.updated_at == later
    with pytest.raises(shop.ConditionFailedError) as caught:
        db.product.reserve_stock(sku=uid, quantity=3, on_sale=shop.ProductStatus.ACTIVE)
    assert type(caught.value) is shop.ConditionFailedError
    assert caught.value.item == reserved
    exact = db.product.reserve_stock(
        sku=uid, quantity=2, on_sale=shop.ProductStatus.ACTIVE, expected_version=2
    )
    assert exact.count == 0 and exact.version == 3
    with pytest.raises(shop.VersionConflictError):
        db.product.reserve_stock(
            sku=uid, quantity=0, on_sale=shop.ProductStatus.ACTIVE, expected_version=2
        )
    with pytest.raises(shop.NotFoundError):
        db.product.reserve_stock(
            sku=uid + "-no", quantity=1, on_sale=shop.ProductStatus.ACTIVE
        )


def test_reserve_stock_not_on_sale(db: Any, shop: Any, uid: str) -> None:
    created = db.product.create(
        product(shop, uid, status=shop.ProductStatus.DISCONTINUED)
    )
    with pytest.raises(shop.ConditionFailedError) as caught:
        db.product.reserve_stock(sku=uid, quantity=1, on_sale=shop.ProductStatus.ACTIVE)
    assert caught.value.item == created


def test_restock(db: Any, shop: Any, shop_tables: ShopTables, uid: str) -> None:
    db.product.create(product(shop, uid, count=1))
    restocked = db.product.restock(sku=uid, quantity=10)
    assert restocked.count == 11 and restocked.version == 2
    raw = raw_item(shop_tables, product_key(uid))
    assert raw is not None and raw["count"] == {"N": "11"}
    with pytest.raises(shop.NotFoundError):
        db.product.restock(sku=uid + "-no", quantity=1)
    assert raw_item(shop_tables, product_key(uid + "-no")) is None, "no upsert"
    with pytest.raises(shop.VersionConflictError) as caught:
        db.product.restock(sku=uid, quantity=1, expected_version=1)
    assert caught.value.item == restocked


def test_set_price_rewrites_gsi2sk_in_the_same_request(
    db: Any, shop: Any, shop_tables: ShopTables, clock: FakeClock, uid: str
) -> None:
    db.product.create(product(shop, uid))
    later = clock.advance()
    with RequestLog(shop_tables.client) as log:
        updated = db.product.set_price(sku=uid, price_cents=99, expected_version=1)
    assert log.operations == ["UpdateItem"]
    assert updated.price_cents == 99 and updated.version == 2
    assert updated.updated_at == later
    raw = raw_item(shop_tables, product_key(uid))
    assert raw is not None
    assert raw["gsi2sk"] == {"S": f"PRICE#0000000099#{uid}"}
    assert raw["price_cents"] == {"N": "99"}
    assert raw["gsi2pk"] == {"S": "CATEGORY#kitchen"}
    with RequestLog(shop_tables.client) as log:
        with pytest.raises(ValueError, match="price_cents"):
            db.product.set_price(sku=uid, price_cents=-5)
        with pytest.raises(ValueError, match="price_cents"):
            db.product.set_price(sku=uid, price_cents=10**10)
    assert log.operations == []


# -- the card view ---------------------------------------------------------------------


def test_get_card_reads_only_the_view(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    db.product.create(
        product(shop, uid, description="long text", specs={"a": "b"}, size="L")
    )
    with SentBodies(shop_tables.client) as sent:
        card = db.product.get_card(sku=uid, consistent=True)
    models = importlib.import_module(f"{shop.__name__}.models")
    assert card == models.ProductCard(
        sku=uid,
        name="Mug",
        price_cents=450,
        status=shop.ProductStatus.ACTIVE,
        count=5,
    )
    assert card.key() == shop.ProductKey(sku=uid)
    (operation, body), *_ = sent.bodies
    assert operation == "GetItem" and body["ConsistentRead"] is True
    projected = set(body["ExpressionAttributeNames"].values())
    assert {"name", "price_cents", "status", "count", "sku"} <= projected
    assert not {"description", "specs", "size"} & projected
    assert db.product.get_card(sku=uid + "-no") is None
