"""``dynagen migrate``: apply, re-apply, crash and re-run, the lock, drift, deletion and
the command line, against the real servers (SPEC §2, §5)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from dynagen.migrate import LockHeldError, MigrateError
from dynagen.migration_files import MigrationFile

from tests.backends import Backend
from tests.migrations._support import (
    Project,
    changed,
    connection_args,
    invoke,
    library,
    printed,
    runner,
)
from tests.repository._support import RequestLog

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

MUTATING = {
    "CreateTable",
    "DeleteTable",
    "UpdateTable",
    "UpdateTimeToLive",
    "UpdateContinuousBackups",
    "TagResource",
    "UntagResource",
}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


@pytest.fixture
def client(backend: Backend, table_prefix: str) -> Iterator[DynamoDBClient]:
    c = backend.client()
    yield c
    # Tables with deletion protection would survive the prefix cleanup.
    for name in c.list_tables()["TableNames"]:
        if name.startswith(table_prefix):
            with contextlib.suppress(ClientError):
                c.update_table(TableName=name, DeletionProtectionEnabled=False)
    c.close()


def describe(client: DynamoDBClient, name: str) -> Any:
    return client.describe_table(TableName=name)["Table"]


def gsi_names(client: DynamoDBClient, name: str) -> list[str]:
    return sorted(
        g["IndexName"] for g in describe(client, name).get("GlobalSecondaryIndexes", [])
    )


def history_items(client: DynamoDBClient, prefix: str) -> dict[str, Any]:
    items = client.scan(TableName=f"{prefix}dynagen_migrations", ConsistentRead=True)
    return {i["id"]["S"]: i for i in items["Items"]}


# -- apply and re-apply ----------------------------------------------------------------


def test_apply_creates_tables_and_records_then_second_apply_is_a_noop(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    project.built(library())
    migrator = runner(backend, table_prefix, project, client=client)
    assert [m.name for m in migrator.pending()] == ["0001_initial"]
    assert migrator.apply() == 1
    table = describe(client, f"{table_prefix}library")
    assert table["TableStatus"] == "ACTIVE"
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert gsi_names(client, f"{table_prefix}library") == ["gsi1"]
    record = history_items(client, table_prefix)["migration#0001_initial"]
    assert record["sha256"]["S"] == project.history()[0].sha256
    assert "LOCK" not in history_items(client, table_prefix)  # released
    assert "lock" not in history_items(client, table_prefix)

    again = runner(backend, table_prefix, project, client=client)
    with RequestLog(client) as log:
        assert again.apply() == 0
    assert not MUTATING & set(log.operations)
    assert "nothing to apply" in printed(again)


def test_dry_run_changes_nothing(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    project.built(library())
    migrator = runner(backend, table_prefix, project, client=client)
    with RequestLog(client) as log:
        migrator.apply(dry_run=True)
    assert not (MUTATING | {"PutItem", "UpdateItem"}) & set(log.operations)
    assert "would apply 0001_initial" in printed(migrator)
    assert "1. create table Library" in printed(migrator)
    names = client.list_tables()["TableNames"]
    assert not [n for n in names if n.startswith(table_prefix)]


def test_table_name_override(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    project.built(library())
    result = invoke(
        "migrate",
        "apply",
        str(project.package_dir),
        *connection_args(backend, table_prefix),
        "--table-name",
        f"Library={table_prefix}books-here",
    )
    assert result.exit_code == 0, result.output
    names = client.list_tables()["TableNames"]
    assert f"{table_prefix}books-here" in names
    assert f"{table_prefix}library" not in names


# -- every operation -------------------------------------------------------------------


@pytest.mark.needs("gsi_update")
@pytest.mark.needs("ttl")
@pytest.mark.needs("pitr")
@pytest.mark.needs("tags")
@pytest.mark.needs("streams")
@pytest.mark.needs("deletion_protection")
def test_each_operation_then_reapply_is_a_noop(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    base = changed(library(), tables__Library__tags={"team": "books", "cost": "a"})
    base["entities"]["Book"]["attributes"]["expires_at"] = {
        "type": "epoch",
        "optional": True,
    }
    project.built(base)
    runner(backend, table_prefix, project, client=client).apply()
    name = f"{table_prefix}library"

    after = changed(
        base,
        tables__Library__billing={"provisioned": {"read": 2, "write": 3}},
        tables__Library__stream="keys_only",
        tables__Library__ttl="expires_at",
        tables__Library__point_in_time_recovery=True,
        tables__Library__deletion_protection=True,
        tables__Library__table_class="standard_infrequent_access",
        tables__Library__tags={"team": "library"},
        tables__Library__indexes__gsi2={"partition_key": "gsi2pk"},
        tables__Shelf={"partition_key": "id"},
    )
    after["entities"]["Book"]["key"]["gsi2pk"] = "ISBN#{isbn}"
    after["tables"]["Library"]["indexes"].pop("gsi1")
    after["entities"]["Book"]["key"].pop("gsi1pk")
    after["entities"]["Book"]["key"].pop("gsi1sk")
    history = project.built(after)
    kinds = [o["op"] for o in history[-1].operations]
    assert kinds == [
        "create_table",
        "update_stream",
        "update_billing",
        "delete_index",
        "backfill",
        "create_index",
        "update_ttl",
        "update_pitr",
        "update_deletion_protection",
        "update_table_class",
        "untag_table",
        "tag_table",
    ]
    migrator = runner(backend, table_prefix, project, client=client)
    with RequestLog(client) as log:
        assert migrator.apply() == 1
    # One UpdateTable each: stream, billing, two indexes, protection, table class
    # (moto does not report the class back: it is sent, not checked here).
    assert log.operations.count("UpdateTable") == 6
    table = describe(client, name)
    assert gsi_names(client, name) == ["gsi2"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "KEYS_ONLY",
    }
    assert table["DeletionProtectionEnabled"] is True
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    backups = client.describe_continuous_backups(TableName=name)
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
    tags = client.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
    # moto keeps the old value of a re-tagged key too (DynamoDB overwrites it), after
    # the new one: read as a mapping, the later value wins.
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "library"}
    assert describe(client, f"{table_prefix}Shelf")["TableStatus"] == "ACTIVE"
    assert migrator.plan() == []

    # Back: the reverse operations (index dropped, settings off, table removed).
    back = changed(after, tables__Shelf=None)
    back["tables"]["Library"].update(
        billing="on_demand", point_in_time_recovery=False, deletion_protection=False
    )
    back["tables"]["Library"].pop("stream")
    back["tables"]["Library"].pop("ttl")
    project.built(back)
    reverse = runner(backend, table_prefix, project, client=client)
    assert reverse.apply(allow_table_deletion=True) == 1
    table = describe(client, name)
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert not table.get("StreamSpecification", {}).get("StreamEnabled", False)
    assert table["DeletionProtectionEnabled"] is False
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "DISABLED"
    assert f"{table_prefix}Shelf" not in client.list_tables()["TableNames"]
    assert reverse.plan() == []

    # A third runner finds everything applied and sends no change.
    with RequestLog(client) as log:
        assert runner(backend, table_prefix, project, client=client).apply() == 0
    assert not MUTATING & set(log.operations)


@pytest.mark.needs("stream_reenable")
def test_a_stream_view_type_change_is_disable_then_enable(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    project.built(changed(library(), tables__Library__stream="new_image"))
    runner(backend, table_prefix, project, client=client).apply()
    project.built(changed(library(), tables__Library__stream="keys_only"))
    migrator = runner(backend, table_prefix, project, client=client)
    with RequestLog(client) as log:
        assert migrator.apply() == 1
    assert log.operations.count("UpdateTable") == 2
    spec = describe(client, f"{table_prefix}library")["StreamSpecification"]
    assert spec == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}


# -- crash and re-run ------------------------------------------------------------------


class Crash(Exception):
    pass


@pytest.mark.needs("gsi_update")
@pytest.mark.needs("pitr")
@pytest.mark.needs("tags")
def test_crash_after_the_first_operation_then_rerun_finishes(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    project.built(library())
    runner(backend, table_prefix, project, client=client).apply()
    more = changed(
        library(),
        tables__Library__indexes__gsi2={"partition_key": "isbn"},
        tables__Library__point_in_time_recovery=True,
        tables__Library__tags={"team": "books"},
    )
    latest = project.built(more)[-1]
    assert latest.name == "0002_update_library"
    assert [o["op"] for o in latest.operations] == [
        "create_index",
        "update_pitr",
        "tag_table",
    ]

    def crash(migration: MigrationFile, index: int, operation: Any) -> None:
        if index == 0:
            raise Crash

    first = runner(backend, table_prefix, project, client=client, observer=crash)
    with pytest.raises(Crash):
        first.apply()
    name = f"{table_prefix}library"
    assert "gsi2" in gsi_names(client, name)  # the first operation happened
    assert "migration#0002_update_library" not in history_items(client, table_prefix)

    second = runner(backend, table_prefix, project, client=client)
    with RequestLog(client) as log:
        assert second.apply() == 1
    assert "UpdateTable" not in log.operations  # the index exists: not created again
    assert "1. create global index gsi2 on Library: already done" in printed(second)
    assert "2. enable point-in-time recovery of Library: done" in printed(second)
    assert "migration#0002_update_library" in history_items(client, table_prefix)
    assert second.plan() == []


# -- the lock --------------------------------------------------------------------------


def test_a_held_lock_refuses_a_second_runner_until_released(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    project.built(library())
    holder = runner(backend, table_prefix, project, client=client, owner="holder")
    holder.ensure_history_table()
    other = runner(backend, table_prefix, project, client=client, owner="other")
    with holder.locked(0), pytest.raises(LockHeldError, match="holder"):
        other.apply()
    assert "migration#0001_initial" not in history_items(client, table_prefix)
    assert other.apply() == 1


def test_a_dead_runners_lease_expires(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    project.built(library())
    dead = runner(
        backend, table_prefix, project, client=client, owner="dead", lease_seconds=0.5
    )
    dead.ensure_history_table()
    assert dead.try_lock() is None  # taken, then the process "dies": no release
    other = runner(backend, table_prefix, project, client=client, owner="next")
    started = time.monotonic()
    assert other.apply(lock_wait=10) == 1
    assert time.monotonic() - started >= 0.3
    assert "waiting for the migration lock held by dead" in printed(other)


def test_a_runner_that_lost_its_lease_stops(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    project.built(library())
    slow = runner(
        backend, table_prefix, project, client=client, owner="slow", lease_seconds=60
    )
    slow.ensure_history_table()
    with slow.locked(0):
        # Another runner takes over (as if the lease had run out).
        client.put_item(
            TableName=f"{table_prefix}dynagen_migrations",
            Item={
                "id": {"S": "lock"},
                "owner": {"S": "thief"},
                "expires_at": {"N": "99999999999999"},
            },
        )
        assert slow.renew() is False


@pytest.mark.needs("atomic_conditional_writes")
def test_racing_runners_one_takes_the_lock(
    backend: Backend, table_prefix: str, project: Project
) -> None:
    project.built(library())
    runners = [runner(backend, table_prefix, project, owner=f"r{i}") for i in range(8)]
    runners[0].ensure_history_table()
    barrier = threading.Barrier(len(runners))
    results: list[dict[str, Any] | None] = [None] * len(runners)
    won: list[int] = []

    def attempt(i: int) -> None:
        barrier.wait()
        results[i] = runners[i].try_lock()
        if results[i] is None:
            won.append(i)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    winner = f"r{won[0]}"
    assert all(r is not None and r["owner"] == winner for r in results if r)


@pytest.mark.needs("atomic_conditional_writes")
def test_two_concurrent_apply_runners_apply_once(
    backend: Backend, table_prefix: str, project: Project
) -> None:
    project.built(library())
    runners = [runner(backend, table_prefix, project, owner=f"r{i}") for i in range(2)]
    runners[0].ensure_history_table()
    logs = [RequestLog(r.client) for r in runners]
    counts: list[int] = [0, 0]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(i: int) -> None:
        barrier.wait()
        try:
            with logs[i]:
                counts[i] = runners[i].apply(lock_wait=30)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(counts) == [0, 1]
    creates = sum(log.operations.count("CreateTable") for log in logs)
    assert creates == 1


# -- drift, deletion, the command line -------------------------------------------------


@pytest.mark.needs("gsi_update")
def test_plan_reports_drift(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    project.built(library())
    runner(backend, table_prefix, project, client=client).apply()
    name = f"{table_prefix}library"
    args = ["migrate", "plan", str(project.package_dir)]
    args += connection_args(backend, table_prefix)
    clean = invoke(*args)
    assert clean.exit_code == 0, clean.output
    assert "no drift" in clean.stdout
    client.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "byhand", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "byhand",
                    "KeySchema": [{"AttributeName": "byhand", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            }
        ],
    )
    backend.wait_active(client, name)
    client.update_table(
        TableName=name,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        GlobalSecondaryIndexUpdates=[
            {
                "Update": {
                    "IndexName": i,
                    "ProvisionedThroughput": {
                        "ReadCapacityUnits": 1,
                        "WriteCapacityUnits": 1,
                    },
                }
            }
            for i in ("gsi1", "byhand")
        ],
    )
    drift = invoke(*args)
    assert drift.exit_code == 1, drift.output
    assert "Library: global index byhand is not in the schema" in drift.stdout
    assert "Library: billing is {'mode': 'PROVISIONED'" in drift.stdout


def test_table_deletion_needs_the_flag(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    two = changed(library(), tables__Shelf={"partition_key": "id"})
    project.built(two)
    runner(backend, table_prefix, project, client=client).apply()
    project.built(library())
    refused = runner(backend, table_prefix, project, client=client)
    with RequestLog(client) as log, pytest.raises(MigrateError, match="allow-table"):
        refused.apply()
    assert "DeleteTable" not in log.operations
    assert "REFUSED: 0002_remove_table_shelf deletes table Shelf" in printed(refused)
    assert f"{table_prefix}Shelf" in client.list_tables()["TableNames"]
    args = ["migrate", "apply", str(project.package_dir)]
    args += connection_args(backend, table_prefix)
    assert invoke(*args).exit_code == 1
    result = invoke(*args, "--allow-table-deletion")
    assert result.exit_code == 0, result.output
    assert f"{table_prefix}Shelf" not in client.list_tables()["TableNames"]


def test_command_line_plan_apply_status(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    project.built(library())
    where = [str(project.package_dir), *connection_args(backend, table_prefix)]
    plan = invoke("migrate", "plan", *where)
    assert plan.exit_code == 0, plan.output
    assert "will apply 0001_initial" in plan.stdout
    status = invoke("migrate", "status", *where)
    assert status.exit_code == 0, status.output
    assert "pending  0001_initial" in status.stdout
    dry = invoke("migrate", "apply", *where, "--dry-run")
    assert dry.exit_code == 0 and "would apply" in dry.stdout
    applied = invoke("migrate", "apply", *where)
    assert applied.exit_code == 0, applied.output
    assert "applied 1 migration" in applied.stdout
    status = invoke("migrate", "status", *where)
    assert "applied  0001_initial" in status.stdout


def test_command_line_usage_errors(tmp_path: Path, project: Project) -> None:
    project.built(library())
    bad = invoke("migrate", "plan", str(project.package_dir), "--table-name", "nope")
    assert bad.exit_code == 2
    unknown = invoke(
        "migrate", "plan", str(project.package_dir), "--table-name", "Nope=x"
    )
    assert unknown.exit_code == 2
    assert "Nope" in unknown.output
    segments = invoke(
        "migrate", "apply", str(project.package_dir), "--segments", "3-1/4"
    )
    assert segments.exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert invoke("migrate", "status", str(empty)).exit_code == 1


def test_apply_refuses_an_edited_migration(
    backend: Backend, table_prefix: str, project: Project
) -> None:
    project.built(library())
    path = project.package_dir / "migrations" / "0001_initial.py"
    path.write_text(path.read_text("utf-8").replace('"BOOK"', '"B00K"'), "utf-8")
    result = invoke(
        "migrate",
        "apply",
        str(project.package_dir),
        *connection_args(backend, table_prefix),
    )
    assert result.exit_code == 1
    assert "edited" in result.stderr
