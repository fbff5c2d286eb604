"""Runs ``narrowing.py`` (the ``match event.new:`` that ``mypy --strict`` checks) on
events of the committed example package, ``generated_example/shop``."""

from __future__ import annotations

import importlib
import sys
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from tests.generated_package import imported_package

EXAMPLE = Path(__file__).resolve().parents[2] / "generated_example" / "shop"


def test_match_narrows_over_the_entities() -> None:
    with imported_package(EXAMPLE) as shop:
        try:
            narrowing = importlib.import_module("tests.streams.narrowing")
            customer = shop.Customer(customer_id="c1", email="ann@example.com")
            product = shop.Product(
                sku="S1", name="Shirt", category="c", price_cents=1250
            )
            order = shop.Order(
                order_id=UUID(int=1),
                customer_id="c1",
                status=shop.OrderStatus.PAID,
                total=Decimal("12.50"),
                lines=[],
                created_at=shop._runtime.parse_datetime("2024-05-01T12:00:00.000000Z"),
            )
            described = []
            for encode, obj in (
                (shop.models.encode_customer, customer),
                (shop.models.encode_order, order),
                (shop.models.encode_product, product),
            ):
                item = encode(obj)
                event = shop.decode_shop_record(
                    {
                        "eventName": "INSERT",
                        "dynamodb": {
                            "ApproximateCreationDateTime": 1714564800,
                            "Keys": {"pk": item["pk"], "sk": item["sk"]},
                            "NewImage": item,
                            "SequenceNumber": "1",
                        },
                    }
                )
                described.append(
                    (narrowing.describe(event), narrowing.describe_key(event))
                )
            assert described == [
                ("customer ann@example.com", "Customer CustomerKey(customer_id='c1')"),
                (
                    "order 12.50 paid",
                    "Order OrderKey(customer_id='c1', created_at=datetime.datetime("
                    "2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc), "
                    "order_id=UUID('00000000-0000-0000-0000-000000000001'))",
                ),
                ("product 1250", "Product ProductKey(sku='S1')"),
            ]
            gone = shop.decode_shop_record(
                {
                    "eventName": "REMOVE",
                    "dynamodb": {
                        "ApproximateCreationDateTime": 1714564800,
                        "Keys": {"pk": {"S": "X#1"}, "sk": {"S": "Y"}},
                        "SequenceNumber": "2",
                    },
                }
            )
            assert narrowing.describe(gone) == "REMOVE without a new image"
            assert narrowing.describe_key(gone) == "no entity"
        finally:
            sys.modules.pop("tests.streams.narrowing", None)
