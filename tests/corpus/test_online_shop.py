"""The online shop (``online_shop.yaml``, after AWS's public single-table design) on
both servers: an order's details (order, items, shipments, shipment items, invoice,
payments) in one Query, equal to what six entity queries read, and the shop's other
collections on the table key and on GSI1.

Expected orders come from the key text the schema's templates prescribe, written out
here by hand (``o#<order>``, ``p#<product>``, ...), not from the generated code.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.backends import Backend
from tests.collections.conftest import built_package, tables_on
from tests.declared_queries.test_paging import read_pages

SCHEMA = Path(__file__).resolve().with_name("online_shop.yaml")
T0 = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
BIG = "ord-1001"  # 1 order, 30 items, 3 shipments, 12 shipment items, 1 invoice, 3 payments
SMALL = "ord-1002"


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with built_package(tmp_path_factory, SCHEMA, "onlineshop") as package:
        yield package


def address(shop: Any, n: int) -> Any:
    return shop.Address(
        line1=f"{n} High St", city="Leeds", postcode="LS1 4AP", country="GB"
    )


@dataclass
class Order:
    """An order's partition: every object, and each one's sort key."""

    order: Any
    by_sk: dict[str, Any]


def order_partition(shop: Any, order_id: str, items: int, rnd: random.Random) -> Order:
    placed = T0 + timedelta(days=rnd.randrange(30))
    products = [f"sku-{n:03d}" for n in rnd.sample(range(200), items)]
    lines = [
        shop.OrderItem(
            order_id=order_id,
            product_id=p,
            quantity=rnd.randrange(1, 4),
            unit_price=Decimal(rnd.randrange(100, 5000)) / 100,
        )
        for p in products
    ]
    total = sum((i.unit_price * i.quantity for i in lines), Decimal(0))
    order = shop.Order(
        order_id=order_id,
        customer_id="cust-1",
        placed_at=placed,
        status=shop.OrderStatus.SHIPPED,
        ship_to=address(shop, 1),
        total=total,
    )
    by_sk: dict[str, Any] = {f"o#{order_id}": order}
    by_sk |= {f"p#{i.product_id}": i for i in lines}
    shipped = min(3, items)
    for s in range(shipped):
        shipment = shop.Shipment(
            order_id=order_id,
            shipment_id=f"shp-{order_id}-{s}",
            warehouse_id=f"wh-{s}",
            shipped_at=placed + timedelta(hours=s + 1),
            carrier="DPD",
            tracking=None if s == 0 else f"TRK{s}",
        )
        by_sk[f"s#{shipment.shipment_id}"] = shipment
        for line in lines[s * 4 : s * 4 + 4]:
            item = shop.ShipmentItem(
                order_id=order_id,
                shipment_id=shipment.shipment_id,
                product_id=line.product_id,
                quantity=line.quantity,
            )
            by_sk[f"si#{item.shipment_id}#{item.product_id}"] = item
    invoice = shop.Invoice(
        order_id=order_id,
        invoice_id=f"inv-{order_id}",
        customer_id="cust-1",
        issued_at=placed,
        amount=total,
        due=Decimal(0),
    )
    by_sk[f"i#{invoice.invoice_id}"] = invoice
    methods = [
        shop.PaymentMethod.GIFT_CARD,
        shop.PaymentMethod.DISCOUNT_CODE,
        shop.PaymentMethod.CARD,
    ]
    for n, method in enumerate(methods[: 3 if items > 2 else 1]):
        payment = shop.Payment(
            order_id=order_id,
            payment_id=f"pm-{order_id}-{n}",
            invoice_id=invoice.invoice_id,
            method=method,
            amount=total / 3 if items > 2 else total,
            paid_at=placed + timedelta(minutes=n),
        )
        by_sk[f"pay#{payment.payment_id}"] = payment
    return Order(order, by_sk)


@dataclass
class Seeded:
    client: Any
    db: Any
    big: Order
    small: Order
    customer: Any
    product: Any
    inventory: list[Any]
    queries: list[str]


@pytest.fixture(scope="module")
def seeded(backend: Backend, shop: Any) -> Iterator[Seeded]:
    with tables_on(backend, shop) as tables:
        db = tables.db
        rnd = random.Random(1001)
        big = order_partition(shop, BIG, 30, rnd)
        small = order_partition(shop, SMALL, 2, rnd)
        customer = db.customer.create(
            shop.Customer(
                customer_id="cust-1",
                email="ann@example.com",
                name="Ann",
                addresses={"home": address(shop, 1)},
            )
        )
        product = shop.Product(
            product_id=big.by_sk[
                next(k for k in big.by_sk if k.startswith("p#"))
            ].product_id,
            name="Mug",
            price=Decimal("9.99"),
            tags={"kitchen"},
        )
        inventory = [
            shop.Inventory(
                product_id=product.product_id, warehouse_id=f"wh-{w}", quantity=w * 7
            )
            for w in (2, 0, 1)
        ]
        for obj in [*big.by_sk.values(), *small.by_sk.values(), product, *inventory]:
            getattr(db, _snake(type(obj).__name__)).batch_put([obj])
        db.warehouse.batch_put(
            [
                shop.Warehouse(warehouse_id=f"wh-{w}", address=address(shop, w))
                for w in range(3)
            ]
        )
        tables.queries.clear()
        yield Seeded(
            tables.client, db, big, small, customer, product, inventory, tables.queries
        )


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def test_the_partition_holds_fifty_items_of_six_types(seeded: Seeded) -> None:
    kinds = {type(o).__name__ for o in seeded.big.by_sk.values()}
    assert kinds == {
        "Order",
        "OrderItem",
        "Shipment",
        "ShipmentItem",
        "Invoice",
        "Payment",
    }
    assert len(seeded.big.by_sk) == 50


def test_order_details_in_one_query_in_sort_key_order(seeded: Seeded) -> None:
    expected = [seeded.big.by_sk[sk] for sk in sorted(seeded.big.by_sk)]
    seeded.queries.clear()
    got = list(seeded.db.order_details(order_id=BIG).all())
    assert len(seeded.queries) == 1
    assert got == expected


def test_order_details_grouped_equals_six_entity_queries(
    seeded: Seeded, shop: Any
) -> None:
    seeded.queries.clear()
    details = seeded.db.order_details(order_id=BIG).grouped()
    assert len(seeded.queries) == 1
    assert isinstance(details, shop.OrderDetails)
    db = seeded.db
    six = (
        tuple(db.order.for_order(order_id=BIG).all()),
        tuple(db.order_item.for_order(order_id=BIG).all()),
        tuple(db.shipment.for_order(order_id=BIG).all()),
        tuple(db.shipment_item.for_order(order_id=BIG).all()),
        tuple(db.invoice.for_order(order_id=BIG).all()),
        tuple(db.payment.for_order(order_id=BIG).all()),
    )
    assert len(seeded.queries) == 7
    assert (
        details.orders,
        details.order_items,
        details.shipments,
        details.shipment_items,
        details.invoices,
        details.payments,
    ) == six
    assert [len(t) for t in six] == [1, 30, 3, 12, 1, 3]
    assert sum(p.amount for p in details.payments) == details.invoices[0].amount


def test_another_order_is_its_own_partition(seeded: Seeded) -> None:
    expected = [seeded.small.by_sk[sk] for sk in sorted(seeded.small.by_sk)]
    assert list(seeded.db.order_details(order_id=SMALL).all()) == expected
    assert seeded.db.order_details(order_id=SMALL).count() == len(expected)
    assert seeded.db.order_details(order_id="ord-none").grouped().orders == ()


def test_order_details_pages(seeded: Seeded) -> None:
    expected = [seeded.big.by_sk[sk] for sk in sorted(seeded.big.by_sk)]
    pages = read_pages(seeded.db.order_details(order_id=BIG), 8)
    assert [o for p in pages for o in p.items] == expected
    assert [len(p.items) for p in pages] == [8] * 6 + [2]


def test_customer_history_on_gsi1(seeded: Seeded) -> None:
    history = seeded.db.customer_history(customer_id="cust-1").grouped()
    assert history.customers == (seeded.customer,)
    orders = sorted(
        [seeded.big.by_sk[f"o#{BIG}"], seeded.small.by_sk[f"o#{SMALL}"]],
        key=lambda o: o.placed_at,
    )
    assert history.orders == tuple(orders)
    assert [i.order_id for i in history.invoices] == [o.order_id for o in orders]
    # "c" < "i#..." < "o#...": the customer, then invoices, then orders
    kinds = [
        type(o).__name__ for o in seeded.db.customer_history(customer_id="cust-1").all()
    ]
    assert kinds == ["Customer", "Invoice", "Invoice", "Order", "Order"]


def test_product_stock_on_the_table_key(seeded: Seeded) -> None:
    stock = seeded.db.product_stock(product_id=seeded.product.product_id).grouped()
    assert stock.products == (seeded.product,)
    assert [i.warehouse_id for i in stock.inventories] == ["wh-0", "wh-1", "wh-2"]
    assert sum(i.quantity for i in stock.inventories) == 21
