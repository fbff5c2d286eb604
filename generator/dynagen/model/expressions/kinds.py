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


def assignable(target: AttrType, value: AttrType) -> bool:
    """Whether ``SET target = <a value of type value>`` stores what ``target`` reads back.

    Stricter than :func:`compatible` (a comparison rule): equal types are; a ``string``
    takes any value stored as a string (an enum's, a date's text); a ``decimal`` or
    ``float`` takes any number; a ``json`` takes any value JSON can hold (no bytes, no
    sets); a list or map takes one whose items are assignable. Anything else (an int from
    a decimal, an enum or a datetime from a string, a list from json) would store a value
    its attribute cannot decode, so it is refused. Decided on types alone, so that it
    applies to whatever operand has the type.
    """
    if target == value:
        return True
    if isinstance(target, JsonType):
        return _json_value(value)
    if isinstance(target, ScalarType):
        if target.name == "string":
            return is_scalar(value) and value.wire == "S"
        return target.name in ("decimal", "float") and is_number(value)
    if isinstance(target, ListType) and isinstance(value, ListType):
        return assignable(target.item, value.item)
    if isinstance(target, MapType) and isinstance(value, MapType):
        return assignable(target.value, value.value)
    return False


def assignable_by_arithmetic(target: AttrType, operand: AttrType) -> bool:
    """Whether ``target = a + b`` (or ``ADD``) may take ``operand`` as ``a`` or ``b``:
    the number added to the target's type (an ``int`` of seconds for an ``epoch``), a
    number :func:`assignable` to it, or a ``json`` value where the target takes any
    number."""
    if operand == arithmetic_type(target) or (
        is_number(operand) and assignable(target, operand)
    ):
        return True
    return isinstance(operand, JsonType) and assignable(target, DECIMAL)


def _json_value(t: AttrType) -> bool:
    if isinstance(t, ListType):
        return _json_value(t.item)
    if isinstance(t, MapType):
        return _json_value(t.value)
    return is_scalar(t) and t.wire in ("S", "N", "BOOL")


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
