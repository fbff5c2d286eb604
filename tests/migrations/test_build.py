"""``dynagen build`` and the migration history: appended, never rewritten, edits caught,
changes DynamoDB cannot make refused with a location (SPEC §5). No server needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dynagen.migration_files import parse_migration

from tests.migrations._support import Project, changed, invoke, library

GSI2 = {"partition_key": "gsi2pk", "sort_key": "gsi2sk"}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def with_gsi2(schema: dict[str, Any], template: str = "ISBN#{isbn}") -> dict[str, Any]:
    out = changed(schema, tables__Library__indexes__gsi2=GSI2)
    out["entities"]["Book"]["key"].update(gsi2pk=template, gsi2sk="BOOK")
    return out


def test_first_build_writes_the_initial_migration(project: Project) -> None:
    history = project.built(library())
    assert [m.name for m in history] == ["0001_initial"]
    initial = history[0]
    assert initial.previous is None
    assert [o["op"] for o in initial.operations] == ["create_table"]
    definition = initial.operations[0]["definition"]
    assert definition["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert [g["IndexName"] for g in definition["GlobalSecondaryIndexes"]] == ["gsi1"]
    # The state records each entity's key templates and type attribute.
    book = initial.state["entities"]["Book"]
    assert book["type"] == "Book"
    assert book["keys"]["gsi1pk"]["template"] == "AUTHOR#{author}"
    assert initial.state["tables"]["Library"]["type_attribute"] == "_type"
    assert not initial.edited


def test_same_schema_appends_nothing_and_check_is_clean(project: Project) -> None:
    project.built(library())
    before = (project.package_dir / "migrations" / "0001_initial.py").read_bytes()
    assert project.built(library())[-1].name == "0001_initial"
    assert (
        project.package_dir / "migrations" / "0001_initial.py"
    ).read_bytes() == before
    result = invoke(
        "build", str(project.schema), "-o", str(project.package_dir), "--check"
    )
    assert result.exit_code == 0, result.output


def test_added_index_appends_the_next_migration_and_keeps_the_first(
    project: Project,
) -> None:
    project.built(library())
    first = (project.package_dir / "migrations" / "0001_initial.py").read_bytes()
    history = project.built(with_gsi2(library()))
    assert [m.name for m in history] == ["0001_initial", "0002_add_index_gsi2"]
    assert (
        project.package_dir / "migrations" / "0001_initial.py"
    ).read_bytes() == first
    second = history[1]
    assert second.previous == "0001_initial"
    # The items stored before lack gsi2pk: the backfill runs first, then the index is
    # created (complete as soon as it is ACTIVE).
    assert [o["op"] for o in second.operations] == ["backfill", "create_index"]
    backfill, create = second.operations
    assert backfill["entity"] == "Book"
    assert backfill["attributes"]["gsi2pk"]["template"] == "ISBN#{isbn}"
    assert backfill["attributes"]["gsi2pk"]["fields"] == {
        "isbn": {"stored": "isbn", "text": "escaped"}
    }
    assert create["index"] == "gsi2"
    assert create["attribute_definitions"] == [
        {"AttributeName": "gsi2pk", "AttributeType": "S"},
        {"AttributeName": "gsi2sk", "AttributeType": "S"},
    ]


def test_check_reports_the_missing_migration_without_writing(project: Project) -> None:
    project.built(library())
    project.write_schema(with_gsi2(library()))
    result = invoke(
        "build", str(project.schema), "-o", str(project.package_dir), "--check"
    )
    assert result.exit_code == 1
    assert "missing: " in result.stdout
    assert "migrations/0002_add_index_gsi2.py" in result.stdout
    assert project.migration_names() == ["0001_initial"]


def test_an_edited_migration_is_an_error_for_check_and_build(project: Project) -> None:
    project.built(library())
    path = project.package_dir / "migrations" / "0001_initial.py"
    path.write_text(
        path.read_text("utf-8").replace('"gsi1sk"', '"gsi1sx"'), encoding="utf-8"
    )
    check = invoke(
        "build", str(project.schema), "-o", str(project.package_dir), "--check"
    )
    assert check.exit_code == 1
    assert "edited: " in check.stdout and "0001_initial.py" in check.stdout
    before = path.read_bytes()
    build = invoke("build", str(project.schema), "-o", str(project.package_dir))
    assert build.exit_code == 1
    assert "0001_initial.py is edited" in build.stderr
    assert path.read_bytes() == before  # never rewritten


def test_a_migration_whose_header_changed_is_still_kept(project: Project) -> None:
    """A migration keeps the header it was written with, even from another schema file."""
    project.built(library())
    path = project.package_dir / "migrations" / "0001_initial.py"
    text = path.read_text("utf-8").replace("from schema.yaml.", "from old.yaml.", 1)
    path.write_text(text, encoding="utf-8")
    result = invoke(
        "build", str(project.schema), "-o", str(project.package_dir), "--check"
    )
    assert result.exit_code == 0, result.output
    assert path.read_text("utf-8") == text


def test_migration_names_say_what_changes(project: Project) -> None:
    base = library()
    project.built(base)
    steps: list[tuple[dict[str, Any], str]] = []
    no_gsi = changed(base, tables__Library__indexes={})
    no_gsi["entities"]["Book"]["key"] = {"pk": "BOOK#{book_id}", "sk": "BOOK"}
    steps.append((no_gsi, "0002_remove_index_gsi1"))
    with_ttl = changed(no_gsi, tables__Library__point_in_time_recovery=True)
    steps.append((with_ttl, "0003_update_pitr_library"))
    two_tables = changed(
        with_ttl,
        tables__Shelf={"partition_key": "id"},
    )
    steps.append((two_tables, "0004_add_table_shelf"))
    several = changed(
        two_tables,
        tables__Library__billing={"provisioned": {"read": 2, "write": 3}},
        tables__Library__tags={"team": "books"},
    )
    steps.append((several, "0005_update_library"))
    for schema, name in steps:
        assert project.built(schema)[-1].name == name


def test_operations_of_settings(project: Project) -> None:
    base = changed(
        library(),
        tables__Library__stream="new_image",
        tables__Library__tags={"team": "books", "cost": "a"},
    )
    project.built(base)
    after = changed(
        base,
        tables__Library__billing={"provisioned": {"read": 2, "write": 3}},
        tables__Library__stream="keys_only",
        tables__Library__point_in_time_recovery=True,
        tables__Library__table_class="standard_infrequent_access",
        tables__Library__deletion_protection=True,
        tables__Library__tags={"team": "library"},
    )
    operations = project.built(after)[-1].operations
    assert operations == [
        {
            "op": "update_stream",
            "table": "Library",
            "before": "NEW_IMAGE",
            "after": "KEYS_ONLY",
        },
        {
            "op": "update_billing",
            "table": "Library",
            "billing": {"mode": "PROVISIONED", "read": 2, "write": 3},
            "indexes": ["gsi1"],
        },
        {"op": "update_pitr", "table": "Library", "enabled": True},
        {"op": "update_deletion_protection", "table": "Library", "enabled": True},
        {
            "op": "update_table_class",
            "table": "Library",
            "table_class": "STANDARD_INFREQUENT_ACCESS",
        },
        {"op": "untag_table", "table": "Library", "keys": ["cost"]},
        {"op": "tag_table", "table": "Library", "tags": {"team": "library"}},
    ]


def test_a_removed_table_is_deleted_after_its_protection_is_lifted(
    project: Project,
) -> None:
    base = changed(
        library(),
        tables__Shelf={"partition_key": "id", "deletion_protection": True},
    )
    project.built(base)
    operations = project.built(library())[-1].operations
    assert operations == [
        {"op": "update_deletion_protection", "table": "Shelf", "enabled": False},
        {"op": "delete_table", "table": "Shelf"},
    ]


def test_changed_index_template_backfills_without_index_operation(
    project: Project,
) -> None:
    project.built(with_gsi2(library()))
    history = project.built(with_gsi2(library(), "ISBN#{isbn}#{edition:3}"))
    operations = history[-1].operations
    assert [o["op"] for o in operations] == ["backfill"]
    fields = operations[0]["attributes"]["gsi2pk"]["fields"]
    assert fields["edition"] == {"stored": "edition", "text": "padded", "width": 3}
    assert list(operations[0]["attributes"]) == ["gsi2pk"]  # gsi2sk did not change
    assert operations[0]["new_indexes"] == []


def test_new_entity_or_plain_attribute_index_needs_no_backfill(
    project: Project,
) -> None:
    base = library()
    project.built(base)
    more = changed(
        base,
        tables__Library__indexes__by_edition={
            "partition_key": {"name": "edition", "type": "N"}
        },
        entities__Shelf={
            "table": "Library",
            "key": {"pk": "SHELF#{shelf_id}", "sk": "SHELF"},
            "attributes": {"shelf_id": "string"},
        },
    )
    operations = project.built(more)[-1].operations
    assert [o["op"] for o in operations] == ["create_index"]


@pytest.mark.parametrize(
    ("change", "message", "where"),
    [
        (
            {
                "tables__Library__sort_key": {"name": "sk2", "type": "S"},
                "entities__Book__key__sk": None,
                "entities__Book__key__sk2": "BOOK",
            },
            "table Library: the sort key changes from sk (S) to sk2 (S), which "
            "DynamoDB cannot change on an existing table",
            "sort_key",
        ),
        (
            {"tables__Library__indexes__gsi1__projection": "keys_only"},
            "table Library: global index gsi1 changes its key or projection",
            "gsi1",
        ),
        (
            {
                "tables__Library__indexes__by_title": {
                    "local": True,
                    "sort_key": "title",
                }
            },
            "table Library: local index by_title is added; DynamoDB creates local "
            "indexes only with the table",
            "by_title",
        ),
    ],
)
def test_changes_dynamodb_cannot_make_are_located_errors(
    project: Project, change: dict[str, Any], message: str, where: str
) -> None:
    project.built(library())
    result = project.build(changed(library(), **change))
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert message in first
    file, line, column = first.split(":")[:3]
    assert file.endswith("schema.yaml")
    source_line = project.schema.read_text("utf-8").splitlines()[int(line) - 1]
    assert source_line[int(column) - 1 :].startswith(where)
    assert "hint: " in result.stderr
    assert project.migration_names() == ["0001_initial"]


def test_migration_files_are_deterministic(tmp_path: Path) -> None:
    one, two = Project(tmp_path / "a"), Project(tmp_path / "b")
    for project in (one, two):
        project.root.mkdir()
        project.built(library())
        project.built(with_gsi2(library()))
    for name in ("0001_initial.py", "0002_add_index_gsi2.py"):
        assert (one.package_dir / "migrations" / name).read_bytes() == (
            two.package_dir / "migrations" / name
        ).read_bytes()


def test_parse_refuses_a_file_without_its_data() -> None:
    with pytest.raises(ValueError, match="OPERATIONS"):
        parse_migration("NUMBER = 1\nNAME = 'x'\n", "migrations/0001_x.py")
    with pytest.raises(ValueError, match="not valid Python"):
        parse_migration("NUMBER = (", "migrations/0001_x.py")
