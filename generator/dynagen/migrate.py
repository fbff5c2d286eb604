"""``dynagen migrate``: run a generated package's migrations against DynamoDB (SPEC §2, §5).

Reads the migration files (never imports them) and talks to DynamoDB through boto3. Not
part of any generated package: it runs where dynagen is installed (a deploy job, a
developer's machine).

- Applied migrations are recorded in a history table, ``<table prefix>dynagen_migrations``
  (key ``id``): one item per applied migration, the lock, and backfill checkpoints.
- A runner holds a lease-based lock (a conditional PutItem on the ``lock`` item) renewed
  by a heartbeat; a dead runner's lease expires and the next runner takes over.
- Every operation first reads the live state and is skipped when it is already in
  effect, so a run that died mid-way is finished by the next one without errors.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError
from rich.console import Console

from dynagen.backfill import (
    BackfillOptions,
    ItemObserver,
    SegmentObserver,
    backfill_progress,
    run_backfill,
)
from dynagen.migration_files import MigrationFile
from dynagen.model.migration_state import EMPTY_STATE, Operation, State, describe

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        ProvisionedThroughputTypeDef,
        TableDescriptionTypeDef,
    )

HISTORY_TABLE = "dynagen_migrations"
LOCK_ID = "lock"
DEFAULT_LEASE_SECONDS = 60.0
_POLL_SECONDS = 0.05
_MAX_POLL_SECONDS = 2.0
_WAIT_TIMEOUT_SECONDS = 3600.0


class MigrateError(Exception):
    """A migration run that must stop; the message says why and what to do."""


class LockHeldError(MigrateError):
    """Another runner holds the lock."""


class LockLostError(MigrateError):
    """This runner's lease expired and another runner took the lock."""


@dataclass(frozen=True, slots=True)
class Connection:
    """Where the tables live: the connection options of SPEC §2."""

    endpoint_url: str | None = None
    region: str | None = None
    table_prefix: str = ""
    table_names: Mapping[str, str] = field(default_factory=dict)

    def client(self) -> DynamoDBClient:
        return boto3.client(
            "dynamodb", endpoint_url=self.endpoint_url, region_name=self.region
        )

    @property
    def history_table(self) -> str:
        return f"{self.table_prefix}{HISTORY_TABLE}"

    def physical_name(self, table_id: str, *states: State) -> str:
        """The physical name of ``table_id``, from the first state that records it."""
        if table_id in self.table_names:
            return self.table_names[table_id]
        for state in states:
            table = state.get("tables", {}).get(table_id)
            if table is not None:
                return f"{self.table_prefix}{table['name']}"
        raise MigrateError(f"table {table_id} is in no recorded state")


@dataclass(frozen=True, slots=True)
class Step:
    """One operation of a pending migration, with where it stands on the live tables."""

    migration: MigrationFile
    index: int  # 0-based position in the migration
    operation: Operation
    table_name: str
    done: bool
    note: str = ""

    @property
    def description(self) -> str:
        return describe(self.operation)


Observer = Callable[[MigrationFile, int, Operation], None]


def check_table_names(connection: Connection, history: Sequence[MigrationFile]) -> None:
    """``MigrateError`` when ``--table-name`` names a table no migration records."""
    known: set[str] = set()
    for migration in history:
        known |= set(migration.state.get("tables", {}))
    unknown = sorted(set(connection.table_names) - known)
    if unknown:
        raise MigrateError(
            f"--table-name names unknown table id(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )


def _now_ms() -> int:
    return int(time.time() * 1000)


def _timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Migrator:
    """Plan, apply and report the migrations ``history`` holds, over ``client``."""

    def __init__(
        self,
        client: DynamoDBClient,
        connection: Connection,
        history: Sequence[MigrationFile],
        *,
        console: Console | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        observer: Observer | None = None,
        owner: str | None = None,
        backfill_options: BackfillOptions | None = None,
        backfill_workers: int = 8,
    ) -> None:
        self.client = client
        self.connection = connection
        self.history = list(history)
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.lease_seconds = lease_seconds
        self.observer = observer
        self.backfill_options = backfill_options or BackfillOptions()
        self.backfill_workers = backfill_workers
        #: Test hooks: called after each backfill checkpoint, and before each item write.
        self.segment_observer: SegmentObserver | None = None
        self.item_observer: ItemObserver | None = None
        self.owner = (
            owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )
        check_table_names(connection, self.history)
        self._lost = threading.Event()
        self._heartbeat_stop = threading.Event()

    # -- reading ------------------------------------------------------------------------

    def _state_before(self, migration: MigrationFile) -> State:
        position = self.history.index(migration)
        return self.history[position - 1].state if position else EMPTY_STATE

    def applied(self) -> dict[str, dict[str, Any]]:
        """Applied migrations recorded in the history table (none if it is missing)."""
        items: dict[str, dict[str, Any]] = {}
        try:
            pages = self.client.get_paginator("scan").paginate(
                TableName=self.connection.history_table, ConsistentRead=True
            )
            for page in pages:
                for item in page.get("Items", []):
                    key = item["id"].get("S", "")
                    if key.startswith("migration#"):
                        items[key.removeprefix("migration#")] = {
                            k: _plain(v) for k, v in item.items()
                        }
        except self.client.exceptions.ResourceNotFoundException:
            return {}
        return items

    def pending(self) -> list[MigrationFile]:
        applied = self.applied()
        return [m for m in self.history if m.name not in applied]

    def steps(self, migrations: Sequence[MigrationFile]) -> list[Step]:
        """Every operation of ``migrations`` with whether the live tables already show it.

        A later migration's operation is judged against the live state as it is now
        (its predecessors may not have run yet), so ``done`` is a best guess for them.
        """
        steps: list[Step] = []
        for migration, index, operation, name in self._operations(migrations):
            done, note = self._is_done(operation, name, migration, index)
            steps.append(Step(migration, index, operation, name, done, note))
        return steps

    def _operations(
        self, migrations: Sequence[MigrationFile]
    ) -> Iterator[tuple[MigrationFile, int, Operation, str]]:
        """Each operation of ``migrations`` in order, with its position and the physical
        name of its table (lazily: the live state is read when each is reached)."""
        for migration in migrations:
            before = self._state_before(migration)
            for index, operation in enumerate(migration.operations):
                name = self.connection.physical_name(
                    operation["table"], migration.state, before
                )
                yield migration, index, operation, name

    # -- live state ---------------------------------------------------------------------

    def describe(self, table_name: str) -> TableDescriptionTypeDef | None:
        try:
            return self.client.describe_table(TableName=table_name)["Table"]
        except self.client.exceptions.ResourceNotFoundException:
            return None

    def _ttl(self, table_name: str) -> tuple[bool, str | None] | None:
        """(enabled, attribute) of the live table, None where the server cannot tell."""
        try:
            ttl = self.client.describe_time_to_live(TableName=table_name)
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                return False, None
            return None
        description = ttl.get("TimeToLiveDescription", {})
        status = description.get("TimeToLiveStatus", "DISABLED")
        return status in ("ENABLED", "ENABLING"), description.get("AttributeName")

    def _pitr(self, table_name: str) -> bool | None:
        try:
            backups = self.client.describe_continuous_backups(TableName=table_name)
        except ClientError:
            return None
        description = backups["ContinuousBackupsDescription"]
        pitr = description.get("PointInTimeRecoveryDescription", {})
        return pitr.get("PointInTimeRecoveryStatus") == "ENABLED"

    def _tags(self, table: TableDescriptionTypeDef) -> dict[str, str] | None:
        try:
            response = self.client.list_tags_of_resource(ResourceArn=table["TableArn"])
        except ClientError:
            return None
        return {t["Key"]: t["Value"] for t in response.get("Tags", [])}

    def _is_done(
        self, op: Operation, name: str, migration: MigrationFile, index: int
    ) -> tuple[bool, str]:
        """Whether ``op`` is already in effect on the live table, and a note."""
        kind = op["op"]
        table = self.describe(name)
        if kind == "create_table":
            return table is not None, ""
        if kind == "delete_table":
            return table is None, ""
        if table is None:
            return False, f"table {name} does not exist"
        if kind == "create_index":
            return _gsi(table, op["index"]) is not None, ""
        if kind == "delete_index":
            return _gsi(table, op["index"]) is None, ""
        if kind == "update_billing":
            return _billing_of(table) == op["billing"], ""
        if kind == "update_stream":
            return _stream_of(table) == op["after"], ""
        if kind == "update_ttl":
            ttl = self._ttl(name)
            if ttl is None:
                return False, "the server does not report TTL"
            enabled, attribute = ttl
            if op["enabled"]:
                return enabled and attribute == op["attribute"], ""
            return not enabled, ""
        if kind == "update_pitr":
            pitr = self._pitr(name)
            if pitr is None:
                return False, "the server does not report point-in-time recovery"
            return pitr == op["enabled"], ""
        if kind == "update_deletion_protection":
            return bool(table.get("DeletionProtectionEnabled")) == op["enabled"], ""
        if kind == "update_table_class":
            live = table.get("TableClassSummary", {}).get("TableClass", "STANDARD")
            return live == op["table_class"], ""
        if kind in ("tag_table", "untag_table"):
            tags = self._tags(table)
            if tags is None:
                return False, "the server does not report tags"
            if kind == "tag_table":
                return all(tags.get(k) == v for k, v in op["tags"].items()), ""
            return not any(k in tags for k in op["keys"]), ""
        if kind in ("create_replica", "delete_replica"):
            regions = {r.get("RegionName") for r in table.get("Replicas", [])}
            present = op["region"] in regions
            return present if kind == "create_replica" else not present, ""
        if kind == "backfill":
            progress = backfill_progress(self, migration, index)
            estimate = int(table.get("ItemCount", 0))
            return progress.finished, (
                f"{progress.summary()}; the table holds about {estimate} items "
                "(DescribeTable ItemCount, refreshed by DynamoDB about every six "
                "hours), the entity's among them"
            )
        raise MigrateError(f"unknown operation {kind!r} in {migration.path}")

    # -- running ------------------------------------------------------------------------

    def _run(
        self, op: Operation, name: str, migration: MigrationFile, index: int
    ) -> None:
        """Send ``op``'s DynamoDB call(s) and wait until the table is ACTIVE again."""
        kind = op["op"]
        client = self.client
        if kind == "create_table":
            client.create_table(TableName=name, **op["definition"])
        elif kind == "delete_table":
            client.delete_table(TableName=name)
            self.wait(name, gone=True)
            return
        elif kind == "create_index":
            client.update_table(
                TableName=name,
                AttributeDefinitions=op["attribute_definitions"],
                GlobalSecondaryIndexUpdates=[{"Create": op["definition"]}],
            )
        elif kind == "delete_index":
            client.update_table(
                TableName=name,
                GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": op["index"]}}],
            )
        elif kind == "update_billing":
            billing = op["billing"]
            if billing["mode"] == "PROVISIONED":
                throughput: ProvisionedThroughputTypeDef = {
                    "ReadCapacityUnits": billing["read"],
                    "WriteCapacityUnits": billing["write"],
                }
                client.update_table(
                    TableName=name,
                    BillingMode="PROVISIONED",
                    ProvisionedThroughput=throughput,
                    GlobalSecondaryIndexUpdates=[
                        {
                            "Update": {
                                "IndexName": i,
                                "ProvisionedThroughput": throughput,
                            }
                        }
                        for i in op.get("indexes", [])
                    ],
                )
            else:
                client.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
        elif kind == "update_stream":
            table = self.describe(name)
            if table is not None and _stream_of(table) is not None:
                client.update_table(
                    TableName=name, StreamSpecification={"StreamEnabled": False}
                )
                self.wait(name)
            if op["after"] is not None:
                client.update_table(
                    TableName=name,
                    StreamSpecification={
                        "StreamEnabled": True,
                        "StreamViewType": op["after"],
                    },
                )
        elif kind == "update_ttl":
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "Enabled": op["enabled"],
                    "AttributeName": op["attribute"],
                },
            )
        elif kind == "update_pitr":
            client.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": op["enabled"]
                },
            )
        elif kind == "update_deletion_protection":
            client.update_table(TableName=name, DeletionProtectionEnabled=op["enabled"])
        elif kind == "update_table_class":
            client.update_table(TableName=name, TableClass=op["table_class"])
        elif kind in ("tag_table", "untag_table"):
            table = self.describe(name)
            assert table is not None
            arn = table["TableArn"]
            if kind == "tag_table":
                client.tag_resource(
                    ResourceArn=arn,
                    Tags=[{"Key": k, "Value": v} for k, v in op["tags"].items()],
                )
            else:
                client.untag_resource(ResourceArn=arn, TagKeys=op["keys"])
        elif kind in ("create_replica", "delete_replica"):
            action = "Create" if kind == "create_replica" else "Delete"
            client.update_table(
                TableName=name,
                ReplicaUpdates=[{action: {"RegionName": op["region"]}}],  # type: ignore[misc]
            )
        elif kind == "backfill":
            run_backfill(self, migration, index, name)
            return
        else:
            raise MigrateError(f"unknown operation {kind!r} in {migration.path}")
        self.wait(name)

    def wait(self, table_name: str, *, gone: bool = False) -> None:
        """Poll until the table (and every index and replica) is ACTIVE, or gone."""
        delay = _POLL_SECONDS
        deadline = time.monotonic() + _WAIT_TIMEOUT_SECONDS
        started = time.monotonic()
        with self.console.status(f"waiting for {table_name}") as status:
            while True:
                self.check_lease()
                table = self.describe(table_name)
                if gone and table is None:
                    return
                if not gone and table is not None:
                    busy = _busy(table)
                    if not busy:
                        return
                    status.update(
                        f"waiting for {table_name}: {', '.join(busy)} "
                        f"({time.monotonic() - started:.0f} s)"
                    )
                if time.monotonic() > deadline:
                    state = "deleted" if gone else "ACTIVE"
                    raise MigrateError(f"table {table_name} did not become {state}")
                time.sleep(delay)
                delay = min(delay * 2, _MAX_POLL_SECONDS)

    def ensure_history_table(self) -> None:
        name = self.connection.history_table
        if self.describe(name) is None:
            with contextlib.suppress(self.client.exceptions.ResourceInUseException):
                self.client.create_table(
                    TableName=name,
                    AttributeDefinitions=[
                        {"AttributeName": "id", "AttributeType": "S"}
                    ],
                    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                    BillingMode="PAY_PER_REQUEST",
                )
        self.wait(name)

    # -- the lock -----------------------------------------------------------------------

    def try_lock(self) -> dict[str, Any] | None:
        """Take the lock if it is free or expired; None on success, else its holder."""
        now = _now_ms()
        try:
            self.client.put_item(
                TableName=self.connection.history_table,
                Item={
                    "id": {"S": LOCK_ID},
                    "owner": {"S": self.owner},
                    "expires_at": {"N": str(now + int(self.lease_seconds * 1000))},
                    "acquired_at": {"S": _timestamp()},
                },
                ConditionExpression=(
                    "attribute_not_exists(id) OR expires_at < :now OR #owner = :me"
                ),
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={
                    ":now": {"N": str(now)},
                    ":me": {"S": self.owner},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            found: object = exc.response.get("Item")
            old: Mapping[str, Any] = found if isinstance(found, dict) else {}
            if not old:
                response = self.client.get_item(
                    TableName=self.connection.history_table,
                    Key={"id": {"S": LOCK_ID}},
                    ConsistentRead=True,
                )
                old = response.get("Item", {})
            return {k: _plain(v) for k, v in old.items()}
        return None

    def renew(self) -> bool:
        """Extend the lease; False when another runner has taken the lock."""
        try:
            self.client.update_item(
                TableName=self.connection.history_table,
                Key={"id": {"S": LOCK_ID}},
                UpdateExpression="SET expires_at = :until",
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={
                    ":until": {"N": str(_now_ms() + int(self.lease_seconds * 1000))},
                    ":me": {"S": self.owner},
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release(self) -> None:
        with contextlib.suppress(
            self.client.exceptions.ConditionalCheckFailedException
        ):
            self.client.delete_item(
                TableName=self.connection.history_table,
                Key={"id": {"S": LOCK_ID}},
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":me": {"S": self.owner}},
            )

    def check_lease(self) -> None:
        if self._lost.is_set():
            raise LockLostError(
                "this runner lost the migration lock (its lease expired and another "
                "runner took it); stopped before the next operation"
            )

    @contextlib.contextmanager
    def locked(self, wait_seconds: float) -> Iterator[None]:
        """Hold the lock (waiting up to ``wait_seconds`` for it), renewing the lease."""
        deadline = time.monotonic() + wait_seconds
        announced = False
        while True:
            holder = self.try_lock()
            if holder is None:
                break
            if time.monotonic() >= deadline:
                raise LockHeldError(
                    f"another runner holds the migration lock: {holder.get('owner')}, "
                    f"since {holder.get('acquired_at')}; its lease ends within "
                    f"{self.lease_seconds:.0f} s if it died. Retry later, or pass "
                    "--lock-wait SECONDS to wait for it"
                )
            if not announced:
                self.console.print(
                    f"waiting for the migration lock held by {holder.get('owner')}"
                )
                announced = True
            time.sleep(min(1.0, max(0.05, self.lease_seconds / 10)))
        self._lost.clear()
        self._heartbeat_stop.clear()
        heartbeat = threading.Thread(target=self._heartbeat, daemon=True)
        heartbeat.start()
        try:
            yield
        finally:
            self._heartbeat_stop.set()
            heartbeat.join()
            if not self._lost.is_set():
                self.release()

    def _heartbeat(self) -> None:
        while not self._heartbeat_stop.wait(self.lease_seconds / 3):
            try:
                renewed = self.renew()
            except ClientError:
                continue  # a transient error: the next beat retries within the lease
            if not renewed:
                self._lost.set()
                return

    # -- commands -----------------------------------------------------------------------

    def apply(
        self,
        *,
        dry_run: bool = False,
        allow_table_deletion: bool = False,
        lock_wait: float = 0.0,
    ) -> int:
        """Apply every pending migration in order; the number applied."""
        for migration in self.history:
            if migration.edited:
                raise MigrateError(
                    f"{migration.path} was edited: its operations no longer match the "
                    "SHA-256 it records; restore it from version control"
                )
        pending = self.pending()
        deletions = [
            (m, o) for m in pending for o in m.operations if o["op"] == "delete_table"
        ]
        if deletions and not allow_table_deletion:
            for migration, operation in deletions:
                name = self.connection.physical_name(
                    operation["table"], self._state_before(migration)
                )
                self.console.print(
                    f"[bold red]REFUSED[/]: {migration.name} deletes table "
                    f"{operation['table']} ({name}) and every item in it"
                )
            raise MigrateError(
                "pending migrations delete tables; nothing was applied. Re-run with "
                "--allow-table-deletion once you are sure the data can go"
            )
        if dry_run:
            self._print_steps(self.steps(pending), "would")
            return 0
        if not pending:
            self.console.print("nothing to apply: every migration is applied")
            return 0
        if self.backfill_options.segments is not None:
            self._backfill_segments(pending)
            return 0
        self.ensure_history_table()
        count = 0
        with self.locked(lock_wait):
            for migration in self.pending():  # again, under the lock
                self.console.print(f"applying {migration.name}")
                before = self._state_before(migration)
                for index, operation in enumerate(migration.operations):
                    self.check_lease()
                    name = self.connection.physical_name(
                        operation["table"], migration.state, before
                    )
                    done, _ = self._is_done(operation, name, migration, index)
                    label = f"  {index + 1}. {describe(operation)}"
                    if done:
                        if operation["op"] in ("create_table", "create_index"):
                            self.wait(name)  # a crashed run's table may be CREATING
                        self.console.print(f"{label}: already done")
                    else:
                        self._run(operation, name, migration, index)
                        self.console.print(f"{label}: done")
                    if self.observer is not None:
                        self.observer(migration, index, operation)
                self.check_lease()
                self.client.put_item(
                    TableName=self.connection.history_table,
                    Item={
                        "id": {"S": f"migration#{migration.name}"},
                        "name": {"S": migration.name},
                        "sha256": {"S": migration.sha256},
                        "applied_at": {"S": _timestamp()},
                        "applied_by": {"S": self.owner},
                    },
                )
                count += 1
        self.console.print(f"applied {count} migration{'s' if count != 1 else ''}")
        return count

    def _backfill_segments(self, pending: Sequence[MigrationFile]) -> None:
        """``--segments``: run this runner's share of the pending backfills, in order,
        without the migration lock (each segment has its own lease); stop at the first
        operation that is neither a backfill nor done, or at an unfinished backfill."""
        for migration, index, operation, name in self._operations(pending):
            done, _ = self._is_done(operation, name, migration, index)
            if done:
                continue
            if operation["op"] != "backfill":
                self.console.print(
                    f"stopping at {migration.name} step {index + 1} "
                    f"({describe(operation)}): run `dynagen migrate apply` without "
                    "--segments to apply it"
                )
                return
            self.console.print(f"{migration.name}: {describe(operation)}")
            progress = run_backfill(self, migration, index, name)
            if not progress.finished:
                self.console.print(
                    f"this runner's segments are done ({progress.summary()}); "
                    "the other segments belong to other runners"
                )
                return

    def _print_steps(self, steps: Sequence[Step], verb: str) -> None:
        if not steps:
            self.console.print("no pending migrations")
            return
        current = None
        for step in steps:
            if step.migration is not current:
                current = step.migration
                self.console.print(f"{verb} apply {current.name}:")
            state = "already done" if step.done else "pending"
            note = f" ({step.note})" if step.note else ""
            self.console.print(
                f"  {step.index + 1}. {step.description} [{step.table_name}]: "
                f"{state}{note}",
                markup=False,
            )

    def plan(self) -> list[str]:
        """Print pending operations and drift; return the drift found."""
        pending = self.pending()
        self._print_steps(self.steps(pending), "will")
        applied = self.applied()
        recorded = [m for m in self.history if m.name in applied]
        drift = self.drift(recorded[-1].state) if recorded else []
        if drift:
            self.console.print(
                "[bold red]drift[/] between the schema and the live tables:"
            )
            for line in drift:
                self.console.print(f"  {line}", markup=False)
        else:
            self.console.print("no drift")
        return drift

    def status(self) -> None:
        applied = self.applied()
        for migration in self.history:
            record = applied.get(migration.name)
            if record is not None:
                self.console.print(
                    f"applied  {migration.name}  {record.get('applied_at', '')}",
                    markup=False,
                )
                continue
            self.console.print(f"pending  {migration.name}", markup=False)
            for index, operation in enumerate(migration.operations):
                if operation["op"] == "backfill":
                    progress = backfill_progress(self, migration, index)
                    if progress.started:
                        self.console.print(
                            f"         {index + 1}. {describe(operation)}: "
                            f"{progress.summary()}",
                            markup=False,
                        )

    def drift(self, state: State) -> list[str]:
        """How the live tables differ from ``state`` (the last applied migration's)."""
        found: list[str] = []
        for table_id, expected in state.get("tables", {}).items():
            name = self.connection.physical_name(table_id, state)
            table = self.describe(name)
            if table is None:
                found.append(f"{table_id}: table {name} does not exist")
                continue
            found.extend(
                f"{table_id}: {line}" for line in self._table_drift(table, expected)
            )
        return found

    def _table_drift(
        self, table: TableDescriptionTypeDef, expected: Mapping[str, Any]
    ) -> list[str]:
        out: list[str] = []
        name = table["TableName"]
        live_gsis = {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes", [])}
        live_lsis = {i["IndexName"] for i in table.get("LocalSecondaryIndexes", [])}
        indexes: Mapping[str, Any] = expected["indexes"]
        for index_name, index in indexes.items():
            if index["local"]:
                if index_name not in live_lsis:
                    out.append(f"local index {index_name} is missing")
            elif index_name not in live_gsis:
                out.append(f"global index {index_name} is missing")
            else:
                keys = [k["AttributeName"] for k in live_gsis[index_name]["KeySchema"]]
                want = [
                    k["name"] for k in (index["partition_key"], index["sort_key"]) if k
                ]
                if keys != want:
                    out.append(
                        f"global index {index_name} has key {keys}, the schema {want}"
                    )
        for index_name in sorted(set(live_gsis) - set(indexes)):
            out.append(f"global index {index_name} is not in the schema")
        for index_name in sorted(live_lsis - set(indexes)):
            out.append(f"local index {index_name} is not in the schema")
        billing = _billing_of(table)
        if billing != expected["billing"]:
            out.append(f"billing is {billing}, the schema says {expected['billing']}")
        stream = _stream_of(table)
        if stream != expected.get("stream"):
            out.append(f"stream is {stream}, the schema says {expected.get('stream')}")
        protection = bool(table.get("DeletionProtectionEnabled"))
        if protection != bool(expected.get("deletion_protection")):
            out.append(f"deletion protection is {'on' if protection else 'off'}")
        # A server that does not report the class (moto) is not drift.
        summary = table.get("TableClassSummary")
        if summary is not None and summary.get("TableClass", "STANDARD") != (
            expected.get("table_class") or "STANDARD"
        ):
            out.append(f"table class is {summary.get('TableClass')}")
        ttl = self._ttl(name)
        if ttl is not None:
            enabled, attribute = ttl
            live_ttl = attribute if enabled else None
            if live_ttl != expected.get("ttl"):
                out.append(
                    f"TTL is on {live_ttl}, the schema says {expected.get('ttl')}"
                )
        pitr = self._pitr(name)
        if pitr is not None and pitr != bool(expected.get("point_in_time_recovery")):
            out.append(f"point-in-time recovery is {'on' if pitr else 'off'}")
        tags = self._tags(table)
        if tags is not None and tags != dict(expected.get("tags", {})):
            out.append(f"tags are {tags}, the schema says {expected.get('tags', {})}")
        return out


# --------------------------------------------------------------------------------------
# Helpers over DescribeTable
# --------------------------------------------------------------------------------------


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _plain(value: Mapping[str, Any]) -> Any:
    """A history-table attribute value as plain Python (S, N, BOOL only)."""
    if "S" in value:
        return value["S"]
    if "N" in value:
        number = value["N"]
        return int(number) if number.lstrip("-").isdigit() else float(number)
    if "BOOL" in value:
        return value["BOOL"]
    return None


def _gsi(table: TableDescriptionTypeDef, name: str) -> Mapping[str, Any] | None:
    for index in table.get("GlobalSecondaryIndexes", []):
        if index.get("IndexName") == name and index.get("IndexStatus") != "DELETING":
            return index
    return None


def _billing_of(table: TableDescriptionTypeDef) -> dict[str, Any]:
    mode = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    throughput = table.get("ProvisionedThroughput", {})
    if mode == "PAY_PER_REQUEST" or (
        "BillingModeSummary" not in table
        and throughput.get("ReadCapacityUnits", 0) == 0
    ):
        return {"mode": "PAY_PER_REQUEST"}
    return {
        "mode": "PROVISIONED",
        "read": throughput.get("ReadCapacityUnits", 0),
        "write": throughput.get("WriteCapacityUnits", 0),
    }


def _stream_of(table: TableDescriptionTypeDef) -> str | None:
    spec = table.get("StreamSpecification", {})
    if not spec.get("StreamEnabled"):
        return None
    return spec.get("StreamViewType")


def _busy(table: TableDescriptionTypeDef) -> list[str]:
    """What is not ACTIVE yet: the table, an index (backfilling?), a replica."""
    busy: list[str] = []
    if table.get("TableStatus") != "ACTIVE":
        busy.append(f"table {table.get('TableStatus', '?')}")
    for index in table.get("GlobalSecondaryIndexes", []):
        status = index.get("IndexStatus", "ACTIVE")
        if status != "ACTIVE":
            backfilling = " (backfilling)" if index.get("Backfilling") else ""
            busy.append(f"index {index.get('IndexName')} {status}{backfilling}")
    for replica in table.get("Replicas", []):
        replica_status = replica.get("ReplicaStatus", "ACTIVE")
        if replica_status != "ACTIVE":
            busy.append(f"replica {replica.get('RegionName')} {replica_status}")
    return busy
