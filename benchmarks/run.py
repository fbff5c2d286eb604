"""dynagen's benchmark suite: ``.venv/bin/python benchmarks/run.py [--smoke] [--only NAME]``.

Benchmarks (``--only`` picks one; repeatable):

* ``build``: ``dynagen build`` as a cold process on a generated 50-entity schema.
* ``codecs``: marshal/unmarshal 10,000 ``Account`` items: dynagen vs boto3 vs PynamoDB.
* ``streams``: decode 10,000 Lambda stream records: dynagen vs boto3's TypeDeserializer.
* ``calls``: GetItem, conditional create (PutItem), PutItem, conditional UpdateItem
  returning the new item, and a 100-item Query page against a loopback endpoint: raw
  boto3 (the floor), boto3 resource, PynamoDB, pydynox, dynagen.
* ``batches``: 10,000 items through batch_put and batch_get against a loopback
  endpoint: dynagen vs boto3's ``Table.batch_writer``/client ``batch_get_item`` vs
  PynamoDB's ``batch_write``/``batch_get``.
* ``order_details``: an order's 50 items of 6 types: dynagen's collection (one Query)
  vs six entity queries vs hand-written boto3 (one Query) vs PynamoDB (six queries).
* ``cold_start``: fresh interpreters importing a generated package of 10, 50 and 200
  entities and reaching its first repository, beside PynamoDB's equivalent models.
* ``backfill``: a migration's backfill of N items against moto's server: items per
  second, and the share of call time in the scan versus the conditional updates.

``--smoke`` runs every benchmark at a tiny size (a few seconds), to prove they still
work; CI runs it.  The full run is manual and takes a few minutes.  ``--profile
OPERATION/LABEL`` (e.g. ``get/repository``) prints a cProfile of one call variant
instead.

The package of ``benchmarks/bench.yaml`` is generated into a temporary directory at start
with the current generator, and imported from there.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, sys.path[0] is benchmarks/ itself, where build.py and codecs.py
# would shadow the `build` package and the standard `codecs` module: use the repository
# root instead and import the benchmarks as a package.
_ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0] or ".").resolve() == _ROOT / "benchmarks":
    sys.path[0] = str(_ROOT)
elif str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse  # noqa: E402
import importlib  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from types import ModuleType  # noqa: E402

from benchmarks import (  # noqa: E402
    backfill,
    batches,
    build,
    calls,
    codecs,
    cold_start,
    order_details,
    streams,
)
from benchmarks.generated import BENCH_SCHEMA, load_package  # noqa: E402

BENCHMARKS = (
    "build",
    "codecs",
    "calls",
    "batches",
    "streams",
    "order_details",
    "backfill",
    "cold_start",
)
BENCH_PACKAGE = "benchshop"


@dataclass(frozen=True, slots=True)
class Sizes:
    build_tables: int
    build_entities_per_table: int
    build_runs: int
    codec_items: int
    codec_chunk: int
    codec_repeats: int
    stream_records: int
    stream_chunk: int
    stream_repeats: int
    single_calls: int
    query_calls: int
    call_repeats: int
    detail_reads: int = 20
    detail_repeats: int = 20
    cold_sizes: tuple[int, ...] = (10, 50, 200)
    cold_runs: int = 7
    batch_items: int = 10_000
    batch_repeats: int = 3


FULL = Sizes(
    build_tables=10,
    build_entities_per_table=5,
    build_runs=5,
    codec_items=10_000,
    codec_chunk=500,
    codec_repeats=5,
    stream_records=10_000,
    stream_chunk=100,  # a record costs several items' decoding: keep batches short
    stream_repeats=10,
    single_calls=50,
    query_calls=5,
    call_repeats=20,
)
SMOKE = Sizes(
    build_tables=2,
    build_entities_per_table=2,
    build_runs=1,
    codec_items=200,
    codec_chunk=100,
    codec_repeats=1,
    stream_records=200,
    stream_chunk=100,
    stream_repeats=1,
    single_calls=5,
    query_calls=2,
    call_repeats=1,
    detail_reads=2,
    detail_repeats=1,
    cold_sizes=(10,),
    cold_runs=1,
    batch_items=200,
    batch_repeats=1,
)


def _bench_package() -> tuple[ModuleType, ModuleType]:
    """The generated package of ``bench.yaml`` and its ``models`` module."""
    package = load_package(BENCH_SCHEMA, BENCH_PACKAGE)
    return package, importlib.import_module(f"{BENCH_PACKAGE}.models")


def _environment() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes: prove every benchmark works"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--profile",
        metavar="OPERATION/LABEL",
        help=(
            "cProfile one call variant, e.g. get/repository or query/floor "
            f"(operations: {', '.join(calls.OPERATIONS)})"
        ),
    )
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    started = time.perf_counter()
    print(f"dynagen benchmarks ({'smoke' if args.smoke else 'full'}): {_environment()}")
    if args.smoke:
        print(
            "smoke run: tiny sizes prove the benchmarks work; its figures mean nothing"
        )

    if args.profile:
        from benchmarks.profiling import profile_variant

        package, _ = _bench_package()
        with calls.loopback(package) as ctx:
            print(profile_variant(ctx, args.profile, calls=50 if args.smoke else 1000))
        return 0

    selected = args.only or list(BENCHMARKS)
    if "build" in selected:
        result = build.run_build(
            tables=sizes.build_tables,
            entities_per_table=sizes.build_entities_per_table,
            runs=sizes.build_runs,
        )
        print("\n" + build.format_build(result))
    if {"codecs", "calls", "batches", "streams"} & set(selected):
        package, models = _bench_package()
        if "codecs" in selected:
            codec_result = codecs.run_codecs(
                models,
                items=sizes.codec_items,
                repeats=sizes.codec_repeats,
                chunk=sizes.codec_chunk,
            )
            print("\n" + codecs.format_codecs(codec_result))
        if "streams" in selected:
            stream_result = streams.run_streams(
                package,
                models,
                records=sizes.stream_records,
                repeats=sizes.stream_repeats,
                chunk=sizes.stream_chunk,
            )
            print("\n" + streams.format_streams(stream_result))
        if "calls" in selected:
            counts = dict.fromkeys(calls.OPERATIONS, sizes.single_calls)
            counts[calls.QUERY] = sizes.query_calls
            with calls.loopback(package) as ctx:
                call_result = calls.run_calls(
                    ctx, calls=counts, repeats=sizes.call_repeats
                )
            print("\n" + calls.format_calls(call_result))
        if "batches" in selected:
            batch_result = batches.run_batches(
                package, items=sizes.batch_items, repeats=sizes.batch_repeats
            )
            print("\n" + batches.format_batches(batch_result))
    if "order_details" in selected:
        details = order_details.run_order_details(
            calls=sizes.detail_reads, repeats=sizes.detail_repeats
        )
        print("\n" + order_details.format_order_details(details))
    if "backfill" in selected:
        backfill_result = backfill.run_backfill_benchmark(
            items=100 if args.smoke else 5000, segments=4
        )
        print("\n" + backfill.format_backfill(backfill_result))
    if "cold_start" in selected:
        cold = cold_start.run_cold_start(sizes=sizes.cold_sizes, runs=sizes.cold_runs)
        print("\n" + cold_start.format_cold_start(cold))
    print(f"\ndone in {time.perf_counter() - started:.1f} s; {_environment()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
