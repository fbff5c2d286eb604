"""Stream records from a real server, decoded by the generated ``streams.py``.

Items of two entities (and one of no entity) are written, updated and deleted through the
generated repositories on a stream-enabled table, for every stream view type; the
stream is read with ``dynamodbstreams`` and every record decoded, in boto3's shape and
in Lambda's. dynalite accepts a StreamSpecification and drops it, so these run on moto
(and on ``DYNAGEN_TEST_ENDPOINT``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from tests.backends import Backend
from tests.streams._records import lambda_record, read_stream
from tests.streams.conftest import VIEW_TYPES

UTC = timezone.utc
BORROWED = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
LOAN_ID = UUID("12345678-1234-5678-1234-567812345678")


@dataclass(frozen=True)
class Written:
    """What the scenario wrote, as the repositories returned it (what is stored)."""

    book: Any
    book_v2: Any
    loan: Any
    records: list[dict[str, Any]]


def write_and_read(lib: Any, backend: Backend, prefix: str) -> Written:
    client = backend.client()
    try:
        lib.create_tables(client, table_prefix=prefix)
        db = lib.Database(client, table_prefix=prefix, clock=lambda: BORROWED)
        book = db.book.create(
            lib.Book(
                isbn="978-0 441",  # a space: the key text is escaped
                title="Dune",
                genre=lib.Genre.FICTION,
                price=Decimal("9.50"),
                tags={"sf", "classic"},
                shelf=lib.Shelf(room="A", row=2),
                cover=b"\x00\xff cover",
            )
        )
        loan = db.loan.create(
            lib.Loan(
                member_id="m/1",
                loan_id=LOAN_ID,
                isbn=book.isbn,
                due=date(2024, 6, 1),
            )
        )
        book_v2 = db.book.update(
            isbn=book.isbn, title="Dune Messiah", expected_version=1
        )
        db.loan.delete(member_id="m/1", borrowed_at=BORROWED, loan_id=LOAN_ID)
        client.put_item(  # an item of no entity of the table, written by other code
            TableName=f"{prefix}library",
            Item={"pk": {"S": "AUTHOR#herbert"}, "sk": {"S": "PROFILE"}},
        )
        records = read_stream(backend, client, f"{prefix}library")
    finally:
        client.close()
    return Written(book, book_v2, loan, records)


def expected_images(view_type: str, written: Written) -> list[tuple[Any, Any]]:
    """(new, old) of each record, as the view type keeps them."""
    new = view_type in ("new_image", "new_and_old_images")
    old = view_type in ("old_image", "new_and_old_images")
    book, book_v2, loan = written.book, written.book_v2, written.loan
    return [
        (book if new else None, None),
        (loan if new else None, None),
        (book_v2 if new else None, book if old else None),
        (None, loan if old else None),
        (None, None),
    ]


def check_events(lib: Any, view_type: str, written: Written, events: list[Any]) -> None:
    assert [e.event_name for e in events] == [
        "INSERT",
        "INSERT",
        "MODIFY",
        "REMOVE",
        "INSERT",
    ]
    assert [e.entity for e in events] == ["Book", "Loan", "Book", "Loan", None]
    book_key = lib.BookKey(isbn="978-0 441")
    loan_key = lib.LoanKey(member_id="m/1", borrowed_at=BORROWED, loan_id=LOAN_ID)
    assert [e.key for e in events] == [book_key, loan_key, book_key, loan_key, None]
    assert [(e.new, e.old) for e in events] == expected_images(view_type, written)


@pytest.mark.needs("streams")
@pytest.mark.parametrize("view_type", VIEW_TYPES)
def test_stream_records_decode_on_the_server(
    libraries: dict[str, Any], backend: Backend, table_prefix: str, view_type: str
) -> None:
    lib = libraries[view_type]
    written = write_and_read(lib, backend, table_prefix)
    assert len(written.records) == 5
    assert written.book.cover == b"\x00\xff cover"  # bytes from boto3, not base64
    assert written.book_v2.version == 2

    events = lib.decode_library_records(written.records)
    check_events(lib, view_type, written, events)
    numbers = [int(e.sequence_number) for e in events]
    assert numbers == sorted(numbers) and len(set(numbers)) == 5
    now = datetime.now(UTC)
    for event, record in zip(events, written.records, strict=True):
        assert event.raw is record
        assert event.sequence_number == record["dynamodb"]["SequenceNumber"]
        assert event.created_at.tzinfo is UTC
        assert now - timedelta(minutes=5) < event.created_at <= now
        assert event.created_at == record["dynamodb"]["ApproximateCreationDateTime"]

    # The same records as a Lambda function receives them.
    shaped = [lambda_record(r) for r in written.records]
    lambda_events = [lib.decode_library_record(r) for r in shaped]
    check_events(lib, view_type, written, lambda_events)
    for ours, theirs, record in zip(events, lambda_events, shaped, strict=True):
        assert theirs.raw is record
        assert theirs.sequence_number == ours.sequence_number
        assert theirs.created_at == ours.created_at.replace(microsecond=0)
        assert theirs.created_at.tzinfo is UTC


@pytest.mark.needs("streams")
def test_a_corrupt_image_fails_only_its_record(
    lib: Any, backend: Backend, table_prefix: str
) -> None:
    written = write_and_read(lib, backend, table_prefix)
    records = [lambda_record(r) for r in written.records]
    corrupt = copy.deepcopy(records[2])  # the MODIFY of the book
    corrupt["dynamodb"]["NewImage"]["title"] = {"N": "5"}
    batch = [records[0], records[1], corrupt, records[3], records[4]]

    with pytest.raises(lib.DecodeError) as raised:
        lib.decode_library_records(batch)
    error = raised.value
    assert (error.entity, error.attribute) == ("Book", "title")
    assert error.key == {"pk": {"S": "BOOK#978-0%20441"}, "sk": {"S": "BOOK"}}

    result = lib.decode_library_records(batch, on_error="collect")
    assert isinstance(result, lib.StreamBatch)
    assert [e.raw for e in result.events] == [records[0], records[1], *records[3:]]
    assert [e.entity for e in result.events] == ["Book", "Loan", "Loan", None]
    [failure] = result.failures
    assert failure.record is corrupt
    assert isinstance(failure.error, lib.DecodeError)
    assert failure.error.attribute == "title"
    assert result.batch_item_failures() == {
        "batchItemFailures": [{"itemIdentifier": corrupt["dynamodb"]["SequenceNumber"]}]
    }
