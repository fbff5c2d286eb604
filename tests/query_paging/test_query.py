"""``Query.page``/``all``/``first``/``count`` and cursors, on a small seeded table.

Runs against every backend (``backend`` fixture). The table (key pk/sk, GSI ``gsi1`` on
gsi1pk/gsi1sk) is created and seeded once per module and backend:

* ``P#filt``: 120 items ``S#0000``..``S#0119`` with ``n = i``, ``f = i % 20`` and a
  permuted ``gsi1sk``; the filter ``f = 7`` keeps 1 item in 20 (6 items, the last of
  them 12 items before the end of the partition).

Sizes are kept small on purpose: with a selective filter a page costs many requests
(each asks only for the items still wanted), and moto answers ~50-100 a second.
* ``P#hyp``: 30 items with a pseudo-random ``m`` in 0..100, for the property test.
* ``P#other``: 60 items that also match ``f = 7`` and must never leak into a query of
  another partition.

Every ``Query`` is built by hand from a hand-written wire request, with
``decode`` returning the item's ``sk``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, cast

import pytest
from dynagen import _runtime as rt
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.backends import Backend
from tests.query_paging._support import (
    RecordingTransport,
    Seeded,
    flatten,
    make_query,
    read_pages,
    seed,
    sk_of,
)

FILT: list[dict[str, Any]] = [
    {
        "pk": "P#filt",
        "sk": f"S#{i:04d}",
        "n": i,
        "f": i % 20,
        "gsi1pk": "G#filt",
        "gsi1sk": f"{(i * 7) % 120:04d}",
    }
    for i in range(120)
]
HYP: list[dict[str, Any]] = [
    {
        "pk": "P#hyp",
        "sk": f"H#{i:04d}",
        "m": (i * 37 + 11) % 101,
        "gsi1pk": "G#hyp",
        "gsi1sk": f"{(i * 11) % 30:04d}",
    }
    for i in range(30)
]
OTHER: list[dict[str, Any]] = [
    {
        "pk": "P#other",
        "sk": f"S#{i:04d}",
        "n": i,
        "f": 7,
        "gsi1pk": "G#other",
        "gsi1sk": f"{i:04d}",
    }
    for i in range(60)
]

MATCHES = [row["sk"] for row in FILT if row["f"] == 7]
"""The sort keys ``f = 7`` selects in ``P#filt``, ascending."""
ALL_FILT = [row["sk"] for row in FILT]
"""Every sort key of ``P#filt``, ascending."""
SCAN_MATCHES = {f"{r['pk']}/{r['sk']}" for r in FILT + OTHER if r["f"] == 7}
"""What a scan with ``f = 7`` finds (``pk/sk``)."""
MATCHES_BY_INDEX_DESC = [
    row["sk"]
    for row in sorted(FILT, key=lambda r: str(r["gsi1sk"]), reverse=True)
    if row["f"] == 7
]


@pytest.fixture(scope="module")
def small(backend: Backend, transport_kind: str) -> Iterator[Seeded]:
    yield from seed(backend, "query-small", FILT + HYP + OTHER, transport_kind)


def filtered(table: str, **extra: Any) -> dict[str, Any]:
    """Query of ``P#filt`` with the 1-in-20 filter ``f = 7``."""
    return {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk",
        "FilterExpression": "#f = :f",
        "ExpressionAttributeNames": {"#pk": "pk", "#f": "f"},
        "ExpressionAttributeValues": {":pk": {"S": "P#filt"}, ":f": {"N": "7"}},
        **extra,
    }


def unfiltered(table: str) -> dict[str, Any]:
    """Query of all of ``P#filt``: one request per page (for the cursor tests)."""
    return {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": {"S": "P#filt"}},
    }


def filtered_index_desc(table: str) -> dict[str, Any]:
    """The same selection through ``gsi1``, in descending ``gsi1sk`` order."""
    return {
        "TableName": table,
        "IndexName": "gsi1",
        "KeyConditionExpression": "#g = :g",
        "FilterExpression": "#f = :f",
        "ExpressionAttributeNames": {"#g": "gsi1pk", "#f": "f"},
        "ExpressionAttributeValues": {":g": {"S": "G#filt"}, ":f": {"N": "7"}},
        "ScanIndexForward": False,
    }


def check_pages(pages: list[rt.Page[str]], limit: int, expected: list[str]) -> None:
    """Pages are exactly ``limit`` long but the last, only the last has no cursor, and
    together they are ``expected`` (so nothing is skipped or repeated)."""
    assert flatten(pages) == expected
    assert [len(p.items) for p in pages[:-1]] == [limit] * (len(pages) - 1)
    assert len(pages[-1].items) <= limit
    assert all(p.cursor is not None for p in pages[:-1])
    assert pages[-1].cursor is None


# --------------------------------------------------------------------------------------
# page
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 4, 6])
def test_pages_are_exactly_limit_long_after_heavy_filtering(
    small: Seeded, limit: int
) -> None:
    transport = small.transport()
    query = make_query(transport, filtered(small.table))
    pages = read_pages(query, limit)
    check_pages(pages, limit, MATCHES)
    # The last match is followed by non-matching items, so the page holding it ends
    # with a LastEvaluatedKey: when it is full, one more (empty) page follows.
    assert len(pages) == len(MATCHES) // limit + 1
    # Each request asks for no more than the items still wanted.
    for _, request in transport.requests:
        assert 1 <= request["Limit"] <= limit


def test_request_limits_follow_the_items_still_wanted(small: Seeded) -> None:
    transport = small.transport()
    query = make_query(transport, filtered(small.table))
    page = query.page(3)
    assert page.items == MATCHES[:3]
    limits = [request["Limit"] for _, request in transport.requests]
    # S#0007 is found by the 3rd request of Limit 3 (items 6..8), S#0027 by a request
    # of Limit 2, S#0047 by one of Limit 1.
    assert limits[0] == 3
    assert limits == sorted(limits, reverse=True)
    assert limits[-1] == 1
    assert sum(limits) == 48  # items 0..47 evaluated, none beyond the last returned
    # the next page starts right after S#0047
    transport.requests.clear()
    assert page.cursor is not None
    assert query.page(3, page.cursor).items == MATCHES[3:6]
    first_request = transport.requests[0][1]
    assert first_request["ExclusiveStartKey"] == {
        "pk": {"S": "P#filt"},
        "sk": {"S": "S#0047"},
    }


def test_non_none_cursor_may_lead_to_an_empty_page(small: Seeded) -> None:
    query = make_query(small.transport(), filtered(small.table))
    full = query.page(len(MATCHES))
    assert full.items == MATCHES
    assert full.cursor is not None  # DynamoDB had not reached the end yet
    rest = query.page(len(MATCHES), full.cursor)
    assert rest == rt.Page([], None)


@pytest.mark.parametrize("limit", [4])
def test_descending_index_pages(small: Seeded, limit: int) -> None:
    query = make_query(small.transport(), filtered_index_desc(small.table))
    check_pages(read_pages(query, limit), limit, MATCHES_BY_INDEX_DESC)


def test_descending_table_pages(small: Seeded) -> None:
    request = {
        "TableName": small.table,
        "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
        "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
        "ExpressionAttributeValues": {
            ":pk": {"S": "P#filt"},
            ":lo": {"S": "S#0050"},
            ":hi": {"S": "S#0099"},
        },
        "ScanIndexForward": False,
    }
    query = make_query(small.transport(), request)
    expected = [f"S#{i:04d}" for i in range(99, 49, -1)]
    check_pages(read_pages(query, 7), 7, expected)


def test_cursor_works_on_another_query_object(small: Seeded) -> None:
    secret = b"k" * 32
    first = make_query(small.transport(), unfiltered(small.table), cursor_secret=secret)
    page = first.page(4)
    again = make_query(small.transport(), unfiltered(small.table), cursor_secret=secret)
    assert page.cursor is not None
    assert again.page(4, page.cursor).items == ALL_FILT[4:8]


def test_projection_and_scan_pages(small: Seeded) -> None:
    projected = filtered(small.table, ProjectionExpression="#sk, #f")
    projected["ExpressionAttributeNames"] = {
        **projected["ExpressionAttributeNames"],
        "#sk": "sk",
    }
    query: rt.Query[dict[str, Any]] = rt.Query(
        small.transport(),
        "Query",
        projected,
        lambda item: item,
        query_id="Item.projected",
        params_digest="d",
        cursor_secret=None,
    )
    items = flatten(read_pages(query, 6))
    assert [item["sk"]["S"] for item in items] == MATCHES
    assert all(set(item) == {"sk", "f"} for item in items)

    scan = make_query(
        small.transport(),
        {
            "TableName": small.table,
            "FilterExpression": "#f = :f",
            "ExpressionAttributeNames": {"#f": "f"},
            "ExpressionAttributeValues": {":f": {"N": "7"}},
        },
        operation="Scan",
        decode=lambda item: f"{item['pk']['S']}/{item['sk']['S']}",
    )
    pages = read_pages(scan, 25)
    found = flatten(pages)
    assert len(found) == len(SCAN_MATCHES)
    assert set(found) == SCAN_MATCHES
    assert [len(p.items) for p in pages[:-1]] == [25] * (len(pages) - 1)


# --------------------------------------------------------------------------------------
# all, first, count
# --------------------------------------------------------------------------------------


def test_all_is_lazy_and_complete(small: Seeded) -> None:
    transport = small.transport()
    query = make_query(transport, filtered(small.table))
    iterator = query.all()
    assert transport.calls == 0
    assert next(iterator) == MATCHES[0]
    assert transport.calls == 1
    assert [MATCHES[0], *iterator] == MATCHES
    assert all("Limit" not in request for _, request in transport.requests)
    desc = make_query(small.transport(), filtered_index_desc(small.table))
    assert list(desc.all()) == MATCHES_BY_INDEX_DESC


def test_first_with_a_filter(small: Seeded) -> None:
    transport = small.transport()
    request = {
        "TableName": small.table,
        "KeyConditionExpression": "#pk = :pk",
        "FilterExpression": "#n >= :n",
        "ExpressionAttributeNames": {"#pk": "pk", "#n": "n"},
        "ExpressionAttributeValues": {":pk": {"S": "P#filt"}, ":n": {"N": "100"}},
    }
    assert make_query(transport, request).first() == "S#0100"
    # Limits double while responses bring no match: 1 + 2 + ... + 64 = 127 >= 101
    limits = [r["Limit"] for _, r in transport.requests]
    assert limits == [1, 2, 4, 8, 16, 32, 64]
    assert make_query(small.transport(), filtered(small.table)).first() == "S#0007"
    desc = make_query(small.transport(), filtered_index_desc(small.table))
    assert desc.first() == MATCHES_BY_INDEX_DESC[0]
    none = filtered(small.table)
    none["ExpressionAttributeValues"] = {**none["ExpressionAttributeValues"]}
    none["ExpressionAttributeValues"][":f"] = {"N": "99"}
    assert make_query(small.transport(), none).first() is None


def test_first_without_filter_reads_one_item(small: Seeded) -> None:
    transport = small.transport()
    request = filtered(small.table)
    del request["FilterExpression"]
    request["ExpressionAttributeNames"] = {"#pk": "pk"}
    request["ExpressionAttributeValues"] = {":pk": {"S": "P#filt"}}
    request["ScanIndexForward"] = False
    assert make_query(transport, request).first() == "S#0119"
    assert [r["Limit"] for _, r in transport.requests] == [1]


def test_count(small: Seeded) -> None:
    transport = small.transport()
    assert make_query(transport, filtered(small.table)).count() == len(MATCHES)
    assert transport.requests[0][1]["Select"] == "COUNT"
    index = make_query(small.transport(), filtered_index_desc(small.table))
    assert index.count() == len(MATCHES)
    whole = filtered(small.table)
    del whole["FilterExpression"]
    whole["ExpressionAttributeNames"] = {"#pk": "pk"}
    whole["ExpressionAttributeValues"] = {":pk": {"S": "P#filt"}}
    assert make_query(small.transport(), whole).count() == len(FILT)
    scan = make_query(
        small.transport(),
        {
            "TableName": small.table,
            "FilterExpression": "#f = :f",
            "ExpressionAttributeNames": {"#f": "f"},
            "ExpressionAttributeValues": {":f": {"N": "7"}},
        },
        operation="Scan",
    )
    assert scan.count() == len(SCAN_MATCHES)


def test_count_drops_the_projection_and_its_names(small: Seeded) -> None:
    transport = small.transport()
    request = filtered(small.table, ProjectionExpression="#sk, #f, #x")
    request["ExpressionAttributeNames"] = {
        **request["ExpressionAttributeNames"],
        "#sk": "sk",
        "#x": "gsi1sk",
    }
    query = make_query(transport, request)
    assert query.page(len(MATCHES)).items == MATCHES  # the server takes it
    transport.requests.clear()
    assert query.count() == len(MATCHES)
    sent = transport.requests[0][1]
    assert "ProjectionExpression" not in sent
    assert sent["ExpressionAttributeNames"] == {"#pk": "pk", "#f": "f"}
    # a projection-only name list disappears entirely
    only = {
        "TableName": small.table,
        "KeyConditionExpression": "pk = :pk",
        "ProjectionExpression": "#sk",
        "ExpressionAttributeNames": {"#sk": "sk"},
        "ExpressionAttributeValues": {":pk": {"S": "P#hyp"}},
    }
    transport.requests.clear()
    assert make_query(transport, only).count() == len(HYP)
    assert "ExpressionAttributeNames" not in transport.requests[0][1]


def test_request_dict_is_never_modified(small: Seeded) -> None:
    request = filtered(small.table, ProjectionExpression="#sk, #f")
    request["ExpressionAttributeNames"]["#sk"] = "sk"
    request["FilterExpression"] = "#f <> :f"  # cheap: most items match
    before = copy.deepcopy(request)
    query = make_query(small.transport(), request)
    page = query.page(2)
    query.page(2, page.cursor)
    list(query.all())
    query.first()
    query.count()
    assert request == before
    scan_request = {"TableName": small.table, "ProjectionExpression": "sk"}
    scan_before = copy.deepcopy(scan_request)
    scan = make_query(
        small.transport(),
        scan_request,
        operation="Scan",
        decode=lambda item: item["sk"]["S"] + str(len(item)),
    )
    assert len(list(scan.parallel(3))) == len(FILT + HYP + OTHER)
    assert scan.count() == len(FILT + HYP + OTHER)
    assert scan_request == scan_before


# --------------------------------------------------------------------------------------
# argument checks, all before any request
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "error"),
    [
        (0, ValueError),
        (-1, ValueError),
        (True, TypeError),
        (False, TypeError),
        (1.0, TypeError),
        ("3", TypeError),
        (None, TypeError),
    ],
)
def test_limit_is_checked_before_any_request(
    small: Seeded, limit: object, error: type[Exception]
) -> None:
    transport = small.transport()
    query = make_query(transport, filtered(small.table))
    with pytest.raises(error, match="limit"):
        query.page(cast(Any, limit))
    assert transport.calls == 0


def test_constructor_checks(small: Seeded) -> None:
    transport = small.transport()
    for member in ("Limit", "ExclusiveStartKey", "Select", "Segment", "TotalSegments"):
        with pytest.raises(ValueError, match=member):
            make_query(transport, filtered(small.table, **{member: 1}))
    with pytest.raises(ValueError, match="operation"):
        make_query(transport, filtered(small.table), operation="GetItem")
    assert transport.calls == 0


def cursor_of(query: rt.Query[str], limit: int = 3) -> str:
    cursor = query.page(limit).cursor
    assert cursor is not None
    return cursor


def test_tampered_cursors_are_refused_before_any_request(small: Seeded) -> None:
    for secret in (None, b"secret"):
        transport = small.transport()
        query = make_query(transport, unfiltered(small.table), cursor_secret=secret)
        cursor = cursor_of(query)
        assert query.page(3, cursor).items == ALL_FILT[3:6]  # the genuine one works
        transport.requests.clear()
        bad: list[str] = []
        for i, c in enumerate(cursor):  # flip every character
            bad.append(cursor[:i] + ("B" if c == "A" else "A") + cursor[i + 1 :])
        bad += [cursor[:n] for n in (0, 1, 2, 5, len(cursor) // 2, len(cursor) - 1)]
        bad += [cursor + "A", cursor + "AA", cursor + "AAAA", cursor + "="]
        bad += [" " + cursor, cursor + "\n"]
        bad += [cursor.upper(), cursor[::-1], "x" * 70_000, "not a cursor!"]
        for text in bad:
            assert text != cursor
            with pytest.raises(rt.InvalidCursorError):
                query.page(3, text)
        for value in (cursor.encode(), 12, ["x"], {"c": cursor}, 1.5, True):
            with pytest.raises(rt.InvalidCursorError):
                query.page(3, cast(Any, value))
        assert transport.calls == 0


def test_foreign_cursors_are_refused_before_any_request(small: Seeded) -> None:
    request = unfiltered(small.table)
    digest_a = rt.digest_params("P#filt", 7)
    digest_b = rt.digest_params("P#filt", 8)
    transport = small.transport()

    def query(
        query_id: str = "Item.a", digest: str = digest_a, secret: bytes | None = None
    ) -> rt.Query[str]:
        return make_query(
            transport,
            request,
            query_id=query_id,
            params_digest=digest,
            cursor_secret=secret,
        )

    plain = cursor_of(query())
    signed = cursor_of(query(secret=b"one"))
    other_query = cursor_of(query(query_id="Item.b"))
    other_args = cursor_of(query(digest=digest_b))
    transport.requests.clear()
    refused = [
        (query(query_id="Item.b"), plain),  # another query id
        (query(), other_query),
        (query(digest=digest_b), plain),  # other arguments
        (query(), other_args),
        (query(secret=b"two"), signed),  # wrong secret
        (query(), signed),  # missing secret
        (query(secret=b"one"), plain),  # unsigned cursor where a secret is set
    ]
    for target, cursor in refused:
        with pytest.raises(rt.InvalidCursorError):
            target.page(3, cursor)
    assert transport.calls == 0
    assert query(secret=b"one").page(3, signed).items == ALL_FILT[3:6]


# --------------------------------------------------------------------------------------
# property: pages concatenated are the Python-computed selection
# --------------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None)
@given(
    threshold=st.integers(0, 101),
    limit=st.integers(1, 12),
    descending=st.booleans(),
    on_index=st.booleans(),
)
def test_pages_equal_the_python_selection(
    small: Seeded, threshold: int, limit: int, descending: bool, on_index: bool
) -> None:
    if on_index:
        key: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": "#p = :p",
            "ExpressionAttributeNames": {"#p": "gsi1pk", "#m": "m"},
            "ExpressionAttributeValues": {":p": {"S": "G#hyp"}},
        }
        order = sorted(HYP, key=lambda r: str(r["gsi1sk"]))
    else:
        key = {
            "KeyConditionExpression": "#p = :p",
            "ExpressionAttributeNames": {"#p": "pk", "#m": "m"},
            "ExpressionAttributeValues": {":p": {"S": "P#hyp"}},
        }
        order = sorted(HYP, key=lambda r: str(r["sk"]))
    key["ExpressionAttributeValues"][":t"] = {"N": str(threshold)}
    request = {
        "TableName": small.table,
        "FilterExpression": "#m < :t",
        "ScanIndexForward": not descending,
        **key,
    }
    if descending:
        order.reverse()
    expected = [str(r["sk"]) for r in order if int(r["m"]) < threshold]
    query = make_query(
        small.transport(),
        request,
        params_digest=rt.digest_params(threshold, descending, on_index),
    )
    check_pages(read_pages(query, limit), limit, expected)
    assert query.count() == len(expected)
    assert query.first() == (expected[0] if expected else None)


def test_decode_is_applied_to_every_item(small: Seeded) -> None:
    seen: list[dict[str, Any]] = []

    def decode(item: dict[str, Any]) -> str:
        seen.append(item)
        return sk_of(item).lower()

    query = make_query(small.transport(), unfiltered(small.table), decode=decode)
    assert query.page(4).items == [m.lower() for m in ALL_FILT[:4]]
    assert [sk_of(item) for item in seen] == ALL_FILT[:4]
    assert seen[1]["n"] == {"N": "1"}  # wire form


def test_transport_errors_propagate(small: Seeded) -> None:
    def fail_later(operation: str, request: dict[str, Any]) -> None:
        if "ExclusiveStartKey" in request:
            raise RuntimeError("boom")

    query = make_query(
        RecordingTransport(small.client, fail_later), filtered(small.table)
    )
    with pytest.raises(RuntimeError, match="boom"):
        query.page(3)  # the second request fails

    def fail(operation: str, request: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    query = make_query(RecordingTransport(small.client, fail), filtered(small.table))
    items = query.all()
    with pytest.raises(RuntimeError, match="boom"):
        next(items)
    with pytest.raises(RuntimeError, match="boom"):
        query.first()
    with pytest.raises(RuntimeError, match="boom"):
        query.count()
