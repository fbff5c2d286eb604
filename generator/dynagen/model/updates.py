"""Updates: declared ones (``updates:``), type-checked and compiled into a constant
request, and the generic ``update`` every repository has (:func:`generic_update`).

The repository's own actions are joined in at build time — the ``auto: updated`` time,
the version step, derived index keys — so a generated method only fills in values. Both
kinds take what they may write from :func:`forbidden_writes`, their derived index keys
from :mod:`dynagen.model.derived` (:func:`key_write` for each) and their placeholders
from :mod:`dynagen.model.expressions.placeholders`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dynagen.model.derived import (
    DerivedKey,
    Known,
    UpdateRewrite,
    derived_groups,
    field_knowledge,
    stepped_fields,
    touched_groups,
    update_rewrites,
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
from dynagen.model.expressions import placeholders as ph
from dynagen.model.expressions.ast import Update
from dynagen.model.expressions.compile import check_length
from dynagen.model.literals import map_key_params, split_literals
from dynagen.model.naming import py_identifier
from dynagen.model.schema import (
    Attribute,
    DeclaredUpdate,
    DerivedKeyWrite,
    Entity,
    Parameter,
    SetParamClauses,
    TypeDef,
)
from dynagen.model.types import AttrType, ScalarType, SetType

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
    *,
    touch: bool = True,
    upsert: bool = False,
) -> DeclaredUpdate | Located:
    """Compile one declared update of ``entity``, or say where it is wrong.

    ``touch=False``: the version and ``auto: updated`` are left as they are.
    ``upsert=True``: a missing item is created (the key fields, the type attribute,
    ``auto`` times, the version and defaults written through ``if_not_exists``, and
    the derived keys of what the update does not touch computed for a new item)."""
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
        literals = split_literals([tree], param_types)[1]
        keys = map_key_params([tree], param_types)
        if condition_tree is not None:
            field = "condition"
            literals += split_literals([condition_tree], param_types)[1]
            keys.update(map_key_params([condition_tree], {**param_types, **keys}))
        field = "update"
        taken = {literal.name for literal in literals}
        param_types = {n: t for n, t in param_types.items() if n not in taken}
        param_types.update(keys)
        defaults = {
            a.name: ph.default_value(a.name)
            for a in entity.attributes
            if _default_usable(a)
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
        derived = derived_writes(entity, compiled, placeholders, update_text, touch)
    except ExpressionError as error:
        return Located(field, error.offset, error.message, error.hint)
    if isinstance(derived, Located):
        return derived
    fills = written_into_defaults(entity, tree)
    upserted: list[UpsertWrite] = []
    if upsert:
        if fills:
            return Located(
                "update",
                max(update_text.find(fills[0]), 0),
                f"an upsert cannot write into '{fills[0]}', which a new item lacks",
                "set the whole attribute, or drop `upsert`",
            )
        new_item = upsert_writes(entity, compiled, placeholders, touch)
        if isinstance(new_item, Located):
            return new_item
        upserted, kept = new_item
        derived = [*derived, *kept]
    extra_sets: list[str] = []
    extra_removes: list[str] = []
    for write in derived:
        names[write.placeholder] = write.source.attribute.name
        if write.value_placeholder is None:
            extra_removes.append(write.placeholder)
        elif write.keep:
            extra_sets.append(
                f"{write.placeholder} = if_not_exists({write.placeholder}, "
                f"{write.value_placeholder})"
            )
        else:
            extra_sets.append(f"{write.placeholder} = {write.value_placeholder}")
    upsert_values = []
    for extra in upserted:
        names[extra.placeholder] = extra.stored_name
        extra_sets.append(extra.clause)
        upsert_values.append((extra.value_placeholder, extra.origin))
    updated = []
    for attribute in entity.attributes:
        if attribute.auto == "updated" and touch:
            placeholder = placeholders.name(attribute.stored_name)
            names[placeholder] = attribute.stored_name
            extra_sets.append(f"{placeholder} = {ph.updated_value(attribute.name)}")
            updated.append((ph.updated_value(attribute.name), attribute.name))
    version = entity.version_attribute
    version_placeholder = None
    if version is not None and touch:
        version_placeholder = placeholders.name(version.stored_name)
        names[version_placeholder] = version.stored_name
        extra_sets.append(version_step(version_placeholder))
    key_placeholder = placeholders.name(entity.table.partition_key.name)
    if not upsert:  # the existence check (an upsert has none)
        names[key_placeholder] = entity.table.partition_key.name
    actions = (
        (*compiled.set_actions, *extra_sets),
        (*compiled.remove_actions, *extra_removes),
        compiled.add_actions,
        compiled.delete_actions,
    )
    expression = join_update(*actions)
    set_params = set_param_clauses(
        actions, condition, dict(compiled.params), param_types
    )
    constant = actions
    if set_params:
        taken_actions = {
            action
            for group in set_params
            for action in (*group.adds, *group.deletes, *(a for a, _ in group.sets))
        }
        sets, removes, adds, deletes = (
            tuple(a for a in clause if a not in taken_actions) for clause in actions
        )
        constant = (sets, removes, adds, deletes)
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
            f"{version_placeholder} = {ph.EXPECTED_VERSION})"
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
        fills=tuple(
            (ph.fill_name(i), ph.fill_value(i), name) for i, name in enumerate(fills)
        ),
        touch=touch,
        upsert=upsert,
        literals=literals,
        upsert_values=tuple(upsert_values),
        set_params=set_params,
        actions=constant,
        needs_version=any(
            origin.startswith("version:") for w in derived for _, origin in w.fields
        ),
    )


def offers_version(entity: Entity, update: DeclaredUpdate) -> bool:
    """Whether the method of ``update`` takes ``expected_version``: the entity is
    versioned and the update steps the version (``touch``)."""
    return entity.version_attribute is not None and update.touch


def declared_raises(entity: Entity, update: DeclaredUpdate) -> tuple[str, ...]:
    """The typed errors the method of ``update`` can raise, in the order its docstring
    names them: `NotFoundError` unless it is an upsert (which creates the item),
    `ConditionFailedError` only with a schema ``condition`` (existence and the version
    have their own errors), `VersionConflictError` when it takes ``expected_version``."""
    raises = [] if update.upsert else ["NotFoundError"]
    if update.condition is not None:
        raises.append("ConditionFailedError")
    if offers_version(entity, update):
        raises.append("VersionConflictError")
    return tuple(raises)


_NUMBERS = (ScalarType("int"), ScalarType("float"), ScalarType("decimal"))

_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")


def set_param_clauses(
    actions: tuple[tuple[str, ...], ...],
    condition: str | None,
    params: dict[str, str],
    param_types: dict[str, AttrType],
) -> tuple[SetParamClauses, ...]:
    """The set parameters that only ever stand alone as the value of ``ADD``/``DELETE``
    or ``SET path = :p``, with those clauses (see :class:`SetParamClauses`).

    A set parameter used anywhere else (a condition, a function) keeps the run-time
    ``ValueError`` for an empty set."""
    sets, _, adds, deletes = actions
    everything = [*(a for clause in actions for a in clause), condition or ""]
    groups = []
    for placeholder, param in sorted(params.items(), key=lambda kv: kv[0]):
        if not isinstance(param_types.get(param), SetType):
            continue
        mine_add = tuple(a for a in adds if a.endswith(" " + placeholder))
        mine_delete = tuple(a for a in deletes if a.endswith(" " + placeholder))
        mine_set = tuple(
            (a, a.removesuffix(" = " + placeholder))
            for a in sets
            if a.endswith(" = " + placeholder)
        )
        mine = {*mine_add, *mine_delete, *(a for a, _ in mine_set)}
        rest = [text for text in everything if text not in mine]
        if any(placeholder in _PLACEHOLDER.findall(text) for text in rest) or any(
            placeholder in _PLACEHOLDER.findall(a.rsplit(" ", 1)[0]) for a in mine
        ):
            continue
        kept = {n for text in rest for n in _PLACEHOLDER.findall(text)}
        kept |= {n for _, path in mine_set for n in _PLACEHOLDER.findall(path)}
        dropped = sorted(
            {
                n
                for a in (*mine_add, *mine_delete)
                for n in _PLACEHOLDER.findall(a)
                if n.startswith("#") and n not in kept
            },
            key=_placeholder_order,
        )
        groups.append(
            SetParamClauses(
                param=param,
                value_placeholder=placeholder,
                adds=mine_add,
                deletes=mine_delete,
                sets=mine_set,
                dropped_names=tuple(dropped),
            )
        )
    return tuple(groups)


@dataclass(frozen=True, slots=True)
class UpsertWrite:
    """A SET action an upsert adds so that a new item is whole."""

    placeholder: str  # the attribute's name placeholder
    stored_name: str
    clause: str  # "#n3 = if_not_exists(#n3, :__u0)"
    value_placeholder: str
    origin: str  # "type", "key:<attr>", "now:<attr>", "default:<attr>" or "one:<attr>"


def upsert_writes(
    entity: Entity, compiled: CompiledUpdate, placeholders: Placeholders, touch: bool
) -> tuple[list[UpsertWrite], list[DerivedKeyWrite]] | Located:
    """What an upsert writes besides the update so that a new item is whole: the type
    attribute, key fields, ``auto`` times, the version and defaults (the last ones
    through ``if_not_exists``, which keeps an existing item's), and each derived key the
    update does not rewrite, as a new item would have it (also ``if_not_exists``)."""
    written = {*compiled.writes, *compiled.removes}
    key_fields = {a.name for a in entity.key_fields}
    writes: list[UpsertWrite] = []
    new_item: dict[str, Known] = {}

    def add(stored_name: str, origin: str, keep: bool) -> None:
        placeholder = placeholders.name(stored_name)
        value = ph.upsert_value(len(writes))
        clause = (
            f"{placeholder} = if_not_exists({placeholder}, {value})"
            if keep
            else f"{placeholder} = {value}"
        )
        writes.append(UpsertWrite(placeholder, stored_name, clause, value, origin))

    add(entity.table.type_attribute, "type", False)
    table_keys = {k.name for k in entity.table.key_attributes}
    for attribute in entity.attributes:
        name = attribute.name
        if name in written or attribute.stored_name in table_keys:
            continue  # a plain table key attribute is written by the Key itself
        if name in key_fields:
            add(attribute.stored_name, f"key:{name}", False)
        elif attribute.auto is not None:
            new_item[name] = "now"
            if attribute.auto == "created" or not touch:
                add(attribute.stored_name, f"now:{name}", True)
        elif attribute.version:
            new_item[name] = "one"
            if not touch:
                add(attribute.stored_name, f"one:{name}", True)
        elif attribute.optional:
            new_item[name] = "absent"
        elif attribute.has_default:
            new_item[name] = "default"
            add(attribute.stored_name, f"default:{name}", True)
        else:
            return Located(
                "update",
                0,
                f"this upsert does not set required attribute '{name}', which has no "
                "default, so a new item would lack it",
                f"set '{name}' in the update, give it a default, or drop `upsert`",
            )
    if touch and entity.version_attribute is not None:
        new_item[entity.version_attribute.name] = "version"
    rewritten = set(touched_fields(entity, compiled, touch))
    known = field_knowledge(entity, new_item)
    kept: list[DerivedKeyWrite] = []
    for group in derived_groups(entity):
        if rewritten & set(group.depends_on):
            continue
        for key in group.keys:
            if any(known[f] == "unknown" for f in key.depends_on):
                continue  # written by the update's own fields: cannot happen
            present = not key.presence or any(
                all(known[f] != "absent" for f in alternative)
                for alternative in key.presence
            )
            if present:
                kept.append(
                    key_write(
                        key,
                        placeholders.name(key.name),
                        ph.upsert_key_value(len(kept)),
                        known,
                        keep=True,
                    )
                )
    return writes, kept


def touched_fields(entity: Entity, compiled: CompiledUpdate, touch: bool) -> list[str]:
    stepped = list(stepped_fields(entity)) if touch else []
    return [
        *dict(compiled.assignments),
        *compiled.removes,
        *compiled.computed,
        *stepped,
    ]


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
    params = {f: p for f, p in assigned.items() if known[f] == "given"}
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
            what = (
                f"steps '{cause}' (the repository does on every write)"
                if cause in stepped
                else f"changes '{cause}'"
            )
            return Located(
                "update",
                max(text.find(cause), 0) if cause not in stepped else 0,
                f"this update {what}, which index key {_listed(group.names)} is built "
                f"from, but not {', '.join(repr(m) for m in missing)}",
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
            value = ph.derived_write_value(len(writes))
            writes.append(key_write(key, placeholder, value, known, params))
    return writes


def key_write(
    key: DerivedKey,
    placeholder: str,
    value_placeholder: str,
    known: Mapping[str, Known],
    params: Mapping[str, str] | None = None,
    *,
    keep: bool = False,
) -> DerivedKeyWrite:
    """How a write sets derived key ``key``: where each field of its template comes
    from, by what the write knows of it (``params``: the schema parameter a declared
    update assigns a ``given`` field from; without one, ``given:<field>`` is the
    generic ``update``'s argument for it)."""
    params = params or {}
    fields = tuple(
        (f, f"param:{params[f]}" if f in params else f"{known[f]}:{f}")
        for f in key.fields
    )
    return DerivedKeyWrite(key.source, placeholder, value_placeholder, fields, keep)


def version_step(placeholder: str) -> str:
    """The SET action that steps the version (from 0 for an item stored without one)."""
    return f"{placeholder} = if_not_exists({placeholder}, {ph.ZERO}) + {ph.ONE}"


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)


# -- the generic update ---------------------------------------------------------------


def updatable(entity: Entity) -> tuple[Attribute, ...]:
    """The attributes the generic ``update`` takes an argument for: every one an update
    may write (:func:`forbidden_writes`) that is not itself a table key attribute."""
    forbidden = forbidden_writes(entity)
    plain_keys = {s.plain for s in entity.primary_sources if s.plain is not None}
    return tuple(
        a
        for a in entity.attributes
        if a.name not in forbidden and a.name not in plain_keys
    )


@dataclass(frozen=True, slots=True)
class UpdateArgument:
    """One keyword argument of the generic ``update``: an attribute it may set (given),
    leave (``UNSET``) or remove (``None`` for an optional one; an empty set, which
    DynamoDB cannot store)."""

    attribute: Attribute
    name_placeholder: str
    value_placeholder: str

    @property
    def removable(self) -> bool:
        return self.attribute.optional

    @property
    def empty_removes(self) -> bool:
        return isinstance(self.attribute.type, SetType)


@dataclass(frozen=True, slots=True)
class RewriteCheck:
    """A ``ValueError`` before any request: raised when any of ``fields`` (arguments) is
    left ``UNSET``, or, with no fields, when ``expected_version`` is not given."""

    fields: tuple[str, ...]
    message: str


@dataclass(frozen=True, slots=True)
class GroupRewrite:
    """How the generic ``update`` keeps one derived group in step: on a call giving any
    of ``rule.triggers`` (or every call, ``rule.always``) it raises ``impossible`` when
    set, else runs ``checks`` and writes each key whose presence holds (see
    :class:`~dynagen.model.derived.DerivedKey`) and removes the others."""

    rule: UpdateRewrite
    impossible: str | None
    checks: tuple[RewriteCheck, ...]
    writes: tuple[tuple[DerivedKey, DerivedKeyWrite], ...]


@dataclass(frozen=True, slots=True)
class StampWrite:
    """An ``auto: updated`` time every update sets to the repository's clock."""

    attribute: Attribute
    name_placeholder: str
    value_placeholder: str

    @property
    def clause(self) -> str:
        return f"{self.name_placeholder} = {self.value_placeholder}"


@dataclass(frozen=True, slots=True)
class GenericUpdate:
    """The generic ``update`` of an entity's repository, decided from the entity: what it
    may set, which derived index keys it rewrites, what it steps and what it raises.

    Its request names attributes by stored name (``placeholders.attribute_name``), as
    the repository's other requests without a compiled expression do."""

    key_attribute: str  # the table's partition key: the existence check
    key_placeholder: str
    arguments: tuple[UpdateArgument, ...]
    rewrites: tuple[GroupRewrite, ...]
    stamps: tuple[StampWrite, ...]
    version: Attribute | None
    version_placeholder: str  # "" without a version
    raises: tuple[str, ...]

    @property
    def writes_without_arguments(self) -> bool:
        """Whether every call writes something (a version step or an updated time)."""
        return self.version is not None or bool(self.stamps)

    @property
    def version_step(self) -> str:
        return version_step(self.version_placeholder)


def generic_update(entity: Entity) -> GenericUpdate:
    """The generic ``update`` of ``entity`` (see :class:`GenericUpdate`)."""
    arguments = updatable(entity)
    version = entity.version_attribute
    pk = entity.table.partition_key.name
    return GenericUpdate(
        key_attribute=pk,
        key_placeholder=ph.attribute_name(pk),
        arguments=tuple(
            UpdateArgument(
                a, ph.attribute_name(a.stored_name), ph.argument_value(a.name)
            )
            for a in arguments
        ),
        rewrites=tuple(
            group_rewrite(entity, rule)
            for rule in update_rewrites(entity, [a.name for a in arguments])
        ),
        stamps=tuple(
            StampWrite(a, ph.attribute_name(a.stored_name), ph.updated_value(a.name))
            for a in entity.attributes
            if a.auto == "updated"
        ),
        version=version,
        version_placeholder=ph.attribute_name(version.stored_name) if version else "",
        raises=("NotFoundError", "VersionConflictError")
        if version
        else ("NotFoundError",),
    )


def group_rewrite(entity: Entity, rule: UpdateRewrite) -> GroupRewrite:
    """The checks and writes of one group the generic ``update`` rewrites."""
    where = f"{entity.name}.update"
    names = rule.group.names
    listed = ", ".join(repr(n) for n in names)
    built = "is" if len(names) == 1 else "are"
    impossible = None
    if rule.unknown:
        impossible = (
            f"{where}: {listed} cannot be rewritten without "
            f"{', '.join(rule.unknown)}, which only the stored item holds; "
            "write the whole item with put"
        )
    checks = []
    if len(rule.required) > 1 or (rule.required and rule.always):
        checks.append(
            RewriteCheck(
                rule.required,
                f"{where}: {listed} {built} built from {', '.join(rule.required)}; "
                "give all of them to change any",
            )
        )
    if rule.needs_version:
        checks.append(
            RewriteCheck(
                (),
                f"{where}: {listed} {built} built from the version; give expected_version",
            )
        )
    stepped = stepped_fields(entity)
    known = field_knowledge(
        entity, {**dict.fromkeys(rule.triggers, "given"), **stepped}
    )
    key_fields = {a.name for a in entity.key_fields}
    assert not (set(rule.required) & key_fields)
    writes = tuple(
        (
            key,
            key_write(
                key, ph.attribute_name(key.name), ph.derived_value(key.name), known
            ),
        )
        for key in rule.group.keys
    )
    return GroupRewrite(rule, impossible, tuple(checks), writes)
