"""ProductRepository: reserved words as attribute names and the derived gsi2 keys.

``name``, ``status``, ``count`` and ``size`` are DynamoDB reserved words; every write
must go through placeholders. ``gsi2pk`` is built from ``category`` and ``gsi2sk`` from
``price_cents`` (zero-padded to 10) and ``sku``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.repository._support import (
    START,
    FakeClock,
    RequestLog,
    SentBodies,
    ShopTables,
    product_key,
    raw_item,
)


def product(shop: Any, sku: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "sku": sku,
        "name": "T-shirt",
        "category": "shirts",
        "price_cents": 1999,
        "size": "M",
        "count": 12,
        "description": "Cotton",
        "specs": {"colour": "red", "fit": "slim"},
    }
    values.update(fields)
    return shop.Product(**values)


def test_create_stores_reserved_word_attributes_and_gsi2(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    created = db.product.create(product(shop, uid))
    assert created.version == 1 and created.created_at == START
    assert db.product.get(sku=uid, consistent=True) == created
    raw = raw_item(shop_tables, product_key(uid))
    assert raw is not None
    assert raw["name"] == {"S": "T-shirt"}
    assert raw["status"] == {"S": "active"}
    assert raw["count"] == {"N": "12"}
    assert raw["size"] == {"S": "M"}
    assert raw["specs"] == {"M": {"colour": {"S": "red"}, "fit": {"S": "slim"}}}
    assert raw["gsi2pk"] == {"S": "CATEGORY#shirts"}
    assert raw["gsi2sk"] == {"S": f"PRICE#0000001999#{uid}"}
    assert raw["_type"] == {"S": "Product"}
    assert "gsi1pk" not in raw and "gsi1sk" not in raw


def test_update_every_reserved_word(
    db: Any, shop: Any, shop_tables: ShopTables, clock: FakeClock, uid: str
) -> None:
    db.product.create(product(shop, uid))
    later = clock.advance()
    updated = db.product.update(
        sku=uid,
        name="Polo",
        status=shop.ProductStatus.DISCONTINUED,
        count=0,
        size="XL",
        expected_version=1,
    )
    assert (updated.name, updated.status, updated.count, updated.size) == (
        "Polo",
        shop.ProductStatus.DISCONTINUED,
        0,
        "XL",
    )
    assert updated.version == 2 and updated.updated_at == later
    raw = raw_item(shop_tables, product_key(uid))
    assert raw is not None
    assert raw["name"] == {"S": "Polo"} and raw["status"] == {"S": "discontinued"}
    assert raw["count"] == {"N": "0"} and raw["size"] == {"S": "XL"}
    removed = db.product.update(sku=uid, size=None, description=None, specs=None)
    assert (removed.size, removed.description, removed.specs) == (None, None, None)
    raw = raw_item(shop_tables, product_key(uid))
    assert raw is not None
    assert not {"size", "description", "specs"} & set(raw)


def test_put_and_delete_with_reserved_words(
    db: Any, shop: Any, shop_tables: ShopTables, clock: FakeClock, uid: str
) -> None:
    created = db.product.create(product(shop, uid))
    clock.advance()
    changed = copy.deepcopy(created)
    changed.name, changed.count, changed.size = "Vest", 3, None
    changed.status = shop.ProductStatus.DISCONTINUED
    put = db.product.put(changed)
    assert put.version == 2
    raw = raw_item(shop_tables, product_key(uid))
    assert raw is not None
    assert raw["name"] == {"S": "Vest"} and raw["count"] == {"N": "3"}
    assert raw["status"] == {"S": "discontinued"} and "size" not in raw
    with pytest.raises(shop.VersionConflictError) as caught:
        db.product.delete(sku=uid, expected_version=1)
    assert caught.value.item == put
    assert db.product.delete(sku=uid, expected_version=2) == put
    assert raw_item(shop_tables, product_key(uid)) is None


def test_update_price_rewrites_gsi2sk_in_the_same_request(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    db.product.create(product(shop, uid))
    with RequestLog(shop_tables.client) as log:
        updated = db.product.update(sku=uid, price_cents=250)
    assert log.operations == ["UpdateItem"]
    assert updated.price_cents == 250
    raw = raw_item(shop_tables, product_key(uid))
    assert raw is not None
    assert raw["gsi2sk"] == {"S": f"PRICE#0000000250#{uid}"}
    assert raw["gsi2pk"] == {"S": "CATEGORY#shirts"}, "gsi2pk is unchanged"
    assert raw["price_cents"] == {"N": "250"}


def test_update_category_rewrites_gsi2pk_only(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    db.product.create(product(shop, uid))
    db.product.update(sku=uid, category="polo shirts")
    raw = raw_item(shop_tables, product_key(uid))
    assert raw is not None
    assert raw["category"] == {"S": "polo shirts"}
    assert raw["gsi2pk"]["S"].startswith("CATEGORY#polo")
    assert raw["gsi2sk"] == {"S": f"PRICE#0000001999#{uid}"}


def test_update_not_touching_index_fields_leaves_index_keys(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    db.product.create(product(shop, uid))
    with SentBodies(shop_tables.client) as sent:
        db.product.update(sku=uid, count=1)
    (operation, body), *_ = sent.bodies
    assert operation == "UpdateItem"
    assert "gsi2pk" not in body["ExpressionAttributeNames"].values()
    assert "gsi2sk" not in body["ExpressionAttributeNames"].values()


def test_price_padding_bounds(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    created = db.product.create(product(shop, uid, price_cents=9_999_999_999))
    raw = raw_item(shop_tables, product_key(uid))
    assert raw is not None and raw["gsi2sk"] == {"S": f"PRICE#9999999999#{uid}"}
    for bad in (-1, 10_000_000_000):
        with pytest.raises(ValueError, match="price_cents"):
            db.product.update(sku=uid, price_cents=bad)
        with pytest.raises(ValueError, match="price_cents"):
            db.product.create(product(shop, uid + "x", price_cents=bad))
    assert db.product.get(sku=uid, consistent=True) == created
    assert db.product.get(sku=uid + "x", consistent=True) is None


def test_empty_specs_map_round_trips(db: Any, shop: Any, uid: str) -> None:
    created = db.product.create(product(shop, uid, specs={}))
    assert db.product.get(sku=uid, consistent=True) == created
    assert db.product.update(sku=uid, specs={}).specs == {}


def test_update_missing_product_raises_not_found(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    with pytest.raises(shop.NotFoundError) as caught:
        db.product.update(sku=uid, price_cents=1)
    assert caught.value.key == shop.ProductKey(sku=uid)
    assert raw_item(shop_tables, product_key(uid)) is None


def test_product_without_version_in_store(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    shop_tables.client.put_item(
        TableName=shop_tables.shop,
        Item={
            **product_key(uid),
            "sku": {"S": uid},
            "name": {"S": "Old"},
            "category": {"S": "misc"},
            "price_cents": {"N": "5"},
        },
    )
    old = db.product.get(sku=uid)
    assert old == shop.Product(
        sku=uid, name="Old", category="misc", price_cents=5, version=0
    )
    assert old.count == 0 and old.status == shop.ProductStatus.ACTIVE
    updated = db.product.update(sku=uid, price_cents=6, expected_version=0)
    assert updated.version == 1
    raw = raw_item(shop_tables, product_key(uid))
    assert raw is not None
    assert raw["gsi2sk"] == {"S": f"PRICE#0000000006#{uid}"}
    assert raw["version"] == {"N": "1"}


def test_a_view_on_an_index_reads_only_what_the_index_projects(
    shop: Any, db: Any, shop_tables: ShopTables, uid: str
) -> None:
    """gsi2 projects name, category, price_cents, status and count, not sku: the card
    view reads sku back from the table key, and asks the index for nothing else (a
    global index refuses a ProjectionExpression naming what it does not project)."""
    category = f"cat-{uid}"
    db.product.batch_put(
        [
            shop.Product(
                sku=f"{uid}-{n}", name=f"n{n}", category=category, price_cents=n
            )
            for n in (3, 1, 2)
        ]
    )
    sent = SentBodies(shop_tables.client)
    with sent:
        cards = db.product.in_category(category=category).page(limit=10)
    assert [(c.sku, c.price_cents) for c in cards.items] == [
        (f"{uid}-1", 1),
        (f"{uid}-2", 2),
        (f"{uid}-3", 3),
    ]
    ((_, body),) = [(op, b) for op, b in sent.bodies if op == "Query"]
    read = {
        body["ExpressionAttributeNames"][name.strip()]
        for name in body["ProjectionExpression"].split(",")
    }
    assert "sku" not in read
    assert read <= {
        "pk",
        "sk",
        "gsi2pk",
        "gsi2sk",
        "name",
        "category",
        "price_cents",
        "status",
        "count",
    }
