"""Bad values fail while encoding -- before any request -- naming entity and attribute.

Also: key templates (padding limits, the order-preserving escape: distinct values give
distinct keys, and keys sort like their values), sparse indexes, the type attribute and
mutable defaults.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.codecs._strategies import datetimes, make_thing, texts, uuids

UTC = timezone.utc
NAIVE = datetime(2024, 5, 1, 12, 0)
PLUS_ONE = timezone(timedelta(hours=1))


def geo(models: Any) -> Any:
    return models.Geo(lat=Decimal(1), lng=Decimal(2))


def address(models: Any, **overrides: Any) -> Any:
    fields: dict[str, Any] = {"street": "s", "city": "c", "geo": geo(models)}
    fields.update(overrides)
    return models.Address(**fields)


def line(models: Any, **overrides: Any) -> Any:
    fields: dict[str, Any] = {"sku": "s", "quantity": 1, "price": Decimal(1)}
    fields.update(overrides)
    return models.Line(**fields)


#: (case id, field, value or factory of models, exception, where the message starts)
BAD_VALUES: list[tuple[str, str, Any, type[Exception], str]] = [
    # int
    ("int-str", "count", "1", TypeError, "Thing.count"),
    ("int-bool", "count", True, TypeError, "Thing.count"),
    ("int-float", "count", 1.0, TypeError, "Thing.count"),
    ("int-decimal", "count", Decimal(1), TypeError, "Thing.count"),
    ("int-none", "count", None, TypeError, "Thing.count"),
    ("int-too-big", "count", 10**126, ValueError, "Thing.count"),
    ("int-too-small", "count", -(10**126), ValueError, "Thing.count"),
    ("int-39-digits", "count", 10**38 + 1, ValueError, "Thing.count"),
    ("int-39-digits-neg", "count", -(10**39) - 7, ValueError, "Thing.count"),
    ("int-renamed-column", "class_", "x", TypeError, "Thing.class"),
    ("int-version", "version", "1", TypeError, "Thing.version"),
    ("int-optional", "opt_int", 2.5, TypeError, "Thing.opt_int"),
    # str
    ("str-int", "text", 1, TypeError, "Thing.text"),
    ("str-bytes", "text", b"x", TypeError, "Thing.text"),
    ("str-none", "text", None, TypeError, "Thing.text"),
    ("str-keyword", "from_", 1, TypeError, "Thing.from"),
    ("str-column", "renamed", 1, TypeError, "Thing.renamed"),
    ("str-key-field", "name", 1, TypeError, "Thing.name"),
    ("str-index-field", "nickname", 1, TypeError, "Thing.nickname"),
    # float
    ("float-nan", "ratio", float("nan"), ValueError, "Thing.ratio"),
    ("float-inf", "ratio", float("inf"), ValueError, "Thing.ratio"),
    ("float-minus-inf", "ratio", float("-inf"), ValueError, "Thing.ratio"),
    ("float-too-big", "ratio", 1e126, ValueError, "Thing.ratio"),
    ("float-too-small", "ratio", 1e-131, ValueError, "Thing.ratio"),
    ("float-subnormal", "opt_float", 5e-324, ValueError, "Thing.opt_float"),
    ("float-str", "ratio", "1.5", TypeError, "Thing.ratio"),
    ("float-bool", "ratio", True, TypeError, "Thing.ratio"),
    ("float-decimal", "ratio", Decimal("1.5"), TypeError, "Thing.ratio"),
    # decimal
    ("decimal-float", "price", 1.5, TypeError, "Thing.price"),
    ("decimal-str", "price", "1.5", TypeError, "Thing.price"),
    ("decimal-bool", "price", True, TypeError, "Thing.price"),
    ("decimal-nan", "price", Decimal("NaN"), ValueError, "Thing.price"),
    ("decimal-snan", "price", Decimal("sNaN"), ValueError, "Thing.price"),
    ("decimal-inf", "price", Decimal("-Infinity"), ValueError, "Thing.price"),
    ("decimal-39-digits", "price", Decimal("1" * 39), ValueError, "Thing.price"),
    (
        "decimal-39-digits-fraction",
        "price",
        Decimal("0." + "1" * 39),
        ValueError,
        "Thing.price",
    ),
    ("decimal-too-big", "price", Decimal("1E+126"), ValueError, "Thing.price"),
    ("decimal-too-small", "price", Decimal("1E-131"), ValueError, "Thing.price"),
    ("decimal-column", "value", Decimal("1E+126"), ValueError, "Thing.value"),
    # bool, bytes
    ("bool-int", "flag", 1, TypeError, "Thing.flag"),
    ("bool-str", "flag", "true", TypeError, "Thing.flag"),
    ("bool-optional", "opt_bool", 0, TypeError, "Thing.opt_bool"),
    ("bytes-str", "data", "x", TypeError, "Thing.data"),
    ("bytes-none", "data", None, TypeError, "Thing.data"),
    ("bytes-list", "opt_bytes", [1], TypeError, "Thing.opt_bytes"),
    # datetime, date, epoch, uuid
    ("datetime-naive", "timestamp", NAIVE, ValueError, "Thing.timestamp"),
    ("datetime-naive-key", "at", NAIVE, ValueError, "Thing.at"),
    ("datetime-date", "timestamp", date(2024, 5, 1), TypeError, "Thing.timestamp"),
    ("datetime-str", "timestamp", "2024-05-01T00:00Z", TypeError, "Thing.timestamp"),
    (
        "datetime-before-year-1-in-utc",
        "opt_datetime",
        datetime(1, 1, 1, tzinfo=PLUS_ONE),
        ValueError,
        "Thing.opt_datetime",
    ),
    (
        "date-datetime",
        "date_",
        datetime(2024, 5, 1, tzinfo=UTC),
        TypeError,
        "Thing.date",
    ),
    ("date-str", "date_", "2024-05-01", TypeError, "Thing.date"),
    ("date-optional", "opt_date", NAIVE, TypeError, "Thing.opt_date"),
    ("epoch-naive", "expires", NAIVE, ValueError, "Thing.expires"),
    ("epoch-int", "expires", 1_700_000_000, TypeError, "Thing.expires"),
    ("uuid-str", "uid", "12345678-1234-5678-1234-567812345678", TypeError, "Thing.uid"),
    ("uuid-key-str", "id", "x", TypeError, "Thing.id"),
    # enums
    ("enum-str", "color", "red", TypeError, "Thing.color"),
    ("enum-other-enum", "size", "<Color.RED>", TypeError, "Thing.size"),
    ("enum-inline-str", "def_size", "m", TypeError, "Thing.def_size"),
    ("enum-optional-str", "opt_color", "red", TypeError, "Thing.opt_color"),
    # list, map
    ("list-tuple", "tags", ("a",), TypeError, "Thing.tags"),
    ("list-str", "tags", "abc", TypeError, "Thing.tags"),
    ("list-element", "tags", ["a", 1], TypeError, "Thing.tags"),
    ("list-none", "tags", None, TypeError, "Thing.tags"),
    ("list-optional-tuple", "opt_tags", ("a",), TypeError, "Thing.opt_tags"),
    ("map-int-keys", "scores", {1: 2}, TypeError, "Thing.scores"),
    ("map-value", "scores", {"a": "b"}, TypeError, "Thing.scores"),
    ("map-list", "scores", [("a", 1)], TypeError, "Thing.scores"),
    ("map-of-lists-tuple", "matrix", {"k": (1,)}, TypeError, "Thing.matrix"),
    ("map-of-lists-float", "matrix", {"k": [1.5]}, TypeError, "Thing.matrix"),
    ("nested-decimal-float", "nested", [{"k": [0.5]}], TypeError, "Thing.nested"),
    # sets
    ("set-str-of-int", "labels", {1}, TypeError, "Thing.labels"),
    ("set-str-list", "labels", ["a"], TypeError, "Thing.labels"),
    ("set-int-of-str", "numbers", {"a"}, TypeError, "Thing.numbers"),
    ("set-int-of-float", "numbers", {1.5}, TypeError, "Thing.numbers"),
    ("set-int-of-bool", "numbers", {True}, TypeError, "Thing.numbers"),
    ("set-int-too-big", "numbers", {10**126}, ValueError, "Thing.numbers"),
    ("set-bytes-of-str", "blobs", {"x"}, TypeError, "Thing.blobs"),
    ("set-optional-list", "opt_labels", ["a"], TypeError, "Thing.opt_labels"),
    ("set-default-of-int", "def_numbers", {"1"}, TypeError, "Thing.def_numbers"),
    # json
    ("json-int-keys", "doc", {1: "a"}, TypeError, "Thing.doc"),
    ("json-nan", "doc", [float("nan")], ValueError, "Thing.doc"),
    ("json-set", "doc", {"a": {1, 2}}, TypeError, "Thing.doc"),
    ("json-bytes", "opt_doc", {"a": [b"x"]}, TypeError, "Thing.opt_doc"),
    ("json-object", "doc", object(), TypeError, "Thing.doc"),
    ("json-too-big", "doc", {"a": Decimal("1E+126")}, ValueError, "Thing.doc"),
    # named types
    ("type-wrong-class", "address", "<Geo>", TypeError, "Thing.address"),
    ("type-dict", "address", {"street": "s"}, TypeError, "Thing.address"),
    ("type-optional-wrong", "opt_address", "<Geo>", TypeError, "Thing.opt_address"),
    ("type-list-wrong-class", "lines", "<[Address]>", TypeError, "Thing.lines"),
    ("type-list-tuple", "lines", "<(Line,)>", TypeError, "Thing.lines"),
    ("type-nested-field", "address", "<Address(city=1)>", TypeError, "Address.city"),
    ("type-nested-type", "address", "<Address(geo=x)>", TypeError, "Address.geo"),
    (
        "type-nested-float-for-int",
        "lines",
        "<[Line(quantity=1.0)]>",
        TypeError,
        "Line.quantity",
    ),
    ("type-nested-set", "lines", "<[Line(tags=[x])]>", TypeError, "Line.tags"),
]


def resolve(models: Any, value: Any) -> Any:
    """Values that need the generated classes are written as ``"<...>"`` above."""
    if not (isinstance(value, str) and value.startswith("<")):
        return value
    return {
        "<Color.RED>": models.Color.RED,
        "<Geo>": geo(models),
        "<[Address]>": [address(models)],
        "<(Line,)>": (line(models),),
        "<Address(city=1)>": address(models, city=1),
        "<Address(geo=x)>": address(models, geo="x"),
        "<[Line(quantity=1.0)]>": [line(models, quantity=1.0)],
        "<[Line(tags=[x])]>": [line(models, tags=["x"])],
    }[value]


@pytest.mark.parametrize(
    ("field", "value", "error", "where"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_VALUES],
)
def test_a_bad_value_fails_while_encoding(
    models: Any, field: str, value: Any, error: type[Exception], where: str
) -> None:
    thing = make_thing(models, **{field: resolve(models, value)})
    with pytest.raises(error) as caught:
        models.encode_thing(thing)
    assert type(caught.value) is error
    message = str(caught.value)
    assert message.startswith(where), message
    assert re.match(re.escape(where) + r"[:\[ ]", message), message


#: Falsy values of the wrong type in a set attribute: an empty set is stored as absent,
#: but these are not sets at all.
NOT_SETS = [
    pytest.param("labels", None, id="required-set-none"),
    pytest.param("labels", [], id="required-set-empty-list"),
    pytest.param("numbers", "", id="required-set-empty-str"),
    pytest.param("blobs", 0, id="required-set-zero"),
    pytest.param("opt_labels", [], id="optional-set-empty-list"),
    pytest.param("def_numbers", {}, id="default-set-empty-dict"),
]


@pytest.mark.parametrize(("field", "value"), NOT_SETS)
def test_a_falsy_non_set_in_a_set_attribute_is_refused(
    models: Any, field: str, value: Any
) -> None:
    with pytest.raises(TypeError, match=rf"^Thing\.{field}"):
        models.encode_thing(make_thing(models, **{field: value}))


def test_text_that_is_not_utf8_is_refused(models: Any) -> None:
    with pytest.raises(ValueError, match=r"^Thing\.text"):
        models.encode_thing(make_thing(models, text="a\ud800b"))


def test_good_values_of_related_types_are_accepted(models: Any) -> None:
    """What the SPEC lets through: int for float and decimal, bytearray for bytes,
    frozenset for sets, a str-valued enum member for a str."""
    item = models.encode_thing(
        make_thing(
            models,
            ratio=3,
            price=7,
            data=bytearray(b"ab"),
            labels=frozenset({"a"}),
            text=models.Color.RED,
        )
    )
    assert item["ratio"] == {"N": "3.0"}
    assert item["price"] == {"N": "7"}
    assert item["data"] == {"B": "YWI="}
    assert item["labels"] == {"SS": ["a"]}
    assert item["text"] == {"S": "red"}


# --------------------------------------------------------------------------------------
# Key templates
# --------------------------------------------------------------------------------------

KEY = {
    "name": "a",
    "n": 5,
    "at": datetime(2024, 5, 1, tzinfo=UTC),
    "id": UUID(int=1),
}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("n", -1, ValueError),
        ("n", 1_000_000, ValueError),
        ("n", 10**30, ValueError),
        ("n", True, TypeError),
        ("n", "5", TypeError),
        ("name", 5, TypeError),
        ("at", NAIVE, ValueError),
        ("id", "x", TypeError),
    ],
)
def test_bad_key_values_fail_in_key_items_and_encoding(
    models: Any, field: str, value: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match=rf"^Thing\.{field}\b"):
        models.thing_key_item(**{**KEY, field: value})
    with pytest.raises(error, match=rf"^Thing\.{field}\b"):
        models.encode_thing(make_thing(models, **{**KEY, field: value}))


def test_padded_field_limits(models: Any) -> None:
    low = models.thing_key_item(**{**KEY, "n": 0})["sk"]["S"]
    high = models.thing_key_item(**{**KEY, "n": 999_999})["sk"]["S"]
    assert low.startswith("N#000000#AT#2024-05-01T00:00:00.000000Z#")
    assert high.startswith("N#999999#AT#")
    assert low < high


def test_safe_characters_are_kept_in_keys(models: Any) -> None:
    item = models.thing_key_item(**{**KEY, "name": "ISBN-978.0:x_y@Z9"})
    assert item["pk"] == {"S": "THING#ISBN-978.0:x_y@Z9"}


key_fields = st.fixed_dictionaries(
    {
        "name": texts,
        "n": st.integers(0, 999_999),
        "at": datetimes,
        "id": uuids,
    }
)


def identity(fields: dict[str, Any]) -> tuple[Any, ...]:
    return (fields["name"], fields["n"], fields["at"].astimezone(UTC), fields["id"])


@settings(max_examples=200, deadline=None)
@given(a=key_fields, b=key_fields)
def test_distinct_key_values_render_distinct_keys(
    models: Any, rt: Any, a: dict[str, Any], b: dict[str, Any]
) -> None:
    key_a = models.thing_key_item(**a)
    key_b = models.thing_key_item(**b)
    assert (key_a == key_b) == (identity(a) == identity(b))
    for key in (key_a, key_b):
        for part in ("pk", "sk"):
            assert key[part]["S"].isascii()
    name = key_a["pk"]["S"].removeprefix("THING#")
    assert rt.unescape_key_text(name) == a["name"]
    # The same rendering as the full item's.
    item = models.encode_thing(make_thing(models, **a))
    assert {"pk": item["pk"], "sk": item["sk"]} == key_a


@settings(max_examples=100, deadline=None)
@given(st.lists(key_fields, min_size=2, max_size=8))
def test_keys_sort_like_their_values(models: Any, many: list[dict[str, Any]]) -> None:
    # DynamoDB orders S keys by UTF-8 bytes; escaped keys are ASCII, so str order.
    by_pk = sorted(many, key=lambda f: models.thing_key_item(**f)["pk"]["S"])
    assert [f["name"] for f in by_pk] == sorted(f["name"] for f in many)
    by_sk = sorted(many, key=lambda f: models.thing_key_item(**f)["sk"]["S"])
    expected = sorted(
        many, key=lambda f: (f["n"], f["at"].astimezone(UTC), str(f["id"]))
    )
    assert [(f["n"], f["at"], str(f["id"])) for f in by_sk] == [
        (f["n"], f["at"], str(f["id"])) for f in expected
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(texts, texts), min_size=2, max_size=8))
def test_escaped_fields_joined_by_the_separator_sort_like_tuples(
    rt: Any, pairs: list[tuple[str, str]]
) -> None:
    """``{a}#{b}``: a value that extends another sorts after it and its whole range."""

    def render(pair: tuple[str, str]) -> str:
        first: str = rt.escape_key_text(pair[0])
        second: str = rt.escape_key_text(pair[1])
        return f"{first}#{second}"

    assert sorted(pairs, key=render) == sorted(pairs)
    assert len({render(p) for p in pairs}) == len(set(pairs))


# --------------------------------------------------------------------------------------
# Sparse index, type attribute, defaults
# --------------------------------------------------------------------------------------


def test_an_entity_with_the_optional_field_is_in_the_sparse_index(models: Any) -> None:
    item = models.encode_thing(make_thing(models, nickname="Bob #1"))
    assert item["gsi1pk"] == {"S": "NICK#Bob%20%231"}
    assert item["gsi1sk"] == {"S": "THING"}
    assert item["nickname"] == {"S": "Bob #1"}


def test_an_entity_outside_the_sparse_index_has_no_partition_key_for_it(
    models: Any,
) -> None:
    item = models.encode_thing(make_thing(models, nickname=None))
    assert "gsi1pk" not in item and "nickname" not in item


def test_an_entity_outside_the_sparse_index_writes_no_attribute_for_it(
    models: Any,
) -> None:
    item = models.encode_thing(make_thing(models, nickname=None))
    assert "gsi1sk" not in item


def test_the_type_attribute_is_written(models: Any) -> None:
    assert models.encode_thing(make_thing(models))["_type"] == {"S": "Thing"}
    assert models.encode_other(models.Other(code="c"))["_type"] == {"S": "Other"}


def test_mutable_defaults_are_not_shared(models: Any) -> None:
    first, second = make_thing(models), make_thing(models)
    first.def_tags.append("x")
    first.def_labels.add("x")
    first.def_numbers.add(1)
    first.def_scores["x"] = 1
    first.def_lines.append(line(models))
    first.address.floors.append(1)
    assert second.def_tags == [] and second.def_labels == set()
    assert second.def_numbers == set() and second.def_scores == {}
    assert second.def_lines == [] and second.address.floors == []
    third = make_thing(models)
    assert third.def_tags == [] and third.def_lines == []
    assert third.address.floors == []


def test_defaults_are_the_schema_defaults(models: Any) -> None:
    thing = make_thing(models)
    assert thing.def_text == "hello" and thing.def_int == 7
    assert thing.def_float == 1.5 and thing.def_bool is True
    assert thing.def_color is models.Color.GREEN
    assert thing.def_size is models.ThingDefSize.M
    assert thing.class_ == 0 and thing.version is None
    assert thing.address.color is models.Color.RED
