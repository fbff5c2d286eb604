"""Error recovery: one mistake is one error, however much depends on it.

Every unit of the example schemas (an enum, a type field, a table and its settings, an
index, an entity, an attribute, a key template, a query, an update, a view) is broken in
turn, structurally (a value of the wrong JSON type) and, where the unit has a name
others use, semantically (an unknown type or attribute). Each broken schema must report
exactly one error, on the broken node's line: nothing that depends on the node (key
templates, queries, clash checks, index membership) may add errors of its own, and the
JSON Schema check must not hide the semantic rules (``tests/cases/*_errors`` and
``every_error_in_one_run`` hold files with several independent errors).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from dynagen.pipeline import check_schema
from dynagen.validate.structure import recover_structure

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = sorted((ROOT / "schemas").glob("*.yaml"))

Path_ = tuple[str, ...]


def units(data: dict[str, Any]) -> Iterator[Path_]:
    """Every unit path of a schema, in document order."""
    for name in data.get("enums") or {}:
        yield ("enums", name)
    for name, fields in (data.get("types") or {}).items():
        for field in fields:
            yield ("types", name, field)
    for name, table in data["tables"].items():
        for setting in ("billing", "stream", "ttl", "tags"):
            if setting in table:
                yield ("tables", name, setting)
        for index in table.get("indexes") or {}:
            yield ("tables", name, "indexes", index)
    for name, entity in data["entities"].items():
        for group in ("attributes", "key", "queries", "updates", "views"):
            for member in entity.get(group) or {}:
                yield ("entities", name, group, member)


def breakages(data: dict[str, Any]) -> Iterator[tuple[str, Path_, Any]]:
    """(id, path, new value): a structural break of every unit, a semantic one of
    attributes and key templates."""
    for path in units(data):
        yield f"{'.'.join(path)}=12345", path, 12345
        if path[0] == "entities" and path[2] == "attributes":
            yield f"{'.'.join(path)}=strng", path, "strng"
        if path[0] == "entities" and path[2] == "key":
            yield f"{'.'.join(path)}=unknown", path, "X#{no_such_field}"
        if path[0] == "types":
            yield f"{'.'.join(path)}=strng", path, "strng"


def set_path(data: dict[str, Any], path: Path_, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    node = changed
    for segment in path[:-1]:
        node = node[segment]
    node[path[-1]] = value
    return changed


def cases() -> list[Any]:
    params = []
    for schema in SCHEMAS:
        data = yaml.safe_load(schema.read_text(encoding="utf-8"))
        for case_id, path, value in breakages(data):
            params.append(
                pytest.param(schema, path, value, id=f"{schema.stem}:{case_id}")
            )
    return params


@pytest.mark.parametrize(("schema", "path", "value"), cases())
def test_one_break_is_one_error(
    schema: Path, path: Path_, value: Any, tmp_path: Path
) -> None:
    data = yaml.safe_load(schema.read_text(encoding="utf-8"))
    broken = set_path(data, path, value)
    target = tmp_path / "schema.yaml"
    target.write_text(yaml.safe_dump(broken, sort_keys=False), encoding="utf-8")
    result, _ = check_schema(target, "schema.yaml")
    errors = [d for d in result.diagnostics if d.severity == "error"]
    lines = target.read_text(encoding="utf-8").splitlines()
    shown = [f"{d.line}: {d.message} | {lines[d.line - 1].strip()}" for d in errors]
    assert len(errors) == 1, shown
    # The error is on the broken node's line: the value's own, or its key's.
    line = lines[errors[0].line - 1]
    assert str(path[-1]) in line or str(value)[:5] in line, shown


def test_the_example_schemas_have_no_errors() -> None:
    for schema in SCHEMAS:
        result, _ = check_schema(schema, schema.name)
        assert result.ok, result.diagnostics


def test_recovery_cuts_only_the_broken_unit(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    target.write_text(
        "dynagen: 1\npackage: app\ntables:\n  T:\n    partition_key: pk\n"
        "    billing: sometimes\nentities:\n  E:\n    table: T\n"
        '    key: {pk: "E#{id}"}\n    attributes:\n      id: string\n'
        "      n: {type: int, optinal: true}\n",
        encoding="utf-8",
    )
    from dynagen.load import load_file

    document, problems = load_file(target, "schema.yaml")
    assert document is not None and not problems
    recovery = recover_structure(document)
    assert recovery.sound
    assert recovery.broken == {
        ("tables", "T", "billing"),
        ("entities", "E", "attributes", "n"),
    }
    assert "billing" not in recovery.data["tables"]["T"]
    assert recovery.data["entities"]["E"]["attributes"] == {"id": "string"}
    assert [d.line for d in recovery.diagnostics] == [6, 13]
