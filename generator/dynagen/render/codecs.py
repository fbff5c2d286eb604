"""Python source for each attribute type: its annotation, encoder and decoder expressions.

One small function per kind of type, chosen through a registry keyed by the type's class,
so adding a type means adding its functions here — templates never branch on types.
Encoders produce DynamoDB's JSON wire form (``B`` as base64 text); decoders read it.
Names of run-time helpers refer to ``_runtime`` imported as ``rt``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dynagen.model.naming import snake_case
from dynagen.model.schema import KeyRange
from dynagen.model.types import (
    AttrType,
    EnumType,
    JsonType,
    ListType,
    MapType,
    NamedType,
    ScalarType,
    SetType,
    TypeNameType,
)

_SCALAR_ANNOTATIONS = {
    "string": "str",
    "int": "int",
    "float": "float",
    "decimal": "Decimal",
    "bool": "bool",
    "bytes": "bytes",
    "datetime": "datetime",
    "date": "date",
    "epoch": "datetime",
    "uuid": "UUID",
}

#: The run-time function that checks and formats each scalar, and the wire type it makes.
_SCALAR_ENCODERS = {
    "string": ("S", "rt.check_str"),
    "int": ("N", "rt.format_int"),
    "float": ("N", "rt.format_float"),
    "decimal": ("N", "rt.format_decimal"),
    "bool": ("BOOL", "rt.check_bool"),
    "bytes": ("B", "rt.encode_bytes"),
    "datetime": ("S", "rt.format_datetime"),
    "date": ("S", "rt.format_date"),
    "epoch": ("N", "rt.format_epoch"),
    "uuid": ("S", "rt.format_uuid"),
}
_SCALAR_DECODERS = {
    "string": None,
    "int": "rt.parse_int",
    "float": "rt.parse_float",
    "decimal": "rt.parse_decimal",
    "bool": None,
    "bytes": "rt.decode_bytes",
    "datetime": "rt.parse_datetime",
    "date": "rt.parse_date",
    "epoch": "rt.parse_epoch",
    "uuid": "rt.parse_uuid",
}
_SET_CODECS = {
    "string": ("SS", "rt.encode_string_set", "set"),
    "int": ("NS", "rt.encode_number_set", "rt.decode_number_set"),
    "bytes": ("BS", "rt.encode_bytes_set", "rt.decode_bytes_set"),
}

#: Module-level imports each scalar annotation needs in the generated module.
SCALAR_IMPORTS = {
    "Decimal": "from decimal import Decimal",
    "datetime": "from datetime import datetime",
    "date": "from datetime import date",
    "UUID": "from uuid import UUID",
}


def annotation(attr_type: AttrType) -> str:
    """The Python type of a value of ``attr_type``."""
    return _ANNOTATIONS[type(attr_type)](attr_type)


def encode(attr_type: AttrType, value: str, where: str, depth: int = 0) -> str:
    """An expression turning Python expression ``value`` into a wire attribute value."""
    return _ENCODERS[type(attr_type)](attr_type, value, where, depth)


def decode(attr_type: AttrType, wire: str, depth: int = 0) -> str:
    """An expression turning wire attribute value expression ``wire`` into a Python value."""
    return _DECODERS[type(attr_type)](attr_type, wire, depth)


def scalar_wire(attr_type: AttrType, value: str, where: str) -> tuple[str, str]:
    """For a templatable scalar: its wire type and an expression checking and formatting
    ``value`` into the wire text (a bool stays a bool)."""
    if isinstance(attr_type, EnumType):
        return "S", f"rt.enum_value({value}, {attr_type.name}, {where})"
    assert isinstance(attr_type, ScalarType)
    wire, function = _SCALAR_ENCODERS[attr_type.name]
    return wire, f"{function}({value}, {where})"


def text_from_wire(attr_type: AttrType, local: str) -> str:
    """The key-template text of a scalar from the local holding its wire text."""
    if isinstance(attr_type, EnumType) or attr_type == ScalarType("string"):
        return f"rt.escape_key_text({local})"
    if attr_type == ScalarType("bool"):
        return f'("true" if {local} else "false")'
    return local


def encode_text(attr_type: AttrType, value: str, where: str) -> str:
    """An expression giving the text of a scalar as it appears in a key template."""
    if isinstance(attr_type, EnumType):
        return f"rt.escape_key_text(rt.enum_value({value}, {attr_type.name}, {where}))"
    assert isinstance(attr_type, ScalarType)
    if attr_type.name == "string":
        return f"rt.escape_key_text(rt.check_str({value}, {where}))"
    if attr_type.name == "bool":
        return f'("true" if rt.check_bool({value}, {where}) else "false")'
    return f"{_SCALAR_ENCODERS[attr_type.name][1]}({value}, {where})"


def decode_text(attr_type: AttrType, text: str) -> str:
    """An expression recovering a scalar from its text in a key (inverse of encode_text)."""
    if isinstance(attr_type, EnumType):
        return f"{attr_type.name}(rt.unescape_key_text({text}))"
    assert isinstance(attr_type, ScalarType)
    if attr_type.name == "string":
        return f"rt.unescape_key_text({text})"
    if attr_type.name == "bool":
        return f'({text} == "true")'
    decoder = _SCALAR_DECODERS[attr_type.name]
    return f"{decoder}({text})" if decoder else text


def is_stored_absent_when_empty(attr_type: AttrType) -> bool:
    """Sets: DynamoDB cannot store an empty set, so an empty one is written as absent."""
    return isinstance(attr_type, SetType)


# -- annotations ------------------------------------------------------------------------


def _scalar_annotation(t: Any) -> str:
    return _SCALAR_ANNOTATIONS[t.name]


_ANNOTATIONS: dict[type, Callable[[Any], str]] = {
    ScalarType: _scalar_annotation,
    EnumType: lambda t: str(t.name),
    ListType: lambda t: f"list[{annotation(t.item)}]",
    MapType: lambda t: f"dict[str, {annotation(t.value)}]",
    SetType: lambda t: f"set[{annotation(t.item)}]",
    JsonType: lambda t: "rt.Json",
    NamedType: lambda t: str(t.name),
    TypeNameType: lambda t: "rt.AttributeTypeName",
}

# -- encoders -----------------------------------------------------------------------------


def _encode_scalar(t: Any, value: str, where: str, depth: int) -> str:
    wire, function = _SCALAR_ENCODERS[t.name]
    return f'{{"{wire}": {function}({value}, {where})}}'


def _encode_enum(t: Any, value: str, where: str, depth: int) -> str:
    return f'{{"S": rt.enum_value({value}, {t.name}, {where})}}'


def _encode_list(t: Any, value: str, where: str, depth: int) -> str:
    item = f"v{depth}"
    inner = encode(t.item, item, where, depth + 1)
    return f'{{"L": [{inner} for {item} in rt.check_list({value}, {where})]}}'


def _encode_map(t: Any, value: str, where: str, depth: int) -> str:
    key, item = f"k{depth}", f"v{depth}"
    inner = encode(t.value, item, where, depth + 1)
    return f'{{"M": {{{key}: {inner} for {key}, {item} in rt.check_map({value}, {where}).items()}}}}'


def _encode_set(t: Any, value: str, where: str, depth: int) -> str:
    wire, function, _ = _SET_CODECS[t.item.name]
    return f'{{"{wire}": {function}({value}, {where})}}'


def _encode_json(t: Any, value: str, where: str, depth: int) -> str:
    return f"rt.encode_json({value}, {where})"


def _encode_named(t: Any, value: str, where: str, depth: int) -> str:
    return f'{{"M": encode_{snake_case(t.name)}(rt.check_instance({value}, {t.name}, {where}))}}'


_ENCODERS: dict[type, Callable[[Any, str, str, int], str]] = {
    ScalarType: _encode_scalar,
    EnumType: _encode_enum,
    ListType: _encode_list,
    MapType: _encode_map,
    SetType: _encode_set,
    JsonType: _encode_json,
    NamedType: _encode_named,
    TypeNameType: lambda t, value, where, depth: (
        f'{{"S": rt.check_type_name({value}, {where})}}'
    ),
}

# -- decoders -----------------------------------------------------------------------------


def _decode_scalar(t: Any, wire: str, depth: int) -> str:
    wire_type = _SCALAR_ENCODERS[t.name][0]
    decoder = _SCALAR_DECODERS[t.name]
    raw = f'{wire}["{wire_type}"]'
    return f"{decoder}({raw})" if decoder else raw


def _decode_list(t: Any, wire: str, depth: int) -> str:
    item = f"v{depth}"
    return f'[{decode(t.item, item, depth + 1)} for {item} in {wire}["L"]]'


def _decode_map(t: Any, wire: str, depth: int) -> str:
    key, item = f"k{depth}", f"v{depth}"
    inner = decode(t.value, item, depth + 1)
    return f'{{{key}: {inner} for {key}, {item} in {wire}["M"].items()}}'


def _decode_set(t: Any, wire: str, depth: int) -> str:
    wire_type, _, function = _SET_CODECS[t.item.name]
    return f'{function}({wire}["{wire_type}"])'


_DECODERS: dict[type, Callable[[Any, str, int], str]] = {
    ScalarType: _decode_scalar,
    EnumType: lambda t, wire, depth: (
        # A dict lookup first; the enum call explains an unknown value.
        f'({enum_members(t.name)}.get(s{depth} := {wire}["S"]) or {t.name}(s{depth}))'
    ),
    ListType: _decode_list,
    MapType: _decode_map,
    SetType: _decode_set,
    JsonType: lambda t, wire, depth: f"rt.decode_json({wire})",
    NamedType: lambda t, wire, depth: f'decode_{snake_case(t.name)}({wire}["M"])',
    TypeNameType: lambda t, wire, depth: f'{wire}["S"]',
}


def enum_members(name: str) -> str:
    """The module-level dict from stored value to member of enum class ``name``."""
    return f"_{snake_case(name).upper()}_MEMBERS"


def scalar_imports(attr_type: AttrType) -> set[str]:
    """The ``from ... import ...`` lines a value of ``attr_type`` needs in annotations."""
    found: set[str] = set()
    if isinstance(attr_type, ScalarType):
        line = SCALAR_IMPORTS.get(_SCALAR_ANNOTATIONS[attr_type.name])
        if line:
            found.add(line)
    elif isinstance(attr_type, ListType | SetType):
        found |= scalar_imports(attr_type.item)
    elif isinstance(attr_type, MapType):
        found |= scalar_imports(attr_type.value)
    return found


def referenced_names(attr_type: AttrType) -> set[str]:
    """The module-level names (``rt`` aside) that the annotation, encoder and decoder of
    a value of ``attr_type`` mention: a scalar's standard-library class, an enum and its
    members table, a named type and its two codecs."""
    if isinstance(attr_type, ScalarType):
        name = _SCALAR_ANNOTATIONS[attr_type.name]
        return {name} if name in SCALAR_IMPORTS else set()
    if isinstance(attr_type, EnumType):
        return {attr_type.name, enum_members(attr_type.name)}
    if isinstance(attr_type, NamedType):
        snake = snake_case(attr_type.name)
        return {attr_type.name, f"encode_{snake}", f"decode_{snake}"}
    if isinstance(attr_type, ListType | SetType):
        return referenced_names(attr_type.item)
    if isinstance(attr_type, MapType):
        return referenced_names(attr_type.value)
    return set()


def key_range(pieces: KeyRange) -> str:
    """The ``rt.KeyRange(...)`` of a query's key condition: its pieces as the model built
    them, handed to the run time beside the condition's text."""
    args = [json.dumps(pieces.partition), json.dumps(pieces.partition_value)]
    if pieces.sort is not None:
        bounds = ", ".join(json.dumps(b) for b in pieces.bounds)
        bounds += "," if len(pieces.bounds) == 1 else ""
        args += [json.dumps(pieces.sort), json.dumps(pieces.op), f"({bounds})"]
    return f"rt.KeyRange({', '.join(args)})"
