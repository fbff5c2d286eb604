"""An empty set given to a declared update (issue 17, "Gaps to settle"): DynamoDB refuses
an empty set value, so ``ADD``/``DELETE`` of one is left out of the request (with the
names and values only it used) and ``SET a = :p`` of one removes the attribute, as
storing an empty set does. The other clauses, the version step, ``auto: updated``,
derived keys and the condition still apply."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.backends import Backend
from tests.edges._support import Built, assert_mypy_strict, built, database

SCHEMA = """\
dynagen: 1
package: edges_empty_sets
tables:
  Things:
    partition_key: pk
    sort_key: sk
    indexes:
      gsi1:
        partition_key: gsi1pk
        sort_key: gsi1sk
entities:
  Plain:
    table: Things
    key: {pk: "PLAIN#{plain_id}", sk: "PLAIN"}
    attributes:
      plain_id: string
      tags: {type: "set<string>", optional: true}
      nums: {type: "set<int>", optional: true}
      note: {type: string, optional: true}
    updates:
      tag: {update: ADD tags :t}
      untag: {update: DELETE tags :t}
      tag_if: {update: ADD tags :t, condition: note = :note}
      tag_both: {update: "ADD tags :t, nums :n"}
      replace: {update: SET tags = :t}
      replace_and_note: {update: "SET tags = :t, note = :note"}
      swap: {update: "ADD tags :t DELETE nums :n"}
  Doc:
    table: Things
    key: {pk: "DOC#{doc_id}", sk: "DOC", gsi1pk: "TITLE#{title}", gsi1sk: "DOC"}
    attributes:
      doc_id: string
      title: string
      tags: {type: "set<string>", optional: true}
      updated_at: {type: datetime, auto: updated}
      version: {type: int, version: true}
    updates:
      retitle_and_tag:
        update: SET title = :title ADD tags :t
        condition: attribute_not_exists(tags) or not contains(tags, :banned)
      tag: {update: ADD tags :t}
      replace: {update: SET tags = :t}
"""


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    with built(tmp_path_factory.mktemp("edges_empty_sets"), SCHEMA) as package:
        yield package


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def db(backend: Backend, pkg: Built, clock: Clock) -> Iterator[Any]:
    with database(backend, pkg, clock=clock) as db:
        yield db


def raw(db: Any, pk: str, sk: str) -> dict[str, Any] | None:
    repository = db.plain
    response = repository._transport.call(
        "GetItem",
        {
            "TableName": repository._table,
            "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
            "ConsistentRead": True,
        },
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


def test_add_and_delete_of_an_empty_set_do_nothing(db: Any, pkg: Built) -> None:
    p = pkg.package
    db.plain.create(p.Plain(plain_id="a1", tags={"x"}, nums={1, 2}))
    assert db.plain.tag(plain_id="a1", t=set()).tags == {"x"}
    assert db.plain.untag(plain_id="a1", t=set()).tags == {"x"}
    assert db.plain.tag(plain_id="a1", t={"y"}).tags == {"x", "y"}
    assert db.plain.untag(plain_id="a1", t={"x"}).tags == {"y"}
    stored = raw(db, "PLAIN#a1", "PLAIN")
    assert stored is not None and stored["tags"] == {"SS": ["y"]}


def test_an_update_left_with_nothing_reads_the_item(db: Any, pkg: Built) -> None:
    p = pkg.package
    with pytest.raises(p.NotFoundError):
        db.plain.tag(plain_id="missing", t=set())
    with pytest.raises(p.NotFoundError):
        db.plain.tag_both(plain_id="missing", t=set(), n=set())
    assert raw(db, "PLAIN#missing", "PLAIN") is None  # nothing was created
    db.plain.create(p.Plain(plain_id="a2", note="n"))
    assert db.plain.tag_both(plain_id="a2", t=set(), n=set()) == p.Plain(
        plain_id="a2", note="n"
    )


@pytest.mark.needs("transactions")
def test_a_transaction_action_left_with_nothing_checks_the_item(
    db: Any, pkg: Built
) -> None:
    """In ``transact_write`` such an action is a ConditionCheck that the item exists."""
    p = pkg.package
    db.plain.create(p.Plain(plain_id="a6", tags={"x"}))
    with db.transact_write() as tx:
        tx.plain.tag(plain_id="a6", t=set())
        tx.plain.create(p.Plain(plain_id="a7"))
    assert db.plain.get(plain_id="a7") is not None
    assert db.plain.get(plain_id="a6").tags == {"x"}
    with (
        pytest.raises(p.TransactionCanceledError) as caught,
        db.transact_write() as tx,
    ):
        tx.plain.tag(plain_id="missing", t=set())
        tx.plain.create(p.Plain(plain_id="a8"))
    assert caught.value.reasons[0].code == "ConditionalCheckFailed"
    assert db.plain.get(plain_id="a8") is None


def test_the_other_clauses_still_apply(db: Any, pkg: Built) -> None:
    p = pkg.package
    db.plain.create(p.Plain(plain_id="a3", tags={"x"}, nums={1, 2}))
    both = db.plain.tag_both(plain_id="a3", t=set(), n={3})
    assert both.tags == {"x"} and both.nums == {1, 2, 3}
    both = db.plain.tag_both(plain_id="a3", t={"z"}, n=set())
    assert both.tags == {"x", "z"} and both.nums == {1, 2, 3}
    swapped = db.plain.swap(plain_id="a3", t=set(), n={1})
    assert swapped.tags == {"x", "z"} and swapped.nums == {2, 3}
    swapped = db.plain.swap(plain_id="a3", t={"w"}, n=set())
    assert swapped.tags == {"w", "x", "z"} and swapped.nums == {2, 3}


def test_the_condition_is_still_checked(db: Any, pkg: Built) -> None:
    p = pkg.package
    db.plain.create(p.Plain(plain_id="a4", tags={"x"}, note="yes"))
    assert db.plain.tag_if(plain_id="a4", t={"y"}, note="yes").tags == {"x", "y"}
    with pytest.raises(p.ConditionFailedError):
        db.plain.tag_if(plain_id="a4", t={"z"}, note="no")
    # Nothing is left to write: the item is read back, as `update` with no change does.
    assert db.plain.tag_if(plain_id="a4", t=set(), note="yes").tags == {"x", "y"}


def test_set_of_an_empty_set_removes_the_attribute(db: Any, pkg: Built) -> None:
    p = pkg.package
    db.plain.create(p.Plain(plain_id="a5", tags={"x"}))
    assert db.plain.replace(plain_id="a5", t={"y", "z"}).tags == {"y", "z"}
    assert db.plain.replace(plain_id="a5", t=set()).tags is None
    stored = raw(db, "PLAIN#a5", "PLAIN")
    assert stored is not None and "tags" not in stored
    # Removing an absent attribute is fine; the other SET still applies.
    updated = db.plain.replace_and_note(plain_id="a5", t=set(), note="n")
    assert updated.tags is None and updated.note == "n"
    with pytest.raises(p.NotFoundError):
        db.plain.replace(plain_id="missing", t=set())


def test_version_updated_time_and_derived_keys_still_step(
    db: Any, pkg: Built, clock: Clock
) -> None:
    p = pkg.package
    db.doc.create(p.Doc(doc_id="d1", title="One", tags={"x"}))
    clock.now = datetime(2024, 5, 2, tzinfo=timezone.utc)
    tagged = db.doc.tag(doc_id="d1", t=set())
    assert tagged.version == 2 and tagged.tags == {"x"}
    assert tagged.updated_at == clock.now
    retitled = db.doc.retitle_and_tag(doc_id="d1", title="Two", t=set(), banned="q")
    assert retitled.version == 3 and retitled.title == "Two" and retitled.tags == {"x"}
    stored = raw(db, "DOC#d1", "DOC")
    assert stored is not None
    assert stored["gsi1pk"] == {"S": "TITLE#Two"} and stored["version"] == {"N": "3"}
    with pytest.raises(p.VersionConflictError):
        db.doc.tag(doc_id="d1", t=set(), expected_version=1)
    replaced = db.doc.replace(doc_id="d1", t=set(), expected_version=3)
    assert replaced.tags is None and replaced.version == 4


def test_the_condition_uses_names_the_dropped_clause_shares(
    db: Any, pkg: Built
) -> None:
    # `tags` is named by the condition too: its placeholder must stay in the request.
    p = pkg.package
    db.doc.create(p.Doc(doc_id="d2", title="A", tags={"bad"}))
    with pytest.raises(p.ConditionFailedError):
        db.doc.retitle_and_tag(doc_id="d2", title="B", t=set(), banned="bad")
    ok = db.doc.retitle_and_tag(doc_id="d2", title="B", t=set(), banned="good")
    assert ok.title == "B" and ok.tags == {"bad"}


WORDS = st.sets(st.sampled_from(["a", "b", "c", "d"]), max_size=3)


@settings(max_examples=15, deadline=None)
@given(start=WORDS, add=WORDS, delete=st.sets(st.integers(1, 4), max_size=3))
def test_swap_matches_set_arithmetic(
    db: Any, pkg: Built, start: set[str], add: set[str], delete: set[int]
) -> None:
    p = pkg.package
    db.plain.put(p.Plain(plain_id="h", tags=start, nums={1, 2, 3}))
    swapped = db.plain.swap(plain_id="h", t=add, n=delete)
    assert (swapped.tags or set()) == start | add
    assert (swapped.nums or set()) == {1, 2, 3} - delete


def test_the_package_passes_mypy_strict(pkg: Built) -> None:
    assert_mypy_strict(pkg)
