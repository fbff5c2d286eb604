"""Transactions (SPEC §4): ``db.transact_write()`` and ``db.transact_get(...)``.

Every ``tx.<entity>`` method builds the same request as the repository method of that
name (timestamps, version steps, derived keys, conditions) and adds it as one action;
the block sends one TransactWriteItems on a clean exit and nothing when it raises.
dynalite implements no transactions: those cases are marked by ``needs``.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.backends import Backend
from tests.faults import CONFLICT, DENIED, THROTTLE, FaultProxy
from tests.repository._support import (
    FakeClock,
    RequestLog,
    SentBodies,
    ShopTables,
    customer_key,
    product_key,
    raw_item,
    schema_tables,
)
from tests.repository.test_declared_updates import product


def customer(shop: Any, customer_id: str, **fields: Any) -> Any:
    return shop.Customer(
        customer_id=customer_id, email=f"{customer_id}@example.com", **fields
    )


# -- transact_write: what is written ----------------------------------------------------


@pytest.mark.needs("transactions")
def test_actions_commit_together_with_repository_semantics(
    shop: Any, db: Any, uid: str, clock: FakeClock, shop_tables: ShopTables
) -> None:
    db.customer.create(customer(shop, f"{uid}a"))
    db.product.create(product(shop, f"{uid}p", count=5))
    clock.advance(10)
    with db.transact_write() as tx:
        assert tx.customer.create(customer(shop, f"{uid}b", name="Bo")) is None
        tx.customer.update(customer_id=f"{uid}a", name="Ann", expected_version=1)
        tx.product.reserve_stock(
            sku=f"{uid}p",
            quantity=2,
            on_sale=shop.ProductStatus.ACTIVE,
            expected_version=1,
        )
    created = db.customer.get(customer_id=f"{uid}b")
    assert created is not None
    assert created.version == 1 and created.name == "Bo"
    assert created.created_at == clock.now and created.updated_at == clock.now
    updated = db.customer.get(customer_id=f"{uid}a")
    assert updated is not None
    assert (updated.name, updated.version, updated.updated_at) == ("Ann", 2, clock.now)
    reserved = db.product.get(sku=f"{uid}p")
    assert reserved is not None and (reserved.count, reserved.version) == (3, 2)
    # derived keys are written as by the repository (gsi1pk from email)
    stored = raw_item(shop_tables, customer_key(f"{uid}b"))
    assert stored is not None
    assert stored["gsi1pk"] == {"S": f"EMAIL#{uid}b@example.com"}


@pytest.mark.needs("transactions")
def test_update_rewrites_derived_index_key(
    shop: Any, db: Any, uid: str, shop_tables: ShopTables
) -> None:
    db.product.create(product(shop, f"{uid}p", price_cents=450))
    with db.transact_write() as tx:
        tx.product.set_price(sku=f"{uid}p", price_cents=1200)
    stored = raw_item(shop_tables, product_key(f"{uid}p"))
    assert stored is not None
    assert stored["gsi2sk"] == {"S": f"PRICE#0000001200#{uid}p"}
    assert stored["version"] == {"N": "2"}


@pytest.mark.needs("transactions")
def test_put_delete_and_checks(shop: Any, db: Any, uid: str) -> None:
    first = db.customer.create(customer(shop, f"{uid}a", points=1))
    db.customer.create(customer(shop, f"{uid}b"))
    db.customer.create(customer(shop, f"{uid}c"))
    with db.transact_write() as tx:
        tx.customer.put(dataclasses.replace(first, points=7))
        tx.customer.delete(customer_id=f"{uid}b", expected_version=1)
        tx.customer.check_exists(customer_id=f"{uid}c")
        tx.customer.check_not_exists(customer_id=f"{uid}z")
        tx.product.put(product(shop, f"{uid}p"))  # no version: created
    put = db.customer.get(customer_id=f"{uid}a")
    assert put is not None and (put.points, put.version) == (7, 2)
    assert db.customer.get(customer_id=f"{uid}b") is None
    new_product = db.product.get(sku=f"{uid}p")
    assert new_product is not None and new_product.version == 1


@pytest.mark.needs("transactions")
def test_check_version_and_plain_delete(shop: Any, db: Any, uid: str) -> None:
    db.customer.create(customer(shop, f"{uid}a"))
    db.order.create(
        shop.Order(
            order_id=uuid.UUID(int=1),
            customer_id=f"{uid}a",
            status=shop.OrderStatus.PENDING,
            total=Decimal("9.50"),
            lines=[],
        )
    )
    order = db.order.by_id(order_id=uuid.UUID(int=1)).all()
    mine = [o for o in order if o.customer_id == f"{uid}a"]
    assert len(mine) == 1
    with db.transact_write() as tx:
        tx.customer.check_version(customer_id=f"{uid}a", expected_version=1)
        tx.order.delete(
            customer_id=f"{uid}a",
            created_at=mine[0].created_at,
            order_id=uuid.UUID(int=1),
        )
    assert (
        db.order.get(
            customer_id=f"{uid}a",
            created_at=mine[0].created_at,
            order_id=uuid.UUID(int=1),
        )
        is None
    )


@pytest.mark.needs("transactions")
def test_update_without_changes_is_an_existence_check(
    shop: Any, db: Any, uid: str
) -> None:
    """An update with no argument set still requires the item (as the repository's
    ``update`` raises ``NotFoundError``): the action is a ConditionCheck."""
    with (
        pytest.raises(shop.TransactionCanceledError) as caught,
        db.transact_write() as tx,
    ):
        tx.product.create(product(shop, f"{uid}p"))
        tx.customer.update(customer_id=f"{uid}missing")
    codes = [r.code for r in caught.value.reasons]
    assert codes == [None, "ConditionalCheckFailed"]
    assert db.product.get(sku=f"{uid}p") is None


# -- nothing sent -----------------------------------------------------------------------


def test_exception_in_block_sends_nothing(
    shop: Any, db: Any, uid: str, shop_tables: ShopTables
) -> None:
    with (
        RequestLog(shop_tables.client) as log,
        pytest.raises(RuntimeError),
        db.transact_write() as tx,
    ):
        tx.customer.create(customer(shop, f"{uid}a"))
        raise RuntimeError("changed my mind")
    assert "TransactWriteItems" not in log.operations
    assert db.customer.get(customer_id=f"{uid}a") is None


def test_empty_block_sends_nothing(db: Any, shop_tables: ShopTables) -> None:
    with RequestLog(shop_tables.client) as log, db.transact_write():
        pass
    assert log.operations == []


# -- the token on the wire --------------------------------------------------------------


@pytest.mark.needs("transactions")
def test_one_client_request_token_per_transaction(
    shop: Any, db: Any, uid: str, shop_tables: ShopTables
) -> None:
    with SentBodies(shop_tables.client) as sent, db.transact_write() as tx:
        tx.customer.create(customer(shop, f"{uid}a"))
        with db.transact_write() as tx:
            tx.customer.create(customer(shop, f"{uid}b"))
    bodies = [body for op, body in sent.bodies if op == "TransactWriteItems"]
    assert len(bodies) == 2
    tokens = [body["ClientRequestToken"] for body in bodies]
    assert all(len(str(uuid.UUID(t))) == 36 for t in tokens)
    assert tokens[0] != tokens[1]
    actions = bodies[0]["TransactItems"]
    assert list(actions[0]) == ["Put"]
    assert "ReturnValues" not in actions[0]["Put"]


def _proxied_db(
    shop: Any, shop_tables: ShopTables, proxy: FaultProxy, kind: str
) -> Any:
    """A Database whose client reaches the backend through ``proxy``, with one attempt
    per call (the transport adds no retries of its own)."""
    retries: Any = {"mode": "standard", "total_max_attempts": 1}
    backend = shop_tables.backend
    through = Backend(backend.name, proxy.url, backend.region)
    return shop.Database(
        through.client(Config(retries=retries)),
        table_prefix=shop_tables.prefix,
        transport=kind,
    )


@pytest.mark.needs("transactions")
def test_conflicts_and_throttling_are_retried_with_the_same_token(
    shop: Any, uid: str, shop_tables: ShopTables, transport_kind: str
) -> None:
    """A commit cancelled only for TransactionConflict, or throttled, is sent again with
    the same ClientRequestToken (fault proxy on 127.0.0.1 between client and server)."""
    with FaultProxy(shop_tables.backend.endpoint_url) as proxy:
        db = _proxied_db(shop, shop_tables, proxy, transport_kind)
        proxy.script(CONFLICT, THROTTLE)
        with db.transact_write() as tx:
            tx.customer.create(customer(shop, f"{uid}a"))
        bodies = [json.loads(b) for b in proxy.bodies("TransactWriteItems")]
        assert [s.fault for s in proxy.requests] == [CONFLICT, THROTTLE, "forward"]
        assert len({body["ClientRequestToken"] for body in bodies}) == 1
        assert db.customer.get(customer_id=f"{uid}a") is not None


@pytest.mark.needs("transactions")
def test_retry_budget_then_typed_error_or_client_error(
    shop: Any, rt: Any, uid: str, shop_tables: ShopTables, transport_kind: str
) -> None:
    attempts = rt.TRANSACTION_ATTEMPTS
    with FaultProxy(shop_tables.backend.endpoint_url) as proxy:
        db = _proxied_db(shop, shop_tables, proxy, transport_kind)
        proxy.script(*[CONFLICT] * attempts)
        with (
            pytest.raises(shop.TransactionCanceledError) as caught,
            db.transact_write() as tx,
        ):
            tx.customer.create(customer(shop, f"{uid}a"))
        assert [r.code for r in caught.value.reasons] == ["TransactionConflict"]
        assert len(proxy.bodies("TransactWriteItems")) == attempts
        proxy.script(*[THROTTLE] * attempts)
        with (
            pytest.raises(ClientError) as throttled,
            db.transact_write() as tx,
        ):
            tx.customer.create(customer(shop, f"{uid}b"))
        assert throttled.value.response["Error"]["Code"] == "ThrottlingException"
        assert len(proxy.bodies("TransactWriteItems")) == 2 * attempts
        proxy.script(DENIED)
        with pytest.raises(ClientError) as denied, db.transact_write() as tx:
            tx.customer.create(customer(shop, f"{uid}c"))
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
        assert (
            len(proxy.bodies("TransactWriteItems")) == 2 * attempts + 1
        )  # not retried
        assert db.customer.get(customer_id=f"{uid}a") is None


# -- cancellation -----------------------------------------------------------------------


@pytest.mark.needs("transactions")
def test_cancelled_transaction_writes_nothing_and_reasons_carry_old_items(
    shop: Any, db: Any, uid: str
) -> None:
    existing = db.customer.create(customer(shop, f"{uid}a", name="Old"))
    db.product.create(product(shop, f"{uid}p", count=1))
    with (
        pytest.raises(shop.TransactionCanceledError) as caught,
        db.transact_write() as tx,
    ):
        tx.customer.create(customer(shop, f"{uid}new"))
        tx.customer.create(customer(shop, f"{uid}a"))  # taken
        tx.product.reserve_stock(
            sku=f"{uid}p", quantity=3, on_sale=shop.ProductStatus.ACTIVE
        )
    reasons = caught.value.reasons
    assert [(r.entity, r.operation) for r in reasons] == [
        ("Customer", "create"),
        ("Customer", "create"),
        ("Product", "reserve_stock"),
    ]
    assert [r.code for r in reasons] == [
        None,
        "ConditionalCheckFailed",
        "ConditionalCheckFailed",
    ]
    assert reasons[0].item is None and reasons[0].message is None
    assert reasons[1].key == db.customer.key(customer_id=f"{uid}a")
    assert isinstance(reasons[1].item, shop.Customer)
    assert reasons[1].item == existing
    assert isinstance(reasons[2].item, shop.Product) and reasons[2].item.count == 1
    assert isinstance(caught.value, shop.DynagenError)
    # nothing was written
    assert db.customer.get(customer_id=f"{uid}new") is None
    stored = db.product.get(sku=f"{uid}p")
    assert stored is not None and (stored.count, stored.version) == (1, 1)


@pytest.mark.needs("transactions")
def test_version_conflict_in_a_transaction(shop: Any, db: Any, uid: str) -> None:
    stale = db.customer.create(customer(shop, f"{uid}a"))
    db.customer.update(customer_id=f"{uid}a", name="Newer")
    with (
        pytest.raises(shop.TransactionCanceledError) as caught,
        db.transact_write() as tx,
    ):
        tx.customer.put(stale)
    (reason,) = caught.value.reasons
    assert reason.code == "ConditionalCheckFailed"
    assert reason.item.name == "Newer" and reason.item.version == 2
    assert "Customer.put" in str(caught.value)


# -- limits (client-side, before any request) -------------------------------------------


def test_limits_refused_when_the_action_is_added(
    shop: Any, db: Any, uid: str, shop_tables: ShopTables
) -> None:
    with (
        RequestLog(shop_tables.client) as log,
        pytest.raises(ValueError, match="second action on one item"),
    ):
        with db.transact_write() as tx:
            tx.customer.create(customer(shop, f"{uid}a"))
            tx.customer.check_exists(customer_id=f"{uid}a")
        with (
            pytest.raises(ValueError, match="at most 100 actions"),
            db.transact_write() as tx,
        ):
            for i in range(101):
                tx.customer.check_exists(customer_id=f"{uid}{i}")
        with (
            pytest.raises(ValueError, match="limit of 400 KB"),
            db.transact_write() as tx,
        ):
            tx.customer.create(customer(shop, f"{uid}big", name="x" * 420_000))
        with (
            pytest.raises(ValueError, match="exceed 4194304 bytes"),
            db.transact_write() as tx,
        ):
            for i in range(20):
                tx.customer.create(customer(shop, f"{uid}{i}", name="y" * 300_000))
    assert "TransactWriteItems" not in log.operations


@pytest.mark.needs("transactions")
def test_one_hundred_actions_commit(
    shop: Any, tables_module: Any, backend: Backend, transport_kind: str, uid: str
) -> None:
    # Tables of its own: moto deep-copies an action's whole table once per action, and
    # the session's shared tables hold every other test's items (100 copies of them
    # grew moto's server past 9 GB).
    with schema_tables(backend, tables_module) as (client, prefix, _):
        db = shop.Database(client, table_prefix=prefix, transport=transport_kind)
        with db.transact_write() as tx:
            for i in range(100):
                tx.customer.check_not_exists(customer_id=f"{uid}{i}")


# -- transact_get -----------------------------------------------------------------------


@pytest.mark.needs("transactions")
def test_transact_get_reads_in_order_with_none_where_absent(
    shop: Any, db: Any, uid: str
) -> None:
    c = db.customer.create(customer(shop, f"{uid}a"))
    p = db.product.create(product(shop, f"{uid}p"))
    got = db.transact_get(
        db.customer.key(customer_id=f"{uid}a"),
        db.product.key(sku=f"{uid}missing"),
        db.product.key(sku=f"{uid}p"),
    )
    assert got == (c, None, p)
    assert db.transact_get() == ()


def test_transact_get_limits(shop: Any, db: Any, uid: str) -> None:
    keys = [db.customer.key(customer_id=f"{uid}{i}") for i in range(101)]
    with pytest.raises(ValueError, match="at most 100 keys"):
        db.transact_get(*keys)
    with pytest.raises(TypeError):
        db.transact_get(("not", "a key"))


@pytest.mark.needs("transact_get_over_25")
def test_transact_get_one_hundred_keys(shop: Any, db: Any, uid: str) -> None:
    db.customer.create(customer(shop, f"{uid}7"))
    got = db.transact_get(
        *[db.customer.key(customer_id=f"{uid}{i}") for i in range(100)]
    )
    assert len(got) == 100
    assert [i for i, item in enumerate(got) if item is not None] == [7]
