"""Order details (issue 15): one order's partition of the online-shop corpus model
(``tests/corpus/online_shop.yaml``) -- 1 order, 30 items, 3 shipments, 12 shipment
items, 1 invoice and 3 payments, 50 items of 6 types -- read into typed objects by:

* dynagen's collection: ``db.order_details(order_id=...).grouped()`` (one Query);
* dynagen's six entity queries (``db.<entity>.for_order(...).all()``, six Queries);
* the floor: the boto3 client, one hand-written Query and hand-written dispatch on the
  type attribute with hand-written decoding into the same dataclasses;
* PynamoDB 6: six models on the table, six ``query(hash, SK.startswith(...))`` calls.

All against the loopback endpoint (``benchmarks.loopback``), which answers at once: the
collection's table gets the whole partition, the entity queries' table one answer per
entity, routed by the sort-key prefix in the request.  So the figures are the client's
cost (building, signing, sending, parsing and decoding) plus one loopback round trip
per request.
"""

from __future__ import annotations

import importlib
import os
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from pynamodb import attributes as pa
from pynamodb.constants import STRING
from pynamodb.models import Model as PynamoModel

from benchmarks.generated import load_package
from benchmarks.loopback import LoopbackServer, Responses
from benchmarks.orms import DecimalAttribute, EnumAttribute
from benchmarks.report import format_table, ratio
from benchmarks.timing import Timing, best_of

__all__ = ["ORDER_SCHEMA", "format_order_details", "run_order_details"]

ORDER_SCHEMA = (
    Path(__file__).resolve().parent.parent / "tests" / "corpus" / "online_shop.yaml"
)
PACKAGE = "onlineshop"  # the corpus schema's `package:`
COLLECTION_TABLE = "shop_collection"  # answers the whole partition
ENTITY_TABLE = "shop_entities"  # answers each entity's items, routed by sort-key prefix
ORDER_ID = "ord-1001"
REGION = "us-east-1"
ACCESS_KEY, SECRET_KEY = "AKIDBENCHMARK", "benchmark-secret"
FLOOR = "boto3 client: 1 Query + hand-written dispatch/decoding (floor)"
COLLECTION = "dynagen collection: 1 Query, .grouped()"
COLLECTION_ALL = "dynagen collection: 1 Query, list(.all())"
ENTITIES = "dynagen: 6 entity queries"
PYNAMODB = "PynamoDB 6: 6 queries"
#: (entity, its sort-key prefix): the loopback routes a six-queries request by the
#: prefix it holds (``"p#"``); the order's equality holds none, so it comes last
PREFIXES = (
    ("Payment", "pay#"),
    ("ShipmentItem", "si#"),
    ("Shipment", "s#"),
    ("OrderItem", "p#"),
    ("Invoice", "i#"),
    ("Order", "o#"),  # an equality on the whole sort key: the default route
)


@dataclass(frozen=True, slots=True)
class Partition:
    """The order's objects by entity name, and every item in sort-key order."""

    objects: dict[str, list[Any]]
    items: list[dict[str, Any]]  # wire form, sort-key order


def make_partition(pkg: ModuleType, models: ModuleType) -> Partition:
    rnd = random.Random(15)
    placed = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
    address = pkg.Address(line1="1 High St", city="Leeds", postcode="LS1", country="GB")
    lines = [
        pkg.OrderItem(
            order_id=ORDER_ID,
            product_id=f"sku-{n:03d}",
            quantity=rnd.randrange(1, 4),
            unit_price=Decimal(rnd.randrange(100, 5000)) / 100,
        )
        for n in rnd.sample(range(500), 30)
    ]
    total = sum((i.unit_price * i.quantity for i in lines), Decimal(0))
    shipments = [
        pkg.Shipment(
            order_id=ORDER_ID,
            shipment_id=f"shp-{s}",
            warehouse_id=f"wh-{s}",
            shipped_at=placed + timedelta(hours=s),
            carrier="DPD",
            tracking=f"TRK{s}",
        )
        for s in range(3)
    ]
    objects: dict[str, list[Any]] = {
        "Order": [
            pkg.Order(
                order_id=ORDER_ID,
                customer_id="cust-1",
                placed_at=placed,
                status=pkg.OrderStatus.SHIPPED,
                ship_to=address,
                total=total,
            )
        ],
        "OrderItem": lines,
        "Shipment": shipments,
        "ShipmentItem": [
            pkg.ShipmentItem(
                order_id=ORDER_ID,
                shipment_id=s.shipment_id,
                product_id=line.product_id,
                quantity=line.quantity,
            )
            for i, s in enumerate(shipments)
            for line in lines[i * 4 : i * 4 + 4]
        ],
        "Invoice": [
            pkg.Invoice(
                order_id=ORDER_ID,
                invoice_id="inv-1",
                customer_id="cust-1",
                issued_at=placed,
                amount=total,
                due=Decimal(0),
            )
        ],
        "Payment": [
            pkg.Payment(
                order_id=ORDER_ID,
                payment_id=f"pm-{n}",
                invoice_id="inv-1",
                method=method,
                amount=total / 3,
                paid_at=placed + timedelta(minutes=n),
            )
            for n, method in enumerate(pkg.PaymentMethod)
        ],
    }
    for name, objs in objects.items():
        keyed = sorted(
            (_encode(models, name, o)["SK"]["S"], i) for i, o in enumerate(objs)
        )
        objs[:] = [objs[i] for _, i in keyed]
    items = [_encode(models, name, o) for name, objs in objects.items() for o in objs]
    items.sort(key=lambda item: item["SK"]["S"])
    return Partition(objects, items)


def _encode(models: ModuleType, entity: str, obj: Any) -> dict[str, Any]:
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in entity).lstrip("_")
    item: dict[str, Any] = getattr(models, f"encode_{snake}")(obj)
    return item


def _responses(partition: Partition) -> Responses:
    def query_body(items: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Items": items, "Count": len(items), "ScannedCount": len(items)}

    routes = [
        (
            "" if entity == "Order" else f'"{prefix}"',
            query_body(
                [i for i in partition.items if i["_type"]["S"] == entity],
            ),
        )
        for entity, prefix in PREFIXES
    ]
    return {
        ("Query", COLLECTION_TABLE): query_body(partition.items),
        ("Query", ENTITY_TABLE): routes,
    }


@dataclass(frozen=True, slots=True)
class Context:
    pkg: ModuleType
    endpoint_url: str
    partition: Partition


@dataclass(slots=True)
class OrderDetailsResult:
    calls: int
    repeats: int
    times: dict[str, Timing] = field(default_factory=dict)


def _client(endpoint_url: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    return session.client("dynamodb", endpoint_url=endpoint_url)


@contextmanager
def loopback(pkg: ModuleType) -> Iterator[Context]:
    models = importlib.import_module(pkg.__name__ + ".models")
    partition = make_partition(pkg, models)
    with LoopbackServer(_responses(partition)) as server:
        saved = os.environ.get("AWS_EC2_METADATA_DISABLED")
        os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
        try:
            yield Context(pkg, server.endpoint_url, partition)
        finally:
            if saved is None:
                os.environ.pop("AWS_EC2_METADATA_DISABLED", None)
            else:
                os.environ["AWS_EC2_METADATA_DISABLED"] = saved


# -- contenders ---------------------------------------------------------------------


def _expected(ctx: Context) -> tuple[tuple[Any, ...], ...]:
    o = ctx.partition.objects
    return tuple(
        tuple(o[name])
        for name in (
            "Order",
            "OrderItem",
            "Shipment",
            "ShipmentItem",
            "Invoice",
            "Payment",
        )
    )


def dynagen_variants(ctx: Context) -> dict[str, Callable[[], object]]:
    pkg = ctx.pkg
    collection_db = pkg.Database(
        _client(ctx.endpoint_url), table_names={"OnlineShop": COLLECTION_TABLE}
    )
    entity_db = pkg.Database(
        _client(ctx.endpoint_url), table_names={"OnlineShop": ENTITY_TABLE}
    )

    def grouped() -> Any:
        return collection_db.order_details(order_id=ORDER_ID).grouped()

    def all_items() -> list[Any]:
        return list(collection_db.order_details(order_id=ORDER_ID).all())

    def six() -> tuple[tuple[Any, ...], ...]:
        db = entity_db
        return (
            tuple(db.order.for_order(order_id=ORDER_ID).all()),
            tuple(db.order_item.for_order(order_id=ORDER_ID).all()),
            tuple(db.shipment.for_order(order_id=ORDER_ID).all()),
            tuple(db.shipment_item.for_order(order_id=ORDER_ID).all()),
            tuple(db.invoice.for_order(order_id=ORDER_ID).all()),
            tuple(db.payment.for_order(order_id=ORDER_ID).all()),
        )

    want = _expected(ctx)
    g = grouped()
    got = (
        g.orders,
        g.order_items,
        g.shipments,
        g.shipment_items,
        g.invoices,
        g.payments,
    )
    _check(got, want, COLLECTION)
    _check(six(), want, ENTITIES)
    _check(len(all_items()), 50, COLLECTION_ALL)
    return {COLLECTION: grouped, COLLECTION_ALL: all_items, ENTITIES: six}


def floor_variant(ctx: Context) -> dict[str, Callable[[], object]]:
    """What one writes by hand on the boto3 client: one Query, a dict from the type
    attribute to a hand-written decoder, the same dataclasses as results."""
    pkg = ctx.pkg
    client = _client(ctx.endpoint_url)
    fromisoformat = datetime.fromisoformat
    address_cls, status_cls, method_cls = (
        pkg.Address,
        pkg.OrderStatus,
        pkg.PaymentMethod,
    )

    def order(i: dict[str, Any]) -> Any:
        a = i["ship_to"]["M"]
        return pkg.Order(
            order_id=i["order_id"]["S"],
            customer_id=i["customer_id"]["S"],
            placed_at=fromisoformat(i["placed_at"]["S"]),
            status=status_cls(i["status"]["S"]),
            ship_to=address_cls(
                line1=a["line1"]["S"],
                city=a["city"]["S"],
                postcode=a["postcode"]["S"],
                country=a["country"]["S"],
            ),
            total=Decimal(i["total"]["N"]),
        )

    def order_item(i: dict[str, Any]) -> Any:
        return pkg.OrderItem(
            order_id=i["order_id"]["S"],
            product_id=i["product_id"]["S"],
            quantity=int(i["quantity"]["N"]),
            unit_price=Decimal(i["unit_price"]["N"]),
        )

    def shipment(i: dict[str, Any]) -> Any:
        tracking = i.get("tracking")
        return pkg.Shipment(
            order_id=i["order_id"]["S"],
            shipment_id=i["shipment_id"]["S"],
            warehouse_id=i["warehouse_id"]["S"],
            shipped_at=fromisoformat(i["shipped_at"]["S"]),
            carrier=i["carrier"]["S"],
            tracking=None if tracking is None else tracking["S"],
        )

    def shipment_item(i: dict[str, Any]) -> Any:
        return pkg.ShipmentItem(
            order_id=i["order_id"]["S"],
            shipment_id=i["shipment_id"]["S"],
            product_id=i["product_id"]["S"],
            quantity=int(i["quantity"]["N"]),
        )

    def invoice(i: dict[str, Any]) -> Any:
        return pkg.Invoice(
            order_id=i["order_id"]["S"],
            invoice_id=i["invoice_id"]["S"],
            customer_id=i["customer_id"]["S"],
            issued_at=fromisoformat(i["issued_at"]["S"]),
            amount=Decimal(i["amount"]["N"]),
            due=Decimal(i["due"]["N"]),
        )

    def payment(i: dict[str, Any]) -> Any:
        return pkg.Payment(
            order_id=i["order_id"]["S"],
            payment_id=i["payment_id"]["S"],
            invoice_id=i["invoice_id"]["S"],
            method=method_cls(i["method"]["S"]),
            amount=Decimal(i["amount"]["N"]),
            paid_at=fromisoformat(i["paid_at"]["S"]),
        )

    decoders = {
        "Order": (0, order),
        "OrderItem": (1, order_item),
        "Shipment": (2, shipment),
        "ShipmentItem": (3, shipment_item),
        "Invoice": (4, invoice),
        "Payment": (5, payment),
    }

    def details() -> tuple[tuple[Any, ...], ...]:
        groups: list[list[Any]] = [[], [], [], [], [], []]
        request: dict[str, Any] = {
            "TableName": COLLECTION_TABLE,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": "PK"},
            "ExpressionAttributeValues": {":pk": {"S": "o#" + ORDER_ID}},
        }
        while True:
            response = client.query(**request)
            for item in response["Items"]:
                slot, decode = decoders[item["_type"]["S"]]
                groups[slot].append(decode(item))
            last = response.get("LastEvaluatedKey")
            if not last:
                return tuple(tuple(g) for g in groups)
            request["ExclusiveStartKey"] = last

    _check(details(), _expected(ctx), FLOOR)
    return {FLOOR: details}


class IsoDateTimeAttribute(pa.Attribute[datetime]):
    """The stored text of the schema's datetimes (``...000000Z``), as a PynamoDB user
    would map an existing table's attribute."""

    attr_type = STRING

    def serialize(self, value: datetime) -> str:
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def deserialize(self, value: str) -> datetime:
        return datetime.fromisoformat(value)


class AddressMap(pa.MapAttribute[str, Any]):
    line1 = pa.UnicodeAttribute()
    city = pa.UnicodeAttribute()
    postcode = pa.UnicodeAttribute()
    country = pa.UnicodeAttribute()


def pynamodb_models(pkg: ModuleType, endpoint_url: str) -> dict[str, Any]:
    """One PynamoDB model per entity on the entity queries' table."""

    class Base(PynamoModel):
        class Meta:
            table_name = ENTITY_TABLE
            host = endpoint_url
            region = REGION
            aws_access_key_id = ACCESS_KEY
            aws_secret_access_key = SECRET_KEY

        PK = pa.UnicodeAttribute(hash_key=True)
        SK = pa.UnicodeAttribute(range_key=True)
        type_ = pa.UnicodeAttribute(attr_name="_type")
        order_id = pa.UnicodeAttribute()

    class Order(Base):
        customer_id = pa.UnicodeAttribute()
        placed_at = IsoDateTimeAttribute()
        status = EnumAttribute(pkg.OrderStatus)
        ship_to = AddressMap()  # type: ignore[no-untyped-call]
        total = DecimalAttribute()
        GSI1PK = pa.UnicodeAttribute()
        GSI1SK = pa.UnicodeAttribute()

    class OrderItem(Base):
        product_id = pa.UnicodeAttribute()
        quantity = pa.NumberAttribute()
        unit_price = DecimalAttribute()

    class Shipment(Base):
        shipment_id = pa.UnicodeAttribute()
        warehouse_id = pa.UnicodeAttribute()
        shipped_at = IsoDateTimeAttribute()
        carrier = pa.UnicodeAttribute()
        tracking = pa.UnicodeAttribute(null=True)
        GSI1PK = pa.UnicodeAttribute()
        GSI1SK = pa.UnicodeAttribute()

    class ShipmentItem(Base):
        shipment_id = pa.UnicodeAttribute()
        product_id = pa.UnicodeAttribute()
        quantity = pa.NumberAttribute()

    class Invoice(Base):
        invoice_id = pa.UnicodeAttribute()
        customer_id = pa.UnicodeAttribute()
        issued_at = IsoDateTimeAttribute()
        amount = DecimalAttribute()
        due = DecimalAttribute()
        GSI1PK = pa.UnicodeAttribute()
        GSI1SK = pa.UnicodeAttribute()

    class Payment(Base):
        payment_id = pa.UnicodeAttribute()
        invoice_id = pa.UnicodeAttribute()
        method = EnumAttribute(pkg.PaymentMethod)
        amount = DecimalAttribute()
        paid_at = IsoDateTimeAttribute()

    return {
        "Order": Order,
        "OrderItem": OrderItem,
        "Shipment": Shipment,
        "ShipmentItem": ShipmentItem,
        "Invoice": Invoice,
        "Payment": Payment,
    }


def pynamodb_variant(ctx: Context) -> dict[str, Callable[[], object]]:
    models = pynamodb_models(ctx.pkg, ctx.endpoint_url)
    pk = "o#" + ORDER_ID
    prefixes = dict(PREFIXES)
    order = models["Order"]
    queries = [
        (order, order.SK == "o#" + ORDER_ID),
        *(
            (models[name], models[name].SK.startswith(prefixes[name]))
            for name in ("OrderItem", "Shipment", "ShipmentItem", "Invoice", "Payment")
        ),
    ]

    def details() -> tuple[tuple[Any, ...], ...]:
        return tuple(
            tuple(model.query(pk, range_key_condition=condition))
            for model, condition in queries
        )

    got = details()
    want = _expected(ctx)
    _check([len(g) for g in got], [len(g) for g in want], PYNAMODB)
    _check(
        [p.amount for p in got[5]], [p.amount for p in want[5]], PYNAMODB + " amounts"
    )
    return {PYNAMODB: details}


def _check(got: object, want: object, what: str) -> None:
    if got != want:
        raise AssertionError(f"{what}: got {got!r:.300}, expected {want!r:.300}")


# -- running and reporting -----------------------------------------------------------


def run_order_details(*, calls: int, repeats: int) -> OrderDetailsResult:
    """Every contender in the same run: ``calls`` reads a batch, best of ``repeats``."""
    pkg = load_package(ORDER_SCHEMA, PACKAGE)
    result = OrderDetailsResult(calls=calls, repeats=repeats)
    with loopback(pkg) as ctx:
        variants: dict[str, Callable[[], object]] = {}
        variants |= floor_variant(ctx)
        variants |= dynagen_variants(ctx)
        variants |= pynamodb_variant(ctx)
        batches = [_repeat(v, calls) for v in variants.values()]
        for batch in batches:  # warm-up: connections, caches, lazy imports
            batch()
        for label, timing in zip(variants, best_of(batches, repeats), strict=True):
            result.times[label] = timing.per(calls)
    return result


def _repeat(call: Callable[[], object], count: int) -> Callable[[], None]:
    def batch() -> None:
        for _ in range(count):
            call()

    return batch


def format_order_details(result: OrderDetailsResult) -> str:
    floor = result.times[FLOOR]
    collection = result.times[COLLECTION]
    rows = [
        [
            label,
            f"{t.wall * 1e6:.0f}",
            f"{t.cpu * 1e6:.0f}",
            ratio(t.wall, floor.wall),
            ratio(t.cpu, floor.cpu),
            ratio(t.wall, collection.wall),
        ]
        for label, t in result.times.items()
    ]
    return "\n".join(
        [
            "order details: 50 items of 6 entity types (tests/corpus/online_shop.yaml), "
            f"loopback endpoint; {result.calls} reads a batch, best of {result.repeats}",
            "",
            format_table(
                [
                    "implementation",
                    "µs/read",
                    "cpu µs",
                    "vs floor",
                    "(cpu)",
                    "vs collection",
                ],
                rows,
            ),
        ]
    )
