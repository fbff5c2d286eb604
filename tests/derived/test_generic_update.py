"""The model's generic ``update`` and type filter, read off the example schema by hand.

``model.updates.generic_update`` decides what ``update`` may set and which derived index
keys it rewrites (issue 14: the render floor used to decide it, a twin of the declared
updates' rule); ``model.queries`` writes the type filter of every read. The expected
values below are taken from ``schemas/shop.yaml`` as written (its comments give the
key layout), not from the model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dynagen.model.expressions import placeholders as ph
from dynagen.model.queries import scan_filter, sent_filter
from dynagen.model.schema import Entity, Model
from dynagen.model.updates import forbidden_writes, generic_update
from dynagen.pipeline import check_schema

SHOP = Path(__file__).resolve().parents[2] / "schemas" / "shop.yaml"


@pytest.fixture(scope="module")
def shop() -> Model:
    result, _ = check_schema(SHOP, "shop.yaml")
    assert result.model is not None, result.diagnostics
    return result.model


def entity(model: Model, name: str) -> Entity:
    return next(e for e in model.entities if e.name == name)


def test_update_takes_every_attribute_but_keys_version_and_auto(shop: Model) -> None:
    update = generic_update(entity(shop, "Product"))
    assert [a.attribute.name for a in update.arguments] == [
        "name",
        "category",
        "price_cents",
        "status",
        "size",
        "count",
        "description",
        "specs",
    ]
    customer = generic_update(entity(shop, "Customer"))
    assert [a.attribute.name for a in customer.arguments] == [
        "email",
        "name",
        "status",
        "tags",
        "address",
        "points",
    ]


def test_update_writes_no_attribute_a_declared_update_may_not(shop: Model) -> None:
    """One rule for both kinds: the generic update's arguments never include an
    attribute declared updates are refused (keys, version, auto times)."""
    for e in shop.entities:
        forbidden = set(forbidden_writes(e))
        assert not forbidden & {a.attribute.name for a in generic_update(e).arguments}


def test_update_rewrites_the_index_keys_built_from_its_arguments(shop: Model) -> None:
    product = generic_update(entity(shop, "Product"))
    # gsi2pk is CATEGORY#{category}, gsi2sk PRICE#{price_cents:10}#{sku}
    rewrites = {
        tuple(k.name for k, _ in r.writes): r.rule.triggers for r in product.rewrites
    }
    assert rewrites == {("gsi2pk",): ("category",), ("gsi2sk",): ("price_cents",)}
    for rewrite in product.rewrites:
        assert rewrite.impossible is None
        assert rewrite.checks == ()  # one field each: nothing to give together
        for key, write in rewrite.writes:
            assert write.placeholder == f"#{key.name}"
            assert write.value_placeholder == f":__k_{key.name}"
    customer = generic_update(entity(shop, "Customer"))
    # gsi1pk is EMAIL#{email}; gsi1sk is the constant CUSTOMER, no template field
    assert [
        (tuple(k.name for k, _ in r.writes), r.rule.triggers) for r in customer.rewrites
    ] == [(("gsi1pk",), ("email",))]


def test_update_of_an_order_cannot_rewrite_keys_of_its_created_time(
    shop: Model,
) -> None:
    """gsi3pk is STATUS#{status} and gsi3sk {created_at}#{order_id}: a status change
    rewrites gsi3pk alone; created_at is auto and never an argument."""
    order = generic_update(entity(shop, "Order"))
    assert [
        (tuple(k.name for k, _ in r.writes), r.rule.triggers) for r in order.rewrites
    ] == [(("gsi3pk",), ("status",))]
    assert order.version is None and order.stamps == ()
    assert not order.writes_without_arguments
    assert order.raises == ("NotFoundError",)


def test_update_steps_version_and_updated_time(shop: Model) -> None:
    product = generic_update(entity(shop, "Product"))
    assert product.version is not None and product.version.name == "version"
    assert product.version_step == (
        "#version = if_not_exists(#version, :__zero) + :__one"
    )
    assert [(s.attribute.name, s.clause) for s in product.stamps] == [
        ("updated_at", "#updated_at = :__u_updated_at")
    ]
    assert product.writes_without_arguments
    assert product.raises == ("NotFoundError", "VersionConflictError")


def test_placeholders_of_names_that_are_not_words() -> None:
    assert ph.attribute_name("email") == "#email"
    dashed = ph.attribute_name("e-mail")
    assert dashed.startswith("#n") and len(dashed) == 10
    assert ph.attribute_name("e-mail") == dashed != ph.attribute_name("e.mail")
    assert ph.derived_value("gsi-1") == ":__k" + dashed_of("gsi-1")


def dashed_of(name: str) -> str:
    return ph.attribute_name(name)[1:]


SHARED = """\
dynagen: 1
package: shared_ranges
tables:
  Main:
    partition_key: pk
    sort_key: sk
entities:
  Pair:
    table: Main
    key: {pk: "G#{g}", sk: "E#{a}#{b}"}
    attributes: {g: string, a: string, b: string}
    queries:
      in_group: {key: g = :g}
      named: {key: g = :g, filter: b = :b}
  Single:
    table: Main
    key: {pk: "G#{g}", sk: "E#{a}"}
    attributes: {g: string, a: string}
  Other:
    table: Main
    key: {pk: "G#{g}", sk: "OTHER"}
    attributes: {g: string}
    queries:
      in_group: {key: g = :g}
"""


def test_type_filter_is_one_object_for_queries_and_scan(tmp_path: Path) -> None:
    """Pair's key range ("E#" under one group) holds Single items, so its queries filter
    on ``_type``; Other's ("OTHER") holds no other entity's, so it sends none. Every
    entity's ``scan`` filters (three entities share the table)."""
    (tmp_path / "schema.yaml").write_text(SHARED, encoding="utf-8")
    result, _ = check_schema(tmp_path / "schema.yaml", "schema.yaml")
    assert result.model is not None, result.diagnostics
    pair, other = entity(result.model, "Pair"), entity(result.model, "Other")
    scan = scan_filter(pair)
    assert scan is not None
    assert (scan.expression, scan.attribute, scan.entity) == (
        "#t = :t",
        "_type",
        "Pair",
    )
    in_group, named = pair.queries
    for query in (in_group, named):
        check = query.type_filter
        assert check is not None and (check.attribute, check.entity) == (
            "_type",
            "Pair",
        )
        assert dict(query.names)[check.name_placeholder] == "_type"
        assert check.expression == f"{check.name_placeholder} = :__type"
    assert in_group.type_filter is not None and named.type_filter is not None
    assert sent_filter(in_group) == f"{in_group.type_filter.name_placeholder} = :__type"
    named_filter = sent_filter(named)
    assert named_filter is not None and named_filter.startswith("(")
    assert named_filter.endswith(" AND " + named.type_filter.expression)
    (only,) = other.queries
    assert only.type_filter is None and sent_filter(only) is None
    assert "_type" not in dict(only.names).values()
