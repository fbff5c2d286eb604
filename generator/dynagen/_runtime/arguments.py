"""Checks of run-time arguments: ``UNSET``, the ``Key`` base, required and typed values,
map keys, condition arguments (``attribute_type``, ``BETWEEN``)."""

from __future__ import annotations

import enum
from binascii import a2b_base64 as _a2b_base64
from decimal import Decimal
from typing import (
    Any,
    Final,
    Generic,
    Literal,
    TypeGuard,
    TypeVar,
    get_args,
)

from .scalars import _type_name

__all__ = [
    "UNSET",
    "AttributeTypeName",
    "Key",
    "Unset",
    "check_between",
    "check_instance",
    "check_list",
    "check_map",
    "check_type_name",
    "enum_value",
    "has_members",
    "map_key",
    "required",
]


class Unset(enum.Enum):
    """Type of ``UNSET``: "argument not given" (``None`` means "remove")."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


#: DynamoDB's attribute type names: the parameter type of ``attribute_type(x, :t)``.
AttributeTypeName = Literal["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"]
_TYPE_NAMES: Final = frozenset(get_args(AttributeTypeName))


def check_type_name(value: object, where: str) -> str:
    """``value`` if it is one of DynamoDB's type names; else TypeError/ValueError."""
    if type(value) is not str:
        raise TypeError(
            f"{where}: expected a DynamoDB type name, got {_type_name(value)}"
        )
    if value not in _TYPE_NAMES:
        raise ValueError(
            f"{where}: {value!r} is not a DynamoDB type name "
            f"({', '.join(sorted(_TYPE_NAMES))})"
        )
    return value


def check_between(low: dict[str, Any], high: dict[str, Any], where: str) -> None:
    """``ValueError`` when a filter's or condition's ``BETWEEN`` has its low bound above
    its high one (wire values), which DynamoDB refuses; values of two types are left
    to DynamoDB."""
    reversed_ = False
    if "N" in low and "N" in high:
        reversed_ = Decimal(low["N"]) > Decimal(high["N"])
    elif "S" in low and "S" in high:
        reversed_ = low["S"] > high["S"]  # code point order is UTF-8 byte order
    elif "B" in low and "B" in high:
        reversed_ = _a2b_base64(low["B"]) > _a2b_base64(high["B"])
    if reversed_:
        raise ValueError(
            f"{where}: BETWEEN's low bound {low} is above its high bound {high}"
        )


_T = TypeVar("_T")
_EntityT = TypeVar("_EntityT")


class Key(Generic[_EntityT]):
    """Base of every generated ``<Entity>Key``: a frozen dataclass generic over its entity,
    holding the entity's key fields under their attribute names."""

    __slots__ = ()


def required(value: _T | None, where: str) -> _T:
    """``value`` unless it is None, which raises ``ValueError`` (a table-key field such as
    an ``auto: created`` time must be set before the item is written)."""
    if value is None:
        raise ValueError(f"{where}: a value is required (it is part of the table key)")
    return value


def enum_value(value: object, enum_type: type[enum.Enum], where: str) -> str:
    """The stored text of member ``value`` of ``enum_type``; anything else: ``TypeError``."""
    if type(value) is enum_type:
        text: str = value.value
        return text
    raise TypeError(f"{where}: expected {enum_type.__name__}, got {_type_name(value)}")


def check_list(value: object, where: str) -> list[Any]:
    """``value`` if it is a ``list``; anything else raises ``TypeError``."""
    if type(value) is list:
        return value
    raise TypeError(f"{where}: expected list, got {_type_name(value)}")


def check_map(value: object, where: str) -> dict[str, Any]:
    """``value`` if it is a ``dict`` with ``str`` keys; anything else raises ``TypeError``."""
    if type(value) is not dict:
        raise TypeError(f"{where}: expected dict, got {_type_name(value)}")
    for key in value:
        if type(key) is not str:
            raise TypeError(f"{where}: map keys must be str, got {_type_name(key)}")
    return value


def check_instance(value: object, cls: type[_T], where: str) -> _T:
    """``value`` if it is an instance of ``cls``; anything else raises ``TypeError``."""
    if isinstance(value, cls):
        return value
    raise TypeError(f"{where}: expected {cls.__name__}, got {_type_name(value)}")


def has_members(
    value: object, where: str, optional: bool
) -> TypeGuard[set[Any] | frozenset[Any]]:
    """Whether a set attribute is to be written: a non-empty ``set``/``frozenset``.

    An empty set is written as absent (DynamoDB stores none); ``None`` is absent for an
    optional attribute; anything else raises ``TypeError``.
    """
    if type(value) is set or type(value) is frozenset:
        return bool(value)
    if value is None and optional:
        return False
    raise TypeError(f"{where}: expected set, got {_type_name(value)}")


def map_key(value: object, where: str) -> str:
    """A map key given at run time (``counts.{kind}``): a non-empty ``str``."""
    if type(value) is not str:
        raise TypeError(f"{where}: expected a str map key, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{where}: a map key cannot be empty")
    return value
