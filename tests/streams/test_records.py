"""Decoding hand-built stream records (no server): dispatch, both record shapes, keys,
errors and batches. Images are built with the package's own ``encode_*`` functions from
objects written out here, so every expected value comes from the test."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

UTC = timezone.utc
BORROWED = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
LOAN_ID = UUID("12345678-1234-5678-1234-567812345678")


def book(lib: Any, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "isbn": "978 0",
        "title": "Dune",
        "genre": lib.Genre.SCIENCE,
        "price": Decimal("9.5"),
        "cover": b"\x00\x01\xfe",
        "shelf": lib.Shelf(room="B", row=3),
        "version": 1,
    }
    return lib.Book(**{**values, **changes})


def loan(lib: Any) -> Any:
    return lib.Loan(
        member_id="m1",
        loan_id=LOAN_ID,
        borrowed_at=BORROWED,
        isbn="978 0",
        due=date(2024, 6, 1),
    )


def keys_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"pk": item["pk"], "sk": item["sk"]}


def record(
    keys: dict[str, Any],
    *,
    new: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
    name: str = "INSERT",
    created: object = 1714564800,
    sequence: str = "100",
) -> dict[str, Any]:
    """A Lambda-shaped record (JSON values: created in epoch seconds)."""
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": created,
        "Keys": keys,
        "SequenceNumber": sequence,
        "SizeBytes": 10,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        body["NewImage"] = new
    if old is not None:
        body["OldImage"] = old
    return {
        "eventID": "1",
        "eventName": name,
        "eventSource": "aws:dynamodb",
        "dynamodb": body,
    }


def test_lambda_record_of_each_entity(lib: Any) -> None:
    b, ln = book(lib), loan(lib)
    b_item, ln_item = lib.models.encode_book(b), lib.models.encode_loan(ln)
    event = lib.decode_library_record(record(keys_of(b_item), new=b_item))
    assert (event.event_name, event.entity, event.new, event.old) == (
        "INSERT",
        "Book",
        b,
        None,
    )
    assert event.key == lib.BookKey(isbn="978 0")
    assert event.created_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert event.created_at.tzinfo is UTC
    event = lib.decode_library_record(
        record(keys_of(ln_item), old=ln_item, name="REMOVE", sequence="7")
    )
    assert (event.event_name, event.entity, event.new, event.old) == (
        "REMOVE",
        "Loan",
        None,
        ln,
    )
    assert event.key == lib.LoanKey(
        member_id="m1", borrowed_at=BORROWED, loan_id=LOAN_ID
    )
    assert event.sequence_number == "7"


def test_boto3_record_binary_values_and_datetime(lib: Any) -> None:
    """boto3 hands binary values over as bytes and the creation time as a datetime."""
    b = book(lib, cover=b"\xffraw")
    item = lib.models.encode_book(b)
    raw_item = {**item, "cover": {"B": b"\xffraw"}}
    created = datetime(2024, 5, 1, 14, 0, 1, tzinfo=timezone(timedelta(hours=2)))
    event = lib.decode_library_record(
        record(
            keys_of(item), new=raw_item, old=raw_item, name="MODIFY", created=created
        )
    )
    assert event.new == b and event.old == b
    assert event.created_at == datetime(2024, 5, 1, 12, 0, 1, tzinfo=UTC)
    assert event.created_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (1714564800.5, datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
        (datetime(2024, 5, 1, 12, 0), datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_creation_times(lib: Any, created: object, expected: datetime) -> None:
    item = lib.models.encode_book(book(lib))
    event = lib.decode_library_record(record(keys_of(item), created=created))
    assert event.created_at == expected and event.created_at.tzinfo is UTC


def test_keys_only_records_dispatch_on_the_key(lib: Any) -> None:
    item = lib.models.encode_loan(loan(lib))
    event = lib.decode_library_record(record(keys_of(item), name="MODIFY"))
    assert event.entity == "Loan" and event.new is None and event.old is None
    assert event.key == lib.LoanKey(
        member_id="m1", borrowed_at=BORROWED, loan_id=LOAN_ID
    )


@pytest.mark.parametrize(
    "keys",
    [
        {"pk": {"S": "AUTHOR#x"}, "sk": {"S": "BOOK"}},
        {"pk": {"S": "BOOK#x"}, "sk": {"S": "BOOKS"}},
        {"pk": {"S": "BOOK#x#y"}, "sk": {"S": "BOOK"}},
        {"pk": {"S": "MEMBER#m"}, "sk": {"S": "LOAN#t"}},
        {"pk": {"N": "1"}, "sk": {"S": "BOOK"}},
    ],
    ids=["other-prefix", "other-constant", "more-segments", "fewer-segments", "number"],
)
def test_foreign_keys_are_no_entity(lib: Any, keys: dict[str, Any]) -> None:
    event = lib.decode_library_record(record(keys, name="REMOVE"))
    assert (event.entity, event.key, event.new, event.old) == (None, None, None, None)


def test_the_type_attribute_decides_over_the_key(lib: Any) -> None:
    item = lib.models.encode_book(book(lib))
    foreign = {**item, "_type": {"S": "Magazine"}}
    event = lib.decode_library_record(record(keys_of(item), new=foreign))
    assert (event.entity, event.key, event.new) == (None, None, None)
    assert event.raw["dynamodb"]["NewImage"] is foreign


def test_an_item_without_type_attribute_dispatches_on_its_key(lib: Any) -> None:
    b = book(lib)
    item = lib.models.encode_book(b)
    del item["_type"]  # written by other code
    assert lib.decode_library_record(record(keys_of(item), new=item)).new == b


def test_decode_errors_name_entity_attribute_and_key(lib: Any) -> None:
    item = lib.models.encode_loan(loan(lib))
    bad_key = {"pk": item["pk"], "sk": {"S": "LOAN#yesterday#x"}}
    with pytest.raises(lib.DecodeError) as raised:
        lib.decode_library_record(record(bad_key))
    assert (raised.value.entity, raised.value.attribute) == ("Loan", "borrowed_at")
    assert raised.value.key == bad_key

    image = {**item, "due": {"S": "June"}}
    with pytest.raises(lib.DecodeError) as raised:
        lib.decode_library_record(record(keys_of(item), old=image, name="REMOVE"))
    assert (raised.value.entity, raised.value.attribute) == ("Loan", "due")
    assert raised.value.key == keys_of(item)
    assert "Loan.due" in str(raised.value)

    b_item = lib.models.encode_book(book(lib))
    del b_item["title"]
    with pytest.raises(lib.DecodeError, match="'title' is missing"):
        lib.decode_library_record(record(keys_of(b_item), new=b_item))


def good(lib: Any) -> dict[str, Any]:
    item = lib.models.encode_book(book(lib))
    return record(keys_of(item), new=item)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("dynamodb"), "no 'dynamodb'"),
        (lambda r: r.update(eventName="UPSERT"), "eventName 'UPSERT'"),
        (lambda r: r["dynamodb"].pop("Keys"), "no 'Keys'"),
        (lambda r: r["dynamodb"].update(Keys={}), "Keys is not a map"),
        (lambda r: r["dynamodb"].update(SequenceNumber=5), "SequenceNumber"),
        (lambda r: r["dynamodb"].update(ApproximateCreationDateTime="now"), "str"),
        (lambda r: r["dynamodb"].update(ApproximateCreationDateTime=1e300), "range"),
    ],
    ids=["no-body", "event-name", "no-keys", "empty-keys", "sequence", "time", "huge"],
)
def test_malformed_records_raise_value_error(
    lib: Any, change: Any, message: str
) -> None:
    bad = good(lib)
    change(bad)
    with pytest.raises(ValueError, match=message):
        lib.decode_library_record(bad)


def test_batches(lib: Any) -> None:
    first, last = good(lib), good(lib)
    last["dynamodb"]["SequenceNumber"] = "300"
    broken = good(lib)
    broken["dynamodb"]["SequenceNumber"] = "200"
    broken["dynamodb"]["NewImage"]["price"] = {"N": "not a number"}
    malformed = {"eventName": "INSERT"}
    records = [first, broken, malformed, last]

    assert [e.raw for e in lib.decode_library_records([first, last])] == [first, last]
    assert lib.decode_library_records([]) == []
    with pytest.raises(lib.DecodeError):
        lib.decode_library_records(records)

    result = lib.decode_library_records(iter(records), on_error="collect")
    assert [e.raw for e in result.events] == [first, last]
    assert [f.record for f in result.failures] == [broken, malformed]
    assert isinstance(result.failures[0].error, lib.DecodeError)
    assert isinstance(result.failures[1].error, ValueError)
    # Lambda retries from the lowest failed sequence number; "" (no readable number)
    # makes it retry the whole batch.
    assert result.batch_item_failures() == {
        "batchItemFailures": [{"itemIdentifier": "200"}, {"itemIdentifier": ""}]
    }
    empty = lib.decode_library_records([first], on_error="collect")
    assert empty.batch_item_failures() == {"batchItemFailures": []}
    with pytest.raises(ValueError, match="on_error"):
        lib.decode_library_records([first], on_error="ignore")


def test_wire_image_converts_nested_bytes(lib: Any) -> None:
    srt = lib._stream_runtime
    image = {
        "b": {"B": b"\x01"},
        "bs": {"BS": [b"\x02", b"\x03"]},
        "m": {"M": {"inner": {"B": b"\x04"}, "n": {"N": "1"}}},
        "l": {"L": [{"B": b"\x05"}, {"S": "x"}]},
        "s": {"S": "text"},
    }

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    assert srt.wire_image(image) == {
        "b": {"B": b64(b"\x01")},
        "bs": {"BS": [b64(b"\x02"), b64(b"\x03")]},
        "m": {"M": {"inner": {"B": b64(b"\x04")}, "n": {"N": "1"}}},
        "l": {"L": [{"B": b64(b"\x05")}, {"S": "x"}]},
        "s": {"S": "text"},
    }


def test_package_exports(lib: Any) -> None:
    for name in (
        "LibraryEvent",
        "decode_library_record",
        "decode_library_records",
        "StreamBatch",
        "StreamFailure",
    ):
        assert name in lib.__all__ and hasattr(lib, name)
    fields = [f.name for f in lib.LibraryEvent.__dataclass_fields__.values()]
    assert fields == [
        "event_name",
        "entity",
        "key",
        "new",
        "old",
        "sequence_number",
        "created_at",
        "raw",
    ]
    event = lib.decode_library_record(good(lib))
    with pytest.raises(AttributeError):
        event.entity = "Loan"  # frozen
