"""Declared updates (``updates:``): type-check and compile each into a constant request.

The repository's own actions are joined in at build time — the ``auto: updated`` time,
the version step, derived index keys — so a generated method only fills in values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dynagen.model.derived import (
    Known,
    field_knowledge,
    stepped_fields,
    touched_groups,
)
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
from dynagen.model.expressions.ast import Update
from dynagen.model.naming import py_identifier
from dynagen.model.schema import (
    Attribute,
    DeclaredUpdate,
    DerivedKeyWrite,
    Entity,
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
        names = dict(compiled.names)
        values = dict(compiled.params)
        if condition_tree is not None:
            field = "condition"
            compiled_condition = compile_condition(
                condition_tree, stored, placeholders=placeholders
            )
            condition = compiled_condition.text
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
            extra_sets.append(f"{placeholder} = :__{attribute.name}")
            updated.append((f":__{attribute.name}", attribute.name))
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
        fills=tuple(
            (f"#f{i}", f":f{i}", name)
            for i, name in enumerate(written_into_defaults(entity, tree))
        ),
        needs_version=any(
            origin.startswith("version:") for w in derived for _, origin in w.fields
        ),
    )


_NUMBERS = (ScalarType("int"), ScalarType("float"), ScalarType("decimal"))


def written_into_defaults(entity: Entity, tree: Update) -> list[str]:
    """Attributes with a default that the update writes below (``SET m.k = ...``): an
    item stored without one needs the default stored first (SPEC §4: it reads back as
    its default, so the update must work on it)."""
    found: dict[str, None] = {}
    written = [a.path for a in tree.set] + [a.path for a in tree.add]
    written += [a.path for a in tree.delete]
    for path in written:
        if len(path.segments) > 1 and _default_usable(entity.attribute(path.top)):
            found[path.top] = None
    return list(found)


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
    touch: bool = True,
) -> list[DerivedKeyWrite] | Located:
    """The derived key attributes the update must write or remove (the model's rule,
    :mod:`dynagen.model.derived`), or why it cannot keep them in step."""
    assigned = dict(compiled.assignments)
    stepped = stepped_fields(entity) if touch else {}
    given: dict[str, Known] = {f: "given" for f in assigned}
    given.update({f: "absent" for f in compiled.removes})
    given.update({f: "unknown" for f in compiled.computed})
    given.update(stepped)
    known = field_knowledge(entity, given)
    touched = [*assigned, *compiled.removes, *compiled.computed, *stepped]
    writes: list[DerivedKeyWrite] = []
    for group in touched_groups(entity, touched):
        for field_name in group.depends_on:
            if field_name in compiled.computed:
                return Located(
                    "update",
                    max(text.find(field_name), 0),
                    f"'{field_name}' is part of index key "
                    f"{_listed(group.names)}, which cannot follow a value computed on "
                    "the server",
                    "set it from a :parameter instead",
                )
        missing = [f for f in group.depends_on if known[f] == "unknown"]
        if missing:
            cause = next((f for f in touched if f in group.depends_on), touched[0])
            hint = "set every field of the index key templates from a :parameter"
            if cause in stepped:
                hint += ", or declare `touch: false`"
            return Located(
                "update",
                max(text.find(cause), 0) if cause not in stepped else 0,
                f"this update changes '{cause}' of index key {_listed(group.names)} "
                f"but not {', '.join(repr(m) for m in missing)}",
                hint,
            )
        for key in group.keys:
            placeholder = placeholders.name(key.name)
            present = not key.presence or any(
                all(known[f] != "absent" for f in alternative)
                for alternative in key.presence
            )
            if not present:
                writes.append(DerivedKeyWrite(key.source, placeholder, None, ()))
                continue
            mapping = tuple(
                (
                    f,
                    f"param:{assigned[f]}"
                    if known[f] == "given"
                    else f"{known[f]}:{f}",
                )
                for f in key.fields
            )
            writes.append(
                DerivedKeyWrite(key.source, placeholder, f":__k{len(writes)}", mapping)
            )
    return writes


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)
