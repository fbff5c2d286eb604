"""The main job: use the package generated from schemas/shop.yaml against a local server.

Run by ``make example`` after ``dynagen build schemas/shop.yaml -o generated_example/shop``.
It starts moto's server itself (no AWS account needed), creates the tables, writes typed
objects through the generated codecs and reads them back.
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

from local_server import moto_server  # noqa: E402
from shop import _runtime, create_tables, models  # noqa: E402


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
        transport = _runtime.Transport(client)
        now = datetime.now(timezone.utc)
        customer = models.Customer(
            customer_id="c1",
            email="ann@example.com",
            name="Ann",
            tags={"vip"},
            address=models.Address(street="1 Main St", city="Leeds"),
            created_at=now,
            updated_at=now,
            version=1,
        )
        order = models.Order(
            order_id=uuid.uuid4(),
            customer_id="c1",
            status=models.OrderStatus.PAID,
            total=Decimal("59.90"),
            lines=[models.OrderLine(sku="BOOK-1", quantity=2, price=Decimal("29.95"))],
            created_at=now,
        )
        for obj, encode in (
            (customer, models.encode_customer),
            (order, models.encode_order),
        ):
            item = encode(obj)  # type: ignore[operator]
            transport.call("PutItem", {"TableName": "tour-shop", "Item": item})
            print(f"put {type(obj).__name__}: pk={item['pk']['S']} sk={item['sk']['S']}")
        got = transport.call(
            "GetItem",
            {"TableName": "tour-shop", "Key": models.customer_key_item(customer_id="c1")},
        )
        read_back = models.decode_customer(got["Item"])
        print("read back:", read_back)
        assert read_back == customer, "the customer did not round-trip"
        key = models.order_key_item(
            customer_id="c1", created_at=now, order_id=order.order_id
        )
        got = transport.call("GetItem", {"TableName": "tour-shop", "Key": key})
        assert models.decode_order(got["Item"]) == order, "the order did not round-trip"
        print("both items round-tripped through DynamoDB's wire form unchanged")


if __name__ == "__main__":
    main()
