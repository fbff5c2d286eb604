"""Attribute types of the schema language (SPEC §3 "Attribute types").

One frozen class per kind of type. Each knows the DynamoDB type it is stored as and how it
behaves in keys; how it is formatted as Python source is the renderer's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ScalarName = Literal[
    "string",
    "int",
    "float",
    "decimal",
    "bool",
    "bytes",
    "datetime",
    "date",
    "epoch",
    "uuid",
]
SCALAR_NAMES: tuple[ScalarName, ...] = (
    "string",
    "int",
    "float",
    "decimal",
    "bool",
    "bytes",
    "datetime",
    "date",
    "epoch",
    "uuid",
)

#: The DynamoDB type each scalar is stored as.
_SCALAR_WIRE: dict[str, str] = {
    "string": "S",
    "int": "N",
    "float": "N",
    "decimal": "N",
    "bool": "BOOL",
    "bytes": "B",
    "datetime": "S",
    "date": "S",
    "epoch": "N",
    "uuid": "S",
}

#: Scalars whose stored text sorts as their values (usable in key range conditions).
_SORTS_AS_TEXT = frozenset({"string", "datetime", "date", "uuid"})

#: Scalars that may be placed in a key template.
_TEMPLATE_SCALARS = frozenset(
    {"string", "int", "float", "decimal", "bool", "datetime", "date", "epoch", "uuid"}
)


@dataclass(frozen=True, slots=True)
class ScalarType:
    """A built-in scalar: ``string``, ``int``, ``datetime`` and so on."""

    name: ScalarName

    @property
    def wire(self) -> str:
        return _SCALAR_WIRE[self.name]

    @property
    def is_scalar(self) -> bool:
        return True

    @property
    def sorts_as_text(self) -> bool:
        return self.name in _SORTS_AS_TEXT

    @property
    def templatable(self) -> bool:
        return self.name in _TEMPLATE_SCALARS

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class EnumType:
    """A named enum (``enums:``) or an inline one (``{type: enum, values: [...]}``)."""

    name: str
    values: tuple[str, ...]

    wire = "S"
    is_scalar = True
    sorts_as_text = True
    templatable = True

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ListType:
    item: AttrType
    wire = "L"
    is_scalar = False
    sorts_as_text = False
    templatable = False

    def describe(self) -> str:
        return f"list<{self.item.describe()}>"


@dataclass(frozen=True, slots=True)
class MapType:
    value: AttrType
    wire = "M"
    is_scalar = False
    sorts_as_text = False
    templatable = False

    def describe(self) -> str:
        return f"map<{self.value.describe()}>"


@dataclass(frozen=True, slots=True)
class SetType:
    """``set<string>``, ``set<int>`` or ``set<bytes>``; an empty set is stored as absent."""

    item: ScalarType
    is_scalar = False
    sorts_as_text = False
    templatable = False

    @property
    def wire(self) -> str:
        return {"string": "SS", "int": "NS", "bytes": "BS"}[self.item.name]

    def describe(self) -> str:
        return f"set<{self.item.describe()}>"


@dataclass(frozen=True, slots=True)
class JsonType:
    """A JSON-like document stored as native nested DynamoDB values."""

    wire = "*"
    is_scalar = False
    sorts_as_text = False
    templatable = False

    def describe(self) -> str:
        return "json"


@dataclass(frozen=True, slots=True)
class NamedType:
    """A reference to a map type declared under ``types:``."""

    name: str
    wire = "M"
    is_scalar = False
    sorts_as_text = False
    templatable = False

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class TypeNameType:
    """The type of ``attribute_type``'s second argument: one of DynamoDB's type names
    (``S``, ``SS``, ``N``, ... ``M``), stored as a string. Only a parameter has it."""

    wire = "S"
    is_scalar = False
    sorts_as_text = False
    templatable = False

    def describe(self) -> str:
        return "a DynamoDB type name"


#: DynamoDB's attribute type names, as ``attribute_type`` takes them.
DYNAMODB_TYPE_NAMES = ("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M")

AttrType = (
    ScalarType
    | EnumType
    | ListType
    | MapType
    | SetType
    | JsonType
    | NamedType
    | TypeNameType
)


class TypeSyntaxError(ValueError):
    """A type string that does not parse; ``offset`` is where in the string it fails."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def parse_type(
    text: str, enums: dict[str, tuple[str, ...]], types: set[str]
) -> AttrType:
    """Parse a type string such as ``list<map<int>>`` against the declared enums and types.

    Raises :class:`TypeSyntaxError` for an unknown name or malformed generic.
    """
    parsed, end = _parse_at(text, _skip_spaces(text, 0), enums, types)
    end = _skip_spaces(text, end)
    if end != len(text):
        raise TypeSyntaxError(f"unexpected text after type in '{text}'", end)
    return parsed


def _skip_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index] == " ":
        index += 1
    return index


def _parse_at(
    text: str, start: int, enums: dict[str, tuple[str, ...]], types: set[str]
) -> tuple[AttrType, int]:
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    name = text[start:end]
    if not name:
        raise TypeSyntaxError(f"expected a type name in '{text}'", start)
    if end < len(text) and text[end] == "<":
        inner, after = _parse_at(text, _skip_spaces(text, end + 1), enums, types)
        after = _skip_spaces(text, after)
        if after >= len(text) or text[after] != ">":
            raise TypeSyntaxError(f"missing '>' in '{text}'", after)
        return _generic(name, inner, start), after + 1
    if name in SCALAR_NAMES:
        return ScalarType(name), end
    if name == "json":
        return JsonType(), end
    if name in enums:
        return EnumType(name, enums[name]), end
    if name in types:
        return NamedType(name), end
    if name in ("list", "map", "set"):
        raise TypeSyntaxError(
            f"'{name}' needs an item type, as in '{name}<string>'", start
        )
    raise TypeSyntaxError(f"unknown type '{name}'", start)


def _generic(name: str, inner: AttrType, offset: int) -> AttrType:
    if name == "list":
        return ListType(inner)
    if name == "map":
        return MapType(inner)
    if name == "set":
        if isinstance(inner, ScalarType) and inner.name in ("string", "int", "bytes"):
            return SetType(inner)
        raise TypeSyntaxError(
            f"a set holds string, int or bytes, not '{inner.describe()}'", offset
        )
    raise TypeSyntaxError(f"'{name}' takes no item type", offset)


def type_names(enums: dict[str, tuple[str, ...]], types: set[str]) -> list[str]:
    """Every type name a schema may use, for "did you mean" hints."""
    return [*SCALAR_NAMES, "json", "list", "map", "set", *enums, *types]
