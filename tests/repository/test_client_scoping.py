"""A client dynagen uses is left as it was: no hooks, no shared state.

A client a ``Database`` was built on, used directly afterwards (or meanwhile, from
another thread), must behave exactly as an untouched client on the same server: bytes
as ``bytes``, parsed responses, parsed ``ClientError`` bodies.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from tests.repository._support import ShopTables

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


@pytest.fixture
def used_client(shop_tables: ShopTables) -> Iterator[DynamoDBClient]:
    """A fresh client of the backend (a Database is built on it by the test)."""
    client = shop_tables.backend.client()
    yield client
    client.close()


@pytest.fixture
def untouched_client(shop_tables: ShopTables) -> Iterator[DynamoDBClient]:
    """A fresh client no Database was ever built on."""
    client = shop_tables.backend.client()
    yield client
    client.close()


def exercise_dynagen(shop: Any, client: DynamoDBClient, prefix: str, uid: str) -> Any:
    """Successful and failing dynagen calls of every kind on ``client``."""
    db = shop.Database(client, table_prefix=prefix)
    db2 = shop.Database(client, table_prefix=prefix, transport="botocore")
    created = db.customer.create(shop.Customer(customer_id=f"{uid}-d", email="a@b.c"))
    assert db2.customer.get(customer_id=f"{uid}-d") == created
    with pytest.raises(shop.AlreadyExistsError):
        db.customer.create(shop.Customer(customer_id=f"{uid}-d", email="a@b.c"))
    with pytest.raises(shop.VersionConflictError):
        db.customer.update(customer_id=f"{uid}-d", points=1, expected_version=5)
    with pytest.raises(shop.NotFoundError):
        db.customer.delete(customer_id=f"{uid}-missing", expected_version=1)
    db.customer.update(customer_id=f"{uid}-d", points=1)
    return db


def direct_calls(client: DynamoDBClient, table: str, pk: str) -> list[Any]:
    """Direct client calls whose parsed results are compared between the clients."""
    key = {"pk": {"S": pk}, "sk": {"S": "RAW"}}
    item: dict[str, Any] = {
        **key,
        "b": {"B": b"raw\x00\xff"},
        "bs": {"BS": [b"x", b"\x01"]},
        "n": {"N": "1.50"},
        "l": {"L": [{"B": b"in-list"}, {"N": "7"}, {"NULL": True}]},
        "m": {"M": {"inner": {"B": b"in-map"}}},
    }
    results: list[Any] = []
    put = client.put_item(TableName=table, Item=item, ReturnValues="ALL_OLD")
    results.append(strip(put))
    got = client.get_item(TableName=table, Key=key, ConsistentRead=True)
    results.append(strip(got))
    assert isinstance(got["Item"]["b"]["B"], bytes)
    updated = client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #b = :b",
        ExpressionAttributeNames={"#b": "b"},
        ExpressionAttributeValues={":b": {"B": b"new"}},
        ReturnValues="ALL_NEW",
    )
    results.append(strip(updated))
    with pytest.raises(ClientError) as caught:
        client.put_item(
            TableName=table,
            Item=item,
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    results.append(strip(caught.value.response))
    results.append(type(caught.value).__name__)
    with pytest.raises(ClientError) as caught:
        client.get_item(TableName=f"{table}-missing", Key=key)
    results.append(strip(caught.value.response))
    queried = client.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )
    results.append(strip(queried))
    deleted = client.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")
    results.append(strip(deleted))
    return results


def strip(response: Any) -> Any:
    """A response without the parts that differ between any two calls."""
    out = {k: v for k, v in dict(response).items() if k != "ResponseMetadata"}
    if "Error" in out:
        out["Error"] = {k: v for k, v in out["Error"].items() if k != "Message"}
    return out


def test_client_used_directly_after_dynagen_is_unchanged(
    shop: Any,
    shop_tables: ShopTables,
    used_client: DynamoDBClient,
    untouched_client: DynamoDBClient,
    uid: str,
) -> None:
    exercise_dynagen(shop, used_client, shop_tables.prefix, uid)
    after = direct_calls(used_client, shop_tables.shop, f"{uid}-used")
    reference = direct_calls(untouched_client, shop_tables.shop, f"{uid}-used")
    assert after == reference
    assert after[1]["Item"]["b"] == {"B": b"raw\x00\xff"}
    assert after[1]["Item"]["l"]["L"][0] == {"B": b"in-list"}
    for response in after:
        if isinstance(response, dict):
            assert not any(str(k).startswith("dynagen") for k in response)


@pytest.mark.needs("old_item_on_condition_failure")
def test_condition_failure_item_is_parsed_for_direct_calls(
    shop: Any,
    shop_tables: ShopTables,
    used_client: DynamoDBClient,
    uid: str,
) -> None:
    exercise_dynagen(shop, used_client, shop_tables.prefix, uid)
    results = direct_calls(used_client, shop_tables.shop, f"{uid}-ccf")
    error = results[3]
    assert error["Error"]["Code"] == "ConditionalCheckFailedException"
    assert error["Item"]["b"] == {"B": b"new"}, "parsed bytes, not base64 text"
    assert sorted(error["Item"]["bs"]["BS"]) == [b"\x01", b"x"]


def test_direct_calls_in_another_thread_during_dynagen_calls(
    shop: Any,
    shop_tables: ShopTables,
    used_client: DynamoDBClient,
    uid: str,
) -> None:
    """The hooks are scoped to the calling thread: a concurrent direct call is untouched."""
    db = shop.Database(used_client, table_prefix=shop_tables.prefix)
    db.customer.create(shop.Customer(customer_id=uid, email="a@b.c"))
    key = {"pk": {"S": f"{uid}-bytes"}, "sk": {"S": "RAW"}}
    used_client.put_item(TableName=shop_tables.shop, Item={**key, "b": {"B": b"\x00"}})
    stop = threading.Event()
    errors: list[BaseException] = []

    def dynagen_loop() -> None:
        try:
            while not stop.is_set():
                assert db.customer.get(customer_id=uid) is not None
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=dynagen_loop)
    thread.start()
    try:
        for _ in range(40):
            got = used_client.get_item(TableName=shop_tables.shop, Key=key)
            assert got["Item"]["b"] == {"B": b"\x00"}
            assert "dynagen:body" not in got
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
