"""``Query.page``/``all``/``count``/``first`` and cursors of generated queries (SPEC §4).

The module's table holds one stream of 160 events of which 1 in 20 passes the filter of
``Event.t_filtered`` (``weight = 7``), a second small stream, customers and tasks whose
queries are paged through every kind of index: the table (descending), the local
index, a global index, a view, keys_only and include projections, declared scans.
(Moto answers a request in ~10 ms plus ~0.04 ms per stored item plus ~2.5 ms per
returned item, so the table stays small.)
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from tests.backends import Backend
from tests.declared_queries._model import D0, DAY, SPEC_BY_NAME, T0, TRICKY, Spec
from tests.declared_queries._support import (
    Generated,
    Seeded,
    assert_selection,
    object_for,
    seeded_table,
)

SECOND = timedelta(seconds=1)
STREAM = "page"
MATCHES = 8  # events of STREAM with weight 7


def dataset(pkg: Any) -> dict[str, list[Any]]:
    rnd = random.Random(99)
    events = [
        pkg.Event(
            stream=STREAM,
            at=T0 + timedelta(seconds=i // 2),  # two events per second
            event_id=UUID(int=rnd.getrandbits(128)),
            seq=i * 7,
            kind=rnd.choice(["k1", "k 2", "k3"]),
            day=D0 + DAY * rnd.randrange(3),
            label=rnd.choice(TRICKY),
            weight=i % 20,
        )
        for i in range(160)
    ]
    events += [  # a second stream, for cursors made with other arguments
        dataclasses.replace(e, stream="page 2", event_id=UUID(int=e.event_id.int ^ 1))
        for e in events[:20]
    ]
    customers = [
        pkg.Customer(
            customer_id=f"c{i:03d}#{rnd.choice(TRICKY)}",
            name=rnd.choice(["Ann", "Bob", "Van", "Van Dyke"]),  # many ties
            email="same@x" if i % 3 == 0 else f"c{i}@x",
            region="r",
        )
        for i in range(30)
    ]
    tasks = [
        pkg.Task(
            project="p",
            task_no=i,
            title=rnd.choice(TRICKY),
            priority=rnd.choice([1, 2, 3]),
            owner=rnd.choice([None, "ann", "ann"]),
            due=None if i % 4 == 0 else D0 + DAY * rnd.randrange(3),
            done=i % 3 == 0,
        )
        for i in range(45)
    ]
    return {"Event": events, "Customer": customers, "Task": tasks}


@pytest.fixture(scope="module")
def objects(gen: Generated) -> dict[str, list[Any]]:
    return dataset(gen.package)


@pytest.fixture(scope="module")
def seeded(
    backend: Backend,
    gen: Generated,
    objects: dict[str, list[Any]],
    transport_kind: str,
) -> Iterator[Seeded]:
    with seeded_table(backend, gen, objects, transport_kind) as tables:
        yield tables


def read_pages(query: Any, limit: int) -> list[Any]:
    """Every page of ``query``, following cursors until one is None."""
    pages = []
    cursor = None
    while True:
        page = query.page(limit, cursor)
        pages.append(page)
        cursor = page.cursor
        if cursor is None:
            return pages
        assert len(pages) < 1000, "cursors do not terminate"


FILTERED = {"stream": STREAM, "weight": 7}


@pytest.mark.parametrize("limit", [3, 4])
def test_pages_after_a_heavy_filter_are_exactly_limit_long(
    seeded: Seeded, objects: dict[str, list[Any]], limit: int
) -> None:
    spec = SPEC_BY_NAME["Event", "t_filtered"]
    expected = spec.select(objects["Event"], FILTERED)
    assert len(expected) == MATCHES
    query = seeded.repos["Event"].t_filtered(**FILTERED)
    pages = read_pages(query, limit)
    for page in pages[:-1]:
        assert len(page.items) == limit, [len(p.items) for p in pages]
        assert isinstance(page.cursor, str)
    assert len(pages[-1].items) <= limit
    assert pages[-1].cursor is None
    items = [item for page in pages for item in page.items]
    assert_selection(seeded.gen, "Event", items, expected, spec.sort_key())
    assert items == list(query.all())
    # MATCHES = 8 is a multiple of 4: the second page ends at the last match while
    # DynamoDB still has items to read, so a third, empty page ends the query.
    if limit == 4:
        assert [len(p.items) for p in pages] == [4, 4, 0]


PAGED = [
    ("Event", "t_desc", {"stream": "page 2"}),
    ("Event", "t_at_between", {"stream": STREAM, "lo": T0, "hi": T0 + 14 * SECOND}),
    ("Event", "l_seq_between", {"stream": STREAM, "lo": 70, "hi": 280}),
    ("Event", "g_day_eq", {"kind": "k1", "day": D0}),
    ("Customer", "in_region_summary", {"region": "r"}),
    ("Customer", "ids_from", {"customer_id": "c010"}),
    ("Customer", "by_email", {"email": "same@x"}),
    ("Task", "owned", {"owner": "ann"}),
    ("Task", "due_all", {"project": "p"}),
    ("Task", "title_ge", {"project": "p", "title": "a"}),
    ("Task", "open_owned", {"done": False}),
]


def paged_ids(entry: tuple[str, str, dict[str, Any]]) -> str:
    return f"{entry[0]}.{entry[1]}"


@pytest.mark.parametrize("entry", PAGED, ids=paged_ids)
def test_pages_concatenate_to_all_and_to_the_python_selection(
    seeded: Seeded,
    objects: dict[str, list[Any]],
    entry: tuple[str, str, dict[str, Any]],
) -> None:
    entity, name, params = entry
    spec: Spec = SPEC_BY_NAME[entity, name]
    expected = spec.select(objects[entity], params)
    assert len(expected) > 7, "test data too thin"
    query = getattr(seeded.repos[entity], name)(**params)
    everything = list(query.all())
    assert_selection(
        seeded.gen, entity, everything, expected, spec.sort_key(), desc=spec.desc
    )
    for limit in (25,) if spec.is_scan else (7, 1000):
        pages = read_pages(query, limit)
        assert [item for page in pages for item in page.items] == everything
        assert all(len(p.items) == limit for p in pages[:-1])
    assert query.count() == len(expected)
    first = query.first()
    assert first in everything
    order = spec.sort_key()
    if order is not None:  # the first in sort-key order (ties: any of them)
        assert order(object_for(seeded.gen, entity, expected, first)) == order(
            object_for(seeded.gen, entity, expected, everything[0])
        )


def test_count_and_first_of_an_empty_query(seeded: Seeded) -> None:
    query = seeded.repos["Event"].t_filtered(stream=STREAM, weight=20)
    assert query.count() == 0
    assert query.first() is None
    assert query.page(5).items == []
    assert list(query.all()) == []


def test_first_reads_past_non_matching_items(
    seeded: Seeded, objects: dict[str, list[Any]]
) -> None:
    spec = SPEC_BY_NAME["Event", "t_filtered"]
    for weight in (0, 7, 19):
        params = {"stream": STREAM, "weight": weight}
        expected = spec.select(objects["Event"], params)
        first = min(expected, key=lambda e: (e.at, e.event_id))
        assert seeded.repos["Event"].t_filtered(**params).first() == first


# --------------------------------------------------------------------------------------
# Cursors
# --------------------------------------------------------------------------------------


def a_cursor(db: Any, **params: Any) -> str:
    page = db.event.t_all(**{"stream": STREAM, **params}).page(3)
    assert isinstance(page.cursor, str)
    return page.cursor


def flips(cursor: str) -> list[str]:
    """``cursor`` with one character changed, at the start, middle and end."""
    out = []
    for position in (0, 1, len(cursor) // 2, len(cursor) - 2, len(cursor) - 1):
        char = cursor[position]
        other = "B" if char != "B" else "C"
        out.append(cursor[:position] + other + cursor[position + 1 :])
    return out


def test_cursors_are_url_safe_and_resume(seeded: Seeded) -> None:
    db = seeded.database()
    query = db.event.t_all(stream=STREAM)
    first = query.page(3)
    assert first.cursor is not None
    assert first.cursor.replace("-", "").replace("_", "").isalnum()
    second = query.page(3, first.cursor)
    assert first.items + second.items == list(query.all())[:6]
    # the same cursor works from another Database object over the same tables
    again = seeded.database().event.t_all(stream=STREAM).page(3, first.cursor)
    assert again.items == second.items


def test_tampered_cursors_are_refused_before_any_request(seeded: Seeded) -> None:
    rt = seeded.gen.runtime
    db = seeded.database()
    cursor = a_cursor(db)
    query = seeded.repos["Event"].t_all(stream=STREAM)
    bad = [
        *flips(cursor),
        cursor[:-1],
        cursor[:-4],
        cursor[: len(cursor) // 2],
        cursor + "A",
        "",
        "not a cursor!",
        a_cursor(db, stream="page 2"),  # same query, other arguments
        db.event.t_desc(stream=STREAM).page(2).cursor,  # another query
        db.event.l_all(stream=STREAM).page(2).cursor,  # another query and index
    ]
    seeded.recorder.reset()
    for text in bad:
        with pytest.raises(rt.InvalidCursorError):
            query.page(3, text)
    for value in (b"abc", 123):
        with pytest.raises(rt.InvalidCursorError):
            query.page(3, value)
    assert seeded.recorder.requests == [], "a request was sent for a refused cursor"


def test_cursor_secret(seeded: Seeded) -> None:
    rt = seeded.gen.runtime
    plain = seeded.database()
    signed = seeded.database(cursor_secret=b"secret one")
    other = seeded.database(cursor_secret=b"secret two")
    signed_cursor = a_cursor(signed)
    expected = plain.event.t_all(stream=STREAM).page(3, a_cursor(plain)).items
    assert len(expected) == 3
    assert signed.event.t_all(stream=STREAM).page(3, signed_cursor).items == expected
    with pytest.raises(rt.InvalidCursorError):  # made without a secret
        signed.event.t_all(stream=STREAM).page(3, a_cursor(plain))
    with pytest.raises(rt.InvalidCursorError):  # made with another secret
        signed.event.t_all(stream=STREAM).page(3, a_cursor(other))
    with pytest.raises(rt.InvalidCursorError):  # signed, read without a secret
        plain.event.t_all(stream=STREAM).page(3, signed_cursor)
    for text in flips(signed_cursor):
        with pytest.raises(rt.InvalidCursorError):
            signed.event.t_all(stream=STREAM).page(3, text)


@pytest.mark.parametrize("limit", [0, -1])
def test_page_limit_must_be_positive(seeded: Seeded, limit: int) -> None:
    with pytest.raises(ValueError):
        seeded.repos["Event"].t_all(stream=STREAM).page(limit)


@pytest.mark.parametrize("limit", [1.5, "3", None, True])
def test_page_limit_must_be_an_int(seeded: Seeded, limit: Any) -> None:
    with pytest.raises(TypeError):
        seeded.repos["Event"].t_all(stream=STREAM).page(limit)


def test_scan_pages_follow_cursors(
    seeded: Seeded, objects: dict[str, list[Any]]
) -> None:
    query = seeded.database().customer.scan()
    items: list[Any] = []
    cursor = None
    lengths = []
    while True:
        page = query.page(7, cursor)
        items += page.items
        lengths.append(len(page.items))
        cursor = page.cursor
        if cursor is None:
            break
    assert all(n == 7 for n in lengths[:-1]), lengths
    assert_selection(seeded.gen, "Customer", items, objects["Customer"], None)


def test_package_exports_page(gen: Generated) -> None:
    """SPEC §4: ``__init__.py`` re-exports ``Page`` (with Database, entities...)."""
    assert gen.package.Page is gen.runtime.Page
    assert "Page" in gen.package.__all__
