"""The reads of ``<entity>_repository.py``: ``scan``, each declared query or scan and each
``get_<view>``, shaped for the template from the model's query plans and views.

The model plans every request (index, key condition, filters, the type filter); this
module only turns a plan into Python text, through one
:class:`~dynagen.render.references.References` that records the names the text uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from dynagen.model import shapes
from dynagen.model.expressions import placeholders as ph
from dynagen.model.naming import snake_case
from dynagen.model.queries import scan_filter, sent_filter
from dynagen.model.schema import (
    Entity,
    Index,
    Parameter,
    QueryPlan,
    TypeFilter,
)
from dynagen.render import codecs
from dynagen.render.key_bounds import bound_expression
from dynagen.render.python import literal
from dynagen.render.references import References
from dynagen.render.repository_writes import param_wire


@dataclass(frozen=True, slots=True)
class ScanView:
    """``scan``: every item of the entity, filtered on the type on a shared table."""

    filter_expression: str  # "" without a type filter
    names: tuple[tuple[str, str], ...]
    values: str  # the ExpressionAttributeValues, a Python expression


@dataclass(frozen=True, slots=True)
class ViewMethodView:
    """``get_<view>``: a GetItem reading only the view's attributes."""

    py_name: str
    class_name: str
    decode: str
    projection: str
    names: tuple[tuple[str, str], ...]


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


def type_value(check: TypeFilter) -> tuple[str, str]:
    """The value placeholder of a type filter and its wire value."""
    return check.value_placeholder, f'{{"S": {literal(check.entity)}}}'


def scan_view(entity: Entity) -> ScanView:
    check = scan_filter(entity)
    if check is None:
        return ScanView("", (), "")
    placeholder, value = type_value(check)
    return ScanView(
        check.expression,
        ((check.name_placeholder, check.attribute),),
        f"{{{literal(placeholder)}: {value}}}",
    )


def view_methods(refs: References, entity: Entity) -> tuple[ViewMethodView, ...]:
    methods = []
    for view in entity.views:
        names = projection_names(entity, view.attributes)
        methods.append(
            ViewMethodView(
                py_name=f"get_{view.name}",
                class_name=refs.model(view.class_name),
                decode=refs.model(f"decode_{snake_case(view.class_name)}"),
                projection=", ".join(ph.projection_name(i) for i in range(len(names))),
                names=tuple((ph.projection_name(i), n) for i, n in enumerate(names)),
            )
        )
    return tuple(methods)


def read_methods(refs: References, entity: Entity) -> tuple[ReadMethodView, ...]:
    return tuple(query_method(refs, entity, q) for q in entity.queries)


def query_method(refs: References, entity: Entity, plan: QueryPlan) -> ReadMethodView:
    # A literal of the key condition stands where a parameter would, as its constant.
    params = {
        **{
            v.name: Parameter(v.name, refs.literal_value(v), v.type)
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
                bound_expression(entity, condition, bound, params, where_prefix, refs),
            )
        )
    literals = {literal.name: literal for literal in plan.literals}
    for placeholder, param in plan.values:
        values.append(
            (placeholder, param_wire(refs, param, params, literals, where_prefix))
        )
    names = dict(plan.names)
    filter_expression = sent_filter(plan)
    if plan.key_prefix is not None:
        attribute, prefix = plan.key_prefix
        names[ph.KEY_PREFIX_NAME] = attribute
        values.append((ph.KEY_PREFIX_VALUE, f'{{"S": {literal(prefix)}}}'))
    if plan.type_filter is not None:
        values.append(type_value(plan.type_filter))
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
        read = [ph.projection_name(start + i) for i in range(len(projection))]
        names.update(zip(read, projection, strict=True))
        request.append(("ProjectionExpression", literal(", ".join(read))))
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
        params=tuple((p.py_name, refs.annotation(p.type)) for p in plan.params),
        summary=summary,
        doc=plan.doc,
        operation="Query" if plan.partition is not None else "Scan",
        request=tuple(request),
        values=tuple(values),
        item_class=refs.model(item_class),
        decode=refs.model(decode),
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
    partial = shapes.result_class(entity, plan)
    if partial is not None:
        return partial.name, f"decode_{snake_case(partial.name)}"
    return entity.name, f"decode_{entity.snake}"
