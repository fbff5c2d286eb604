"""The compiler: placeholders, renames, canonical text, defaults and update rules."""

from __future__ import annotations

import pytest
from dynagen.model.expressions import (
    CompiledUpdate,
    ExpressionError,
    Placeholders,
    compile_condition,
    compile_projection,
    compile_update,
    join_update,
    parse_condition,
    parse_projection,
    parse_update,
    same_name,
)

from .shop import RENAMED, SHOP


def condition(text: str) -> tuple[str, dict[str, str], dict[str, str]]:
    compiled = compile_condition(parse_condition(text), same_name)
    return compiled.text, dict(compiled.names), dict(compiled.params)


def update(
    text: str,
    *,
    forbidden: dict[str, str] | None = None,
    defaults: dict[str, str] | None = None,
    nonzero_number_defaults: frozenset[str] | set[str] = frozenset(),
) -> CompiledUpdate:
    return compile_update(
        parse_update(text),
        same_name,
        forbidden=forbidden,
        defaults=defaults,
        nonzero_number_defaults=nonzero_number_defaults,
    )


@pytest.mark.parametrize(
    ("text", "compiled"),
    [
        ("a = :a", "#n0 = :p0"),
        (
            "a   =:a and(b<>:b   or not   c=:c)",
            "#n0 = :p0 AND (#n1 <> :p1 OR NOT #n2 = :p2)",
        ),
        ("a between :x and :y", "#n0 BETWEEN :p0 AND :p1"),
        ("a in (:x,:y ,  b)", "#n0 IN (:p0, :p1, #n1)"),
        (
            "ATTRIBUTE_EXISTS(a) and Size(b) > :n",
            "attribute_exists(#n0) AND size(#n1) > :p0",
        ),
        ("attribute_not_exists ( a )", "attribute_not_exists(#n0)"),
        ("Attribute_Type(a, :t)", "attribute_type(#n0, :p0)"),
        (
            "BEGINS_WITH(a, :p) or CONTAINS(b, c)",
            "begins_with(#n0, :p0) OR contains(#n1, #n2)",
        ),
        ("NOT (a = :a AND b = :b)", "NOT (#n0 = :p0 AND #n1 = :p1)"),
        ("(a = :a OR b = :b) AND c = :c", "(#n0 = :p0 OR #n1 = :p1) AND #n2 = :p2"),
        ("a = :a OR (b = :b AND c = :c)", "#n0 = :p0 OR #n1 = :p1 AND #n2 = :p2"),
        ("a = :a AND (b = :b AND c = :c)", "#n0 = :p0 AND (#n1 = :p1 AND #n2 = :p2)"),
        ("((a = :a))", "#n0 = :p0"),
        ("lines[0].sku = :s", "#n0[0].#n1 = :p0"),
        ("a.b.c[1][2] = :s", "#n0.#n1.#n2[1][2] = :p0"),
    ],
)
def test_canonical_text(text: str, compiled: str) -> None:
    assert condition(text)[0] == compiled


def test_placeholders_by_first_appearance_reused() -> None:
    text, names, params = condition("b = :y OR a = :x AND meta.b = :y AND b.a = :z")
    assert text == "#n0 = :p0 OR #n1 = :p1 AND #n2.#n0 = :p0 AND #n0.#n1 = :p2"
    assert names == {"#n0": "b", "#n1": "a", "#n2": "meta"}
    assert params == {":p0": "y", ":p1": "x", ":p2": "z"}


def test_deterministic() -> None:
    source = "status = :s AND size(tags) > :n OR begins_with(name, :p)"
    first = compile_condition(parse_condition(source), same_name)
    second = compile_condition(parse_condition(source), same_name)
    assert first == second
    assert first.names == (("#n0", "status"), ("#n1", "tags"), ("#n2", "name"))
    assert first.params == ((":p0", "s"), (":p1", "n"), (":p2", "p"))


def test_names_and_params_sorted_numerically() -> None:
    source = " AND ".join(f"a{i} = :v{i}" for i in range(12))
    compiled = compile_condition(parse_condition(source), same_name)
    assert [n for n, _ in compiled.names] == [f"#n{i}" for i in range(12)]
    assert [p for p, _ in compiled.params] == [f":p{i}" for i in range(12)]


def test_reserved_words_become_placeholders() -> None:
    text, names, params = condition(
        "name = :name AND status = :status AND size = :size AND count > :count "
        "AND size(size) > :count"
    )
    assert text == (
        "#n0 = :p0 AND #n1 = :p1 AND #n2 = :p2 AND #n3 > :p3 AND size(#n2) > :p3"
    )
    assert names == {"#n0": "name", "#n1": "status", "#n2": "size", "#n3": "count"}
    assert params == {":p0": "name", ":p1": "status", ":p2": "size", ":p3": "count"}


def test_column_renames() -> None:
    compiled = compile_condition(
        parse_condition(
            "name = :n AND address.city = :c AND status = :s AND points > :p"
        ),
        RENAMED.stored_name,
    )
    assert compiled.text == "#n0 = :p0 AND #n1.#n2 = :p1 AND #n3 = :p2 AND #n4 > :p3"
    assert compiled.names == (
        ("#n0", "full-name"),
        ("#n1", "address"),
        ("#n2", "town"),
        ("#n3", "st.atus"),
        ("#n4", "pts"),
    )
    compiled_update = compile_update(
        parse_update("SET name = :n ADD points :p"), RENAMED.stored_name
    )
    assert compiled_update.text == "SET #n0 = :p0 ADD #n1 :p1"
    assert compiled_update.names == (("#n0", "full-name"), ("#n1", "pts"))
    # schema names, not stored names, in what the update writes
    assert compiled_update.writes == ("name", "points")


def test_shared_placeholders_across_expressions() -> None:
    shared = Placeholders()
    u = compile_update(
        parse_update("ADD points :points"), same_name, placeholders=shared
    )
    c = compile_condition(
        parse_condition("status = :status AND points < :points"),
        same_name,
        placeholders=shared,
    )
    assert u.text == "ADD #n0 :p0"
    assert c.text == "#n1 = :p1 AND #n0 < :p0"
    assert c.names == (("#n0", "points"), ("#n1", "status"))
    assert c.params == ((":p0", "points"), (":p1", "status"))
    assert shared.name("version") == "#n2"
    assert shared.value("points") == ":p0"


def test_update_text_and_actions() -> None:
    compiled = update(
        "delete tags :t add points :n remove address.city, meta "
        "set name = :name, fines = fines + :f, lines = list_append(lines, :l)"
    )
    assert compiled.text == (
        "SET #n0 = :p0, #n1 = #n1 + :p1, #n2 = list_append(#n2, :p2) "
        "REMOVE #n3.#n4, #n5 ADD #n6 :p3 DELETE #n7 :p4"
    )
    assert compiled.set_actions == (
        "#n0 = :p0",
        "#n1 = #n1 + :p1",
        "#n2 = list_append(#n2, :p2)",
    )
    assert compiled.remove_actions == ("#n3.#n4", "#n5")
    assert compiled.add_actions == ("#n6 :p3",)
    assert compiled.delete_actions == ("#n7 :p4",)
    assert (
        join_update(
            compiled.set_actions,
            compiled.remove_actions,
            compiled.add_actions,
            compiled.delete_actions,
        )
        == compiled.text
    )
    assert compiled.expression.text == compiled.text
    assert compiled.defaults == ()


def test_update_effects() -> None:
    compiled = update(
        "SET name = :name, fines = fines + :f, lines = list_append(lines, :l), "
        "address.city = :c, email = customer_id, status = if_not_exists(status, :s) "
        "REMOVE meta, doc.x ADD points :n DELETE tags :t"
    )
    assert compiled.writes == (
        "name", "fines", "lines", "address", "email", "status", "doc", "points", "tags"
    )  # fmt: skip
    assert compiled.removes == ("meta",)
    assert compiled.computed == (
        "fines", "lines", "address", "email", "status", "doc", "points", "tags"
    )  # fmt: skip
    assert compiled.assignments == (("name", "name"),)


def test_defaults_rewrite_reads_in_set_values() -> None:
    defaults = {
        "fines": ":d_fines",
        "lines": ":d_lines",
        "points": ":d_points",
        "tags": ":d_tags",
    }
    compiled = update(
        "SET fines = fines + :amount, lines = list_append(lines, :more), total = points, "
        "name = if_not_exists(email, :e), address.city = :c",
        defaults=defaults,
    )
    assert compiled.set_actions == (
        "#n0 = if_not_exists(#n0, :d_fines) + :p0",
        "#n1 = list_append(if_not_exists(#n1, :d_lines), :p1)",
        "#n2 = if_not_exists(#n3, :d_points)",
        "#n4 = if_not_exists(#n5, :p2)",
        "#n6.#n7 = :p3",
    )
    # exactly the defaults the text uses, so that no unused value is sent
    assert compiled.defaults == (
        (":d_fines", "fines"), (":d_lines", "lines"), (":d_points", "points")
    )  # fmt: skip


def test_defaults_leave_explicit_if_not_exists_and_nested_paths_alone() -> None:
    compiled = update(
        "SET fines = if_not_exists(fines, :zero) + :amount, doc.n = doc.n + :x, "
        "a = if_not_exists(a, doc.n)",
        defaults={"fines": ":d_fines", "doc": ":d_doc", "a": ":d_a"},
    )
    assert compiled.text == (
        "SET #n0 = if_not_exists(#n0, :p0) + :p1, #n1.#n2 = #n1.#n2 + :p2, "
        "#n3 = if_not_exists(#n3, #n1.#n2)"
    )
    assert compiled.defaults == ()


def test_if_not_exists_cannot_fall_back_on_an_attribute_with_a_default() -> None:
    """Issue 17: `SET n1 = if_not_exists(n1, n2)` read n2 as stored, ignoring its
    default; the fallback cannot be read through one, so it is a build error."""
    with pytest.raises(ExpressionError) as caught:
        update("SET a = if_not_exists(a, fines)", defaults={"fines": ":d_fines"})
    assert (caught.value.message, caught.value.offset, caught.value.hint) == (
        "'fines' has a default, which if_not_exists() cannot read in its second "
        "argument",
        25,
        "pass the fallback as a :parameter, or write if_not_exists(a, :fines)",
    )


def test_defaults_do_not_touch_conditions() -> None:
    text = compile_condition(parse_condition("fines > :f"), same_name).text
    assert text == "#n0 > :p0"


def test_add_on_a_number_with_nonzero_default_becomes_set() -> None:
    compiled = update(
        "ADD points :n, count :c, tags :t SET name = :name",
        defaults={"points": ":d_points", "count": ":d_count", "tags": ":d_tags"},
        nonzero_number_defaults={"points"},
    )
    assert compiled.text == (
        "SET #n0 = :p0, #n1 = if_not_exists(#n1, :d_points) + :p1 ADD #n2 :p2, #n3 :p3"
    )
    assert dict(compiled.names) == {
        "#n0": "name",
        "#n1": "points",
        "#n2": "count",
        "#n3": "tags",
    }
    assert compiled.params == (
        (":p0", "name"),
        (":p1", "n"),
        (":p2", "c"),
        (":p3", "t"),
    )
    assert compiled.defaults == ((":d_points", "points"),)
    assert compiled.computed == ("points", "count", "tags")
    only_add = update(
        "ADD points :n", defaults={"points": ":d"}, nonzero_number_defaults={"points"}
    )
    assert only_add.text == "SET #n0 = if_not_exists(#n0, :d) + :p0"
    assert only_add.add_actions == ()


def test_nonzero_number_defaults_need_a_default() -> None:
    with pytest.raises(ValueError, match="points"):
        update("ADD points :n", nonzero_number_defaults={"points"})


FORBIDDEN = {
    "version": "the repository maintains `version` itself",
    "customer_id": "it is part of the table's key",
}


@pytest.mark.parametrize(
    ("text", "offset", "message", "hint"),
    [
        (
            "SET version = :v",
            4,
            "this update cannot write 'version': the repository maintains `version` itself",
            None,
        ),
        (
            "SET name = :n REMOVE customer_id",
            21,
            "this update cannot write 'customer_id': it is part of the table's key",
            None,
        ),
        (
            "ADD version.x :v",
            4,
            "this update cannot write 'version': the repository maintains `version` itself",
            None,
        ),
        ("SET a = :a, a = :b", 12, "'a' appears twice in this update", None),
        ("SET a = :a REMOVE a", 18, "'a' appears twice in this update", None),
        (
            "SET lines[0] = :l REMOVE lines",
            25,
            "'lines' overlaps 'lines[0]', also in this update",
            "DynamoDB refuses overlapping paths in one expression",
        ),
        (
            "REMOVE lines SET lines[0] = :l",
            17,
            "'lines[0]' overlaps 'lines', also in this update",
            "DynamoDB refuses overlapping paths in one expression",
        ),
        (
            "SET address = :a, address.city = :c",
            18,
            "'address.city' overlaps 'address', also in this update",
            "DynamoDB refuses overlapping paths in one expression",
        ),
        ("ADD tags :t DELETE tags :u", 19, "'tags' appears twice in this update", None),
    ],
)
def test_update_write_rules(
    text: str, offset: int, message: str, hint: str | None
) -> None:
    with pytest.raises(ExpressionError) as caught:
        update(text, forbidden=FORBIDDEN)
    error = caught.value
    assert (error.message, error.offset, error.hint) == (message, offset, hint)


@pytest.mark.parametrize(
    "text",
    [
        "SET points = points + :n",  # reading a written path is fine
        "SET lines[0] = :a, lines[1] = :b",
        "SET address.city = :c REMOVE address.postcode",
        "SET a = b, b = a",
        "SET name = :v REMOVE nameless",
        "SET versions = :v",  # only the forbidden name itself
    ],
)
def test_update_write_rules_allow(text: str) -> None:
    update(text, forbidden=FORBIDDEN)


def test_projection() -> None:
    compiled = compile_projection(
        parse_projection("name, address.city, lines[0].sku, status"),
        RENAMED.stored_name,
    )
    assert compiled.text == "#n0, #n1.#n2, #n3[0].#n4, #n5"
    assert compiled.names == (
        ("#n0", "full-name"),
        ("#n1", "address"),
        ("#n2", "town"),
        ("#n3", "lines"),
        ("#n4", "sku"),
        ("#n5", "st.atus"),
    )
    assert compiled.params == ()


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("name, name", 6, "'name' appears twice in this projection"),
        (
            "address, address.city",
            9,
            "'address.city' overlaps 'address', also in this projection",
        ),
        (
            "lines[0].sku, lines",
            14,
            "'lines' overlaps 'lines[0].sku', also in this projection",
        ),
    ],
)
def test_projection_overlaps(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_projection(parse_projection(text), same_name)
    assert (caught.value.message, caught.value.offset) == (message, offset)


def test_expression_length_limit() -> None:
    source = "SET " + ", ".join(f"attribute_{i} = :value_{i}" for i in range(300))
    with pytest.raises(ExpressionError) as caught:
        compile_update(parse_update(source), same_name)
    assert caught.value.message == (
        "the compiled expression is longer than DynamoDB's limit of 4096 bytes"
    )
    assert caught.value.offset == 0
    short = "SET " + ", ".join(f"attribute_{i} = :value_{i}" for i in range(250))
    assert len(compile_update(parse_update(short), same_name).text) <= 4096


def test_shop_paths_compile() -> None:
    # the sample entity through the whole pipeline, with renames
    compiled = compile_condition(
        parse_condition("lines[2].price > :p AND meta.x = :x"), RENAMED.stored_name
    )
    assert compiled.text == "#n0[2].#n1 > :p0 AND #n2.#n3 = :p1"
    assert SHOP.stored_name(("lines", 2, "price")) == "price"
