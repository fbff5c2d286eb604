"""Property: any object of either entity, put into a stream record of either shape
(Lambda's JSON, boto3's bytes and datetime) under any event, decodes back to itself and
its key. The values come from the codec tests' strategies (every kind of text, number,
time and binary DynamoDB holds); no server is needed."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.codecs._strategies import (
    binaries,
    dates,
    datetimes,
    decimals,
    ints,
    optional,
    texts,
    uuids,
)

UTC = timezone.utc


def books(lib: Any) -> st.SearchStrategy[Any]:
    return st.builds(
        lib.Book,
        isbn=texts,
        title=texts,
        genre=st.sampled_from(list(lib.Genre)),
        price=decimals,
        tags=optional(st.sets(texts, min_size=1, max_size=3)),
        shelf=optional(st.builds(lib.Shelf, room=texts, row=ints)),
        cover=optional(binaries),
        version=st.integers(0, 10**6),
    )


def loans(lib: Any) -> st.SearchStrategy[Any]:
    return st.builds(
        lib.Loan,
        member_id=texts,
        loan_id=uuids,
        borrowed_at=datetimes,
        isbn=texts,
        renewals=ints,
        due=dates,
    )


def as_boto3(value: Any) -> Any:
    """Wire form as boto3 hands it over: binary values as bytes."""
    if isinstance(value, dict):
        if set(value) == {"B"}:
            return {"B": base64.b64decode(value["B"])}
        if set(value) == {"BS"}:
            return {"BS": [base64.b64decode(v) for v in value["BS"]]}
        return {k: as_boto3(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_boto3(v) for v in value]
    return value


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    event_name=st.sampled_from(["INSERT", "MODIFY", "REMOVE"]),
    boto3_shape=st.booleans(),
    created=st.integers(0, 4_102_444_800),
)
def test_any_item_decodes_from_either_record_shape(
    lib: Any, data: st.DataObject, event_name: str, boto3_shape: bool, created: int
) -> None:
    entity = data.draw(st.sampled_from(["Book", "Loan"]))
    strategy = books(lib) if entity == "Book" else loans(lib)
    new, other = data.draw(strategy), data.draw(strategy)
    key_class = lib.BookKey if entity == "Book" else lib.LoanKey
    key_fields = {f: getattr(new, f) for f in key_class.__dataclass_fields__}
    old = replace(other, **key_fields)  # the same item before the change
    encode = lib.models.encode_book if entity == "Book" else lib.models.encode_loan
    new_item, old_item = encode(new), encode(old)
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": created,
        "Keys": {"pk": new_item["pk"], "sk": new_item["sk"]},
        "SequenceNumber": str(created),
    }
    if event_name != "REMOVE":
        body["NewImage"] = new_item
    if event_name != "INSERT":
        body["OldImage"] = old_item
    record: dict[str, Any] = {"eventName": event_name, "dynamodb": body}
    if boto3_shape:
        record = as_boto3(record)
        record["dynamodb"]["ApproximateCreationDateTime"] = datetime.fromtimestamp(
            created, UTC
        )
    else:
        record = json.loads(json.dumps(record))

    event = lib.decode_library_record(record)

    assert event.entity == entity
    assert event.event_name == event_name
    assert event.new == (None if event_name == "REMOVE" else new)
    assert event.old == (None if event_name == "INSERT" else old)
    assert event.key == key_class(**key_fields)
    assert event.created_at == datetime.fromtimestamp(created, UTC)
    assert event.sequence_number == str(created)
