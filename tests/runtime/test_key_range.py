"""How a generated query settles key values DynamoDB would refuse (no request needed)."""

from __future__ import annotations

from typing import Any

import pytest
from dynagen import _runtime as rt
from dynagen._runtime import query as rt_query


def request(condition: str, **values: Any) -> dict[str, Any]:
    return {
        "TableName": "t",
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": {"#n0": "pk", "#n1": "sk"},
        "ExpressionAttributeValues": {f":__{k}": v for k, v in values.items()},
    }


S = {"S": "x"}


@pytest.mark.parametrize(
    ("condition", "values", "matches"),
    [
        ("#n0 = :__k0", {"k0": {"S": ""}}, False),
        ("#n0 = :__k0 AND #n1 = :__k1", {"k0": S, "k1": {"S": ""}}, False),
        ("#n0 = :__k0 AND #n1 < :__k1", {"k0": S, "k1": {"S": ""}}, False),
        ("#n0 = :__k0 AND #n1 <= :__k1", {"k0": S, "k1": {"S": ""}}, False),
        (
            "#n0 = :__k0 AND #n1 BETWEEN :__k1 AND :__k2",
            {"k0": S, "k1": {"S": "b"}, "k2": {"S": "a"}},
            False,
        ),
        (
            "#n0 = :__k0 AND #n1 BETWEEN :__k1 AND :__k2",
            {"k0": S, "k1": {"N": "10"}, "k2": {"N": "9"}},
            False,
        ),
        (
            "#n0 = :__k0 AND #n1 BETWEEN :__k1 AND :__k2",
            {"k0": S, "k1": {"N": "9"}, "k2": {"N": "10"}},
            True,
        ),
        ("#n0 = :__k0 AND #n1 > :__k1", {"k0": S, "k1": {"S": "a"}}, True),
    ],
)
def test_which_key_values_can_match(
    condition: str, values: dict[str, Any], matches: bool
) -> None:
    _, can_match = rt_query._settle_key_range(request(condition, **values))
    assert can_match is matches


@pytest.mark.parametrize(
    "condition",
    ["#n0 = :__k0 AND begins_with(#n1, :__k1)", "#n0 = :__k0 AND #n1 >= :__k1"],
)
def test_an_empty_lower_bound_drops_the_sort_condition(condition: str) -> None:
    settled, can_match = rt_query._settle_key_range(
        request(condition, k0=S, k1={"S": ""})
    )
    assert can_match
    assert settled["KeyConditionExpression"] == "#n0 = :__k0"
    assert settled["ExpressionAttributeValues"] == {":__k0": S}
    assert settled["ExpressionAttributeNames"] == {"#n0": "pk"}


def test_a_no_match_query_sends_nothing() -> None:
    class Refusing:
        def call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
            raise AssertionError("a request was sent")

    query = rt.Query(
        Refusing(),  # type: ignore[arg-type]
        "Query",
        request("#n0 = :__k0", k0={"S": ""}),
        lambda item: item,
        query_id="T.q",
        params_digest=rt.digest_params(""),
        cursor_secret=None,
    )
    assert query.page(limit=5) == rt.Page([], None)
    assert query.count() == 0
    assert query.first() is None
    assert list(query.all()) == []
