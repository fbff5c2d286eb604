"""Python source helpers every view shares: literals, import blocks, the names of
generated functions and classes, and key-template text.

A view imports these; no view imports another view (the layout of the package, and what
each module defines, is :mod:`dynagen.render.layout`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from decimal import Decimal

from dynagen.model.naming import enum_member_name, isort_key, snake_case
from dynagen.model.schema import Attribute, Entity, KeySource
from dynagen.model.shapes import field_positions
from dynagen.model.templates import KeyTemplate, TemplateField
from dynagen.model.types import EnumType, ListType, MapType, ScalarType, SetType
from dynagen.render import codecs

#: Exceptions that mean "this stored item does not fit its class".
DECODE_FAILURES = (
    "(KeyError, TypeError, ValueError, ArithmeticError, AttributeError, rt.DecodeError)"
)

# -- literals ---------------------------------------------------------------------------


def literal(text: str) -> str:
    """A double-quoted Python string literal, as ruff formats them."""
    return json.dumps(text, ensure_ascii=False)


def py_repr(value: object) -> str:
    """A Python literal for ``value``, deterministic (dicts keep their order)."""
    return repr(value)


def py_dict(pairs: tuple[tuple[str, str], ...]) -> str:
    """A dict literal of string pairs."""
    return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in pairs) + "}"


# -- defaults ---------------------------------------------------------------------------

#: A container's default is an empty one, made fresh for each object: the factory a
#: dataclass field names, and the expression that makes one.
_EMPTY = {ListType: ("list", "[]"), SetType: ("set", "set()"), MapType: ("dict", "{}")}


def needs_factory(attribute: Attribute) -> bool:
    """Whether the field's default is ``field(default_factory=...)``."""
    return attribute.has_default and type(attribute.type) in _EMPTY


def default_source(attribute: Attribute) -> str | None:
    """The source after ``=`` for a field's default, or None when it is required."""
    if attribute.has_default:
        empty = _EMPTY.get(type(attribute.type))
        if empty is not None:
            return f"field(default_factory={empty[0]})"
        return _value_source(attribute)
    if attribute.nullable:
        return "None"
    return None


def default_value(attribute: Attribute) -> str:
    """An expression making a fresh default value (mutable defaults are never shared)."""
    empty = _EMPTY.get(type(attribute.type))
    return empty[1] if empty is not None else _value_source(attribute)


def _value_source(attribute: Attribute) -> str:
    """The default of a scalar or enum attribute as a Python expression."""
    value, attr_type = attribute.default, attribute.type
    if isinstance(attr_type, EnumType):
        return f"{attr_type.name}.{enum_member_name(str(value))}"
    if attr_type == ScalarType("decimal"):
        return decimal_source(Decimal(str(value)))
    if attr_type == ScalarType("float"):
        return repr(float(str(value)))
    if isinstance(value, str):
        return literal(value)
    return repr(value)


def decimal_source(value: Decimal) -> str:
    """``Decimal(12)`` for a whole number written without exponent (ruff's FURB157
    flags ``Decimal("12")``), else ``Decimal("1.50")``: the text keeps precision, the
    sign of ``-0`` and the exponent."""
    text = str(value)
    if text.lstrip("-").isdigit() and text != "-0":
        return f"Decimal({text})"
    return f"Decimal({literal(text)})"


# -- imports ------------------------------------------------------------------------------

#: The standard-library module of each name the model modules take from it.
STDLIB = {
    "Mapping": "collections.abc",
    "dataclass": "dataclasses",
    "field": "dataclasses",
    "date": "datetime",
    "datetime": "datetime",
    "Decimal": "decimal",
    "Any": "typing",
    "UUID": "uuid",
}


def stdlib_imports(names: Iterable[str]) -> tuple[str, ...]:
    """The import block for standard-library ``names`` (``enum`` is a module)."""
    return import_block(
        "import enum" if name == "enum" else f"from {STDLIB[name]} import {name}"
        for name in names
    )


def import_block(lines: Iterable[str]) -> tuple[str, ...]:
    """Merge ``import x`` / ``from x import a`` lines into one sorted block.

    Plain imports come first, then from-imports, each by module; names within a
    from-import are merged and sorted (CONSTANTS, Classes, then functions), as isort
    (ruff's ``I`` rules) wants.
    """
    plain: set[str] = set()
    named: dict[str, set[str]] = {}
    for line in lines:
        words = line.split()
        if words[0] == "import":
            plain.add(words[1])
        else:
            names = line.split(" import ", 1)[1]
            named.setdefault(words[1], set()).update(
                n.strip() for n in names.split(",")
            )
    block = [f"import {module}" for module in sorted(plain)]
    for module in sorted(named):
        block.append(
            f"from {module} import {', '.join(sorted(named[module], key=isort_key))}"
        )
    return tuple(block)


# -- generated names -------------------------------------------------------------------


def encoder(class_name: str) -> str:
    """The module-level function encoding an object of ``class_name``."""
    return f"encode_{snake_case(class_name)}"


def decoder(class_name: str) -> str:
    """The module-level function decoding an item into ``class_name``."""
    return f"decode_{snake_case(class_name)}"


def key_class(entity_name: str) -> str:
    return f"{entity_name}Key"


def key_item_function(entity: Entity) -> str:
    return f"{entity.snake}_key_item"


enum_members = codecs.enum_members


# -- key templates -----------------------------------------------------------------------


def where(owner: str, attribute: Attribute) -> str:
    """The ``"Entity.attribute"`` literal that errors about a value name."""
    return literal(f"{owner}.{attribute.name}")


def field_text(attribute: Attribute, value: str, where: str, width: int | None) -> str:
    """An expression giving the text of ``value`` (a field of a key template)."""
    if width is not None:
        return f"rt.format_padded_int({value}, {width}, {where})"
    return codecs.encode_text(attribute.type, value, where)


def template_expression(
    template: KeyTemplate, text_of: Callable[[TemplateField], str]
) -> str:
    """A string expression rendering ``template``: literal text joined with field texts."""
    return " + ".join(
        literal(part) if isinstance(part, str) else text_of(part)
        for part in template.parts
    )


def key_text_recovery(
    entity: Entity, sources: tuple[KeySource, ...] | None = None
) -> dict[str, str]:
    """For each field of the key templates of ``sources`` (default: the table's key): an
    expression recovering its value from the key text of ``item``."""
    recovered: dict[str, str] = {}
    for source in entity.primary_sources if sources is None else sources:
        if source.template is None:
            continue
        for position in field_positions(source.template):
            attribute = entity.attribute(position.name)
            text = (
                f'item[{literal(source.attribute.name)}]["S"]'
                f".split({literal(position.separator)})[{position.segment}]"
            )
            if position.skip:
                text += f"[{position.skip}:]"
            recovered.setdefault(
                position.name, codecs.decode_text(attribute.type, text)
            )
    return recovered
