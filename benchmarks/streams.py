"""Decode many DynamoDB stream records of ``Account`` items, as a Lambda function
receives them: dynagen's generated ``decode_bench_records`` against boto3's
``TypeDeserializer`` plus the hand conversion a handler needs.

Same records, same run.  Each record is a ``MODIFY`` with both images (the table's
stream is ``new_and_old_images``), in Lambda's JSON shape: the creation time in epoch
seconds and binary values as base64 text.  Each contender yields the event name, the
key, both images as ``Account`` objects, the sequence number and an aware creation
time:

* dynagen: ``decode_bench_records(records)`` (``BenchEvent`` objects).
* boto3: ``TypeDeserializer`` on the keys and each image (after base64-decoding the
  binary attribute, which ``TypeDeserializer`` cannot read from Lambda's JSON), then the
  typed conversion of ``handwritten.boto3_types_codec``.
* hand-written low-level dict code (reference only, no target).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal
from functools import partial
from types import ModuleType
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer

from benchmarks.data import make_accounts
from benchmarks.handwritten import boto3_types_codec, low_level_codec
from benchmarks.report import format_table, speedup_headers, speedup_row, verdict
from benchmarks.timing import Timing, best_of_chunks

__all__ = ["StreamResult", "format_streams", "run_streams"]

DYNAGEN = "dynagen decode_bench_records"
BOTO3 = "boto3 TypeDeserializer + hand conversion"
LOW_LEVEL = "hand-written low-level dict code (reference)"
TARGETS = {BOTO3: 3.0}

Event = tuple[str, str, Any, Any, str, datetime]
Decoder = Callable[[Sequence[dict[str, Any]]], list[Any]]


@dataclass(frozen=True, slots=True)
class StreamResult:
    records: int
    repeats: int
    chunk: int
    times: dict[str, Timing]


def make_records(
    models: ModuleType, count: int
) -> tuple[list[dict[str, Any]], list[Any]]:
    """``count`` Lambda-shaped MODIFY records and the (new, old) accounts in them."""
    records: list[dict[str, Any]] = []
    pairs: list[Any] = []
    for i, new in enumerate(make_accounts(models, count)):
        old = replace(new, balance=new.balance - Decimal("1.25"), name=new.name + " Sr")
        new_image, old_image = models.encode_account(new), models.encode_account(old)
        records.append(
            {
                "eventID": f"{i:032x}",
                "eventName": "MODIFY",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1714564800 + i,
                    "Keys": {"pk": new_image["pk"], "sk": new_image["sk"]},
                    "NewImage": new_image,
                    "OldImage": old_image,
                    "SequenceNumber": f"{4_000_000_000_000_000_000 + i}",
                    "SizeBytes": 800,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/bench/stream/x",
            }
        )
        pairs.append((new, old))
    return records, pairs


def boto3_decoder(models: ModuleType) -> Decoder:
    codec = boto3_types_codec(models)
    deserialize = TypeDeserializer().deserialize
    b64decode = base64.b64decode

    def image(wire: dict[str, Any]) -> Any:
        values = {k: deserialize(v) for k, v in wire.items() if k != "fingerprint"}
        values["fingerprint"] = Binary(b64decode(wire["fingerprint"]["B"]))
        return codec.from_python(values)

    def account_id(keys: dict[str, Any]) -> str:
        plain = {k: deserialize(v) for k, v in keys.items()}
        text: str = plain["pk"]
        return text.split("#", 1)[1]

    return _hand_decoder(image, account_id)


def _hand_decoder(
    image: Callable[[dict[str, Any]], Any], account_id: Callable[[dict[str, Any]], str]
) -> Decoder:
    """The loop a hand-written handler runs over its records, with ``image`` reading an
    image into an ``Account`` and ``account_id`` the key."""
    utc = timezone.utc
    fromtimestamp = datetime.fromtimestamp

    def decode(records: Sequence[dict[str, Any]]) -> list[Event]:
        events: list[Event] = []
        for record in records:
            body = record["dynamodb"]
            new, old = body.get("NewImage"), body.get("OldImage")
            events.append(
                (
                    record["eventName"],
                    account_id(body["Keys"]),
                    None if new is None else image(new),
                    None if old is None else image(old),
                    body["SequenceNumber"],
                    fromtimestamp(body["ApproximateCreationDateTime"], utc),
                )
            )
        return events

    return decode


def low_level_decoder(models: ModuleType) -> Decoder:
    low = low_level_codec(models)
    b64decode = base64.b64decode

    def image(wire: dict[str, Any]) -> Any:
        return low.decode(
            {**wire, "fingerprint": {"B": b64decode(wire["fingerprint"]["B"])}}
        )

    def account_id(keys: dict[str, Any]) -> str:
        text: str = keys["pk"]["S"]
        return text.split("#", 1)[1]

    return _hand_decoder(image, account_id)


def _check(name: str, events: list[Any], pairs: list[Any], records: list[Any]) -> None:
    for event, (new, old), record in zip(events, pairs, records, strict=True):
        if isinstance(event, tuple):
            name_, account_id, got_new, got_old, sequence, created = event
        else:
            name_, account_id = event.event_name, event.key.account_id
            got_new, got_old = event.new, event.old
            sequence, created = event.sequence_number, event.created_at
        body = record["dynamodb"]
        if (name_, account_id, got_new, got_old, sequence) != (
            "MODIFY",
            new.account_id,
            new,
            old,
            body["SequenceNumber"],
        ) or created.timestamp() != body["ApproximateCreationDateTime"]:
            raise AssertionError(f"{name} decodes a record wrongly: {event}")


def run_streams(
    package: ModuleType, models: ModuleType, *, records: int, repeats: int, chunk: int
) -> StreamResult:
    batch, pairs = make_records(models, records)
    contenders: dict[str, Decoder] = {
        DYNAGEN: package.decode_bench_records,
        BOTO3: boto3_decoder(models),
        LOW_LEVEL: low_level_decoder(models),
    }
    # Every contender must decode the records to what was written first.
    for name, decode in contenders.items():
        _check(name, decode(batch[:200]), pairs[:200], batch[:200])
    chunks = [batch[i : i + chunk] for i in range(0, len(batch), chunk)]

    times = best_of_chunks(
        [[partial(decode, part) for part in chunks] for decode in contenders.values()],
        repeats,
    )
    return StreamResult(
        records, repeats, chunk, dict(zip(contenders, times, strict=True))
    )


def format_streams(result: StreamResult) -> str:
    """The table: µs/record (wall and CPU) and how many times faster dynagen is."""
    n = result.records
    ours = result.times[DYNAGEN]
    rows: list[list[str]] = []
    verdicts: list[str] = []
    for name, timing in result.times.items():
        target = TARGETS.get(name)
        rows.append(speedup_row(name, timing, ours, n, target))
        if target:
            verdicts.append(verdict(f"vs {name}", timing, ours, target))
    table = format_table(speedup_headers("implementation", "record"), rows)
    header = (
        f"streams: {n} Lambda-shaped MODIFY records of Account (both images) in chunks "
        f"of {result.chunk}, each chunk's best of {result.repeats}, GC paused while "
        "timing\n  speed-up = their time / dynagen's; cpu = this process's CPU time"
    )
    return "\n".join(
        [header, "", table, "", "issue target (judged on CPU time):", *verdicts]
    )
