"""Transport: wire-form requests and responses through botocore, without shape walking.

Runs against every test backend through the shared ``backend`` fixture of
``tests/backends.py`` (moto and dynalite servers on 127.0.0.1, or
``DYNAGEN_TEST_ENDPOINT``); no private server is started here.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, ParamValidationError
from dynagen import _runtime as rt

from tests.backends import (
    DUMMY_CREDENTIALS,
    Backend,
    delete_tables_with_prefix,
    new_table_prefix,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


BLOB = bytes(range(256)) + b"\x00end"


@pytest.fixture(scope="module")
def table(backend: Backend) -> Iterator[str]:
    """A table with key pk (S), sk (S), shared by this module's tests on one backend."""
    prefix = new_table_prefix()
    name = f"{prefix}transport"
    client = backend.client()
    client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    backend.wait_active(client, name)
    yield name
    delete_tables_with_prefix(client, prefix)


def wire_item(pk: str, sk: str, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": {"S": pk},
        "sk": {"S": sk},
        "data": {"B": b64(BLOB)},
        "blobs": {"BS": sorted([b64(b"a"), b64(b"\xff\xfe")])},
        "n": {"N": "42"},
        "text": {"S": "héllo ☃ 😀"},
        "doc": {"M": {"l": {"L": [{"B": b64(b"\x01")}, {"NULL": True}]}}},
    }
    item.update(extra)
    return item


def strip_metadata(response: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def test_put_get_round_trip_wire_form(backend: Backend, table: str) -> None:
    client = backend.client()
    transport = rt.Transport(client)
    item = wire_item("rt#1", "a")
    assert transport.call("PutItem", {"TableName": table, "Item": item}) == {}
    got = transport.call(
        "GetItem",
        {
            "TableName": table,
            "Key": {"pk": item["pk"], "sk": item["sk"]},
            "ConsistentRead": True,
        },
    )
    assert got["Item"]["data"] == {"B": b64(BLOB)}  # base64 text, not bytes
    got_blobs = got["Item"].pop("blobs")["BS"]
    assert sorted(got_blobs) == item["blobs"]["BS"]
    assert got["Item"] == {k: v for k, v in item.items() if k != "blobs"}
    # what a plain client sees is the same item, B decoded to bytes
    plain = backend.client().get_item(
        TableName=table, Key={"pk": {"S": "rt#1"}, "sk": {"S": "a"}}
    )
    assert plain["Item"]["data"] == {"B": BLOB}
    # a missing item: empty body, no Item
    assert (
        transport.call(
            "GetItem",
            {"TableName": table, "Key": {"pk": {"S": "none"}, "sk": {"S": "x"}}},
        )
        == {}
    )


def test_query_wire_form_and_paging(backend: Backend, table: str) -> None:
    transport = rt.Transport(backend.client())
    for i in range(5):
        transport.call(
            "PutItem", {"TableName": table, "Item": wire_item("q#1", f"s{i}")}
        )
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
        "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
        "ExpressionAttributeValues": {":pk": {"S": "q#1"}, ":prefix": {"S": "s"}},
        "Limit": 2,
    }
    seen: list[str] = []
    while True:
        page = transport.call("Query", request)
        seen.extend(item["sk"]["S"] for item in page["Items"])
        for item in page["Items"]:
            assert item["data"] == {"B": b64(BLOB)}
        if "LastEvaluatedKey" not in page:
            break
        assert page["LastEvaluatedKey"]["pk"] == {"S": "q#1"}
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert seen == [f"s{i}" for i in range(5)]
    count_request = {
        k: v for k, v in request.items() if k not in ("ExclusiveStartKey", "Limit")
    }
    counted = transport.call("Query", {**count_request, "Select": "COUNT"})
    assert counted["Count"] == 5


def test_update_returns_wire_attributes(backend: Backend, table: str) -> None:
    transport = rt.Transport(backend.client())
    transport.call("PutItem", {"TableName": table, "Item": wire_item("u#1", "a")})
    result = transport.call(
        "UpdateItem",
        {
            "TableName": table,
            "Key": {"pk": {"S": "u#1"}, "sk": {"S": "a"}},
            "UpdateExpression": "SET #d = :d ADD #n :one",
            "ExpressionAttributeNames": {"#d": "data", "#n": "n"},
            "ExpressionAttributeValues": {
                ":d": {"B": b64(b"\x00\x01")},
                ":one": {"N": "1"},
            },
            "ReturnValues": "ALL_NEW",
        },
    )
    assert result["Attributes"]["data"] == {"B": "AAE="}
    assert result["Attributes"]["n"] == {"N": "43"}


CONDITION_FAILURE: dict[str, Any] = {
    "Key": {"pk": {"S": "c#1"}, "sk": {"S": "a"}},
    "UpdateExpression": "SET #n = :n",
    "ConditionExpression": "#n = :expected",
    "ExpressionAttributeNames": {"#n": "n"},
    "ExpressionAttributeValues": {":n": {"N": "1"}, ":expected": {"N": "-1"}},
    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
}


def test_condition_failure_raises_client_error(backend: Backend, table: str) -> None:
    transport = rt.Transport(backend.client())
    item = wire_item("c#1", "a")
    transport.call("PutItem", {"TableName": table, "Item": item})
    with pytest.raises(ClientError) as caught:
        transport.call("UpdateItem", {"TableName": table, **CONDITION_FAILURE})
    error = caught.value
    assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert error.operation_name == "UpdateItem"
    body = rt.raw_error_body(error)
    assert body["__type"].endswith("ConditionalCheckFailedException")


@pytest.mark.needs("old_item_on_condition_failure")
def test_condition_failure_old_item_in_wire_form(backend: Backend, table: str) -> None:
    transport = rt.Transport(backend.client())
    item = wire_item("c#1", "a")
    transport.call("PutItem", {"TableName": table, "Item": item})
    with pytest.raises(ClientError) as caught:
        transport.call("UpdateItem", {"TableName": table, **CONDITION_FAILURE})
    old = rt.raw_error_body(caught.value)["Item"]
    assert old["data"] == {"B": b64(BLOB)}  # wire form: base64 text
    assert old["doc"] == item["doc"]
    assert old["n"] == {"N": "42"}


def test_raw_error_body_of_foreign_error_is_empty(backend: Backend, table: str) -> None:
    client = backend.client()
    rt.Transport(client)
    with pytest.raises(ClientError) as caught:
        client.get_item(TableName=f"{table}-missing", Key={"pk": {"S": "x"}})
    assert rt.raw_error_body(caught.value) == {}


def test_batch_operations(backend: Backend, table: str) -> None:
    transport = rt.Transport(backend.client())
    items = [wire_item("b#1", f"s{i}") for i in range(3)]
    result = transport.call(
        "BatchWriteItem",
        {"RequestItems": {table: [{"PutRequest": {"Item": item}} for item in items]}},
    )
    assert not result.get("UnprocessedItems")
    got = transport.call(
        "BatchGetItem",
        {
            "RequestItems": {
                table: {
                    "Keys": [{"pk": i["pk"], "sk": i["sk"]} for i in items]
                    + [{"pk": {"S": "b#1"}, "sk": {"S": "missing"}}],
                    "ConsistentRead": True,
                }
            }
        },
    )
    found = sorted(got["Responses"][table], key=lambda i: i["sk"]["S"])
    assert [i["sk"]["S"] for i in found] == ["s0", "s1", "s2"]
    assert all(i["data"] == {"B": b64(BLOB)} for i in found)
    transport.call(
        "BatchWriteItem",
        {
            "RequestItems": {
                table: [
                    {"DeleteRequest": {"Key": {"pk": i["pk"], "sk": i["sk"]}}}
                    for i in items
                ]
            }
        },
    )


@pytest.mark.needs("transactions")
def test_transactions(backend: Backend, table: str) -> None:
    transport = rt.Transport(backend.client())
    a, b = wire_item("t#1", "a"), wire_item("t#1", "b")
    transport.call(
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": table, "Item": a}},
                {"Put": {"TableName": table, "Item": b}},
            ],
            "ClientRequestToken": "tok-1",
        },
    )
    got = transport.call(
        "TransactGetItems",
        {
            "TransactItems": [
                {"Get": {"TableName": table, "Key": {"pk": a["pk"], "sk": a["sk"]}}},
                {
                    "Get": {
                        "TableName": table,
                        "Key": {"pk": b["pk"], "sk": {"S": "none"}},
                    }
                },
            ]
        },
    )
    assert got["Responses"][0]["Item"]["data"] == {"B": b64(BLOB)}
    assert got["Responses"][1] == {}
    with pytest.raises(ClientError) as caught:
        transport.call(
            "TransactWriteItems",
            {
                "TransactItems": [
                    {
                        "ConditionCheck": {
                            "TableName": table,
                            "Key": {"pk": a["pk"], "sk": a["sk"]},
                            "ConditionExpression": "attribute_not_exists(pk)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {
                        "Delete": {
                            "TableName": table,
                            "Key": {"pk": b["pk"], "sk": b["sk"]},
                        }
                    },
                ]
            },
        )
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = rt.raw_error_body(caught.value)["CancellationReasons"]
    assert reasons[0]["Code"] == "ConditionalCheckFailed"
    assert reasons[0]["Item"]["data"] == {"B": b64(BLOB)}
    assert reasons[1]["Code"] == "None"


def test_numbers_round_trip_through_the_server(backend: Backend, table: str) -> None:
    """Our number texts are accepted, and what the server returns parses exactly."""
    w = "Test.n"
    decimals = [
        Decimal("1E+100"),
        Decimal("0.10"),
        Decimal("-0"),
        Decimal("1E-130"),
        Decimal("-9.9999999999999999999999999999999999999E+125"),
        Decimal("1234567890123456789012345678901234567.8"),
        Decimal("1." + "0" * 50),
    ]
    ints = [0, -1, 10**37, 10**50, -(12 * 10**100), int("9" * 38)]
    floats = [0.1, 1.5e-7, 1e16, -2.5e125, 1e-130, 3.0]
    values = (
        {f"d{i}": {"N": rt.format_decimal(v, w)} for i, v in enumerate(decimals)}
        | {f"i{i}": {"N": rt.format_int(v, w)} for i, v in enumerate(ints)}
        | {f"f{i}": {"N": rt.format_float(v, w)} for i, v in enumerate(floats)}
    )
    transport = rt.Transport(backend.client())
    key = {"pk": {"S": "num#1"}, "sk": {"S": "a"}}
    transport.call("PutItem", {"TableName": table, "Item": {**key, **values}})
    got = transport.call(
        "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True}
    )
    item = got["Item"]
    for i, v in enumerate(decimals):
        assert rt.parse_decimal(item[f"d{i}"]["N"]) == v
    for i, n in enumerate(ints):
        assert rt.parse_int(item[f"i{i}"]["N"]) == n
    for i, f in enumerate(floats):
        assert rt.parse_float(item[f"f{i}"]["N"]) == f


def test_unlisted_operation_and_bad_request(backend: Backend, table: str) -> None:
    transport = rt.Transport(backend.client())
    described = transport.call("DescribeTable", {"TableName": table})
    assert described["Table"]["TableName"] == table
    with pytest.raises(ParamValidationError):
        transport.call("PutItem", {"Item": {}})


# --------------------------------------------------------------------------------------
# The same client, used directly, behaves exactly as without dynagen
# --------------------------------------------------------------------------------------


def _direct_calls(client: DynamoDBClient, table: str, pk: str) -> list[Any]:
    """A sequence of ordinary boto3 client calls; returns what each produced."""
    out: list[Any] = []
    key = {"pk": {"S": pk}, "sk": {"S": "a"}}
    out.append(
        strip_metadata(
            client.put_item(
                TableName=table,
                Item={
                    **key,
                    "data": {"B": BLOB},
                    "bs": {"BS": [b"x", b"y"]},
                    "n": {"N": "1"},
                },
            )
        )
    )
    got = client.get_item(TableName=table, Key=key, ConsistentRead=True)
    result = strip_metadata(got)
    result["Item"]["bs"]["BS"] = sorted(result["Item"]["bs"]["BS"])
    out.append(result)
    out.append(
        strip_metadata(
            client.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET #d = :d",
                ExpressionAttributeNames={"#d": "data"},
                ExpressionAttributeValues={":d": {"B": b"\x00"}},
                ReturnValues="UPDATED_NEW",
            )
        )
    )
    try:
        client.put_item(
            TableName=table,
            Item={**key},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as e:
        response = dict(e.response)
        response.pop("ResponseMetadata", None)
        out.append(("error", e.operation_name, type(e).__name__, response))
    try:
        client.get_item(TableName=f"{table}-missing", Key=key)
    except ClientError as e:
        out.append(("error", e.response["Error"]["Code"], type(e).__name__))
    return out


def test_direct_use_of_the_same_client_is_untouched(
    backend: Backend, table: str
) -> None:
    shared = backend.client()
    transport = rt.Transport(shared)
    transport.call(
        "GetItem", {"TableName": table, "Key": {"pk": {"S": "x"}, "sk": {"S": "y"}}}
    )
    untouched = backend.client()
    with_dynagen = _direct_calls(shared, table, "direct#1")
    without = _direct_calls(untouched, table, "direct#2")

    def normalise(results: list[Any], pk: str) -> str:
        return json.dumps(results, default=repr, sort_keys=True).replace(pk, "PK")

    assert normalise(with_dynagen, "direct#1") == normalise(without, "direct#2")
    assert with_dynagen[1]["Item"]["data"] == {"B": BLOB}  # bytes, decoded by botocore
    assert "dynagen:body" not in json.dumps(with_dynagen, default=repr)
    assert with_dynagen[3][0] == "error"
    # and the transport still works after direct use
    assert transport.call(
        "GetItem",
        {"TableName": table, "Key": {"pk": {"S": "direct#1"}, "sk": {"S": "a"}}},
    )["Item"]["data"] == {"B": "AA=="}


def test_handlers_registered_once_per_client(backend: Backend, table: str) -> None:
    client = backend.client()
    transports = [rt.Transport(client) for _ in range(3)]
    calls: list[bytes] = []

    def count(request: Any, **kwargs: Any) -> None:
        calls.append(request.body)

    client.meta.events.register("before-send.dynamodb", count)
    for transport in transports:
        transport.call(
            "PutItem", {"TableName": table, "Item": wire_item("once#1", "a")}
        )
    assert len(calls) == 3
    assert all(json.loads(body)["Item"]["data"] == {"B": b64(BLOB)} for body in calls)
    ids = client.meta.events._emitter._unique_id_handlers  # type: ignore[attr-defined]
    assert {k for k in ids if str(k).startswith("dynagen")} == {
        "dynagen-transport-before-sign",
        "dynagen-transport-before-parse",
    }


def test_threads_share_a_client(backend: Backend, table: str) -> None:
    client = backend.client()
    transport = rt.Transport(client)
    for i in range(4):
        transport.call(
            "PutItem", {"TableName": table, "Item": wire_item("th#1", f"s{i}")}
        )
    errors: list[BaseException] = []

    def via_transport(i: int) -> None:
        try:
            for _ in range(15):
                got = transport.call(
                    "GetItem",
                    {
                        "TableName": table,
                        "Key": {"pk": {"S": "th#1"}, "sk": {"S": f"s{i}"}},
                    },
                )
                assert got["Item"]["sk"] == {"S": f"s{i}"}
                assert got["Item"]["data"] == {"B": b64(BLOB)}
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def direct(i: int) -> None:
        try:
            for _ in range(15):
                got = client.get_item(
                    TableName=table, Key={"pk": {"S": "th#1"}, "sk": {"S": f"s{i}"}}
                )
                assert got["Item"]["data"] == {"B": BLOB}
                assert "dynagen:body" not in got
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=via_transport, args=(i,)) for i in range(2)]
    threads += [threading.Thread(target=direct, args=(i,)) for i in range(2, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


# --------------------------------------------------------------------------------------
# Retries: the real body is sent, and signed, on every attempt
# --------------------------------------------------------------------------------------


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


def _header(headers: Any, name: str) -> str:
    value = headers[name]
    return value.decode() if isinstance(value, bytes) else str(value)


def assert_signature_covers_body(prepared: Any, region: str) -> None:
    """Recompute the SigV4 signature over the prepared request as sent."""
    authorization = _header(prepared.headers, "Authorization")
    fields = dict(
        part.strip().split("=", 1) for part in authorization.split(" ", 1)[1].split(",")
    )
    signed = fields["SignedHeaders"].split(";")
    headers = {
        name: _header(prepared.headers, name)
        for name in prepared.headers
        if name.lower() in signed
    }
    request = AWSRequest(
        method=prepared.method, url=prepared.url, data=prepared.body, headers=headers
    )
    request.context["timestamp"] = headers["X-Amz-Date"]
    key_id, secret = DUMMY_CREDENTIALS
    auth = SigV4Auth(Credentials(key_id, secret), "dynamodb", region)
    string_to_sign = auth.string_to_sign(request, auth.canonical_request(request))
    assert auth.signature(string_to_sign, request) == fields["Signature"]


def test_retry_resends_and_resigns_the_real_body(backend: Backend, table: str) -> None:
    if not backend.dummy_credentials:
        pytest.skip("signature recomputation needs the dummy credentials")
    client = backend.client()
    transport = rt.Transport(client)
    attempts: list[Any] = []

    def throttle_first_attempt(request: Any, **kwargs: Any) -> AWSResponse | None:
        attempts.append(request)
        if len(attempts) == 1:
            body = (
                b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",'
                b'"message":"slow down"}'
            )
            headers: Any = {"Content-Type": "application/x-amz-json-1.0"}
            return AWSResponse(
                request.url,
                400,
                headers,
                _Raw(body),
            )
        return None

    client.meta.events.register(
        "before-send.dynamodb",
        throttle_first_attempt,  # type: ignore[arg-type]
    )
    item = wire_item("retry#1", "a")
    request = {"TableName": table, "Item": item}
    assert transport.call("PutItem", request) == {}
    assert len(attempts) == 2
    expected = json.dumps(request, separators=(",", ":")).encode()
    for prepared in attempts:
        assert prepared.body == expected
        assert _header(prepared.headers, "Content-Length") == str(len(expected))
        assert_signature_covers_body(prepared, backend.region)
    assert transport.call(
        "GetItem", {"TableName": table, "Key": {"pk": item["pk"], "sk": item["sk"]}}
    )["Item"]["data"] == {"B": b64(BLOB)}


def test_from_client(
    backend: Backend, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = backend.client()
    assert rt.Transport.from_client(client).client is client
    if not backend.dummy_credentials:
        return
    key_id, secret = DUMMY_CREDENTIALS
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_DEFAULT_REGION", backend.region)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", backend.endpoint_url)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    transport = rt.Transport.from_client(None)
    assert (
        transport.call("DescribeTable", {"TableName": table})["Table"]["TableName"]
        == table
    )
