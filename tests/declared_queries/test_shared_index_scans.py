"""Declared scans of an index that several entities share and that does not project
the type attribute (SPEC §3: a declared scan is "restricted to the entity's items";
on such an index "entities are told apart by the literal text of their index key
templates").

Small schemas of their own: ``Thing`` and ``Other`` both live in ``gsi1``
(``gsi1pk: "ALL"``, ``gsi1sk: "THING#{thing_id}"`` / ``"OTHER#{other_id}"``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dynagen.cli import main
from dynagen.output import write
from dynagen.pipeline import compile_schema

from tests.backends import Backend, delete_tables_with_prefix, new_table_prefix
from tests.declared_queries._support import create_schema_tables
from tests.generated_package import imported_package

SCHEMA = """\
dynagen: 1
package: {package}
tables:
  Main:
    partition_key: pk
    sort_key: sk
    indexes:
      gsi1:
        partition_key: gsi1pk
        sort_key: gsi1sk
        projection: {projection}
entities:
  Thing:
    table: Main
    key:
      pk: "THING#{{thing_id}}"
      sk: "THING"
      gsi1pk: "ALL"
      gsi1sk: "THING#{{thing_id}}"
    attributes:
      thing_id: string
      color: string
    queries:
{queries}
  Other:
    table: Main
    key:
      pk: "OTHER#{{other_id}}"
      sk: "OTHER"
      gsi1pk: "ALL"
      gsi1sk: "OTHER#{{other_id}}"
    attributes:
      other_id: string
      color: string
"""
INCLUDE = "{include: [color]}"


def schema_text(package: str, projection: str, queries: str) -> str:
    return SCHEMA.format(package=package, projection=projection, queries=queries)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A package whose ``Thing.colored`` scans gsi1 (include: [color]) by color."""
    root = tmp_path_factory.mktemp("shared_scan")
    schema = root / "schema.yaml"
    queries = "      colored:\n        index: gsi1\n        filter: color = :color\n"
    schema.write_text(schema_text("sharedscan", INCLUDE, queries), encoding="utf-8")
    result = compile_schema(schema, schema.name)
    assert result.ok and result.files is not None, result.diagnostics
    write(root / "sharedscan", result.files)
    with imported_package(root / "sharedscan") as package:
        yield package


@pytest.fixture(scope="module")
def shared_db(backend: Backend, shared: Any) -> Iterator[Any]:
    prefix = new_table_prefix()
    client = backend.client()
    try:
        create_schema_tables(client, shared.tables, prefix)
        db = shared.Database(client, table_prefix=prefix)
        for i in range(3):
            db.thing.create(shared.Thing(thing_id=f"t{i}", color="red"))
            db.other.create(shared.Other(other_id=f"o{i}", color="red"))
        yield db
    finally:
        delete_tables_with_prefix(client, prefix)
        client.close()


def test_declared_scan_of_a_shared_index_returns_only_its_entity(
    shared_db: Any,
) -> None:
    ids = sorted(t.thing_id for t in shared_db.thing.colored(color="red").all())
    assert ids == ["t0", "t1", "t2"]


def test_entity_scan_of_the_table_returns_only_its_entity(shared_db: Any) -> None:
    ids = sorted(t.thing_id for t in shared_db.thing.scan().all())
    assert ids == ["t0", "t1", "t2"]


def test_declared_scan_without_parameters_builds(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    queries = "      everything:\n        index: gsi1\n"
    schema.write_text(schema_text("noparams", INCLUDE, queries), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["build", str(schema), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, (result.output, result.exception)


def test_filter_on_an_attribute_the_index_does_not_project(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    queries = "      named:\n        index: gsi1\n        filter: thing_id >= :x\n"
    text = schema_text("unprojected", "keys_only", queries)
    schema.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(schema)])
    diagnostics = json.loads(result.output)
    line = text.splitlines().index("        filter: thing_id >= :x") + 1
    assert [(d["line"], d["column"]) for d in diagnostics] == [(line, 17)]
