"""decode(encode(obj)) == obj for every attribute type, in memory and through servers.

In memory: the encoded item is DynamoDB's JSON wire form (JSON-serialisable, B as base64
text), carries the table key and ``_type``, and decodes back to the object (datetimes as
the same instant, in UTC; an empty optional set as None; a missing version as 0).

Through every backend: objects are written with BatchWriteItem through the generated
``Transport`` (at most 25 a request, unprocessed items resent), read back one by one
with GetItem through the Transport, and decoded; the server kept every attribute (numbers
compared by value: dynalite canonicalises them), and boto3's own low-level ``get_item``
sees the same attributes.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from datetime import timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.codecs._strategies import (
    canonical,
    make_thing,
    thing_after_roundtrip,
    things,
)
from tests.codecs.conftest import ThingsTable

UTC = timezone.utc
BATCH_LIMIT = 25


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def key_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"pk": item["pk"], "sk": item["sk"]}


def batch_write(table: ThingsTable, items: list[dict[str, Any]]) -> list[int]:
    """BatchWriteItem through the Transport, at most 25 writes a request, unprocessed
    items resent; returns the size of each first request (one per chunk)."""
    chunks: list[int] = []
    for start in range(0, len(items), BATCH_LIMIT):
        pending: list[dict[str, Any]] = [
            {"PutRequest": {"Item": item}}
            for item in items[start : start + BATCH_LIMIT]
        ]
        chunks.append(len(pending))
        for attempt in range(20):
            assert len(pending) <= BATCH_LIMIT
            response = table.transport.call(
                "BatchWriteItem", {"RequestItems": {table.name: pending}}
            )
            pending = response.get("UnprocessedItems", {}).get(table.name, [])
            if not pending:
                break
            time.sleep(min(0.01 * 2**attempt, 0.5))
        else:
            raise AssertionError(f"{len(pending)} items still unprocessed")
    return chunks


def get_wire(table: ThingsTable, key: dict[str, Any]) -> dict[str, Any]:
    response = table.transport.call(
        "GetItem", {"TableName": table.name, "Key": key, "ConsistentRead": True}
    )
    assert "Item" in response, f"no item for {key!r}"
    item: dict[str, Any] = response["Item"]
    return item


def boto_form(value: dict[str, Any]) -> Any:
    """A wire attribute value as boto3's low-level client returns it: B as bytes, sets
    as sorted lists (their order is not defined)."""
    ((kind, v),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(v)}
    if kind == "BS":
        return {"BS": sorted(base64.b64decode(x) for x in v)}
    if kind in ("SS", "NS"):
        return {kind: sorted(v)}
    if kind == "L":
        return {"L": [boto_form(x) for x in v]}
    if kind == "M":
        return {"M": {k: boto_form(x) for k, x in v.items()}}
    return {kind: v}


def boto_item_form(item: dict[str, Any]) -> dict[str, Any]:
    return {name: boto_form(value) for name, value in item.items()}


def sorted_sets(value: Any) -> Any:
    """boto3's item with its sets sorted, for an order-free comparison."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((kind, v),) = value.items()
            if kind in ("SS", "NS", "BS"):
                return {kind: sorted(v)}
        return {k: sorted_sets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sorted_sets(v) for v in value]
    return value


def same_wire_value(sent: Any, stored: Any) -> bool:
    """Whether the server kept ``sent``: numbers by value, sets in any order."""
    ((kind, a),) = sent.items()
    ((stored_kind, b),) = stored.items()
    if kind != stored_kind:
        return False
    if kind == "N":
        return bool(Decimal(a) == Decimal(b))
    if kind == "NS":
        return {Decimal(x) for x in a} == {Decimal(x) for x in b} and len(a) == len(b)
    if kind in ("SS", "BS"):
        return sorted(a) == sorted(b)
    if kind == "L":
        return len(a) == len(b) and all(
            same_wire_value(x, y) for x, y in zip(a, b, strict=True)
        )
    if kind == "M":
        return a.keys() == b.keys() and all(same_wire_value(a[k], b[k]) for k in a)
    return bool(a == b)


def assert_server_kept(sent: dict[str, Any], stored: dict[str, Any]) -> None:
    assert sent.keys() == stored.keys()
    for name in sent:
        assert same_wire_value(sent[name], stored[name]), (
            name,
            sent[name],
            stored[name],
        )


def assert_roundtrip(models: Any, obj: Any, stored: dict[str, Any]) -> None:
    decoded = models.decode_thing(stored)
    assert canonical(decoded) == canonical(thing_after_roundtrip(obj))
    for name in ("at", "timestamp"):
        assert getattr(decoded, name).tzinfo is UTC


# --------------------------------------------------------------------------------------
# In memory
# --------------------------------------------------------------------------------------


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_encode_decode_roundtrip(models: Any, data: st.DataObject) -> None:
    obj = data.draw(things(models))
    before = canonical(obj)
    item = models.encode_thing(obj)
    assert canonical(obj) == before, "encoding changed the object"

    text = json.dumps(item, ensure_ascii=False, allow_nan=False)
    wire = json.loads(text)
    assert wire == item, "the encoded item is not plain JSON"

    assert item["_type"] == {"S": "Thing"}
    assert item["pk"]["S"].startswith("THING#")
    assert item["sk"]["S"].startswith("N#")
    assert key_of(item) == models.thing_key_item(
        name=obj.name, n=obj.n, at=obj.at, id=obj.id
    )
    assert ("gsi1pk" in item) == (obj.nickname is not None)
    for column in ("stored_name", "klass"):
        assert column in item
    assert "renamed" not in item and "class" not in item and "class_" not in item

    assert_roundtrip(models, obj, wire)

    # One round trip reaches a fixed point: encoding what was decoded is stable.
    again = models.encode_thing(models.decode_thing(wire))
    assert models.encode_thing(models.decode_thing(again)) == again


def test_edge_values_roundtrip_in_memory(models: Any) -> None:
    obj = make_thing(
        models,
        name="",
        text="",
        data=b"",
        tags=["", "😀𝄞\U0010ffff"],
        scores={"#": 0, "😀": -1},
        labels={""},
        blobs={b""},
        doc={"": None, "a": [True, "", Decimal("0.10"), 10**40]},
        opt_labels=set(),
        opt_numbers=set(),
        opt_blobs=set(),
    )
    item = models.encode_thing(obj)
    for absent in ("opt_labels", "opt_numbers", "opt_blobs", "numbers"):
        assert absent not in item
    decoded = models.decode_thing(item)
    assert decoded.opt_labels is None and decoded.opt_numbers is None
    assert decoded.opt_blobs is None
    assert decoded.numbers == set()
    assert decoded.labels == {""} and decoded.blobs == {b""}
    assert decoded.doc == {"": None, "a": [True, "", Decimal("0.1"), 10**40]}
    assert type(decoded.doc["a"][3]) is int
    assert_roundtrip(models, obj, item)


def test_other_entity_roundtrip(models: Any) -> None:
    obj = models.Other(code="a#b c", amount=-5)
    item = models.encode_other(obj)
    assert item["_type"] == {"S": "Other"}
    assert key_of(item) == models.other_key_item(code="a#b c")
    assert models.decode_other(item) == obj


# --------------------------------------------------------------------------------------
# Through the servers
# --------------------------------------------------------------------------------------


def write_and_check(
    table: ThingsTable, models: Any, objects: list[Any], *, with_boto3: bool = True
) -> list[int]:
    """Write ``objects`` by BatchWriteItem, read each back by GetItem through the
    Transport, and check it; returns the size of each BatchWriteItem request."""
    items = [models.encode_thing(obj) for obj in objects]
    requests = batch_write(table, items)
    for obj, sent in zip(objects, items, strict=True):
        stored = get_wire(table, key_of(sent))
        assert_server_kept(sent, stored)
        assert_roundtrip(models, obj, stored)
        if with_boto3:
            # boto3's low-level path sees the very attributes the Transport read.
            via_boto = table.client.get_item(
                TableName=table.name, Key=key_of(sent), ConsistentRead=True
            )["Item"]
            assert sorted_sets(via_boto) == boto_item_form(stored)
    return requests


def unique_key(models: Any) -> Any:
    def key(thing: Any) -> str:
        item = models.encode_thing(thing)
        return f"{item['pk']['S']}\n{item['sk']['S']}"

    return key


@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(data=st.data())
def test_batch_written_objects_read_back(
    things_table: ThingsTable, models: Any, data: st.DataObject
) -> None:
    objects = data.draw(
        st.lists(things(models), min_size=1, max_size=8, unique_by=unique_key(models))
    )
    assert write_and_check(things_table, models, objects) == [len(objects)]


@settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_a_batch_of_more_than_25_is_split(
    things_table: ThingsTable, models: Any, data: st.DataObject
) -> None:
    thing = data.draw(things(models))
    copies = [dataclasses.replace(thing, id=UUID(int=i + 1)) for i in range(31)]
    assert write_and_check(things_table, models, copies, with_boto3=False) == [25, 6]


def test_edge_values_through_server(things_table: ThingsTable, models: Any) -> None:
    objects = [
        make_thing(
            models,
            name=f"edge-{i}",
            text="",
            data=b"",
            tags=["", "😀𝄞\U0010ffff", "\x00"],
            labels={"", "#"},
            blobs={b"", b"\xff"},
            numbers={0, 10**100, -(10**37)},
            doc={"a": [None, True, "", Decimal("-0"), Decimal("1E-130")]},
            opt_labels=set() if i == 0 else {"x"},
            opt_numbers=set(),
            opt_blobs=set(),
            nickname=None if i == 0 else "",
            version=None if i == 0 else 3,
        )
        for i in range(2)
    ]
    write_and_check(things_table, models, objects)
    first = models.decode_thing(
        get_wire(things_table, key_of(models.encode_thing(objects[0])))
    )
    assert first.opt_labels is None and first.opt_numbers is None
    assert first.numbers == {0, 10**100, -(10**37)}
    assert first.version == 0
