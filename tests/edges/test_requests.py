"""Requests DynamoDB would refuse or misread (issue 17, items 1-2): a declared update
with no value placeholder sends no ExpressionAttributeValues at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dynagen.model.expressions import compile_condition, parse_condition, same_name

from tests.backends import Backend
from tests.edges._support import (
    Built,
    assert_mypy_strict,
    built,
    database,
    diagnostics,
    long_condition,
)
from tests.repository._support import closed_client

SCHEMA = """\
dynagen: 1
package: edges_requests
tables:
  Tasks:
    partition_key: pk
    sort_key: sk
entities:
  Task:
    table: Tasks
    key: {pk: "TASK#{task_id}", sk: "TASK"}
    attributes:
      task_id: string
      due_on: {type: date, optional: true}
      note: {type: date, optional: true}
      count: {type: int, default: 0}
      label: {type: string, default: ""}
    queries:
      within: {key: task_id = :task_id, filter: "count between :lo and :hi"}
      labelled: {key: task_id = :task_id, filter: "label between :a and :b"}
      typed: {key: task_id = :task_id, filter: "attribute_type(due_on, :t)"}
    updates:
      bump: {update: ADD count :n, condition: "count BETWEEN :lo AND :hi"}
      clear_due: {update: REMOVE due_on}
      copy_due: {update: SET note = due_on}
      clear_if_due: {update: REMOVE due_on, condition: attribute_exists(due_on)}
"""


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    with built(tmp_path_factory.mktemp("edges_requests"), SCHEMA) as package:
        yield package


@pytest.fixture(scope="module")
def db(backend: Backend, pkg: Built) -> Iterator[Any]:
    with database(backend, pkg) as db:
        yield db


def test_generated_code_sends_no_empty_map(pkg: Built) -> None:
    source = (pkg.directory / "task_repository.py").read_text(encoding="utf-8")
    assert '"ExpressionAttributeValues": {}' not in source
    assert '"ExpressionAttributeValues": values' not in source  # none has a value


def test_declared_updates_without_values_work(db: Any, pkg: Built) -> None:
    p = pkg.package
    db.task.create(p.Task(task_id="t1", due_on=date(2024, 5, 1)))
    copied = db.task.copy_due(task_id="t1")
    assert copied.note == date(2024, 5, 1)
    cleared = db.task.clear_due(task_id="t1")
    assert cleared.due_on is None and cleared.note == date(2024, 5, 1)
    with pytest.raises(p.ConditionFailedError):
        db.task.clear_if_due(task_id="t1")
    with pytest.raises(p.NotFoundError):
        db.task.clear_due(task_id="missing")


def test_the_4kb_limit_is_checked_on_the_condition_as_sent(tmp_path: Path) -> None:
    """The condition compiles to less than DynamoDB's limit of 4,096 bytes; sent as
    ``attribute_exists(#n1) AND (...)`` (28 more bytes) it is over, so the build
    refuses it."""
    condition = long_condition(4090)
    compiled = compile_condition(parse_condition(condition), same_name)
    assert 4096 - 28 < len(compiled.text.encode()) <= 4096
    schema = SCHEMA.replace(
        "      clear_due: {update: REMOVE due_on}",
        f"      clear_due: {{update: REMOVE due_on, condition: '{condition}'}}",
    ).replace(
        "      note: {type: date, optional: true}",
        "      a: string\n      note: {type: date, optional: true}",
    )
    found = [(d.line, d.message) for d in diagnostics(tmp_path, schema)]
    line = next(i for i, t in enumerate(schema.splitlines(), 1) if "clear_due" in t)
    assert found == [
        (
            line,
            "the condition as sent is longer than DynamoDB's limit of 4096 bytes",
        )
    ]


def test_reversed_between_in_a_filter_or_condition(db: Any, pkg: Built) -> None:
    """Issue 17: DynamoDB refuses a BETWEEN whose low bound is above its high one (moto
    accepts it, dynalite refuses it): a ValueError before any request, like any bad
    value; equal bounds are fine."""
    p = pkg.package
    db.task.create(p.Task(task_id="b1", count=3, label="m"))
    assert [t.task_id for t in db.task.within(task_id="b1", lo=3, hi=3).all()] == ["b1"]
    assert [t.task_id for t in db.task.labelled(task_id="b1", a="a", b="z").all()] == [
        "b1"
    ]
    assert db.task.bump(task_id="b1", n=1, lo=0, hi=3).count == 4
    offline = p.Database(closed_client(), table_prefix="offline-")
    with pytest.raises(ValueError, match=r"Task\.within: BETWEEN's low bound"):
        offline.task.within(task_id="b1", lo=5, hi=4)
    with pytest.raises(ValueError, match=r"Task\.labelled: BETWEEN's low bound"):
        offline.task.labelled(task_id="b1", a="é", b="z")
    with pytest.raises(ValueError, match=r"Task\.bump: BETWEEN's low bound"):
        offline.task.bump(task_id="b1", n=1, lo=10, hi=-10)
    assert db.task.get(task_id="b1").count == 4


def test_attribute_type_takes_a_dynamodb_type_name(db: Any, pkg: Built) -> None:
    """Issue 17: attribute_type's parameter is typed as DynamoDB's type names."""
    p = pkg.package
    source = (pkg.directory / "task_repository.py").read_text(encoding="utf-8")
    assert "t: rt.AttributeTypeName," in source
    db.task.create(p.Task(task_id="a1", due_on=date(2024, 5, 1)))
    assert [t.task_id for t in db.task.typed(task_id="a1", t="S").all()] == ["a1"]
    assert list(db.task.typed(task_id="a1", t="N").all()) == []
    offline = p.Database(closed_client(), table_prefix="offline-")
    with pytest.raises(ValueError, match="'X' is not a DynamoDB type name"):
        offline.task.typed(task_id="a1", t="X")
    with pytest.raises(TypeError, match="expected a DynamoDB type name"):
        offline.task.typed(task_id="a1", t=1)


def test_the_package_passes_mypy_strict(pkg: Built) -> None:
    assert_mypy_strict(pkg)
