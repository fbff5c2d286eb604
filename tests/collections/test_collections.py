"""Collections against both servers (SPEC §3 "Collections"): one Query reads the items
of several entities sharing a partition, each decoded by its own entity.

Three collections of ``schema.yaml`` are read: on the table key (``order_contents``),
on a global index (``order_details``), on a shared partition where a non-member entity
(``Note``) lives between the members (``account_activity``), and one on an index that
does not project the type attribute (``board_cards``: dispatch by sort-key shape).
The expected order is computed here from the stored sort-key text the SPEC prescribes
(fixed-width UTC times, zero-padded ints), not read back from the generated code.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from tests.backends import Backend
from tests.collections.conftest import tables_on
from tests.declared_queries.test_paging import read_pages

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
ACCOUNT = "acc-1"
OTHER_ACCOUNT = "acc-2"
ORDER_ID = UUID(int=0x5EED)
BOARD = "b-1"


def stamp(at: datetime) -> str:
    """The stored text of a datetime (SPEC §3: UTC, fixed width)."""
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Data:
    """What the module's table holds, by collection, with each item's sort-key text."""

    account: Any
    activity: list[tuple[str, Any]]  # (sk, object) of acc-1's members
    notes: list[Any]
    other_activity: list[Any]
    details: list[tuple[str, Any]]  # (gsi1sk, object) of ORDER_ID's members
    boards: list[tuple[str, Any]]  # (gsi2sk, object)
    everything: dict[str, list[Any]]  # entity -> objects


def dataset(pkg: Any) -> Data:
    rnd = random.Random(15)
    account = pkg.Account(account_id=ACCOUNT, name="Ann")
    activity: list[tuple[str, Any]] = [("A", account)]
    # Orders, payments and (non-member) notes at shuffled, distinct times, so that
    # members interleave with each other and with notes in sort-key order.
    times = [T0 + timedelta(minutes=i) for i in range(90)]
    rnd.shuffle(times)
    orders, payments, notes = [], [], []
    for i, at in enumerate(times[:30]):
        order_id = ORDER_ID if i == 0 else UUID(int=rnd.getrandbits(128))
        order = pkg.Order(
            account_id=ACCOUNT,
            order_id=order_id,
            placed_at=at,
            total=Decimal(f"{i}.50"),
        )
        orders.append(order)
        activity.append((f"E#{stamp(at)}#ORDER#{order_id}", order))
    for i, at in enumerate(times[30:55]):
        payment = pkg.Payment(
            account_id=ACCOUNT, payment_id=f"p{i}", paid_at=at, amount=Decimal(i)
        )
        payments.append(payment)
        activity.append((f"E#{stamp(at)}#PAYMENT#p{i}", payment))
    for i, at in enumerate(times[55:]):
        notes.append(
            pkg.Note(account_id=ACCOUNT, note_id=f"n{i}", at=at, text=f"note {i}")
        )
    activity.sort(key=lambda pair: pair[0])
    other_account = pkg.Account(account_id=OTHER_ACCOUNT, name="Bob")
    other_payment = pkg.Payment(
        account_id=OTHER_ACCOUNT, payment_id="q", paid_at=T0, amount=Decimal(1)
    )
    items = [
        pkg.OrderItem(order_id=ORDER_ID, line=line, sku=f"sku-{line}", quantity=line)
        for line in (7, 1, 12, 3, 10, 2, 5, 11, 4, 9, 8, 6)
    ]
    shipments = [
        pkg.Shipment(
            order_id=ORDER_ID,
            shipment_id=f"s{i}",
            status=pkg.ShipmentStatus.SENT,
            lines=[i, i + 1],
        )
        for i in (3, 1, 2, 4)
    ]
    details: list[tuple[str, Any]] = [("ORDER", orders[0])]
    details += [(f"ITEM#{item.line:03d}", item) for item in items]
    details += [(f"SHIPMENT#{s.shipment_id}", s) for s in shipments]
    details.sort(key=lambda pair: pair[0])
    board = pkg.Board(board_id=BOARD, title="Sprint")
    cards = [
        pkg.Card(board_id=BOARD, card_no=n, text=f"card {n}") for n in range(1, 26)
    ]
    boards: list[tuple[str, Any]] = [("BOARD", board)]
    boards += [(f"CARD#{c.card_no:04d}", c) for c in cards]
    boards.sort(key=lambda pair: pair[0])
    return Data(
        account=account,
        activity=activity,
        notes=notes,
        other_activity=[other_account, other_payment],
        details=details,
        boards=boards,
        everything={
            "account": [account, other_account],
            "order": orders,
            "payment": [*payments, other_payment],
            "note": notes,
            "order_item": items,
            "shipment": shipments,
            "board": [board],
            "card": cards,
        },
    )


@dataclass
class Seeded:
    backend: Backend
    client: Any
    prefix: str
    db: Any
    data: Data
    queries: list[str]  # one entry per Query request ``client`` sent (before-call)

    def database(self, cursor_secret: bytes | None = None) -> Any:
        return type(self.db)(
            self.client, table_prefix=self.prefix, cursor_secret=cursor_secret
        )


@pytest.fixture(scope="module")
def seeded(backend: Backend, pkg: Any) -> Iterator[Seeded]:
    with tables_on(backend, pkg) as tables:
        data = dataset(pkg)
        for entity, objects in data.everything.items():
            getattr(tables.db, entity).batch_put(objects)
        tables.queries.clear()
        yield Seeded(
            backend, tables.client, tables.prefix, tables.db, data, tables.queries
        )


# -- whole reads --------------------------------------------------------------------------


def test_shared_partition_reads_members_in_sort_key_order_without_the_non_member(
    seeded: Seeded,
) -> None:
    expected = [obj for _, obj in seeded.data.activity]
    seeded.queries.clear()
    got = list(seeded.db.account_activity(account_id=ACCOUNT).all())
    assert got == expected
    assert [type(o).__name__ for o in got] == [type(o).__name__ for o in expected]
    assert not any(type(o).__name__ == "Note" for o in got)
    assert len(seeded.queries) == 1  # one Query for three entity types
    # the notes are there, between the members: the filter dropped them on the server
    notes = list(seeded.db.note.scan().all())
    assert len(notes) == len(seeded.data.notes)


def test_collection_on_a_global_index(seeded: Seeded) -> None:
    expected = [obj for _, obj in seeded.data.details]
    seeded.queries.clear()
    got = list(seeded.db.order_details(order_id=ORDER_ID).all())
    assert got == expected
    assert len(seeded.queries) == 1
    # the order itself sorts between its items and shipments only on gsi1 ("ORDER")
    kinds = [type(o).__name__ for o in got]
    assert kinds == ["OrderItem"] * 12 + ["Order"] + ["Shipment"] * 4


def test_collection_on_the_table_key(seeded: Seeded) -> None:
    expected = [obj for sk, obj in seeded.data.details if sk != "ORDER"]
    got = list(seeded.db.order_contents(order_id=ORDER_ID).all())
    assert got == expected


def test_collection_told_apart_by_sort_key_where_the_index_lacks_the_type(
    seeded: Seeded,
) -> None:
    expected = [obj for _, obj in seeded.data.boards]
    got = list(seeded.db.board_cards(board=BOARD).all())
    assert got == expected
    assert [type(o).__name__ for o in got] == ["Board"] + ["Card"] * 25


def test_grouped_holds_one_tuple_per_member_in_member_order(
    seeded: Seeded, pkg: Any
) -> None:
    activity = [obj for _, obj in seeded.data.activity]
    grouped = seeded.db.account_activity(account_id=ACCOUNT).grouped()
    assert grouped == pkg.AccountActivity(
        accounts=(seeded.data.account,),
        orders=tuple(o for o in activity if isinstance(o, pkg.Order)),
        payments=tuple(o for o in activity if isinstance(o, pkg.Payment)),
    )
    assert [o.placed_at for o in grouped.orders] == sorted(
        o.placed_at for o in grouped.orders
    )
    details = seeded.db.order_details(order_id=ORDER_ID).grouped()
    assert [i.line for i in details.order_items] == list(range(1, 13))
    assert [s.shipment_id for s in details.shipments] == ["s1", "s2", "s3", "s4"]
    assert details.orders == (seeded.data.everything["order"][0],)
    with pytest.raises(AttributeError):
        details.orders = ()  # frozen


def test_an_empty_partition(seeded: Seeded) -> None:
    query = seeded.db.order_details(order_id=UUID(int=1))
    assert list(query.all()) == []
    assert query.first() is None
    assert query.count() == 0
    grouped = query.grouped()
    assert (grouped.orders, grouped.order_items, grouped.shipments) == ((), (), ())
    page = query.page(5)
    assert page.items == [] and page.cursor is None


def test_a_descending_consistent_collection(seeded: Seeded, pkg: Any) -> None:
    expected = [obj for _, obj in reversed(seeded.data.activity)]
    query = seeded.db.latest_activity(account_id=ACCOUNT)
    assert list(query.all()) == expected
    pages = read_pages(query, 7)
    assert [len(p.items) for p in pages[:-1]] == [7] * (len(pages) - 1)
    assert [o for p in pages for o in p.items] == expected
    assert query.first() == expected[0]
    grouped = query.grouped()
    assert grouped.accounts == (seeded.data.account,)
    placed = [o.placed_at for o in grouped.orders]
    assert placed == sorted(placed, reverse=True)
    assert isinstance(grouped, pkg.LatestActivity)
    with pytest.raises(pkg.InvalidCursorError, match="another query"):
        seeded.db.account_activity(account_id=ACCOUNT).page(7, pages[0].cursor)


# -- pages, count, first ------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 4, 7])
def test_pages_are_exact_after_the_filter_with_members_interleaved(
    seeded: Seeded, limit: int
) -> None:
    expected = [obj for _, obj in seeded.data.activity]
    query = seeded.db.account_activity(account_id=ACCOUNT)
    pages = read_pages(query, limit)
    for page in pages[:-1]:
        assert len(page.items) == limit, [len(p.items) for p in pages]
    assert len(pages[-1].items) <= limit
    assert [o for p in pages for o in p.items] == expected
    # pages across the entity boundaries hold several types
    assert any(len({type(o) for o in p.items}) > 1 for p in pages) or limit == 1


def test_pages_of_a_collection_on_an_index(seeded: Seeded) -> None:
    expected = [obj for _, obj in seeded.data.details]
    pages = read_pages(seeded.db.order_details(order_id=ORDER_ID), 5)
    assert [len(p.items) for p in pages] == [5, 5, 5, 2]
    assert [o for p in pages for o in p.items] == expected


def test_count_and_first(seeded: Seeded) -> None:
    query = seeded.db.account_activity(account_id=ACCOUNT)
    assert query.count() == len(seeded.data.activity)  # members only, notes excluded
    assert query.first() == seeded.data.account
    details = seeded.db.order_details(order_id=ORDER_ID)
    assert details.count() == len(seeded.data.details)
    assert details.first() == seeded.data.details[0][1]
    assert seeded.db.board_cards(board=BOARD).count() == 26
    other = seeded.db.account_activity(account_id=OTHER_ACCOUNT)
    assert list(other.all()) == seeded.data.other_activity


# -- cursors ------------------------------------------------------------------------------


def test_cursors_resume_and_are_bound_to_the_collection_and_its_arguments(
    seeded: Seeded, pkg: Any
) -> None:
    db = seeded.database(cursor_secret=b"s3cret")
    query = db.account_activity(account_id=ACCOUNT)
    first = query.page(10)
    assert first.cursor is not None
    resumed = db.account_activity(account_id=ACCOUNT).page(10, first.cursor)
    expected = [obj for _, obj in seeded.data.activity]
    assert first.items + resumed.items == expected[:20]
    seeded.queries.clear()
    error = pkg.InvalidCursorError
    with pytest.raises(error, match="another query"):
        db.order_details(order_id=ORDER_ID).page(10, first.cursor)
    with pytest.raises(error, match="other arguments"):
        db.account_activity(account_id=OTHER_ACCOUNT).page(10, first.cursor)
    entity_page = db.order.scan().page(1)
    with pytest.raises(error, match="another query"):
        query.page(10, entity_page.cursor)
    details_cursor = db.order_details(order_id=ORDER_ID).page(3).cursor
    seeded.queries.clear()
    with pytest.raises(error, match="another query"):
        db.order_contents(order_id=ORDER_ID).page(3, details_cursor)
    with pytest.raises(error):
        seeded.database().account_activity(account_id=ACCOUNT).page(10, first.cursor)
    assert seeded.queries == []  # refused before any request


# -- bad values and bad items -------------------------------------------------------------


def test_a_bad_argument_raises_before_any_request(seeded: Seeded) -> None:
    seeded.queries.clear()
    with pytest.raises(TypeError):
        seeded.db.order_details(order_id=str(ORDER_ID))
    with pytest.raises(TypeError):
        seeded.db.account_activity(account_id=1)
    with pytest.raises(TypeError):
        seeded.db.account_activity(ACCOUNT)  # keyword-only
    with pytest.raises(ValueError):
        seeded.db.account_activity(account_id=ACCOUNT).page(0)
    assert seeded.queries == []


def test_an_empty_string_argument_still_renders_the_literal_prefix(
    seeded: Seeded,
) -> None:
    seeded.queries.clear()
    assert list(seeded.db.board_cards(board="").all()) == []
    # "BOARD#" is not empty: it is sent, and matches nothing
    assert len(seeded.queries) == 1


def test_a_member_item_that_does_not_decode_names_entity_attribute_and_key(
    seeded: Seeded, pkg: Any
) -> None:
    order_id = UUID(int=0xBAD)
    table = f"{seeded.prefix}Main"
    seeded.client.put_item(
        TableName=table,
        Item={
            "pk": {"S": f"ORDER#{order_id}"},
            "sk": {"S": "SHIPMENT#x"},
            "_type": {"S": "Shipment"},
            "order_id": {"S": str(order_id)},
            "shipment_id": {"S": "x"},
            "status": {"S": "lost"},  # no such enum value
        },
    )
    with pytest.raises(pkg.DecodeError) as raised:
        list(seeded.db.order_contents(order_id=order_id).all())
    assert raised.value.entity == "Shipment"
    assert raised.value.attribute == "status"
    assert raised.value.key == {
        "pk": {"S": f"ORDER#{order_id}"},
        "sk": {"S": "SHIPMENT#x"},
    }


def test_an_item_of_no_member_in_an_unfiltered_partition_raises(
    seeded: Seeded, pkg: Any
) -> None:
    """``order_contents`` sends no filter (no other entity's template renders its
    partition), so an item written by other code there is reported, not dropped."""
    order_id = UUID(int=0xF0E)
    seeded.client.put_item(
        TableName=f"{seeded.prefix}Main",
        Item={
            "pk": {"S": f"ORDER#{order_id}"},
            "sk": {"S": "ZZZ"},
            "_type": {"S": "Stranger"},
        },
    )
    query = seeded.db.order_contents(order_id=order_id)
    with pytest.raises(pkg.DecodeError) as raised:
        query.first()
    assert raised.value.entity == "order_contents"
    assert raised.value.attribute == "_type"
    assert "Stranger" in str(raised.value)
    seeded.client.put_item(
        TableName=f"{seeded.prefix}Main",
        Item={
            "pk": {"S": f"BOARD#{order_id}"},
            "sk": {"S": "X"},
            "gsi2pk": {"S": f"BOARD#{order_id}"},
            "gsi2sk": {"S": "CARDS"},  # neither "BOARD" nor "CARD#<n>"
        },
    )
    with pytest.raises(pkg.DecodeError) as raised:
        list(seeded.db.board_cards(board=str(order_id)).all())
    assert raised.value.entity == "board_cards"
    assert raised.value.attribute == "gsi2sk"
