"""A bad value raises TypeError/ValueError before any request is sent (SPEC §3, §1.5).

Each case runs twice: on a ``Database`` whose client points at a closed port (a request
would fail with a connection error instead of the expected error), and on every backend
with the client's requests recorded (none may be sent, and nothing is stored).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.repository._support import (
    START,
    UTC,
    RequestLog,
    ShopTables,
    closed_client,
    customer_key,
    raw_item,
)

NAIVE = datetime(2024, 5, 1, 12, 0, 0)
OID = uuid.UUID("00000000-0000-4000-8000-000000000001")


@dataclass(frozen=True)
class Case:
    """One bad call: ``call(db, shop, key_id)`` must raise ``error`` (message ``match``)."""

    id: str
    call: Callable[[Any, Any, str], object]
    error: type[Exception]
    match: str | None = None


def customer(shop: Any, k: str, **fields: Any) -> Any:
    return shop.Customer(customer_id=k, email="a@b.c", **fields)


def order(shop: Any, k: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "order_id": OID,
        "customer_id": k,
        "status": shop.OrderStatus.PAID,
        "total": Decimal("1.00"),
        "lines": [],
    }
    values.update(fields)
    return shop.Order(**values)


def product(shop: Any, k: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "sku": k,
        "name": "n",
        "category": "c",
        "price_cents": 1,
    }
    values.update(fields)
    return shop.Product(**values)


def audit(shop: Any, k: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "entity_id": k,
        "event_id": "e",
        "action": shop.AuditEventAction.CREATE,
        "actor": "a",
    }
    values.update(fields)
    return shop.AuditEvent(**values)


CASES = [
    # create / put of entities with a bad field
    Case(
        "customer-id-int",
        lambda db, s, k: db.customer.create(s.Customer(customer_id=1, email="a")),
        TypeError,
        "customer_id",
    ),
    Case(
        "email-none",
        lambda db, s, k: db.customer.create(s.Customer(customer_id=k, email=None)),
        TypeError,
        "email",
    ),
    Case(
        "points-str",
        lambda db, s, k: db.customer.create(customer(s, k, points="3")),
        TypeError,
        "points",
    ),
    Case(
        "points-bool",
        lambda db, s, k: db.customer.create(customer(s, k, points=True)),
        TypeError,
        "points",
    ),
    Case(
        "points-too-big",
        lambda db, s, k: db.customer.create(customer(s, k, points=10**126)),
        ValueError,
        "points",
    ),
    Case(
        "points-39-digits",
        lambda db, s, k: db.customer.create(customer(s, k, points=10**38 + 1)),
        ValueError,
        "points",
    ),
    Case(
        "status-plain-str",
        lambda db, s, k: db.customer.create(customer(s, k, status="active")),
        TypeError,
        "status",
    ),
    Case(
        "status-other-enum",
        lambda db, s, k: db.customer.create(
            customer(s, k, status=s.ProductStatus.ACTIVE)
        ),
        TypeError,
        "status",
    ),
    Case(
        "tags-list",
        lambda db, s, k: db.customer.create(customer(s, k, tags=["a"])),
        TypeError,
        "tags",
    ),
    Case(
        "tags-of-int",
        lambda db, s, k: db.customer.create(customer(s, k, tags={1})),
        TypeError,
        "tags",
    ),
    Case(
        "address-dict",
        lambda db, s, k: db.customer.create(
            customer(s, k, address={"street": "s", "city": "c"})
        ),
        TypeError,
        "address",
    ),
    Case(
        "address-field-int",
        lambda db, s, k: db.customer.create(
            customer(s, k, address=s.Address(street=1, city="c"))
        ),
        TypeError,
        "street",
    ),
    Case(
        "name-bytes",
        lambda db, s, k: db.customer.create(customer(s, k, name=b"x")),
        TypeError,
        "name",
    ),
    Case(
        "put-naive-created-at",
        lambda db, s, k: db.customer.put(customer(s, k, version=1, created_at=NAIVE)),
        ValueError,
        "created_at",
    ),
    Case(
        "put-version-str",
        lambda db, s, k: db.customer.put(customer(s, k, version="1")),
        TypeError,
    ),
    Case(
        "order-total-float",
        lambda db, s, k: db.order.create(order(s, k, total=1.5)),
        TypeError,
        "total",
    ),
    Case(
        "order-total-nan",
        lambda db, s, k: db.order.create(order(s, k, total=Decimal("NaN"))),
        ValueError,
        "total",
    ),
    Case(
        "order-total-39-digits",
        lambda db, s, k: db.order.create(order(s, k, total=Decimal("1." + "1" * 38))),
        ValueError,
        "total",
    ),
    Case(
        "order-total-too-small",
        lambda db, s, k: db.order.create(order(s, k, total=Decimal("1E-131"))),
        ValueError,
        "total",
    ),
    Case(
        "order-id-str",
        lambda db, s, k: db.order.create(order(s, k, order_id=str(OID))),
        TypeError,
        "order_id",
    ),
    Case(
        "order-lines-tuple",
        lambda db, s, k: db.order.create(order(s, k, lines=())),
        TypeError,
        "lines",
    ),
    Case(
        "order-line-dict",
        lambda db, s, k: db.order.create(order(s, k, lines=[{"sku": "x"}])),
        TypeError,
        "lines",
    ),
    Case(
        "order-line-quantity-float",
        lambda db, s, k: db.order.create(
            order(s, k, lines=[s.OrderLine(sku="x", quantity=1.0, price=Decimal(1))])
        ),
        TypeError,
        "quantity",
    ),
    Case(
        "order-expires-naive",
        lambda db, s, k: db.order.create(order(s, k, expires_at=NAIVE)),
        ValueError,
        "expires_at",
    ),
    Case(
        "order-put-created-naive",
        lambda db, s, k: db.order.put(order(s, k, created_at=NAIVE)),
        ValueError,
        "created_at",
    ),
    Case(
        "order-put-created-date-str",
        lambda db, s, k: db.order.put(order(s, k, created_at="2024-05-01")),
        TypeError,
        "created_at",
    ),
    Case(
        "product-specs-int-value",
        lambda db, s, k: db.product.create(product(s, k, specs={"a": 1})),
        TypeError,
        "specs",
    ),
    Case(
        "product-specs-int-key",
        lambda db, s, k: db.product.create(product(s, k, specs={1: "a"})),
        TypeError,
        "specs",
    ),
    Case(
        "product-price-negative",
        lambda db, s, k: db.product.create(product(s, k, price_cents=-1)),
        ValueError,
        "price_cents",
    ),
    Case(
        "audit-json-nan",
        lambda db, s, k: db.audit_event.create(
            audit(s, k, changes={"x": float("nan")})
        ),
        ValueError,
        "changes",
    ),
    Case(
        "audit-json-int-key",
        lambda db, s, k: db.audit_event.create(audit(s, k, changes={1: "x"})),
        TypeError,
        "changes",
    ),
    Case(
        "audit-json-set",
        lambda db, s, k: db.audit_event.create(audit(s, k, changes={"a"})),
        TypeError,
        "changes",
    ),
    # update arguments
    Case(
        "update-email-none",
        lambda db, s, k: db.customer.update(customer_id=k, email=None),
        TypeError,
        "email",
    ),
    Case(
        "update-points-str",
        lambda db, s, k: db.customer.update(customer_id=k, points="1"),
        TypeError,
        "points",
    ),
    Case(
        "update-status-str",
        lambda db, s, k: db.customer.update(customer_id=k, status="suspended"),
        TypeError,
        "status",
    ),
    Case(
        "update-tags-list",
        lambda db, s, k: db.customer.update(customer_id=k, tags=["a"]),
        TypeError,
        "tags",
    ),
    Case(
        "update-address-dict",
        lambda db, s, k: db.customer.update(customer_id=k, address={"street": "s"}),
        TypeError,
        "address",
    ),
    Case(
        "update-expected-version-str",
        lambda db, s, k: db.customer.update(customer_id=k, expected_version="1"),
        TypeError,
        "expected_version",
    ),
    Case(
        "update-expected-version-bool",
        lambda db, s, k: db.customer.update(customer_id=k, expected_version=True),
        TypeError,
        "expected_version",
    ),
    Case(
        "update-order-expires-naive",
        lambda db, s, k: db.order.update(
            customer_id=k, created_at=START, order_id=OID, expires_at=NAIVE
        ),
        ValueError,
        "expires_at",
    ),
    Case(
        "update-order-total-float",
        lambda db, s, k: db.order.update(
            customer_id=k, created_at=START, order_id=OID, total=0.5
        ),
        TypeError,
        "total",
    ),
    Case(
        "update-order-lines-of-dict",
        lambda db, s, k: db.order.update(
            customer_id=k, created_at=START, order_id=OID, lines=[{}]
        ),
        TypeError,
        "lines",
    ),
    Case(
        "update-product-price-too-wide",
        lambda db, s, k: db.product.update(sku=k, price_cents=10**10),
        ValueError,
        "price_cents",
    ),
    Case(
        "update-product-specs-list",
        lambda db, s, k: db.product.update(sku=k, specs=[("a", "b")]),
        TypeError,
        "specs",
    ),
    Case(
        "update-audit-json-object",
        lambda db, s, k: db.audit_event.update(
            entity_id=k, event_id="e", changes={"a": [object()]}
        ),
        TypeError,
        "changes",
    ),
    # keys of reads and deletes
    Case(
        "get-key-int",
        lambda db, s, k: db.customer.get(customer_id=7),
        TypeError,
        "customer_id",
    ),
    Case(
        "get-order-naive",
        lambda db, s, k: db.order.get(customer_id=k, created_at=NAIVE, order_id=OID),
        ValueError,
        "created_at",
    ),
    Case(
        "get-order-id-str",
        lambda db, s, k: db.order.get(
            customer_id=k, created_at=START, order_id=str(OID)
        ),
        TypeError,
        "order_id",
    ),
    Case(
        "delete-key-none",
        lambda db, s, k: db.customer.delete(customer_id=None),
        TypeError,
        "customer_id",
    ),
    Case(
        "delete-expected-version-str",
        lambda db, s, k: db.customer.delete(customer_id=k, expected_version="2"),
        TypeError,
        "expected_version",
    ),
    Case(
        "delete-order-naive",
        lambda db, s, k: db.order.delete(customer_id=k, created_at=NAIVE, order_id=OID),
        ValueError,
        "created_at",
    ),
    # item size
    Case(
        "create-over-400kb",
        lambda db, s, k: db.customer.create(customer(s, k, name="x" * 409_600)),
        ValueError,
        "400 KB",
    ),
    Case(
        "put-over-400kb",
        lambda db, s, k: db.customer.put(customer(s, k, version=3, name="é" * 204_800)),
        ValueError,
        "400 KB",
    ),
    Case(
        "order-put-over-400kb",
        lambda db, s, k: db.order.put(
            order(
                s,
                k,
                lines=[
                    s.OrderLine(sku="x" * 1000, quantity=1, price=Decimal(1))
                    for _ in range(410)
                ],
            )
        ),
        ValueError,
        "400 KB",
    ),
    Case(
        "audit-over-400kb",
        lambda db, s, k: db.audit_event.create(
            audit(s, k, changes={"blob": "y" * 409_600})
        ),
        ValueError,
        "400 KB",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_value_raises_before_any_request(
    offline_db: Any, shop: Any, case: Case
) -> None:
    with pytest.raises(case.error, match=case.match):
        case.call(offline_db, shop, "k1")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_value_sends_nothing_to_backend(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str, case: Case
) -> None:
    with RequestLog(shop_tables.client) as log, pytest.raises(case.error):
        case.call(db, shop, uid)
    assert log.operations == []
    assert raw_item(shop_tables, customer_key(uid)) is None


def test_offline_database_really_is_offline(offline_db: Any) -> None:
    """The premise of the offline tests: a valid call fails to connect."""
    from botocore.exceptions import EndpointConnectionError

    with pytest.raises(EndpointConnectionError):
        offline_db.customer.get(customer_id="k1")


def test_clock_returning_naive_datetime(shop: Any) -> None:
    client = closed_client()
    try:
        db = shop.Database(client, clock=lambda: NAIVE)
        with pytest.raises(ValueError, match="naive"):
            db.customer.create(shop.Customer(customer_id="c", email="e"))
        with pytest.raises(ValueError, match="naive"):
            db.customer.update(customer_id="c", points=1)
        with pytest.raises(ValueError, match="naive"):
            db.order.create(order(shop, "c"))
        db = shop.Database(client, clock=lambda: "2024-05-01T12:00:00Z")
        with pytest.raises(TypeError):
            db.customer.create(shop.Customer(customer_id="c", email="e"))
    finally:
        client.close()


# -- the exact 400 KB boundary ---------------------------------------------------------


def customer_of_size(shop: Any, rt: Any, customer_id: str, size: int) -> Any:
    """A Customer whose stored item (as ``create`` writes it) is ``size`` bytes."""
    models = __import__(f"{shop.__name__}.models", fromlist=["encode_customer"])
    probe = shop.Customer(
        customer_id=customer_id,
        email="a@b.c",
        name="",
        version=1,
        created_at=START,
        updated_at=START,
    )
    base = rt.item_size(models.encode_customer(probe))
    assert size > base
    return shop.Customer(
        customer_id=customer_id, email="a@b.c", name="n" * (size - base)
    )


def test_item_one_byte_over_400kb_is_refused(
    offline_db: Any, shop: Any, rt: Any
) -> None:
    assert rt.MAX_ITEM_SIZE == 409_600
    with pytest.raises(ValueError, match="400 KB"):
        offline_db.customer.create(
            customer_of_size(shop, rt, "k1", rt.MAX_ITEM_SIZE + 1)
        )


def test_large_item_round_trips(db: Any, shop: Any, rt: Any, uid: str) -> None:
    """404,000 bytes: under every backend's limit (moto's is 405,000)."""
    created = db.customer.create(customer_of_size(shop, rt, uid, 404_000))
    assert db.customer.get(customer_id=uid, consistent=True) == created
    assert db.customer.update(customer_id=uid, points=1).name == created.name


@pytest.mark.needs("item_size_limit")
def test_item_size_matches_the_server(
    db: Any, shop: Any, rt: Any, shop_tables: ShopTables, uid: str
) -> None:
    """An item of exactly 409,600 bytes is stored; one byte more the server refuses.

    Proves that the generated size computation is DynamoDB's, not merely close to it.
    """
    models = __import__(f"{shop.__name__}.models", fromlist=["encode_customer"])
    at_limit = customer_of_size(shop, rt, uid, rt.MAX_ITEM_SIZE)
    created = db.customer.create(at_limit)
    assert rt.item_size(models.encode_customer(created)) == rt.MAX_ITEM_SIZE
    assert db.customer.get(customer_id=uid, consistent=True) == created

    over = customer_of_size(shop, rt, uid + "o", rt.MAX_ITEM_SIZE + 1)
    over.version, over.created_at, over.updated_at = 1, START, START
    wire = models.encode_customer(over)
    assert rt.item_size(wire) == rt.MAX_ITEM_SIZE + 1
    with pytest.raises(ClientError) as caught:
        shop_tables.client.put_item(TableName=shop_tables.shop, Item=wire)
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_update_with_value_over_400kb_raises_value_error(
    db: Any, shop: Any, shop_tables: ShopTables, uid: str
) -> None:
    """A single update value bigger than 400 KB can never fit an item."""
    db.customer.create(customer(shop, uid))
    with RequestLog(shop_tables.client) as log, pytest.raises(ValueError, match="400"):
        db.customer.update(customer_id=uid, name="x" * 409_601)
    assert log.operations == []


def test_create_with_aware_non_utc_expiry(db: Any, shop: Any, uid: str) -> None:
    created = db.order.create(
        order(shop, uid, expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    )
    assert created.expires_at == datetime(2030, 1, 1, tzinfo=UTC)


def test_object_of_another_entity_raises_type_error(offline_db: Any, shop: Any) -> None:
    with pytest.raises(TypeError):
        offline_db.customer.create(product(shop, "k1"))
    with pytest.raises(TypeError):
        offline_db.order.put(customer(shop, "k1"))
    with pytest.raises(TypeError):
        offline_db.customer.put({"customer_id": "c", "email": "e"})
    with pytest.raises(TypeError):
        offline_db.order.put({"customer_id": "c"})


def test_non_dataclass_argument_raises_type_error(offline_db: Any) -> None:
    with pytest.raises(TypeError):
        offline_db.customer.create(None)
    with pytest.raises(TypeError):
        offline_db.order.create({"customer_id": "c"})
