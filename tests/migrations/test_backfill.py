"""The backfill operation (SPEC §5 "Nothing is left half-migrated"): items stored before
an index or a key template change get their derived key attributes, resumably and without
overwriting concurrent writes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from dynagen._runtime import escape_key_text
from dynagen.backfill import (
    BackfillOptions,
    SegmentState,
    backfill_plan,
    backfill_progress,
    derived_values,
)
from dynagen.migration_files import parse_migration

from tests.backends import Backend
from tests.generated_package import imported_package
from tests.migrations._support import (
    CallLog,
    Project,
    changed,
    library,
    printed,
    runner,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

ITEMS = 2000
FEWER = 600  # moto writes about 100-400 conditional updates a second on a busy machine


class Crash(Exception):
    pass


def books_schema(package: str, *, versioned: bool = False) -> dict[str, Any]:
    schema = library(package)
    if versioned:
        schema["entities"]["Book"]["attributes"]["version"] = {
            "type": "int",
            "version": True,
        }
    return schema


def with_isbn_index(schema: dict[str, Any]) -> dict[str, Any]:
    """v2: gsi2 over ``ISBN#{isbn}``, with a query through it."""
    out = changed(schema, tables__Library__indexes__gsi2={"partition_key": "gsi2pk"})
    out["entities"]["Book"]["key"]["gsi2pk"] = "ISBN#{isbn}"
    out["entities"]["Book"]["queries"] = {"by_isbn": {"key": "isbn = :isbn"}}
    return out


def with_writer_template(schema: dict[str, Any]) -> dict[str, Any]:
    """A changed template of an existing index: ``AUTHOR#`` becomes ``WRITER#``."""
    out = changed(schema)
    out["entities"]["Book"]["key"]["gsi1pk"] = "WRITER#{author}#{edition:3}"
    return out


def isbn(i: int) -> str:
    return f"978 {i:05d}/X"  # a space and a slash: escaped in keys


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path, package="lib_backfill")


@pytest.fixture
def client(backend: Backend) -> Iterator[DynamoDBClient]:
    c = backend.client()
    yield c
    c.close()


def seed(
    project: Project,
    backend: Backend,
    prefix: str,
    client: DynamoDBClient,
    schema: dict[str, Any],
    count: int = ITEMS,
    extra: Callable[[int], dict[str, Any]] = lambda i: {},
) -> None:
    """Build and apply ``schema``, then store ``count`` books with its package (book
    ``i`` with the fields ``extra(i)`` besides)."""
    project.built(schema)
    assert runner(backend, prefix, project, client=client).apply() == 1
    with imported_package(project.package_dir) as package:
        db = package.Database(client, table_prefix=prefix)
        db.book.batch_put(
            [
                package.Book(
                    book_id=f"b{i:05d}",
                    author=f"author {i % 7}",
                    title=f"Title {i}",
                    isbn=isbn(i),
                    edition=1 + i % 3,
                    **extra(i),
                )
                for i in range(count)
            ]
        )


def scan_all(client: DynamoDBClient, table: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table, **kwargs):
        items.extend(page.get("Items", []))
    return items


def updates_sent(log: CallLog, prefix: str) -> int:
    """UpdateItem calls to the data table (not the history table's checkpoints)."""
    return log.count("UpdateItem", f"{prefix}library")


INDEX_KEYS = ("gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")


def assert_keys_as_the_repository_writes(
    project: Project, client: DynamoDBClient, table: str
) -> int:
    """Every stored item's index key attributes are exactly what the generated package
    writes for that item (its own encode path: decode the stored item, encode it
    again); the number of items checked."""
    items = scan_all(client, table, ConsistentRead=True)
    with imported_package(project.package_dir) as package:
        for item in items:
            written = package.models.encode_book(package.models.decode_book(item))
            stored = {k: item[k] for k in INDEX_KEYS if k in item}
            assert stored == {k: written[k] for k in INDEX_KEYS if k in written}, item
    assert items
    return len(items)


# -- the operation's derived values ----------------------------------------------------


def test_derived_values_follow_the_recorded_templates() -> None:
    attributes = {
        "gsi2pk": {
            "template": "ISBN#{isbn}#{edition:3}",
            "fields": {
                "isbn": {"stored": "isbn", "text": "escaped"},
                "edition": {"stored": "ed", "text": "padded", "width": 3},
            },
        },
        "gsi2sk": {
            "template": "{flag}#{at}",
            "fields": {
                "flag": {"stored": "flag", "text": "bool"},
                "at": {"stored": "at", "text": "as_stored"},
            },
        },
    }
    item = {
        "isbn": {"S": "a b"},
        "ed": {"N": "7"},
        "flag": {"BOOL": True},
        "at": {"S": "2024-05-01T12:00:00.000000Z"},
    }
    assert derived_values(attributes, item) == {
        "gsi2pk": f"ISBN#{escape_key_text('a b')}#007",
        "gsi2sk": "true#2024-05-01T12:00:00.000000Z",
    }
    # A missing field leaves the attribute out (a sparse index), as the repository does.
    assert derived_values(attributes, {"isbn": {"S": "x"}})["gsi2pk"] is None


def test_plan_follows_the_grouping_rule_from_the_recorded_state() -> None:
    fork = {"template": "FORK", "fields": {}}
    forked = {
        "template": "{forked_at}",
        "fields": {"forked_at": {"stored": "fa", "text": "as_stored"}},
    }
    author = {
        "template": "AUTHOR#{author}",
        "fields": {"author": {"stored": "author", "text": "escaped"}},
    }
    key = {"name": "x", "type": "S"}

    def index(pk: str, sk: str | None) -> dict[str, Any]:
        return {
            "partition_key": {**key, "name": pk},
            "sort_key": sk and {**key, "name": sk},
        }

    state = {
        "tables": {
            "T": {
                "indexes": {
                    "gsi1": index("gsi1pk", None),
                    "gsi2": index("gsi2pk", "gsi2sk"),
                    "gsi9": index("gsi9pk", None),  # the entity is not in it
                }
            }
        },
        "entities": {
            "E": {
                "keys": {
                    "pk": {"plain": "id"},
                    "gsi1pk": author,
                    "gsi2pk": fork,
                    "gsi2sk": forked,
                }
            }
        },
    }
    operation = {
        "op": "backfill",
        "table": "T",
        "entity": "E",
        "key_attributes": ["pk"],
        "attributes": {"gsi1pk": author, "gsi2sk": forked},
    }
    plan = backfill_plan(operation, state)
    assert plan.presence == {
        "gsi1pk": (("author",),),
        "gsi2pk": (("fa",),),
        "gsi2sk": (("fa",),),
    }
    assert plan.values({"author": {"S": "a"}}) == {
        "gsi1pk": "AUTHOR#a",
        "gsi2pk": None,
        "gsi2sk": None,
    }
    assert plan.values({"author": {"S": "a"}, "fa": {"S": "t"}}) == {
        "gsi1pk": "AUTHOR#a",
        "gsi2pk": "FORK",
        "gsi2sk": "t",
    }
    # Only the groups holding a changed attribute are written.
    only_author = {**operation, "attributes": {"gsi1pk": author}}
    assert backfill_plan(only_author, state).templates == {"gsi1pk": author}
    # A state without the entity (never recorded so): each attribute on its own.
    alone = backfill_plan(operation, {"tables": {}, "entities": {}})
    assert alone.values({"author": {"S": "a"}}) == {
        "gsi1pk": "AUTHOR#a",
        "gsi2sk": None,
    }


def test_plan_from_a_migration_file_written_before_it() -> None:
    """The example's 0002 migration (recorded before the plan existed, never rewritten)
    backfills gsi3pk/gsi3sk of every order: an index every order is in."""
    path = Path(__file__).parents[2] / "generated_example/shop/migrations"
    text = (path / "0002_add_index_gsi3.py").read_text("utf-8")
    migration = parse_migration(text, "migrations/0002_add_index_gsi3.py")
    assert not migration.edited
    operation = next(o for o in migration.operations if o["op"] == "backfill")
    plan = backfill_plan(operation, migration.state)
    assert set(plan.templates) == {"gsi3pk", "gsi3sk"}
    order = {
        "status": {"S": "open"},
        "created_at": {"S": "2024-05-01T12:00:00.000000Z"},
        "order_id": {"S": "o1"},
    }
    assert plan.values(order) == {
        "gsi3pk": "STATUS#open",
        "gsi3sk": "2024-05-01T12:00:00.000000Z#o1",
    }


# -- a new index -----------------------------------------------------------------------


@pytest.mark.needs("gsi_update")
def test_added_index_finds_every_stored_item(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    v1 = books_schema("lib_backfill")
    seed(project, backend, table_prefix, client, v1)
    history = project.built(with_isbn_index(v1))
    assert [o["op"] for o in history[-1].operations] == ["backfill", "create_index"]
    planner = runner(backend, table_prefix, project, client=client)
    assert planner.plan() == []
    assert "1. backfill gsi2pk of Book items in Library" in printed(planner)
    assert "not started; the table holds about" in printed(planner)

    migrator = runner(backend, table_prefix, project, client=client)
    with CallLog(client) as log:
        assert migrator.apply() == 1
    assert updates_sent(log, table_prefix) == ITEMS
    table = f"{table_prefix}library"
    indexed = scan_all(client, table, IndexName="gsi2")
    assert len(indexed) == ITEMS
    for item in indexed:
        assert item["gsi2pk"]["S"] == "ISBN#" + escape_key_text(item["isbn"]["S"])
    with imported_package(project.package_dir) as package:
        db = package.Database(backend.client(), table_prefix=table_prefix)
        for i in (0, 1, ITEMS // 2, ITEMS - 1):
            found = db.book.by_isbn(isbn=isbn(i)).all()
            assert [b.book_id for b in found] == [f"b{i:05d}"]
    assert assert_keys_as_the_repository_writes(project, client, table) == ITEMS
    progress = backfill_progress(migrator, history[-1], 0)
    assert progress.finished
    assert progress.count("scanned") == ITEMS
    assert progress.count("updated") == ITEMS
    # Applied: a re-run sends nothing.
    with CallLog(client) as log:
        assert runner(backend, table_prefix, project, client=client).apply() == 0
    assert updates_sent(log, table_prefix) == 0


@pytest.mark.needs("gsi_update")
def test_interrupted_backfill_resumes_and_updates_each_item_once(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    v1 = books_schema("lib_backfill")
    seed(project, backend, table_prefix, client, v1, count=FEWER)
    history = project.built(with_isbn_index(v1))
    first = runner(backend, table_prefix, project, client=client)

    def crash(segment: int, state: SegmentState) -> None:
        raise Crash(f"killed after segment {segment}'s first checkpoint")

    first.segment_observer = crash
    with CallLog(client) as log, pytest.raises(Crash):
        first.apply()
    written_first = updates_sent(log, table_prefix)
    progress = backfill_progress(first, history[-1], 0)
    assert progress.started and not progress.finished
    assert 0 < written_first < FEWER
    assert progress.count("updated") == written_first  # every write checkpointed

    status = runner(backend, table_prefix, project, client=client)
    status.status()
    assert "pending  0002_add_index_gsi2" in printed(status)
    assert "1. backfill gsi2pk of Book items in Library: " in printed(status)
    assert "segments done" in printed(status)

    second = runner(backend, table_prefix, project, client=client)
    with CallLog(client) as log:
        assert second.apply() == 1
    assert written_first + updates_sent(log, table_prefix) == FEWER
    progress = backfill_progress(second, history[-1], 0)
    assert progress.finished and progress.count("updated") == FEWER
    assert progress.count("scanned") == FEWER  # no finished page scanned twice
    assert len(scan_all(client, f"{table_prefix}library", IndexName="gsi2")) == FEWER


@pytest.mark.needs("gsi_update")
def test_segments_shared_out_between_runners(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    v1 = books_schema("lib_backfill")
    seed(project, backend, table_prefix, client, v1, count=FEWER)
    history = project.built(with_isbn_index(v1))
    total = 0
    for share in (range(0, 2), range(2, 4)):
        worker = runner(
            backend,
            table_prefix,
            project,
            client=client,
            backfill_options=BackfillOptions(segments=share, total=4),
        )
        with CallLog(client) as log:
            assert worker.apply() == 0  # a share records no migration
        total += updates_sent(log, table_prefix)
        assert not log.count("UpdateTable", f"{table_prefix}library")  # not theirs
    assert total == FEWER
    assert backfill_progress(worker, history[-1], 0).finished
    final = runner(backend, table_prefix, project, client=client)
    with CallLog(client) as log:
        assert final.apply() == 1
    assert updates_sent(log, table_prefix) == 0
    assert "1. backfill gsi2pk of Book items in Library: already done" in printed(final)
    assert len(scan_all(client, f"{table_prefix}library", IndexName="gsi2")) == FEWER


# -- a changed template, concurrent writers --------------------------------------------


@pytest.mark.parametrize("versioned", [False, True], ids=["unversioned", "versioned"])
def test_concurrent_writers_win_and_keys_follow_their_values(
    backend: Backend,
    table_prefix: str,
    project: Project,
    client: DynamoDBClient,
    versioned: bool,
) -> None:
    v1 = books_schema("lib_backfill", versioned=versioned)
    seed(project, backend, table_prefix, client, v1, count=300)
    history = project.built(with_writer_template(v1))
    assert [o["op"] for o in history[-1].operations] == ["backfill"]
    table = f"{table_prefix}library"
    touched: dict[str, str] = {}

    def writer(item: dict[str, Any]) -> None:
        """Another writer changes some items between the scan and the update: old
        code (author only) for b...0, new code (author and derived key) for b...5."""
        book_id = item["book_id"]["S"]
        if book_id in touched or not book_id.endswith(("0", "5")):
            return
        author = f"new {book_id}"
        touched[book_id] = author
        names = {"#a": "author"}
        values: dict[str, Any] = {":a": {"S": author}}
        expression = "SET #a = :a"
        if versioned:
            names["#v"] = "version"
            values[":one"] = {"N": "1"}
            expression += ", #v = #v + :one"
        if book_id.endswith("5"):
            edition = item["edition"]["N"]
            names["#k"] = "gsi1pk"
            values[":k"] = {"S": f"WRITER#{escape_key_text(author)}#{int(edition):03d}"}
            expression += ", #k = :k"
        client.update_item(
            TableName=table,
            Key={"pk": item["pk"], "sk": item["sk"]},
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    migrator = runner(backend, table_prefix, project, client=client)
    migrator.item_observer = writer
    assert migrator.apply() == 1
    progress = backfill_progress(migrator, history[-1], 0)
    old_code = [b for b in touched if b.endswith("0")]
    new_code = [b for b in touched if b.endswith("5")]
    assert progress.count("retried") == len(touched)
    assert progress.count("updated") == 300 - len(new_code)
    assert progress.count("skipped") == len(new_code)
    for item in scan_all(client, table, ConsistentRead=True):
        book_id = item["book_id"]["S"]
        author = touched.get(book_id, item["author"]["S"])
        assert item["author"]["S"] == author  # the writer's value stands
        edition = int(item["edition"]["N"])
        assert item["gsi1pk"]["S"] == f"WRITER#{escape_key_text(author)}#{edition:03d}"
    assert old_code and new_code
    assert assert_keys_as_the_repository_writes(project, client, table) == 300


# -- a sparse index: its key attributes as a set ----------------------------------------


def with_forks(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional ``forked_at``."""
    out = changed(schema)
    out["entities"]["Book"]["attributes"]["forked_at"] = {
        "type": "string",
        "optional": True,
    }
    return out


def with_fork_index(schema: dict[str, Any], sort: str | None) -> dict[str, Any]:
    """gsi2: a constant partition key beside a sort key over the optional field, so
    only forked books are in it (both attributes, or neither). ``sort`` None: the table
    has the index, the entity is not in it yet (no index to create: every backend)."""
    out = changed(
        schema,
        tables__Library__indexes__gsi2={
            "partition_key": "gsi2pk",
            "sort_key": "gsi2sk",
        },
    )
    if sort is not None:
        out["entities"]["Book"]["key"]["gsi2pk"] = "FORK"
        out["entities"]["Book"]["key"]["gsi2sk"] = sort
    return out


def test_sparse_index_backfill_writes_both_key_attributes_or_neither(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    v1 = with_fork_index(with_forks(books_schema("lib_backfill")), None)

    def every_third_forked(i: int) -> dict[str, Any]:
        return {"forked_at": f"2024-05-{1 + i % 28:02d}" if i % 3 == 0 else None}

    seed(project, backend, table_prefix, client, v1, 60, every_third_forked)
    v2 = with_fork_index(v1, "{forked_at}#{book_id}")
    history = project.built(v2)
    assert [o["op"] for o in history[-1].operations] == ["backfill"]
    assert runner(backend, table_prefix, project, client=client).apply() == 1
    table = f"{table_prefix}library"
    for item in scan_all(client, table, ConsistentRead=True):
        if "forked_at" in item:
            assert item["gsi2pk"] == {"S": "FORK"}
            book_id = item["book_id"]["S"]
            assert item["gsi2sk"] == {"S": f"{item['forked_at']['S']}#{book_id}"}
        else:  # outside the index: no half key pair (the constant one included)
            assert "gsi2pk" not in item and "gsi2sk" not in item, item
    assert len(scan_all(client, table, IndexName="gsi2")) == 20
    assert assert_keys_as_the_repository_writes(project, client, table) == 60

    # A changed sort template rewrites the set: the unchanged constant comes with it.
    v3 = with_fork_index(v1, "{forked_at}#{title}")
    history = project.built(v3)
    assert history[-1].operations[0]["attributes"].keys() == {"gsi2sk"}
    migrator = runner(backend, table_prefix, project, client=client)
    assert migrator.apply() == 1
    progress = backfill_progress(migrator, history[-1], 0)
    assert progress.count("updated") == 20
    assert progress.count("skipped") == 40
    assert assert_keys_as_the_repository_writes(project, client, table) == 60


def test_max_items_per_second_caps_the_writes(
    backend: Backend, table_prefix: str, project: Project, client: DynamoDBClient
) -> None:
    v1 = books_schema("lib_backfill")
    seed(project, backend, table_prefix, client, v1, count=30)
    project.built(with_writer_template(v1))
    migrator = runner(
        backend,
        table_prefix,
        project,
        client=client,
        backfill_options=BackfillOptions(max_items_per_second=50),
    )
    started = time.monotonic()
    assert migrator.apply() == 1
    # 30 writes at 50 a second: the last one starts 29 intervals of 20 ms after the
    # first.
    assert time.monotonic() - started >= 29 / 50
    assert backfill_progress(migrator, project.history()[-1], 0).count("updated") == 30
