"""Every number DynamoDB can store reads back into its declared type, exactly.

Items are written raw (hand-written wire numbers, through the generated Transport) so
that the server's own representation is what gets decoded: dynalite canonicalises
numbers like DynamoDB (``1E+100`` comes back as ``1`` and 100 zeros, ``0.10`` as
``0.1``, ``-0`` as ``0``), moto returns them as sent. Both must decode without error
and without rounding: a ``decimal`` attribute keeps every digit, an ``int`` attribute
takes every integral form (``1E+2`` is 100) and refuses a fraction with ``DecodeError``
rather than truncating it, a ``float`` attribute holds the nearest double.

boto3's ``TypeDeserializer`` cannot read some of these on dynalite (its 38-digit
context traps ``Rounded``/``Inexact`` on ``1`` followed by 100 zeros): that is why
the generated code parses numbers itself.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from tests.codecs._strategies import make_thing
from tests.codecs.conftest import ThingsTable

MAX = "9.9999999999999999999999999999999999999E+125"
DIGITS_38 = "12345678901234567890123456789012345678"

#: (wire text, integral?) -- every form here is a number DynamoDB stores.
NUMBERS: list[tuple[str, bool]] = [
    ("1E+100", True),
    ("0.10", False),
    ("-0", True),
    (DIGITS_38, True),
    ("-" + DIGITS_38, True),
    ("0." + DIGITS_38, False),
    ("1.234567890123456789012345678901234567E-100", False),
    ("1E-130", False),
    ("-1E-130", False),
    (MAX, True),
    ("-" + MAX, True),
    ("1E+2", True),
    ("1.0E+2", True),
    ("100.000", True),
    ("0", True),
    ("-12.50", False),
]


def raw_item(models: Any, name: str, text: str, integral: bool) -> dict[str, Any]:
    """A Thing item whose number attributes all hold ``text`` (ints only if integral)."""
    item: dict[str, Any] = models.encode_thing(make_thing(models, name=name))
    number = {"N": text}
    item["price"] = number
    item["opt_decimal"] = number
    item["value.with-dash"] = number
    item["ratio"] = number
    item["opt_float"] = number
    item["nested"] = {"L": [{"M": {"k": {"L": [number]}}}]}
    item["doc"] = {"M": {"n": number}}
    item["address"]["M"]["geo"]["M"]["lat"] = number
    if integral:
        item["count"] = number
        item["klass"] = number
        item["numbers"] = {"NS": [text]}
        item["scores"] = {"M": {"k": number}}
        item["matrix"] = {"M": {"k": {"L": [number]}}}
    return item


def put_raw(table: ThingsTable, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        pending = [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]
        while pending:
            response = table.transport.call(
                "BatchWriteItem", {"RequestItems": {table.name: pending}}
            )
            pending = response.get("UnprocessedItems", {}).get(table.name, [])


def get_raw(table: ThingsTable, item: dict[str, Any]) -> dict[str, Any]:
    key = {"pk": item["pk"], "sk": item["sk"]}
    response = table.transport.call(
        "GetItem", {"TableName": table.name, "Key": key, "ConsistentRead": True}
    )
    stored: dict[str, Any] = response["Item"]
    return stored


def test_every_storable_number_reads_back_exactly(
    things_table: ThingsTable, models: Any
) -> None:
    items = [
        raw_item(models, f"number-{i}", text, integral)
        for i, (text, integral) in enumerate(NUMBERS)
    ]
    put_raw(things_table, items)
    returned: dict[str, str] = {}
    for (text, integral), item in zip(NUMBERS, items, strict=True):
        stored = get_raw(things_table, item)
        returned[text] = stored["price"]["N"]
        thing = models.decode_thing(stored)
        exact = Decimal(text)
        for value in (thing.price, thing.opt_decimal, thing.value):
            assert type(value) is Decimal and value == exact, (text, value)
        assert thing.nested == [{"k": [exact]}]
        assert thing.address.geo.lat == exact
        for value in (thing.ratio, thing.opt_float):
            assert type(value) is float and value == float(text), (text, value)
        json_number = thing.doc["n"]
        assert json_number == exact
        assert type(json_number) is (int if integral else Decimal)
        if integral:
            whole = int(exact)
            assert whole == exact
            for value in (thing.count, thing.class_):
                assert type(value) is int and value == whole, (text, value)
            assert thing.numbers == {whole}
            assert thing.scores == {"k": whole}
            assert thing.matrix == {"k": [whole]}
        # What was read can be written back, digit for digit (a float only where
        # its nearest double is inside DynamoDB's range).
        if abs(float(text)) >= 1e126:
            with pytest.raises(ValueError, match=r"Thing\.ratio"):
                models.encode_thing(thing)
            thing.ratio = thing.opt_float = 0.0
        again = models.encode_thing(thing)
        assert Decimal(again["price"]["N"]) == exact
        assert models.decode_thing(again).price == exact
    if things_table.backend.supports("canonical_numbers"):
        assert returned["1E+100"] == "1" + "0" * 100
        assert returned["0.10"] == "0.1"
        assert returned["-0"] == "0"
    else:
        assert all(returned[text] == text for text, _ in NUMBERS)


@pytest.mark.parametrize("text", ["1.5", "0.10", "1E-130", "-12.50"])
def test_a_fraction_in_an_int_attribute_is_a_decode_error(
    things_table: ThingsTable, models: Any, rt: Any, text: str
) -> None:
    item = raw_item(models, f"fraction-{text}", "1", True)
    item["count"] = {"N": text}
    put_raw(things_table, [item])
    with pytest.raises(rt.DecodeError) as caught:
        models.decode_thing(get_raw(things_table, item))
    error = caught.value
    assert error.entity == "Thing" and error.attribute == "count"
    assert error.key == {"pk": item["pk"], "sk": item["sk"]}
    assert "Thing.count" in str(error)


@pytest.mark.parametrize(
    ("attribute", "mutate"),
    [
        ("numbers", lambda item: item.update(numbers={"NS": ["1", "1.5"]})),
        ("scores", lambda item: item.update(scores={"M": {"k": {"N": "0.5"}}})),
        (
            "lines",
            lambda item: item.update(
                lines={
                    "L": [
                        {
                            "M": {
                                "sku": {"S": "s"},
                                "quantity": {"N": "2.5"},
                                "price": {"N": "1"},
                            }
                        }
                    ]
                }
            ),
        ),
    ],
)
def test_a_fraction_inside_a_collection_is_a_decode_error(
    models: Any, rt: Any, attribute: str, mutate: Any
) -> None:
    item = raw_item(models, "fraction-inside", "1", True)
    mutate(item)
    with pytest.raises(rt.DecodeError) as caught:
        models.decode_thing(item)
    assert caught.value.entity == "Thing" and caught.value.attribute == attribute


@pytest.mark.needs("canonical_numbers")
def test_boto3_type_deserializer_fails_where_our_decoder_does_not(
    things_table: ThingsTable, models: Any
) -> None:
    item = raw_item(models, "boto3-deserializer", "1E+100", True)
    put_raw(things_table, [item])
    via_boto = things_table.client.get_item(
        TableName=things_table.name,
        Key={"pk": item["pk"], "sk": item["sk"]},
        ConsistentRead=True,
    )["Item"]
    assert via_boto["price"] == {"N": "1" + "0" * 100}
    with pytest.raises((decimal.Rounded, decimal.Inexact)):
        TypeDeserializer().deserialize(via_boto["price"])
    thing = models.decode_thing(get_raw(things_table, item))
    assert thing.price == Decimal("1E+100") and thing.count == 10**100
