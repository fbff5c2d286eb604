"""The backfill operation (SPEC §5 "Nothing is left half-migrated"): items stored before
an index or a key template change get their derived key attributes, resumably and without
overwriting concurrent writes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from dynagen._runtime import escape_key_text
from dynagen.backfill import (
    BackfillOptions,
    SegmentState,
    backfill_progress,
    derived_values,
)

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
) -> None:
    """Build and apply ``schema``, then store ``count`` books with its package."""
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
