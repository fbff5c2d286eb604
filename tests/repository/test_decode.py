"""Items that do not fit their entity, errors as values, and what writes return.

An item written by other code that misses a required attribute, holds an unknown enum
value or a wrong DynamoDB type, or names another entity in ``_type``, raises
``DecodeError`` naming the entity, the attribute and the key — never a half-built
object (SPEC §4).
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.repository._support import UTC, FakeClock, ShopTables, customer_key


def write_raw(tables: ShopTables, customer_id: str, **attributes: Any) -> None:
    tables.client.put_item(
        TableName=tables.shop,
        Item={
            **customer_key(customer_id),
            "customer_id": {"S": customer_id},
            **attributes,
        },
    )


@pytest.mark.parametrize(
    ("attributes", "attribute"),
    [
        ({}, "email"),
        ({"email": {"S": "e"}, "status": {"S": "gone"}}, "status"),
        ({"email": {"S": "e"}, "points": {"S": "5"}}, "points"),
        ({"email": {"S": "e"}, "points": {"N": "1.5"}}, "points"),
        ({"email": {"N": "1"}}, "email"),
        ({"email": {"S": "e"}, "address": {"M": {"street": {"S": "s"}}}}, "address"),
        ({"email": {"S": "e"}, "created_at": {"S": "yesterday"}}, "created_at"),
        ({"email": {"S": "e"}, "tags": {"NS": ["1"]}}, "tags"),
    ],
    ids=[
        "missing-required",
        "unknown-enum",
        "wrong-type",
        "fraction-for-int",
        "number-for-string",
        "nested-missing",
        "bad-datetime",
        "number-set-for-string-set",
    ],
)
def test_get_of_item_not_fitting_raises_decode_error(
    db: Any,
    shop: Any,
    shop_tables: ShopTables,
    uid: str,
    attributes: dict[str, Any],
    attribute: str,
) -> None:
    write_raw(shop_tables, uid, **attributes)
    with pytest.raises(shop.DecodeError) as caught:
        db.customer.get(customer_id=uid)
    error = caught.value
    assert isinstance(error, shop.DynagenError)
    assert error.entity == "Customer"
    assert error.attribute == attribute
    assert error.key == customer_key(uid)
    assert "Customer" in str(error) and f"CUSTOMER#{uid}" in str(error)


def test_item_of_another_entity_names_its_key(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    write_raw(shop_tables, uid, email={"S": "e"}, _type={"S": "Order"})
    with pytest.raises(shop.DecodeError) as caught:
        db.customer.get(customer_id=uid)
    assert caught.value.entity == "Customer"
    assert caught.value.attribute == "_type"
    assert caught.value.key == customer_key(uid)


def test_item_without_type_attribute_is_accepted(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    write_raw(shop_tables, uid, email={"S": "e"})
    assert db.customer.get(customer_id=uid).email == "e"


def test_errors_survive_pickling(db: Any, shop: Any, uid: str) -> None:
    created = db.customer.create(shop.Customer(customer_id=uid, email="a@b.c"))
    with pytest.raises(shop.AlreadyExistsError) as exists:
        db.customer.create(created)
    with pytest.raises(shop.NotFoundError) as missing:
        db.customer.update(customer_id=uid + "-no", points=1)
    for error in (exists.value, missing.value):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
    assert pickle.loads(pickle.dumps(exists.value)).item == created
    assert pickle.loads(pickle.dumps(missing.value)).key == missing.value.key


def test_missing_table_error_propagates_unchanged(
    shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    db = shop.Database(shop_tables.client, table_prefix=f"{shop_tables.prefix}none-")
    calls: list[Callable[[], object]] = [
        lambda: db.customer.get(customer_id=uid),
        lambda: db.customer.create(shop.Customer(customer_id=uid, email="e")),
        lambda: db.customer.put(shop.Customer(customer_id=uid, email="e", version=1)),
        lambda: db.customer.update(customer_id=uid, name="x"),
        lambda: db.customer.update(customer_id=uid, name="x", expected_version=1),
        lambda: db.customer.delete(customer_id=uid),
        lambda: db.customer.delete(customer_id=uid, expected_version=1),
        lambda: db.order.put(
            shop.Order(
                order_id=uuid.uuid4(),
                customer_id=uid,
                status=shop.OrderStatus.PAID,
                total=Decimal(1),
                lines=[],
            )
        ),
    ]
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        assert not isinstance(caught.value, shop.DynagenError)
        assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


# -- what writes return is what a read returns -----------------------------------------


def test_create_returns_what_get_reads(
    db: Any, shop: Any, clock: FakeClock, uid: str
) -> None:
    created = db.customer.create(
        shop.Customer(
            customer_id=uid,
            email="a@b.c",
            tags={"t"},
            address=shop.Address(street="s", city="c"),
        )
    )
    assert db.customer.get(customer_id=uid) == created
    clock.advance()
    put = db.customer.put(created)
    assert db.customer.get(customer_id=uid) == put


def test_create_with_empty_set_returns_what_is_stored(
    db: Any, shop: Any, uid: str
) -> None:
    created = db.customer.create(shop.Customer(customer_id=uid, email="e", tags=set()))
    assert db.customer.get(customer_id=uid) == created


def test_create_with_sub_second_epoch_returns_what_is_stored(
    db: Any, shop: Any, uid: str
) -> None:
    created = db.order.create(
        shop.Order(
            order_id=uuid.uuid4(),
            customer_id=uid,
            status=shop.OrderStatus.PAID,
            total=Decimal(1),
            lines=[],
            expires_at=datetime(2030, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
        )
    )
    read = db.order.get(
        customer_id=uid, created_at=created.created_at, order_id=created.order_id
    )
    assert read == created
