"""An item that does not fit its entity raises DecodeError -- never a half-built object.

``DecodeError`` carries ``.entity``, ``.attribute`` and ``.key`` (the item's table key
attributes, wire form). An attribute absent from a stored item reads as its default and
an item without a version reads version 0. Items are also stored on every backend and
read back through the Transport, so what is decoded is what a server returns.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.codecs._strategies import make_thing
from tests.codecs.conftest import ThingsTable

Mutation = Callable[[dict[str, Any]], None]


def base_item(models: Any, name: str = "decode") -> dict[str, Any]:
    item: dict[str, Any] = models.encode_thing(
        make_thing(
            models,
            name=name,
            labels={"a"},
            lines=[
                models.Line(
                    sku="s",
                    quantity=1,
                    price=Decimal(1),
                    where=models.Address(
                        street="s",
                        city="c",
                        geo=models.Geo(lat=Decimal(1), lng=Decimal(2)),
                    ),
                )
            ],
            version=4,
        )
    )
    return item


def drop(name: str) -> Mutation:
    return lambda item: item.pop(name)


def put(name: str, value: Any) -> Mutation:
    return lambda item: item.__setitem__(name, value)


def nested(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(item: dict[str, Any]) -> None:
        target: Any = item
        for step in path[:-1]:
            target = target[step]
        if value is None:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return mutate


#: (case id, mutation of a good item, attribute named by the DecodeError, message part)
BAD_ITEMS: list[tuple[str, Mutation, str, str]] = [
    ("missing-required", drop("text"), "text", "missing"),
    ("missing-key-field", drop("name"), "name", "missing"),
    ("missing-required-set-type", put("labels", {"L": []}), "labels", "type"),
    ("missing-renamed-column", drop("stored_name"), "renamed", "missing"),
    ("missing-json", drop("doc"), "doc", "missing"),
    ("unknown-enum", put("color", {"S": "purple"}), "color", "purple"),
    ("unknown-inline-enum", put("size", {"S": "SMALL"}), "size", "SMALL"),
    ("unknown-default-enum", put("def_size", {"S": "xl"}), "def_size", "xl"),
    ("string-as-number", put("text", {"N": "1"}), "text", "type"),
    ("number-as-string", put("count", {"S": "1"}), "count", "type"),
    ("bool-as-number", put("flag", {"N": "1"}), "flag", "type"),
    ("bytes-as-string", put("data", {"S": "AAE="}), "data", "type"),
    ("list-as-map", put("tags", {"M": {}}), "tags", "type"),
    ("string-set-as-list", put("labels", {"L": [{"S": "a"}]}), "labels", "type"),
    ("number-set-as-string-set", put("numbers", {"SS": ["1"]}), "numbers", "type"),
    ("map-as-list", put("address", {"L": []}), "address", "type"),
    ("null-for-string", put("text", {"NULL": True}), "text", "type"),
    ("element-type", put("tags", {"L": [{"S": "a"}, {"N": "1"}]}), "tags", "type"),
    ("malformed-number", put("count", {"N": "1E+2.5"}), "count", "number"),
    ("malformed-datetime", put("timestamp", {"S": "yesterday"}), "timestamp", ""),
    ("naive-datetime", put("timestamp", {"S": "2024-05-01T12:00:00"}), "timestamp", ""),
    ("malformed-date", put("date", {"S": "2024-13-01"}), "date", ""),
    ("malformed-uuid", put("uid", {"S": "not-a-uuid"}), "uid", ""),
    ("malformed-base64", put("data", {"B": "A"}), "data", ""),
    ("fraction-epoch-ok-but-text", put("expires", {"N": "soon"}), "expires", ""),
    ("float-infinite", put("ratio", {"N": "1E+400"}), "ratio", ""),
    (
        "nested-missing",
        nested(("address", "M", "geo", "M", "lat"), None),
        "address",
        "Geo.lat",
    ),
    (
        "nested-enum",
        nested(("address", "M", "color"), {"S": "purple"}),
        "address",
        "Address.color",
    ),
    (
        "deeply-nested",
        nested(("lines", "L", 0, "M", "where", "M", "town"), None),
        "lines",
        "Address.city",
    ),
    ("nested-list-of-type", put("lines", {"L": [{"S": "x"}]}), "lines", "type"),
    ("version-not-number", put("version", {"S": "4"}), "version", "type"),
]


@pytest.mark.parametrize(
    ("mutate", "attribute", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_ITEMS],
)
def test_an_item_that_does_not_fit_raises_decode_error(
    models: Any, rt: Any, mutate: Mutation, attribute: str, message: str
) -> None:
    item = base_item(models)
    mutate(item)
    with pytest.raises(rt.DecodeError) as caught:
        models.decode_thing(item)
    error = caught.value
    assert isinstance(error, rt.DynagenError)
    assert error.entity == "Thing"
    assert error.attribute == attribute
    assert error.key == {"pk": item["pk"], "sk": item["sk"]}
    text = str(error)
    assert f"Thing.{attribute}" in text
    assert message.lower() in text.lower(), text


def test_an_item_of_another_entity_raises_decode_error(models: Any, rt: Any) -> None:
    other = models.encode_other(models.Other(code="x"))
    with pytest.raises(rt.DecodeError) as caught:
        models.decode_thing(other)
    assert caught.value.entity == "Thing"
    assert caught.value.attribute == "_type"
    assert "Other" in str(caught.value)
    with pytest.raises(rt.DecodeError) as caught_other:
        models.decode_other(base_item(models))
    assert caught_other.value.entity == "Other"


def test_an_item_of_another_entity_names_its_key(models: Any, rt: Any) -> None:
    other = models.encode_other(models.Other(code="x"))
    with pytest.raises(rt.DecodeError) as caught:
        models.decode_thing(other)
    assert caught.value.key == {"pk": other["pk"], "sk": other["sk"]}


def test_decode_errors_survive_pickling(models: Any, rt: Any) -> None:
    item = base_item(models)
    del item["text"]
    with pytest.raises(rt.DecodeError) as caught:
        models.decode_thing(item)
    clone = pickle.loads(pickle.dumps(caught.value))
    assert (clone.entity, clone.attribute, clone.key) == (
        "Thing",
        "text",
        caught.value.key,
    )


# --------------------------------------------------------------------------------------
# Absent attributes
# --------------------------------------------------------------------------------------

WITH_DEFAULTS = [
    "def_text",
    "def_int",
    "def_float",
    "def_bool",
    "def_color",
    "def_size",
    "def_tags",
    "def_labels",
    "def_numbers",
    "def_scores",
    "def_lines",
    "klass",
]
OPTIONAL = [
    "nickname",
    "expires",
    "opt_text",
    "opt_int",
    "opt_float",
    "opt_decimal",
    "opt_bool",
    "opt_bytes",
    "opt_datetime",
    "opt_date",
    "opt_uuid",
    "opt_color",
    "opt_labels",
    "opt_numbers",
    "opt_blobs",
    "opt_tags",
    "opt_scores",
    "opt_doc",
    "opt_address",
    "from",
    "value.with-dash",
]


def assert_defaults(models: Any, thing: Any) -> None:
    assert thing.def_text == "hello" and thing.def_int == 7
    assert thing.def_float == 1.5 and thing.def_bool is True
    assert thing.def_color is models.Color.GREEN
    assert thing.def_size is models.ThingDefSize.M
    assert thing.def_tags == [] and thing.def_labels == set()
    assert thing.def_numbers == set() and thing.def_scores == {}
    assert thing.def_lines == [] and thing.class_ == 0
    # required sets stored as absent (empty) read as empty sets
    assert thing.numbers == set() and thing.blobs == set()
    assert thing.version == 0
    for name in (
        "nickname",
        "expires",
        "opt_text",
        "opt_int",
        "opt_labels",
        "opt_numbers",
        "opt_blobs",
        "opt_doc",
        "opt_address",
        "from_",
        "value",
    ):
        assert getattr(thing, name) is None, name


def sparse_item(models: Any, name: str) -> dict[str, Any]:
    """A Thing item as older code might have stored it: no defaulted attribute, no
    optional one, no version, empty sets absent."""
    item = base_item(models, name)
    for attribute in [*WITH_DEFAULTS, *OPTIONAL, "version", "numbers", "blobs"]:
        item.pop(attribute, None)
    assert "def_text" not in item and "version" not in item
    return item


def test_absent_attributes_read_as_their_defaults(models: Any) -> None:
    assert_defaults(models, models.decode_thing(sparse_item(models, "absent")))


def test_absent_defaults_in_nested_types(models: Any) -> None:
    item = base_item(models)
    del item["address"]["M"]["color"]
    del item["address"]["M"]["floors"]
    thing = models.decode_thing(item)
    assert thing.address.color is models.Color.RED
    assert thing.address.floors == []


def test_defaults_read_from_an_absent_attribute_are_not_shared(models: Any) -> None:
    first = models.decode_thing(sparse_item(models, "a"))
    second = models.decode_thing(sparse_item(models, "b"))
    first.def_tags.append("x")
    first.def_labels.add("x")
    first.def_scores["x"] = 1
    assert second.def_tags == [] and second.def_labels == set()
    assert second.def_scores == {}


# --------------------------------------------------------------------------------------
# Stored on the servers
# --------------------------------------------------------------------------------------


def put_and_get(table: ThingsTable, item: dict[str, Any]) -> dict[str, Any]:
    table.transport.call("PutItem", {"TableName": table.name, "Item": item})
    key = {"pk": item["pk"], "sk": item["sk"]}
    response = table.transport.call(
        "GetItem", {"TableName": table.name, "Key": key, "ConsistentRead": True}
    )
    stored: dict[str, Any] = response["Item"]
    return stored


def test_stored_items_that_do_not_fit_raise_decode_error(
    things_table: ThingsTable, models: Any, rt: Any
) -> None:
    cases: list[tuple[str, Mutation, str]] = [
        ("stored-missing", drop("text"), "text"),
        ("stored-enum", put("color", {"S": "purple"}), "color"),
        ("stored-type", put("count", {"S": "12"}), "count"),
        ("stored-set-type", put("labels", {"NS": ["1"]}), "labels"),
    ]
    for name, mutate, attribute in cases:
        item = copy.deepcopy(base_item(models, name))
        mutate(item)
        stored = put_and_get(things_table, item)
        with pytest.raises(rt.DecodeError) as caught:
            models.decode_thing(stored)
        assert caught.value.entity == "Thing"
        assert caught.value.attribute == attribute
        assert caught.value.key == {"pk": item["pk"], "sk": item["sk"]}


def test_stored_item_of_another_entity_raises_decode_error(
    things_table: ThingsTable, models: Any, rt: Any
) -> None:
    stored = put_and_get(things_table, models.encode_other(models.Other(code="o")))
    with pytest.raises(rt.DecodeError) as caught:
        models.decode_thing(stored)
    assert caught.value.attribute == "_type"
    assert models.decode_other(stored) == models.Other(code="o")


def test_stored_item_without_defaults_or_version(
    things_table: ThingsTable, models: Any
) -> None:
    stored = put_and_get(things_table, sparse_item(models, "stored-sparse"))
    assert "version" not in stored
    assert_defaults(models, models.decode_thing(stored))
