"""Queries and scans (SPEC §4): ``Page``, ``Query`` (page, cursors, all, first, count,
parallel), ``CollectionQuery`` and the decoders that dispatch a collection's items."""

from __future__ import annotations

import dataclasses
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
    Generic,
    TypeAlias,
    TypeVar,
)

from .cursors import decode_cursor, encode_cursor
from .errors import DecodeError, _item_key
from .scalars import _type_name

if TYPE_CHECKING:
    from .transport import Transport


__all__ = [
    "CollectionQuery",
    "KeyRange",
    "Page",
    "Query",
    "key_dispatch",
    "type_dispatch",
]


_ItemT = TypeVar("_ItemT")

#: Request members ``Query`` sets itself, per request, on a copy of the request.
_QUERY_OWN_MEMBERS: Final = (
    "ExclusiveStartKey",
    "Limit",
    "Segment",
    "Select",
    "TotalSegments",
)
_MAX_REQUEST_LIMIT: Final = 1_000_000  # above what one 1 MB response can evaluate
_MAX_SEGMENTS: Final = 1_000_000  # DynamoDB's TotalSegments limit
_PARALLEL_WORKERS: Final = 8  # default max_workers of Query.parallel
_name_placeholders: Final = re.compile(r"#[A-Za-z0-9_]+").findall

# kinds of the messages parallel-scan workers send to the consumer
_PAGE: Final = 0
_DONE: Final = 1
_FAILED: Final = 2


def _int_arg(value: object, where: str, low: int, high: int | None) -> int:
    """``value`` if it is an int (not bool) from ``low`` to ``high``; else TypeError or
    ValueError naming ``where``."""
    if type(value) is not int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{where} must be an int, not {_type_name(value)}")
        value = int(value)
    if value < low or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"from {low} to {high:,}"
        raise ValueError(f"{where} must be {bounds}, got {value}")
    return value


def _count_request(request: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``request`` for ``Select=COUNT``: no projection, and no name
    placeholder that only the projection used (DynamoDB refuses unused ones)."""
    result = dict(request)
    result["Select"] = "COUNT"
    result.pop("AttributesToGet", None)
    if result.pop("ProjectionExpression", None) is None:
        return result
    names = result.get("ExpressionAttributeNames")
    if names:
        used: set[str] = set()
        for member in ("KeyConditionExpression", "FilterExpression"):
            expression = result.get(member)
            if expression:
                used.update(_name_placeholders(expression))
        kept = {p: name for p, name in names.items() if p in used}
        if kept:
            result["ExpressionAttributeNames"] = kept
        else:
            del result["ExpressionAttributeNames"]
    return result


@dataclasses.dataclass(frozen=True, slots=True)
class Page(Generic[_ItemT]):
    """One page of a query's results.

    ``items`` come in the query's order; ``cursor`` resumes right after the last of them
    and is None exactly when DynamoDB reported no more items (no ``LastEvaluatedKey``),
    so a non-None cursor may lead to an empty page.
    """

    items: list[_ItemT]
    cursor: str | None


_EMPTY_KEYS: Final = ({"S": ""}, {"B": ""})


class KeyRange:
    """A generated query's KeyConditionExpression as the pieces dynagen built it from, so
    that a query can settle key values DynamoDB would refuse without reading the text:
    ``partition`` is the partition key's condition alone (``"#n0 = :__k0"``) and
    ``partition_value`` its value placeholder; ``sort`` is the sort key's name
    placeholder (None for a partition-only query), ``op`` its operator (``=``, ``<``,
    ``<=``, ``>``, ``>=``, ``BETWEEN`` or ``begins_with``) and ``bounds`` the value
    placeholders of its one or two bounds."""

    __slots__ = ("bounds", "op", "partition", "partition_value", "sort")

    def __init__(
        self,
        partition: str,
        partition_value: str,
        sort: str | None = None,
        op: str | None = None,
        bounds: tuple[str, ...] = (),
    ) -> None:
        self.partition = partition
        self.partition_value = partition_value
        self.sort = sort
        self.op = op
        self.bounds = bounds

    def __repr__(self) -> str:
        return (
            f"KeyRange({self.partition!r}, {self.partition_value!r}, {self.sort!r}, "
            f"{self.op!r}, {self.bounds!r})"
        )


def _settle_key_range(
    request: dict[str, Any], key_range: KeyRange
) -> tuple[dict[str, Any], bool]:
    """A generated query's request with its sort-key condition settled for values
    DynamoDB would refuse, and whether any item can match.

    DynamoDB refuses an empty string in a key condition and a BETWEEN whose low bound is
    above its high one. Both mean something plain: a ``begins_with`` "" or ``>``/``>=``
    "" bound holds for every key (the condition is dropped); an empty partition key,
    ``=``/``<``/``<=`` "" and reversed BETWEEN bounds hold for none (nothing is sent).
    """
    values = request.get("ExpressionAttributeValues") or {}
    if values.get(key_range.partition_value) in _EMPTY_KEYS:
        return request, False  # no item has an empty partition key
    op, sort_name = key_range.op, key_range.sort
    if op is None or sort_name is None or not key_range.bounds:
        return request, True
    low = values[key_range.bounds[0]]
    if op == "BETWEEN" and len(key_range.bounds) == 2:
        high = values[key_range.bounds[1]]
        if "S" in low and "S" in high:
            return request, low["S"] <= high["S"]
        if "N" in low and "N" in high:
            return request, Decimal(low["N"]) <= Decimal(high["N"])
        return request, True
    if low not in _EMPTY_KEYS:
        return request, True
    if op in ("<", "<=", "="):
        return request, False
    settled = dict(request)
    settled["KeyConditionExpression"] = key_range.partition
    settled["ExpressionAttributeValues"] = {
        k: v for k, v in values.items() if k != key_range.bounds[0]
    }
    rest = " ".join(
        str(request.get(k, "")) for k in ("FilterExpression", "ProjectionExpression")
    )
    if sort_name not in _name_placeholders(rest):
        names = dict(request.get("ExpressionAttributeNames") or {})
        names.pop(sort_name, None)
        settled["ExpressionAttributeNames"] = names
    return settled, True


class _NoMatch:
    """Stands in for the transport of a query no item can match: sends nothing."""

    __slots__ = ()

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        return {"Items": [], "Count": 0, "ScannedCount": 0}


_NO_MATCH: Final = _NoMatch()


class Query(Generic[_ItemT]):
    """A prepared Query or Scan over one entity; iterating sends requests lazily.

    ``request`` is the complete wire request (``TableName``, ``IndexName``,
    ``KeyConditionExpression``, ``FilterExpression``, ``ProjectionExpression``,
    ``ExpressionAttributeNames``/``Values``, ``ScanIndexForward``, ``ConsistentRead`` as
    applicable) without ``Limit``, ``ExclusiveStartKey``, ``Select``, ``Segment`` and
    ``TotalSegments``: each method sets those on its own copy and never changes the dict
    given here.  ``decode`` turns one wire-form item into a result; it runs in the
    thread that consumes the results (for ``parallel`` too), so a ``DecodeError`` is
    raised where that item would have been returned.  ``query_id``
    (``"Order.for_customer"``) and ``params_digest`` (``digest_params`` of the call's
    arguments) bind cursors to this query and these arguments; ``cursor_secret`` signs
    them (see ``encode_cursor``).  ``key_range`` (a Query's, as dynagen built its key
    condition) lets it settle key values DynamoDB would refuse: a query no item can
    match sends nothing, and an empty lower bound that holds for every key is dropped.

    Building a Query sends nothing.  It holds no state between calls, so it can be
    reused and shared by threads.
    """

    __slots__ = (
        "_decode",
        "_operation",
        "_params_digest",
        "_query_id",
        "_request",
        "_secret",
        "_transport",
    )

    def __init__(
        self,
        transport: Transport,
        operation: str,
        request: dict[str, Any],
        decode: Callable[[dict[str, Any]], _ItemT],
        *,
        query_id: str,
        params_digest: str,
        cursor_secret: bytes | None,
        key_range: KeyRange | None = None,
    ) -> None:
        if operation not in ("Query", "Scan"):
            raise ValueError(
                f"{query_id}: operation must be 'Query' or 'Scan', not {operation!r}"
            )
        for member in _QUERY_OWN_MEMBERS:
            if member in request:
                raise ValueError(
                    f"{query_id}: the request must not set {member} "
                    "(Query sets it per request)"
                )
        self._transport: Transport | _NoMatch = transport
        self._operation = operation
        self._request = dict(request)
        if key_range is not None:
            self._request, matches = _settle_key_range(self._request, key_range)
            if not matches:
                self._transport = _NO_MATCH
        self._decode = decode
        self._query_id = query_id
        self._params_digest = params_digest
        self._secret = cursor_secret

    def __repr__(self) -> str:
        return f"<Query {self._query_id!r}: {self._operation}>"

    def page(self, limit: int, cursor: str | None = None) -> Page[_ItemT]:
        """Up to ``limit`` matches after ``cursor`` (None: from the start), in order.

        Reads until it has ``limit`` items after the filter or DynamoDB reports no more.
        Each request's ``Limit`` is the number of items still wanted: DynamoDB counts
        the items it evaluates *before* the filter, so no response holds more matches
        than needed and the last response's ``LastEvaluatedKey`` is exactly where the
        page ends.  Responses with fewer items and a ``LastEvaluatedKey`` (a filter
        discarded some, or DynamoDB's 1 MB cap cut the response) are followed.  The
        cost: with a selective filter, a page takes several requests.

        ``limit`` must be an int >= 1 (``TypeError``/``ValueError``) and ``cursor`` a
        cursor this query returned for the same arguments (``InvalidCursorError``);
        both are checked before any request is sent.
        """
        wanted = _int_arg(limit, f"{self._query_id}: limit", 1, None)
        start: dict[str, Any] | None = None
        if cursor is not None:
            start = decode_cursor(
                cursor, self._query_id, self._params_digest, self._secret
            )
        call, operation, decode = self._transport.call, self._operation, self._decode
        items: list[_ItemT] = []
        while True:
            request = dict(self._request)
            request["Limit"] = min(wanted - len(items), _MAX_REQUEST_LIMIT)
            if start is not None:
                request["ExclusiveStartKey"] = start
            response = call(operation, request)
            for item in response.get("Items", ()):
                items.append(decode(item))
            start = response.get("LastEvaluatedKey")
            if not start:
                return Page(items, None)
            # (a server returning more than Limit would make a page longer than
            # ``limit``: every item is kept, so the cursor still skips none)
            if len(items) >= wanted:
                return Page(
                    items,
                    encode_cursor(
                        self._query_id, self._params_digest, start, self._secret
                    ),
                )

    def all(self) -> Iterator[_ItemT]:
        """Every match, in order, read lazily: a request is sent when the iterator
        needs the next page (none before the first ``next``).

        Requests carry no ``Limit``: DynamoDB fills each response up to its 1 MB cap, so
        reading everything takes the fewest requests; a consumer that stops early has
        read at most the rest of one such response in vain (``page`` and ``first`` read
        only what they need).
        """
        call, operation, decode = self._transport.call, self._operation, self._decode
        request = dict(self._request)
        while True:
            response = call(operation, request)
            for item in response.get("Items", ()):
                yield decode(item)
            start = response.get("LastEvaluatedKey")
            if not start:
                return
            request = dict(self._request)
            request["ExclusiveStartKey"] = start

    def first(self) -> _ItemT | None:
        """The first match, or None when there is none.

        The first request has ``Limit`` 1 (enough without a filter); each response
        that brings no match (the filter discarded what it evaluated) doubles the next
        ``Limit``, so the items read are at most about twice those before the first
        match, in a number of requests logarithmic in their count.
        """
        call, operation = self._transport.call, self._operation
        limit = 1
        start: dict[str, Any] | None = None
        while True:
            request = dict(self._request)
            request["Limit"] = limit
            if start is not None:
                request["ExclusiveStartKey"] = start
            response = call(operation, request)
            items = response.get("Items")
            if items:
                return self._decode(items[0])
            start = response.get("LastEvaluatedKey")
            if not start:
                return None
            limit = min(limit * 2, _MAX_REQUEST_LIMIT)

    def count(self) -> int:
        """The number of matches: the sum of DynamoDB's ``Count`` (after the filter)
        over every page of ``Select=COUNT`` requests (sent without the projection)."""
        call, operation = self._transport.call, self._operation
        base = _count_request(self._request)
        request = base
        total = 0
        while True:
            response = call(operation, request)
            total += int(response.get("Count", 0))
            start = response.get("LastEvaluatedKey")
            if not start:
                return total
            request = dict(base)
            request["ExclusiveStartKey"] = start

    def parallel(
        self, segments: int, *, max_workers: int | None = None
    ) -> Iterator[_ItemT]:
        """Every match of a scan, read as ``segments`` segments (``Segment``,
        ``TotalSegments``) by up to ``max_workers`` threads (default
        ``min(segments, 8)``), each following its segments' ``LastEvaluatedKey``.

        Yields every item exactly once, in no particular order; items are decoded in
        the consuming thread.  Arguments are checked at once (``TypeError`` on a
        Query, or for a non-int; ``ValueError`` for ``segments`` outside 1 to
        1,000,000 or ``max_workers`` below 1); threads start at the first ``next``.  A
        worker's exception is raised to the consumer, after the items read before it.
        When the consumer stops (the iterator is closed or garbage-collected, or an
        error is raised) the workers stop after their current request and are joined
        before ``close`` returns.  Each worker holds at most one read page waiting for
        the consumer.
        """
        if self._operation != "Scan":
            raise TypeError(
                f"{self._query_id}: parallel() is for scans, not for a Query"
            )
        total = _int_arg(segments, f"{self._query_id}: segments", 1, _MAX_SEGMENTS)
        if max_workers is None:
            workers = min(total, _PARALLEL_WORKERS)
        else:
            workers = min(
                total,
                _int_arg(max_workers, f"{self._query_id}: max_workers", 1, None),
            )
        return self._parallel(total, workers)

    def _parallel(self, total: int, workers: int) -> Iterator[_ItemT]:
        call, base = self._transport.call, self._request
        messages: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        free_slots = threading.Semaphore(workers)  # pages read, not yet consumed
        stop = threading.Event()
        lock = threading.Lock()
        segment_counter = [0]

        def next_segment() -> int:
            with lock:
                segment = segment_counter[0]
                segment_counter[0] = segment + 1
            return segment

        def work() -> None:
            try:
                segment = next_segment()
                while segment < total and not stop.is_set():
                    request = dict(base)
                    request["Segment"] = segment
                    request["TotalSegments"] = total
                    while True:
                        response = call("Scan", request)
                        items = response.get("Items")
                        if items:
                            free_slots.acquire()
                            if stop.is_set():
                                return
                            messages.put((_PAGE, items))
                        start = response.get("LastEvaluatedKey")
                        if not start or stop.is_set():
                            break
                        request = dict(request)
                        request["ExclusiveStartKey"] = start
                    segment = next_segment()
            except BaseException as error:  # noqa: BLE001 (re-raised by the consumer)
                stop.set()
                messages.put((_FAILED, error))
            finally:
                messages.put((_DONE, None))

        decode = self._decode
        executor = ThreadPoolExecutor(workers, thread_name_prefix="dynagen-scan")
        try:
            for _ in range(workers):
                executor.submit(work)
            running = workers
            while running:
                kind, payload = messages.get()
                if kind == _PAGE:
                    free_slots.release()
                    for item in payload:
                        yield decode(item)
                elif kind == _DONE:
                    running -= 1
                else:
                    raise payload
        finally:
            stop.set()
            for _ in range(workers):
                free_slots.release()  # wakes workers waiting for the consumer
            executor.shutdown(wait=True, cancel_futures=True)


_GroupT = TypeVar("_GroupT")
_Decoder: TypeAlias = Callable[[Mapping[str, Any]], _ItemT]


class CollectionQuery(Query[_ItemT], Generic[_ItemT, _GroupT]):
    """The Query of a collection: the items of several entities that share a partition,
    each decoded by its own entity's decoder (``decode`` dispatches, see
    ``type_dispatch`` and ``key_dispatch``), in sort-key order, with the whole ``Query``
    interface (exact pages after the filter, cursors bound to the collection and its
    arguments, ``count``, ``first``, ``all``), plus ``grouped``.

    ``group`` turns every item, in order, into the collection's grouped dataclass.
    """

    __slots__ = ("_group",)

    def __init__(
        self,
        transport: Transport,
        request: dict[str, Any],
        decode: Callable[[dict[str, Any]], _ItemT],
        group: Callable[[Iterable[_ItemT]], _GroupT],
        *,
        query_id: str,
        params_digest: str,
        cursor_secret: bytes | None,
        key_range: KeyRange | None = None,
    ) -> None:
        super().__init__(
            transport,
            "Query",
            request,
            decode,
            query_id=query_id,
            params_digest=params_digest,
            cursor_secret=cursor_secret,
            key_range=key_range,
        )
        self._group = group

    def __repr__(self) -> str:
        return f"<CollectionQuery {self._query_id!r}>"

    def grouped(self) -> _GroupT:
        """Every page read (as ``all``), each member's items in one tuple, in sort-key
        order."""
        return self._group(self.all())


def _no_member(
    collection: str,
    attribute: str,
    item: Mapping[str, Any],
    key_names: tuple[str, ...],
    message: str,
) -> DecodeError:
    key = _item_key(item, key_names)
    return DecodeError(message, entity=collection, attribute=attribute, key=key)


def type_dispatch(
    collection: str,
    type_attribute: str,
    decoders: Mapping[str, _Decoder[_ItemT]],
    key_names: tuple[str, ...],
) -> Callable[[dict[str, Any]], _ItemT]:
    """The decoder of a collection whose index projects the type attribute: each item
    goes to the decoder of the entity its type attribute names. An item naming no
    member (or without the attribute) raises ``DecodeError`` with the collection's name
    as ``entity``."""
    get = decoders.get
    members = ", ".join(decoders)

    def decode(item: dict[str, Any]) -> _ItemT:
        kind = item.get(type_attribute)
        decoder = get(kind.get("S", "")) if type(kind) is dict else None
        if decoder is None:
            raise _no_member(
                collection,
                type_attribute,
                item,
                key_names,
                f"the item's type {kind!r} is none of the members ({members})",
            )
        return decoder(item)

    return decode


def key_dispatch(
    collection: str,
    sort_key: str,
    shapes: Iterable[tuple[tuple[tuple[str, bool], ...], _Decoder[_ItemT]]],
    key_names: tuple[str, ...],
) -> Callable[[dict[str, Any]], _ItemT]:
    """The decoder of a collection whose index does not project the type attribute:
    each item goes to the decoder of the member whose sort-key shape its sort key has.

    A shape is the ``#``-separated segments of a member's sort-key template, each
    (literal text, open): a closed segment is exactly its literal, an open one starts
    with it and goes on with a field's (escaped, so ``#``-free) value. The generator
    checked that no text has two members' shapes. An item with no member's shape
    raises ``DecodeError`` with the collection's name as ``entity``.
    """
    by_length: dict[int, list[tuple[tuple[tuple[int, str, bool], ...], Any]]] = {}
    for segments, decoder in shapes:
        checks = tuple(
            (i, literal, is_open)
            for i, (literal, is_open) in enumerate(segments)
            if literal or not is_open
        )
        by_length.setdefault(len(segments), []).append((checks, decoder))

    def decode(item: dict[str, Any]) -> _ItemT:
        value = item.get(sort_key)
        text = value.get("S") if type(value) is dict else None
        if type(text) is str:
            parts = text.split("#")
            for checks, decoder in by_length.get(len(parts), ()):
                for i, literal, is_open in checks:
                    part = parts[i]
                    if not (part.startswith(literal) if is_open else part == literal):
                        break
                else:
                    result: _ItemT = decoder(item)
                    return result
        raise _no_member(
            collection,
            sort_key,
            item,
            key_names,
            f"the item's sort key {value!r} has no member's shape",
        )

    return decode
