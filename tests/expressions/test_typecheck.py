"""The type checker: inferred parameter types and located type errors."""

from __future__ import annotations

import pytest
from dynagen.model.expressions import (
    ExpressionError,
    ParamType,
    SchemaResolver,
    check_condition,
    check_projection,
    check_update,
    parse_condition,
    parse_projection,
    parse_update,
)
from dynagen.model.types import JsonType, ScalarType, SetType, TypeNameType

from .shop import (
    ADDRESS,
    DECIMAL,
    INT,
    LINES,
    ORDER_LINE,
    ORDER_STATUS,
    SHOP,
    STRING,
    TAGS,
)

BYTES = ScalarType("bytes")


SAME = "DynamoDB refuses an operand repeated after the first one"
SAME_CITY = ("'address.city' is compared with itself", SAME)


def condition_types(text: str) -> dict[str, ParamType]:
    return check_condition(parse_condition(text), SHOP)


def update_types(text: str) -> dict[str, ParamType]:
    return check_update(parse_update(text), SHOP)


@pytest.mark.parametrize(
    ("text", "types"),
    [
        ("status = :s", {"s": ORDER_STATUS}),
        (":s <> status", {"s": ORDER_STATUS}),
        ("size(tags) > :n", {"n": INT}),
        (":n <= size(lines)", {"n": INT}),
        ("size(name) = :n AND size(photo) = :n AND size(meta) = :n", {"n": INT}),
        ("size(address) = :n AND size(doc.x) = :n", {"n": INT}),
        ("begins_with(name, :p)", {"p": STRING}),
        ("begins_with(photo, :p)", {"p": BYTES}),
        ("begins_with(created_at, :p)", {"p": STRING}),
        ("begins_with(status, :p)", {"p": STRING}),
        ("begins_with(doc.x, :p)", {"p": STRING}),
        ("attribute_type(name, :t)", {"t": TypeNameType()}),
        ("contains(tags, :t)", {"t": STRING}),
        ("contains(scores, :s)", {"s": INT}),
        ("contains(lines, :line)", {"line": ORDER_LINE}),
        ("contains(name, :part)", {"part": STRING}),
        ("contains(doc, :d)", {"d": JsonType()}),
        ("status IN (:a, :b)", {"a": ORDER_STATUS, "b": ORDER_STATUS}),
        (":a IN (status, :b)", {"a": ORDER_STATUS, "b": ORDER_STATUS}),
        ("points BETWEEN :lo AND :hi", {"lo": INT, "hi": INT}),
        (":lo BETWEEN points AND :hi", {"lo": INT, "hi": INT}),
        ("created_at < :t", {"t": ScalarType("datetime")}),
        ("expires_at < :t", {"t": ScalarType("epoch")}),
        ("order_id = :id", {"id": ScalarType("uuid")}),
        ("active = :a", {"a": ScalarType("bool")}),
        ("lines[0].quantity > :q", {"q": INT}),
        ("lines[1] = :line", {"line": ORDER_LINE}),
        ("lines = :all", {"all": LINES}),
        ("tags = :all", {"all": TAGS}),
        ("address = :a", {"a": ADDRESS}),
        ("address.city = :c", {"c": STRING}),
        ("meta.anything = :v", {"v": STRING}),
        ("doc.a.b[3] = :v", {"v": JsonType()}),
        ("doc > :v", {"v": JsonType()}),
        ("attribute_exists(address.postcode) AND attribute_not_exists(meta)", {}),
        ("points > size(tags) AND total > points AND name = email", {}),
        ("name = status", {}),  # both stored as strings
        ("doc = points AND lines = doc", {}),
        ("begins_with(name, email) AND contains(tags, name)", {}),
        # reserved words are just attributes
        (
            "size = :a AND count = :b AND size(name) = :c",
            {"a": INT, "b": INT, "c": INT},
        ),
    ],
)
def test_condition_param_types(text: str, types: dict[str, ParamType]) -> None:
    assert condition_types(text) == types


def test_param_types_in_order_of_first_use() -> None:
    types = condition_types("total > :t AND status = :s AND points < :p AND fines = :t")
    assert list(types) == ["t", "s", "p"]


def test_known_params_carry_over() -> None:
    key = check_condition(parse_condition("customer_id = :id"), SHOP)
    both = check_condition(parse_condition("email = :id AND points > :n"), SHOP, key)
    assert both == {"id": STRING, "n": INT}
    assert key == {"id": STRING}  # not modified
    with pytest.raises(ExpressionError) as caught:
        check_condition(parse_condition("points = :id"), SHOP, key)
    assert (
        caught.value.message
        == "parameter ':id' is used as int here but as string before"
    )
    assert caught.value.offset == 9
    # a known parameter also anchors a comparison of parameters alone
    assert check_condition(parse_condition(":id = :other"), SHOP, key) == {
        "id": STRING,
        "other": STRING,
    }


@pytest.mark.parametrize(
    ("text", "types"),
    [
        ("ADD points :n", {"n": INT}),
        ("ADD total :n", {"n": DECIMAL}),
        ("ADD tags :t", {"t": TAGS}),
        ("ADD scores :s", {"s": SetType(INT)}),
        ("ADD expires_at :seconds", {"seconds": INT}),
        ("ADD doc.counter :n", {"n": DECIMAL}),
        ("DELETE tags :t", {"t": TAGS}),
        ("SET fines = fines + :amount", {"amount": DECIMAL}),
        ("SET points = :a - :b", {"a": INT, "b": INT}),
        ("SET expires_at = expires_at + :seconds", {"seconds": INT}),
        ("SET points = if_not_exists(points, :zero) + :n", {"zero": INT, "n": INT}),
        ("SET total = points + :n", {"n": DECIMAL}),
        ("SET lines = list_append(lines, :more)", {"more": LINES}),
        (
            "SET lines = list_append(:first, if_not_exists(lines, :none))",
            {"first": LINES, "none": LINES},
        ),
        ("SET name = if_not_exists(name, :default)", {"default": STRING}),
        ("SET name = if_not_exists(email, :default)", {"default": STRING}),
        ("SET lines[0] = :line", {"line": ORDER_LINE}),
        ("SET lines[0].quantity = lines[0].quantity + :n", {"n": INT}),
        ("SET address.city = :c, status = :s", {"c": STRING, "s": ORDER_STATUS}),
        ("SET address = :a", {"a": ADDRESS}),
        ("SET meta.k = :v, doc.x[2] = :j", {"v": STRING, "j": JsonType()}),
        ("SET name = email", {}),
        ("REMOVE address.postcode, lines[3], meta", {}),
        ("SET size = :x, count = count + :x", {"x": INT}),
    ],
)
def test_update_param_types(text: str, types: dict[str, ParamType]) -> None:
    assert update_types(text) == types


@pytest.mark.parametrize(
    ("text", "offset", "message", "hint"),
    [
        (
            "points = :s AND status = :s",
            25,
            "parameter ':s' is used as OrderStatus here but as int before",
            "use two parameters",
        ),
        ("stauts = :s", 0, "unknown attribute 'stauts'", "did you mean 'status'?"),
        ("nope = :s", 0, "unknown attribute 'nope'", None),
        (
            "address.cty = :c",
            8,
            "'address' (Address) has no field 'cty'",
            "did you mean 'city'?",
        ),
        (
            "lines[0].skuu = :v",
            9,
            "'lines[0]' (OrderLine) has no field 'skuu'",
            "did you mean 'sku'?",
        ),
        (
            "name[0] = :v",
            4,
            "'name' is a string, not a list: it has no element [0]",
            None,
        ),
        (
            "address[1] = :v",
            7,
            "'address' is an Address, not a list: it has no element [1]",
            None,
        ),
        (
            "points.x = :v",
            7,
            "'points' is an int, not a map: it has no field 'x'",
            None,
        ),
        (
            "lines.sku = :v",
            6,
            "'lines' is a list<OrderLine>, not a map: it has no field 'sku'",
            None,
        ),
        (
            "order_id.x = :v",
            9,
            "'order_id' is a uuid, not a map: it has no field 'x'",
            None,
        ),
        (
            "name = points",
            7,
            "cannot compare 'name' (string) with 'points' (int)",
            None,
        ),
        (
            "lines = tags",
            8,
            "cannot compare 'lines' (list<OrderLine>) with 'tags' (set<string>)",
            None,
        ),
        (
            "status IN (:a, points)",
            15,
            "cannot compare 'status' (OrderStatus) with 'points' (int)",
            None,
        ),
        (
            "size(name) = email",
            13,
            "cannot compare 'size(name)' (int) with 'email' (string)",
            None,
        ),
        (
            "active < :b",
            0,
            "'<' needs numbers, strings or bytes; 'active' is a bool",
            None,
        ),
        (
            ":b >= lines",
            6,
            "'>=' needs numbers, strings or bytes; 'lines' is a list<OrderLine>",
            None,
        ),
        (
            "tags BETWEEN :a AND :b",
            0,
            "BETWEEN needs numbers, strings or bytes; 'tags' is a set<string>",
            None,
        ),
        (
            ":a = :b",
            0,
            "cannot infer the type of ':a'",
            "compare a parameter with an attribute or size()",
        ),
        (
            ":a BETWEEN :b AND :c",
            0,
            "cannot infer the type of ':a'",
            "compare a parameter with an attribute or size()",
        ),
        (
            "size(points) > :n",
            5,
            "size() needs a string, bytes, list, map or set; 'points' is an int",
            None,
        ),
        (
            "begins_with(points, :p)",
            12,
            "begins_with() needs a string or bytes; 'points' is an int",
            None,
        ),
        (
            "begins_with(lines, :p)",
            12,
            "begins_with() needs a string or bytes; 'lines' is a list<OrderLine>",
            None,
        ),
        (
            "contains(points, :p)",
            9,
            "contains() needs a string, set or list; 'points' is an int",
            None,
        ),
        (
            "contains(address, :p)",
            9,
            "contains() needs a string, set or list; 'address' is an Address",
            None,
        ),
        (
            "begins_with(name, points)",
            18,
            "begins_with() on 'name' needs a string, but 'points' is an int",
            None,
        ),
        (
            "contains(tags, scores)",
            15,
            "contains() on 'tags' needs a string, but 'scores' is a set<int>",
            None,
        ),
        (
            "attribute_exists(adress)",
            17,
            "unknown attribute 'adress'",
            "did you mean 'address'?",
        ),
        (
            "attribute_type(name, :t) AND points = :t",
            38,
            "parameter ':t' is used as int here but as a DynamoDB type name before",
            "use two parameters",
        ),
        # issue 17: DynamoDB refuses an operand that repeats the first
        ("points < points", 9, "'points' is compared with itself", SAME),
        ("size(name) = size(name)", 13, "'size(name)' is compared with itself", SAME),
        ("points BETWEEN :a AND points", 22, "'points' is compared with itself", SAME),
        ("name IN (:a, email, name)", 20, "'name' is compared with itself", SAME),
        ("contains(name, name)", 15, "'name' is compared with itself", SAME),
        ("begins_with(address.city, address.city)", 26, *SAME_CITY),
    ],
)
def test_condition_errors(
    text: str, offset: int, message: str, hint: str | None
) -> None:
    with pytest.raises(ExpressionError) as caught:
        condition_types(text)
    error = caught.value
    assert (error.message, error.offset, error.hint) == (message, offset, hint)


@pytest.mark.parametrize(
    ("text", "offset", "message", "hint"),
    [
        (
            "ADD name :n",
            4,
            "ADD needs a number or a set; 'name' is a string",
            "write SET name = :n",
        ),
        (
            "ADD lines :l",
            4,
            "ADD needs a number or a set; 'lines' is a list<OrderLine>",
            "write SET lines = :l",
        ),
        (
            "DELETE lines :l",
            7,
            "DELETE removes elements from a set; 'lines' is a list<OrderLine>",
            "write REMOVE lines[index]",
        ),
        (
            "DELETE points :n",
            7,
            "DELETE removes elements from a set; 'points' is an int",
            None,
        ),
        ("SET name = name + :n", 11, "'+' needs numbers, but 'name' is a string", None),
        (
            "SET points = points - name",
            22,
            "'-' needs numbers; 'name' is a string",
            None,
        ),
        (
            "SET points = if_not_exists(name, :x) + :n",
            27,
            "'+' needs numbers; 'name' is a string",
            None,
        ),
        (
            "SET points = list_append(points, :x)",
            13,
            "list_append() makes a list, but 'points' is an int",
            None,
        ),
        (
            "SET points = points + list_append(lines, :x)",
            22,
            "'+' needs numbers, not a list",
            None,
        ),
        (
            "SET name = points",
            11,
            "cannot set 'name' (string) from 'points' (int)",
            None,
        ),
        (
            "SET name = if_not_exists(points, :x)",
            25,
            "cannot set 'name' (string) from 'points' (int)",
            None,
        ),
        (
            "SET lines = list_append(lines, tags)",
            31,
            "cannot set 'lines' (list<OrderLine>) from 'tags' (set<string>)",
            None,
        ),
        (
            "SET name = :v REMOVE stauts",
            21,
            "unknown attribute 'stauts'",
            "did you mean 'status'?",
        ),
        ("SET nam = :v", 4, "unknown attribute 'nam'", "did you mean 'name'?"),
        (
            "SET points = :n, name = :n",
            24,
            "parameter ':n' is used as string here but as int before",
            "use two parameters",
        ),
        # the second use in the source, whatever the clause order
        (
            "ADD points :n SET name = :n",
            25,
            "parameter ':n' is used as string here but as int before",
            "use two parameters",
        ),
        (
            "SET name = :n ADD points :n",
            25,
            "parameter ':n' is used as int here but as string before",
            "use two parameters",
        ),
    ],
)
def test_update_errors(text: str, offset: int, message: str, hint: str | None) -> None:
    with pytest.raises(ExpressionError) as caught:
        update_types(text)
    error = caught.value
    assert (error.message, error.offset, error.hint) == (message, offset, hint)


def test_update_and_condition_share_params() -> None:
    types = check_update(parse_update("ADD points :points"), SHOP)
    types = check_condition(parse_condition("status = :status"), SHOP, types)
    assert types == {"points": INT, "status": ORDER_STATUS}


def test_projection_paths_must_exist() -> None:
    check_projection(parse_projection("name, address.city, lines[0].sku"), SHOP)
    with pytest.raises(ExpressionError) as caught:
        check_projection(parse_projection("name, adress.city"), SHOP)
    assert (caught.value.offset, caught.value.hint) == (6, "did you mean 'address'?")


def test_schema_resolver() -> None:
    assert SHOP.resolve(("lines", 0, "quantity")) == INT
    assert SHOP.resolve(("doc", "x", 3)) == JsonType()
    assert SHOP.resolve(("meta", "k")) == STRING
    assert SHOP.resolve(("name", 0)) is None
    assert SHOP.resolve(("lines", "x")) is None
    assert SHOP.resolve((0,)) is None
    assert SHOP.names(("lines", 0)) == ["sku", "quantity", "price"]
    assert SHOP.names(("name",)) == []
    renamed = SchemaResolver(
        {"a": ADDRESS},
        {"Address": {"city": STRING}},
        type_columns={"Address": {"city": "c"}},
    )
    assert renamed.stored_name(("a", "city")) == "c"
    assert renamed.stored_name(("a",)) == "a"


# Assignments (issue 17.4): the value must read back as the target's type, a stricter
# rule than comparing (an int compares with a decimal, but cannot store one).
@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("SET points = total", 13, "cannot set 'points' (int) from 'total' (decimal)"),
        (
            "SET points = points + total",
            22,
            "cannot set 'points' (int) from a '+' on 'total' (decimal): "
            "the result would not read back as an int",
        ),
        (
            "SET points = if_not_exists(total, :d)",
            27,
            "cannot set 'points' (int) from 'total' (decimal)",
        ),
        (
            "SET status = name",
            13,
            "cannot set 'status' (OrderStatus) from 'name' (string)",
        ),
        (
            "SET created_at = name",
            17,
            "cannot set 'created_at' (datetime) from 'name' (string)",
        ),
        (
            "SET birthday = email",
            15,
            "cannot set 'birthday' (date) from 'email' (string)",
        ),
        (
            "SET order_id = name",
            15,
            "cannot set 'order_id' (uuid) from 'name' (string)",
        ),
        (
            "SET lines = doc",
            12,
            "cannot set 'lines' (list<OrderLine>) from 'doc' (json)",
        ),
        ("SET points = doc", 13, "cannot set 'points' (int) from 'doc' (json)"),
        ("SET doc = photo", 10, "cannot set 'doc' (json) from 'photo' (bytes)"),
        ("SET doc = tags", 10, "cannot set 'doc' (json) from 'tags' (set<string>)"),
        (
            "SET points = points - doc",
            22,
            "cannot set 'points' (int) from a '-' on 'doc' (json): "
            "the result would not read back as an int",
        ),
        (
            "SET expires_at = expires_at + total",
            30,
            "cannot set 'expires_at' (epoch) from a '+' on 'total' (decimal): "
            "the result would not read back as an epoch",
        ),
    ],
)
def test_assignments_must_read_back(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        update_types(text)
    assert (caught.value.message, caught.value.offset) == (message, offset)


@pytest.mark.parametrize(
    "text",
    [
        "SET total = points",  # any number into a decimal
        "SET ratio = total + points",
        "SET name = status",  # any stored string into a string
        "SET name = created_at",
        "SET email = if_not_exists(order_id, name)",
        "SET doc = lines[0].sku",
        "SET doc = meta",
        "SET expires_at = expires_at + points",  # seconds onto an epoch
        "SET total = total + doc",
        "SET points = points + count",
    ],
)
def test_assignments_that_read_back(text: str) -> None:
    update_types(text)
