"""Backfill throughput against moto's server: items per second, and where the time goes.

``.venv/bin/python benchmarks/backfill.py [--smoke] [--items N] [--segments N]`` (also run
by ``benchmarks/run.py --only backfill``). Builds a one-entity schema, stores N items
without a ``gsi2pk``, adds an index over it, and times ``dynagen migrate``'s backfill:
items per second over the whole operation, and the share of DynamoDB call time spent in
the parallel Scan versus the conditional UpdateItem calls (summed over threads, measured
from botocore's before-call to after-call events).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# As in run.py: run as a script, benchmarks/ (whose codecs.py and build.py shadow other
# modules) is replaced on sys.path by the repository root.
_ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0] or ".").resolve() == _ROOT / "benchmarks":
    sys.path[0] = str(_ROOT)
elif str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import boto3  # noqa: E402
import yaml  # noqa: E402
from dynagen.backfill import BackfillOptions, run_backfill  # noqa: E402
from dynagen.migrate import Connection, Migrator  # noqa: E402
from dynagen.migration_files import read_history  # noqa: E402
from dynagen.output import write  # noqa: E402
from dynagen.pipeline import compile_schema  # noqa: E402
from dynagen.render import HEADER_PREFIX  # noqa: E402
from rich.console import Console  # noqa: E402

from tests.backends import moto_command, start_server  # noqa: E402

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def _schema(with_index: bool) -> dict[str, Any]:
    key = {"pk": "ITEM#{item_id}", "sk": "ITEM"}
    indexes: dict[str, Any] = {}
    if with_index:
        key["gsi2pk"] = "GROUP#{group}"
        indexes["gsi2"] = {"partition_key": "gsi2pk"}
    return {
        "dynagen": 1,
        "package": "backfill_bench",
        "tables": {
            "Items": {"partition_key": "pk", "sort_key": "sk", "indexes": indexes}
        },
        "entities": {
            "Item": {
                "table": "Items",
                "key": key,
                "attributes": {
                    "item_id": "string",
                    "group": "string",
                    "payload": "string",
                },
            }
        },
    }


def _build(root: Path, schema: dict[str, Any]) -> Path:
    path = root / "schema.yaml"
    path.write_text(yaml.safe_dump(schema), encoding="utf-8")
    package_dir = root / "backfill_bench"
    result = compile_schema(path, "schema.yaml", package_dir)
    assert result.files is not None, result.diagnostics
    write(package_dir, result.files)
    return package_dir


class _CallTimes:
    """Seconds spent in each DynamoDB operation, summed over threads."""

    def __init__(self, client: DynamoDBClient) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._local = threading.local()
        self._lock = threading.Lock()
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, **kwargs: Any) -> None:
        self._local.started = time.perf_counter()

    def _after(self, model: Any, **kwargs: Any) -> None:
        elapsed = time.perf_counter() - self._local.started
        with self._lock:
            self.seconds[model.name] += elapsed
            self.calls[model.name] += 1


@dataclass(frozen=True, slots=True)
class BackfillResult:
    items: int
    segments: int
    seconds: float
    scan_seconds: float
    update_seconds: float
    other_seconds: float
    scans: int
    updates: int

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


@contextlib.contextmanager
def _moto() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="dynagen-bench-") as tmp:
        server = start_server("moto", moto_command, Path(tmp) / "moto.log")
        try:
            yield server.endpoint_url
        finally:
            server.stop()


def run_backfill_benchmark(items: int, segments: int) -> BackfillResult:
    with _moto() as endpoint, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        connection = Connection(endpoint_url=endpoint, table_prefix="bench-")
        quiet = Console(file=io.StringIO())
        package_dir = _build(root, _schema(with_index=False))
        history, _ = read_history(package_dir, HEADER_PREFIX)
        Migrator(client, connection, history, console=quiet).apply()
        table = "bench-Items"
        for start in range(0, items, 25):
            client.batch_write_item(
                RequestItems={
                    table: [
                        {
                            "PutRequest": {
                                "Item": {
                                    "pk": {"S": f"ITEM#i{i}"},
                                    "sk": {"S": "ITEM"},
                                    "_type": {"S": "Item"},
                                    "item_id": {"S": f"i{i}"},
                                    "group": {"S": f"g{i % 50}"},
                                    "payload": {"S": "x" * 200},
                                }
                            }
                        }
                        for i in range(start, min(start + 25, items))
                    ]
                }
            )
        package_dir = _build(root, _schema(with_index=True))
        history, _ = read_history(package_dir, HEADER_PREFIX)
        migration = history[-1]
        assert migration.operations[0]["op"] == "backfill"
        migrator = Migrator(
            client,
            connection,
            history,
            console=quiet,
            backfill_options=BackfillOptions(total=segments),
        )
        times = _CallTimes(client)
        started = time.perf_counter()
        progress = run_backfill(migrator, migration, 0, table)
        seconds = time.perf_counter() - started
        assert progress.finished and progress.count("updated") == items
        scan = times.seconds["Scan"]
        update = times.seconds["UpdateItem"]
        total = sum(times.seconds.values())
        return BackfillResult(
            items=items,
            segments=segments,
            seconds=seconds,
            scan_seconds=scan,
            update_seconds=update,
            other_seconds=total - scan - update,
            scans=times.calls["Scan"],
            updates=times.calls["UpdateItem"],
        )


def format_backfill(result: BackfillResult) -> str:
    calls = result.scan_seconds + result.update_seconds + result.other_seconds
    share = (lambda s: 100 * s / calls) if calls else (lambda s: 0.0)
    return "\n".join(
        [
            f"backfill against moto: {result.items} items, {result.segments} segments",
            f"  {result.items_per_second:,.0f} items/s ({result.seconds:.2f} s wall)",
            f"  call time: scan {share(result.scan_seconds):.0f}% "
            f"({result.scans} calls), conditional updates "
            f"{share(result.update_seconds):.0f}% ({result.updates} calls, "
            f"including checkpoints), other {share(result.other_seconds):.0f}%",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny run")
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--segments", type=int, default=4)
    args = parser.parse_args(argv)
    items = 100 if args.smoke else args.items
    print(format_backfill(run_backfill_benchmark(items, args.segments)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
