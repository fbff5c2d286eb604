"""What each attribute type can do in an expression: compare, order, size, add, contain.

All rules are decided on the types of :mod:`dynagen.model.types`; ``json`` is unknown at
build time, so it is accepted wherever some JSON value could work.
"""

from __future__ import annotations

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

STRING = ScalarType("string")
INT = ScalarType("int")
DECIMAL = ScalarType("decimal")


def is_scalar(t: AttrType) -> bool:
    return isinstance(t, ScalarType | EnumType)


def is_number(t: AttrType) -> bool:
    """int, float, decimal and epoch: everything stored as N."""
    return isinstance(t, ScalarType) and t.wire == "N"


def compatible(a: AttrType, b: AttrType) -> bool:
    """Whether two values can be compared or assigned one from the other.

    Equal types are; ``json`` is compatible with anything; two scalars are when DynamoDB
    stores them as the same type (an int with a decimal, a string with an enum). Two
    different collection types are not.
    """
    if a == b or isinstance(a, JsonType) or isinstance(b, JsonType):
        return True
    return is_scalar(a) and is_scalar(b) and a.wire == b.wire


def orderable(t: AttrType) -> bool:
    """Whether ``<``, ``<=``, ``>``, ``>=``, BETWEEN apply: numbers, strings, bytes."""
    return isinstance(t, JsonType) or (is_scalar(t) and t.wire in ("S", "N", "B"))


def has_size(t: AttrType) -> bool:
    """Whether ``size()`` applies: strings, bytes, lists, maps and sets."""
    if isinstance(t, JsonType | ListType | MapType | NamedType | SetType):
        return True
    return is_scalar(t) and t.wire in ("S", "B")


def text_part_type(t: AttrType) -> AttrType | None:
    """The type of a prefix or substring of a value of type ``t`` (begins_with,
    contains).

    bytes gives bytes; every type stored as a string (string, datetime, date, uuid,
    enum) gives ``string``, a piece of the stored text (a datetime is stored
    fixed-width, so ``begins_with(created_at, :month)`` takes ``"2024-05"``); json gives
    string. Anything else has no text part: None.
    """
    if isinstance(t, JsonType):
        return STRING
    if is_scalar(t) and t.wire == "B":
        return t
    if is_scalar(t) and t.wire == "S":
        return STRING
    return None


def element_type(t: AttrType) -> AttrType | None:
    """What ``contains(path, x)`` looks for in a value of type ``t``, or None if
    nothing."""
    if isinstance(t, SetType | ListType):
        return t.item
    if isinstance(t, JsonType):
        return t
    return text_part_type(t)


def arithmetic_type(t: AttrType) -> AttrType | None:
    """The type of a parameter added to (``+``, ``-``, ``ADD``) a number of type ``t``.

    A number adds its own type, except ``epoch`` (a datetime stored as whole seconds),
    which adds an ``int`` number of seconds; json adds a ``decimal``. None when ``t`` is
    no number.
    """
    if isinstance(t, JsonType):
        return DECIMAL
    if isinstance(t, ScalarType) and t.name == "epoch":
        return INT
    return t if is_number(t) else None
