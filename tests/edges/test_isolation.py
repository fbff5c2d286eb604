"""Entity isolation when one sort-key template is a prefix of another (issue 17.3).

``Pair`` (``sk: "E#{a}#{b}"``) and ``Single`` (``sk: "E#{a}"``) share a partition: the
key range of a ``Pair`` query with no sort condition (``begins_with(sk, "E#")``) holds
``Single`` items too, so the query must filter on the type attribute; where an index
does not project it, the schema is refused, located at the query.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dynagen.model.build import may_start_with, range_may_hold
from dynagen.model.schema import KeySource
from dynagen.model.templates import parse_template

from tests.backends import Backend
from tests.edges._support import Built, built, database, diagnostics, long_condition

SCHEMA = """\
dynagen: 1
package: edges_isolation
tables:
  Main:
    partition_key: pk
    sort_key: sk
    indexes:
      gsi1: {partition_key: gsi1pk, sort_key: gsi1sk, projection: {include: [_type]}}
entities:
  Pair:
    table: Main
    key: {pk: "G#{g}", sk: "E#{a}#{b}", gsi1pk: "G#{g}", gsi1sk: "X#{a}#{b}"}
    attributes: {g: string, a: string, b: string}
    queries:
      in_group: {key: g = :g}
      with_a: {key: g = :g and a = :a}
      from_a: {key: g = :g and a >= :a}
      in_group_gsi: {index: gsi1, key: g = :g}
  Single:
    table: Main
    key: {pk: "G#{g}", sk: "E#{a}", gsi1pk: "G#{g}", gsi1sk: "X#{a}"}
    attributes: {g: string, a: string}
    queries:
      in_group: {key: g = :g}
"""


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    with built(tmp_path_factory.mktemp("edges_isolation"), SCHEMA) as package:
        yield package


@pytest.fixture(scope="module")
def db(backend: Backend, pkg: Built) -> Iterator[Any]:
    with database(backend, pkg) as db:
        p = pkg.package
        db.pair.batch_put([p.Pair(g="g", a="x", b="1"), p.Pair(g="g", a="y", b="2")])
        db.single.batch_put([p.Single(g="g", a="x"), p.Single(g="g", a="z")])
        yield db


def _pairs(query: Any) -> list[tuple[str, str]]:
    return sorted((p.a, p.b) for p in query.all())


def test_queries_return_only_their_entity(db: Any) -> None:
    assert _pairs(db.pair.in_group(g="g")) == [("x", "1"), ("y", "2")]
    assert _pairs(db.pair.with_a(g="g", a="x")) == [("x", "1")]
    assert _pairs(db.pair.from_a(g="g", a="x")) == [("x", "1"), ("y", "2")]
    assert _pairs(db.pair.in_group_gsi(g="g")) == [("x", "1"), ("y", "2")]
    assert sorted(s.a for s in db.single.in_group(g="g").all()) == ["x", "z"]


def test_filter_only_where_the_range_can_hold_another_entity(pkg: Built) -> None:
    source = (pkg.directory / "pair_repository.py").read_text(encoding="utf-8")
    # every range a query on "E#{a}#{b}" sends lies under the literal prefix "E#",
    # which "E#{a}" keys share (with_a's narrower range is filtered too: the rule
    # looks at the templates, not at each query's bounds); each filter is written
    # once in the FilterExpression and once as its value
    assert source.count(":__type") == 2 * 4
    single = (pkg.directory / "single_repository.py").read_text(encoding="utf-8")
    assert single.count(":__type") == 2


def _source(text: str) -> KeySource:
    template = parse_template(text)
    return KeySource(attribute=None, template=template)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("template", "prefix", "expected"),
    [
        ("E#{a}", "E#", True),
        ("E#{a}", "E#x#", False),  # a field never holds "#", and ends the template
        ("E#{a}#{b}", "E#x#", True),
        ("E{a}", "E#", False),
        ("{a}", "E#", False),  # the field ends the template: no "#" after it
        ("{a}", "E", True),
        ("EX{a}", "E#", False),
        ("E", "E#", False),
        ("E#", "E#", True),
        ("E$", "E$", True),
    ],
)
def test_may_start_with(template: str, prefix: str, expected: bool) -> None:
    assert may_start_with(parse_template(template), prefix) is expected


def test_range_may_hold() -> None:
    assert range_may_hold(_source("E#{a}#{b}"), _source("E#{a}"))
    assert range_may_hold(_source("E#{a}"), _source("E#{a}#{b}"))
    assert not range_may_hold(_source("E#{a}"), _source("F#{a}"))
    assert range_may_hold(_source("E#{a}"), _source("E$"))  # the range's upper bound
    assert not range_may_hold(_source("PROFILE"), _source("PROFILE#{a}"))


def test_an_index_without_the_type_is_refused(tmp_path: Path) -> None:
    schema = SCHEMA.replace("projection: {include: [_type]}", "projection: keys_only")
    found = [(d.line, d.column, d.message) for d in diagnostics(tmp_path, schema)]
    assert found == [
        (
            18,
            40,
            "index 'gsi1' does not project the type attribute, and 'Single' items "
            "could fall in this query's key range",
        )
    ]


def test_the_4kb_limit_is_checked_on_the_filter_as_sent(tmp_path: Path) -> None:
    """A filter that compiles under DynamoDB's 4 KB limit but goes over it once the type
    filter is added (``(...) AND #n1 = :__type``) is refused, located at the filter."""
    condition = long_condition(4080)
    schema = SCHEMA.replace(
        "      in_group: {key: g = :g}\n      with_a",
        f"      in_group: {{key: g = :g, filter: '{condition}'}}\n      with_a",
    )
    found = [(d.line, d.message) for d in diagnostics(tmp_path, schema)]
    line = next(i for i, t in enumerate(schema.splitlines(), 1) if "filter:" in t)
    assert found == [
        (line, "the filter as sent is longer than DynamoDB's limit of 4096 bytes")
    ]
