"""Scans: ``<entity>.scan()`` and declared scans (``queries:`` entries without ``key``),
sequential and ``parallel(segments=N)``, over a table of a few thousand items.

Every entity shares the table (customers and their orders share partitions), so each
scan must return its own entity's items only: every one exactly once.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from tests.backends import Backend
from tests.declared_queries._model import D0, DAY, SPEC_BY_NAME, T0, TRICKY
from tests.declared_queries._support import (
    Generated,
    Seeded,
    assert_selection,
    seeded_table,
)

ORDERS = 1600


def dataset(pkg: Any) -> dict[str, list[Any]]:
    rnd = random.Random(5)
    customers = [
        pkg.Customer(
            customer_id=f"{rnd.choice(TRICKY)}#{i}",
            name=rnd.choice(TRICKY),
            email=f"{i}@x",
            region=rnd.choice(["north", "south"]),
        )
        for i in range(100)
    ]
    orders = [
        pkg.Order(
            customer_id=customers[i % 100].customer_id,
            placed_at=T0 + timedelta(microseconds=i),
            ship_on=None if i % 3 else D0 + DAY * (i % 5),
            amount=i,
        )
        for i in range(ORDERS)
    ]
    events = [
        pkg.Event(
            stream=f"s{i % 7}",
            at=T0 + timedelta(seconds=i),
            event_id=UUID(int=rnd.getrandbits(128)),
            seq=i,
            kind="k",
            day=D0,
            label=rnd.choice(TRICKY),
            weight=i % 20,
        )
        for i in range(150)
    ]
    tasks = [
        pkg.Task(
            project=f"p{i % 4}",
            task_no=i,
            title=rnd.choice(TRICKY),
            priority=i % 10,
            owner=None if i % 3 == 0 else rnd.choice(["ann", "bob"]),
            due=None,
            done=i % 2 == 0,
        )
        for i in range(150)
    ]
    return {"Customer": customers, "Order": orders, "Event": events, "Task": tasks}


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


@pytest.mark.parametrize("segments", [4])
def test_parallel_scan_yields_every_item_once(
    seeded: Seeded, objects: dict[str, list[Any]], segments: int
) -> None:
    db = seeded.database()
    items = list(db.order.scan().parallel(segments=segments))
    assert len(items) == ORDERS
    assert_selection(seeded.gen, "Order", items, objects["Order"], None)


def test_parallel_scan_with_other_segment_counts(
    seeded: Seeded, objects: dict[str, list[Any]]
) -> None:
    for segments in (1, 7, 25):
        scan = seeded.database().task.scan()
        items = list(scan.parallel(segments=segments, max_workers=3))
        assert_selection(seeded.gen, "Task", items, objects["Task"], None)


@pytest.mark.parametrize("entity", ["Customer", "Event", "Task"])
def test_scan_returns_only_the_entitys_items(
    seeded: Seeded, objects: dict[str, list[Any]], entity: str
) -> None:
    query = seeded.repos[entity].scan(consistent=True)
    items = list(query.all())
    assert_selection(seeded.gen, entity, items, objects[entity], None)
    assert query.count() == len(objects[entity])
    assert query.first() in items


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("all_tasks", {"p": 7}),
        ("all_tasks", {"p": 0}),
        ("open_owned", {"done": True}),
        ("open_owned", {"done": False}),
    ],
)
def test_declared_scans_in_parallel(
    seeded: Seeded,
    objects: dict[str, list[Any]],
    name: str,
    params: dict[str, Any],
) -> None:
    spec = SPEC_BY_NAME["Task", name]
    expected = spec.select(objects["Task"], params)
    query = getattr(seeded.repos["Task"], name)(**params)
    assert_selection(
        seeded.gen, "Task", list(query.parallel(segments=4)), expected, None
    )
    assert_selection(seeded.gen, "Task", list(query.all()), expected, None)
    assert query.count() == len(expected)


def test_parallel_is_for_scans_only(seeded: Seeded) -> None:
    query = seeded.repos["Event"].t_all(stream="s1")
    with pytest.raises(TypeError):
        query.parallel(segments=4)
    scan = seeded.repos["Event"].scan()
    for segments in (0, -1):
        with pytest.raises(ValueError):
            scan.parallel(segments=segments)
