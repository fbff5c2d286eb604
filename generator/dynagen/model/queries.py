"""Access patterns (``queries:``): index selection and exact key bounds (SPEC §3).

A query's ``key`` is an equality on every field of some partition-key template plus at
most one condition on the leading fields of that index's sort-key template. DynamoDB
takes one sort-key condition, so the entity's literal prefix and the equality fields are
folded into it, with bounds exact on the composite string (the table in SPEC §3). A
query entry without ``key`` is a declared scan.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dynagen.model.expressions import (
    ExpressionError,
    ParamType,
    Placeholders,
    SchemaResolver,
    ast,
    check_condition,
    compile_condition,
    parse_condition,
)
from dynagen.model.expressions import placeholders as ph
from dynagen.model.literals import LiteralValue, split_literals
from dynagen.model.naming import py_identifier
from dynagen.model.schema import (
    Bound,
    Entity,
    Index,
    KeyCondition,
    KeyRange,
    KeySource,
    Op,
    Parameter,
    Piece,
    QueryPlan,
    TypeFilter,
)
from dynagen.model.templates import SEPARATOR, KeyTemplate, TemplateField
from dynagen.model.types import EnumType, ScalarType

#: The character right after the separator: an upper bound for "#"-continued text.
AFTER_SEPARATOR = chr(ord(SEPARATOR) + 1)
#: Above every character escaped key text holds (kept characters and escape prefixes
#: all sort at or below "{"): an upper bound for text that continues a literal.
ABOVE_TEXT = "|"


class QueryError(ValueError):
    """A query that cannot be planned; ``field`` names the YAML string it is located in."""

    def __init__(self, field: str, offset: int, message: str, hint: str | None = None):
        super().__init__(message)
        self.field = field
        self.offset = offset
        self.hint = hint


@dataclass(frozen=True, slots=True)
class _KeyTerms:
    equalities: dict[str, tuple[str, int]]  # attribute → (param, offset)
    range: tuple[str, Op, tuple[str, ...], int] | None  # attribute, op, params, offset


@dataclass(frozen=True, slots=True)
class _Candidate:
    index: Index | None  # None: the table's own key
    partition: KeySource
    sort: KeySource | None

    @property
    def label(self) -> str:
        return "the table's key" if self.index is None else f"index '{self.index.name}'"


def candidates(entity: Entity) -> list[_Candidate]:
    """The table key, then local, then global indexes the entity's items appear in."""
    table = entity.table
    result = []
    pk = entity.key_source(table.partition_key.name)
    sk = entity.key_source(table.sort_key.name) if table.sort_key else None
    if pk is not None:
        result.append(_Candidate(None, pk, sk))
    ordered = [i for i in entity.indexes if i.local] + [
        i for i in entity.indexes if not i.local
    ]
    for index in ordered:
        ipk = entity.key_source(index.partition_key.name)
        isk = entity.key_source(index.sort_key.name) if index.sort_key else None
        if ipk is not None:
            result.append(_Candidate(index, ipk, isk))
    return result


def plan_query(
    entity: Entity,
    resolver: SchemaResolver,
    name: str,
    spec: dict[str, object],
    entities_on_table: int,
) -> QueryPlan:
    """Plan one ``queries:`` entry; raise :class:`QueryError` located in its strings."""
    key_text = spec.get("key")
    filter_text = spec.get("filter")
    index_name = spec.get("index")
    all_candidates = candidates(entity)
    if index_name is not None:
        chosen = [c for c in all_candidates if c.index and c.index.name == index_name]
        if not chosen:
            known = [c.index.name for c in all_candidates if c.index]
            raise QueryError(
                "index",
                0,
                f"'{entity.name}' items are not in an index named '{index_name}'",
                f"its indexes: {', '.join(known)}" if known else "it is in no index",
            )
        all_candidates = chosen
    placeholders = Placeholders()
    param_types: dict[str, ParamType] = {}
    literals: tuple[LiteralValue, ...] = ()
    partition = sort = None
    key_expression = None
    key_range: KeyRange | None = None
    key_values: list[tuple[str, int]] = []
    index = all_candidates[0].index if index_name is not None else None
    if isinstance(key_text, str):
        try:
            tree = parse_condition(key_text)
            refuse_in_queries(tree, "a key condition")
            param_types.update(check_condition(tree, resolver))
            param_types, literals = split_literals([tree], param_types)
            terms = key_terms(tree)
            candidate, partition, sort = select(entity, all_candidates, terms)
        except ExpressionError as error:
            raise QueryError("key", error.offset, error.message, error.hint) from error
        index = candidate.index
        key_range, key_values = key_condition_range(partition, sort, placeholders)
        key_expression = key_range.text
    filter_compiled = None
    if isinstance(filter_text, str):
        try:
            filter_tree = parse_condition(filter_text)
            refuse_in_queries(filter_tree, "a filter")
            param_types.update(
                check_condition(filter_tree, resolver, known=param_types)
            )
            param_types, filter_literals = split_literals([filter_tree], param_types)
            literals += filter_literals
            check_filter_keys(entity, index, filter_tree, resolver)
            check_filter_projected(entity, index, filter_tree, resolver)
            filter_compiled = compile_condition(
                filter_tree, resolver.stored_name, placeholders=placeholders
            )
        except ExpressionError as error:
            raise QueryError(
                "filter", error.offset, error.message, error.hint
            ) from error
    consistent = bool(spec.get("consistent", False))
    if consistent and index is not None and not index.local:
        raise QueryError(
            "consistent",
            0,
            "a global index cannot be read consistently",
            "remove `consistent: true`, or query the table or a local index",
        )
    names: dict[str, str] = {}
    values: dict[str, str] = {}
    if filter_compiled is not None:
        names.update(filter_compiled.names)
        values.update(filter_compiled.params)
    for stored, placeholder in _named(placeholders):
        names.setdefault(placeholder, stored)
    shared = entities_on_table > 1
    projected = entity.table.projected_by(index) if index is not None else None
    projects_type = projected is None or entity.table.type_attribute in projected
    type_check = None
    if shared and projects_type:
        type_check = type_filter(
            entity, placeholders.name(entity.table.type_attribute), ph.TYPE_VALUE
        )
        names[type_check.name_placeholder] = type_check.attribute
    return QueryPlan(
        name=name,
        doc=doc if isinstance(doc := spec.get("doc"), str) else None,
        source=key_text if isinstance(key_text, str) else None,
        index=index,
        params=tuple(Parameter(p, py_identifier(p), t) for p, t in param_types.items()),
        partition=partition,
        sort=sort,
        key_expression=key_expression,
        filter=filter_compiled.text if filter_compiled is not None else None,
        names=tuple(sorted(names.items())),
        values=tuple(sorted(values.items())),
        key_values=tuple(key_values),
        type_filter=type_check,
        descending=spec.get("order") == "desc",
        consistent=consistent,
        between=filter_compiled.between if filter_compiled is not None else (),
        literals=literals,
        key_range=key_range,
    )


def type_filter(
    entity: Entity, name_placeholder: str, value_placeholder: str
) -> TypeFilter:
    """The check on the table's type attribute that keeps a read to ``entity``'s items
    (the one rule, for queries, declared scans and ``scan``)."""
    return TypeFilter(
        name_placeholder, entity.table.type_attribute, value_placeholder, entity.name
    )


def scan_filter(entity: Entity) -> TypeFilter | None:
    """The type filter of the repository's ``scan`` (a request of its own), for an
    entity whose table other entities share."""
    if not entity.table_shared:
        return None
    return type_filter(entity, ph.SCAN_TYPE_NAME, ph.SCAN_TYPE_VALUE)


def without_type_filter(plan: QueryPlan) -> QueryPlan:
    """``plan`` sending no type filter (no other entity's items can match its key)."""
    if plan.type_filter is None:
        return plan
    dropped = plan.type_filter.name_placeholder
    return replace(
        plan,
        type_filter=None,
        names=tuple((p, n) for p, n in plan.names if p != dropped),
    )


def sent_filter(plan: QueryPlan) -> str | None:
    """The FilterExpression a query sends: the schema's filter (parenthesized where
    more follows), then the key-prefix and type checks that keep it to its entity."""
    guarded = plan.type_filter is not None or plan.key_prefix is not None
    filters = [f"({plan.filter})" if guarded else plan.filter] if plan.filter else []
    if plan.key_prefix is not None:
        filters.append(f"begins_with({ph.KEY_PREFIX_NAME}, {ph.KEY_PREFIX_VALUE})")
    if plan.type_filter is not None:
        filters.append(plan.type_filter.expression)
    return " AND ".join(filters) if filters else None


def refuse_in_queries(tree: ast.Condition, what: str) -> None:
    """Map keys from parameters are for declared updates and conditions: raise at the
    first one."""
    for path in ast.paths(tree):
        for i, segment in enumerate(path.segments):
            if isinstance(segment, str) and segment.startswith("{"):
                raise ExpressionError(
                    f"a map key from a parameter cannot be used in {what}",
                    path.segment_offset(i),
                    "name the map key in the path",
                )


def _named(placeholders: Placeholders) -> list[tuple[str, str]]:
    return list(placeholders._names.items())


def key_terms(tree: ast.Condition) -> _KeyTerms:
    """Split a key condition into equalities and at most one range condition."""
    parts: list[ast.Condition] = []

    def flatten(node: ast.Condition) -> None:
        if isinstance(node, ast.And):
            flatten(node.left)
            flatten(node.right)
        else:
            parts.append(node)

    flatten(tree)
    equalities: dict[str, tuple[str, int]] = {}
    ranges: list[tuple[str, Op, tuple[str, ...], int]] = []
    for part in parts:
        if isinstance(part, ast.Comparison) and part.op != "<>":
            path, param, op = _path_param(part)
            if path is None or param is None:
                raise ExpressionError(
                    "a key condition compares an attribute with a :parameter",
                    part.offset,
                )
            name = _top_name(path)
            if op == "=":
                if name in equalities:
                    raise ExpressionError(f"'{name}' is compared twice", part.offset)
                equalities[name] = (param.name, part.offset)
            else:
                ranges.append((name, op, (param.name,), part.offset))
        elif isinstance(part, ast.Between) and isinstance(part.operand, ast.Path):
            low, high = part.low, part.high
            if not (isinstance(low, ast.Param) and isinstance(high, ast.Param)):
                raise ExpressionError("BETWEEN takes two :parameters here", part.offset)
            ranges.append(
                (_top_name(part.operand), "BETWEEN", (low.name, high.name), part.offset)
            )
        elif isinstance(part, ast.BeginsWith) and isinstance(part.prefix, ast.Param):
            ranges.append(
                (_top_name(part.path), "begins_with", (part.prefix.name,), part.offset)
            )
        else:
            raise ExpressionError(
                "a key condition is equalities joined by AND, plus at most one <, <=, >, "
                ">=, BETWEEN or begins_with",
                _offset(part),
            )
    if len(ranges) > 1:
        raise ExpressionError(
            "a key condition holds at most one range condition", ranges[1][3]
        )
    return _KeyTerms(equalities, ranges[0] if ranges else None)


def _offset(node: object) -> int:
    offset = getattr(node, "offset", 0)
    return offset if isinstance(offset, int) else 0


_FLIP: dict[str, Op] = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}


def _path_param(
    node: ast.Comparison,
) -> tuple[ast.Path | None, ast.Param | None, Op]:
    if isinstance(node.left, ast.Path) and isinstance(node.right, ast.Param):
        return node.left, node.right, node.op  # type: ignore[return-value]
    if isinstance(node.left, ast.Param) and isinstance(node.right, ast.Path):
        return node.right, node.left, _FLIP[node.op]
    return None, None, "="


def _top_name(path: ast.Path) -> str:
    if len(path.segments) != 1 or not isinstance(path.segments[0], str):
        raise ExpressionError("a key condition names top-level attributes", path.offset)
    return path.segments[0]


def select(
    entity: Entity, options: list[_Candidate], terms: _KeyTerms
) -> tuple[_Candidate, KeyCondition, KeyCondition | None]:
    """The first candidate that serves the key condition, or a located error."""
    reasons = []
    for candidate in options:
        outcome = serve(entity, candidate, terms)
        if isinstance(outcome, str):
            reasons.append(f"{candidate.label}: {outcome}")
            continue
        return candidate, outcome[0], outcome[1]
    wanted = ", ".join(terms.equalities)
    suggestion = f"partition_key template names {wanted or '...'}"
    if terms.range is not None:
        suggestion += f" and whose sort_key template starts with {terms.range[0]}"
    raise ExpressionError(
        "no index serves this key condition; " + "; ".join(reasons),
        0,
        f"add an index whose {suggestion}, e.g. " + _example_index(terms),
    )


def _example_index(terms: _KeyTerms) -> str:
    pk = "#".join(f"{{{f}}}" for f in terms.equalities) or "{...}"
    text = f'partition_key: "X#{pk}"'
    if terms.range is not None:
        text += f', sort_key: "Y#{{{terms.range[0]}}}"'
    return text


def serve(
    entity: Entity, candidate: _Candidate, terms: _KeyTerms
) -> tuple[KeyCondition, KeyCondition | None] | str:
    """Whether ``candidate`` serves ``terms``: the key conditions, or why not."""
    equalities = dict(terms.equalities)
    pk_fields = candidate.partition.field_names
    missing = [f for f in pk_fields if f not in equalities]
    if missing:
        return f"its partition key needs {', '.join(missing)}"
    partition = _equality(entity, candidate.partition, equalities)
    rest = [f for f in equalities if f not in pk_fields]
    sort_source = candidate.sort
    if sort_source is None:
        if rest or terms.range is not None:
            return "it has no sort key for " + ", ".join(
                rest + ([terms.range[0]] if terms.range else [])
            )
        return partition, None
    sk_fields = sort_source.field_names
    leading = sk_fields[: len(rest)]
    if set(rest) != set(leading):
        return f"{', '.join(rest)} are not the leading fields of its sort key ({', '.join(sk_fields)})"
    if terms.range is not None and (
        len(rest) >= len(sk_fields) or sk_fields[len(rest)] != terms.range[0]
    ):
        return (
            f"its sort key's next field is not {terms.range[0]}"
            if len(rest) < len(sk_fields)
            else f"its sort key has no field after {', '.join(rest)}"
        )
    sort = sort_condition(
        entity,
        sort_source,
        [f for f in sk_fields if f in equalities],
        equalities,
        terms.range,
    )
    if isinstance(sort, str):
        return sort
    return partition, sort


def _equality(
    entity: Entity, source: KeySource, equalities: dict[str, tuple[str, int]]
) -> KeyCondition:
    if source.plain is not None:
        return KeyCondition(
            source.attribute,
            "=",
            ((Piece(field=source.plain, param=equalities[source.plain][0]),),),
            plain=source.plain,
        )
    assert source.template is not None
    return KeyCondition(
        source.attribute,
        "=",
        (_render(source.template, len(source.template.fields), equalities),),
    )


def _render(
    template: KeyTemplate, fields_given: int, equalities: dict[str, tuple[str, int]]
) -> Bound:
    """The template's text up to (not including) field number ``fields_given``."""
    pieces: list[Piece] = []
    seen = 0
    for part in template.parts:
        if isinstance(part, str):
            pieces.append(Piece(literal=part))
            continue
        if seen == fields_given:
            break
        pieces.append(
            Piece(field=part.name, param=equalities[part.name][0], width=part.width)
        )
        seen += 1
    return _merge(pieces)


def _merge(pieces: list[Piece]) -> Bound:
    merged: list[Piece] = []
    for piece in pieces:
        if piece.field is None and merged and merged[-1].field is None:
            merged[-1] = Piece(literal=merged[-1].literal + piece.literal)
        elif piece.field is not None or piece.literal:
            merged.append(piece)
    return tuple(merged)


def _adjacent_ok(entity: Entity, field: TemplateField) -> bool:
    attribute = entity.attribute(field.name)
    if field.width is not None:
        return True
    return isinstance(attribute.type, ScalarType) and attribute.type.name in (
        "datetime",
        "date",
        "epoch",
        "uuid",
    )


def sort_condition(
    entity: Entity,
    source: KeySource,
    equal_fields: list[str],
    equalities: dict[str, tuple[str, int]],
    range_term: tuple[str, Op, tuple[str, ...], int] | None,
) -> KeyCondition | str | None:
    attribute = source.attribute
    if source.plain is not None:
        if range_term is None:
            if source.plain in equalities:
                return KeyCondition(
                    attribute,
                    "=",
                    ((Piece(field=source.plain, param=equalities[source.plain][0]),),),
                    plain=source.plain,
                )
            return None
        name, op, params, offset = range_term
        if op == "begins_with" and attribute.type == "N":
            raise ExpressionError("begins_with cannot apply to a number key", offset)
        return KeyCondition(
            attribute,
            op,
            tuple((Piece(field=name, param=p),) for p in params),
            plain=name,
        )
    template = source.template
    assert template is not None
    fields = template.fields
    k = len(equal_fields)
    if template.is_constant:
        return KeyCondition(attribute, "=", ((Piece(literal=template.text),),))
    if range_term is None:
        if k == len(fields):
            return KeyCondition(attribute, "=", (_render_all(template, equalities),))
        head = _render(template, k, equalities)
        if not head:
            return None  # nothing known about the sort key: every value
        return KeyCondition(attribute, "begins_with", (head,))
    name, op, params, offset = range_term
    field = fields[k]
    attr = entity.attribute(name)
    sorts = field.width is not None or attr.type.sorts_as_text
    if not sorts or (
        isinstance(attr.type, ScalarType)
        and attr.type.name in ("int", "float", "decimal", "epoch")
        and field.width is None
    ):
        raise ExpressionError(
            f"'{name}' does not sort as text in the key, so a range on it would not be exact",
            offset,
            f"pad it in the template, as {{{name}:10}}"
            if attr.type == ScalarType("int")
            else None,
        )
    head = _render(template, k, equalities)
    final = field is fields[-1] and template.parts[-1] is field
    value = Piece(field=name, param=params[0], width=field.width)
    if op == "begins_with":
        return KeyCondition(attribute, "begins_with", (_merge([*head, value]),))
    sep = Piece(literal=SEPARATOR)
    after = Piece(literal=AFTER_SEPARATOR)
    if op == "BETWEEN":
        high = Piece(field=name, param=params[1], width=field.width)
        if final:
            return KeyCondition(
                attribute, "BETWEEN", (_merge([*head, value]), _merge([*head, high]))
            )
        return KeyCondition(
            attribute,
            "BETWEEN",
            (_merge([*head, value, sep]), _merge([*head, high, after])),
        )
    if not head:
        # The field starts the template: DynamoDB refuses an empty bound, and one-sided
        # operators are exact here, exclusive ones included.
        if final:
            return KeyCondition(attribute, op, ((value,),))
        one_sided: dict[str, tuple[Op, Bound]] = {
            "<": ("<", (value,)),
            "<=": ("<", (value, after)),
            ">": (">", (value, after)),
            ">=": (">=", (value, sep)),
        }
        new_op, bound = one_sided[op]
        return KeyCondition(attribute, new_op, (bound,))
    if final and op in ("<", ">") and not _adjacent_ok(entity, field):
        raise ExpressionError(
            f"'{name}' ends the key template and has no adjacent value, so an exclusive "
            f"bound ({op}) cannot be exact",
            offset,
            f"use {op}= instead",
        )
    low_all = head
    if op == "<":
        bound = (
            (*head, Piece(field=name, param=params[0], step=-1, width=field.width))
            if final
            else (*head, value)
        )
        return KeyCondition(
            attribute, "BETWEEN", (_merge(list(low_all)), _merge(list(bound)))
        )
    if op == "<=":
        bound = (*head, value) if final else (*head, value, after)
        return KeyCondition(
            attribute, "BETWEEN", (_merge(list(low_all)), _merge(list(bound)))
        )
    if op == ">":
        bound = (
            (*head, Piece(field=name, param=params[0], step=1, width=field.width))
            if final
            else (*head, value, after)
        )
        return KeyCondition(attribute, "BETWEEN", (_merge(list(bound)), _upper(head)))
    bound = (*head, value) if final else (*head, value, sep)
    return KeyCondition(attribute, "BETWEEN", (_merge(list(bound)), _upper(head)))


def _upper(head: Bound) -> Bound:
    """A bound above every value that starts with ``head`` (a literal-ended prefix)."""
    last = head[-1]
    if last.field is None and last.literal.endswith(SEPARATOR):
        return (*head[:-1], Piece(literal=last.literal[:-1] + AFTER_SEPARATOR))
    return _merge([*head, Piece(literal=ABOVE_TEXT)])


def _render_all(template: KeyTemplate, equalities: dict[str, tuple[str, int]]) -> Bound:
    return _merge(
        [
            Piece(literal=p)
            if isinstance(p, str)
            else Piece(field=p.name, param=equalities[p.name][0], width=p.width)
            for p in template.parts
        ]
    )


def key_condition_range(
    partition: KeyCondition, sort: KeyCondition | None, placeholders: Placeholders
) -> tuple[KeyRange, list[tuple[str, int]]]:
    """The KeyConditionExpression's pieces and its value placeholders (bound numbers)."""
    values: list[tuple[str, int]] = [(":__k0", 0)]
    pk = placeholders.name(partition.attribute.name)
    if sort is None:
        return KeyRange(f"{pk} = :__k0", ":__k0"), values
    bound_names = tuple(f":__k{i + 1}" for i in range(len(sort.bounds)))
    values += [(name, i + 1) for i, name in enumerate(bound_names)]
    sk = placeholders.name(sort.attribute.name)
    return KeyRange(f"{pk} = :__k0", ":__k0", sk, sort.op, bound_names), values


def check_filter_keys(
    entity: Entity, index: Index | None, tree: ast.Condition, resolver: SchemaResolver
) -> None:
    """DynamoDB refuses a filter on a key attribute of the queried table or index."""
    table = entity.table
    keys = {k.name for k in table.key_attributes}
    if index is not None:
        keys |= {k.name for k in (index.partition_key, index.sort_key) if k is not None}
    for path in ast.paths(tree):
        if (
            isinstance(path.segments[0], str)
            and resolver.stored_name(path.segments[:1]) in keys
        ):
            raise ExpressionError(
                f"'{path.segments[0]}' is a key attribute of the queried "
                f"{'index' if index else 'table'}; DynamoDB refuses it in a filter",
                path.offset,
                "put the condition in `key:` instead",
            )


_ = EnumType  # enums sort as text (their stored value) like strings


def check_filter_projected(
    entity: Entity, index: Index | None, tree: ast.Condition, resolver: SchemaResolver
) -> None:
    """A filter on an attribute the index does not project would match nothing."""
    projected = entity.table.projected_by(index) if index is not None else None
    if index is None or projected is None:
        return
    for path in ast.paths(tree):
        segment = path.segments[0]
        if (
            isinstance(segment, str)
            and resolver.stored_name((segment,)) not in projected
        ):
            raise ExpressionError(
                f"index '{index.name}' does not project '{segment}', so this filter "
                "would match nothing",
                path.offset,
                f"add '{segment}' to the index's `projection: {{include: [...]}}`",
            )
