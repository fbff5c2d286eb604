"""Scalar, set and JSON codecs of the generated packages' ``_runtime`` module."""

from __future__ import annotations

import enum
import json
import math
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from dynagen import _runtime as rt
from hypothesis import assume, given
from hypothesis import strategies as st

UTC = timezone.utc
W = "Thing.attr"

# --------------------------------------------------------------------------------------
# int
# --------------------------------------------------------------------------------------

ints_38 = st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1)


@given(ints_38)
def test_int_round_trip(value: int) -> None:
    text = rt.format_int(value, W)
    assert text == str(value)
    assert rt.parse_int(text) == value


@given(
    st.integers(min_value=1, max_value=10**38 - 1),
    st.integers(min_value=0, max_value=125),
    st.booleans(),
)
def test_int_round_trip_large_with_few_significant_digits(
    mantissa: int, zeros: int, negative: bool
) -> None:
    value = mantissa * 10**zeros * (-1 if negative else 1)
    assume(abs(value) < 10**126)
    text = rt.format_int(value, W)
    assert rt.parse_int(text) == value
    assert Decimal(text) == value


def test_int_big_uses_exponent_form() -> None:
    assert rt.format_int(10**50, W) == "1E+50"
    assert rt.format_int(-(12 * 10**60), W) == "-12E+60"
    assert rt.format_int(10**38 - 1, W) == "9" * 38


@pytest.mark.parametrize("value", [True, False])
def test_int_refuses_bool(value: bool) -> None:
    with pytest.raises(TypeError, match=W):
        rt.format_int(value, W)


@pytest.mark.parametrize("value", [1.0, "1", Decimal(1), None])
def test_int_refuses_other_types(value: Any) -> None:
    with pytest.raises(TypeError, match=r"Thing\.attr: expected int"):
        rt.format_int(value, W)


def test_int_accepts_int_subclass() -> None:
    class Level(enum.IntEnum):
        HIGH = 3

    assert rt.format_int(Level.HIGH, W) == "3"


@pytest.mark.parametrize(
    "value",
    [10**126, -(10**126), int("1" * 39), int("1" * 39) * 10**10],
)
def test_int_refuses_what_dynamodb_cannot_hold(value: int) -> None:
    with pytest.raises(ValueError, match=W):
        rt.format_int(value, W)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("-12", -12),
        ("1E+2", 100),
        ("1.0E+2", 100),
        ("-0", 0),
        ("100.000", 100),
        ("1.5E+1", 15),
        ("1E+100", 10**100),
        ("9" * 38, int("9" * 38)),
    ],
)
def test_parse_int_forms(text: str, expected: int) -> None:
    assert rt.parse_int(text) == expected
    assert type(rt.parse_int(text)) is int


@pytest.mark.parametrize("text", ["1.5", "0.1", "1E-1", "-2.5", "abc", "", "NaN", "1E"])
def test_parse_int_refuses_fractions_and_junk(text: str) -> None:
    with pytest.raises(ValueError):
        rt.parse_int(text)


# --------------------------------------------------------------------------------------
# float
# --------------------------------------------------------------------------------------

finite_floats = st.floats(allow_nan=False, allow_infinity=False).filter(
    lambda f: f == 0.0 or 1e-130 <= abs(f) < 1e126
)


@given(finite_floats)
def test_float_round_trip(value: float) -> None:
    text = rt.format_float(value, W)
    assert "e" not in text
    assert "inf" not in text.lower() and "nan" not in text.lower()
    back = rt.parse_float(text)
    assert back == value
    assert Decimal(text) == Decimal(repr(value))  # DynamoDB reads it as that number


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_float_refuses_nan_and_infinity(value: float) -> None:
    with pytest.raises(ValueError, match=W):
        rt.format_float(value, W)


@pytest.mark.parametrize("value", [1e126, -1e200, 1e-131, 5e-324])
def test_float_refuses_out_of_range(value: float) -> None:
    with pytest.raises(ValueError, match="range"):
        rt.format_float(value, W)


def test_float_edges() -> None:
    assert rt.format_float(1e-130, W) == "1E-130"
    below = math.nextafter(1e126, 0.0)
    assert Decimal(rt.format_float(below, W)) < 10**126
    assert rt.format_float(3, W) == "3.0"
    assert rt.format_float(-0.0, W) == "-0.0"


@pytest.mark.parametrize("value", [True, "1.0", Decimal("1.0"), None])
def test_float_refuses_other_types(value: Any) -> None:
    with pytest.raises(TypeError, match=W):
        rt.format_float(value, W)


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity", "x", ""])
def test_parse_float_refuses_junk(text: str) -> None:
    with pytest.raises(ValueError):
        rt.parse_float(text)


def test_parse_float_dynamodb_forms() -> None:
    assert rt.parse_float("1E+100") == 1e100
    assert rt.parse_float("-0") == 0.0
    assert rt.parse_float("0.10") == 0.1


# --------------------------------------------------------------------------------------
# decimal
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1E+100",
        "0.10",
        "-0",
        "1E-130",
        "-1E-130",
        "9.9999999999999999999999999999999999999E+125",
        "1234567890123456789012345678901234567.8",
        "12345678901234567890123456789012345678",
        "0.00000000000000000000000000000000000001",
        "100",
        "1" + "0" * 125,
    ],
)
def test_decimal_exact(text: str) -> None:
    value = rt.parse_decimal(text)
    assert str(value) == str(Decimal(text))  # no rounding, representation kept
    assert value.as_tuple() == Decimal(text).as_tuple()
    wire = rt.format_decimal(value, W)
    assert Decimal(wire) == value
    assert rt.parse_decimal(wire) == value


def test_decimal_representation_kept() -> None:
    assert rt.format_decimal(Decimal("0.10"), W) == "0.10"
    assert rt.format_decimal(Decimal("1E+100"), W) == "1E+100"
    assert rt.format_decimal(Decimal("-0"), W) == "-0"
    assert rt.format_decimal(Decimal("0E-200"), W) == "0"
    assert rt.format_decimal(Decimal("0E+300"), W) == "0"


def test_decimal_trailing_zeros_do_not_count() -> None:
    # 51 digits in the coefficient, 1 significant
    assert rt.format_decimal(Decimal("1." + "0" * 50), W) == "1"
    assert rt.format_decimal(Decimal(10**60), W) == "1E+60"
    value = Decimal("1" * 38 + "0" * 10)
    assert Decimal(rt.format_decimal(value, W)) == value


decimals_38 = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(digits), exponent)),
    st.integers(0, 1),
    st.lists(st.integers(0, 9), min_size=1, max_size=38),
    st.integers(-167, 125),
).filter(lambda d: not d or -130 <= d.adjusted() <= 125)


@given(decimals_38)
def test_decimal_round_trip(value: Decimal) -> None:
    text = rt.format_decimal(value, W)
    back = rt.parse_decimal(text)
    assert back == value
    if value:
        assert back.as_tuple() == value.as_tuple()


@pytest.mark.parametrize(
    "value",
    [
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("1E+126"),
        Decimal("1E-131"),
        Decimal("1" * 39),
        Decimal("1." + "1" * 38),
        Decimal("0.9999999999999999999999999999999999999999"),
    ],
)
def test_decimal_refusals(value: Decimal) -> None:
    with pytest.raises(ValueError, match=W):
        rt.format_decimal(value, W)


@pytest.mark.parametrize("value", [True, 1.5, "1", None])
def test_decimal_refuses_other_types(value: Any) -> None:
    with pytest.raises(TypeError, match=W):
        rt.format_decimal(value, W)


def test_decimal_accepts_int() -> None:
    assert rt.format_decimal(12, W) == "12"  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["NaN", "Infinity", "abc", "", "1..2"])
def test_parse_decimal_refuses_junk(text: str) -> None:
    with pytest.raises(ValueError):
        rt.parse_decimal(text)


# --------------------------------------------------------------------------------------
# datetime / epoch / date
# --------------------------------------------------------------------------------------

offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)
aware = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 30)),
    st.one_of(st.just(UTC), offsets),
)


def test_datetime_example() -> None:
    value = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert rt.format_datetime(value, W) == "2024-05-01T12:00:00.000000Z"
    assert rt.format_datetime(datetime(5, 1, 2, tzinfo=UTC), W) == (
        "0005-01-02T00:00:00.000000Z"
    )


@given(aware)
def test_datetime_round_trip(value: datetime) -> None:
    text = rt.format_datetime(value, W)
    assert len(text) == 27 and text.endswith("Z")
    back = rt.parse_datetime(text)
    assert back == value
    assert back.utcoffset() == timedelta(0)
    assert rt.escape_key_text(text) == text  # no escaping needed in key templates


@given(aware, aware)
def test_datetime_text_sorts_as_time(a: datetime, b: datetime) -> None:
    ta, tb = rt.format_datetime(a, W), rt.format_datetime(b, W)
    assert (a < b) == (ta < tb)
    assert (a == b) == (ta == tb)


def test_datetime_refuses_naive() -> None:
    with pytest.raises(ValueError, match=r"Thing\.attr: naive"):
        rt.format_datetime(datetime(2024, 5, 1), W)


@pytest.mark.parametrize("value", [date(2024, 5, 1), "2024-05-01", 0, None])
def test_datetime_refuses_other_types(value: Any) -> None:
    with pytest.raises(TypeError, match=W):
        rt.format_datetime(value, W)


def test_datetime_out_of_range_in_utc() -> None:
    value = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    with pytest.raises(ValueError, match=W):
        rt.format_datetime(value, W)


def test_datetime_subclass_accepted() -> None:
    class MyDatetime(datetime):
        pass

    value = MyDatetime(2024, 5, 1, 12, tzinfo=UTC)
    assert rt.format_datetime(value, W) == "2024-05-01T12:00:00.000000Z"


def test_parse_datetime_lenient_forms() -> None:
    expected = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert rt.parse_datetime("2024-05-01T12:00:00Z") == expected
    assert rt.parse_datetime("2024-05-01T14:00:00+02:00") == expected
    assert rt.parse_datetime("2024-05-01T14:00:00+02:00").utcoffset() == timedelta(0)
    with pytest.raises(ValueError):
        rt.parse_datetime("2024-05-01T12:00:00")  # no timezone
    with pytest.raises(ValueError):
        rt.parse_datetime("yesterday")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), "0"),
        (datetime(2024, 5, 1, 12, 0, 0, 999999, tzinfo=UTC), "1714564800"),
        (datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC), "-1"),
        (datetime(2024, 5, 1, 14, tzinfo=timezone(timedelta(hours=2))), "1714564800"),
    ],
)
def test_epoch_floors(value: datetime, expected: str) -> None:
    assert rt.format_epoch(value, W) == expected


@given(aware)
def test_epoch_round_trip(value: datetime) -> None:
    text = rt.format_epoch(value, W)
    back = rt.parse_epoch(text)
    assert back == value - timedelta(microseconds=value.microsecond)
    assert back.tzinfo is not None and back.utcoffset() == timedelta(0)


def test_epoch_refuses_naive() -> None:
    with pytest.raises(ValueError, match=W):
        rt.format_epoch(datetime(2024, 5, 1), W)


def test_parse_epoch_fractional_floors() -> None:
    assert rt.parse_epoch("1714564800.9") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert rt.parse_epoch("-0.5") == datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert rt.parse_epoch("1.7145648E+9") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    for bad in ("1E+30", "x", "NaN"):
        with pytest.raises(ValueError):
            rt.parse_epoch(bad)


@given(st.dates())
def test_date_round_trip(value: date) -> None:
    text = rt.format_date(value, W)
    assert len(text) == 10
    assert rt.parse_date(text) == value


@given(st.dates(), st.dates())
def test_date_sorts(a: date, b: date) -> None:
    assert (a < b) == (rt.format_date(a, W) < rt.format_date(b, W))


def test_date_refuses_datetime() -> None:
    with pytest.raises(TypeError, match=W):
        rt.format_date(datetime(2024, 5, 1, tzinfo=UTC), W)
    with pytest.raises(TypeError, match=W):
        rt.format_date("2024-05-01", W)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# uuid, bytes, str, bool
# --------------------------------------------------------------------------------------


@given(st.uuids())
def test_uuid_round_trip(value: uuid.UUID) -> None:
    text = rt.format_uuid(value, W)
    assert text == str(value)
    assert rt.parse_uuid(text) == value


def test_uuid_refuses_str() -> None:
    with pytest.raises(TypeError, match=W):
        rt.format_uuid("0" * 32, W)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        rt.parse_uuid("not-a-uuid")


@given(st.binary())
def test_bytes_round_trip(value: bytes) -> None:
    text = rt.encode_bytes(value, W)
    assert text.isascii() and "\n" not in text
    assert rt.decode_bytes(text) == value


def test_bytes_types() -> None:
    assert rt.encode_bytes(bytearray(b"\x00\x01"), W) == "AAE="  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=W):
        rt.encode_bytes("AAE=", W)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        rt.decode_bytes("A")


def test_check_str_and_bool() -> None:
    class Colour(str, enum.Enum):
        RED = "red"

    assert rt.check_str("x", W) == "x"
    checked = rt.check_str(Colour.RED, W)
    assert checked == "red" and type(checked) is str
    with pytest.raises(TypeError, match=W):
        rt.check_str(1, W)
    assert rt.check_bool(True, W) is True
    for bad in (1, 0, "true", None):
        with pytest.raises(TypeError, match=W):
            rt.check_bool(bad, W)


# --------------------------------------------------------------------------------------
# sets
# --------------------------------------------------------------------------------------


@given(st.sets(st.text(), min_size=1))
def test_string_set_round_trip(value: set[str]) -> None:
    wire = rt.encode_string_set(value, W)
    assert wire == sorted(value)
    assert set(wire) == value  # generated code decodes SS with set() itself


@given(st.sets(ints_38, min_size=1))
def test_number_set_round_trip(value: set[int]) -> None:
    wire = rt.encode_number_set(value, W)
    assert [int(x) for x in wire] == sorted(value)
    assert rt.decode_number_set(wire) == value


@given(st.sets(st.binary(), min_size=1))
def test_bytes_set_round_trip(value: set[bytes]) -> None:
    wire = rt.encode_bytes_set(value, W)
    assert [rt.decode_bytes(x) for x in wire] == sorted(value)
    assert rt.decode_bytes_set(wire) == value


def test_sets_refuse_empty_and_wrong_types() -> None:
    for encode in (rt.encode_string_set, rt.encode_number_set, rt.encode_bytes_set):
        with pytest.raises(ValueError, match=W):
            encode(set(), W)
        with pytest.raises(TypeError, match=W):
            encode([1], W)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=W):
        rt.encode_number_set({1, "2"}, W)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=W):
        rt.encode_number_set({True}, W)
    with pytest.raises(TypeError, match=W):
        rt.encode_string_set({"a", 1}, W)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=W):
        rt.encode_bytes_set({b"a", "b"}, W)  # type: ignore[arg-type]
    assert rt.encode_string_set(frozenset({"b", "a"}), W) == ["a", "b"]
    with pytest.raises(ValueError):
        rt.decode_number_set(["1.5"])


# --------------------------------------------------------------------------------------
# JSON documents
# --------------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    ints_38,
    st.text(),
    decimals_38.filter(lambda d: d != d.to_integral_value()),
    finite_floats,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.text(max_size=8), children, max_size=5),
    ),
    max_leaves=25,
)


def _expected(value: Any) -> Any:
    """What decode_json(encode_json(value)) should give."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, (list, tuple)):
        return [_expected(v) for v in value]
    if isinstance(value, dict):
        return {k: _expected(v) for k, v in value.items()}
    return value


@given(json_values)
def test_json_round_trip(value: Any) -> None:
    wire = rt.encode_json(value, W)
    # the wire form survives the HTTP body (JSON) unchanged
    wire = json.loads(json.dumps(wire))
    back = rt.decode_json(wire)
    expected = _expected(value)
    assert back == expected
    assert json.dumps(back, default=str, sort_keys=True) == json.dumps(
        expected, default=str, sort_keys=True
    )  # same types: int stays int, Decimal stays Decimal, bool stays bool


def test_json_example() -> None:
    doc = {"a": [1, 1.5, None, True, "x", {"b": Decimal("1.10")}], "t": (1, 2)}
    assert rt.encode_json(doc, W) == {
        "M": {
            "a": {
                "L": [
                    {"N": "1"},
                    {"N": "1.5"},
                    {"NULL": True},
                    {"BOOL": True},
                    {"S": "x"},
                    {"M": {"b": {"N": "1.10"}}},
                ]
            },
            "t": {"L": [{"N": "1"}, {"N": "2"}]},
        }
    }


def test_json_errors_name_the_path() -> None:
    with pytest.raises(TypeError, match=r"^Order\.meta\['a'\]\[1\]\['b'\]: object"):
        rt.encode_json({"a": [1, {"b": object()}]}, "Order.meta")
    with pytest.raises(TypeError, match=r"^Order\.meta\['a'\]: map key 3"):
        rt.encode_json({"a": {3: 1}}, "Order.meta")
    with pytest.raises(ValueError, match=r"^Order\.meta\[0\]: nan"):
        rt.encode_json([math.nan], "Order.meta")
    with pytest.raises(ValueError, match=r"^Order\.meta\[0\]: .*38 significant"):
        rt.encode_json([10**40 + 1], "Order.meta")
    with pytest.raises(TypeError, match=r"^Order\.meta: set"):
        rt.encode_json({1, 2}, "Order.meta")


def test_json_decodes_other_types() -> None:
    wire = {
        "M": {
            "one": {"N": "1.0"},
            "half": {"N": "0.5"},
            "big": {"N": "1E+100"},
            "ss": {"SS": ["b", "a"]},
            "ns": {"NS": ["1", "2.5"]},
            "b": {"B": "AAE="},
            "bs": {"BS": ["AA=="]},
        }
    }
    assert rt.decode_json(wire) == {
        "one": 1,
        "half": Decimal("0.5"),
        "big": 10**100,
        "ss": ["b", "a"],
        "ns": [1, Decimal("2.5")],
        "b": b"\x00\x01",
        "bs": [b"\x00"],
    }
    with pytest.raises(ValueError):
        rt.decode_json({"X": 1})


# --------------------------------------------------------------------------------------
# errors and UNSET
# --------------------------------------------------------------------------------------


def test_errors() -> None:
    import pickle

    err = rt.DecodeError(
        "unknown enum value 'x'",
        entity="Customer",
        attribute="status",
        key={"pk": {"S": "c1"}},
    )
    assert "Customer" in str(err) and "status" in str(err) and "c1" in str(err)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.entity, copy.attribute, copy.key) == (
        "Customer",
        "status",
        {"pk": {"S": "c1"}},
    )
    assert isinstance(rt.AlreadyExistsError(), rt.ConditionFailedError)
    assert isinstance(rt.VersionConflictError(item=1), rt.ConditionFailedError)
    assert rt.VersionConflictError(item=1).item == 1
    assert isinstance(rt.ConditionFailedError(), rt.DynagenError)
    reasons = [
        rt.CancellationReason(
            "Customer", "create", "k1", "ConditionalCheckFailed", "failed"
        ),
        rt.CancellationReason("Order", "put", "k2", None, None, None),
    ]
    tx = rt.TransactionCanceledError(reasons=reasons)
    assert "Customer.create" in str(tx) and "Order" not in str(tx)
    assert pickle.loads(pickle.dumps(tx)).reasons == reasons
    batch = rt.BatchIncompleteError(unprocessed=[1, 2])
    assert "2 unprocessed" in str(batch)
    assert str(rt.InvalidCursorError("bad")) == "bad"
    assert "k" in str(rt.NotFoundError(key="k"))
    assert repr(rt.UNSET) == "UNSET" and rt.UNSET is rt.Unset.UNSET
