"""Both transports under what users put around a client: an event handler that calls
the same client during a dynagen call, botocore's Stubber, moto's ``mock_aws``, and
16 threads sharing one client and one ``Database``.

"fast" must behave exactly as "botocore" whenever something would see or answer the
call; these tests run under both (``transport_kind``).
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from tests.repository._support import START, Shop, ShopTables, closed_client


def test_handler_calls_the_same_client_during_a_dynagen_call(
    shop: Any, shop_tables: ShopTables, uid: str, transport_kind: str
) -> None:
    """An audit ``put_item`` from an ``after-call`` handler is an independent call:
    it writes its own item, and the customer's ``create`` succeeds."""
    client = shop_tables.backend.client()
    table = shop_tables.shop
    seen: list[dict[str, Any]] = []

    def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["audit:pk"] = params["Item"]["pk"]["S"]
        seen.append(params)

    def audit(context: dict[str, Any], **_: Any) -> None:
        pk = context.get("audit:pk", "")
        if pk.startswith("AUDIT#"):
            return  # the audit's own call
        client.put_item(
            TableName=table,
            Item={"pk": {"S": f"AUDIT#{uid}"}, "sk": {"S": pk}},
        )

    client.meta.events.register("before-parameter-build.dynamodb.PutItem", remember)
    client.meta.events.register("after-call.dynamodb.PutItem", audit)
    db = shop.Database(
        client, table_prefix=shop_tables.prefix, transport=transport_kind
    )
    created = db.customer.create(shop.Customer(customer_id=uid, email=f"{uid}@x.io"))
    assert created.version == 1
    # the handlers saw dynagen's real parameters, then the audit's own
    assert seen[0]["Item"]["email"] == {"S": f"{uid}@x.io"}
    assert seen[1]["Item"]["pk"] == {"S": f"AUDIT#{uid}"}
    audit_row = client.get_item(
        TableName=table,
        Key={"pk": {"S": f"AUDIT#{uid}"}, "sk": {"S": f"CUSTOMER#{uid}"}},
        ConsistentRead=True,
    )
    assert "Item" in audit_row
    assert db.customer.get(customer_id=uid, consistent=True) == created
    client.close()


def test_stubber_sees_the_real_parameters_and_answers(
    shop: Any, shop_build: Shop, transport_kind: str
) -> None:
    """botocore's Stubber checks the request dynagen sends and its answers come out
    decoded; a stubbed error comes out as the repository's typed error."""
    client = closed_client()  # nothing could be sent: the stub must answer
    db = shop.Database(client, table_prefix="stub-", transport=transport_kind)
    stored = shop.Customer(
        customer_id="c1",
        email="c1@x.io",
        created_at=START.replace(microsecond=0),
        updated_at=START.replace(microsecond=0),
        version=3,
    )
    key = {"pk": {"S": "CUSTOMER#c1"}, "sk": {"S": "PROFILE"}}
    # Customer has no binary attribute: its wire form is botocore's parameter form
    item = shop_build.models.encode_customer(stored)
    with Stubber(client) as stub:
        stub.add_response(
            "get_item",
            {"Item": item},
            {"TableName": "stub-shop", "Key": key, "ConsistentRead": False},
        )
        stub.add_client_error(
            "put_item",
            service_error_code="ConditionalCheckFailedException",
            service_message="The conditional request failed",
            http_status_code=400,
            expected_params={
                "TableName": "stub-shop",
                "Item": ANY,
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": "pk"},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
        )
        stub.add_response(
            "get_item",
            {"Item": item},
            {"TableName": "stub-shop", "Key": key, "ConsistentRead": True},
        )
        assert db.customer.get(customer_id="c1") == stored
        with pytest.raises(shop.AlreadyExistsError) as caught:
            db.customer.create(shop.Customer(customer_id="c1", email="c1@x.io"))
        assert caught.value.item == stored
        stub.assert_no_pending_responses()
    client.close()


def test_mock_aws(
    shop: Any, tables_module: Any, shop_tables: ShopTables, transport_kind: str
) -> None:
    """Under moto's ``mock_aws`` every call is answered by the mock, never sent."""
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        tables_module.create_tables(client, table_prefix="mock-")
        db = shop.Database(client, table_prefix="mock-", transport=transport_kind)
        created = db.customer.create(shop.Customer(customer_id="m1", email="m@x.io"))
        assert db.customer.get(customer_id="m1") == created
        assert [c.customer_id for c in db.customer.scan().all()] == ["m1"]
        assert "mock-shop" in client.list_tables()["TableNames"]
    # After the mock: a client made meanwhile carries moto's (now disabled) hook,
    # and "fast" serves it again.
    real = shop_tables.backend.client()
    transport = shop.Database(real, transport="fast")._transport
    assert transport._fast_allowed("GetItem")
    real.close()


def test_sixteen_threads_share_one_client_and_database(
    shop: Any, shop_tables: ShopTables, uid: str, transport_kind: str
) -> None:
    client = shop_tables.backend.client()
    db = shop.Database(
        client, table_prefix=shop_tables.prefix, transport=transport_kind
    )
    start = threading.Barrier(16)
    errors: list[BaseException] = []
    rounds = 5

    def work(n: int) -> None:
        try:
            start.wait()
            customer_id = f"{uid}-{n}"
            created = db.customer.create(
                shop.Customer(customer_id=customer_id, email=f"{customer_id}@x.io")
            )
            assert created.version == 1
            for i in range(rounds):
                updated = db.customer.update(
                    customer_id=customer_id, name=f"n{n}-{i}", expected_version=i + 1
                )
                assert updated.name == f"n{n}-{i}"
                assert updated.version == i + 2
            got = db.customer.get(customer_id=customer_id, consistent=True)
            assert got is not None and got.version == rounds + 1
            assert got.email == f"{customer_id}@x.io"
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    keys = [db.customer.key(customer_id=f"{uid}-{n}") for n in range(16)]
    found = db.customer.batch_get(keys, consistent=True)
    assert [c.name for c in found] == [f"n{n}-{rounds - 1}" for n in range(16)]
    client.close()
