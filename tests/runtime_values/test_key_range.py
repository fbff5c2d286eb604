"""How a generated query settles key values DynamoDB would refuse (no request needed).

The query is handed its key condition's pieces (``rt.KeyRange``, as dynagen built the
condition), never reads the condition's text back."""

from __future__ import annotations

from typing import Any

import pytest
from dynagen import _runtime as rt
from dynagen._runtime import query as rt_query

PARTITION = "#n0 = :__k0"


def key_range(op: str | None = None, bounds: int = 1) -> rt.KeyRange:
    if op is None:
        return rt.KeyRange(PARTITION, ":__k0")
    names = tuple(f":__k{i + 1}" for i in range(bounds))
    return rt.KeyRange(PARTITION, ":__k0", "#n1", op, names)


def request(pieces: rt.KeyRange, **values: Any) -> dict[str, Any]:
    """A request as generated code sends it: the text of the same pieces."""
    text = pieces.partition
    if pieces.op == "BETWEEN":
        text += f" AND {pieces.sort} BETWEEN {pieces.bounds[0]} AND {pieces.bounds[1]}"
    elif pieces.op == "begins_with":
        text += f" AND begins_with({pieces.sort}, {pieces.bounds[0]})"
    elif pieces.op is not None:
        text += f" AND {pieces.sort} {pieces.op} {pieces.bounds[0]}"
    return {
        "TableName": "t",
        "KeyConditionExpression": text,
        "ExpressionAttributeNames": {"#n0": "pk", "#n1": "sk"},
        "ExpressionAttributeValues": {f":__{k}": v for k, v in values.items()},
    }


S = {"S": "x"}


@pytest.mark.parametrize(
    ("pieces", "values", "matches"),
    [
        (key_range(), {"k0": {"S": ""}}, False),
        (key_range(), {"k0": {"B": ""}}, False),
        (key_range(), {"k0": S}, True),
        (key_range("="), {"k0": S, "k1": {"S": ""}}, False),
        (key_range("<"), {"k0": S, "k1": {"S": ""}}, False),
        (key_range("<="), {"k0": S, "k1": {"S": ""}}, False),
        (key_range("BETWEEN", 2), {"k0": S, "k1": {"S": "b"}, "k2": {"S": "a"}}, False),
        (
            key_range("BETWEEN", 2),
            {"k0": S, "k1": {"N": "10"}, "k2": {"N": "9"}},
            False,
        ),
        (key_range("BETWEEN", 2), {"k0": S, "k1": {"N": "9"}, "k2": {"N": "10"}}, True),
        (key_range(">"), {"k0": S, "k1": {"S": "a"}}, True),
        (key_range(">"), {"k0": S, "k1": {"S": ""}}, True),
    ],
    ids=repr,
)
def test_which_key_values_can_match(
    pieces: rt.KeyRange, values: dict[str, Any], matches: bool
) -> None:
    _, can_match = rt_query._settle_key_range(request(pieces, **values), pieces)
    assert can_match is matches


@pytest.mark.parametrize("op", ["begins_with", ">=", ">"])
def test_an_empty_lower_bound_drops_the_sort_condition(op: str) -> None:
    pieces = key_range(op)
    settled, can_match = rt_query._settle_key_range(
        request(pieces, k0=S, k1={"S": ""}), pieces
    )
    assert can_match
    assert settled["KeyConditionExpression"] == "#n0 = :__k0"
    assert settled["ExpressionAttributeValues"] == {":__k0": S}
    assert settled["ExpressionAttributeNames"] == {"#n0": "pk"}


def test_the_pieces_decide_not_the_text() -> None:
    """Placeholders of any spelling: the pieces name them (the text is not parsed)."""
    pieces = rt.KeyRange("#p = :p", ":p", "#s", "begins_with", (":s",))
    sent = {
        "TableName": "t",
        "KeyConditionExpression": "#p = :p AND begins_with(#s, :s)",
        "ExpressionAttributeNames": {"#p": "pk", "#s": "sk"},
        "ExpressionAttributeValues": {":p": S, ":s": {"S": ""}},
    }
    settled, can_match = rt_query._settle_key_range(sent, pieces)
    assert can_match
    assert settled["KeyConditionExpression"] == "#p = :p"
    assert settled["ExpressionAttributeValues"] == {":p": S}
    assert settled["ExpressionAttributeNames"] == {"#p": "pk"}
    empty = {**sent, "ExpressionAttributeValues": {":p": {"S": ""}, ":s": S}}
    assert rt_query._settle_key_range(empty, pieces) == (empty, False)


def test_a_dropped_sort_name_is_kept_only_where_still_used() -> None:
    """The sort key's name placeholder stays when the filter uses it, and only then: a
    filter naming ``#n12`` does not keep ``#n1`` (DynamoDB refuses an unused name)."""
    pieces = key_range(">=")
    names = {"#n0": "pk", "#n1": "sk", "#n12": "other"}
    for filter_expression, kept in (("#n12 = :f", False), ("#n1 <> :f", True)):
        sent = {
            **request(pieces, k0=S, k1={"S": ""}, f=S),
            "ExpressionAttributeNames": names,
            "FilterExpression": filter_expression,
        }
        settled, _ = rt_query._settle_key_range(sent, pieces)
        assert ("#n1" in settled["ExpressionAttributeNames"]) is kept, filter_expression


def test_a_no_match_query_sends_nothing() -> None:
    class Refusing:
        def call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
            raise AssertionError("a request was sent")

    pieces = key_range()
    query = rt.Query(
        Refusing(),  # type: ignore[arg-type]
        "Query",
        request(pieces, k0={"S": ""}),
        lambda item: item,
        query_id="T.q",
        params_digest=rt.digest_params(""),
        cursor_secret=None,
        key_range=pieces,
    )
    assert query.page(limit=5) == rt.Page([], None)
    assert query.count() == 0
    assert query.first() is None
    assert list(query.all()) == []
