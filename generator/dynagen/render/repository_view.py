"""The view of ``<entity>_repository.py``: every method's arguments and request parts.

Placeholders: an attribute's ``ExpressionAttributeNames`` placeholder is ``#`` followed by
its stored name when that is a plain word, else ``#n`` and a digest of the name, so one
placeholder always means one stored name. Value placeholders of attributes are ``:v_`` and
the attribute's name; the repository's own values start with ``:__`` (``:__u_<name>`` for
an ``auto: updated`` time, ``:__k_<name>`` for a derived key), so no attribute name, not
even ``__one``, can take the placeholder of another value.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from dynagen.model.derived import update_rewrites
from dynagen.model.literals import LiteralValue
from dynagen.model.naming import enum_member_name, isort_key, snake_case
from dynagen.model.queries import sent_filter
from dynagen.model.schema import (
    Attribute,
    Bound,
    DeclaredUpdate,
    Entity,
    Index,
    KeyCondition,
    Parameter,
    QueryPlan,
)
from dynagen.model.templates import TemplateField
from dynagen.model.types import (
    AttrType,
    EnumType,
    ListType,
    MapType,
    NamedType,
    ScalarType,
    SetType,
)
from dynagen.render import codecs
from dynagen.render.imports import import_block
from dynagen.render.models_view import (
    default_value,
    literal,
    projection_class,
    template_expression,
)

_WORD = re.compile(r"[A-Za-z0-9_]+")


def name_placeholder(stored_name: str) -> str:
    if _WORD.fullmatch(stored_name):
        return f"#{stored_name}"
    return "#n" + hashlib.sha256(stored_name.encode()).hexdigest()[:8]


def value_placeholder(name: str) -> str:
    return f":v_{name}"


@dataclass(frozen=True, slots=True)
class UpdateArgView:
    """One keyword argument of ``update``: an attribute that may be set or removed."""

    py_name: str
    annotation: str  # e.g. "str | None | rt.Unset"
    name_placeholder: str
    stored_name: str
    set_clause: str  # "#email = :email"
    value_placeholder: str
    encode: str  # wire value of the argument (narrowed to its type)
    removable: bool  # None removes it (optional attributes)
    empty_removes: bool  # an empty set removes it (DynamoDB stores no empty set)


@dataclass(frozen=True, slots=True)
class DerivedWriteView:
    """One derived key attribute a write sets (when ``presence`` holds) or removes."""

    attribute: str  # physical attribute name
    name_placeholder: str
    value_placeholder: str
    expression: str  # wire value
    presence: str  # Python condition under which the item has it; "" for always


@dataclass(frozen=True, slots=True)
class DerivedGroupView:
    """A group of derived key attributes ``update`` rewrites together."""

    trigger: str  # Python condition: the call rewrites the group; "" for every call
    # (condition, message): a ValueError when the condition holds
    checks: tuple[tuple[str, str], ...]
    impossible: str  # a ValueError message when the group cannot be rewritten at all
    keys: tuple[DerivedWriteView, ...]


@dataclass(frozen=True, slots=True)
class SetParamView:
    """A set parameter a declared update writes as it is: its clauses, kept or left out
    at run time by whether the set is empty (see ``model.schema.SetParamClauses``)."""

    py_name: str
    value_placeholder: str
    encode: str  # its wire value (only evaluated for a non-empty set)
    adds: tuple[str, ...]
    deletes: tuple[str, ...]
    sets: tuple[str, ...]
    removes: tuple[str, ...]  # the SET paths, removed for an empty set
    dropped_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeclaredUpdateView:
    """A method for one ``updates:`` entry: constant request text, values to fill in."""

    py_name: str
    params: tuple[tuple[str, str], ...]  # (py_name, annotation)
    summary: str
    doc: str | None
    names: tuple[tuple[str, str], ...]  # (placeholder, Python expression)
    expression: str
    condition: str  # existence and the schema's condition, compiled
    values: tuple[tuple[str, str], ...]  # (placeholder, wire value expression)
    version_placeholder: str | None
    uses_clock: bool
    needs_version: str  # a ValueError message when expected_version is not given
    offers_version: bool  # takes expected_version (a versioned entity, `touch`)
    upsert: bool  # creates a missing item
    fill_expression: str  # "SET #f0 = if_not_exists(#f0, :f0)": defaults it writes into
    fill_names: tuple[tuple[str, str], ...]
    fill_values: tuple[tuple[str, str], ...]  # (placeholder, wire value expression)
    between: tuple[tuple[str, str], ...] = ()  # (low, high) placeholders to check
    set_params: tuple[SetParamView, ...] = ()  # with any, the expression is joined
    # at run time from these constant actions (SET, REMOVE, ADD, DELETE) and them
    actions: tuple[tuple[str, ...], ...] = ()
    may_be_empty: bool = False  # every action is a set parameter's ADD/DELETE


@dataclass(frozen=True, slots=True)
class ViewMethodView:
    """``get_<view>``: a GetItem reading only the view's attributes."""

    py_name: str
    class_name: str
    decode: str
    projection: str
    names: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class RepositoryView:
    entity: str
    snake: str
    table_id: str
    key_params: str  # "customer_id: str, ..."
    key_args: str  # "customer_id=customer_id, ..."
    key_args_from_new: str  # "customer_id=new.customer_id, ..."
    key_args_from_key: str  # "customer_id=key.customer_id, ..."
    key_names: tuple[str, ...]  # the table's key attributes
    key_placeholder: str  # placeholder of the table's partition key attribute
    key_stored_name: str
    version: Attribute | None
    version_placeholder: str
    auto_created: tuple[Attribute, ...]
    auto_updated: tuple[Attribute, ...]
    update_args: tuple[UpdateArgView, ...]
    derived_groups: tuple[DerivedGroupView, ...]
    updated_clauses: tuple[tuple[str, str, str, str, str], ...]
    # (placeholder, stored name, clause, value placeholder, wire value of ``_now``)
    models_imports: tuple[str, ...]
    declared_updates: tuple[DeclaredUpdateView, ...]
    reads: tuple[ReadMethodView, ...]
    views: tuple[ViewMethodView, ...]
    scan_type_filter: bool  # the table holds other entities: scans filter on the type
    type_attribute: str
    imports: tuple[str, ...]  # standard-library import lines, as the code needs

    @property
    def has_writes_without_arguments(self) -> bool:
        """Whether every update writes something (a version step or an updated time)."""
        return self.version is not None or bool(self.auto_updated)


def repository_view(entity: Entity) -> RepositoryView:
    key_fields = entity.key_fields
    key_params = ", ".join(
        f"{a.py_name}: {codecs.annotation(a.type)}" for a in key_fields
    )
    key_args = ", ".join(f"{a.py_name}={a.py_name}" for a in key_fields)
    key_args_from_new = ", ".join(
        f"{a.py_name}=rt.required(new.{a.py_name}, {literal(entity.name + '.' + a.name)})"
        if a.nullable
        else f"{a.py_name}=new.{a.py_name}"
        for a in key_fields
    )
    key_names = {a.name for a in key_fields}
    plain_keys = {s.plain for s in entity.primary_sources if s.plain is not None}
    updatable = [
        a
        for a in entity.attributes
        if a.name not in key_names
        and a.name not in plain_keys
        and not a.version
        and a.auto is None
    ]
    version = entity.version_attribute
    auto_updated = tuple(a for a in entity.attributes if a.auto == "updated")
    updated_clauses = tuple(
        (
            name_placeholder(a.stored_name),
            a.stored_name,
            f"{name_placeholder(a.stored_name)} = :__u_{a.name}",
            f":__u_{a.name}",
            codecs.encode(a.type, "_now", literal(f"{entity.name}.{a.name}")),
        )
        for a in auto_updated
    )
    pk = entity.table.partition_key.name
    update_args = tuple(update_arg(entity, a) for a in updatable)
    derived = update_derived_groups(entity, [a.name for a in updatable])
    declared = tuple(declared_update_view(entity, u) for u in entity.updates)
    reads = read_methods(entity)
    code = " ".join(
        [key_params]
        + [f"{a.annotation} {a.encode}" for a in update_args]
        + [k.expression for g in derived for k in g.keys]
        + [f"{p} {v}" for u in declared for _, p in u.params for _, v in u.values]
        + [v for u in declared for _, v in u.values]
        + [f"{p} {v}" for r in reads for _, p in r.params for _, v in r.values]
        + [v for r in reads for _, v in r.values]
        + [f"{r.item_class} {r.decode}" for r in reads]
        + [f"{v.class_name} decode_{snake_case(v.class_name)}" for v in entity.views]
    )
    words = set(re.findall(r"(?<![.\w])([A-Za-z_][A-Za-z0-9_]*)", code))
    exported = model_exports(entity)
    models_imports = sorted(
        {entity.name, f"{entity.name}Key", f"{entity.snake}_key_item"}
        | {f"decode_{entity.snake}", f"encode_{entity.snake}"}
        | (words & exported),
        key=isort_key,
    )
    scalar_imports = {
        line for a in entity.attributes for line in codecs.scalar_imports(a.type)
    }
    return RepositoryView(
        entity=entity.name,
        snake=entity.snake,
        table_id=entity.table.id,
        key_params=key_params,
        key_args=key_args,
        key_args_from_new=key_args_from_new,
        key_args_from_key=", ".join(f"{a.py_name}=key.{a.py_name}" for a in key_fields),
        key_names=tuple(k.name for k in entity.table.key_attributes),
        key_placeholder=name_placeholder(pk),
        key_stored_name=pk,
        version=version,
        version_placeholder=name_placeholder(version.stored_name) if version else "",
        auto_created=tuple(a for a in entity.attributes if a.auto == "created"),
        auto_updated=auto_updated,
        update_args=update_args,
        derived_groups=derived,
        updated_clauses=updated_clauses,
        models_imports=tuple(models_imports),
        declared_updates=declared,
        reads=reads,
        views=tuple(
            ViewMethodView(
                py_name=f"get_{v.name}",
                class_name=v.class_name,
                decode=f"decode_{snake_case(v.class_name)}",
                projection=", ".join(
                    f"#r{i}" for i in range(len(projection_names(entity, v.attributes)))
                ),
                names=tuple(
                    (f"#r{i}", n)
                    for i, n in enumerate(projection_names(entity, v.attributes))
                ),
            )
            for v in entity.views
        ),
        scan_type_filter=entity.table_shared,
        type_attribute=entity.table.type_attribute,
        imports=import_block(
            [
                "from collections.abc import Callable, Sequence",
                "from dataclasses import replace",
                "from datetime import datetime",
                "from typing import Any",
            ]
            + [line for line in scalar_imports if line.split()[-1] in words]
        ),
    )


def model_exports(entity: Entity) -> set[str]:
    """Names ``models.py`` defines that an entity's repository code may mention."""
    names: set[str] = set()

    def visit(attr_type: AttrType) -> None:
        if isinstance(attr_type, EnumType):
            names.add(attr_type.name)
        elif isinstance(attr_type, NamedType):
            names.update({attr_type.name, f"encode_{snake_case(attr_type.name)}"})
        elif isinstance(attr_type, ListType | SetType):
            visit(attr_type.item)
        elif isinstance(attr_type, MapType):
            visit(attr_type.value)

    for attribute in entity.attributes:
        visit(attribute.type)
    for view in entity.views:
        names.update({view.class_name, f"decode_{snake_case(view.class_name)}"})
    for query in entity.queries:
        if query.index is not None and query.index.projection != "ALL":
            name = projection_class(entity, query.index)
            names.update({name, f"decode_{snake_case(name)}"})
    return names


def update_arg(entity: Entity, attribute: Attribute) -> UpdateArgView:
    annotation = codecs.annotation(attribute.type)
    removable = attribute.optional
    full = (
        f"{annotation} | rt.Unset | None" if removable else f"{annotation} | rt.Unset"
    )
    placeholder = name_placeholder(attribute.stored_name)
    value = value_placeholder(attribute.name)
    return UpdateArgView(
        py_name=attribute.py_name,
        annotation=full,
        name_placeholder=placeholder,
        stored_name=attribute.stored_name,
        set_clause=f"{placeholder} = {value}",
        value_placeholder=value,
        encode=codecs.encode(
            attribute.type,
            attribute.py_name,
            literal(f"{entity.name}.{attribute.name}"),
        ),
        removable=removable,
        empty_removes=isinstance(attribute.type, SetType),
    )


def derived_value_placeholder(attribute: str) -> str:
    """The value placeholder of a derived key attribute in ``update``."""
    if _WORD.fullmatch(attribute):
        return f":__k_{attribute}"
    return ":__k" + name_placeholder(attribute)[1:]


def update_derived_groups(
    entity: Entity, arguments: list[str]
) -> tuple[DerivedGroupView, ...]:
    """How ``update`` keeps derived key attributes in step (the model's rule)."""
    by_name = {a.name: a for a in entity.attributes}
    key_fields = {a.name for a in entity.key_fields}
    where_method = f"{entity.name}.update"

    def variable(name: str) -> str:
        attribute = by_name[name]
        if attribute.version:
            return "(expected_version + 1)"
        if attribute.auto == "updated":
            return "_now"
        return attribute.py_name

    def text_of(field: TemplateField) -> str:
        attribute = by_name[field.name]
        where = literal(f"{entity.name}.{attribute.name}")
        if field.width is not None:
            return (
                f"rt.format_padded_int({variable(field.name)}, {field.width}, {where})"
            )
        return codecs.encode_text(attribute.type, variable(field.name), where)

    views = []
    for rewrite in update_rewrites(entity, arguments):
        names = rewrite.group.names
        listed = ", ".join(repr(n) for n in names)
        checks: list[tuple[str, str]] = []
        impossible = ""
        if rewrite.unknown:
            impossible = (
                f"{where_method}: {listed} cannot be rewritten without "
                f"{', '.join(rewrite.unknown)}, which only the stored item holds; "
                "write the whole item with put"
            )
        required = [by_name[f].py_name for f in rewrite.required]
        if len(required) > 1 or (required and rewrite.always):
            checks.append(
                (
                    " or ".join(f"{p} is rt.UNSET" for p in required),
                    f"{where_method}: {listed} {'is' if len(names) == 1 else 'are'} "
                    f"built from {', '.join(rewrite.required)}; give all of them to "
                    "change any",
                )
            )
        if rewrite.needs_version:
            checks.append(
                (
                    "expected_version is None",
                    f"{where_method}: {listed} {'is' if len(names) == 1 else 'are'} "
                    "built from the version; give expected_version",
                )
            )
        keys = tuple(
            DerivedWriteView(
                attribute=key.name,
                name_placeholder=name_placeholder(key.name),
                value_placeholder=derived_value_placeholder(key.name),
                expression=f'{{"S": {template_expression(key.template, text_of)}}}',
                presence=" or ".join(
                    f"({c})" if len(key.presence) > 1 else c
                    for c in (
                        " and ".join(
                            f"{by_name[f].py_name} is not None" for f in alternative
                        )
                        for alternative in key.presence
                    )
                ),
            )
            for key in rewrite.group.keys
        )
        assert not (set(rewrite.required) & key_fields)
        views.append(
            DerivedGroupView(
                trigger=""
                if rewrite.always
                else " or ".join(
                    f"{by_name[f].py_name} is not rt.UNSET" for f in rewrite.triggers
                ),
                checks=tuple(checks),
                impossible=impossible,
                keys=keys,
            )
        )
    return tuple(views)


def declared_update_view(entity: Entity, update: DeclaredUpdate) -> DeclaredUpdateView:
    by_name = {a.name: a for a in entity.attributes}
    where = f"{entity.name}.{update.name}"
    values: list[tuple[str, str]] = []
    params = {p.name: p for p in update.params}
    literals = {literal.name: literal for literal in update.literals}
    for placeholder, param in update.values:
        values.append((placeholder, param_wire(param, params, literals, where)))
    for placeholder, attribute_name in update.defaults:
        attribute = by_name[attribute_name]
        default = default_value(attribute)
        values.append(
            (
                placeholder,
                codecs.encode(
                    attribute.type, default, literal(f"{where}.{attribute_name}")
                ),
            )
        )
    for write in update.derived:
        if write.value_placeholder is None or write.source.template is None:
            continue
        fields = dict(write.fields)

        def text_of(field: TemplateField, fields: dict[str, str] = fields) -> str:
            origin, name = fields[field.name].split(":", 1)
            attribute = by_name[field.name]
            variable = {
                "param": (
                    literal_expression(literals[name])
                    if name in literals
                    else params[name].py_name
                )
                if origin == "param"
                else "",
                "now": "_now",
                "version": "(expected_version + 1)",
                "one": "1",
                "default": default_value(attribute),
            }.get(origin, attribute.py_name)
            field_where = literal(f"{entity.name}.{attribute.name}")
            if field.width is not None:
                return f"rt.format_padded_int({variable}, {field.width}, {field_where})"
            return codecs.encode_text(attribute.type, variable, field_where)

        values.append(
            (
                write.value_placeholder,
                f'{{"S": {template_expression(write.source.template, text_of)}}}',
            )
        )
    for placeholder, origin in update.upsert_values:
        values.append((placeholder, upsert_value(entity, origin, where)))
    for placeholder, attribute_name in update.updated:
        attribute = by_name[attribute_name]
        values.append(
            (
                placeholder,
                codecs.encode(
                    attribute.type, "_now", literal(f"{where}.{attribute_name}")
                ),
            )
        )
    if update.version_placeholder is not None:
        values += [(":__zero", '{"N": "0"}'), (":__one", '{"N": "1"}')]
    fill_values = []
    for _, placeholder, attribute_name in update.fills:
        attribute = by_name[attribute_name]
        fill_values.append(
            (
                placeholder,
                codecs.encode(
                    attribute.type,
                    default_value(attribute),
                    literal(f"{where}.{attribute_name}"),
                ),
            )
        )
    fill_names = [(name, by_name[a].stored_name) for name, _, a in update.fills]
    fill_names.append(("#f", entity.table.partition_key.name))
    checks = [] if update.upsert else [f"attribute_exists({update.key_placeholder})"]
    if update.condition is not None:
        checks.append(f"({update.condition})" if checks else update.condition)
    condition = " AND ".join(checks)
    wire = dict(values)
    set_params = tuple(
        SetParamView(
            py_name=params[group.param].py_name,
            value_placeholder=group.value_placeholder,
            encode=wire[group.value_placeholder],
            adds=group.adds,
            deletes=group.deletes,
            sets=tuple(action for action, _ in group.sets),
            removes=tuple(path for _, path in group.sets),
            dropped_names=group.dropped_names,
        )
        for group in update.set_params
    )
    optional = {group.value_placeholder for group in set_params}
    values = [(p, v) for p, v in values if p not in optional]
    summary = f"``{update.source}``"
    if update.condition_source is not None:
        summary += f" if ``{update.condition_source}``"
    return DeclaredUpdateView(
        py_name=update.py_name,
        params=tuple((p.py_name, codecs.annotation(p.type)) for p in update.params),
        summary=summary,
        doc=update.doc,
        names=tuple(
            (
                placeholder,
                f"rt.map_key({params[stored[1:-1]].py_name}, "
                f"{literal(where + '.' + stored[1:-1])})"
                if stored.startswith("{")
                else literal(stored),
            )
            for placeholder, stored in update.names
        ),
        expression=update.update_expression,
        condition=condition,
        values=tuple(values),
        version_placeholder=update.version_placeholder,
        between=update.between,
        set_params=set_params,
        actions=update.actions if set_params else (),
        may_be_empty=bool(set_params)
        and not any(update.actions)
        and not any(group.sets for group in set_params),
        uses_clock=bool(update.updated)
        or any(o.startswith("now:") for _, o in update.upsert_values)
        or any(o.startswith("now:") for w in update.derived for _, o in w.fields),
        offers_version=entity.version_attribute is not None and update.touch,
        upsert=update.upsert,
        fill_expression="SET "
        + ", ".join(f"{n} = if_not_exists({n}, {v})" for n, v, _ in update.fills)
        if update.fills
        else "",
        fill_names=tuple(fill_names),
        fill_values=tuple(fill_values),
        needs_version=(
            f"{where}: an index key is built from the version; give expected_version"
            if update.needs_version
            else ""
        ),
    )


def param_wire(
    name: str,
    params: dict[str, Parameter],
    literals: dict[str, LiteralValue],
    where: str,
) -> str:
    """The wire value of a parameter of an expression: the method's argument, or the
    constant of a literal."""
    if name in literals:
        value = literals[name]
        return codecs.encode(
            value.type, literal_expression(value), literal(f"{where}.{value.text}")
        )
    parameter = params[name]
    return codecs.encode(parameter.type, parameter.py_name, literal(f"{where}.{name}"))


def literal_expression(value: LiteralValue) -> str:
    """A literal of an expression as a Python value of its type."""
    text, t = value.text, value.type
    if text in ("true", "false"):
        return "True" if text == "true" else "False"
    if text.startswith("'"):
        if isinstance(t, EnumType):
            return f"{t.name}.{enum_member_name(text[1:-1])}"
        return literal(text[1:-1])
    if t == ScalarType("decimal"):
        return f"Decimal({literal(text)})"
    if t == ScalarType("float"):
        return repr(float(text))
    return str(int(text)) if "." not in text else text


def upsert_value(entity: Entity, origin: str, where: str) -> str:
    """The wire value of what an upsert writes for a new item (see the model's
    ``UpsertWrite.origin``)."""
    if origin == "type":
        return f'{{"S": {literal(entity.name)}}}'
    kind, name = origin.split(":", 1)
    attribute = entity.attribute(name)
    value = {
        "key": attribute.py_name,
        "now": "_now",
        "default": default_value(attribute),
        "one": "1",
    }[kind]
    return codecs.encode(attribute.type, value, literal(f"{where}.{name}"))


@dataclass(frozen=True, slots=True)
class ReadMethodView:
    """A method returning a ``Query`` (a declared query or scan, or ``scan``)."""

    py_name: str
    params: tuple[tuple[str, str], ...]  # (py_name, annotation)
    summary: str
    doc: str | None
    operation: str  # "Query" or "Scan"
    request: tuple[tuple[str, str], ...]  # (request key, Python expression)
    values: tuple[tuple[str, str], ...]  # (placeholder, wire value expression)
    item_class: str
    decode: str
    query_id: str
    digest_args: str
    between: tuple[tuple[str, str], ...] = ()  # (low, high) placeholders to check
    key_range: str | None = None  # the rt.KeyRange of a Query's key condition


def read_methods(entity: Entity) -> tuple[ReadMethodView, ...]:
    return tuple(query_method(entity, q) for q in entity.queries)


def query_method(entity: Entity, plan: QueryPlan) -> ReadMethodView:
    # A literal of the key condition stands where a parameter would, as its constant.
    params = {
        **{
            v.name: Parameter(v.name, literal_expression(v), v.type)
            for v in plan.literals
        },
        **{p.name: p for p in plan.params},
    }
    where_prefix = f"{entity.name}.{plan.name}"
    values: list[tuple[str, str]] = []
    conditions = [plan.partition, plan.sort]
    for placeholder, number in plan.key_values:
        condition = conditions[0] if number == 0 else conditions[1]
        assert condition is not None
        bound = condition.bounds[0 if number == 0 else number - 1]
        values.append(
            (
                placeholder,
                bound_expression(entity, condition, bound, params, where_prefix),
            )
        )
    literals = {literal.name: literal for literal in plan.literals}
    for placeholder, param in plan.values:
        values.append((placeholder, param_wire(param, params, literals, where_prefix)))
    names = dict(plan.names)
    filter_expression = sent_filter(plan, entity.table.type_attribute)
    if plan.key_prefix is not None:
        attribute, prefix = plan.key_prefix
        names["#kp"] = attribute
        values.append((":__kp", f'{{"S": {literal(prefix)}}}'))
    if plan.type_filter:
        values.append((":__type", f'{{"S": {literal(entity.name)}}}'))
    request: list[tuple[str, str]] = [("TableName", "self._table")]
    if plan.index is not None:
        request.append(("IndexName", literal(plan.index.name)))
    if plan.key_expression is not None:
        request.append(("KeyConditionExpression", literal(plan.key_expression)))
    if filter_expression is not None:
        request.append(("FilterExpression", literal(filter_expression)))
    item_class, decode = result_class(entity, plan)
    if plan.view is not None:
        view = next(v for v in entity.views if v.name == plan.view)
        projection = projection_names(entity, view.attributes, plan.index)
        start = len(names)
        for i, stored in enumerate(projection):
            names[f"#r{start + i}"] = stored
        request.append(
            (
                "ProjectionExpression",
                literal(", ".join(f"#r{start + i}" for i in range(len(projection)))),
            )
        )
    if names:
        request.append(("ExpressionAttributeNames", repr(dict(sorted(names.items())))))
    if values:
        request.append(("ExpressionAttributeValues", "_values"))
    if plan.descending:
        request.append(("ScanIndexForward", "False"))
    if plan.consistent:
        request.append(("ConsistentRead", "True"))
    summary = f"Query ``{plan.source}``" if plan.source else "Scan"
    if plan.index is not None:
        summary += f" on index `{plan.index.name}`"
    if plan.filter is not None:
        summary += " (filtered)"
    return ReadMethodView(
        py_name=plan.name,
        params=tuple((p.py_name, codecs.annotation(p.type)) for p in plan.params),
        summary=summary,
        doc=plan.doc,
        operation="Query" if plan.partition is not None else "Scan",
        request=tuple(request),
        values=tuple(values),
        item_class=item_class,
        decode=decode,
        query_id=f"{entity.name}.{plan.name}",
        digest_args=", ".join(p.py_name for p in plan.params),
        between=plan.between,
        key_range=codecs.key_range(plan.key_range) if plan.key_range else None,
    )


def projection_names(
    entity: Entity, attributes: tuple[str, ...], index: Index | None = None
) -> list[str]:
    """Stored names a view reads: the table key (the view's key fields are read back from
    it), plain key fields, and the view's attributes. On an index, a global index
    answers only for what it projects, so the key fields it does not project are left
    to the table key's text."""
    names = [k.name for k in entity.table.key_attributes]
    names += [a.stored_name for a in entity.key_fields]
    names += [entity.attribute(n).stored_name for n in attributes]
    projected = entity.table.projected_by(index) if index is not None else None
    if projected is not None:
        names = [n for n in names if n in projected]
    return list(dict.fromkeys(names))


def result_class(entity: Entity, plan: QueryPlan) -> tuple[str, str]:
    """The class a query returns and its decoder: entity, view or index projection."""
    if plan.view is not None:
        view = next(v for v in entity.views if v.name == plan.view)
        return view.class_name, f"decode_{snake_case(view.class_name)}"
    if plan.index is not None and plan.index.projection != "ALL":
        name = projection_class(entity, plan.index)
        return name, f"decode_{snake_case(name)}"
    return entity.name, f"decode_{entity.snake}"


def bound_expression(
    entity: Entity,
    condition: KeyCondition,
    bound: Bound,
    params: dict[str, Parameter],
    where_prefix: str,
) -> str:
    """The wire value of one key bound, from the query's parameters."""
    if condition.plain is not None:
        piece = bound[0]
        attribute = entity.attribute(condition.plain)
        assert piece.param is not None
        parameter = params[piece.param]
        return codecs.encode(
            parameter.type, parameter.py_name, literal(f"{where_prefix}.{piece.param}")
        )
    texts = []
    for piece in bound:
        if piece.field is None:
            texts.append(literal(piece.literal))
            continue
        assert piece.param is not None
        attribute = entity.attribute(piece.field)
        parameter = params[piece.param]
        where = literal(f"{where_prefix}.{piece.param}")
        variable = parameter.py_name
        if piece.step:
            extra = ", seconds=True" if attribute.type == ScalarType("epoch") else ""
            if piece.width is not None:
                extra += f", width={piece.width}"
            texts.append(f"rt.adjacent_text({variable}, {piece.step}, {where}{extra})")
        elif piece.width is not None:
            texts.append(f"rt.padded_bound({variable}, {piece.width}, {where})")
        elif parameter.type != attribute.type and parameter.type == ScalarType(
            "string"
        ):
            # begins_with on a non-string field takes a piece of its stored text.
            texts.append(f"rt.escape_key_text(rt.check_str({variable}, {where}))")
        else:
            texts.append(codecs.encode_text(attribute.type, variable, where))
    return f'{{"S": {" + ".join(texts) or literal("")}}}'
