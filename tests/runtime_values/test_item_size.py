"""DynamoDB item size (the 400 KB limit's measure) of wire-form items."""

from __future__ import annotations

import base64
import math
from decimal import Context, Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from dynagen import _runtime as rt
from hypothesis import given
from hypothesis import strategies as st

from tests.backends import Backend


def reference_number_size(text: str) -> int:
    """Independent model: dynalite's formula (reverse-engineered from DynamoDB)."""
    d = Decimal(text)
    if not d:
        return 1
    normal = d.normalize(Context(prec=1000))
    sign, digits, _ = normal.as_tuple()
    n = len(digits)
    e = d.adjusted()
    return 1 + math.ceil(n / 2) + (0 if n % 2 or e % 2 else 1) + (1 if sign else 0)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("0", 1),
        ("-0", 1),
        ("0.000", 1),
        ("1", 2),
        ("-1", 3),
        ("12", 2),  # 2 digits, exponent 1: one byte of digits
        ("1.2", 3),  # 2 digits, exponent 0: not byte-aligned
        ("123", 3),
        ("100", 2),
        ("1E+100", 2),
        ("1.0E+2", 2),
        ("0.001", 2),
        ("-12.50", 4),
        ("9" * 38, 20),
        ("9" * 37 + ".9", 21),
    ],
)
def test_number_size_examples(text: str, size: int) -> None:
    assert rt.item_size({"": {"N": text}}) == size
    assert reference_number_size(text) == size


numbers = st.one_of(
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
    st.builds(
        lambda m, e: f"{m}E{e:+d}",
        st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
        st.integers(-100, 100),
    ),
    st.sampled_from(["+5", "00012", "-000.0100", "1e5", "5.E3", ".5"]),
)


@given(numbers)
def test_number_size_matches_reference(text: str) -> None:
    assert rt.item_size({"": {"N": text}}) == reference_number_size(text)
    # the documented approximation: 1 byte per two significant digits + 1 byte
    d = Decimal(text)
    if d:
        digits = len(d.normalize(Context(prec=1000)).as_tuple().digits)
        approx = math.ceil(digits / 2) + 1
        assert approx <= rt.item_size({"": {"N": text}}) <= approx + 2


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("raw", [b"", b"a", b"ab", b"abc", b"abcd", bytes(range(256))])
def test_binary_size_is_raw_length(raw: bytes) -> None:
    assert rt.item_size({"b": {"B": b64(raw)}}) == 1 + len(raw)
    assert (
        rt.item_size({"b": {"BS": [b64(raw), b64(raw + b"x")]}}) == 1 + 2 * len(raw) + 1
    )


def test_item_size_examples() -> None:
    assert rt.item_size({}) == 0
    assert rt.item_size({"pk": {"S": "abc"}}) == 5
    assert rt.item_size({"é": {"S": "é€😀"}}) == 2 + 2 + 3 + 4
    assert rt.item_size({"t": {"BOOL": False}, "n": {"NULL": True}}) == 4
    assert rt.item_size({"l": {"L": []}, "m": {"M": {}}}) == 8
    # L: 3 + per element (1 + size)
    assert rt.item_size({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}) == 1 + 3 + 3 + 3
    # M: 3 + per element (1 + name + size)
    assert rt.item_size({"m": {"M": {"ab": {"BOOL": True}}}}) == 1 + 3 + 1 + 2 + 1
    nested = {"m": {"M": {"l": {"L": [{"M": {"x": {"S": "y"}}}]}}}}
    assert rt.item_size(nested) == 1 + (3 + 1 + 1 + (3 + 1 + (3 + 1 + 1 + 1)))
    assert rt.item_size({"s": {"SS": ["a", "bc"]}, "n": {"NS": ["1", "12"]}}) == (
        1 + 3 + 1 + 2 + 2
    )
    with pytest.raises(ValueError):
        rt.item_size({"x": {"Q": "1"}})


def test_check_item_size_boundary() -> None:
    limit = 409_600
    at_limit = {"pk": {"S": "k"}, "pad": {"S": "x" * (limit - 3 - 3)}}
    assert rt.item_size(at_limit) == limit
    rt.check_item_size(at_limit, "Customer")
    over = {"pk": {"S": "k"}, "pad": {"S": "x" * (limit - 3 - 3 + 1)}}
    with pytest.raises(ValueError, match=r"^Customer: item size 409,601 bytes"):
        rt.check_item_size(over, "Customer")


# --------------------------------------------------------------------------------------
# Against a server that enforces DynamoDB's limit
# --------------------------------------------------------------------------------------


def _item_of_size(target: int) -> dict[str, Any]:
    """An item mixing every type whose item_size is exactly ``target``."""
    item: dict[str, Any] = {
        "pk": {"S": "k"},
        "n1": {"N": "12.50"},
        "n2": {"N": "-1E+100"},
        "n3": {"N": "123456789012345678901234567890.12345678"},
        "n4": {"N": "0.001"},
        "b": {"B": b64(b"\x00\x01\x02\x03\x04")},
        "bs": {"BS": [b64(b"a"), b64(b"bc")]},
        "ns": {"NS": ["1", "22", "-333.5"]},
        "ss": {"SS": ["x", "yz"]},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "l": {"L": [{"S": "a"}, {"N": "7"}, {"M": {"q": {"N": "10"}}}, {"L": []}]},
        "m": {"M": {"k1": {"S": "v"}, "k2": {"L": [{"BOOL": False}]}}},
        "pad": {"S": ""},
    }
    item["pad"] = {"S": "x" * (target - rt.item_size(item))}
    assert rt.item_size(item) == target
    return item


@pytest.mark.needs("item_size_limit")
def test_limit_agrees_with_server(backend: Backend, table_prefix: str) -> None:
    client = backend.client()
    table = f"{table_prefix}size"
    client.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    backend.wait_active(client, table)
    transport = rt.Transport(client)
    transport.call("PutItem", {"TableName": table, "Item": _item_of_size(409_600)})
    with pytest.raises(ClientError) as caught:
        transport.call("PutItem", {"TableName": table, "Item": _item_of_size(409_601)})
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "size" in caught.value.response["Error"]["Message"]
