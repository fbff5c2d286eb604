"""``_runtime.item_size`` is DynamoDB's count, to the byte, at the 400 KB boundary.

Each item is padded (one string attribute, one byte per ASCII character) until our
count says exactly 409,600 bytes -- dynalite, which enforces DynamoDB's limit, must
accept it -- and then one byte more, which dynalite must refuse. A count off by a
single byte for any attribute type fails one side. moto limits items to 405,000
bytes, so it cannot judge (``needs("item_size_limit")``).

One deviation of dynalite is measured rather than ignored: it counts a string (value or
attribute name) in UTF-16 code units (JavaScript's ``length``), where DynamoDB counts
UTF-8 bytes, as ``item_size`` does. For items with non-ASCII text the boundary dynalite
enforces is therefore ours plus the UTF-8/UTF-16 difference of their text, exactly.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.codecs._strategies import make_thing, things
from tests.codecs.conftest import ThingsTable

LIMIT = 409_600
PAD = "pad"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


NUMBERS = [
    "0",
    "-0",
    "1",
    "-1",
    "12",
    "1.2",
    "123",
    "-123.456",
    "100",
    "1E+100",
    "1.0E+2",
    "0.001",
    "-0.000123",
    "-12.50",
    "9" * 38,
    "9" * 37 + ".9",
    "1E-130",
    "9.9999999999999999999999999999999999999E+125",
    "-1.234567890123456789012345678901234567E-100",
]

#: Attribute sets of every DynamoDB type; each is padded to the limit on its own.
COMPOSITIONS: dict[str, dict[str, Any]] = {
    "plain": {},
    "numbers": {f"n{i}": {"N": text} for i, text in enumerate(NUMBERS)},
    # a set holds distinct numbers: "100", "1.0E+2" and "0", "-0" are one each
    "number-set": {"ns": {"NS": [n for n in NUMBERS if n not in ("1.0E+2", "-0")]}},
    "strings": {
        "empty": {"S": ""},
        "ascii": {"S": "hello"},
        "two-byte": {"S": "é"},
        "three-byte": {"S": "€\uffff"},
        "four-byte": {"S": "😀\U0010ffff"},
        "ünïcödé-name-😀": {"S": "x"},
        "string-set": {"SS": ["", "a", "é", "😀"]},
    },
    "binary": {
        "b0": {"B": ""},
        "b1": {"B": b64(b"\x00")},
        "b2": {"B": b64(b"\x00\xff")},
        "b3": {"B": b64(b"abc")},
        "b4": {"B": b64(b"\xfb\xff\xfe\x00")},
        "binary-set": {"BS": [b64(b""), b64(b"\x01"), b64(b"\x01\x02")]},
    },
    "bool-null": {"t": {"BOOL": True}, "f": {"BOOL": False}, "z": {"NULL": True}},
    "documents": {
        "empty-map": {"M": {}},
        "empty-list": {"L": []},
        "map": {
            "M": {
                "a": {"S": "x"},
                "é": {"N": "12.5"},
                "list": {"L": [{"N": "1"}, {"S": ""}, {"BOOL": True}, {"NULL": True}]},
                "inner": {"M": {"deep": {"L": [{"M": {"x": {"B": b64(b"xy")}}}]}}},
                "sets": {"M": {"ss": {"SS": ["a"]}, "ns": {"NS": ["1", "-2.5"]}}},
            }
        },
    },
}


def padded(item: dict[str, Any], rt: Any, size: int) -> dict[str, Any]:
    """``item`` plus a string attribute making our count exactly ``size``."""
    bare = {**item, PAD: {"S": ""}}
    missing = size - rt.item_size(bare)
    assert missing >= 0
    result = {**item, PAD: {"S": "x" * missing}}
    assert rt.item_size(result) == size
    return result


def _texts(value: dict[str, Any]) -> list[str]:
    ((kind, v),) = value.items()
    if kind == "S":
        return [v]
    if kind == "SS":
        return list(v)
    if kind == "L":
        return [t for x in v for t in _texts(x)]
    if kind == "M":
        return [t for name, x in v.items() for t in [name, *_texts(x)]]
    return []


def utf16_shortfall(item: dict[str, Any]) -> int:
    """How many bytes fewer dynalite counts than DynamoDB: UTF-8 bytes minus UTF-16
    code units over every string value and attribute name."""
    texts = [t for name, value in item.items() for t in [name, *_texts(value)]]
    return sum(len(t.encode("utf-8")) - len(t.encode("utf-16-le")) // 2 for t in texts)


def put(table: ThingsTable, item: dict[str, Any]) -> None:
    table.transport.call("PutItem", {"TableName": table.name, "Item": item})


def assert_refused_as_too_large(table: ThingsTable, item: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as caught:
        put(table, item)
    error = caught.value.response.get("Error", {})
    assert error.get("Code") == "ValidationException"
    assert "size" in error.get("Message", "").lower()


def assert_boundary(table: ThingsTable, rt: Any, item: dict[str, Any]) -> None:
    """Our count is exact at the limit; dynalite agrees up to its UTF-16 shortfall."""
    at_limit = padded(item, rt, LIMIT)
    rt.check_item_size(at_limit, "Thing")
    over = padded(item, rt, LIMIT + 1)
    with pytest.raises(ValueError, match=r"^Thing: item size 409,601 bytes"):
        rt.check_item_size(over, "Thing")

    shortfall = utf16_shortfall(at_limit)
    put(table, padded(item, rt, LIMIT + shortfall))  # dynalite: exactly 409,600
    assert_refused_as_too_large(table, padded(item, rt, LIMIT + shortfall + 1))


@pytest.mark.needs("item_size_limit")
@pytest.mark.parametrize("composition", list(COMPOSITIONS))
def test_item_size_is_exact_at_the_limit(
    things_table: ThingsTable, rt: Any, composition: str
) -> None:
    key = {"pk": {"S": f"SIZE#{composition}"}, "sk": {"S": "é😀"}}
    assert_boundary(things_table, rt, {**key, **COMPOSITIONS[composition]})


@pytest.mark.needs("item_size_limit")
def test_dynalite_counts_strings_in_utf16_code_units(
    things_table: ThingsTable, rt: Any
) -> None:
    """The deviation, shown plainly: an item at DynamoDB's exact limit whose text is
    non-ASCII is accepted by dynalite even one byte over, by its UTF-16 measure."""
    item = {"pk": {"S": "SIZE#utf16"}, "sk": {"S": "s"}, "é€😀": {"S": "é€😀"}}
    assert utf16_shortfall(item) == 2 * ((2 - 1) + (3 - 1) + (4 - 2))
    put(things_table, padded(item, rt, LIMIT + 1))  # DynamoDB would refuse this
    assert_refused_as_too_large(things_table, padded(item, rt, LIMIT + 11))


@pytest.mark.needs("item_size_limit")
def test_item_size_of_a_generated_item_is_exact_at_the_limit(
    things_table: ThingsTable, models: Any, rt: Any
) -> None:
    item = models.encode_thing(
        make_thing(models, name="size", nickname="n", labels={"a"}, version=1)
    )
    assert_boundary(things_table, rt, item)


@pytest.mark.needs("item_size_limit")
@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_item_size_of_generated_items_is_exact_at_the_limit(
    things_table: ThingsTable, models: Any, rt: Any, data: st.DataObject
) -> None:
    assert_boundary(things_table, rt, models.encode_thing(data.draw(things(models))))
