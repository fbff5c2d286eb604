"""The view of ``models.py``: classes, fields and codec statements, all decided here."""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from decimal import Decimal

from dynagen.model.derived import derived_groups
from dynagen.model.naming import dunder_all_key, natural, pascal_case, snake_case
from dynagen.model.schema import (
    Attribute,
    Entity,
    EnumDef,
    Index,
    KeySource,
    Model,
    TypeDef,
)
from dynagen.model.templates import KeyTemplate, TemplateField
from dynagen.model.types import (
    EnumType,
    ListType,
    MapType,
    NamedType,
    ScalarType,
    SetType,
)
from dynagen.render import codecs
from dynagen.render.imports import import_block

#: Exceptions that mean "this stored item does not fit its class".
DECODE_FAILURES = (
    "(KeyError, TypeError, ValueError, ArithmeticError, AttributeError, rt.DecodeError)"
)


def literal(text: str) -> str:
    """A double-quoted Python string literal."""
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class FieldView:
    py_name: str
    annotation: str
    default: str | None  # the ``= ...`` part, or None for a required field
    doc: str | None


@dataclass(frozen=True, slots=True)
class ClassView:
    """A dataclass (entity or named type) with its codec functions."""

    name: str
    snake: str
    doc: str
    fields: tuple[FieldView, ...]
    encode_literal: tuple[tuple[str, str], ...]  # (stored name, expression)
    encode_optional: tuple[
        tuple[str, str, str], ...
    ]  # (condition, stored name, expression)
    decode_steps: tuple[tuple[str, str, str], ...]  # (attribute, local, expression)
    constructor: tuple[tuple[str, str], ...]  # (py_name, local)
    encode_prelude: tuple[tuple[str, str], ...] = ()  # (local, expression)
    type_check: tuple[str, str] | None = None  # (type attribute, entity name)
    key_names: tuple[str, ...] = ()  # table key attributes, named in decode errors


@dataclass(frozen=True, slots=True)
class EntityView:
    cls: ClassView
    key_fields: tuple[FieldView, ...]
    key_params: str  # "customer_id: str, ..." keyword-only parameters
    key_item: tuple[
        tuple[str, str], ...
    ]  # (physical attribute, expression over params)
    key_attribute_names: tuple[str, ...]
    type_attribute: str
    table_id: str


@dataclass(frozen=True, slots=True)
class ModelsView:
    package: str
    imports: tuple[str, ...]
    enums: tuple[EnumDef, ...]
    types: tuple[ClassView, ...]
    entities: tuple[EntityView, ...]
    partials: tuple[PartialView, ...] = ()
    decode_failures: str = DECODE_FAILURES

    @property
    def all_names(self) -> tuple[str, ...]:
        names = [e.name for e in self.enums] + [t.name for t in self.types]
        for entity in self.entities:
            names += [entity.cls.name, f"{entity.cls.name}Key"]
        names += [p.name for p in self.partials]
        return tuple(sorted(names, key=dunder_all_key))


def entity_module(entity: Entity) -> str:
    """The module holding an entity's classes and codecs (``models.py`` indexes it)."""
    return f"{entity.snake}_model"


def _named_refs(attr_type: object) -> set[str]:
    if isinstance(attr_type, NamedType):
        return {attr_type.name}
    if isinstance(attr_type, ListType | SetType):
        return _named_refs(attr_type.item)
    if isinstance(attr_type, MapType):
        return _named_refs(attr_type.value)
    return set()


def shared_modules(
    model: Model,
) -> tuple[tuple[str, tuple[EnumDef, ...], tuple[TypeDef, ...]], ...]:
    """(module, enums, types): one module per enum, one per group of named types that
    reach each other (a strongly connected component, so that no two modules import
    each other), each named ``_model_<first name>``; sorted by module."""
    types = {t.name: t for t in model.types}
    refs = {
        name: sorted(r for f in t.fields for r in _named_refs(f.type) if r in types)
        for name, t in types.items()
    }
    reach: dict[str, set[str]] = {}
    for start in types:
        seen, stack = {start}, [start]
        while stack:
            for ref in refs[stack.pop()]:
                if ref not in seen:
                    seen.add(ref)
                    stack.append(ref)
        reach[start] = seen
    groups: dict[str, list[TypeDef]] = {}
    for name, t in types.items():
        group = min(n for n in reach[name] if name in reach[n])
        groups.setdefault(group, []).append(t)
    modules: list[tuple[str, tuple[EnumDef, ...], tuple[TypeDef, ...]]]
    modules = [(f"_model_{snake_case(e.name)}", (e,), ()) for e in model.enums]
    modules += [
        (f"_model_{snake_case(first)}", (), tuple(members))
        for first, members in groups.items()
    ]
    return tuple(sorted(modules, key=lambda m: natural(m[0])))


def models_view(model: Model) -> ModelsView:
    imports: set[str] = {
        "from collections.abc import Mapping",
        "from dataclasses import dataclass, field"
        if any(_needs_factory(a) for a in _all_attributes(model))
        else "from dataclasses import dataclass",
        "from typing import Any",
    }
    if model.enums:
        imports.add("import enum")
    for attribute in _all_attributes(model):
        imports |= codecs.scalar_imports(attribute.type)
    return ModelsView(
        package=model.package,
        imports=import_block(imports),
        enums=model.enums,
        types=tuple(type_class(t) for t in model.types),
        entities=tuple(entity_view(e) for e in model.entities),
        partials=tuple(p for e in model.entities for p in entity_partials(e)),
    )


def _needs_factory(attribute: Attribute) -> bool:
    return attribute.has_default and "default_factory" in value_source(attribute)


def _all_attributes(model: Model) -> list[Attribute]:
    found = [a for t in model.types for a in t.fields]
    return found + [a for e in model.entities for a in e.attributes]


def field_view(attribute: Attribute) -> FieldView:
    annotation = codecs.annotation(attribute.type)
    if attribute.nullable:
        annotation = f"{annotation} | None"
    return FieldView(
        attribute.py_name, annotation, default_source(attribute), attribute.doc
    )


def default_source(attribute: Attribute) -> str | None:
    """The source after ``=`` for a field's default, or None when it is required."""
    if attribute.has_default:
        return value_source(attribute)
    if attribute.nullable:
        return "None"
    return None


def value_source(attribute: Attribute) -> str:
    value, attr_type = attribute.default, attribute.type
    if isinstance(attr_type, EnumType):
        from dynagen.model.naming import enum_member_name

        return f"{attr_type.name}.{enum_member_name(str(value))}"
    if isinstance(attr_type, ListType):
        return "field(default_factory=list)"
    if isinstance(attr_type, SetType):
        return "field(default_factory=set)"
    if isinstance(attr_type, MapType):
        return "field(default_factory=dict)"
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


def default_value(attribute: Attribute) -> str:
    """An expression making a fresh default value (mutable defaults are never shared)."""
    source = value_source(attribute)
    factories = {
        "field(default_factory=list)": "[]",
        "field(default_factory=set)": "set()",
        "field(default_factory=dict)": "{}",
    }
    return factories.get(source, source)


def _where(owner: str, attribute: Attribute) -> str:
    return literal(f"{owner}.{attribute.name}")


def type_class(type_def: TypeDef) -> ClassView:
    return class_view(
        type_def.name, f"The `{type_def.name}` map type.", type_def.fields, ()
    )


def class_view(
    name: str,
    doc: str,
    attributes: tuple[Attribute, ...],
    extra: tuple[tuple[str, str], ...],
    precomputed: dict[str, str] | None = None,
) -> ClassView:
    encode_literal: list[tuple[str, str]] = list(extra)
    encode_optional: list[tuple[str, str, str]] = []
    decode_steps: list[tuple[str, str, str]] = []
    for attribute in attributes:
        value = f"obj.{attribute.py_name}"
        expression = codecs.encode(attribute.type, value, _where(name, attribute))
        if precomputed and attribute.name in precomputed:
            encode_literal.append((attribute.stored_name, precomputed[attribute.name]))
        elif codecs.is_stored_absent_when_empty(attribute.type):
            # DynamoDB stores no empty set: an empty one is written as absent.
            optional = "True" if attribute.nullable else "False"
            condition = (
                f"rt.has_members({value}, {_where(name, attribute)}, {optional})"
            )
            encode_optional.append((condition, attribute.stored_name, expression))
        elif attribute.nullable:
            encode_optional.append(
                (f"{value} is not None", attribute.stored_name, expression)
            )
        else:
            encode_literal.append((attribute.stored_name, expression))
        decode_steps.append(
            (attribute.name, f"{attribute.py_name}_", decode_step(attribute, "item"))
        )
    return ClassView(
        name=name,
        snake=snake_case(name),
        doc=doc,
        fields=tuple(field_view(a) for a in attributes),
        encode_literal=tuple(encode_literal),
        encode_optional=tuple(encode_optional),
        decode_steps=tuple(decode_steps),
        constructor=tuple((a.py_name, f"{a.py_name}_") for a in attributes),
    )


def decode_step(attribute: Attribute, item: str) -> str:
    """The expression decoding ``attribute`` from mapping ``item``, absence included."""
    stored = literal(attribute.stored_name)
    if attribute.version:
        absent = "0"
    elif attribute.has_default:
        absent = default_value(attribute)
    elif attribute.nullable:
        absent = "None"
    elif codecs.is_stored_absent_when_empty(attribute.type):
        absent = "set()"
    else:
        return codecs.decode(attribute.type, f"{item}[{stored}]")
    present = codecs.decode(attribute.type, "v")
    return f"{absent} if (v := {item}.get({stored})) is None else {present}"


def presence_condition(entity: Entity, attribute: str) -> str:
    """When an item writes index key attribute ``attribute``: an expression over ``obj``,
    or "" for always. An item outside a sparse index writes no attribute for it, its
    constant key attributes included (the model's rule, :mod:`dynagen.model.derived`)."""
    key = next(
        (k for g in derived_groups(entity) for k in g.keys if k.name == attribute), None
    )
    if key is None or not key.presence:
        return ""
    by_name = {a.name: a for a in entity.attributes}
    alternatives = [
        " and ".join(f"obj.{by_name[f].py_name} is not None" for f in alternative)
        for alternative in key.presence
    ]
    if len(alternatives) == 1:
        return alternatives[0]
    return " or ".join(f"({a})" for a in alternatives)


def entity_view(entity: Entity) -> EntityView:
    by_name = {a.name: a for a in entity.attributes}
    # Fields of the table key are checked and formatted once, into locals that both the
    # key templates and the attributes themselves use.
    prelude: list[tuple[str, str]] = []
    local_text: dict[str, str] = {}
    local_wire: dict[str, str] = {}
    for attribute in entity.key_fields:
        value = f"obj.{attribute.py_name}"
        if attribute.nullable:
            value = f"rt.required({value}, {_where(entity.name, attribute)})"
        wire, expression = codecs.scalar_wire(
            attribute.type, value, _where(entity.name, attribute)
        )
        local = f"{attribute.py_name}_"
        prelude.append((local, expression))
        local_text[attribute.name] = codecs.text_from_wire(attribute.type, local)
        local_wire[attribute.name] = f'{{"{wire}": {local}}}'

    def text_of(field: TemplateField) -> str:
        attribute = by_name[field.name]
        if field.width is None and field.name in local_text:
            return local_text[field.name]
        where = _where(entity.name, attribute)
        value = f"obj.{attribute.py_name}"
        if attribute.nullable and not attribute.optional:
            # ``auto`` and version fields: set on every object the repository writes.
            value = f"rt.required({value}, {where})"
        if field.width is not None:
            return f"rt.format_padded_int({value}, {field.width}, {where})"
        return codecs.encode_text(attribute.type, value, where)

    key_literal: list[tuple[str, str]] = []
    optional_keys: list[tuple[str, str, str]] = []
    for source in entity.key_sources:
        if source.template is None:
            continue  # a plain key attribute is stored as the attribute itself
        expression = f'{{"S": {template_expression(source.template, text_of)}}}'
        condition = presence_condition(entity, source.attribute.name)
        if condition:
            optional_keys.append((condition, source.attribute.name, expression))
        else:
            key_literal.append((source.attribute.name, expression))
    type_pair = (entity.table.type_attribute, f'{{"S": {literal(entity.name)}}}')
    cls = class_view(
        entity.name,
        entity.doc
        or f"An item of entity `{entity.name}` on table `{entity.table.id}`.",
        entity.attributes,
        (*key_literal, type_pair),
        precomputed=local_wire,
    )
    cls = replace(
        cls,
        encode_prelude=tuple(prelude),
        encode_optional=(*optional_keys, *cls.encode_optional),
        type_check=(entity.table.type_attribute, entity.name),
        key_names=tuple(k.name for k in entity.table.key_attributes),
    )
    key_fields = tuple(
        FieldView(a.py_name, codecs.annotation(a.type), None, None)
        for a in entity.key_fields
    )
    params = ", ".join(f"{f.py_name}: {f.annotation}" for f in key_fields)

    def param_text(field: TemplateField) -> str:
        attribute = by_name[field.name]
        where = _where(entity.name, attribute)
        if field.width is not None:
            return f"rt.format_padded_int({attribute.py_name}, {field.width}, {where})"
        return codecs.encode_text(attribute.type, attribute.py_name, where)

    key_item = []
    for source in entity.primary_sources:
        if source.template is not None:
            key_item.append(
                (
                    source.attribute.name,
                    f'{{"S": {template_expression(source.template, param_text)}}}',
                )
            )
        else:
            attribute = by_name[source.field_names[0]]
            key_item.append(
                (
                    source.attribute.name,
                    codecs.encode(
                        attribute.type,
                        attribute.py_name,
                        _where(entity.name, attribute),
                    ),
                )
            )
    return EntityView(
        cls=cls,
        key_fields=key_fields,
        key_params=params,
        key_item=tuple(key_item),
        key_attribute_names=tuple(k.name for k in entity.table.key_attributes),
        type_attribute=entity.table.type_attribute,
        table_id=entity.table.id,
    )


def template_expression(
    template: KeyTemplate, text_of: Callable[[TemplateField], str]
) -> str:
    """A string expression rendering ``template``: literal text joined with field texts."""
    return " + ".join(
        literal(part) if isinstance(part, str) else text_of(part)
        for part in template.parts
    )


@dataclass(frozen=True, slots=True)
class PartialView:
    """A frozen dataclass holding part of an entity: a view, or an index projection."""

    name: str
    snake: str
    doc: str
    entity: str
    fields: tuple[FieldView, ...]
    decode_steps: tuple[tuple[str, str, str], ...]
    constructor: tuple[tuple[str, str], ...]
    key_args: str  # "customer_id=self.customer_id, ..."
    key_names: tuple[str, ...]
    projection: tuple[str, ...]  # stored names to read (ProjectionExpression)


def key_text_recovery(
    entity: Entity, sources: tuple[KeySource, ...] | None = None
) -> dict[str, str]:
    """For each field of the key templates of ``sources`` (default: the table's key): an
    expression recovering its value from the key text (fields never hold a "#")."""
    recovered: dict[str, str] = {}
    for source in entity.primary_sources if sources is None else sources:
        if source.template is None:
            continue
        segment, prefix = 0, ""
        for part in source.template.parts:
            if isinstance(part, str):
                pieces = part.split("#")
                if len(pieces) > 1:
                    segment += len(pieces) - 1
                    prefix = pieces[-1]
                else:
                    prefix += part
                continue
            attribute = entity.attribute(part.name)
            text = f'item[{literal(source.attribute.name)}]["S"].split("#")[{segment}]'
            if prefix:
                text += f"[{len(prefix)}:]"
            recovered.setdefault(part.name, codecs.decode_text(attribute.type, text))
            prefix = ""
    return recovered


def partial_view(
    entity: Entity,
    class_name: str,
    doc: str,
    attributes: list[Attribute],
    stored: AbstractSet[str],
    index: Index | None = None,
) -> PartialView:
    """``attributes`` beyond the key fields; ``stored`` names the attributes the read holds
    (fields not among them are recovered from the text of the table's key and, for an
    index projection, of the index's key)."""
    recovery = key_text_recovery(entity)
    if index is not None:
        index_sources = tuple(
            s
            for k in index.key_attributes
            if (s := entity.key_source(k.name)) is not None
        )
        recovery = {**key_text_recovery(entity, index_sources), **recovery}
    fields: list[FieldView] = []
    steps: list[tuple[str, str, str]] = []
    for attribute in entity.key_fields:
        fields.append(
            FieldView(attribute.py_name, codecs.annotation(attribute.type), None, None)
        )
        # A key field inside a key template is read back from the table key, which
        # every read holds (an index query may not project the field itself).
        if attribute.name in recovery:
            expression = recovery[attribute.name]
        else:
            expression = codecs.decode(
                attribute.type, f"item[{literal(attribute.stored_name)}]"
            )
        steps.append((attribute.name, f"{attribute.py_name}_", expression))
    key_names = {a.name for a in entity.key_fields}
    for attribute in attributes:
        if attribute.name in key_names:
            continue
        view = field_view(attribute)
        fields.append(view)
        if attribute.stored_name in stored or attribute.name not in recovery:
            expression = decode_step(attribute, "item")
        else:
            expression = recovery[attribute.name]
        steps.append((attribute.name, f"{attribute.py_name}_", expression))
    # Fields with defaults must follow those without, as in any dataclass.
    ordered = [f for f in fields if f.default is None] + [
        f for f in fields if f.default is not None
    ]
    return PartialView(
        name=class_name,
        snake=snake_case(class_name),
        doc=doc,
        entity=entity.name,
        fields=tuple(ordered),
        decode_steps=tuple(steps),
        constructor=tuple((s[1][:-1], s[1]) for s in steps),
        key_args=", ".join(f"{a.py_name}=self.{a.py_name}" for a in entity.key_fields),
        key_names=tuple(k.name for k in entity.table.key_attributes),
        projection=tuple(
            dict.fromkeys(
                [a.stored_name for a in entity.key_fields]
                + [k.name for k in entity.table.key_attributes]
                + [a.stored_name for a in attributes]
            )
        ),
    )


def entity_partials(entity: Entity) -> list[PartialView]:
    """The view classes and index projection classes an entity needs."""
    partials = []
    by_name = {a.name: a for a in entity.attributes}
    for view in entity.views:
        attrs = [by_name[n] for n in view.attributes]
        stored = {a.stored_name for a in (*entity.key_fields, *attrs)}
        partials.append(
            partial_view(
                entity,
                view.class_name,
                f"The `{view.name}` view of `{entity.name}`.",
                attrs,
                stored,
            )
        )
    seen = set()
    for query in entity.queries:
        index = query.index
        if (
            index is None
            or index.projection == "ALL"
            or index.name in seen
            or query.view
        ):
            continue
        seen.add(index.name)
        projected = entity.table.projected_by(index)
        assert projected is not None
        template_fields = {
            name
            for k in index.key_attributes
            if (source := entity.key_source(k.name)) is not None
            for name in source.field_names
        }
        attrs = [
            a
            for a in entity.attributes
            if a.stored_name in projected or a.name in template_fields
        ]
        partials.append(
            partial_view(
                entity,
                projection_class(entity, index),
                f"`{entity.name}` as index `{index.name}` projects it.",
                attrs,
                projected,
                index,
            )
        )
    return partials


def projection_class(entity: Entity, index: Index) -> str:
    return f"{entity.name}{pascal_case(index.name)}Projection"
