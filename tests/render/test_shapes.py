"""The model's decisions about the generated classes (``model/shapes.py``): which partial
classes exist and what each query returns, when an item holds a sparse index's key
attributes, and where a key template's fields sit in the key text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from dynagen.model.schema import Entity, Model
from dynagen.model.shapes import (
    field_positions,
    partial_classes,
    presence,
    result_class,
)
from dynagen.model.templates import SEPARATOR, parse_template
from dynagen.pipeline import check_schema
from dynagen.render import render
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]

SCHEMA = """\
dynagen: 1
package: shapes
tables:
  Main:
    partition_key: pk
    sort_key: sk
    indexes:
      narrow:
        partition_key: n_pk
        sort_key: n_sk
        projection: {include: [title]}
      viewed:
        partition_key: v_pk
        projection: {include: [title, note]}
      sparse:
        partition_key: s_pk
        sort_key: s_sk
        projection: all
entities:
  Task:
    table: Main
    key:
      pk: "TASK#{task_id}"
      sk: "TASK"
      n_pk: "OWNER#{owner}"
      n_sk: "DUE#{due}#{task_id}"
      v_pk: "KIND#{kind}"
      s_pk: "FLAG#{flag}"
      s_sk: "{task_id}"
    attributes:
      task_id: string
      owner: string
      due: string
      title: string
      kind: string
      note: {type: string, optional: true}
      flag: {type: string, optional: true}
    queries:
      owned:
        key: owner = :owner
      owned_due:
        key: owner = :owner and due >= :due
      owned_cards:
        key: owner = :owner
        view: card
      everything:
        key: kind = :kind
        view: card
      flagged:
        key: flag = :flag
    views:
      card: [title]
"""


def compile_text(tmp_path: Path, text: str) -> Model:
    path = tmp_path / "schema.yaml"
    path.write_text(text)
    result, _ = check_schema(path, path.name)
    assert result.ok and result.model is not None, result.diagnostics
    return result.model


@pytest.fixture(scope="module")
def task(tmp_path_factory: pytest.TempPathFactory) -> tuple[Model, Entity]:
    model = compile_text(tmp_path_factory.mktemp("shapes"), SCHEMA)
    return model, model.entities[0]


def test_partial_classes_are_the_views_then_each_read_partial_projection_once(
    task: tuple[Model, Entity],
) -> None:
    _, entity = task
    classes = partial_classes(entity)
    # `viewed` is only read through the view: no class of its own; `narrow` is read by
    # two queries without a view: one class; `sparse` projects everything: none.
    assert [(c.name, c.kind, c.source) for c in classes] == [
        ("TaskCard", "view", "card"),
        ("TaskNarrowProjection", "projection", "narrow"),
    ]
    # What `narrow` holds: its projection, the keys, and the fields of its templates.
    assert classes[1].attributes == ("task_id", "owner", "due", "title")


def test_each_query_returns_its_view_its_projection_or_the_entity(
    task: tuple[Model, Entity],
) -> None:
    _, entity = task
    returned = {}
    for plan in entity.queries:
        partial = result_class(entity, plan)
        returned[plan.name] = None if partial is None else partial.name
    assert returned == {
        "owned": "TaskNarrowProjection",
        "owned_due": "TaskNarrowProjection",
        "owned_cards": "TaskCard",
        "everything": "TaskCard",
        "flagged": None,
    }


def test_models_defines_exactly_the_partial_classes(
    task: tuple[Model, Entity],
) -> None:
    model, _ = task
    tree = ast.parse(render(model)["task_model.py"])
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert classes == {"Task", "TaskKey", "TaskCard", "TaskNarrowProjection"}


def test_presence_of_sparse_and_dense_index_keys(task: tuple[Model, Entity]) -> None:
    _, entity = task
    assert presence(entity) == {
        "n_pk": (),
        "n_sk": (),
        "v_pk": (),
        "s_pk": (("flag",),),
        "s_sk": (("flag",),),
    }


@pytest.mark.parametrize(
    "schema",
    [
        "schemas/shop.yaml",
        "schemas/library.yaml",
        "tests/declared_queries/schema.yaml",
        "tests/github/schema.yaml",
        "tests/corpus/online_shop.yaml",
    ],
)
def test_every_result_class_is_defined_by_its_entity_module(schema: str) -> None:
    result, _ = check_schema(ROOT / schema, schema)
    assert result.model is not None
    files = render(result.model)
    for entity in result.model.entities:
        tree = ast.parse(files[f"{entity.snake}_model.py"])
        defined = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
        assert defined == {
            entity.name,
            f"{entity.name}Key",
            *(c.name for c in partial_classes(entity)),
        }
        for plan in entity.queries:
            partial = result_class(entity, plan)
            name = entity.name if partial is None else partial.name
            assert name in defined


# -- key text positions -------------------------------------------------------------------

_LITERAL = st.text(st.characters(codec="utf-8", exclude_characters="#{}"), max_size=4)
_VALUE = st.text(st.characters(codec="utf-8", exclude_characters="#"), max_size=6)


@st.composite
def templates(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """A template of segments joined by ``#``, each literal text optionally followed by
    a field (a field ends its segment), with a value (never holding ``#``) per field."""
    segments, values = [], {}
    for i in range(draw(st.integers(1, 5))):
        text = draw(_LITERAL)
        if draw(st.booleans()):
            text += f"{{f{i}}}"
            values[f"f{i}"] = draw(_VALUE)
        segments.append(text)
    if not "".join(segments):
        segments[0] = "X"
    return SEPARATOR.join(segments), values


@given(templates())
def test_field_positions_read_each_field_back_from_the_key_text(
    drawn: tuple[str, dict[str, str]],
) -> None:
    text, values = drawn
    template = parse_template(text)
    key = "".join(
        part if isinstance(part, str) else values[part.name] for part in template.parts
    )
    positions = field_positions(template)
    assert [p.name for p in positions] == list(values)
    for position in positions:
        piece = key.split(position.separator)[position.segment]
        assert piece[position.skip :] == values[position.name]
