"""Declared updates (``updates:``): type-check and compile each into a constant request.

The repository's own actions are joined in at build time — the ``auto: updated`` time,
the version step, derived index keys — so a generated method only fills in values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dynagen.model.expressions import (
    CompiledUpdate,
    ExpressionError,
    Placeholders,
    SchemaResolver,
    check_condition,
    check_update,
    compile_condition,
    compile_update,
    join_update,
    parse_condition,
    parse_update,
)
from dynagen.model.expressions.compile import check_length
from dynagen.model.naming import py_identifier
from dynagen.model.schema import (
    Attribute,
    DeclaredUpdate,
    DerivedKeyWrite,
    Entity,
    KeySource,
    Parameter,
    TypeDef,
)
from dynagen.model.types import ScalarType

#: Generated method names a declared update or query may not take.
GENERATED_METHODS = frozenset(
    {
        "get",
        "create",
        "put",
        "update",
        "delete",
        "scan",
        "key",
        "batch_get",
        "batch_put",
        "batch_delete",
    }
)


@dataclass(frozen=True, slots=True)
class Located:
    """An error in a declared expression: which YAML string it is in, and where."""

    field: str  # "update" or "condition"
    offset: int
    message: str
    hint: str | None = None


def resolver_for(
    entity_attributes: tuple[Attribute, ...], types: tuple[TypeDef, ...]
) -> SchemaResolver:
    return SchemaResolver(
        {a.name: a.type for a in entity_attributes},
        {t.name: {f.name: f.type for f in t.fields} for t in types},
        columns={
            a.name: a.stored_name for a in entity_attributes if a.stored_name != a.name
        },
        type_columns={
            t.name: {f.name: f.stored_name for f in t.fields if f.stored_name != f.name}
            for t in types
        },
    )


def forbidden_writes(entity: Entity) -> dict[str, str]:
    """Attributes an update may not write, with the reason (SPEC §3 Expressions)."""
    reasons: dict[str, str] = {}
    for attribute in entity.key_fields:
        reasons[attribute.name] = "it is part of the table key"
    for attribute in entity.attributes:
        if attribute.version:
            reasons[attribute.name] = "the repository steps `version` itself"
        elif attribute.auto is not None:
            reasons[attribute.name] = (
                f"the repository sets `auto: {attribute.auto}` itself"
            )
    return reasons


def build_update(
    entity: Entity,
    types: tuple[TypeDef, ...],
    name: str,
    update_text: str,
    condition_text: str | None,
    doc: str | None,
) -> DeclaredUpdate | Located:
    """Compile one declared update of ``entity``, or say where it is wrong."""
    resolver = resolver_for(entity.attributes, types)
    stored: Callable[[tuple[str | int, ...]], str] = resolver.stored_name
    field = "update"
    try:
        tree = parse_update(update_text)
        param_types = check_update(tree, resolver)
        condition_tree = None
        if condition_text is not None:
            field = "condition"
            condition_tree = parse_condition(condition_text)
            param_types = {
                **param_types,
                **check_condition(condition_tree, resolver, known=param_types),
            }
        field = "update"
        defaults = {
            a.name: f":__d_{a.name}" for a in entity.attributes if _default_usable(a)
        }
        nonzero = {
            a.name
            for a in entity.attributes
            if a.name in defaults and a.type in _NUMBERS and a.default not in (0, "0")
        }
        placeholders = Placeholders()
        compiled = compile_update(
            tree,
            stored,
            forbidden=forbidden_writes(entity),
            defaults=defaults,
            nonzero_number_defaults=nonzero,
            placeholders=placeholders,
        )
        condition = None
        between: tuple[tuple[str, str], ...] = ()
        names = dict(compiled.names)
        values = dict(compiled.params)
        if condition_tree is not None:
            field = "condition"
            compiled_condition = compile_condition(
                condition_tree, stored, placeholders=placeholders
            )
            condition = compiled_condition.text
            between = compiled_condition.between
            names.update(compiled_condition.names)
            values.update(compiled_condition.params)
        field = "update"
        derived = derived_writes(entity, compiled, placeholders, update_text)
    except ExpressionError as error:
        return Located(field, error.offset, error.message, error.hint)
    if isinstance(derived, Located):
        return derived
    extra_sets: list[str] = []
    extra_removes: list[str] = []
    for write in derived:
        names[write.placeholder] = write.source.attribute.name
        if write.value_placeholder is None:
            extra_removes.append(write.placeholder)
        else:
            extra_sets.append(f"{write.placeholder} = {write.value_placeholder}")
    updated = []
    for attribute in entity.attributes:
        if attribute.auto == "updated":
            placeholder = placeholders.name(attribute.stored_name)
            names[placeholder] = attribute.stored_name
            extra_sets.append(f"{placeholder} = :__u_{attribute.name}")
            updated.append((f":__u_{attribute.name}", attribute.name))
    version = entity.version_attribute
    version_placeholder = None
    if version is not None:
        version_placeholder = placeholders.name(version.stored_name)
        names[version_placeholder] = version.stored_name
        extra_sets.append(
            f"{version_placeholder} = if_not_exists({version_placeholder}, :__zero) + :__one"
        )
    key_placeholder = placeholders.name(entity.table.partition_key.name)
    names[key_placeholder] = entity.table.partition_key.name
    expression = join_update(
        [*compiled.set_actions, *extra_sets],
        [*compiled.remove_actions, *extra_removes],
        compiled.add_actions,
        compiled.delete_actions,
    )
    try:
        check_length(expression, "the update expression as sent")
    except ExpressionError as error:
        return Located("update", error.offset, error.message, error.hint)
    sent_condition = f"attribute_exists({key_placeholder})"
    if condition is not None:
        sent_condition += f" AND ({condition})"
    if version_placeholder is not None:  # the longest `expected_version` check
        sent_condition += (
            f" AND (attribute_not_exists({version_placeholder}) OR "
            f"{version_placeholder} = :__expected_version)"
        )
    try:
        check_length(sent_condition, "the condition as sent")
    except ExpressionError as error:
        where = "update" if condition_text is None else "condition"
        return Located(where, error.offset, error.message, error.hint)
    params = tuple(
        Parameter(param, py_identifier(param), param_type)
        for param, param_type in param_types.items()
    )
    return DeclaredUpdate(
        name=name,
        py_name=name,
        doc=doc,
        source=update_text,
        condition_source=condition_text,
        params=params,
        update_expression=expression,
        condition=condition,
        names=tuple(sorted(names.items(), key=lambda kv: _placeholder_order(kv[0]))),
        values=tuple(sorted(values.items(), key=lambda kv: _placeholder_order(kv[0]))),
        defaults=compiled.defaults,
        derived=tuple(derived),
        key_placeholder=key_placeholder,
        version_placeholder=version_placeholder,
        updated=tuple(updated),
        between=between,
    )


_NUMBERS = (ScalarType("int"), ScalarType("float"), ScalarType("decimal"))


def _default_usable(attribute: Attribute) -> bool:
    return attribute.has_default and not attribute.optional


def _placeholder_order(placeholder: str) -> tuple[str, int]:
    digits = placeholder.lstrip("#:np")
    return (placeholder[:2], int(digits)) if digits.isdigit() else (placeholder, 0)


def derived_writes(
    entity: Entity,
    compiled: CompiledUpdate,
    placeholders: Placeholders,
    text: str,
) -> list[DerivedKeyWrite] | Located:
    """The index key attributes the update must rewrite (SPEC §4), or why it cannot."""
    assigned = dict(compiled.assignments)
    removes, computed = compiled.removes, compiled.computed
    key_fields = {a.name for a in entity.key_fields}
    writes: list[DerivedKeyWrite] = []
    for source in entity.key_sources:
        if source.template is None:
            continue
        fields = source.field_names
        touched = [f for f in fields if f in assigned or f in removes or f in computed]
        if not touched:
            continue
        for field_name in touched:
            if field_name in computed:
                return Located(
                    "update",
                    max(text.find(field_name), 0),
                    f"'{field_name}' is part of index key '{source.attribute.name}', which "
                    "cannot follow a value computed on the server",
                    "set it from a :parameter instead",
                )
        placeholder = placeholders.name(source.attribute.name)
        siblings = constant_siblings(entity, source)
        if any(f in removes for f in touched):
            writes.append(DerivedKeyWrite(source, placeholder, None, ()))
            writes += [
                DerivedKeyWrite(s, placeholders.name(s.attribute.name), None, ())
                for s in siblings
            ]
            continue
        missing = [f for f in fields if f not in assigned and f not in key_fields]
        if missing:
            return Located(
                "update",
                max(text.find(touched[0]), 0),
                f"this update changes '{touched[0]}' of index key "
                f"'{source.attribute.name}' but not {', '.join(repr(m) for m in missing)}",
                "set every field of the index key template from a :parameter",
            )
        mapping = tuple(
            (f, f"param:{assigned[f]}" if f in assigned else f"key:{f}") for f in fields
        )
        writes.append(
            DerivedKeyWrite(source, placeholder, f":__k{len(writes)}", mapping)
        )
        writes += [
            DerivedKeyWrite(
                s, placeholders.name(s.attribute.name), f":__k{len(writes) + i}", ()
            )
            for i, s in enumerate(siblings)
        ]
    return writes


def constant_siblings(entity: Entity, source: KeySource) -> list[KeySource]:
    """Constant key attributes of the indexes ``source`` keys (not the table's own):
    an item enters or leaves a sparse index with all of its key attributes."""
    table_keys = {k.name for k in entity.table.key_attributes}
    found: dict[str, KeySource] = {}
    for index in entity.indexes:
        if source.attribute not in index.key_attributes:
            continue
        for key in index.key_attributes:
            other = entity.key_source(key.name)
            if (
                other is not None
                and other.template is not None
                and other.template.is_constant
                and key.name not in table_keys
            ):
                found.setdefault(key.name, other)
    return list(found.values())
