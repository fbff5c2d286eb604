"""Batches: BatchGetItem and BatchWriteItem in chunks, with retries of unprocessed items."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from random import random as _random
from time import sleep as _sleep
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
    TypeVar,
)

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
)

from .documents import _compact_json
from .errors import BatchIncompleteError
from .transport import requests_made

if TYPE_CHECKING:
    from .transport import Transport


_ItemT = TypeVar("_ItemT")

__all__ = [
    "BATCH_ATTEMPTS",
    "BATCH_GET_LIMIT",
    "BATCH_WRITE_LIMIT",
    "BatchWrite",
    "batch_get",
    "batch_write",
]


#: DynamoDB's limits: keys per BatchGetItem, writes per BatchWriteItem.
BATCH_GET_LIMIT: Final = 100
BATCH_WRITE_LIMIT: Final = 25
#: Requests per chunk (the first included), the transport's own retries counted in
#: (one budget, not dynagen's attempts times the client's), and the backoff between
#: dynagen's rounds, in seconds.
BATCH_ATTEMPTS: Final = 8
_BACKOFF_BASE: Final = 0.05
_BACKOFF_CAP: Final = 2.0
_RETRYABLE_CODES: Final = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
    }
)


def _backoff(attempt: int) -> None:
    """Sleep before retry ``attempt`` (1, 2, ...): exponential, with full jitter."""
    _sleep(_random() * min(_BACKOFF_CAP, _BACKOFF_BASE * (2**attempt)))


def _identity(key: Mapping[str, Any], names: tuple[str, ...]) -> str:
    return _compact_json([key.get(name) for name in names])


def _call_counted(
    transport: Any, operation: str, request: dict[str, Any], budget: int
) -> tuple[dict[str, Any], int]:
    """``transport.call_counted``, or ``call`` counted as one request for a transport
    that only has ``call`` (a wrapper)."""
    counted = getattr(transport, "call_counted", None)
    if counted is None:
        body: dict[str, Any] = transport.call(operation, request)
        return body, 1
    result: tuple[dict[str, Any], int] = counted(operation, request, budget)
    return result


def _send_chunk(
    transport: Any,
    operation: str,
    pending: list[Any],
    request_of: Callable[[list[Any]], dict[str, Any]],
    left_of: Callable[[dict[str, Any]], list[Any]],
    on_response: Callable[[dict[str, Any]], None],
    progressed: bool,
) -> tuple[list[Any], BaseException | None, bool]:
    """Send one chunk's ``pending`` entries until none are left or the budget of
    ``BATCH_ATTEMPTS`` requests is spent: (what is left, the error that ended it or
    the last retryable one, whether any request succeeded).

    An error that is not retried, or a connection that failed after the transport's
    own retries, ends the chunk at once. When nothing had been done before
    (``progressed`` false and no request succeeded), such an error is re-raised
    unchanged: no item is in an unknown state.
    """
    budget = BATCH_ATTEMPTS
    rounds = 0
    last_error: BaseException | None = None
    while pending and budget > 0:
        if rounds:
            _backoff(rounds)
        rounds += 1
        try:
            response, used = _call_counted(
                transport, operation, request_of(pending), budget
            )
        except ClientError as error:
            budget -= requests_made(error)
            last_error = error
            if error.response.get("Error", {}).get("Code") in _RETRYABLE_CODES:
                continue
            if not progressed:
                raise
            return pending, error, progressed
        except BotoCoreError as error:
            if not progressed:
                raise
            return pending, error, progressed
        budget -= used
        progressed = True
        on_response(response)
        pending = left_of(response)
    return pending, last_error, progressed


def batch_get(
    transport: Transport,
    table: str,
    keys: list[dict[str, Any]],
    originals: list[object],
    key_names: tuple[str, ...],
    decode: Callable[[dict[str, Any]], _ItemT],
    *,
    consistent: bool,
) -> list[_ItemT | None]:
    """The items with these wire ``keys``, in input order (None where absent).

    Each distinct key is read once, 100 keys per BatchGetItem; unprocessed keys (the
    16 MB response cap, throttling) are retried with backoff within a budget of
    ``BATCH_ATTEMPTS`` requests per chunk (the transport's retries counted in). Keys
    left when it is spent, or when an error that is not retried or a failed connection
    ends the call after some keys were read, raise :class:`BatchIncompleteError` with
    the ``originals`` of every key not read (the error as the cause); such an error
    before anything was read propagates unchanged.
    """
    positions: dict[str, list[int]] = {}
    distinct: list[tuple[str, dict[str, Any]]] = []
    for position, key in enumerate(keys):
        identity = _identity(key, key_names)
        if identity not in positions:
            positions[identity] = []
            distinct.append((identity, key))
        positions[identity].append(position)
    found: dict[str, _ItemT] = {}

    def request_of(pending: list[Any]) -> dict[str, Any]:
        return {
            "RequestItems": {table: {"Keys": pending, "ConsistentRead": consistent}}
        }

    def on_response(response: dict[str, Any]) -> None:
        for item in response.get("Responses", {}).get(table, ()):
            found[_identity(item, key_names)] = decode(item)

    def left_of(response: dict[str, Any]) -> list[Any]:
        left: list[Any] = (
            response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
        )
        return left

    progressed = False
    for start in range(0, len(distinct), BATCH_GET_LIMIT):
        chunk = [key for _, key in distinct[start : start + BATCH_GET_LIMIT]]
        pending, error, progressed = _send_chunk(
            transport,
            "BatchGetItem",
            chunk,
            request_of,
            left_of,
            on_response,
            progressed,
        )
        if pending:
            later = [key for _, key in distinct[start + BATCH_GET_LIMIT :]]
            leftovers = [
                originals[positions[_identity(key, key_names)][0]]
                for key in pending + later
            ]
            raise BatchIncompleteError(
                f"{len(leftovers)} key(s) of {table} not read"
                + (f" ({type(error).__name__})" if error is not None else ""),
                unprocessed=leftovers,
            ) from error
    result: list[_ItemT | None] = [None] * len(keys)
    for identity, key_positions in positions.items():
        item = found.get(identity)
        for position in key_positions:
            result[position] = item
    return result


def batch_write(
    transport: Transport,
    table: str,
    writes: list[dict[str, Any]],
    originals: list[object],
    key_names: tuple[str, ...],
    where: str,
) -> None:
    """Send ``writes`` (``PutRequest``/``DeleteRequest`` wire entries) to one table as
    a :class:`BatchWrite` does: 25 per BatchWriteItem, unprocessed ones retried with
    backoff; two writes to one key raise ``ValueError`` before any request, and every
    write not known to be done raises :class:`BatchIncompleteError` with its
    ``originals``."""
    batch = BatchWrite(transport)
    for write, original in zip(writes, originals, strict=True):
        batch.add(table, write, original, key_names, where)
    batch.commit()


def _write_identity(
    table: str, write: dict[str, Any], key_names: tuple[str, ...]
) -> str:
    body = write.get("PutRequest", {}).get("Item") or write["DeleteRequest"]["Key"]
    return _compact_json([table, *(body.get(name) for name in key_names)])


class BatchWrite:
    """Writes to any tables, sent by :meth:`commit` 25 per BatchWriteItem (across
    tables, in the order added), unprocessed ones retried with backoff within a budget
    of ``BATCH_ATTEMPTS`` requests per chunk (the transport's retries counted in).

    Two writes to one key raise ``ValueError`` when the second is added (DynamoDB
    refuses them in one batch). Every write not known to be done raises
    :class:`BatchIncompleteError` with its original (those of later chunks too), the
    error as its cause: what is still unprocessed when a chunk's budget is spent, or
    everything pending when an error that is not retried or a failed connection ends
    a call after some writes were done. Such an error before anything was written
    propagates unchanged.
    """

    __slots__ = ("_entries", "_index", "_key_names", "_transport")

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._entries: list[tuple[str, dict[str, Any], object]] = []
        self._index: dict[str, int] = {}
        self._key_names: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def add(
        self,
        table: str,
        write: dict[str, Any],
        original: object,
        key_names: tuple[str, ...],
        where: str,
    ) -> None:
        """Add one ``PutRequest``/``DeleteRequest`` entry for ``table``; ``original``
        is what :class:`BatchIncompleteError` reports if it is not known to be done."""
        identity = _write_identity(table, write, key_names)
        position = len(self._entries)
        if identity in self._index:
            raise ValueError(
                f"{where}: two writes to one key in one batch (positions "
                f"{self._index[identity]} and {position})"
            )
        self._index[identity] = position
        self._key_names[table] = key_names
        self._entries.append((table, write, original))

    def commit(self) -> None:
        """Send every write added (nothing when there are none)."""
        entries = self._entries

        def request_of(pending: list[Any]) -> dict[str, Any]:
            items: dict[str, list[dict[str, Any]]] = {}
            for table, write in pending:
                items.setdefault(table, []).append(write)
            return {"RequestItems": items}

        def left_of(response: dict[str, Any]) -> list[Any]:
            unprocessed: dict[str, list[Any]] = response.get("UnprocessedItems", {})
            return [(table, w) for table, left in unprocessed.items() for w in left]

        progressed = False
        for start in range(0, len(entries), BATCH_WRITE_LIMIT):
            chunk = [
                (table, write)
                for table, write, _ in entries[start : start + BATCH_WRITE_LIMIT]
            ]
            pending, error, progressed = _send_chunk(
                self._transport,
                "BatchWriteItem",
                chunk,
                request_of,
                left_of,
                _ignore,
                progressed,
            )
            if pending:
                leftovers = [
                    entries[
                        self._index[
                            _write_identity(table, write, self._key_names[table])
                        ]
                    ][2]
                    for table, write in pending
                ]
                leftovers += [
                    original for _, _, original in entries[start + BATCH_WRITE_LIMIT :]
                ]
                tables = ", ".join(sorted({table for table, _ in pending}))
                raise BatchIncompleteError(
                    f"{len(leftovers)} write(s) to {tables} not known to be done"
                    + (f" ({type(error).__name__})" if error is not None else ""),
                    unprocessed=leftovers,
                ) from error


def _ignore(response: dict[str, Any]) -> None:
    pass
