"""Property tests: the compiler never fails with anything but a located ExpressionError,
and printing a tree then parsing it gives the same tree back."""

from __future__ import annotations

import re

from dynagen.model.expressions import (
    ExpressionError,
    SchemaResolver,
    check_condition,
    check_projection,
    check_update,
    compile_condition,
    compile_projection,
    compile_update,
    parse_condition,
    parse_projection,
    parse_update,
    render_condition,
    render_projection,
    render_update,
    same_name,
)
from dynagen.model.expressions.ast import (
    AddAction,
    And,
    Arithmetic,
    AttributeExists,
    AttributeNotExists,
    AttributeType,
    BeginsWith,
    Between,
    Comparison,
    Condition,
    Contains,
    DeleteAction,
    IfNotExists,
    In,
    ListAppend,
    Not,
    Operand,
    Or,
    Param,
    Path,
    SetAction,
    SetOperand,
    SetValue,
    Size,
    Update,
)
from dynagen.model.types import (
    AttrType,
    EnumType,
    JsonType,
    ListType,
    MapType,
    NamedType,
    ScalarType,
    SetType,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from .shop import SHOP

# --- (c) render, then parse: the same tree --------------------------------------------

NAMES = st.sampled_from(
    [
        "a",
        "b",
        "name",
        "status",
        "size",
        "count",
        "set",
        "Add",
        "REMOVE",
        "x_1",
        "_t",
        "café",
    ]
)
PARAM_NAMES = st.sampled_from(["a", "b", "from", "x1", "été"])
paths = st.builds(
    lambda first, rest: Path((first, *rest), 0),
    NAMES,
    st.lists(st.one_of(NAMES, st.integers(0, 30)), max_size=3),
)
params = st.builds(lambda name: Param(name, 0), PARAM_NAMES)
operands: st.SearchStrategy[Operand] = st.one_of(
    paths, params, st.builds(lambda path: Size(path, 0), paths)
)
COMPARATORS = st.sampled_from(["=", "<>", "<", "<=", ">", ">="])
leaf_conditions: st.SearchStrategy[Condition] = st.one_of(
    st.builds(
        lambda op, a, b: Comparison(op, a, b, 0), COMPARATORS, operands, operands
    ),
    st.builds(lambda a, b, c: Between(a, b, c, 0), operands, operands, operands),
    st.builds(
        lambda a, bs: In(a, tuple(bs), 0),
        operands,
        st.lists(operands, min_size=1, max_size=4),
    ),
    st.builds(lambda path: AttributeExists(path, 0), paths),
    st.builds(lambda path: AttributeNotExists(path, 0), paths),
    st.builds(lambda path, t: AttributeType(path, t, 0), paths, params),
    st.builds(lambda path, x: BeginsWith(path, x, 0), paths, st.one_of(paths, params)),
    st.builds(lambda path, x: Contains(path, x, 0), paths, st.one_of(paths, params)),
)
conditions: st.SearchStrategy[Condition] = st.recursive(
    leaf_conditions,
    lambda inner: st.one_of(
        st.builds(lambda a, b: And(a, b, 0), inner, inner),
        st.builds(lambda a, b: Or(a, b, 0), inner, inner),
        st.builds(lambda a: Not(a, 0), inner),
    ),
    max_leaves=8,
)
set_operands: st.SearchStrategy[SetOperand] = st.recursive(
    st.one_of(
        paths,
        params,
        st.builds(
            lambda path, d: IfNotExists(path, d, 0), paths, st.one_of(paths, params)
        ),
    ),
    lambda inner: st.builds(lambda a, b: ListAppend(a, b, 0), inner, inner),
    max_leaves=4,
)
set_values: st.SearchStrategy[SetValue] = st.one_of(
    set_operands,
    st.builds(
        lambda op, a, b: Arithmetic(op, a, b, 0),
        st.sampled_from(["+", "-"]),
        set_operands,
        set_operands,
    ),
)
updates = st.builds(
    lambda s, r, a, d: Update(tuple(s), tuple(r), tuple(a), tuple(d), 0),
    st.lists(
        st.builds(lambda path, v: SetAction(path, v, 0), paths, set_values), max_size=3
    ),
    st.lists(paths, max_size=3),
    st.lists(
        st.builds(lambda path, v: AddAction(path, v, 0), paths, params), max_size=2
    ),
    st.lists(
        st.builds(lambda path, v: DeleteAction(path, v, 0), paths, params), max_size=2
    ),
).filter(lambda u: bool(u.set or u.remove or u.add or u.delete))


@given(conditions)
def test_condition_round_trip(tree: Condition) -> None:
    text = render_condition(tree)
    assume(text.count("(") + text.count("NOT") < 40)  # within the nesting limit
    assert parse_condition(text) == tree
    assert render_condition(parse_condition(text)) == text


@given(updates)
def test_update_round_trip(tree: Update) -> None:
    text = render_update(tree)
    assert parse_update(text) == tree
    assert render_update(parse_update(text)) == text


@given(st.lists(paths, min_size=1, max_size=5))
def test_projection_round_trip(tree: list[Path]) -> None:
    assert parse_projection(render_projection(tree)) == tree


# --- (a) expressions from a small grammar over a random entity ------------------------

ATTRIBUTE_NAMES = ["a", "b", "name", "status", "size", "tags", "lines", "doc", "n", "m"]
FIELD_NAMES = ["f", "g", "city"]
scalar_types = st.one_of(
    st.builds(
        ScalarType, st.sampled_from(["string", "int", "decimal", "bool", "bytes"])
    ),
    st.builds(
        ScalarType, st.sampled_from(["float", "datetime", "date", "epoch", "uuid"])
    ),
    st.just(EnumType("E", ("x", "y"))),
)
attr_types: st.SearchStrategy[AttrType] = st.recursive(
    st.one_of(
        scalar_types,
        st.builds(
            SetType, st.builds(ScalarType, st.sampled_from(["string", "int", "bytes"]))
        ),
        st.just(JsonType()),
        st.just(NamedType("T")),
    ),
    lambda inner: st.one_of(st.builds(ListType, inner), st.builds(MapType, inner)),
    max_leaves=3,
)


@st.composite
def entities(draw: st.DrawFn) -> SchemaResolver:
    names = draw(
        st.lists(st.sampled_from(ATTRIBUTE_NAMES), min_size=1, max_size=6, unique=True)
    )
    attributes = {name: draw(attr_types) for name in names}
    fields = draw(
        st.lists(st.sampled_from(FIELD_NAMES), min_size=1, max_size=3, unique=True)
    )
    field_types = {name: draw(attr_types) for name in fields}
    columns = {
        name: draw(st.sampled_from([name, f"{name}-col", "x.y"])) for name in names
    }
    return SchemaResolver(attributes, {"T": field_types}, columns=columns)


def sometimes_wrong(
    right: st.SearchStrategy[str], wrong: list[str]
) -> st.SearchStrategy[str]:
    """Mostly ``right``, now and then a mistake from ``wrong``."""
    return st.integers(0, 39).flatmap(
        lambda i: st.sampled_from(wrong) if i == 39 else right
    )


@st.composite
def path_texts(draw: st.DrawFn, names: list[str]) -> str:
    text = draw(sometimes_wrong(st.sampled_from(names), ["nmae", "zz", "Size"]))
    for _ in range(draw(st.integers(0, 2))):
        segment = st.sampled_from([".f", ".g", ".city", "[0]", "[12]"])
        text += draw(sometimes_wrong(segment, [".zz", "[", "[x]", "."]))
    return text


PARAMS = sometimes_wrong(st.sampled_from([":p", ":q", ":r"]), ["5", "'s'", ":", ":1"])


@st.composite
def operand_texts(draw: st.DrawFn, names: list[str]) -> str:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(PARAMS)
    if kind == 2:
        return f"size({draw(path_texts(names))})"
    return draw(path_texts(names))


@st.composite
def condition_texts(draw: st.DrawFn, names: list[str], depth: int = 0) -> str:
    kind = draw(st.integers(0, 9 if depth < 3 else 5))
    o = operand_texts(names)
    path = path_texts(names)
    if kind <= 1:
        return f"{draw(path)} {draw(COMPARATORS)} {draw(PARAMS)}"
    if kind == 2:
        return f"{draw(o)} {draw(COMPARATORS)} {draw(o)}"
    if kind == 3:
        choices = ", ".join(draw(st.lists(o, min_size=1, max_size=3)))
        return draw(
            st.sampled_from(
                [
                    f"{draw(o)} BETWEEN {draw(o)} and {draw(o)}",
                    f"{draw(path)} in ({choices})",
                ]
            )
        )
    if kind == 4:
        function = draw(st.sampled_from(["begins_with", "contains", "attribute_type"]))
        return f"{function}({draw(path)}, {draw(o)})"
    if kind == 5:
        function = draw(st.sampled_from(["attribute_exists", "attribute_not_exists"]))
        return f"{function}({draw(path)})"
    inner = condition_texts(names, depth + 1)
    if kind == 6:
        return f"NOT {draw(inner)}"
    if kind == 7:
        return f"({draw(inner)})"
    return f"{draw(inner)} {draw(st.sampled_from(['AND', 'or']))} {draw(inner)}"


@st.composite
def value_texts(draw: st.DrawFn, names: list[str], depth: int = 0) -> str:
    kind = draw(st.integers(0, 5 if depth < 2 else 1))
    path = path_texts(names)
    if kind == 0:
        return draw(PARAMS)
    if kind == 1:
        return draw(path)
    inner = value_texts(names, depth + 1)
    if kind == 2:
        return f"{draw(inner)} {draw(st.sampled_from('+-'))} {draw(PARAMS)}"
    if kind == 3:
        return f"list_append({draw(inner)}, {draw(inner)})"
    if kind == 4:
        return f"if_not_exists({draw(path)}, {draw(PARAMS)})"
    return f"{draw(path)} + {draw(PARAMS)}"


@st.composite
def update_texts(draw: st.DrawFn, names: list[str]) -> str:
    words = st.sampled_from(["SET", "REMOVE", "ADD", "DELETE"])
    clauses: list[str] = []
    for word in draw(st.lists(words, min_size=1, max_size=4, unique=True)):
        actions: list[str] = []
        for _ in range(draw(st.integers(1, 3))):
            if word == "SET":
                actions.append(
                    f"{draw(path_texts(names))} = {draw(value_texts(names))}"
                )
            elif word == "REMOVE":
                actions.append(draw(path_texts(names)))
            else:
                actions.append(f"{draw(path_texts(names))} {draw(PARAMS)}")
        clauses.append(f"{word} {', '.join(actions)}")
    return " ".join(clauses)


@st.composite
def conditions_over_entities(draw: st.DrawFn) -> tuple[SchemaResolver, str]:
    entity = draw(entities())
    return entity, draw(condition_texts(entity.names(())))


@st.composite
def updates_over_entities(draw: st.DrawFn) -> tuple[SchemaResolver, str]:
    entity = draw(entities())
    return entity, draw(update_texts(entity.names(())))


Pairs = tuple[tuple[str, str], ...]


def assert_placeholders_match(text: str, names: Pairs, params: Pairs) -> None:
    """The text uses exactly the placeholders the compiled maps declare."""
    assert set(re.findall(r"#n\d+", text)) == {name for name, _ in names}
    assert set(re.findall(r":p\d+", text)) == {param for param, _ in params}


@settings(max_examples=300)
@given(conditions_over_entities())
def test_random_conditions_compile_or_fail_located(
    case: tuple[SchemaResolver, str],
) -> None:
    entity, text = case
    try:
        tree = parse_condition(text)
        check_condition(tree, entity)
        compiled = compile_condition(tree, entity.stored_name)
    except ExpressionError as error:
        assert 0 <= error.offset <= len(text)
        return
    assert_placeholders_match(compiled.text, compiled.names, compiled.params)


@settings(max_examples=300)
@given(updates_over_entities(), st.data())
def test_random_updates_compile_or_fail_located(
    case: tuple[SchemaResolver, str], data: st.DataObject
) -> None:
    entity, text = case
    names = entity.names(())
    forbidden = {
        n: "reason" for n in data.draw(st.lists(st.sampled_from(names), max_size=2))
    }
    defaulted = data.draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    defaults = {n: f":d_{i}" for i, n in enumerate(defaulted)}
    nonzero = (
        set(data.draw(st.lists(st.sampled_from(defaulted), max_size=2)))
        if defaulted
        else set()
    )
    try:
        tree = parse_update(text)
        check_update(tree, entity)
        compiled = compile_update(
            tree,
            entity.stored_name,
            forbidden=forbidden,
            defaults=defaults,
            nonzero_number_defaults=nonzero,
        )
    except ExpressionError as error:
        assert 0 <= error.offset <= len(text)
        return
    assert_placeholders_match(compiled.text, compiled.names, compiled.params)
    assert set(re.findall(r":d_\d+", compiled.text)) == {
        d for d, _ in compiled.defaults
    }
    assert not set(compiled.removes) & set(compiled.writes)
    assert set(compiled.computed) <= set(compiled.writes)
    assert {a for a, _ in compiled.assignments} <= set(compiled.writes) - set(
        compiled.computed
    )


@given(entities(), st.data())
def test_random_projections_compile_or_fail_located(
    entity: SchemaResolver, data: st.DataObject
) -> None:
    parts = data.draw(st.lists(path_texts(entity.names(())), min_size=1, max_size=4))
    text = ", ".join(parts)
    try:
        tree = parse_projection(text)
        check_projection(tree, entity)
        compile_projection(tree, entity.stored_name)
    except ExpressionError as error:
        assert 0 <= error.offset <= len(text)


# --- (b) garbage ----------------------------------------------------------------------

GARBAGE_ALPHABET = [
    *" \t\n:=<>()[],.+-'\"#!&|$0123456789_abxyzé",
    "AND ", "OR ", "NOT ", "BETWEEN ", "IN ", "SET ", "REMOVE ", "ADD ", "DELETE ", "size(",
    "attribute_exists(", "begins_with(", "list_append(", "if_not_exists(", "name", ":p",
]  # fmt: skip
garbage = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(GARBAGE_ALPHABET), max_size=30).map("".join),
)


def whole_condition(text: str) -> None:
    tree = parse_condition(text)
    check_condition(tree, SHOP)
    compile_condition(tree, same_name)


def whole_update(text: str) -> None:
    tree = parse_update(text)
    check_update(tree, SHOP)
    compile_update(
        tree, same_name, defaults={"points": ":d"}, forbidden={"version": "no"}
    )


def whole_projection(text: str) -> None:
    tree = parse_projection(text)
    check_projection(tree, SHOP)
    compile_projection(tree, same_name)


@settings(max_examples=500)
@given(garbage)
def test_garbage_gives_located_errors(text: str) -> None:
    for pipeline in (whole_condition, whole_update, whole_projection):
        try:
            pipeline(text)
        except ExpressionError as error:
            assert 0 <= error.offset <= len(text)
