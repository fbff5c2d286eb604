"""Transactions: TransactWriteItems and TransactGetItems."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
)
from uuid import uuid4

from botocore.exceptions import (
    ClientError,
)

from .batch import _RETRYABLE_CODES, _backoff
from .documents import _compact_json
from .errors import CancellationReason, TransactionCanceledError
from .size import check_item_size, item_size
from .transport import raw_error_body

if TYPE_CHECKING:
    from .transport import Transport


__all__ = [
    "TRANSACTION_ATTEMPTS",
    "TRANSACTION_BYTES_LIMIT",
    "TRANSACT_GET_LIMIT",
    "TRANSACT_WRITE_LIMIT",
    "TransactWrite",
    "transact_get",
    "transact_get_entries",
]


TRANSACT_WRITE_LIMIT: Final = 100
TRANSACT_GET_LIMIT: Final = 100
TRANSACTION_BYTES_LIMIT: Final = 4 * 1024 * 1024
TRANSACTION_ATTEMPTS: Final = 5
"""Commits of one transaction (the first included) while DynamoDB cancels it only for
conflicts or throttling; each commit's requests also get the transport's own retries."""

_TX_KEYS: Final = {
    "Put": (
        "TableName",
        "Item",
        "ConditionExpression",
        "ExpressionAttributeNames",
        "ExpressionAttributeValues",
        "ReturnValuesOnConditionCheckFailure",
    ),
    "Update": (
        "TableName",
        "Key",
        "UpdateExpression",
        "ConditionExpression",
        "ExpressionAttributeNames",
        "ExpressionAttributeValues",
        "ReturnValuesOnConditionCheckFailure",
    ),
    "Delete": (
        "TableName",
        "Key",
        "ConditionExpression",
        "ExpressionAttributeNames",
        "ExpressionAttributeValues",
        "ReturnValuesOnConditionCheckFailure",
    ),
    "ConditionCheck": (
        "TableName",
        "Key",
        "ConditionExpression",
        "ExpressionAttributeNames",
        "ExpressionAttributeValues",
        "ReturnValuesOnConditionCheckFailure",
    ),
}
_RETRIED_CANCELLATIONS: Final = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)


@dataclasses.dataclass(frozen=True, slots=True)
class _Action:
    entity: str
    operation: str
    key: object
    identity: str
    item: dict[str, Any]
    decode: Callable[[dict[str, Any]], object]
    size: int


def _action_size(body: dict[str, Any]) -> int:
    """The bytes an action adds to a transaction: its key or item and its values."""
    size = item_size(body.get("Item") or body.get("Key") or {})
    values = body.get("ExpressionAttributeValues")
    if values:
        size += item_size(values)
    return size


class TransactWrite:
    """The actions of one ``db.transact_write()`` block, sent as one TransactWriteItems.

    Generated ``tx.<entity>`` objects build each action with the repository's own
    request builders and :meth:`add` it; the limits (100 actions, one action per item,
    400 KB per item, 4 MB in all) raise ``ValueError`` when an action is added.
    """

    __slots__ = ("_actions", "_identities", "_size", "_transport", "token")

    def __init__(self, transport: Transport, token: str | None = None) -> None:
        self._transport = transport
        self._actions: list[_Action] = []
        self._identities: set[str] = set()
        self._size = 0
        self.token = str(uuid4()) if token is None else token

    def __len__(self) -> int:
        return len(self._actions)

    def add(
        self,
        kind: str,
        request: dict[str, Any],
        *,
        entity: str,
        operation: str,
        key: object,
        key_item: dict[str, Any],
        decode: Callable[[dict[str, Any]], object],
    ) -> None:
        """Add the single-item ``request`` (a PutItem, UpdateItem or DeleteItem request
        a repository built, or a ConditionCheck) as a ``kind`` action."""
        where = f"transact_write: {entity}.{operation}"
        if len(self._actions) >= TRANSACT_WRITE_LIMIT:
            raise ValueError(
                f"{where}: a transaction holds at most {TRANSACT_WRITE_LIMIT} actions"
            )
        body = {name: request[name] for name in _TX_KEYS[kind] if name in request}
        identity = _compact_json([body["TableName"], key_item])
        if identity in self._identities:
            raise ValueError(f"{where}: a second action on one item ({key!r})")
        if "Item" in body:
            check_item_size(body["Item"], entity)
        size = _action_size(body)
        if self._size + size > TRANSACTION_BYTES_LIMIT:
            raise ValueError(
                f"{where}: the transaction would exceed {TRANSACTION_BYTES_LIMIT} bytes"
            )
        self._identities.add(identity)
        self._size += size
        self._actions.append(
            _Action(entity, operation, key, identity, {kind: body}, decode, size)
        )

    def commit(self) -> None:
        """Send the actions as one TransactWriteItems (nothing when there are none).

        Every commit carries this transaction's one ``ClientRequestToken``. A
        cancellation only for conflicts or throttling, a throttled request, or
        ``TransactionInProgressException`` (an earlier send of this token still
        running) is sent again, with backoff, up
        to ``TRANSACTION_ATTEMPTS`` commits; any other cancellation, or one still left
        then, raises :class:`TransactionCanceledError`. Other errors propagate.
        """
        if not self._actions:
            return
        request = {
            "TransactItems": [action.item for action in self._actions],
            "ClientRequestToken": self.token,
        }
        attempt = 0
        while True:
            attempt += 1
            try:
                self._transport.call("TransactWriteItems", request)
                return
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code == "TransactionCanceledException":
                    reasons = self._reasons(error)
                    retried = all(
                        r.code is None or r.code in _RETRIED_CANCELLATIONS
                        for r in reasons
                    ) and any(r.code is not None for r in reasons)
                    if not retried or attempt >= TRANSACTION_ATTEMPTS:
                        raise TransactionCanceledError(reasons=reasons) from error
                elif (
                    code not in _RETRYABLE_CODES
                    and code != "TransactionInProgressException"
                ) or attempt >= TRANSACTION_ATTEMPTS:
                    raise
            _backoff(attempt)

    def _reasons(self, error: ClientError) -> list[CancellationReason]:
        raw = raw_error_body(error).get("CancellationReasons")
        entries: list[Any] = raw if type(raw) is list else []
        reasons = []
        for position, action in enumerate(self._actions):
            entry = entries[position] if position < len(entries) else {}
            code = entry.get("Code") if type(entry) is dict else None
            if code in (None, "None", ""):
                code = None
            old = entry.get("Item") if type(entry) is dict else None
            reasons.append(
                CancellationReason(
                    entity=action.entity,
                    operation=action.operation,
                    key=action.key,
                    code=code,
                    message=entry.get("Message") if code is not None else None,
                    item=(
                        action.decode(old)
                        if code is not None and type(old) is dict and old
                        else None
                    ),
                )
            )
        return reasons


def transact_get_entries(
    database: object, owners: Mapping[str, str], keys: Iterable[object]
) -> list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], object]]]:
    """(table, wire key, decoder) of each key, from the ``database`` repository that
    ``owners`` names for its key class; ``TypeError`` for another object."""
    entries = []
    for key in keys:
        owner = owners.get(type(key).__name__)
        if owner is None:
            raise TypeError(f"transact_get: not a key of this package: {key!r}")
        entries.append(getattr(database, owner)._transact_get_entry(key))
    return entries


def transact_get(
    transport: Transport,
    gets: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], object]]],
) -> tuple[object | None, ...]:
    """Read (table, wire key, decode) ``gets`` in one TransactGetItems: the decoded
    items in order, None where absent. ``ValueError`` past 100 keys, before any
    request."""
    if len(gets) > TRANSACT_GET_LIMIT:
        raise ValueError(
            f"transact_get: at most {TRANSACT_GET_LIMIT} keys, got {len(gets)}"
        )
    if not gets:
        return ()
    response = transport.call(
        "TransactGetItems",
        {"TransactItems": [{"Get": {"TableName": t, "Key": k}} for t, k, _ in gets]},
    )
    results: list[Any] = response.get("Responses", [])
    items: list[object | None] = []
    for (_, _, decode), result in zip(gets, results, strict=True):
        item = result.get("Item") if type(result) is dict else None
        items.append(decode(item) if item else None)
    return tuple(items)
