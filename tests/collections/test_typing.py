"""A collection is typed (SPEC §3): ``mypy --strict`` on code that uses the generated
package accepts the union, the grouped dataclass and ``match`` narrowing, and rejects
what the types rule out."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

from tests.collections.conftest import SCHEMA, build_into

GOOD = """
from typing import assert_never, assert_type
from uuid import UUID

from collectiontests import (
    CollectionQuery,
    Database,
    Order,
    OrderDetails,
    OrderItem,
    Page,
    Query,
    Shipment,
)


def use(db: Database) -> int:
    q = db.order_details(order_id=UUID(int=1))
    assert_type(q, CollectionQuery[Order | OrderItem | Shipment, OrderDetails])
    as_query: Query[Order | OrderItem | Shipment] = q
    assert_type(as_query.page(3), Page[Order | OrderItem | Shipment])
    assert_type(q.first(), Order | OrderItem | Shipment | None)
    total = 0
    for item in q.all():
        match item:
            case Order():
                assert_type(item, Order)
            case OrderItem():
                total += item.quantity
            case Shipment():
                assert_type(item.shipment_id, str)
            case _:
                assert_never(item)
    grouped = q.grouped()
    assert_type(grouped, OrderDetails)
    assert_type(grouped.order_items, tuple[OrderItem, ...])
    return total + len(grouped.orders) + len(grouped.shipments)
"""

BAD = """
from uuid import UUID

from collectiontests import Database


def use(db: Database) -> None:
    q = db.order_details(order_id=UUID(int=1))
    q.grouped().orders[0].sku
    for item in q.all():
        item.sku
    db.order_details(order_id="not a uuid")
    db.order_details(UUID(int=1))
    q.grouped().orders = ()
"""


@pytest.fixture(scope="module")
def package_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typing")
    build_into(SCHEMA, root / "collectiontests")
    return root


def mypy(root: Path, source: str) -> tuple[int, str]:
    consumer = root / "consumer.py"
    consumer.write_text(textwrap.dedent(source), encoding="utf-8")
    stdout, stderr, status = mypy_api.run(
        [
            "--strict",
            "--python-version=3.11",
            f"--cache-dir={root / '.mypy_cache'}",
            str(consumer),
        ]
    )
    return status, stdout + stderr


def test_mypy_accepts_the_union_the_grouped_dataclass_and_match_narrowing(
    package_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(package_root)
    status, output = mypy(package_root, GOOD)
    assert status == 0, output


def test_mypy_rejects_what_the_types_rule_out(
    package_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(package_root)
    status, output = mypy(package_root, BAD)
    assert status == 1, output
    assert 'consumer.py:9: error: "Order" has no attribute "sku"' in output
    assert 'Item "Order" of "Order | OrderItem | Shipment" has no attribute "sku"' in (
        output
    )
    assert 'Item "Shipment" of "Order | OrderItem | Shipment" has no attribute' in (
        output
    )
    assert 'consumer.py:12: error: Argument "order_id"' in output
    assert "consumer.py:13: error: Too many positional arguments" in output
    assert 'consumer.py:14: error: Property "orders"' in output or (
        "consumer.py:14: error: Cannot assign to" in output
    )
