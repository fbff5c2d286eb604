"""The ``backfill`` migration operation (SPEC §5 "Nothing is left half-migrated").

A parallel scan of the entity's items (filtered on the table's type attribute) computes
the derived index key attributes from the templates the migration file records, and
writes each item with one conditional UpdateItem that applies only if the item is as it
was read: its version where the entity has one, else the values of the template fields.
An item that changed meanwhile is read again and retried; an item that already carries
the right values (written by the new code) is skipped.

Progress is checkpointed per scan segment in the history table (the segment's last
evaluated key and its counts, after every page), under a per-segment lease, so that:
a killed run resumes from its checkpoints and never rewrites a finished segment; several
runners share the segments out (``--segments A-B/TOTAL``), each claiming a segment with
a conditional write; a dead runner's segments are taken over once their lease expires.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from dynagen._runtime import escape_key_text
from dynagen.migration_files import MigrationFile
from dynagen.model.templates import TemplateField, parse_template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from dynagen.migrate import Migrator

DEFAULT_SEGMENTS = 4
PAGE_SIZE = 100
MAX_ITEM_RETRIES = 10

Item = dict[str, Any]


@dataclass(slots=True)
class SegmentState:
    """One scan segment's checkpoint."""

    segment: int
    total: int
    done: bool = False
    last_key: dict[str, Any] | None = None
    owner: str | None = None
    lease_until: int = 0
    scanned: int = 0
    updated: int = 0
    skipped: int = 0
    retried: int = 0


@dataclass(slots=True)
class BackfillProgress:
    """Every checkpoint of one backfill operation."""

    total: int | None
    segments: dict[int, SegmentState] = field(default_factory=dict)

    @property
    def started(self) -> bool:
        return bool(self.segments)

    @property
    def finished(self) -> bool:
        return self.total is not None and all(
            self.segments.get(s) is not None and self.segments[s].done
            for s in range(self.total)
        )

    def count(self, name: str) -> int:
        return sum(int(getattr(s, name)) for s in self.segments.values())

    def summary(self) -> str:
        if not self.segments or self.total is None:
            return "not started"
        done = sum(1 for s in self.segments.values() if s.done)
        return (
            f"{done}/{self.total} segments done, {self.count('scanned')} scanned, "
            f"{self.count('updated')} updated, {self.count('skipped')} skipped, "
            f"{self.count('retried')} retried"
        )


class BackfillError(Exception):
    pass


def checkpoint_prefix(migration: MigrationFile, index: int) -> str:
    return f"backfill#{migration.name}#{index}#"


def _checkpoint_id(migration: MigrationFile, index: int, segment: int) -> str:
    return f"{checkpoint_prefix(migration, index)}{segment:05d}"


def backfill_progress(
    migrator: Migrator, migration: MigrationFile, index: int
) -> BackfillProgress:
    """The checkpoints of operation ``index`` of ``migration`` (none before it starts)."""
    client = migrator.client
    prefix = checkpoint_prefix(migration, index)
    progress = BackfillProgress(total=None)
    try:
        pages = client.get_paginator("scan").paginate(
            TableName=migrator.connection.history_table,
            ConsistentRead=True,
            FilterExpression="begins_with(id, :prefix)",
            ExpressionAttributeValues={":prefix": {"S": prefix}},
        )
        for page in pages:
            for item in page.get("Items", []):
                state = _segment_state(item)
                progress.segments[state.segment] = state
                progress.total = state.total
    except client.exceptions.ResourceNotFoundException:
        return progress
    return progress


def _segment_state(item: Mapping[str, Any]) -> SegmentState:
    last_key = item.get("last_key", {}).get("S")
    return SegmentState(
        segment=int(item["segment"]["N"]),
        total=int(item["total"]["N"]),
        done=bool(item.get("done", {}).get("BOOL", False)),
        last_key=json.loads(last_key) if last_key else None,
        owner=item.get("owner", {}).get("S"),
        lease_until=int(item.get("lease_until", {}).get("N", "0")),
        scanned=int(item.get("scanned", {}).get("N", "0")),
        updated=int(item.get("updated", {}).get("N", "0")),
        skipped=int(item.get("skipped", {}).get("N", "0")),
        retried=int(item.get("retried", {}).get("N", "0")),
    )


# --------------------------------------------------------------------------------------
# Derived attributes from recorded templates
# --------------------------------------------------------------------------------------


def field_text(spec: Mapping[str, Any], value: Mapping[str, Any]) -> str | None:
    """A stored field value's text in a key template, None when it is absent."""
    if not value or "NULL" in value:
        return None
    kind = spec["text"]
    if kind == "bool":
        return "true" if value.get("BOOL") else "false"
    raw = value.get("S", value.get("N"))
    if raw is None:
        return None
    if kind == "escaped":
        return escape_key_text(raw)
    if kind == "padded":
        width = int(spec["width"])
        return f"{int(raw):0{width}d}"
    return str(raw)


def derived_values(
    attributes: Mapping[str, Any], item: Mapping[str, Any]
) -> dict[str, str | None]:
    """Each derived attribute's value for ``item``: its text, or None (left out)."""
    values: dict[str, str | None] = {}
    for attribute, source in attributes.items():
        template = parse_template(source["template"])
        out: list[str] = []
        for part in template.parts:
            if isinstance(part, TemplateField):
                spec = source["fields"][part.name]
                text = field_text(spec, item.get(spec["stored"], {}))
                if text is None:
                    out = []
                    break
                out.append(text)
            else:
                out.append(part)
        values[attribute] = "".join(out) if out else None
    return values


def _current(item: Mapping[str, Any], attribute: str) -> str | None:
    value = item.get(attribute)
    return value.get("S") if value else None


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


class _RateLimiter:
    """At most ``per_second`` acquisitions per second over all threads (None: no cap)."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            wait = self.next - now
            self.next = max(now, self.next) + self.interval
        if wait > 0:
            time.sleep(wait)


@dataclass(frozen=True, slots=True)
class BackfillOptions:
    """How one runner takes part in a backfill."""

    segments: Sequence[int] | None = None  # None: every segment
    total: int | None = None  # None: the total of existing checkpoints, else default
    max_items_per_second: float | None = None


def run_backfill(
    migrator: Migrator, migration: MigrationFile, index: int, table_name: str
) -> BackfillProgress:
    """Run this runner's segments of the backfill; the progress afterwards."""
    options = migrator.backfill_options
    operation = migration.operations[index]
    progress = backfill_progress(migrator, migration, index)
    total = progress.total or options.total or DEFAULT_SEGMENTS
    if options.total is not None and progress.total not in (None, options.total):
        raise BackfillError(
            f"{migration.name}'s backfill of {operation['entity']} was started with "
            f"{progress.total} segments; use --segments A-B/{progress.total}"
        )
    wanted = (
        list(options.segments) if options.segments is not None else list(range(total))
    )
    if any(not 0 <= s < total for s in wanted):
        raise BackfillError(f"segments must be between 0 and {total - 1}")
    todo = [
        s for s in wanted if not (s in progress.segments and progress.segments[s].done)
    ]
    if not todo:
        return progress
    migrator.ensure_history_table()
    while True:
        progress = _run_segments(migrator, migration, index, table_name, total, todo)
        if progress.finished or options.segments is not None:
            return progress
        # Segments held by other runners: wait for them to finish or their lease to end.
        todo = [
            s
            for s in range(total)
            if not (s in progress.segments and progress.segments[s].done)
        ]
        migrator.console.print(
            f"waiting for segments {', '.join(map(str, todo))} held by other runners"
        )
        time.sleep(max(0.05, min(5.0, migrator.lease_seconds / 10)))


def _run_segments(
    migrator: Migrator,
    migration: MigrationFile,
    index: int,
    table_name: str,
    total: int,
    todo: Sequence[int],
) -> BackfillProgress:
    options = migrator.backfill_options
    table = migrator.describe(table_name)
    estimate = int(table.get("ItemCount", 0)) if table else 0
    limiter = _RateLimiter(options.max_items_per_second)
    stop = threading.Event()
    runner = _SegmentRunner(
        migrator, migration, index, table_name, total, limiter, stop
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=migrator.console, transient=False) as display:
        tasks = {
            s: display.add_task(
                f"segment {s}/{total}",
                total=max(1, estimate // total),
                counts="waiting",
            )
            for s in todo
        }
        runner.display = (display, tasks)
        workers = max(1, min(len(todo), migrator.backfill_workers))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(runner.run, s) for s in todo]
            errors: list[BaseException] = []
            for future in futures:
                exc = future.exception()
                if exc is not None:
                    stop.set()
                    errors.append(exc)
        if errors:
            raise errors[0]
    return backfill_progress(migrator, migration, index)


class _SegmentRunner:
    def __init__(
        self,
        migrator: Migrator,
        migration: MigrationFile,
        index: int,
        table_name: str,
        total: int,
        limiter: _RateLimiter,
        stop: threading.Event,
    ) -> None:
        self.migrator = migrator
        self.client = migrator.client
        self.migration = migration
        self.index = index
        self.operation = migration.operations[index]
        self.table_name = table_name
        self.total = total
        self.limiter = limiter
        self.stop = stop
        self.display: tuple[Progress, dict[int, Any]] | None = None

    # -- checkpoints --------------------------------------------------------------------

    def _lease(self) -> int:
        return int((time.time() + self.migrator.lease_seconds) * 1000)

    def claim(self, segment: int) -> SegmentState | None:
        """Take the segment's lease; None when it is done or another runner holds it."""
        client = self.client
        checkpoint = _checkpoint_id(self.migration, self.index, segment)
        try:
            response = client.update_item(
                TableName=self.migrator.connection.history_table,
                Key={"id": {"S": checkpoint}},
                UpdateExpression=(
                    "SET #owner = :me, lease_until = :lease, #segment = :segment, "
                    "#total = :total, done = if_not_exists(done, :false)"
                ),
                ConditionExpression=(
                    "attribute_not_exists(id) OR (done = :false AND "
                    "(lease_until < :now OR #owner = :me))"
                ),
                ExpressionAttributeNames={
                    "#owner": "owner",
                    "#segment": "segment",
                    "#total": "total",
                },
                ExpressionAttributeValues={
                    ":me": {"S": self.migrator.owner},
                    ":lease": {"N": str(self._lease())},
                    ":now": {"N": str(int(time.time() * 1000))},
                    ":segment": {"N": str(segment)},
                    ":total": {"N": str(self.total)},
                    ":false": {"BOOL": False},
                },
                ReturnValues="ALL_NEW",
            )
        except client.exceptions.ConditionalCheckFailedException:
            return None
        return _segment_state(response["Attributes"])

    def checkpoint(self, state: SegmentState) -> bool:
        """Record the segment's progress and renew its lease; False if it was lost."""
        client = self.client
        values: dict[str, AttributeValueTypeDef] = {
            ":me": {"S": self.migrator.owner},
            ":lease": {"N": str(self._lease())},
            ":done": {"BOOL": state.done},
            ":scanned": {"N": str(state.scanned)},
            ":updated": {"N": str(state.updated)},
            ":skipped": {"N": str(state.skipped)},
            ":retried": {"N": str(state.retried)},
        }
        expression = (
            "SET lease_until = :lease, done = :done, scanned = :scanned, "
            "updated = :updated, skipped = :skipped, retried = :retried"
        )
        if state.last_key is not None:
            expression += ", last_key = :key"
            values[":key"] = {"S": json.dumps(state.last_key, sort_keys=True)}
        try:
            client.update_item(
                TableName=self.migrator.connection.history_table,
                Key={
                    "id": {
                        "S": _checkpoint_id(self.migration, self.index, state.segment)
                    }
                },
                UpdateExpression=expression,
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues=values,
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # -- the scan -----------------------------------------------------------------------

    def release(self, segment: int) -> None:
        """Give the segment's lease up (a stopped run), so a re-run takes it at once."""
        client = self.client
        with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
            client.update_item(
                TableName=self.migrator.connection.history_table,
                Key={"id": {"S": _checkpoint_id(self.migration, self.index, segment)}},
                UpdateExpression="SET lease_until = :zero",
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={
                    ":me": {"S": self.migrator.owner},
                    ":zero": {"N": "0"},
                },
            )

    def run(self, segment: int) -> None:
        state = self.claim(segment)
        if state is None:
            self._show(segment, "held by another runner")
            return
        try:
            self._scan(segment, state)
        finally:
            if not state.done:
                self.release(segment)

    def _scan(self, segment: int, state: SegmentState) -> None:
        operation = self.operation
        while not state.done:
            if self.stop.is_set():
                return
            request: dict[str, Any] = {
                "TableName": self.table_name,
                "Segment": segment,
                "TotalSegments": self.total,
                "Limit": PAGE_SIZE,
                "FilterExpression": "#type = :type",
                "ExpressionAttributeNames": {"#type": operation["type_attribute"]},
                "ExpressionAttributeValues": {":type": {"S": operation["type"]}},
            }
            if state.last_key is not None:
                request["ExclusiveStartKey"] = state.last_key
            page = self.client.scan(**request)
            for item in page.get("Items", []):
                state.scanned += 1
                self.write(item, state)
            state.last_key = page.get("LastEvaluatedKey")
            state.done = state.last_key is None
            if not self.checkpoint(state):
                self._show(segment, "lost its lease to another runner")
                return
            self._show(segment, None, state)
            hook = self.migrator.segment_observer
            if hook is not None:
                hook(segment, state)

    def _show(
        self, segment: int, note: str | None, state: SegmentState | None = None
    ) -> None:
        if self.display is None:
            return
        display, tasks = self.display
        if state is not None:
            counts = (
                f"{state.scanned} scanned, {state.updated} updated, "
                f"{state.skipped} skipped, {state.retried} retried"
                + (", done" if state.done else "")
            )
            display.update(
                tasks[segment],
                completed=state.scanned,
                total=state.scanned if state.done else None,
                counts=counts,
            )
        elif note is not None:
            display.update(tasks[segment], counts=note)

    def write(self, item: Item, state: SegmentState) -> None:
        """Bring ``item``'s derived attributes up to date, retrying if it changes."""
        operation = self.operation
        keys = {k: item[k] for k in operation["key_attributes"]}
        for attempt in range(MAX_ITEM_RETRIES):
            if attempt:
                state.retried += 1
                fresh = self.client.get_item(
                    TableName=self.table_name, Key=keys, ConsistentRead=True
                ).get("Item")
                type_attribute = operation["type_attribute"]
                if (
                    fresh is None
                    or fresh.get(type_attribute, {}).get("S") != operation["type"]
                ):
                    state.skipped += 1  # deleted meanwhile
                    return
                item = dict(fresh)
            wanted = derived_values(operation["attributes"], item)
            if all(_current(item, a) == v for a, v in wanted.items()):
                state.skipped += 1
                return
            hook = self.migrator.item_observer
            if hook is not None:
                hook(item)
            self.limiter.acquire()
            try:
                self.client.update_item(
                    TableName=self.table_name, Key=keys, **self._update(item, wanted)
                )
            except self.client.exceptions.ConditionalCheckFailedException:
                continue
            state.updated += 1
            return
        raise BackfillError(
            f"item {keys} kept changing: gave up after {MAX_ITEM_RETRIES} attempts"
        )

    def _update(self, item: Item, wanted: Mapping[str, str | None]) -> dict[str, Any]:
        """SET/REMOVE the derived attributes, if the item is unchanged since read."""
        operation = self.operation
        names: dict[str, str] = {"#type": operation["type_attribute"]}
        values: dict[str, Any] = {":type": {"S": operation["type"]}}
        sets: list[str] = []
        removes: list[str] = []
        for position, (attribute, value) in enumerate(sorted(wanted.items())):
            names[f"#d{position}"] = attribute
            if value is None:
                removes.append(f"#d{position}")
            else:
                values[f":d{position}"] = {"S": value}
                sets.append(f"#d{position} = :d{position}")
        conditions = ["#type = :type"]
        guarded: list[str] = []
        if operation.get("version"):
            guarded = [operation["version"]]
        else:
            for source in operation["attributes"].values():
                for spec in source["fields"].values():
                    if spec["stored"] not in guarded:
                        guarded.append(spec["stored"])
        for position, stored in enumerate(guarded):
            names[f"#g{position}"] = stored
            if stored in item:
                values[f":g{position}"] = item[stored]
                conditions.append(f"#g{position} = :g{position}")
            else:
                conditions.append(f"attribute_not_exists(#g{position})")
        expression = " ".join(
            part
            for part in (
                f"SET {', '.join(sets)}" if sets else "",
                f"REMOVE {', '.join(removes)}" if removes else "",
            )
            if part
        )
        return {
            "UpdateExpression": expression,
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }


SegmentObserver = Callable[[int, SegmentState], None]
ItemObserver = Callable[[Item], None]
