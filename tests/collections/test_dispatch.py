"""Build-time pieces of collections without a server: the pluralisation rule (SPEC §3)
and the sort-key shapes ``key_dispatch`` tells members apart by."""

from __future__ import annotations

from typing import Any

import pytest
from dynagen import _runtime as rt
from dynagen.model.collections import plural
from dynagen.model.templates import parse_template, segments, templates_may_overlap
from hypothesis import assume, given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("entity", "expected"),
    [
        ("Order", "orders"),
        ("OrderItem", "order_items"),
        ("Shipment", "shipments"),
        ("Invoice", "invoices"),
        ("Address", "addresses"),
        ("Box", "boxes"),
        ("Quiz", "quizes"),  # the SPEC's rule: `es` after z
        ("Batch", "batches"),
        ("Wish", "wishes"),
        ("Category", "categories"),
        ("Day", "days"),  # vowel + y
        ("Key", "keys"),
        ("Y", "ys"),
        ("I", "is_"),  # a keyword gets the trailing underscore
        ("HTTPRequest", "http_requests"),
    ],
)
def test_plural(entity: str, expected: str) -> None:
    assert plural(entity) == expected


def _decode_as(name: str) -> Any:
    return lambda item: name


def test_key_dispatch_by_shape() -> None:
    decode = rt.key_dispatch(
        "c",
        "sk",
        [
            ((("ORDER", False),), _decode_as("order")),
            ((("ITEM", False), ("", True)), _decode_as("item")),
            ((("ITEM", False), ("", True), ("SHIP", False)), _decode_as("ship")),
            ((("T", True),), _decode_as("t")),
        ],
        ("pk", "sk"),
    )
    assert decode({"sk": {"S": "ORDER"}}) == "order"
    assert decode({"sk": {"S": "ITEM#001"}}) == "item"
    assert decode({"sk": {"S": "ITEM#"}}) == "item"  # an empty field value
    assert decode({"sk": {"S": "ITEM#001#SHIP"}}) == "ship"
    assert decode({"sk": {"S": "T2024"}}) == "t"
    for bad in (
        {"sk": {"S": "ORDERS"}},
        {"sk": {"S": "ITEM#1#SHIPS"}},
        {"sk": {"N": "1"}},
        {},
    ):
        with pytest.raises(rt.DecodeError) as raised:
            decode({**bad, "pk": {"S": "P"}})
        assert raised.value.entity == "c"
        assert raised.value.attribute == "sk"
        assert raised.value.key is not None and raised.value.key["pk"] == {"S": "P"}


def test_type_dispatch() -> None:
    decode = rt.type_dispatch(
        "c", "_type", {"A": _decode_as("a"), "B": _decode_as("b")}, ("pk",)
    )
    assert decode({"_type": {"S": "B"}}) == "b"
    for bad in ({"_type": {"S": "C"}}, {"_type": {"N": "1"}}, {}):
        with pytest.raises(rt.DecodeError, match="none of the members"):
            decode(bad)


# Templates of literal words and fields; field values as the key escape stores them
# (never a "#").
_word = st.sampled_from(["A", "AB", "B", "ITEM", "IT", "X", ""])
_template = st.lists(st.tuples(_word, st.booleans()), min_size=1, max_size=4).map(
    lambda parts: "#".join(
        word + (f"{{f{i}}}" if is_field else "") or "K"
        for i, (word, is_field) in enumerate(parts)
    )
)
_value = st.text(alphabet="AB019-._:@%", max_size=4)


@given(first=_template, second=_template, data=st.data())
def test_key_dispatch_picks_the_member_whose_template_rendered_the_text(
    first: str, second: str, data: st.DataObject
) -> None:
    a, b = parse_template(first), parse_template(second)
    assume(not templates_may_overlap(a, b))
    decode = rt.key_dispatch(
        "c",
        "sk",
        [
            (tuple(segments(a)), _decode_as("a")),
            (tuple(segments(b)), _decode_as("b")),
        ],
        (),
    )
    for name, template in (("a", a), ("b", b)):
        text = "".join(
            part if isinstance(part, str) else data.draw(_value)
            for part in template.parts
        )
        assert decode({"sk": {"S": text}}) == name, (first, second, text)
