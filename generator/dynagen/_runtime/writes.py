"""Writes: the default clock, conditional-failure helpers, version conditions and
update expressions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import (
    TYPE_CHECKING,
    Any,
)

from botocore.exceptions import (
    ClientError,
)

from .scalars import _UTC, format_int
from .transport import raw_error_body

if TYPE_CHECKING:
    from .transport import Transport


__all__ = [
    "is_condition_failure",
    "is_invalid_document_path",
    "stored_item_after_failure",
    "update_expression",
    "update_filling_defaults",
    "utc_now",
    "version_condition",
]


def utc_now() -> datetime:
    """The default clock of a ``Database``: the current time, aware, in UTC."""
    return datetime.now(_UTC)


def is_condition_failure(error: ClientError) -> bool:
    """Whether ``error`` is DynamoDB's ConditionalCheckFailedException."""
    code: object = error.response.get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"


def is_invalid_document_path(error: ClientError) -> bool:
    """Whether ``error`` is DynamoDB's refusal of an update that writes below an
    attribute the item lacks (``SET m.k = ...`` where ``m`` is missing)."""
    details = error.response.get("Error", {})
    message = str(details.get("Message", ""))
    return (
        details.get("Code") == "ValidationException"
        and "document path provided in the update expression is invalid" in message
    )


def update_filling_defaults(
    transport: Transport, request: dict[str, Any], fill: dict[str, Any]
) -> dict[str, Any]:
    """Send the UpdateItem ``request``; if DynamoDB refuses it because the item lacks an
    attribute with a default that the update writes into (an item written by other code,
    or before the attribute existed), store those defaults with the UpdateItem ``fill``
    (``SET m = if_not_exists(m, :default)``, only on an existing item: the item reads
    the same before and after) and send ``request`` again. DynamoDB refuses both in one
    expression (overlapping paths), and this costs a request only on such items."""
    try:
        return transport.call("UpdateItem", request)
    except ClientError as error:
        if not is_invalid_document_path(error):
            raise
    transport.call("UpdateItem", fill)
    return transport.call("UpdateItem", request)


def stored_item_after_failure(
    error: ClientError, transport: Transport, table: str, key: dict[str, Any]
) -> dict[str, Any] | None:
    """After a failed conditional write: the item as stored (wire form), None if absent.

    Re-raises ``error`` unless it is a condition failure. Uses the old item DynamoDB
    returns for ``ReturnValuesOnConditionCheckFailure=ALL_OLD``; where the server gives
    none (the item is absent, or the server does not support it), one consistent read
    tells which.
    """
    if not is_condition_failure(error):
        raise error
    old = raw_error_body(error).get("Item")
    if type(old) is dict:
        return old
    response = transport.call(
        "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True}
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


def version_condition(
    expected: int,
    placeholder: str,
    stored_name: str,
    names: dict[str, str],
    values: dict[str, Any],
) -> str:
    """The condition that the stored version is ``expected`` (an item stored without a
    version counts as version 0); adds its placeholders to ``names`` and ``values``."""
    names[placeholder] = stored_name
    values[":__expected_version"] = {"N": format_int(expected, "expected_version")}
    if expected == 0:
        return (
            f"(attribute_not_exists({placeholder}) OR "
            f"{placeholder} = :__expected_version)"
        )
    return f"{placeholder} = :__expected_version"


def update_expression(
    sets: list[str],
    removes: list[str],
    adds: Sequence[str] = (),
    deletes: Sequence[str] = (),
) -> str:
    """``SET a, b REMOVE c ADD d DELETE e`` from the clauses an update collected;
    "" when there are none."""
    clauses = (("SET", sets), ("REMOVE", removes), ("ADD", adds), ("DELETE", deletes))
    return " ".join(
        f"{word} {', '.join(actions)}" for word, actions in clauses if actions
    )
