"""Marshal and unmarshal many ``Account`` items: dynagen's generated codec against the
boto3 ``TypeSerializer``/``TypeDeserializer`` path and PynamoDB 6.

Same objects, same run.  Each contender turns the objects into the item form it hands
to (or gets from) botocore, and back:

* dynagen: ``encode_account``/``decode_account`` on the JSON wire form (B as base64
  text: it skips botocore's serializer, so that is what goes on the wire).
* boto3: ``TypeSerializer``/``TypeDeserializer`` plus the hand-written conversion
  between the typed dataclass and plain Python values (B as raw bytes: botocore
  base64-encodes it later, at a cost not counted here).
* PynamoDB: ``model.serialize()`` and ``Model.from_raw_data(item)`` (B as raw bytes).
* hand-written low-level codec (reference only, no target): straight-line dict code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from benchmarks import orms
from benchmarks.data import make_accounts
from benchmarks.handwritten import boto3_types_codec, low_level_codec
from benchmarks.report import format_table, speedup_headers, speedup_row, verdict
from benchmarks.timing import Timing, best_of_chunks

__all__ = ["CodecResult", "format_codecs", "run_codecs"]

DYNAGEN = "dynagen generated codec"
BOTO3 = "boto3 TypeSerializer/TypeDeserializer + typed conversion"
PYNAMODB = "PynamoDB 6 Model"
LOW_LEVEL = "hand-written low-level dict code (reference)"

#: direction -> contender -> the minimum speed-up dynagen must show (issue targets)
TARGETS: dict[str, dict[str, float]] = {
    "unmarshal": {BOTO3: 3.0, PYNAMODB: 10.0},
    "marshal": {BOTO3: 2.5, PYNAMODB: 4.0},
}


@dataclass(frozen=True, slots=True)
class CodecResult:
    items: int
    repeats: int
    chunk: int
    #: direction -> contender -> best times for all items
    times: dict[str, dict[str, Timing]]


def _over(
    function: Callable[[Any], object], values: Sequence[Any], chunk: int
) -> list[Callable[[], None]]:
    """Batches applying ``function`` to ``values``, ``chunk`` values each."""

    def batch(part: Sequence[Any]) -> Callable[[], None]:
        def run() -> None:
            for value in part:
                function(value)

        return run

    return [batch(values[i : i + chunk]) for i in range(0, len(values), chunk)]


def _check_pynamodb(instance: Any, account: Any) -> None:
    got, want = orms.pynamodb_fields(instance), orms.account_fields(account)
    if got != want:
        raise AssertionError(f"PynamoDB round trip differs:\n{got}\n{want}")


def run_codecs(
    models: ModuleType, *, items: int, repeats: int, chunk: int = 500
) -> CodecResult:
    accounts = make_accounts(models, items)
    encode, decode = models.encode_account, models.decode_account
    boto3_codec = boto3_types_codec(models)
    low = low_level_codec(models)
    pynamo_model = orms.make_pynamodb_model(
        models.Tier, table="bench_pynamodb", endpoint_url="http://127.0.0.1:9"
    )
    pynamo_objects = [orms.to_pynamodb(pynamo_model, a) for a in accounts]

    dynagen_items = [encode(a) for a in accounts]
    boto3_items = [boto3_codec.encode(a) for a in accounts]
    pynamo_items = [p.serialize() for p in pynamo_objects]
    low_items = [low.encode(a) for a in accounts]

    # Every contender must read back what it wrote before its time means anything.
    for i, account in enumerate(accounts[:200]):
        for name, back in (
            (DYNAGEN, decode(dynagen_items[i])),
            (BOTO3, boto3_codec.decode(boto3_items[i])),
            (LOW_LEVEL, low.decode(low_items[i])),
        ):
            if back != account:
                raise AssertionError(f"{name} round trip differs: {back} != {account}")
        _check_pynamodb(pynamo_model.from_raw_data(pynamo_items[i]), account)

    contenders = (DYNAGEN, BOTO3, PYNAMODB, LOW_LEVEL)
    marshal = best_of_chunks(
        [
            _over(encode, accounts, chunk),
            _over(boto3_codec.encode, accounts, chunk),
            _over(lambda p: p.serialize(), pynamo_objects, chunk),
            _over(low.encode, accounts, chunk),
        ],
        repeats,
    )
    unmarshal = best_of_chunks(
        [
            _over(decode, dynagen_items, chunk),
            _over(boto3_codec.decode, boto3_items, chunk),
            _over(pynamo_model.from_raw_data, pynamo_items, chunk),
            _over(low.decode, low_items, chunk),
        ],
        repeats,
    )
    return CodecResult(
        items=items,
        repeats=repeats,
        chunk=chunk,
        times={
            "marshal": dict(zip(contenders, marshal, strict=True)),
            "unmarshal": dict(zip(contenders, unmarshal, strict=True)),
        },
    )


def format_codecs(result: CodecResult) -> str:
    """The table: µs/item (wall and CPU) and how many times faster dynagen is."""
    n = result.items
    rows: list[list[str]] = []
    verdicts: list[str] = []
    for direction, times in result.times.items():
        ours = times[DYNAGEN]
        for name, timing in times.items():
            target = TARGETS[direction].get(name)
            rows.append(speedup_row(f"{direction:<9}  {name}", timing, ours, n, target))
            if target:
                verdicts.append(verdict(f"{direction} vs {name}", timing, ours, target))
    table = format_table(speedup_headers("direction  implementation", "item"), rows)
    header = (
        f"codecs: {n} Account items (15 attributes) in chunks of {result.chunk}, "
        f"each chunk's best of {result.repeats}, GC paused while timing\n"
        "  speed-up = their time / dynagen's; cpu = this process's CPU time"
    )
    return "\n".join(
        [
            header,
            "",
            table,
            "",
            "issue targets (judged on CPU time: wall time is inflated when other "
            "processes take turns on the cores, CPU time much less):",
            *verdicts,
        ]
    )
