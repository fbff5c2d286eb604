"""The writes of ``<entity>_repository.py``: the generic ``update`` and each declared
update, shaped for the template from the model's :class:`~dynagen.model.updates.
GenericUpdate` and :class:`~dynagen.model.schema.DeclaredUpdate`.

Every decision (what may be written, which index keys follow, the placeholders, what a
method raises) is the model's; this module only turns it into Python text, through one
:class:`~dynagen.render.references.References` that records the names the text uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model.expressions import placeholders as ph
from dynagen.model.literals import LiteralValue
from dynagen.model.schema import (
    DeclaredUpdate,
    DerivedKeyWrite,
    Entity,
    Parameter,
)
from dynagen.model.templates import TemplateField
from dynagen.model.updates import (
    GenericUpdate,
    GroupRewrite,
    UpdateArgument,
    declared_raises,
    offers_version,
)
from dynagen.render.python import literal, template_expression
from dynagen.render.references import References


@dataclass(frozen=True, slots=True)
class UpdateArgView:
    """One keyword argument of ``update``: an attribute that may be set or removed."""

    py_name: str
    annotation: str  # e.g. "str | None | rt.Unset"
    name_placeholder: str
    stored_name: str
    set_clause: str  # "#email = :v_email"
    value_placeholder: str
    encode: str  # wire value of the argument (narrowed to its type)
    removes_when: str  # Python condition under which the call removes it; "" never


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
class StampView:
    """An ``auto: updated`` time ``update`` sets: its placeholders and wire value."""

    name_placeholder: str
    stored_name: str
    clause: str
    value_placeholder: str
    encode: str  # wire value of ``_now``


@dataclass(frozen=True, slots=True)
class GenericUpdateView:
    """``update`` and ``_update_request``."""

    args: tuple[UpdateArgView, ...]
    derived_groups: tuple[DerivedGroupView, ...]
    stamps: tuple[StampView, ...]
    version_step: str  # the SET action stepping the version; "" without a version
    zero: str
    one: str
    writes_without_arguments: bool  # every call writes (a version step, a time)


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

    @property
    def given(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(list of actions, its clauses) the request adds for a non-empty set."""
        lists = (("_sets", self.sets), ("_adds", self.adds), ("_deletes", self.deletes))
        return tuple((name, actions) for name, actions in lists if actions)

    @property
    def empty(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(list of actions, its clauses) the request adds for an empty set."""
        return (("_removes", self.removes),) if self.removes else ()


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
    outcomes: tuple[str, ...]  # the docstring's sentences after "Returns the new item."
    upsert: bool  # creates a missing item
    fill_expression: str  # "SET #f0 = if_not_exists(#f0, :f0)": defaults it writes into
    fill_names: tuple[tuple[str, str], ...]
    fill_values: tuple[tuple[str, str], ...]  # (placeholder, wire value expression)
    between: tuple[tuple[str, str], ...] = ()  # (low, high) placeholders to check
    set_params: tuple[SetParamView, ...] = ()  # with any, the expression is joined
    # at run time from these constant actions (SET, REMOVE, ADD, DELETE) and them
    actions: tuple[tuple[str, ...], ...] = ()
    may_be_empty: bool = False  # every action is a set parameter's ADD/DELETE


#: How a method's docstring names each typed error it can raise.
RAISES_DOC = {
    "NotFoundError": "`NotFoundError` if there is no such item",
    "ConditionFailedError": (
        "`ConditionFailedError` (with the stored ``item``) if the condition fails"
    ),
    "VersionConflictError": (
        "`VersionConflictError` if ``expected_version`` is given and differs"
    ),
}


def where_literal(owner: str, name: str) -> str:
    """The ``where`` argument of a run-time check: ``"<owner>.<name>"``."""
    return literal(f"{owner}.{name}")


def derived_text(
    refs: References,
    entity: Entity,
    write: DerivedKeyWrite,
    params: dict[str, Parameter] | None = None,
    literals: dict[str, LiteralValue] | None = None,
) -> str:
    """The wire value of a derived key a write sets: its template over the fields'
    values, each taken from where the model says (``write.fields``)."""
    fields = dict(write.fields)
    params = params or {}
    literals = literals or {}

    def text_of(field: TemplateField) -> str:
        origin, name = fields[field.name].split(":", 1)
        attribute = entity.attribute(field.name)
        if origin == "param":
            variable = (
                refs.literal_value(literals[name])
                if name in literals
                else params[name].py_name
            )
        elif origin == "now":
            variable = "_now"
        elif origin == "version":
            variable = "(expected_version + 1)"
        elif origin == "one":
            variable = "1"
        elif origin == "default":
            variable = refs.default(attribute)
        else:  # the key argument, or the generic update's argument
            variable = attribute.py_name
        where = where_literal(entity.name, attribute.name)
        if field.width is not None:
            return f"rt.format_padded_int({variable}, {field.width}, {where})"
        return refs.encode_text(attribute.type, variable, where)

    assert write.source.template is not None
    return f'{{"S": {template_expression(write.source.template, text_of)}}}'


def generic_update_view(
    refs: References, entity: Entity, update: GenericUpdate
) -> GenericUpdateView:
    return GenericUpdateView(
        args=tuple(update_arg(refs, entity, a) for a in update.arguments),
        derived_groups=tuple(
            derived_group(refs, entity, rewrite) for rewrite in update.rewrites
        ),
        stamps=tuple(
            StampView(
                s.name_placeholder,
                s.attribute.stored_name,
                s.clause,
                s.value_placeholder,
                refs.encode(
                    s.attribute.type,
                    "_now",
                    where_literal(entity.name, s.attribute.name),
                ),
            )
            for s in update.stamps
        ),
        version_step=update.version_step if update.version else "",
        zero=ph.ZERO,
        one=ph.ONE,
        writes_without_arguments=update.writes_without_arguments,
    )


def update_arg(
    refs: References, entity: Entity, argument: UpdateArgument
) -> UpdateArgView:
    attribute = argument.attribute
    annotation = refs.annotation(attribute.type)
    py = attribute.py_name
    if argument.empty_removes:
        removes_when = f"not {py}"
    elif argument.removable:
        removes_when = f"{py} is None"
    else:
        removes_when = ""
    return UpdateArgView(
        py_name=py,
        annotation=f"{annotation} | rt.Unset | None"
        if argument.removable
        else f"{annotation} | rt.Unset",
        name_placeholder=argument.name_placeholder,
        stored_name=attribute.stored_name,
        set_clause=f"{argument.name_placeholder} = {argument.value_placeholder}",
        value_placeholder=argument.value_placeholder,
        encode=refs.encode(
            attribute.type, py, where_literal(entity.name, attribute.name)
        ),
        removes_when=removes_when,
    )


def derived_group(
    refs: References, entity: Entity, rewrite: GroupRewrite
) -> DerivedGroupView:
    """How ``update`` keeps one group of derived key attributes in step."""

    def py(name: str) -> str:
        return entity.attribute(name).py_name

    def presence(alternatives: tuple[tuple[str, ...], ...]) -> str:
        conditions = (
            " and ".join(f"{py(f)} is not None" for f in alternative)
            for alternative in alternatives
        )
        return " or ".join(f"({c})" if len(alternatives) > 1 else c for c in conditions)

    return DerivedGroupView(
        trigger=""
        if rewrite.rule.always
        else " or ".join(f"{py(f)} is not rt.UNSET" for f in rewrite.rule.triggers),
        checks=tuple(
            (
                " or ".join(f"{py(f)} is rt.UNSET" for f in check.fields)
                if check.fields
                else "expected_version is None",
                check.message,
            )
            for check in rewrite.checks
        ),
        impossible=rewrite.impossible or "",
        keys=tuple(
            DerivedWriteView(
                attribute=key.name,
                name_placeholder=write.placeholder,
                value_placeholder=write.value_placeholder or "",
                expression=derived_text(refs, entity, write),
                presence=presence(key.presence),
            )
            for key, write in rewrite.writes
        ),
    )


def declared_update_view(
    refs: References, entity: Entity, update: DeclaredUpdate
) -> DeclaredUpdateView:
    where = f"{entity.name}.{update.name}"
    params = {p.name: p for p in update.params}
    values = declared_values(refs, entity, update, where)
    fill_values = [
        (
            placeholder,
            refs.encode(
                entity.attribute(name).type,
                refs.default(entity.attribute(name)),
                where_literal(where, name),
            ),
        )
        for _, placeholder, name in update.fills
    ]
    fill_names = [
        (name, entity.attribute(a).stored_name) for name, _, a in update.fills
    ]
    fill_names.append((ph.FILL_KEY_NAME, entity.table.partition_key.name))
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
        params=tuple((p.py_name, refs.annotation(p.type)) for p in update.params),
        summary=summary,
        doc=update.doc,
        names=tuple(
            (
                placeholder,
                f"rt.map_key({params[stored[1:-1]].py_name}, "
                f"{where_literal(where, stored[1:-1])})"
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
        offers_version=offers_version(entity, update),
        outcomes=(
            *(("Creates the item when there is none",) if update.upsert else ()),
            *(RAISES_DOC[error] for error in declared_raises(entity, update)),
        ),
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


def declared_values(
    refs: References, entity: Entity, update: DeclaredUpdate, where: str
) -> list[tuple[str, str]]:
    """Every value placeholder of a declared update's request and its wire value:
    parameters and literals, defaults, derived keys, what an upsert writes, the
    ``auto: updated`` times and the version step."""
    values: list[tuple[str, str]] = []
    params = {p.name: p for p in update.params}
    literals = {literal.name: literal for literal in update.literals}
    for placeholder, param in update.values:
        values.append((placeholder, param_wire(refs, param, params, literals, where)))
    for placeholder, attribute_name in update.defaults:
        attribute = entity.attribute(attribute_name)
        default = refs.default(attribute)
        values.append(
            (
                placeholder,
                refs.encode(
                    attribute.type, default, where_literal(where, attribute_name)
                ),
            )
        )
    for write in update.derived:
        if write.value_placeholder is None or write.source.template is None:
            continue
        values.append(
            (
                write.value_placeholder,
                derived_text(refs, entity, write, params, literals),
            )
        )
    for placeholder, origin in update.upsert_values:
        values.append((placeholder, upsert_value(refs, entity, origin, where)))
    for placeholder, attribute_name in update.updated:
        attribute = entity.attribute(attribute_name)
        values.append(
            (
                placeholder,
                refs.encode(
                    attribute.type, "_now", where_literal(where, attribute_name)
                ),
            )
        )
    if update.version_placeholder is not None:
        values += [(ph.ZERO, '{"N": "0"}'), (ph.ONE, '{"N": "1"}')]
    return values


def param_wire(
    refs: References,
    name: str,
    params: dict[str, Parameter],
    literals: dict[str, LiteralValue],
    where: str,
) -> str:
    """The wire value of a parameter of an expression: the method's argument, or the
    constant of a literal."""
    if name in literals:
        value = literals[name]
        return refs.encode(
            value.type, refs.literal_value(value), where_literal(where, value.text)
        )
    parameter = params[name]
    return refs.encode(parameter.type, parameter.py_name, where_literal(where, name))


def upsert_value(refs: References, entity: Entity, origin: str, where: str) -> str:
    """The wire value of what an upsert writes for a new item (see the model's
    ``UpsertWrite.origin``)."""
    if origin == "type":
        return f'{{"S": {literal(entity.name)}}}'
    kind, name = origin.split(":", 1)
    attribute = entity.attribute(name)
    if kind == "key":
        value = attribute.py_name
    elif kind == "now":
        value = "_now"
    elif kind == "default":
        value = refs.default(attribute)
    else:  # "one": the version of a new item
        value = "1"
    return refs.encode(attribute.type, value, where_literal(where, name))
