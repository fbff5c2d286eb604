"""Transport: wire-form requests and responses through botocore, without shape walking.

Runs against every test backend through the shared ``backend`` fixture of
``tests/backends.py`` (moto and dynalite servers on 127.0.0.1, or
``DYNAGEN_TEST_ENDPOINT``); no private server is started here.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from unittest import mock

import boto3
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.exceptions import ClientError, ConnectionClosedError, ParamValidationError
from dynagen import _runtime as rt
from dynagen._runtime import fast
from dynagen._runtime import transport as botocore_transport

from tests.backends import (
    DUMMY_CREDENTIALS,
    Backend,
    delete_tables_with_prefix,
    new_table_prefix,
)
from tests.faults import (
    CLOSE_IDLE,
    DENIED,
    DROP,
    ERROR_500,
    ERROR_503,
    PROVISIONED,
    THROTTLE,
    FaultProxy,
    Seen,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture(params=rt.TRANSPORTS)
def kind(request: pytest.FixtureRequest) -> str:
    """Each test runs under both transports, "fast" and "botocore"."""
    value: str = request.param
    return value


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


def test_put_get_round_trip_wire_form(backend: Backend, table: str, kind: str) -> None:
    client = backend.client()
    transport = rt.Transport.from_client(client, kind)
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


def test_query_wire_form_and_paging(backend: Backend, table: str, kind: str) -> None:
    transport = rt.Transport.from_client(backend.client(), kind)
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


def test_update_returns_wire_attributes(
    backend: Backend, table: str, kind: str
) -> None:
    transport = rt.Transport.from_client(backend.client(), kind)
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


def test_condition_failure_raises_client_error(
    backend: Backend, table: str, kind: str
) -> None:
    transport = rt.Transport.from_client(backend.client(), kind)
    item = wire_item("c#1", "a")
    transport.call("PutItem", {"TableName": table, "Item": item})
    with pytest.raises(ClientError) as caught:
        transport.call("UpdateItem", {"TableName": table, **CONDITION_FAILURE})
    error = caught.value
    assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert error.operation_name == "UpdateItem"
    assert isinstance(
        error, transport.client.exceptions.ConditionalCheckFailedException
    )
    body = rt.raw_error_body(error)
    assert "__type" not in body
    assert body.get("message", body.get("Message"))


@pytest.mark.needs("old_item_on_condition_failure")
def test_condition_failure_old_item_in_wire_form(
    backend: Backend, table: str, kind: str
) -> None:
    transport = rt.Transport.from_client(backend.client(), kind)
    item = wire_item("c#1", "a")
    transport.call("PutItem", {"TableName": table, "Item": item})
    with pytest.raises(ClientError) as caught:
        transport.call("UpdateItem", {"TableName": table, **CONDITION_FAILURE})
    old = rt.raw_error_body(caught.value)["Item"]
    assert old["data"] == {"B": b64(BLOB)}  # wire form: base64 text
    assert old["doc"] == item["doc"]
    assert old["n"] == {"N": "42"}


def test_error_response_as_botocore_gives_it(
    backend: Backend, table: str, kind: str
) -> None:
    """Both transports raise what the client itself raises for the same failure: the
    modeled class, the same ``response`` (but request id and headers), the same
    message; ``raw_error_body`` reads them alike."""
    client = backend.client()
    transport = rt.Transport.from_client(client, kind)
    item = wire_item("err#1", "a")
    transport.call("PutItem", {"TableName": table, "Item": item})
    failing = {
        "TableName": table,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    missing = {"TableName": f"{table}-missing", "Key": {"pk": {"S": "x"}}}
    for operation, request in (("PutItem", failing), ("GetItem", missing)):
        with pytest.raises(ClientError) as direct:
            getattr(client, botocore_transport._snake_case(operation))(
                **botocore_transport._to_botocore(request)
            )
        with pytest.raises(ClientError) as through:
            transport.call(operation, request)

        def comparable(error: ClientError) -> dict[str, Any]:
            response: dict[str, Any] = dict(error.response)
            metadata = dict(response.pop("ResponseMetadata"))
            return {
                "response": response,
                "status": metadata["HTTPStatusCode"],
                "attempts": metadata["RetryAttempts"],
            }

        assert type(through.value) is type(direct.value)
        assert comparable(through.value) == comparable(direct.value)
        assert str(through.value) == str(direct.value)
        assert rt.raw_error_body(through.value) == rt.raw_error_body(direct.value)


def test_batch_operations(backend: Backend, table: str, kind: str) -> None:
    transport = rt.Transport.from_client(backend.client(), kind)
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
def test_transactions(backend: Backend, table: str, kind: str) -> None:
    transport = rt.Transport.from_client(backend.client(), kind)
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


def test_numbers_round_trip_through_the_server(
    backend: Backend, table: str, kind: str
) -> None:
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
    transport = rt.Transport.from_client(backend.client(), kind)
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


def test_unlisted_operation_and_bad_request(
    backend: Backend, table: str, kind: str
) -> None:
    transport = rt.Transport.from_client(backend.client(), kind)
    described = transport.call("DescribeTable", {"TableName": table})
    assert described["Table"]["TableName"] == table
    # botocore validates parameters before sending; "fast" sends what it is given
    # (generated code builds only valid requests) and the server refuses it.
    with pytest.raises((ParamValidationError, ClientError)) as caught:
        transport.call("PutItem", {"Item": {}})
    if kind == "botocore":
        assert isinstance(caught.value, ParamValidationError)


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
    backend: Backend, table: str, kind: str
) -> None:
    shared = backend.client()
    transport = rt.Transport.from_client(shared, kind)
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


def test_threads_share_a_client(backend: Backend, table: str, kind: str) -> None:
    client = backend.client()
    transport = rt.Transport.from_client(client, kind)
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


def assert_signature_covers_body(
    prepared: Any, region: str, credentials: Credentials | None = None
) -> None:
    """Recompute the SigV4 signature over the prepared request as sent (with the dummy
    credentials unless ``credentials`` are given)."""
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
    request.context["timestamp"] = _header(prepared.headers, "X-Amz-Date")
    if credentials is None:
        credentials = Credentials(*DUMMY_CREDENTIALS)
    auth = SigV4Auth(credentials, "dynamodb", region)
    string_to_sign = auth.string_to_sign(request, auth.canonical_request(request))
    assert auth.signature(string_to_sign, request) == fields["Signature"]


def test_retry_resends_and_resigns_the_real_body(
    backend: Backend, table: str, kind: str
) -> None:
    if not backend.dummy_credentials:
        pytest.skip("signature recomputation needs the dummy credentials")
    client = backend.client()
    transport = rt.Transport.from_client(client, kind)
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
    # A before-send handler sees the call: "fast" went through botocore for it.
    expected = attempts[0].body
    assert json.loads(expected) == request
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


# --------------------------------------------------------------------------------------
# "fast": its own requests, retries through a fault-injecting proxy, credentials
# --------------------------------------------------------------------------------------


def proxied_client(
    backend: Backend, proxy: FaultProxy, attempts: int = 6, **config: Any
) -> DynamoDBClient:
    """A client of ``backend`` that talks to it through ``proxy``."""
    retries: Any = {"mode": "standard", "total_max_attempts": attempts}
    through = Backend(backend.name, proxy.url, backend.region)
    return through.client(Config(retries=retries, **config))


def is_compact(body: bytes) -> bool:
    """Whether ``body`` is dynagen's compact JSON (botocore's has ``": "``)."""
    return body.startswith(b'{"TableName":"')


def seen_as_prepared(proxy: FaultProxy, seen: Seen) -> Any:
    return SimpleNamespace(
        method="POST", url=proxy.url + "/", body=seen.body, headers=seen.headers
    )


def test_fast_sends_its_own_signed_request(backend: Backend, table: str) -> None:
    with FaultProxy(backend.endpoint_url) as proxy:
        client = proxied_client(backend, proxy)
        transport = rt.FastTransport(client)
        assert transport.usable
        request = {"TableName": table, "Item": wire_item("fast#1", "a")}
        assert transport.call("PutItem", request) == {}
        (seen,) = proxy.requests
        # dynagen's compact JSON, not botocore's serialization (which has spaces)
        assert seen.body == json.dumps(
            request, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")
        assert seen.headers["X-Amz-Target"] == "DynamoDB_20120810.PutItem"
        assert seen.headers["Content-Type"] == "application/x-amz-json-1.0"
        assert_signature_covers_body(seen_as_prepared(proxy, seen), backend.region)
        got = transport.call(
            "GetItem",
            {"TableName": table, "Key": {"pk": {"S": "fast#1"}, "sk": {"S": "a"}}},
        )
        assert got["Item"]["data"] == {"B": b64(BLOB)}
        assert len(proxy.requests) == 2  # one kept-alive connection served both


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param((THROTTLE,), id="throttling"),
        pytest.param((PROVISIONED, ERROR_500), id="provisioned-500"),
        pytest.param((ERROR_503, DROP, ERROR_500), id="503-drop-500"),
        pytest.param((DROP, DROP), id="dropped-twice"),
    ],
)
def test_retries_resend_the_same_body(
    backend: Backend, table: str, kind: str, faults: tuple[str, ...]
) -> None:
    """Throttling, 500, 503 and a dropped connection are retried (botocore's standard
    mode), with the same body bytes on every attempt, until the call succeeds."""
    with FaultProxy(backend.endpoint_url) as proxy:
        transport = rt.Transport.from_client(proxied_client(backend, proxy), kind)
        proxy.script(*faults)
        request: dict[str, Any] = {
            "TableName": table,
            "Item": wire_item("retry#2", "-".join(faults)),
        }
        assert transport.call("PutItem", request) == {}
        bodies = proxy.bodies("PutItem")
        assert len(bodies) == len(faults) + 1
        assert len(set(bodies)) == 1
        assert json.loads(bodies[0]) == request
        key = {"pk": request["Item"]["pk"], "sk": request["Item"]["sk"]}
        got = transport.call("GetItem", {"TableName": table, "Key": key})
        assert got["Item"] == request["Item"]


@pytest.mark.parametrize(
    ("faults", "attempts", "expected"),
    [
        pytest.param((ERROR_503,) * 3, 3, ("ClientError", "503", 2), id="503"),
        pytest.param(
            (ERROR_500,) * 2, 2, ("ClientError", "InternalServerError", 1), id="500"
        ),
        pytest.param(
            (DENIED,), 3, ("ClientError", "AccessDeniedException", 0), id="denied"
        ),
        pytest.param((DROP,) * 2, 2, ("ConnectionClosedError", None, None), id="drop"),
    ],
)
def test_retries_run_out_as_botocore_does(
    backend: Backend,
    table: str,
    kind: str,
    faults: tuple[str, ...],
    attempts: int,
    expected: tuple[str, str | None, int | None],
) -> None:
    """Past the client's maximum attempts (or for an error that is not retried) both
    transports raise what botocore raises, after the same number of requests."""
    with FaultProxy(backend.endpoint_url) as proxy:
        client = proxied_client(backend, proxy, attempts)
        transport = rt.Transport.from_client(client, kind)
        proxy.script(*faults)
        request = {"TableName": table, "Key": {"pk": {"S": "x"}, "sk": {"S": "y"}}}
        with pytest.raises(Exception) as caught:
            transport.call("GetItem", request)
        name, code, retries = expected
        error = caught.value
        assert type(error).__name__ in (name, code)  # modeled ClientError subclasses
        if code is not None:
            assert isinstance(error, ClientError)
            assert error.response["Error"]["Code"] == code
            assert error.response["ResponseMetadata"]["RetryAttempts"] == retries
        else:
            assert isinstance(error, ConnectionClosedError)
        assert len(proxy.requests) == len(faults)
        proxy.script()  # nothing left: the next call goes through
        assert "Item" not in transport.call("GetItem", request)


@pytest.mark.needs("transactions")
def test_transaction_token_kept_on_retries(
    backend: Backend, table: str, kind: str
) -> None:
    with FaultProxy(backend.endpoint_url) as proxy:
        transport = rt.Transport.from_client(proxied_client(backend, proxy), kind)
        proxy.script(THROTTLE, ERROR_500)
        item = wire_item("tx#token", "a")
        request = {"TransactItems": [{"Put": {"TableName": table, "Item": item}}]}
        transport.call("TransactWriteItems", request)
        bodies = [json.loads(b) for b in proxy.bodies("TransactWriteItems")]
        assert len(bodies) == 3
        tokens = {body["ClientRequestToken"] for body in bodies}
        assert len(tokens) == 1
        assert len(tokens.pop()) == 36  # a UUID
        assert "ClientRequestToken" not in request  # the caller's dict is untouched
        given = rt.with_client_request_token("TransactWriteItems", request, "t-1")
        transport.call("TransactWriteItems", given)
        assert (
            json.loads(proxy.bodies("TransactWriteItems")[-1])["ClientRequestToken"]
            == "t-1"
        )


def test_rotating_credentials_are_used_as_they_change(
    backend: Backend, table: str, kind: str
) -> None:
    """The client's refreshable credentials: every call signs with the credentials
    in force, refreshed through the client's own credential object."""
    issued: list[Credentials] = []

    def refresh() -> dict[str, str]:
        n = len(issued) + 1
        issued.append(Credentials(f"AKIDROTATE{n}", f"secret-{n}", f"token-{n}"))
        expiry = datetime.now(timezone.utc) + timedelta(minutes=5)  # always due
        return {
            "access_key": f"AKIDROTATE{n}",
            "secret_key": f"secret-{n}",
            "token": f"token-{n}",
            "expiry_time": expiry.isoformat(),
        }

    session = botocore.session.get_session()
    session._credentials = RefreshableCredentials.create_from_metadata(  # type: ignore[attr-defined]
        refresh(), refresh_using=refresh, method="rotating-test"
    )
    with FaultProxy(backend.endpoint_url) as proxy:
        client = boto3.Session(botocore_session=session).client(
            "dynamodb", endpoint_url=proxy.url, region_name=backend.region
        )
        transport = rt.Transport.from_client(client, kind)
        key = {"pk": {"S": "rot#1"}, "sk": {"S": "a"}}
        for _ in range(3):
            transport.call("GetItem", {"TableName": table, "Key": key})
        keys = []
        for seen in proxy.requests:
            authorization = seen.headers["Authorization"]
            key_id = authorization.split("Credential=", 1)[1].split("/", 1)[0]
            keys.append(key_id)
            credentials = next(c for c in issued if c.access_key == key_id)
            assert seen.headers["X-Amz-Security-Token"] == credentials.token
            assert_signature_covers_body(
                seen_as_prepared(proxy, seen), backend.region, credentials
            )
        assert len(keys) == 3
        assert len(set(keys)) == 3  # a new key for each call


# --------------------------------------------------------------------------------------
# "fast" steps aside for whatever would see or answer the call
# --------------------------------------------------------------------------------------


def test_fast_steps_aside_while_a_handler_listens(backend: Backend, table: str) -> None:
    with FaultProxy(backend.endpoint_url) as proxy:
        client = proxied_client(backend, proxy)
        transport = rt.FastTransport(client)
        key = {"pk": {"S": "aside#1"}, "sk": {"S": "a"}}
        request = {"TableName": table, "Key": key}
        seen_params: list[dict[str, Any]] = []

        def spy(params: dict[str, Any], **kwargs: Any) -> None:
            seen_params.append(params)

        transport.call("GetItem", request)
        client.meta.events.register("before-parameter-build.dynamodb.GetItem", spy)
        transport.call("GetItem", request)
        transport.call(
            "PutItem", {"TableName": table, "Item": wire_item("aside#1", "a")}
        )
        client.meta.events.unregister("before-parameter-build.dynamodb.GetItem", spy)
        transport.call("GetItem", request)
        assert seen_params == [{"TableName": table, "Key": key}]  # the real params
        compact = [is_compact(body) for body in proxy.bodies("GetItem")]
        assert compact == [True, False, True]  # fast, botocore, fast again
        assert is_compact(proxy.bodies("PutItem")[0])  # no handler on PutItem


def test_fast_steps_aside_for_a_patched_make_api_call(
    backend: Backend, table: str
) -> None:
    client = backend.client()
    transport = rt.FastTransport(client)
    answer = {"Item": {"pk": {"S": "p"}, "sk": {"S": "q"}, "b": {"B": b"\x00\x01"}}}
    with mock.patch.object(client, "_make_api_call", return_value=answer) as patched:
        got = transport.call(
            "GetItem", {"TableName": table, "Key": {"pk": {"S": "p"}, "sk": {"S": "q"}}}
        )
    assert got == {"Item": {"pk": {"S": "p"}, "sk": {"S": "q"}, "b": {"B": "AAE="}}}
    patched.assert_called_once_with(
        "GetItem",
        {"TableName": table, "Key": {"pk": {"S": "p"}, "sk": {"S": "q"}}},
    )


def test_fast_is_unusable_behind_a_proxy(
    backend: Backend, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = backend.client(Config(proxies={"http": "http://127.0.0.1:9"}))
    assert not rt.FastTransport(client).usable
    assert rt.FastTransport(backend.client()).usable


def test_kind_is_checked() -> None:
    with pytest.raises(ValueError, match="fast"):
        rt.Transport.from_client(closed_client_for_kinds(), "quick")
    with pytest.raises(TypeError):
        rt.Transport.from_client(closed_client_for_kinds(), None)  # type: ignore[arg-type]


def closed_client_for_kinds() -> DynamoDBClient:
    return Backend("closed", "http://127.0.0.1:9").client()


def test_fast_without_orjson(
    backend: Backend, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The standard-library codec the fast transport falls back to."""
    monkeypatch.setattr(fast, "_dumps", fast._dumps_stdlib)
    monkeypatch.setattr(fast, "_loads", json.loads)
    transport = rt.FastTransport(backend.client())
    item = wire_item("stdlib#1", "a")
    transport.call("PutItem", {"TableName": table, "Item": item})
    key = {"pk": item["pk"], "sk": item["sk"]}
    got = transport.call("GetItem", {"TableName": table, "Key": key})
    assert got["Item"] == item


def test_a_connection_closed_while_idle_is_not_reused(
    backend: Backend, table: str, kind: str
) -> None:
    """A kept-alive connection the server closed meanwhile costs no attempt (one
    attempt allowed here): a new connection is opened instead."""
    with FaultProxy(backend.endpoint_url) as proxy:
        client = proxied_client(backend, proxy, attempts=1)
        transport = rt.Transport.from_client(client, kind)
        request = {"TableName": table, "Key": {"pk": {"S": "idle"}, "sk": {"S": "a"}}}
        for _ in range(3):
            proxy.script(CLOSE_IDLE)
            assert "Item" not in transport.call("GetItem", request)
            time.sleep(0.05)  # the close reaches the client
        assert len(proxy.requests) == 3
