"""``Query`` over more than DynamoDB's 1 MB response cap, and ``Query.parallel``.

Runs against every backend. Two tables (key pk/sk, GSI ``gsi1``), each seeded once per
module and backend:

* ``wide``: partition ``P#big`` of 1,100 items ``B#0000``..``B#1099`` of about 1 KB each
  (``pad``), so one response cannot hold it (both servers cut responses at 1 MB, as
  DynamoDB does), with ``n = i`` and ``f = i % 20``;
* ``many``: 2,000 small items, 100 in each of ``P#s00``..``P#s19``, two in three of them
  also in the (sparse) index ``gsi1``; for scans and ``parallel``.

moto spends about a second per MB it returns, so only the tests that need responses
cut at 1 MB read ``wide``.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Generator, Iterator
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from tests.backends import Backend
from tests.query_paging._support import (
    RecordingTransport,
    Seeded,
    make_query,
    scan_threads,
    seed,
)

PAD = "x" * 1000
BIG: list[dict[str, Any]] = [
    {"pk": "P#big", "sk": f"B#{i:04d}", "n": i, "f": i % 20, "pad": PAD}
    for i in range(1100)
]
ROWS: list[dict[str, Any]] = [
    {
        "pk": f"P#s{j:02d}",
        "sk": f"S#{i:04d}",
        "n": i,
        "f": i % 20,
        **({"gsi1pk": f"G#{i % 3}", "gsi1sk": f"{j:02d}{i:04d}"} if i % 3 else {}),
    }
    for j in range(20)
    for i in range(100)
]
ALL_KEYS = {f"{r['pk']}/{r['sk']}" for r in ROWS}


@pytest.fixture(scope="module")
def wide(backend: Backend, transport_kind: str) -> Iterator[Seeded]:
    yield from seed(backend, "query-wide", BIG, transport_kind)


@pytest.fixture(scope="module")
def many(backend: Backend, transport_kind: str) -> Iterator[Seeded]:
    yield from seed(backend, "query-many", ROWS, transport_kind)


def key_of(item: dict[str, Any]) -> str:
    return f"{item['pk']['S']}/{item['sk']['S']}"


def partition(table: str, **extra: Any) -> dict[str, Any]:
    """Query of the whole ``P#big`` partition (about 1.2 MB)."""
    return {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": {"S": "P#big"}},
        **extra,
    }


def with_filter(request: dict[str, Any], expression: str, **values: Any) -> None:
    """Add ``FilterExpression`` ``expression`` over ``#f``/``#n`` and its values."""
    request["FilterExpression"] = expression
    request["ExpressionAttributeNames"] = {
        **request.get("ExpressionAttributeNames", {}),
        **{f"#{name}": name for name in values},
    }
    request["ExpressionAttributeValues"] = {
        **request.get("ExpressionAttributeValues", {}),
        **{f":{name}": value for name, value in values.items()},
    }


def scan(table: str) -> dict[str, Any]:
    return {"TableName": table}


# --------------------------------------------------------------------------------------
# the 1 MB cap: responses with fewer items than Limit and a LastEvaluatedKey
# --------------------------------------------------------------------------------------


def test_page_keeps_reading_past_the_1_mb_cap(wide: Seeded) -> None:
    transport = wide.transport()
    query = make_query(transport, partition(wide.table))
    page = query.page(1050)
    assert page.items == [r["sk"] for r in BIG[:1050]]
    assert page.cursor is not None
    assert len(transport.requests) == 2  # the first response was cut at 1 MB
    first, second = (request for _, request in transport.requests)
    assert first["Limit"] == 1050
    assert 0 < second["Limit"] < 1050  # only what was still wanted
    rest = query.page(1050, page.cursor)
    assert rest.items == [r["sk"] for r in BIG[1050:]]
    assert rest.cursor is None


def test_all_and_count_follow_1_mb_pages(wide: Seeded) -> None:
    transport = wide.transport()
    request = partition(wide.table, ProjectionExpression="#sk, #pad")
    request["ExpressionAttributeNames"].update({"#sk": "sk", "#pad": "pad"})
    with_filter(request, "#f = :f", f={"N": "7"})
    query = make_query(transport, request)
    items = query.all()
    assert transport.calls == 0  # lazy
    assert list(items) == [r["sk"] for r in BIG if r["f"] == 7]
    assert len(transport.requests) == 2
    assert all("Limit" not in r for _, r in transport.requests)
    transport.requests.clear()
    assert query.count() == len(BIG) // 20
    assert len(transport.requests) == 2
    assert "ProjectionExpression" not in transport.requests[0][1]


def test_first_match_beyond_the_first_1_mb_page(wide: Seeded) -> None:
    transport = wide.transport()
    request = partition(wide.table)
    with_filter(request, "#n >= :n", n={"N": "1090"})  # a full response ends sooner
    assert make_query(transport, request).first() == "B#1090"
    # Limit 1, 2, 4, ... 1024: the last one reaches past the match
    assert [r["Limit"] for _, r in transport.requests][:11] == [2**k for k in range(11)]
    desc = partition(wide.table, ScanIndexForward=False)
    with_filter(desc, "#n < :n", n={"N": "5"})
    assert make_query(wide.transport(), desc).first() == "B#0004"


def test_parallel_follows_each_segments_last_evaluated_key(wide: Seeded) -> None:
    transport = wide.transport()
    request = {"TableName": wide.table, "ProjectionExpression": "sk"}
    query = make_query(transport, request, operation="Scan")
    found = list(query.parallel(2))
    assert sorted(found) == [r["sk"] for r in BIG]
    # one partition key: every item is in one segment, which takes two responses
    followed = [r for _, r in transport.requests if "ExclusiveStartKey" in r]
    assert len(followed) == 1
    assert followed[0]["Segment"] in (0, 1)
    assert followed[0]["TotalSegments"] == 2


def test_scan_count(many: Seeded) -> None:
    whole = make_query(many.transport(), scan(many.table), operation="Scan")
    assert whole.count() == len(ROWS)
    request = scan(many.table)
    with_filter(request, "#n < :n", n={"N": "10"})
    query = make_query(many.transport(), request, operation="Scan")
    assert query.count() == len([r for r in ROWS if r["n"] < 10])
    index = make_query(
        many.transport(),
        {"TableName": many.table, "IndexName": "gsi1"},
        operation="Scan",
    )
    assert index.count() == len([r for r in ROWS if "gsi1pk" in r])


# --------------------------------------------------------------------------------------
# parallel
# --------------------------------------------------------------------------------------


def test_parallel_yields_every_item_once(many: Seeded) -> None:
    transport = many.transport()
    query = make_query(transport, scan(many.table), operation="Scan", decode=key_of)
    found = list(query.parallel(4))
    assert len(found) == len(ROWS)
    assert set(found) == ALL_KEYS
    assert set(query.all()) == ALL_KEYS  # a plain scan agrees
    segments = [r["Segment"] for _, r in transport.requests if "Segment" in r]
    assert sorted(set(segments)) == [0, 1, 2, 3]
    assert {r["TotalSegments"] for _, r in transport.requests if "Segment" in r} == {4}
    assert scan_threads() == []


@pytest.mark.parametrize(("segments", "workers"), [(1, None), (7, 3), (16, None)])
def test_parallel_with_a_filter(
    many: Seeded, segments: int, workers: int | None
) -> None:
    request = scan(many.table)
    with_filter(request, "#f = :f", f={"N": "3"})
    query = make_query(many.transport(), request, operation="Scan", decode=key_of)
    found = list(query.parallel(segments, max_workers=workers))
    expected = {f"{r['pk']}/{r['sk']}" for r in ROWS if r["f"] == 3}
    assert len(found) == len(expected)
    assert set(found) == expected


def test_parallel_scan_of_an_index(many: Seeded) -> None:
    query = make_query(
        many.transport(),
        {"TableName": many.table, "IndexName": "gsi1"},
        operation="Scan",
        decode=key_of,
    )
    found = list(query.parallel(3))
    in_index = [f"{r['pk']}/{r['sk']}" for r in ROWS if "gsi1pk" in r]
    assert len(in_index) == 20 * 66  # i % 3 != 0 for 66 of each 100
    assert sorted(found) == sorted(in_index)


def test_parallel_worker_error_propagates(many: Seeded) -> None:
    def fail(operation: str, request: dict[str, Any]) -> None:
        if request.get("Segment") == 2:
            time.sleep(0.05)  # let other segments deliver pages first
            raise RuntimeError("segment 2 failed")

    query = make_query(
        RecordingTransport(many.client, fail), scan(many.table), operation="Scan"
    )
    with pytest.raises(RuntimeError, match="segment 2 failed"):
        list(query.parallel(4))
    assert scan_threads() == []


def test_parallel_server_error_propagates(many: Seeded) -> None:
    query = make_query(
        many.transport(), {"TableName": f"{many.prefix}missing"}, operation="Scan"
    )
    with pytest.raises(ClientError) as caught:
        list(query.parallel(4))
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert scan_threads() == []


def test_parallel_decode_error_stops_the_workers(many: Seeded) -> None:
    def decode(item: dict[str, Any]) -> str:
        raise ValueError("cannot decode")

    transport = many.transport()
    query = make_query(transport, scan(many.table), operation="Scan", decode=decode)
    with pytest.raises(ValueError, match="cannot decode"):
        list(query.parallel(50, max_workers=2))
    assert scan_threads() == []
    assert transport.calls < 50


def test_parallel_stops_when_the_consumer_stops(many: Seeded) -> None:
    transport = many.transport()
    query = make_query(transport, scan(many.table), operation="Scan", decode=key_of)
    # (a generator: closing it is how a consumer says it stopped)
    iterator = cast(Generator[str, None, None], query.parallel(60, max_workers=3))
    assert transport.calls == 0  # nothing runs before the first next()
    assert scan_threads() == []
    assert next(iterator) in ALL_KEYS
    assert len(scan_threads()) >= 1
    iterator.close()
    assert scan_threads() == []  # joined by close()
    calls = transport.calls
    assert calls < 60
    time.sleep(0.1)
    assert transport.calls == calls  # nothing is sent any more

    # an iterator dropped without close() is finalized the same way
    transport = many.transport()
    query = make_query(transport, scan(many.table), operation="Scan", decode=key_of)
    dropped = query.parallel(60, max_workers=3)
    next(dropped)
    del dropped
    gc.collect()
    assert scan_threads() == []
    assert transport.calls < 60


def test_parallel_argument_checks(many: Seeded) -> None:
    transport = many.transport()
    on_query = make_query(transport, partition(many.table))
    with pytest.raises(TypeError, match="scan"):
        on_query.parallel(4)
    scan_query = make_query(transport, scan(many.table), operation="Scan")
    for segments in (0, -1, 1_000_001):
        with pytest.raises(ValueError, match="segments"):
            scan_query.parallel(segments)
    for segments_value in (True, 2.0, "4", None):
        with pytest.raises(TypeError, match="segments"):
            scan_query.parallel(cast(Any, segments_value))
    with pytest.raises(ValueError, match="max_workers"):
        scan_query.parallel(4, max_workers=0)
    with pytest.raises(TypeError, match="max_workers"):
        scan_query.parallel(4, max_workers=cast(Any, 1.5))
    assert transport.calls == 0
    assert threading.active_count() >= 1
    assert scan_threads() == []


def test_page_and_cursor_on_a_scan(many: Seeded) -> None:
    request = scan(many.table)
    with_filter(request, "#n < :n", n={"N": "50"})
    query = make_query(many.transport(), request, operation="Scan", decode=key_of)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = query.page(200, cursor)
        seen.extend(page.items)
        if page.cursor is None:
            break
        assert len(page.items) == 200
        cursor = page.cursor
    expected = {f"{r['pk']}/{r['sk']}" for r in ROWS if r["n"] < 50}
    assert len(seen) == len(expected)
    assert set(seen) == expected
