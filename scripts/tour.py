"""The main job: use the package generated from schemas/shop.yaml against a local server.

Run by ``make example`` after ``dynagen build schemas/shop.yaml -o generated_example/shop``.
It starts moto's server itself (no AWS account needed), creates the tables and walks
through the generated repositories, printing what it did.
"""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated_example"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from local_server import moto_server
from shop import (
    Address,
    AlreadyExistsError,
    ConditionFailedError,
    Customer,
    CustomerStatus,
    Database,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductStatus,
    TransactionCanceledError,
    VersionConflictError,
    create_tables,
)


def main() -> None:
    with moto_server() as endpoint:
        print(f"started moto server at {endpoint}")
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        create_tables(client, table_prefix="tour-")
        print("created tables:", ", ".join(client.list_tables()["TableNames"]))
        db = Database(client, table_prefix="tour-")

        ann = db.customer.create(
            Customer(
                customer_id="c1",
                email="ann@example.com",
                name="Ann",
                tags={"vip"},
                address=Address(street="1 Main St", city="Leeds"),
            )
        )
        print(
            f"created {ann.customer_id}: version {ann.version}, created {ann.created_at}"
        )
        try:
            db.customer.create(Customer(customer_id="c1", email="other@example.com"))
        except AlreadyExistsError as error:
            print(f"create again -> AlreadyExistsError (stored: {error.item!r:.60}...)")

        assert db.customer.get(customer_id="c1") == ann, "get did not return the item"
        ann = db.customer.put(ann)
        print(f"put -> version {ann.version}")
        ann = db.customer.update(
            customer_id="c1", name=None, email="ann@shop.example", expected_version=2
        )
        print(
            f"update (name removed, email changed) -> version {ann.version}: {ann.email}"
        )
        ann = db.customer.add_points(
            customer_id="c1", points=5, status=CustomerStatus.ACTIVE
        )
        print(
            f"add_points (declared update) -> {ann.points} points, version {ann.version}"
        )
        try:
            db.customer.add_points(
                customer_id="c1", points=5, status=CustomerStatus.SUSPENDED
            )
        except ConditionFailedError as error:
            print(
                f"add_points on a suspended-only condition -> ConditionFailedError ({error})"
            )
        try:
            db.customer.update(customer_id="c1", points=10, expected_version=1)
        except VersionConflictError as error:
            stored = error.item
            assert isinstance(stored, Customer)
            print(
                f"stale update -> VersionConflictError (stored: version {stored.version})"
            )

        assert ann.version is not None  # set on every object the repository returns
        with db.transact_write() as tx:
            tx.customer.create(Customer(customer_id="c2", email="bo@example.com"))
            tx.customer.check_version(customer_id="c1", expected_version=ann.version)
        c1, c2 = db.transact_get(
            db.customer.key(customer_id="c1"), db.customer.key(customer_id="c2")
        )
        assert c1 == ann and c2 is not None, "transact_get did not return both items"
        print(
            f"transact_write (create c2, check c1's version) -> c2 version {c2.version}"
        )
        try:
            with db.transact_write() as tx:
                tx.customer.create(Customer(customer_id="c3", email="cy@example.com"))
                tx.customer.create(Customer(customer_id="c2", email="bo@example.com"))
        except TransactionCanceledError as error:
            codes = [reason.code for reason in error.reasons]
            print(f"a transaction creating c2 again -> cancelled, reasons {codes}")

        order = db.order.create(
            Order(
                order_id=uuid.uuid4(),
                customer_id="c1",
                status=OrderStatus.PAID,
                total=Decimal("59.90"),
                lines=[OrderLine(sku="BOOK-1", quantity=2, price=Decimal("29.95"))],
            )
        )
        assert order.created_at is not None
        print(f"created order {order.order_id} at {order.created_at}")
        same = db.order.get(
            customer_id="c1", created_at=order.created_at, order_id=order.order_id
        )
        assert same == order, "the order did not round-trip"
        shipped = db.order.update(
            customer_id="c1",
            created_at=order.created_at,
            order_id=order.order_id,
            status=OrderStatus.SHIPPED,
        )
        print(f"order status -> {shipped.status.value}")
        for n in range(2, 8):
            db.order.create(
                Order(
                    order_id=uuid.uuid4(),
                    customer_id="c1",
                    status=OrderStatus.CANCELLED if n % 3 == 0 else OrderStatus.PAID,
                    total=Decimal(n),
                    lines=[],
                )
            )
        recent = db.order.for_customer(
            customer_id="c1",
            start=order.created_at,
            end=datetime.now(timezone.utc),
            excluded=OrderStatus.CANCELLED,
        )
        page = recent.page(limit=3)
        print(
            f"for_customer: first page {[str(o.total) for o in page.items]}, more: {page.cursor is not None}"
        )
        rest = recent.page(limit=10, cursor=page.cursor) if page.cursor else None
        print(
            f"  next page {[str(o.total) for o in rest.items] if rest else []}; count() = {recent.count()}"
        )
        for item in db.customer_orders(customer_id="c1").all():  # one Query
            match item:
                case Customer():
                    print(f"customer_orders: customer {item.email}")
                case Order():
                    print(f"customer_orders: order {item.total} ({item.status.value})")
        details = db.customer_orders(customer_id="c1").grouped()
        print(
            f"  grouped: {len(details.customers)} customer, {len(details.orders)} orders"
        )
        found = db.customer.by_email(email="ann@shop.example").first()
        print(f"by_email -> {found.customer_id if found else None}")
        print(
            f"scan: {sum(1 for _ in db.order.scan().all())} orders, "
            f"parallel scan: {sum(1 for _ in db.order.scan().parallel(segments=3))}"
        )
        db.product.batch_put(
            [
                Product(
                    sku=f"BOOK-{n}",
                    name=f"Book {n}",
                    category="books",
                    price_cents=n * 250,
                )
                for n in range(1, 31)
            ]
        )
        cards = db.product.in_category(category="books").page(limit=3)
        print(
            "batch_put 30 products; cheapest cards:",
            [(c.sku, c.price_cents) for c in cards.items],
        )
        mid = db.product.in_category_price_range(
            category="books",
            min_cents=1000,
            max_cents=2000,
            status=ProductStatus.ACTIVE,
        )
        print("products between 10.00 and 20.00:", [p.sku for p in mid.all()])
        restocked = db.product.restock(sku="BOOK-1", quantity=7)
        print(
            f"restock (declared ADD) -> count {restocked.count}, version {restocked.version}"
        )
        got = db.product.batch_get(
            [db.product.key(sku=f"BOOK-{n}") for n in (3, 99, 1)]
        )
        print("batch_get in input order:", [p.sku if p else None for p in got])
        card = db.product.get_card(sku="BOOK-2")
        print(f"get_card (a view: only its attributes are read) -> {card}")
        old = db.customer.delete(customer_id="c1", expected_version=ann.version)
        print(f"deleted customer (was version {old.version if old else None})")
        print("done at", datetime.now(timezone.utc).isoformat(timespec="seconds"))


if __name__ == "__main__":
    main()
